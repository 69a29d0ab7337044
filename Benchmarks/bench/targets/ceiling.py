"""The ceiling as a KMS peer: Benchmarks/.build/release/Ceiling, a bare Hummingbird handler that
reads the body, AES-GCM-seals it and answers JSON. Encrypt rows only, no auth."""

import json
import os

from .. import servers
from ..common import DEFAULT_CEILING, b64, note, request
from . import kms
from .base import Peer
from .kms import PLAIN_100, PLAIN_4K

CEILING_WORKLOADS = ["encrypt-100b", "encrypt-4kb"]


class CeilingTarget:
    """A bare Hummingbird handler: read body, AES-GCM seal, answer JSON. Encrypt rows only."""

    def __init__(self, server):
        self.name, self.server = "ceiling", server
        self.host = f"127.0.0.1:{server.port}"
        self.unsupported = {}

    def setup(self, workloads):
        for w in workloads:
            if w not in CEILING_WORKLOADS:
                self.unsupported[w] = "encrypt rows only"

    def requests(self, workload):
        if workload not in CEILING_WORKLOADS:
            return None
        plain = PLAIN_100 if workload == "encrypt-100b" else PLAIN_4K
        body = json.dumps({"KeyId": "ceiling", "Plaintext": b64(plain)}, separators=(",", ":"))
        return [request("POST", "/", {"Host": self.host, "Content-Type": "application/x-amz-json-1.1",
                                      "X-Amz-Target": "TrentService.Encrypt"}, body)]


def find_ceiling():
    ceiling_bin = os.environ.get("CEILING_BIN", DEFAULT_CEILING)
    if os.access(ceiling_bin, os.X_OK):
        return ceiling_bin
    note(f"ceiling binary missing at {ceiling_bin} (Benchmarks/run builds it) - peer skipped")
    return None


PEER = Peer("ceiling", "ceiling ops/s", "Rampart/ceiling",
            find=find_ceiling,
            start=servers.start_ceiling,
            targets=lambda server, services: {kms: CeilingTarget(server)},
            rows=CEILING_WORKLOADS, log_skips=False)
