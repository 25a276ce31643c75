//! Documents in the JSON API: forms as PDF, the electronic result (issue, download), a scan
//! attached at the counter, and the public verification.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use motcua_domain::dossier::DocumentKind;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access;
use crate::app::{AppState, read_tx, write_tx};
use crate::auth::CurrentStaff;
use crate::http::{ApiError, Body, ClientIp, Params, PathOf};

use super::pages::pdf;
use super::service::{self, IssuedAnswer, Verified};

/// GET /dossiers/{id}/pdf/{form}.
pub async fn form(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf((id, form)): PathOf<(i64, String)>,
) -> Result<Response, ApiError> {
    let app2 = app.clone();
    let name = format!("mau-{form}-{id}");
    let bytes = write_tx(&app, move |tx| {
        let (mut d, access) = access::load_visible(tx, &staff, id)?;
        let masked = (!access.personal).then(|| access::masked(&d.applicant));
        if access.personal {
            access::log_view(tx, staff.id, id, "form as PDF (API)")?;
        }
        if form == "01" {
            return service::receipt_pdf(&app2, tx, id, &d, masked.as_ref());
        }
        if let Some(m) = masked {
            d.applicant = m;
        }
        service::form_pdf(tx, id, &d, &form)
    })
    .await?;
    Ok(pdf(bytes, &name))
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct IssueBody {
    /// The dossier's version the caller saw (optimistic concurrency); omitted: the current one.
    #[serde(default)]
    pub version: Option<i64>,
    /// `result` (the default) or `certified_copy` (of a scanned paper, for procedures certifying
    /// copies from originals).
    #[serde(default)]
    pub kind: Option<DocumentKind>,
    /// The paper a certified copy is of: its number in the dossier, from 1.
    #[serde(default)]
    pub paper: Option<usize>,
}

/// POST /dossiers/{id}/documents: issue the electronic result.
pub async fn issue(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
    Body(body): Body<IssueBody>,
) -> Result<(StatusCode, Json<IssuedAnswer>), ApiError> {
    let app2 = app.clone();
    let kind = body.kind.unwrap_or(DocumentKind::Result);
    let paper = match body.paper {
        Some(n) => Some(n.checked_sub(1).ok_or_else(|| {
            ApiError::invalid(
                "paper",
                "số thứ tự giấy tờ bắt đầu từ 1",
                "papers are numbered from 1",
            )
        })?),
        None => None,
    };
    let answer = write_tx(&app, move |tx| {
        service::issue(&app2, tx, &staff, id, body.version, kind, paper)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// GET /dossiers/{id}/documents/{n}.
pub async fn document(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf((id, n)): PathOf<(i64, usize)>,
) -> Result<Response, ApiError> {
    let app2 = app.clone();
    let bytes = write_tx(&app, move |tx| {
        let (d, access) = access::load_visible(tx, &staff, id)?;
        if !access.personal {
            return Err(ApiError::forbidden());
        }
        access::log_view(tx, staff.id, id, "opened an electronic result (API)")?;
        service::issued_file(&app2, &d, n)
    })
    .await?;
    Ok(pdf(bytes, &format!("ket-qua-{id}-{n}")))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct VersionQuery {
    /// The dossier's version the caller saw; omitted: the current one.
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Scanned {
    pub id: i64,
    pub paper: usize,
    pub version: i64,
}

/// POST /dossiers/{id}/papers/{n}/scan: the body is the scanned file.
pub async fn scan(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf((id, n)): PathOf<(i64, usize)>,
    Params(q): Params<VersionQuery>,
    body: Bytes,
) -> Result<Json<Scanned>, ApiError> {
    let app2 = app.clone();
    let version = write_tx(&app, move |tx| {
        service::attach_scan(&app2, tx, &staff, id, n, &body, q.version)
    })
    .await?;
    Ok(Json(Scanned {
        id,
        paper: n,
        version,
    }))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct VerifyQuery {
    /// The dossier code.
    pub ma: String,
    /// The document's SHA-256 (content hash from its QR code, or the signed file's).
    pub sha256: String,
    /// The ledger entry from the QR code (optional).
    #[serde(rename = "so-cai", default)]
    pub so_cai: Option<i64>,
}

/// GET /public/verify.
pub async fn verify(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Params(q): Params<VerifyQuery>,
) -> Result<Json<Verified>, ApiError> {
    if !app.public_limiter.allow(ip) {
        return Err(crate::http::rate_limited());
    }
    read_tx(&app, move |tx| {
        service::verify(tx, &q.ma, &q.sha256, q.so_cai)
    })
    .await?
    .map(Json)
    .ok_or_else(|| {
        ApiError::not_found(
            "Không có văn bản nào với mã hồ sơ và mã băm này trong sổ cái",
            "No document with this dossier code and hash is in the log",
        )
    })
}
