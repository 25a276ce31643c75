//! The PDF addresses beside the HTML print pages, the counter's scan upload, the electronic result
//! (issue, download by officials and by the applicant), and the public verification page.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::access;
use crate::app::{AppState, read_tx, write_tx};
use crate::auth::StaffPage;
use crate::http::format::when;
use crate::http::page::render;
use crate::http::{ApiError, ClientIp, PageError, Params};
use crate::i18n::filters;

use super::service;

/// A PDF answer: shown in the browser, never cached (it may hold personal data).
pub fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    let disposition = format!("inline; filename=\"{name}.pdf\"");
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn file_name(code: &Option<String>, id: i64, what: &str) -> String {
    let code = motcua_domain::dossier::shown_code(code.as_deref(), id);
    format!("{what}-{code}")
}

/// GET /can-bo/ho-so/{id}/pdf/phieu-tiep-nhan: form 01 as a signed PDF with its verification QR
/// code; the name masked (and the copy unsigned) without the right to personal data.
pub async fn receipt(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let app2 = app.clone();
    let (bytes, code) = write_tx(&app, move |tx| {
        let (d, access) = access::load_visible(tx, &staff, id)?;
        let masked = if access.personal {
            access::log_view(tx, staff.id, id, "receipt form 01 (PDF)")?;
            None
        } else {
            Some(access::masked(&d.applicant))
        };
        let bytes = service::receipt_pdf(&app2, tx, id, &d, masked.as_ref())?;
        Ok((bytes, d.code))
    })
    .await?;
    Ok(pdf(bytes, &file_name(&code, id, "mau-01")))
}

/// GET /can-bo/ho-so/{id}/pdf/mau/{form}: forms 02, 03, 04 and the control sheet as PDF.
pub async fn form(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, form)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let label = form.clone();
    let (bytes, code) = write_tx(&app, move |tx| {
        let (mut d, access) = access::load_visible(tx, &staff, id)?;
        if access.personal {
            access::log_view(tx, staff.id, id, "printed form (PDF)")?;
        } else {
            d.applicant = access::masked(&d.applicant);
        }
        Ok((service::form_pdf(tx, id, &d, &form)?, d.code))
    })
    .await?;
    Ok(pdf(bytes, &file_name(&code, id, &format!("mau-{label}"))))
}

/// GET /can-bo/ho-so/{id}/pdf/ket-qua/{n}: the n-th electronic result as issued (signed), for
/// staff with the right to the applicant's personal data; each opening is logged.
pub async fn result(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, n)): Path<(i64, usize)>,
) -> Result<Response, PageError> {
    let app2 = app.clone();
    let (bytes, code) = write_tx(&app, move |tx| {
        let (d, access) = access::load_visible(tx, &staff, id)?;
        if !access.personal {
            return Err(ApiError::forbidden());
        }
        access::log_view(tx, staff.id, id, "opened an electronic result")?;
        Ok((service::issued_file(&app2, &d, n)?, d.code))
    })
    .await?;
    Ok(pdf(bytes, &file_name(&code, id, &format!("ket-qua-{n}"))))
}

#[derive(Deserialize)]
pub struct VersionForm {
    version: Option<i64>,
}

fn back(id: i64, notice: &str) -> Response {
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("ok", notice)
        .finish();
    Redirect::to(&format!("/can-bo/ho-so/{id}?{q}")).into_response()
}

/// POST /can-bo/ho-so/{id}/cap-ket-qua-dien-tu: issue the result as a signed PDF.
pub async fn issue(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
    crate::http::FormOf(f): crate::http::FormOf<VersionForm>,
) -> Result<Response, PageError> {
    let app2 = app.clone();
    write_tx(&app, move |tx| {
        service::issue_result(&app2, tx, &staff, id, f.version)
    })
    .await?;
    Ok(back(id, "result_issued"))
}

/// POST /can-bo/ho-so/{id}/chung-thuc-ban-sao/{n}: an electronic copy certified from the original
/// of scanned paper n, signed.
pub async fn certify(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, n)): Path<(i64, usize)>,
    crate::http::FormOf(f): crate::http::FormOf<VersionForm>,
) -> Result<Response, PageError> {
    let app2 = app.clone();
    write_tx(&app, move |tx| {
        service::issue(
            &app2,
            tx,
            &staff,
            id,
            f.version,
            motcua_domain::dossier::DocumentKind::CertifiedCopy,
            Some(n.saturating_sub(1)),
        )
    })
    .await?;
    Ok(back(id, "copy_issued"))
}

/// POST /can-bo/ho-so/{id}/so-hoa/{n}: the scan of paper n, uploaded at the counter (multipart,
/// field `file`; `version` optional).
pub async fn scan(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, n)): Path<(i64, usize)>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut file: Option<Vec<u8>> = None;
    let mut version = None;
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::invalid(
            "file",
            format!("không đọc được tệp gửi lên: {e}"),
            format!("cannot read the upload: {e}"),
        )
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some("file") => file = Some(field.bytes().await.map_err(bad)?.to_vec()),
            Some("version") => version = field.text().await.map_err(bad)?.trim().parse().ok(),
            _ => {}
        }
    }
    let file = file.unwrap_or_default();
    let app2 = app.clone();
    write_tx(&app, move |tx| {
        service::attach_scan(&app2, tx, &staff, id, n, &file, version)
    })
    .await?;
    Ok(back(id, "paper_scanned"))
}

/// GET /can-bo/kiem-tra/{id}/thong-bao-pdf: the inspection's conclusion notice as PDF.
pub async fn notice(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let bytes = read_tx(&app, move |tx| {
        let (i, _, _) = crate::inspections::service::readable(tx, &staff, id)?;
        let names = crate::inspections::service::unit_names(tx)?;
        let n = crate::inspections::service::notice_of(&i, &names);
        let owner = names
            .iter()
            .find(|(c, _)| *c == i.owner)
            .map_or(i.owner.clone(), |(_, name)| name.clone());
        let (date, created) = match &i.conclusion {
            Some(c) => (c.date, c.date),
            None => (i.to, i.to),
        };
        let created = created
            .and_hms_opt(8, 0, 0)
            .map(motcua_domain::dossier::from_local)
            .unwrap_or_default();
        let doc = motcua_pdf::forms::conclusion_notice(&motcua_pdf::forms::ConclusionNotice {
            issuer: n.issuer,
            team: "ĐOÀN KIỂM TRA".into(),
            number: Some(n.number),
            place: service::place_of(&owner),
            date,
            title: n.title,
            grounds: n.grounds,
            inspected: n.inspected,
            strengths: n.strengths,
            shortcomings: n.shortcomings,
            requests: n.requests,
            signer: Some(n.signer).filter(|s| !s.is_empty()),
            recipients: vec![
                "Các đơn vị được kiểm tra;".into(),
                "Lưu: VT, Đoàn kiểm tra.".into(),
            ],
            created,
        });
        motcua_pdf::render(&doc).map_err(|e| ApiError::internal(e.to_string()))
    })
    .await?;
    Ok(pdf(bytes, &format!("thong-bao-ket-luan-{id}")))
}

#[derive(Deserialize)]
pub struct ResultQuery {
    code: String,
    /// The lookup secret printed on form 01.
    secret: String,
    n: usize,
}

/// GET /tra-cuu/ket-qua: the applicant downloads an electronic result, with what the lookup page
/// asks for. Rate-limited like the lookup.
pub async fn citizen_result(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Params(q): Params<ResultQuery>,
) -> Result<Response, PageError> {
    if !app.public_limiter.allow(ip) {
        return Err(crate::http::rate_limited().into());
    }
    let app2 = app.clone();
    let (bytes, code, id) = read_tx(&app, move |tx| {
        let (id, d) = crate::public::service::authenticate(tx, q.code.trim(), q.secret.trim())?
            .ok_or_else(crate::public::service::not_found)?;
        Ok((service::issued_file(&app2, &d, q.n)?, d.code, id))
    })
    .await?;
    Ok(pdf(bytes, &file_name(&code, id, "ket-qua")))
}

#[derive(Template)]
#[template(path = "documents/verify.html")]
struct VerifyPage {
    code: String,
    sha256: String,
    ledger: String,
    checked: bool,
    found: Option<service::Verified>,
    issued_at: String,
}

#[derive(Deserialize)]
pub struct VerifyQuery {
    ma: Option<String>,
    sha256: Option<String>,
    #[serde(rename = "so-cai")]
    so_cai: Option<String>,
}

/// GET /xac-minh: checks a document's code and hash (from its QR code) against the log; shows what
/// the document is and who issued it, without personal data. Rate-limited.
pub async fn verify_page(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Params(q): Params<VerifyQuery>,
) -> Result<Response, PageError> {
    let clip = |s: Option<String>, n: usize| -> String {
        s.unwrap_or_default().trim().chars().take(n).collect()
    };
    let mut page = VerifyPage {
        code: clip(q.ma, 80),
        sha256: clip(q.sha256, 64),
        ledger: clip(q.so_cai, 20),
        checked: false,
        found: None,
        issued_at: String::new(),
    };
    if page.code.is_empty() || page.sha256.is_empty() {
        return Ok(render(&page)?.into_response());
    }
    if !app.public_limiter.allow(ip) {
        return Err(crate::http::rate_limited().into());
    }
    let (code, hash) = (page.code.clone(), page.sha256.clone());
    let position = page.ledger.parse::<i64>().ok();
    let found = read_tx(&app, move |tx| service::verify(tx, &code, &hash, position)).await?;
    page.checked = true;
    page.issued_at = found
        .as_ref()
        .map(|f| when(Some(f.issued_at)))
        .unwrap_or_default();
    let status = if found.is_some() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::NOT_FOUND
    };
    page.found = found;
    Ok((status, render(&page)?).into_response())
}
