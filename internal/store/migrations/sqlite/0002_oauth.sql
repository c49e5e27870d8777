-- 0002: signing keys, OAuth clients and grants, revocations, login throttling.
-- Released: never edit; add a new file.
CREATE TABLE signing_keys (
    id         TEXT PRIMARY KEY,
    alg        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    active_at  INTEGER NOT NULL,
    retire_at  INTEGER
);

CREATE TABLE oauth_clients (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL DEFAULT '',
    secret_hash       BLOB,
    public            INTEGER NOT NULL DEFAULT 0,
    grant_types       TEXT NOT NULL DEFAULT '',
    response_types    TEXT NOT NULL DEFAULT '',
    scopes            TEXT NOT NULL DEFAULT '',
    redirect_uris     TEXT NOT NULL DEFAULT '',
    audience          TEXT NOT NULL DEFAULT '',
    token_auth_method TEXT NOT NULL DEFAULT 'client_secret_basic',
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    secret_rotated_at INTEGER
);

-- Authorization codes, PKCE challenges, OpenID Connect requests and refresh
-- tokens: fosite's stored requests, keyed by kind and token signature (never the token).
CREATE TABLE oauth_sessions (
    kind       TEXT NOT NULL,
    signature  TEXT NOT NULL,
    request_id TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    active     INTEGER NOT NULL DEFAULT 1,
    data       TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (kind, signature)
);
CREATE INDEX oauth_sessions_request ON oauth_sessions (request_id);
CREATE INDEX oauth_sessions_client ON oauth_sessions (client_id);
CREATE INDEX oauth_sessions_expiry ON oauth_sessions (expires_at);

-- The deny-list consulted when verifying access tokens: by token id (jti), by
-- grant family, by client or by subject. Rows go once every token they could
-- match has expired.
CREATE TABLE revocations (
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    revoked_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX revocations_expiry ON revocations (expires_at);

CREATE TABLE login_failures (
    account         TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    locked_until    INTEGER
);
