//! The toolbox every feature uses and that knows no feature: errors as problem+json and as pages,
//! extractors, middleware, rendering, formatting, rate limits.

pub mod error;
pub mod extract;
pub mod form;
pub mod format;
pub mod metrics;
pub mod middleware;
pub mod op;
pub mod page;
pub mod ratelimit;
pub mod viewer;

pub use error::{ApiError, PageError};
pub use extract::{Body, ClientIp, FormOf, Params, PathOf, body_hash, idempotency_key};
pub use ratelimit::rate_limited;
