//! Domain services: what the portal does with cities, config, overrides and providers.

pub mod air;
pub mod city_map;
pub mod menu;
pub mod overrides;
