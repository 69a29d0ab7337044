"""Amazon CloudWatch Logs against the release binary with boto3 and the aws CLI: groups, streams,
events, paging tokens, filter patterns, retention, tags, authorization, and bad input."""
import json
import time
import uuid

import botocore.exceptions
import pytest

from conftest import ACCOUNT, allow, fails, policy_doc, user_with_keys


@pytest.fixture(scope="module")
def logs(server):
    return server.client("logs")


def name(prefix="/rampart/test-"):
    return prefix + uuid.uuid4().hex[:10]


def now_ms():
    return int(time.time() * 1000)


def test_groups_create_describe_delete(logs):
    g = name()
    logs.create_log_group(logGroupName=g, tags={"team": "sec"})
    fails("ResourceAlreadyExistsException", logs.create_log_group, logGroupName=g)
    found = logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"]
    assert [x["logGroupName"] for x in found] == [g]
    group = found[0]
    assert group["arn"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{g}:*"
    assert group["logGroupArn"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{g}"
    assert abs(group["creationTime"] - now_ms()) < 60_000
    assert group["logGroupClass"] == "STANDARD"
    assert "retentionInDays" not in group
    assert logs.list_tags_for_resource(resourceArn=group["logGroupArn"])["tags"] == {"team": "sec"}
    assert logs.list_tags_log_group(logGroupName=g)["tags"] == {"team": "sec"}
    logs.delete_log_group(logGroupName=g)
    fails("ResourceNotFoundException", logs.delete_log_group, logGroupName=g)
    assert logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"] == []


def test_describe_log_groups_pages_and_patterns(logs):
    base = name("/rampart/page-")
    names = [f"{base}/{i:02d}" for i in range(7)]
    for n in names:
        logs.create_log_group(logGroupName=n)
    seen, token = [], None
    while True:
        kwargs = {"logGroupNamePrefix": base, "limit": 3}
        if token:
            kwargs["nextToken"] = token
        page = logs.describe_log_groups(**kwargs)
        assert len(page["logGroups"]) <= 3
        seen += [g["logGroupName"] for g in page["logGroups"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == names
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePattern=base + "/03")["logGroups"]] == [
        names[3]]
    fails("InvalidParameterException", logs.describe_log_groups, logGroupNamePrefix=base, logGroupNamePattern="x")
    paginator = logs.get_paginator("describe_log_groups")
    assert [g["logGroupName"] for p in paginator.paginate(logGroupNamePrefix=base, PaginationConfig={"PageSize": 2})
            for g in p["logGroups"]] == names


def test_streams_and_events_round_trip(logs):
    g = name()
    logs.create_log_group(logGroupName=g)
    fails("ResourceNotFoundException", logs.create_log_stream, logGroupName=g + "-none", logStreamName="s")
    logs.create_log_stream(logGroupName=g, logStreamName="app/1")
    fails("ResourceAlreadyExistsException", logs.create_log_stream, logGroupName=g, logStreamName="app/1")
    t = now_ms() - 10_000
    out = logs.put_log_events(logGroupName=g, logStreamName="app/1",
                              logEvents=[{"timestamp": t + i, "message": f"line {i}"} for i in range(5)])
    assert "rejectedLogEventsInfo" not in out
    got = logs.get_log_events(logGroupName=g, logStreamName="app/1", startFromHead=True)
    assert [e["message"] for e in got["events"]] == [f"line {i}" for i in range(5)]
    assert [e["timestamp"] for e in got["events"]] == [t + i for i in range(5)]
    assert all(abs(e["ingestionTime"] - now_ms()) < 60_000 for e in got["events"])
    assert got["nextForwardToken"].startswith("f/") and got["nextBackwardToken"].startswith("b/")
    # Nothing new: the same forward token comes back (how clients know to stop).
    again = logs.get_log_events(logGroupName=g, logStreamName="app/1", nextToken=got["nextForwardToken"])
    assert again["events"] == [] and again["nextForwardToken"] == got["nextForwardToken"]
    logs.put_log_events(logGroupName=g, logStreamName="app/1", logEvents=[{"timestamp": t + 10, "message": "later"}])
    more = logs.get_log_events(logGroupName=g, logStreamName="app/1", nextToken=got["nextForwardToken"])
    assert [e["message"] for e in more["events"]] == ["later"]
    streams = logs.describe_log_streams(logGroupName=g)["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["app/1"]
    s = streams[0]
    assert s["firstEventTimestamp"] == t and s["lastEventTimestamp"] == t + 10
    assert s["storedBytes"] == sum(len(f"line {i}") for i in range(5)) + len("later")
    assert s["arn"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{g}:log-stream:app/1"


def test_get_log_events_pages_both_ways(logs):
    g = name()
    logs.create_log_group(logGroupName=g)
    logs.create_log_stream(logGroupName=g, logStreamName="s")
    t = now_ms() - 100_000
    logs.put_log_events(logGroupName=g, logStreamName="s",
                        logEvents=[{"timestamp": t + i, "message": str(i)} for i in range(25)])
    # Newest first page by default (startFromHead false): the last 10, in time order.
    tail = logs.get_log_events(logGroupName=g, logStreamName="s", limit=10)
    assert [e["message"] for e in tail["events"]] == [str(i) for i in range(15, 25)]
    back = logs.get_log_events(logGroupName=g, logStreamName="s", limit=10, nextToken=tail["nextBackwardToken"])
    assert [e["message"] for e in back["events"]] == [str(i) for i in range(5, 15)]
    forward, token = [], None
    while True:
        kwargs = {"logGroupName": g, "logStreamName": "s", "limit": 7, "startFromHead": True}
        if token:
            kwargs["nextToken"] = token
        page = logs.get_log_events(**kwargs)
        if token == page["nextForwardToken"]:
            break
        forward += [e["message"] for e in page["events"]]
        token = page["nextForwardToken"]
    assert forward == [str(i) for i in range(25)]
    window = logs.get_log_events(logGroupName=g, logStreamName="s", startTime=t + 3, endTime=t + 6, startFromHead=True)
    assert [e["message"] for e in window["events"]] == ["3", "4", "5"]
    fails("InvalidParameterException", logs.get_log_events, logGroupName=g, logStreamName="s", nextToken="f/bogus")
    fails("ResourceNotFoundException", logs.get_log_events, logGroupName=g, logStreamName="none")


def test_filter_log_events_patterns_streams_and_paging(logs):
    g = name()
    logs.create_log_group(logGroupName=g)
    t = now_ms() - 50_000
    for stream in ("a", "b"):
        logs.create_log_stream(logGroupName=g, logStreamName=stream)
    logs.put_log_events(logGroupName=g, logStreamName="a", logEvents=[
        {"timestamp": t, "message": "ERROR disk full"},
        {"timestamp": t + 2, "message": json.dumps({"eventName": "DisableKey", "latency": 900})},
        {"timestamp": t + 4, "message": "INFO all good"},
    ])
    logs.put_log_events(logGroupName=g, logStreamName="b", logEvents=[
        {"timestamp": t + 1, "message": "WARN slow"},
        {"timestamp": t + 3, "message": json.dumps({"eventName": "EnableKey", "latency": 100})},
    ])
    def messages(**kwargs):
        return [e["message"] for e in logs.filter_log_events(logGroupName=g, **kwargs)["events"]]
    assert len(messages()) == 5
    assert messages(filterPattern="ERROR") == ["ERROR disk full"]
    assert messages(filterPattern="?ERROR ?WARN") == ["ERROR disk full", "WARN slow"]
    assert [json.loads(m)["eventName"] for m in messages(filterPattern='{ $.eventName = "DisableKey" }')] == ["DisableKey"]
    assert [json.loads(m)["eventName"] for m in messages(filterPattern="{ $.latency > 500 }")] == ["DisableKey"]
    assert messages(logStreamNames=["b"]) == ["WARN slow", json.dumps({"eventName": "EnableKey", "latency": 100})]
    assert messages(logStreamNamePrefix="a", filterPattern="INFO") == ["INFO all good"]
    assert messages(startTime=t + 1, endTime=t + 3) == ["WARN slow", json.dumps({"eventName": "DisableKey", "latency": 900})]
    events = logs.filter_log_events(logGroupName=g)["events"]
    assert [e["logStreamName"] for e in events] == ["a", "b", "a", "b", "a"]
    assert len({e["eventId"] for e in events}) == 5
    # Paging with a limit: every event once, in order.
    seen, token = [], None
    while True:
        kwargs = {"logGroupName": g, "limit": 2}
        if token:
            kwargs["nextToken"] = token
        page = logs.filter_log_events(**kwargs)
        seen += [e["eventId"] for e in page["events"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == [e["eventId"] for e in events]
    fails("InvalidParameterException", logs.filter_log_events, logGroupName=g, filterPattern="{ $.a = ")
    fails("InvalidParameterException", logs.filter_log_events, logGroupName=g, logStreamNames=["a"], logStreamNamePrefix="a")
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{g}"
    assert len(logs.filter_log_events(logGroupIdentifier=arn)["events"]) == 5
    fails("InvalidParameterException", logs.filter_log_events, logGroupName=g, logGroupIdentifier=arn)


def test_put_log_events_rules(logs):
    g = name()
    logs.create_log_group(logGroupName=g)
    logs.create_log_stream(logGroupName=g, logStreamName="s")
    now = now_ms()
    fails("InvalidParameterException", logs.put_log_events, logGroupName=g, logStreamName="s",
          logEvents=[{"timestamp": now, "message": "b"}, {"timestamp": now - 1, "message": "a"}])
    fails("InvalidParameterException", logs.put_log_events, logGroupName=g, logStreamName="s",
          logEvents=[{"timestamp": now - 90_000_000, "message": "a"}, {"timestamp": now, "message": "b"}])
    # Over AWS's 10,000 events (the model's limit), and over its 1 MB batch size.
    fails("ValidationException", logs.put_log_events, logGroupName=g, logStreamName="s",
          logEvents=[{"timestamp": now, "message": "x"}] * 10_001)
    fails("InvalidParameterException", logs.put_log_events, logGroupName=g, logStreamName="s",
          logEvents=[{"timestamp": now, "message": "x" * 600_000}, {"timestamp": now, "message": "y" * 600_000}])
    # A full batch within AWS's limits whose JSON is over the server's 1 MiB default: taken
    # (CloudWatch Logs declares a larger body limit); other services keep the default.
    full = [{"timestamp": now - 5_000, "message": f"{i:06d} " + "z" * 63} for i in range(10_000)]
    assert sum(len(e["message"]) + 26 for e in full) <= 1_048_576
    assert len(json.dumps({"logEvents": full})) > 1_048_576
    logs.create_log_stream(logGroupName=g, logStreamName="full")
    logs.put_log_events(logGroupName=g, logStreamName="full", logEvents=full)
    stream = logs.describe_log_streams(logGroupName=g, logStreamNamePrefix="full")["logStreams"][0]
    assert stream["storedBytes"] == sum(len(e["message"]) for e in full)
    out = logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[
        {"timestamp": now, "message": "kept"}, {"timestamp": now + 3 * 3_600_000, "message": "future"}])
    assert out["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    old = now - 14 * 86_400_000 - 60_000
    out = logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[
        {"timestamp": old, "message": "old"}, {"timestamp": old + 3_600_000, "message": "recent enough"}])
    assert out["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    got = logs.get_log_events(logGroupName=g, logStreamName="s", startFromHead=True)["events"]
    assert sorted(e["message"] for e in got) == ["kept", "recent enough"]
    fails("ResourceNotFoundException", logs.put_log_events, logGroupName=g, logStreamName="none",
          logEvents=[{"timestamp": now, "message": "a"}])
    fails("ResourceNotFoundException", logs.put_log_events, logGroupName=g + "-none", logStreamName="s",
          logEvents=[{"timestamp": now, "message": "a"}])
    # The model's own limits: an empty batch, a missing member.
    with pytest.raises(botocore.exceptions.ClientError):
        logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[])


def test_streams_order_prefix_and_delete(logs):
    g = name()
    logs.create_log_group(logGroupName=g)
    now = now_ms()
    for i, stream in enumerate(["c", "a", "b"]):
        logs.create_log_stream(logGroupName=g, logStreamName=stream)
        logs.put_log_events(logGroupName=g, logStreamName=stream, logEvents=[{"timestamp": now - 1000 + i, "message": "m"}])
    names = lambda **kw: [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=g, **kw)["logStreams"]]
    assert names() == ["a", "b", "c"]
    assert names(descending=True) == ["c", "b", "a"]
    assert names(orderBy="LastEventTime") == ["c", "a", "b"]
    assert names(orderBy="LastEventTime", descending=True) == ["b", "a", "c"]
    assert names(logStreamNamePrefix="b") == ["b"]
    fails("InvalidParameterException", logs.describe_log_streams, logGroupName=g, orderBy="LastEventTime",
          logStreamNamePrefix="a")
    page = logs.describe_log_streams(logGroupName=g, limit=2)
    assert len(page["logStreams"]) == 2 and page["nextToken"]
    rest = logs.describe_log_streams(logGroupName=g, limit=2, nextToken=page["nextToken"])
    assert [s["logStreamName"] for s in rest["logStreams"]] == ["c"] and "nextToken" not in rest
    logs.delete_log_stream(logGroupName=g, logStreamName="a")
    fails("ResourceNotFoundException", logs.delete_log_stream, logGroupName=g, logStreamName="a")
    assert names() == ["b", "c"]
    assert [e["logStreamName"] for e in logs.filter_log_events(logGroupName=g)["events"]] == ["b", "c"] or \
        sorted(e["logStreamName"] for e in logs.filter_log_events(logGroupName=g)["events"]) == ["b", "c"]


def test_retention_and_tags(logs):
    g = name()
    logs.create_log_group(logGroupName=g)
    for bad in (0, 2, 4000):
        fails("InvalidParameterException", logs.put_retention_policy, logGroupName=g, retentionInDays=bad)
    logs.put_retention_policy(logGroupName=g, retentionInDays=14)
    assert logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]["retentionInDays"] == 14
    logs.delete_retention_policy(logGroupName=g)
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]
    fails("ResourceNotFoundException", logs.put_retention_policy, logGroupName=g + "-none", retentionInDays=1)
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{g}"
    logs.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    logs.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"b": "2"}
    logs.tag_log_group(logGroupName=g, tags={"c": "3"})
    logs.untag_log_group(logGroupName=g, tags=["b"])
    assert logs.list_tags_log_group(logGroupName=g)["tags"] == {"c": "3"}
    fails("ValidationException", logs.tag_resource, resourceArn=arn, tags={f"k{i}": "v" for i in range(51)})
    logs.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(30)})
    fails("TooManyTagsException", logs.tag_resource, resourceArn=arn, tags={f"n{i}": "v" for i in range(30)})
    fails("InvalidParameterException", logs.tag_resource, resourceArn="arn:aws:sqs:us-east-1:1:q", tags={"a": "b"})
    fails("ResourceNotFoundException", logs.list_tags_for_resource, resourceArn=arn + "-none")


def test_retention_hides_and_sweeps_old_events(fresh_server):
    logs = fresh_server.client("logs")
    g = name()
    logs.create_log_group(logGroupName=g)
    logs.create_log_stream(logGroupName=g, logStreamName="s")
    logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "m"}])
    logs.put_retention_policy(logGroupName=g, retentionInDays=1)
    assert len(logs.filter_log_events(logGroupName=g)["events"]) == 1
    fresh_server.advance_clock(2 * 86_400)
    assert logs.filter_log_events(logGroupName=g)["events"] == []
    assert logs.get_log_events(logGroupName=g, logStreamName="s")["events"] == []


def test_authorization_by_the_callers_policies(server, logs):
    iam = server.client("iam")
    user = "logs-user-" + uuid.uuid4().hex[:8]
    g = name()
    logs.create_log_group(logGroupName=g)
    logs.create_log_stream(logGroupName=g, logStreamName="s")
    keys = user_with_keys(iam, user)
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=policy_doc(
        allow(["logs:PutLogEvents", "logs:GetLogEvents"], f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{g}:log-stream:*"),
        allow("logs:DescribeLogGroups")))
    theirs = server.client("logs", keys=keys)
    theirs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "ok"}])
    assert [e["message"] for e in theirs.get_log_events(logGroupName=g, logStreamName="s")["events"]] == ["ok"]
    fails("AccessDeniedException", theirs.create_log_group, logGroupName=name())
    fails("AccessDeniedException", theirs.delete_log_group, logGroupName=g)
    fails("AccessDeniedException", theirs.filter_log_events, logGroupName=g)
    assert theirs.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]["logGroupName"] == g


def test_bad_input(server, logs):
    # The model's constraints, in its front end's words.
    fails("ValidationException", logs.create_log_group, logGroupName="bad name with spaces")
    fails("ValidationException", logs.create_log_group, logGroupName="x" * 513)
    fails("ValidationException", logs.create_log_stream, logGroupName="/a", logStreamName="a:b")
    for target, body, code in [
        ("Logs_20140328.CreateLogGroup", b'{"logGroupName": 5}', "SerializationException"),
        ("Logs_20140328.CreateLogGroup", b"{not json", "SerializationException"),
        ("Logs_20140328.PutLogEvents", b'{"logGroupName": "/a", "logStreamName": "s", "logEvents": [{"message": "m"}]}',
         "ValidationException"),
        ("Logs_20140328.NoSuchThing", b"{}", "UnknownOperationException"),
    ]:
        r = server.signed(target, body, service="logs")
        assert r.status_code == 400, (target, body, r.text)
        assert r.json()["__type"].split("#")[-1] == code, (target, body, r.text)


def test_cli_round_trip(server):
    g = name()
    server.cli("logs", "create-log-group", "--log-group-name", g)
    server.cli("logs", "create-log-stream", "--log-group-name", g, "--log-stream-name", "cli")
    server.cli("logs", "put-log-events", "--log-group-name", g, "--log-stream-name", "cli",
               "--log-events", f"timestamp={now_ms()},message=hello-from-cli")
    out = server.cli("logs", "filter-log-events", "--log-group-name", g, "--filter-pattern", "hello")
    assert [e["message"] for e in out["events"]] == ["hello-from-cli"]


def test_the_trail_records_changes_not_log_events(server, logs):
    g = name()
    logs.create_log_group(logGroupName=g)
    logs.create_log_stream(logGroupName=g, logStreamName="s")
    logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "secret-ish"}])
    ct = server.client("cloudtrail")
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{g}"
    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": arn}])["Events"]
    names = sorted(e["EventName"] for e in events)
    assert names == ["CreateLogGroup", "CreateLogStream"], names
    record = json.loads(next(e for e in events if e["EventName"] == "CreateLogGroup")["CloudTrailEvent"])
    assert record["eventSource"] == "logs.amazonaws.com"
    assert record["requestParameters"] == {"logGroupName": g}
    assert record["readOnly"] is False
    assert all("secret-ish" not in e["CloudTrailEvent"] for e in events)
