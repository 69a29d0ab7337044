"""Amazon SNS against the built binary with boto3: topics, subscriptions, attributes, tags,
permissions, publishing to SQS (envelope and raw, with queue policies), HTTP subscriptions
(confirmation and signed notifications, verified with Python's `cryptography`), filter policies,
encrypted topics, and bad input."""
import base64
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from conftest import ACCOUNT, fails, policy_doc, allow, user_with_keys


@pytest.fixture(scope="module")
def sns(server):
    return server.client("sns")


@pytest.fixture(scope="module")
def sqs(server):
    return server.client("sqs")


def name(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def queue_for(sqs, topic_arn=None, allow_sns=True):
    """A queue (url, arn) whose policy lets the topic send to it (or nothing, if not allow_sns)."""
    url = sqs.create_queue(QueueName=name("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if allow_sns:
        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]}
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def receive(sqs, url, count=1, wait=10):
    got, deadline = [], time.time() + wait
    while len(got) < count and time.time() < deadline:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                MessageAttributeNames=["All"])
        for m in r.get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


# ---- the string to sign, and verification, written independently of the server ----------------------
FIELDS = {"Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
          "SubscriptionConfirmation": ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
          "UnsubscribeConfirmation": ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]}


def verify(msg):
    data = "".join(f"{k}\n{msg[k]}\n" for k in FIELDS[msg["Type"]] if k in msg).encode()
    pem = urllib.request.urlopen(msg["SigningCertURL"], timeout=5).read()
    key = x509.load_pem_x509_certificate(pem).public_key()
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}[msg["SignatureVersion"]]
    key.verify(base64.b64decode(msg["Signature"]), data, padding.PKCS1v15(), algorithm)  # raises if not


class Receiver:
    """A small HTTP endpoint that records every POST (headers and body)."""

    def __init__(self, status=200, delay=0.0):
        self.messages, self.status, self.delay, self.lock = [], status, delay, threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(outer.delay)
                with outer.lock:
                    outer.messages.append(({k.lower(): v for k, v in self.headers.items()}, body.decode()))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait(self, predicate, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for headers, body in self.messages:
                    try:
                        msg = json.loads(body)
                    except ValueError:
                        msg = body
                    if predicate(headers, msg):
                        return headers, msg
            time.sleep(0.1)
        raise AssertionError(f"no matching message among {len(self.messages)}")

    def close(self):
        self.httpd.shutdown()


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.close()


# ---- topics --------------------------------------------------------------------------------------------
def test_create_topic_is_idempotent_and_has_aws_attributes(sns):
    n = name()
    arn = sns.create_topic(Name=n, Attributes={"DisplayName": "Team"}, Tags=[{"Key": "k", "Value": "v"}])["TopicArn"]
    assert arn == f"arn:aws:sns:us-east-1:{ACCOUNT}:{n}"
    assert sns.create_topic(Name=n, Attributes={"DisplayName": "Team"})["TopicArn"] == arn
    fails("InvalidParameter", sns.create_topic, Name=n, Attributes={"DisplayName": "Other"})
    a = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert a["TopicArn"] == arn and a["Owner"] == ACCOUNT and a["DisplayName"] == "Team"
    assert a["SubscriptionsConfirmed"] == "0" and a["SubscriptionsPending"] == "0" and a["SubscriptionsDeleted"] == "0"
    policy = json.loads(a["Policy"])
    assert policy["Statement"][0]["Condition"] == {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}
    assert "SNS:Publish" in policy["Statement"][0]["Action"]
    effective = json.loads(a["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]
    assert effective["numRetries"] == 3 and effective["minDelayTarget"] == 20
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]


@pytest.mark.parametrize("bad", ["", "has space", "x" * 257, "a.b", "ünï"])
def test_create_topic_bad_names(sns, bad):
    r = fails("InvalidParameter", sns.create_topic, Name=bad)
    assert r["Error"]["Message"] == "Invalid parameter: Topic Name"


def test_fifo_topics_are_refused(sns):
    fails("InvalidParameter", sns.create_topic, Name="x.fifo", Attributes={"FifoTopic": "true"})


def test_topic_attribute_errors(sns):
    arn = sns.create_topic(Name=name())["TopicArn"]
    fails("InvalidParameter", sns.set_topic_attributes, TopicArn=arn, AttributeName="Nope", AttributeValue="1")
    fails("InvalidParameter", sns.set_topic_attributes, TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="3")
    fails("InvalidParameter", sns.set_topic_attributes, TopicArn=arn, AttributeName="Policy", AttributeValue="{")
    fails("InvalidParameter", sns.set_topic_attributes, TopicArn=arn, AttributeName="DeliveryPolicy", AttributeValue="x")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="D")
    a = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert a["SignatureVersion"] == "2" and a["DisplayName"] == "D"
    fails("NotFound", sns.get_topic_attributes, TopicArn=f"arn:aws:sns:us-east-1:{ACCOUNT}:missing-{uuid.uuid4().hex}")
    fails("InvalidParameter", sns.get_topic_attributes, TopicArn="not-an-arn")
    fails("ValidationError", sns.get_topic_attributes)


def test_list_topics_pages_and_delete(sns):
    arns = [sns.create_topic(Name=name("page"))["TopicArn"] for _ in range(3)]
    seen, token = [], None
    while True:
        r = sns.list_topics(**({"NextToken": token} if token else {}))
        seen += [t["TopicArn"] for t in r["Topics"]]
        token = r.get("NextToken")
        if not token:
            break
    assert set(arns) <= set(seen)
    for arn in arns:
        sns.delete_topic(TopicArn=arn)
    sns.delete_topic(TopicArn=arns[0])  # deleting a deleted topic is not an error
    assert not set(arns) & {t["TopicArn"] for t in sns.list_topics()["Topics"]}
    fails("InvalidParameter", sns.list_topics, NextToken="!!!")


def test_tags(sns):
    arn = sns.create_topic(Name=name())["TopicArn"]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    sns.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    fails("TagLimitExceeded", sns.tag_resource, ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    fails("ResourceNotFound", sns.list_tags_for_resource, ResourceArn=f"arn:aws:sns:us-east-1:{ACCOUNT}:nope-{uuid.uuid4().hex}")


def test_add_and_remove_permission(server, sns):
    arn = sns.create_topic(Name=name())["TopicArn"]
    other = "222222222222"
    server.add_account(other)
    other_sns = server.client("sns", profile=other)
    fails("AuthorizationError", other_sns.publish, TopicArn=arn, Message="hi")
    sns.add_permission(TopicArn=arn, Label="other", AWSAccountId=[other], ActionName=["Publish"])
    fails("InvalidParameter", sns.add_permission, TopicArn=arn, Label="other", AWSAccountId=[other], ActionName=["Publish"])
    fails("InvalidParameter", sns.add_permission, TopicArn=arn, Label="x", AWSAccountId=[other], ActionName=["Explode"])
    assert other_sns.publish(TopicArn=arn, Message="hi")["MessageId"]
    sns.remove_permission(TopicArn=arn, Label="other")
    fails("AuthorizationError", other_sns.publish, TopicArn=arn, Message="hi")
    fails("InvalidParameter", sns.remove_permission, TopicArn=arn, Label="other")


def test_iam_user_needs_a_policy_or_the_topic_policy(server, sns):
    iam = server.client("iam")
    user = name("u")
    keys = user_with_keys(iam, user)
    their_sns = server.client("sns", keys=keys)
    fails("AuthorizationError", their_sns.create_topic, Name=name())
    arn = sns.create_topic(Name=name())["TopicArn"]
    # The default topic policy lets principals of the owner account do the topic's actions.
    assert their_sns.publish(TopicArn=arn, Message="in-account")["MessageId"]
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=policy_doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sns:GetTopicAttributes",
         "Resource": arn}))
    fails("AuthorizationError", their_sns.publish, TopicArn=arn, Message="no longer")
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=policy_doc(allow("sns:Publish", arn)))
    assert their_sns.publish(TopicArn=arn, Message="identity policy")["MessageId"]


# ---- subscriptions and SQS delivery -------------------------------------------------------------------
def test_sqs_subscription_envelope(sns, sqs):
    topic = sns.create_topic(Name=name())["TopicArn"]
    url, qarn = queue_for(sqs, topic)
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    assert sub.startswith(topic + ":")
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"] == sub
    a = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert a["Protocol"] == "sqs" and a["Endpoint"] == qarn and a["PendingConfirmation"] == "false"
    assert a["RawMessageDelivery"] == "false" and a["Owner"] == ACCOUNT and a["TopicArn"] == topic
    mid = sns.publish(TopicArn=topic, Message="hello", Subject="Hi",
                      MessageAttributes={"sev": {"DataType": "String", "StringValue": "high"},
                                         "n": {"DataType": "Number", "StringValue": "7"}})["MessageId"]
    [m] = receive(sqs, url)
    body = json.loads(m["Body"])
    assert body["Type"] == "Notification" and body["MessageId"] == mid and body["TopicArn"] == topic
    assert body["Message"] == "hello" and body["Subject"] == "Hi" and body["SignatureVersion"] == "1"
    assert body["MessageAttributes"] == {"sev": {"Type": "String", "Value": "high"}, "n": {"Type": "Number", "Value": "7"}}
    assert body["UnsubscribeURL"].startswith("http://127.0.0.1:")
    verify(body)
    assert {"SubscriptionArn": sub, "Owner": ACCOUNT, "Protocol": "sqs", "Endpoint": qarn, "TopicArn": topic} in \
        sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert any(s["SubscriptionArn"] == sub for s in sns.list_subscriptions()["Subscriptions"])
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsConfirmed"] == "1"
    sns.unsubscribe(SubscriptionArn=sub)
    fails("NotFound", sns.get_subscription_attributes, SubscriptionArn=sub)
    fails("InvalidParameter", sns.unsubscribe, SubscriptionArn="nope")


def test_raw_delivery_keeps_attributes(sns, sqs):
    topic = sns.create_topic(Name=name())["TopicArn"]
    url, qarn = queue_for(sqs, topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message="raw body", MessageAttributes={
        "sev": {"DataType": "String", "StringValue": "high"}, "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
    [m] = receive(sqs, url)
    assert m["Body"] == "raw body"
    assert m["MessageAttributes"]["sev"] == {"DataType": "String", "StringValue": "high"}
    assert m["MessageAttributes"]["b"]["BinaryValue"] == b"\x00\x01"


def test_queue_policy_decides(sns, sqs):
    topic = sns.create_topic(Name=name())["TopicArn"]
    url, qarn = queue_for(sqs, topic, allow_sns=False)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    sns.publish(TopicArn=topic, Message="refused")
    assert receive(sqs, url, wait=3) == []
    other_topic = sns.create_topic(Name=name())["TopicArn"]
    url2, qarn2 = queue_for(sqs, other_topic)  # allows another topic only
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn2)
    sns.publish(TopicArn=topic, Message="wrong source")
    assert receive(sqs, url2, wait=3) == []


def test_message_structure_json(sns, sqs):
    topic = sns.create_topic(Name=name())["TopicArn"]
    url, qarn = queue_for(sqs, topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"default": "d", "sqs": "for sqs"}))
    assert [m["Body"] for m in receive(sqs, url)] == ["for sqs"]
    r = fails("InvalidParameter", sns.publish, TopicArn=topic, MessageStructure="json", Message=json.dumps({"sqs": "x"}))
    assert r["Error"]["Message"] == "Invalid parameter: Message Structure - No default entry in JSON message body"
    fails("InvalidParameter", sns.publish, TopicArn=topic, MessageStructure="json", Message="not json")


def test_publish_bad_input(sns):
    topic = sns.create_topic(Name=name())["TopicArn"]
    r = fails("InvalidParameter", sns.publish, TopicArn=topic, Message="")
    assert r["Error"]["Message"] == "Invalid parameter: Empty message"
    fails("InvalidParameter", sns.publish, TopicArn=topic, Message="x" * 262145)
    fails("InvalidParameter", sns.publish, TopicArn=topic, Message="m", Subject="a\nb")
    fails("InvalidParameter", sns.publish, Message="m")
    fails("NotFound", sns.publish, TopicArn=topic + "-missing", Message="m")
    fails("ParameterValueInvalid", sns.publish, TopicArn=topic, Message="m",
          MessageAttributes={"n": {"DataType": "Number", "StringValue": "abc"}})
    fails("ParameterValueInvalid", sns.publish, TopicArn=topic, Message="m",
          MessageAttributes={"n": {"DataType": "Float", "StringValue": "1"}})
    fails("InvalidParameter", sns.publish, TopicArn=topic, Message="m",
          MessageAttributes={f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)})
    fails("ValidationError", sns.publish, TopicArn=topic)
    assert sns.publish(TargetArn=topic, Message="target arn works")["MessageId"]


def test_publish_batch(sns, sqs):
    topic = sns.create_topic(Name=name())["TopicArn"]
    url, qarn = queue_for(sqs, topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
    r = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "one"}, {"Id": "b", "Message": ""}, {"Id": "c", "Message": "three"}])
    assert sorted(s["Id"] for s in r["Successful"]) == ["a", "c"]
    assert r["Failed"] == [{"Id": "b", "Code": "InvalidParameter", "Message": "Invalid parameter: Empty message",
                            "SenderFault": True}]
    assert sorted(m["Body"] for m in receive(sqs, url, count=2)) == ["one", "three"]
    fails("EmptyBatchRequest", sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=[])
    fails("TooManyEntriesInBatchRequest", sns.publish_batch, TopicArn=topic,
          PublishBatchRequestEntries=[{"Id": str(i), "Message": "m"} for i in range(11)])
    fails("BatchEntryIdsNotDistinct", sns.publish_batch, TopicArn=topic,
          PublishBatchRequestEntries=[{"Id": "x", "Message": "m"}, {"Id": "x", "Message": "m"}])
    fails("InvalidBatchEntryId", sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=[{"Id": "a b", "Message": "m"}])


def test_subscribe_bad_input(sns):
    topic = sns.create_topic(Name=name())["TopicArn"]
    fails("InvalidParameter", sns.subscribe, TopicArn=topic, Protocol="carrier-pigeon", Endpoint="x")
    fails("InvalidParameter", sns.subscribe, TopicArn=topic, Protocol="http", Endpoint="https://example.com/")
    fails("InvalidParameter", sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint="not-an-arn")
    fails("InvalidParameter", sns.subscribe, TopicArn=topic, Protocol="sqs",
          Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", Attributes={"Bogus": "1"})
    fails("InvalidParameter", sns.subscribe, TopicArn=topic, Protocol="sqs",
          Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", Attributes={"RawMessageDelivery": "maybe"})
    fails("NotFound", sns.subscribe, TopicArn=topic + "-missing", Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:q")


# ---- filter policies -----------------------------------------------------------------------------------
def test_filter_policies(sns, sqs):
    topic = sns.create_topic(Name=name())["TopicArn"]
    queues = {}
    for key, attrs in {"all": {}, "attr": {"FilterPolicy": json.dumps({"severity": ["high"]})},
                       "body": {"FilterPolicy": json.dumps({"severity": ["high"]}), "FilterPolicyScope": "MessageBody"}}.items():
        url, qarn = queue_for(sqs, topic)
        sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn,
                            Attributes={"RawMessageDelivery": "true", **attrs})["SubscriptionArn"]
        queues[key] = (url, sub)
    a = sns.get_subscription_attributes(SubscriptionArn=queues["attr"][1])["Attributes"]
    assert json.loads(a["FilterPolicy"]) == {"severity": ["high"]} and a["FilterPolicyScope"] == "MessageAttributes"
    for text, body_sev, attr_sev in [("A", "high", "high"), ("B", "low", "low"), ("C", "high", "low")]:
        sns.publish(TopicArn=topic, Message=json.dumps({"severity": body_sev, "text": text}),
                    MessageAttributes={"severity": {"DataType": "String", "StringValue": attr_sev}})
    texts = lambda key, n: sorted(json.loads(m["Body"])["text"] for m in receive(sqs, queues[key][0], count=n, wait=8))
    assert texts("all", 3) == ["A", "B", "C"]
    assert texts("attr", 2) == ["A"]
    assert texts("body", 3) == ["A", "C"]
    fails("InvalidParameter", sns.set_subscription_attributes, SubscriptionArn=queues["attr"][1],
          AttributeName="FilterPolicy", AttributeValue="{not json")
    fails("InvalidParameter", sns.set_subscription_attributes, SubscriptionArn=queues["attr"][1],
          AttributeName="FilterPolicyScope", AttributeValue="Elsewhere")
    sns.set_subscription_attributes(SubscriptionArn=queues["attr"][1], AttributeName="FilterPolicy",
                                    AttributeValue=json.dumps({"severity": ["low"]}))
    sns.publish(TopicArn=topic, Message=json.dumps({"text": "D"}),
                MessageAttributes={"severity": {"DataType": "String", "StringValue": "low"}})
    assert texts("attr", 1) == ["D"]


# ---- HTTP: confirmation and signed notifications -------------------------------------------------------
def test_http_confirmation_and_signed_notifications(server, sns, receiver):
    topic = sns.create_topic(Name=name())["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)["SubscriptionArn"] == "pending confirmation"
    headers, conf = receiver.wait(lambda h, m: isinstance(m, dict) and m.get("Type") == "SubscriptionConfirmation")
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert headers["x-amz-sns-topic-arn"] == topic and headers["x-amz-sns-message-id"] == conf["MessageId"]
    assert headers["content-type"] == "text/plain; charset=UTF-8"
    verify(conf)
    assert conf["SubscribeURL"].startswith(server.endpoint + "/?Action=ConfirmSubscription")
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsPending"] == "1"
    # A wrong token is refused; the SubscribeURL, visited without credentials, confirms.
    bad = conf["SubscribeURL"].replace(conf["Token"], "0" * len(conf["Token"]))
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(bad, timeout=5)
    assert e.value.code == 400
    xml = urllib.request.urlopen(conf["SubscribeURL"], timeout=5).read().decode()
    assert "<ConfirmSubscriptionResponse" in xml
    [sub] = [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]]
    assert sub in xml
    a = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert a["PendingConfirmation"] == "false" and json.loads(a["EffectiveDeliveryPolicy"])

    mid = sns.publish(TopicArn=topic, Message="alert", Subject="Key alert")["MessageId"]
    headers, note = receiver.wait(lambda h, m: isinstance(m, dict) and m.get("MessageId") == mid)
    assert headers["x-amz-sns-message-type"] == "Notification" and headers["x-amz-sns-subscription-arn"] == sub
    assert note["Subject"] == "Key alert" and note["SignatureVersion"] == "1"
    verify(note)
    sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue="2")
    mid = sns.publish(TopicArn=topic, Message="v2")["MessageId"]
    _, note = receiver.wait(lambda h, m: isinstance(m, dict) and m.get("MessageId") == mid)
    assert note["SignatureVersion"] == "2" and "Subject" not in note
    verify(note)
    # The certificate is served without credentials, and is the same after a restart.
    pem = urllib.request.urlopen(note["SigningCertURL"], timeout=5).read()
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    # A confirmed subscription's ConfirmSubscription call answers its ARN.
    assert sns.confirm_subscription(TopicArn=topic, Token=conf["Token"])["SubscriptionArn"] == sub
    # Unsubscribing sends a signed UnsubscribeConfirmation whose SubscribeURL restores it.
    sns.unsubscribe(SubscriptionArn=sub)
    headers, bye = receiver.wait(lambda h, m: isinstance(m, dict) and m.get("Type") == "UnsubscribeConfirmation")
    assert headers["x-amz-sns-message-type"] == "UnsubscribeConfirmation" and sub in bye["Message"]
    verify(bye)
    a = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert (a["SubscriptionsConfirmed"], a["SubscriptionsPending"], a["SubscriptionsDeleted"]) == ("0", "0", "1")
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    fails("NotFound", sns.get_subscription_attributes, SubscriptionArn=sub)
    mid = sns.publish(TopicArn=topic, Message="not for the unsubscribed")["MessageId"]
    urllib.request.urlopen(bye["SubscribeURL"], timeout=5).read()
    assert [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]] == [sub]
    time.sleep(0.5)
    assert not any(mid in body for _, body in receiver.messages)


def test_a_slow_endpoint_holds_up_no_other_delivery(sns, sqs):
    slow = Receiver(delay=6)
    try:
        sns.subscribe(TopicArn=sns.create_topic(Name=name())["TopicArn"], Protocol="http", Endpoint=slow.url)
        time.sleep(0.5)  # its confirmation is being delivered, slowly
        topic = sns.create_topic(Name=name())["TopicArn"]
        url, qarn = queue_for(sqs, topic)
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        started = time.time()
        sns.publish(TopicArn=topic, Message="not held up")
        assert [m["Body"] for m in receive(sqs, url, wait=5)] == ["not held up"]
        assert time.time() - started < 4
    finally:
        slow.close()


def test_confirm_subscription_bad_token(sns):
    topic = sns.create_topic(Name=name())["TopicArn"]
    fails("InvalidParameter", sns.confirm_subscription, TopicArn=topic, Token="nope")


def test_http_retries_then_succeeds(sns, server):
    """A failing endpoint is retried per the delivery policy (here 1 s apart)."""
    r = Receiver(status=500)
    try:
        topic = sns.create_topic(Name=name(), Attributes={"DeliveryPolicy": json.dumps({"http": {
            "defaultHealthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 1, "numRetries": 5,
                                          "numNoDelayRetries": 0, "numMinDelayRetries": 0, "numMaxDelayRetries": 0,
                                          "backoffFunction": "linear"}}})})["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=r.url)
        _, conf = r.wait(lambda h, m: isinstance(m, dict) and m.get("Type") == "SubscriptionConfirmation")
        time.sleep(1.5)
        assert len(r.messages) >= 2  # retried
        r.status = 200
        urllib.request.urlopen(conf["SubscribeURL"], timeout=5).read()
    finally:
        r.close()


# ---- encrypted topics ----------------------------------------------------------------------------------
def test_encrypted_topic_and_refusing_key_policy(sns, sqs, kms):
    key_ok = kms.create_key()["KeyMetadata"]["Arn"]
    topic = sns.create_topic(Name=name(), Attributes={"KmsMasterKeyId": key_ok})["TopicArn"]
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"] == key_ok
    url, qarn = queue_for(sqs, topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message="sealed at rest")
    assert [m["Body"] for m in receive(sqs, url)] == ["sealed at rest"]

    refusing = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "account", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
         "Resource": "*"},
        {"Sid": "never-through-sns", "Effect": "Deny", "Principal": "*", "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
         "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "sns.us-east-1.amazonaws.com"}}}]})
    key_no = kms.create_key(Policy=refusing)["KeyMetadata"]["Arn"]
    kms.generate_data_key(KeyId=key_no, KeySpec="AES_256")  # directly: allowed
    sealed = sns.create_topic(Name=name(), Attributes={"KmsMasterKeyId": key_no})["TopicArn"]
    r = fails("KMSAccessDenied", sns.publish, TopicArn=sealed, Message="cannot be encrypted")
    assert "kms:GenerateDataKey" in r["Error"]["Message"]
    fails("KMSAccessDenied", sns.publish_batch, TopicArn=sealed, PublishBatchRequestEntries=[{"Id": "a", "Message": "m"}])
    missing = sns.create_topic(Name=name(), Attributes={"KmsMasterKeyId": "alias/does-not-exist"})["TopicArn"]
    fails("KMSNotFound", sns.publish, TopicArn=missing, Message="m")


# ---- durability, anonymous routes, the trail -----------------------------------------------------------
def test_outbox_survives_kill9_and_signing_key_persists(fresh_server):
    import signal
    s = fresh_server
    sns, sqs = s.client("sns"), s.client("sqs")
    topic = sns.create_topic(Name=name())["TopicArn"]
    url, qarn = queue_for(sqs, topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    sns.publish(TopicArn=topic, Message="before")
    [m] = receive(sqs, url)
    cert_url = json.loads(m["Body"])["SigningCertURL"]
    pem = urllib.request.urlopen(cert_url, timeout=5).read()
    for i in range(5):
        sns.publish(TopicArn=topic, Message=f"m{i}")
    s.stop(signal.SIGKILL)
    s.start_again()
    got = receive(sqs, url, count=5, wait=15)
    # Every acknowledged Publish is delivered, whether before the kill or from the outbox after it.
    assert {json.loads(m["Body"])["Message"] for m in got} == {f"m{i}" for i in range(5)}
    assert urllib.request.urlopen(cert_url, timeout=5).read() == pem
    for m in got:
        verify(json.loads(m["Body"]))
    db_files = list(s.data.rglob("*"))
    assert not any(b"BEGIN RSA PRIVATE KEY" in f.read_bytes() or b"BEGIN PRIVATE KEY" in f.read_bytes()
                   for f in db_files if f.is_file())


def test_unsigned_requests_reach_only_the_anonymous_routes(server):
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(server.endpoint + "/SimpleNotificationService-0000.pem", timeout=5)
    assert e.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(server.endpoint + "/?Action=ListTopics", timeout=5)
    assert e.value.code in (400, 403)


def test_publish_is_a_data_event_without_the_message(server, sns):
    topic = sns.create_topic(Name=name())["TopicArn"]
    sns.publish(TopicArn=topic, Message="do-not-record-this", Subject="nor-this",
                MessageAttributes={"k": {"DataType": "String", "StringValue": "nor-this-value"}})
    log = (server.data).rglob("*")
    for f in log:
        if f.is_file():
            data = f.read_bytes()
            assert b"do-not-record-this" not in data and b"nor-this-value" not in data
    trail = server.client("cloudtrail")
    events = trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateTopic"}])["Events"]
    assert any(topic in e["CloudTrailEvent"] for e in events)


def test_subscription_operations_bad_input(sns, sqs):
    topic = sns.create_topic(Name=name())["TopicArn"]
    missing = f"arn:aws:sns:us-east-1:{ACCOUNT}:missing-{uuid.uuid4().hex}"
    fails("NotFound", sns.list_subscriptions_by_topic, TopicArn=missing)
    fails("InvalidParameter", sns.list_subscriptions_by_topic, TopicArn=topic, NextToken="%%%")
    fails("InvalidParameter", sns.get_subscription_attributes, SubscriptionArn="arn:aws:sns:us-east-1")
    fails("NotFound", sns.get_subscription_attributes, SubscriptionArn=f"{topic}:{uuid.uuid4()}")
    url, qarn = queue_for(sqs, topic)
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    fails("InvalidParameter", sns.set_subscription_attributes, SubscriptionArn=sub, AttributeName="Protocol",
          AttributeValue="http")
    fails("InvalidParameter", sns.set_subscription_attributes, SubscriptionArn=sub, AttributeName="RedrivePolicy",
          AttributeValue="{}")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true")
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["RawMessageDelivery"] == "true"
    fails("ValidationError", sns.set_subscription_attributes, SubscriptionArn=sub)
    fails("ValidationError", sns.subscribe, TopicArn=topic)
    fails("ValidationError", sns.add_permission, TopicArn=topic, Label="x")
    fails("InvalidAction", sns.create_platform_application, Name="a", Platform="GCM", Attributes={"k": "v"})


def test_other_accounts_cannot_manage_subscriptions(server, sns, sqs):
    topic = sns.create_topic(Name=name())["TopicArn"]
    url, qarn = queue_for(sqs, topic)
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    server.add_account("555500002222")
    other = server.client("sns", profile="555500002222")
    fails("AuthorizationError", other.get_subscription_attributes, SubscriptionArn=sub)
    fails("AuthorizationError", other.unsubscribe, SubscriptionArn=sub)
    fails("AuthorizationError", other.get_topic_attributes, TopicArn=topic)
    fails("AuthorizationError", other.subscribe, TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    assert topic not in [t["TopicArn"] for t in other.list_topics()["Topics"]]


def test_publish_is_recorded_as_a_data_event(server, sns):
    topic = sns.create_topic(Name=name())["TopicArn"]
    sns.publish(TopicArn=topic, Message="data event")
    trail = server.client("cloudtrail")
    time.sleep(0.5)
    names = {e["EventName"] for e in trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": topic}])["Events"]}
    assert "CreateTopic" in names and "Publish" not in names  # data events are left out of LookupEvents


def test_unsubscribe_url_works_without_credentials(sns, sqs):
    topic = sns.create_topic(Name=name())["TopicArn"]
    url, qarn = queue_for(sqs, topic)
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="with a link")
    [m] = receive(sqs, url)
    link = json.loads(m["Body"])["UnsubscribeURL"]
    assert link.endswith("SubscriptionArn=" + urllib.parse.quote(sub, safe=""))
    xml = urllib.request.urlopen(link, timeout=5).read().decode()
    assert "<UnsubscribeResponse" in xml
    fails("NotFound", sns.get_subscription_attributes, SubscriptionArn=sub)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(link, timeout=5)
    assert e.value.code == 404
