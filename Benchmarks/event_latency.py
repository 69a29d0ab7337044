#!/usr/bin/env python3
"""EventBridge delivery latency: from a call's answer to the message in the target queue, p50 and
p99, Rampart next to moto in one run.

Two paths are timed:
- `put-events`: PutEvents of a custom event that a rule routes to an SQS queue (both servers);
- `trail`: a KMS DisableKey / EnableKey answered, recorded in the trail, turned into an "AWS API
  Call via CloudTrail" event, matched and delivered to the queue (Rampart only: moto's
  EventBridge is not fed by calls).

The clock starts when the call's answer arrives and stops when a long-polling ReceiveMessage
(already waiting, on its own connection) returns the message. Each sample is one event; the
queue is drained between samples.

usage: python3 Benchmarks/event_latency.py [--samples N] [--peers moto|none] [--json FILE]
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import common, servers  # noqa: E402

RULE_PATTERN = {"source": ["bench.latency"]}


def client(url, service, ak, sk):
    return boto3.client(service, endpoint_url=url, region_name=common.REGION, aws_access_key_id=ak,
                        aws_secret_access_key=sk, config=Config(retries={"max_attempts": 1}, read_timeout=30))


def wire(url, ak, sk):
    """A queue, a rule for the custom source and another for DisableKey/EnableKey, both targeting the queue."""
    sqs, events = client(url, "sqs", ak, sk), client(url, "events", ak, sk)
    queue = sqs.create_queue(QueueName="latency")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                                "Action": "sqs:SendMessage", "Resource": arn}]})})
    for name, pattern in (("custom", RULE_PATTERN),
                          ("trail", {"source": ["aws.kms"], "detail-type": ["AWS API Call via CloudTrail"],
                                     "detail": {"eventName": ["DisableKey", "EnableKey"]}})):
        events.put_rule(Name=name, EventPattern=json.dumps(pattern))
        events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}])
    return queue


def sample(url, ak, sk, queue, act, samples):
    """Latencies (ms) from `act()`'s answer to the message's arrival."""
    receiver = client(url, "sqs", ak, sk)
    out = []
    for i in range(samples):
        got = threading.Event()
        arrived = []

        def wait():
            while not got.is_set():
                messages = receiver.receive_message(QueueUrl=queue, WaitTimeSeconds=20, MaxNumberOfMessages=10)
                if messages.get("Messages"):
                    arrived.append(time.perf_counter())
                    for m in messages["Messages"]:
                        receiver.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
                    got.set()

        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.05)  # the long poll is waiting before the call
        act(i)
        answered = time.perf_counter()
        waiter.join(timeout=30)
        if not arrived:
            raise RuntimeError("an event was not delivered within 30 s")
        out.append((arrived[0] - answered) * 1000)
    return out


def put_events(url, ak, sk):
    events = client(url, "events", ak, sk)

    def act(i):
        answer = events.put_events(Entries=[{"Source": "bench.latency", "DetailType": "tick",
                                             "Detail": json.dumps({"n": i})}])
        assert answer["FailedEntryCount"] == 0, answer
    return act


def kms_toggle(url, ak, sk):
    kms = client(url, "kms", ak, sk)
    key = kms.create_key()["KeyMetadata"]["KeyId"]

    def act(i):
        (kms.disable_key if i % 2 == 0 else kms.enable_key)(KeyId=key)
    return act


def summary(values):
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p99_ms": round(p99, 2), "samples": len(ordered)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--peers", default="moto")
    parser.add_argument("--json")
    args = parser.parse_args()
    binary = os.environ.get("RAMPART_BIN", common.DEFAULT_RAMPART)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        server, ak, sk = servers.start_rampart(binary, tmp, "rampart", [])
        try:
            queue = wire(server.url, ak, sk)
            results["rampart put-events"] = summary(sample(server.url, ak, sk, queue, put_events(server.url, ak, sk),
                                                           args.samples))
            results["rampart trail"] = summary(sample(server.url, ak, sk, queue, kms_toggle(server.url, ak, sk),
                                                      args.samples))
        finally:
            server.stop()
        if "moto" in args.peers.split(","):
            tool = servers.ensure_pip_tool("moto_server", "moto[server]")
            if tool:
                moto = servers.start_moto(tool, tmp)
                try:
                    queue = wire(moto.url, "test", "test")
                    results["moto put-events"] = summary(sample(moto.url, "test", "test", queue,
                                                                put_events(moto.url, "test", "test"), args.samples))
                finally:
                    moto.stop()
            else:
                common.note("moto_server is not available: no peer figures")
    print(f"{'path':<22}{'p50 ms':>10}{'p99 ms':>10}{'samples':>10}")
    for name, r in results.items():
        print(f"{name:<22}{r['p50_ms']:>10}{r['p99_ms']:>10}{r['samples']:>10}")
    if "rampart put-events" in results and "moto put-events" in results:
        ratio = results["moto put-events"]["p50_ms"] / max(results["rampart put-events"]["p50_ms"], 0.001)
        print(f"put-events p50: moto / rampart = {ratio:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
