"""KMS: its workloads, the fixed payloads, and the target that drives Rampart's KMS and moto's
(JSON 1.1 over SigV4, requests pre-signed with botocore)."""

import configparser
import json
import os
import time

from ..common import ACCOUNT, DEFAULT_RAMPART, REGION, b64, request, run_quiet

WORKLOADS = [
    "encrypt-100b", "encrypt-4kb", "decrypt", "generate-data-key", "describe-key",
    "create-key", "sign-p256", "sign-rsa2048", "verify-p256", "generate-mac",
    "envelope-mix", "cross-account-encrypt", "grant-encrypt",
]
# Workloads that only mean something where policies and grants are enforced (Rampart only).
ENFORCED_WORKLOADS = ["cross-account-encrypt", "grant-encrypt"]
OTHER_ACCOUNT = "444455556666"

MESSAGE = bytes(range(100))                       # 100-byte message to sign / MAC
PLAIN_100 = bytes((i * 7) % 256 for i in range(100))
PLAIN_4K = bytes((i * 13) % 256 for i in range(4096))


class KMSTarget:
    """Rampart or moto: JSON 1.1 over SigV4, requests pre-signed with botocore."""

    def __init__(self, name, server, access_key, secret_key):
        import boto3
        from botocore.config import Config
        self.name, self.server = name, server
        self.host = f"127.0.0.1:{server.port}"
        self.ak, self.sk = access_key, secret_key
        self.client = boto3.client(
            "kms", endpoint_url=server.url, region_name=REGION,
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            config=Config(retries={"max_attempts": 1}))
        self.fx = {}
        self.unsupported = {}   # workload -> reason

    def setup(self, workloads):
        c = self.client
        steps = [
            ("key", lambda: c.create_key(Description="bench symmetric")["KeyMetadata"]["KeyId"]),
            ("ciphertext", lambda: b64(c.encrypt(KeyId=self.fx["key"], Plaintext=PLAIN_100)["CiphertextBlob"])),
            ("datakey_ct", lambda: b64(c.generate_data_key(KeyId=self.fx["key"], KeySpec="AES_256")["CiphertextBlob"])),
            ("p256", lambda: c.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]),
            ("p256_sig", lambda: b64(c.sign(KeyId=self.fx["p256"], Message=MESSAGE, MessageType="RAW",
                                            SigningAlgorithm="ECDSA_SHA_256")["Signature"])),
            ("rsa", lambda: c.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]),
            ("rsa_sig", lambda: c.sign(KeyId=self.fx["rsa"], Message=MESSAGE, MessageType="RAW",
                                       SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")["Signature"]),
            ("hmac", lambda: c.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]),
            ("mac", lambda: c.generate_mac(KeyId=self.fx["hmac"], Message=MESSAGE,
                                           MacAlgorithm="HMAC_SHA_256")["Mac"]),
        ]
        needs = {
            "encrypt-100b": ["key"], "encrypt-4kb": ["key"], "decrypt": ["key", "ciphertext"],
            "generate-data-key": ["key"], "describe-key": ["key"], "create-key": [],
            "sign-p256": ["p256", "p256_sig"], "sign-rsa2048": ["rsa", "rsa_sig"],
            "verify-p256": ["p256", "p256_sig"], "generate-mac": ["hmac", "mac"],
            "envelope-mix": ["key", "datakey_ct"], "cross-account-encrypt": [], "grant-encrypt": [],
        }
        failed = {}
        for name, fn in steps:
            try:
                self.fx[name] = fn()
            except Exception as e:  # noqa: BLE001 - any answer but success skips the workload
                failed[name] = f"{type(e).__name__}: {str(e)[:200]}"
        for w in workloads:
            bad = [failed[n] for n in needs[w] if n in failed]
            if bad:
                self.unsupported[w] = bad[0]
        self.setup_enforced(workloads)

    def setup_enforced(self, workloads):
        """Callers other than the key owner's root: a user of another account let in by the key
        policy and by its own IAM policy, and a user of the same account let in by a grant only."""
        wanted = [w for w in workloads if w in ENFORCED_WORKLOADS]
        if not wanted:
            return
        data = getattr(self.server, "data", None)
        if data is None:
            for w in wanted:
                self.unsupported[w] = "key policies and grants are not enforced here"
            return
        import boto3
        try:
            c = self.client
            iam = boto3.client("iam", endpoint_url=self.server.url, region_name=REGION,
                               aws_access_key_id=self.ak, aws_secret_access_key=self.sk)
            if "cross-account-encrypt" in wanted:
                r = run_quiet([os.environ.get("RAMPART_BIN", DEFAULT_RAMPART), "account", "create",
                               "--data-dir", data, "--account-id", OTHER_ACCOUNT])
                if r.returncode != 0:
                    raise RuntimeError(f"rampart account create: {r.stdout}")
                creds = configparser.ConfigParser()
                creds.read(os.path.join(data, "credentials"))
                other = creds[OTHER_ACCOUNT]
                other_iam = boto3.client("iam", endpoint_url=self.server.url, region_name=REGION,
                                         aws_access_key_id=other["aws_access_key_id"],
                                         aws_secret_access_key=other["aws_secret_access_key"])
                key_policy = {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                     "Action": "kms:*", "Resource": "*"},
                    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                     "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}]}
                arn = c.create_key(Description="bench cross-account",
                                   Policy=json.dumps(key_policy))["KeyMetadata"]["Arn"]
                other_iam.create_user(UserName="bench")
                other_iam.put_user_policy(UserName="bench", PolicyName="use-key", PolicyDocument=json.dumps(
                    {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": arn}]}))
                k = other_iam.create_access_key(UserName="bench")["AccessKey"]
                self.fx["cross"] = (arn, k["AccessKeyId"], k["SecretAccessKey"])
            if "grant-encrypt" in wanted:
                iam.create_user(UserName="grantee")
                user_arn = iam.get_user(UserName="grantee")["User"]["Arn"]
                k = iam.create_access_key(UserName="grantee")["AccessKey"]
                arn = c.create_key(Description="bench grant")["KeyMetadata"]["Arn"]
                c.create_grant(KeyId=arn, GranteePrincipal=user_arn, Operations=["Encrypt"])
                self.fx["grant"] = (arn, k["AccessKeyId"], k["SecretAccessKey"])
            time.sleep(0.5)  # let new IAM users' keys be seen by every path
        except Exception as e:  # noqa: BLE001 - the workloads are skipped, with the reason
            for w in wanted:
                self.unsupported[w] = f"{type(e).__name__}: {str(e)[:200]}"

    def sign(self, op, payload, credentials=None):
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        body = json.dumps(payload, separators=(",", ":")).encode()
        req = AWSRequest(method="POST", url=f"http://{self.host}/", data=body, headers={
            "X-Amz-Target": f"TrentService.{op}",
            "Content-Type": "application/x-amz-json-1.1",
        })
        ak, sk = credentials or (self.ak, self.sk)
        SigV4Auth(Credentials(ak, sk), "kms", REGION).add_auth(req)
        headers = {"Host": self.host}
        for k, v in req.headers.items():
            if k.lower() in ("authorization", "x-amz-date", "x-amz-content-sha256",
                             "x-amz-target", "content-type", "x-amz-security-token"):
                headers[k] = v
        return request("POST", "/", headers, body.decode())

    def requests(self, workload):
        """Freshly signed request(s) for one wrk run, or None if not supported here."""
        if workload in self.unsupported:
            return None
        fx = self.fx
        sign_args = {"Message": b64(MESSAGE), "MessageType": "RAW"}
        if workload == "encrypt-100b":
            return [self.sign("Encrypt", {"KeyId": fx["key"], "Plaintext": b64(PLAIN_100)})]
        if workload == "encrypt-4kb":
            return [self.sign("Encrypt", {"KeyId": fx["key"], "Plaintext": b64(PLAIN_4K)})]
        if workload == "decrypt":
            return [self.sign("Decrypt", {"CiphertextBlob": fx["ciphertext"]})]
        if workload == "generate-data-key":
            return [self.sign("GenerateDataKey", {"KeyId": fx["key"], "KeySpec": "AES_256"})]
        if workload == "describe-key":
            return [self.sign("DescribeKey", {"KeyId": fx["key"]})]
        if workload == "create-key":
            return [self.sign("CreateKey", {"Description": "bench create-key"})]
        if workload == "sign-p256":
            return [self.sign("Sign", dict(sign_args, KeyId=fx["p256"], SigningAlgorithm="ECDSA_SHA_256"))]
        if workload == "sign-rsa2048":
            return [self.sign("Sign", dict(sign_args, KeyId=fx["rsa"],
                                           SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256"))]
        if workload == "verify-p256":
            return [self.sign("Verify", dict(sign_args, KeyId=fx["p256"], Signature=fx["p256_sig"],
                                             SigningAlgorithm="ECDSA_SHA_256"))]
        if workload == "generate-mac":
            return [self.sign("GenerateMac", {"KeyId": fx["hmac"], "Message": b64(MESSAGE),
                                              "MacAlgorithm": "HMAC_SHA_256"})]
        if workload == "envelope-mix":
            return [self.sign("GenerateDataKey", {"KeyId": fx["key"], "KeySpec": "AES_256"}),
                    self.sign("Decrypt", {"CiphertextBlob": fx["datakey_ct"]})]
        if workload in ("cross-account-encrypt", "grant-encrypt"):
            arn, ak, sk = fx["cross" if workload == "cross-account-encrypt" else "grant"]
            return [self.sign("Encrypt", {"KeyId": arn, "Plaintext": b64(PLAIN_100)}, credentials=(ak, sk))]
        raise ValueError(workload)


Target = KMSTarget   # the registry's name for a service's target class
