//! What anyone may do without an account: submit a dossier online (page and API), look it up, rate
//! it, and the public statistics.

pub mod api;
mod files;
mod kept;
mod pages;
pub mod service;
mod submit;
mod supplement;
mod thumbs;
mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::http::op::Op;

pub fn api() -> Vec<Op> {
    vec![
        Op::post("/public/dossiers", "submitOnline", api::submit)
            .tag("public")
            .doc(
                "Nộp hồ sơ trực tuyến / online submission",
                "The dossier waits for the desk to check and receive it. Rate-limited; `Idempotency-Key` supported.",
            )
            .header("Idempotency-Key", "Retries with the same key and body get the first answer")
            .body::<api::Submission>()
            .ok::<api::Submitted>(201, "Submitted, with its reference")
            .problems(&[404])
            .limited(),
        Op::get("/public/lookup", "lookup", api::lookup)
            .tag("public")
            .doc(
                "Tra cứu hồ sơ / look a dossier up",
                "By its code (or online reference) and the secret printed on form 01 or shown after the online submission; a wrong secret answers like an unknown code. Rate-limited; no personal data.",
            )
            .query::<api::LookupQuery>()
            .ok::<api::PublicDossier>(200, "Progress of the dossier")
            .problems(&[404])
            .limited(),
        Op::post("/public/rating", "rate", api::rate)
            .tag("public")
            .doc(
                "Đánh giá / rate a returned dossier",
                "With the code and the secret, like the lookup. Rate-limited.",
            )
            .body::<api::RatingBody>()
            .ok::<api::Rated>(200, "Rated")
            .problems(&[404, 409])
            .limited(),
    ]
}

/// The submission page and the answer to a supplement read their bodies themselves, within their
/// limits (see `upload`).
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/tra-cuu", get(pages::lookup))
        .route("/tra-cuu/danh-gia", post(pages::rate))
        .route(
            "/tra-cuu/bo-sung",
            post(supplement::answer).layer(DefaultBodyLimit::disable()),
        )
        .route("/thong-ke", get(pages::stats))
        .route(
            "/nop-ho-so/{code}",
            get(submit::form)
                .post(submit::submit)
                .layer(DefaultBodyLimit::disable()),
        )
}
