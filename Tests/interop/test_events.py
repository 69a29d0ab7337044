"""Amazon EventBridge against the binary with boto3: buses, permissions, rules, targets,
PutEvents, TestEventPattern, events from the trail (KMS calls, read-only routing), deliveries to
SQS through queue policies, dead-letter queues, input transformers, scheduled rules on the dev
clock, KMS's own events, cross-account buses, and delivery that survives kill -9."""
import json
import signal
import time
import uuid

import pytest

from conftest import ACCOUNT, fails

REGION = "us-east-1"


@pytest.fixture(scope="module")
def events(server):
    return server.client("events")


@pytest.fixture(scope="module")
def sqs(server):
    return server.client("sqs")


def name(prefix="r"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def queue(sqs, rule_arns=(), service="events.amazonaws.com"):
    """A queue whose policy lets `service` send for those rules; (url, arn)."""
    url = sqs.create_queue(QueueName=name("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if rule_arns:
        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": service}, "Action": "sqs:SendMessage", "Resource": arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": list(rule_arns)}}}]}
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def receive(sqs, url, want=1, timeout=20, attributes=False):
    """Messages from the queue until `want` arrived or time is up (deleted as read)."""
    got, deadline = [], time.time() + timeout
    while len(got) < want and time.time() < deadline:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                  MessageAttributeNames=["All"] if attributes else [])
        for m in out.get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def rule_to_queue(events, sqs, pattern, **rule):
    """A rule with the pattern and a queue target allowed to receive; (rule arn, url, rule name)."""
    rname = name()
    arn = events.put_rule(Name=rname, EventPattern=json.dumps(pattern), **rule)["RuleArn"]
    url, qarn = queue(sqs, [arn])
    assert events.put_targets(Rule=rname, Targets=[{"Id": "q", "Arn": qarn}])["FailedEntryCount"] == 0
    return arn, url, rname


# ---- buses and permissions ---------------------------------------------------------------------

def test_default_bus_always_exists(events):
    bus = events.describe_event_bus()
    assert bus["Name"] == "default"
    assert bus["Arn"] == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
    names = [b["Name"] for b in events.list_event_buses()["EventBuses"]]
    assert "default" in names


def test_custom_bus_lifecycle(events):
    bname = name("bus")
    arn = events.create_event_bus(Name=bname, Description="orders")["EventBusArn"]
    assert arn == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{bname}"
    fails("ResourceAlreadyExistsException", events.create_event_bus, Name=bname)
    got = events.describe_event_bus(Name=bname)
    assert got["Name"] == bname and got["Description"] == "orders" and "CreationTime" in got
    assert events.describe_event_bus(Name=arn)["Name"] == bname
    assert [b["Name"] for b in events.list_event_buses(NamePrefix=bname)["EventBuses"]] == [bname]
    events.delete_event_bus(Name=bname)
    err = fails("ResourceNotFoundException", events.describe_event_bus, Name=bname)
    assert err["Error"]["Message"] == f"Event bus {bname} does not exist."
    fails("ValidationException", events.delete_event_bus, Name="default")


def test_permissions(events):
    bname = name("bus")
    events.create_event_bus(Name=bname)
    events.put_permission(EventBusName=bname, Action="events:PutEvents", Principal="222222222222", StatementId="two")
    events.put_permission(EventBusName=bname, Action="events:PutEvents", Principal="333333333333", StatementId="three")
    policy = json.loads(events.describe_event_bus(Name=bname)["Policy"])
    assert sorted(s["Sid"] for s in policy["Statement"]) == ["three", "two"]
    two = next(s for s in policy["Statement"] if s["Sid"] == "two")
    assert two["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
    assert two["Action"] == "events:PutEvents" and two["Resource"].endswith(f"event-bus/{bname}")
    events.remove_permission(EventBusName=bname, StatementId="two")
    policy = json.loads(events.describe_event_bus(Name=bname)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["three"]
    fails("ResourceNotFoundException", events.remove_permission, EventBusName=bname, StatementId="nope")
    events.remove_permission(EventBusName=bname, RemoveAllPermissions=True)
    assert "Policy" not in events.describe_event_bus(Name=bname)


# ---- rules -------------------------------------------------------------------------------------

def test_rule_lifecycle(events):
    rname = name()
    pattern = json.dumps({"source": ["com.example"]})
    arn = events.put_rule(Name=rname, EventPattern=pattern, Description="d")["RuleArn"]
    assert arn == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rname}"
    rule = events.describe_rule(Name=rname)
    assert rule["State"] == "ENABLED" and rule["EventPattern"] == pattern and rule["EventBusName"] == "default"
    assert rule["Arn"] == arn and rule["Description"] == "d" and rule["CreatedBy"] == ACCOUNT
    events.disable_rule(Name=rname)
    assert events.describe_rule(Name=rname)["State"] == "DISABLED"
    events.enable_rule(Name=rname)
    assert events.describe_rule(Name=rname)["State"] == "ENABLED"
    events.put_rule(Name=rname, EventPattern=pattern, State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
    assert events.describe_rule(Name=rname)["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    events.delete_rule(Name=rname)
    err = fails("ResourceNotFoundException", events.describe_rule, Name=rname)
    assert err["Error"]["Message"] == f"Rule {rname} does not exist on EventBus default."


def test_list_rules_prefix_and_paging(events):
    prefix = name("page")
    for i in range(5):
        events.put_rule(Name=f"{prefix}-{i}", EventPattern='{"source":["x"]}')
    first = events.list_rules(NamePrefix=prefix, Limit=2)
    assert [r["Name"] for r in first["Rules"]] == [f"{prefix}-0", f"{prefix}-1"]
    seen = [r["Name"] for r in first["Rules"]]
    token = first.get("NextToken")
    while token:
        page = events.list_rules(NamePrefix=prefix, Limit=2, NextToken=token)
        seen += [r["Name"] for r in page["Rules"]]
        token = page.get("NextToken")
    assert seen == [f"{prefix}-{i}" for i in range(5)]


def test_bad_patterns_and_schedules(events):
    err = fails("InvalidEventPatternException", events.put_rule, Name=name(), EventPattern='{"source":"aws.kms"}')
    assert err["Error"]["Message"]
    fails("InvalidEventPatternException", events.put_rule, Name=name(), EventPattern="not json")
    fails("ValidationException", events.put_rule, Name=name())
    fails("ValidationException", events.put_rule, Name=name(), ScheduleExpression="rate(5 minute)")
    fails("ValidationException", events.put_rule, Name=name(), ScheduleExpression="cron(0 12 * * * *)")
    fails("ValidationException", events.put_rule, Name="bad name!", EventPattern='{"source":["x"]}')
    fails("ValidationException", events.put_rule, Name=name(), EventPattern='{"source":["x"]}', State="ON")
    bname = name("bus")
    events.create_event_bus(Name=bname)
    fails("ValidationException", events.put_rule, Name=name(), EventBusName=bname, ScheduleExpression="rate(1 day)")
    fails("ResourceNotFoundException", events.put_rule, Name=name(), EventBusName=name("nobus"), EventPattern='{"source":["x"]}')


def test_unknown_rule(events):
    for call in (events.enable_rule, events.disable_rule, events.describe_rule):
        fails("ResourceNotFoundException", call, Name=name("missing"))
    fails("ResourceNotFoundException", events.list_targets_by_rule, Rule=name("missing"))
    fails("ResourceNotFoundException", events.put_targets, Rule=name("missing"),
          Targets=[{"Id": "a", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:x"}])


def test_tags(events):
    rname = name()
    arn = events.put_rule(Name=rname, EventPattern='{"source":["x"]}', Tags=[{"Key": "team", "Value": "sec"}])["RuleArn"]
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "sec"}]
    events.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "dev"}])
    assert {t["Key"] for t in events.list_tags_for_resource(ResourceARN=arn)["Tags"]} == {"team", "env"}
    events.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    fails("ResourceNotFoundException", events.list_tags_for_resource,
          ResourceARN=f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name('missing')}")
    bname = name("bus")
    barn = events.create_event_bus(Name=bname, Tags=[{"Key": "a", "Value": "b"}])["EventBusArn"]
    assert events.list_tags_for_resource(ResourceARN=barn)["Tags"] == [{"Key": "a", "Value": "b"}]


# ---- targets -----------------------------------------------------------------------------------

def test_targets(events):
    rname = name()
    events.put_rule(Name=rname, EventPattern='{"source":["x"]}')
    q = f"arn:aws:sqs:{REGION}:{ACCOUNT}:some-queue"
    out = events.put_targets(Rule=rname, Targets=[
        {"Id": "a", "Arn": q, "Input": '{"fixed": true}'},
        {"Id": "b", "Arn": q, "InputPath": "$.detail",
         "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 120},
         "DeadLetterConfig": {"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}},
        {"Id": "c", "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"},
        {"Id": "bad", "Arn": "not-an-arn"},
        {"Id": "both", "Arn": q, "Input": "{}", "InputPath": "$"},
        {"Id": "badjson", "Arn": q, "Input": "{nope"},
    ])
    assert out["FailedEntryCount"] == 3
    assert sorted(e["TargetId"] for e in out["FailedEntries"]) == ["bad", "badjson", "both"]
    assert all(e["ErrorCode"] == "ValidationException" and e["ErrorMessage"] for e in out["FailedEntries"])
    targets = {t["Id"]: t for t in events.list_targets_by_rule(Rule=rname)["Targets"]}
    assert sorted(targets) == ["a", "b", "c"]
    assert targets["b"]["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 120}
    assert targets["a"]["Input"] == '{"fixed": true}'
    assert events.list_rule_names_by_target(TargetArn=q)["RuleNames"] == [rname]
    page = events.list_targets_by_rule(Rule=rname, Limit=2)
    assert [t["Id"] for t in page["Targets"]] == ["a", "b"] and page["NextToken"]
    err = fails("ValidationException", events.delete_rule, Name=rname)
    assert err["Error"]["Message"] == "Rule can't be deleted since it has targets."
    fails("LimitExceededException", events.put_targets, Rule=rname,
          Targets=[{"Id": f"t{i}", "Arn": q} for i in range(3)])
    out = events.remove_targets(Rule=rname, Ids=["a", "b", "c"])
    assert out["FailedEntryCount"] == 0
    assert events.list_targets_by_rule(Rule=rname)["Targets"] == []
    events.delete_rule(Name=rname)


# ---- PutEvents and TestEventPattern ------------------------------------------------------------

def test_put_events_entries(events):
    out = events.put_events(Entries=[
        {"Source": "com.example", "DetailType": "t", "Detail": '{"a": 1}'},
        {"Source": "aws.kms", "DetailType": "KMS CMK Rotation", "Detail": "{}"},
        {"Source": "com.example", "DetailType": "t", "Detail": "[not an object"},
        {"DetailType": "t", "Detail": "{}"},
        {"Source": "com.example", "DetailType": "t", "Detail": "{}", "EventBusName": name("nobus")},
    ])
    assert out["FailedEntryCount"] == 4
    e = out["Entries"]
    assert "EventId" in e[0]
    assert e[1]["ErrorCode"] == "NotAuthorizedForSourceException"
    assert e[2]["ErrorCode"] == "MalformedDetail"
    assert e[3]["ErrorCode"] == "InvalidArgument"
    assert e[4]["ErrorCode"] == "ResourceNotFoundException"


def test_put_events_limits(events):
    fails("ValidationException", events.put_events,
          Entries=[{"Source": "s", "DetailType": "t", "Detail": "{}"}] * 11)
    big = json.dumps({"x": "a" * 200_000})
    fails("ValidationException", events.put_events,
          Entries=[{"Source": "s", "DetailType": "t", "Detail": big}] * 2)


def test_put_events_reach_matching_rule(events, sqs):
    src = "com.example." + uuid.uuid4().hex[:8]
    _, url, _ = rule_to_queue(events, sqs, {"source": [src], "detail": {"amount": [250]}})
    events.put_events(Entries=[
        {"Source": src, "DetailType": "order", "Detail": '{"amount": 250, "id": "o-1"}', "Resources": ["r1"]},
        {"Source": src, "DetailType": "order", "Detail": '{"amount": 5, "id": "o-2"}'},
    ])
    got = receive(sqs, url, want=2, timeout=6)
    assert len(got) == 1
    e = json.loads(got[0]["Body"])
    assert e["source"] == src and e["detail"] == {"amount": 250, "id": "o-1"} and e["resources"] == ["r1"]
    assert e["version"] == "0" and e["account"] == ACCOUNT and e["region"] == REGION and e["detail-type"] == "order"
    assert e["time"].endswith("Z") and e["id"]


def test_test_event_pattern(events):
    event = json.dumps({"id": "1", "account": ACCOUNT, "source": "aws.kms", "time": "2024-05-01T12:00:00Z",
                        "region": REGION, "resources": [], "detail-type": "x", "detail": {"eventName": "DisableKey"}})
    assert events.test_event_pattern(EventPattern='{"detail":{"eventName":["DisableKey"]}}', Event=event)["Result"] is True
    assert events.test_event_pattern(EventPattern='{"detail":{"eventName":["EnableKey"]}}', Event=event)["Result"] is False
    fails("InvalidEventPatternException", events.test_event_pattern, EventPattern='{"source":"aws.kms"}', Event=event)
    fails("ValidationException", events.test_event_pattern, EventPattern='{"source":["aws.kms"]}', Event='{"a":1}')


# ---- events from the trail ---------------------------------------------------------------------

def test_disable_key_reaches_sqs_target(events, sqs, kms):
    key = kms.create_key()["KeyMetadata"]["Arn"]
    pattern = {"source": ["aws.kms"], "detail-type": ["AWS API Call via CloudTrail"],
               "detail": {"eventName": ["DisableKey"], "requestParameters": {"keyId": [key]}}}
    rule_arn, url, _ = rule_to_queue(events, sqs, pattern)
    kms.disable_key(KeyId=key)
    got = receive(sqs, url)
    assert len(got) == 1
    e = json.loads(got[0]["Body"])
    assert e["detail-type"] == "AWS API Call via CloudTrail" and e["source"] == "aws.kms"
    assert e["account"] == ACCOUNT and e["region"] == REGION
    d = e["detail"]
    assert d["eventName"] == "DisableKey" and d["eventSource"] == "kms.amazonaws.com"
    assert d["userIdentity"]["type"] == "Root" and d["eventID"] and d["readOnly"] is False
    assert d["requestParameters"]["keyId"] == key
    assert any(r["ARN"] == key for r in d["resources"])


def test_detail_is_the_trail_record(server, events, sqs, kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    _, url, _ = rule_to_queue(events, sqs, {"source": ["aws.kms"], "detail": {"eventName": ["EnableKeyRotation"],
                                                                                "requestParameters": {"keyId": [key]}}})
    kms.enable_key_rotation(KeyId=key)
    got = receive(sqs, url)
    detail = json.loads(got[0]["Body"])["detail"]
    ct = server.client("cloudtrail")
    deadline = time.time() + 10
    while time.time() < deadline:
        found = [json.loads(e["CloudTrailEvent"]) for e in ct.lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "EnableKeyRotation"}])["Events"]]
        found = [f for f in found if f["eventID"] == detail["eventID"]]
        if found:
            break
        time.sleep(0.5)
    assert found and found[0] == detail


def test_read_only_calls_reach_only_all_management_rules(events, sqs, kms):
    key = kms.create_key()["KeyMetadata"]["Arn"]
    pattern = {"source": ["aws.kms"], "detail": {"eventName": ["DescribeKey"], "requestParameters": {"keyId": [key]}}}
    _, url_all, _ = rule_to_queue(events, sqs, pattern, State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
    _, url_enabled, _ = rule_to_queue(events, sqs, pattern)
    kms.describe_key(KeyId=key)
    got = receive(sqs, url_all)
    assert len(got) == 1 and json.loads(got[0]["Body"])["detail"]["readOnly"] is True
    assert receive(sqs, url_enabled, timeout=3) == []


def test_disabled_rule_gets_nothing(events, sqs, kms):
    key = kms.create_key()["KeyMetadata"]["Arn"]
    _, url, rname = rule_to_queue(events, sqs, {"source": ["aws.kms"], "detail": {"requestParameters": {"keyId": [key]}}})
    events.disable_rule(Name=rname)
    kms.disable_key(KeyId=key)
    assert receive(sqs, url, timeout=3) == []


def test_input_transformer(events, sqs, kms):
    key = kms.create_key()["KeyMetadata"]["Arn"]
    rname = name()
    rule_arn = events.put_rule(Name=rname, EventPattern=json.dumps(
        {"source": ["aws.kms"], "detail": {"eventName": ["DisableKey"], "requestParameters": {"keyId": [key]}}}))["RuleArn"]
    url, qarn = queue(sqs, [rule_arn])
    events.put_targets(Rule=rname, Targets=[{"Id": "shaped", "Arn": qarn, "InputTransformer": {
        "InputPathsMap": {"key": "$.detail.requestParameters.keyId", "name": "$.detail.eventName",
                          "who": "$.detail.userIdentity.type"},
        "InputTemplate": '{"key": <key>, "action": <name>, "summary": "<who> called <name>", "rule": <aws.events.rule-name>}'}}])
    kms.disable_key(KeyId=key)
    got = receive(sqs, url)
    assert json.loads(got[0]["Body"]) == {"key": key, "action": "DisableKey", "summary": "Root called DisableKey",
                                          "rule": rname}


def test_refused_delivery_reaches_dead_letter_queue(events, sqs, kms):
    key = kms.create_key()["KeyMetadata"]["Arn"]
    rname = name()
    rule_arn = events.put_rule(Name=rname, EventPattern=json.dumps(
        {"source": ["aws.kms"], "detail": {"eventName": ["DisableKey"], "requestParameters": {"keyId": [key]}}}))["RuleArn"]
    closed_url, closed_arn = queue(sqs)  # no policy: EventBridge is refused
    dlq_url, dlq_arn = queue(sqs, [rule_arn])
    events.put_targets(Rule=rname, Targets=[{"Id": "closed", "Arn": closed_arn,
                                             "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
                                             "DeadLetterConfig": {"Arn": dlq_arn}}])
    kms.disable_key(KeyId=key)
    got = receive(sqs, dlq_url, attributes=True)
    assert len(got) == 1
    attrs = {k: v["StringValue"] for k, v in got[0]["MessageAttributes"].items()}
    assert attrs["RULE_ARN"] == rule_arn and attrs["TARGET_ARN"] == closed_arn
    assert attrs["ERROR_CODE"] == "NO_PERMISSIONS" and attrs["ERROR_MESSAGE"]
    assert json.loads(got[0]["Body"])["detail"]["eventName"] == "DisableKey"
    assert receive(sqs, closed_url, timeout=2) == []


def test_scheduled_rule_fires_on_the_dev_clock(fresh_server):
    server = fresh_server  # its own server: it moves the service clock
    events = server.client("events")
    sqs = server.client("sqs")
    rname = name("sched")
    arn = events.put_rule(Name=rname, ScheduleExpression="rate(10 minutes)")["RuleArn"]
    assert events.describe_rule(Name=rname)["ScheduleExpression"] == "rate(10 minutes)"
    url, qarn = queue(sqs, [arn])
    events.put_targets(Rule=rname, Targets=[{"Id": "q", "Arn": qarn}])
    server.advance_clock(11 * 60)
    got = receive(sqs, url)
    assert len(got) == 1
    e = json.loads(got[0]["Body"])
    assert e["detail-type"] == "Scheduled Event" and e["source"] == "aws.events" and e["resources"] == [arn]
    assert e["detail"] == {}
    events.disable_rule(Name=rname)
    server.advance_clock(11 * 60)
    assert receive(sqs, url, timeout=2) == []
    events.remove_targets(Rule=rname, Ids=["q"])
    events.delete_rule(Name=rname)


def test_kms_rotation_event(fresh_server):
    server = fresh_server  # its own server: it moves the service clock
    events = server.client("events")
    sqs = server.client("sqs")
    kms = server.client("kms")
    rname = name("rot")
    arn = events.put_rule(Name=rname, EventPattern='{"source":["aws.kms"],"detail-type":["KMS CMK Rotation"]}')["RuleArn"]
    url, qarn = queue(sqs, [arn])
    events.put_targets(Rule=rname, Targets=[{"Id": "q", "Arn": qarn}])
    meta = kms.create_key()["KeyMetadata"]
    kms.enable_key_rotation(KeyId=meta["KeyId"], RotationPeriodInDays=90)
    server.advance_clock(91 * 86400)
    bodies = [json.loads(m["Body"]) for m in receive(sqs, url, want=10, timeout=8)]
    mine = [b for b in bodies if b["resources"] == [meta["Arn"]]]
    assert len(mine) == 1
    assert mine[0]["source"] == "aws.kms" and mine[0]["detail"] == {"key-id": meta["KeyId"]}
    assert mine[0]["account"] == ACCOUNT and mine[0]["region"] == REGION


def test_cross_account_put_events(server, events, sqs):
    other = server.add_account("555500001111")
    other_events = server.client("events", keys=other)
    src = "com.example." + uuid.uuid4().hex[:8]
    _, url, _ = rule_to_queue(events, sqs, {"source": [src]})
    bus = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
    out = other_events.put_events(Entries=[{"Source": src, "DetailType": "t", "Detail": "{}", "EventBusName": bus}])
    assert out["FailedEntryCount"] == 1 and out["Entries"][0]["ErrorCode"] == "AccessDeniedException"
    events.put_permission(Action="events:PutEvents", Principal="555500001111", StatementId=name("s"))
    out = other_events.put_events(Entries=[{"Source": src, "DetailType": "t", "Detail": "{}", "EventBusName": bus}])
    assert out["FailedEntryCount"] == 0
    got = receive(sqs, url)
    assert json.loads(got[0]["Body"])["account"] == "555500001111"


def test_bus_target_in_another_account(server, events, sqs):
    other = server.add_account("555555555555")
    other_events = server.client("events", keys=other)
    other_sqs = server.client("sqs", keys=other)
    src = "com.example." + uuid.uuid4().hex[:8]
    # The other account's default bus takes our events into its own queue.
    orule = name()
    orule_arn = other_events.put_rule(Name=orule, EventPattern=json.dumps({"source": [src]}))["RuleArn"]
    ourl, oqarn = queue(other_sqs, [orule_arn])
    other_events.put_targets(Rule=orule, Targets=[{"Id": "q", "Arn": oqarn}])
    other_events.put_permission(Action="events:PutEvents", Principal=ACCOUNT, StatementId="from-first")
    rname = name()
    events.put_rule(Name=rname, EventPattern=json.dumps({"source": [src]}))
    events.put_targets(Rule=rname, Targets=[{"Id": "bus", "Arn": f"arn:aws:events:{REGION}:555555555555:event-bus/default",
                                             "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/events"}])
    events.put_events(Entries=[{"Source": src, "DetailType": "t", "Detail": '{"n": 1}'}])
    got = receive(other_sqs, ourl)
    e = json.loads(got[0]["Body"])
    assert e["source"] == src and e["account"] == ACCOUNT and e["detail"] == {"n": 1}


def test_calls_are_recorded(server, events):
    rname = name("audited")
    events.put_rule(Name=rname, EventPattern='{"source":["x"]}')
    ct = server.client("cloudtrail")
    deadline = time.time() + 10
    while time.time() < deadline:
        found = [json.loads(e["CloudTrailEvent"]) for e in ct.lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "PutRule"}])["Events"]]
        found = [f for f in found if f["requestParameters"].get("name") == rname]
        if found:
            break
        time.sleep(0.5)
    assert found and found[0]["eventSource"] == "events.amazonaws.com" and found[0]["readOnly"] is False
    assert found[0]["requestParameters"]["eventPattern"] == '{"source":["x"]}'
    assert found[0]["responseElements"] == {"ruleArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rname}"}
    assert any(r["ARN"].endswith(f":rule/{rname}") for r in found[0]["resources"])


# ---- crash safety ------------------------------------------------------------------------------

def test_event_survives_kill_9(fresh_server):
    server = fresh_server
    events, sqs, kms = server.client("events"), server.client("sqs"), server.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    _, url, _ = rule_to_queue(events, sqs, {"source": ["aws.kms"], "detail": {"eventName": ["DisableKey"],
                                                                                "requestParameters": {"keyId": [key]}}})
    kms.disable_key(KeyId=key)
    server.proc.send_signal(signal.SIGKILL)
    server.start_again()
    sqs = server.client("sqs")
    got = receive(sqs, url, timeout=30)
    assert len(got) >= 1
    assert json.loads(got[0]["Body"])["detail"]["eventName"] == "DisableKey"


def test_unreachable_target_is_retried_then_dead_lettered_by_age(fresh_server):
    """A target that cannot take the event for now (a function on a server that does not run
    functions: Lambda answers a retryable failure) is retried within its RetryPolicy; past
    MaximumEventAgeInSeconds on the service clock, the event goes to the dead-letter queue."""
    server = fresh_server  # its own server: it moves the service clock
    events = server.client("events")
    sqs = server.client("sqs")
    src = "com.example." + uuid.uuid4().hex[:8]
    rname = name()
    rule_arn = events.put_rule(Name=rname, EventPattern=json.dumps({"source": [src]}))["RuleArn"]
    dlq_url, dlq_arn = queue(sqs, [rule_arn])
    import io
    import zipfile
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = server.client("iam").create_role(RoleName=name("r"), AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("h.py", "def handler(event, context):\n    return event\n")
    lam = server.client("lambda")
    function = lam.create_function(FunctionName=name("f"), Runtime="python3.12", Role=role, Handler="h.handler",
                                   Code={"ZipFile": code.getvalue()})["FunctionArn"]
    lam.add_permission(FunctionName=function, StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
    events.put_targets(Rule=rname, Targets=[{"Id": "f", "Arn": function, "InputPath": "$.detail",
                                             "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 60},
                                             "DeadLetterConfig": {"Arn": dlq_arn}}])
    events.put_events(Entries=[{"Source": src, "DetailType": "t", "Detail": '{"n": 7}'}])
    assert receive(sqs, dlq_url, timeout=3) == []  # still being retried
    server.advance_clock(120)
    got = receive(sqs, dlq_url, attributes=True)
    assert len(got) == 1
    attrs = {k: v["StringValue"] for k, v in got[0]["MessageAttributes"].items()}
    assert attrs["RULE_ARN"] == rule_arn and attrs["TARGET_ARN"] == function
    assert attrs["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds" and int(attrs["RETRY_ATTEMPTS"]) >= 1
    body = json.loads(got[0]["Body"])  # the event, not what InputPath made of it
    assert body["source"] == src and body["detail"] == {"n": 7}


def test_bus_target_refused_without_permission(server, events, sqs):
    server.add_account("666666666666")
    src = "com.example." + uuid.uuid4().hex[:8]
    rname = name()
    rule_arn = events.put_rule(Name=rname, EventPattern=json.dumps({"source": [src]}))["RuleArn"]
    dlq_url, dlq_arn = queue(sqs, [rule_arn])
    bus = f"arn:aws:events:{REGION}:666666666666:event-bus/default"
    events.put_targets(Rule=rname, Targets=[{"Id": "bus", "Arn": bus, "DeadLetterConfig": {"Arn": dlq_arn}}])
    events.put_events(Entries=[{"Source": src, "DetailType": "t", "Detail": "{}"}])
    got = receive(sqs, dlq_url, attributes=True)
    attrs = {k: v["StringValue"] for k, v in got[0]["MessageAttributes"].items()}
    assert attrs["TARGET_ARN"] == bus and attrs["ERROR_CODE"] == "CROSS_ACCOUNT_INGESTION_FAILED"


# ---- hostile input -----------------------------------------------------------------------------

OPERATIONS = ["CreateEventBus", "DeleteEventBus", "DescribeEventBus", "ListEventBuses", "PutPermission",
              "RemovePermission", "PutRule", "DescribeRule", "ListRules", "DeleteRule", "EnableRule", "DisableRule",
              "ListRuleNamesByTarget", "TagResource", "UntagResource", "ListTagsForResource", "PutTargets",
              "RemoveTargets", "ListTargetsByRule", "PutEvents", "TestEventPattern"]

HOSTILE_BODIES = [
    "not json", "[]", "{}", '{"Name": 5, "Rule": [], "Entries": {}, "Targets": "x", "EventPattern": 1}',
    '{"Name": "' + "a" * 5000 + '", "Rule": "r", "Targets": [{"Id": "a", "Arn": "arn:aws:sqs:us-east-1:1:q", '
    '"InputTransformer": {"InputPathsMap": {"k": "$.a"}, "InputTemplate": "' + "<k>" * 2000 + '"}}]}',
    '{"Name": "r", "EventPattern": "' + "[" * 3000 + '"}',
    '{"EventPattern": "{\\"a\\":[{\\"prefix\\":1}]}", "Event": "' + "{" * 3000 + '"}',
    '{"Entries": [{"Source": "s", "DetailType": "t", "Detail": "' + "[" * 5000 + '"}]}',
    '{"Name": "\\u0000\\ud800"}',
]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_hostile_bodies_get_aws_errors_never_a_crash(server, operation):
    for body in HOSTILE_BODIES:
        r = server.signed(f"AWSEvents.{operation}", body, service="events")
        assert r.status_code < 500, (operation, body[:80], r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert r.json()["__type"] in {
                "SerializationException", "ValidationException", "InvalidEventPatternException",
                "ResourceNotFoundException", "LimitExceededException"}, (operation, r.text[:300])
    assert server.proc.poll() is None
