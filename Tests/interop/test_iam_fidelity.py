"""Issue 18, IAM: GetUser by non-user credentials, the members each IAM answer carries as AWS's
documented responses show them, instance profiles, and permissions boundaries (set, shown, counted
and enforced on IAM and KMS calls, and the iam:PermissionsBoundary condition key)."""

import pytest

from conftest import ACCOUNT, allow, fails, policy_doc, session_keys, user_with_keys


doc = policy_doc


def trust(principal):
    return doc({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"})


@pytest.fixture()
def iam(fresh_server):
    return fresh_server.client("iam")


def role_session(server, iam, name, **create):
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"), **create)
    out = server.client("sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}", RoleSessionName="s1")
    return out["Credentials"], out["AssumedRoleUser"]["Arn"]


def test_get_user_without_a_name_needs_user_credentials(fresh_server, iam):
    creds, _ = role_session(fresh_server, iam, "reader")
    iam.put_role_policy(RoleName="reader", PolicyName="iam", PolicyDocument=doc(allow("iam:GetUser")))
    session_iam = fresh_server.client("iam", keys=session_keys(creds))
    response = fails("ValidationError", session_iam.get_user)
    assert response["Error"]["Message"] == "Must specify userName when calling with non-User credentials"
    iam.create_user(UserName="named")
    assert session_iam.get_user(UserName="named")["User"]["UserName"] == "named"
    # A user's own keys and the root's still answer for themselves.
    keys = user_with_keys(iam, "self")
    iam.put_user_policy(UserName="self", PolicyName="iam", PolicyDocument=doc(allow("iam:GetUser")))
    assert fresh_server.client("iam", keys=keys).get_user()["User"]["UserName"] == "self"
    assert iam.get_user()["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"


def test_answers_carry_the_members_aws_documents(iam):
    tags = [{"Key": "team", "Value": "a"}]
    created = iam.create_role(RoleName="shape", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"),
                              Description="d", Tags=tags)["Role"]
    assert "MaxSessionDuration" not in created and "RoleLastUsed" not in created
    assert created["Description"] == "d" and created["Tags"] == tags
    got = iam.get_role(RoleName="shape")["Role"]
    assert got["MaxSessionDuration"] == 3600 and "RoleLastUsed" in got and got["Tags"] == tags
    listed = iam.list_roles()["Roles"][0]
    assert listed["MaxSessionDuration"] == 3600
    assert not {"Tags", "RoleLastUsed", "PermissionsBoundary"} & set(listed)
    iam.create_user(UserName="shape", Tags=tags)
    assert iam.get_user(UserName="shape")["User"]["Tags"] == tags
    assert "Tags" not in iam.list_users()["Users"][0]
    iam.create_group(GroupName="g")
    iam.add_user_to_group(GroupName="g", UserName="shape")
    assert "Tags" not in iam.get_group(GroupName="g")["Users"][0]
    arn = iam.create_policy(PolicyName="p", PolicyDocument=doc(allow("kms:ListKeys")), Description="pd",
                            Tags=tags)["Policy"]["Arn"]
    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert got["Description"] == "pd" and got["Tags"] == tags and got["PermissionsBoundaryUsageCount"] == 0
    listed = iam.list_policies(Scope="Local")["Policies"][0]
    assert "Description" not in listed and "Tags" not in listed


def test_instance_profiles(fresh_server, iam):
    profile = iam.create_instance_profile(InstanceProfileName="web", Path="/app/",
                                          Tags=[{"Key": "team", "Value": "a"}])["InstanceProfile"]
    assert profile["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/app/web"
    assert profile["InstanceProfileId"].startswith("AIPA") and profile["Roles"] == []
    fails("EntityAlreadyExists", iam.create_instance_profile, InstanceProfileName="web")
    iam.create_instance_profile(InstanceProfileName="batch")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))
    iam.create_role(RoleName="other", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))
    assert iam.list_instance_profiles_for_role(RoleName="app")["InstanceProfiles"] == []
    fails("NoSuchEntity", iam.add_role_to_instance_profile, InstanceProfileName="web", RoleName="ghost")
    fails("NoSuchEntity", iam.add_role_to_instance_profile, InstanceProfileName="ghost", RoleName="app")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="app")
    response = fails("LimitExceeded", iam.add_role_to_instance_profile, InstanceProfileName="web", RoleName="other")
    assert response["Error"]["Message"] == "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
    got = iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["app"] and got["Tags"] == [{"Key": "team", "Value": "a"}]
    for_role = iam.list_instance_profiles_for_role(RoleName="app")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in for_role] == ["web"]
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]] == ["batch", "web"]
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles(PathPrefix="/app/")["InstanceProfiles"]] == ["web"]
    response = fails("DeleteConflict", iam.delete_role, RoleName="app")
    assert response["Error"]["Message"] == "Cannot delete entity, must remove roles from instance profile first."
    fails("DeleteConflict", iam.delete_instance_profile, InstanceProfileName="web")
    iam.tag_instance_profile(InstanceProfileName="web", Tags=[{"Key": "env", "Value": "prod"}])
    iam.untag_instance_profile(InstanceProfileName="web", TagKeys=["team"])
    assert iam.list_instance_profile_tags(InstanceProfileName="web")["Tags"] == [{"Key": "env", "Value": "prod"}]
    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="app")
    fails("NoSuchEntity", iam.remove_role_from_instance_profile, InstanceProfileName="web", RoleName="app")
    iam.delete_instance_profile(InstanceProfileName="web")
    fails("NoSuchEntity", iam.get_instance_profile, InstanceProfileName="web")
    iam.delete_role(RoleName="app")
    # The aws CLI sees the same.
    assert fresh_server.cli("iam", "get-instance-profile", "--instance-profile-name", "batch")[
        "InstanceProfile"]["InstanceProfileName"] == "batch"


def test_permissions_boundaries_are_set_shown_and_counted(iam):
    missing = f"arn:aws:iam::{ACCOUNT}:policy/missing"
    fails("NoSuchEntity", iam.create_user, UserName="u", PermissionsBoundary=missing)
    fails("NoSuchEntity", iam.create_role, RoleName="r", PermissionsBoundary=missing,
          AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))
    arn = iam.create_policy(PolicyName="bound", PolicyDocument=doc(allow("kms:*")))["Policy"]["Arn"]
    shown = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}
    assert iam.create_user(UserName="u", PermissionsBoundary=arn)["User"]["PermissionsBoundary"] == shown
    assert iam.get_user(UserName="u")["User"]["PermissionsBoundary"] == shown
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))
    assert "PermissionsBoundary" not in iam.get_role(RoleName="r")["Role"]
    fails("NoSuchEntity", iam.put_role_permissions_boundary, RoleName="r", PermissionsBoundary=missing)
    fails("NoSuchEntity", iam.put_role_permissions_boundary, RoleName="ghost", PermissionsBoundary=arn)
    iam.put_role_permissions_boundary(RoleName="r", PermissionsBoundary=arn)
    assert iam.get_role(RoleName="r")["Role"]["PermissionsBoundary"] == shown
    # AWS's listings leave the boundary out (GetUser and GetRole show it).
    assert "PermissionsBoundary" not in iam.list_users()["Users"][0]
    assert "PermissionsBoundary" not in iam.list_roles()["Roles"][0]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 2
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
    entities = iam.list_entities_for_policy(PolicyArn=arn, PolicyUsageFilter="PermissionsBoundary")
    assert [u["UserName"] for u in entities["PolicyUsers"]] == ["u"]
    assert [r["RoleName"] for r in entities["PolicyRoles"]] == ["r"]
    fails("DeleteConflict", iam.delete_policy, PolicyArn=arn)
    iam.delete_user_permissions_boundary(UserName="u")
    iam.delete_role_permissions_boundary(RoleName="r")
    assert "PermissionsBoundary" not in iam.get_user(UserName="u")["User"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 0
    iam.delete_policy(PolicyArn=arn)


def test_boundaries_limit_users_and_role_sessions(fresh_server, iam):
    root_kms = fresh_server.client("kms")
    key_id = root_kms.create_key()["KeyMetadata"]["KeyId"]  # default key policy: delegates to IAM
    boundary = iam.create_policy(PolicyName="decrypt-only", PolicyDocument=doc(
        allow(["kms:Decrypt", "kms:DescribeKey", "iam:GetUser"]),
        {"Effect": "Deny", "Action": "kms:ScheduleKeyDeletion", "Resource": "*"}))["Policy"]["Arn"]
    keys = user_with_keys(iam, "bounded", PermissionsBoundary=boundary)
    iam.put_user_policy(UserName="bounded", PolicyName="all", PolicyDocument=doc(allow("*")))
    kms = fresh_server.client("kms", keys=keys)
    kms.describe_key(KeyId=key_id)
    response = fails("AccessDeniedException", kms.encrypt, KeyId=key_id, Plaintext=b"x")
    assert "no permissions boundary allows the kms:Encrypt action" in response["Error"]["Message"]
    fails("AccessDeniedException", kms.list_keys)
    user_iam = fresh_server.client("iam", keys=keys)
    user_iam.get_user()
    response = fails("AccessDenied", user_iam.list_users)
    assert "no permissions boundary allows the iam:ListUsers action" in response["Error"]["Message"]
    # Removing the boundary gives the identity policy its full reach at once.
    iam.delete_user_permissions_boundary(UserName="bounded")
    kms.encrypt(KeyId=key_id, Plaintext=b"x")
    user_iam.list_users()
    # A key policy naming the user's own ARN is not limited by the boundary's implicit deny, only
    # by an explicit deny in it.
    iam.put_user_permissions_boundary(UserName="bounded", PermissionsBoundary=boundary)
    iam.delete_user_policy(UserName="bounded", PolicyName="all")
    named = root_kms.create_key(Policy=doc(
        {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
         "Resource": "*"},
        {"Sid": "user", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/bounded"},
         "Action": ["kms:Encrypt", "kms:ScheduleKeyDeletion"], "Resource": "*"}), BypassPolicyLockoutSafetyCheck=True)
    named_id = named["KeyMetadata"]["KeyId"]
    kms.encrypt(KeyId=named_id, Plaintext=b"x")
    fails("AccessDeniedException", kms.schedule_key_deletion, KeyId=named_id, PendingWindowInDays=7)
    # A role's boundary limits its sessions.
    creds, _ = role_session(fresh_server, iam, "worker", PermissionsBoundary=boundary)
    iam.put_role_policy(RoleName="worker", PolicyName="all", PolicyDocument=doc(allow("kms:*")))
    session = fresh_server.client("kms", keys=session_keys(creds))
    session.describe_key(KeyId=key_id)
    fails("AccessDeniedException", session.encrypt, KeyId=key_id, Plaintext=b"x")
    iam.delete_role_permissions_boundary(RoleName="worker")
    session.encrypt(KeyId=key_id, Plaintext=b"x")


def test_the_permissions_boundary_condition_key(fresh_server, iam):
    allowed = iam.create_policy(PolicyName="allowed-boundary", PolicyDocument=doc(allow("kms:*")))["Policy"]["Arn"]
    other = iam.create_policy(PolicyName="other-boundary", PolicyDocument=doc(allow("*")))["Policy"]["Arn"]
    keys = user_with_keys(iam, "admin")
    # The admin may create users and roles, and set boundaries, only with the allowed boundary.
    iam.put_user_policy(UserName="admin", PolicyName="delegate", PolicyDocument=doc(allow(
        ["iam:CreateUser", "iam:CreateRole", "iam:PutUserPermissionsBoundary", "iam:PutRolePermissionsBoundary"],
        Condition={"StringEquals": {"iam:PermissionsBoundary": allowed}})))
    admin = fresh_server.client("iam", keys=keys)
    admin.create_user(UserName="ok", PermissionsBoundary=allowed)
    fails("AccessDenied", admin.create_user, UserName="nope", PermissionsBoundary=other)
    fails("AccessDenied", admin.create_user, UserName="none")
    admin.put_user_permissions_boundary(UserName="ok", PermissionsBoundary=allowed)
    fails("AccessDenied", admin.put_user_permissions_boundary, UserName="ok", PermissionsBoundary=other)
    admin.create_role(RoleName="ok", PermissionsBoundary=allowed,
                      AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))
    fails("AccessDenied", admin.create_role, RoleName="nope", PermissionsBoundary=other,
          AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))
    fails("AccessDenied", admin.put_role_permissions_boundary, RoleName="ok", PermissionsBoundary=other)


def test_credentials_rampart_does_not_issue_list_empty_for_an_existing_user(iam):
    """Console passwords, MFA devices, SSH keys, signing certificates and service-specific
    credentials are never issued here: each list is empty (what tools check before deleting a
    user, e.g. Terraform's force_destroy), and no login profile exists."""
    iam.create_user(UserName="dora")
    assert iam.list_ssh_public_keys(UserName="dora")["SSHPublicKeys"] == []
    assert iam.list_mfa_devices(UserName="dora")["MFADevices"] == []
    assert iam.list_signing_certificates(UserName="dora")["Certificates"] == []
    assert iam.list_service_specific_credentials(UserName="dora")["ServiceSpecificCredentials"] == []
    out = iam.list_virtual_mfa_devices(AssignmentStatus="Any")
    assert out["VirtualMFADevices"] == [] and out["IsTruncated"] is False
    for call in (iam.get_login_profile, iam.delete_login_profile):
        error = fails("NoSuchEntity", call, UserName="dora")
        assert error["Error"]["Message"] == "Login Profile for User dora cannot be found."
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    iam.delete_user(UserName="dora")  # nothing was left attached


def test_credential_listings_for_an_unknown_user_are_no_such_entity(iam):
    for call in (iam.list_ssh_public_keys, iam.list_mfa_devices, iam.list_signing_certificates,
                 iam.list_service_specific_credentials, iam.delete_login_profile):
        fails("NoSuchEntity", call, UserName="nobody")


def test_root_manages_its_own_access_keys_without_a_user_name(fresh_server, iam):
    """Called by the root user without UserName, ListAccessKeys, UpdateAccessKey and
    DeleteAccessKey act on the root user's own keys (AWS's "if you do not specify a user name, IAM
    determines the user name implicitly based on the AWS access key ID signing the request"; for
    root that is the root user), never on an IAM user's."""
    root_id, _ = fresh_server.profile()
    listed = iam.list_access_keys()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [root_id] and "UserName" not in listed[0]
    assert listed[0]["Status"] == "Active"
    user_key = user_with_keys(iam, "someone")[0]
    # A user's key is not the root's: without UserName it is not found.
    fails("NoSuchEntity", iam.update_access_key, AccessKeyId=user_key, Status="Inactive")
    fails("NoSuchEntity", iam.delete_access_key, AccessKeyId=user_key)
    assert iam.list_access_keys(UserName="someone")["AccessKeyMetadata"][0]["Status"] == "Active"
    # A second root key, made by `rampart account create` for another account, is that account's.
    other_id, other_secret = fresh_server.add_account("222233334444")
    other = fresh_server.client("iam", keys=(other_id, other_secret))
    assert [k["AccessKeyId"] for k in other.list_access_keys()["AccessKeyMetadata"]] == [other_id]
    fails("NoSuchEntity", iam.delete_access_key, AccessKeyId=other_id)
    # Root can deactivate and reactivate its own key (the call is made with it, and is answered).
    iam.update_access_key(AccessKeyId=root_id, Status="Active")
    assert iam.list_access_keys()["AccessKeyMetadata"][0]["Status"] == "Active"
