//! Connections to outside systems through the transactional outbox (`motcua_store::outbox`):
//! the delivery worker (`worker`: order per dossier, retries with backoff, dead letters), the
//! national portal's connector (`dvcqg`) with its HTTP client (ureq on rustls/ring), the
//! notifications to applicants by e-mail (lettre, SMTP on rustls/ring), SMS and Zalo (`notify`),
//! and local doubles of the portal (`double`) and of the notification channels (`notify_double`)
//! for tests and the demo. Credentials come from the
//! configuration only and never reach a log or an error message.

pub mod double;
pub mod dvcqg;
pub mod notify;
pub mod notify_double;
pub mod worker;

pub use dvcqg::{Dvcqg, DvcqgConfig};

/// A connector's HTTP agent: one timeout for the whole call, and HTTP statuses as answers (each
/// connector decides what a status means), not errors.
pub(crate) fn http_agent(timeout: std::time::Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

/// A transport error in words, without the URL (which may carry a token), its query or any body.
pub(crate) fn transport_error(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => format!("{:?}", io.kind()),
        ureq::Error::Timeout(_) => "timeout".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        _ => "request failed".into(),
    }
}
pub use notify::NotifyConfig;
pub use worker::{Connector, Delivery, Failure, RetryPolicy, RunReport, Undelivered, Worker};
