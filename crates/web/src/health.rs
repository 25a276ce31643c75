//! Liveness and readiness.

use crate::http::op::Op;

/// Liveness and readiness (public).
pub fn api() -> Vec<Op> {
    vec![
        Op::get("/health", "health", health)
            .tag("health")
            .doc("Tiến trình còn chạy / liveness", "")
            .ok::<Health>(200, "The process answers"),
        Op::get("/ready", "ready", ready)
            .tag("health")
            .doc("Sẵn sàng / readiness: the database answers", "")
            .ok::<Ready>(200, "Ready"),
    ]
}

use axum::Json;
use axum::response::IntoResponse;

use crate::app::{AppState, blocking};
use crate::http::ApiError;

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Health {
    /// "ok"
    pub status: &'static str,
    pub version: &'static str,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Ready {
    /// "ready"
    pub status: &'static str,
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

async fn ready(
    axum::extract::State(app): axum::extract::State<AppState>,
) -> Result<impl IntoResponse, ApiError> {
    // Whatever keeps the database from answering, the server is not ready: 503, never 500.
    blocking(move || Ok(app.store.ping()?))
        .await
        .map_err(|e| ApiError {
            status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
            kind: "not-ready",
            ..e
        })?;
    Ok(Json(Ready { status: "ready" }))
}
