//! Online submission by a citizen: who applies, where, and the procedure's papers as uploads. The
//! files are checked (type by signature, size) and kept content-addressed; the dossier then waits
//! for the desk to receive it. Rate-limited like every public write.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use motcua_domain::dossier::{Actor, Command, Paper, to_local};
use motcua_domain::procedure::{OnlineLevel, Procedure, ProcedureRef};
use motcua_store::dossiers::{self, Request, Target};
use motcua_store::{org, procedures};
use serde::Deserialize;

use super::files;
use crate::app::{AppState, blocking};
use crate::http::ApiError;
use crate::http::PageError;
use crate::http::form::{APPLICANT_FIELDS, FormValues, InputField};
use crate::http::{ClientIp, Params, rate_limited};
use crate::i18n::filters;

#[derive(Template)]
#[template(path = "public/submit.html")]
struct SubmitPage {
    code: String,
    name: String,
    error: String,
    error_field: String,
    units: Vec<(String, String)>,
    unit: String,
    fields: Vec<InputField>,
    papers: Vec<(String, bool, String)>,
    max_mb: usize,
}

/// The procedure in force today, if it can be submitted online, and the units that apply it.
fn load(app: &AppState, code: &str) -> Result<(Procedure, Vec<(String, String)>), ApiError> {
    let today = to_local(Utc::now()).date();
    let (procedure, units) = app
        .store
        .read(|tx| Ok((procedures::in_force(tx, code, today)?, org::units(tx)?)))?;
    if procedure.spec.channels.online == OnlineLevel::None {
        return Err(ApiError::not_found(
            "Thủ tục này chưa nhận hồ sơ trực tuyến; vui lòng nộp tại Bộ phận Một cửa",
            "This procedure cannot be submitted online; apply at the one-stop desk",
        ));
    }
    let units = units
        .into_iter()
        .filter(|u| u.is_valid_on(today) && procedure.spec.applies_to.applies(u))
        .map(|u| (u.code, u.name))
        .collect();
    Ok((procedure, units))
}

fn page(
    p: &Procedure,
    units: Vec<(String, String)>,
    values: &[(String, String)],
    error: Option<&ApiError>,
    max: usize,
) -> Result<Html<String>, PageError> {
    let form = FormValues(values);
    let value = |k: &str| form.value(k);
    let (field, message) = error.map_or((String::new(), String::new()), |e| {
        (
            e.field.clone().unwrap_or_default(),
            crate::i18n::pick(&e.vi, &e.en).to_owned(),
        )
    });
    let page = SubmitPage {
        code: p.spec.code.clone(),
        name: p.spec.name.clone(),
        units,
        unit: value("unit"),
        fields: APPLICANT_FIELDS
            .iter()
            .map(|(name, label, required)| InputField {
                name,
                label,
                value: value(name),
                error: if !field.is_empty() && field.ends_with(name) {
                    message.clone()
                } else {
                    String::new()
                },
                required: *required,
            })
            .collect(),
        papers: p
            .spec
            .papers
            .iter()
            .enumerate()
            .map(|(i, x)| (x.name.clone(), x.mandatory, format!("file_{i}")))
            .collect(),
        max_mb: max / (1024 * 1024),
        error_field: field,
        error: message,
    };
    page.render()
        .map(Html)
        .map_err(|e| PageError::from(ApiError::internal(format!("template: {e}"))))
}

pub async fn form(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Html<String>, PageError> {
    let max = app.settings.max_upload_bytes;
    let (p, units) = blocking(move || load(&app, &code)).await?;
    page(&p, units, &[], None, max)
}

/// POST /nop-ho-so/{code} (multipart): checks everything, stores the papers, submits the dossier.
pub async fn submit(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    mut multipart: Multipart,
) -> Response {
    if !app.public_limiter.allow(ip) {
        return PageError::from(rate_limited()).into_response();
    }
    let max = app.settings.max_upload_bytes;
    let mut values: Vec<(String, String)> = vec![];
    let mut uploads: Vec<(String, Vec<u8>)> = vec![];
    let mut failure: Option<ApiError> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                if name.starts_with("file_") {
                    match field.bytes().await {
                        Ok(b) if !b.is_empty() => uploads.push((name, b.to_vec())),
                        Ok(_) => {}
                        Err(_) => {
                            failure = Some(ApiError::invalid(
                                &name,
                                format!("tệp quá lớn (tối đa {} MB)", max / (1024 * 1024)),
                                "the file is too large",
                            ));
                            break;
                        }
                    }
                } else if let Ok(text) = field.text().await {
                    values.push((name, text.chars().take(2000).collect()));
                }
            }
            Ok(None) => break,
            Err(_) => {
                failure = Some(ApiError::bad_request(
                    "Không đọc được biểu mẫu đã gửi",
                    "the form could not be read",
                ));
                break;
            }
        }
    }
    let app2 = app.clone();
    let code2 = code.clone();
    let loaded = blocking(move || load(&app2, &code2)).await;
    let (procedure, units) = match loaded {
        Ok(x) => x,
        Err(e) => return PageError::from(e).into_response(),
    };
    let result: Result<i64, ApiError> = match failure {
        Some(e) => Err(e),
        None => {
            let app2 = app.clone();
            let proc2 = procedure.clone();
            let units2 = units.clone();
            let values2 = values.clone();
            blocking(move || accept(&app2, &proc2, &units2, &values2, &uploads)).await
        }
    };
    match result {
        Ok(id) => Redirect::to(&format!("/nop-ho-so/da-gui?ma=W{id:08}")).into_response(),
        Err(e) => {
            let status = e.status;
            match page(&procedure, units, &values, Some(&e), max) {
                Ok(p) => (status, p).into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

/// Validates the submission, stores the files, and records the dossier. Every check runs before
/// anything is stored, so a refused submission leaves nothing behind.
fn accept(
    app: &AppState,
    procedure: &Procedure,
    units: &[(String, String)],
    values: &[(String, String)],
    uploads: &[(String, Vec<u8>)],
) -> Result<i64, ApiError> {
    let form = FormValues(values);
    let unit = form.value("unit");
    if !units.iter().any(|(c, _)| *c == unit) {
        return Err(ApiError::invalid(
            "unit",
            "hãy chọn nơi nộp hồ sơ",
            "choose where to apply",
        ));
    }
    let applicant = form.applicant().validated()?;
    // Every mandatory paper needs a file, and every file must be acceptable, before any is stored.
    for (i, spec) in procedure.spec.papers.iter().enumerate() {
        let name = format!("file_{i}");
        match uploads.iter().find(|(n, _)| *n == name) {
            None if spec.mandatory => {
                return Err(ApiError::invalid(
                    &name,
                    format!("thiếu tệp: {}", spec.name),
                    format!("missing file: {}", spec.name),
                ));
            }
            Some((_, bytes))
                if bytes.len() > app.settings.max_upload_bytes || files::kind(bytes).is_none() =>
            {
                return Err(ApiError::invalid(
                    &name,
                    "chỉ nhận tệp PDF, JPEG hoặc PNG, không quá giới hạn dung lượng",
                    "only PDF, JPEG or PNG files within the size limit",
                ));
            }
            _ => {}
        }
    }
    let mut papers = vec![];
    for (i, spec) in procedure.spec.papers.iter().enumerate() {
        let name = format!("file_{i}");
        if let Some((_, bytes)) = uploads.iter().find(|(n, _)| *n == name) {
            let hash = files::store(
                &app.settings.files_dir,
                &name,
                bytes,
                app.settings.max_upload_bytes,
            )?;
            papers.push(Paper {
                name: spec.name.clone(),
                copies: 1,
                file: Some(hash),
                kind: None,
            });
        }
    }
    let outcome = app.store.write(|tx| {
        let cal = app.calendar(tx)?;
        dossiers::execute(
            tx,
            &cal,
            vec![Request {
                target: Target::New,
                actor: Actor::Applicant,
                command: Command::SubmitOnline {
                    procedure: ProcedureRef::from(procedure),
                    unit,
                    applicant,
                    papers,
                },
                now: Utc::now(),
            }],
        )
    })?;
    Ok(outcome[0].id)
}

#[derive(Template)]
#[template(path = "public/submitted.html")]
struct SubmittedPage {
    reference: String,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    ma: Option<String>,
}

pub async fn done(Params(q): Params<DoneQuery>) -> Result<Html<String>, PageError> {
    let reference: String =
        q.ma.unwrap_or_default()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect();
    if reference.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Không có mã tham chiếu",
            "No reference",
        )
        .into());
    }
    SubmittedPage { reference }
        .render()
        .map(Html)
        .map_err(|e| PageError::from(ApiError::internal(format!("template: {e}"))))
}
