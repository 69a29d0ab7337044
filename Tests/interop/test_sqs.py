"""Amazon SQS against the release binary with boto3 and the aws CLI: queues, messages, long
polling, visibility, redrive, batches, authorization, the trail, and bad input."""
import base64
import hashlib
import gzip
import json
import random
import subprocess
import struct
import threading
import time
import uuid

import botocore.exceptions
import pytest

from conftest import ACCOUNT, fails


def md5_of_attributes(attributes):
    """AWS's documented MD5 of message attributes, written independently of the server."""
    out = b""
    for name in sorted(attributes):
        a = attributes[name]
        out += struct.pack(">I", len(name.encode())) + name.encode()
        out += struct.pack(">I", len(a["DataType"].encode())) + a["DataType"].encode()
        if "BinaryValue" in a:
            out += b"\x02" + struct.pack(">I", len(a["BinaryValue"])) + a["BinaryValue"]
        else:
            v = a["StringValue"].encode()
            out += b"\x01" + struct.pack(">I", len(v)) + v
    return hashlib.md5(out).hexdigest()


@pytest.fixture(scope="module")
def sqs(server):
    return server.client("sqs")


def name():
    return "q-" + uuid.uuid4().hex[:12]


def test_create_get_list_delete_queue(server, sqs):
    n = name()
    url = sqs.create_queue(QueueName=n, Attributes={"VisibilityTimeout": "45"}, tags={"team": "sec"})["QueueUrl"]
    assert url == f"{server.endpoint}/{ACCOUNT}/{n}"
    # Same attributes: the same queue; a different value: QueueAlreadyExists.
    assert sqs.create_queue(QueueName=n, Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url
    with pytest.raises(sqs.exceptions.QueueNameExists) as e:
        sqs.create_queue(QueueName=n, Attributes={"VisibilityTimeout": "46"})
    assert e.value.response["Error"]["Code"] == "QueueAlreadyExists"
    assert sqs.get_queue_url(QueueName=n)["QueueUrl"] == url
    assert sqs.get_queue_url(QueueName=n, QueueOwnerAWSAccountId=ACCOUNT)["QueueUrl"] == url
    assert url in sqs.list_queues(QueueNamePrefix=n)["QueueUrls"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "45"
    assert attrs["MessageRetentionPeriod"] == "345600"
    assert attrs["MaximumMessageSize"] == "262144"
    assert attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:{ACCOUNT}:{n}"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert int(attrs["CreatedTimestamp"]) > 1_600_000_000
    named = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    assert list(named) == ["QueueArn"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "sec"}
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as e:
        sqs.get_queue_url(QueueName=n)
    assert e.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_any_host_in_the_url_is_accepted(sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    path = url.split("/", 3)[3]
    other = f"https://sqs.us-east-1.amazonaws.com/{path}"
    sqs.send_message(QueueUrl=other, MessageBody="x")
    assert sqs.get_queue_attributes(QueueUrl=other, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
        "ApproximateNumberOfMessages": "1"}


def test_list_queues_pages(sqs):
    prefix = "page-" + uuid.uuid4().hex[:6]
    urls = [sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(5)]
    first = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2)
    assert first["QueueUrls"] == urls[:2] and "NextToken" in first
    seen = list(first["QueueUrls"])
    token = first["NextToken"]
    while token:
        page = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2, NextToken=token)
        seen += page["QueueUrls"]
        token = page.get("NextToken")
    assert seen == urls


def test_set_queue_attributes_validates(sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "5", "ReceiveMessageWaitTimeSeconds": "2"})
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds", "ReceiveMessageWaitTimeSeconds"])
    assert got["Attributes"] == {"DelaySeconds": "5", "ReceiveMessageWaitTimeSeconds": "2"}
    r = fails("InvalidAttributeValue", sqs.set_queue_attributes, QueueUrl=url, Attributes={"VisibilityTimeout": "43201"})
    assert r["Error"]["Message"] == "Invalid value for the parameter VisibilityTimeout."
    fails("InvalidParameterValue", sqs.set_queue_attributes, QueueUrl=url,
          Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:missing",
                                                    "maxReceiveCount": 3})})
    fails("InvalidParameterValue", sqs.set_queue_attributes, QueueUrl=url, Attributes={"RedrivePolicy": "{not json"})


def test_send_receive_delete_with_attributes(sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    attributes = {
        "City": {"DataType": "String", "StringValue": "Any City"},
        "Population": {"DataType": "Number", "StringValue": "1250800"},
        "Blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02"},
        "app.trace": {"DataType": "String.custom", "StringValue": "t-1"},
    }
    body = "Information about current NY City weather ☃"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])["Messages"]
    assert len(got) == 1
    m = got[0]
    assert m["Body"] == body and m["MessageId"] == sent["MessageId"]
    assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert m["MessageAttributes"] == attributes
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    assert int(m["Attributes"]["SentTimestamp"]) > 0
    assert m["Attributes"]["SenderId"]
    # Hidden while in flight; deleted for good with its receipt handle.
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_message_attribute_prefix_selection(sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    attributes = {"app.a": {"DataType": "String", "StringValue": "1"},
                  "other": {"DataType": "String", "StringValue": "2"}}
    sqs.send_message(QueueUrl=url, MessageBody="b", MessageAttributes=attributes)
    m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["app.*"])["Messages"][0]
    assert m["MessageAttributes"] == {"app.a": attributes["app.a"]}
    assert m["MD5OfMessageAttributes"] == md5_of_attributes({"app.a": attributes["app.a"]})


def test_visibility_and_retention_follow_the_service_clock(fresh_server):
    sqs = fresh_server.client("sqs")
    url = sqs.create_queue(QueueName="clocked", Attributes={"MessageRetentionPeriod": "120"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one", DelaySeconds=30)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])[
        "Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"
    fresh_server.advance_clock(31)
    m = sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)["Messages"][0]
    fresh_server.advance_clock(30)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    # Back to visible now; then the receipt handle of this receive changes it, the older one is stale.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    again = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"][0]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])  # stale: succeeds, deletes nothing
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])[
        "Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
    # Retention: gone after 120 s on the service clock.
    fresh_server.advance_clock(200)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
        "ApproximateNumberOfMessagesNotVisible"] == "0"


def test_long_polling_wakes_on_send(sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    result = {}

    def poll():
        started = time.monotonic()
        result["messages"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
        result["took"] = time.monotonic() - started

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(1.0)
    sqs.send_message(QueueUrl=url, MessageBody="wake")
    t.join(15)
    assert [m["Body"] for m in result["messages"]] == ["wake"]
    assert 0.8 < result["took"] < 5


def test_long_polling_times_out_empty(sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)
    assert 1.8 < time.monotonic() - started < 4


def test_redrive_to_dead_letter_queue(sqs):
    dlq = sqs.create_queue(QueueName=name())["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName=name(), Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    assert policy == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]
    sqs.send_message(QueueUrl=src, MessageBody="poison")
    for _ in range(2):
        m = sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"][0]
        assert m["Body"] == "poison"
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    moved = sqs.receive_message(QueueUrl=dlq, MessageSystemAttributeNames=["All"])["Messages"][0]
    assert moved["Body"] == "poison"
    assert moved["Attributes"]["DeadLetterQueueSourceArn"].endswith(src.rsplit("/", 1)[1])


def test_batches_report_entries(sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    out = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "one"},
        {"Id": "b", "MessageBody": "two", "DelaySeconds": 901},
        {"Id": "c", "MessageBody": "three", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
    ])
    assert sorted(e["Id"] for e in out["Successful"]) == ["a", "c"]
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in out["Failed"]] == [("b", "InvalidParameterValue", True)]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "three"]
    entries = [{"Id": f"e{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
    bad = base64.b64encode(b"nonsense").decode()
    vis = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {**e, "VisibilityTimeout": 100} for e in entries] + [{"Id": "bad", "ReceiptHandle": bad, "VisibilityTimeout": 1}])
    assert sorted(e["Id"] for e in vis["Successful"]) == ["e0", "e1"]
    assert [(f["Id"], f["Code"]) for f in vis["Failed"]] == [("bad", "ReceiptHandleIsInvalid")]
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=entries + [{"Id": "bad", "ReceiptHandle": bad}])
    assert sorted(e["Id"] for e in deleted["Successful"]) == ["e0", "e1"]
    assert [f["Id"] for f in deleted["Failed"]] == ["bad"]
    assert fails("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", sqs.send_message_batch, QueueUrl=url,
                 Entries=[{"Id": "x", "MessageBody": "1"}, {"Id": "x", "MessageBody": "2"}])
    fails("AWS.SimpleQueueService.EmptyBatchRequest", sqs.delete_message_batch, QueueUrl=url, Entries=[])
    fails("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", sqs.send_message_batch, QueueUrl=url,
          Entries=[{"Id": f"i{i}", "MessageBody": "m"} for i in range(11)])
    fails("AWS.SimpleQueueService.BatchRequestTooLong", sqs.send_message_batch, QueueUrl=url,
          Entries=[{"Id": f"i{i}", "MessageBody": "m" * 30000} for i in range(10)])


def test_purge_queue(sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "m"} for i in range(3)])
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    fails("AWS.SimpleQueueService.PurgeQueueInProgress", sqs.purge_queue, QueueUrl=url)


def test_bad_input_gets_aws_errors(server, sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    r = fails("InvalidParameterValue", sqs.send_message, QueueUrl=url, MessageBody="x" * (262_144 + 1))
    assert "Message must be shorter than 262144 bytes" in r["Error"]["Message"]
    fails("InvalidMessageContents", sqs.send_message, QueueUrl=url, MessageBody="bad \u0001")
    fails("AWS.SimpleQueueService.NonExistentQueue", sqs.send_message,
          QueueUrl=f"{server.endpoint}/{ACCOUNT}/no-such-queue", MessageBody="x")
    fails("InvalidAddress", sqs.send_message, QueueUrl="not a url", MessageBody="x")
    fails("ReceiptHandleIsInvalid", sqs.delete_message, QueueUrl=url, ReceiptHandle="garbage")
    fails("InvalidParameterValue", sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11)
    fails("InvalidParameterValue", sqs.receive_message, QueueUrl=url, WaitTimeSeconds=21)
    fails("InvalidParameterValue", sqs.create_queue, QueueName="bad name!")
    fails("InvalidParameterValue", sqs.send_message, QueueUrl=url, MessageBody="x",
          MessageAttributes={"n": {"DataType": "Number", "StringValue": "abc"}})
    # Malformed JSON and wrong types: AWS's JSON errors, with the query-compatible header.
    raw = server.signed("AmazonSQS.SendMessage", "{not json", service="sqs", content_type="application/x-amz-json-1.0")
    assert raw.status_code == 400
    assert raw.headers["Content-Type"] == "application/x-amz-json-1.0"
    assert raw.headers["x-amzn-query-error"].endswith(";Sender")
    raw = server.signed("AmazonSQS.SendMessage", json.dumps({"QueueUrl": url, "MessageBody": 5}), service="sqs",
                        content_type="application/x-amz-json-1.0")
    assert raw.status_code == 400
    raw = server.signed("AmazonSQS.GetQueueUrl", json.dumps({"QueueName": "nope"}), service="sqs",
                        content_type="application/x-amz-json-1.0")
    assert raw.status_code == 400
    assert raw.json()["__type"] == "QueueDoesNotExist"
    assert raw.headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    raw = server.signed("AmazonSQS.AddPermission", json.dumps({"QueueUrl": url}), service="sqs",
                        content_type="application/x-amz-json-1.0")
    assert raw.status_code == 400


def test_messages_survive_a_restart(fresh_server):
    sqs = fresh_server.client("sqs")
    url = sqs.create_queue(QueueName="durable")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="kept")
    fresh_server.stop(sig=9)
    fresh_server.start_again()
    sqs = fresh_server.client("sqs")
    assert sqs.get_queue_url(QueueName="durable")["QueueUrl"] == url
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "kept"


def test_queue_policy_and_identity_policies(fresh_server):
    other = "222233334444"
    keys = fresh_server.add_account(other)
    sqs = fresh_server.client("sqs")
    theirs = fresh_server.client("sqs", keys=keys)
    url = sqs.create_queue(QueueName="shared")["QueueUrl"]
    fails("AccessDenied", theirs.send_message, QueueUrl=url, MessageBody="x")
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:shared"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{other}:root"},
                       "Action": "sqs:SendMessage", "Resource": arn}]})})
    theirs.send_message(QueueUrl=url, MessageBody="from another account")
    fails("AccessDenied", theirs.receive_message, QueueUrl=url)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "from another account"
    # An IAM user with no policy may not use the queue; an inline policy lets it.
    iam = fresh_server.client("iam")
    iam.create_user(UserName="worker")
    k = iam.create_access_key(UserName="worker")["AccessKey"]
    worker = fresh_server.client("sqs", keys=(k["AccessKeyId"], k["SecretAccessKey"]))
    fails("AccessDenied", worker.send_message, QueueUrl=url, MessageBody="x")
    iam.put_user_policy(UserName="worker", PolicyName="send", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn}]}))
    worker.send_message(QueueUrl=url, MessageBody="from worker")
    # sqs:SendMessage also covers SendMessageBatch: AWS has no batch actions.
    sent = worker.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "batched"}])
    assert [e["Id"] for e in sent["Successful"]] == ["a"]


def test_add_and_remove_permission(fresh_server):
    other = "555566667777"
    keys = fresh_server.add_account(other)
    sqs = fresh_server.client("sqs")
    theirs = fresh_server.client("sqs", keys=keys)
    url = sqs.create_queue(QueueName="granted")["QueueUrl"]
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:granted"
    fails("AccessDenied", theirs.send_message, QueueUrl=url, MessageBody="x")
    sqs.add_permission(QueueUrl=url, Label="partner-send", AWSAccountIds=[other], Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Id"] == f"{arn}/SQSDefaultPolicy"
    assert policy["Statement"] == [{"Sid": "partner-send", "Effect": "Allow",
                                    "Principal": {"AWS": f"arn:aws:iam::{other}:root"},
                                    "Action": "SQS:SendMessage", "Resource": arn}]
    theirs.send_message(QueueUrl=url, MessageBody="granted")
    fails("AccessDenied", theirs.receive_message, QueueUrl=url)
    sqs.add_permission(QueueUrl=url, Label="partner-read", AWSAccountIds=[other, ACCOUNT],
                       Actions=["ReceiveMessage", "DeleteMessage"])
    assert theirs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "granted"
    e = fails("InvalidParameterValue", sqs.add_permission, QueueUrl=url, Label="partner-send",
              AWSAccountIds=[other], Actions=["SendMessage"])
    assert e["Error"]["Message"] == "Value partner-send for parameter Label is invalid. Reason: Already exists."
    fails("InvalidParameterValue", sqs.add_permission, QueueUrl=url, Label="bad label!", AWSAccountIds=[other],
          Actions=["SendMessage"])
    fails("InvalidParameterValue", sqs.add_permission, QueueUrl=url, Label="x", AWSAccountIds=[other],
          Actions=["CreateQueue"])
    fails("OverLimit", sqs.add_permission, QueueUrl=url, Label="many", AWSAccountIds=[other], Actions=["*"] * 8)
    fails("AccessDenied", theirs.add_permission, QueueUrl=url, Label="self", AWSAccountIds=[other], Actions=["*"])
    sqs.remove_permission(QueueUrl=url, Label="partner-send")
    fails("AccessDenied", theirs.send_message, QueueUrl=url, MessageBody="x")
    e = fails("InvalidParameterValue", sqs.remove_permission, QueueUrl=url, Label="partner-send")
    assert e["Error"]["Message"] == "Value partner-send for parameter Label is invalid. Reason: can't find label."
    sqs.remove_permission(QueueUrl=url, Label="partner-read")
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_unknown_attribute_names(sqs):
    name = f"attrs-{uuid.uuid4().hex[:8]}"
    e = fails("InvalidAttributeName", sqs.create_queue, QueueName=name, Attributes={"Bogus": "1"})
    assert e["Error"]["Message"] == "Unknown Attribute Bogus."
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    e = fails("InvalidAttributeName", sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["VisibilityTimeout", "Nope"])
    assert e["Error"]["Message"] == "Unknown Attribute Nope."
    fails("InvalidAttributeName", sqs.set_queue_attributes, QueueUrl=url, Attributes={"Nope": "1"})


def test_trail_records_data_events_without_bodies(server, tmp_path):
    """SendMessage is a data event: a logging trail whose selectors select SQS's data events
    records it (in its own account, so no other test's calls are selected) with eventCategory
    Data and managementEvent false, without the body or attribute values; LookupEvents, which
    AWS limits to management events, does not return it, while CreateQueue's record is there."""
    account = "".join(random.choice("0123456789") for _ in range(12))
    server.add_account(account)
    trail = server.client("cloudtrail", profile=account)
    trail.create_trail(Name="data-events", S3BucketName="audit-bucket")
    trail.put_event_selectors(TrailName="data-events", AdvancedEventSelectors=[{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::SQS::Queue"]}]}])
    trail.start_logging(Name="data-events")
    sqs = server.client("sqs", profile=account)
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    secret_body = "body-" + uuid.uuid4().hex
    sqs.send_message(QueueUrl=url, MessageBody=secret_body,
                     MessageAttributes={"a": {"DataType": "String", "StringValue": secret_body + "-attr"}})
    queue = url.rsplit("/", 1)[1]

    def looked_up(event_name):
        found = trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event_name}])["Events"]
        return [e for e in found if queue in e["CloudTrailEvent"]]

    deadline = time.time() + 10
    while time.time() < deadline and not looked_up("CreateQueue"):
        time.sleep(0.5)
    assert looked_up("CreateQueue"), "CreateQueue was not recorded"
    assert looked_up("SendMessage") == []
    out = tmp_path / "export"
    r = subprocess.run([server.bin, "trail", "export", "--data-dir", str(server.data), "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    records = [rec for p in out.rglob("*.json.gz") if "Digest" not in str(p)
               for rec in json.loads(gzip.decompress(p.read_bytes()))["Records"]]
    sends = [rec for rec in records if rec["eventName"] == "SendMessage" and queue in json.dumps(rec)]
    assert len(sends) == 1
    record = sends[0]
    assert record["eventSource"] == "sqs.amazonaws.com"
    assert record["eventCategory"] == "Data" and record["managementEvent"] is False
    assert record["requestParameters"]["queueUrl"] == url
    assert secret_body not in json.dumps(records)
    created = [rec for rec in records if rec["eventName"] == "CreateQueue" and queue in json.dumps(rec)]
    assert created[0]["eventCategory"] == "Management" and created[0]["managementEvent"] is True
    assert secret_body not in server.server_log()


def test_cli_round_trip(server):
    # aws CLI v1 sends `sqs` to https://queue.amazonaws.com (and its regional names) unless
    # `--endpoint-url` is given: its SSL common-name customization ignores AWS_ENDPOINT_URL.
    ep = ("--endpoint-url", server.endpoint)
    n = name()
    url = server.cli("sqs", "create-queue", "--queue-name", n, *ep)["QueueUrl"]
    server.cli("sqs", "send-message", "--queue-url", url, "--message-body", "from the cli", *ep)
    got = server.cli("sqs", "receive-message", "--queue-url", url, "--wait-time-seconds", "1", *ep)
    assert got["Messages"][0]["Body"] == "from the cli"
    out = server.cli("sqs", "get-queue-url", "--queue-name", "missing-" + n, *ep, check=False)
    assert out.returncode != 0 and "NonExistentQueue" in out.stderr


def test_kms_encrypted_queue(fresh_server):
    """KmsMasterKeyId: bodies are kept sealed under a data key KMS makes for the sender through
    SQS (kms:ViaService sqs.us-east-1.amazonaws.com); a key that refuses SQS refuses the send."""
    sqs, kms = fresh_server.client("sqs"), fresh_server.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    url = sqs.create_queue(QueueName="sealed", Attributes={"KmsMasterKeyId": key})["QueueUrl"]
    secret = "card 4111-1111-1111-1111 " + uuid.uuid4().hex
    sent = sqs.send_message(QueueUrl=url, MessageBody=secret)
    assert sent["MD5OfMessageBody"] == hashlib.md5(secret.encode()).hexdigest()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]
    assert got["Body"] == secret and got["MD5OfBody"] == sent["MD5OfMessageBody"]
    db = fresh_server.data / "rampart.sqlite"
    stored = b"".join(p.read_bytes() for p in fresh_server.data.iterdir() if p.name.startswith(db.name))
    assert secret.encode() not in stored, "the body is stored in the clear"

    deny = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "kms:GenerateDataKey", "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}}}]})
    refusing = kms.create_key(Policy=deny)["KeyMetadata"]["KeyId"]
    kms.generate_data_key(KeyId=refusing, KeySpec="AES_256")  # directly, the account may
    url2 = sqs.create_queue(QueueName="refused", Attributes={"KmsMasterKeyId": refusing})["QueueUrl"]
    e = fails("KMS.AccessDeniedException", sqs.send_message, QueueUrl=url2, MessageBody="x")
    assert "kms:GenerateDataKey" in e["Error"]["Message"]

    disabled = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=disabled)
    url3 = sqs.create_queue(QueueName="disabled", Attributes={"KmsMasterKeyId": disabled})["QueueUrl"]
    fails("KMS.DisabledException", sqs.send_message, QueueUrl=url3, MessageBody="x")
