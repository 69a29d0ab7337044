"""The registry of targets.

A service is a module with WORKLOADS (its workloads, in table-row order) and Target, a class
built as Target(name, server, access_key, secret_key) that drives Rampart's implementation of the
service and moto's (see base.py for what a target has). A peer is a module with PEER, a base.Peer.
"""

from importlib import import_module

from .base import Peer, Suite  # noqa: F401

# Rampart's services, in table-row order. A new service: its module, and its name here.
SERVICES = [import_module(f"{__name__}.{name}") for name in ("kms",)]
# The peers, in table-column order (and the order their programs are looked for).
PEERS = {p.name: p for p in (import_module(f"{__name__}.{name}").PEER for name in ("moto", "openbao", "ceiling"))}

WORKLOADS = [w for s in SERVICES for w in s.WORKLOADS]


def rampart(name, server, access_key, secret_key):
    """A target for every service of one Rampart server."""
    return Suite(name, server, {s: s.Target(name, server, access_key, secret_key) for s in SERVICES}, SERVICES)


def peer(name, server):
    """The target of the peer `name` (a key of PEERS) for the services it serves, on its server."""
    return Suite(name, server, PEERS[name].targets(server, SERVICES), SERVICES)
