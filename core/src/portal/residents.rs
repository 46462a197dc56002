//! The resident's own pages: profile, "My data", inbox, consent, pending codes, and the
//! demo's outbox.

use model::{
    account::{
        CityRegions, ConsentInfo, ConsentRequest, DemoMessage, InboxItem, MyData, PasskeyInfo,
        PendingCodeInfo, Profile, ProviderLabel, ShareInfo,
    },
    ids::{CityId, ResidentId},
    pages::AccountPages,
    AppError, ServiceKind,
};

use super::{internal, Portal};
use crate::sessions;

impl Portal {
    /// How a provider is named to residents: its own name (`name_zh` and `name_en` in its
    /// options, as hospitals and companies have), its city and service, from config.
    pub fn provider_label(&self, provider_id: &str) -> ProviderLabel {
        let found = self.cities.all().iter().find_map(|city| {
            city.services
                .iter()
                .find(|s| s.provider_id == provider_id)
                .map(|s| (city.summary(), s))
        });
        let text = |service: &crate::config::ServiceConfig, key: &str| {
            service
                .options
                .get(key)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        ProviderLabel {
            id: provider_id.to_owned(),
            name: found.as_ref().and_then(|(_, service)| {
                Some(model::city::LocalizedName {
                    zh: text(service, "name_zh")?,
                    en: text(service, "name_en")?,
                })
            }),
            city: found.as_ref().map(|(c, _)| c.clone()),
            service: found.map(|(_, s)| s.service),
        }
    }

    /// A time a resident reads: the portal's local time, `YYYY-MM-DD HH:MM`.
    pub fn local_time(&self, at: i64) -> String {
        jiff::Timestamp::from_second(at).map_or_else(
            |_| at.to_string(),
            |t| {
                t.to_zoned_datetime(self.display_time_zone.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            },
        )
    }
}

#[async_trait::async_trait]
impl AccountPages for Portal {
    async fn profile(&self, resident: &ResidentId) -> Result<Profile, AppError> {
        let resident = resident.as_str();
        let stored = self
            .accounts
            .resident(resident)
            .await
            .map_err(internal)?
            .ok_or(AppError::SignInRequired)?;
        let passkeys = self
            .accounts
            .passkey_summaries(resident)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|p| PasskeyInfo {
                id: p.credential_id,
                added: self.local_time(p.created_at),
                last_used: p.last_used_at.map(|t| self.local_time(t)),
            })
            .collect();
        let sessions = sessions::count(&self.storage, sessions::SubjectKind::Resident, resident)
            .await
            .map_err(internal)?;
        Ok(Profile {
            display_name: stored.display_name,
            email: stored.email,
            phone: stored.phone,
            home_city: stored.home_city,
            home_region: stored.home_region,
            passkeys,
            sessions,
            places: self
                .cities
                .all()
                .iter()
                .map(|c| CityRegions {
                    city: c.summary(),
                    regions: c.regions.iter().map(|r| r.summary()).collect(),
                })
                .collect(),
        })
    }

    async fn my_data(&self, resident: &ResidentId) -> Result<MyData, AppError> {
        let resident = resident.as_str();
        let consents = self
            .privacy
            .consents_of(resident)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|c| ConsentInfo {
                provider: self.provider_label(&c.provider_id),
                service_id: c.service_id,
                fields: c.fields.iter().map(|f| f.id().to_owned()).collect(),
                granted: self.local_time(c.granted_at),
                withdrawn: c.withdrawn_at.map(|t| self.local_time(t)),
            })
            .collect();
        let shares = self
            .privacy
            .shares_of(resident)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|s| ShareInfo {
                provider: self.provider_label(&s.provider_id),
                fields: s.fields.iter().map(|f| f.id().to_owned()).collect(),
                purpose: s.purpose,
                at: self.local_time(s.at),
            })
            .collect();
        let muted = self
            .inbox
            .muted(resident)
            .await
            .map_err(internal)?
            .iter()
            .map(|p| self.provider_label(p))
            .collect();
        Ok(MyData {
            consents,
            shares,
            muted,
        })
    }

    async fn inbox(&self, resident: &ResidentId) -> Result<Vec<InboxItem>, AppError> {
        let resident = resident.as_str();
        let muted = self.inbox.muted(resident).await.map_err(internal)?;
        Ok(self
            .inbox
            .messages(resident, 100)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|m| InboxItem {
                muted: m.provider_id.as_ref().is_some_and(|p| muted.contains(p)),
                provider: m.provider_id.as_deref().map(|p| self.provider_label(p)),
                announcement: m.kind == "announcement",
                id: m.id,
                title: m.title,
                body: m.body,
                at: self.local_time(m.created_at),
                read: m.read,
            })
            .collect())
    }

    async fn consent_request(
        &self,
        resident: &ResidentId,
        city: &CityId,
        service_id: &str,
    ) -> Result<ConsentRequest, AppError> {
        let (resident, city_id) = (resident.as_str(), city.as_str());
        let city = self.city(city_id)?;
        let service = ServiceKind::from_id(service_id).ok_or(AppError::ServiceNotOffered)?;
        let config = city
            .services
            .iter()
            .find(|s| s.service == service)
            .ok_or(AppError::ServiceNotOffered)?;
        let fields = self.known.personal_fields(service);
        let missing = self
            .privacy
            .missing_consent(resident, &config.provider_id, service.id(), fields)
            .await
            .map_err(internal)?;
        Ok(ConsentRequest {
            provider: self.provider_label(&config.provider_id),
            service,
            fields: fields.iter().map(|f| f.id().to_owned()).collect(),
            already_granted: missing.is_empty(),
        })
    }

    async fn pending_code(&self, pending: &str) -> Result<PendingCodeInfo, AppError> {
        let contact = self
            .accounts
            .pending_contact(pending)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        Ok(PendingCodeInfo {
            sent_to: contact.masked(),
        })
    }

    async fn people(
        &self,
        resident: &ResidentId,
    ) -> Result<Vec<model::appointments::PersonRow>, AppError> {
        Ok(self
            .people
            .of(resident.as_str())
            .await
            .map_err(internal)?
            .into_iter()
            .map(|person| person.row(self.clock().seconds()))
            .collect())
    }

    async fn demo_outbox(&self) -> Result<Vec<DemoMessage>, AppError> {
        let outbox = self.demo_outbox.as_ref().ok_or(AppError::NotFound)?;
        Ok(outbox
            .all()
            .into_iter()
            .rev()
            .map(|m| DemoMessage {
                channel: m.channel.to_owned(),
                to: m.to,
                body: m.body,
                at: self.local_time(m.sent_at),
            })
            .collect())
    }
}
