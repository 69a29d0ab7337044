"""The report: numbers as text, the markdown table (one ops/s and one ratio column per peer, in the
registry's order), the load-generator line, and the summary printed (and written as JSON) at the end."""

import json
import os
import statistics
import time

from .common import NOTES


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0):
    if v is None:
        return "-"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def cell_rps(results, target, w, c):
    e = results.get(target, {}).get(w, {}).get(str(c))
    if e is None:
        return None, "skipped" if target not in results else "-"
    if e.get("status") == "n/a":
        return None, "n/a"
    if e.get("status") == "errors":
        return None, "errors"
    mark = "*" if e.get("socket_error_flag") else ""
    return e["rps"], fmt(e["rps"]) + mark


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"


def render_table(cfg, results, peers_available, peers):
    """`peers`: the registry's Peer objects, in column order."""
    def peer_label(p, label):
        return label if peers_available.get(p) else f"{label} (not run)"
    head = ["workload @ c", "Rampart ops/s", "p50 ms", "p99 ms"]
    head += [peer_label(p.name, p.column) for p in peers]
    head += [p.ratio for p in peers]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for w in cfg.workloads:
        for c in cfg.concurrency:
            r_rps, r_txt = cell_rps(results, "rampart", w, c)
            e = results.get("rampart", {}).get(w, {}).get(str(c), {})
            p50 = fmt(e.get("p50_ms"), 2) if e.get("status") == "ok" else "-"
            p99 = fmt(e.get("p99_ms"), 2) if e.get("status") == "ok" else "-"
            row = [f"{w} @ {c}", r_txt, p50, p99]
            vals = {}
            for p in peers:
                if p.rows is not None and w not in p.rows:
                    vals[p.name], txt = None, "-"
                elif not peers_available.get(p.name):
                    vals[p.name], txt = None, "-"
                else:
                    vals[p.name], txt = cell_rps(results, p.name, w, c)
                row.append(txt)
            row += [ratio(r_rps, vals[p.name]) for p in peers]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def cpu_line(results, cfg):
    c = max(cfg.concurrency)
    for target, label in (("ceiling", "ceiling"), ("rampart", "Rampart")):
        e = results.get(target, {}).get("encrypt-100b", {}).get(str(c))
        if not e or e.get("status") != "ok" or not e.get("wall_s"):
            continue
        ncpu = os.cpu_count() or 1
        wall = e["wall_s"]
        wrk_share = e["wrk_cpu_s"] / (wall * ncpu) if e.get("wrk_cpu_s") is not None else None
        srv_share = e["server_cpu_s"] / (wall * ncpu) if e.get("server_cpu_s") is not None else None
        txt = (f"Load generator ({label}, encrypt-100b @ c={c}, {wall:.1f}s run): wrk used "
               f"{e['wrk_cpu_s']:.2f} CPU-s = {100 * wrk_share:.0f}% of the {ncpu} cores, the server "
               f"{(e['server_cpu_s'] or 0):.2f} CPU-s = {100 * (srv_share or 0):.0f}%.")
        return txt, {"target": target, "concurrency": c, "wall_s": wall, "cores": ncpu,
                     "wrk_cpu_s": e["wrk_cpu_s"], "server_cpu_s": e["server_cpu_s"],
                     "wrk_share": wrk_share, "server_share": srv_share}
    return "Load generator: no encrypt-100b run to measure CPU shares on.", None



def audit_pairs(cfg, results):
    """Rampart's encrypt-100b ops/s with and without the trail, per concurrency with a valid pair."""
    audit = {}
    for c in cfg.concurrency:
        on = results.get("rampart", {}).get("encrypt-100b", {}).get(str(c), {})
        off = results.get("rampart-no-audit", {}).get("encrypt-100b", {}).get(str(c), {})
        if on.get("status") == "ok" and off.get("status") == "ok":
            audit[str(c)] = {"on": on["rps"], "off": off["rps"], "ratio": on["rps"] / off["rps"]}
    return audit


def publish(cfg, peers, results, rss, peers_available, do_audit, sections, started, config,
            scaling_rows, soak_result):
    """Prints the summary to stdout and, with --json, writes every raw number. `sections`: further
    texts printed after the table's lines (key-count scaling, soak); `config`: the JSON's config."""
    audit = audit_pairs(cfg, results) if do_audit else None

    table = render_table(cfg, results, peers_available, peers)
    cpu_txt, cpu_data = cpu_line(results, cfg)
    rss_txt = ", ".join(f"{name} {mb:.0f} MB" for name, mb in rss.items() if mb is not None)
    if audit:
        audit_txt = "; ".join(f"c={c}: {a['on']:,.0f} on / {a['off']:,.0f} off = {a['ratio']:.2f}"
                              for c, a in audit.items())
        audit_txt = f"Audit on/off (Rampart encrypt-100b ops/s, ratio on/off): {audit_txt}"
    elif do_audit:
        audit_txt = "Audit on/off: no valid pair of runs (see errors above)."
    else:
        audit_txt = "Audit on/off: skipped (see notes)."

    print()
    print(f"## Rampart benchmark ({cfg.duration}s x {cfg.runs} run(s), medians; "
          f"{os.cpu_count()} cores; ratio = Rampart ops/s / peer ops/s)")
    print()
    if NOTES:
        for n in NOTES:
            print(f"- {n}")
        print()
    if cfg.workloads:
        print(table)
        print()
    print(f"Peak RSS (VmHWM): {rss_txt or '-'}")
    print(audit_txt)
    print(cpu_txt)
    if any(e.get("socket_error_flag") for t in results.values() for w in t.values() for e in w.values()):
        print("* more than 1% of connections had socket errors (connect/read/write/timeout) in these cells.")
    for text in sections:
        print()
        print(text)
    print(f"Elapsed: {time.time() - started:.0f}s")

    if cfg.json:
        with open(cfg.json, "w") as f:
            json.dump({"config": config,
                       "results": results, "peak_rss_mb": rss, "audit": audit,
                       "load_generator": cpu_data, "scaling": scaling_rows, "soak": soak_result,
                       "notes": NOTES}, f, indent=2)
        print(f"Raw numbers: {cfg.json}")
