-- The traffic cameras a resident starred (services/cameras): listed first on the cameras
-- page. A camera is known by its city and the jurisdiction's own id of it.
CREATE TABLE camera_stars (
    resident_id TEXT   NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    city_id     TEXT   NOT NULL,
    camera_id   TEXT   NOT NULL,
    starred_at  BIGINT NOT NULL,
    PRIMARY KEY (resident_id, city_id, camera_id)
);
