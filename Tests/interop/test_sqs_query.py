"""Amazon SQS's AWS Query protocol (form parameters, XML answers) for older clients, against the
release binary: a real old client (botocore 1.29.165, whose SQS model is still the Query one)
drives every operation Rampart serves, raw signed requests check the XML byte shapes, and
messages cross between the Query and JSON protocols on the same endpoint.

The old botocore is installed once into .build/old-botocore-<version> (reused when present) and
runs in a subprocess of its own, so it never meets the pinned botocore of this process."""
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
import requests

from conftest import ACCOUNT, ROOT, fails
from test_sqs import md5_of_attributes
from wire_json import decode, encode

OLD_BOTOCORE = "1.29.165"
NS = "http://queue.amazonaws.com/doc/2012-11-05/"
X = {"q": NS}
_install_lock = threading.Lock()


def old_botocore():
    """The folder holding botocore OLD_BOTOCORE and its dependencies, installed on first use.
    pip writes into a fresh folder that is renamed into place whole, so an interrupted install
    is never mistaken for a finished one."""
    target = ROOT / ".build" / f"old-botocore-{OLD_BOTOCORE}"
    with _install_lock:
        if (target / "botocore" / "data" / "sqs" / "2012-11-05" / "service-2.json").exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="old-botocore-", dir=target.parent))
        out = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-warn-conflicts",
             "--no-input", "--target", str(scratch), f"botocore=={OLD_BOTOCORE}"],
            capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            pytest.fail(f"could not install botocore=={OLD_BOTOCORE} from PyPI: {out.stderr[-2000:]}")
        try:
            os.rename(scratch, target)
        except OSError:  # another run finished first: use its copy
            subprocess.run(["rm", "-rf", str(scratch)], check=False)
        return target


# The old client's side: reads one call per line ({"op", "params", "validate"}), answers one line
# each with the parsed response or the error, and what it sent (to show it spoke Query); values
# travel as wire_json writes them.
DRIVER = r'''
import json, sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(1, sys.argv[6])
import botocore, botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
from wire_json import decode, encode
assert botocore.__version__ == sys.argv[2], botocore.__version__
endpoint, akid, secret = sys.argv[3:6]
session = botocore.session.get_session()
assert session.get_service_model("sqs").protocol == "query"
sent = {}
def remember(request, **_):
    text = lambda v: v.decode() if isinstance(v, bytes) else (v or "")
    sent.update(method=request.method, url=request.url, content_type=text(request.headers.get("Content-Type")),
                body=text(request.body))
clients = {}
def client(validate):
    if validate not in clients:
        clients[validate] = session.create_client(
            "sqs", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=akid,
            aws_secret_access_key=secret,
            config=Config(retries={"max_attempts": 1}, parameter_validation=validate))
        clients[validate].meta.events.register("before-send", remember)
    return clients[validate]
for line in sys.stdin:
    call = json.loads(line)
    sent.clear()
    try:
        out = {"ok": getattr(client(call["validate"]), call["op"])(**decode(call["params"]))}
    except ClientError as e:
        out = {"error": e.response["Error"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    out["sent"] = dict(sent)
    print(json.dumps(encode(out)), flush=True)
'''


class OldClient:
    """botocore OLD_BOTOCORE's SQS client, in a subprocess, speaking Query to the server."""

    def __init__(self, server, keys=None):
        akid, secret = keys or server.profile()
        script = Path(tempfile.mkdtemp(prefix="old-sqs-")) / "driver.py"
        script.write_text(DRIVER)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PYTHONPATH"}
        self.proc = subprocess.Popen(
            [sys.executable, "-s", str(script), str(old_botocore()), OLD_BOTOCORE, server.endpoint, akid, secret,
             str(Path(__file__).parent)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.last_sent = {}

    def call(self, op, validate=False, **params):
        self.proc.stdin.write(json.dumps({"op": op, "params": encode(params), "validate": validate}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the old client died during {op}"
        out = decode(json.loads(line))
        self.last_sent = out["sent"]
        return out

    def __getattr__(self, op):
        """`old.send_message(...)`: the response, or AssertionError with the error."""
        def run(**params):
            out = self.call(op, **params)
            assert "ok" in out, f"{op} failed: {out}"
            return out["ok"]
        return run

    def fails(self, code, op, status=400, **params):
        """Calls `op`, which must fail with Query error `code` and HTTP `status`; the error."""
        out = self.call(op, **params)
        assert "error" in out, f"{op} succeeded: {out}"
        assert (out["error"]["Code"], out["status"]) == (code, status), out
        return out["error"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)


@pytest.fixture(scope="module")
def old(server):
    client = OldClient(server)
    yield client
    client.close()


@pytest.fixture(scope="module")
def sqs(server):
    return server.client("sqs")


def name():
    return "qq-" + uuid.uuid4().hex[:12]


def signed(server, method="POST", path="/", params=None, body=None, query=None, content_type=None, mutate=None,
           presign=False):
    """A raw SigV4-signed SQS request (signed by the pinned botocore): `params` form-encoded in the
    body of a POST, or in the query string of a GET; `body` sends bytes as they are."""
    akid, secret = server.profile()
    url = server.endpoint + path
    data = body
    if params is not None and method == "POST":
        data = urlencode(params).encode()
    if query is not None or (params is not None and method == "GET"):
        url += "?" + urlencode(query if query is not None else params)
    headers = {}
    if data is not None:
        headers["Content-Type"] = content_type or "application/x-www-form-urlencoded; charset=utf-8"
    req = botocore.awsrequest.AWSRequest(method=method, url=url, data=data, headers=headers)
    creds = botocore.credentials.Credentials(akid, secret)
    if presign:
        botocore.auth.SigV4QueryAuth(creds, "sqs", "us-east-1", expires=300).add_auth(req)
        url = req.url
    else:
        botocore.auth.SigV4Auth(creds, "sqs", "us-east-1").add_auth(req)
    out_headers = dict(req.headers.items())
    if mutate:
        out_headers, data = mutate(out_headers, data)
    return requests.request(method, url, data=data, headers=out_headers, timeout=30)


def xml(response):
    assert response.headers["Content-Type"] == "text/xml", response.headers
    return ET.fromstring(response.content)


def query_error(response, code, status=400):
    """The response is SQS's Query error: `<ErrorResponse><Error><Type/><Code/><Message/><Detail/>`."""
    assert response.status_code == status, response.text
    root = xml(response)
    assert root.tag == f"{{{NS}}}ErrorResponse", response.text
    error = root.find("q:Error", X)
    assert [child.tag.split("}")[1] for child in error] == ["Type", "Code", "Message", "Detail"], response.text
    assert error.findtext("q:Type", namespaces=X) == ("Sender" if status < 500 else "Receiver")
    assert error.findtext("q:Code", namespaces=X) == code, response.text
    assert root.findtext("q:RequestId", namespaces=X) == response.headers["x-amzn-RequestId"]
    return error.findtext("q:Message", namespaces=X)


# --- The old client, every operation ---------------------------------------------------------


def test_the_old_client_speaks_query(server, old):
    n = name()
    url = old.create_queue(QueueName=n)["QueueUrl"]
    sent = old.last_sent
    assert sent["content_type"].startswith("application/x-www-form-urlencoded"), sent
    assert "Action=CreateQueue" in sent["body"] and "Version=2012-11-05" in sent["body"], sent
    assert url == f"{server.endpoint}/{ACCOUNT}/{n}"


def test_queues_attributes_and_tags(server, old):
    n = name()
    url = old.create_queue(QueueName=n, Attributes={"VisibilityTimeout": "45", "DelaySeconds": "2"},
                           tags={"team": "sec", "env": "dev"})["QueueUrl"]
    assert "Attribute.1.Name=" in old.last_sent["body"] and "Tag.1.Key=" in old.last_sent["body"]
    assert old.create_queue(QueueName=n, Attributes={"VisibilityTimeout": "45", "DelaySeconds": "2"})["QueueUrl"] == url
    old.fails("QueueAlreadyExists", "create_queue", QueueName=n, Attributes={"VisibilityTimeout": "46"})
    assert old.get_queue_url(QueueName=n)["QueueUrl"] == url
    assert old.get_queue_url(QueueName=n, QueueOwnerAWSAccountId=ACCOUNT)["QueueUrl"] == url
    assert old.list_queues(QueueNamePrefix=n)["QueueUrls"] == [url]
    page = old.list_queues(QueueNamePrefix="qq-", MaxResults=1)
    assert len(page["QueueUrls"]) == 1
    attrs = old.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "AttributeName.1=All" in old.last_sent["body"]
    assert attrs["VisibilityTimeout"] == "45" and attrs["DelaySeconds"] == "2"
    assert attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:{ACCOUNT}:{n}"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert re.fullmatch(r"\d{10}", attrs["CreatedTimestamp"]) and re.fullmatch(r"\d{10}", attrs["LastModifiedTimestamp"])
    two = old.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "QueueArn"])["Attributes"]
    assert set(two) == {"VisibilityTimeout", "QueueArn"}
    old.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "60", "MaximumMessageSize": "2048"})
    attrs = old.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "MaximumMessageSize"])
    assert attrs["Attributes"] == {"VisibilityTimeout": "60", "MaximumMessageSize": "2048"}
    assert old.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "sec", "env": "dev"}
    old.tag_queue(QueueUrl=url, Tags={"owner": "alice"})
    old.untag_queue(QueueUrl=url, TagKeys=["env", "team"])
    assert "TagKey.2=" in old.last_sent["body"]
    assert old.list_queue_tags(QueueUrl=url)["Tags"] == {"owner": "alice"}
    old.untag_queue(QueueUrl=url, TagKeys=["owner"])
    assert "Tags" not in old.list_queue_tags(QueueUrl=url)
    old.delete_queue(QueueUrl=url)
    old.fails("AWS.SimpleQueueService.NonExistentQueue", "get_queue_url", QueueName=n)
    old.fails("AWS.SimpleQueueService.NonExistentQueue", "get_queue_attributes", QueueUrl=url, AttributeNames=["All"])


def test_send_receive_with_attributes_and_message_attributes(old):
    url = old.create_queue(QueueName=name())["QueueUrl"]
    attributes = dict(city={"DataType": "String", "StringValue": "Any City"},
                      count={"DataType": "Number", "StringValue": "1250800"},
                      blob={"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"})
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    body = "héllo <world> & \"friends\""
    out = old.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes,
                           MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": trace}})
    sent = old.last_sent["body"]
    assert "MessageAttribute.1.Name=" in sent and "MessageAttribute.1.Value.DataType=" in sent
    assert "MessageSystemAttribute.1.Name=AWSTraceHeader" in sent
    assert out["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert out["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    assert re.fullmatch(r"[0-9a-f]{32}", out["MD5OfMessageSystemAttributes"])
    assert re.fullmatch(r"[0-9a-f-]{36}", out["MessageId"])
    got = old.receive_message(QueueUrl=url, AttributeNames=["All"], MessageAttributeNames=["All"], WaitTimeSeconds=1,
                              VisibilityTimeout=30, MaxNumberOfMessages=10)["Messages"]
    assert len(got) == 1
    m = got[0]
    assert (m["MessageId"], m["Body"], m["MD5OfBody"]) == (out["MessageId"], body, out["MD5OfMessageBody"])
    assert m["MessageAttributes"] == attributes
    assert m["MD5OfMessageAttributes"] == out["MD5OfMessageAttributes"]
    assert m["Attributes"]["SenderId"]
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    assert m["Attributes"]["AWSTraceHeader"] == trace
    assert re.fullmatch(r"\d{13}", m["Attributes"]["SentTimestamp"])
    assert re.fullmatch(r"\d{13}", m["Attributes"]["ApproximateFirstReceiveTimestamp"])
    # Only the attributes asked for.
    old.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    again = old.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"],
                                MessageAttributeNames=["city"])["Messages"][0]
    assert again["Attributes"] == {"ApproximateReceiveCount": "2"}
    assert again["MessageAttributes"] == {"city": attributes["city"]}
    assert again["MD5OfMessageAttributes"] == md5_of_attributes({"city": attributes["city"]})
    assert "Messages" not in old.receive_message(QueueUrl=url)
    old.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    assert old.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                    "ApproximateNumberOfMessagesNotVisible"])["Attributes"] == {
        "ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_batches(old):
    url = old.create_queue(QueueName=name())["QueueUrl"]
    entries = [{"Id": i, "MessageBody": body} for i, body in (("a", "one"), ("b", "two"), ("c", "three"))]
    entries[1]["DelaySeconds"] = 901  # beyond 900: this entry alone fails
    entries[2]["MessageAttributes"] = {"k": {"DataType": "String", "StringValue": "v"}}
    out = old.send_message_batch(QueueUrl=url, Entries=entries)
    assert "SendMessageBatchRequestEntry.3.MessageAttribute.1.Name=k" in old.last_sent["body"]
    assert sorted(e["Id"] for e in out["Successful"]) == ["a", "c"]
    c = next(e for e in out["Successful"] if e["Id"] == "c")
    assert c["MD5OfMessageAttributes"] == md5_of_attributes({"k": {"DataType": "String", "StringValue": "v"}})
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in out["Failed"]] == [("b", "InvalidParameterValue", True)]
    got = old.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "three"]
    # Each entry on its own: a bad receipt handle fails alone.
    handles = [m["ReceiptHandle"] for m in got] + [base64.b64encode(b"nonsense").decode()]
    for op, extra in (("change_message_visibility_batch", {"VisibilityTimeout": 100}), ("delete_message_batch", {})):
        out = getattr(old, op)(QueueUrl=url, Entries=[{"Id": f"e{i}", "ReceiptHandle": h, **extra}
                                                      for i, h in enumerate(handles)])
        assert f"{''.join(w.title() for w in op.split('_'))}RequestEntry.3.ReceiptHandle=" in old.last_sent["body"]
        assert (sorted(e["Id"] for e in out["Successful"]), [(f["Id"], f["Code"]) for f in out["Failed"]]) == (
            ["e0", "e1"], [("e2", "ReceiptHandleIsInvalid")])
    # Whole-batch errors, with their Query codes.
    for code, op, entries in (
        ("BatchEntryIdsNotDistinct", "send_message_batch", [{"Id": "x", "MessageBody": "1"}, {"Id": "x", "MessageBody": "2"}]),
        ("EmptyBatchRequest", "delete_message_batch", []),
        ("TooManyEntriesInBatchRequest", "send_message_batch", [{"Id": f"i{i}", "MessageBody": "m"} for i in range(11)]),
        ("InvalidBatchEntryId", "send_message_batch", [{"Id": "no spaces", "MessageBody": "m"}]),
        ("BatchRequestTooLong", "send_message_batch", [{"Id": f"i{i}", "MessageBody": "m" * 30000} for i in range(10)]),
    ):
        old.fails("AWS.SimpleQueueService." + code, op, QueueUrl=url, Entries=entries)


def test_purge_permissions_and_dead_letter_queues(server, old):
    url = old.create_queue(QueueName=name())["QueueUrl"]
    old.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "m"} for i in range(3)])
    old.purge_queue(QueueUrl=url)
    assert "Messages" not in old.receive_message(QueueUrl=url)
    # The Query model's status for a purge in progress is 403.
    old.fails("AWS.SimpleQueueService.PurgeQueueInProgress", "purge_queue", status=403, QueueUrl=url)

    other = "222222222222"
    old.add_permission(QueueUrl=url, Label="partner", AWSAccountIds=[other], Actions=["SendMessage", "ReceiveMessage"])
    assert "AWSAccountId.1=222222222222" in old.last_sent["body"] and "ActionName.2=ReceiveMessage" in old.last_sent["body"]
    policy = json.loads(old.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    [statement] = policy["Statement"]
    assert statement["Sid"] == "partner"
    assert sorted(statement["Action"]) == ["SQS:ReceiveMessage", "SQS:SendMessage"]
    old.fails("InvalidParameterValue", "add_permission", QueueUrl=url, Label="partner", AWSAccountIds=[other],
              Actions=["SendMessage"])
    old.remove_permission(QueueUrl=url, Label="partner")
    assert "Policy" not in old.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {})
    old.fails("InvalidParameterValue", "remove_permission", QueueUrl=url, Label="partner")

    dlq = old.create_queue(QueueName=name())["QueueUrl"]
    dlq_arn = old.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = old.create_queue(QueueName=name(), Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})})["QueueUrl"]
    assert old.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]
    old.send_message(QueueUrl=src, MessageBody="poison")
    assert old.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"][0]["Body"] == "poison"
    assert "Messages" not in old.receive_message(QueueUrl=src)
    moved = old.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"][0]
    assert moved["Body"] == "poison"
    assert moved["Attributes"]["DeadLetterQueueSourceArn"].endswith(":" + src.rsplit("/", 1)[1])


def test_bad_input_gets_the_query_errors(server, old):
    url = old.create_queue(QueueName=name())["QueueUrl"]
    missing = f"{server.endpoint}/{ACCOUNT}/no-such-queue"
    old.fails("AWS.SimpleQueueService.NonExistentQueue", "send_message", QueueUrl=missing, MessageBody="x")
    old.fails("AWS.SimpleQueueService.NonExistentQueue", "get_queue_url", QueueName="no-such-queue")
    old.fails("InvalidAttributeName", "get_queue_attributes", QueueUrl=url, AttributeNames=["NoSuchAttribute"])
    old.fails("InvalidAttributeName", "set_queue_attributes", QueueUrl=url, Attributes={"NoSuchAttribute": "1"})
    old.fails("InvalidAttributeValue", "set_queue_attributes", QueueUrl=url, Attributes={"VisibilityTimeout": "-1"})
    old.fails("InvalidParameterValue", "send_message", QueueUrl=url, MessageBody="x" * (262_144 + 1))
    old.fails("InvalidMessageContents", "send_message", QueueUrl=url, MessageBody="bad \u0001")
    old.fails("InvalidParameterValue", "receive_message", QueueUrl=url, MaxNumberOfMessages=11)
    old.fails("InvalidParameterValue", "receive_message", QueueUrl=url, WaitTimeSeconds=21)
    old.fails("InvalidParameterValue", "create_queue", QueueName="bad name!")
    old.fails("InvalidParameterValue", "send_message", QueueUrl=url, MessageBody="x",
              MessageAttributes={"n": {"DataType": "Number", "StringValue": "abc"}})
    old.fails("ReceiptHandleIsInvalid", "delete_message", QueueUrl=url, ReceiptHandle="garbage")
    # Missing parameters (the old client's own validation off): the server's answer.
    old.fails("InvalidParameterValue", "send_message", QueueUrl=url)
    old.fails("InvalidParameterValue", "create_queue")
    old.fails("InvalidParameterValue", "change_message_visibility", QueueUrl=url, ReceiptHandle="x")
    # The queue still works after all that.
    old.send_message(QueueUrl=url, MessageBody="fine")
    assert old.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "fine"


# --- Both protocols on one endpoint -------------------------------------------------------------


def test_messages_cross_between_json_and_query(server, old, sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    attributes = {"k": {"DataType": "String", "StringValue": "v"}, "b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="from json", MessageAttributes=attributes)
    m = old.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["SenderId"])["Messages"][0]
    assert (m["MessageId"], m["Body"], m["MessageAttributes"]) == (sent["MessageId"], "from json", attributes)
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])  # a Query receipt handle, deleted over JSON

    sent = old.send_message(QueueUrl=url, MessageBody="from query", MessageAttributes=attributes)
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert (got["MessageId"], got["Body"], got["MessageAttributes"]) == (sent["MessageId"], "from query", attributes)
    assert got["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    old.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    # Queues, attributes and tags set by one are what the other reads.
    old.tag_queue(QueueUrl=url, Tags={"via": "query"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"via": "query"}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "7"})
    assert old.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"] == {"DelaySeconds": "7"}


def test_the_trail_records_both_protocols_alike(server, old, sqs):
    n_query, n_json = name(), name()
    old.create_queue(QueueName=n_query)
    sqs.create_queue(QueueName=n_json)
    trail = server.client("cloudtrail")
    records = {}
    for _ in range(50):
        events = trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateQueue"}],
                                     MaxResults=50)["Events"]
        for e in events:
            record = json.loads(e["CloudTrailEvent"])
            queue = (record.get("requestParameters") or {}).get("queueName")
            if queue in (n_query, n_json):
                records[queue] = record
        if len(records) == 2:
            break
    q, j = records[n_query], records[n_json]
    assert q["requestParameters"] == {"queueName": n_query}
    assert j["requestParameters"] == {"queueName": n_json}
    assert q["responseElements"] == {"queueUrl": f"{server.endpoint}/{ACCOUNT}/{n_query}"}
    assert j["responseElements"] == {"queueUrl": f"{server.endpoint}/{ACCOUNT}/{n_json}"}
    assert set(q) == set(j)
    assert (q["eventSource"], q["eventName"], "errorCode" in q) == ("sqs.amazonaws.com", "CreateQueue", False)


# --- Raw requests: the XML byte shapes ----------------------------------------------------------


def test_xml_shapes_of_answers(server):
    n = name()
    r = signed(server, params={"Action": "CreateQueue", "Version": "2012-11-05", "QueueName": n,
                               "Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "40"})
    assert r.status_code == 200, r.text
    root = xml(r)
    assert root.tag == f"{{{NS}}}CreateQueueResponse"
    assert [c.tag for c in root] == [f"{{{NS}}}CreateQueueResult", f"{{{NS}}}ResponseMetadata"]
    url = root.findtext("q:CreateQueueResult/q:QueueUrl", namespaces=X)
    assert url == f"{server.endpoint}/{ACCOUNT}/{n}"
    assert root.findtext("q:ResponseMetadata/q:RequestId", namespaces=X) == r.headers["x-amzn-RequestId"]

    r = signed(server, params={"Action": "SendMessage", "Version": "2012-11-05", "QueueUrl": url, "MessageBody": "a&b",
                               "MessageAttribute.1.Name": "city", "MessageAttribute.1.Value.DataType": "String",
                               "MessageAttribute.1.Value.StringValue": "Any City"})
    result = xml(r).find("q:SendMessageResult", X)
    assert [c.tag.split("}")[1] for c in result] == ["MD5OfMessageBody", "MD5OfMessageAttributes", "MessageId"]
    assert result.findtext("q:MD5OfMessageAttributes", namespaces=X) == md5_of_attributes(
        {"city": {"DataType": "String", "StringValue": "Any City"}})

    r = signed(server, params={"Action": "ReceiveMessage", "Version": "2012-11-05", "QueueUrl": url,
                               "AttributeName.1": "SenderId", "MessageAttributeName.1": "All"})
    text = r.text
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<ReceiveMessageResponse xmlns="' + NS + '">'), text
    assert re.search(
        r"<ReceiveMessageResult><Message><MessageId>[0-9a-f-]{36}</MessageId><ReceiptHandle>[^<]+</ReceiptHandle>"
        r"<MD5OfBody>[0-9a-f]{32}</MD5OfBody><Body>a&amp;b</Body>"
        r"<Attribute><Name>SenderId</Name><Value>[^<]+</Value></Attribute>"
        r"<MD5OfMessageAttributes>[0-9a-f]{32}</MD5OfMessageAttributes>"
        r"<MessageAttribute><Name>city</Name><Value><StringValue>Any City</StringValue><DataType>String</DataType>"
        r"</Value></MessageAttribute></Message></ReceiveMessageResult>"
        r"<ResponseMetadata><RequestId>[0-9a-f-]{36}</RequestId></ResponseMetadata></ReceiveMessageResponse>$", text), text

    r = signed(server, params={"Action": "GetQueueAttributes", "Version": "2012-11-05", "QueueUrl": url,
                               "AttributeName.1": "VisibilityTimeout", "AttributeName.2": "DelaySeconds"})
    assert ("<GetQueueAttributesResult><Attribute><Name>DelaySeconds</Name><Value>0</Value></Attribute>"
            "<Attribute><Name>VisibilityTimeout</Name><Value>40</Value></Attribute></GetQueueAttributesResult>") in r.text

    r = signed(server, params={"Action": "ListQueues", "Version": "2012-11-05", "QueueNamePrefix": n})
    assert f"<ListQueuesResult><QueueUrl>{url}</QueueUrl></ListQueuesResult>" in r.text

    r = signed(server, params={"Action": "SendMessageBatch", "Version": "2012-11-05", "QueueUrl": url,
                               "SendMessageBatchRequestEntry.1.Id": "ok", "SendMessageBatchRequestEntry.1.MessageBody": "m",
                               "SendMessageBatchRequestEntry.2.Id": "late", "SendMessageBatchRequestEntry.2.MessageBody": "m",
                               "SendMessageBatchRequestEntry.2.DelaySeconds": "901"})
    assert re.search(r"<SendMessageBatchResult><SendMessageBatchResultEntry><Id>ok</Id><MessageId>[0-9a-f-]{36}</MessageId>"
                     r"<MD5OfMessageBody>[0-9a-f]{32}</MD5OfMessageBody></SendMessageBatchResultEntry>"
                     r"<BatchResultErrorEntry><Id>late</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code>"
                     r"<Message>[^<]+</Message></BatchResultErrorEntry></SendMessageBatchResult>", r.text), r.text

    r = signed(server, params={"Action": "TagQueue", "Version": "2012-11-05", "QueueUrl": url,
                               "Tag.1.Key": "k", "Tag.1.Value": "v"})
    assert r.status_code == 200 and xml(r).tag == f"{{{NS}}}TagQueueResponse"
    r = signed(server, params={"Action": "ListQueueTags", "Version": "2012-11-05", "QueueUrl": url})
    assert "<ListQueueTagsResult><Tag><Key>k</Key><Value>v</Value></Tag></ListQueueTagsResult>" in r.text


def test_queue_url_from_the_path_and_signed_gets(server):
    n = name()
    r = signed(server, params={"Action": "CreateQueue", "Version": "2012-11-05", "QueueName": n})
    url = xml(r).findtext("q:CreateQueueResult/q:QueueUrl", namespaces=X)
    path = f"/{ACCOUNT}/{n}"
    # Posted to the queue's URL without QueueUrl, as older SDKs do.
    r = signed(server, path=path, params={"Action": "SendMessage", "Version": "2012-11-05", "MessageBody": "by path"})
    assert r.status_code == 200, r.text
    # A GET with the parameters in the signed query string, to the queue's path.
    r = signed(server, method="GET", path=path, params={"Action": "ReceiveMessage", "Version": "2012-11-05",
                                                        "VisibilityTimeout": "0"})
    assert r.status_code == 200, r.text
    assert xml(r).findtext("q:ReceiveMessageResult/q:Message/q:Body", namespaces=X) == "by path"
    # A presigned GET (the signature in the query string).
    r = signed(server, method="GET", path="/", params={"Action": "GetQueueUrl", "Version": "2012-11-05", "QueueName": n},
               presign=True)
    assert r.status_code == 200, r.text
    assert xml(r).findtext("q:GetQueueUrlResult/q:QueueUrl", namespaces=X) == url
    # A QueueUrl in the form wins over the path.
    r = signed(server, path=f"/{ACCOUNT}/no-such-queue", params={
        "Action": "GetQueueAttributes", "Version": "2012-11-05", "QueueUrl": url, "AttributeName.1": "QueueArn"})
    assert r.status_code == 200, r.text
    # A path that names no queue.
    r = signed(server, path=f"/{ACCOUNT}/no-such-queue", params={"Action": "SendMessage", "Version": "2012-11-05",
                                                               "MessageBody": "x"})
    query_error(r, "AWS.SimpleQueueService.NonExistentQueue")


def test_raw_errors(server):
    r = signed(server, params={"Action": "GetQueueUrl", "Version": "2012-11-05", "QueueName": "no-such-queue"})
    message = query_error(r, "AWS.SimpleQueueService.NonExistentQueue")
    assert message == "The specified queue does not exist."
    assert '<Detail/></Error><RequestId>' in r.text
    query_error(signed(server, params={"Action": "NoSuchAction", "Version": "2012-11-05"}), "InvalidAction")
    query_error(signed(server, params={"Action": "ListQueues", "Version": "2009-02-01"}), "InvalidAction")
    query_error(signed(server, params={"Version": "2012-11-05", "QueueName": "x"}), "MissingAction")
    query_error(signed(server, params={"Action": "GetQueueUrl", "Version": "2012-11-05"}), "InvalidParameterValue")
    query_error(signed(server, params={"Action": "ReceiveMessage", "Version": "2012-11-05",
                                       "QueueUrl": f"{server.endpoint}/{ACCOUNT}/x", "MaxNumberOfMessages": "many"}),
                "InvalidParameterValue")
    # Malformed form bodies: an answer, never a crash or a hang.
    for body in (b"\xff\xfe\x00%zz&&==&=", b"Action", b"{\"Action\": \"ListQueues\"}", b"Action=ListQueues&Version"):
        r = signed(server, body=body)
        assert r.status_code == 400, (body, r.text)
        xml(r)
    r = signed(server, body=b"Action=ListQueues&Version=2012-11-05&%zz=%zz")
    assert r.status_code == 200, r.text
    # A tampered body: the signature no longer matches.
    r = signed(server, params={"Action": "ListQueues", "Version": "2012-11-05"},
               mutate=lambda h, d: (h, d.replace(b"ListQueues", b"ListQueuez")))
    query_error(r, "SignatureDoesNotMatch", status=403)
    r = signed(server, method="GET", params={"Action": "ListQueues", "Version": "2012-11-05"},
               mutate=lambda h, d: ({**h, "X-Amz-Date": "20200101T000000Z"}, d))
    assert r.status_code == 403 and "<Type>Sender</Type>" in r.text
    # A JSON body without X-Amz-Target is a JSON call that names no operation.
    r = signed(server, body=b"{}", content_type="application/x-amz-json-1.0")
    assert r.status_code == 400 and r.headers["Content-Type"] == "application/x-amz-json-1.0", r.text
    assert r.json()["__type"] == "UnknownOperationException"
    # The server still answers.
    assert signed(server, params={"Action": "ListQueues", "Version": "2012-11-05"}).status_code == 200
