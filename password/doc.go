// Package password hashes passwords with argon2id and verifies hashes that
// were made by argon2id or imported from other stacks (Werkzeug, Django, PHP
// and Python bcrypt), so that a user base can move to rampart without a
// password reset and be upgraded to argon2id at each user's next successful
// login.
//
// New hashes are argon2id PHC strings with the parameters of the OWASP
// Password Storage Cheat Sheet by default:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with salt and hash in unpadded standard base64, the format of the reference
// argon2 command-line tool, argon2-cffi and passlib.
//
// # Verified schemes
//
// [Hasher.Verify] and [Identify] accept these stored forms, each only in the
// exact spelling its library writes (canonical decimals and encodings), so
// that no stored hash has two spellings:
//
//   - [Argon2id]: $argon2id$v=19$m=M,t=T,p=P$salt$hash. Argon2i, argon2d and
//     version 16 hashes are unsupported.
//   - [Bcrypt]: $2a$, $2b$ and $2y$ with a cost from 04 to [MaxBcryptCost].
//     As in PHP and in Python's bcrypt before 5.0, only the first 72 bytes of
//     the password count. A password with a NUL byte never matches (PHP stops
//     at the NUL, Python's bcrypt 3 refuses it, bcrypt 4 hashes it).
//   - [WerkzeugPBKDF2]: pbkdf2:DIGEST:ITERATIONS$salt$hexhash with DIGEST one
//     of sha1, sha224, sha256, sha384, sha512. The iteration count must be
//     written: Werkzeug's default for a missing one changed between releases.
//   - [WerkzeugScrypt]: scrypt:N:r:p$salt$hexhash, a 64-byte key, within the
//     memory Werkzeug allows hashlib.scrypt (so not N below 128 with p=1).
//   - [DjangoPBKDF2]: pbkdf2_sha256$ITERATIONS$salt$base64hash and pbkdf2_sha1.
//   - [DjangoArgon2]: argon2$argon2id$v=19$m=M,t=T,p=P$salt$hash.
//   - [DjangoBcryptSHA256]: bcrypt_sha256$$2b$..., bcrypt of the lower-case
//     hex SHA-256 of the password, so no 72-byte truncation.
//   - [DjangoBcrypt]: bcrypt$$2b$....
//
// Werkzeug and Django use the salt as its literal UTF-8 string. A stored
// hash is read as it is: an importer should trim the padding of CHAR columns.
//
// Every hash other than argon2id at least as strong as the [Hasher]'s own
// parameters reports needsRehash on a successful [Hasher.Verify], and the
// caller then stores a fresh [Hasher.Hash] of the password it just checked.
//
// # Bounds on imported hashes
//
// A stored hash is untrusted input: a hostile or corrupt row must not make a
// login take hours or exhaust memory. Parameters outside these bounds make a
// hash malformed ([ErrMalformedHash]):
//
//   - PBKDF2 iterations 1 to 10,000,000.
//   - scrypt N a power of two from 2 to 2^20, r*p at most 64, and 128*N*r
//     (the memory scrypt needs) at most 1 GiB.
//   - bcrypt cost 4 to [MaxBcryptCost].
//   - argon2id memory up to [MaxMemoryKiB] (4 GiB) and at least 8 KiB per
//     lane, time 1 to [MaxTime], parallelism 1 to 255, salt 8 to 1024 bytes
//     and hash 4 to 1024 bytes, the reference implementation's limits. An
//     imported argon2id hash weaker than [CheckParams] allows still verifies,
//     and reports needsRehash.
//
// Errors never contain the password, nor the salt or hash of a stored hash:
// only the scheme, the name of the faulty part and, for numeric parameters,
// their value. An unrecognised stored value, which may be a plain-text
// password, is not quoted at all.
package password
