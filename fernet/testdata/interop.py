#!/usr/bin/python3
"""Answer Fernet requests with the real Python cryptography, for interop tests.

Reads a JSON list of requests on stdin and writes a JSON list of answers, one
per request, on stdout. Tokens and plaintexts travel as standard base64 of
their raw bytes, so any byte string (including non-ASCII) can be sent; tokens
are handed to cryptography as bytes. Keys are key strings in rotation order.

  {"op": "version"}
      -> {"cryptography": "38.0.4", "python": "3.11.2"}
  {"op": "encrypt", "keys": [...], "plaintext": B64, "now": int|null}
      -> {"token": B64}            MultiFernet.encrypt(_at_time)
  {"op": "decrypt", "keys": [...], "token": B64, "ttl": int|null, "now": int|null}
      -> {"ok": bool, "plaintext": B64|null}
         MultiFernet.decrypt(token, ttl) when now is null, else decrypt_at_time
  {"op": "rotate", "keys": [...], "token": B64}
      -> {"ok": bool, "token": B64|null}   MultiFernet.rotate
  {"op": "timestamp", "keys": [...], "token": B64}
      -> {"ok": bool, "timestamp": int|null}  extract_timestamp, key by key
  {"op": "generate_key"}
      -> {"key": "..."}            Fernet.generate_key()
"""

import base64
import json
import sys

import cryptography
from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def multi(keys):
    return MultiFernet([Fernet(k) for k in keys])


def b64(data):
    return None if data is None else base64.b64encode(data).decode()


def unb64(s):
    return base64.b64decode(s)


def answer(req):
    op = req["op"]
    if op == "version":
        return {"cryptography": cryptography.__version__, "python": sys.version.split()[0]}
    if op == "generate_key":
        return {"key": Fernet.generate_key().decode()}
    f = multi(req["keys"])
    if op == "encrypt":
        p = unb64(req.get("plaintext") or "")
        now = req.get("now")
        token = f.encrypt(p) if now is None else f.encrypt_at_time(p, now)
        return {"token": b64(token)}
    token = unb64(req.get("token") or "")
    if op == "decrypt":
        ttl, now = req.get("ttl"), req.get("now")
        try:
            if now is None:
                p = f.decrypt(token, ttl)
            else:
                p = f.decrypt_at_time(token, ttl, now)
            return {"ok": True, "plaintext": b64(p)}
        except InvalidToken:
            return {"ok": False, "plaintext": None}
    if op == "rotate":
        try:
            return {"ok": True, "token": b64(f.rotate(token))}
        except InvalidToken:
            return {"ok": False, "token": None}
    if op == "timestamp":
        for k in req["keys"]:
            try:
                return {"ok": True, "timestamp": Fernet(k).extract_timestamp(token)}
            except InvalidToken:
                pass
        return {"ok": False, "timestamp": None}
    raise ValueError("unknown op %r" % op)


def main():
    reqs = json.load(sys.stdin)
    json.dump([answer(r) for r in reqs], sys.stdout)


if __name__ == "__main__":
    main()
