-- One durable queue for every hand-off to a provider (server/src/jobs.rs): a report to its
-- desk now, bookings and payments later. A job is committed with its subject, claimed with
-- a lease, retried with backoff, looked up at the provider when unsure, then settled.
CREATE TABLE jobs (
    id              TEXT   NOT NULL PRIMARY KEY,
    kind            TEXT   NOT NULL,            -- 'report.deliver', 'report.poll', …
    subject         TEXT   NOT NULL,            -- what it is about: a report's id, a desk's id
    provider        TEXT   NOT NULL,            -- whose queue: the provider it goes to
    idempotency_key TEXT   NOT NULL,            -- one job per key, however often committed
    recurring       BIGINT NOT NULL DEFAULT 0,  -- runs again after each round (status polls)
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT,                     -- a worker's lease on it
    unsure_since    BIGINT,                     -- an attempt may have reached the provider
    created_at      BIGINT NOT NULL,
    settled_at      BIGINT                      -- set once its outcome is recorded
);
CREATE UNIQUE INDEX jobs_key ON jobs (idempotency_key);
CREATE INDEX jobs_due ON jobs (kind, provider, settled_at, next_attempt_at);
CREATE INDEX jobs_subject ON jobs (kind, subject);
-- What is still waiting, for the console and /metrics, without reading settled history.
CREATE INDEX jobs_waiting ON jobs (kind, created_at) WHERE settled_at IS NULL;

-- Reports waiting for their desk keep their place, their attempts and their doubt.
INSERT INTO jobs (id, kind, subject, provider, idempotency_key, recurring, attempts,
                  next_attempt_at, claimed_until, unsure_since, created_at)
SELECT 'report-' || id, 'report.deliver', id, desk_id, 'report.deliver:' || id, 0, attempts,
       next_attempt_at, claimed_until, unsure_since, created_at
FROM reports WHERE state = 'queued';

-- The queue holds delivery's bookkeeping now; the report keeps only its own state.
DROP INDEX reports_due;
ALTER TABLE reports DROP COLUMN attempts;
ALTER TABLE reports DROP COLUMN next_attempt_at;
ALTER TABLE reports DROP COLUMN claimed_until;
ALTER TABLE reports DROP COLUMN unsure_since;
