"""Tenant isolation between two accounts on one server, and between IAM users of one account.

What AWS documents and these tests hold the server to:
- A bare key id or alias name always means the caller's own account; another account's key is
  reachable only by key ARN (or, for the operations that take aliases, alias ARN), and only for
  the operations AWS marks "Cross-account use: Yes" (Encrypt, Decrypt, GenerateDataKey*,
  DescribeKey, CreateGrant, ListGrants, RetireGrant, RevokeGrant, ...). For every other operation
  a key policy that names the other account has no effect ("if you give a principal in a
  different account ... kms:ScheduleKeyDeletion permission on a KMS key in a key policy, the
  user's attempts to call those operations on your resources still fail").
- Cross-account use needs both the key policy and the caller's own IAM policy; a user with no
  policy is refused everything (KMS AccessDeniedException, IAM AccessDenied) but
  sts:GetCallerIdentity, which needs no permission.
- Aliases, users, lists and the trail are per account. "Cross-account operations on KMS keys are
  logged in both the caller account and the KMS key owner account. However, cross-account AWS
  KMS requests that are rejected because access is denied are logged only in the caller's
  account." (https://docs.aws.amazon.com/kms/latest/developerguide/logging-using-cloudtrail.html)
"""
import json
import time
from types import SimpleNamespace

import botocore.exceptions
import pytest

from conftest import ACCOUNT, Server, error_code, fails

A, B = ACCOUNT, "222222222222"
REGION = "us-east-1"
CROSS_ACCOUNT_OPS = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant",
                     "kms:ListGrants", "kms:RevokeGrant", "kms:RetireGrant"]


def refused(fn, *args, codes=("AccessDeniedException",), **kwargs):
    """The call fails with one of `codes`; returns the code."""
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(*args, **kwargs)
    assert error_code(e) in codes, (fn.__name__, kwargs, e.value.response["Error"])
    return error_code(e)


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def root_admin(account):
    return {"Sid": "owner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*",
            "Resource": "*"}


def tenant(server, account, keys):
    """An account's root clients, a key with the default policy behind `alias/app`, a user `admin`
    whose IAM policy allows kms:*, iam:* and cloudtrail:* and a user `nobody` with no policy."""
    t = SimpleNamespace(account=account, keys=keys)
    t.kms, t.iam, t.sts, t.ct = (server.client(s, keys=keys) for s in ("kms", "iam", "sts", "cloudtrail"))
    t.key = t.kms.create_key(Description=f"{account} private")["KeyMetadata"]
    t.kms.create_alias(AliasName="alias/app", TargetKeyId=t.key["KeyId"])
    t.users = {}
    for name in ("admin", "nobody"):
        t.iam.create_user(UserName=name)
        k = t.iam.create_access_key(UserName=name)["AccessKey"]
        t.users[name] = (k["AccessKeyId"], k["SecretAccessKey"])
    t.iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kms:*", "iam:*", "cloudtrail:*"], "Resource": "*"}]}))
    t.as_user = lambda name, service="kms": server.client(service, keys=t.users[name])
    t.ciphertext = t.kms.encrypt(KeyId=t.key["KeyId"], Plaintext=b"secret of " + account.encode())["CiphertextBlob"]
    return t


@pytest.fixture(scope="module")
def world():
    """Accounts A and B on a server of their own; A also has a key shared with B for the
    cross-account operations."""
    server = Server()
    try:
        b_keys = server.add_account(B)
        w = SimpleNamespace(server=server, a=tenant(server, A, server.profile()), b=tenant(server, B, b_keys))
        w.shared = w.a.kms.create_key(Description="shared with B", Policy=policy(root_admin(A), {
            "Sid": "B may use it", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"},
            "Action": CROSS_ACCOUNT_OPS, "Resource": "*"}))["KeyMetadata"]
        w.a.kms.create_alias(AliasName="alias/shared", TargetKeyId=w.shared["KeyId"])
        yield w
    finally:
        server.cleanup()


def trail_of(ct, **kw):
    events, token = [], None
    while True:
        page = ct.lookup_events(MaxResults=50, **kw, **({"NextToken": token} if token else {}))
        events += [json.loads(e["CloudTrailEvent"]) for e in page["Events"]]
        token = page.get("NextToken")
        if not token:
            return events


def records_of(ct, request_id, present=True):
    """The records with `request_id` in the trail `ct` sees, waiting for group-committed reads."""
    for _ in range(20):
        found = [e for e in trail_of(ct) if e["requestID"] == request_id]
        if found or not present:
            return found
        time.sleep(0.25)
    return []


def rid(response):
    return response["ResponseMetadata"]["RequestId"]


# --- identity -------------------------------------------------------------------------------

def test_caller_identity_names_each_account(world):
    for t in (world.a, world.b):
        me = t.sts.get_caller_identity()
        assert (me["Account"], me["Arn"]) == (t.account, f"arn:aws:iam::{t.account}:root")
        for name in ("admin", "nobody"):
            me = world.server.client("sts", keys=t.users[name]).get_caller_identity()
            assert (me["Account"], me["Arn"]) == (t.account, f"arn:aws:iam::{t.account}:user/{name}")


def test_iam_users_are_per_account(world):
    """The same user name in both accounts is two users; neither account sees the other's."""
    a_admin, b_admin = (t.iam.get_user(UserName="admin")["User"] for t in (world.a, world.b))
    assert a_admin["Arn"] == f"arn:aws:iam::{A}:user/admin" and b_admin["Arn"] == f"arn:aws:iam::{B}:user/admin"
    assert a_admin["UserId"] != b_admin["UserId"]
    world.a.iam.create_user(UserName="only-in-a")
    for viewer in (world.b.iam, world.b.as_user("admin", "iam")):
        assert "only-in-a" not in [u["UserName"] for u in viewer.list_users()["Users"]]
        assert all(u["Arn"].startswith(f"arn:aws:iam::{B}:") for u in viewer.list_users()["Users"])
        fails("NoSuchEntity", viewer.get_user, UserName="only-in-a")
        fails("NoSuchEntity", viewer.list_access_keys, UserName="only-in-a")
        fails("NoSuchEntity", viewer.delete_user, UserName="only-in-a")
    a_keys = {k["AccessKeyId"] for k in world.a.iam.list_access_keys(UserName="admin")["AccessKeyMetadata"]}
    b_keys = {k["AccessKeyId"] for k in world.b.iam.list_access_keys(UserName="admin")["AccessKeyMetadata"]}
    assert a_keys == {world.a.users["admin"][0]} and b_keys == {world.b.users["admin"][0]}
    world.a.iam.get_user(UserName="only-in-a")


# --- keys and aliases -----------------------------------------------------------------------

def test_lists_never_show_the_other_accounts_keys_aliases_or_grants(world):
    a, b = world.a, world.b
    a.kms.create_grant(KeyId=a.key["KeyId"], GranteePrincipal=f"arn:aws:iam::{A}:user/admin", Operations=["Decrypt"],
                       RetiringPrincipal=f"arn:aws:iam::{A}:user/admin")
    b.kms.create_grant(KeyId=b.key["KeyId"], GranteePrincipal=f"arn:aws:iam::{B}:user/admin", Operations=["Decrypt"],
                       RetiringPrincipal=f"arn:aws:iam::{B}:user/admin")
    for me, them in ((a, b), (b, a)):
        for kms in (me.kms, me.as_user("admin")):
            keys = kms.list_keys(Limit=1000)["Keys"]
            assert them.key["Arn"] not in {k["KeyArn"] for k in keys} and me.key["Arn"] in {k["KeyArn"] for k in keys}
            assert all(k["KeyArn"].split(":")[4] == me.account for k in keys)
            aliases = kms.list_aliases(Limit=100)["Aliases"]
            assert all(x["AliasArn"].split(":")[4] == me.account for x in aliases), aliases
            assert them.key["KeyId"] not in {x.get("TargetKeyId") for x in aliases}
            assert {x["AliasName"]: x.get("TargetKeyId") for x in aliases}["alias/app"] == me.key["KeyId"]
            grants = kms.list_grants(KeyId=me.key["Arn"])["Grants"]
            assert grants and all(g["KeyId"] == me.key["Arn"] for g in grants)
            retirable = kms.list_retirable_grants(RetiringPrincipal=f"arn:aws:iam::{me.account}:user/admin")["Grants"]
            assert retirable and all(g["KeyId"].split(":")[4] == me.account for g in retirable)
            refused(kms.list_aliases, KeyId=them.key["Arn"], codes=("NotFoundException", "AccessDeniedException"))


def test_same_alias_name_points_at_each_accounts_own_key(world):
    for t in (world.a, world.b):
        assert t.kms.describe_key(KeyId="alias/app")["KeyMetadata"]["Arn"] == t.key["Arn"]
        assert t.kms.encrypt(KeyId="alias/app", Plaintext=b"x")["KeyId"] == t.key["Arn"]
    # moving or deleting one account's alias leaves the other's where it was
    spare = world.b.kms.create_key()["KeyMetadata"]
    world.b.kms.update_alias(AliasName="alias/app", TargetKeyId=spare["KeyId"])
    assert world.a.kms.describe_key(KeyId="alias/app")["KeyMetadata"]["Arn"] == world.a.key["Arn"]
    world.b.kms.delete_alias(AliasName="alias/app")
    assert world.a.kms.describe_key(KeyId="alias/app")["KeyMetadata"]["Arn"] == world.a.key["Arn"]
    fails("NotFoundException", world.b.kms.describe_key, KeyId="alias/app")
    world.b.kms.create_alias(AliasName="alias/app", TargetKeyId=world.b.key["KeyId"])
    fails("AlreadyExistsException", world.a.kms.create_alias, AliasName="alias/app", TargetKeyId=world.a.key["KeyId"])


def test_other_account_cannot_reach_a_private_key(world):
    """A's key has the default key policy: nobody in B may do anything with it, however it is named."""
    a, b = world.a, world.b
    arn, alias_arn = a.key["Arn"], f"arn:aws:kms:{REGION}:{A}:alias/app"
    grant = a.kms.create_grant(KeyId=arn, GranteePrincipal=f"arn:aws:iam::{A}:user/admin", Operations=["Encrypt"])
    for kms in (b.kms, b.as_user("admin"), b.as_user("nobody")):
        # a bare key id or alias name means B's own account
        fails("NotFoundException", kms.describe_key, KeyId=a.key["KeyId"])
        fails("NotFoundException", kms.encrypt, KeyId=a.key["KeyId"], Plaintext=b"x")
        fails("NotFoundException", kms.describe_key, KeyId="alias/shared")
        # by ARN it is found, and refused
        for name in (arn, alias_arn):
            refused(kms.describe_key, KeyId=name)
            refused(kms.encrypt, KeyId=name, Plaintext=b"x")
            refused(kms.generate_data_key, KeyId=name, KeySpec="AES_256")
        refused(kms.decrypt, CiphertextBlob=a.ciphertext)
        refused(kms.decrypt, CiphertextBlob=a.ciphertext, KeyId=arn)
        refused(kms.create_grant, KeyId=arn, GranteePrincipal=f"arn:aws:iam::{B}:root", Operations=["Encrypt"])
        refused(kms.list_grants, KeyId=arn)
        refused(kms.revoke_grant, KeyId=arn, GrantId=grant["GrantId"])
        refused(kms.retire_grant, KeyId=arn, GrantId=grant["GrantId"])
        refused(kms.retire_grant, GrantToken=grant["GrantToken"])
        # operations that never work across accounts
        either = ("AccessDeniedException", "NotFoundException")
        refused(kms.disable_key, KeyId=arn, codes=either)
        refused(kms.schedule_key_deletion, KeyId=arn, PendingWindowInDays=7, codes=either)
        refused(kms.tag_resource, KeyId=arn, Tags=[{"TagKey": "owner", "TagValue": "b"}], codes=either)
        refused(kms.update_key_description, KeyId=arn, Description="b was here", codes=either)
        refused(kms.put_key_policy, KeyId=arn, PolicyName="default", Policy=policy(root_admin(B)),
                BypassPolicyLockoutSafetyCheck=True, codes=either)
        refused(kms.get_key_policy, KeyId=arn, PolicyName="default", codes=either)
        refused(kms.create_alias, AliasName="alias/stolen", TargetKeyId=arn, codes=either)
    meta = a.kms.describe_key(KeyId=arn)["KeyMetadata"]
    assert meta["KeyState"] == "Enabled" and "DeletionDate" not in meta and meta["Description"] == f"{A} private"
    assert a.kms.list_resource_tags(KeyId=arn)["Tags"] == []
    assert [g["GrantId"] for g in a.kms.list_grants(KeyId=arn)["Grants"] if g["GrantId"] == grant["GrantId"]]
    assert "alias/stolen" not in {x["AliasName"] for t in (a, b) for x in t.kms.list_aliases(Limit=100)["Aliases"]}
    assert a.kms.decrypt(CiphertextBlob=a.ciphertext)["Plaintext"] == b"secret of " + A.encode()


def test_key_policy_opens_the_cross_account_operations_by_arn(world):
    """B's root, and B's users whose own IAM policy allows it, use A's shared key by key ARN or
    alias ARN; B's user without a policy stays refused."""
    a, b, shared = world.a, world.b, world.shared
    alias_arn = f"arn:aws:kms:{REGION}:{A}:alias/shared"
    for kms in (b.kms, b.as_user("admin")):
        assert kms.describe_key(KeyId=shared["Arn"])["KeyMetadata"]["AWSAccountId"] == A
        assert kms.describe_key(KeyId=alias_arn)["KeyMetadata"]["Arn"] == shared["Arn"]
        fails("NotFoundException", kms.describe_key, KeyId=shared["KeyId"])
        fails("NotFoundException", kms.describe_key, KeyId="alias/shared")
        out = kms.encrypt(KeyId=shared["Arn"], Plaintext=b"from b", EncryptionContext={"who": "b"})
        assert out["KeyId"] == shared["Arn"]
        assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"who": "b"})["Plaintext"] == b"from b"
        assert a.kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"who": "b"})["Plaintext"] == b"from b"
        assert kms.generate_data_key(KeyId=alias_arn, KeySpec="AES_256")["KeyId"] == shared["Arn"]
        g = kms.create_grant(KeyId=shared["Arn"], GranteePrincipal=f"arn:aws:iam::{B}:user/nobody", Operations=["Encrypt"])
        assert g["GrantId"] in {x["GrantId"] for x in kms.list_grants(KeyId=shared["Arn"])["Grants"]}
        assert g["GrantId"] in {x["GrantId"] for x in a.kms.list_grants(KeyId=shared["Arn"])["Grants"]}
        kms.revoke_grant(KeyId=shared["Arn"], GrantId=g["GrantId"])
    nobody = b.as_user("nobody")
    refused(nobody.describe_key, KeyId=shared["Arn"])
    refused(nobody.encrypt, KeyId=shared["Arn"], Plaintext=b"x")
    # not in the key policy, so refused even to B's root
    refused(b.kms.re_encrypt, CiphertextBlob=a.kms.encrypt(KeyId=shared["Arn"], Plaintext=b"x")["CiphertextBlob"],
            DestinationKeyId=b.key["Arn"])


def test_key_policy_cannot_open_operations_aws_keeps_in_the_account(world):
    a, b = world.a, world.b
    key = a.kms.create_key(Description="open to B", Policy=policy(root_admin(A), {
        "Sid": "B may do anything", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"},
        "Action": "kms:*", "Resource": "*"}))["KeyMetadata"]
    arn = key["Arn"]
    succeeded = []
    for fn, kw in [(b.kms.disable_key, {}), (b.kms.enable_key, {}),
                   (b.kms.tag_resource, {"Tags": [{"TagKey": "owner", "TagValue": "b"}]}),
                   (b.kms.update_key_description, {"Description": "b was here"}),
                   (b.kms.get_key_policy, {"PolicyName": "default"}),
                   (b.kms.put_key_policy, {"PolicyName": "default", "Policy": policy(root_admin(A), root_admin(B))}),
                   (b.kms.rotate_key_on_demand, {}), (b.kms.schedule_key_deletion, {"PendingWindowInDays": 7}),
                   (b.kms.cancel_key_deletion, {})]:
        try:
            fn(KeyId=arn, **kw)
            succeeded.append(fn.__name__)
        except botocore.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] in ("AccessDeniedException", "NotFoundException",
                                                   "KMSInvalidStateException"), e.response
    meta = a.kms.describe_key(KeyId=arn)["KeyMetadata"]
    if meta["KeyState"] == "PendingDeletion":
        a.kms.cancel_key_deletion(KeyId=arn)
    assert succeeded == [], f"B's root did {succeeded} on A's key; now {meta['KeyState']}, {meta['Description']!r}"
    assert meta["KeyState"] == "Enabled" and meta["Description"] == "open to B"
    assert a.kms.list_resource_tags(KeyId=arn)["Tags"] == []


def test_retirable_grants_of_the_other_accounts_principals_stay_hidden(world):
    a, b = world.a, world.b
    a_admin = f"arn:aws:iam::{A}:user/admin"
    g = a.kms.create_grant(KeyId=a.key["Arn"], GranteePrincipal=a_admin, RetiringPrincipal=a_admin, Operations=["Decrypt"])
    try:
        shown = b.kms.list_retirable_grants(RetiringPrincipal=a_admin)["Grants"]
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "AccessDeniedException", e.response["Error"]
        shown = []
    assert g["GrantId"] not in {x["GrantId"] for x in shown}, shown


def test_grants_on_a_shared_key_list_for_their_retiring_principal(world):
    """AWS: ListRetirableGrants lists grants on other accounts' keys whose retiring principal is yours."""
    a, b, shared = world.a, world.b, world.shared
    b_admin = f"arn:aws:iam::{B}:user/admin"
    g = a.kms.create_grant(KeyId=shared["Arn"], GranteePrincipal=b_admin, RetiringPrincipal=b_admin, Operations=["Encrypt"])
    listed = b.kms.list_retirable_grants(RetiringPrincipal=b_admin)["Grants"]
    assert g["GrantId"] in {x["GrantId"] for x in listed if x["KeyId"] == shared["Arn"]}
    ct = b.as_user("admin").encrypt(KeyId=shared["Arn"], Plaintext=b"x", GrantTokens=[g["GrantToken"]])
    assert ct["KeyId"] == shared["Arn"]
    b.as_user("admin").retire_grant(GrantToken=g["GrantToken"])
    assert g["GrantId"] not in {x["GrantId"] for x in a.kms.list_grants(KeyId=shared["Arn"])["Grants"]}


def test_iam_users_in_one_account_are_held_to_their_policies(world):
    """A user whose policy names one key cannot use another in the same account; a grant to one
    user is not a grant to another."""
    a = world.a
    other = a.kms.create_key()["KeyMetadata"]
    a.iam.create_user(UserName="scoped")
    k = a.iam.create_access_key(UserName="scoped")["AccessKey"]
    scoped = world.server.client("kms", keys=(k["AccessKeyId"], k["SecretAccessKey"]))
    a.iam.put_user_policy(UserName="scoped", PolicyName="one-key", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": a.key["Arn"]}]}))
    scoped.encrypt(KeyId=a.key["Arn"], Plaintext=b"x")
    refused(scoped.encrypt, KeyId=other["Arn"], Plaintext=b"x")
    refused(scoped.describe_key, KeyId=other["KeyId"])
    refused(scoped.list_keys)
    g = a.kms.create_grant(KeyId=other["Arn"], GranteePrincipal=f"arn:aws:iam::{A}:user/nobody", Operations=["Encrypt"])
    refused(scoped.encrypt, KeyId=other["Arn"], Plaintext=b"x", GrantTokens=[g["GrantToken"]])
    a.as_user("nobody").encrypt(KeyId=other["Arn"], Plaintext=b"x", GrantTokens=[g["GrantToken"]])


def test_user_without_a_policy_is_refused_everything(world):
    for t in (world.a, world.b):
        kms, iam = t.as_user("nobody"), t.as_user("nobody", "iam")
        for fn, kw in [(kms.list_keys, {}), (kms.list_aliases, {}), (kms.create_key, {}),
                       (kms.describe_key, {"KeyId": t.key["Arn"]}), (kms.describe_key, {"KeyId": "alias/app"}),
                       (kms.encrypt, {"KeyId": t.key["Arn"], "Plaintext": b"x"}),
                       (kms.decrypt, {"CiphertextBlob": t.ciphertext}),
                       (kms.create_alias, {"AliasName": "alias/nobodys", "TargetKeyId": t.key["KeyId"]}),
                       (kms.create_grant, {"KeyId": t.key["Arn"], "GranteePrincipal": f"arn:aws:iam::{t.account}:user/nobody",
                                           "Operations": ["Encrypt"]}),
                       (kms.list_grants, {"KeyId": t.key["Arn"]}),
                       (kms.list_retirable_grants, {"RetiringPrincipal": f"arn:aws:iam::{t.account}:user/nobody"}),
                       (kms.tag_resource, {"KeyId": t.key["Arn"], "Tags": [{"TagKey": "a", "TagValue": "b"}]}),
                       (kms.schedule_key_deletion, {"KeyId": t.key["Arn"], "PendingWindowInDays": 7}),
                       (kms.disable_key, {"KeyId": t.key["Arn"]})]:
            refused(fn, **kw)
        for fn, kw in [(iam.list_users, {}), (iam.get_user, {"UserName": "admin"}), (iam.get_user, {}),
                       (iam.create_user, {"UserName": "nobodys-friend"}), (iam.create_access_key, {"UserName": "nobody"}),
                       (iam.put_user_policy, {"UserName": "nobody", "PolicyName": "escalate", "PolicyDocument": policy(
                           {"Effect": "Allow", "Action": "*", "Resource": "*"})})]:
            fails("AccessDenied", fn, **kw)
        assert t.kms.describe_key(KeyId=t.key["Arn"])["KeyMetadata"]["KeyState"] == "Enabled"
        assert t.iam.list_user_policies(UserName="nobody")["PolicyNames"] == []


def test_user_without_a_policy_cannot_read_or_change_the_trail(world):
    """CloudTrail's calls need cloudtrail:* permissions like any other; refused with AccessDeniedException."""
    for t in (world.a, world.b):
        ct = t.as_user("nobody", "cloudtrail")
        for fn, kw in [(ct.lookup_events, {}), (ct.describe_trails, {}), (ct.list_trails, {}),
                       (ct.create_trail, {"Name": "nobodys-trail", "S3BucketName": "nobodys-bucket"})]:
            fails("AccessDeniedException", fn, **kw)


# --- the trail ------------------------------------------------------------------------------

def test_each_account_sees_only_its_own_trail(world):
    a, b = world.a, world.b
    made_by_a = rid(a.kms.create_key(Description="a's own"))
    made_by_b = rid(b.kms.create_key(Description="b's own"))
    refused(b.kms.encrypt, KeyId=a.key["Arn"], Plaintext=b"x")
    assert records_of(a.ct, made_by_a) and records_of(b.ct, made_by_b)
    assert records_of(b.ct, made_by_a, present=False) == [] and records_of(a.ct, made_by_b, present=False) == []
    for me, them in ((a, b), (b, a)):
        for event in trail_of(me.ct):
            assert event["recipientAccountId"] == me.account, event
            ident = event["userIdentity"]
            if ident.get("accountId") == them.account:
                # the only records of the other account's principals AWS puts here are their
                # cross-account calls on this account's keys
                assert any(r["ARN"].split(":")[4] == me.account for r in event.get("resources") or []), event
        # looking the other account up by its names finds nothing
        assert trail_of(me.ct, LookupAttributes=[{"AttributeKey": "AccessKeyId", "AttributeValue": them.keys[0]}]) == []
        theirs = trail_of(me.ct, LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": them.key["Arn"]}])
        assert all(e["userIdentity"].get("accountId") == me.account for e in theirs), theirs
        their_event = trail_of(them.ct)[0]["eventID"]
        assert trail_of(me.ct, LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": their_event}]) == []


def test_refused_cross_account_call_is_recorded_only_for_the_caller(world):
    a, b = world.a, world.b
    with pytest.raises(botocore.exceptions.ClientError) as e:
        b.kms.encrypt(KeyId=a.key["Arn"], Plaintext=b"x")
    request_id = e.value.response["ResponseMetadata"]["RequestId"]
    mine = records_of(b.ct, request_id)
    assert len(mine) == 1 and mine[0]["errorCode"] == "AccessDeniedException"
    assert mine[0]["userIdentity"]["accountId"] == B and mine[0]["recipientAccountId"] == B
    assert records_of(a.ct, request_id, present=False) == []


def test_allowed_cross_account_call_is_recorded_in_both_trails(world):
    """AWS: logged in both the caller account and the key owner account."""
    a, b, shared = world.a, world.b, world.shared
    request_id = rid(b.kms.encrypt(KeyId=shared["Arn"], Plaintext=b"x"))
    mine, owners = records_of(b.ct, request_id), records_of(a.ct, request_id)
    assert len(mine) == 1 and mine[0]["recipientAccountId"] == B and mine[0]["userIdentity"]["accountId"] == B
    assert len(owners) == 1, "no record in the key owner's trail"
    assert owners[0]["recipientAccountId"] == A and owners[0]["userIdentity"]["accountId"] == B
    assert owners[0]["eventName"] == "Encrypt" and "errorCode" not in owners[0]
    assert {r["ARN"] for r in owners[0]["resources"]} == {shared["Arn"]}


def test_cross_account_record_names_the_key_owner_account(world):
    """CloudTrail's resources[].accountId is the account that owns the resource."""
    b, shared = world.b, world.shared
    request_id = rid(b.kms.encrypt(KeyId=shared["Arn"], Plaintext=b"x"))
    mine = records_of(b.ct, request_id)
    assert [r["accountId"] for r in mine[0]["resources"] if r["ARN"] == shared["Arn"]] == [A]
