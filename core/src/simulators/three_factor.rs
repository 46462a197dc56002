//! A simulator of a carrier's three-factor check ([`crate::people::three_factor`]): a
//! register of people (name, identity document, mobile number), answering whether three
//! given values belong together, with the protocol's authentication, errors and answer
//! shapes. The demo's register holds the people of [`demo_people`]; tests enrol their own.

use std::sync::{Arc, Mutex};

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};

use super::faults::{apply_faults, FaultKnobs};
use crate::people::{
    three_factor::{CheckAnswer, CheckRequest, ErrorAnswer, CHECK_PATH, UNSUPPORTED_ID_TYPE},
    with_check_digit, IdType,
};

/// One person as the carrier registered them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    pub name: String,
    pub id_type: IdType,
    pub id_number: String,
    pub mobile: String,
}

/// The carrier's real-name register, and the document kinds it can check.
pub struct Register {
    people: Mutex<Vec<Registered>>,
    supported: Vec<IdType>,
}

/// The register never grows past this (a test enrolling in a loop stops here).
const MAX_REGISTERED: usize = 100_000;

impl Register {
    pub fn new(supported: &[IdType]) -> Arc<Register> {
        Arc::new(Register {
            people: Mutex::new(Vec::new()),
            supported: supported.to_vec(),
        })
    }

    /// Registers a person (a mobile number belongs to one person: a later enrolment of the
    /// same number replaces the earlier, as a number changing hands does).
    pub fn enrol(&self, person: Registered) {
        let mut people = self.people.lock().unwrap_or_else(|p| p.into_inner());
        people.retain(|p| p.mobile != person.mobile);
        if people.len() < MAX_REGISTERED {
            people.push(person);
        }
    }

    fn verdict(&self, request: &CheckRequest, id_type: IdType) -> &'static str {
        let people = self.people.lock().unwrap_or_else(|p| p.into_inner());
        match people.iter().find(|p| p.mobile == request.mobile) {
            None => "no_record",
            Some(p)
                if p.name == request.name
                    && p.id_type == id_type
                    && p.id_number.eq_ignore_ascii_case(&request.id_number) =>
            {
                "match"
            }
            Some(_) => "mismatch",
        }
    }
}

/// The people the demo's carrier knows, to add as family members and prove. Each is of a
/// different kind of document or age; the numbers are valid but belong to no one.
pub fn demo_people() -> Vec<Registered> {
    let person = |name: &str, id_type, first17: &str, mobile: &str| Registered {
        name: name.to_owned(),
        id_type,
        id_number: with_check_digit(first17).unwrap_or_default(),
        mobile: mobile.to_owned(),
    };
    vec![
        // A boy born 2015-06-01.
        person(
            "王小明",
            IdType::ResidentCard,
            "44030420150601001",
            "13800138000",
        ),
        // A woman born 1988-04-12.
        person(
            "李娜",
            IdType::ResidentCard,
            "44030519880412002",
            "13912345678",
        ),
        // A man born 1955-09-30.
        person(
            "陈伟",
            IdType::ResidentCard,
            "44030619550930001",
            "13698765432",
        ),
        // A Hong Kong resident, a man born 1992-11-05.
        person(
            "张家明",
            IdType::HmtResidencePermit,
            "81000019921105003",
            "15012345678",
        ),
        // A German national with permanent residence, born 1985-02-14.
        person(
            "Emma Schmidt",
            IdType::ForeignPermanentResidence,
            "94427619850214001",
            "13798765432",
        ),
    ]
}

/// The demo's register: every kind of document, the demo's people.
pub fn demo_register() -> Arc<Register> {
    let register = Register::new(&IdType::ALL);
    for person in demo_people() {
        register.enrol(person);
    }
    register
}

struct SimState {
    api_key: String,
    register: Arc<Register>,
}

pub fn router(api_key: &str, register: Arc<Register>, knobs: Arc<FaultKnobs>) -> Router {
    let state = Arc::new(SimState {
        api_key: api_key.to_owned(),
        register,
    });
    Router::new()
        .route(&format!("/{CHECK_PATH}"), post(check))
        .with_state(state)
        .layer(middleware::from_fn_with_state(knobs, apply_faults))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorAnswer {
        code: code.to_owned(),
        message: message.to_owned(),
    };
    (status, Json(body)).into_response()
}

async fn check(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if token != Some(state.api_key.as_str()) {
        return error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "a bearer token is required",
        );
    }
    let Ok(request) = serde_json::from_slice::<CheckRequest>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "name, id_type, id_number and mobile are required strings",
        );
    };
    let bounded = [&request.name, &request.id_number, &request.mobile]
        .iter()
        .all(|v| !v.is_empty() && v.chars().count() <= 64);
    if !bounded {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "each value is 1 to 64 characters",
        );
    }
    let id_type = match IdType::from_id(&request.id_type) {
        Some(kind) if state.register.supported.contains(&kind) => kind,
        _ => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                UNSUPPORTED_ID_TYPE,
                "this kind of identity document cannot be checked",
            )
        }
    };
    Json(CheckAnswer {
        result: state.register.verdict(&request, id_type).to_owned(),
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_matches_all_three_or_tells_mismatch_from_no_record() {
        let register = demo_register();
        let boy = &demo_people()[0];
        let ask = |name: &str, number: &str, mobile: &str| CheckRequest {
            name: name.to_owned(),
            id_type: "resident_card".to_owned(),
            id_number: number.to_owned(),
            mobile: mobile.to_owned(),
        };
        let kind = IdType::ResidentCard;
        assert_eq!(
            register.verdict(&ask(&boy.name, &boy.id_number, &boy.mobile), kind),
            "match"
        );
        assert_eq!(
            register.verdict(&ask("王大明", &boy.id_number, &boy.mobile), kind),
            "mismatch"
        );
        assert_eq!(
            register.verdict(&ask(&boy.name, &boy.id_number, "13000000000"), kind),
            "no_record"
        );
        // The number changes hands: the new holder matches, the old one no longer does.
        register.enrol(Registered {
            name: "赵六".into(),
            ..boy.clone()
        });
        assert_eq!(
            register.verdict(&ask(&boy.name, &boy.id_number, &boy.mobile), kind),
            "mismatch"
        );
    }

    /// The adapter against the simulator over HTTP, as the protocol's description in
    /// `people::three_factor` states it: a key, the three results, an unsupported kind.
    #[tokio::test]
    async fn the_adapter_reads_every_answer_the_protocol_describes() {
        use crate::people::three_factor::{
            CheckError, Claim, IdentityCheck, ThreeFactorClient, Verdict,
        };
        let register = Register::new(&[IdType::ResidentCard]);
        let boy = demo_people()[0].clone();
        register.enrol(boy.clone());
        let running = super::super::start_three_factor("the-key", register)
            .await
            .expect("simulator");
        let timeout = std::time::Duration::from_secs(5);
        let client = ThreeFactorClient::new(&running.base_url, "the-key", timeout).expect("url");
        let claim = |name: &'static str, id_type| Claim {
            name,
            id_type,
            id_number: &boy.id_number,
            mobile: &boy.mobile,
        };
        assert_eq!(
            client
                .check(&claim("王小明", IdType::ResidentCard))
                .await
                .expect("answer"),
            Verdict::Match
        );
        assert_eq!(
            client
                .check(&claim("王大明", IdType::ResidentCard))
                .await
                .expect("answer"),
            Verdict::Mismatch
        );
        assert!(matches!(
            client
                .check(&claim("王小明", IdType::HmtResidencePermit))
                .await,
            Err(CheckError::UnsupportedIdType)
        ));
        let wrong_key = ThreeFactorClient::new(&running.base_url, "another", timeout).expect("url");
        assert!(matches!(
            wrong_key
                .check(&claim("王小明", IdType::ResidentCard))
                .await,
            Err(CheckError::Refused { status: 401, .. })
        ));
    }
}
