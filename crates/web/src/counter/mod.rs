//! The counter beyond reception: walk-in outcomes that create no dossier, guidance to complete the
//! papers (form 02) and refusal with reasons (form 03), recorded, listed and printed by the reception
//! staff of the desk's unit. JSON under `/api/v1/walk-ins`, pages under `/can-bo/tiep-dan`.

pub mod api;
mod pages;
pub mod service;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;
use crate::http::op::Op;

pub fn api() -> Vec<Op> {
    vec![
        Op::post("/walk-ins", "recordWalkIn", api::record)
            .tag("counter")
            .doc(
                "Hướng dẫn (mẫu 02) hoặc từ chối (mẫu 03) tại quầy, không lập hồ sơ / a walk-in guided (form 02) or refused (form 03) without a dossier",
                "For the reception staff of the desk's unit. Guidance lists what to add or complete; a refusal states its reasons. Appended to the walk-in log and counted in the reports.",
            )
            .staff()
            .body::<service::WalkInBody>()
            .ok::<service::WalkInRecord>(201, "Recorded, with the number of the form it prints as")
            .problems(&[403, 404]),
        Op::get("/walk-ins", "listWalkIns", api::list)
            .tag("counter")
            .doc(
                "Các lượt hướng dẫn, từ chối tại quầy / walk-in outcomes of the caller's desks",
                "Between two dates (Vietnam time, inclusive), oldest first.",
            )
            .staff()
            .query::<api::WalkInQuery>()
            .ok::<api::WalkInList>(200, "The walk-ins")
            .problems(&[403]),
        Op::get("/walk-ins/{id}", "getWalkIn", api::get)
            .tag("counter")
            .doc("Một lượt tiếp dân / one walk-in outcome", "")
            .staff()
            .path::<i64>("id", "The walk-in's id")
            .ok::<service::WalkInRecord>(200, "The walk-in")
            .problems(&[404]),
    ]
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/can-bo/tiep-dan", get(pages::walk_ins).post(pages::record))
        .route("/can-bo/tiep-dan/{id}", get(pages::print))
}
