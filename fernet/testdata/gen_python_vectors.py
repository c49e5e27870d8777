#!/usr/bin/python3
"""Generate python_vectors.json with the real Python cryptography Fernet.

Run from this directory with the system Python that has cryptography
(Debian: apt-get install python3-cryptography):

    /usr/bin/python3 gen_python_vectors.py > python_vectors.json

The output is deterministic: keys, times and IVs are fixed. IVs are fixed by
replacing os.urandom while Fernet.encrypt_at_time and MultiFernet.rotate run,
so only public cryptography APIs produce the tokens; every token is checked to
carry the intended IV.

Sections of the output (all tokens are ASCII strings unless *_b64):
  keys       name -> key, as Fernet.generate_key() prints it.
  encrypt    Fernet(key).encrypt_at_time(plaintext, now) with a fixed IV:
             Go must produce the identical token and decrypt it.
  rotate     MultiFernet(keys).rotate(token) with a fixed IV: Go's Rotate must
             produce the identical token.
  decrypt    MultiFernet(keys) decrypting token (bytes) with ttl (null = none)
             at now: python_accepts is Python's verdict, go_accepts what Go
             must do; they differ only where divergence says why.
  timestamp  extract_timestamp, tried with each key in order (MultiFernet in
             cryptography 38 has no extract_timestamp): python_timestamp, or
             null for InvalidToken; go_timestamp likewise.
"""

import base64
import contextlib
import hashlib
import json
import os
import sys

import cryptography
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.hmac import HMAC

KEYS = {
    "k1": "9giNuNdg7Pv_OyUaAiq-yCR2h_0ZJvvHSR45yDsFb1w=",
    "k2": "JUPwAwakFYB8wixcYjOAyzV0Moa269Y9xYShry2gr8Q=",
    "k3": "D5Tu4d7QTpXyfxlSs39v9fCz6i5Bkao_Nx7YN8WXIbY=",
}

T0 = 1700000000  # 2023-11-14T22:13:20Z

DIVERGE_BADCHAR = (
    "Python skips bytes outside the base64 alphabet; the spec's invalid.json "
    "(invalid characters in b64) requires refusing them"
)
DIVERGE_TRAILING = (
    "Python ignores everything after the padding that ends the data; the "
    "spec's invalid.json (trailing characters after b64 padding) requires "
    "refusing it (only whitespace may follow)"
)
DIVERGE_BIGTS = (
    "Python returns the integer; a time.Time cannot hold a timestamp past "
    "int64, so Go returns ErrInvalidToken"
)


def iv_for(name):
    """A fixed 16-byte IV derived from a vector's name."""
    return hashlib.sha256(name.encode()).digest()[:16]


@contextlib.contextmanager
def fixed_iv(iv):
    """Make os.urandom(16) return iv once inside the block."""
    real = os.urandom
    calls = []

    def fake(n):
        if n != 16 or calls:
            raise AssertionError("unexpected os.urandom(%d) call" % n)
        calls.append(n)
        return iv

    os.urandom = fake
    try:
        yield
    finally:
        os.urandom = real
    if not calls:
        raise AssertionError("os.urandom was not used for the IV")


def raw(token):
    return base64.urlsafe_b64decode(token)


def b64(data):
    return base64.b64encode(data).decode()


def fernet(name):
    return Fernet(KEYS[name])


def multi(names):
    return MultiFernet([fernet(n) for n in names])


def encrypt_at(key, plaintext, now, iv):
    with fixed_iv(iv):
        token = fernet(key).encrypt_at_time(plaintext, now)
    assert raw(token)[9:25] == iv, "token does not carry the fixed IV"
    return token


def sign(key, body):
    """A validly signed token for arbitrary body bytes (for crafted cases)."""
    h = HMAC(base64.urlsafe_b64decode(KEYS[key])[:16], hashes.SHA256())
    h.update(body)
    return base64.urlsafe_b64encode(body + h.finalize())


def py_decrypt(names, token, ttl, now):
    f = multi(names)
    try:
        if ttl is None:
            return f.decrypt(token)
        return f.decrypt_at_time(token, ttl, now)
    except InvalidToken:
        return None


def py_timestamp(names, token):
    for n in names:
        try:
            return fernet(n).extract_timestamp(token)
        except InvalidToken:
            pass
    return None


def main():
    out = {
        "generator": "gen_python_vectors.py",
        "cryptography_version": cryptography.__version__,
        "python_version": sys.version.split()[0],
        "keys": KEYS,
        "encrypt": [],
        "rotate": [],
        "decrypt": [],
        "timestamp": [],
    }

    # --- encrypt: Go must reproduce these tokens byte for byte. ---
    plaintexts = {
        "empty": b"",
        "one byte": b"x",
        "15 bytes": b"a" * 15,
        "16 bytes (full pad block)": b"b" * 16,
        "17 bytes": b"c" * 17,
        "32 bytes": b"d" * 32,
        "all byte values": bytes(range(256)),
        "utf-8 text": "rampart \u2014 gr\u00fc\u00dfe \U0001f510".encode(),
        "4 KiB": bytes((i * 7 + 3) % 256 for i in range(4096)),
    }
    tokens = {}
    for name, p in plaintexts.items():
        for key, now in (("k1", T0), ("k2", T0 + 1)):
            vname = "%s under %s" % (name, key)
            iv = iv_for(vname)
            token = encrypt_at(key, p, now, iv)
            tokens[vname] = token
            out["encrypt"].append({
                "name": vname, "key": key, "now": now, "iv": iv.hex(),
                "plaintext_b64": b64(p), "token": token.decode(),
            })
    for name, now in (("time zero", 0), ("max uint64 timestamp", 2**64 - 1)):
        iv = iv_for(name)
        token = encrypt_at("k1", b"edge", now, iv)
        tokens[name] = token
        if now < 2**63:  # Go's clock cannot read past int64 seconds.
            out["encrypt"].append({
                "name": name, "key": "k1", "now": now, "iv": iv.hex(),
                "plaintext_b64": b64(b"edge"), "token": token.decode(),
            })

    # --- rotate: MultiFernet.rotate with a fixed IV. ---
    rotations = [
        ("old k2 token to k1", ["k1", "k2"], tokens["one byte under k2"]),
        ("already under first key", ["k1", "k2"], tokens["17 bytes under k1"]),
        ("empty plaintext k1 to k3", ["k3", "k2", "k1"], tokens["empty under k1"]),
        ("4 KiB k2 to k3", ["k3", "k2"], tokens["4 KiB under k2"]),
        ("max uint64 timestamp kept", ["k3", "k1"], tokens["max uint64 timestamp"]),
        ("time zero kept", ["k2", "k1"], tokens["time zero"]),
    ]
    for name, names, token in rotations:
        iv = iv_for("rotate " + name)
        with fixed_iv(iv):
            rotated = multi(names).rotate(token)
        assert raw(rotated)[9:25] == iv
        assert raw(rotated)[1:9] == raw(token)[1:9], "rotate changed the timestamp"
        out["rotate"].append({
            "name": name, "keys": names, "token": token.decode(), "iv": iv.hex(),
            "rotated": rotated.decode(),
            "plaintext_b64": b64(multi(names).decrypt(rotated)),
            "timestamp": int.from_bytes(raw(token)[1:9], "big"),
        })

    # --- decrypt: Python's verdicts. ---
    def add(name, names, token, ttl=None, now=None, divergence=""):
        p = py_decrypt(names, token, ttl, now)
        entry = {
            "name": name, "keys": names, "token_b64": b64(token),
            "ttl": ttl, "now": now,
            "python_accepts": p is not None,
            "go_accepts": (p is not None) and not divergence,
            "plaintext_b64": b64(p) if p is not None else None,
            "divergence": divergence,
        }
        if divergence:
            assert p is not None, name + ": a divergence must be a Python acceptance"
        out["decrypt"].append(entry)

    # Time rules: the token is stamped T0 (or T0+1 for k2).
    t = tokens["one byte under k1"]
    add("ttl 60, exactly 60s old", ["k1"], t, 60, T0 + 60)
    add("ttl 60, 61s old", ["k1"], t, 60, T0 + 61)
    add("ttl 1, same second", ["k1"], t, 1, T0)
    add("ttl 60, 60s in the future (skew limit)", ["k1"], t, 60, T0 - 60)
    add("ttl 60, 61s in the future", ["k1"], t, 60, T0 - 61)
    add("ttl 3600, an hour in the future", ["k1"], t, 3600, T0 - 3600)
    add("no ttl, far in the future is accepted", ["k1"], tokens["max uint64 timestamp"])
    add("ttl 60, max uint64 timestamp", ["k1"], tokens["max uint64 timestamp"], 60, T0)
    add("no ttl, ancient token is accepted", ["k1"], tokens["time zero"])
    add("ttl 60, time zero token", ["k1"], tokens["time zero"], 60, T0)
    add("ttl 10^9, time zero token, now T0", ["k1"], tokens["time zero"], 10**9, T0)
    add("ttl 2*10^9, time zero token, now T0", ["k1"], tokens["time zero"], 2 * 10**9, T0)

    # Keys and rotation order.
    t2 = tokens["17 bytes under k2"]
    add("second key decrypts", ["k1", "k2"], t2)
    add("third key decrypts", ["k3", "k1", "k2"], t2)
    add("wrong keys", ["k1", "k3"], t2)
    add("second key with ttl", ["k1", "k2"], t2, 60, T0 + 30)

    # Base64 tolerance, on tokens with "==", "=" and no padding.
    bases = {
        "pad ==": tokens["one byte under k1"],  # 73 bytes
        "pad =": tokens["17 bytes under k1"],  # 89 bytes
        "no pad": tokens["32 bytes under k1"],  # 105 bytes
    }
    assert bases["pad =="].endswith(b"==") and not bases["pad ="].endswith(b"==")
    assert bases["pad ="].endswith(b"=") and not bases["no pad"].endswith(b"=")
    for label, tok in bases.items():
        def v(name, token, divergence=""):
            add("%s: %s" % (label, name), ["k1"], token, divergence=divergence)

        v("canonical", tok)
        v("trailing newline", tok + b"\n")
        v("surrounding spaces, tab, CRLF", b" \t" + tok + b"\r\n")
        v("wrapped every 76 characters", b"\n".join(tok[i:i + 76] for i in range(0, len(tok), 76)))
        v("space inside", tok[:10] + b" " + tok[10:])
        v("vertical tab and form feed inside", tok[:5] + b"\x0b" + tok[5:20] + b"\x0c" + tok[20:])
        std = tok.replace(b"-", b"+").replace(b"_", b"/")
        assert std != tok, "base token has neither '-' nor '_'"
        v("standard alphabet + and /", std)
        v("'=' ignored inside at a group start", tok[:4] + b"=" + tok[4:])
        v("'=' ignored inside after two characters", tok[:6] + b"=" + tok[6:])
        v("'==' inside ends the data early", tok[:6] + b"==" + tok[6:])
        v("truncated by one character", tok[:-1] if not tok.endswith(b"=") else tok.rstrip(b"=")[:-1] + tok[len(tok.rstrip(b"=")):])
        v("truncated by four characters", tok.rstrip(b"=")[:-4])
        v("asterisk inside", tok[:10] + b"*" + tok[10:], DIVERGE_BADCHAR)
        v("non-ASCII byte inside", tok[:10] + b"\xff" + tok[10:], DIVERGE_BADCHAR)
        v("NUL byte inside", tok[:10] + b"\x00" + tok[10:], DIVERGE_BADCHAR)
        v("percent signs inside", tok[:3] + b"%%" + tok[3:], DIVERGE_BADCHAR)
        v("version byte 0x81 (re-signed)", sign("k1", b"\x81" + raw(tok)[1:-32]))
        if tok.endswith(b"="):
            v("missing padding", tok.rstrip(b"="))
            v("trailing data after padding", tok + b"trailingdata", DIVERGE_TRAILING)
            v("extra '=' after padding", tok + b"=", DIVERGE_TRAILING)
            v("whitespace after padding", tok + b" \n\t")
            # Unused low bits of the last character set: Python ignores them.
            body = tok.rstrip(b"=")
            alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            last = alphabet.index(body[-1:])
            unused = 0x0F if tok.endswith(b"==") else 0x03
            assert last & unused == 0
            nc = body[:-1] + alphabet[last | unused:(last | unused) + 1] + tok[len(body):]
            v("non-zero unused bits in the last character", nc)
        else:
            v("one extra '=' is ignored", tok + b"=")
            v("four extra '='", tok + b"====")
            v("extra data group", tok + b"AAAA")
        if tok.endswith(b"=="):
            v("one '=' short", tok[:-1])
    add("empty token", ["k1"], b"")
    add("whitespace only", ["k1"], b" \n\t")
    add("padding only", ["k1"], b"====")
    add("just the version byte", ["k1"], base64.urlsafe_b64encode(b"\x80"))
    add("version and timestamp only", ["k1"], base64.urlsafe_b64encode(b"\x80" + T0.to_bytes(8, "big")))

    # Crafted with a valid HMAC: the HMAC passes, decryption must still fail.
    head = b"\x80" + T0.to_bytes(8, "big")
    add("valid HMAC, no ciphertext", ["k1"], sign("k1", head + bytes(16)))
    add("valid HMAC, 15-byte ciphertext", ["k1"], sign("k1", head + bytes(16) + bytes(15)))
    add("valid HMAC, bad padding", ["k1"], sign("k1", head + bytes(16) + bytes(16)))
    add("valid HMAC, 8-byte body (shorter than a header)", ["k1"], sign("k1", head[:8]))

    # --- timestamp: extract_timestamp verifies only the HMAC. ---
    def ts(name, names, token, divergence=""):
        p = py_timestamp(names, token)
        out["timestamp"].append({
            "name": name, "keys": names, "token_b64": b64(token),
            "python_timestamp": p,
            "go_timestamp": None if divergence else p,
            "divergence": divergence,
        })

    ts("normal token", ["k1"], tokens["one byte under k1"])
    ts("second key", ["k1", "k2"], tokens["one byte under k2"])
    ts("wrong key", ["k3"], tokens["one byte under k1"])
    ts("time zero", ["k1"], tokens["time zero"])
    ts("valid HMAC, bad padding", ["k1"], sign("k1", head + bytes(32)))
    ts("valid HMAC, no ciphertext", ["k1"], sign("k1", head + bytes(16)))
    ts("valid HMAC, 8-byte body: timestamp overlaps the HMAC", ["k1"], sign("k1", head[:8]))
    ts("valid HMAC, timestamp 2^63 - 1", ["k1"], sign("k1", b"\x80" + (2**63 - 1).to_bytes(8, "big") + bytes(32)))
    ts("valid HMAC, timestamp 2^63", ["k1"], sign("k1", b"\x80" + (2**63).to_bytes(8, "big") + bytes(32)), DIVERGE_BIGTS)
    t = tokens["one byte under k1"]
    ts("tampered", ["k1"], t[:20] + (b"B" if t[20:21] == b"A" else b"A") + t[21:])

    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
