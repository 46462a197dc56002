//! Open311 GeoReport v2, JSON flavour: `GET services.json`, `GET services/{code}.json`,
//! `POST requests.json` (form-encoded, `attribute[code]` answers, `api_key`), `GET
//! tokens/{token}.json`, `GET requests.json?service_request_id=…`. Every call carries the
//! `jurisdiction_id` when one is configured, and goes through the provider guard.

use std::sync::Arc;

use url::Url;

use super::port::{
    Accepted, Attribute, AttributeKind, AttributeValue, Category, DeskStatus, IncidentDesk,
    NewReport, RequestState,
};
use portal_core::{
    config::{read_options, AdapterSpec},
    providers::{
        decode,
        endpoint::{Answer, Endpoint, KeyIn},
        ProviderError, ProviderGuard,
    },
};

/// `adapter = "open311-v2"` in a city's config.
pub const ADAPTER: AdapterSpec = AdapterSpec {
    id: "open311-v2",
    check_options,
};

/// A desk's `[services.options]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Open311Options {
    /// The desk's `jurisdiction_id`, when it serves several jurisdictions.
    pub jurisdiction: Option<String>,
    /// The category (service) codes routed to this desk; `None` routes every category the
    /// desk lists.
    pub categories: Option<Vec<String>>,
}

impl Open311Options {
    pub fn read(options: &toml::Table) -> Result<Open311Options, String> {
        let options: Open311Options = read_options(options)?;
        if let Some(categories) = &options.categories {
            if categories.is_empty() || categories.iter().any(|c| c.trim().is_empty()) {
                return Err(
                    "categories: list at least one category code, or leave the field out for all"
                        .into(),
                );
            }
        }
        Ok(options)
    }
}

fn check_options(options: &toml::Table) -> Result<(), String> {
    Open311Options::read(options).map(drop)
}

pub struct Open311 {
    endpoint: Endpoint,
    jurisdiction: Option<String>,
}

impl Open311 {
    pub fn new(
        http: reqwest::Client,
        base_url: Url,
        jurisdiction: Option<String>,
        api_key: Option<String>,
        guard: Arc<ProviderGuard>,
    ) -> Self {
        Open311 {
            // Open311 takes its key as a field of the request it creates.
            endpoint: Endpoint::new(http, base_url, api_key, KeyIn::Adapter, guard),
            jurisdiction,
        }
    }

    fn jurisdiction_query(&self) -> Vec<(&'static str, String)> {
        self.jurisdiction
            .iter()
            .map(|j| ("jurisdiction_id", j.clone()))
            .collect()
    }

    /// A GET; `language` asks for names and questions in the resident's language (HTTP
    /// `Accept-Language`: Open311 has no parameter of its own for it).
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        language: Option<&str>,
    ) -> Result<T, ProviderError> {
        let mut request = self
            .endpoint
            .request(
                reqwest::Method::GET,
                self.endpoint.url(path)?,
                "application/json",
            )
            .query(&self.jurisdiction_query())
            .query(query);
        if let Some(language) = language {
            request = request.header(reqwest::header::ACCEPT_LANGUAGE, language);
        }
        read(self.endpoint.send(request).await?)
    }
}

/// The body of a 2xx answer as `T`; a 4xx answer's Open311 error list as `Refused`.
fn read<T: serde::de::DeserializeOwned>(answer: Answer) -> Result<T, ProviderError> {
    let Answer { status, body, .. } = answer;
    if status.is_client_error() {
        let message = serde_json::from_slice::<Vec<wire::Error>>(&body)
            .ok()
            .and_then(|errors| errors.into_iter().next())
            .map(|e| transformers::cut(&e.description, transformers::MAX_TEXT))
            .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
        return Err(ProviderError::Refused {
            status: status.as_u16(),
            message,
        });
    }
    if !status.is_success() {
        return Err(ProviderError::Status(status.as_u16()));
    }
    decode(&body)
}

#[async_trait::async_trait]
impl IncidentDesk for Open311 {
    async fn categories(&self, language: &str) -> Result<Vec<Category>, ProviderError> {
        let services: Vec<wire::Service> = self
            .endpoint
            .guarded("services", self.get("services.json", &[], Some(language)))
            .await?;
        // A code is sent back and put in links: one longer than the form takes (64) is no
        // category a resident can choose.
        Ok(services
            .into_iter()
            .filter(|s| !s.service_code.is_empty() && s.service_code.len() <= 64)
            .take(transformers::MAX_LISTED)
            .map(transformers::category)
            .collect())
    }

    async fn attributes(
        &self,
        category: &str,
        language: &str,
    ) -> Result<Vec<Attribute>, ProviderError> {
        let path = format!("services/{}.json", encode_segment(category));
        let definition: wire::Definition = self
            .endpoint
            .guarded("service_definition", self.get(&path, &[], Some(language)))
            .await?;
        Ok(transformers::attributes(definition))
    }

    async fn submit(&self, report: &NewReport) -> Result<Accepted, ProviderError> {
        let form = transformers::request_form(
            report,
            self.jurisdiction.as_deref(),
            self.endpoint.api_key(),
        );
        let post = async {
            let request = self
                .endpoint
                .request(
                    reqwest::Method::POST,
                    self.endpoint.url("requests.json")?,
                    "application/json",
                )
                .form(&form);
            read::<Vec<wire::Created>>(self.endpoint.send(request).await?)
        };
        let created = self.endpoint.guarded("create_request", post).await?;
        transformers::accepted(created)
    }

    async fn resolve_token(&self, token: &str) -> Result<Option<String>, ProviderError> {
        let path = format!("tokens/{}.json", encode_segment(token));
        let found: Vec<wire::TokenAnswer> = self
            .endpoint
            .guarded("token", self.get(&path, &[], None))
            .await?;
        Ok(found
            .into_iter()
            .find_map(|t| t.service_request_id.filter(|id| !id.is_empty())))
    }

    async fn states(
        &self,
        ids: &[String],
        language: &str,
    ) -> Result<Vec<RequestState>, ProviderError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let query = [("service_request_id", ids.join(","))];
        let requests: Vec<wire::Request> = self
            .endpoint
            .guarded(
                "requests",
                self.get("requests.json", &query, Some(language)),
            )
            .await?;
        Ok(requests
            .into_iter()
            .filter_map(transformers::state)
            .collect())
    }

    async fn recent(
        &self,
        category: &str,
        since: jiff::Timestamp,
    ) -> Result<Vec<(String, String)>, ProviderError> {
        let query = [
            ("service_code", category.to_owned()),
            ("start_date", since.to_string()),
        ];
        let requests: Vec<wire::Request> = self
            .endpoint
            .guarded("recent_requests", self.get("requests.json", &query, None))
            .await?;
        Ok(requests
            .into_iter()
            .filter_map(|r| {
                let id = transformers::id_of(&r.service_request_id)?;
                Some((id, r.description.unwrap_or_default()))
            })
            .collect())
    }
}

/// A path segment from a value of the desk's (codes, tokens): percent-encoded.
fn encode_segment(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Open311's JSON, only the fields read.
pub mod wire {
    use serde::Deserialize;

    #[derive(Deserialize)]
    pub struct Service {
        pub service_code: String,
        #[serde(default)]
        pub service_name: String,
        #[serde(default)]
        pub description: Option<String>,
        #[serde(default)]
        pub metadata: serde_json::Value,
        #[serde(default)]
        pub group: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct Definition {
        #[serde(default)]
        pub attributes: Vec<AttributeDef>,
    }

    #[derive(Deserialize)]
    pub struct AttributeDef {
        #[serde(default = "yes")]
        pub variable: serde_json::Value,
        pub code: String,
        pub datatype: String,
        #[serde(default)]
        pub required: serde_json::Value,
        #[serde(default)]
        pub datatype_description: Option<String>,
        #[serde(default)]
        pub order: Option<i64>,
        #[serde(default)]
        pub description: String,
        #[serde(default)]
        pub values: Vec<Choice>,
    }

    fn yes() -> serde_json::Value {
        serde_json::Value::Bool(true)
    }

    #[derive(Deserialize)]
    pub struct Choice {
        pub key: serde_json::Value,
        pub name: String,
    }

    #[derive(Deserialize)]
    pub struct Created {
        #[serde(default)]
        pub service_request_id: Option<serde_json::Value>,
        #[serde(default)]
        pub token: Option<serde_json::Value>,
        #[serde(default)]
        pub service_notice: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct TokenAnswer {
        #[serde(default)]
        pub service_request_id: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct Request {
        pub service_request_id: serde_json::Value,
        pub status: String,
        #[serde(default)]
        pub status_notes: Option<String>,
        #[serde(default)]
        pub agency_responsible: Option<String>,
        #[serde(default)]
        pub updated_datetime: Option<String>,
        #[serde(default)]
        pub description: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct Error {
        #[serde(default)]
        pub description: String,
    }
}

/// Open311's shapes into ours. Desks differ in small ways (booleans as strings, ids as
/// numbers), which are absorbed here.
pub mod transformers {
    use super::{
        wire, Accepted, Attribute, AttributeKind, AttributeValue, Category, DeskStatus, NewReport,
        ProviderError, RequestState,
    };

    /// What residents read of a desk's words is cut to these lengths, and a desk's lists to
    /// these counts: a desk's answer is outside input like any other.
    pub const MAX_NAME: usize = 200;
    pub const MAX_TEXT: usize = 1000;
    pub const MAX_LISTED: usize = 200;

    /// A desk's words as residents read them: the portal's one rule for provider text.
    pub fn cut(text: &str, max: usize) -> String {
        portal_core::plain_text::provider_text(text, max)
    }

    /// `true`, `"true"` or `1`.
    fn truthy(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::Bool(b) => *b,
            serde_json::Value::String(s) => s.eq_ignore_ascii_case("true"),
            serde_json::Value::Number(n) => n.as_i64() == Some(1),
            _ => false,
        }
    }

    pub fn id_of(value: &serde_json::Value) -> Option<String> {
        id(value)
    }

    /// An id the desk may send as a string or a number.
    fn id(value: &serde_json::Value) -> Option<String> {
        match value {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    pub fn category(service: wire::Service) -> Category {
        Category {
            name: cut(
                if service.service_name.is_empty() {
                    &service.service_code
                } else {
                    &service.service_name
                },
                MAX_NAME,
            ),
            code: service.service_code,
            description: cut(&service.description.unwrap_or_default(), MAX_TEXT),
            group: service
                .group
                .filter(|g| !g.is_empty())
                .map(|g| cut(&g, MAX_NAME)),
            has_attributes: truthy(&service.metadata),
        }
    }

    pub fn attributes(definition: wire::Definition) -> Vec<Attribute> {
        let mut attributes: Vec<Attribute> = definition
            .attributes
            .into_iter()
            .take(MAX_LISTED)
            .filter_map(|a| {
                let choices = || -> Vec<(String, String)> {
                    a.values
                        .iter()
                        .take(MAX_LISTED)
                        .filter_map(|c| id(&c.key).map(|k| (k, cut(&c.name, MAX_NAME))))
                        .collect()
                };
                let kind = if !truthy(&a.variable) {
                    AttributeKind::Information
                } else {
                    match a.datatype.as_str() {
                        "string" => AttributeKind::String,
                        "number" => AttributeKind::Number,
                        "datetime" => AttributeKind::DateTime,
                        "text" => AttributeKind::Text,
                        "singlevaluelist" => AttributeKind::SingleChoice(choices()),
                        "multivaluelist" => AttributeKind::MultiChoice(choices()),
                        // A type we do not know cannot be asked properly: leave it out
                        // rather than guess (the desk's validation will say if it mattered).
                        _ => return None,
                    }
                };
                Some(Attribute {
                    code: a.code,
                    prompt: cut(&a.description, MAX_TEXT),
                    required: truthy(&a.required),
                    order: a.order.unwrap_or(i64::MAX),
                    hint: a
                        .datatype_description
                        .filter(|d| !d.is_empty())
                        .map(|d| cut(&d, MAX_TEXT)),
                    kind,
                })
            })
            .collect();
        attributes.sort_by_key(|a| a.order);
        attributes
    }

    pub fn request_form(
        report: &NewReport,
        jurisdiction: Option<&str>,
        api_key: Option<&str>,
    ) -> Vec<(String, String)> {
        let mut form = vec![
            ("service_code".to_owned(), report.category.clone()),
            ("lat".to_owned(), format!("{:.6}", report.lat)),
            ("long".to_owned(), format!("{:.6}", report.lon)),
            ("description".to_owned(), report.description.clone()),
        ];
        let optional = [
            ("jurisdiction_id", jurisdiction.map(str::to_owned)),
            ("api_key", api_key.map(str::to_owned)),
            ("account_id", report.account_id.clone()),
            ("email", report.email.clone()),
            ("phone", report.phone.clone()),
            ("first_name", report.name.clone()),
            ("media_url", report.media_urls.first().cloned()),
        ];
        form.extend(
            optional
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v))),
        );
        for (code, value) in &report.attributes {
            match value {
                AttributeValue::One(v) => form.push((format!("attribute[{code}]"), v.clone())),
                AttributeValue::Many(values) => form.extend(
                    values
                        .iter()
                        .map(|v| (format!("attribute[{code}][]"), v.clone())),
                ),
            }
        }
        form
    }

    pub fn accepted(created: Vec<wire::Created>) -> Result<Accepted, ProviderError> {
        let first = created
            .into_iter()
            .next()
            .ok_or_else(|| ProviderError::Malformed("empty answer to a new request".into()))?;
        if let Some(id) = first.service_request_id.as_ref().and_then(id) {
            return Ok(Accepted::Request {
                id,
                notice: first.service_notice.filter(|n| !n.is_empty()),
            });
        }
        match first.token.as_ref().and_then(id) {
            Some(token) => Ok(Accepted::Token(token)),
            None => Err(ProviderError::Malformed(
                "a new request with neither service_request_id nor token".into(),
            )),
        }
    }

    pub fn state(request: wire::Request) -> Option<RequestState> {
        let status = match request.status.as_str() {
            "open" => DeskStatus::Open,
            "closed" => DeskStatus::Closed,
            _ => return None,
        };
        Some(RequestState {
            id: id(&request.service_request_id)?,
            status,
            notes: request
                .status_notes
                .filter(|n| !n.is_empty())
                .map(|n| cut(&n, MAX_TEXT)),
            agency: request
                .agency_responsible
                .filter(|a| !a.is_empty())
                .map(|a| cut(&a, MAX_NAME)),
            updated: request.updated_datetime,
        })
    }
}
