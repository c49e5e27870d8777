-- 0001: users, roles, API keys, and encrypted secrets. Released: never edit; add a new file.
CREATE TABLE roles (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    permissions TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    last_login_at BIGINT
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL REFERENCES roles (name) ON DELETE RESTRICT,
    PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_role ON user_roles (role);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    secret_hash  BYTEA NOT NULL,
    scopes       TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE master_keys (
    fingerprint TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
);

CREATE TABLE data_keys (
    id         TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

CREATE TABLE data_key_wraps (
    data_key_id        TEXT NOT NULL REFERENCES data_keys (id) ON DELETE CASCADE,
    master_fingerprint TEXT NOT NULL REFERENCES master_keys (fingerprint) ON DELETE CASCADE,
    wrapped            BYTEA NOT NULL,
    PRIMARY KEY (data_key_id, master_fingerprint)
);

CREATE TABLE secrets (
    name        TEXT PRIMARY KEY,
    data_key_id TEXT NOT NULL REFERENCES data_keys (id) ON DELETE RESTRICT,
    ciphertext  BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

INSERT INTO roles (name, description, permissions, created_at, updated_at)
VALUES ('admin', 'Full administrative access', '*', 0, 0);
