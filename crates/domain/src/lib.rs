//! The rules of the one-stop shop, as pure code: no I/O, no async, no SQL, no HTTP, no clock.
//! Time is always passed in.

pub mod authz;
pub mod calendar;
pub mod catalogue;
pub mod citizen_id;
pub mod dossier;
pub mod feedback;
pub mod forms;
pub mod indicators;
pub mod inspection;
pub mod msg;
pub mod notify;
pub mod org;
pub mod orgfile;
pub mod payment;
pub mod procedure;
pub mod rules;
pub mod search;
pub mod stats;
pub mod text;
pub mod walk_in;
