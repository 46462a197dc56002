//! Open311 GeoReport v2, JSON flavour: `GET services.json`, `GET services/{code}.json`,
//! `POST requests.json` (form-encoded, `attribute[code]` answers, `api_key`), `GET
//! tokens/{token}.json`, `GET requests.json?service_request_id=…`. Every call carries the
//! `jurisdiction_id` when one is configured, and goes through the provider guard.

use std::sync::Arc;

use url::Url;

use super::{
    Accepted, Attribute, AttributeKind, AttributeValue, Category, DeskStatus, IncidentDesk,
    NewReport, RequestState,
};
use crate::providers::{ProviderError, ProviderGuard};

pub struct Open311 {
    http: reqwest::Client,
    base_url: Url,
    jurisdiction: Option<String>,
    api_key: Option<String>,
    guard: Arc<ProviderGuard>,
}

impl Open311 {
    pub fn new(
        http: reqwest::Client,
        mut base_url: Url,
        jurisdiction: Option<String>,
        api_key: Option<String>,
        guard: Arc<ProviderGuard>,
    ) -> Self {
        if !base_url.path().ends_with('/') {
            let path = format!("{}/", base_url.path());
            base_url.set_path(&path);
        }
        Open311 {
            http,
            base_url,
            jurisdiction,
            api_key,
            guard,
        }
    }

    fn url(&self, path: &str) -> Result<Url, ProviderError> {
        self.base_url
            .join(path)
            .map_err(|e| ProviderError::Unreachable(format!("bad URL {path}: {e}")))
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
            .http
            .get(self.url(path)?)
            .query(&self.jurisdiction_query())
            .query(query);
        if let Some(language) = language {
            request = request.header(reqwest::header::ACCEPT_LANGUAGE, language);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ProviderError::from_http(&e))?;
        read(response).await
    }
}

/// The body of a 2xx answer as `T`; a 4xx answer's Open311 error list as `Refused`.
async fn read<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, ProviderError> {
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| ProviderError::from_http(&e))?;
    if status.is_client_error() && status.as_u16() != 429 {
        let message = serde_json::from_slice::<Vec<wire::Error>>(&body)
            .ok()
            .and_then(|errors| errors.into_iter().next())
            .map(|e| e.description)
            .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
        return Err(ProviderError::Refused {
            status: status.as_u16(),
            message,
        });
    }
    if !status.is_success() {
        return Err(ProviderError::Status(status.as_u16()));
    }
    serde_json::from_slice(&body).map_err(|e| ProviderError::Malformed(e.to_string()))
}

#[async_trait::async_trait]
impl IncidentDesk for Open311 {
    async fn categories(&self, language: &str) -> Result<Vec<Category>, ProviderError> {
        let services: Vec<wire::Service> = self
            .guard
            .call("services", self.get("services.json", &[], Some(language)))
            .await?;
        Ok(services.into_iter().map(transformers::category).collect())
    }

    async fn attributes(
        &self,
        category: &str,
        language: &str,
    ) -> Result<Vec<Attribute>, ProviderError> {
        let path = format!("services/{}.json", encode_segment(category));
        let definition: wire::Definition = self
            .guard
            .call("service_definition", self.get(&path, &[], Some(language)))
            .await?;
        Ok(transformers::attributes(definition))
    }

    async fn submit(&self, report: &NewReport) -> Result<Accepted, ProviderError> {
        let form = transformers::request_form(
            report,
            self.jurisdiction.as_deref(),
            self.api_key.as_deref(),
        );
        let post = async {
            let response = self
                .http
                .post(self.url("requests.json")?)
                .form(&form)
                .send()
                .await
                .map_err(|e| ProviderError::from_http(&e))?;
            read::<Vec<wire::Created>>(response).await
        };
        let created = self.guard.call("create_request", post).await?;
        transformers::accepted(created)
    }

    async fn resolve_token(&self, token: &str) -> Result<Option<String>, ProviderError> {
        let path = format!("tokens/{}.json", encode_segment(token));
        let found: Vec<wire::TokenAnswer> =
            self.guard.call("token", self.get(&path, &[], None)).await?;
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
            .guard
            .call(
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
            .guard
            .call("recent_requests", self.get("requests.json", &query, None))
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
mod wire {
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
mod transformers {
    use super::{
        wire, Accepted, Attribute, AttributeKind, AttributeValue, Category, DeskStatus, NewReport,
        ProviderError, RequestState,
    };

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
            name: if service.service_name.is_empty() {
                service.service_code.clone()
            } else {
                service.service_name
            },
            code: service.service_code,
            description: service.description.unwrap_or_default(),
            group: service.group.filter(|g| !g.is_empty()),
            has_attributes: truthy(&service.metadata),
        }
    }

    pub fn attributes(definition: wire::Definition) -> Vec<Attribute> {
        let mut attributes: Vec<Attribute> = definition
            .attributes
            .into_iter()
            .filter_map(|a| {
                let choices = || -> Vec<(String, String)> {
                    a.values
                        .iter()
                        .filter_map(|c| id(&c.key).map(|k| (k, c.name.clone())))
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
                    prompt: a.description,
                    required: truthy(&a.required),
                    order: a.order.unwrap_or(i64::MAX),
                    hint: a.datatype_description.filter(|d| !d.is_empty()),
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
            notes: request.status_notes.filter(|n| !n.is_empty()),
            agency: request.agency_responsible.filter(|a| !a.is_empty()),
            updated: request.updated_datetime,
        })
    }
}
