"""Issue 18: multi-Region keys with boto3 and the aws CLI, in two regions of one account.

A primary key in us-east-1 and its replicas share the key id, key material (every rotation),
key spec, usage, origin and automatic rotation; policy, tags, description, aliases, enabled
state and deletion are each key's own. Ciphertext, signatures and MACs made in one region are
good in the others. The session server is shared: each test makes keys of its own; tests that
move the clock use `fresh_server`."""
import base64
import json
import os
import uuid

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from conftest import ACCOUNT, allow, fails, policy_doc, user_with_keys
from test_import import params, wrap


def arn(key_id, region):
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


@pytest.fixture(scope="module")
def east(server):
    return server.client("kms")


@pytest.fixture(scope="module")
def west(server):
    return server.client("kms", region="us-west-2")


def primary(kms, **create):
    return kms.create_key(MultiRegion=True, Description=f"mrk {uuid.uuid4()}", **create)["KeyMetadata"]


def replicate(kms, key_id, region="us-west-2", **extra):
    return kms.replicate_key(KeyId=key_id, ReplicaRegion=region, **extra)


def test_create_and_replicate(east, west):
    key = primary(east)
    key_id = key["KeyId"]
    assert key_id.startswith("mrk-") and len(key_id) == 36 and all(c in "0123456789abcdef" for c in key_id[4:])
    assert key["MultiRegion"] is True
    assert key["MultiRegionConfiguration"] == {
        "MultiRegionKeyType": "PRIMARY", "PrimaryKey": {"Arn": arn(key_id, "us-east-1"), "Region": "us-east-1"},
        "ReplicaKeys": []}

    out = replicate(east, key_id, Description="west copy", Tags=[{"TagKey": "site", "TagValue": "west"}])
    replica = out["ReplicaKeyMetadata"]
    # AWS answers while the replica is still being made: Creating, not yet enabled.
    assert replica["KeyState"] == "Creating" and replica["Enabled"] is False
    assert replica["Arn"] == arn(key_id, "us-west-2") and replica["KeyId"] == key_id
    assert replica["Description"] == "west copy"
    assert replica["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    assert out["ReplicaTags"] == [{"TagKey": "site", "TagValue": "west"}]
    assert json.loads(out["ReplicaPolicy"])["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}

    described = west.describe_key(KeyId=key_id)["KeyMetadata"]
    assert described["KeyState"] == "Enabled" and described["Enabled"] is True
    assert described["CurrentKeyMaterialId"] == key["CurrentKeyMaterialId"]
    config = east.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]
    assert config["ReplicaKeys"] == [{"Arn": arn(key_id, "us-west-2"), "Region": "us-west-2"}]
    assert described["MultiRegionConfiguration"]["PrimaryKey"] == config["PrimaryKey"]
    assert arn(key_id, "us-west-2") in [k["KeyArn"] for k in west.list_keys(Limit=1000)["Keys"]]
    # Independent properties: tags, description, policy, aliases, enabled state.
    assert east.list_resource_tags(KeyId=key_id)["Tags"] == []
    west.disable_key(KeyId=key_id)
    assert east.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    west.enable_key(KeyId=key_id)
    alias = f"alias/mrk-{uuid.uuid4()}"
    west.create_alias(AliasName=alias, TargetKeyId=key_id)
    assert west.describe_key(KeyId=alias)["KeyMetadata"]["Arn"] == arn(key_id, "us-west-2")
    fails("NotFoundException", east.describe_key, KeyId=alias)


def test_symmetric_ciphertext_crosses_regions(east, west):
    key_id = primary(east)["KeyId"]
    replicate(east, key_id)
    context = {"order": "42"}
    blob = east.encrypt(KeyId=key_id, Plaintext=b"made in the east", EncryptionContext=context)["CiphertextBlob"]
    out = west.decrypt(CiphertextBlob=blob, EncryptionContext=context)
    assert out["Plaintext"] == b"made in the east" and out["KeyId"] == arn(key_id, "us-west-2")
    assert west.decrypt(CiphertextBlob=blob, EncryptionContext=context, KeyId=arn(key_id, "us-west-2"))["Plaintext"]
    fails("InvalidCiphertextException", west.decrypt, CiphertextBlob=blob, EncryptionContext={"order": "43"})
    data_key = west.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    assert east.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == data_key["Plaintext"]
    moved = west.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=context, DestinationKeyId=key_id)
    assert east.decrypt(CiphertextBlob=moved["CiphertextBlob"])["Plaintext"] == b"made in the east"
    # Rotation happens at the primary and reaches the replica: every version decrypts everywhere.
    fails("UnsupportedOperationException", west.rotate_key_on_demand, KeyId=key_id)
    east.rotate_key_on_demand(KeyId=key_id)
    assert [r["KeyMaterialId"] for r in west.list_key_rotations(KeyId=key_id)["Rotations"]] == \
        [r["KeyMaterialId"] for r in east.list_key_rotations(KeyId=key_id)["Rotations"]]
    newer = west.encrypt(KeyId=key_id, Plaintext=b"after rotation")["CiphertextBlob"]
    for kms in (east, west):
        assert kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"] == b"made in the east"
        assert kms.decrypt(CiphertextBlob=newer)["Plaintext"] == b"after rotation"
    # Automatic rotation is set at the primary and shared.
    fails("UnsupportedOperationException", west.enable_key_rotation, KeyId=key_id)
    east.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=120)
    status = west.get_key_rotation_status(KeyId=key_id)
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 120
    east.disable_key_rotation(KeyId=key_id)
    assert west.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False


def test_no_related_key_no_decryption(server, east):
    key_id = primary(east)["KeyId"]
    blob = east.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    europe = server.client("kms", region="eu-west-1")
    fails("NotFoundException", europe.decrypt, CiphertextBlob=blob)
    single = east.create_key()["KeyMetadata"]["KeyId"]
    local = east.encrypt(KeyId=single, Plaintext=b"x")["CiphertextBlob"]
    fails("InvalidCiphertextException", europe.decrypt, CiphertextBlob=local)


def test_asymmetric_and_hmac_keys_cross_regions(east, west):
    rsa = primary(east, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyId"]
    replicate(east, rsa)
    assert west.get_public_key(KeyId=rsa)["PublicKey"] == east.get_public_key(KeyId=rsa)["PublicKey"]
    blob = east.encrypt(KeyId=rsa, Plaintext=b"rsa", EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=blob, KeyId=rsa, EncryptionAlgorithm="RSAES_OAEP_SHA_256")["Plaintext"] == b"rsa"
    # Encrypted outside with the public key from the west, decrypted in the east.
    public = serialization.load_der_public_key(west.get_public_key(KeyId=rsa)["PublicKey"])
    outside = public.encrypt(b"outside", padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    assert east.decrypt(CiphertextBlob=outside, KeyId=rsa, EncryptionAlgorithm="RSAES_OAEP_SHA_256")["Plaintext"] == b"outside"

    signer = primary(east, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyId"]
    replicate(east, signer)
    signature = west.sign(KeyId=signer, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    assert east.verify(KeyId=signer, Message=b"m", Signature=signature, SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"]
    key = serialization.load_der_public_key(east.get_public_key(KeyId=signer)["PublicKey"])
    key.verify(signature, b"m", ec.ECDSA(hashes.SHA256()))

    mac_key = primary(east, KeySpec="HMAC_384", KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
    replicate(east, mac_key)
    mac = east.generate_mac(KeyId=mac_key, Message=b"m", MacAlgorithm="HMAC_SHA_384")["Mac"]
    assert west.verify_mac(KeyId=mac_key, Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_384")["MacValid"]


def test_replication_refusals(server, east, west):
    key_id = primary(east)["KeyId"]
    replicate(east, key_id)
    fails("AlreadyExistsException", replicate, east, key_id)
    fails("UnsupportedOperationException", replicate, west, key_id, "eu-west-1")  # a replica
    fails("UnsupportedOperationException", replicate, east, key_id, "us-east-1")  # its own region
    fails("UnsupportedOperationException", replicate, east, key_id, "cn-north-1")  # another partition
    fails("ValidationException", replicate, east, key_id, "not a region")
    fails("ValidationException", east.replicate_key, KeyId=key_id)
    fails("NotFoundException", replicate, east, "mrk-" + "0" * 32)
    fails("NotFoundException", replicate, east, "alias/whatever")
    single = east.create_key()["KeyMetadata"]["KeyId"]
    fails("UnsupportedOperationException", replicate, east, single)
    fails("MalformedPolicyDocumentException", replicate, east, key_id, "eu-west-1", Policy="{nope")
    fails("TagException", replicate, east, key_id, "eu-west-1", Tags=[{"TagKey": "aws:x", "TagValue": "y"}])
    disabled = primary(east)["KeyId"]
    east.disable_key(KeyId=disabled)
    fails("DisabledException", replicate, east, disabled)
    doomed = primary(east)["KeyId"]
    east.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    fails("KMSInvalidStateException", replicate, east, doomed)
    fails("CustomKeyStoreNotFoundException", east.create_key, MultiRegion=True, CustomKeyStoreId="cks-1234567890abcdef0")
    # UpdatePrimaryRegion's refusals.
    fails("NotFoundException", east.update_primary_region, KeyId=key_id, PrimaryRegion="eu-central-1")
    fails("UnsupportedOperationException", west.update_primary_region, KeyId=key_id, PrimaryRegion="us-east-1")
    fails("UnsupportedOperationException", east.update_primary_region, KeyId=single, PrimaryRegion="us-west-2")
    west.disable_key(KeyId=key_id)
    fails("DisabledException", east.update_primary_region, KeyId=key_id, PrimaryRegion="us-west-2")


def test_update_primary_region_and_the_trail(server, east, west):
    key_id = primary(east)["KeyId"]
    replicate(east, key_id)
    europe = server.client("kms", region="eu-west-1")
    replicate(east, key_id, "eu-west-1")
    assert east.update_primary_region(KeyId=key_id, PrimaryRegion="us-west-2")["ResponseMetadata"]["HTTPStatusCode"] == 200
    config = west.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]
    assert config["MultiRegionKeyType"] == "PRIMARY" and config["PrimaryKey"]["Region"] == "us-west-2"
    assert sorted(r["Region"] for r in config["ReplicaKeys"]) == ["eu-west-1", "us-east-1"]
    assert east.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    assert europe.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]["PrimaryKey"]["Region"] == \
        "us-west-2"
    # The new primary replicates and rotates; the old one does neither.
    fails("UnsupportedOperationException", replicate, east, key_id, "ap-south-1")
    west.rotate_key_on_demand(KeyId=key_id)
    assert len(east.list_key_rotations(KeyId=key_id)["Rotations"]) == 1

    def events(region, name):
        trail = server.client("cloudtrail", region=region)
        found = trail.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": arn(key_id, region)}])
        return [json.loads(e["CloudTrailEvent"]) for e in found["Events"] if e["EventName"] == name]

    # ReplicateKey is recorded in the primary's region, and as CreateKey in the replica's.
    [replicated] = [e for e in events("us-east-1", "ReplicateKey") if e["requestParameters"]["replicaRegion"] == "us-west-2"]
    assert replicated["responseElements"]["replicaKeyMetadata"]["KeyState"] == "Creating"
    [created] = events("us-west-2", "CreateKey")
    assert created["awsRegion"] == "us-west-2" and created["requestParameters"]["replicaRegion"] == "us-west-2"
    # UpdatePrimaryRegion is recorded in both regions, each with its own key's ARN.
    [old] = events("us-east-1", "UpdatePrimaryRegion")
    [new] = events("us-west-2", "UpdatePrimaryRegion")
    assert old["responseElements"] == {"keyId": arn(key_id, "us-east-1")}
    assert new["responseElements"] == {"keyId": arn(key_id, "us-west-2")} and new["awsRegion"] == "us-west-2"


def test_policies_and_condition_keys(server, east, west):
    deny = policy_doc(
        {"Sid": "admin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
         "Resource": "*"},
        {"Sid": "no-copies", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:ReplicateKey", "Resource": "*"})
    guarded = primary(east, Policy=deny)["KeyId"]
    denied = fails("AccessDeniedException", replicate, east, guarded)
    assert "kms:ReplicateKey" in denied["Error"]["Message"]

    iam = server.client("iam")
    name = f"mrk-{uuid.uuid4().hex[:8]}"
    keys = user_with_keys(iam, name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy_doc(
        allow(["kms:CreateKey", "kms:DescribeKey"], Condition={"Bool": {"kms:MultiRegion": "false"}}),
        allow("kms:ReplicateKey", Condition={"StringEquals": {"kms:ReplicaRegion": "eu-west-1"}}),
        allow("kms:Encrypt", Condition={"StringEquals": {"kms:MultiRegionKeyType": "REPLICA"}})))
    user_east = server.client("kms", keys=keys)
    user_west = server.client("kms", region="us-west-2", keys=keys)
    fails("AccessDeniedException", user_east.create_key, MultiRegion=True)
    assert user_east.create_key()["KeyMetadata"]["MultiRegion"] is False
    key_id = primary(east)["KeyId"]
    # ReplicateKey to us-west-2 is refused by the kms:ReplicaRegion condition; to eu-west-1 the
    # replica's region also wants kms:CreateKey, which the user has only for single-Region keys.
    fails("AccessDeniedException", replicate, user_east, key_id)
    fails("AccessDeniedException", replicate, user_east, key_id, "eu-west-1")
    replicate(east, key_id)
    fails("AccessDeniedException", user_east.encrypt, KeyId=key_id, Plaintext=b"x")
    assert user_west.encrypt(KeyId=key_id, Plaintext=b"x")["KeyId"] == arn(key_id, "us-west-2")


def test_the_aws_cli(server):
    key = server.cli("kms", "create-key", "--multi-region", "--description", f"cli {uuid.uuid4()}")["KeyMetadata"]
    out = server.cli("kms", "replicate-key", "--key-id", key["KeyId"], "--replica-region", "us-west-2",
                     "--description", "cli replica")
    assert out["ReplicaKeyMetadata"]["MultiRegionConfiguration"]["PrimaryKey"]["Region"] == "us-east-1"
    described = server.cli("kms", "describe-key", "--key-id", key["KeyId"], "--region", "us-west-2")["KeyMetadata"]
    assert described["Description"] == "cli replica" and described["KeyState"] == "Enabled"
    message = server.scratch / f"{key['KeyId']}.txt"
    message.write_bytes(b"cli")
    blob = server.cli("kms", "encrypt", "--key-id", key["KeyId"], "--plaintext", f"fileb://{message}")["CiphertextBlob"]
    path = server.scratch / f"{key['KeyId']}.bin"
    path.write_bytes(base64.b64decode(blob))
    plain = server.cli("kms", "decrypt", "--ciphertext-blob", f"fileb://{path}", "--region", "us-west-2")
    assert base64.b64decode(plain["Plaintext"]) == b"cli"
    server.cli("kms", "update-primary-region", "--key-id", key["KeyId"], "--primary-region", "us-west-2")
    described = server.cli("kms", "describe-key", "--key-id", key["KeyId"], "--region", "us-west-2")["KeyMetadata"]
    assert described["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    bad = server.cli("kms", "replicate-key", "--key-id", key["KeyId"], "--replica-region", "us-west-2", check=False)
    assert bad.returncode != 0 and "UnsupportedOperationException" in bad.stderr


def test_imported_material_is_imported_into_each_replica(east, west):
    key = primary(east, Origin="EXTERNAL")
    key_id = key["KeyId"]
    material = os.urandom(32)
    p = params(east, key_id)
    east.import_key_material(KeyId=key_id, ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrap(p, material),
                             ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    replica = replicate(east, key_id)["ReplicaKeyMetadata"]
    assert replica["Origin"] == "EXTERNAL"
    assert west.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"
    blob = east.encrypt(KeyId=key_id, Plaintext=b"byok")["CiphertextBlob"]
    fails("KMSInvalidStateException", west.decrypt, CiphertextBlob=blob)
    p = params(west, key_id)
    fails("IncorrectKeyMaterialException", west.import_key_material, KeyId=key_id, ImportToken=p["ImportToken"],
          EncryptedKeyMaterial=wrap(p, os.urandom(32)), ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    p = params(west, key_id)
    west.import_key_material(KeyId=key_id, ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrap(p, material),
                             ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert west.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    assert west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"byok"


def test_deletion_waits_for_the_replicas(fresh_server):
    east = fresh_server.client("kms")
    west = fresh_server.client("kms", region="us-west-2")
    key_id = primary(east)["KeyId"]
    replicate(east, key_id)
    blob = east.encrypt(KeyId=key_id, Plaintext=b"kept")["CiphertextBlob"]
    out = east.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert out["KeyState"] == "PendingReplicaDeletion" and out["PendingWindowInDays"] == 7 and "DeletionDate" not in out
    m = east.describe_key(KeyId=key_id)["KeyMetadata"]
    assert m["KeyState"] == "PendingReplicaDeletion" and m["PendingDeletionWindowInDays"] == 7 and "DeletionDate" not in m
    fails("KMSInvalidStateException", east.encrypt, KeyId=key_id, Plaintext=b"x")
    # The replica is its own key: still usable, deleted on its own schedule.
    assert west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"
    assert east.cancel_key_deletion(KeyId=key_id)["KeyId"] == arn(key_id, "us-east-1")
    assert east.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"
    east.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    fresh_server.advance_clock(40 * 86400)
    assert east.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingReplicaDeletion"
    assert west.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)["KeyState"] == "PendingDeletion"
    fresh_server.advance_clock(8 * 86400)
    fails("NotFoundException", west.describe_key, KeyId=key_id)
    m = east.describe_key(KeyId=key_id)["KeyMetadata"]
    assert m["KeyState"] == "PendingDeletion" and "DeletionDate" in m
    assert m["MultiRegionConfiguration"]["ReplicaKeys"] == []
    fresh_server.advance_clock(8 * 86400)
    fails("NotFoundException", east.describe_key, KeyId=key_id)
