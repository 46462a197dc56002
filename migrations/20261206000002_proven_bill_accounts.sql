-- An account number is not a key: a saved account shows its holder and bills only once the
-- resident proved they hold it, with what is printed on its bill (services/bills/src/accounts.rs).
ALTER TABLE bill_accounts ADD COLUMN proven_at BIGINT;
