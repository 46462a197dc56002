//! FHIR R4 resources as JSON, only the elements the portal reads or writes. The simulator
//! speaks the same shapes.

use serde::{Deserialize, Serialize};

/// The extension on a `PractitionerRole` stating its registration fee (a `Money`).
pub const FEE_EXTENSION: &str = "https://city-portal.org/fhir/StructureDefinition/registration-fee";
/// FHIR's own extension for a string element in another language (core extensions,
/// `translation`): sub-extensions `lang` (a code such as `en`) and `content`.
pub const TRANSLATION_EXTENSION: &str = "http://hl7.org/fhir/StructureDefinition/translation";
/// The extension on a pending `Appointment` stating until when the slot is held (an
/// `instant`).
pub const HOLD_EXTENSION: &str = "https://city-portal.org/fhir/StructureDefinition/hold-expires";
/// The identifier system of the portal's bookings.
pub const BOOKING_SYSTEM: &str = "urn:city-portal:booking";
/// FHIR's code system of why an appointment was cancelled; its patient's codes begin `pat`.
pub const CANCELLATION_REASONS: &str =
    "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason";
/// "Patient: Canceled via Patient Portal", the portal's own cancellations.
pub const CANCELLED_THROUGH_PORTAL: &str = "pat-cpp";
/// "Provider", the hospital's side.
pub const CANCELLED_BY_PROVIDER: &str = "prov";
/// The identifier system of the portal's pseudonymous ids of patients.
pub const PATIENT_SYSTEM: &str = "urn:city-portal:patient";
/// HL7 v2 table 0203, whose `NI` types a national identity number (the ID card's).
pub const IDENTIFIER_TYPES: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Reference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(default, rename = "_display", skip_serializing_if = "Option::is_none")]
    pub display_element: Option<PrimitiveElement>,
}

impl Reference {
    pub fn to(kind: &str, id: &str) -> Reference {
        Reference {
            reference: Some(format!("{kind}/{id}")),
            display: None,
            display_element: None,
        }
    }

    /// The id of a reference to a `kind`: `Schedule/s1` gives `s1`.
    pub fn id_of(&self, kind: &str) -> Option<&str> {
        let reference = self.reference.as_deref()?;
        // An absolute reference ends with the same `Kind/id`.
        let tail = reference
            .rsplit_once(&format!("{kind}/"))
            .map(|(_, id)| id)?;
        (!tail.is_empty() && !tail.contains('/')).then_some(tail)
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Coding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Identifier {
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub kind: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// FHIR's `Money`: a decimal value and a currency code.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct FhirMoney {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_money: Option<FhirMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_instant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    /// A complex extension's parts (a translation's `lang` and `content`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
}

/// What JSON puts beside a primitive value under its name with `_` (`_name` beside
/// `name`): the value's extensions, such as its translations.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PrimitiveElement {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
}

impl PrimitiveElement {
    /// The value's translation into `lang` (`en` matches `en` and `en-GB`), if it has one.
    pub fn translation(&self, lang: &str) -> Option<&str> {
        self.extension
            .iter()
            .filter(|e| e.url == TRANSLATION_EXTENSION)
            .find(|e| {
                e.extension.iter().any(|part| {
                    part.url == "lang"
                        && part.value_code.as_deref().is_some_and(|code| {
                            code == lang || code.starts_with(&format!("{lang}-"))
                        })
                })
            })
            .and_then(|e| e.extension.iter().find(|part| part.url == "content"))
            .and_then(|content| content.value_string.as_deref())
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Meta {
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "versionId")]
    pub version_id: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        rename = "lastUpdated"
    )]
    pub last_updated: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct HumanName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, rename = "_text", skip_serializing_if = "Option::is_none")]
    pub text_element: Option<PrimitiveElement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ContactPoint {
    pub system: String,
    pub value: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Address {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub line: Vec<String>,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Organization {
    pub id: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "_name")]
    pub name_element: Option<PrimitiveElement>,
    #[serde(default)]
    pub address: Vec<Address>,
    #[serde(default)]
    pub telecom: Vec<ContactPoint>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct HealthcareService {
    pub id: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "_name")]
    pub name_element: Option<PrimitiveElement>,
    #[serde(default, rename = "type")]
    pub kind: Vec<CodeableConcept>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PractitionerRole {
    pub id: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub practitioner: Option<Reference>,
    #[serde(default)]
    pub code: Vec<CodeableConcept>,
    #[serde(default)]
    pub healthcare_service: Vec<Reference>,
    #[serde(default)]
    pub location: Vec<Reference>,
    #[serde(default)]
    pub extension: Vec<Extension>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Practitioner {
    pub id: Option<String>,
    #[serde(default)]
    pub name: Vec<HumanName>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Schedule {
    pub id: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub actor: Vec<Reference>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Slot {
    pub id: Option<String>,
    pub schedule: Reference,
    pub status: String,
    pub start: String,
    pub end: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub identifier: Vec<Identifier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Participant {
    pub actor: Reference,
    pub status: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(default)]
    pub identifier: Vec<Identifier>,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelation_reason: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slot: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default)]
    pub participant: Vec<Participant>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BundleLink {
    pub relation: String,
    pub url: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BundleSearch {
    #[serde(default)]
    pub mode: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BundleEntry {
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "fullUrl")]
    pub full_url: Option<String>,
    pub resource: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<BundleSearch>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Bundle {
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(default)]
    pub link: Vec<BundleLink>,
    #[serde(default)]
    pub entry: Vec<BundleEntry>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Issue {
    pub severity: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct OperationOutcome {
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    #[serde(default)]
    pub issue: Vec<Issue>,
}

impl OperationOutcome {
    pub fn error(code: &str, diagnostics: &str) -> OperationOutcome {
        OperationOutcome {
            resource_type: "OperationOutcome".into(),
            issue: vec![Issue {
                severity: "error".into(),
                code: code.into(),
                diagnostics: Some(diagnostics.into()),
            }],
        }
    }

    /// The first issue's words, for logs and admins.
    pub fn words(&self) -> String {
        self.issue
            .first()
            .map(|i| i.diagnostics.clone().unwrap_or_else(|| i.code.clone()))
            .unwrap_or_default()
    }
}
