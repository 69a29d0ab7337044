#!/usr/bin/env python3
"""Writes sigv4-botocore.json: requests signed by botocore's own SigV4 signer (header auth and
presigned URLs), with the canonical request and string to sign botocore computed. The Swift
tests check that our verifier computes the same and accepts the signatures.

Run from this folder: python3 generate_sigv4_vectors.py
"""
import datetime
import json
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
import botocore.awsrequest
import botocore.credentials

AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN/with+slash=="
WHEN = datetime.datetime(2026, 11, 29, 12, 34, 56)

CASES = [
    # name, method, url, headers, body, service, session token
    ("kms-json", "POST", "https://kms.us-east-1.amazonaws.com/",
     {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.Encrypt"},
     '{"KeyId":"alias/orders","Plaintext":"aGVsbG8="}', "kms", None),
    ("sts-query", "POST", "https://sts.amazonaws.com/",
     {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
     "Action=GetCallerIdentity&Version=2011-06-15", "sts", None),
    ("session-token", "POST", "http://127.0.0.1:4566/",
     {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"}, "{}", "kms", TOKEN),
    ("path-with-spaces-and-unicode", "GET", "https://example.amazonaws.com/a%20b/%C3%A9t%C3%A9/~tilde", {}, "", "iam", None),
    ("dot-segments-and-double-slash", "GET", "https://example.amazonaws.com/a/./b/../c//d/", {}, "", "iam", None),
    ("query-edge-cases", "GET",
     "https://example.amazonaws.com/?b=2&a=1&empty=&a=0&sp%20ace=x%20y&plus=a%2Bb&tilde=~&uni=%C3%A9", {}, "", "iam", None),
    ("header-whitespace", "POST", "https://kms.us-east-1.amazonaws.com/",
     {"X-Amz-Target": "TrentService.ListKeys", "My-Header1": "  a   b   c  ", "Content-Type": "application/x-amz-json-1.1"},
     "{}", "kms", None),
    ("empty-body", "POST", "https://kms.eu-west-1.amazonaws.com/", {"X-Amz-Target": "TrentService.ListKeys"}, "", "kms", None),
]


def sign(method, url, headers, body, service, token, presign):
    creds = botocore.credentials.Credentials(AKID, SECRET, token)
    region = "eu-west-1" if "eu-west-1" in url else "us-east-1"
    request = botocore.awsrequest.AWSRequest(method=method, url=url, headers=dict(headers), data=body.encode())
    with mock.patch("botocore.auth.get_current_datetime", return_value=WHEN):
        if presign:
            signer = botocore.auth.SigV4QueryAuth(creds, service, region, expires=300)
        else:
            signer = botocore.auth.SigV4Auth(creds, service, region)
        seen = {}
        real_canonical, real_sts = signer.canonical_request, signer.string_to_sign
        signer.canonical_request = lambda r: seen.setdefault("canonical", real_canonical(r))
        signer.string_to_sign = lambda r, c: seen.setdefault("sts", real_sts(r, c))
        signer.add_auth(request)
        canonical, string_to_sign = seen["canonical"], seen["sts"]
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    wire_headers = [[k, v] for k, v in prepared.headers.items()]
    if not any(k.lower() == "host" for k, _ in wire_headers):
        wire_headers.insert(0, ["host", parts.netloc])
    return {
        "method": method, "path": parts.path or "/", "query": parts.query, "headers": wire_headers, "body": body,
        "region": region, "service": service, "sessionToken": token, "presigned": presign,
        "canonicalRequest": canonical, "stringToSign": string_to_sign,
    }


def main():
    vectors = []
    for name, method, url, headers, body, service, token in CASES:
        vectors.append({"name": name, **sign(method, url, headers, body, service, token, False)})
    for name, method, url, headers, body, service, token in CASES:
        if method == "GET":
            vectors.append({"name": name + "-presigned", **sign(method, url, headers, body, service, token, True)})
    out = {"accessKeyId": AKID, "secretAccessKey": SECRET, "time": WHEN.strftime("%Y%m%dT%H%M%SZ"), "vectors": vectors}
    with open("sigv4-botocore.json", "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
    print(f"{len(vectors)} vectors")


if __name__ == "__main__":
    main()
