-- The demo districts are now the real ones (config/regions/build.py). Shenzhen's Dapeng New
-- District is a functional area, not a county-level unit: the real boundaries place it in
-- Longgang, and the region id 'dapeng' is gone. What was stored under it moves to
-- 'longgang', so no home, switch or report is silently dropped.

-- An admin's switch for Longgang itself stands; one for Dapeng alone moves to Longgang
-- only where Longgang has none.
DELETE FROM service_overrides
WHERE city_id = 'shenzhen' AND region_id = 'dapeng'
  AND EXISTS (
      SELECT 1 FROM service_overrides AS longgang
      WHERE longgang.city_id = 'shenzhen'
        AND longgang.service_id = service_overrides.service_id
        AND longgang.region_id = 'longgang'
  );
UPDATE service_overrides SET region_id = 'longgang'
WHERE city_id = 'shenzhen' AND region_id = 'dapeng';

UPDATE residents SET home_region = 'longgang'
WHERE home_city = 'shenzhen' AND home_region = 'dapeng';

UPDATE reports SET region_id = 'longgang'
WHERE city_id = 'shenzhen' AND region_id = 'dapeng';

UPDATE announcements SET region_id = 'longgang'
WHERE city_id = 'shenzhen' AND region_id = 'dapeng';
