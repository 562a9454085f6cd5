-- API access: users with a role (and a site for operators), API tokens and browser sessions
-- (stored as sha256 hashes, never in clear), and device credentials (hashed secrets).

CREATE TABLE users (
    id             bigserial PRIMARY KEY,
    username       text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9._@-]{1,64}$'),
    password_hash  text,  -- scrypt$n$r$p$salt$hash; NULL: token access only
    role           text NOT NULL CHECK (role IN ('admin', 'operator', 'inspector')),
    site_id        text REFERENCES sites (id),
    display_name   text,
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'operator') = (site_id IS NOT NULL))
);

CREATE TABLE api_tokens (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL,
    token_hash    bytea NOT NULL UNIQUE,  -- sha256 of the token
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    token_hash  bytea PRIMARY KEY,  -- sha256 of the session token in the cookie
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- A device's MQTT secret, hashed; the clear secret is shown once when it is rotated and is put
-- into the broker's password file by the deployment (see docs/api.md).
CREATE TABLE device_credentials (
    site_id      text NOT NULL,
    device_id    text NOT NULL,
    secret_hash  text NOT NULL,
    rotated_at   timestamptz NOT NULL DEFAULT now(),
    rotated_by   text NOT NULL,
    PRIMARY KEY (site_id, device_id),
    FOREIGN KEY (site_id, device_id) REFERENCES devices (site_id, device_id)
);

CREATE INDEX batches_production_date ON batches (production_date);
CREATE INDEX batches_site ON batches (site_id);
