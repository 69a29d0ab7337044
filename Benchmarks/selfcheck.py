#!/usr/bin/env python3
"""Checks the benchmark driver without starting anything: every module imports, the registry is
whole (each service has WORKLOADS and Target, no workload twice; each peer is a complete Peer),
wrk's Lua and output parsing work, and the table renders from made-up results with an ops/s and a
ratio column per peer. Exits non-zero on the first failure.

    python3 Benchmarks/selfcheck.py
"""
import argparse
import importlib
import os
import pkgutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:1
  Latency Distribution
     50%    1.50ms
     99%  120.00us
  1234 requests in 1.00s, 1.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   1234.50
non200=3 total=1234
firstbad=400 {"__type":"ValidationException"}
"""


def main():
    names = ["run", "longruns", "audit_ab"]
    names += [m.name for m in pkgutil.walk_packages(bench.__path__, "bench.")]
    for name in names:
        importlib.import_module(name)
    from bench import loadgen, report
    from bench.targets import PEERS, SERVICES, WORKLOADS, Peer

    for s in SERVICES:
        assert s.WORKLOADS and callable(s.Target), f"{s.__name__}: needs WORKLOADS and Target"
    assert len(WORKLOADS) == len(set(WORKLOADS)), "a workload is in two services"
    for name, p in PEERS.items():
        assert isinstance(p, Peer) and p.name == name, f"peer {name}: not a Peer named {name!r}"
        assert all(callable(f) for f in (p.find, p.start, p.targets)), f"peer {name}: find/start/targets"
        assert p.rows is None or set(p.rows) <= set(WORKLOADS), f"peer {name}: rows outside WORKLOADS"

    r = loadgen.parse_wrk(WRK_OUTPUT)
    assert (r["rps"], r["p50_ms"], r["p99_ms"], r["requests"], r["non2xx"]) == (1234.5, 1.5, 0.12, 1234, 3), r
    assert (r["non200_check"], r["total_check"]) == (3, 1234) and r["firstbad"].startswith("400"), r
    req = {"method": "POST", "path": "/", "headers": {"Host": "h", "X-A": 'q"\\'}, "body": "{}"}
    with tempfile.TemporaryDirectory() as tmp:
        for reqs, check in (([req], True), ([req, dict(req, body=None)], False)):
            path = os.path.join(tmp, "x.lua")
            loadgen.write_script(path, reqs, check)
            lua = open(path).read()
            assert ('\\034' in lua) and (("non200" in lua) == check) and (("wrk.format" in lua) == (len(reqs) > 1))

    cfg = argparse.Namespace(workloads=WORKLOADS, concurrency=[1, 64])
    cell = {"status": "ok", "rps": 1000.0, "p50_ms": 1.0, "p99_ms": 2.0}
    results = {t: {w: {"1": dict(cell), "64": dict(cell)} for w in WORKLOADS} for t in ["rampart", *PEERS]}
    table = report.render_table(cfg, results, {p: True for p in PEERS}, list(PEERS.values()))
    lines = table.splitlines()
    assert len(lines) == 2 + 2 * len(WORKLOADS), "a row per workload and concurrency"
    assert {line.count("|") for line in lines} == {5 + 2 * len(PEERS)}, "an ops/s and a ratio column per peer"
    print(f"ok: {len(names)} modules, {len(SERVICES)} service(s), {len(WORKLOADS)} workloads, "
          f"peers {', '.join(PEERS)}")


if __name__ == "__main__":
    main()
