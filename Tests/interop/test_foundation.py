"""Issue 2: the server foundation, from outside, with real clients."""
import datetime
import json
import os
import signal
import ssl
import stat
import subprocess
import time

import botocore.exceptions
import pytest
import requests
import urllib3

from conftest import ACCOUNT, Server, error_code, tls_files

urllib3.disable_warnings()


def test_health_needs_no_authentication(server):
    r = requests.get(server.endpoint + "/_rampart/health", timeout=5)
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_sts_get_caller_identity_boto3_and_cli(server):
    ident = server.client("sts").get_caller_identity()
    assert ident["Account"] == ACCOUNT
    assert ident["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert ident["UserId"] == ACCOUNT
    out = server.cli("sts", "get-caller-identity")
    assert out["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"


def test_kms_list_keys_cli(server, kms):
    made = kms.create_key(Description="listed by the CLI")["KeyMetadata"]
    out = server.cli("kms", "list-keys")
    listed = {k["KeyId"]: k["KeyArn"] for k in out["Keys"]}
    assert listed.get(made["KeyId"]) == made["Arn"]
    assert all(arn.endswith(f":key/{key_id}") and arn.startswith("arn:aws:kms:us-east-1:") for key_id, arn in listed.items())


def test_every_response_has_a_request_id(server):
    r = server.signed("TrentService.ListKeys", "{}")
    assert r.status_code == 200
    assert len(r.headers["x-amzn-RequestId"]) == 36
    bad = requests.post(server.endpoint + "/", data="{}", headers={"X-Amz-Target": "TrentService.ListKeys"}, timeout=5)
    assert bad.headers["x-amzn-RequestId"]


def test_unsigned_request_is_refused(server):
    r = requests.post(server.endpoint + "/", data="{}", timeout=5,
                      headers={"X-Amz-Target": "TrentService.ListKeys", "Content-Type": "application/x-amz-json-1.1"})
    assert r.status_code == 400
    assert r.json()["__type"] == "MissingAuthenticationTokenException"


def test_unknown_access_key_is_refused(server):
    r = server.signed("TrentService.ListKeys", "{}", keys=("AKIAIOSFODNN7EXAMPLE", "x" * 40))
    assert r.json()["__type"] == "UnrecognizedClientException"
    assert r.status_code == 400


def test_wrong_secret_is_refused(server):
    akid, _ = server.profile()
    r = server.signed("TrentService.ListKeys", "{}", keys=(akid, "wrong" * 8))
    assert r.json()["__type"] == "InvalidSignatureException"


def test_tampered_body_is_refused(server):
    r = server.signed("TrentService.ListKeys", '{"Limit": 5}', mutate=lambda h, b: (h, b'{"Limit": 6}'))
    assert r.json()["__type"] == "InvalidSignatureException"


def test_tampered_signed_header_is_refused(server):
    def mutate(h, b):
        h["X-Amz-Target"] = "TrentService.CreateKey"
        return h, b
    r = server.signed("TrentService.ListKeys", "{}", mutate=mutate)
    assert r.json()["__type"] == "InvalidSignatureException"


def test_twenty_minute_old_request_is_refused(server):
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    r = server.signed("TrentService.ListKeys", "{}", timestamp=old)
    body = r.json()
    assert body["__type"] == "InvalidSignatureException"
    assert body["message"].startswith("Signature expired:")


def test_request_from_the_future_is_refused(server):
    ahead = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=20)
    r = server.signed("TrentService.ListKeys", "{}", timestamp=ahead)
    assert r.json()["__type"] == "InvalidSignatureException"


def test_wrong_service_scope_is_refused(server):
    r = server.signed("TrentService.ListKeys", "{}", service="s3")
    assert r.json()["__type"] in ("IncompleteSignatureException", "InvalidSignatureException")


def test_malformed_authorization_header(server):
    r = requests.post(server.endpoint + "/", data="{}", timeout=5,
                      headers={"X-Amz-Target": "TrentService.ListKeys", "Authorization": "AWS4-HMAC-SHA256 Credential=x"})
    assert r.json()["__type"] == "IncompleteSignatureException"


def test_query_protocol_errors_are_xml(server):
    r = requests.post(server.endpoint + "/", data="Action=GetCallerIdentity&Version=2011-06-15", timeout=5,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in r.text
    akid, _ = server.profile()
    r = server.signed(None, "Action=GetCallerIdentity&Version=2011-06-15", service="sts", keys=(akid, "wrong" * 8),
                      content_type="application/x-www-form-urlencoded")
    assert r.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in r.text
    with pytest.raises(botocore.exceptions.ClientError) as e:
        server.client("sts", keys=("AKIAIOSFODNN7EXAMPLE", "x" * 40)).get_caller_identity()
    assert error_code(e) == "InvalidClientTokenId"


def test_malformed_json(server):
    for body in ['{"KeyId": ', "[1, 2", "nonsense", '{"Limit": 1}}']:
        r = server.signed("TrentService.ListKeys", body)
        assert r.status_code == 400, body
        assert r.json()["__type"] == "SerializationException", body


def test_pathological_nesting(server):
    body = '{"Limit":' + "[" * 50000 + "]" * 50000 + "}"
    r = server.signed("TrentService.ListKeys", body)
    assert r.json()["__type"] == "SerializationException"


def test_wrong_types(server):
    assert server.signed("TrentService.ListKeys", '{"Limit": "5"}').json()["__type"] == "SerializationException"
    assert server.signed("TrentService.DescribeKey", '{"KeyId": 5}').json()["__type"] == "SerializationException"


def test_missing_member_gets_aws_wording(server):
    r = server.signed("TrentService.DescribeKey", "{}")
    assert r.json() == {"__type": "ValidationException",
                        "message": "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"}


def test_out_of_range_member(server, kms):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.list_keys(Limit=0)
    assert error_code(e) == "ValidationException"
    assert "greater than or equal to 1" in e.value.response["Error"]["Message"]


def test_bad_base64(server):
    r = server.signed("TrentService.Decrypt", '{"CiphertextBlob": "***not base64***"}')
    assert r.json()["__type"] == "SerializationException"


def test_unknown_operation(server):
    r = server.signed("TrentService.MakeCoffee", "{}")
    assert r.json()["__type"] == "UnknownOperationException"
    r = server.signed("NoSuchService_2020.Op", "{}")
    assert r.json()["__type"] == "UnknownOperationException"


def test_body_over_the_limit_gets_an_aws_error(server):
    body = '{"Description": "' + "x" * (2 * 1024 * 1024) + '"}'
    r = server.signed("TrentService.CreateKey", body)
    assert r.status_code == 413
    assert r.json()["__type"] == "RequestEntityTooLargeException"


def test_server_keeps_serving_after_bad_input(server):
    for _ in range(3):
        server.signed("TrentService.ListKeys", "{")
    assert requests.get(server.endpoint + "/_rampart/health", timeout=5).status_code == 200
    assert server.client("sts").get_caller_identity()["Account"] == ACCOUNT


def test_data_folder_is_private(server):
    creds = server.data / "credentials"
    assert stat.S_IMODE(os.stat(creds).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(server.data).st_mode) == 0o700
    for path in server.data.rglob("*"):
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o007 == 0, path


def test_root_secret_is_not_stored_in_the_clear(server):
    _, secret = server.profile()
    for path in server.data.rglob("*"):
        if path.name == "credentials" or not path.is_file():
            continue
        assert secret.encode() not in path.read_bytes(), path


def test_second_account_while_serving(server):
    keys = server.add_account("333333333333")
    assert server.client("sts", keys=keys).get_caller_identity()["Account"] == "333333333333"


def test_init_refuses_bad_input(tmp_path):
    from conftest import rampart_bin
    out = subprocess.run([rampart_bin(), "init", "--data-dir", str(tmp_path / "d"), "--account-id", "12"], capture_output=True, text=True)
    assert out.returncode != 0 and "12 digits" in out.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "file").write_text("x")
    out = subprocess.run([rampart_bin(), "init", "--data-dir", str(tmp_path / "full"), "--account-id", ACCOUNT], capture_output=True, text=True)
    assert out.returncode != 0 and "not empty" in out.stderr


def test_serve_refuses_a_world_readable_data_folder(tmp_path):
    from conftest import rampart_bin
    data = tmp_path / "d"
    subprocess.run([rampart_bin(), "init", "--data-dir", str(data), "--account-id", ACCOUNT], check=True, capture_output=True)
    os.chmod(data / "root.key", 0o644)
    out = subprocess.run([rampart_bin(), "serve", "--data-dir", str(data), "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "root key" in out.stderr and "chmod" in out.stderr


def test_sigterm_stops_cleanly_and_keeps_data(fresh_server):
    kms = fresh_server.client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    assert fresh_server.stop(signal.SIGTERM) == 0
    fresh_server.start_again()
    assert fresh_server.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_sigterm_writes_every_waiting_record_without_an_error(fresh_server):
    kms = fresh_server.client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    # Reads' records wait for the group commit; the stop must write them, and say nothing failed.
    for _ in range(5):
        kms.describe_key(KeyId=key_id)
    assert fresh_server.stop(signal.SIGTERM) == 0
    log = (fresh_server.scratch / "server.log").read_text(errors="replace")
    assert "failed" not in log, log[-2000:]
    fresh_server.start_again()
    trail = fresh_server.client("cloudtrail")
    events = trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DescribeKey"}])
    assert len(events["Events"]) == 5


def test_kill9_loses_no_acknowledged_key(fresh_server):
    kms = fresh_server.client("kms")
    ids = [kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(20)]
    fresh_server.proc.kill()
    fresh_server.start_again("after-kill")
    listed = {k["KeyId"] for k in fresh_server.client("kms").list_keys(Limit=1000)["Keys"]}
    assert set(ids) <= listed


def test_https_with_a_given_certificate(tmp_path):
    cert_path, key_path = tls_files(tmp_path)
    s = Server(extra_args=["--tls-cert", str(cert_path), "--tls-key", str(key_path)], scheme="https")
    try:
        import boto3
        akid, secret = s.profile()
        sts = boto3.client("sts", endpoint_url=s.endpoint, region_name="us-east-1", aws_access_key_id=akid,
                           aws_secret_access_key=secret, verify=str(cert_path))
        assert sts.get_caller_identity()["Account"] == ACCOUNT
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        import socket
        with pytest.raises((ssl.SSLError, ConnectionResetError, OSError)):
            with socket.create_connection(("127.0.0.1", s.port), 5) as raw:
                with ctx.wrap_socket(raw) as tls:
                    tls.do_handshake()
    finally:
        s.cleanup()


def test_bad_tls_files_get_a_clear_error(tmp_path):
    from conftest import rampart_bin
    data = tmp_path / "d"
    (tmp_path / "bad.pem").write_text("not a certificate")
    out = subprocess.run([rampart_bin(), "serve", "--data-dir", str(data), "--listen", "127.0.0.1:0",
                          "--tls-cert", str(tmp_path / "bad.pem"), "--tls-key", str(tmp_path / "bad.pem")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "certificate" in out.stderr


def test_dev_clock_is_off_without_the_flag(tmp_path):
    s = Server.__new__(Server)
    Server.__init__(s)  # with --dev-clock
    try:
        s.advance_clock(60)
    finally:
        s.cleanup()
    from conftest import rampart_bin, free_port
    data = tmp_path / "d"
    port = free_port()
    proc = subprocess.Popen([rampart_bin(), "serve", "--data-dir", str(data), "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import socket
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=str(data / "credentials"), AWS_PROFILE="default")
        out = subprocess.run([rampart_bin(), "dev", "advance-clock", "--endpoint", f"http://127.0.0.1:{port}", "--seconds", "60"],
                             env=env, capture_output=True, text=True)
        assert out.returncode != 0
        assert "UnknownOperationException" in out.stderr
    finally:
        proc.terminate()
        proc.wait(30)


def test_log_lines_hold_no_secrets(server, kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.encrypt(KeyId=key, Plaintext=b"log-me-not-0123456789")
    log = server.server_log()
    _, secret = server.profile()
    assert secret not in log
    assert "log-me-not" not in log
    assert "Authorization" not in log and "Signature=" not in log
    assert "TrentService" not in log or "operation=Encrypt" in log or '"operation": "Encrypt"' in log or "Encrypt" in log
