//! The report pages' data: the form with the city's categories and map, a report's
//! timeline, "My reports", and the city's public list.

use model::{
    ids::{CityId, RegionId, ReportReference, ResidentId},
    pages::ReportPages,
    reports::{
        AnswerField, AnswerInput, CategoryChoice, ChosenCategory, MyReport, PlaceAsk,
        PublicReports, PublicRow, ReportForm, ReportView, TimelineEntry,
    },
    AppError, Locale, LocalizedName, ServiceKind,
};

use super::{
    port::{Attribute, AttributeKind, AttributeValue, Category},
    submission::{MAX_DESCRIPTION, MAX_PHOTOS},
    IncidentReports, ReportRecord, ReportState,
};
use portal_core::{cities::map, config::CityConfig, photos::MAX_UPLOAD_BYTES, portal::internal};

fn choice(category: &Category) -> CategoryChoice {
    CategoryChoice {
        code: category.code.clone(),
        name: category.name.clone(),
        description: category.description.clone(),
        group: category.group.clone(),
    }
}

fn field(attribute: &Attribute) -> AnswerField {
    AnswerField {
        code: attribute.code.clone(),
        prompt: attribute.prompt.clone(),
        hint: attribute.hint.clone(),
        required: attribute.required,
        input: match &attribute.kind {
            AttributeKind::String => AnswerInput::Line,
            AttributeKind::Text => AnswerInput::Lines,
            AttributeKind::Number => AnswerInput::Number,
            AttributeKind::DateTime => AnswerInput::DateTime,
            AttributeKind::SingleChoice(options) => AnswerInput::One(options.clone()),
            AttributeKind::MultiChoice(options) => AnswerInput::Many(options.clone()),
            AttributeKind::Information => AnswerInput::Note,
        },
    }
}

impl IncidentReports {
    /// Rows of "My reports" for these reports (of the cities still served).
    async fn rows(&self, records: Vec<ReportRecord>, language: &str) -> Vec<MyReport> {
        let mut rows = Vec::new();
        for record in records {
            let Ok(city) = self.portal.city(&record.filed.city_id) else {
                continue;
            };
            rows.push(MyReport {
                reference: record.reference.clone(),
                city: city.summary(),
                category: self
                    .category_name(city, &record.filed.category, language)
                    .await,
                filed: self.portal.local_time(record.created_at),
                status: record.status(),
            });
        }
        rows
    }

    fn district_name(&self, city: &CityConfig, region: &str) -> LocalizedName {
        city.region(region).map_or_else(
            || LocalizedName {
                zh: region.to_owned(),
                en: region.to_owned(),
            },
            |r| r.name.clone(),
        )
    }

    /// A category's name as its desk lists it (the code when no desk lists it now).
    async fn category_name(&self, city: &CityConfig, code: &str, language: &str) -> String {
        self.catalogue
            .offer(self.desks.of_city(&city.id), None, language)
            .await
            .categories
            .into_iter()
            .find(|c| c.code == code)
            .map_or_else(|| code.to_owned(), |c| c.name)
    }

    async fn report_view(
        &self,
        record: ReportRecord,
        language: &str,
    ) -> Result<ReportView, AppError> {
        let city = self.portal.city(&record.filed.city_id)?;
        let category_name = self
            .category_name(city, &record.filed.category, language)
            .await;
        // Questions as the desk asks them, when it still does.
        let prompts: Vec<Attribute> = match self
            .desks
            .of_city(&city.id)
            .iter()
            .find(|d| d.provider_id == record.filed.desk_id)
        {
            Some(desk) => {
                let category = Category {
                    code: record.filed.category.clone(),
                    name: category_name.clone(),
                    description: String::new(),
                    group: None,
                    has_attributes: !record.filed.attributes.is_empty(),
                };
                self.catalogue
                    .attributes(desk, &category, language)
                    .await
                    .unwrap_or_default()
            }
            None => Vec::new(),
        };
        let answers = record
            .filed
            .attributes
            .iter()
            .map(|(code, value)| {
                let attribute = prompts.iter().find(|a| &a.code == code);
                let label = |key: &str| {
                    attribute
                        .and_then(|a| match &a.kind {
                            AttributeKind::SingleChoice(o) | AttributeKind::MultiChoice(o) => {
                                o.iter().find(|(k, _)| k == key).map(|(_, l)| l.clone())
                            }
                            _ => None,
                        })
                        .unwrap_or_else(|| key.to_owned())
                };
                let answer = match value {
                    AttributeValue::One(v) => label(v),
                    AttributeValue::Many(vs) => {
                        vs.iter().map(|v| label(v)).collect::<Vec<_>>().join(", ")
                    }
                };
                (
                    attribute.map_or_else(|| code.clone(), |a| a.prompt.clone()),
                    answer,
                )
            })
            .collect();
        Ok(ReportView {
            reference: record.reference.clone(),
            city: city.summary(),
            district: self.district_name(city, &record.filed.region_id),
            category: category_name,
            status: record.status(),
            refusal: match &record.state {
                ReportState::Refused { message } => Some(message.clone()),
                _ => None,
            },
            description: record.filed.description,
            answers,
            filed: self.portal.local_time(record.created_at),
            photos: record
                .photo_ids
                .iter()
                .map(|id| {
                    (
                        format!("/media/reports/{id}.thumb.jpg"),
                        format!("/media/reports/{id}.jpg"),
                    )
                })
                .collect(),
            supporters: record.supporters,
            timeline: record
                .events
                .iter()
                .map(|e| TimelineEntry {
                    at: self.portal.local_time(e.at),
                    kind: e.kind.clone(),
                    note: e.note.clone(),
                })
                .collect(),
            near: self
                .near_place(
                    &city.id,
                    record.filed.lat,
                    record.filed.lon,
                    Locale::from_tag(language).unwrap_or_default(),
                )
                .await,
            lat: record.filed.lat,
            lon: record.filed.lon,
        })
    }
}

#[async_trait::async_trait]
impl ReportPages for IncidentReports {
    async fn report_form(
        &self,
        city: &CityId,
        region: Option<&RegionId>,
        category: Option<&str>,
        draft: Option<&str>,
        place: Option<PlaceAsk<'_>>,
        locale: Locale,
    ) -> Result<ReportForm, AppError> {
        let (city_id, region, language) =
            (city.as_str(), region.map(RegionId::as_str), locale.tag());
        let city = self.portal.city(city_id)?;
        // A kept form's id is a UUID; anything else names none.
        let draft = match draft.filter(|id| uuid::Uuid::parse_str(id).is_ok()) {
            Some(id) => self.store.draft(id, &city.id).await.map_err(internal)?,
            None => None,
        };
        let region = region.filter(|r| city.region(r).is_some());
        let desks = self.desks.of_city(&city.id);
        if desks.is_empty()
            || !self
                .portal
                .service_available(city, ServiceKind::IncidentReports, region)
                .await?
        {
            return Err(AppError::ServiceNotOffered);
        }
        // The whole city's categories: the pin, not the remembered district, decides.
        let offer = self.catalogue.offer(desks, None, language).await;
        let mut chosen = None;
        if let Some(code) = category {
            // The form asks what the desk of the resident's district asks, else the first.
            let desk = desks
                .iter()
                .filter(|d| {
                    d.categories
                        .as_ref()
                        .is_none_or(|codes| codes.iter().any(|c| c == code))
                })
                .min_by_key(|d| region.is_none_or(|r| !d.regions.iter().any(|x| x == r)));
            if let (Some(desk), Some(listed)) =
                (desk, offer.categories.iter().find(|c| c.code == code))
            {
                let fields = self
                    .catalogue
                    .attributes(desk, listed, language)
                    .await
                    .unwrap_or_default();
                chosen = Some(ChosenCategory {
                    choice: choice(listed),
                    fields: fields.iter().map(field).collect(),
                });
            }
        }
        let places = match place.filter(|ask| !ask.query.trim().is_empty()) {
            Some(ask) if chosen.is_some() => Some(
                self.find_places(&city.id, ask.query, ask.client, locale)
                    .await,
            ),
            _ => None,
        };
        Ok(ReportForm {
            places,
            city: city.summary(),
            categories: offer.categories.iter().map(choice).collect(),
            incomplete: offer.incomplete,
            chosen,
            map: map::draw(city, |_| Vec::new()),
            max_description: MAX_DESCRIPTION,
            max_photos: MAX_PHOTOS,
            max_photo_mb: MAX_UPLOAD_BYTES / 1024 / 1024,
            max_form_mb: crate::form::MAX_REPORT_BODY / 1024 / 1024,
            // A refused form sent again is still the same submission.
            submission: draft
                .as_ref()
                .map(|d| d.submission.clone())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            draft,
        })
    }

    async fn tracked_report(&self, token: &str, locale: Locale) -> Result<ReportView, AppError> {
        let language = locale.tag();
        let record = self
            .store
            .by_tracking_token(token)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        self.report_view(record, language).await
    }

    async fn my_report(
        &self,
        resident: &ResidentId,
        reference: &ReportReference,
        locale: Locale,
    ) -> Result<ReportView, AppError> {
        let (resident, reference, language) = (resident.as_str(), reference.as_str(), locale.tag());
        if !crate::is_reference(reference) {
            return Err(AppError::NotFound);
        }
        let record = self
            .store
            .by_reference(reference)
            .await
            .map_err(internal)?
            .filter(|r| r.filed.resident_id.as_deref() == Some(resident))
            .ok_or(AppError::NotFound)?;
        self.report_view(record, language).await
    }

    async fn my_reports(
        &self,
        resident: &ResidentId,
        locale: Locale,
    ) -> Result<Vec<MyReport>, AppError> {
        let records = self
            .store
            .of_resident(resident.as_str())
            .await
            .map_err(internal)?;
        Ok(self.rows(records, locale.tag()).await)
    }

    async fn reports_filed_here(
        &self,
        tokens: &[String],
        locale: Locale,
    ) -> Result<Vec<MyReport>, AppError> {
        let records = self.store.unclaimed(tokens).await.map_err(internal)?;
        Ok(self.rows(records, locale.tag()).await)
    }

    async fn public_reports(
        &self,
        city: &CityId,
        locale: Locale,
    ) -> Result<PublicReports, AppError> {
        let (city_id, language) = (city.as_str(), locale.tag());
        let city = self.portal.city(city_id)?;
        let map = map::draw(city, |_| Vec::new());
        let list = self
            .store
            .public_list(&city.id, 100)
            .await
            .map_err(internal)?;
        let mut names = std::collections::HashMap::new();
        let mut rows = Vec::new();
        for report in list {
            if !names.contains_key(&report.category) {
                let name = self.category_name(city, &report.category, language).await;
                names.insert(report.category.clone(), name);
            }
            let (x, y) = map.project(report.lon, report.lat);
            rows.push(PublicRow {
                category: names.get(&report.category).cloned().unwrap_or_default(),
                district: self.district_name(city, &report.region_id),
                reference: report.reference,
                filed: self.portal.local_time(report.created_at),
                status: report.status,
                supporters: report.supporters,
                x: (x * 10.0).round() / 10.0,
                y: (y * 10.0).round() / 10.0,
            });
        }
        Ok(PublicReports {
            city: city.summary(),
            rows,
            map,
        })
    }
}
