-- A person is proven (core/src/people/proof.rs) once a carrier confirmed that their name,
-- identity document and mobile number belong together and the resident typed back the code
-- sent to that mobile. Nothing is booked in the name of a person who is not.
ALTER TABLE people ADD COLUMN id_type TEXT NOT NULL DEFAULT 'resident_card'
    CHECK (id_type IN ('resident_card', 'hmt_residence_permit', 'foreign_permanent_residence'));
ALTER TABLE people ADD COLUMN proven_at BIGINT;

-- Codes gain a third purpose, proving a person (the one person_id names). A CHECK cannot be
-- changed in place in SQLite: the table is rebuilt (codes are minutes-lived; none is lost).
CREATE TABLE verifications_new (
    id            TEXT   NOT NULL PRIMARY KEY,
    purpose       TEXT   NOT NULL CHECK (purpose IN ('signup', 'contact', 'person')),
    resident_id   TEXT   REFERENCES residents (id) ON DELETE CASCADE,
    channel       TEXT   NOT NULL CHECK (channel IN ('email', 'sms')),
    address       TEXT   NOT NULL,
    password_hash TEXT,
    display_name  TEXT,
    person_id     TEXT,                        -- proofs only
    code_hash     TEXT   NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    requested_by  TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
INSERT INTO verifications_new (id, purpose, resident_id, channel, address, password_hash,
    display_name, code_hash, attempts, requested_by, created_at, expires_at)
SELECT id, purpose, resident_id, channel, address, password_hash, display_name, code_hash,
    attempts, requested_by, created_at, expires_at FROM verifications;
DROP TABLE verifications;
ALTER TABLE verifications_new RENAME TO verifications;
CREATE INDEX verifications_by_requester ON verifications (requested_by, created_at);
