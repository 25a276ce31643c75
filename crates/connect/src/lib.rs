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
pub use notify::NotifyConfig;
pub use worker::{Connector, Delivery, Failure, RetryPolicy, RunReport, Undelivered, Worker};
