//! An Open311 GeoReport v2 desk (JSON): the service list and definitions, new requests
//! (answered with an id, or with a token when asked to), tokens, and request status. Each
//! request closes on its own after a while, as a desk that fixes things would. Besides the
//! shared fault knobs, a desk can answer with a token only, refuse with a 400 error body, or
//! accept a request and then answer slowly (a client times out after the desk has it).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde_json::{json, Value};

use portal_core::simulators::faults::{apply_faults, FaultKnobs};

/// How the desk answers new requests, beyond the shared faults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeskBehaviour {
    /// Answer `[{"token": …}]`; the token resolves to an id on the next lookup.
    pub token_only: bool,
    /// Refuse every new request with a 400 and an Open311 error body.
    pub reject: bool,
    /// Store the request, then wait this long before answering.
    pub answer_delay_ms: u64,
}

#[derive(Clone, Debug)]
pub struct DeskRequest {
    pub id: String,
    pub token: Option<String>,
    pub service_code: String,
    pub lat: f64,
    pub lon: f64,
    pub description: String,
    pub attributes: Vec<(String, String)>,
    pub account_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub media_url: Option<String>,
    pub received: jiff::Timestamp,
}

/// The desk's state, shared with tests.
#[derive(Debug)]
pub struct SimulatedDesk {
    pub jurisdiction: Option<String>,
    pub api_key: Option<String>,
    /// How long a request stays open before the desk closes it.
    pub close_after: Duration,
    /// The category codes it offers; `None`: all of the demo's.
    offered: Option<Vec<String>>,
    behaviour: Mutex<DeskBehaviour>,
    requests: Mutex<Vec<DeskRequest>>,
}

impl SimulatedDesk {
    pub fn new(
        jurisdiction: Option<&str>,
        api_key: Option<&str>,
        close_after: Duration,
    ) -> Arc<SimulatedDesk> {
        SimulatedDesk::offering(jurisdiction, api_key, close_after, None)
    }

    /// A desk that offers only `offered` of the demo's categories.
    pub fn offering(
        jurisdiction: Option<&str>,
        api_key: Option<&str>,
        close_after: Duration,
        offered: Option<Vec<String>>,
    ) -> Arc<SimulatedDesk> {
        Arc::new(SimulatedDesk {
            jurisdiction: jurisdiction.map(str::to_owned),
            api_key: api_key.map(str::to_owned),
            close_after,
            offered,
            behaviour: Mutex::new(DeskBehaviour::default()),
            requests: Mutex::new(Vec::new()),
        })
    }

    pub fn set_behaviour(&self, behaviour: DeskBehaviour) {
        *self.behaviour.lock().unwrap_or_else(|e| e.into_inner()) = behaviour;
    }

    fn offers(&self, code: &str) -> bool {
        attributes_of(code, false).is_some()
            && self
                .offered
                .as_ref()
                .is_none_or(|codes| codes.iter().any(|c| c == code))
    }

    fn behaviour(&self) -> DeskBehaviour {
        *self.behaviour.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every request the desk has accepted, oldest first.
    pub fn requests(&self) -> Vec<DeskRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// One desk at the root.
pub fn router(desk: Arc<SimulatedDesk>, knobs: Arc<FaultKnobs>) -> Router {
    desk_routes(desk).layer(middleware::from_fn_with_state(knobs, apply_faults))
}

/// Several desks, each under `/{name}/`, behind one set of fault knobs.
pub fn directory_router(
    desks: &HashMap<String, Arc<SimulatedDesk>>,
    knobs: Arc<FaultKnobs>,
) -> Router {
    desks
        .iter()
        .fold(Router::new(), |router, (name, desk)| {
            router.nest(&format!("/{name}"), desk_routes(Arc::clone(desk)))
        })
        .layer(middleware::from_fn_with_state(knobs, apply_faults))
}

fn desk_routes(desk: Arc<SimulatedDesk>) -> Router {
    Router::new()
        .route("/services.json", get(services))
        .route("/services/{code}", get(definition))
        .route("/requests.json", get(list_requests).post(create_request))
        .route("/requests/{file}", get(one_request))
        .route("/tokens/{token}", get(token))
        .with_state(desk)
}

/// Open311's error answer: a list of `{code, description}`.
fn refuse(status: StatusCode, description: &str) -> Response {
    (
        status,
        Json(json!([{ "code": status.as_u16(), "description": description }])),
    )
        .into_response()
}

/// A desk with a jurisdiction answers only requests that name it.
fn jurisdiction_ok(desk: &SimulatedDesk, given: Option<&String>) -> bool {
    desk.jurisdiction.is_none() || desk.jurisdiction.as_ref() == given
}

fn unknown_jurisdiction() -> Response {
    refuse(
        StatusCode::NOT_FOUND,
        "jurisdiction_id not provided or not found",
    )
}

/// Does the client ask for Chinese? The demo desks are Chinese city desks: they answer in
/// Chinese unless asked for English.
fn in_chinese(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| !v.trim_start().to_ascii_lowercase().starts_with("en"))
}

/// The demo categories: what city desks commonly take, in Chinese or English.
fn catalogue(zh: bool) -> Vec<Value> {
    let pick = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    vec![
        json!({ "service_code": "streetlight", "service_name": pick("路灯故障", "Broken street light"), "description": pick("路灯不亮、闪烁或白天亮着。", "A street light that is off, flickering or on by day."), "metadata": true, "type": "realtime", "keywords": "light, lamp", "group": pick("道路与照明", "Roads and lights") }),
        json!({ "service_code": "parking", "service_name": pick("违章停车", "Illegal parking"), "description": pick("车辆停在禁止停放的地方。", "A vehicle parked where it must not be."), "metadata": true, "type": "realtime", "keywords": "car, parking", "group": pick("交通", "Traffic") }),
        json!({ "service_code": "drain", "service_name": pick("排水堵塞", "Blocked drain"), "description": pick("积水或下水道堵塞。", "Standing water or a blocked drain."), "metadata": true, "type": "realtime", "keywords": "water, drain, flood", "group": pick("水务", "Water") }),
        json!({ "service_code": "police", "service_name": pick("需要警察处理的事项", "A matter for the police"), "description": pick("非紧急情况；紧急情况请拨打 110。", "Not an emergency: for emergencies call 110."), "metadata": false, "type": "batch", "keywords": "police", "group": pick("治安", "Safety") }),
    ]
}

fn attributes_of(code: &str, zh: bool) -> Option<Value> {
    let pick = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let attributes = match code {
        "streetlight" => json!([
            { "variable": true, "code": "light_state", "datatype": "singlevaluelist", "required": true, "datatype_description": pick("选择一项", "Choose one"), "order": 1, "description": pick("路灯出了什么问题？", "What is wrong with the light?"), "values": [ { "key": "off", "name": pick("不亮", "It is off") }, { "key": "flickering", "name": pick("闪烁", "It flickers") }, { "key": "day", "name": pick("白天亮着", "It is on by day") } ] },
            { "variable": true, "code": "pole_number", "datatype": "string", "required": false, "datatype_description": pick("灯杆上喷涂的编号（如能看到）", "The number painted on the pole, if you can see one"), "order": 2, "description": pick("灯杆编号", "Pole number") }
        ]),
        "parking" => json!([
            { "variable": true, "code": "plate", "datatype": "string", "required": true, "datatype_description": pick("与车牌上的一致，如 粤B12345", "As on the plate, e.g. 粤B12345"), "order": 1, "description": pick("车牌号", "Number plate") },
            { "variable": true, "code": "since", "datatype": "datetime", "required": false, "datatype_description": pick("日期和时间", "A date and time"), "order": 2, "description": pick("从什么时候停在这里", "Parked there since") }
        ]),
        "drain" => json!([
            { "variable": false, "code": "note", "datatype": "text", "required": false, "datatype_description": pick("提示，无需填写", "A notice: nothing to answer"), "order": 0, "description": pick("如果水已进入住宅，请立即拨打 12345。", "If water is entering homes, call 12345 now.") },
            { "variable": true, "code": "depth_cm", "datatype": "number", "required": false, "datatype_description": pick("大约多少厘米", "Roughly, in centimetres"), "order": 1, "description": pick("积水有多深？", "How deep is the water?") },
            { "variable": true, "code": "smell", "datatype": "multivaluelist", "required": false, "datatype_description": pick("可多选", "Choose any that apply"), "order": 2, "description": pick("有异味吗？", "Any smell?"), "values": [ { "key": "sewage", "name": pick("污水味", "Sewage") }, { "key": "chemical", "name": pick("化学品味", "Chemical") } ] }
        ]),
        "police" => json!([]),
        _ => return None,
    };
    Some(json!({ "service_code": code, "attributes": attributes }))
}

async fn services(
    State(desk): State<Arc<SimulatedDesk>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if !jurisdiction_ok(&desk, query.get("jurisdiction_id")) {
        return unknown_jurisdiction();
    }
    let offered: Vec<Value> = catalogue(in_chinese(&headers))
        .into_iter()
        .filter(|service| {
            service["service_code"]
                .as_str()
                .is_some_and(|code| desk.offers(code))
        })
        .collect();
    Json(offered).into_response()
}

async fn definition(
    State(desk): State<Arc<SimulatedDesk>>,
    Path(file): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if !jurisdiction_ok(&desk, query.get("jurisdiction_id")) {
        return unknown_jurisdiction();
    }
    let code = file.strip_suffix(".json").unwrap_or(&file);
    match attributes_of(code, in_chinese(&headers)).filter(|_| desk.offers(code)) {
        Some(definition) => Json(definition).into_response(),
        None => refuse(StatusCode::NOT_FOUND, "service_code not found"),
    }
}

/// `POST /requests.json`, form-encoded. Repeated `attribute[code][]` keys carry the answers
/// of a multi-value list, so the body is read as pairs.
async fn create_request(
    State(desk): State<Arc<SimulatedDesk>>,
    body: axum::body::Bytes,
) -> Response {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if !jurisdiction_ok(&desk, field("jurisdiction_id").as_ref()) {
        return unknown_jurisdiction();
    }
    if desk.api_key.is_some() && field("api_key") != desk.api_key {
        return refuse(StatusCode::FORBIDDEN, "api_key missing or not valid");
    }
    let behaviour = desk.behaviour();
    if behaviour.reject {
        return refuse(
            StatusCode::BAD_REQUEST,
            "The desk cannot take this request here.",
        );
    }
    let Some(code) = field("service_code").filter(|c| desk.offers(c)) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "service_code not provided or not found",
        );
    };
    let coordinate = |name: &str| field(name).and_then(|v| v.parse::<f64>().ok());
    let (Some(lat), Some(lon)) = (coordinate("lat"), coordinate("long")) else {
        return refuse(StatusCode::BAD_REQUEST, "lat and long are required");
    };
    let description = field("description").unwrap_or_default();
    if description.chars().count() > 4000 {
        return refuse(
            StatusCode::BAD_REQUEST,
            "description is longer than 4000 characters",
        );
    }
    let attributes: Vec<(String, String)> = pairs
        .iter()
        .filter_map(|(k, v)| {
            let code = k.strip_prefix("attribute[")?;
            let code = code
                .strip_suffix("][]")
                .or_else(|| code.strip_suffix(']'))?;
            Some((code.to_owned(), v.clone()))
        })
        .collect();
    if let Some(definition) = attributes_of(&code, false) {
        let missing = definition["attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["required"] == json!(true))
            .filter_map(|a| a["code"].as_str())
            .find(|required| {
                !attributes
                    .iter()
                    .any(|(c, v)| c == required && !v.is_empty())
            });
        if let Some(missing) = missing {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format!("attribute {missing} is required"),
            );
        }
    }
    let token = behaviour
        .token_only
        .then(|| format!("tk-{}", uuid::Uuid::new_v4().simple()));
    let id = {
        let mut requests = desk.requests.lock().unwrap_or_else(|e| e.into_inner());
        let id = format!("{}", 100_001 + requests.len());
        requests.push(DeskRequest {
            id: id.clone(),
            token: token.clone(),
            service_code: code,
            lat,
            lon,
            description,
            attributes,
            account_id: field("account_id"),
            email: field("email"),
            phone: field("phone"),
            media_url: field("media_url"),
            received: jiff::Timestamp::now(),
        });
        id
    };
    if behaviour.answer_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(behaviour.answer_delay_ms)).await;
    }
    let notice = "感谢您的反映，我们将在两个工作日内处理。Thank you: the city's crews will look at it within two working days.";
    let answer = match token {
        Some(token) => json!([{ "token": token, "service_notice": notice }]),
        None => json!([{ "service_request_id": id, "service_notice": notice, "account_id": null }]),
    };
    (StatusCode::CREATED, Json(answer)).into_response()
}

async fn token(State(desk): State<Arc<SimulatedDesk>>, Path(file): Path<String>) -> Response {
    let token = file.strip_suffix(".json").unwrap_or(&file);
    let found = desk
        .requests()
        .into_iter()
        .find(|r| r.token.as_deref() == Some(token));
    match found {
        Some(request) => {
            Json(json!([{ "service_request_id": request.id, "token": token }])).into_response()
        }
        None => refuse(StatusCode::NOT_FOUND, "token not found"),
    }
}

async fn list_requests(
    State(desk): State<Arc<SimulatedDesk>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let zh = in_chinese(&headers);
    if !jurisdiction_ok(&desk, query.get("jurisdiction_id")) {
        return unknown_jurisdiction();
    }
    let wanted: Option<Vec<&str>> = query
        .get("service_request_id")
        .map(|ids| ids.split(',').map(str::trim).collect());
    // Open311's filters: by service, and from a start date (RFC 3339).
    let service_code = query.get("service_code");
    let start: Option<jiff::Timestamp> = query.get("start_date").and_then(|d| d.parse().ok());
    let listed: Vec<Value> = desk
        .requests()
        .into_iter()
        .filter(|r| {
            wanted
                .as_ref()
                .is_none_or(|ids| ids.contains(&r.id.as_str()))
        })
        .filter(|r| service_code.is_none_or(|code| &r.service_code == code))
        .filter(|r| start.is_none_or(|start| r.received >= start))
        .map(|r| request_json(&desk, &r, zh))
        .collect();
    Json(listed).into_response()
}

/// GeoReport v2, "GET Service Request": `GET requests/{service_request_id}.json`, a list of
/// the one request. Only JSON is served (the spec lets a server choose its formats).
async fn one_request(
    State(desk): State<Arc<SimulatedDesk>>,
    Path(file): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if !jurisdiction_ok(&desk, query.get("jurisdiction_id")) {
        return unknown_jurisdiction();
    }
    let Some(id) = file.strip_suffix(".json") else {
        return refuse(StatusCode::BAD_REQUEST, "format not supported: use .json");
    };
    match desk.requests().into_iter().find(|r| r.id == id) {
        Some(request) => {
            Json(json!([request_json(&desk, &request, in_chinese(&headers))])).into_response()
        }
        None => refuse(StatusCode::NOT_FOUND, "service_request_id not found"),
    }
}

/// A request as GeoReport v2 lists it: open until the desk's crews close it.
fn request_json(desk: &SimulatedDesk, r: &DeskRequest, zh: bool) -> Value {
    let close_after =
        jiff::SignedDuration::try_from(desk.close_after).unwrap_or(jiff::SignedDuration::ZERO);
    let closes_at = r.received.checked_add(close_after).unwrap_or(r.received);
    let closed = jiff::Timestamp::now() >= closes_at;
    json!({
        "service_request_id": r.id,
        "status": if closed { "closed" } else { "open" },
        "status_notes": match (closed, zh) {
            (true, true) => "已由城管人员处理完毕。",
            (true, false) => "Fixed by the city's crew.",
            (false, true) => "已受理，已指派人员处理。",
            (false, false) => "Received; a crew is assigned.",
        },
        "service_code": r.service_code,
        "description": r.description,
        "agency_responsible": if zh { "城市管理局" } else { "City Management Bureau" },
        "requested_datetime": r.received.to_string(),
        "updated_datetime": if closed { closes_at.to_string() } else { r.received.to_string() },
        "lat": r.lat,
        "long": r.lon,
    })
}
