//! Liveness and readiness.

use crate::http::op::Op;

/// Liveness and readiness (public).
pub fn api() -> Vec<Op> {
    vec![
        Op::get("/health", "health", health)
            .tag("health")
            .doc("Tiến trình còn chạy / liveness", "")
            .ok::<serde_json::Value>(200, "The process answers"),
        Op::get("/ready", "ready", ready)
            .tag("health")
            .doc("Sẵn sàng / readiness: the database answers", "")
            .ok::<serde_json::Value>(200, "Ready"),
    ]
}

use axum::Json;
use axum::response::IntoResponse;
use serde_json::json;

use crate::app::{AppState, blocking};
use crate::http::ApiError;

async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

async fn ready(
    axum::extract::State(app): axum::extract::State<AppState>,
) -> Result<impl IntoResponse, ApiError> {
    blocking(move || Ok(app.store.ping()?)).await?;
    Ok(Json(json!({"status": "ready"})))
}
