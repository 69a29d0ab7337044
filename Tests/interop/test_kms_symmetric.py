"""Issue 3: KMS symmetric keys end to end with boto3 and the aws CLI."""
import base64
import json

import botocore.exceptions
import pytest

from conftest import ACCOUNT, error_code, fails


def arn(key_id, region="us-east-1", account=ACCOUNT):
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"



@pytest.fixture()
def key(kms):
    return kms.create_key(Description="interop")["KeyMetadata"]


def test_create_key_metadata(kms):
    m = kms.create_key(Description="orders", Tags=[{"TagKey": "team", "TagValue": "a"}])["KeyMetadata"]
    assert m["AWSAccountId"] == ACCOUNT
    assert m["Arn"] == arn(m["KeyId"])
    assert m["KeyState"] == "Enabled" and m["Enabled"] is True
    assert m["KeySpec"] == "SYMMETRIC_DEFAULT" == m["CustomerMasterKeySpec"]
    assert m["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert m["KeyManager"] == "CUSTOMER"
    assert m["Origin"] == "AWS_KMS"
    assert m["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    assert m["MultiRegion"] is False
    assert len(m["CurrentKeyMaterialId"]) == 64
    assert m["Description"] == "orders"
    assert kms.list_resource_tags(KeyId=m["KeyId"])["Tags"] == [{"TagKey": "team", "TagValue": "a"}]


def test_default_key_policy(kms, key):
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert policy["Statement"][0]["Action"] == "kms:*"
    assert kms.list_key_policies(KeyId=key["KeyId"])["PolicyNames"] == ["default"]


def test_put_key_policy(kms, key):
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}]})
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=doc)
    assert kms.get_key_policy(KeyId=key["KeyId"])["Policy"] == doc
    fails("MalformedPolicyDocumentException", kms.put_key_policy, KeyId=key["KeyId"], PolicyName="default", Policy="{not json")
    fails("MalformedPolicyDocumentException", kms.put_key_policy, KeyId=key["KeyId"], Policy='{"Statement": [{"Effect": "Perhaps"}]}')
    fails("NotFoundException", kms.get_key_policy, KeyId=key["KeyId"], PolicyName="other")


def test_create_key_bad_input(kms):
    with pytest.raises(botocore.exceptions.ParamValidationError):
        server_validating = kms  # noqa: F841  (client-side checks are botocore's, not ours)
        import boto3
        boto3.client("kms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y",
                     endpoint_url="http://127.0.0.1:1").create_key(Description=5)
    fails("MalformedPolicyDocumentException", kms.create_key, Policy="nope")
    fails("TagException", kms.create_key, Tags=[{"TagKey": "aws:reserved", "TagValue": "x"}])


def test_describe_key_by_every_name(kms, key):
    kms.create_alias(AliasName="alias/by-name-" + key["KeyId"][:8], TargetKeyId=key["KeyId"])
    alias = "alias/by-name-" + key["KeyId"][:8]
    for name in [key["KeyId"], key["Arn"], alias, f"arn:aws:kms:us-east-1:{ACCOUNT}:{alias}"]:
        assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == key["KeyId"]
    fails("NotFoundException", kms.describe_key, KeyId="alias/does-not-exist")
    fails("NotFoundException", kms.describe_key, KeyId="not-a-key-id")
    fails("NotFoundException", kms.describe_key, KeyId="11111111-2222-3333-4444-555555555555")


def test_list_keys_paging(kms):
    created = {kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(5)}
    seen, marker = [], None
    while True:
        page = kms.list_keys(Limit=2, **({"Marker": marker} if marker else {}))
        seen += [k["KeyId"] for k in page["Keys"]]
        assert all(k["KeyArn"] == arn(k["KeyId"]) for k in page["Keys"])
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert created <= set(seen)
    assert len(seen) == len(set(seen))
    fails("InvalidMarkerException", kms.list_keys, Marker="garbage")
    paginated = [k["KeyId"] for p in kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 3}) for k in p["Keys"]]
    assert set(paginated) == set(seen)


def test_enable_disable(kms, key):
    kms.disable_key(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    msg = fails("DisabledException", kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x")["Error"]["Message"]
    assert key["Arn"] in msg
    kms.enable_key(KeyId=key["KeyId"])
    kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")


def test_update_description(kms, key):
    kms.update_key_description(KeyId=key["Arn"], Description="v2")
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Description"] == "v2"


def test_encrypt_decrypt_round_trip(kms, key):
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"hello", EncryptionContext={"app": "orders"})
    assert ct["KeyId"] == key["Arn"]
    assert ct["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    pt = kms.decrypt(CiphertextBlob=ct["CiphertextBlob"], EncryptionContext={"app": "orders"})
    assert pt["Plaintext"] == b"hello"
    assert pt["KeyId"] == key["Arn"]
    fails("InvalidCiphertextException", kms.decrypt, CiphertextBlob=ct["CiphertextBlob"], EncryptionContext={"app": "billing"})
    fails("InvalidCiphertextException", kms.decrypt, CiphertextBlob=ct["CiphertextBlob"])


def test_context_encoding_does_not_collide(kms, key):
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"ab": "c"})["CiphertextBlob"]
    fails("InvalidCiphertextException", kms.decrypt, CiphertextBlob=ct, EncryptionContext={"a": "bc"})


def test_plaintext_limits(kms, key):
    kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x" * 4096)
    fails("ValidationException", kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x" * 4097)


def test_tampered_and_foreign_ciphertext(kms, key, server):
    ct = bytearray(kms.encrypt(KeyId=key["KeyId"], Plaintext=b"integrity")["CiphertextBlob"])
    for i in (0, 5, len(ct) // 2, len(ct) - 1):
        flipped = bytearray(ct)
        flipped[i] ^= 1
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kms.decrypt(CiphertextBlob=bytes(flipped))
        assert error_code(e) in ("InvalidCiphertextException", "NotFoundException")
    fails("InvalidCiphertextException", kms.decrypt, CiphertextBlob=bytes(ct[:20]))
    fails("InvalidCiphertextException", kms.decrypt, CiphertextBlob=b"random garbage that is not ours")
    west = server.client("kms", region="eu-west-1")
    fails("InvalidCiphertextException", west.decrypt, CiphertextBlob=bytes(ct))


def test_incorrect_key(kms, key):
    other = kms.create_key()["KeyMetadata"]
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    fails("IncorrectKeyException", kms.decrypt, CiphertextBlob=ct, KeyId=other["KeyId"])
    assert kms.decrypt(CiphertextBlob=ct, KeyId=key["Arn"])["Plaintext"] == b"x"


def test_re_encrypt(kms, key):
    dest = kms.create_key()["KeyMetadata"]
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"move me", EncryptionContext={"a": "1"})["CiphertextBlob"]
    out = kms.re_encrypt(CiphertextBlob=ct, SourceEncryptionContext={"a": "1"}, DestinationKeyId=dest["KeyId"],
                         DestinationEncryptionContext={"b": "2"})
    assert out["SourceKeyId"] == key["Arn"] and out["KeyId"] == dest["Arn"]
    assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"b": "2"})["Plaintext"] == b"move me"
    fails("InvalidCiphertextException", kms.re_encrypt, CiphertextBlob=ct, DestinationKeyId=dest["KeyId"])


def test_generate_data_key(kms, key):
    dk = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256", EncryptionContext={"x": "y"})
    assert len(dk["Plaintext"]) == 32
    assert kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext={"x": "y"})["Plaintext"] == dk["Plaintext"]
    assert len(kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_128")["Plaintext"]) == 16
    assert len(kms.generate_data_key(KeyId=key["KeyId"], NumberOfBytes=64)["Plaintext"]) == 64
    bare = kms.generate_data_key_without_plaintext(KeyId=key["KeyId"], KeySpec="AES_256")
    assert "Plaintext" not in bare
    assert len(kms.decrypt(CiphertextBlob=bare["CiphertextBlob"])["Plaintext"]) == 32
    fails("ValidationException", kms.generate_data_key, KeyId=key["KeyId"])
    fails("ValidationException", kms.generate_data_key, KeyId=key["KeyId"], KeySpec="AES_256", NumberOfBytes=32)
    fails("ValidationException", kms.generate_data_key, KeyId=key["KeyId"], NumberOfBytes=1025)


def test_generate_random(kms):
    out = kms.generate_random(NumberOfBytes=1024)["Plaintext"]
    assert len(out) == 1024 and len(set(out)) > 100
    fails("ValidationException", kms.generate_random, NumberOfBytes=0)
    fails("ValidationException", kms.generate_random, NumberOfBytes=1025)


def test_dry_run(kms, key):
    fails("DryRunOperationException", kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x", DryRun=True)
    fails("DryRunOperationException", kms.generate_data_key, KeyId=key["KeyId"], KeySpec="AES_256", DryRun=True)


def test_aliases(kms, key):
    other = kms.create_key()["KeyMetadata"]
    name = "alias/interop-" + key["KeyId"][:8]
    kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
    fails("AlreadyExistsException", kms.create_alias, AliasName=name, TargetKeyId=other["KeyId"])
    fails("InvalidAliasNameException", kms.create_alias, AliasName="alias/aws/reserved", TargetKeyId=key["KeyId"])
    fails("ValidationException", kms.create_alias, AliasName="alias/bad name", TargetKeyId=key["KeyId"])
    listed = kms.list_aliases(KeyId=key["KeyId"])["Aliases"]
    assert [a["AliasName"] for a in listed] == [name]
    assert listed[0]["AliasArn"] == f"arn:aws:kms:us-east-1:{ACCOUNT}:{name}"
    assert listed[0]["TargetKeyId"] == key["KeyId"]
    assert kms.encrypt(KeyId=name, Plaintext=b"x")["KeyId"] == key["Arn"]
    kms.update_alias(AliasName=name, TargetKeyId=other["Arn"])
    assert kms.encrypt(KeyId=name, Plaintext=b"x")["KeyId"] == other["Arn"]
    kms.delete_alias(AliasName=name)
    fails("NotFoundException", kms.delete_alias, AliasName=name)
    fails("NotFoundException", kms.update_alias, AliasName=name, TargetKeyId=key["KeyId"])


def test_tags(kms, key):
    kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}])
    kms.tag_resource(KeyId=key["Arn"], Tags=[{"TagKey": "a", "TagValue": "3"}])
    assert kms.list_resource_tags(KeyId=key["KeyId"])["Tags"] == [{"TagKey": "a", "TagValue": "3"}, {"TagKey": "b", "TagValue": "2"}]
    kms.untag_resource(KeyId=key["KeyId"], TagKeys=["a"])
    assert kms.list_resource_tags(KeyId=key["KeyId"])["Tags"] == [{"TagKey": "b", "TagValue": "2"}]
    fails("TagException", kms.tag_resource, KeyId=key["KeyId"], Tags=[{"TagKey": "aws:x", "TagValue": "1"}])
    fails("TagException", kms.tag_resource, KeyId=key["KeyId"], Tags=[{"TagKey": f"k{i}", "TagValue": "v"} for i in range(51)])


def test_rotation(kms, key):
    status = kms.get_key_rotation_status(KeyId=key["KeyId"])
    assert status["KeyRotationEnabled"] is False
    fails("ValidationException", kms.enable_key_rotation, KeyId=key["KeyId"], RotationPeriodInDays=89)
    fails("ValidationException", kms.enable_key_rotation, KeyId=key["KeyId"], RotationPeriodInDays=2561)
    kms.enable_key_rotation(KeyId=key["KeyId"])
    status = kms.get_key_rotation_status(KeyId=key["KeyId"])
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 365
    assert status["KeyId"] == key["Arn"]
    assert "NextRotationDate" in status
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"old")["CiphertextBlob"]
    assert kms.rotate_key_on_demand(KeyId=key["KeyId"])["KeyId"] == key["Arn"]
    rotations = kms.list_key_rotations(KeyId=key["KeyId"])["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["ON_DEMAND"]
    assert rotations[0]["KeyMaterialState"] == "CURRENT"
    everything = kms.list_key_rotations(KeyId=key["KeyId"], IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
    assert len(everything) == 2
    assert kms.decrypt(CiphertextBlob=ct)["Plaintext"] == b"old"
    new_material = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
    assert new_material == rotations[0]["KeyMaterialId"]
    kms.disable_key_rotation(KeyId=key["KeyId"])
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is False
    kms.disable_key(KeyId=key["KeyId"])
    fails("DisabledException", kms.enable_key_rotation, KeyId=key["KeyId"])
    fails("DisabledException", kms.rotate_key_on_demand, KeyId=key["KeyId"])


def test_deletion_window(kms, key):
    fails("ValidationException", kms.schedule_key_deletion, KeyId=key["KeyId"], PendingWindowInDays=6)
    fails("ValidationException", kms.schedule_key_deletion, KeyId=key["KeyId"], PendingWindowInDays=31)
    out = kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert out["KeyState"] == "PendingDeletion" and out["PendingWindowInDays"] == 7 and out["KeyId"] == key["Arn"]
    m = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert m["KeyState"] == "PendingDeletion" and m["PendingDeletionWindowInDays"] == 7 and "DeletionDate" in m
    fails("KMSInvalidStateException", kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x")
    fails("KMSInvalidStateException", kms.enable_key, KeyId=key["KeyId"])
    fails("KMSInvalidStateException", kms.schedule_key_deletion, KeyId=key["KeyId"])
    assert kms.cancel_key_deletion(KeyId=key["KeyId"])["KeyId"] == key["Arn"]
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    fails("KMSInvalidStateException", kms.cancel_key_deletion, KeyId=key["KeyId"])


def test_deletion_and_rotation_sweeps_follow_the_clock(fresh_server):
    kms = fresh_server.client("kms")
    gone = kms.create_key()["KeyMetadata"]["KeyId"]
    rotating = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/gone", TargetKeyId=gone)
    ct = kms.encrypt(KeyId=gone, Plaintext=b"x")["CiphertextBlob"]
    kms.enable_key_rotation(KeyId=rotating, RotationPeriodInDays=90)
    kms.schedule_key_deletion(KeyId=gone, PendingWindowInDays=7)
    fresh_server.advance_clock(6 * 86400)
    assert kms.describe_key(KeyId=gone)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    fresh_server.advance_clock(85 * 86400)
    fails("NotFoundException", kms.describe_key, KeyId=gone)
    fails("NotFoundException", kms.decrypt, CiphertextBlob=ct)
    assert kms.list_aliases()["Aliases"] == []
    assert [r["RotationType"] for r in kms.list_key_rotations(KeyId=rotating)["Rotations"]] == ["AUTOMATIC"]


def test_region_isolation(server, kms, key):
    west = server.client("kms", region="eu-west-1")
    fails("NotFoundException", west.describe_key, KeyId=key["KeyId"])
    fails("NotFoundException", west.describe_key, KeyId=key["Arn"])
    assert all(k["KeyId"] != key["KeyId"] for k in west.list_keys()["Keys"])


def test_other_account_cannot_use_or_see(server, kms, key):
    keys = server.add_account("444444444444")
    other = server.client("kms", keys=keys)
    fails("NotFoundException", other.describe_key, KeyId=key["KeyId"])
    fails("AccessDeniedException", other.encrypt, KeyId=key["Arn"], Plaintext=b"x")
    assert all(k["KeyId"] != key["KeyId"] for k in other.list_keys()["Keys"])


def test_key_last_usage(kms, key):
    kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    out = kms.get_key_last_usage(KeyId=key["KeyId"])
    assert out["KeyLastUsage"]["Operation"] == "Encrypt"
    assert out["KeyId"] == key["Arn"]


def test_cli_walkthrough(server):
    key = server.cli("kms", "create-key", "--description", "cli")["KeyMetadata"]["KeyId"]
    ct = server.cli("kms", "encrypt", "--key-id", key, "--plaintext", "hello", "--encryption-context", "app=cli")["CiphertextBlob"]
    import tempfile, os
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(base64.b64decode(ct))
    try:
        out = server.cli("kms", "decrypt", "--ciphertext-blob", f"fileb://{f.name}", "--encryption-context", "app=cli")
        assert base64.b64decode(out["Plaintext"]) == b"hello"
    finally:
        os.unlink(f.name)
