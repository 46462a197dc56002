-- When the provider's payment page (pay_url) was last given: WeChat Pay's h5_url lives 5
-- minutes, so one younger than 4 is given again instead of asking the provider for another.
ALTER TABLE payments ADD COLUMN pay_url_at BIGINT;
