"""Issue 5 (asymmetric and HMAC keys): private keys and HMAC keys made outside by Python's
cryptography, wrapped with RSA_AES_KEY_WRAP (RFC 5649) or RSAES-OAEP, imported, then used; what
Rampart makes with them is checked against the originals."""
import hashlib
import hmac
import os

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

from conftest import fails

NO_EXPIRY = "KEY_MATERIAL_DOES_NOT_EXPIRE"



def pkcs8(private_key):
    return private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def wrap(params, material, algorithm):
    """Wraps as AWS documents it: RSA-OAEP alone, or an AES-256 key under RSA-OAEP then KWP."""
    public = serialization.load_der_public_key(params["PublicKey"])
    h = hashes.SHA1() if algorithm.endswith("SHA_1") else hashes.SHA256()
    oaep = padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)
    if not algorithm.startswith("RSA_AES"):
        return public.encrypt(material, oaep)
    aes_key = os.urandom(32)
    return public.encrypt(aes_key, oaep) + aes_key_wrap_with_padding(aes_key, material)


def import_material(kms, key_id, material, algorithm="RSA_AES_KEY_WRAP_SHA_256", wrapping_spec="RSA_4096"):
    p = kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec=wrapping_spec)
    kms.import_key_material(KeyId=key_id, ImportToken=p["ImportToken"],
                            EncryptedKeyMaterial=wrap(p, material, algorithm), ExpirationModel=NO_EXPIRY)


def external_key(kms, spec, usage):
    key = kms.create_key(KeySpec=spec, KeyUsage=usage, Origin="EXTERNAL")["KeyMetadata"]
    assert key["KeyState"] == "PendingImport" and key["KeySpec"] == spec
    return key["KeyId"]


@pytest.mark.parametrize("algorithm", ["RSA_AES_KEY_WRAP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1"])
def test_imported_rsa_key_signs_for_the_original_public_key(kms, algorithm):
    original = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_id = external_key(kms, "RSA_2048", "SIGN_VERIFY")
    fails("KMSInvalidStateException", kms.get_public_key, KeyId=key_id)
    import_material(kms, key_id, pkcs8(original), algorithm)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    assert kms.get_public_key(KeyId=key_id)["PublicKey"] == spki(original.public_key())
    message = b"signed by an imported RSA key"
    for alg, pad in [("RSASSA_PSS_SHA_256", padding.PSS(padding.MGF1(hashes.SHA256()), 32)),
                     ("RSASSA_PKCS1_V1_5_SHA_256", padding.PKCS1v15())]:
        signature = kms.sign(KeyId=key_id, Message=message, SigningAlgorithm=alg)["Signature"]
        original.public_key().verify(signature, message, pad, hashes.SHA256())


def test_imported_rsa_key_decrypts_what_the_original_public_key_encrypted(kms):
    original = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    key_id = external_key(kms, "RSA_3072", "ENCRYPT_DECRYPT")
    import_material(kms, key_id, pkcs8(original), wrapping_spec="RSA_2048")
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    ciphertext = original.public_key().encrypt(b"for the imported key", oaep)
    out = kms.decrypt(KeyId=key_id, CiphertextBlob=ciphertext, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert out["Plaintext"] == b"for the imported key"


@pytest.mark.parametrize("spec,curve,alg,h", [
    ("ECC_NIST_P256", ec.SECP256R1, "ECDSA_SHA_256", hashes.SHA256),
    ("ECC_NIST_P521", ec.SECP521R1, "ECDSA_SHA_512", hashes.SHA512),
    ("ECC_SECG_P256K1", ec.SECP256K1, "ECDSA_SHA_256", hashes.SHA256),
])
def test_imported_ecc_key_signs_for_the_original_public_key(kms, spec, curve, alg, h):
    original = ec.generate_private_key(curve())
    key_id = external_key(kms, spec, "SIGN_VERIFY")
    import_material(kms, key_id, pkcs8(original))
    assert kms.get_public_key(KeyId=key_id)["PublicKey"] == spki(original.public_key())
    signature = kms.sign(KeyId=key_id, Message=b"ecc", SigningAlgorithm=alg)["Signature"]
    original.public_key().verify(signature, b"ecc", ec.ECDSA(h()))


def test_imported_ecc_key_agrees_on_the_secret(kms):
    original = ec.generate_private_key(ec.SECP384R1())
    key_id = external_key(kms, "ECC_NIST_P384", "KEY_AGREEMENT")
    import_material(kms, key_id, pkcs8(original), "RSAES_OAEP_SHA_256", "RSA_3072")
    peer = ec.generate_private_key(ec.SECP384R1())
    secret = kms.derive_shared_secret(KeyId=key_id, KeyAgreementAlgorithm="ECDH",
                                      PublicKey=spki(peer.public_key()))["SharedSecret"]
    assert secret == peer.exchange(ec.ECDH(), original.public_key())


def test_imported_ed25519_key(kms):
    original = ed25519.Ed25519PrivateKey.generate()
    key_id = external_key(kms, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY")
    import_material(kms, key_id, pkcs8(original), "RSA_AES_KEY_WRAP_SHA_1", "RSA_2048")
    signature = kms.sign(KeyId=key_id, Message=b"edwards", SigningAlgorithm="ED25519_SHA_512")["Signature"]
    original.public_key().verify(signature, b"edwards")


@pytest.mark.parametrize("spec,alg,digest,size", [
    ("HMAC_224", "HMAC_SHA_224", hashlib.sha224, 28), ("HMAC_256", "HMAC_SHA_256", hashlib.sha256, 32),
    ("HMAC_384", "HMAC_SHA_384", hashlib.sha384, 64), ("HMAC_512", "HMAC_SHA_512", hashlib.sha512, 128),
])
def test_imported_hmac_key_matches_python_hmac(kms, spec, alg, digest, size):
    material = os.urandom(size)
    key_id = external_key(kms, spec, "GENERATE_VERIFY_MAC")
    import_material(kms, key_id, material, "RSAES_OAEP_SHA_256", "RSA_2048")
    message = b"the MAC must equal Python's hmac over the same key"
    mac = kms.generate_mac(KeyId=key_id, Message=message, MacAlgorithm=alg)["Mac"]
    assert mac == hmac.new(material, message, digest).digest()
    assert kms.verify_mac(KeyId=key_id, Message=message, Mac=mac, MacAlgorithm=alg)["MacValid"] is True


def test_import_combination_rules_and_bad_material(kms):
    rsa_key = external_key(kms, "RSA_2048", "SIGN_VERIFY")
    for algorithm in ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]:
        fails("ValidationException", kms.get_parameters_for_import, KeyId=rsa_key, WrappingAlgorithm=algorithm,
              WrappingKeySpec="RSA_4096")
    p521 = external_key(kms, "ECC_NIST_P521", "SIGN_VERIFY")
    fails("ValidationException", kms.get_parameters_for_import, KeyId=p521, WrappingAlgorithm="RSAES_OAEP_SHA_256",
          WrappingKeySpec="RSA_2048")
    # An ECC private key into an RSA key, a short HMAC key, garbage: refused, and the key stays pending.
    wrong = pkcs8(ec.generate_private_key(ec.SECP256R1()))
    fails("IncorrectKeyMaterialException", import_material, kms, rsa_key, wrong)
    hmac_key = external_key(kms, "HMAC_256", "GENERATE_VERIFY_MAC")
    fails("IncorrectKeyMaterialException", import_material, kms, hmac_key, os.urandom(16))
    p = kms.get_parameters_for_import(KeyId=rsa_key, WrappingAlgorithm="RSA_AES_KEY_WRAP_SHA_256",
                                      WrappingKeySpec="RSA_2048")
    fails("InvalidCiphertextException", kms.import_key_material, KeyId=rsa_key, ImportToken=p["ImportToken"],
          EncryptedKeyMaterial=os.urandom(300), ExpirationModel=NO_EXPIRY)
    assert kms.describe_key(KeyId=rsa_key)["KeyMetadata"]["KeyState"] == "PendingImport"
    # Once imported, only the same private key imports again.
    original = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    import_material(kms, rsa_key, pkcs8(original))
    import_material(kms, rsa_key, pkcs8(original), "RSA_AES_KEY_WRAP_SHA_1", "RSA_3072")
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fails("IncorrectKeyMaterialException", import_material, kms, rsa_key, pkcs8(other))
    fails("UnsupportedOperationException", kms.create_key, KeySpec="ML_DSA_65", KeyUsage="SIGN_VERIFY", Origin="EXTERNAL")
