//! The web layer through its router, one file per feature, one shared setup (`support`).

mod authorization;
mod boundary_free;
mod catalogue;
mod connectors;
mod counter;
mod documents;
mod dossiers;
mod errors;
mod feedback;
mod i18n;
mod inspections;
mod layout;
mod metrics;
mod org;
mod outbox;
mod papers;
mod previews;
mod print;
mod public;
mod reports;
mod routes;
mod session;
mod supplement;
mod support;
mod uploads;
