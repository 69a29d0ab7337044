#!/usr/bin/env python3
"""The trail's cost, measured so that drift cannot bias it: Rampart with and without the trail
(and any other builds given) run side by side, loaded in turn within each round, the order
rotated each round. Prints each round, then the median of the per-round ratios to the first
server (throughput, and server CPU per call), and each server's median p99.

    python3 Benchmarks/audit_ab.py [--rounds 10] [--duration 4] [--concurrency 64] [--workload decrypt] \
        [--binary .build/release/rampart] [--also LABEL=PATH ...]

The first server is the binary with --no-audit; the second the same binary with the trail.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench.loadgen import ensure_wrk, run_wrk, write_script  # noqa: E402
from bench.servers import SERVERS, start_rampart  # noqa: E402
from bench.targets.kms import KMSTarget  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--workload", default="encrypt-100b", help="encrypt-100b, decrypt, or another of run.py's")
    ap.add_argument("--binary", default=os.environ.get("RAMPART_BIN", ".build/release/rampart"))
    ap.add_argument("--also", action="append", default=[], help="LABEL=PATH: another build, with its trail on")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    specs = [("off", binary, ["--no-audit"]), ("on", binary, [])]
    specs += [(label, os.path.abspath(path), []) for label, path in (a.split("=", 1) for a in args.also)]
    wrk = ensure_wrk()
    tmp = tempfile.mkdtemp(prefix="rampart-audit-ab-")
    workload = args.workload
    try:
        targets = []
        for label, path, extra in specs:
            server, ak, sk = start_rampart(path, tmp, label, extra)
            target = KMSTarget(label, server, ak, sk)
            target.setup([workload])
            targets.append(target)
        rps = {t.name: [] for t in targets}
        cpu = {t.name: [] for t in targets}
        p99 = {t.name: [] for t in targets}
        for t in targets:  # warm-up, not counted
            script = os.path.join(tmp, f"{t.name}-warm.lua")
            write_script(script, t.requests(workload), check=False)
            run_wrk(wrk, t.server.url, script, args.concurrency, 3, t.server.pid)
        for i in range(args.rounds):
            shift = i % len(targets)
            for t in targets[shift:] + targets[:shift]:
                script = os.path.join(tmp, f"{t.name}-{i}.lua")
                write_script(script, t.requests(workload), check=False)
                r = run_wrk(wrk, t.server.url, script, args.concurrency, args.duration, t.server.pid)
                rps[t.name].append(r["rps"] or 0.0)
                cpu[t.name].append(1e6 * (r["server_cpu_s"] or 0.0) / max(1, r["requests"]))
                p99[t.name].append(r["p99_ms"] or 0.0)
            print(f"round {i + 1}: " + "  ".join(
                f"{k} {rps[k][-1]:,.0f} ops/s {cpu[k][-1]:.0f} µs/call p99 {p99[k][-1]:.1f} ms" for k in rps), flush=True)
        base = targets[0].name
        for t in targets[1:]:
            ratios = [a / b for a, b in zip(rps[t.name], rps[base]) if b]
            cpu_ratios = [b / a for a, b in zip(cpu[t.name], cpu[base]) if a]
            print(f"{t.name}/{base}: throughput ratio median {statistics.median(ratios):.3f} "
                  f"(rounds {min(ratios):.2f}-{max(ratios):.2f}); "
                  f"CPU-per-call ratio median {statistics.median(cpu_ratios):.3f}")
        for k in rps:
            print(f"{k}: median {statistics.median(rps[k]):,.0f} ops/s, {statistics.median(cpu[k]):.1f} µs of server CPU per call, "
                  f"p99 {statistics.median(p99[k]):.1f} ms")
    finally:
        for s in list(SERVERS):
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
