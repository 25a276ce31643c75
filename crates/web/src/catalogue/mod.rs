//! The catalogue of procedures: search, a procedure with its versions and forms, the announcement
//! decisions, and what each unit must post, has posted and lacks. JSON under `/api/v1`, pages for
//! citizens.

pub mod api;
pub mod forms;
mod pages;
pub mod service;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::http::op::Op;

fn binary(_: &mut schemars::SchemaGenerator) -> Value {
    json!({"type": "string", "contentMediaType": "application/octet-stream"})
}

/// The body limit of a blank form's upload: the form and a multipart envelope.
const FORM_BODY_LIMIT: usize = forms::MAX_FORM_BYTES + 64 * 1024;

pub fn api() -> Vec<Op> {
    let mut attach = Op::post(
        "/procedures/{code}/versions/{version}/papers/{n}/form",
        "attachBlankForm",
        forms::attach_api,
    )
    .tag("catalogue")
    .doc(
        "Đính kèm mẫu đơn, tờ khai / attach the blank form of a paper",
        "The body is the file itself (PDF, DOC, DOCX or ODT, recognised by content; at most 5 MB); `name` gives the file name offered for download. Recorded with who and when; the newest attachment of a paper is in force. The catalogue keeper: an administrator of a top unit.",
    )
    .staff()
    .path::<String>("code", "The procedure's code")
    .path::<i64>("version", "The procedure's version")
    .path::<i64>("n", "The paper's number in the version's list, from 1")
    .query::<forms::AttachQuery>()
    .ok::<forms::Attached>(201, "Attached")
    .problems(&[403, 404, 413, 422]);
    attach.body = Some(("application/octet-stream", binary));
    attach.handler = attach.handler.layer(DefaultBodyLimit::max(FORM_BODY_LIMIT));
    let mut download = Op::get(
        "/procedures/{code}/versions/{version}/papers/{n}/form",
        "getBlankForm",
        forms::download_api,
    )
    .tag("catalogue")
    .doc(
        "Tải mẫu đơn, tờ khai / download the blank form of a paper",
        "The file as attached, with its media type; 404 when the paper has none.",
    )
    .path::<String>("code", "The procedure's code")
    .path::<i64>("version", "The procedure's version")
    .path::<i64>("n", "The paper's number in the version's list, from 1")
    .problems(&[404]);
    download.responses.push(crate::http::op::Response {
        status: 200,
        description: "The blank form",
        content: vec![("application/octet-stream", None)],
    });
    vec![
        attach,
        download,
        Op::delete(
            "/procedures/{code}/versions/{version}/papers/{n}/form",
            "withdrawBlankForm",
            forms::withdraw_api,
        )
        .tag("catalogue")
        .doc(
            "Gỡ mẫu đơn, tờ khai / withdraw the blank form of a paper",
            "Recorded like an attachment; the paper then offers no file. The catalogue keeper.",
        )
        .staff()
        .path::<String>("code", "The procedure's code")
        .path::<i64>("version", "The procedure's version")
        .path::<i64>("n", "The paper's number in the version's list, from 1")
        .ok::<forms::Attached>(200, "Withdrawn")
        .problems(&[403, 404]),
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
        .route("/thu-tuc/{code}/mau/{n}/tep", get(forms::download_page))
        .route("/can-bo/mau-don", get(forms::page))
        .route(
            "/can-bo/mau-don/{code}/{version}/{n}",
            post(forms::upload_page).layer(DefaultBodyLimit::max(FORM_BODY_LIMIT)),
        )
        .route(
            "/can-bo/mau-don/{code}/{version}/{n}/go",
            post(forms::withdraw_page),
        )
        .route("/don-vi", get(pages::units))
        .route("/don-vi/{code}", get(pages::unit))
}
