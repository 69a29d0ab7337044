"""GET /_rampart/metrics: the services' counters in Prometheus's text format. EventBridge counts
matched events, invocations, failed invocations and dead-letter sends per rule; SNS counts
deliveries per subscription (delivered, and given up)."""
import json
import re
import time
import urllib.request

from conftest import ACCOUNT


def metrics(server):
    with urllib.request.urlopen(server.endpoint + "/_rampart/metrics", timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return answer.read().decode()


def value(text, name, **labels):
    """The sample of `name` with exactly these labels, or 0."""
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)\{(.*)\} (\S+)", line)
        if match and match.group(1) == name:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2)))
            if found == labels:
                return float(match.group(3))
    return 0.0


def wait_for(predicate, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def queue(server, name, principal):
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": principal},
                                                "Action": "sqs:SendMessage", "Resource": arn}]})})
    return url, arn


def test_eventbridge_counts_per_rule(fresh_server):
    events, sqs = fresh_server.client("events"), fresh_server.client("sqs")
    url, arn = queue(fresh_server, "counted", "events.amazonaws.com")
    refused = sqs.create_queue(QueueName="closed")["QueueUrl"]  # no policy: EventBridge may not send
    dlq_url, dlq_arn = queue(fresh_server, "counted-dlq", "events.amazonaws.com")
    rule = events.put_rule(Name="counted", EventPattern=json.dumps({"source": ["metrics.test"]}))["RuleArn"]
    events.put_targets(Rule="counted", Targets=[
        {"Id": "open", "Arn": arn},
        {"Id": "closed", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:closed", "DeadLetterConfig": {"Arn": dlq_arn}}])
    events.put_events(Entries=[{"Source": "metrics.test", "DetailType": "t", "Detail": "{}"},
                               {"Source": "metrics.test", "DetailType": "t", "Detail": "{}"},
                               {"Source": "other.source", "DetailType": "t", "Detail": "{}"}])
    assert wait_for(lambda: value(metrics(fresh_server), "rampart_eventbridge_invocations_sent_to_dlq_total", rule=rule) == 2)
    text = metrics(fresh_server)
    assert value(text, "rampart_eventbridge_matched_events_total", rule=rule) == 2
    assert value(text, "rampart_eventbridge_invocations_total", rule=rule) == 4
    assert value(text, "rampart_eventbridge_failed_invocations_total", rule=rule) == 2
    assert len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", [])) == 2
    assert not sqs.receive_message(QueueUrl=refused).get("Messages")


def test_sns_counts_per_subscription(fresh_server):
    sns = fresh_server.client("sns")
    topic = sns.create_topic(Name="counted")["TopicArn"]
    _, arn = queue(fresh_server, "sns-counted", "sns.amazonaws.com")
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True)["SubscriptionArn"]
    for n in range(3):
        sns.publish(TopicArn=topic, Message=f"m{n}")
    assert wait_for(lambda: value(metrics(fresh_server), "rampart_sns_notifications_delivered_total",
                                  subscription=subscription) == 3)
