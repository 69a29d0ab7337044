"""Issue 4: asymmetric, HMAC, key-agreement and ML-DSA keys, checked from outside with Python's cryptography."""
import hashlib
import os

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, padding, rsa, utils

import ed25519ph
from conftest import ACCOUNT, fails

DATA = b"Rampart asymmetric interop \x00\x01\xfe\xff" * 5

RSA_SIGNING = ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
               "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"]
RSA_ENCRYPTION = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
ECDSA = {"ECC_NIST_P256": "ECDSA_SHA_256", "ECC_NIST_P384": "ECDSA_SHA_384",
         "ECC_NIST_P521": "ECDSA_SHA_512", "ECC_SECG_P256K1": "ECDSA_SHA_256"}
CURVES = {"ECC_NIST_P256": ec.SECP256R1, "ECC_NIST_P384": ec.SECP384R1,
          "ECC_NIST_P521": ec.SECP521R1, "ECC_SECG_P256K1": ec.SECP256K1}
ED25519_SIGNING = ["ED25519_SHA_512", "ED25519_PH_SHA_512"]

SIGN_CASES = ([("RSA_2048", alg) for alg in RSA_SIGNING]
              + [("RSA_3072", "RSASSA_PSS_SHA_384"), ("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512")]
              + list(ECDSA.items()))


def arn(key_id, region="us-east-1", account=ACCOUNT):
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"



def flip(blob, index=-1):
    out = bytearray(blob)
    out[index] ^= 1
    return bytes(out)


def hash_for(alg):
    """The hash named by the suffix of a signing or encryption algorithm."""
    if alg.endswith("_SHA_1"):
        return hashes.SHA1()
    return {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}[alg[-3:]]()


def digest(alg, data=DATA):
    return hashlib.new(hash_for(alg).name, data).digest()


@pytest.fixture(scope="module")
def key(kms):
    """key(spec, usage) creates each (KeySpec, KeyUsage) once per module and checks the CreateKey answer."""
    made = {}

    def get(spec, usage):
        if (spec, usage) not in made:
            m = kms.create_key(KeySpec=spec, KeyUsage=usage, Description=f"asym {spec} {usage}")["KeyMetadata"]
            assert m["KeySpec"] == spec and m["KeyUsage"] == usage and m["Origin"] == "AWS_KMS"
            assert m["Arn"] == arn(m["KeyId"]) and m["KeyState"] == "Enabled"
            made[spec, usage] = m
        return made[spec, usage]
    return get


@pytest.fixture(scope="module")
def sym(kms):
    return kms.create_key(Description="asym tests: symmetric")["KeyMetadata"]


def public_key(kms, m, usage, field, algorithms):
    """DescribeKey and GetPublicKey agree on spec, usage and algorithms; returns (SPKI DER, loaded key)."""
    d = kms.describe_key(KeyId=m["KeyId"])["KeyMetadata"]
    assert (d["KeySpec"], d["KeyUsage"], d[field]) == (m["KeySpec"], usage, algorithms)
    out = kms.get_public_key(KeyId=m["Arn"])
    assert out["KeyId"] == m["Arn"]
    assert (out["KeySpec"], out["KeyUsage"], out[field]) == (m["KeySpec"], usage, algorithms)
    return out["PublicKey"], serialization.load_der_public_key(out["PublicKey"])


def verify_locally(public, alg, signature, data=DATA):
    h = hash_for(alg)
    if alg.startswith("RSASSA_PSS"):
        public.verify(signature, data, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
    elif alg.startswith("RSASSA_PKCS1"):
        public.verify(signature, data, padding.PKCS1v15(), h)
    else:
        utils.decode_dss_signature(signature)  # DER SEQUENCE { r, s }
        public.verify(signature, data, ec.ECDSA(h))


def kms_verifies(kms, key_id, message, signature, alg, message_type="RAW"):
    out = kms.verify(KeyId=key_id, Message=message, MessageType=message_type, Signature=signature, SigningAlgorithm=alg)
    assert out["SignatureValid"] is True and out["SigningAlgorithm"] == alg and out["KeyId"] == arn(key_id.split("/")[-1])


def kms_rejects(kms, key_id, message, signature, alg, message_type="RAW"):
    fails("KMSInvalidSignatureException", kms.verify, KeyId=key_id, Message=message, MessageType=message_type,
          Signature=signature, SigningAlgorithm=alg)


# --- signing ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec,alg", SIGN_CASES)
def test_sign_rsa_and_ecdsa(kms, key, spec, alg):
    m = key(spec, "SIGN_VERIFY")
    expected = RSA_SIGNING if spec.startswith("RSA") else [ECDSA[spec]]
    _, public = public_key(kms, m, "SIGN_VERIFY", "SigningAlgorithms", expected)
    if spec.startswith("RSA"):
        assert isinstance(public, rsa.RSAPublicKey) and public.key_size == int(spec[4:])
    else:
        assert isinstance(public, ec.EllipticCurvePublicKey) and isinstance(public.curve, CURVES[spec])

    raw = kms.sign(KeyId=m["KeyId"], Message=DATA, MessageType="RAW", SigningAlgorithm=alg)
    assert raw["KeyId"] == m["Arn"] and raw["SigningAlgorithm"] == alg
    verify_locally(public, alg, raw["Signature"])
    pre = kms.sign(KeyId=m["Arn"], Message=digest(alg), MessageType="DIGEST", SigningAlgorithm=alg)["Signature"]
    verify_locally(public, alg, pre)  # a DIGEST signature is the same scheme over the same data
    if spec.startswith("RSA"):
        assert len(raw["Signature"]) == public.key_size // 8

    kms_verifies(kms, m["KeyId"], DATA, raw["Signature"], alg)
    kms_verifies(kms, m["KeyId"], digest(alg), raw["Signature"], alg, "DIGEST")
    kms_verifies(kms, m["KeyId"], DATA, pre, alg)
    kms_rejects(kms, m["KeyId"], DATA, flip(raw["Signature"]), alg)
    kms_rejects(kms, m["KeyId"], DATA + b"!", raw["Signature"], alg)
    kms_rejects(kms, m["KeyId"], flip(digest(alg), 0), pre, alg, "DIGEST")


def test_sign_ed25519(kms, key):
    m = key("ECC_NIST_EDWARDS25519", "SIGN_VERIFY")
    der, public = public_key(kms, m, "SIGN_VERIFY", "SigningAlgorithms", ED25519_SIGNING)
    assert isinstance(public, ed25519.Ed25519PublicKey) and len(der) == 44
    raw_pub = der[-32:]
    assert raw_pub == public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    # ED25519_SHA_512: PureEdDSA over the message itself.
    pure = kms.sign(KeyId=m["KeyId"], Message=DATA, MessageType="RAW", SigningAlgorithm="ED25519_SHA_512")
    assert pure["SigningAlgorithm"] == "ED25519_SHA_512" and len(pure["Signature"]) == 64
    public.verify(pure["Signature"], DATA)
    assert ed25519ph.verify(raw_pub, DATA, pure["Signature"], prehashed=False)
    kms_verifies(kms, m["KeyId"], DATA, pure["Signature"], "ED25519_SHA_512")
    kms_rejects(kms, m["KeyId"], DATA, flip(pure["Signature"]), "ED25519_SHA_512")
    kms_rejects(kms, m["KeyId"], DATA + b"!", pure["Signature"], "ED25519_SHA_512")

    # ED25519_PH_SHA_512: the caller sends SHA-512(data) as DIGEST and KMS still runs Ed25519ph's own
    # SHA-512 prehash over those 64 bytes (RFC 8032 HashEdDSA, empty context): hashed twice.
    sha = hashlib.sha512(DATA).digest()
    ph = kms.sign(KeyId=m["KeyId"], Message=sha, MessageType="DIGEST", SigningAlgorithm="ED25519_PH_SHA_512")
    assert ph["SigningAlgorithm"] == "ED25519_PH_SHA_512" and len(ph["Signature"]) == 64
    assert ed25519ph.verify(raw_pub, sha, ph["Signature"], prehashed=True)
    assert not ed25519ph.verify(raw_pub, DATA, ph["Signature"], prehashed=True)  # not hashed only once
    assert not ed25519ph.verify(raw_pub, sha, ph["Signature"], prehashed=False)  # not PureEdDSA over the digest
    kms_verifies(kms, m["KeyId"], sha, ph["Signature"], "ED25519_PH_SHA_512", "DIGEST")
    kms_rejects(kms, m["KeyId"], sha, flip(ph["Signature"]), "ED25519_PH_SHA_512", "DIGEST")
    kms_rejects(kms, m["KeyId"], flip(sha, 0), ph["Signature"], "ED25519_PH_SHA_512", "DIGEST")
    kms_rejects(kms, m["KeyId"], DATA, ph["Signature"], "ED25519_SHA_512")


@pytest.mark.parametrize("spec,key_class,der_len,sig_len", [
    ("ML_DSA_65", mldsa.MLDSA65PublicKey, 1974, 3309),
    ("ML_DSA_87", mldsa.MLDSA87PublicKey, 2614, 4627),
])
def test_sign_ml_dsa(kms, key, spec, key_class, der_len, sig_len):
    m = key(spec, "SIGN_VERIFY")
    der, public = public_key(kms, m, "SIGN_VERIFY", "SigningAlgorithms", ["ML_DSA_SHAKE_256"])
    assert isinstance(public, key_class) and len(der) == der_len
    out = kms.sign(KeyId=m["KeyId"], Message=DATA, MessageType="RAW", SigningAlgorithm="ML_DSA_SHAKE_256")
    assert out["SigningAlgorithm"] == "ML_DSA_SHAKE_256" and len(out["Signature"]) == sig_len
    public.verify(out["Signature"], DATA)  # pure ML-DSA, empty context
    kms_verifies(kms, m["KeyId"], DATA, out["Signature"], "ML_DSA_SHAKE_256")
    kms_rejects(kms, m["KeyId"], DATA, flip(out["Signature"], 100), "ML_DSA_SHAKE_256")
    kms_rejects(kms, m["KeyId"], DATA + b"!", out["Signature"], "ML_DSA_SHAKE_256")


def test_ml_dsa_44_is_refused(kms):
    # Rampart deviation from AWS (which offers ML_DSA_44): swift-crypto has no ML-DSA-44.
    fails("UnsupportedOperationException", kms.create_key, KeySpec="ML_DSA_44", KeyUsage="SIGN_VERIFY")


def test_sign_input_validation(kms, key):
    rsa_key = key("RSA_2048", "SIGN_VERIFY")["KeyId"]
    p256 = key("ECC_NIST_P256", "SIGN_VERIFY")["KeyId"]
    ed = key("ECC_NIST_EDWARDS25519", "SIGN_VERIFY")["KeyId"]
    ml = key("ML_DSA_65", "SIGN_VERIFY")["KeyId"]
    sha512 = hashlib.sha512(DATA).digest()
    # DIGEST messages must be exactly the algorithm's digest length.
    fails("ValidationException", kms.sign, KeyId=rsa_key, Message=b"x" * 33, MessageType="DIGEST",
          SigningAlgorithm="RSASSA_PSS_SHA_256")
    fails("ValidationException", kms.sign, KeyId=p256, Message=hashlib.sha384(DATA).digest(), MessageType="DIGEST",
          SigningAlgorithm="ECDSA_SHA_256")
    fails("ValidationException", kms.sign, KeyId=ed, Message=sha512[:32], MessageType="DIGEST",
          SigningAlgorithm="ED25519_PH_SHA_512")
    fails("ValidationException", kms.verify, KeyId=p256, Message=b"x" * 31, MessageType="DIGEST",
          Signature=b"\x30\x06\x02\x01\x01\x02\x01\x01", SigningAlgorithm="ECDSA_SHA_256")
    # Ed25519 message types cannot be swapped; ML-DSA has no DIGEST mode.
    fails("ValidationException", kms.sign, KeyId=ed, Message=sha512, MessageType="DIGEST", SigningAlgorithm="ED25519_SHA_512")
    fails("ValidationException", kms.sign, KeyId=ed, Message=DATA, MessageType="RAW", SigningAlgorithm="ED25519_PH_SHA_512")
    fails("ValidationException", kms.sign, KeyId=ml, Message=sha512, MessageType="DIGEST", SigningAlgorithm="ML_DSA_SHAKE_256")
    # An algorithm outside the key's SigningAlgorithms: AWS answers InvalidKeyUsageException
    # ("Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256.").
    for key_id, alg in [(p256, "ECDSA_SHA_384"), (rsa_key, "ECDSA_SHA_256"), (p256, "RSASSA_PSS_SHA_256"),
                        (ed, "ECDSA_SHA_512"), (ml, "ED25519_SHA_512"), (rsa_key, "ML_DSA_SHAKE_256")]:
        fails("InvalidKeyUsageException", kms.sign, KeyId=key_id, Message=DATA, MessageType="RAW", SigningAlgorithm=alg)


def test_operations_need_the_right_key_usage(kms, key, sym):
    rsa_sign = key("RSA_2048", "SIGN_VERIFY")["KeyId"]
    rsa_crypt = key("RSA_2048", "ENCRYPT_DECRYPT")["KeyId"]
    for key_id in (sym["KeyId"], rsa_crypt):
        fails("InvalidKeyUsageException", kms.sign, KeyId=key_id, Message=DATA, SigningAlgorithm="RSASSA_PSS_SHA_256")
        fails("InvalidKeyUsageException", kms.verify, KeyId=key_id, Message=DATA, Signature=b"\x00" * 256,
              SigningAlgorithm="RSASSA_PSS_SHA_256")
    fails("InvalidKeyUsageException", kms.encrypt, KeyId=rsa_sign, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    fails("InvalidKeyUsageException", kms.encrypt, KeyId=rsa_sign, Plaintext=b"x")
    fails("InvalidKeyUsageException", kms.generate_mac, KeyId=rsa_sign, Message=DATA, MacAlgorithm="HMAC_SHA_256")
    fails("InvalidKeyUsageException", kms.generate_mac, KeyId=sym["KeyId"], Message=DATA, MacAlgorithm="HMAC_SHA_256")


# --- RSA encryption --------------------------------------------------------------------------------------------

def oaep(alg):
    h = hash_for(alg)
    return padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)


@pytest.mark.parametrize("spec,limit_sha1,limit_sha256", [("RSA_2048", 214, 190), ("RSA_3072", 342, 318),
                                                           ("RSA_4096", 470, 446)])
def test_rsa_encryption(kms, key, spec, limit_sha1, limit_sha256):
    m = key(spec, "ENCRYPT_DECRYPT")
    _, public = public_key(kms, m, "ENCRYPT_DECRYPT", "EncryptionAlgorithms", RSA_ENCRYPTION)
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == int(spec[4:])
    for alg, limit in [("RSAES_OAEP_SHA_1", limit_sha1), ("RSAES_OAEP_SHA_256", limit_sha256)]:
        secret = os.urandom(32)
        local = public.encrypt(secret, oaep(alg))
        out = kms.decrypt(KeyId=m["KeyId"], CiphertextBlob=local, EncryptionAlgorithm=alg)
        assert out["Plaintext"] == secret and out["KeyId"] == m["Arn"] and out["EncryptionAlgorithm"] == alg

        ct = kms.encrypt(KeyId=m["KeyId"], Plaintext=b"round trip", EncryptionAlgorithm=alg)
        assert ct["KeyId"] == m["Arn"] and ct["EncryptionAlgorithm"] == alg
        assert len(ct["CiphertextBlob"]) == public.key_size // 8
        assert kms.decrypt(KeyId=m["Arn"], CiphertextBlob=ct["CiphertextBlob"], EncryptionAlgorithm=alg)["Plaintext"] == b"round trip"

        biggest = os.urandom(limit)
        ct = kms.encrypt(KeyId=m["KeyId"], Plaintext=biggest, EncryptionAlgorithm=alg)["CiphertextBlob"]
        assert kms.decrypt(KeyId=m["KeyId"], CiphertextBlob=ct, EncryptionAlgorithm=alg)["Plaintext"] == biggest
        fails("ValidationException", kms.encrypt, KeyId=m["KeyId"], Plaintext=biggest + b"!", EncryptionAlgorithm=alg)


def test_rsa_encryption_errors(kms, key):
    m = key("RSA_2048", "ENCRYPT_DECRYPT")
    fails("InvalidKeyUsageException", kms.encrypt, KeyId=m["KeyId"], Plaintext=b"x")  # SYMMETRIC_DEFAULT
    fails("InvalidCiphertextException", kms.decrypt, KeyId=m["KeyId"], CiphertextBlob=os.urandom(256),
          EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    ct = kms.encrypt(KeyId=m["KeyId"], Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
    fails("InvalidCiphertextException", kms.decrypt, KeyId=m["KeyId"], CiphertextBlob=ct, EncryptionAlgorithm="RSAES_OAEP_SHA_1")


def test_re_encrypt_from_rsa(kms, key, sym):
    m = key("RSA_2048", "ENCRYPT_DECRYPT")
    _, public = public_key(kms, m, "ENCRYPT_DECRYPT", "EncryptionAlgorithms", RSA_ENCRYPTION)
    ct = public.encrypt(b"moving house", oaep("RSAES_OAEP_SHA_256"))
    out = kms.re_encrypt(CiphertextBlob=ct, SourceKeyId=m["KeyId"], SourceEncryptionAlgorithm="RSAES_OAEP_SHA_256",
                         DestinationKeyId=sym["KeyId"])
    assert out["SourceKeyId"] == m["Arn"] and out["KeyId"] == sym["Arn"]
    assert out["SourceEncryptionAlgorithm"] == "RSAES_OAEP_SHA_256"
    assert out["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"])["Plaintext"] == b"moving house"


# --- HMAC ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bits,mac_len", [(224, 28), (256, 32), (384, 48), (512, 64)])
def test_hmac(kms, key, bits, mac_len):
    m = key(f"HMAC_{bits}", "GENERATE_VERIFY_MAC")
    alg = f"HMAC_SHA_{bits}"
    d = kms.describe_key(KeyId=m["KeyId"])["KeyMetadata"]
    assert d["KeySpec"] == f"HMAC_{bits}" and d["KeyUsage"] == "GENERATE_VERIFY_MAC" and d["MacAlgorithms"] == [alg]
    out = kms.generate_mac(KeyId=m["KeyId"], Message=DATA, MacAlgorithm=alg)
    assert out["KeyId"] == m["Arn"] and out["MacAlgorithm"] == alg and len(out["Mac"]) == mac_len
    assert kms.generate_mac(KeyId=m["Arn"], Message=DATA, MacAlgorithm=alg)["Mac"] == out["Mac"]  # deterministic
    ok = kms.verify_mac(KeyId=m["KeyId"], Message=DATA, MacAlgorithm=alg, Mac=out["Mac"])
    assert ok["MacValid"] is True and ok["KeyId"] == m["Arn"] and ok["MacAlgorithm"] == alg
    fails("KMSInvalidMacException", kms.verify_mac, KeyId=m["KeyId"], Message=DATA, MacAlgorithm=alg, Mac=flip(out["Mac"]))
    fails("KMSInvalidMacException", kms.verify_mac, KeyId=m["KeyId"], Message=DATA + b"!", MacAlgorithm=alg, Mac=out["Mac"])
    wrong = "HMAC_SHA_512" if bits != 512 else "HMAC_SHA_256"
    fails("InvalidKeyUsageException", kms.generate_mac, KeyId=m["KeyId"], Message=DATA, MacAlgorithm=wrong)
    fails("InvalidKeyUsageException", kms.verify_mac, KeyId=m["KeyId"], Message=DATA, MacAlgorithm=wrong, Mac=out["Mac"])


def test_hmac_errors(kms, key):
    m = key("HMAC_256", "GENERATE_VERIFY_MAC")
    fails("ValidationException", kms.create_key, KeySpec="HMAC_256")  # KeyUsage defaults to ENCRYPT_DECRYPT
    fails("UnsupportedOperationException", kms.get_public_key, KeyId=m["KeyId"])
    fails("InvalidKeyUsageException", kms.encrypt, KeyId=m["KeyId"], Plaintext=b"x")
    fails("InvalidKeyUsageException", kms.sign, KeyId=m["KeyId"], Message=DATA, SigningAlgorithm="ECDSA_SHA_256")


# --- key agreement ---------------------------------------------------------------------------------------------

def spki(public):
    return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("spec", ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521"])
def test_key_agreement(kms, key, spec):
    m = key(spec, "KEY_AGREEMENT")
    _, public = public_key(kms, m, "KEY_AGREEMENT", "KeyAgreementAlgorithms", ["ECDH"])
    assert isinstance(public.curve, CURVES[spec])
    peer = ec.generate_private_key(CURVES[spec]())
    out = kms.derive_shared_secret(KeyId=m["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=spki(peer.public_key()))
    assert out["SharedSecret"] == peer.exchange(ec.ECDH(), public)
    assert len(out["SharedSecret"]) == (public.curve.key_size + 7) // 8
    assert out["KeyId"] == m["Arn"] and out["KeyAgreementAlgorithm"] == "ECDH" and out["KeyOrigin"] == "AWS_KMS"


def test_key_agreement_errors(kms, key):
    m = key("ECC_NIST_P256", "KEY_AGREEMENT")
    other_curve = spki(ec.generate_private_key(ec.SECP384R1()).public_key())
    fails("ValidationException", kms.derive_shared_secret, KeyId=m["KeyId"], KeyAgreementAlgorithm="ECDH",
          PublicKey=other_curve)
    fails("ValidationException", kms.derive_shared_secret, KeyId=m["KeyId"], KeyAgreementAlgorithm="ECDH",
          PublicKey=b"definitely not a SubjectPublicKeyInfo")
    peer = spki(ec.generate_private_key(ec.SECP256R1()).public_key())
    fails("InvalidKeyUsageException", kms.derive_shared_secret, KeyId=key("ECC_NIST_P256", "SIGN_VERIFY")["KeyId"],
          KeyAgreementAlgorithm="ECDH", PublicKey=peer)
    fails("InvalidKeyUsageException", kms.sign, KeyId=m["KeyId"], Message=DATA, SigningAlgorithm="ECDSA_SHA_256")


# --- data key pairs --------------------------------------------------------------------------------------------

def is_pkcs8(der):
    """PrivateKeyInfo / OneAsymmetricKey: SEQUENCE { INTEGER 0|1, SEQUENCE algorithm, ... }."""
    assert der[0] == 0x30
    header = 2 + (der[1] & 0x7F if der[1] & 0x80 else 0)
    return der[header:header + 3] in (b"\x02\x01\x00", b"\x02\x01\x01") and der[header + 3] == 0x30


def check_private(spec, private):
    if spec.startswith("RSA"):
        assert isinstance(private, rsa.RSAPrivateKey) and private.key_size == int(spec[4:])
    elif spec == "ECC_NIST_EDWARDS25519":
        assert isinstance(private, ed25519.Ed25519PrivateKey)
    else:
        assert isinstance(private, ec.EllipticCurvePrivateKey) and isinstance(private.curve, CURVES[spec])


# RSA_4096 pairs are left out to keep 4096-bit key generation down to the two KMS keys above.
@pytest.mark.parametrize("spec", ["RSA_2048", "RSA_3072", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521",
                                  "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"])
def test_data_key_pair(kms, sym, spec):
    out = kms.generate_data_key_pair(KeyId=sym["KeyId"], KeyPairSpec=spec)
    assert out["KeyPairSpec"] == spec and out["KeyId"] == sym["Arn"]
    assert is_pkcs8(out["PrivateKeyPlaintext"])
    private = serialization.load_der_private_key(out["PrivateKeyPlaintext"], password=None)
    check_private(spec, private)
    assert spki(private.public_key()) == out["PublicKey"]
    assert kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"])["Plaintext"] == out["PrivateKeyPlaintext"]

    bare = kms.generate_data_key_pair_without_plaintext(KeyId=sym["Arn"], KeyPairSpec=spec)
    assert "PrivateKeyPlaintext" not in bare
    assert bare["KeyPairSpec"] == spec and bare["KeyId"] == sym["Arn"]
    plain = kms.decrypt(CiphertextBlob=bare["PrivateKeyCiphertextBlob"])["Plaintext"]
    private = serialization.load_der_private_key(plain, password=None)
    check_private(spec, private)
    assert spki(private.public_key()) == bare["PublicKey"] != out["PublicKey"]


def test_data_key_pair_context_and_errors(kms, key, sym):
    out = kms.generate_data_key_pair(KeyId=sym["KeyId"], KeyPairSpec="ECC_NIST_P256", EncryptionContext={"pair": "1"})
    fails("InvalidCiphertextException", kms.decrypt, CiphertextBlob=out["PrivateKeyCiphertextBlob"])
    got = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"], EncryptionContext={"pair": "1"})
    assert got["Plaintext"] == out["PrivateKeyPlaintext"]
    bare = kms.generate_data_key_pair_without_plaintext(KeyId=sym["KeyId"], KeyPairSpec="ECC_NIST_P256",
                                                        EncryptionContext={"pair": "2"})
    fails("InvalidCiphertextException", kms.decrypt, CiphertextBlob=bare["PrivateKeyCiphertextBlob"],
          EncryptionContext={"pair": "1"})
    fails("UnsupportedOperationException", kms.generate_data_key_pair, KeyId=sym["KeyId"], KeyPairSpec="SM2")
    for bad in (key("RSA_2048", "ENCRYPT_DECRYPT"), key("HMAC_256", "GENERATE_VERIFY_MAC")):
        fails("InvalidKeyUsageException", kms.generate_data_key_pair, KeyId=bad["KeyId"], KeyPairSpec="ECC_NIST_P256")
        fails("InvalidKeyUsageException", kms.generate_data_key_pair_without_plaintext, KeyId=bad["KeyId"],
              KeyPairSpec="ECC_NIST_P256")


# --- key specs and usages at CreateKey -------------------------------------------------------------------------

@pytest.mark.parametrize("spec,usage,code", [
    ("SM2", "SIGN_VERIFY", "UnsupportedOperationException"),      # "KeySpec SM2 is not supported in this Region"
    ("SM2", "ENCRYPT_DECRYPT", "UnsupportedOperationException"),
    ("SM2", "KEY_AGREEMENT", "UnsupportedOperationException"),
    ("ECC_NIST_P256", "ENCRYPT_DECRYPT", "ValidationException"),
    ("ECC_NIST_P256", None, "ValidationException"),                # KeyUsage defaults to ENCRYPT_DECRYPT
    ("RSA_2048", "KEY_AGREEMENT", "ValidationException"),
    ("RSA_2048", "GENERATE_VERIFY_MAC", "ValidationException"),
    ("ECC_NIST_EDWARDS25519", "KEY_AGREEMENT", "ValidationException"),
    ("ECC_NIST_EDWARDS25519", "ENCRYPT_DECRYPT", "ValidationException"),
    ("ECC_SECG_P256K1", "KEY_AGREEMENT", "ValidationException"),
    ("ML_DSA_65", "ENCRYPT_DECRYPT", "ValidationException"),
    ("HMAC_256", "SIGN_VERIFY", "ValidationException"),
])
def test_create_key_spec_and_usage(kms, spec, usage, code):
    fails(code, kms.create_key, KeySpec=spec, **({"KeyUsage": usage} if usage else {}))


def test_asymmetric_keys_do_not_rotate(kms, key):
    for spec, usage in [("RSA_2048", "SIGN_VERIFY"), ("RSA_2048", "ENCRYPT_DECRYPT"), ("ECC_NIST_P256", "SIGN_VERIFY"),
                        ("ECC_NIST_P256", "KEY_AGREEMENT"), ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY")]:
        fails("UnsupportedOperationException", kms.enable_key_rotation, KeyId=key(spec, usage)["KeyId"])
