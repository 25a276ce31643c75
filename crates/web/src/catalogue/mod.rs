//! The catalogue of procedures: search, a procedure with its versions and forms, the announcement
//! decisions, and what each unit must post, has posted and lacks. JSON under `/api/v1`, pages for
//! citizens.

pub mod api;
mod pages;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;
use crate::http::op::Op;

pub fn api() -> Vec<Op> {
    vec![
        Op::get("/procedures", "searchProcedures", api::search)
            .tag("catalogue")
            .doc(
                "Tìm thủ tục (có hoặc không dấu) / ranked search of the procedures in force",
                "Search with or without diacritics; filters by field, level, unit and online level; `on` is a date (YYYY-MM-DD, default today).",
            )
            .query::<api::SearchQuery>()
            .ok::<api::SearchResults>(200, "A page of procedures with the total"),
        Op::get("/procedures/{code}", "getProcedure", api::procedure)
            .tag("catalogue")
            .doc("Một thủ tục và các phiên bản / a procedure and its versions", "")
            .path::<String>("code", "The procedure's code in the national database")
            .query::<api::OnQuery>()
            .ok::<api::ProcedureVersions>(200, "The version in force and every version")
            .problems(&[404]),
        Op::get("/announcements", "listAnnouncements", api::announcements)
            .tag("catalogue")
            .doc("Quyết định công bố / announcement decisions", "")
            .ok::<api::Announcements>(200, "Every decision"),
        Op::get("/units/{code}/procedures", "unitProcedures", api::unit_list)
            .tag("catalogue")
            .doc(
                "Danh mục phải niêm yết, đã niêm yết và còn thiếu / what a unit must post, has posted, and its gaps",
                "",
            )
            .path::<String>("code", "The unit's code")
            .query::<api::OnQuery>()
            .ok::<api::UnitProcedures>(200, "Required, posted and gaps")
            .problems(&[404]),
        Op::post("/units/{code}/postings", "recordPosting", api::record_posting)
            .tag("catalogue")
            .doc("Ghi nhận niêm yết / record what the unit has posted", "")
            .staff()
            .path::<String>("code", "The unit's code")
            .body::<api::PostingBody>()
            .ok::<api::PostingRecorded>(201, "Recorded")
            .problems(&[403, 404, 409]),
    ]
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/thu-tuc", get(pages::search))
        .route("/thu-tuc/{code}", get(pages::procedure))
        .route("/thu-tuc/{code}/mau/{n}", get(pages::blank_form))
        .route("/don-vi", get(pages::units))
        .route("/don-vi/{code}", get(pages::unit))
}
