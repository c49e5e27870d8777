#!/usr/bin/python3
"""Generate vectors.json: password hashes made by the real libraries.

Each vector holds a hash made by Werkzeug, Django, pyca/bcrypt or argon2-cffi,
the password it was made from, and "probes": passwords together with the
verdict of the originating library's own check function for each. The Go tests
load the file (no Python at test time) and require password.Hasher.Verify to
reach the same verdicts, password.Identify to name the right scheme, and
needsRehash to be true for every legacy scheme.

The argon2id hashes are checked in both directions: argon2-cffi hashes are
verified by the Go tests, and hashes made by this package (through
testdata/gohash) are verified here by argon2-cffi before they are written.

Debian bookworm's packages provide Django 3.2, pyca/bcrypt 3.2, argon2-cffi
21.1 and Werkzeug 2.2 (pbkdf2 only). Werkzeug's scrypt scheme and its current
defaults arrived in Werkzeug 2.3, so the Werkzeug 3 vectors are made by a
second interpreter that has Werkzeug >= 2.3 installed (--werkzeug3-python;
on rampart's Go machine image the pyenv python3 on PATH has Werkzeug 3.1).
The script also runs `go run ./testdata/gohash` in the package directory.

Usage, from the repository root:

    apt-get install -y python3-werkzeug python3-django python3-bcrypt python3-argon2
    /usr/bin/python3 password/testdata/gen_vectors.py --werkzeug3-python python3

Regenerating changes every hash (fresh salts); the malformed-hash tests and
the fuzz seed corpus keep using the hashes they were written with.
"""

import argparse
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys

import argon2
import argon2.low_level
import bcrypt
import django
import werkzeug.security
from django.conf import settings

settings.configure(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        "django.contrib.auth.hashers.BCryptPasswordHasher",
        "django.contrib.auth.hashers.SHA1PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher",
    ]
)
django.setup()

from django.contrib.auth import hashers as dj  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(HERE)

# The OWASP defaults of password.DefaultParams, to tell which argon2id
# vectors a default Hasher must ask to rehash.
DEFAULT_M, DEFAULT_T, DEFAULT_SALT, DEFAULT_KEY = 19456, 2, 16, 32

ASCII = "correct horse battery staple"
LATIN = "pässwörd ☃"
CJK = "密码🔑"
SEPARATORS = "p$a:s%s\\w\"o'r d"
LONG_ASCII = "0123456789" * 10  # 100 bytes
EXACT_72 = "x" * 71 + "y"  # 72 bytes
SPLIT_UTF8 = "a" + "€" * 30  # 91 bytes; byte 72 falls inside a "€"

SHORT_SET = [ASCII, LATIN, CJK, " ", SEPARATORS, ""]
LONG_SET = [LONG_ASCII, EXACT_72, EXACT_72 + "z", SPLIT_UTF8]


def probes_for(pw, thorough=True):
    """Return candidate passwords to check against a hash of pw.

    Expensive hashes get only the password and a near miss, to keep the Go
    tests quick under the race detector."""
    cands = [pw, pw + "x"]
    if thorough:
        cands += ["wrong password", "", pw[:-1], pw.upper(), " " + pw]
        b = pw.encode()
        if len(b) >= 72:
            # Same first 72 bytes, different tail: bcrypt without a prehash
            # accepts these.
            cands += [b[:72].decode("utf-8", "ignore") + "TAIL"]
            if SPLIT_UTF8 == pw:
                cands += ["a" + "€" * 24, "a" + "€" * 23 + "x"]
            else:
                cands += [b[:72].decode(), b[:71].decode()]
    seen, out = set(), []
    for c in cands:
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out


def vector(scheme, source, pw, encoded, check, thorough=True, **extra):
    probes = [{"password": c, "ok": bool(check(c, encoded))} for c in probes_for(pw, thorough)]
    if not probes[0]["ok"]:
        sys.exit(f"{source}: the library rejects its own hash")
    if sum(p["ok"] for p in probes) > 1 and scheme not in ("bcrypt", "django-bcrypt"):
        sys.exit(f"{source}: more than one probe accepted")
    v = {"scheme": scheme, "source": source, "password": pw, "hash": encoded, "probes": probes}
    v.update(extra)
    return v


def argon2_rehash(encoded):
    """Whether a default password.Hasher must replace this argon2id hash."""
    p = argon2.extract_parameters(encoded)
    return (
        p.memory_cost < DEFAULT_M
        or p.time_cost < DEFAULT_T
        or p.salt_len < DEFAULT_SALT
        or p.hash_len < DEFAULT_KEY
    )


def argon2_check(pw, encoded):
    try:
        return argon2.PasswordHasher().verify(encoded, pw)
    except argon2.exceptions.VerificationError:
        return False


def bcrypt_check(pw, encoded):
    return bcrypt.checkpw(pw.encode(), encoded.encode())


def django_check(pw, encoded):
    return dj.check_password(pw, encoded)


def werkzeug2_vectors():
    out = []
    src = f"werkzeug {importlib.metadata.version('werkzeug')}"
    ws = werkzeug.security
    for method, pws in [
        ("pbkdf2:sha256:260000", [ASCII]),  # Werkzeug 2.0-2.2 default
        ("pbkdf2:sha256:1000", SHORT_SET + [LONG_ASCII]),
        ("pbkdf2:sha1:1000", [ASCII, LATIN]),
        ("pbkdf2:sha512:2000", [ASCII, CJK]),
        ("pbkdf2:sha1:1", [ASCII]),
    ]:
        for pw in pws:
            enc = ws.generate_password_hash(pw, method=method)
            out.append(vector("werkzeug-pbkdf2", f"{src} generate_password_hash(method={method!r})",
                              pw, enc, lambda c, e: ws.check_password_hash(e, c),
                              thorough=not method.endswith("260000")))
    # The salt is used as its literal UTF-8 string; Werkzeug only generates
    # alphanumeric salts, so a non-ASCII one goes through its internal helper.
    salt = "sälz€:x"
    h, m = ws._hash_internal("pbkdf2:sha256:1000", salt, LATIN)
    out.append(vector("werkzeug-pbkdf2", f"{src} _hash_internal with a non-ASCII salt",
                      LATIN, f"{m}${salt}${h}", lambda c, e: ws.check_password_hash(e, c)))
    return out


WERKZEUG3_SNIPPET = r"""
import importlib.metadata, json, sys
import werkzeug.security as ws
jobs = json.load(sys.stdin)
out = {"version": importlib.metadata.version("werkzeug"), "results": []}
for j in jobs:
    if j.get("salt"):
        h, m = ws._hash_internal(j["method"], j["salt"], j["password"])
        enc = f"{m}${j['salt']}${h}"
    else:
        enc = ws.generate_password_hash(j["password"], method=j["method"])
    out["results"].append({"hash": enc, "ok": [ws.check_password_hash(enc, p) for p in j["probes"]]})
json.dump(out, sys.stdout)
"""


def werkzeug3_vectors(python):
    jobs = []
    for method, pws, thorough in [
        ("scrypt", [ASCII], False),  # Werkzeug 3 default: scrypt:32768:8:1
        ("scrypt:16384:8:1", [LATIN, CJK], False),
        ("scrypt:1024:8:1", SHORT_SET + [LONG_ASCII], True),
        ("scrypt:1024:1:2", [ASCII], True),
        ("scrypt:128:1:1", [ASCII], True),  # the smallest N Werkzeug can compute with p=1
        ("scrypt:4:1:2", [ASCII], True),
        ("pbkdf2", [ASCII], False),  # Werkzeug 3.1 default: pbkdf2:sha256:1000000
        ("pbkdf2:sha256:600000", [LATIN], False),  # Werkzeug 2.3-3.0 default
        ("pbkdf2:sha224:3000", [ASCII], True),
        ("pbkdf2:sha384:3000", [ASCII], True),
        ("pbkdf2:sha512:3000", [CJK, ""], True),
    ]:
        for pw in pws:
            jobs.append({"method": method, "password": pw, "probes": probes_for(pw, thorough)})
    jobs.append({"method": "scrypt:1024:8:1", "password": LATIN, "salt": "sälz€:x",
                 "probes": probes_for(LATIN)})
    res = subprocess.run([python, "-c", WERKZEUG3_SNIPPET], input=json.dumps(jobs),
                         capture_output=True, text=True, check=True)
    data = json.loads(res.stdout)
    major, minor = (int(x) for x in data["version"].split(".")[:2])
    if (major, minor) < (2, 3):
        sys.exit(f"{python} has Werkzeug {data['version']}; scrypt needs >= 2.3")
    out = []
    for j, r in zip(jobs, data["results"]):
        enc = r["hash"]
        scheme = "werkzeug-scrypt" if enc.startswith("scrypt:") else "werkzeug-pbkdf2"
        how = "_hash_internal with a non-ASCII salt" if j.get("salt") else f"generate_password_hash(method={j['method']!r})"
        probes = [{"password": p, "ok": ok} for p, ok in zip(j["probes"], r["ok"])]
        if not probes[0]["ok"] or sum(r["ok"]) != 1:
            sys.exit(f"werkzeug {data['version']} {how}: unexpected verdicts")
        out.append({"scheme": scheme, "source": f"werkzeug {data['version']} {how}",
                    "password": j["password"], "hash": enc, "probes": probes})
    return out


def django_vectors():
    out = []
    src = f"django {django.get_version()}"

    class Argon2Cheap(dj.Argon2PasswordHasher):
        time_cost = 1
        memory_cost = 8192
        parallelism = 2

    class BCryptSHA256Cheap(dj.BCryptSHA256PasswordHasher):
        rounds = 4

    class BCryptCheap(dj.BCryptPasswordHasher):
        rounds = 4

    def add(scheme, hasher, how, pws, iterations=None, thorough=True, salt=None):
        for pw in pws:
            s = salt or hasher.salt()
            enc = hasher.encode(pw, s, iterations) if iterations else hasher.encode(pw, s)
            out.append(vector(scheme, f"{src} {how}", pw, enc, django_check, thorough=thorough))

    add("django-pbkdf2", dj.PBKDF2PasswordHasher(), "PBKDF2PasswordHasher (260000, the 3.2 default)",
        [ASCII], thorough=False)
    add("django-pbkdf2", dj.PBKDF2PasswordHasher(), "PBKDF2PasswordHasher iterations=870000 (the 5.1 default)",
        [LATIN], iterations=870000, thorough=False)
    add("django-pbkdf2", dj.PBKDF2PasswordHasher(), "PBKDF2PasswordHasher iterations=1000",
        SHORT_SET + [LONG_ASCII], iterations=1000)
    add("django-pbkdf2", dj.PBKDF2PasswordHasher(), "PBKDF2PasswordHasher iterations=1000, non-ASCII salt",
        [LATIN], iterations=1000, salt="sälz€:x")
    add("django-pbkdf2", dj.PBKDF2SHA1PasswordHasher(), "PBKDF2SHA1PasswordHasher (260000)",
        [ASCII], thorough=False)
    add("django-pbkdf2", dj.PBKDF2SHA1PasswordHasher(), "PBKDF2SHA1PasswordHasher iterations=1500",
        [ASCII, CJK, ""], iterations=1500)
    add("django-argon2", dj.Argon2PasswordHasher(), "Argon2PasswordHasher (m=102400,t=2,p=8)",
        [ASCII], thorough=False)
    add("django-argon2", Argon2Cheap(), "Argon2PasswordHasher m=8192,t=1,p=2",
        [LATIN, CJK, "", LONG_ASCII])
    add("django-bcrypt-sha256", dj.BCryptSHA256PasswordHasher(), "BCryptSHA256PasswordHasher (rounds 12)",
        [ASCII], thorough=False)
    add("django-bcrypt-sha256", BCryptSHA256Cheap(), "BCryptSHA256PasswordHasher rounds=4",
        SHORT_SET + LONG_SET)
    add("django-bcrypt", dj.BCryptPasswordHasher(), "BCryptPasswordHasher (rounds 12)",
        [LATIN], thorough=False)
    add("django-bcrypt", BCryptCheap(), "BCryptPasswordHasher rounds=4",
        SHORT_SET + LONG_SET)
    return out


def bcrypt_vectors():
    out = []
    src = f"pyca/bcrypt {bcrypt.__version__}"
    for prefix, rounds, pws in [
        (b"2b", 4, SHORT_SET + LONG_SET),
        (b"2a", 4, [ASCII, LATIN, LONG_ASCII, SPLIT_UTF8]),
        (b"2y", 4, [ASCII, CJK, LONG_ASCII]),
        (b"2b", 5, [ASCII]),
        (b"2b", 10, [LATIN]),  # PHP's default cost
    ]:
        for pw in pws:
            salt = bcrypt.gensalt(rounds, prefix=b"2b" if prefix == b"2y" else prefix)
            if prefix == b"2y":
                # gensalt only makes $2a$/$2b$; hashpw keeps a $2y$ prefix.
                salt = b"$2y$" + salt[4:]
            enc = bcrypt.hashpw(pw.encode(), salt).decode()
            out.append(vector("bcrypt", f"{src} hashpw {prefix.decode()} rounds={rounds}", pw, enc,
                              bcrypt_check, thorough=rounds < 10))
    return out


def argon2_vectors():
    out = []
    src = f"argon2-cffi {argon2.__version__}"
    for kw, pws, thorough in [
        ({}, [ASCII], False),  # library defaults: m=102400,t=2,p=8, 16-byte hash
        (dict(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16), [LATIN], True),
        (dict(time_cost=1, memory_cost=47104, parallelism=1, hash_len=32, salt_len=16), [CJK], False),
        (dict(time_cost=3, memory_cost=20480, parallelism=4, hash_len=32, salt_len=16), [ASCII], False),
        (dict(time_cost=1, memory_cost=1024, parallelism=1, hash_len=16, salt_len=8),
         SHORT_SET + [LONG_ASCII], True),
        (dict(time_cost=2, memory_cost=64, parallelism=8, hash_len=4, salt_len=8), [ASCII], True),
    ]:
        ph = argon2.PasswordHasher(type=argon2.low_level.Type.ID, **kw)
        for pw in pws:
            enc = ph.hash(pw)
            out.append(vector("argon2id", f"{src} PasswordHasher({kw})", pw, enc, argon2_check,
                              thorough=thorough, needs_rehash=argon2_rehash(enc)))
    return out


def go_vectors():
    """Hashes made by this package, checked here with argon2-cffi."""
    go = shutil.which("go") or "/usr/local/go/bin/go"
    res = subprocess.run([go, "run", "./testdata/gohash"], cwd=PKG, capture_output=True,
                         text=True, check=True)
    out = []
    for g in json.loads(res.stdout):
        v = vector("argon2id", f"rampart password.Hasher, verified by argon2-cffi {argon2.__version__}",
                   g["password"], g["hash"], argon2_check, needs_rehash=argon2_rehash(g["hash"]))
        out.append(v)
    return out


def unsupported_vectors():
    """Real hashes of schemes that Verify must refuse with ErrUnsupportedHash."""
    out = []
    ll = argon2.low_level
    for t, name in [(ll.Type.I, "argon2i"), (ll.Type.D, "argon2d")]:
        enc = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=t).hash(ASCII)
        out.append({"source": f"argon2-cffi {name}", "password": ASCII, "hash": enc})
        # Django before 2.0 stored argon2i.
        out.append({"source": f"django wrapper around argon2-cffi {name}", "password": ASCII,
                    "hash": "argon2" + enc})
    for h in (dj.SHA1PasswordHasher(), dj.MD5PasswordHasher(), dj.UnsaltedMD5PasswordHasher()):
        out.append({"source": f"django {h.__class__.__name__}", "password": ASCII,
                    "hash": h.encode(ASCII, h.salt()) if h.algorithm != "unsalted_md5" else h.encode(ASCII, "")})
    wz = werkzeug.security.generate_password_hash(ASCII, method="sha256")
    out.append({"source": "werkzeug 2.2 salted hmac-sha256", "password": ASCII, "hash": wz})
    out.append({"source": "werkzeug 2.2 pbkdf2:md5", "password": ASCII,
                "hash": werkzeug.security.generate_password_hash(ASCII, method="pbkdf2:md5:1000")})
    out.append({"source": "werkzeug 2.2 pbkdf2:sha3_256", "password": ASCII,
                "hash": werkzeug.security.generate_password_hash(ASCII, method="pbkdf2:sha3_256:1000")})
    out.append({"source": "bcrypt $2x$ (made by rewriting a $2a$ prefix)", "password": ASCII,
                "hash": "$2x$" + bcrypt.hashpw(ASCII.encode(), bcrypt.gensalt(4, b"2a")).decode()[4:]})
    try:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt
        for method, name in [(crypt.METHOD_MD5, "md5-crypt"), (crypt.METHOD_SHA256, "sha256-crypt"),
                             (crypt.METHOD_SHA512, "sha512-crypt")]:
            out.append({"source": f"glibc crypt {name}", "password": ASCII,
                        "hash": crypt.crypt(ASCII, crypt.mksalt(method))})
    except ImportError:
        pass
    out.append({"source": "plain text", "password": ASCII, "hash": ASCII})
    out.append({"source": "hex sha256", "password": ASCII, "hash": hashlib.sha256(ASCII.encode()).hexdigest()})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--werkzeug3-python", default="python3",
                    help="an interpreter with Werkzeug >= 2.3 installed (default: python3 on PATH)")
    ap.add_argument("-o", "--output", default=os.path.join(HERE, "vectors.json"))
    args = ap.parse_args()
    py3 = shutil.which(args.werkzeug3_python) or args.werkzeug3_python

    vectors = (werkzeug2_vectors() + werkzeug3_vectors(py3) + django_vectors() + bcrypt_vectors()
               + argon2_vectors() + go_vectors())
    doc = {
        "comment": "Generated by gen_vectors.py from the real libraries; do not edit by hand.",
        "libraries": {
            "python": sys.version.split()[0],
            "werkzeug": importlib.metadata.version("werkzeug"),
            "werkzeug3": json.loads(subprocess.run(
                [py3, "-c", "import importlib.metadata as m, json; print(json.dumps(m.version('werkzeug')))"],
                capture_output=True, text=True, check=True).stdout),
            "django": django.get_version(),
            "bcrypt": bcrypt.__version__,
            "argon2-cffi": argon2.__version__,
        },
        "vectors": vectors,
        "unsupported": unsupported_vectors(),
    }
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(vectors)} vectors and {len(doc['unsupported'])} unsupported hashes to {args.output}")


if __name__ == "__main__":
    main()
