"""Rampart-only runs that take longer than one table cell: key-count scaling (Encrypt and
DescribeKey latency and RSS at 1k, 10k and 100k keys) and a soak (RSS sampled through a long
Encrypt run, to show memory does not grow). Used by run.py (`--scaling`, `--soak`)."""
import os
import time

from bench import common, loadgen, procstats, report, servers
from bench.targets.kms import KMSTarget


def proc_rss_mb(pid):
    return procstats.proc_status_mb(pid, "VmRSS")


def count_keys(client):
    total, marker = 0, None
    while True:
        page = client.list_keys(Limit=1000, **({"Marker": marker} if marker else {}))
        total += len(page["Keys"])
        if not page.get("Truncated"):
            return total
        marker = page["NextMarker"]


def grow_keys(target, wrk, tmp, have, want, concurrency=16):
    """Creates keys with wrk's CreateKey runs until at least `want` exist; returns (count, rate)."""
    rate, made, spent = 500.0, 0, 0.0
    while have < want:
        seconds = max(1, min(60, int((want - have) / rate) + 1))
        script = os.path.join(tmp, "scaling-create.lua")
        loadgen.write_script(script, target.requests("create-key"), check=False)
        r = loadgen.run_wrk(wrk, target.server.url, script, concurrency, seconds, target.server.pid)
        ok = (r.get("requests") or 0) - (r.get("non2xx") or 0)
        if ok <= 0:
            raise RuntimeError(f"CreateKey made no keys: {r.get('wrk_output', '')[-400:]}")
        have, made, spent = have + ok, made + ok, spent + r["wall_s"]
        rate = max(50.0, made / spent)
    return have, made / spent if spent else None


def measure(target, wrk, tmp, workload, concurrency, duration, runs):
    results = []
    for i in range(runs):
        script = os.path.join(tmp, f"scaling-{workload}-{i}.lua")
        loadgen.write_script(script, target.requests(workload), check=False)
        results.append(loadgen.run_wrk(wrk, target.server.url, script, concurrency, duration, target.server.pid))
    return {k: report.median([r[k] for r in results]) for k in ("rps", "p50_ms", "p99_ms")}


def scaling(binary, serve_args, wrk, tmp, levels, concurrency, duration, runs):
    """Rows for each key count: Encrypt and DescribeKey at `concurrency`, RSS now and at peak."""
    server, ak, sk = servers.start_rampart(binary, tmp, "rampart-scaling", serve_args)
    rows = []
    try:
        target = KMSTarget("rampart-scaling", server, ak, sk)
        target.setup(["encrypt-100b", "describe-key", "create-key"])
        have = count_keys(target.client)
        for level in levels:
            have, rate = grow_keys(target, wrk, tmp, have, level)
            have = count_keys(target.client)
            row = {"keys": have, "create_rate": rate,
                   "encrypt": measure(target, wrk, tmp, "encrypt-100b", concurrency, duration, runs),
                   "describe": measure(target, wrk, tmp, "describe-key", concurrency, duration, runs),
                   "rss_mb": proc_rss_mb(server.pid), "hwm_mb": procstats.proc_hwm_mb(server.pid)}
            common.log(f"[scaling] {have:,} keys: Encrypt {report.fmt(row['encrypt']['rps'])} ops/s "
                       f"p99 {report.fmt(row['encrypt']['p99_ms'], 2)} ms, DescribeKey "
                       f"{report.fmt(row['describe']['rps'])} ops/s p99 {report.fmt(row['describe']['p99_ms'], 2)} ms, "
                       f"RSS {report.fmt(row['rss_mb'])} MB (peak {report.fmt(row['hwm_mb'])} MB)")
            rows.append(row)
    finally:
        server.stop()
    return rows


def scaling_table(rows, concurrency):
    out = [f"| keys | Encrypt 100 B ops/s | p50 ms | p99 ms | DescribeKey ops/s | p50 ms | p99 ms | RSS MB | peak RSS MB |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        e, d = r["encrypt"], r["describe"]
        out.append(f"| {r['keys']:,} | {report.fmt(e['rps'])} | {report.fmt(e['p50_ms'], 2)} | {report.fmt(e['p99_ms'], 2)} "
                   f"| {report.fmt(d['rps'])} | {report.fmt(d['p50_ms'], 2)} | {report.fmt(d['p99_ms'], 2)} "
                   f"| {report.fmt(r['rss_mb'])} | {report.fmt(r['hwm_mb'])} |")
    return f"Key-count scaling (Rampart, concurrency {concurrency}):\n\n" + "\n".join(out)


def soak(binary, serve_args, wrk, tmp, seconds, concurrency, chunk=30):
    """An Encrypt and envelope (GenerateDataKey + Decrypt) load for `seconds`, in chunks signed
    afresh; RSS is sampled after each chunk."""
    server, ak, sk = servers.start_rampart(binary, tmp, "rampart-soak", serve_args)
    samples = []
    try:
        target = KMSTarget("rampart-soak", server, ak, sk)
        target.setup(["encrypt-100b", "envelope-mix"])
        start = time.monotonic()
        i = 0
        while time.monotonic() - start < seconds:
            workload = "encrypt-100b" if i % 2 == 0 else "envelope-mix"
            script = os.path.join(tmp, f"soak-{i}.lua")
            loadgen.write_script(script, target.requests(workload), check=False)
            r = loadgen.run_wrk(wrk, server.url, script, concurrency, chunk, server.pid)
            samples.append({"t_s": time.monotonic() - start, "workload": workload, "rps": r["rps"],
                            "non2xx": r["non2xx"], "rss_mb": proc_rss_mb(server.pid)})
            common.log(f"[soak] {samples[-1]['t_s']:.0f}s {workload}: {report.fmt(r['rps'])} ops/s, "
                       f"RSS {report.fmt(samples[-1]['rss_mb'])} MB")
            i += 1
        hwm = procstats.proc_hwm_mb(server.pid)
    finally:
        server.stop()
    return {"samples": samples, "hwm_mb": hwm, "seconds": seconds, "concurrency": concurrency}


def soak_summary(result):
    s = [x for x in result["samples"] if x["rss_mb"] is not None]
    if len(s) < 3:
        return "Soak: too few samples."
    first_minute = [x["rss_mb"] for x in s if x["t_s"] <= 90] or [s[0]["rss_mb"]]
    settled = max(first_minute)
    last = s[-1]["rss_mb"]
    rps = [x["rps"] for x in s if x["rps"]]
    return (f"Soak ({result['seconds']} s at concurrency {result['concurrency']}, Encrypt and envelope "
            f"chunks of 30 s): RSS {settled:.0f} MB after the first 90 s, {last:.0f} MB at the end "
            f"({last - settled:+.0f} MB), peak {report.fmt(result['hwm_mb'])} MB; ops/s "
            f"{min(rps):,.0f}-{max(rps):,.0f}; non-2xx {sum(x['non2xx'] or 0 for x in s)}.")
