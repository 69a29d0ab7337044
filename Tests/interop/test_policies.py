"""Issue 6: key policies and IAM policies enforced, with conditions."""
import json

import botocore.exceptions
import pytest

from conftest import ACCOUNT, error_code


def denied(fn, *a, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(*a, **kw)
    assert error_code(e) == "AccessDeniedException", e.value.response["Error"]
    return e.value.response["Error"]["Message"]


@pytest.fixture()
def user(server):
    iam = server.client("iam")
    import uuid
    name = "u" + uuid.uuid4().hex[:8]
    iam.create_user(UserName=name)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return iam, name, server.client("kms", keys=(k["AccessKeyId"], k["SecretAccessKey"]))


def put(iam, name, statements):
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))


def test_iam_policy_with_default_key_policy(kms, user):
    iam, name, as_user = user
    key = kms.create_key()["KeyMetadata"]
    msg = denied(as_user.encrypt, KeyId=key["Arn"], Plaintext=b"x")
    assert f"arn:aws:iam::{ACCOUNT}:user/{name}" in msg and "kms:Encrypt" in msg
    put(iam, name, [{"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": key["Arn"]}])
    ct = as_user.encrypt(KeyId=key["Arn"], Plaintext=b"x")["CiphertextBlob"]
    assert as_user.decrypt(CiphertextBlob=ct)["Plaintext"] == b"x"
    denied(as_user.describe_key, KeyId=key["Arn"])
    other = kms.create_key()["KeyMetadata"]
    denied(as_user.encrypt, KeyId=other["Arn"], Plaintext=b"x")


def test_key_policy_without_delegation_ignores_iam(kms, user):
    iam, name, as_user = user
    iam.create_user(UserName="somebody-else")
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "other", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/somebody-else"}, "Action": "kms:*", "Resource": "*"}]}
    key = kms.create_key(Policy=json.dumps(policy), BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]
    put(iam, name, [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}])
    denied(as_user.encrypt, KeyId=key["Arn"], Plaintext=b"x")


def test_key_policy_naming_the_user_directly(kms, user):
    iam, name, as_user = user
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "admin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "user", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{name}"},
         "Action": "kms:Encrypt", "Resource": "*", "Condition": {"StringEquals": {"kms:EncryptionContext:app": "orders"}}}]}
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]
    as_user.encrypt(KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"app": "orders"})
    denied(as_user.encrypt, KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"app": "billing"})
    denied(as_user.encrypt, KeyId=key["Arn"], Plaintext=b"x")


def test_explicit_deny_and_source_ip(kms, user):
    iam, name, as_user = user
    key = kms.create_key()["KeyMetadata"]
    put(iam, name, [
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "kms:Encrypt", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}])
    assert "explicit deny" in denied(as_user.encrypt, KeyId=key["Arn"], Plaintext=b"x")
    as_user.describe_key(KeyId=key["Arn"])


def test_iam_user_needs_policy_for_create_key(kms, user):
    iam, name, as_user = user
    denied(as_user.create_key)
    put(iam, name, [{"Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*"}])
    assert as_user.create_key()["KeyMetadata"]["KeyState"] == "Enabled"


def test_malformed_policies_are_refused(server, kms, user):
    iam, name, _ = user
    key = kms.create_key()["KeyMetadata"]
    for bad in ['{"Statement": [{"Effect": "Perhaps"}]}', "not json",
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}']:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=bad)
        assert error_code(e) == "MalformedPolicyDocumentException", bad
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}))
    assert error_code(e) == "MalformedPolicyDocument"


def test_principal_tags_request_tags_and_tag_keys(kms, user):
    iam, name, as_user = user
    put(iam, name, [
        {"Effect": "Allow", "Action": "kms:ListKeys", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "payments"}}},
        {"Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestTag/env": "dev"},
                       "ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}}])
    denied(as_user.list_keys)
    iam.tag_user(UserName=name, Tags=[{"Key": "team", "Value": "payments"}])
    as_user.list_keys()
    iam.tag_user(UserName=name, Tags=[{"Key": "team", "Value": "billing"}])
    denied(as_user.list_keys)
    as_user.create_key(Tags=[{"TagKey": "env", "TagValue": "dev"}])
    denied(as_user.create_key)
    denied(as_user.create_key, Tags=[{"TagKey": "env", "TagValue": "prod"}])
    denied(as_user.create_key, Tags=[{"TagKey": "env", "TagValue": "dev"}, {"TagKey": "cost", "TagValue": "x"}])


def test_resource_aliases_condition(kms, user):
    iam, name, as_user = user
    put(iam, name, [{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*",
                     "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/payments-app"}}}])
    key = kms.create_key()["KeyMetadata"]
    denied(as_user.encrypt, KeyId=key["KeyId"], Plaintext=b"x")
    kms.create_alias(AliasName="alias/payments-app", TargetKeyId=key["KeyId"])
    as_user.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    other = kms.create_key()["KeyMetadata"]
    kms.update_alias(AliasName="alias/payments-app", TargetKeyId=other["KeyId"])
    denied(as_user.encrypt, KeyId=key["KeyId"], Plaintext=b"x")
    as_user.encrypt(KeyId=other["KeyId"], Plaintext=b"x")
    kms.delete_alias(AliasName="alias/payments-app")


def test_aliases_need_rights_on_the_alias_and_the_key(kms, user):
    iam, name, as_user = user
    key = kms.create_key()["KeyMetadata"]
    alias = f"alias/{name}-app"
    put(iam, name, [{"Effect": "Allow", "Action": "kms:CreateAlias", "Resource": key["Arn"]}])
    denied(as_user.create_alias, AliasName=alias, TargetKeyId=key["KeyId"])
    put(iam, name, [{"Effect": "Allow", "Action": "kms:CreateAlias",
                     "Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/{name}-*"}])
    denied(as_user.create_alias, AliasName=alias, TargetKeyId=key["KeyId"])
    put(iam, name, [{"Effect": "Allow", "Action": ["kms:CreateAlias", "kms:DeleteAlias"],
                     "Resource": [key["Arn"], f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/{name}-*"]}])
    as_user.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    denied(as_user.create_alias, AliasName="alias/elsewhere", TargetKeyId=key["KeyId"])
    as_user.delete_alias(AliasName=alias)
