//! The air page's data: the city's stations with their AQI, the resident's district first.

use model::{
    ids::{CityId, RegionId},
    pages::AirPages,
    AirReport, AppError, ServiceKind,
};

use super::AirQuality;

#[async_trait::async_trait]
impl AirPages for AirQuality {
    async fn air_report(
        &self,
        city: &CityId,
        region: Option<&RegionId>,
    ) -> Result<AirReport, AppError> {
        let portal = &self.portal;
        let city = portal.city(city.as_str())?;
        let region = region
            .map(RegionId::as_str)
            .filter(|r| city.region(r).is_some());
        let provider = self
            .providers
            .get(&city.id)
            .cloned()
            .ok_or(AppError::ServiceNotOffered)?;
        let timeout = portal
            .providers
            .city(&city.id)
            .and_then(|p| p.guard(ServiceKind::AirQuality))
            .map_or(std::time::Duration::from_secs(3), |g| g.timeout());
        if !portal
            .service_available(city, ServiceKind::AirQuality, region)
            .await?
        {
            return Err(AppError::ServiceNotOffered);
        }
        Ok(self
            .readings
            .report(
                &portal.cities,
                city,
                provider,
                timeout,
                region,
                self.settings(&city.id).aqi_scale,
            )
            .await)
    }
}
