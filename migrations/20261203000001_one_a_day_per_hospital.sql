-- A doctor's id is the hospital's own (its FHIR PractitionerRole id), and two hospitals may
-- use the same one: the one-appointment-a-day rule is per doctor of a hospital.
DROP INDEX appointments_one_a_day;
CREATE UNIQUE INDEX appointments_one_a_day
    ON appointments (patient_key, hospital_id, doctor_id, local_day)
    WHERE state IN ('requested', 'held', 'paid', 'booked', 'cancelling');
