-- The demo districts are now the real ones (config/regions/build.py). Shenzhen's Dapeng New
-- District is a functional area, not a county-level unit: the real boundaries place it in
-- Longgang, and the region id 'dapeng' is gone. Residents' homes, reports and announcements
-- stored under it move to 'longgang', where they now lie. (A deployment with a region file
-- of its own for Shenzhen that keeps 'dapeng' should skip this file.)

-- An admin's switch for Dapeng alone is not widened to all of Longgang: it is dropped, and
-- the audit log says so, so that an admin can set it again for Longgang if wanted.
-- Its time is the day of this change (portable SQL has no clock in common).
INSERT INTO audit_log (id, at, actor, city_id, action, subject, before, after)
SELECT 'migration-20261129000001-' || service_id, 1795651200, 'migration 20261129000001',
       'shenzhen', 'clear_service_override', service_id || '/dapeng',
       CASE enabled WHEN 1 THEN 'enabled' ELSE 'disabled' END, NULL
FROM service_overrides
WHERE city_id = 'shenzhen' AND region_id = 'dapeng';
DELETE FROM service_overrides WHERE city_id = 'shenzhen' AND region_id = 'dapeng';

UPDATE residents SET home_region = 'longgang'
WHERE home_city = 'shenzhen' AND home_region = 'dapeng';

UPDATE reports SET region_id = 'longgang'
WHERE city_id = 'shenzhen' AND region_id = 'dapeng';

UPDATE announcements SET region_id = 'longgang'
WHERE city_id = 'shenzhen' AND region_id = 'dapeng';
