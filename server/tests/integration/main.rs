//! Every integration test of the server, in one binary: each runs the real portal (or one of
//! its parts) over HTTP, against a real SQLite file, the real Postgres when
//! `TEST_DATABASE_URL` is set, and the built-in simulators. One binary links the server
//! once, where a binary per file linked it eleven times.

mod common;

// The portal as a whole: pages and menu, config, districts, storage, what a review broke.
mod catalog;
mod config_errors;
mod demo_regions;
mod hardening;
mod jobs;
// The city map: tiles through the portal, the address search and its simulator.
mod maps;
mod portal;
mod storage;

// Residents' accounts, privacy and inbox, and the admin console.
mod accounts;
mod admin_console;
mod privacy_inbox;
mod provider_api_documents;

// Air quality.
mod openaq_adapter;

// Incident reports.
mod open311_adapter;
mod open311_conformance;
mod report_delivery;
mod reports;

// Traffic cameras.
mod cameras;
mod open511_conformance;

// Payments, utility bills and doctor appointments.
mod appointments;
mod bills;
mod bills_conformance;
mod checkout;
mod fhir_conformance;
mod independent_clients;
mod payments;
mod wechatpay_conformance;
