// A narrow C surface over OpenSSL's libcrypto (RSA, the four ECC curves, HMAC) and libsodium
// (Ed25519 and Ed25519ph), for what swift-crypto does not offer: signing a precomputed digest
// with RSA, secp256k1, HMAC-SHA-224 and HashEdDSA. Keys cross as DER; handles are EVP_PKEY.
#ifndef RAMPART_KEYCRYPTO_H
#define RAMPART_KEYCRYPTO_H

#include <stddef.h>
#include <stdint.h>

typedef struct kc_key kc_key;

// Key families and digests, as the Swift side names them.
enum { KC_RSA = 1, KC_EC = 2 };
enum { KC_CURVE_P256 = 1, KC_CURVE_P384 = 2, KC_CURVE_P521 = 3, KC_CURVE_SECP256K1 = 4 };
enum { KC_SHA1 = 1, KC_SHA224 = 224, KC_SHA256 = 256, KC_SHA384 = 384, KC_SHA512 = 512 };
enum { KC_PAD_NONE = 0, KC_PAD_PKCS1 = 1, KC_PAD_PSS = 2 };

/// A new RSA key of `bits`, or NULL.
kc_key *kc_generate_rsa(int bits);
/// A new EC key on `curve`, or NULL.
kc_key *kc_generate_ec(int curve);
/// A private key from DER PKCS#8, or NULL.
kc_key *kc_private_from_pkcs8(const uint8_t *der, size_t length);
/// A public key from DER SubjectPublicKeyInfo, or NULL.
kc_key *kc_public_from_spki(const uint8_t *der, size_t length);
void kc_key_free(kc_key *key);

/// KC_RSA or KC_EC, or 0 for anything else.
int kc_key_family(const kc_key *key);
/// The RSA modulus size in bits, or 0.
int kc_rsa_bits(const kc_key *key);
/// The KC_CURVE_* of an EC key, or 0.
int kc_ec_curve(const kc_key *key);

/// DER encodings in a buffer the caller frees with kc_buffer_free (zeroed first). Length, or -1.
int kc_private_to_pkcs8(const kc_key *key, uint8_t **out);
int kc_public_to_spki(const kc_key *key, uint8_t **out);
void kc_buffer_free(uint8_t *buffer, size_t length);

/// Signs a digest (RSA with `padding`, or ECDSA with DER output). 1 on success.
int kc_sign_digest(const kc_key *key, int padding, int digest, const uint8_t *hash, size_t hash_length,
                   uint8_t *signature, size_t *signature_length);
/// 1 when the signature over the digest is valid, 0 when it is not.
int kc_verify_digest(const kc_key *key, int padding, int digest, const uint8_t *hash, size_t hash_length,
                     const uint8_t *signature, size_t signature_length);

/// RSAES-OAEP with `digest` (KC_SHA1 or KC_SHA256) for both hash and MGF1. 1 on success.
int kc_rsa_oaep_encrypt(const kc_key *key, int digest, const uint8_t *in, size_t in_length, uint8_t *out,
                        size_t *out_length);
int kc_rsa_oaep_decrypt(const kc_key *key, int digest, const uint8_t *in, size_t in_length, uint8_t *out,
                        size_t *out_length);

/// ECDH: the shared secret (the x coordinate). 1 on success.
int kc_ecdh(const kc_key *key, const kc_key *peer, uint8_t *out, size_t *out_length);

/// HMAC with `digest` (224, 256, 384 or 512). 1 on success.
int kc_hmac(int digest, const uint8_t *key, size_t key_length, const uint8_t *message, size_t message_length,
            uint8_t *out, size_t *out_length);

/// AES key wrap with padding (RFC 5649) under a 128-, 192- or 256-bit key. 1 on success; 0 when
/// the input does not unwrap (its integrity check fails).
int kc_aes_wrap_pad(const uint8_t *key, size_t key_length, const uint8_t *in, size_t in_length, uint8_t *out,
                    size_t *out_length);
int kc_aes_unwrap_pad(const uint8_t *key, size_t key_length, const uint8_t *in, size_t in_length, uint8_t *out,
                      size_t *out_length);

/// Ed25519 from a 32-byte seed: the 32-byte public key. 1 on success.
int kc_ed25519_public(const uint8_t seed[32], uint8_t public_key[32]);
/// Ed25519 (prehashed = 0) or Ed25519ph with an empty context (prehashed = 1): 64-byte signature.
int kc_ed25519_sign(const uint8_t seed[32], int prehashed, const uint8_t *message, size_t message_length,
                    uint8_t signature[64]);
/// 1 when valid.
int kc_ed25519_verify(const uint8_t public_key[32], int prehashed, const uint8_t *message, size_t message_length,
                      const uint8_t signature[64]);

#endif
