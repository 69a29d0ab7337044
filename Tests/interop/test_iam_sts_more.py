"""Issue 18: STS session tags (AssumeRole Tags, TransitiveTagKeys, role chaining, aws:PrincipalTag
from session tags), GetFederationToken, AWS managed policies and service-linked roles."""
import json
import time

import pytest

from conftest import ACCOUNT, allow, fails, policy_doc, session_keys, user_with_keys

doc = policy_doc


@pytest.fixture()
def iam(fresh_server):
    return fresh_server.client("iam")


def trust(principal, actions=("sts:AssumeRole",), **extra):
    return doc({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": list(actions), **extra})


def tags(**pairs):
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def test_session_tags_need_tag_session_and_are_checked(fresh_server, iam):
    iam.create_role(RoleName="plain", AssumeRolePolicyDocument=trust(ROOT))
    # The request tag condition holds sts:TagSession to team=blue (trust policies see aws:RequestTag).
    iam.create_role(RoleName="tagged", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:TagSession",
         "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"},
                       "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "stage"]}}}))
    sts = fresh_server.client("sts")
    plain = f"arn:aws:iam::{ACCOUNT}:role/plain"
    tagged = f"arn:aws:iam::{ACCOUNT}:role/tagged"
    # Without sts:TagSession in the trust policy, tags are refused (the role itself is fine).
    error = fails("AccessDenied", sts.assume_role, RoleArn=plain, RoleSessionName="s1", Tags=tags(team="blue"))
    assert "sts:TagSession" in error["Error"]["Message"]
    sts.assume_role(RoleArn=plain, RoleSessionName="s1")
    fails("AccessDenied", sts.assume_role, RoleArn=tagged, RoleSessionName="s1", Tags=tags(team="red"))
    fails("AccessDenied", sts.assume_role, RoleArn=tagged, RoleSessionName="s1", Tags=tags(team="blue", other="x"))
    out = sts.assume_role(RoleArn=tagged, RoleSessionName="s1", Tags=tags(team="blue"))
    assert 0 < out["PackedPolicySize"] <= 100
    # AWS's own checks, with its messages (LocalStack's AWS-validated STS provider).
    error = fails("InvalidParameterValue", sts.assume_role, RoleArn=tagged, RoleSessionName="s1",
                  Tags=[{"Key": "team", "Value": "blue"}, {"Key": "TEAM", "Value": "blue"}])
    assert error["Error"]["Message"] == "Duplicate tag keys found. Please note that Tag keys are case insensitive."
    error = fails("InvalidParameterValue", sts.assume_role, RoleArn=tagged, RoleSessionName="s1",
                  Tags=tags(team="blue"), TransitiveTagKeys=["stage"])
    assert error["Error"]["Message"] == "The specified transitive tag key must be included in the requested tags."
    fails("InvalidParameterValue", sts.assume_role, RoleArn=tagged, RoleSessionName="s1", Tags=[{"Key": "aws:team", "Value": "x"}])
    # The model's limits: 50 tags, 128-character keys, 256-character values.
    fails("ValidationError", sts.assume_role, RoleArn=tagged, RoleSessionName="s1",
          Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    fails("ValidationError", sts.assume_role, RoleArn=tagged, RoleSessionName="s1", Tags=[{"Key": "k" * 129, "Value": "v"}])
    fails("ValidationError", sts.assume_role, RoleArn=tagged, RoleSessionName="s1", Tags=[{"Key": "team", "Value": "v" * 257}])
    fails("ValidationError", sts.assume_role, RoleArn=tagged, RoleSessionName="s1", Tags=[{"Key": "bad!", "Value": "v"}])


def test_session_tags_are_principal_tags_and_chain_when_transitive(fresh_server, iam):
    both = ["sts:AssumeRole", "sts:TagSession"]
    # The role's own tag says red; policies allow only blue principals.
    iam.create_role(RoleName="first", AssumeRolePolicyDocument=trust(ROOT, both), Tags=tags(team="red"))
    only_blue = doc(allow("kms:ListKeys", Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}),
                    allow("sts:AssumeRole"), allow("sts:TagSession"))
    iam.put_role_policy(RoleName="first", PolicyName="p", PolicyDocument=only_blue)
    first_arn = f"arn:aws:iam::{ACCOUNT}:role/first"
    iam.create_role(RoleName="second", AssumeRolePolicyDocument=trust(first_arn, both))
    iam.put_role_policy(RoleName="second", PolicyName="p", PolicyDocument=only_blue)
    sts = fresh_server.client("sts")
    red = sts.assume_role(RoleArn=first_arn, RoleSessionName="red")["Credentials"]
    fails("AccessDeniedException", fresh_server.client("kms", keys=session_keys(red)).list_keys)
    # A session tag of the same key (in any case) takes the place of the role's tag.
    blue = sts.assume_role(RoleArn=first_arn, RoleSessionName="blue", Tags=tags(Team="blue"),
                           TransitiveTagKeys=["Team"])["Credentials"]
    fresh_server.client("kms", keys=session_keys(blue)).list_keys()
    # Chained: the transitive tag comes along and cannot be set again.
    chained_sts = fresh_server.client("sts", keys=session_keys(blue))
    error = fails("InvalidParameterValue", chained_sts.assume_role, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/second",
                  RoleSessionName="c1", Tags=tags(team="red"))
    assert "conflicts with a transitive tag key from the calling session" in error["Error"]["Message"]
    second = chained_sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/second", RoleSessionName="c1")["Credentials"]
    fresh_server.client("kms", keys=session_keys(second)).list_keys()
    # Without the transitive key, a chained session has no team tag.
    plain = sts.assume_role(RoleArn=first_arn, RoleSessionName="p1", Tags=tags(team="blue"))["Credentials"]
    fresh_server.client("kms", keys=session_keys(plain)).list_keys()
    untagged = fresh_server.client("sts", keys=session_keys(plain)).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/second", RoleSessionName="u1")["Credentials"]
    fails("AccessDeniedException", fresh_server.client("kms", keys=session_keys(untagged)).list_keys)
    # The tags live with the session, so they hold after a restart.
    fresh_server.stop()
    fresh_server.start_again()
    fresh_server.client("kms", keys=session_keys(second)).list_keys()


def test_get_federation_token(fresh_server, iam):
    keys = user_with_keys(iam, "broker")
    iam.put_user_policy(UserName="broker", PolicyName="p", PolicyDocument=doc(
        allow(["sts:GetFederationToken", "sts:TagSession", "kms:ListKeys", "kms:CreateKey", "iam:ListUsers"])))
    sts = fresh_server.client("sts", keys=keys)
    out = sts.get_federation_token(Name="alice", Policy=doc(allow(["kms:ListKeys", "iam:ListRoles"])),
                                   DurationSeconds=7200, Tags=tags(dept="ops"))
    assert out["FederatedUser"] == {"FederatedUserId": f"{ACCOUNT}:alice",
                                    "Arn": f"arn:aws:sts::{ACCOUNT}:federated-user/alice"}
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA") and "PackedPolicySize" in out
    creds = session_keys(out["Credentials"])
    who = fresh_server.client("sts", keys=creds).get_caller_identity()
    assert (who["UserId"], who["Account"], who["Arn"]) == (
        f"{ACCOUNT}:alice", ACCOUNT, f"arn:aws:sts::{ACCOUNT}:federated-user/alice")
    # What both the user's policies and the session policy allow: ListKeys only.
    kms = fresh_server.client("kms", keys=creds)
    kms.list_keys()
    fails("AccessDeniedException", kms.create_key)
    fed_iam = fresh_server.client("iam", keys=creds)
    error = fails("AccessDenied", fed_iam.list_roles)  # the session allows it, the user's policies do not
    assert f"arn:aws:sts::{ACCOUNT}:federated-user/alice" in error["Error"]["Message"]
    fails("AccessDenied", fed_iam.list_users)  # the user's policies allow it, the session does not
    # Without a session policy, a federated user may do nothing.
    bare = session_keys(sts.get_federation_token(Name="nobody")["Credentials"])
    fails("AccessDeniedException", fresh_server.client("kms", keys=bare).list_keys)
    # Session credentials may not ask; the name and duration follow the model.
    fails("AccessDenied", fresh_server.client("sts", keys=creds).get_federation_token, Name="again")
    fails("ValidationError", sts.get_federation_token, Name="a")
    fails("ValidationError", sts.get_federation_token, Name="x" * 33)
    fails("ValidationError", sts.get_federation_token, Name="no spaces")
    fails("ValidationError", sts.get_federation_token, Name="bob", DurationSeconds=899)
    fails("ValidationError", sts.get_federation_token, Name="bob", DurationSeconds=129601)
    fails("InvalidParameterValue", sts.get_federation_token, Name="bob", Tags=tags(a="1", A="2"))
    # A user without sts:GetFederationToken is refused.
    other = fresh_server.client("sts", keys=user_with_keys(iam, "other"))
    fails("AccessDenied", other.get_federation_token, Name="bob")
    # The root may ask too, for an hour at most.
    root_out = fresh_server.client("sts").get_federation_token(Name="rootfed", DurationSeconds=7200,
                                                                Policy=doc(allow("kms:*")))
    lifetime = root_out["Credentials"]["Expiration"] - out["Credentials"]["Expiration"]
    assert lifetime.total_seconds() < -3000  # 1 h against the user's 2 h
    fresh_server.client("kms", keys=session_keys(root_out["Credentials"])).create_key()


AWS_POLICY = "arn:aws:iam::aws:policy/"


def test_aws_managed_policies_are_visible_attachable_and_enforced(fresh_server, iam):
    admin = AWS_POLICY + "AdministratorAccess"
    policy = iam.get_policy(PolicyArn=admin)["Policy"]
    assert (policy["PolicyName"], policy["Path"], policy["DefaultVersionId"], policy["AttachmentCount"]) == (
        "AdministratorAccess", "/", "v1", 0)
    basic = iam.get_policy(PolicyArn=AWS_POLICY + "service-role/AWSLambdaBasicExecutionRole")["Policy"]
    assert basic["Path"] == "/service-role/"
    version = iam.get_policy_version(PolicyArn=AWS_POLICY + "AmazonSQSFullAccess", VersionId="v1")["PolicyVersion"]
    assert version["Document"]["Statement"][0]["Action"] == ["sqs:*"] and version["IsDefaultVersion"]
    fails("NoSuchEntity", iam.get_policy_version, PolicyArn=admin, VersionId="v2")
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=AWS_POLICY + "PowerUserAccess")["Versions"]] == ["v12"]
    fails("NoSuchEntity", iam.get_policy, PolicyArn=AWS_POLICY + "NoSuchPolicy")
    # Scope: AWS lists AWS's, Local the account's, All both; OnlyAttached and PathPrefix narrow.
    iam.create_policy(PolicyName="mine", PolicyDocument=doc(allow("kms:ListKeys")))
    listed = lambda **kw: {p["PolicyName"] for p in iam.list_policies(**kw)["Policies"]}
    aws_names = listed(Scope="AWS")
    assert {"AdministratorAccess", "ReadOnlyAccess", "IAMReadOnlyAccess", "AWS_ConfigRole"} <= aws_names
    assert "mine" not in aws_names and listed(Scope="Local") == {"mine"}
    assert listed() == aws_names | {"mine"}
    assert "AWSLambdaRole" in listed(Scope="AWS", PathPrefix="/service-role/")
    assert "AdministratorAccess" not in listed(Scope="AWS", PathPrefix="/service-role/")
    # Attached to a user: counted, listed, enforced.
    keys = user_with_keys(iam, "reader")
    kms = fresh_server.client("kms", keys=keys)
    user_iam = fresh_server.client("iam", keys=keys)
    fails("AccessDeniedException", kms.list_keys)
    iam.attach_user_policy(UserName="reader", PolicyArn=AWS_POLICY + "ReadOnlyAccess")
    kms.list_keys()
    user_iam.list_users()
    fails("AccessDeniedException", kms.create_key)
    fails("AccessDenied", user_iam.create_user, UserName="nope")
    assert iam.get_policy(PolicyArn=AWS_POLICY + "ReadOnlyAccess")["Policy"]["AttachmentCount"] == 1
    assert listed(OnlyAttached=True) == {"ReadOnlyAccess"}
    entities = iam.list_entities_for_policy(PolicyArn=AWS_POLICY + "ReadOnlyAccess")
    assert [u["UserName"] for u in entities["PolicyUsers"]] == ["reader"]
    # Through a group and a role as well.
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=AWS_POLICY + "IAMFullAccess")
    iam.add_user_to_group(GroupName="admins", UserName="reader")
    user_iam.create_user(UserName="made-by-reader")
    iam.create_role(RoleName="ops", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}))
    iam.attach_role_policy(RoleName="ops", PolicyArn=AWS_POLICY + "AWSKeyManagementServicePowerUser")
    creds = fresh_server.client("sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/ops", RoleSessionName="o1")
    fresh_server.client("kms", keys=session_keys(creds["Credentials"])).create_key()
    # AWS's policies are AWS's to change.
    fails("AccessDenied", iam.delete_policy, PolicyArn=admin)
    fails("AccessDenied", iam.create_policy_version, PolicyArn=admin, PolicyDocument=doc(allow("kms:*")))
    fails("AccessDenied", iam.set_default_policy_version, PolicyArn=admin, VersionId="v1")
    # Detached, the permission goes.
    iam.detach_user_policy(UserName="reader", PolicyArn=AWS_POLICY + "ReadOnlyAccess")
    fails("AccessDeniedException", kms.list_keys)


def test_service_linked_roles(fresh_server, iam):
    role = iam.create_service_linked_role(AWSServiceName="config.amazonaws.com", Description="for Config")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForConfig" and role["Path"] == "/aws-service-role/config.amazonaws.com/"
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": ["config.amazonaws.com"]}
    got = iam.get_role(RoleName="AWSServiceRoleForConfig")["Role"]
    assert got["Description"] == "for Config"
    attached = iam.list_attached_role_policies(RoleName="AWSServiceRoleForConfig")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [AWS_POLICY + "aws-service-role/AWSConfigServiceRolePolicy"]
    # One per service, with AWS's messages; a suffix only where the service takes one.
    error = fails("InvalidInput", iam.create_service_linked_role, AWSServiceName="config.amazonaws.com")
    assert error["Error"]["Message"] == (
        "Service role name AWSServiceRoleForConfig has been taken in this account, please try a different suffix.")
    error = fails("InvalidInput", iam.create_service_linked_role, AWSServiceName="config.amazonaws.com", CustomSuffix="x")
    assert error["Error"]["Message"] == "Custom suffix is not allowed for config.amazonaws.com"
    fails("InvalidInput", iam.create_service_linked_role, AWSServiceName="nosuch.amazonaws.com")
    suffixed = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="blue")["Role"]
    assert suffixed["RoleName"] == "AWSServiceRoleForAutoScaling_blue"
    iam.create_service_linked_role(AWSServiceName="elasticloadbalancing.amazonaws.com")
    # Users may not change or delete them; the description and tags they may.
    name = "AWSServiceRoleForConfig"
    error = fails("UnmodifiableEntity", iam.delete_role, RoleName=name)
    assert error["Error"]["Message"] == (
        f"Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS")
    fails("UnmodifiableEntity", iam.update_assume_role_policy, RoleName=name, PolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}))
    fails("UnmodifiableEntity", iam.put_role_policy, RoleName=name, PolicyName="p", PolicyDocument=doc(allow("kms:*")))
    fails("UnmodifiableEntity", iam.attach_role_policy, RoleName=name, PolicyArn=AWS_POLICY + "AdministratorAccess")
    fails("UnmodifiableEntity", iam.detach_role_policy, RoleName=name, PolicyArn=attached[0]["PolicyArn"])
    iam.update_role_description(RoleName=name, Description="changed")
    iam.tag_role(RoleName=name, Tags=[{"Key": "k", "Value": "v"}])
    # DeleteServiceLinkedRole answers a task that has succeeded.
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    assert task.startswith(f"task/aws-service-role/config.amazonaws.com/{name}/")
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    fails("NoSuchEntity", iam.get_role, RoleName=name)
    fails("NoSuchEntity", iam.get_service_linked_role_deletion_status,
          DeletionTaskId=f"task/aws-service-role/config.amazonaws.com/{name}/00000000-0000-0000-0000-000000000000")
    iam.create_role(RoleName="plain", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}))
    fails("NoSuchEntity", iam.delete_service_linked_role, RoleName="plain")
    # Again after deletion, the name is free.
    iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")
    # iam:AWSServiceName limits who may make which: EventBridge's full-access policy allows its own only.
    keys = user_with_keys(iam, "eb")
    iam.attach_user_policy(UserName="eb", PolicyArn=AWS_POLICY + "AmazonEventBridgeFullAccess")
    user_iam = fresh_server.client("iam", keys=keys)
    user_iam.create_service_linked_role(AWSServiceName="apidestinations.events.amazonaws.com")
    fails("AccessDenied", user_iam.create_service_linked_role, AWSServiceName="ecs.amazonaws.com")


def test_federated_user_identity_in_the_trail(fresh_server, iam):
    """A call with GetFederationToken's credentials is recorded as AWS's CloudTrail userIdentity
    reference shows a FederatedUser: the federated user's principal id and ARN, and the IAM user
    that asked as the session issuer."""
    account = ACCOUNT
    user = iam.create_user(UserName="broker")["User"]
    key = iam.create_access_key(UserName="broker")["AccessKey"]
    iam.put_user_policy(UserName="broker", PolicyName="p",
                        PolicyDocument=doc(allow(["sts:GetFederationToken", "kms:CreateKey", "kms:ListKeys"])))
    sts = fresh_server.client("sts", keys=(key["AccessKeyId"], key["SecretAccessKey"]))
    out = sts.get_federation_token(Name="alice", Policy=doc(allow(["kms:CreateKey", "kms:ListKeys"])))
    creds = out["Credentials"]
    kms = fresh_server.client("kms", keys=session_keys(creds))
    created = kms.create_key(Description="by a federated user")["KeyMetadata"]
    ct = fresh_server.client("cloudtrail")
    found = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": created["Arn"]}])["Events"]
    record = json.loads(next(e for e in found if e["EventName"] == "CreateKey")["CloudTrailEvent"])
    identity = record["userIdentity"]
    attributes = identity["sessionContext"].pop("attributes")
    assert identity == {
        "type": "FederatedUser", "principalId": f"{account}:alice",
        "arn": f"arn:aws:sts::{account}:federated-user/alice", "accountId": account,
        "accessKeyId": creds["AccessKeyId"],
        "sessionContext": {
            "sessionIssuer": {"type": "IAMUser", "principalId": user["UserId"], "arn": user["Arn"],
                              "accountId": account, "userName": "broker"},
            "webIdFederationData": {},
        },
    }
    assert attributes["mfaAuthenticated"] == "false"
    assert time.strptime(attributes["creationDate"], "%Y-%m-%dT%H:%M:%SZ")
