-- When, and for which payer address, the provider's payment page (pay_url) was last given:
-- WeChat Pay's h5_url lives 5 minutes and opens only from the address it was made for, so
-- one younger than 4 minutes for the same address is given again instead of a new one.
ALTER TABLE payments ADD COLUMN pay_url_at BIGINT;
ALTER TABLE payments ADD COLUMN pay_url_ip TEXT;
