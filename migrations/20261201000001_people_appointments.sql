-- The people a resident acts for (themselves, family members), kept in the profile for
-- bookings made by real name (core/src/people.rs).
CREATE TABLE people (
    id          TEXT   NOT NULL PRIMARY KEY,
    resident_id TEXT   NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    relation    TEXT   NOT NULL CHECK (relation IN ('self', 'spouse', 'child', 'parent', 'other')),
    name        TEXT   NOT NULL,
    sex         TEXT   NOT NULL CHECK (sex IN ('female', 'male')),
    birth_date  TEXT   NOT NULL,          -- YYYY-MM-DD
    phone       TEXT   NOT NULL,          -- 11 digits
    id_number   TEXT   NOT NULL,          -- 18 characters, check digit verified
    created_at  BIGINT NOT NULL,
    UNIQUE (resident_id, id_number)
);

-- Doctor appointments (services/appointments). The id is also the booking identifier the
-- hospital holds (FHIR Appointment.identifier), so a resend finds the first.
--   requested   being made at the hospital; its answer not yet known
--   held        pending at the hospital, its slot held until hold_expires_at; the fee is due
--   paid        the fee is paid; the hospital is being told to book it
--   booked      booked at the hospital
--   releasing   never paid: the hold is being given back at the hospital
--   released    given back; nothing was charged
--   cancelling  the resident cancelled: the hospital is being told
--   cancelled   cancelled (by the resident or the hospital); the fee refunded as the rule says
--   failed      not booked (the slot was taken, the hold ran out); anything paid is refunded
CREATE TABLE appointments (
    id              TEXT   NOT NULL PRIMARY KEY,
    city_id         TEXT   NOT NULL,
    hospital_id     TEXT   NOT NULL,      -- the hospital's provider id
    resident_id     TEXT   REFERENCES residents (id) ON DELETE SET NULL,
    person_id       TEXT   NOT NULL,      -- no reference: a removed person's bookings stay
    patient_key     TEXT   NOT NULL,      -- a keyed hash of the patient's ID-card number
    patient_name    TEXT   NOT NULL,
    slot_id         TEXT   NOT NULL,
    doctor_id       TEXT   NOT NULL,      -- the PractitionerRole
    department_id   TEXT   NOT NULL,
    labels          TEXT   NOT NULL,      -- doctor, title, department, place as booked (JSON)
    starts_at       BIGINT NOT NULL,
    ends_at         BIGINT NOT NULL,
    local_day       TEXT   NOT NULL,      -- the day in the city's time zone, YYYY-MM-DD
    fee_minor       BIGINT NOT NULL CHECK (fee_minor >= 0),
    currency        TEXT   NOT NULL,
    locale          TEXT   NOT NULL,      -- the resident's language when booking
    state           TEXT   NOT NULL CHECK (state IN ('requested', 'held', 'paid', 'booked',
                        'releasing', 'released', 'cancelling', 'cancelled', 'failed')),
    fhir_id         TEXT,                 -- the hospital's id of it
    hold_expires_at BIGINT,
    cancelled_by    TEXT CHECK (cancelled_by IN ('resident', 'hospital')),
    problem         TEXT,                 -- why it failed or was cancelled, in words
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX appointments_by_resident ON appointments (resident_id, starts_at);
CREATE INDEX appointments_by_hospital ON appointments (hospital_id, state);
-- One booking of ours per slot while it may hold it.
CREATE UNIQUE INDEX appointments_slot_held ON appointments (hospital_id, slot_id)
    WHERE state IN ('requested', 'held', 'paid', 'booked', 'releasing', 'cancelling');
-- One appointment per patient with a doctor on a day, as hospitals require: the patient by
-- their ID-card number, however many residents keep them or however often they are re-added.
CREATE UNIQUE INDEX appointments_one_a_day ON appointments (patient_key, doctor_id, local_day)
    WHERE state IN ('requested', 'held', 'paid', 'booked', 'cancelling');
