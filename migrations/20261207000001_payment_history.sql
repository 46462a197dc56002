-- What moved each payment, step by step (services/payments/src/lifecycle.rs holds the one
-- table of allowed moves), written in the transaction that moved it. A payment made before
-- this table has no steps before its next move.
CREATE TABLE payment_events (
    payment_id TEXT   NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,                -- 1, 2, … in the payment's order
    at         BIGINT NOT NULL,
    from_state TEXT,                           -- NULL: the payment was made
    to_state   TEXT   NOT NULL,
    event      TEXT   NOT NULL,                -- opened, paid, closed, refund-requested, …
    moved_by   TEXT   NOT NULL,                -- resident, job, provider, admin, service
    PRIMARY KEY (payment_id, seq)
);
