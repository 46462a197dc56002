-- What moved each reservation (a doctor's appointment, a bill held for a payment), step by
-- step: services/payments/src/checkout/moves.rs holds the one table of allowed moves for
-- every service that holds something for a resident, and writes each step in the
-- transaction that made the move. A reservation made before this table has no steps
-- before its next move.
CREATE TABLE reservation_events (
    kind           TEXT   NOT NULL,            -- the service's reservations: appointments, bills
    reservation_id TEXT   NOT NULL,
    seq            BIGINT NOT NULL,            -- 1, 2, … in the reservation's order
    at             BIGINT NOT NULL,
    from_state     TEXT,                       -- NULL: the reservation was made
    to_state       TEXT   NOT NULL,
    event          TEXT   NOT NULL,            -- held, paid, booked, released, cancelled, …
    moved_by       TEXT   NOT NULL,            -- resident, job, provider, admin, service
    PRIMARY KEY (kind, reservation_id, seq)
);
