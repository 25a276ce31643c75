//! The system administrator's outbox page: counts per connector, the failed and retrying
//! messages with their last error, and a retry and a give-up button on each (forms posted from
//! this site only: the same-origin check guards them).

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use motcua_domain::org::Staff;
use motcua_store::outbox::{Counts, Message};
use serde::Deserialize;

use crate::app::{AppState, read_tx, write_tx};
use crate::auth::StaffPage;
use crate::http::{ApiError, FormOf, PageError, Params, format};
use crate::i18n::{filters, pick, t};

use super::service;

struct Row {
    id: i64,
    connector: &'static str,
    dossier_id: i64,
    seq: i64,
    message: String,
    attempts: i64,
    error: String,
    at: String,
}

#[derive(Template)]
#[template(path = "outbox/outbox.html")]
struct OutboxPage {
    who: String,
    notice: String,
    error: String,
    connectors: Vec<(&'static str, Counts)>,
    failed: Vec<Row>,
    retrying: Vec<Row>,
    /// Delivered or given up lately: (row, given up).
    recent: Vec<(Row, bool)>,
}

/// A connector's name for people.
fn connector_label(name: &str) -> &'static str {
    match name {
        motcua_store::outbox::DVCQG => "Cổng Dịch vụ công quốc gia",
        motcua_store::outbox::EMAIL => "Thư điện tử cho người nộp",
        motcua_store::outbox::SMS => "Tin nhắn SMS cho người nộp",
        motcua_store::outbox::ZALO => "Zalo cho người nộp",
        _ => "Kết nối khác",
    }
}

/// What a message is, for people: the portal's service as it is named, a notice by its event.
fn message_label(message: &str) -> String {
    let label = match message {
        "received" => "Tiếp nhận hồ sơ",
        "supplement_requested" => "Yêu cầu bổ sung hồ sơ",
        "apologized" => "Xin lỗi, hẹn lại ngày trả",
        "result_ready" => "Có kết quả",
        "refused" => "Từ chối tiếp nhận",
        other => return other.to_owned(),
    };
    t(label).to_owned()
}

fn row(m: Message) -> Row {
    Row {
        id: m.id,
        connector: connector_label(&m.connector),
        dossier_id: m.dossier_id,
        seq: m.seq,
        message: message_label(&m.message),
        attempts: m.attempts,
        error: m.last_error.unwrap_or_default(),
        at: format::when(chrono::DateTime::from_timestamp_millis(m.updated_at)),
    }
}

#[derive(Deserialize, Default)]
pub struct Query {
    ok: Option<String>,
}

#[derive(Deserialize)]
pub struct Form {
    id: String,
}

async fn render(
    app: AppState,
    staff: Staff,
    notice: String,
    error: String,
) -> Result<Html<String>, PageError> {
    let who = staff.full_name.clone();
    let o = read_tx(&app, move |tx| service::overview(tx, &staff)).await?;
    OutboxPage {
        who,
        notice,
        error,
        connectors: o
            .connectors
            .into_iter()
            .map(|c| (connector_label(&c.connector), c))
            .collect(),
        failed: o.failed.into_iter().map(row).collect(),
        retrying: o.retrying.into_iter().map(row).collect(),
        recent: o
            .recent
            .into_iter()
            .map(|m| {
                let given_up = m.state == "given_up";
                (row(m), given_up)
            })
            .collect(),
    }
    .render()
    .map(Html)
    .map_err(|e| PageError::from(ApiError::internal(format!("template: {e}"))))
}

/// GET /can-bo/he-thong/hop-thu-di
pub async fn page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<Query>,
) -> Result<Html<String>, PageError> {
    let notice =
        q.ok.map(|_| t("Đã ghi nhận").to_owned())
            .unwrap_or_default();
    render(app, staff, notice, String::new()).await
}

async fn act(app: AppState, staff: Staff, id: String, give_up: bool) -> Response {
    let caller = staff.clone();
    let done = match id.trim().parse::<i64>() {
        Ok(id) => write_tx(&app, move |tx| service::handle(tx, &caller, id, give_up))
            .await
            .map(|_| ()),
        Err(_) => Err(ApiError::invalid(
            "id",
            "mã tin nhắn phải là số",
            "the message id must be a number",
        )),
    };
    match done {
        Ok(()) => Redirect::to("/can-bo/he-thong/hop-thu-di?ok=1").into_response(),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => {
            PageError::from(e).into_response()
        }
        Err(e) => {
            let status = e.status;
            match render(app, staff, String::new(), pick(&e.vi, &e.en).to_owned()).await {
                Ok(p) => (status, p).into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

/// POST /can-bo/he-thong/hop-thu-di/gui-lai
pub async fn retry(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    FormOf(f): FormOf<Form>,
) -> Response {
    act(app, staff, f.id, false).await
}

/// POST /can-bo/he-thong/hop-thu-di/bo-qua
pub async fn give_up(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    FormOf(f): FormOf<Form>,
) -> Response {
    act(app, staff, f.id, true).await
}
