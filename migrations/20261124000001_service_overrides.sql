-- Admin overrides of which service is enabled in which region. Config says what a city
-- offers; a row here switches one service in one region on or off, and wins over config.
-- Portable SQL: the same file runs on SQLite and Postgres. Flags are 0/1 integers because
-- sqlx's Any driver does not decode SQLite booleans.
CREATE TABLE service_overrides (
    city_id    TEXT    NOT NULL,
    service_id TEXT    NOT NULL,
    region_id  TEXT    NOT NULL,
    enabled    BIGINT  NOT NULL CHECK (enabled IN (0, 1)),
    changed_at BIGINT  NOT NULL, -- Unix seconds, UTC
    changed_by TEXT    NOT NULL,
    PRIMARY KEY (city_id, service_id, region_id)
);

-- Every admin action: who, what, when, before and after.
CREATE TABLE audit_log (
    id         TEXT   NOT NULL PRIMARY KEY, -- random UUID: not guessable, no sequence to leak
    at         BIGINT NOT NULL,             -- Unix seconds, UTC
    actor      TEXT   NOT NULL,
    city_id    TEXT   NOT NULL,
    action     TEXT   NOT NULL,
    subject    TEXT   NOT NULL,
    before     TEXT,
    after      TEXT
);
CREATE INDEX audit_log_by_city_time ON audit_log (city_id, at);
