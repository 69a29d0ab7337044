#include "keycrypto.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <string.h>

#define PKEY(k) ((EVP_PKEY *)(k))

static const EVP_MD *digest_md(int digest) {
    switch (digest) {
    case KC_SHA1: return EVP_sha1();
    case KC_SHA224: return EVP_sha224();
    case KC_SHA256: return EVP_sha256();
    case KC_SHA384: return EVP_sha384();
    case KC_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

static const char *curve_name(int curve) {
    switch (curve) {
    case KC_CURVE_P256: return "P-256";
    case KC_CURVE_P384: return "P-384";
    case KC_CURVE_P521: return "P-521";
    case KC_CURVE_SECP256K1: return "secp256k1";
    default: return NULL;
    }
}

/// Failures leave nothing on this thread's error queue.
static int fail(void) {
    ERR_clear_error();
    return 0;
}

static kc_key *fail_null(void) {
    ERR_clear_error();
    return NULL;
}

kc_key *kc_generate_rsa(int bits) {
    EVP_PKEY *key = EVP_RSA_gen((unsigned int)bits);
    return key ? (kc_key *)key : fail_null();
}

kc_key *kc_generate_ec(int curve) {
    const char *name = curve_name(curve);
    if (name == NULL) return NULL;
    EVP_PKEY *key = EVP_EC_gen(name);
    return key ? (kc_key *)key : fail_null();
}

kc_key *kc_private_from_pkcs8(const uint8_t *der, size_t length) {
    const unsigned char *cursor = der;
    PKCS8_PRIV_KEY_INFO *info = d2i_PKCS8_PRIV_KEY_INFO(NULL, &cursor, (long)length);
    if (info == NULL) return fail_null();
    // Trailing bytes after the structure are refused.
    if ((size_t)(cursor - der) != length) {
        PKCS8_PRIV_KEY_INFO_free(info);
        return fail_null();
    }
    EVP_PKEY *key = EVP_PKCS82PKEY(info);
    PKCS8_PRIV_KEY_INFO_free(info);
    return key ? (kc_key *)key : fail_null();
}

kc_key *kc_public_from_spki(const uint8_t *der, size_t length) {
    const unsigned char *cursor = der;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &cursor, (long)length);
    if (key == NULL) return fail_null();
    if ((size_t)(cursor - der) != length) {
        EVP_PKEY_free(key);
        return fail_null();
    }
    return (kc_key *)key;
}

void kc_key_free(kc_key *key) { EVP_PKEY_free(PKEY(key)); }

int kc_key_family(const kc_key *key) {
    switch (EVP_PKEY_get_base_id(PKEY(key))) {
    case EVP_PKEY_RSA: return KC_RSA;
    case EVP_PKEY_EC: return KC_EC;
    default: return 0;
    }
}

int kc_rsa_bits(const kc_key *key) {
    return kc_key_family(key) == KC_RSA ? EVP_PKEY_get_bits(PKEY(key)) : 0;
}

int kc_ec_curve(const kc_key *key) {
    if (kc_key_family(key) != KC_EC) return 0;
    char name[64];
    size_t length = 0;
    if (EVP_PKEY_get_group_name(PKEY(key), name, sizeof name, &length) != 1) return fail();
    switch (OBJ_txt2nid(name)) {
    case NID_X9_62_prime256v1: return KC_CURVE_P256;
    case NID_secp384r1: return KC_CURVE_P384;
    case NID_secp521r1: return KC_CURVE_P521;
    case NID_secp256k1: return KC_CURVE_SECP256K1;
    default: return 0;
    }
}

int kc_private_to_pkcs8(const kc_key *key, uint8_t **out) {
    PKCS8_PRIV_KEY_INFO *info = EVP_PKEY2PKCS8(PKEY(key));
    if (info == NULL) return fail() - 1;
    *out = NULL;
    int length = i2d_PKCS8_PRIV_KEY_INFO(info, out);
    PKCS8_PRIV_KEY_INFO_free(info);
    return length > 0 ? length : fail() - 1;
}

int kc_public_to_spki(const kc_key *key, uint8_t **out) {
    *out = NULL;
    int length = i2d_PUBKEY(PKEY(key), out);
    return length > 0 ? length : fail() - 1;
}

void kc_buffer_free(uint8_t *buffer, size_t length) { OPENSSL_clear_free(buffer, length); }

/// A context for `key` set up for RSA padding with `digest`, or for ECDSA.
static int configure(EVP_PKEY_CTX *ctx, const kc_key *key, int padding, int digest) {
    const EVP_MD *md = digest_md(digest);
    if (md == NULL) return 0;
    if (kc_key_family(key) == KC_RSA) {
        if (padding == KC_PAD_PSS) {
            return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1
                && EVP_PKEY_CTX_set_signature_md(ctx, md) == 1
                && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1
                && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1;
        }
        if (padding == KC_PAD_PKCS1) {
            return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1
                && EVP_PKEY_CTX_set_signature_md(ctx, md) == 1;
        }
        return 0;
    }
    return padding == KC_PAD_NONE && EVP_PKEY_CTX_set_signature_md(ctx, md) == 1;
}

int kc_sign_digest(const kc_key *key, int padding, int digest, const uint8_t *hash, size_t hash_length,
                   uint8_t *signature, size_t *signature_length) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(PKEY(key), NULL);
    if (ctx == NULL) return fail();
    int ok = EVP_PKEY_sign_init(ctx) == 1 && configure(ctx, key, padding, digest)
        && EVP_PKEY_sign(ctx, signature, signature_length, hash, hash_length) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 1 : fail();
}

int kc_verify_digest(const kc_key *key, int padding, int digest, const uint8_t *hash, size_t hash_length,
                     const uint8_t *signature, size_t signature_length) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(PKEY(key), NULL);
    if (ctx == NULL) return fail();
    int ok = EVP_PKEY_verify_init(ctx) == 1 && configure(ctx, key, padding, digest)
        && EVP_PKEY_verify(ctx, signature, signature_length, hash, hash_length) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 1 : fail();
}

static int oaep(EVP_PKEY_CTX *ctx, int digest) {
    const EVP_MD *md = digest_md(digest);
    return md != NULL && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1
        && EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1;
}

int kc_rsa_oaep_encrypt(const kc_key *key, int digest, const uint8_t *in, size_t in_length, uint8_t *out,
                        size_t *out_length) {
    if (kc_key_family(key) != KC_RSA) return 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(PKEY(key), NULL);
    if (ctx == NULL) return fail();
    int ok = EVP_PKEY_encrypt_init(ctx) == 1 && oaep(ctx, digest)
        && EVP_PKEY_encrypt(ctx, out, out_length, in, in_length) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 1 : fail();
}

int kc_rsa_oaep_decrypt(const kc_key *key, int digest, const uint8_t *in, size_t in_length, uint8_t *out,
                        size_t *out_length) {
    if (kc_key_family(key) != KC_RSA) return 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(PKEY(key), NULL);
    if (ctx == NULL) return fail();
    int ok = EVP_PKEY_decrypt_init(ctx) == 1 && oaep(ctx, digest)
        && EVP_PKEY_decrypt(ctx, out, out_length, in, in_length) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 1 : fail();
}

int kc_ecdh(const kc_key *key, const kc_key *peer, uint8_t *out, size_t *out_length) {
    if (kc_key_family(key) != KC_EC || kc_ec_curve(key) != kc_ec_curve(peer)) return 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(PKEY(key), NULL);
    if (ctx == NULL) return fail();
    int ok = EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, PKEY(peer)) == 1
        && EVP_PKEY_derive(ctx, out, out_length) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 1 : fail();
}

int kc_hmac(int digest, const uint8_t *key, size_t key_length, const uint8_t *message, size_t message_length,
            uint8_t *out, size_t *out_length) {
    const EVP_MD *md = digest_md(digest);
    if (md == NULL || digest == KC_SHA1) return 0;
    unsigned int length = 0;
    if (HMAC(md, key, (int)key_length, message, message_length, out, &length) == NULL) return fail();
    *out_length = length;
    return 1;
}

static int aes_wrap_pad(int encrypt, const uint8_t *key, size_t key_length, const uint8_t *in, size_t in_length,
                        uint8_t *out, size_t *out_length) {
    const EVP_CIPHER *cipher = key_length == 16 ? EVP_aes_128_wrap_pad()
        : key_length == 24                      ? EVP_aes_192_wrap_pad()
        : key_length == 32                      ? EVP_aes_256_wrap_pad()
                                                : NULL;
    if (cipher == NULL || in_length > INT32_MAX || *out_length < in_length + 16) return 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) return fail();
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    int length = 0, final_length = 0;
    int ok = EVP_CipherInit_ex(ctx, cipher, NULL, key, NULL, encrypt) == 1
        && EVP_CipherUpdate(ctx, out, &length, in, (int)in_length) == 1
        && EVP_CipherFinal_ex(ctx, out + length, &final_length) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok || length < 0) {
        OPENSSL_cleanse(out, *out_length);
        return fail();
    }
    *out_length = (size_t)length + (size_t)final_length;
    return 1;
}

int kc_aes_wrap_pad(const uint8_t *key, size_t key_length, const uint8_t *in, size_t in_length, uint8_t *out,
                    size_t *out_length) {
    return aes_wrap_pad(1, key, key_length, in, in_length, out, out_length);
}

int kc_aes_unwrap_pad(const uint8_t *key, size_t key_length, const uint8_t *in, size_t in_length, uint8_t *out,
                      size_t *out_length) {
    return aes_wrap_pad(0, key, key_length, in, in_length, out, out_length);
}

int kc_ed25519_public(const uint8_t seed[32], uint8_t public_key[32]) {
    if (sodium_init() < 0) return 0;
    unsigned char secret[crypto_sign_SECRETKEYBYTES];
    int ok = crypto_sign_seed_keypair(public_key, secret, seed) == 0;
    sodium_memzero(secret, sizeof secret);
    return ok;
}

int kc_ed25519_sign(const uint8_t seed[32], int prehashed, const uint8_t *message, size_t message_length,
                    uint8_t signature[64]) {
    if (sodium_init() < 0) return 0;
    unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
    unsigned char secret[crypto_sign_SECRETKEYBYTES];
    int ok = crypto_sign_seed_keypair(public_key, secret, seed) == 0;
    if (ok && prehashed) {
        crypto_sign_ed25519ph_state state;
        ok = crypto_sign_ed25519ph_init(&state) == 0
            && crypto_sign_ed25519ph_update(&state, message, message_length) == 0
            && crypto_sign_ed25519ph_final_create(&state, signature, NULL, secret) == 0;
        sodium_memzero(&state, sizeof state);
    } else if (ok) {
        ok = crypto_sign_detached(signature, NULL, message, message_length, secret) == 0;
    }
    sodium_memzero(secret, sizeof secret);
    return ok;
}

int kc_ed25519_verify(const uint8_t public_key[32], int prehashed, const uint8_t *message, size_t message_length,
                      const uint8_t signature[64]) {
    if (sodium_init() < 0) return 0;
    if (!prehashed) return crypto_sign_verify_detached(signature, message, message_length, public_key) == 0;
    crypto_sign_ed25519ph_state state;
    return crypto_sign_ed25519ph_init(&state) == 0
        && crypto_sign_ed25519ph_update(&state, message, message_length) == 0
        && crypto_sign_ed25519ph_final_verify(&state, signature, public_key) == 0;
}
