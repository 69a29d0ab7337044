import CKeyCrypto
import Crypto
import Testing

@testable import KeyCrypto

private func hex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var i = s.startIndex
    while i < s.endIndex {
        let j = s.index(i, offsetBy: 2)
        out.append(UInt8(s[i..<j], radix: 16)!)
        i = j
    }
    return out
}

@Suite("Known answers")
struct KnownAnswerTests {
    @Test("HMAC-SHA-224 and HMAC-SHA-256, RFC 4231 test case 1")
    func hmacVectors() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        let data = Array("Hi There".utf8)
        #expect(MAC.hmac(.sha224, key: key, message: data) == hex("896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22"))
        #expect(
            MAC.hmac(.sha256, key: key, message: data)
                == hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"))
    }

    @Test("Ed25519, RFC 8032 section 7.1 test 1")
    func ed25519Vector() throws {
        let key = try PrivateKey(
            kind: .ed25519, material: hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        #expect(key.publicKeyDER.suffix(32) == hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")[...])
        let signature = try key.sign(.message([]), scheme: .ed25519)
        #expect(
            signature
                == hex(
                    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
                ))
        #expect(try key.verify(signature, for: .message([]), scheme: .ed25519))
    }

    @Test("Ed25519ph, RFC 8032 section 7.3")
    func ed25519phVector() {
        let seed = hex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
        var signature = [UInt8](repeating: 0, count: 64)
        #expect(kc_ed25519_sign(seed, 1, Array("abc".utf8), 3, &signature) == 1)
        #expect(
            signature
                == hex(
                    "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"
                ))
        let publicKey = hex("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf")
        #expect(kc_ed25519_verify(publicKey, 1, Array("abc".utf8), 3, signature) == 1)
        #expect(kc_ed25519_verify(publicKey, 0, Array("abc".utf8), 3, signature) == 0)
    }
}

@Suite("Key pairs")
struct KeyPairTests {
    static let rsa = try! PrivateKey.generate(.rsa(bits: 2048))

    static let schemes: [(KeyPairKind, SignatureScheme)] = [
        (.ec(.p256), .ecdsa(.sha256)), (.ec(.p384), .ecdsa(.sha384)), (.ec(.p521), .ecdsa(.sha512)),
        (.ec(.secp256k1), .ecdsa(.sha256)), (.ed25519, .ed25519), (.ed25519, .ed25519ph), (.mlDSA65, .mlDSA),
        (.mlDSA87, .mlDSA),
    ]

    @Test("RSA signs and verifies with every padding and hash, raw and digest")
    func rsaSchemes() throws {
        let message = Array("the quick brown fox".utf8)
        for scheme in [
            SignatureScheme.rsaPSS(.sha256), .rsaPSS(.sha384), .rsaPSS(.sha512), .rsaPKCS1(.sha256), .rsaPKCS1(.sha384),
            .rsaPKCS1(.sha512),
        ] {
            let signature = try Self.rsa.sign(.message(message), scheme: scheme)
            #expect(signature.count == 256)
            #expect(try Self.rsa.verify(signature, for: .message(message), scheme: scheme))
            let digest = try PrivateKey.digest(.message(message), scheme.digest!)
            #expect(try Self.rsa.verify(signature, for: .digest(digest), scheme: scheme))
            var tampered = signature
            tampered[10] ^= 1
            #expect(try !Self.rsa.verify(tampered, for: .message(message), scheme: scheme))
        }
    }

    @Test("ECC, Ed25519 and ML-DSA sign and verify; a changed message fails", arguments: 0..<schemes.count)
    func otherSchemes(index: Int) throws {
        let (kind, scheme) = Self.schemes[index]
        let key = try PrivateKey.generate(kind)
        let input: SignatureInput =
            scheme == .ed25519ph ? .digest(Array(SHA512.hash(data: Array("m".utf8)))) : .message(Array("message".utf8))
        let signature = try key.sign(input, scheme: scheme)
        #expect(try key.verify(signature, for: input, scheme: scheme))
        let other: SignatureInput =
            scheme == .ed25519ph ? .digest([UInt8](repeating: 1, count: 64)) : .message(Array("massage".utf8))
        #expect(try !key.verify(signature, for: other, scheme: scheme))
        // The stored form reads back to the same key.
        let again = try PrivateKey(kind: kind, material: key.material)
        #expect(again.publicKeyDER == key.publicKeyDER)
        #expect(try again.verify(signature, for: input, scheme: scheme))
    }

    @Test("A scheme that does not fit the key is refused; a digest of the wrong length too")
    func refusals() throws {
        let ec = try PrivateKey.generate(.ec(.p256))
        #expect(throws: KeyCryptoError.unsupported) { try ec.sign(.message([1]), scheme: .rsaPSS(.sha256)) }
        #expect(throws: KeyCryptoError.unsupported) { try Self.rsa.sign(.message([1]), scheme: .ecdsa(.sha256)) }
        #expect(throws: KeyCryptoError.invalidInput) { try ec.sign(.digest([1, 2, 3]), scheme: .ecdsa(.sha256)) }
        let ml = try PrivateKey.generate(.mlDSA65)
        #expect(throws: KeyCryptoError.unsupported) { try ml.sign(.digest([UInt8](repeating: 0, count: 64)), scheme: .mlDSA) }
    }

    @Test("Stored forms of the wrong kind, truncated or padded, are refused")
    func badMaterial() throws {
        let material = Self.rsa.material
        #expect(throws: KeyCryptoError.invalidKey) { try PrivateKey(kind: .ec(.p256), material: material) }
        #expect(throws: KeyCryptoError.invalidKey) { try PrivateKey(kind: .rsa(bits: 3072), material: material) }
        #expect(throws: KeyCryptoError.invalidKey) { try PrivateKey(kind: .rsa(bits: 2048), material: material.dropLast(1)) }
        #expect(throws: KeyCryptoError.invalidKey) { try PrivateKey(kind: .rsa(bits: 2048), material: material + [0]) }
        #expect(throws: KeyCryptoError.invalidKey) { try PrivateKey(kind: .ed25519, material: [1, 2, 3]) }
        let p256 = try PrivateKey.generate(.ec(.p256))
        #expect(throws: KeyCryptoError.invalidKey) { try PrivateKey(kind: .ec(.p384), material: p256.material) }
    }

    @Test("RSAES-OAEP round trips up to the size limit")
    func oaep() throws {
        for hash in [OAEPHash.sha1, .sha256] {
            let limit = Self.rsa.maximumPlaintext(oaep: hash)
            #expect(limit == (hash == .sha1 ? 214 : 190))
            let plaintext = [UInt8](repeating: 7, count: limit)
            let ciphertext = try Self.rsa.encrypt(plaintext, oaep: hash)
            #expect(try Self.rsa.decrypt(ciphertext, oaep: hash) == plaintext)
            #expect(throws: KeyCryptoError.invalidInput) {
                try Self.rsa.decrypt(ciphertext, oaep: hash == .sha1 ? .sha256 : .sha1)
            }
            #expect(throws: KeyCryptoError.invalidInput) { try Self.rsa.encrypt(plaintext + [1], oaep: hash) }
        }
    }

    @Test("ECDH gives both sides the same secret; another curve is refused", arguments: [Curve.p256, .p384, .p521])
    func ecdh(curve: Curve) throws {
        let a = try PrivateKey.generate(.ec(curve))
        let b = try PrivateKey.generate(.ec(curve))
        let secret = try a.sharedSecret(peerPublicKey: b.publicKeyDER)
        #expect(secret == (try b.sharedSecret(peerPublicKey: a.publicKeyDER)))
        let other = try PrivateKey.generate(.ec(curve == .p256 ? .p384 : .p256))
        #expect(throws: KeyCryptoError.invalidKey) { try a.sharedSecret(peerPublicKey: other.publicKeyDER) }
        #expect(throws: KeyCryptoError.invalidKey) { try a.sharedSecret(peerPublicKey: [0x30, 0x03, 0x01, 0x01, 0x00]) }
    }

    @Test("PKCS#8 for data key pairs reads back, Ed25519 included")
    func pkcs8() throws {
        for kind in [KeyPairKind.ec(.p256), .ec(.secp256k1), .ed25519] {
            let key = try PrivateKey.generate(kind)
            let again = try PrivateKey(kind: kind, pkcs8: key.pkcs8)
            #expect(again.publicKeyDER == key.publicKeyDER)
        }
        #expect(try PrivateKey.generate(.mlDSA65).publicKeyDER.count == 1974)
        #expect(try PrivateKey.generate(.ed25519).publicKeyDER.count == 44)
    }
}

@Suite("AES key wrap with padding")
struct AESKeyWrapTests {
    @Test("RFC 5649 section 6, 20-octet key data under a 192-bit KEK")
    func rfcVector() throws {
        let kek = hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8")
        let data = hex("c37b7e6492584340bed12207808941155068f738")
        let wrapped = hex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")
        #expect(try AESKeyWrap.wrap(data, key: kek) == wrapped)
        #expect(try AESKeyWrap.unwrap(wrapped, key: kek) == data)
        var tampered = wrapped
        tampered[5] ^= 1
        #expect(throws: KeyCryptoError.invalidInput) { try AESKeyWrap.unwrap(tampered, key: kek) }
        #expect(throws: KeyCryptoError.invalidKey) { try AESKeyWrap.unwrap(wrapped, key: [1, 2, 3]) }
    }
}
