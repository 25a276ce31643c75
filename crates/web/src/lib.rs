//! HTTP for motcua: the JSON API under `/api/v1` with its OpenAPI document, the public portal and
//! the staff pages. Organised by feature (`dossiers`, `counter`, `public`, `catalogue`, `org`, `reports`,
//! `inspections`, `session`, `documents`, `calendar`, `dashboard`, `health`), each with its `api()` operations and
//! `pages()` routes, over a toolbox that knows no feature (`http`, `app`, `auth`, `access`,
//! `i18n`). Only this file builds the router, by merging every feature's routes; the OpenAPI
//! document is built from the same list of operations.

pub mod access;
pub mod app;
pub mod auth;
pub mod calendar;
pub mod catalogue;
pub mod connectors;
pub mod counter;
pub mod dashboard;
pub mod documents;
pub mod dossiers;
pub mod feedback;
pub mod health;
pub mod http;
pub mod i18n;
pub mod inspections;
pub mod openapi;
pub mod org;
pub mod outbox;
pub mod payment;
pub mod population;
pub mod public;
pub mod reports;
pub mod session;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::get;
use axum::{Json, Router};

pub use app::{App, AppState, Settings};
pub use http::ApiError;
use http::op::Op;

/// Every API operation of every feature: what the router serves under `/api/v1` and what the OpenAPI
/// document describes.
pub fn operations() -> Vec<Op> {
    let mut ops = vec![];
    ops.extend(health::api());
    ops.extend(session::api());
    ops.extend(org::api());
    ops.extend(catalogue::api());
    ops.extend(calendar::api());
    ops.extend(dossiers::api());
    ops.extend(counter::api());
    ops.extend(reports::api());
    ops.extend(inspections::api());
    ops.extend(public::api());
    ops.extend(documents::api());
    ops.extend(feedback::api());
    ops.extend(payment::api());
    ops.extend(population::api());
    ops.extend(outbox::api());
    ops.extend(connectors::api());
    ops
}

pub fn router(app: AppState) -> Router {
    let max_body = app.settings.max_body_bytes;
    let ops = operations();
    let document = Arc::new(openapi::build(&ops));
    let mut api = Router::new().route(
        "/openapi.json",
        get(move || {
            let document = document.clone();
            async move { Json((*document).clone()) }
        }),
    );
    for op in ops {
        api = api.route(op.path, op.handler);
    }
    let api = api
        .fallback(http::middleware::no_route)
        .method_not_allowed_fallback(http::middleware::wrong_method_api);
    Router::new()
        .route("/assets/site.css", get(http::page::stylesheet))
        .route("/assets/print.css", get(http::page::print_stylesheet))
        .route("/ngon-ngu/{code}", get(i18n::switch))
        .route("/metrics", get(health::metrics))
        .route("/can-bo/tong-quan", get(dashboard::dashboard))
        .merge(catalogue::pages())
        .merge(public::pages())
        .merge(session::pages())
        .merge(dossiers::pages())
        .merge(counter::pages())
        .merge(org::pages())
        .merge(reports::pages())
        .merge(inspections::pages())
        .merge(feedback::pages())
        .merge(payment::pages(
            app.settings.payment.as_ref().is_some_and(|c| c.double),
        ))
        .merge(population::pages(
            app.settings.population.as_ref().is_some_and(|c| c.double),
        ))
        .merge(outbox::pages())
        .merge(documents::pages(app.settings.max_upload_bytes))
        .nest("/api/v1", api)
        .fallback(http::middleware::no_page)
        .method_not_allowed_fallback(http::middleware::wrong_method_page)
        .layer(middleware::from_fn(move |req, next| {
            http::middleware::clean_input(max_body, req, next)
        }))
        .layer(middleware::from_fn(i18n::scope))
        .layer(middleware::from_fn(http::viewer::scope))
        .layer(middleware::from_fn(http::middleware::same_origin))
        .layer(middleware::from_fn(http::middleware::security_headers))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(
            app.metrics.clone(),
            http::metrics::record,
        ))
        .with_state(app)
}

/// Serves the application until Ctrl-C or SIGTERM.
pub async fn serve(app: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let router = router(app);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
