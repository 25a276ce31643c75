//! The rules of the one-stop shop, as pure code: no I/O, no async, no SQL, no HTTP, no clock.
//! Time is always passed in.

pub mod authz;
pub mod calendar;
pub mod catalogue;
pub mod dossier;
pub mod indicators;
pub mod inspection;
pub mod org;
pub mod orgfile;
pub mod procedure;
pub mod stats;
pub mod text;
