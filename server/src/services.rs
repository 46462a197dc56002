//! Domain services: what the portal does with cities, config, overrides and providers.

pub mod air;
pub mod menu;
pub mod overrides;
