"""moto (AWS's Python emulator, in memory) as a peer: `moto_server`, SigV4 sent but not checked.
It serves every service, each driven by the service's own target with moto's fixed credentials."""

from .. import servers
from .base import Peer

PEER = Peer("moto", "moto ops/s", "Rampart/moto",
            find=lambda: servers.ensure_pip_tool("moto_server", "moto[server]"),
            start=servers.start_moto,
            targets=lambda server, services: {s: s.Target("moto", server, "testing", "testing")
                                              for s in services})
