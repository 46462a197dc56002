-- Reads over history that grows for good, each with an index of its own so that none of
-- them reads the whole table: the hourly purge of settled jobs (oldest first), and the
-- console's count of a desk's refusals this week.
CREATE INDEX jobs_settled ON jobs (settled_at) WHERE settled_at IS NOT NULL AND recurring = 0;
CREATE INDEX reports_desk ON reports (desk_id, state, created_at);
