-- Refused forms are kept per sender (a keyed hash of the resident or client address), so
-- one sender cannot fill the disk with them.
ALTER TABLE report_drafts ADD COLUMN sender_key TEXT;
CREATE INDEX report_drafts_sender ON report_drafts (sender_key, created_at);
