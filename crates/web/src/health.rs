//! Liveness, readiness and the operator's metrics.

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

/// GET /metrics: the Prometheus text format, for the operator's monitoring. Off unless a token is
/// configured (then no page, like any unknown address); with one, only a request bearing it.
pub async fn metrics(
    axum::extract::State(app): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    let (Some(token), Some(m)) = (app.settings.metrics_token.as_deref(), app.metrics.as_ref())
    else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !crate::auth::same_secret(given, token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a metrics token is needed\n",
        )
            .into_response();
    }
    let body = m.render(&app.store.stats());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
