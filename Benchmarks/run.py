#!/usr/bin/env python3
"""Rampart benchmark driver.

Starts Rampart (the release binary, never built here) and, side by side on the
same machine, moto (AWS's Python emulator), OpenBao's transit engine and a bare
Hummingbird "ceiling" handler; drives each with wrk using pre-signed SigV4
requests (token auth for OpenBao), and prints one markdown table of ops/s and
latency with Rampart/peer ratios.

    python3 Benchmarks/run.py [--duration 5] [--runs 3] [--concurrency 1,16,64]
                              [--quick] [--workloads a,b] [--peers moto,openbao,ceiling]
                              [--json out.json]

Only one server runs at a time, so each gets the whole machine. Everything
started here is stopped (and temp dirs removed) on exit, error or Ctrl-C.
This file is the command line and the order of the runs; the pieces are in
Benchmarks/bench (see Benchmarks/README.md, "Layout").
"""

import argparse
import os
import shlex
import shutil
import signal
import sys
import tempfile
import time

import longruns
from bench import report, targets
from bench.common import CHECK_SECONDS, DEFAULT_RAMPART, log, note, run_quiet
from bench.loadgen import bench_target, ensure_wrk
from bench.servers import SERVERS, finish_server, start_rampart
from bench.targets import PEERS, WORKLOADS

QUICK_WORKLOADS = ["encrypt-100b", "decrypt", "sign-p256"]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=None, help="seconds per wrk run (default 5)")
    ap.add_argument("--runs", type=int, default=None, help="runs per cell; medians are reported (default 3)")
    ap.add_argument("--concurrency", default=None, help="comma-separated connection counts (default 1,16,64)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 2s, 1 run, c=16, encrypt-100b,decrypt,sign-p256")
    ap.add_argument("--workloads", default=None, help="comma-separated, from: " + ",".join(WORKLOADS))
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated: " + ",".join(PEERS))
    ap.add_argument("--json", default=None, help="write every raw number here")
    ap.add_argument("--scaling", default=None,
                    help="key counts for the key-count scaling run (default 1000,10000,100000; 'none' skips it)")
    ap.add_argument("--soak", type=int, default=None,
                    help="seconds of the soak run that samples RSS (default 600; 0 skips it)")
    a = ap.parse_args()
    if a.quick:
        a.duration = a.duration or 2
        a.runs = a.runs or 1
        a.concurrency = a.concurrency or "16"
        a.workloads = a.workloads or ",".join(QUICK_WORKLOADS)
        a.scaling = a.scaling or "none"
        a.soak = 0 if a.soak is None else a.soak
    a.scaling = [] if a.scaling == "none" else [int(x) for x in (a.scaling or "1000,10000,100000").split(",") if x.strip()]
    a.soak = 600 if a.soak is None else a.soak
    a.duration = a.duration or 5
    a.runs = a.runs or 3
    a.concurrency = [int(x) for x in (a.concurrency or "1,16,64").split(",") if x.strip()]
    a.workloads = [w.strip() for w in (a.workloads or ",".join(WORKLOADS)).split(",")
                   if w.strip() and w.strip() != "none"]
    a.peers = [p.strip() for p in a.peers.split(",") if p.strip() and p.strip() != "none"]
    for w in a.workloads:
        if w not in WORKLOADS:
            ap.error(f"unknown workload {w!r}; choose from {', '.join(WORKLOADS)}")
    for p in a.peers:
        if p not in PEERS:
            ap.error(f"unknown peer {p!r}; choose from {', '.join(PEERS)}")
    if a.duration < 1 or a.runs < 1 or not a.concurrency or min(a.concurrency) < 1:
        ap.error("--duration, --runs and every --concurrency must be at least 1")
    return a


def main():
    cfg = parse_args()
    started = time.time()
    wrk = ensure_wrk()
    rampart_bin = os.environ.get("RAMPART_BIN", DEFAULT_RAMPART)
    if not os.access(rampart_bin, os.X_OK):
        sys.exit(f"error: no Rampart binary at {rampart_bin} (run Benchmarks/run, which builds it, "
                 f"or set RAMPART_BIN)")
    serve_args = shlex.split(os.environ.get("RAMPART_SERVE_ARGS", ""))

    tools = {name: peer.find() for name, peer in PEERS.items() if name in cfg.peers}

    # --no-audit is hidden from `serve --help` (it is for benchmarks only); --help-hidden lists it.
    help_text = run_quiet([rampart_bin, "serve", "--help-hidden"]).stdout
    audit_flag = "--no-audit" in help_text
    do_audit = "encrypt-100b" in cfg.workloads
    if not audit_flag:
        note("`rampart serve --help-hidden` has no --no-audit: audit-off comparison skipped")
        do_audit = False
    elif "--no-audit" in serve_args:
        note("RAMPART_SERVE_ARGS already has --no-audit: the main Rampart column is audit-off; "
             "audit comparison skipped")
        do_audit = False

    log(f"Benchmark: {cfg.duration}s x {cfg.runs} run(s), concurrency {cfg.concurrency}, "
        f"workloads {','.join(cfg.workloads)}, peers {','.join(cfg.peers) or 'none'}")
    per_workload = CHECK_SECONDS + len(cfg.concurrency) * cfg.runs * cfg.duration
    cells = len(cfg.workloads) + (1 if do_audit else 0)
    cells += sum(sum(1 for w in cfg.workloads if PEERS[p].rows is None or w in PEERS[p].rows)
                 for p in cfg.peers if tools.get(p))
    extra = cfg.soak + (len(cfg.scaling) * 2 * cfg.runs * cfg.duration + max(cfg.scaling) / 500 if cfg.scaling else 0)
    log(f"Estimated time: about {max(1, round((cells * per_workload + extra) / 60))} min")
    tmp = tempfile.mkdtemp(prefix="rampart-bench-")
    results, rss, peers_available = {}, {}, {}
    scaling_rows, soak_result = [], None
    try:
        # Rampart
        server, ak, sk = start_rampart(rampart_bin, tmp, "rampart", serve_args)
        target = targets.rampart("rampart", server, ak, sk)
        target.setup(cfg.workloads)
        for w, why in target.unsupported.items():
            note(f"Rampart fixture for {w} failed: {why}")
        bench_target(target, cfg, wrk, tmp, results)
        finish_server(server, rss)

        # Rampart with --no-audit: encrypt-100b only
        if do_audit:
            server, ak, sk = start_rampart(rampart_bin, tmp, "rampart-no-audit", serve_args + ["--no-audit"])
            target = targets.rampart("rampart-no-audit", server, ak, sk)
            sub = argparse.Namespace(**vars(cfg))
            sub.workloads = ["encrypt-100b"]
            target.setup(sub.workloads)
            bench_target(target, sub, wrk, tmp, results)
            finish_server(server, rss)

        # Peers, one at a time
        for peer in cfg.peers:
            tool = tools.get(peer)
            if not tool:
                continue
            try:
                server = PEERS[peer].start(tool, tmp)
                target = targets.peer(peer, server)
            except RuntimeError as e:
                note(f"{peer} failed to start - skipped: {str(e)[:500]}")
                continue
            peers_available[peer] = True
            target.setup(cfg.workloads)
            for w, why in target.unsupported.items():
                if PEERS[peer].log_skips and w in cfg.workloads:
                    log(f"[{peer}] {w} skipped: {why}")
            bench_target(target, cfg, wrk, tmp, results)
            finish_server(server, rss)

        # Rampart alone: key-count scaling and the soak
        if cfg.scaling:
            scaling_rows = longruns.scaling(rampart_bin, serve_args, wrk, tmp, cfg.scaling,
                                            concurrency=16, duration=cfg.duration, runs=cfg.runs)
        if cfg.soak:
            soak_result = longruns.soak(rampart_bin, serve_args, wrk, tmp, cfg.soak, concurrency=64)
    finally:
        for s in list(SERVERS):
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    sections = []
    if scaling_rows:
        sections.append(longruns.scaling_table(scaling_rows, 16))
    if soak_result:
        sections.append(longruns.soak_summary(soak_result))
    config = {"duration_s": cfg.duration, "runs": cfg.runs, "concurrency": cfg.concurrency,
              "workloads": cfg.workloads, "peers": cfg.peers, "rampart_bin": rampart_bin,
              "rampart_serve_args": serve_args, "cores": os.cpu_count()}
    report.publish(cfg, list(PEERS.values()), results, rss, peers_available, do_audit, sections,
                   started, config, scaling_rows, soak_result)


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)   # even when started with SIGINT ignored
    try:
        main()
    except KeyboardInterrupt:
        for s in list(SERVERS):
            s.stop()
        print("\ninterrupted; every server started here was stopped", file=sys.stderr)
        sys.exit(130)
