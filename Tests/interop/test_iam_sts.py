"""Issue 6: IAM groups, roles, managed policies with versions and attachments; STS AssumeRole
and GetSessionToken; what each grants, checked through KMS calls made with the resulting keys."""
import json

import pytest

from conftest import ACCOUNT, allow, fails, policy_doc, session_keys, user_with_keys

OTHER = "222233334444"



doc = policy_doc


@pytest.fixture()
def iam(fresh_server):
    return fresh_server.client("iam")


def test_groups_give_their_members_permissions(fresh_server, iam):
    keys = user_with_keys(iam, "gail")
    kms = fresh_server.client("kms", keys=keys)
    fails("AccessDeniedException", kms.list_keys)
    group = iam.create_group(GroupName="readers")["Group"]
    assert group["Arn"] == f"arn:aws:iam::{ACCOUNT}:group/readers" and group["GroupId"].startswith("AGPA")
    fails("EntityAlreadyExists", iam.create_group, GroupName="readers")
    iam.put_group_policy(GroupName="readers", PolicyName="list", PolicyDocument=doc(allow("kms:ListKeys")))
    iam.add_user_to_group(GroupName="readers", UserName="gail")
    assert [u["UserName"] for u in iam.get_group(GroupName="readers")["Users"]] == ["gail"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="gail")["Groups"]] == ["readers"]
    kms.list_keys()
    fails("DeleteConflict", iam.delete_group, GroupName="readers")
    iam.remove_user_from_group(GroupName="readers", UserName="gail")
    fails("AccessDeniedException", kms.list_keys)
    iam.delete_group_policy(GroupName="readers", PolicyName="list")
    iam.delete_group(GroupName="readers")
    fails("NoSuchEntity", iam.get_group, GroupName="readers")


def test_managed_policies_versions_and_attachments(fresh_server, iam):
    keys = user_with_keys(iam, "mona")
    kms = fresh_server.client("kms", keys=keys)
    first = doc(allow(["kms:ListKeys", "kms:CreateKey"]))
    policy = iam.create_policy(PolicyName="keys", Path="/app/", PolicyDocument=first, Description="d")["Policy"]
    arn = policy["Arn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:policy/app/keys" and policy["DefaultVersionId"] == "v1"
    fails("EntityAlreadyExists", iam.create_policy, PolicyName="keys", PolicyDocument=first)
    fails("MalformedPolicyDocument", iam.create_policy, PolicyName="bad", PolicyDocument='{"Statement": 1}')
    iam.attach_user_policy(UserName="mona", PolicyArn=arn)
    assert iam.list_attached_user_policies(UserName="mona")["AttachedPolicies"] == [{"PolicyName": "keys", "PolicyArn": arn}]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    kms.create_key()
    # A second version, made default, narrows the user at once.
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc(allow("kms:ListKeys")), SetAsDefault=True)
    fails("AccessDeniedException", kms.create_key)
    kms.list_keys()
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [("v2", True), ("v1", False)]
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert got["Document"] == json.loads(first)  # URL-encoded on the wire; boto3 decodes it
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    kms.create_key()
    fails("DeleteConflict", iam.delete_policy_version, PolicyArn=arn, VersionId="v1")
    fails("DeleteConflict", iam.delete_policy, PolicyArn=arn)
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert [u["UserName"] for u in entities["PolicyUsers"]] == ["mona"]
    iam.detach_user_policy(UserName="mona", PolicyArn=arn)
    fails("AccessDeniedException", kms.list_keys)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    iam.delete_policy(PolicyArn=arn)
    fails("NoSuchEntity", iam.get_policy, PolicyArn=arn)


def trust(*principals):
    return doc({"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"})


def test_assume_role_in_the_same_account(fresh_server, iam):
    keys = user_with_keys(iam, "rita")
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/rita"
    role = iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=trust(user_arn), MaxSessionDuration=7200)["Role"]
    assert role["RoleId"].startswith("AROA") and role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/deployer"
    assert iam.get_role(RoleName="deployer")["Role"]["AssumeRolePolicyDocument"] == json.loads(trust(user_arn))
    iam.put_role_policy(RoleName="deployer", PolicyName="kms", PolicyDocument=doc(allow(["kms:CreateKey", "kms:ListKeys"])))
    sts = fresh_server.client("sts", keys=keys)
    out = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ci-42", DurationSeconds=3600)
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["SessionToken"]) >= 100
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci-42"
    assert out["AssumedRoleUser"]["AssumedRoleId"] == role["RoleId"] + ":ci-42"
    session = fresh_server.client("sts", keys=session_keys(creds))
    assert session.get_caller_identity()["Arn"] == out["AssumedRoleUser"]["Arn"]
    kms = fresh_server.client("kms", keys=session_keys(creds))
    kms.create_key()
    # Without the token, or with another, the key id is not recognised.
    fails("UnrecognizedClientException", fresh_server.client("kms", keys=session_keys(creds)[:2]).list_keys)
    fails("UnrecognizedClientException",
          fresh_server.client("kms", keys=(creds["AccessKeyId"], creds["SecretAccessKey"], "x" * 128)).list_keys)
    # The role's permissions, not the user's: the user has none of its own.
    fails("AccessDeniedException", fresh_server.client("kms", keys=keys).list_keys)
    fails("ValidationError", sts.assume_role, RoleArn=role["Arn"], RoleSessionName="long", DurationSeconds=10800)
    # A session policy narrows the role.
    narrow = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="narrow", Policy=doc(allow("kms:ListKeys")))
    assert "PackedPolicySize" in narrow
    narrowed = fresh_server.client("kms", keys=session_keys(narrow["Credentials"]))
    narrowed.list_keys()
    fails("AccessDeniedException", narrowed.create_key)
    # A principal the trust policy does not name is refused; so is a role that does not exist.
    other = fresh_server.client("sts", keys=user_with_keys(iam, "otto"))
    fails("AccessDenied", other.assume_role, RoleArn=role["Arn"], RoleSessionName="x1")
    fails("AccessDenied", sts.assume_role, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/nope", RoleSessionName="x1")
    fails("DeleteConflict", iam.delete_role, RoleName="deployer")


def test_sessions_expire_on_the_service_clock(fresh_server, iam):
    iam.create_role(RoleName="short", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))
    iam.put_role_policy(RoleName="short", PolicyName="kms", PolicyDocument=doc(allow("kms:ListKeys")))
    creds = fresh_server.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/short", RoleSessionName="s1", DurationSeconds=900)["Credentials"]
    kms = fresh_server.client("kms", keys=session_keys(creds))
    kms.list_keys()
    fresh_server.advance_clock(901)
    fails("ExpiredTokenException", kms.list_keys)
    fails("ExpiredToken", fresh_server.client("sts", keys=session_keys(creds)).get_caller_identity)


def test_cross_account_assume_role_needs_both_policies(fresh_server, iam):
    other_keys = fresh_server.add_account(OTHER)
    other_iam = fresh_server.client("iam", keys=other_keys)
    role_arn = other_iam.create_role(RoleName="auditor", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))[
        "Role"]["Arn"]
    other_iam.attach_role_policy(
        RoleName="auditor",
        PolicyArn=other_iam.create_policy(PolicyName="list", PolicyDocument=doc(allow("kms:ListKeys")))["Policy"]["Arn"])
    keys = user_with_keys(iam, "carl")
    sts = fresh_server.client("sts", keys=keys)
    fails("AccessDenied", sts.assume_role, RoleArn=role_arn, RoleSessionName="audit")
    iam.put_user_policy(UserName="carl", PolicyName="assume", PolicyDocument=doc(allow("sts:AssumeRole", role_arn)))
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="audit")["Credentials"]
    session = fresh_server.client("sts", keys=session_keys(creds))
    assert session.get_caller_identity()["Account"] == OTHER
    fresh_server.client("kms", keys=session_keys(creds)).list_keys()


def test_role_sessions_are_principals_in_key_policies(fresh_server, iam):
    role_arn = iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))["Role"]["Arn"]
    kms = fresh_server.client("kms")
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": role_arn}, "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}]}
    key_id = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    creds = fresh_server.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="worker")["Credentials"]
    session_kms = fresh_server.client("kms", keys=session_keys(creds))
    blob = session_kms.encrypt(KeyId=key_id, Plaintext=b"by a role")["CiphertextBlob"]
    assert session_kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"by a role"
    fails("AccessDeniedException", session_kms.describe_key, KeyId=key_id)


def test_get_session_token(fresh_server, iam):
    keys = user_with_keys(iam, "sam")
    iam.put_user_policy(UserName="sam", PolicyName="list", PolicyDocument=doc(allow("kms:ListKeys")))
    creds = fresh_server.client("sts", keys=keys).get_session_token(DurationSeconds=900)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    session = fresh_server.client("sts", keys=session_keys(creds))
    assert session.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/sam"
    fresh_server.client("kms", keys=session_keys(creds)).list_keys()
    fails("AccessDenied", session.get_session_token)


def test_role_administration(fresh_server, iam):
    iam.create_role(RoleName="tagged", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"),
                    Tags=[{"Key": "team", "Value": "a"}], Description="first")
    fails("EntityAlreadyExists", iam.create_role, RoleName="TAGGED", AssumeRolePolicyDocument=trust("*"))
    fails("MalformedPolicyDocument", iam.create_role, RoleName="nop", AssumeRolePolicyDocument=doc(allow("s3:*")))
    iam.tag_role(RoleName="tagged", Tags=[{"Key": "env", "Value": "dev"}])
    iam.untag_role(RoleName="tagged", TagKeys=["team"])
    assert iam.list_role_tags(RoleName="tagged")["Tags"] == [{"Key": "env", "Value": "dev"}]
    iam.update_role(RoleName="tagged", Description="second", MaxSessionDuration=7200)
    role = iam.get_role(RoleName="tagged")["Role"]
    assert role["Description"] == "second" and role["MaxSessionDuration"] == 7200
    iam.update_assume_role_policy(RoleName="tagged", PolicyDocument=trust(f"arn:aws:iam::{OTHER}:root"))
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["tagged"]
    assert iam.list_instance_profiles_for_role(RoleName="tagged")["InstanceProfiles"] == []
    iam.delete_role(RoleName="tagged")
    fails("NoSuchEntity", iam.get_role, RoleName="tagged")


def test_aws_cli_assume_role(fresh_server):
    iam = fresh_server.client("iam")
    iam.create_role(RoleName="cli", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))
    out = fresh_server.cli("sts", "assume-role", "--role-arn", f"arn:aws:iam::{ACCOUNT}:role/cli",
                           "--role-session-name", "from-cli")
    assert out["AssumedRoleUser"]["Arn"].endswith(":assumed-role/cli/from-cli")


def test_key_policy_lockout_check_and_principals_that_must_exist(fresh_server, iam):
    kms = fresh_server.client("kms")
    kim = f"arn:aws:iam::{ACCOUNT}:user/kim"

    def only(principal):
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}]})

    message = fails("MalformedPolicyDocumentException", kms.create_key, Policy=only(kim))["Error"]["Message"]
    assert "invalid principals" in message
    iam.create_user(UserName="kim")
    message = fails("MalformedPolicyDocumentException", kms.create_key, Policy=only(kim))["Error"]["Message"]
    assert "will not allow you to update the key policy" in message
    key_id = kms.create_key(Policy=only(kim), BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["KeyId"]
    fails("AccessDeniedException", kms.put_key_policy, KeyId=key_id, PolicyName="default", Policy=only("*"))
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    fails("MalformedPolicyDocumentException", kms.put_key_policy, KeyId=other, PolicyName="default", Policy=only(kim))
    role = f"arn:aws:iam::{ACCOUNT}:role/gone"
    fails("MalformedPolicyDocumentException", kms.put_key_policy, KeyId=other, PolicyName="default",
          Policy=only([f"arn:aws:iam::{ACCOUNT}:root", role]))
    iam.create_role(RoleName="gone", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))
    kms.put_key_policy(KeyId=other, PolicyName="default", Policy=only([f"arn:aws:iam::{ACCOUNT}:root", role]))


def test_role_sessions_in_the_trail(fresh_server, iam):
    role_arn = iam.create_role(RoleName="traced", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))["Role"]
    iam.put_role_policy(RoleName="traced", PolicyName="kms", PolicyDocument=doc(allow("kms:CreateKey")))
    out = fresh_server.client("sts").assume_role(RoleArn=role_arn["Arn"], RoleSessionName="audited")
    fresh_server.client("kms", keys=session_keys(out["Credentials"])).create_key()
    events = fresh_server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateKey"}])["Events"]
    record = json.loads(events[0]["CloudTrailEvent"])
    identity = record["userIdentity"]
    assert identity["type"] == "AssumedRole" and identity["arn"] == out["AssumedRoleUser"]["Arn"]
    assert identity["accessKeyId"] == out["Credentials"]["AccessKeyId"]
    issuer = identity["sessionContext"]["sessionIssuer"]
    assert issuer["type"] == "Role" and issuer["arn"] == role_arn["Arn"] and issuer["userName"] == "traced"
    assert issuer["principalId"] == role_arn["RoleId"]
    assumed = fresh_server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}])["Events"]
    text = assumed[0]["CloudTrailEvent"]
    assert json.loads(text)["eventSource"] == "sts.amazonaws.com"
    assert out["Credentials"]["SecretAccessKey"] not in text and out["Credentials"]["SessionToken"] not in text


def test_rename_a_user_keeps_keys_policies_and_groups(fresh_server, iam):
    keys = user_with_keys(iam, "old-name")
    iam.put_user_policy(UserName="old-name", PolicyName="list", PolicyDocument=doc(allow("kms:ListKeys")))
    iam.create_group(GroupName="team")
    iam.add_user_to_group(GroupName="team", UserName="old-name")
    sts = fresh_server.client("sts", keys=keys)
    assert sts.get_caller_identity()["Arn"].endswith(":user/old-name")
    iam.create_user(UserName="taken")
    fails("EntityAlreadyExists", iam.update_user, UserName="old-name", NewUserName="TAKEN")
    iam.update_user(UserName="old-name", NewUserName="new-name", NewPath="/staff/")
    fails("NoSuchEntity", iam.get_user, UserName="old-name")
    user = iam.get_user(UserName="new-name")["User"]
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/staff/new-name"
    assert sts.get_caller_identity()["Arn"] == user["Arn"]
    assert iam.list_user_policies(UserName="new-name")["PolicyNames"] == ["list"]
    assert [u["UserName"] for u in iam.get_group(GroupName="team")["Users"]] == ["new-name"]
    assert len(iam.list_access_keys(UserName="new-name")["AccessKeyMetadata"]) == 1
    fresh_server.client("kms", keys=keys).list_keys()
