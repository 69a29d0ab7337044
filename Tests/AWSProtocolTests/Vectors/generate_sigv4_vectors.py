#!/usr/bin/env python3
"""SigV4 test vectors from botocore's own signer.

Writes sigv4-botocore.json: requests signed by botocore (`SigV4Auth`, `SigV4QueryAuth`, and whole
botocore clients whose sending is intercepted), each with the request as it goes on the wire
(method, path, query, headers, body) and botocore's canonical request, string to sign and
signature. The Swift tests (SigV4Tests.swift) check that our canonicalization is the same and
that `SigV4.verify` accepts each request.

Also re-checks sigv4-aws-testsuite.json (AWS's published test suite, transcribed by hand)
against botocore, so a transcription error cannot hide.

The time is frozen, the credentials are AWS's documentation examples; no network is used.
Run from anywhere: python3 generate_sigv4_vectors.py
"""
import datetime
import hashlib
import hmac
import json
import os
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

# No profile, endpoint or credential from the environment may leak into the vectors.
for variable in list(os.environ):
    if variable.startswith("AWS_"):
        del os.environ[variable]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.session  # noqa: E402
from botocore.config import Config  # noqa: E402
from urllib3.util.url import _encode_target  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQExampleSessionToken+with/slashes=="
WHEN = datetime.datetime(2026, 11, 29, 12, 34, 56)
AMZ_DATE = WHEN.strftime("%Y%m%dT%H%M%SZ")
# Unsigned headers botocore adds with machine- or run-dependent values, pinned for stable output.
PINNED_UNSIGNED = {
    "user-agent": "Botocore/x.y.z (pinned by generate_sigv4_vectors.py)",
    "amz-sdk-invocation-id": "00000000-0000-4000-8000-000000000000",
}


class Recorder:
    """Freezes botocore's clock and records the canonical request and string to sign it signs."""

    def __enter__(self):
        self.canonical = self.string_to_sign = None
        real_canonical = botocore.auth.SigV4Auth.canonical_request
        real_string_to_sign = botocore.auth.SigV4Auth.string_to_sign
        recorder = self

        def canonical_request(signer, request):
            recorder.canonical = real_canonical(signer, request)
            return recorder.canonical

        def string_to_sign(signer, request, canonical):
            recorder.string_to_sign = real_string_to_sign(signer, request, canonical)
            return recorder.string_to_sign

        self.patches = [
            mock.patch.object(botocore.auth.SigV4Auth, "canonical_request", canonical_request),
            mock.patch.object(botocore.auth.SigV4Auth, "string_to_sign", string_to_sign),
            mock.patch("botocore.auth.get_current_datetime", return_value=WHEN),
        ]
        for patch in self.patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        for patch in reversed(self.patches):
            patch.stop()


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def wire_target(url):
    """The path and query as urllib3 sends them (botocore hands it the URL as is)."""
    parts = urlsplit(url)
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    sent = _encode_target(target)
    assert sent == target, f"urllib3 would send {sent!r}, not {target!r}: not a realistic request"
    path, _, query = target.partition("?")
    return path, query


def signing_key(date, region, service):
    key = ("AWS4" + SECRET).encode()
    for step in (date, region, service, "aws4_request"):
        key = hmac.new(key, step.encode(), hashlib.sha256).digest()
    return key


def vector(name, description, *, method, url, header_items, body, region, service, token, presigned,
           expires, recorder, signed_headers):
    path, query = wire_target(url)
    headers = [[text(k), text(v)] for k, v in header_items]
    if not any(k.lower() == "host" for k, _ in headers):
        # urllib3 adds Host as botocore computed it for signing.
        headers.insert(0, ["Host", botocore.auth._host_from_url(url)])
    for pair in headers:
        pinned = PINNED_UNSIGNED.get(pair[0].lower())
        if pinned is not None:
            assert pair[0].lower() not in signed_headers, pair
            pair[1] = pinned
    authorization = next((v for k, v in headers if k.lower() == "authorization"), None)
    if presigned:
        signature = dict(parse_qsl(query))["X-Amz-Signature"]
    else:
        signature = authorization.rsplit("Signature=", 1)[1]
    # botocore's signature must be the HMAC of botocore's string to sign: the recording is whole.
    recomputed = hmac.new(signing_key(AMZ_DATE[:8], region, service), recorder.string_to_sign.encode(),
                          hashlib.sha256).hexdigest()
    assert recomputed == signature, name
    return {
        "name": name, "description": description, "method": method, "path": path, "query": query,
        "headers": headers, "body": body, "region": region, "service": service, "sessionToken": token,
        "presigned": presigned, "expires": expires, "canonicalRequest": recorder.canonical,
        "stringToSign": recorder.string_to_sign, "signature": signature, "authorization": authorization,
    }


class Sent(Exception):
    """Raised from before-send: the request is captured, never sent."""


def make_client(service, region, endpoint_url=None, token=None):
    session = botocore.session.Session()
    return session.create_client(
        service, region_name=region, endpoint_url=endpoint_url, aws_access_key_id=AKID,
        aws_secret_access_key=SECRET, aws_session_token=token, config=Config(retries={"max_attempts": 1}))


def client_call(name, description, service, operation, params, region="us-east-1", endpoint_url=None, token=None):
    """A whole botocore client call (serializer, handlers, signer), intercepted before sending."""
    client = make_client(service, region, endpoint_url, token)
    captured = {}

    def before_send(request, **_):
        captured["request"] = request
        raise Sent()

    client.meta.events.register("before-send", before_send)
    with Recorder() as recorder:
        try:
            getattr(client, operation)(**params)
        except Sent:
            pass
    request = captured["request"]
    signed = request.headers["Authorization"].decode().split("SignedHeaders=")[1].split(",")[0].split(";")
    items = [(k, v) for k, v in request.headers.items() if k.lower() != "content-length"]
    return vector(name, description, method=request.method, url=request.url, header_items=items,
                  body=text(request.body or b""), region=region, service=service, token=token, presigned=False,
                  expires=None, recorder=recorder, signed_headers=signed)


def client_presign(name, description, service, operation, params, expires, region="us-east-1", token=None):
    """`generate_presigned_url`, used with GET."""
    client = make_client(service, region, None, token)
    with Recorder() as recorder:
        url = client.generate_presigned_url(operation, Params=params, ExpiresIn=expires, HttpMethod="GET")
    return vector(name, description, method="GET", url=url, header_items=[], body="", region=region,
                  service=service, token=token, presigned=True, expires=expires, recorder=recorder,
                  signed_headers=["host"])


def direct(name, description, method, url, headers=(), body="", service="iam", region="us-east-1", token=None,
           expires=None, context=None, params=None):
    """botocore's SigV4Auth / SigV4QueryAuth on an AWSRequest."""
    credentials = botocore.credentials.Credentials(AKID, SECRET, token)
    request = botocore.awsrequest.AWSRequest(method=method, url=url, data=body.encode(), params=params or {})
    for key, value in headers:
        request.headers[key] = value  # HTTPHeaders appends: a name may repeat
    request.context.update(context or {})
    with Recorder() as recorder:
        if expires is None:
            botocore.auth.SigV4Auth(credentials, service, region).add_auth(request)
        else:
            botocore.auth.SigV4QueryAuth(credentials, service, region, expires=expires).add_auth(request)
    prepared = request.prepare()
    signed = ["host"] if expires is not None else \
        request.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    return vector(name, description, method=method, url=prepared.url, header_items=list(request.headers.items()),
                  body=body, region=region, service=service, token=token, presigned=expires is not None,
                  expires=expires, recorder=recorder, signed_headers=signed)


def botocore_vectors():
    unicode_prefix = "/a b/é+~ü/"
    return [
        client_call("kms-encrypt", "KMS Encrypt through a botocore client: JSON 1.1, X-Amz-Target, https",
                    "kms", "encrypt",
                    {"KeyId": "alias/orders", "Plaintext": b"hello", "EncryptionContext": {"app": "orders"}}),
        client_call("kms-update-description-eu-west-1", "KMS with a unicode JSON body, region eu-west-1",
                    "kms", "update_key_description",
                    {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "Description": "naïve café ✓ \"quoted\""},
                    region="eu-west-1"),
        client_call("kms-session-token-local-endpoint",
                    "KMS ListKeys with a session token against http://127.0.0.1:4566 (port in Host)",
                    "kms", "list_keys", {"Limit": 10}, endpoint_url="http://127.0.0.1:4566", token=TOKEN),
        client_call("sts-get-caller-identity", "STS GetCallerIdentity: Query protocol form body",
                    "sts", "get_caller_identity", {}),
        client_call("sts-assume-role-session-token", "STS AssumeRole with a session token and a JSON policy",
                    "sts", "assume_role",
                    {"RoleArn": "arn:aws:iam::123456789012:role/demo", "RoleSessionName": "s1",
                     "Policy": '{"Version": "2012-10-17", "Statement": []}'}, token=TOKEN),
        client_call("iam-list-users-unicode", "IAM ListUsers: form body with spaces, unicode, '+' and '~'",
                    "iam", "list_users", {"PathPrefix": unicode_prefix}),
        client_presign("sts-presigned-get-caller-identity",
                       "Presigned STS GetCallerIdentity URL with a session token, used with GET",
                       "sts", "get_caller_identity", {}, expires=900, token=TOKEN),
        client_presign("iam-presigned-list-users-unicode",
                       "Presigned IAM ListUsers URL whose parameters hold spaces, unicode, '+' and '~'",
                       "iam", "list_users", {"PathPrefix": unicode_prefix}, expires=300),
        direct("path-encoded-segments", "A path already percent-encoded on the wire, encoded again for signing",
               "GET", "https://example.amazonaws.com/a%20b/%C3%A9t%C3%A9/~tilde/%7Etilde/sub%2Fdir/x+y/$@:;,!*'()=&"),
        direct("path-dot-segments-and-duplicate-slashes", "Dot segments removed, empty segments collapsed",
               "GET", "https://example.amazonaws.com/a/./b/../c//d/"),
        direct("path-dot-segments-above-root", "'..' above the root is dropped",
               "GET", "https://example.amazonaws.com//../x/./../y"),
        direct("query-edge-cases",
               "Query with repeated keys, an empty value, a key without '=', upper/lower case keys, "
               "encoded spaces, '+', '~', '/', unicode",
               "GET", "https://example.amazonaws.com/?b=2&a=1&empty=&a=0&sp%20ace=x%20y&plus=a%2Bb&tilde=~"
                      "&uni=%C3%A9%E2%9C%93&novalue&B=upper&slash=a%2Fb&star=%2A&eq=a%3Db"),
        direct("query-params-plus-as-space",
               "AWSRequest params: botocore signs quote() (%20) but sends urlencode() ('+' for a space)",
               "GET", "https://example.amazonaws.com/search",
               params=[("q", "a b"), ("plus", "1+1"), ("uni", "é"), ("Upper", "U"), ("rep", "2"), ("rep", "1")]),
        direct("header-whitespace-and-repeats",
               "Header values with leading, trailing and inner runs of spaces and tabs; a repeated header",
               "POST", "https://kms.us-east-1.amazonaws.com/",
               headers=[("X-Amz-Target", "TrentService.ListKeys"), ("Content-Type", "application/x-amz-json-1.1"),
                        ("My-Header1", "  a   b \t  c  "), ("My-Repeated", "one"), ("My-Repeated", "two   words"),
                        ("My-Repeated", "  three ")],
               body="{}", service="kms"),
        direct("date-header", "A Date header (as botocore writes it) instead of X-Amz-Date",
               "POST", "https://kms.us-east-1.amazonaws.com/",
               headers=[("X-Amz-Target", "TrentService.ListKeys"), ("Date", "placeholder, replaced by botocore")],
               body="{}", service="kms"),
        direct("unsigned-payload", "Payload signing disabled: a signed X-Amz-Content-SHA256: UNSIGNED-PAYLOAD",
               "POST", "https://kms.us-east-1.amazonaws.com/",
               headers=[("X-Amz-Target", "TrentService.ListKeys")], body='{"Limit":1}', service="kms",
               context={"payload_signing_enabled": False}),
        direct("declared-content-sha256", "A signed X-Amz-Content-SHA256 holding the body's hash",
               "POST", "https://kms.us-east-1.amazonaws.com/",
               headers=[("X-Amz-Target", "TrentService.ListKeys"),
                        ("X-Amz-Content-SHA256", hashlib.sha256(b'{"Limit":2}').hexdigest())],
               body='{"Limit":2}', service="kms"),
        direct("get-empty-body", "GET with a query and no body", "GET",
               "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"),
        direct("presigned-query-edge-cases-session-token",
               "Presigned GET with odd parameters and a session token", "GET",
               "https://example.amazonaws.com/some%20path/?q=a%20b&plus=1%2B1&uni=%C3%A9&empty=&tilde=~",
               token=TOKEN, expires=300),
        direct("presigned-extra-signed-header",
               "Presigned STS GetCallerIdentity with a signed x-k8s-aws-id header, as EKS tokens are",
               "GET", "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
               headers=[("x-k8s-aws-id", "my-cluster")], service="sts", expires=60),
    ]


def check_aws_testsuite():
    with open(os.path.join(HERE, "sigv4-aws-testsuite.json")) as f:
        suite = json.load(f)
    when = datetime.datetime.strptime(suite["time"], "%Y%m%dT%H%M%SZ")
    for case in suite["vectors"]:
        url = "https://example.amazonaws.com" + case["path"] + ("?" + case["query"] if case["query"] else "")
        signed = case["signedHeaders"].split(";")
        token = next((v for k, v in case["headers"] if k.lower() == "x-amz-security-token"), None)
        token_signed = "x-amz-security-token" in signed
        request = botocore.awsrequest.AWSRequest(method=case["method"], url=url, data=case["body"].encode())
        for key, value in case["headers"]:
            if key.lower() not in ("x-amz-date", "x-amz-security-token"):
                request.headers[key] = value
        credentials = botocore.credentials.Credentials(
            suite["accessKeyId"], suite["secretAccessKey"], token if token_signed else None)
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            botocore.auth.SigV4Auth(credentials, suite["service"], suite["region"]).add_auth(request)
        authorization = request.headers["Authorization"]
        assert authorization.endswith("Signature=" + case["signature"]), (case["name"], authorization)
        assert "SignedHeaders=" + case["signedHeaders"] + "," in authorization, (case["name"], authorization)
    return len(suite["vectors"])


def main():
    vectors = botocore_vectors()
    names = [v["name"] for v in vectors]
    assert len(names) == len(set(names)), "duplicate vector names"
    out = {
        "generator": "generate_sigv4_vectors.py",
        "botocoreVersion": botocore.__version__,
        "accessKeyId": AKID,
        "secretAccessKey": SECRET,
        "time": AMZ_DATE,
        "vectors": vectors,
    }
    with open(os.path.join(HERE, "sigv4-botocore.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"sigv4-botocore.json: {len(vectors)} vectors (botocore {botocore.__version__})")
    print(f"sigv4-aws-testsuite.json: {check_aws_testsuite()} vectors agree with botocore")


if __name__ == "__main__":
    main()
