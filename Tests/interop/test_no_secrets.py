"""Issue 9: no secret anywhere it should not be. A session handles plaintexts, data keys,
private keys of data key pairs, imported key material, IAM secret access keys and STS session
credentials; then every file in the data folder and the server's log is searched for each of
them, raw, base64 and hex."""
import base64
import json
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from conftest import ACCOUNT


def forms(secret: bytes):
    yield secret
    yield base64.b64encode(secret)
    yield secret.hex().encode()


def test_no_secret_in_the_data_folder_or_the_log(fresh_server):
    server = fresh_server
    kms, iam = server.client("kms"), server.client("iam")
    secrets = []
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    plaintext = b"the launch codes are 0000 " + os.urandom(16)
    secrets.append(plaintext)
    kms.decrypt(CiphertextBlob=kms.encrypt(KeyId=key, Plaintext=plaintext)["CiphertextBlob"])
    secrets.append(kms.generate_data_key(KeyId=key, KeySpec="AES_256")["Plaintext"])
    pair = kms.generate_data_key_pair(KeyId=key, KeyPairSpec="ECC_NIST_P256")
    secrets.append(pair["PrivateKeyPlaintext"])
    secrets.append(kms.generate_random(NumberOfBytes=32)["Plaintext"])
    # Imported HMAC material.
    hmac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    material = os.urandom(32)
    secrets.append(material)
    params = kms.get_parameters_for_import(KeyId=hmac_key, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    public = serialization.load_der_public_key(params["PublicKey"])
    wrapped = public.encrypt(material, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    kms.import_key_material(KeyId=hmac_key, ImportToken=params["ImportToken"], EncryptedKeyMaterial=wrapped,
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    secrets.append(params["ImportToken"])
    kms.generate_mac(KeyId=hmac_key, Message=b"m", MacAlgorithm="HMAC_SHA_256")
    # IAM and STS credentials.
    iam.create_user(UserName="holder")
    access = iam.create_access_key(UserName="holder")["AccessKey"]
    secrets.append(access["SecretAccessKey"].encode())
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(trust))
    creds = server.client("sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r", RoleSessionName="session")["Credentials"]
    secrets += [creds["SecretAccessKey"].encode(), creds["SessionToken"].encode()]
    server.client("sts", keys=(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])).get_caller_identity()
    root_secret = server.profile()[1].encode()
    server.stop()

    files = [p for p in server.data.rglob("*") if p.is_file() and p.name != "credentials"]
    files += [p for p in server.scratch.glob("*.log")]
    assert any(p.name == "rampart.sqlite" for p in files)
    for path in files:
        content = path.read_bytes()
        for secret in secrets + [root_secret]:
            for form in forms(secret):
                assert form not in content, f"a secret appears in {path.name}"
