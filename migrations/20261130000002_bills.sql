-- Utility bills (services/bills): the accounts residents save, and what they pay. A basket
-- is one payment of one or several bills; each bill in it is an item, held at its biller by a
-- lock, then reported to the biller once paid.
CREATE TABLE bill_accounts (
    id             TEXT   NOT NULL PRIMARY KEY,
    resident_id    TEXT   NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    city_id        TEXT   NOT NULL,
    biller_id      TEXT   NOT NULL,          -- the biller's provider id
    account_number TEXT   NOT NULL,
    label          TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    UNIQUE (resident_id, biller_id, account_number)
);

CREATE TABLE bill_baskets (
    id          TEXT   NOT NULL PRIMARY KEY,
    resident_id TEXT   REFERENCES residents (id) ON DELETE SET NULL,
    city_id     TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

--   held      locked at the biller; its payment is open
--   paid      the payment was confirmed; the biller is being told (its job)
--   credited  the biller recorded it and gave a receipt number
--   refused   the biller would not take it (paid meanwhile, changed): its money goes back
--   released  the payment never happened
CREATE TABLE bill_items (
    id             TEXT   NOT NULL PRIMARY KEY,  -- also the Idempotency-Key of the report
    basket_id      TEXT   NOT NULL REFERENCES bill_baskets (id),
    biller_id      TEXT   NOT NULL,
    account_number TEXT   NOT NULL,
    bill_number    TEXT   NOT NULL,
    period         TEXT   NOT NULL,
    amount_minor   BIGINT NOT NULL CHECK (amount_minor > 0),
    currency       TEXT   NOT NULL,
    lock_token     TEXT   NOT NULL,
    lock_expires_at BIGINT NOT NULL,
    state          TEXT   NOT NULL CHECK (state IN ('held', 'paid', 'credited', 'refused', 'released')),
    receipt_number TEXT,
    refusal        TEXT,
    settled_at     BIGINT
);
CREATE INDEX bill_items_by_basket ON bill_items (basket_id);
-- One payment at a time per bill: a bill held, or paid and not yet recorded by its biller,
-- cannot be put in another basket.
CREATE UNIQUE INDEX bill_items_holding ON bill_items (biller_id, bill_number)
    WHERE state IN ('held', 'paid');
