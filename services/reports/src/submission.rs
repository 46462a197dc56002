//! A resident's report form, checked whole before anything is stored: the pin is in this
//! city and a desk takes the category there, the answers fit the category's attributes, the
//! description is plain text of a sensible length, and every photo decodes. Each problem
//! names its field and a message key, so the form can show them all at once.

use model::{i18n::Locale, ServiceKind};

use super::{
    port::{Attribute, AttributeKind, AttributeValue},
    FiledReport, IncidentReports,
};
use portal_core::{
    cities::menu::enabled_in,
    photos::{self, CleanPhoto, PhotoError},
    plain_text::{has_hidden_controls, has_markup},
};

pub const MAX_DESCRIPTION: usize = 2000;
pub const MAX_PHOTOS: usize = 3;
const MAX_SHORT_ANSWER: usize = 200;
pub const MAX_LONG_ANSWER: usize = 1000;

/// An uploaded file, as the form sent it.
#[derive(Clone, Debug)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The form as sent.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub category: String,
    pub lat: String,
    pub lon: String,
    pub description: String,
    /// `attribute[code]` answers; a multi-choice repeats its code.
    pub answers: Vec<(String, String)>,
    pub photos: Vec<Upload>,
    /// Photos sent beyond `MAX_PHOTOS`, counted but never read.
    pub extra_photos: usize,
    pub share_contact: bool,
    /// The form's own id (a UUID), so that a resend is not a second report.
    pub submission: String,
}

/// One thing wrong with the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The form field, e.g. `description`, `pin`, `attribute[plate]`, `photos`.
    pub field: String,
    /// The message catalog key.
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    fn new(field: impl Into<String>, key: &'static str) -> Problem {
        Problem {
            field: field.into(),
            key,
            args: Vec::new(),
        }
    }

    fn with(mut self, name: &'static str, value: impl Into<String>) -> Problem {
        self.args.push((name, value.into()));
        self
    }
}

/// Why the form could not be taken: the resident's problems, or the portal's own.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("the form has {} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
    #[error("unknown city")]
    UnknownCity,
    #[error("internal: {0}")]
    Internal(String),
}

/// A form that passed every check.
pub struct Checked {
    pub report: FiledReport,
    pub photos: Vec<CleanPhoto>,
}

/// Checks `draft` for `city`, filed by `resident` in `locale`.
pub async fn check(
    reports: &IncidentReports,
    city_id: &str,
    resident: Option<&str>,
    locale: Locale,
    draft: Draft,
) -> Result<Checked, Refusal> {
    let city = reports
        .portal
        .cities
        .get(city_id)
        .ok_or(Refusal::UnknownCity)?;
    let desks = reports.desks.of_city(city_id);
    let mut problems = Vec::new();

    let description = draft.description.trim().to_owned();
    let length = description.chars().count();
    if length > MAX_DESCRIPTION {
        problems.push(
            Problem::new("description", "report-error-description-long")
                .with("max", MAX_DESCRIPTION.to_string())
                .with("length", length.to_string()),
        );
    } else if has_markup(&description) {
        problems.push(Problem::new("description", "report-error-markup"));
    } else if has_hidden_controls(&description) {
        problems.push(Problem::new(
            "description",
            "report-error-hidden-characters",
        ));
    }

    // Where: a pin inside this city, in a district where the service is on.
    let pin = match (
        draft.lat.trim().parse::<f64>(),
        draft.lon.trim().parse::<f64>(),
    ) {
        _ if draft.lat.trim().is_empty() || draft.lon.trim().is_empty() => {
            problems.push(Problem::new("pin", "report-error-no-pin"));
            None
        }
        (Ok(lat), Ok(lon))
            if lat.is_finite()
                && lon.is_finite()
                && (-90.0..=90.0).contains(&lat)
                && (-180.0..=180.0).contains(&lon) =>
        {
            Some((lat, lon))
        }
        _ => {
            problems.push(Problem::new("pin", "report-error-bad-pin"));
            None
        }
    };
    let region = pin.and_then(|(lat, lon)| match reports.portal.cities.locate(lon, lat) {
        Some((found, region)) if found.id == city.id => Some(region),
        _ => {
            problems.push(
                Problem::new("pin", "report-error-outside-city")
                    .with("city", city.name.get(locale).to_owned()),
            );
            None
        }
    });
    let overrides = reports
        .portal
        .overrides
        .of(&reports.portal.storage, city_id)
        .await
        .map_err(|e| Refusal::Internal(e.to_string()))?;
    let region = region.filter(|region| {
        let on = enabled_in(city, ServiceKind::IncidentReports, &region.id, &overrides);
        if !on {
            problems.push(
                Problem::new("pin", "report-error-not-here")
                    .with("district", region.name.get(locale).to_owned()),
            );
        }
        on
    });

    // What: a category a desk takes there, and its answers.
    let mut attributes = Vec::new();
    let mut desk_id = None;
    if draft.category.trim().is_empty() {
        problems.push(Problem::new("category", "report-error-no-category"));
    } else if let Some(region) = region {
        match reports
            .catalogue
            .route(desks, &region.id, &draft.category, locale.tag())
            .await
        {
            Some((desk, category)) => {
                desk_id = Some(desk.provider_id.clone());
                let asked = match &category {
                    Some(category) => {
                        reports
                            .catalogue
                            .attributes(desk, category, locale.tag())
                            .await
                    }
                    None => None,
                };
                attributes = match asked {
                    Some(asked) => check_answers(&asked, &draft.answers, city, &mut problems),
                    // The desk cannot say what it asks right now: the answers go as given,
                    // and the desk's own check (a refusal the resident sees) has the last word.
                    None => unchecked_answers(&draft.answers, &mut problems),
                };
            }
            None => problems.push(
                Problem::new("category", "report-error-category-not-here")
                    .with("district", region.name.get(locale).to_owned()),
            ),
        }
    } else {
        // No usable pin yet: still check the answers against a desk that takes the
        // category somewhere in the city, so that every problem is named at once.
        for region in &city.regions {
            let Some((desk, Some(category))) = reports
                .catalogue
                .route(desks, &region.id, &draft.category, locale.tag())
                .await
            else {
                continue;
            };
            if let Some(asked) = reports
                .catalogue
                .attributes(desk, &category, locale.tag())
                .await
            {
                check_answers(&asked, &draft.answers, city, &mut problems);
            }
            break;
        }
    }

    // Photos: the header of each is checked now (size, format, pixel count: cheap, even
    // for a decompression bomb); the heavy decode runs only once the whole form is good,
    // since a refused form asks for its photos again anyway.
    if draft.photos.len() + draft.extra_photos > MAX_PHOTOS {
        problems.push(
            Problem::new("photos", "report-error-too-many-photos")
                .with("max", MAX_PHOTOS.to_string()),
        );
    }
    let uploads: Vec<Upload> = draft.photos.into_iter().take(MAX_PHOTOS).collect();
    for upload in &uploads {
        if let Err(error) = photos::inspect(&upload.bytes) {
            problems.push(photo_problem(&upload.file_name, &error)?);
        }
    }
    let mut photos = Vec::new();
    if problems.is_empty() {
        for upload in uploads {
            match photos::clean_in_turn(upload.bytes).await {
                Ok(photo) => photos.push(photo),
                Err(error) => problems.push(photo_problem(&upload.file_name, &error)?),
            }
        }
    }

    match (problems.is_empty(), pin, region, desk_id) {
        (true, Some((lat, lon)), Some(region), Some(desk_id)) => Ok(Checked {
            report: FiledReport {
                resident_id: resident.map(str::to_owned),
                city_id: city.id.clone(),
                region_id: region.id.clone(),
                desk_id,
                category: draft.category,
                lat,
                lon,
                description,
                attributes,
                locale: locale.tag().to_owned(),
                share_contact: draft.share_contact && resident.is_some(),
                submission_id: uuid::Uuid::parse_str(draft.submission.trim())
                    .ok()
                    .map(|id| id.to_string()),
            },
            photos,
        }),
        _ => Err(Refusal::Invalid(problems)),
    }
}

/// What the resident is told about a photo that cannot be taken; the portal's own failure
/// to write one is no problem of theirs.
fn photo_problem(file: &str, error: &PhotoError) -> Result<Problem, Refusal> {
    let key = match error {
        PhotoError::TooLarge => "report-error-photo-large",
        PhotoError::TooManyPixels => "report-error-photo-too-many-pixels",
        PhotoError::NotAnImage => "report-error-photo-not-image",
        PhotoError::Undecodable(_) => "report-error-photo-unreadable",
        PhotoError::Encoding(_) => return Err(Refusal::Internal(error.to_string())),
    };
    Ok(Problem::new("photos", key)
        .with("file", file.to_owned())
        .with("max", (photos::MAX_UPLOAD_BYTES / 1024 / 1024).to_string())
        .with("megapixels", (photos::MAX_PIXELS / 1_000_000).to_string()))
}

/// Checks each answer against what the category asks; returns the answers to send.
fn check_answers(
    asked: &[Attribute],
    answers: &[(String, String)],
    city: &portal_core::config::CityConfig,
    problems: &mut Vec<Problem>,
) -> Vec<(String, AttributeValue)> {
    let mut checked = Vec::new();
    for attribute in asked {
        let field = format!("attribute[{}]", attribute.code);
        let given: Vec<&str> = answers
            .iter()
            .filter(|(code, _)| code == &attribute.code)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        let problem =
            |key| Problem::new(field.clone(), key).with("question", attribute.prompt.clone());
        if matches!(attribute.kind, AttributeKind::Information) {
            continue;
        }
        let Some(first) = given.first().copied() else {
            if attribute.required {
                problems.push(problem("report-error-answer-missing"));
            }
            continue;
        };
        let value = match &attribute.kind {
            AttributeKind::String | AttributeKind::Text => {
                let max = if matches!(attribute.kind, AttributeKind::String) {
                    MAX_SHORT_ANSWER
                } else {
                    MAX_LONG_ANSWER
                };
                if first.chars().count() > max {
                    problems.push(problem("report-error-answer-long").with("max", max.to_string()));
                    continue;
                }
                if has_markup(first) {
                    problems.push(problem("report-error-markup"));
                    continue;
                }
                if has_hidden_controls(first) {
                    problems.push(problem("report-error-hidden-characters"));
                    continue;
                }
                AttributeValue::One(first.to_owned())
            }
            AttributeKind::Number => match first.parse::<f64>() {
                Ok(number) if number.is_finite() => AttributeValue::One(first.to_owned()),
                _ => {
                    problems.push(problem("report-error-answer-number"));
                    continue;
                }
            },
            AttributeKind::DateTime => match to_timestamp(first, city) {
                Some(at) => AttributeValue::One(at),
                None => {
                    problems.push(problem("report-error-answer-datetime"));
                    continue;
                }
            },
            AttributeKind::SingleChoice(options) => {
                if options.iter().any(|(key, _)| key == first) {
                    AttributeValue::One(first.to_owned())
                } else {
                    problems.push(problem("report-error-answer-choice"));
                    continue;
                }
            }
            AttributeKind::MultiChoice(options) => {
                if given
                    .iter()
                    .all(|g| options.iter().any(|(key, _)| key == g))
                {
                    AttributeValue::Many(given.iter().map(|g| (*g).to_owned()).collect())
                } else {
                    problems.push(problem("report-error-answer-choice"));
                    continue;
                }
            }
            AttributeKind::Information => continue,
        };
        checked.push((attribute.code.clone(), value));
    }
    checked
}

/// Answers kept as typed (a repeated code becomes a list), still plain text of a sane size.
/// Linear in the number of answers: each code's place is looked up, never searched for.
fn unchecked_answers(
    answers: &[(String, String)],
    problems: &mut Vec<Problem>,
) -> Vec<(String, AttributeValue)> {
    let mut kept: Vec<(String, AttributeValue)> = Vec::new();
    let mut place: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (code, value) in answers {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let field = format!("attribute[{code}]");
        if value.chars().count() > MAX_LONG_ANSWER {
            problems.push(
                Problem::new(field, "report-error-answer-long")
                    .with("question", code.clone())
                    .with("max", MAX_LONG_ANSWER.to_string()),
            );
            continue;
        }
        if has_markup(value) {
            problems.push(Problem::new(field, "report-error-markup"));
            continue;
        }
        if has_hidden_controls(value) {
            problems.push(Problem::new(field, "report-error-hidden-characters"));
            continue;
        }
        match place.get(code.as_str()) {
            Some(&at) => {
                let (_, answer) = &mut kept[at];
                *answer = match std::mem::replace(answer, AttributeValue::Many(Vec::new())) {
                    AttributeValue::One(first) => {
                        AttributeValue::Many(vec![first, value.to_owned()])
                    }
                    AttributeValue::Many(mut values) => {
                        values.push(value.to_owned());
                        AttributeValue::Many(values)
                    }
                };
            }
            None => {
                place.insert(code, kept.len());
                kept.push((code.clone(), AttributeValue::One(value.to_owned())));
            }
        }
    }
    kept
}

/// A `datetime-local` value (in the city's time) or an RFC 3339 time, as RFC 3339.
fn to_timestamp(value: &str, city: &portal_core::config::CityConfig) -> Option<String> {
    if let Ok(at) = value.parse::<jiff::Timestamp>() {
        return Some(at.to_string());
    }
    let civil: jiff::civil::DateTime = value.parse().ok()?;
    let zoned = city
        .time_zone
        .to_ambiguous_zoned_datetime(civil)
        .compatible()
        .ok()?;
    Some(zoned.timestamp().to_string())
}
