"""Envelope encryption by a client nobody here wrote: the AWS Encryption SDK for Python with a
KMS master key provider pointed at Rampart."""
import os

import aws_encryption_sdk
import botocore.session
from aws_encryption_sdk import CommitmentPolicy
from aws_encryption_sdk.key_providers.kms import StrictAwsKmsMasterKeyProvider


def provider_for(server, key_arn):
    akid, secret = server.profile()
    session = botocore.session.Session()
    session.set_credentials(akid, secret)
    session.set_config_variable("region", "us-east-1")
    os.environ["AWS_ENDPOINT_URL"] = server.endpoint
    try:
        return StrictAwsKmsMasterKeyProvider(key_ids=[key_arn], botocore_session=session)
    finally:
        os.environ.pop("AWS_ENDPOINT_URL", None)


def test_encrypt_and_decrypt_a_file_through_a_kms_keyring(server, kms, tmp_path):
    key_arn = kms.create_key(Description="encryption sdk")["KeyMetadata"]["Arn"]
    os.environ["AWS_ENDPOINT_URL"] = server.endpoint
    try:
        provider = provider_for(server, key_arn)
        client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
        source = os.urandom(300_000)
        ciphertext, header = client.encrypt(source=source, key_provider=provider, encryption_context={"purpose": "interop"})
        assert ciphertext != source
        (tmp_path / "file.enc").write_bytes(ciphertext)
        plaintext, dec_header = client.decrypt(source=(tmp_path / "file.enc").read_bytes(), key_provider=provider)
        assert plaintext == source
        assert dec_header.encryption_context["purpose"] == "interop"
        # the data key really is wrapped by Rampart: disabling the key stops decryption
        kms.disable_key(KeyId=key_arn)
        try:
            client.decrypt(source=ciphertext, key_provider=provider_for(server, key_arn))
            raise AssertionError("decrypted with a disabled key")
        except aws_encryption_sdk.exceptions.DecryptKeyError:
            pass
        finally:
            kms.enable_key(KeyId=key_arn)
    finally:
        os.environ.pop("AWS_ENDPOINT_URL", None)
