"""HTTPS: only sound protocol versions and ciphers, and records whose tlsDetails say what each
connection really negotiated (as Python's ssl module saw it from the client side)."""
import http.client
import json
import socket
import ssl

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest

from conftest import Server, tls_files


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    cert, key = tls_files(tmp_path_factory.mktemp("tls"))
    s = Server(extra_args=["--tls-cert", str(cert), "--tls-key", str(key)], scheme="https")
    yield s
    s.cleanup()


def context(maximum=None, ciphers=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if maximum:
        ctx.maximum_version = maximum
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def handshake(server, ctx):
    with socket.create_connection(("127.0.0.1", server.port), 5) as raw:
        with ctx.wrap_socket(raw) as tls:
            return tls.version(), tls.cipher()[0]


def create_key_over(server, ctx, description):
    """A signed CreateKey over one TLS connection made with `ctx`; returns what the client negotiated."""
    akid, secret = server.profile()
    body = json.dumps({"Description": description}).encode()
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=server.endpoint + "/", data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.CreateKey"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(akid, secret), "kms", "us-east-1").add_auth(req)
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=10)
    try:
        conn.request("POST", "/", body=body, headers=dict(req.headers.items()))
        response = conn.getresponse()
        assert response.status == 200, response.read()
        response.read()
        return conn.sock.version(), conn.sock.cipher()[0]
    finally:
        conn.close()


def recorded_tls(server, description):
    trail = server.client("cloudtrail")
    for event in trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateKey"}],
                                     MaxResults=50)["Events"]:
        record = json.loads(event["CloudTrailEvent"])
        if record["requestParameters"].get("description") == description:
            return record.get("tlsDetails")
    raise AssertionError(f"no CreateKey record for {description}")


@pytest.mark.parametrize("label,maximum,ciphers", [
    ("tls13", None, None),
    ("tls12-aes256", ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES256-GCM-SHA384"),
    ("tls12-chacha", ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-CHACHA20-POLY1305"),
])
def test_records_name_the_negotiated_version_and_cipher(https_server, label, maximum, ciphers):
    version, cipher = create_key_over(https_server, context(maximum, ciphers), f"tls-{label}")
    assert recorded_tls(https_server, f"tls-{label}") == {
        "tlsVersion": version, "cipherSuite": cipher, "clientProvidedHostHeader": f"127.0.0.1:{https_server.port}",
    }
    if maximum:
        assert version == "TLSv1.2" and cipher == ciphers


def test_plain_http_records_have_no_tls_details(server, kms):
    kms.create_key(Description="plain-http")
    assert recorded_tls(server, "plain-http") is None


@pytest.mark.parametrize("ciphers", ["AES128-GCM-SHA256", "AES256-SHA", "ECDHE-ECDSA-AES128-SHA", "DHE-RSA-AES128-GCM-SHA256"])
def test_tls12_without_forward_secrecy_or_aead_is_refused(https_server, ciphers):
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        handshake(https_server, context(ssl.TLSVersion.TLSv1_2, ciphers))


def test_tls11_is_refused(https_server):
    ctx = context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        handshake(https_server, ctx)


def test_a_key_that_does_not_match_the_certificate_gets_a_clear_error(tmp_path):
    from conftest import rampart_bin
    import subprocess
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    cert, _ = tls_files(tmp_path / "a")
    _, other_key = tls_files(tmp_path / "b")
    data = tmp_path / "d"
    subprocess.run([rampart_bin(), "init", "--data-dir", str(data)], check=True, capture_output=True)
    out = subprocess.run([rampart_bin(), "serve", "--data-dir", str(data), "--listen", "127.0.0.1:0",
                          "--tls-cert", str(cert), "--tls-key", str(other_key)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "does not match the certificate" in out.stderr
