//! The portal's shared machinery, which every service builds on and which names no service:
//! city config and districts, storage, accounts and sessions, privacy, the inbox, the admin
//! console's data, notifications, the providers' guard and registry, the durable job queue,
//! the simulators' shared parts, telemetry, and what every HTTP handler shares.

pub mod accounts;
pub mod admin;
pub mod cities;
pub mod clock;
pub mod config;
pub mod contact;
pub mod inbox;
pub mod jobs;
pub mod maps;
pub mod notify;
pub mod people;
pub mod photos;
pub mod plain_text;
pub mod portal;
pub mod privacy;
pub mod providers;
pub mod regions;
pub mod secrets;
pub mod service;
pub mod sessions;
pub mod simulators;
pub mod storage;
pub mod telemetry;
pub mod web;
