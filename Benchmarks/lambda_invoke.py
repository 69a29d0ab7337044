#!/usr/bin/env python3
"""Lambda Invoke on Rampart (started with --enable-functions): cold start and warm Invoke latency
(p50/p99) and warm invocations per second, for a Python function that returns its input, run
through AWS's runtime interface client (awslambdaric).

- `cold`: each sample updates the function's configuration first (Lambda retires the warm
  environments of a changed function), so the Invoke starts a new process: Python, awslambdaric,
  the handler's import, and the role's credentials.
- `warm`: Invokes one after another on a warm environment.
- `warm /s`: N threads invoking at once for `--seconds` (each thread its own client; environments
  are started until each thread has one).
- `api floor`: GetFunction on the same server, the same client path without running code; the
  ratio warm/floor is what running the function adds to an API call.

No peer runs here: moto's Lambda needs Docker, and AWS's runtime interface emulator is not on
these machines. The floor is measured in the same run instead.

usage: python3 Benchmarks/lambda_invoke.py [--samples N] [--cold N] [--threads 4] [--seconds 10] [--json FILE]
"""
import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import zipfile

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import common, servers  # noqa: E402

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def client(url, service, ak, sk):
    return boto3.client(service, endpoint_url=url, region_name=common.REGION, aws_access_key_id=ak,
                        aws_secret_access_key=sk, config=Config(retries={"max_attempts": 1}, read_timeout=60))


def summary(values):
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p99_ms": round(p99, 2), "samples": len(ordered)}


def timed(fn):
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--cold", type=int, default=20)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--json")
    args = parser.parse_args()
    binary = os.environ.get("RAMPART_BIN", common.DEFAULT_RAMPART)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        server, ak, sk = servers.start_rampart(binary, tmp, "rampart", ["--enable-functions"])
        try:
            role = client(server.url, "iam", ak, sk).create_role(
                RoleName="bench", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                z.writestr("h.py", "def handler(event, context):\n    return event\n")
            lam = client(server.url, "lambda", ak, sk)
            lam.create_function(FunctionName="echo", Runtime="python3.12", Role=role, Handler="h.handler",
                                Code={"ZipFile": buf.getvalue()})
            payload = json.dumps({"hello": "world", "n": list(range(20))}).encode()

            def invoke(c=lam):
                r = c.invoke(FunctionName="echo", Payload=payload)
                assert r["Payload"].read() == payload and "FunctionError" not in r, r

            cold = []
            for i in range(args.cold):
                lam.update_function_configuration(FunctionName="echo", Description=f"cold {i}")
                cold.append(timed(invoke))
            results["cold Invoke"] = summary(cold)
            invoke()
            results["warm Invoke"] = summary([timed(invoke) for _ in range(args.samples)])
            results["api floor (GetFunction)"] = summary(
                [timed(lambda: lam.get_function(FunctionName="echo")) for _ in range(args.samples)])

            counts = [0] * args.threads
            stop = time.perf_counter() + args.seconds
            clients = [client(server.url, "lambda", ak, sk) for _ in range(args.threads)]
            for c in clients:
                invoke(c)  # each thread's environment is warm before the clock starts

            def loop(i):
                while time.perf_counter() < stop:
                    invoke(clients[i])
                    counts[i] += 1
            threads = [threading.Thread(target=loop, args=(i,)) for i in range(args.threads)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            results[f"warm invocations/s ({args.threads} threads)"] = {
                "per_second": round(sum(counts) / (time.perf_counter() - start), 1)}
        finally:
            server.stop()
    print(f"{'measure':<36}{'p50 ms':>10}{'p99 ms':>10}{'samples':>10}")
    for name, r in results.items():
        if "per_second" in r:
            print(f"{name:<36}{r['per_second']:>10} /s")
        else:
            print(f"{name:<36}{r['p50_ms']:>10}{r['p99_ms']:>10}{r['samples']:>10}")
    floor = results["api floor (GetFunction)"]["p50_ms"]
    print(f"warm Invoke p50 / GetFunction p50 = {results['warm Invoke']['p50_ms'] / max(floor, 0.001):.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
