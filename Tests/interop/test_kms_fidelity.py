"""Issue 18: answers where Rampart differed from AWS (items 1-6), over the wire with boto3."""
import os

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from conftest import ACCOUNT, fails

ALIAS_PREFIX_MESSAGE = ('Alias must start with the prefix "alias/". Please see '
                        "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
INCORRECT_KEY_MESSAGE = "The key ID in the request does not identify a CMK that can perform this operation."


@pytest.fixture()
def key(kms):
    return kms.create_key(Description="fidelity")["KeyMetadata"]


@pytest.mark.parametrize("spec,usage", [
    ("RSA_2048", "ENCRYPT_DECRYPT"), ("RSA_2048", "SIGN_VERIFY"), ("ECC_NIST_P256", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "KEY_AGREEMENT"), ("HMAC_256", "GENERATE_VERIFY_MAC"), ("HMAC_512", "GENERATE_VERIFY_MAC"),
])
def test_rotation_status_of_keys_that_cannot_rotate(kms, spec, usage):
    """Item 1: what Terraform's aws_kms_key reads for every key."""
    created = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    status = kms.get_key_rotation_status(KeyId=created["KeyId"])
    assert status["KeyRotationEnabled"] is False
    assert status["KeyId"] == created["Arn"]
    assert "RotationPeriodInDays" not in status and "NextRotationDate" not in status
    fails("UnsupportedOperationException", kms.enable_key_rotation, KeyId=created["KeyId"])


def test_rotation_status_of_imported_key(kms):
    created = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    status = kms.get_key_rotation_status(KeyId=created["Arn"])
    assert status["KeyRotationEnabled"] is False
    assert "RotationPeriodInDays" not in status and "NextRotationDate" not in status


def test_empty_grant_constraint_counts_as_not_given(kms, key):
    """Item 2."""
    grantee = f"arn:aws:iam::{ACCOUNT}:root"
    g = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Encrypt", "Decrypt"],
                         Constraints={"EncryptionContextEquals": {}, "EncryptionContextSubset": {"app": "orders"}})
    listed = kms.list_grants(KeyId=key["KeyId"], GrantId=g["GrantId"])["Grants"][0]
    assert listed["Constraints"] == {"EncryptionContextSubset": {"app": "orders"}}
    g = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Encrypt"],
                         Constraints={"EncryptionContextEquals": {"app": "orders"}, "EncryptionContextSubset": {}})
    listed = kms.list_grants(KeyId=key["KeyId"], GrantId=g["GrantId"])["Grants"][0]
    assert listed["Constraints"] == {"EncryptionContextEquals": {"app": "orders"}}
    g = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Encrypt"],
                         Constraints={"EncryptionContextEquals": {}, "EncryptionContextSubset": {}})
    listed = kms.list_grants(KeyId=key["KeyId"], GrantId=g["GrantId"])["Grants"][0]
    assert "Constraints" not in listed
    fails("ValidationException", kms.create_grant, KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Encrypt"],
          Constraints={"EncryptionContextEquals": {"a": "1"}, "EncryptionContextSubset": {"b": "2"}})


def test_alias_name_without_prefix(kms, key):
    """Item 3."""
    for call, kwargs in [(kms.create_alias, {"TargetKeyId": key["KeyId"]}), (kms.update_alias, {"TargetKeyId": key["KeyId"]}),
                         (kms.delete_alias, {})]:
        error = fails("ValidationException", call, AliasName="orders-" + key["KeyId"][:8], **kwargs)["Error"]
        assert error["Message"] == ALIAS_PREFIX_MESSAGE
    fails("InvalidAliasNameException", kms.create_alias, AliasName="alias/aws/orders", TargetKeyId=key["KeyId"])


@pytest.mark.parametrize("spec,usage", [("HMAC_256", "GENERATE_VERIFY_MAC"), ("ECC_NIST_P256", "SIGN_VERIFY")])
def test_reencrypt_with_another_source_key(kms, key, spec, usage):
    """Item 4: the key must match before its usage is looked at."""
    other = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    destination = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    error = fails("IncorrectKeyException", kms.re_encrypt, CiphertextBlob=blob, SourceKeyId=other["KeyId"],
                  DestinationKeyId=destination["KeyId"])["Error"]
    assert error["Message"] == INCORRECT_KEY_MESSAGE
    # The right source key still works.
    out = kms.re_encrypt(CiphertextBlob=blob, SourceKeyId=key["Arn"], DestinationKeyId=destination["KeyId"])
    assert out["SourceKeyId"] == key["Arn"] and out["KeyId"] == destination["Arn"]


def test_retire_grant_by_id_and_key(kms, key):
    """Item 5: RetireGrant with GrantId and the key's ARN (or its key id)."""
    grantee = f"arn:aws:iam::{ACCOUNT}:root"
    by_arn = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Encrypt"])
    kms.retire_grant(KeyId=key["Arn"], GrantId=by_arn["GrantId"])
    by_id = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Encrypt"])
    kms.retire_grant(KeyId=key["KeyId"], GrantId=by_id["GrantId"])
    assert kms.list_grants(KeyId=key["KeyId"])["Grants"] == []


def test_rotate_key_on_demand_answers_the_key_arn(kms, key):
    """Item 6."""
    assert kms.rotate_key_on_demand(KeyId=key["KeyId"])["KeyId"] == key["Arn"]
    assert kms.rotate_key_on_demand(KeyId=key["Arn"])["KeyId"] == key["Arn"]


def test_rotate_imported_key_with_nothing_pending(kms):
    """AWS's message when no imported material waits for RotateKeyOnDemand."""
    created = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    p = kms.get_parameters_for_import(KeyId=created["KeyId"], WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                      WrappingKeySpec="RSA_2048")
    public = serialization.load_der_public_key(p["PublicKey"])
    wrapped = public.encrypt(os.urandom(32), padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                                                          label=None))
    kms.import_key_material(KeyId=created["KeyId"], ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrapped,
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    error = fails("KMSInvalidStateException", kms.rotate_key_on_demand, KeyId=created["KeyId"])["Error"]
    assert error["Message"] == f"No available key material pending rotation for the key: {created['Arn']}."
