-- Payments (services/payments): an order of ours, committed before the payment provider
-- hears of it, then confirmed only by asking the provider. Money is integer minor units.
--   open       committed; the provider may have it; the resident may be paying
--   paid       the provider said SUCCESS; the purpose (a bill) took it
--   failed     closed, declined or expired unpaid: nothing was charged
--   refunding  paid, but not usable (or given back): its refund is under way
--   refunded   the provider said the refund succeeded
--   stuck      the provider could not refund (ABNORMAL, CLOSED): an admin must act
CREATE TABLE payments (
    id             TEXT   NOT NULL PRIMARY KEY,       -- random UUID
    out_trade_no   TEXT   NOT NULL UNIQUE,            -- our order number at the provider
    city_id        TEXT   NOT NULL,
    provider_id    TEXT   NOT NULL,                   -- the payment provider
    resident_id    TEXT   REFERENCES residents (id) ON DELETE SET NULL,
    purpose_kind   TEXT   NOT NULL,                   -- which service it pays: 'bills', …
    purpose_ref    TEXT   NOT NULL,                   -- what it pays, in that service's terms
    -- The purpose while this payment holds it (open, paid, refunding): one payment at a time
    -- per purpose, whatever is retried; cleared when the payment fails or is refunded.
    open_purpose   TEXT   UNIQUE,
    amount_minor   BIGINT NOT NULL CHECK (amount_minor > 0),
    currency       TEXT   NOT NULL,
    description    TEXT   NOT NULL,
    locale         TEXT   NOT NULL,
    state          TEXT   NOT NULL CHECK (state IN
                     ('open', 'paid', 'failed', 'refunding', 'refunded', 'stuck')),
    pay_url        TEXT,                              -- the provider's hosted page, once known
    transaction_id TEXT,                              -- the provider's id of the charge
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,                   -- the provider refuses to take it after
    paid_at        BIGINT,
    failed_reason  TEXT,
    refund_reason  TEXT,
    refunded_at    BIGINT,
    settled_at     BIGINT                             -- when it reached a final state
);
CREATE INDEX payments_by_resident ON payments (resident_id, created_at);
CREATE INDEX payments_by_city ON payments (city_id, state, created_at);

-- Notification ids the provider sent, so that a replayed one changes nothing.
CREATE TABLE payment_notifications (
    id          TEXT   NOT NULL PRIMARY KEY,          -- provider id and notification id
    received_at BIGINT NOT NULL
);
