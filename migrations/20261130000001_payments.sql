-- Payments (services/payments): an order of ours, committed before the payment provider
-- hears of it, then confirmed only by asking the provider. Money is integer minor units.
--   open       committed; the provider may have it; the resident may be paying
--   paid       the provider said SUCCESS; the purpose (a bill) took it
--   failed     closed, declined or expired unpaid: nothing was charged
--   refunding  paid, but not usable: all of it is being given back
--   refunded   all of it was given back
--   stuck      the provider could not refund (ABNORMAL, CLOSED): an admin must act
-- A payment that is partly refunded (one bill of several refused) stays 'paid'; its refunds
-- are in payment_refunds.
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
    settled_at     BIGINT                             -- when it reached a final state
);
CREATE INDEX payments_by_resident ON payments (resident_id, created_at);
CREATE INDEX payments_by_city ON payments (city_id, state, created_at);

-- Money given back, whole or in part, each refund once: one per part of what a payment paid
-- (a bill of several; 'all' for the whole), asked of the provider by a job of its own.
CREATE TABLE payment_refunds (
    refund_no    TEXT   NOT NULL PRIMARY KEY,         -- ours at the provider (out_refund_no)
    payment_id   TEXT   NOT NULL REFERENCES payments (id),
    part         TEXT   NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    reason       TEXT   NOT NULL,                     -- in the resident's language
    state        TEXT   NOT NULL CHECK (state IN ('requested', 'refunded', 'stuck')),
    problem      TEXT,                                -- the provider's, when stuck
    created_at   BIGINT NOT NULL,
    settled_at   BIGINT,
    UNIQUE (payment_id, part)
);

-- Notification ids the provider sent, so that a replayed one changes nothing.
CREATE TABLE payment_notifications (
    id          TEXT   NOT NULL PRIMARY KEY,          -- provider id and notification id
    received_at BIGINT NOT NULL
);
