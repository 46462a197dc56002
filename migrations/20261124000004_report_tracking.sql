-- What residents see of their reports: a private tracking link, the desk's status over
-- time, photos, and "me too" from neighbours.
ALTER TABLE reports ADD COLUMN tracking_hash TEXT;      -- SHA-256 of the tracking link's token
ALTER TABLE reports ADD COLUMN locale TEXT NOT NULL DEFAULT 'zh-CN'; -- for its inbox messages
ALTER TABLE reports ADD COLUMN share_contact BIGINT NOT NULL DEFAULT 0; -- the resident agreed
ALTER TABLE reports ADD COLUMN desk_status TEXT;        -- 'open' or 'closed', as last polled
ALTER TABLE reports ADD COLUMN status_checked_at BIGINT;
ALTER TABLE reports ADD COLUMN submission_id TEXT;     -- the form's own id: a resend is not a second report
ALTER TABLE reports ADD COLUMN sender_key TEXT;        -- keyed hash of the resident or client address, for the hourly limit
CREATE UNIQUE INDEX reports_tracking ON reports (tracking_hash);
CREATE UNIQUE INDEX reports_submission ON reports (submission_id);
CREATE INDEX reports_resident ON reports (resident_id, created_at);
CREATE INDEX reports_sender ON reports (sender_key, created_at);
CREATE INDEX reports_nearby ON reports (city_id, category, lat);

-- Photos, re-encoded (metadata-free JPEG) before they are stored; the id is unguessable and
-- is the only way to fetch one.
CREATE TABLE report_photos (
    id        TEXT   NOT NULL PRIMARY KEY,
    report_id TEXT   NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    jpeg      BYTEA  NOT NULL,
    thumbnail BYTEA  NOT NULL,              -- at most 192 px, for lists
    width     BIGINT NOT NULL,
    height    BIGINT NOT NULL
);
CREATE INDEX report_photos_report ON report_photos (report_id, position);

-- A report's timeline: filed, delivered, refused, and each status the desk gave it.
CREATE TABLE report_events (
    id        TEXT   NOT NULL PRIMARY KEY,
    report_id TEXT   NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    at        BIGINT NOT NULL,
    kind      TEXT   NOT NULL CHECK (kind IN ('filed', 'delivered', 'refused', 'open', 'closed')),
    note      TEXT
);
CREATE INDEX report_events_report ON report_events (report_id, at);

-- "Me too": one per resident (or per client address, without an account) and report.
CREATE TABLE report_supporters (
    report_id     TEXT   NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    supporter_key TEXT   NOT NULL,
    resident_id   TEXT   REFERENCES residents (id) ON DELETE CASCADE,
    at            BIGINT NOT NULL,
    PRIMARY KEY (report_id, supporter_key)
);

-- A form sent without the page's script and refused: what was typed and what was wrong, so
-- the form comes back filled in. Kept for an hour; the id is unguessable.
CREATE TABLE report_drafts (
    id         TEXT   NOT NULL PRIMARY KEY,
    city_id    TEXT   NOT NULL,
    draft      TEXT   NOT NULL, -- JSON: the fields as typed, and the problems in words
    created_at BIGINT NOT NULL
);
CREATE INDEX report_drafts_age ON report_drafts (created_at);
