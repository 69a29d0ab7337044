"""What the registry is made of: a Peer (how a peer server is found, started and driven, and its
columns in the table) and a Suite (one server's targets, one per service, seen as one target).

A target has `name`, `server`, `unsupported` (workload -> reason), `setup(workloads)` (makes the
fixtures; a workload whose fixture fails goes to `unsupported`) and `requests(workload)` (freshly
signed requests for one wrk run, as common.request builds them, or None if not supported)."""

from dataclasses import dataclass
from typing import Callable, Optional


@dataclass
class Peer:
    name: str                 # the word in --peers, and the key of its results
    column: str               # the table's ops/s column
    ratio: str                # the table's Rampart/peer column
    find: Callable            # () -> its program's path, or None (after a note): the peer is skipped
    start: Callable           # (program, tmp) -> a started servers.Server; RuntimeError skips the peer
    targets: Callable         # (server, services) -> {service module: target} for what it serves
    rows: Optional[list] = None   # the only workloads it has cells for in the table (None: all)
    log_skips: bool = True        # log each workload it skips


class Suite:
    """One server's targets seen as one: each workload goes to the target of the service that owns
    it; the workloads of a service the server has no target for are n/a."""

    def __init__(self, name, server, parts, services):
        self.name, self.server = name, server
        self.parts = parts                                   # service module -> its target
        self.owner = {w: s for s in services for w in s.WORKLOADS}
        self.unsupported = {}

    def setup(self, workloads):
        for service, target in self.parts.items():
            target.setup([w for w in workloads if self.owner.get(w) is service])
        for w in workloads:
            if self.owner.get(w) not in self.parts:
                self.unsupported[w] = f"{self.name} has no {self.owner[w].__name__.rsplit('.', 1)[-1]} target"
        for target in self.parts.values():
            self.unsupported.update(target.unsupported)

    def requests(self, workload):
        target = self.parts.get(self.owner.get(workload))
        return None if target is None else target.requests(workload)
