"""AWS Lambda against the release binary started with --enable-functions: the API with boto3 and
the aws CLI (functions, versions, aliases, permissions, event-invoke configs, concurrency, tags,
bad input), and functions run for real through AWS's runtime interface client (awslambdaric):
results, errors, timeouts, crashes, big outputs, forks, environment variables, the execution
role's credentials calling back into Rampart, logs in CloudWatch Logs, asynchronous invocations
and their destinations, EventBridge and SNS invoking functions under the resource policy."""
import base64
import io
import json
import os
import time
import uuid
import zipfile

import botocore.exceptions
import pytest

from conftest import ACCOUNT, Server, allow, fails, policy_doc, user_with_keys

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def fn_server():
    s = Server(extra_args=["--enable-functions"])
    yield s
    s.cleanup()


@pytest.fixture(scope="module")
def lam(fn_server):
    return fn_server.client("lambda", read_timeout=60)


@pytest.fixture(scope="module")
def role(fn_server):
    iam = fn_server.client("iam")
    arn = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName="fn-role", PolicyName="p", PolicyDocument=policy_doc(
        allow(["logs:*", "kms:DescribeKey", "sqs:SendMessage", "sns:Publish"])))
    return arn


def zipped(files):
    """A zip of {name: source} (python files, or a bootstrap made executable)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o755 if name == "bootstrap" else 0o644) << 16
            z.writestr(info, text)
    return buf.getvalue()


HANDLERS = '''
import json, os, subprocess, sys, time
import boto3

def echo(event, context):
    print(f"echo got {event!r}")
    return {"echo": event, "function": context.function_name, "requestId": context.aws_request_id,
            "arn": context.invoked_function_arn, "left": context.get_remaining_time_in_millis() > 0,
            "memory": context.memory_limit_in_mb, "version": context.function_version}

def fail(event, context):
    raise ValueError("bad input")

def env(event, context):
    return {k: v for k, v in os.environ.items()}

def whoami(event, context):
    return boto3.client("sts").get_caller_identity()["Arn"]

def sleep(event, context):
    time.sleep(event.get("seconds", 10))
    return "awake"

def crash(event, context):
    os._exit(3)

def big(event, context):
    return "x" * (7 * 1024 * 1024)

def chatty(event, context):
    for _ in range(10 * 1024):
        print("y" * 1023)
    return "said a lot"

def fork(event, context):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    return child.pid

def pid(event, context):
    return os.getpid()

def peek(event, context):
    found = {}
    for path in event["paths"]:
        try:
            with open(path, "rb") as f:
                found[path] = len(f.read())
        except OSError as e:
            found[path] = type(e).__name__
    return found
'''


def create(lam, role, name, handler, **extra):
    args = dict(FunctionName=name, Runtime="python3.11", Role=role, Handler=f"h.{handler}",
                Code={"ZipFile": zipped({"h.py": HANDLERS})})
    args.update(extra)
    out = lam.create_function(**args)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return out


def call(lam, name, payload=None, **extra):
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload if payload is not None else {}).encode(), **extra)
    body = r["Payload"].read()
    return r, (json.loads(body) if body else None)


def uid(prefix):
    return prefix + uuid.uuid4().hex[:8]


# ---- the API ------------------------------------------------------------------------------------

def test_create_get_list_delete(lam, role):
    name = uid("api-")
    out = create(lam, role, name, "echo", Description="d", Timeout=5, MemorySize=256, Tags={"team": "sec"})
    assert out["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    assert out["State"] == "Pending" and out["Version"] == "$LATEST"
    code = zipped({"h.py": HANDLERS})
    got = lam.get_function(FunctionName=name)
    c = got["Configuration"]
    assert c["State"] == "Active" and c["LastUpdateStatus"] == "Successful"
    assert (c["Timeout"], c["MemorySize"], c["Description"], c["Runtime"], c["Handler"]) == (5, 256, "d", "python3.11", "h.echo")
    assert c["CodeSize"] == len(code)
    import hashlib
    assert c["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode()
    assert got["Tags"] == {"team": "sec"}
    assert name in [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    fails("ResourceConflictException", lam.create_function, FunctionName=name, Runtime="python3.11", Role=role,
          Handler="h.echo", Code={"ZipFile": code})
    lam.delete_function(FunctionName=name)
    fails("ResourceNotFoundException", lam.get_function, FunctionName=name)
    fails("ResourceNotFoundException", lam.delete_function, FunctionName=name)


def test_names_in_every_form(lam, role):
    name = uid("forms-")
    create(lam, role, name, "echo")
    for form in (name, f"{ACCOUNT}:function:{name}", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"):
        assert lam.get_function_configuration(FunctionName=form)["FunctionName"] == name
    fails("ValidationException", lam.get_function, FunctionName="bad name!")


def test_bad_create_inputs(lam, role, fn_server):
    code = zipped({"h.py": HANDLERS})
    base = dict(Runtime="python3.11", Role=role, Handler="h.echo", Code={"ZipFile": code})
    fails("InvalidParameterValueException", lam.create_function, **{**base, "FunctionName": uid("z-"),
                                                                        "Code": {"ZipFile": b"not a zip at all, no"}})
    fails("InvalidParameterValueException", lam.create_function, **{**base, "FunctionName": uid("r-"), "Runtime": "python2.7"})
    fails("InvalidParameterValueException", lam.create_function, **{**base, "FunctionName": uid("r-"),
                                                                        "Role": f"arn:aws:iam::{ACCOUNT}:role/nope"})
    fails("ValidationException", lam.create_function, **{**base, "FunctionName": uid("t-"), "Timeout": 0})
    fails("ValidationException", lam.create_function, **{**base, "FunctionName": uid("m-"), "MemorySize": 64})
    fails("InvalidParameterValueException", lam.create_function, **{**base, "FunctionName": uid("e-"),
                                                                        "Environment": {"Variables": {"AWS_REGION": "x"}}})
    fails("InvalidParameterValueException", lam.create_function, **{**base, "FunctionName": uid("e-"),
                                                                        "Environment": {"Variables": {"BIG": "v" * 5000}}})
    # a role whose trust policy names another service
    iam = fn_server.client("iam")
    other = iam.create_role(RoleName=uid("ec2-"), AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    fails("InvalidParameterValueException", lam.create_function, **{**base, "FunctionName": uid("tr-"), "Role": other})


def test_malformed_rest_requests(fn_server):
    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    akid, secret = fn_server.profile()

    def send(method, path, body=b""):
        req = AWSRequest(method=method, url=fn_server.endpoint + path, data=body,
                         headers={"Content-Type": "application/json"})
        SigV4Auth(Credentials(akid, secret), "lambda", "us-east-1").add_auth(req)
        return requests.request(method, fn_server.endpoint + path, data=body, headers=dict(req.headers.items()), timeout=30)

    r = send("POST", "/2015-03-31/functions", b"{not json")
    assert r.status_code == 400 and r.headers.get("x-amzn-ErrorType", "").startswith("SerializationException"), r.text
    r = send("POST", "/2015-03-31/functions", json.dumps({"FunctionName": 7}).encode())
    assert r.status_code == 400, r.text
    r = send("GET", "/2015-03-31/no-such-route")
    assert r.status_code == 404, r.text
    r = send("POST", "/2015-03-31/functions", json.dumps({"FunctionName": "x", "Role": "r", "Code": {"ZipFile": "!!!"}}).encode())
    assert r.status_code == 400, r.text


def test_update_code_and_configuration(lam, role):
    name = uid("upd-")
    first = create(lam, role, name, "echo")
    out = lam.update_function_code(FunctionName=name, ZipFile=zipped({"h.py": HANDLERS + "\n# v2\n"}))
    assert out["CodeSha256"] != first["CodeSha256"]
    fails("PreconditionFailedException", lam.update_function_configuration, FunctionName=name, Timeout=9,
          RevisionId=first["RevisionId"])
    out = lam.update_function_configuration(FunctionName=name, Timeout=9, Environment={"Variables": {"COLOR": "blue"}})
    assert out["Timeout"] == 9
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    assert lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"] == {"COLOR": "blue"}


def test_versions_and_aliases(lam, role):
    name = uid("ver-")
    create(lam, role, name, "echo")
    v1 = lam.publish_version(FunctionName=name, Description="one")
    assert v1["Version"] == "1" and v1["FunctionArn"].endswith(f":{name}:1")
    assert lam.publish_version(FunctionName=name)["Version"] == "1"  # nothing changed: the same version
    lam.update_function_configuration(FunctionName=name, Timeout=7)
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions == ["$LATEST", "1", "2"]
    alias = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert alias["AliasArn"].endswith(f":{name}:live")
    fails("ResourceConflictException", lam.create_alias, FunctionName=name, Name="live", FunctionVersion="1")
    fails("ResourceNotFoundException", lam.create_alias, FunctionName=name, Name="next", FunctionVersion="9")
    assert lam.get_function_configuration(FunctionName=name, Qualifier="live")["Timeout"] == 3
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "2"
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]] == ["live"]
    fails("ResourceConflictException", lam.delete_function, FunctionName=name, Qualifier="2")
    lam.delete_alias(FunctionName=name, Name="live")
    lam.delete_function(FunctionName=name, Qualifier="2")
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == ["$LATEST", "1"]
    r, body = call(lam, f"{name}:1", {"v": 1})
    assert r["ExecutedVersion"] == "1" and body["version"] == "1"


def test_permissions_policy(lam, role):
    name = uid("perm-")
    create(lam, role, name, "echo")
    fails("ResourceNotFoundException", lam.get_policy, FunctionName=name)
    st = json.loads(lam.add_permission(FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
                                       Principal="events.amazonaws.com",
                                       SourceArn=f"arn:aws:events:us-east-1:{ACCOUNT}:rule/r")["Statement"])
    assert st["Principal"] == {"Service": "events.amazonaws.com"}
    assert st["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(":rule/r")
    lam.add_permission(FunctionName=name, StatementId="acct", Action="lambda:GetFunction", Principal="222222222222")
    fails("ResourceConflictException", lam.add_permission, FunctionName=name, StatementId="acct",
          Action="lambda:InvokeFunction", Principal="222222222222")
    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["events", "acct"]
    assert policy["Statement"][1]["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
    lam.remove_permission(FunctionName=name, StatementId="acct")
    fails("ResourceNotFoundException", lam.remove_permission, FunctionName=name, StatementId="acct")


def test_cross_account_needs_the_resource_policy(fn_server, lam, role):
    name = uid("xacct-")
    create(lam, role, name, "echo")
    other = fn_server.client("lambda", keys=fn_server.add_account("222222222222"))
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    fails("AccessDeniedException", other.invoke, FunctionName=arn, Payload=b"{}")
    lam.add_permission(FunctionName=name, StatementId="b", Action="lambda:InvokeFunction", Principal="222222222222")
    r = other.invoke(FunctionName=arn, Payload=b'{"from": "b"}')
    assert json.loads(r["Payload"].read())["echo"] == {"from": "b"}


def test_identity_policies_decide_in_the_account(fn_server, lam, role):
    name = uid("iamfn-")
    create(lam, role, name, "echo")
    iam = fn_server.client("iam")
    user = uid("dev-")
    keys = user_with_keys(iam, user)
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=policy_doc(allow("lambda:GetFunction")))
    theirs = fn_server.client("lambda", keys=keys)
    time.sleep(0.5)
    assert theirs.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name
    fails("AccessDeniedException", theirs.invoke, FunctionName=name, Payload=b"{}")
    fails("AccessDeniedException", theirs.delete_function, FunctionName=name)


def test_event_invoke_config(lam, role):
    name = uid("eic-")
    create(lam, role, name, "echo")
    fails("ResourceNotFoundException", lam.get_function_event_invoke_config, FunctionName=name)
    out = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0, MaximumEventAgeInSeconds=60)
    assert out["MaximumRetryAttempts"] == 0 and out["FunctionArn"].endswith(f":{name}:$LATEST")
    out = lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    assert (out["MaximumRetryAttempts"], out["MaximumEventAgeInSeconds"]) == (1, 60)
    fails("ValidationException", lam.put_function_event_invoke_config, FunctionName=name, MaximumRetryAttempts=3)
    fails("InvalidParameterValueException", lam.put_function_event_invoke_config, FunctionName=name,
          DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::bucket"}})
    assert len(lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]) == 1
    lam.delete_function_event_invoke_config(FunctionName=name)
    fails("ResourceNotFoundException", lam.get_function_event_invoke_config, FunctionName=name)


def test_tags(lam, role):
    name = uid("tags-")
    arn = create(lam, role, name, "echo")["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"a": "1", "b": "2"})
    lam.untag_resource(Resource=arn, TagKeys=["a"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}
    fails("InvalidParameterValueException", lam.tag_resource, Resource=arn, Tags={"aws:x": "1"})


def test_functions_off_by_default(server):
    """A server started without --enable-functions keeps functions but runs none."""
    iam = server.client("iam")
    arn = iam.create_role(RoleName=uid("off-"), AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    lam = server.client("lambda")
    name = uid("off-")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=arn, Handler="h.echo",
                        Code={"ZipFile": zipped({"h.py": HANDLERS})})
    err = fails("ServiceException", lam.invoke, FunctionName=name, Payload=b"{}")
    assert "--enable-functions" in err["Error"]["Message"]


# ---- running functions --------------------------------------------------------------------------

def test_invoke_returns_the_result(lam, role):
    name = uid("echo-")
    create(lam, role, name, "echo", MemorySize=256)
    r, body = call(lam, name, {"hello": "world"})
    assert r["StatusCode"] == 200 and "FunctionError" not in r and r["ExecutedVersion"] == "$LATEST"
    assert body["echo"] == {"hello": "world"} and body["function"] == name and body["left"] is True
    assert body["arn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}" and body["memory"] == "256"
    r, _ = call(lam, name, {"tail": 1}, LogType="Tail")
    tail = base64.b64decode(r["LogResult"]).decode()
    assert "START RequestId: " in tail and "echo got {'tail': 1}" in tail and "REPORT RequestId: " in tail


def test_invoke_bad_payloads(lam, role):
    name = uid("payload-")
    create(lam, role, name, "echo")
    fails("InvalidRequestContentException", lam.invoke, FunctionName=name, Payload=b"{not json")
    fails("RequestTooLargeException", lam.invoke, FunctionName=name, Payload=json.dumps("x" * 6_300_000).encode())
    fails("RequestTooLargeException", lam.invoke, FunctionName=name, InvocationType="Event",
          Payload=json.dumps("x" * 1_100_000).encode())
    r = lam.invoke(FunctionName=name, InvocationType="DryRun")
    assert r["StatusCode"] == 204


def test_handled_errors_timeouts_crashes(lam, role):
    for handler in ("fail", "sleep", "crash", "big", "chatty", "fork", "pid"):
        create(lam, role, f"x-{handler}-{os.getpid()}", handler, Timeout=2)
    r, body = call(lam, f"x-fail-{os.getpid()}")
    assert r["FunctionError"] == "Unhandled" and body["errorType"] == "ValueError" and body["errorMessage"] == "bad input"
    start = time.time()
    r, body = call(lam, f"x-sleep-{os.getpid()}", {"seconds": 30})
    assert time.time() - start < 10
    assert r["FunctionError"] == "Unhandled" and "Task timed out after 2.00 seconds" in json.dumps(body)
    r, body = call(lam, f"x-sleep-{os.getpid()}", {"seconds": 0})
    assert "FunctionError" not in r and body == "awake"
    r, body = call(lam, f"x-crash-{os.getpid()}")
    assert r["FunctionError"] == "Unhandled" and "Runtime.ExitError" in json.dumps(body)
    r, body = call(lam, f"x-big-{os.getpid()}")
    assert r["FunctionError"] == "Unhandled" and "ResponseSizeTooLarge" in json.dumps(body)
    r, body = call(lam, f"x-chatty-{os.getpid()}")
    assert "FunctionError" not in r and body == "said a lot"
    r, child = call(lam, f"x-fork-{os.getpid()}")
    assert isinstance(child, int)
    # warm reuse: the same process answers twice
    _, p1 = call(lam, f"x-pid-{os.getpid()}")
    _, p2 = call(lam, f"x-pid-{os.getpid()}")
    assert p1 == p2
    # and the server is healthy afterwards
    _, body = call(lam, f"x-pid-{os.getpid()}")
    assert isinstance(body, int)


def test_environment_and_role_credentials(fn_server, lam, role):
    name = uid("env-")
    create(lam, role, name, "env", Environment={"Variables": {"COLOR": "blue"}})
    _, env = call(lam, name)
    assert env["COLOR"] == "blue" and env["AWS_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name and env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert env["AWS_ENDPOINT_URL"] == fn_server.endpoint
    assert not any(k.startswith("PYTEST") for k in env), "the server's own environment leaked"
    name = uid("who-")
    create(lam, role, name, "whoami")
    _, arn = call(lam, name)
    assert arn.startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/fn-role/{name}")


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="bubblewrap is not installed")
def test_functions_cannot_read_the_servers_data_folder(fn_server, lam, role):
    """With bubblewrap installed, a function sees neither the root key nor the store, nor the
    code and scratch space of other functions; its own code and scratch folder work."""
    name = uid("peek-")
    create(lam, role, name, "peek")
    data = fn_server.data
    _, found = call(lam, name, {"paths": [str(data / "root.key"), str(data / "rampart.sqlite"),
                                          str(data / "credentials"), "h.py"]})
    assert found[str(data / "root.key")] == "FileNotFoundError", found
    assert found[str(data / "rampart.sqlite")] == "FileNotFoundError", found
    assert found[str(data / "credentials")] == "FileNotFoundError", found
    assert isinstance(found["h.py"], int)  # its own code


def test_environment_is_encrypted_under_the_functions_key(fn_server, lam, role):
    kms = fn_server.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    name = uid("kmsenv-")
    create(lam, role, name, "env", KMSKeyArn=key, Environment={"Variables": {"SECRET_NAME": "s3cr3t-value"}})
    assert lam.get_function_configuration(FunctionName=name)["KMSKeyArn"] == key
    _, env = call(lam, name)
    assert env["SECRET_NAME"] == "s3cr3t-value"
    kms.disable_key(KeyId=key)
    lam.update_function_configuration(FunctionName=name, Timeout=4)  # a new configuration: a cold start
    fails("KMSDisabledException", lam.invoke, FunctionName=name, Payload=b"{}")
    kms.enable_key(KeyId=key)
    db = (fn_server.data / "rampart.sqlite").read_bytes() + (fn_server.data / "rampart.sqlite-wal").read_bytes()
    assert b"s3cr3t-value" not in db


def test_logs_go_to_cloudwatch(fn_server, lam, role):
    name = uid("logged-")
    create(lam, role, name, "echo")
    call(lam, name, {"n": 1})
    logs = fn_server.client("logs")
    deadline = time.time() + 30
    while time.time() < deadline:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"] if logs.describe_log_groups(
            logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"] else []
        messages = "".join(e["message"] for e in events)
        if "REPORT RequestId" in messages:
            break
        time.sleep(0.5)
    assert "START RequestId: " in messages and "echo got {'n': 1}" in messages
    stream = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"][0]["logStreamName"]
    import re
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", stream), stream


def test_reserved_concurrency(lam, role):
    name = uid("conc-")
    create(lam, role, name, "echo")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 0
    fails("TooManyRequestsException", lam.invoke, FunctionName=name, Payload=b"{}")
    fails("InvalidParameterValueException", lam.put_function_concurrency, FunctionName=name,
          ReservedConcurrentExecutions=950)
    lam.delete_function_concurrency(FunctionName=name)
    r, _ = call(lam, name)
    assert r["StatusCode"] == 200


def test_async_invoke_and_destinations(fn_server, lam, role):
    sqs = fn_server.client("sqs")
    ok_q = sqs.create_queue(QueueName=uid("ok-"))["QueueUrl"]
    bad_q = sqs.create_queue(QueueName=uid("bad-"))["QueueUrl"]
    arn = lambda url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    good, bad = uid("async-ok-"), uid("async-bad-")
    create(lam, role, good, "echo")
    create(lam, role, bad, "fail")
    lam.put_function_event_invoke_config(FunctionName=good, DestinationConfig={"OnSuccess": {"Destination": arn(ok_q)}})
    lam.put_function_event_invoke_config(FunctionName=bad, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": arn(bad_q)}})
    assert lam.invoke(FunctionName=good, InvocationType="Event", Payload=b'{"a": 1}')["StatusCode"] == 202
    assert lam.invoke(FunctionName=bad, InvocationType="Event", Payload=b'{"b": 2}')["StatusCode"] == 202

    def receive(url):
        deadline = time.time() + 45
        while time.time() < deadline:
            got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2).get("Messages", [])
            if got:
                return json.loads(got[0]["Body"])
        raise AssertionError("no destination record")

    record = receive(ok_q)
    assert record["requestContext"]["condition"] == "Success" and record["requestPayload"] == {"a": 1}
    assert record["responsePayload"]["echo"] == {"a": 1}
    record = receive(bad_q)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "ValueError"


def test_eventbridge_and_sns_invoke_under_the_resource_policy(fn_server, lam, role):
    name = uid("targets-")
    arn = create(lam, role, name, "echo")["FunctionArn"]
    events = fn_server.client("events")
    rule = events.put_rule(Name=uid("r-"), EventPattern=json.dumps({"source": ["com.example.fn"]}))["RuleArn"]
    events.put_targets(Rule=rule.split("/")[-1], Targets=[{"Id": "f", "Arn": arn}])
    lam.add_permission(FunctionName=name, StatementId="ev", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule)
    events.put_events(Entries=[{"Source": "com.example.fn", "DetailType": "t", "Detail": json.dumps({"n": 42})}])
    sns = fn_server.client("sns")
    topic = sns.create_topic(Name=uid("t-"))["TopicArn"]
    lam.add_permission(FunctionName=name, StatementId="sns", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", SourceArn=topic)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="hello function")
    logs = fn_server.client("logs")
    deadline, text = time.time() + 60, ""
    while time.time() < deadline:
        try:
            text = "".join(e["message"] for e in logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"])
        except botocore.exceptions.ClientError:
            text = ""
        if "'n': 42" in text and "hello function" in text:
            break
        time.sleep(0.5)
    assert "'n': 42" in text, text[-2000:]
    assert "'EventSource': 'aws:sns'" in text and "hello function" in text, text[-2000:]


def test_provided_runtime_bootstrap(lam, role):
    bootstrap = """#!/bin/sh
set -eu
while true; do
  HEADERS=$(mktemp)
  EVENT=$(curl -sS -D "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '\\r' | cut -d' ' -f2)
  curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/response" -d "{\\"shell\\": $EVENT}" >/dev/null
done
"""
    name = uid("shell-")
    lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=role, Handler="unused",
                        Code={"ZipFile": zipped({"bootstrap": bootstrap})})
    _, body = call(lam, name, {"x": 1})
    assert body == {"shell": {"x": 1}}


def test_packages_by_path_from_the_operators_folder(tmp_path):
    """With --functions-code-dir, S3Bucket "local" names a package in that folder (for packages
    past a request's 50 MB); nothing outside it can be named."""
    packages = tmp_path / "packages"
    (packages / "team").mkdir(parents=True)
    (packages / "team" / "echo.zip").write_bytes(zipped({"h.py": HANDLERS}))
    (tmp_path / "outside.zip").write_bytes(zipped({"h.py": HANDLERS}))
    s = Server(extra_args=["--enable-functions", "--functions-code-dir", str(packages)])
    try:
        lam = s.client("lambda", read_timeout=60)
        role = s.client("iam").create_role(RoleName="pkg", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        base = dict(Runtime="python3.11", Role=role, Handler="h.echo")
        out = lam.create_function(FunctionName="by-path", Code={"S3Bucket": "local", "S3Key": "team/echo.zip"}, **base)
        assert out["CodeSize"] == len(zipped({"h.py": HANDLERS}))
        _, body = call(lam, "by-path", {"p": 1})
        assert body["echo"] == {"p": 1}
        for key in ("../outside.zip", str(tmp_path / "outside.zip"), "team/missing.zip", "team/../../outside.zip"):
            fails("InvalidParameterValueException", lam.create_function, FunctionName="nope",
                  Code={"S3Bucket": "local", "S3Key": key}, **base)
        fails("InvalidParameterValueException", lam.create_function, FunctionName="nope",
              Code={"S3Bucket": "a-real-bucket", "S3Key": "team/echo.zip"}, **base)
        lam.update_function_code(FunctionName="by-path", S3Bucket="local", S3Key="team/echo.zip")
    finally:
        s.cleanup()


def test_cli_invoke(fn_server, role, tmp_path):
    name = uid("cli-")
    (tmp_path / "code.zip").write_bytes(zipped({"h.py": HANDLERS}))
    fn_server.cli("lambda", "create-function", "--function-name", name, "--runtime", "python3.12", "--handler", "h.echo",
                  "--role", role, "--zip-file", f"fileb://{tmp_path / 'code.zip'}")
    (tmp_path / "in.json").write_text('{"via": "cli"}')
    out = fn_server.cli("lambda", "invoke", "--function-name", name, "--payload", f"fileb://{tmp_path / 'in.json'}",
                        str(tmp_path / "out.json"))
    assert out["StatusCode"] == 200
    assert json.loads((tmp_path / "out.json").read_text())["echo"] == {"via": "cli"}


def test_trail_records_lambda_calls(fn_server, lam, role):
    name = uid("trail-")
    create(lam, role, name, "echo", Environment={"Variables": {"TOKEN": "hunter2-secret"}})
    ct = fn_server.client("cloudtrail")
    deadline = time.time() + 20
    while time.time() < deadline:
        events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateFunction20150331"}])["Events"]
        mine = [e for e in events if name in e["CloudTrailEvent"]]
        if mine:
            break
        time.sleep(0.5)
    record = json.loads(mine[0]["CloudTrailEvent"])
    assert record["eventSource"] == "lambda.amazonaws.com"
    assert "hunter2-secret" not in mine[0]["CloudTrailEvent"] and "zipFile" not in json.dumps(record["requestParameters"])


def test_queued_invocations_survive_kill_9():
    """An Event invocation acknowledged with 202 runs even if the server is killed before it
    could: it waits (throttled by a reserved concurrency of 0) across a kill -9 and a restart."""
    import signal
    s = Server(extra_args=["--enable-functions"])
    try:
        lam = s.client("lambda", read_timeout=60)
        arn = s.client("iam").create_role(RoleName="durable", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        create(lam, arn, "durable", "echo")
        lam.put_function_concurrency(FunctionName="durable", ReservedConcurrentExecutions=0)
        assert lam.invoke(FunctionName="durable", InvocationType="Event", Payload=b'{"kept": 1}')["StatusCode"] == 202
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()
        s.start_again()
        lam = s.client("lambda", read_timeout=60)
        lam.delete_function_concurrency(FunctionName="durable")
        logs = s.client("logs")
        deadline, text = time.time() + 60, ""
        while time.time() < deadline and "'kept': 1" not in text:
            time.sleep(0.5)
            try:
                text = "".join(e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/durable")["events"])
            except botocore.exceptions.ClientError:
                pass
        assert "'kept': 1" in text
    finally:
        s.cleanup()


FUNCTION_OPERATIONS = [
    ("get_function", {}), ("get_function_configuration", {}), ("delete_function", {}),
    ("update_function_code", {"ZipFile": zipped({"h.py": HANDLERS})}), ("update_function_configuration", {"Timeout": 5}),
    ("publish_version", {}), ("list_versions_by_function", {}), ("list_aliases", {}),
    ("create_alias", {"Name": "a", "FunctionVersion": "$LATEST"}), ("get_alias", {"Name": "a"}),
    ("invoke", {"Payload": b"{}"}), ("get_policy", {}),
    ("add_permission", {"StatementId": "s", "Action": "lambda:InvokeFunction", "Principal": "sns.amazonaws.com"}),
    ("remove_permission", {"StatementId": "s"}), ("put_function_event_invoke_config", {"MaximumRetryAttempts": 1}),
    ("get_function_event_invoke_config", {}), ("list_function_event_invoke_configs", {}),
    ("put_function_concurrency", {"ReservedConcurrentExecutions": 1}), ("get_function_concurrency", {}),
    ("delete_function_concurrency", {}), ("get_function_code_signing_config", {}), ("get_runtime_management_config", {}),
]


@pytest.mark.parametrize("operation,extra", FUNCTION_OPERATIONS, ids=[o for o, _ in FUNCTION_OPERATIONS])
def test_every_operation_on_a_missing_or_malformed_function(lam, operation, extra):
    fails("ResourceNotFoundException", getattr(lam, operation), FunctionName=uid("missing-"), **extra)
    fails("ValidationException", getattr(lam, operation), FunctionName="not a name!", **extra)
    fails("ValidationException", getattr(lam, operation), FunctionName="x" * 300, **extra)


def test_account_settings_and_the_reads_terraform_makes(lam, role):
    name = uid("reads-")
    create(lam, role, name, "echo")
    settings = lam.get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountUsage"]["FunctionCount"] >= 1
    assert lam.get_runtime_management_config(FunctionName=name)["UpdateRuntimeOn"] == "Auto"
    assert lam.get_function_recursion_config(FunctionName=name)["RecursiveLoop"] == "Terminate"
    assert lam.get_function_code_signing_config(FunctionName=name)["FunctionName"] == name
