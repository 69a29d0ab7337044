"""Issue 6 (first part): IAM users, access keys and inline policies over the Query protocol, and
KMS grants with boto3."""
import json
import urllib.parse

import pytest

from conftest import ACCOUNT, fails


@pytest.fixture(scope="module")
def iam(server):
    return server.client("iam")


def make_user(server, iam, name):
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("kms", keys=(key["AccessKeyId"], key["SecretAccessKey"])), key


def test_users(iam):
    user = iam.create_user(UserName="erin", Tags=[{"Key": "team", "Value": "red"}])["User"]
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/erin"
    assert user["UserId"].startswith("AIDA") and len(user["UserId"]) == 21
    assert iam.get_user(UserName="erin")["User"]["UserId"] == user["UserId"]
    assert "erin" in [u["UserName"] for u in iam.list_users()["Users"]]
    resp = fails("EntityAlreadyExists", iam.create_user, UserName="erin")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 409
    resp = fails("NoSuchEntity", iam.get_user, UserName="nobody")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 404
    fails("ValidationError", iam.create_user, UserName="bad name!")
    iam.tag_user(UserName="erin", Tags=[{"Key": "env", "Value": "dev"}])
    assert {t["Key"] for t in iam.list_user_tags(UserName="erin")["Tags"]} == {"team", "env"}
    iam.delete_user(UserName="erin")
    fails("NoSuchEntity", iam.get_user, UserName="erin")


def test_access_keys(server, iam):
    iam.create_user(UserName="frank")
    k1 = iam.create_access_key(UserName="frank")["AccessKey"]
    assert k1["AccessKeyId"].startswith("AKIA") and len(k1["AccessKeyId"]) == 20
    assert len(k1["SecretAccessKey"]) == 40
    iam.create_access_key(UserName="frank")
    fails("LimitExceeded", iam.create_access_key, UserName="frank")
    listed = iam.list_access_keys(UserName="frank")["AccessKeyMetadata"]
    assert len(listed) == 2 and all("SecretAccessKey" not in k for k in listed)
    sts = server.client("sts", keys=(k1["AccessKeyId"], k1["SecretAccessKey"]))
    ident = sts.get_caller_identity()
    assert ident["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/frank"
    assert ident["UserId"].startswith("AIDA")
    iam.update_access_key(UserName="frank", AccessKeyId=k1["AccessKeyId"], Status="Inactive")
    fails("InvalidClientTokenId", sts.get_caller_identity)
    fails("DeleteConflict", iam.delete_user, UserName="frank")
    for k in iam.list_access_keys(UserName="frank")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="frank", AccessKeyId=k["AccessKeyId"])
    iam.delete_user(UserName="frank")


def test_inline_policies(iam):
    iam.create_user(UserName="grace")
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}]})
    iam.put_user_policy(UserName="grace", PolicyName="p1", PolicyDocument=doc)
    assert iam.list_user_policies(UserName="grace")["PolicyNames"] == ["p1"]
    got = iam.get_user_policy(UserName="grace", PolicyName="p1")["PolicyDocument"]
    # boto3 decodes IAM's URL-encoded documents into a dict
    assert got == json.loads(doc)
    fails("MalformedPolicyDocument", iam.put_user_policy, UserName="grace", PolicyName="bad", PolicyDocument="{oops")
    fails("NoSuchEntity", iam.get_user_policy, UserName="grace", PolicyName="nope")
    iam.delete_user_policy(UserName="grace", PolicyName="p1")
    assert iam.list_user_policies(UserName="grace")["PolicyNames"] == []


def test_users_cannot_administer_iam_without_a_policy(server, iam):
    iam.create_user(UserName="heidi")
    key = iam.create_access_key(UserName="heidi")["AccessKey"]
    as_heidi = server.client("iam", keys=(key["AccessKeyId"], key["SecretAccessKey"]))
    resp = fails("AccessDenied", as_heidi.create_user, UserName="mallory2")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_grant_lifecycle(server, kms, iam):
    key = kms.create_key()["KeyMetadata"]
    ivan, _ = make_user(server, iam, "ivan")
    ivan_arn = f"arn:aws:iam::{ACCOUNT}:user/ivan"
    fails("AccessDeniedException", ivan.encrypt, KeyId=key["Arn"], Plaintext=b"x")
    grant = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=ivan_arn, Operations=["Encrypt", "Decrypt"],
                             Constraints={"EncryptionContextSubset": {"app": "orders"}}, Name="ivan-orders")
    assert len(grant["GrantId"]) == 64 and grant["GrantToken"]
    again = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=ivan_arn, Operations=["Encrypt", "Decrypt"],
                             Constraints={"EncryptionContextSubset": {"app": "orders"}}, Name="ivan-orders")
    assert again["GrantId"] == grant["GrantId"], "Name makes CreateGrant idempotent"
    ct = ivan.encrypt(KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"app": "orders", "extra": "1"},
                      GrantTokens=[grant["GrantToken"]])["CiphertextBlob"]
    assert ivan.decrypt(CiphertextBlob=ct, EncryptionContext={"app": "orders", "extra": "1"})["Plaintext"] == b"x"
    fails("AccessDeniedException", ivan.encrypt, KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"app": "billing"})
    fails("AccessDeniedException", ivan.encrypt, KeyId=key["Arn"], Plaintext=b"x")
    fails("AccessDeniedException", ivan.describe_key, KeyId=key["Arn"])
    grants = kms.list_grants(KeyId=key["KeyId"])["Grants"]
    assert len(grants) == 1
    g = grants[0]
    assert g["GranteePrincipal"] == ivan_arn and set(g["Operations"]) == {"Encrypt", "Decrypt"}
    assert g["KeyId"] == key["Arn"] and g["IssuingAccount"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert g["Constraints"] == {"EncryptionContextSubset": {"app": "orders"}}
    kms.revoke_grant(KeyId=key["KeyId"], GrantId=grant["GrantId"])
    fails("AccessDeniedException", ivan.encrypt, KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"app": "orders"})
    assert kms.list_grants(KeyId=key["KeyId"])["Grants"] == []
    fails("NotFoundException", kms.revoke_grant, KeyId=key["KeyId"], GrantId=grant["GrantId"])


def test_retire_grant(server, kms, iam):
    key = kms.create_key()["KeyMetadata"]
    judy, _ = make_user(server, iam, "judy")
    judy_arn = f"arn:aws:iam::{ACCOUNT}:user/judy"
    g = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=judy_arn, Operations=["Encrypt"], RetiringPrincipal=judy_arn)
    retirable = kms.list_retirable_grants(RetiringPrincipal=judy_arn)["Grants"]
    assert [r["GrantId"] for r in retirable] == [g["GrantId"]]
    judy.retire_grant(GrantToken=g["GrantToken"])
    assert kms.list_grants(KeyId=key["KeyId"])["Grants"] == []
    g2 = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=judy_arn, Operations=["Encrypt"])
    kms.retire_grant(KeyId=key["Arn"], GrantId=g2["GrantId"])
    assert kms.list_grants(KeyId=key["KeyId"])["Grants"] == []


def test_grant_bad_input(kms):
    key = kms.create_key()["KeyMetadata"]
    fails("ValidationException", kms.create_grant, KeyId=key["KeyId"], GranteePrincipal="not-an-arn", Operations=["Encrypt"])
    fails("ValidationException", kms.create_grant, KeyId=key["KeyId"], GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:user/x",
          Operations=["Frobnicate"])
    fails("InvalidGrantTokenException", kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x", GrantTokens=["bogus"])
    fails("DryRunOperationException", kms.create_grant, KeyId=key["KeyId"], GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:user/x",
          Operations=["Encrypt"], DryRun=True)
