"""The edge's pipeline from outside: a forged Query Action never reaches the log, every Query
API checks its Version, and the trail's subscriber hook delivers every committed record in
commit order, across a kill -9."""
import signal
import time
import urllib.parse

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import requests

from conftest import Server


def query(server, service, body):
    akid, secret = server.profile()
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=server.endpoint + "/", data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(akid, secret), service, "us-east-1").add_auth(req)
    return requests.post(server.endpoint + "/", data=body.encode(), headers=dict(req.headers.items()), timeout=10)


def test_a_forged_action_does_not_forge_a_log_line(server):
    forged = "GetCallerIdentity\n2026-12-07T00:00:00+0000 info rampart: FORGED-LINE"
    r = query(server, "sts", "Action=" + urllib.parse.quote(forged) + "&Version=2011-06-15")
    assert r.status_code == 400 and "<Code>InvalidAction</Code>" in r.text
    time.sleep(0.2)
    log = server.server_log()
    assert "FORGED-LINE" not in log
    assert not any(line.startswith("2026-12-07T00:00:00") for line in log.splitlines())


def test_iam_checks_the_query_version(server):
    r = query(server, "iam", "Action=ListUsers&Version=2011-06-15")
    assert r.status_code == 400
    assert "<Code>InvalidAction</Code>" in r.text and "for version 2011-06-15" in r.text
    assert query(server, "iam", "Action=ListUsers&Version=2010-05-08").status_code == 200


def delivered(path):
    try:
        return [line.split() for line in path.read_text().splitlines() if line]
    except FileNotFoundError:
        return []


def wait_for(path, predicate, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        lines = delivered(path)
        if predicate(lines):
            return lines
        time.sleep(0.1)
    return delivered(path)


def test_the_subscriber_hook_survives_kill_9(tmp_path):
    out = tmp_path / "subscriber.log"
    s = Server(extra_args=("--dev-trail-subscriber", str(out)))
    try:
        kms = s.client("kms")
        made = [kms.create_key(Description=f"k{i}")["KeyMetadata"]["KeyId"] for i in range(5)]
        lines = wait_for(out, lambda ls: sum(1 for _, name in ls if name == "CreateKey") >= 5)
        assert sum(1 for _, name in lines if name == "CreateKey") == 5
        # Three more changes, committed (a change answers only once its record is), then killed
        # at once, most likely before the next delivery round (every 500 ms) took them.
        made += [kms.create_key(Description=f"late{i}")["KeyMetadata"]["KeyId"] for i in range(3)]
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()
        # After the restart the subscriber resumes from its stored cursor: it catches up with
        # what was committed before the kill and goes on with what comes after.
        s.start_again()
        kms = s.client("kms")
        kms.disable_key(KeyId=made[0])
        kms.enable_key(KeyId=made[0])
        lines = wait_for(out, lambda ls: any(name == "EnableKey" for _, name in ls))
        names = [name for _, name in lines]
        assert names.count("CreateKey") >= 8
        assert "DisableKey" in names and "EnableKey" in names
        assert names.index("DisableKey") < names.index("EnableKey")
        # Every change the trail holds was delivered, and the order matches the trail's.
        ids = [event_id for event_id, _ in lines]
        trail = s.client("cloudtrail")
        for name in ("CreateKey", "DisableKey", "EnableKey"):
            for e in trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])["Events"]:
                assert e["EventId"] in ids, (name, e["EventId"])
        first_seen = {}
        for i, event_id in enumerate(ids):
            first_seen.setdefault(event_id, i)
        assert list(first_seen) == sorted(first_seen, key=first_seen.get)
    finally:
        s.cleanup()


def test_no_audit_is_hidden_and_warned_about(tmp_path):
    from conftest import rampart_bin
    import subprocess
    shown = subprocess.run([rampart_bin(), "serve", "--help"], capture_output=True, text=True).stdout
    assert "--no-audit" not in shown and "--dev-trail-subscriber" not in shown
    hidden = subprocess.run([rampart_bin(), "serve", "--help-hidden"], capture_output=True, text=True).stdout
    assert "--no-audit" in hidden
    s = Server(extra_args=("--no-audit",))
    try:
        s.client("kms").list_keys()
        assert "the trail is off (--no-audit)" in s.server_log()
    finally:
        s.cleanup()
