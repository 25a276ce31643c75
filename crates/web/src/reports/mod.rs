//! Reports for leaders and inspectors: the figures of a unit with its sub-units over whole months,
//! by unit, field or procedure, each cell a link to the dossiers behind it; the per-agency step
//! figures; the Decision 766 indicators with their numerators and denominators; a monthly chart;
//! downloads as XLSX and CSV. The same report as JSON, CSV or XLSX under `/api/v1/reports`.

mod api;
mod pages;
mod query;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;
use crate::http::op::Op;

pub fn api() -> Vec<Op> {
    vec![
        Op::get("/reports", "report", api::api)
            .tag("reports")
            .doc(
                "Báo cáo và chỉ số 766 / the report of a unit with its sub-units",
                "Whole months (`from`, `to` as YYYY-MM), rows by unit, field or procedure, with the per-agency steps and the Decision 766 indicators. Leaders and inspectors of the unit.",
            )
            .staff()
            .query::<query::Query>()
            .ok::<motcua_domain::stats::Report>(200, "The report")
            .file("text/csv")
            .file("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .problems(&[403, 404]),
    ]
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/can-bo/bao-cao", get(pages::page))
        .route("/can-bo/bao-cao/ho-so", get(pages::drill))
        .route("/can-bo/bao-cao/tai-ve", get(pages::export))
}
