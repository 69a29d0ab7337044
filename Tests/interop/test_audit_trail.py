"""Issue 7: every call a CloudTrail record, LookupEvents, export and validation."""
import gzip
import json
import subprocess
import time

import botocore.exceptions
import pytest

from conftest import ACCOUNT, error_code


def lookup(ct, key, value, **kw):
    return ct.lookup_events(LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}], **kw)["Events"]


@pytest.fixture()
def trail(fresh_server):
    kms = fresh_server.client("kms")
    ct = fresh_server.client("cloudtrail")
    key = kms.create_key(Description="audited")["KeyMetadata"]
    ct_blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"top-secret-plaintext", EncryptionContext={"app": "a"})["CiphertextBlob"]
    kms.decrypt(CiphertextBlob=ct_blob, EncryptionContext={"app": "a"})
    kms.disable_key(KeyId=key["KeyId"])
    return fresh_server, kms, ct, key


def test_lookup_by_each_attribute(trail):
    server, kms, ct, key = trail
    akid, secret = server.profile()
    disable = lookup(ct, "EventName", "DisableKey")
    assert len(disable) == 1
    record = json.loads(disable[0]["CloudTrailEvent"])
    assert record["eventSource"] == "kms.amazonaws.com" and record["requestParameters"]["keyId"] == key["KeyId"]
    assert record["userIdentity"]["type"] == "Root" and record["userIdentity"]["accessKeyId"] == akid
    assert record["readOnly"] is False and record["eventVersion"] == "1.11"
    assert {r["ResourceName"] for r in disable[0]["Resources"]} == {key["Arn"]}
    assert lookup(ct, "EventId", disable[0]["EventId"])[0]["EventName"] == "DisableKey"
    assert {e["EventName"] for e in lookup(ct, "ResourceName", key["Arn"])} >= {"CreateKey", "Encrypt", "Decrypt", "DisableKey"}
    assert {e["EventName"] for e in lookup(ct, "ResourceType", "AWS::KMS::Key")} >= {"CreateKey", "Encrypt"}
    assert all(e["EventSource"] == "kms.amazonaws.com" for e in lookup(ct, "EventSource", "kms.amazonaws.com"))
    assert {e["EventName"] for e in lookup(ct, "AccessKeyId", akid)} >= {"CreateKey", "DisableKey"}
    assert {e["EventName"] for e in lookup(ct, "Username", "root")} >= {"CreateKey"}
    read_only = {e["EventName"] for e in lookup(ct, "ReadOnly", "true")}
    assert "Decrypt" in read_only and "Encrypt" in read_only and "DisableKey" not in read_only
    assert "Decrypt" not in {e["EventName"] for e in lookup(ct, "ReadOnly", "false")}


def test_no_plaintext_in_records(trail):
    server, kms, ct, key = trail
    for e in ct.lookup_events(MaxResults=50)["Events"]:
        assert "top-secret-plaintext" not in e["CloudTrailEvent"]
        assert "Plaintext" not in (json.loads(e["CloudTrailEvent"]).get("responseElements") or {})
    for path in server.data.rglob("*"):
        if path.is_file():
            assert b"top-secret-plaintext" not in path.read_bytes(), path


def test_paging_and_time_window(trail):
    server, kms, ct, key = trail
    for _ in range(6):
        kms.describe_key(KeyId=key["KeyId"])
    seen, token = [], None
    while True:
        page = ct.lookup_events(MaxResults=3, **({"NextToken": token} if token else {}))
        seen += [e["EventId"] for e in page["Events"]]
        token = page.get("NextToken")
        if not token:
            break
    assert len(seen) == len(set(seen)) >= 10
    times = [e["EventTime"] for e in ct.lookup_events(MaxResults=50)["Events"]]
    assert times == sorted(times, reverse=True)
    import datetime
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    assert ct.lookup_events(StartTime=future)["Events"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.lookup_events(MaxResults=51)
    assert error_code(e) in ("InvalidMaxResultsException", "ValidationException")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "A"},
                                           {"AttributeKey": "EventName", "AttributeValue": "B"}])
    assert error_code(e) == "InvalidLookupAttributesException"


def test_refused_calls_are_recorded(trail):
    server, kms, ct, key = trail
    iam = server.client("iam")
    iam.create_user(UserName="trudy")
    k = iam.create_access_key(UserName="trudy")["AccessKey"]
    trudy = server.client("kms", keys=(k["AccessKeyId"], k["SecretAccessKey"]))
    with pytest.raises(botocore.exceptions.ClientError):
        trudy.enable_key(KeyId=key["Arn"])
    events = lookup(ct, "Username", "trudy")
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["errorCode"] == "AccessDeniedException"
    assert record["userIdentity"]["type"] == "IAMUser" and record["userIdentity"]["userName"] == "trudy"
    assert k["SecretAccessKey"] not in json.dumps(ct.lookup_events(MaxResults=50), default=str)


def test_export_and_validate(trail, tmp_path):
    server, kms, ct, key = trail
    out = tmp_path / "export"
    time.sleep(0.2)
    r = subprocess.run([server.bin, "trail", "export", "--data-dir", str(server.data), "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    logs = [p for p in out.rglob("*.json.gz") if "Digest" not in str(p)]
    digests = [p for p in out.rglob("*.json.gz") if "Digest" in str(p)]
    assert logs and digests
    assert logs[0].name.startswith(f"{ACCOUNT}_CloudTrail_us-east-1_")
    records = json.loads(gzip.decompress(logs[0].read_bytes()))["Records"]
    assert any(rec["eventName"] == "DisableKey" for rec in records)
    digest = json.loads(gzip.decompress(digests[0].read_bytes()))
    assert digest["digestSignatureAlgorithm"] == "SHA256withRSA" and digest["previousDigestSignature"] is None
    ok = subprocess.run([server.bin, "trail", "validate", "--dir", str(out)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    logs[0].unlink()
    bad = subprocess.run([server.bin, "trail", "validate", "--dir", str(out)], capture_output=True, text=True)
    assert bad.returncode != 0 and "removed" in bad.stderr


def test_service_events_for_rotation_and_deletion(fresh_server):
    kms = fresh_server.client("kms")
    ct = fresh_server.client("cloudtrail")
    rotating = kms.create_key()["KeyMetadata"]
    doomed = kms.create_key()["KeyMetadata"]
    kms.enable_key_rotation(KeyId=rotating["KeyId"], RotationPeriodInDays=90)
    kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)
    fresh_server.advance_clock(91 * 86400)
    for name, key in (("RotateKey", rotating), ("DeleteKey", doomed)):
        events = lookup(ct, "EventName", name)
        assert len(events) == 1, name
        record = json.loads(events[0]["CloudTrailEvent"])
        assert record["eventType"] == "AwsServiceEvent"
        assert record["userIdentity"] == {"accountId": fresh_server.account, "invokedBy": "kms.amazonaws.com"}
        assert record["additionalEventData"]["keyId"] == key["Arn"]
        assert record["resources"][0]["ARN"] == key["Arn"]


def test_kill9_keeps_a_record_of_every_acknowledged_change(fresh_server):
    import signal as _signal
    import threading
    kms = fresh_server.client("kms")
    acknowledged, stop = [], threading.Event()

    def load():
        while not stop.is_set():
            try:
                acknowledged.append(kms.create_key()["KeyMetadata"]["Arn"])
            except Exception:
                return

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    fresh_server.proc.send_signal(_signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join()
    fresh_server.start_again("after-kill")
    ct = fresh_server.client("cloudtrail")
    recorded, token = set(), None
    while True:
        page = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateKey"}], MaxResults=50,
                                **({"NextToken": token} if token else {}))
        recorded |= {r["ResourceName"] for e in page["Events"] for r in e.get("Resources", [])}
        token = page.get("NextToken")
        if not token:
            break
    assert len(acknowledged) > 5
    missing = set(acknowledged) - recorded
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged CreateKey calls have no record"
    listed = {k["KeyArn"] for k in fresh_server.client("kms").list_keys(Limit=1000)["Keys"]}
    assert set(acknowledged) <= listed


def test_trails_api(server):
    ct = server.client("cloudtrail")
    created = ct.create_trail(Name="org-trail", S3BucketName="audit-bucket", EnableLogFileValidation=True)
    assert created["TrailARN"] == f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org-trail"
    assert created["LogFileValidationEnabled"] is True
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.create_trail(Name="org-trail", S3BucketName="audit-bucket")
    assert error_code(e) == "TrailAlreadyExistsException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.create_trail(Name="x", S3BucketName="b")
    assert error_code(e) == "InvalidTrailNameException"
    assert [t["Name"] for t in ct.describe_trails()["trailList"]] == ["org-trail"]
    assert ct.get_trail(Name="org-trail")["Trail"]["HomeRegion"] == "us-east-1"
    assert ct.get_trail_status(Name="org-trail")["IsLogging"] is False
    ct.start_logging(Name=created["TrailARN"])
    assert ct.get_trail_status(Name="org-trail")["IsLogging"] is True
    ct.stop_logging(Name="org-trail")
    assert ct.get_trail_status(Name="org-trail")["IsLogging"] is False
    assert [t["Name"] for t in ct.list_trails()["Trails"]] == ["org-trail"]
    ct.delete_trail(Name="org-trail")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.get_trail_status(Name="org-trail")
    assert error_code(e) == "TrailNotFoundException"
    keys = ct.list_public_keys()["PublicKeyList"]
    assert len(keys) == 1 and len(keys[0]["Fingerprint"]) == 64
    from cryptography.hazmat.primitives import serialization
    assert serialization.load_der_public_key(keys[0]["Value"]).key_size == 2048
    out = subprocess.run(["aws", "cloudtrail", "describe-trails"], env=server.cli_env(), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_events_past_retention_are_pruned(fresh_server):
    kms = fresh_server.client("kms")
    ct = fresh_server.client("cloudtrail")
    kms.create_key()
    assert lookup(ct, "EventName", "CreateKey")
    fresh_server.advance_clock(91 * 86400)
    deadline = time.time() + 10
    while time.time() < deadline and lookup(ct, "EventName", "CreateKey"):
        time.sleep(0.2)
    assert lookup(ct, "EventName", "CreateKey") == []
