"""Issue 20: CloudTrail PutEventSelectors / GetEventSelectors, and data events recorded only
when a logging trail's selectors select them.

Each test that makes trails works in an account of its own on the session server, so the
selectors it sets decide nothing for other tests."""
import gzip
import json
import random
import subprocess
import uuid

import pytest

from conftest import fails


def new_account(server):
    account = "".join(random.choice("0123456789") for _ in range(12))
    server.add_account(account)
    return account


@pytest.fixture()
def account(server):
    return new_account(server)


def client(server, account, service, region="us-east-1"):
    return server.client(service, profile=account, region=region)


def make_trail(ct, name=None, **extra):
    name = name or f"trail-{uuid.uuid4().hex[:8]}"
    return ct.create_trail(Name=name, S3BucketName="audit-bucket", **extra)


SQS_DATA = {"Name": "sqs data", "FieldSelectors": [
    {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::SQS::Queue"]}]}
SNS_DATA = {"FieldSelectors": [
    {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]}]}
DEFAULT = [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
            "ExcludeManagementEventSources": []}]


def exported(server, tmp_path):
    """Every record in the trail's export (data events included), after the pending records are written."""
    server.client("cloudtrail").lookup_events(MaxResults=1)  # flushes the group commit
    out = tmp_path / f"export-{uuid.uuid4().hex[:6]}"
    r = subprocess.run([server.bin, "trail", "export", "--data-dir", str(server.data), "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return [rec for p in out.rglob("*.json.gz") if "Digest" not in str(p)
            for rec in json.loads(gzip.decompress(p.read_bytes()))["Records"]]


def data_events(records, account):
    return [r for r in records if r["recipientAccountId"] == account and r.get("eventCategory") == "Data"]


# ---- the API ---------------------------------------------------------------------------------------------

def test_fresh_trail_has_aws_default_selectors(server, account):
    ct = client(server, account, "cloudtrail")
    trail = make_trail(ct)
    got = ct.get_event_selectors(TrailName=trail["Name"])
    assert got["TrailARN"] == trail["TrailARN"]
    assert got["EventSelectors"] == DEFAULT and "AdvancedEventSelectors" not in got
    assert ct.get_event_selectors(TrailName=trail["TrailARN"])["EventSelectors"] == DEFAULT
    assert ct.get_trail(Name=trail["Name"])["Trail"]["HasCustomEventSelectors"] is False


def test_put_and_get_basic_and_advanced_selectors(server, account):
    ct = client(server, account, "cloudtrail")
    name = make_trail(ct)["Name"]
    basic = [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True,
              "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::my-bucket/logs/", "arn:aws:s3"]},
                                {"Type": "AWS::Lambda::Function",
                                 "Values": [f"arn:aws:lambda:us-east-1:{account}:function:handler"]}],
              "ExcludeManagementEventSources": ["kms.amazonaws.com"]},
             {"DataResources": [{"Type": "AWS::DynamoDB::Table", "Values": ["arn:aws:dynamodb"]}]}]
    out = ct.put_event_selectors(TrailName=name, EventSelectors=basic)
    # Members left out take AWS's defaults.
    want = [basic[0], {"ReadWriteType": "All", "IncludeManagementEvents": True,
                       "DataResources": basic[1]["DataResources"], "ExcludeManagementEventSources": []}]
    assert out["EventSelectors"] == want and out["TrailARN"].endswith(f":trail/{name}")
    assert ct.get_event_selectors(TrailName=name)["EventSelectors"] == want
    assert ct.get_trail(Name=name)["Trail"]["HasCustomEventSelectors"] is True
    assert ct.describe_trails(trailNameList=[name])["trailList"][0]["HasCustomEventSelectors"] is True

    advanced = [SQS_DATA, {"Name": "writes", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]}, {"Field": "readOnly", "Equals": ["false"]}]}]
    out = ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=advanced)
    assert out["AdvancedEventSelectors"] == advanced and "EventSelectors" not in out
    got = ct.get_event_selectors(TrailName=name)
    assert got["AdvancedEventSelectors"] == advanced and "EventSelectors" not in got


def test_selectors_survive_a_restart_and_logging_changes(fresh_server):
    ct = fresh_server.client("cloudtrail")
    make_trail(ct, "durable")
    ct.put_event_selectors(TrailName="durable", AdvancedEventSelectors=[SQS_DATA])
    ct.start_logging(Name="durable")  # a write of the trail's own document: the selectors stay
    fresh_server.stop()
    fresh_server.start_again()
    ct = fresh_server.client("cloudtrail")
    assert ct.get_event_selectors(TrailName="durable")["AdvancedEventSelectors"] == [SQS_DATA]
    assert ct.get_trail_status(Name="durable")["IsLogging"] is True


@pytest.mark.parametrize("request_members, message", [
    ({"EventSelectors": DEFAULT, "AdvancedEventSelectors": [SQS_DATA]}, None),
    ({}, None),
    ({"EventSelectors": []}, "Specify a valid number of event selectors (1 to 5) for a trail."),
    ({"EventSelectors": DEFAULT * 6}, "Specify a valid number of event selectors (1 to 5) for a trail."),
    ({"EventSelectors": [{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::*/*"]}]}]},
     "Value arn:aws:s3:::*/* for DataResources.Values is invalid."),
    ({"EventSelectors": [{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::bucket"]}]}]},
     "Value arn:aws:s3:::bucket for DataResources.Values is invalid."),
    ({"EventSelectors": [{"DataResources": [{"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda:*"]}]}]},
     "Value arn:aws:lambda:* for DataResources.Values is invalid."),
    ({"EventSelectors": [{"DataResources": [{"Type": "AWS::SQS::Queue", "Values": ["arn:aws:sqs"]}]}]},
     "Value AWS::SQS::Queue for DataResources.Type is invalid."),
    ({"EventSelectors": [{"DataResources": [{"Type": "AWS::S3::Object",
                                             "Values": [f"arn:aws:s3:::bucket-{i}/" for i in range(251)]}]}]},
     "Specify a valid number of DataResources.Values (0 to 250) for all your selectors"),
    ({"EventSelectors": [{"ExcludeManagementEventSources": ["iam.amazonaws.com"]}]},
     "Value iam.amazonaws.com for ExcludeManagementEventSources is invalid."),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "resources.type", "Equals": ["AWS::SQS::Queue"]}]}]},
     None),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]}]}, None),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                                     {"Field": "resources.type", "Equals": ["AWS::Nope::Thing"]}]}]},
     None),
    ({"AdvancedEventSelectors": [{"FieldSelectors": SQS_DATA["FieldSelectors"] + [
        {"Field": "readOnly", "StartsWith": ["t"]}]}]}, None),
    ({"AdvancedEventSelectors": [{"FieldSelectors": SQS_DATA["FieldSelectors"] + [
        {"Field": "eventName", "Equals": [f"Op{i}" for i in range(499)]}]}]}, None),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                                     {"Field": "eventName", "Equals": ["CreateKey"]}]}]}, None),
])
def test_invalid_selectors(server, account, request_members, message):
    ct = client(server, account, "cloudtrail")
    name = make_trail(ct)["Name"]
    e = fails("InvalidEventSelectorsException", ct.put_event_selectors, TrailName=name, **request_members)
    assert e["ResponseMetadata"]["HTTPStatusCode"] == 400
    if message:
        assert e["Error"]["Message"] == message
    assert ct.get_event_selectors(TrailName=name)["EventSelectors"] == DEFAULT  # nothing changed


def test_malformed_selectors_are_refused_by_the_model(server, account):
    ct = client(server, account, "cloudtrail")
    name = make_trail(ct)["Name"]
    e = fails("ValidationException", ct.put_event_selectors, TrailName=name, EventSelectors=[{"ReadWriteType": "read-only"}])
    assert "enum value set: [ReadOnly, WriteOnly, All]" in e["Error"]["Message"]
    fails("SerializationException", ct.put_event_selectors, TrailName=name, EventSelectors=[{"IncludeManagementEvents": "yes"}])
    # A map where the list belongs (botocore will not send it, so the request is made by hand).
    r = server.signed("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.PutEventSelectors",
                      json.dumps({"TrailName": name, "EventSelectors": {"ReadWriteType": "All"}}), service="cloudtrail")
    assert r.status_code == 400 and r.json()["__type"].endswith("SerializationException"), r.text
    fails("ValidationException", ct.put_event_selectors, TrailName=name, AdvancedEventSelectors=[{"Name": "no fields"}])
    fails("ValidationException", ct.put_event_selectors, TrailName=name,
          AdvancedEventSelectors=[{"FieldSelectors": [{"Field": "eventCategory", "Equals": []}]}])
    fails("ValidationException", ct.put_event_selectors, TrailName=name,
          AdvancedEventSelectors=[{"FieldSelectors": [{"Field": "bad field!", "Equals": ["x"]}]}])
    fails("ValidationException", ct.put_event_selectors, EventSelectors=DEFAULT)  # TrailName is required
    # Unknown members are ignored, as AWS's front end does.
    r = server.signed("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.PutEventSelectors",
                      json.dumps({"TrailName": name, "EventSelectors": [{"ReadWriteType": "All", "Colour": "blue"}]}),
                      service="cloudtrail", keys=server.profile(account))
    assert r.status_code == 200, r.text


def test_unknown_trail_and_other_region(server, account):
    ct = client(server, account, "cloudtrail")
    e = fails("TrailNotFoundException", ct.get_event_selectors, TrailName="no-such-trail")
    assert e["Error"]["Message"] == (
        f"Unknown trail: arn:aws:cloudtrail:us-east-1:{account}:trail/no-such-trail for the user: {account}")
    fails("TrailNotFoundException", ct.put_event_selectors, TrailName="no-such-trail", EventSelectors=DEFAULT)
    regional = make_trail(ct)["Name"]
    multi = make_trail(ct, IsMultiRegionTrail=True)["Name"]
    west = client(server, account, "cloudtrail", region="eu-west-1")
    # A single-Region trail does not exist elsewhere; a multi-Region trail is read anywhere but
    # configured only from its home Region.
    fails("TrailNotFoundException", west.get_event_selectors, TrailName=regional)
    assert west.get_event_selectors(TrailName=multi)["EventSelectors"] == DEFAULT
    e = fails("InvalidHomeRegionException", west.put_event_selectors, TrailName=multi, AdvancedEventSelectors=[SQS_DATA])
    assert e["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_cli_put_and_get_event_selectors(server, account):
    ct = client(server, account, "cloudtrail")
    name = make_trail(ct)["Name"]
    out = server.cli("cloudtrail", "put-event-selectors", "--trail-name", name, "--advanced-event-selectors",
                     json.dumps([SNS_DATA]), profile=account)
    assert out["AdvancedEventSelectors"] == [SNS_DATA]
    got = server.cli("cloudtrail", "get-event-selectors", "--trail-name", name, profile=account)
    assert got["AdvancedEventSelectors"] == [SNS_DATA]
    out = server.cli("cloudtrail", "put-event-selectors", "--trail-name", name, "--event-selectors",
                     '[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": false}]', profile=account)
    assert out["EventSelectors"][0]["ReadWriteType"] == "ReadOnly"
    bad = server.cli("cloudtrail", "put-event-selectors", "--trail-name", name, "--event-selectors",
                     '[{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::*"]}]}]',
                     profile=account, check=False)
    assert bad.returncode != 0 and "InvalidEventSelectorsException" in bad.stderr
    assert "Value arn:aws:s3:::* for DataResources.Values is invalid." in bad.stderr


# ---- which data events are recorded ------------------------------------------------------------------------

def send_and_publish(server, account):
    """One SQS send, receive and delete and one SNS publish in `account`; the queue and topic ARNs."""
    sqs, sns = client(server, account, "sqs"), client(server, account, "sns")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sns.publish(TopicArn=topic, Message="hello")
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return queue_arn, topic


def names_for(records, arn):
    return sorted(r["eventName"] for r in records if arn in json.dumps(r.get("resources", [])))


def test_no_trail_no_data_events(server, account, tmp_path):
    queue, topic = send_and_publish(server, account)
    records = exported(server, tmp_path)
    assert data_events(records, account) == []
    # Management events are always recorded: the event history is always on.
    mine = [r for r in records if r["recipientAccountId"] == account]
    assert {"CreateQueue", "CreateTopic"} <= {r["eventName"] for r in mine}


def test_default_selectors_record_no_data_events(server, account, tmp_path):
    ct = client(server, account, "cloudtrail")
    name = make_trail(ct)["Name"]
    ct.start_logging(Name=name)
    send_and_publish(server, account)
    assert data_events(exported(server, tmp_path), account) == []


def test_sqs_selectors_record_sqs_data_events_only_while_logging(server, account, tmp_path):
    ct = client(server, account, "cloudtrail")
    name = make_trail(ct)["Name"]
    ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=[SQS_DATA])
    # Not logging yet: nothing.
    queue, topic = send_and_publish(server, account)
    assert data_events(exported(server, tmp_path), account) == []
    ct.start_logging(Name=name)
    queue, topic = send_and_publish(server, account)
    records = data_events(exported(server, tmp_path), account)
    assert names_for(records, queue) == ["DeleteMessage", "ReceiveMessage", "SendMessage"]
    assert names_for(records, topic) == []  # SNS's data events are not selected
    send = next(r for r in records if r["eventName"] == "SendMessage")
    assert send["eventCategory"] == "Data" and send["managementEvent"] is False and send["readOnly"] is False
    assert "hello" not in json.dumps(records)
    # LookupEvents still shows management events only.
    looked = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": queue}])["Events"]
    assert "SendMessage" not in {e["EventName"] for e in looked}
    ct.stop_logging(Name=name)
    queue, topic = send_and_publish(server, account)
    assert names_for(data_events(exported(server, tmp_path), account), queue) == []


def test_advanced_filters_select_exactly(server, account, tmp_path):
    ct = client(server, account, "cloudtrail")
    name = make_trail(ct)["Name"]
    sqs = client(server, account, "sqs")
    keep = sqs.create_queue(QueueName="keep-" + uuid.uuid4().hex[:6])["QueueUrl"]
    skip = sqs.create_queue(QueueName="skip-" + uuid.uuid4().hex[:6])["QueueUrl"]
    prefix = f"arn:aws:sqs:us-east-1:{account}:keep-"
    ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=[
        {"Name": "writes to keep-*", "FieldSelectors": SQS_DATA["FieldSelectors"] + [
            {"Field": "readOnly", "Equals": ["false"]},
            {"Field": "resources.ARN", "StartsWith": [prefix]},
            {"Field": "eventName", "NotEquals": ["DeleteMessage"]}]},
        {"Name": "SNS publishes", "FieldSelectors": SNS_DATA["FieldSelectors"] + [
            {"Field": "eventName", "Equals": ["Publish"]}]}])
    ct.start_logging(Name=name)
    for url in (keep, skip):
        sqs.send_message(QueueUrl=url, MessageBody="m")
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "m"}])
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    sns = client(server, account, "sns")
    topic = sns.create_topic(Name="t-" + uuid.uuid4().hex[:6])["TopicArn"]
    sns.publish(TopicArn=topic, Message="m")
    sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "1", "Message": "m"}])
    records = data_events(exported(server, tmp_path), account)
    keep_arn = prefix + keep.rsplit("/keep-", 1)[1]
    skip_arn = f"arn:aws:sqs:us-east-1:{account}:" + skip.rsplit("/", 1)[1]
    assert names_for(records, keep_arn) == ["SendMessage", "SendMessageBatch"]
    assert names_for(records, skip_arn) == []
    assert names_for(records, topic) == ["Publish"]


def test_multi_region_trail_selects_other_regions(server, account, tmp_path):
    ct = client(server, account, "cloudtrail")
    regional = make_trail(ct)["Name"]
    ct.put_event_selectors(TrailName=regional, AdvancedEventSelectors=[SQS_DATA])
    ct.start_logging(Name=regional)
    west = client(server, account, "sqs", region="eu-west-1")
    url = west.create_queue(QueueName="west-" + uuid.uuid4().hex[:6])["QueueUrl"]
    west.send_message(QueueUrl=url, MessageBody="m")
    arn = f"arn:aws:sqs:eu-west-1:{account}:" + url.rsplit("/", 1)[1]
    assert names_for(data_events(exported(server, tmp_path), account), arn) == []
    multi = make_trail(ct, IsMultiRegionTrail=True)["Name"]
    ct.put_event_selectors(TrailName=multi, AdvancedEventSelectors=[SQS_DATA])
    ct.start_logging(Name=multi)
    west.send_message(QueueUrl=url, MessageBody="m")
    assert names_for(data_events(exported(server, tmp_path), account), arn) == ["SendMessage"]
    ct.delete_trail(Name=multi)
    west.send_message(QueueUrl=url, MessageBody="m")
    assert names_for(data_events(exported(server, tmp_path), account), arn) == ["SendMessage"]
