"""A small, slow, pure-Python Ed25519 / Ed25519ph verifier written from the RFC 8032 math.

Only verification: it checks signatures that came out of the server, so no secrets are handled
and constant time does not matter. Points are kept in extended coordinates (X, Y, Z, T) with
x = X/Z, y = Y/Z and x*y = T/Z (RFC 8032 section 5.1.4)."""
import hashlib

P = 2 ** 255 - 19                                          # the field prime
L = 2 ** 252 + 27742317777372353535851937790883648493      # order of the base point
D = -121665 * pow(121666, P - 2, P) % P                    # curve constant d
SQRT_M1 = pow(2, (P - 1) // 4, P)                          # a square root of -1
IDENTITY = (0, 1, 1, 0)
PH_PREFIX = b"SigEd25519 no Ed25519 collisions"


def _add(p, q):
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * D * t1 * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _double(p):
    x1, y1, z1, _ = p
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1)
    g = a - b
    f = c + g
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(scalar, point):
    result = IDENTITY
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _double(point)
        scalar >>= 1
    return result


def _same(p, q):
    """Projective equality: x1/z1 == x2/z2 and y1/z1 == y2/z2."""
    return (p[0] * q[2] - q[0] * p[2]) % P == 0 and (p[1] * q[2] - q[1] * p[2]) % P == 0


def _x_from_y(y, sign):
    """Recovers x from y and the sign bit (RFC 8032 section 5.1.3), or None when there is none."""
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    vx2 = v * x * x % P
    if vx2 == u:
        pass
    elif vx2 == (-u) % P:
        x = x * SQRT_M1 % P
    else:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return x


def _decode_point(data):
    if len(data) != 32:
        return None
    n = int.from_bytes(data, "little")
    sign, y = n >> 255, n & ((1 << 255) - 1)
    if y >= P:
        return None
    x = _x_from_y(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


BASE = _decode_point((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))  # y = 4/5, x even


def verify(public_key32: bytes, message: bytes, signature64: bytes, prehashed: bool, context: bytes = b"") -> bool:
    """Ed25519 (prehashed=False) or Ed25519ph (prehashed=True: dom2(1, context) and SHA-512(message))."""
    if len(signature64) != 64 or len(context) > 255 or (context and not prehashed):
        return False
    a = _decode_point(public_key32)
    r = _decode_point(signature64[:32])
    s = int.from_bytes(signature64[32:], "little")
    if a is None or r is None or s >= L:
        return False
    if prehashed:
        prefix = PH_PREFIX + bytes([1, len(context)]) + context
        message = hashlib.sha512(message).digest()
    else:
        prefix = b""
    k = int.from_bytes(hashlib.sha512(prefix + signature64[:32] + public_key32 + message).digest(), "little") % L
    left = _multiply(8 * s, BASE)                       # [8][S]B
    right = _multiply(8, _add(r, _multiply(k, a)))       # [8]R + [8][k]A
    return _same(left, right)


def _self_check():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    # RFC 8032 section 7.1, TEST 1: Ed25519, empty message.
    pub = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    sig = bytes.fromhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
                        "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
    assert verify(pub, b"", sig, prehashed=False)
    assert not verify(pub, b"", sig, prehashed=True)
    assert not verify(pub, b"x", sig, prehashed=False)
    assert not verify(pub, b"", sig[:63] + bytes([sig[63] ^ 1]), prehashed=False)

    # RFC 8032 section 7.3: Ed25519ph, message "abc".
    pub = bytes.fromhex("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf")
    sig = bytes.fromhex("98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41"
                        "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406")
    assert verify(pub, b"abc", sig, prehashed=True)
    assert not verify(pub, b"abc", sig, prehashed=False)
    assert not verify(pub, b"abd", sig, prehashed=True)
    assert not verify(pub, hashlib.sha512(b"abc").digest(), sig, prehashed=True)
    assert not verify(pub, b"abc", sig, prehashed=True, context=b"ctx")

    # Agreement with an independent implementation (OpenSSL through cryptography).
    for n in range(8):
        key = Ed25519PrivateKey.generate()
        raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        msg = bytes(range(n * 37 % 256)) * (n + 1)
        sig = key.sign(msg)
        assert verify(raw, msg, sig, prehashed=False)
        assert not verify(raw, msg + b"!", sig, prehashed=False)
        assert not verify(raw, msg, sig, prehashed=True)
    print("ed25519ph self-check: RFC 8032 7.1 TEST 1, 7.3 Ed25519ph 'abc' and 8 cryptography signatures OK")


if __name__ == "__main__":
    _self_check()
