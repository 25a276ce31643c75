//! The outbox for the system administrator: per connector the pending, retrying, failed (dead
//! letters), delivered and given-up counts, the failed messages with their last error, and
//! retry / give-up (JSON under /api/v1/outbox, the page /can-bo/he-thong/hop-thu-di).

mod api;
mod pages;
mod service;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::http::op::Op;

pub fn api() -> Vec<Op> {
    vec![
        Op::get("/outbox", "getOutbox", api::overview)
            .tag("outbox")
            .doc(
                "Hộp thư đi / the outbox: counts per connector and the failed messages",
                "For system administrators.",
            )
            .staff()
            .ok::<service::Overview>(200, "Counts and failed messages")
            .problems(&[403]),
        Op::post("/outbox/{id}", "handleOutboxMessage", api::handle)
            .tag("outbox")
            .doc(
                "Gửi lại hoặc bỏ qua một tin / retry or give up one message",
                "`retry`: a failed message goes back in line, its attempts counted from zero. `give_up`: a failed or pending message is never sent, and its dossier's next messages go on.",
            )
            .staff()
            .path::<i64>("id", "The message's id")
            .body::<api::HandleBody>()
            .ok::<motcua_store::outbox::Message>(200, "The message after the action")
            .problems(&[403, 404, 422]),
    ]
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/can-bo/he-thong/hop-thu-di", get(pages::page))
        .route("/can-bo/he-thong/hop-thu-di/gui-lai", post(pages::retry))
        .route("/can-bo/he-thong/hop-thu-di/bo-qua", post(pages::give_up))
}
