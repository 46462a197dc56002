-- Incident reports, committed here before any desk hears of them, and their delivery.
-- A report is 'queued' until a desk accepted it ('delivered') or refused it ('refused').
CREATE TABLE reports (
    id              TEXT   NOT NULL PRIMARY KEY, -- random UUID
    reference       TEXT   NOT NULL UNIQUE,      -- written into the desk's copy, to find it again
    resident_id     TEXT   REFERENCES residents (id) ON DELETE SET NULL,
    city_id         TEXT   NOT NULL,
    region_id       TEXT   NOT NULL,
    desk_id         TEXT   NOT NULL,             -- the provider id of the desk
    category        TEXT   NOT NULL,
    lat             DOUBLE PRECISION NOT NULL,
    lon             DOUBLE PRECISION NOT NULL,
    description     TEXT   NOT NULL,
    attributes      TEXT   NOT NULL,             -- JSON
    created_at      BIGINT NOT NULL,
    state           TEXT   NOT NULL CHECK (state IN ('queued', 'delivered', 'refused')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT,                      -- a worker's lease on it
    unsure_since    BIGINT,                      -- an attempt may have reached the desk
    desk_request_id TEXT,
    desk_token      TEXT,
    desk_message    TEXT
);
CREATE INDEX reports_due ON reports (state, next_attempt_at);
