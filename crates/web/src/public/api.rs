//! What anyone may do without an account, in JSON: submit a dossier online, look one up, rate it.
//! Rate-limited per client address; no personal data ever leaves here.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::Utc;
use motcua_domain::dossier::{Applicant, Command, Paper, Rating, Status, to_local};
use motcua_domain::procedure::ProcedureRef;
use motcua_store::dossiers::Target;
use motcua_store::procedures;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::app::{AppState, blocking};
use crate::dossiers::service::{Caller, open_unit};
use crate::http::ApiError;
use crate::http::{Body, ClientIp, Params, rate_limited};

use super::service::*;
#[derive(Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    procedure_code: String,
    unit: String,
    applicant: Applicant,
    #[serde(default)]
    papers: Vec<Paper>,
}

/// POST /public/dossiers: online submission; the dossier waits for the desk to receive it.
pub async fn submit(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    Body(body): Body<Submission>,
) -> Result<(StatusCode, Json<Submitted>), ApiError> {
    if !app.public_limiter.allow(ip) {
        return Err(rate_limited());
    }
    let key = crate::http::idempotency_key(&headers)?;
    let hash = crate::http::body_hash(&body);
    let app2 = app.clone();
    let (status, mut value) = blocking(move || {
        crate::dossiers::service::run(&app2, Caller::Public(ip), key, hash, |tx| {
            let today = to_local(Utc::now()).date();
            let unit = open_unit(tx, &body.unit, today)?;
            let procedure = procedures::in_force(tx, &body.procedure_code, today)?;
            Ok((
                Target::New,
                Command::SubmitOnline {
                    procedure: ProcedureRef::from(&procedure),
                    unit: unit.code,
                    applicant: body.applicant,
                    papers: body.papers,
                },
            ))
        })
    })
    .await?;
    // What the applicant needs and nothing of what the desk needs.
    let id = value["id"]
        .as_i64()
        .ok_or_else(|| ApiError::internal("no id in the answer".into()))?;
    let access = blocking(move || Ok(app.store.write(|tx| access(tx, id))?)).await?;
    Ok((
        status,
        Json(Submitted {
            reference: access.reference,
            secret: motcua_store::public_access::grouped(&access.secret),
            status: serde_json::from_value(value["status"].take())
                .map_err(|e| ApiError::internal(e.to_string()))?,
            message: "Hồ sơ đã được gửi; bộ phận một cửa sẽ kiểm tra và tiếp nhận. Tra cứu bằng mã tham chiếu và mã bí mật; hãy giữ mã bí mật, không ai khác cần biết.",
            message_en: "Submitted; the one-stop desk will check and receive it. Look it up with the reference and the secret; keep the secret to yourself.",
        }),
    ))
}

/// What the applicant is told after an online submission (and nothing of what the desk needs).
#[derive(Serialize, JsonSchema)]
pub struct Submitted {
    /// The online reference (random, not the order of submission).
    pub reference: String,
    /// The secret that, with the reference or the dossier's code, opens the public lookup and the
    /// rating. Shown once here (and printed on form 01 at reception).
    pub secret: String,
    pub status: Status,
    pub message: &'static str,
    pub message_en: &'static str,
}

/// A dossier as the public sees it: progress, no personal data.
pub use motcua_store::lookup::PublicDossier;

#[derive(Serialize, JsonSchema)]
pub struct Rated {
    /// "rated"
    pub status: &'static str,
    pub message: &'static str,
    pub message_en: &'static str,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct LookupQuery {
    /// The dossier's code or online reference.
    code: String,
    /// The secret printed on form 01 or shown after the online submission.
    secret: String,
}

/// GET /public/lookup?code=...&secret=...: the answer stored with the dossier's lookup row
/// ([`motcua_store::lookup::answer_of`]), with its reference and the units' current names filled
/// in.
pub async fn lookup(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Params(q): Params<LookupQuery>,
) -> Result<axum::response::Response, ApiError> {
    if !app.public_limiter.allow(ip) {
        return Err(rate_limited());
    }
    // The usual case is one point read on the async runtime with the unit names from memory: no
    // thread of the blocking pool. Anything else takes the general path.
    let quick = match motcua_store::lookup::find_quick(&app.store, q.code.trim(), &q.secret).await?
    {
        Some(found) => match (found, app.unit_names_cached()) {
            (Some(a), Some(table)) => Some(Some((a, table))),
            (None, _) => Some(None),
            (Some(_), None) => None,
        },
        None => None,
    };
    let found = match quick {
        Some(answer) => answer,
        None => {
            blocking(move || {
                Ok(app.store.read_each(|tx| {
                    Ok(match lookup_public(tx, &q.code, &q.secret)? {
                        Some(f) => Some((f.answer()?, app.unit_names(tx)?)),
                        None => None,
                    })
                })?)
            })
            .await?
        }
    };
    let (found, names) = found.ok_or_else(not_found)?;
    let body = motcua_store::lookup::fill(&found.answer, &found.reference, &names)?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    code: String,
    /// The secret printed on form 01 or shown after the online submission.
    secret: String,
    rating: Rating,
    #[serde(default)]
    comment: String,
}

/// POST /public/rating: the applicant's rating after the result was returned.
pub async fn rate(
    State(app): State<AppState>,
    ip: ClientIp,
    Body(body): Body<RatingBody>,
) -> Result<Json<Rated>, ApiError> {
    rate_dossier(app, ip, body.code, body.secret, body.rating, body.comment).await?;
    Ok(Json(Rated {
        status: "rated",
        message: "Cảm ơn ông/bà đã đánh giá",
        message_en: "Thank you for your rating",
    }))
}
