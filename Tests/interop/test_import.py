"""Issue 5 (symmetric keys): bring your own key material, wrapped outside by Python's cryptography."""
import datetime
import os

import botocore.exceptions
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from conftest import fails


def wrap(params, material, algorithm="RSAES_OAEP_SHA_256"):
    public = serialization.load_der_public_key(params["PublicKey"])
    h = hashes.SHA256() if algorithm.endswith("256") else hashes.SHA1()
    return public.encrypt(material, padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None))


def params(kms, key_id, algorithm="RSAES_OAEP_SHA_256", spec="RSA_2048"):
    return kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec=spec)


def test_import_lifecycle(kms):
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    assert key["KeyState"] == "PendingImport" and key["Origin"] == "EXTERNAL" and key["Enabled"] is False
    fails("KMSInvalidStateException", kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x")
    material = os.urandom(32)
    for algorithm, spec in [("RSAES_OAEP_SHA_1", "RSA_3072"), ("RSAES_OAEP_SHA_256", "RSA_4096")]:
        p = params(kms, key["KeyId"], algorithm, spec)
        assert p["KeyId"] == key["Arn"] and p["ParametersValidTo"]
    p = params(kms, key["KeyId"])
    kms.import_key_material(KeyId=key["KeyId"], ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrap(p, material),
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    m = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert m["KeyState"] == "Enabled" and m["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"byok")["CiphertextBlob"]
    fails("InvalidImportTokenException", kms.import_key_material, KeyId=key["KeyId"], ImportToken=p["ImportToken"],
          EncryptedKeyMaterial=wrap(p, material), ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    fails("UnsupportedOperationException", kms.enable_key_rotation, KeyId=key["KeyId"])
    kms.delete_imported_key_material(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"
    fails("KMSInvalidStateException", kms.decrypt, CiphertextBlob=ct)
    p = params(kms, key["KeyId"])
    fails("IncorrectKeyMaterialException", kms.import_key_material, KeyId=key["KeyId"], ImportToken=p["ImportToken"],
          EncryptedKeyMaterial=wrap(p, os.urandom(32)), ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    p = params(kms, key["KeyId"])
    kms.import_key_material(KeyId=key["KeyId"], ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrap(p, material),
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert kms.decrypt(CiphertextBlob=ct)["Plaintext"] == b"byok"


def test_import_refusals(server, kms):
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    other = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    plain = kms.create_key()["KeyMetadata"]
    fails("UnsupportedOperationException", params, kms, plain["KeyId"])
    fails("ValidationException", params, kms, key["KeyId"], "RSAES_PKCS1_V1_5")
    p = params(kms, key["KeyId"])
    fails("InvalidImportTokenException", kms.import_key_material, KeyId=other["KeyId"], ImportToken=p["ImportToken"],
          EncryptedKeyMaterial=wrap(p, os.urandom(32)), ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    p = params(kms, key["KeyId"])
    fails("InvalidCiphertextException", kms.import_key_material, KeyId=key["KeyId"], ImportToken=p["ImportToken"],
          EncryptedKeyMaterial=b"garbage" * 40, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    p = params(kms, key["KeyId"])
    fails("IncorrectKeyMaterialException", kms.import_key_material, KeyId=key["KeyId"], ImportToken=p["ImportToken"],
          EncryptedKeyMaterial=wrap(p, os.urandom(16)), ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    p = params(kms, key["KeyId"])
    fails("ValidationException", kms.import_key_material, KeyId=key["KeyId"], ImportToken=p["ImportToken"],
          EncryptedKeyMaterial=wrap(p, os.urandom(32)), ExpirationModel="KEY_MATERIAL_EXPIRES")
    far = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=400)
    fails("ValidationException", kms.import_key_material, KeyId=key["KeyId"], ImportToken=p["ImportToken"],
          EncryptedKeyMaterial=wrap(p, os.urandom(32)), ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=far)


def test_expiry_and_token_lifetime(fresh_server):
    kms = fresh_server.client("kms")
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    material = os.urandom(32)
    p = params(kms, key["KeyId"])
    stale = params(kms, key["KeyId"])
    valid_to = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
    kms.import_key_material(KeyId=key["KeyId"], ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrap(p, material),
                            ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=valid_to)
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["ValidTo"]
    fresh_server.advance_clock(3 * 86400)
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"
    fails("ExpiredImportTokenException", kms.import_key_material, KeyId=key["KeyId"], ImportToken=stale["ImportToken"],
          EncryptedKeyMaterial=wrap(stale, material), ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")


def test_on_demand_rotation_of_imported_material(kms):
    key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    first, second = os.urandom(32), os.urandom(32)

    def imported(material, **kw):
        p = params(kms, key_id)
        return kms.import_key_material(KeyId=key_id, ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrap(p, material),
                                       ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", **kw)["KeyMaterialId"]

    first_id = imported(first)
    old = kms.encrypt(KeyId=key_id, Plaintext=b"before")["CiphertextBlob"]
    fails("KMSInvalidStateException", kms.rotate_key_on_demand, KeyId=key_id)
    fails("UnsupportedOperationException", kms.enable_key_rotation, KeyId=key_id)
    fails("ValidationException", imported, second, ImportType="NEW_KEY_MATERIAL", KeyMaterialId=first_id)
    second_id = imported(second, ImportType="NEW_KEY_MATERIAL", KeyMaterialDescription="second")
    assert second_id != first_id
    states = {r["KeyMaterialId"]: r for r in
              kms.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]}
    assert states[first_id]["KeyMaterialState"] == "CURRENT" and states[first_id]["ImportState"] == "IMPORTED"
    assert states[second_id]["KeyMaterialState"] == "PENDING_ROTATION"
    assert states[second_id]["KeyMaterialDescription"] == "second"
    # Until the rotation, the first material still encrypts; a second pending material is refused.
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["KeyMaterialId"] == first_id
    fails("KMSInvalidStateException", imported, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    kms.rotate_key_on_demand(KeyId=key_id)
    new = kms.encrypt(KeyId=key_id, Plaintext=b"after")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=new)["KeyMaterialId"] == second_id
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"before"
    rotations = kms.list_key_rotations(KeyId=key_id)["Rotations"]
    assert [(r["KeyMaterialId"], r["KeyMaterialState"], r["RotationType"]) for r in rotations] == [
        (second_id, "CURRENT", "ON_DEMAND")]
    # Deleting the old material breaks only its ciphertext; re-importing it (named by id) mends it.
    out = kms.delete_imported_key_material(KeyId=key_id, KeyMaterialId=first_id)
    assert out["KeyMaterialId"] == first_id
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    with pytest.raises(botocore.exceptions.ClientError):
        kms.decrypt(CiphertextBlob=old)
    fails("IncorrectKeyMaterialException", imported, second, KeyMaterialId=first_id)
    imported(first, ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=first_id)
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"before"
    # Deleting the current material leaves the key pending import.
    kms.delete_imported_key_material(KeyId=key_id)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


def test_import_parameters_survive_a_restart(fresh_server):
    kms = fresh_server.client("kms")
    key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    p = params(kms, key_id, "RSAES_OAEP_SHA_1", "RSA_3072")
    fresh_server.stop()
    fresh_server.start_again()
    kms = fresh_server.client("kms")
    kms.import_key_material(KeyId=key_id, ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrap(p, os.urandom(32), "RSAES_OAEP_SHA_1"),
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    # Spent before the restart stays spent after it; none of it is stored in the clear.
    fresh_server.stop()
    fresh_server.start_again("second")
    kms = fresh_server.client("kms")
    fails("InvalidImportTokenException", kms.import_key_material, KeyId=key_id, ImportToken=p["ImportToken"],
          EncryptedKeyMaterial=wrap(p, os.urandom(32), "RSAES_OAEP_SHA_1"), ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    store = (fresh_server.data / "rampart.sqlite").read_bytes()
    assert p["ImportToken"] not in store
