-- Residents, their sessions and passkeys; consent and what was shared; the inbox and
-- provider announcements; admin accounts and the cities they run.
-- Portable SQL for SQLite and Postgres: times are Unix seconds (UTC), flags 0/1 integers,
-- ids random UUIDs or random tokens, never sequences.

CREATE TABLE residents (
    id            TEXT   NOT NULL PRIMARY KEY,
    email         TEXT   UNIQUE,          -- lower-cased; verified before it is stored
    phone         TEXT   UNIQUE,          -- E.164; verified before it is stored
    password_hash TEXT   NOT NULL,        -- argon2id PHC string
    display_name  TEXT   NOT NULL DEFAULT '',
    home_city     TEXT,
    home_region   TEXT,
    created_at    BIGINT NOT NULL
);

-- A one-time code on its way to a phone or mailbox: for a sign-up (the account is created
-- only once the code is entered) or for adding a contact to an existing account.
CREATE TABLE verifications (
    id            TEXT   NOT NULL PRIMARY KEY, -- random token; the resident's handle on it
    purpose       TEXT   NOT NULL CHECK (purpose IN ('signup', 'contact')),
    resident_id   TEXT   REFERENCES residents (id) ON DELETE CASCADE,
    channel       TEXT   NOT NULL CHECK (channel IN ('email', 'sms')),
    address       TEXT   NOT NULL,
    password_hash TEXT,                        -- sign-ups only
    display_name  TEXT,
    code_hash     TEXT   NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    requested_by  TEXT   NOT NULL,             -- client address, for the send rate limit
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX verifications_by_requester ON verifications (requested_by, created_at);

-- Every request for a code, granted or not (an already registered contact counts too), for
-- the send limits: written before it is counted, so parallel requests cannot slip through.
CREATE TABLE code_requests (
    id           TEXT   NOT NULL PRIMARY KEY,
    requested_by TEXT   NOT NULL,
    address      TEXT   NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX code_requests_by_requester ON code_requests (requested_by, at);
CREATE INDEX code_requests_by_address ON code_requests (address, at);

-- Sessions of residents and admins. Only a hash of the cookie's token is kept, so a copy
-- of this table signs nobody in.
CREATE TABLE sessions (
    token_hash   TEXT   NOT NULL PRIMARY KEY,
    subject_kind TEXT   NOT NULL CHECK (subject_kind IN ('resident', 'admin')),
    subject_id   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_by_subject ON sessions (subject_kind, subject_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Sign-in attempts, per account and per client address, for the rate limit. An attempt
-- is written before its password is checked (so parallel guesses count) and removed if it
-- succeeds: what stays are failures.
CREATE TABLE sign_in_failures (
    attempt TEXT   NOT NULL,
    scope   TEXT   NOT NULL CHECK (scope IN ('account', 'address')),
    key     TEXT   NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (scope, key, at);
CREATE INDEX sign_in_failures_by_attempt ON sign_in_failures (attempt);

CREATE TABLE passkeys (
    credential_id TEXT   NOT NULL PRIMARY KEY, -- base64url, as the authenticator gives it
    resident_id   TEXT   NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    passkey       TEXT   NOT NULL,             -- webauthn-rs Passkey, JSON
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX passkeys_by_resident ON passkeys (resident_id);

-- A WebAuthn ceremony between its two round trips; kept here so any process can finish it.
CREATE TABLE webauthn_ceremonies (
    id          TEXT   NOT NULL PRIMARY KEY,
    kind        TEXT   NOT NULL CHECK (kind IN ('register', 'authenticate')),
    resident_id TEXT   NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    state       TEXT   NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- What a resident agreed to share with a provider for a service.
CREATE TABLE consents (
    resident_id  TEXT   NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    provider_id  TEXT   NOT NULL,
    service_id   TEXT   NOT NULL,
    fields       TEXT   NOT NULL, -- comma-separated field names
    granted_at   BIGINT NOT NULL,
    withdrawn_at BIGINT,
    PRIMARY KEY (resident_id, provider_id, service_id)
);

-- Every time personal data went to a provider.
CREATE TABLE data_shares (
    id          TEXT   NOT NULL PRIMARY KEY,
    resident_id TEXT   NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    provider_id TEXT   NOT NULL,
    service_id  TEXT   NOT NULL,
    fields      TEXT   NOT NULL,
    purpose     TEXT   NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX data_shares_by_resident ON data_shares (resident_id, at);

CREATE TABLE inbox_messages (
    id          TEXT   NOT NULL PRIMARY KEY,
    resident_id TEXT   NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    kind        TEXT   NOT NULL CHECK (kind IN ('service', 'announcement')),
    provider_id TEXT,
    city_id     TEXT,
    title       TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT
);
CREATE INDEX inbox_by_resident ON inbox_messages (resident_id, created_at);

CREATE TABLE announcements (
    id          TEXT   NOT NULL PRIMARY KEY,
    provider_id TEXT   NOT NULL,
    city_id     TEXT   NOT NULL,
    region_id   TEXT,            -- NULL: the whole city
    title       TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    posted_at   BIGINT NOT NULL,
    recipients  BIGINT NOT NULL
);

-- Announcements used per provider and period ('2026-11' or '2026-11-24'); incremented
-- atomically, so two processes cannot both take the last one.
CREATE TABLE announcement_quota (
    provider_id TEXT   NOT NULL,
    period      TEXT   NOT NULL,
    used        BIGINT NOT NULL,
    PRIMARY KEY (provider_id, period)
);

CREATE TABLE provider_mutes (
    resident_id TEXT   NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    provider_id TEXT   NOT NULL,
    muted_at    BIGINT NOT NULL,
    PRIMARY KEY (resident_id, provider_id)
);

-- Bearer tokens of the Provider API, hashed.
CREATE TABLE provider_tokens (
    token_hash  TEXT   NOT NULL PRIMARY KEY,
    provider_id TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT   NOT NULL
);

CREATE TABLE admins (
    id            TEXT   NOT NULL PRIMARY KEY,
    username      TEXT   NOT NULL UNIQUE,
    password_hash TEXT   NOT NULL,
    is_platform   BIGINT NOT NULL CHECK (is_platform IN (0, 1)),
    created_at    BIGINT NOT NULL,
    created_by    TEXT   NOT NULL
);

CREATE TABLE admin_cities (
    admin_id TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    city_id  TEXT NOT NULL,
    PRIMARY KEY (admin_id, city_id)
);
