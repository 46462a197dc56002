//! What hospitals send: FHIR R4 search Bundles of slots, appointments and practitioner roles
//! (with their fee extension), single resources and OperationOutcomes, as the adapter reads
//! them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::{
    providers::decode,
    services::appointments::fhir::{self, wire},
};

fuzz_target!(|body: &[u8]| {
    if let Ok(bundle) = decode::<wire::Bundle>(body) {
        for entry in bundle.entry {
            if let Ok(slot) = serde_json::from_value::<wire::Slot>(entry.resource.clone()) {
                let _ = fhir::slot(slot);
            }
            if let Ok(appointment) =
                serde_json::from_value::<wire::Appointment>(entry.resource.clone())
            {
                let _ = fhir::held(appointment);
            }
            if let Ok(role) = serde_json::from_value::<wire::PractitionerRole>(entry.resource) {
                for extension in role.extension {
                    if let Some(money) = extension.value_money {
                        let _ = fhir::fee(&money);
                    }
                }
            }
        }
    }
    if let Ok(appointment) = decode::<wire::Appointment>(body) {
        let _ = fhir::held(appointment);
    }
    if let Ok(slot) = decode::<wire::Slot>(body) {
        let _ = fhir::slot(slot);
    }
    if let Ok(outcome) = decode::<wire::OperationOutcome>(body) {
        let _ = outcome.words();
    }
});
