"""Racing changes to one key from many clients at once. Whatever order the server puts them in,
every answer must be one AWS documents for that call in some state the key could be in, and
what is left afterwards (key state, aliases, grants, rotations, ciphertexts, the trail) must be a
state some one-at-a-time order of the successful calls produces, before and after a restart.

AWS's key state table (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html)
says, for a customer managed symmetric key:
  Enable/DisableKey         Enabled ok, Disabled ok, PendingDeletion KMSInvalidStateException
  ScheduleKeyDeletion       Enabled ok, Disabled ok, PendingDeletion KMSInvalidStateException
  CancelKeyDeletion         PendingDeletion ok (the key is then Disabled), else KMSInvalidStateException
  Encrypt/Decrypt/CreateGrant  Disabled DisabledException, PendingDeletion DisabledException or
                            KMSInvalidStateException
  RotateKeyOnDemand         Disabled DisabledException, PendingDeletion KMSInvalidStateException,
                            LimitExceededException after 25 on-demand rotations
  CreateAlias/UpdateAlias   target PendingDeletion KMSInvalidStateException
  DeleteAlias, RevokeGrant, RetireGrant  every state
"""
import collections
import dataclasses
import json
import random
import threading
import time

import botocore.exceptions
import pytest

from conftest import ACCOUNT, SCALE, Server, error_code, fails

THREADS = 16
CALLS_PER_THREAD = 320 * SCALE
ROTATION_LIMIT = 25
ALIASES = ["alias/race-a", "alias/race-b", "alias/race-c"]
ROOT = f"arn:aws:iam::{ACCOUNT}:root"

# What AWS documents for each operation in some state of this race (the key-state table above and
# the operation's errors in botocore's model); anything else, or any 5xx, is a failure.
STATE = {"DisabledException", "KMSInvalidStateException"}
ALLOWED = {
    "EnableKey": {"KMSInvalidStateException"},
    "DisableKey": {"KMSInvalidStateException"},
    "ScheduleKeyDeletion": {"KMSInvalidStateException"},
    "CancelKeyDeletion": {"KMSInvalidStateException"},
    "RotateKeyOnDemand": STATE | {"LimitExceededException", "ConflictException"},
    "CreateAlias": {"AlreadyExistsException", "KMSInvalidStateException"},
    "UpdateAlias": {"NotFoundException", "KMSInvalidStateException"},
    "DeleteAlias": {"NotFoundException"},
    "CreateGrant": STATE,
    "RevokeGrant": {"NotFoundException"},
    "RetireGrant": {"NotFoundException"},
    "Encrypt": STATE,
    "Decrypt": STATE,
    "CreateKey": set(),
}
TRACKED = set(ALLOWED)
STATE_AFTER = {"EnableKey": "Enabled", "DisableKey": "Disabled", "ScheduleKeyDeletion": "PendingDeletion",
               "CancelKeyDeletion": "Disabled"}


@dataclasses.dataclass
class Call:
    name: str
    start: float
    end: float
    error: str | None  # AWS error code, or a description of anything that was not an AWS error
    status: int
    key: str | None  # ARN of the key the call acted on, when the caller can know it
    params: dict
    out: dict | None
    unexpected: bool = False


class Race:
    """Every call made, in the order the answers came back, and what the successful ones made."""

    def __init__(self, server):
        self.server = server
        self.calls, self.lock = [], threading.Lock()
        self.grants, self.ciphertexts = [], []  # (id, token); (blob, plaintext, context, key arn)
        self.token_to_grant = {}
        self.snapshots, self.notes = {}, {}

    def call(self, client, method, allowed=None, key=None, **params):
        name = client.meta.method_to_api_mapping[method]
        allowed = ALLOWED[name] if allowed is None else allowed
        start = time.monotonic()
        out, error, status = None, None, 200
        try:
            out = getattr(client, method)(**params)
        except botocore.exceptions.ClientError as e:
            error, status = e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
        except Exception as e:  # a dropped connection, a timeout: never acceptable
            error, status = f"{type(e).__name__}: {e}", 0
        unexpected = error is not None and (error not in allowed or status >= 500 or status == 0)
        call = Call(name, start, time.monotonic(), error, status, key, params, out, unexpected)
        with self.lock:
            self.calls.append(call)
        return call

    def successes(self, calls, *names):
        return [c for c in calls if c.name in names and c.error is None]


def paginate(fn, key, marker_in="Marker", marker_out="NextMarker", **kw):
    items, marker = [], None
    while True:
        page = fn(**kw, **({marker_in: marker} if marker else {}))
        items += page[key]
        marker = page.get(marker_out)
        if not marker or not page.get("Truncated", True):
            return items


def trail(ct, attribute, value):
    events, token = [], None
    while True:
        page = ct.lookup_events(LookupAttributes=[{"AttributeKey": attribute, "AttributeValue": value}], MaxResults=50,
                                **({"NextToken": token} if token else {}))
        events += page["Events"]
        token = page.get("NextToken")
        if not token:
            return events


def last_candidates(ops):
    """The successful operations that some one-at-a-time order of `ops` can put last: those no
    other operation began after."""
    return [o for o in ops if not any(other.start > o.end for other in ops)]


def worker(race, kms, rng, n, index, keys):
    main = keys[0]
    for i in range(n):
        op = rng.choices(OPS, WEIGHTS)[0]
        op(race, kms, rng, main, keys, f"{index}-{i}")


def op_enable(race, kms, rng, main, keys, tag):
    race.call(kms, "enable_key", key=main, KeyId=main)


def op_disable(race, kms, rng, main, keys, tag):
    race.call(kms, "disable_key", key=main, KeyId=main)


def op_schedule(race, kms, rng, main, keys, tag):
    race.call(kms, "schedule_key_deletion", key=main, KeyId=main, PendingWindowInDays=7)


def op_cancel(race, kms, rng, main, keys, tag):
    race.call(kms, "cancel_key_deletion", key=main, KeyId=main)


def op_rotate(race, kms, rng, main, keys, tag):
    race.call(kms, "rotate_key_on_demand", key=main, KeyId=main)


def op_create_alias(race, kms, rng, main, keys, tag):
    target = rng.choice(keys)
    race.call(kms, "create_alias", key=target, AliasName=rng.choice(ALIASES), TargetKeyId=target)


def op_update_alias(race, kms, rng, main, keys, tag):
    target = rng.choice(keys)
    race.call(kms, "update_alias", key=target, AliasName=rng.choice(ALIASES), TargetKeyId=target)


def op_delete_alias(race, kms, rng, main, keys, tag):
    race.call(kms, "delete_alias", AliasName=rng.choice(ALIASES))


def op_create_grant(race, kms, rng, main, keys, tag):
    c = race.call(kms, "create_grant", key=main, KeyId=main, GranteePrincipal=ROOT, RetiringPrincipal=ROOT,
                  Operations=["Encrypt", "Decrypt"])
    if c.error is None:
        with race.lock:
            race.grants.append((c.out["GrantId"], c.out["GrantToken"]))
            race.token_to_grant[c.out["GrantToken"]] = c.out["GrantId"]


def pick_grant(race, rng):
    with race.lock:
        return rng.choice(race.grants) if race.grants else None


def op_revoke(race, kms, rng, main, keys, tag):
    grant = pick_grant(race, rng)
    if grant:
        race.call(kms, "revoke_grant", key=main, KeyId=main, GrantId=grant[0])


def op_retire(race, kms, rng, main, keys, tag):
    grant = pick_grant(race, rng)
    if grant and rng.random() < 0.5:
        race.call(kms, "retire_grant", key=main, GrantToken=grant[1])
    elif grant:
        race.call(kms, "retire_grant", key=main, KeyId=main, GrantId=grant[0])


def encrypt(race, kms, rng, key_id, tag, allowed=None, key=None):
    plaintext, context = rng.randbytes(rng.randint(1, 96)), {"call": tag}
    c = race.call(kms, "encrypt", allowed=allowed, key=key, KeyId=key_id, Plaintext=plaintext, EncryptionContext=context)
    if c.error is None:
        c.key = c.out["KeyId"]
        with race.lock:
            race.ciphertexts.append((c.out["CiphertextBlob"], plaintext, context, c.out["KeyId"]))


def op_encrypt(race, kms, rng, main, keys, tag):
    encrypt(race, kms, rng, main, tag, key=main)


def op_encrypt_alias(race, kms, rng, main, keys, tag):
    """Through an alias that may be moving, or gone: NotFoundException is then AWS's answer."""
    encrypt(race, kms, rng, rng.choice(ALIASES), tag, allowed=STATE | {"NotFoundException"})


def op_decrypt(race, kms, rng, main, keys, tag):
    with race.lock:
        if not race.ciphertexts:
            return
        blob, plaintext, context, key = rng.choice(race.ciphertexts)
    c = race.call(kms, "decrypt", key=key, CiphertextBlob=blob, EncryptionContext=context)
    if c.error is None and (c.out["Plaintext"] != plaintext or c.out["KeyId"] != key):
        c.error, c.unexpected = "WrongPlaintextOrKey", True


OPS, WEIGHTS = zip(*[
    (op_enable, 9), (op_disable, 6), (op_schedule, 3), (op_cancel, 6), (op_rotate, 5),
    (op_create_alias, 6), (op_update_alias, 6), (op_delete_alias, 5),
    (op_create_grant, 8), (op_revoke, 5), (op_retire, 5),
    (op_encrypt, 18), (op_encrypt_alias, 6), (op_decrypt, 12),
])


def decrypt_all(race, kms_clients):
    """Decrypts every acknowledged ciphertext; returns the ones that did not give their plaintext."""
    wrong, lock = [], threading.Lock()
    chunks = [race.ciphertexts[i::len(kms_clients)] for i in range(len(kms_clients))]

    def run(kms, chunk):
        for blob, plaintext, context, key in chunk:
            c = race.call(kms, "decrypt", allowed=set(), key=key, CiphertextBlob=blob, EncryptionContext=context)
            if c.error is not None or c.out["Plaintext"] != plaintext:
                with lock:
                    wrong.append((key, c.error))

    threads = [threading.Thread(target=run, args=pair) for pair in zip(kms_clients, chunks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return wrong


def snapshot(race, keys):
    """What the server shows now, and how many calls had been answered when it was taken."""
    server = race.server
    kms, ct = server.client("kms"), server.client("cloudtrail")
    answered = len(race.calls)
    expected = sum(1 for c in race.calls[:answered] if c.name in TRACKED)
    for _ in range(40):  # records of reads are group-committed: wait until every one is there
        events = [json.loads(e["CloudTrailEvent"]) for e in trail(ct, "EventSource", "kms.amazonaws.com")]
        if sum(1 for e in events if e["eventName"] in TRACKED) >= expected:
            break
        time.sleep(0.25)
    return {
        "answered": answered,
        "keys": {k: kms.describe_key(KeyId=k)["KeyMetadata"] for k in keys},
        "aliases": paginate(kms.list_aliases, "Aliases", Limit=100),
        "alias_targets": {a: alias_target(kms, a) for a in ALIASES},
        "grants": paginate(kms.list_grants, "Grants", KeyId=keys[0], Limit=100),
        "rotations": paginate(kms.list_key_rotations, "Rotations", KeyId=keys[0], Limit=100),
        "events": events,
        "by_resource": {k: [json.loads(e["CloudTrailEvent"]) for e in trail(ct, "ResourceName", k)] for k in keys},
    }


def alias_target(kms, alias):
    """The key ARN DescribeKey finds through `alias`, or None when the alias does not exist."""
    try:
        return kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "NotFoundException", e.response["Error"]
        return None


@pytest.fixture(scope="module")
def race():
    """One race on a server of its own; snapshots right after it ("race"), and after the key is
    restored, the server stopped and started again on the same data ("restart")."""
    server = Server()
    try:
        kms = server.client("kms")
        race = Race(server)
        keys = []
        for description in ("raced", "alias target 2", "alias target 3"):
            c = race.call(kms, "create_key", Description=description)
            assert c.error is None, c.error
            c.key = c.out["KeyMetadata"]["Arn"]
            keys.append(c.key)
        race.keys = keys
        clients = [server.client("kms") for _ in range(THREADS)]
        threads = [threading.Thread(target=worker, args=(race, clients[i], random.Random(1000 + i), CALLS_PER_THREAD, i, keys))
                   for i in range(THREADS)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        race.notes["race_seconds"] = time.monotonic() - started
        race.notes["race_calls"] = len(race.calls) - 3
        race.snapshots["race"] = snapshot(race, keys)

        # Restore the raced key as an operator would, then check AWS's CancelKeyDeletion rule once
        # more on a quiet key.
        main = keys[0]
        if race.snapshots["race"]["keys"][main]["KeyState"] == "PendingDeletion":
            assert race.call(kms, "cancel_key_deletion", key=main, KeyId=main).error is None
            race.notes["state_after_cancel"] = [kms.describe_key(KeyId=main)["KeyMetadata"]["KeyState"]]
        else:
            race.notes["state_after_cancel"] = []
        assert race.call(kms, "schedule_key_deletion", key=main, KeyId=main, PendingWindowInDays=7).error is None
        assert race.call(kms, "cancel_key_deletion", key=main, KeyId=main).error is None
        race.notes["state_after_cancel"].append(kms.describe_key(KeyId=main)["KeyMetadata"]["KeyState"])
        assert race.call(kms, "enable_key", key=main, KeyId=main).error is None
        race.notes["undecryptable_before_restart"] = decrypt_all(race, clients[:8])

        assert server.stop() == 0
        server.start_again("after-race")
        race.snapshots["restart"] = snapshot(race, keys)
        race.notes["undecryptable_after_restart"] = decrypt_all(race, [server.client("kms") for _ in range(8)])
        race.notes["calls"] = len(race.calls)
        yield race
    finally:
        server.cleanup()


PHASES = ["race", "restart"]


def calls_of(race, phase):
    return race.calls[:race.snapshots[phase]["answered"]]


def describe(c):
    return f"{c.name}({ {k: v for k, v in c.params.items() if k not in ('Plaintext', 'CiphertextBlob')} }) -> {c.error} [{c.status}]"


def test_every_answer_is_one_aws_documents(race):
    unexpected = [describe(c) for c in race.calls if c.unexpected]
    assert not unexpected, f"{len(unexpected)} unexpected answers, first ones: {unexpected[:10]}"
    assert race.notes["race_calls"] >= THREADS * CALLS_PER_THREAD * 0.9
    counts = collections.Counter((c.name, c.error or "ok") for c in race.calls)
    # the race must have gone through each state and each kind of refusal, or it proves little
    for needed in [("EnableKey", "KMSInvalidStateException"), ("CancelKeyDeletion", "ok"), ("CreateAlias", "AlreadyExistsException"),
                   ("UpdateAlias", "ok"), ("DeleteAlias", "NotFoundException"), ("RevokeGrant", "ok"), ("RetireGrant", "ok"),
                   ("RevokeGrant", "NotFoundException"), ("Encrypt", "DisabledException"), ("RotateKeyOnDemand", "ok")]:
        assert counts[needed] > 0, (needed, counts)


@pytest.mark.parametrize("phase", PHASES)
def test_key_state_is_one_an_order_of_the_calls_gives(race, phase):
    calls, snap = calls_of(race, phase), race.snapshots[phase]
    main = race.keys[0]
    meta = snap["keys"][main]
    assert meta["KeyState"] in ("Enabled", "Disabled", "PendingDeletion")
    assert meta["Enabled"] == (meta["KeyState"] == "Enabled")
    assert ("DeletionDate" in meta) == (meta["KeyState"] == "PendingDeletion"), meta
    ops = race.successes(calls, *STATE_AFTER)
    possible = {STATE_AFTER[o.name] for o in last_candidates(ops)} or {"Enabled"}
    assert meta["KeyState"] in possible, (meta["KeyState"], possible)
    # ScheduleKeyDeletion succeeds only when the key is not pending deletion, CancelKeyDeletion
    # only when it is: their successes alternate, starting with a schedule.
    scheduled, cancelled = len(race.successes(calls, "ScheduleKeyDeletion")), len(race.successes(calls, "CancelKeyDeletion"))
    assert scheduled - cancelled == (1 if meta["KeyState"] == "PendingDeletion" else 0), (scheduled, cancelled)
    for other in race.keys[1:]:
        assert snap["keys"][other]["KeyState"] == "Enabled"


def test_cancel_key_deletion_leaves_the_key_disabled(race):
    """AWS: after CancelKeyDeletion the key is Disabled, whatever it was before the schedule."""
    assert race.notes["state_after_cancel"] and set(race.notes["state_after_cancel"]) == {"Disabled"}, race.notes


@pytest.mark.parametrize("phase", PHASES)
def test_aliases_point_at_one_existing_key_each(race, phase):
    calls, snap = calls_of(race, phase), race.snapshots[phase]
    names = [a["AliasName"] for a in snap["aliases"]]
    assert len(names) == len(set(names)), names
    key_ids = {snap["keys"][k]["KeyId"]: k for k in race.keys}
    listed = {a["AliasName"]: a for a in snap["aliases"] if a["AliasName"] in ALIASES}
    for alias in ALIASES:
        ops = [c for c in race.successes(calls, "CreateAlias", "UpdateAlias", "DeleteAlias") if c.params["AliasName"] == alias]
        created = sum(1 for o in ops if o.name == "CreateAlias")
        deleted = sum(1 for o in ops if o.name == "DeleteAlias")
        exists = alias in listed
        assert created - deleted == (1 if exists else 0), (alias, created, deleted, exists)
        candidates = last_candidates(ops)
        if exists:
            target = listed[alias]["TargetKeyId"]
            assert target in key_ids, (alias, target)
            assert snap["alias_targets"][alias] == key_ids[target], "DescribeKey by alias disagrees with ListAliases"
            assert any(o.name != "DeleteAlias" and o.key == key_ids[target] for o in candidates), (alias, target)
            assert listed[alias]["AliasArn"] == f"arn:aws:kms:us-east-1:{ACCOUNT}:{alias}"
        else:
            assert snap["alias_targets"][alias] is None
            assert not ops or any(o.name == "DeleteAlias" for o in candidates), alias


@pytest.mark.parametrize("phase", PHASES)
def test_grants_are_exactly_those_created_and_not_removed(race, phase):
    calls, snap = calls_of(race, phase), race.snapshots[phase]
    created = {c.out["GrantId"] for c in race.successes(calls, "CreateGrant")}
    removals = collections.Counter(c.params.get("GrantId") or race.token_to_grant[c.params["GrantToken"]]
                                   for c in race.successes(calls, "RevokeGrant", "RetireGrant"))
    twice = [g for g, n in removals.items() if n > 1]
    assert not twice, f"grants removed successfully more than once: {twice}"
    listed = [g["GrantId"] for g in snap["grants"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == created - set(removals), (len(listed), len(created), len(removals))
    # A NotFoundException for a grant that was created is right only once a removal of it had begun.
    removed_at = collections.defaultdict(list)
    for c in race.successes(calls, "RevokeGrant", "RetireGrant"):
        removed_at[c.params.get("GrantId") or race.token_to_grant[c.params["GrantToken"]]].append(c.start)
    for c in calls:
        if c.name in ("RevokeGrant", "RetireGrant") and c.error == "NotFoundException":
            grant = c.params.get("GrantId") or race.token_to_grant[c.params["GrantToken"]]
            assert any(start < c.end for start in removed_at[grant]), f"{describe(c)} but the grant was never removed"


@pytest.mark.parametrize("phase", PHASES)
def test_rotations_are_counted_and_capped_at_25(race, phase):
    calls, snap = calls_of(race, phase), race.snapshots[phase]
    rotated = race.successes(calls, "RotateKeyOnDemand")
    assert len(rotated) <= ROTATION_LIMIT
    assert len(snap["rotations"]) == len(rotated), (len(snap["rotations"]), len(rotated))
    assert all(r["RotationType"] == "ON_DEMAND" for r in snap["rotations"])
    limited = [c for c in calls if c.name == "RotateKeyOnDemand" and c.error == "LimitExceededException"]
    if limited:
        assert len(rotated) == ROTATION_LIMIT
    for c in limited:  # refused for the limit only once 25 rotations had at least begun
        assert sum(1 for r in rotated if r.start < c.end) >= ROTATION_LIMIT, describe(c)
    material = {snap["keys"][race.keys[0]].get("CurrentKeyMaterialId")}
    if rotated:
        assert material <= {r["KeyMaterialId"] for r in snap["rotations"]}


def test_every_ciphertext_decrypts_before_and_after_restart(race):
    """Including ciphertexts made under key material that rotations have since replaced."""
    assert len(race.ciphertexts) > 300
    assert race.notes["undecryptable_before_restart"] == []
    assert race.notes["undecryptable_after_restart"] == []
    made_under = collections.Counter(race.snapshots["race"]["keys"][c[3]]["KeyId"] for c in race.ciphertexts)
    assert made_under[race.snapshots["race"]["keys"][race.keys[0]]["KeyId"]] > 100


@pytest.mark.parametrize("phase", PHASES)
def test_trail_has_one_record_per_call_with_its_error(race, phase):
    """Every call, allowed or refused, is one record; refused ones carry the error code they got."""
    calls, snap = calls_of(race, phase), race.snapshots[phase]
    expected = collections.Counter((c.name, c.error) for c in calls if c.name in TRACKED)
    recorded = collections.Counter((e["eventName"], e.get("errorCode")) for e in snap["events"] if e["eventName"] in TRACKED)
    assert recorded == expected, {"missing": expected - recorded, "extra": recorded - expected}
    ids = [e["eventID"] for e in snap["events"]]
    assert len(ids) == len(set(ids))


def by_token(c):
    return c.name == "RetireGrant" and "GrantToken" in c.params


@pytest.mark.parametrize("phase", PHASES)
def test_trail_by_key_arn_has_one_record_per_success_on_that_key(race, phase):
    """LookupEvents by ResourceName = key ARN: each success that acted on the key, once. (DeleteAlias
    and RetireGrant by token are checked in the two tests after this one.)"""
    calls, snap = calls_of(race, phase), race.snapshots[phase]
    for key in race.keys:
        expected = collections.Counter(c.name for c in calls if c.error is None and c.key == key
                                       and c.name != "DeleteAlias" and not by_token(c))
        recorded = collections.Counter(e["eventName"] for e in snap["by_resource"][key]
                                       if "errorCode" not in e and e["eventName"] in TRACKED - {"DeleteAlias"}
                                       and not (e["eventName"] == "RetireGrant" and "grantToken" in (e["requestParameters"] or {})))
        assert recorded == expected, (key, {"missing": expected - recorded, "extra": recorded - expected})
        assert all(any(r["ARN"] == key for r in e.get("resources", [])) for e in snap["by_resource"][key])


def test_retire_grant_by_token_is_found_by_key_arn(race):
    """AWS adds the key to the resources of every RetireGrant record (since December 2022)."""
    snap = race.snapshots["restart"]
    retired = len([c for c in race.successes(calls_of(race, "restart"), "RetireGrant") if by_token(c)])
    found = sum(1 for e in snap["by_resource"][race.keys[0]] if e["eventName"] == "RetireGrant" and "errorCode" not in e
                and "grantToken" in (e["requestParameters"] or {}))
    assert found == retired > 0


def test_alias_records_name_the_alias_and_its_key(race):
    """AWS's CreateAlias, UpdateAlias and DeleteAlias records list the alias ARN and the key ARN."""
    snap = race.snapshots["restart"]
    deleted = len(race.successes(calls_of(race, "restart"), "DeleteAlias"))
    found = sum(1 for k in race.keys for e in snap["by_resource"][k] if e["eventName"] == "DeleteAlias" and "errorCode" not in e)
    assert found == deleted > 0
    for e in snap["events"]:
        if e["eventName"] in ("CreateAlias", "UpdateAlias", "DeleteAlias") and "errorCode" not in e:
            arns = {r["ARN"] for r in e.get("resources") or []}
            alias = f"arn:aws:kms:us-east-1:{ACCOUNT}:{e['requestParameters']['aliasName']}"
            assert alias in arns and arns & set(race.keys), e


def test_restart_keeps_state_and_trail(race):
    before, after = race.snapshots["race"], race.snapshots["restart"]
    key_of = lambda a: {x["AliasName"]: x.get("TargetKeyId") for x in a if x["AliasName"] in ALIASES}
    # nothing changed aliases, grants or rotations between the snapshots but the server's restart
    assert key_of(before["aliases"]) == key_of(after["aliases"])
    assert {g["GrantId"] for g in before["grants"]} == {g["GrantId"] for g in after["grants"]}
    assert [r["KeyMaterialId"] for r in before["rotations"]] == [r["KeyMaterialId"] for r in after["rotations"]]
    assert after["keys"][race.keys[0]]["KeyState"] == "Enabled"
    assert {e["eventID"] for e in before["events"]} <= {e["eventID"] for e in after["events"]}


def test_call_counts(race):
    """The size of the race, printed with -s for the record; and every answer in it was whole: a
    200 with a result, or an AWS error with a 4xx status (never a 5xx, a dropped connection or a
    200 without a body)."""
    counts = collections.Counter((c.name, c.error or "ok") for c in race.calls)
    print(f"\n{race.notes['race_calls']} racing calls in {race.notes['race_seconds']:.1f}s, {race.notes['calls']} in all")
    for (name, outcome), n in sorted(counts.items()):
        print(f"  {name:22} {outcome:28} {n}")
    for c in race.calls:
        if c.error is None:
            assert c.status == 200 and c.out is not None and c.out["ResponseMetadata"]["HTTPStatusCode"] == 200, describe(c)
        else:
            assert 400 <= c.status < 500, describe(c)
    assert sum(n for (_, outcome), n in counts.items() if outcome == "ok") > 0


# The key state table cell by cell on a quiet key, so that each refusal is AWS's own for that state.

def test_key_state_table_one_call_at_a_time(fresh_server):
    kms = fresh_server.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    other = kms.create_key()["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/quiet", TargetKeyId=other)
    fails("KMSInvalidStateException", kms.cancel_key_deletion, KeyId=key)
    kms.disable_key(KeyId=key)
    kms.disable_key(KeyId=key)
    fails("DisabledException", kms.encrypt, KeyId=key, Plaintext=b"x")
    fails("DisabledException", kms.rotate_key_on_demand, KeyId=key)
    fails("KMSInvalidStateException", kms.cancel_key_deletion, KeyId=key)
    kms.create_alias(AliasName="alias/quiet-disabled", TargetKeyId=key)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    for fn, kw in [(kms.enable_key, {}), (kms.disable_key, {}), (kms.rotate_key_on_demand, {}),
                   (kms.schedule_key_deletion, {"PendingWindowInDays": 7})]:
        fails("KMSInvalidStateException", fn, KeyId=key, **kw)
    for fn, kw in [(kms.encrypt, {"Plaintext": b"x"}), (kms.create_grant, {"GranteePrincipal": ROOT, "Operations": ["Encrypt"]})]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            fn(KeyId=key, **kw)
        assert error_code(e) in STATE
    fails("KMSInvalidStateException", kms.create_alias, AliasName="alias/quiet-2", TargetKeyId=key)
    fails("KMSInvalidStateException", kms.update_alias, AliasName="alias/quiet", TargetKeyId=key)
    kms.update_alias(AliasName="alias/quiet-disabled", TargetKeyId=other)  # moving off a key pending deletion is fine
    kms.delete_alias(AliasName="alias/quiet-disabled")
    kms.cancel_key_deletion(KeyId=key)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Disabled"
    kms.enable_key(KeyId=key)
    kms.enable_key(KeyId=key)
    for _ in range(ROTATION_LIMIT):
        kms.rotate_key_on_demand(KeyId=key)
    fails("LimitExceededException", kms.rotate_key_on_demand, KeyId=key)
    assert len(paginate(kms.list_key_rotations, "Rotations", KeyId=key, Limit=10)) == ROTATION_LIMIT


def test_create_grant_on_a_disabled_key_is_refused(fresh_server):
    kms = fresh_server.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    kms.disable_key(KeyId=key)
    fails("DisabledException", kms.create_grant, KeyId=key, GranteePrincipal=ROOT, Operations=["Encrypt"])
