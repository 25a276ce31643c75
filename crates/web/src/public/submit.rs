//! Online submission by a citizen: who applies, where, and the procedure's papers as uploads. The
//! files are checked (type by signature, size) and kept content-addressed; the dossier then waits
//! for the desk to receive it. Rate-limited like every public write.

use askama::Template;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use motcua_domain::dossier::{Actor, Command, Paper, to_local};
use motcua_domain::procedure::{OnlineLevel, Procedure, ProcedureRef};
use motcua_store::dossiers::{self, Request, Target};
use motcua_store::{org, procedures};

use super::files;
use crate::app::{AppState, blocking};
use crate::http::ApiError;
use crate::http::PageError;
use crate::http::form::{APPLICANT_FIELDS, FormValues, InputField};
use crate::http::{ClientIp, rate_limited};
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

/// What a submission may carry beyond its papers: the applicant's fields, the part headers and
/// boundaries. Also how far the bytes read from the client may run ahead of the bytes handed to
/// this handler (what the multipart parser holds while it looks for a boundary or the end of a
/// part's headers), so that memory stays bounded whatever is sent.
const FORM_ALLOWANCE: usize = 1024 * 1024;
/// The longest text field.
const TEXT_LIMIT: usize = 16 * 1024;

/// The most a submission of `papers` papers may weigh: each paper at the paper limit, plus the form.
pub fn body_cap(papers: usize, paper_limit: usize) -> usize {
    papers
        .max(1)
        .saturating_mul(paper_limit)
        .saturating_add(FORM_ALLOWANCE)
}

fn too_large(field: Option<&str>, limit: usize) -> ApiError {
    let mb = limit.div_ceil(1024 * 1024);
    let e = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too-large",
        format!("Dữ liệu gửi lên quá lớn: mỗi tệp tối đa {mb} MB"),
        format!("The submission is too large: at most {mb} MB per file"),
    );
    match field {
        Some(f) => ApiError {
            field: Some(f.to_owned()),
            vi: format!("tệp quá lớn (tối đa {mb} MB)"),
            en: format!("the file is too large (at most {mb} MB)"),
            ..e
        },
        None => e,
    }
}

/// Bytes read from the client and bytes handed on, shared by the body's guard and the handler.
#[derive(Default)]
struct Meter {
    pulled: AtomicUsize,
    handed: AtomicUsize,
    /// Parts and pieces the handler received: the parser made progress.
    progress: AtomicUsize,
    tripped: AtomicBool,
}

/// The request body, refused once it passes `cap`. The multipart parser reads whatever the client
/// has sent into its buffer; the guard holds the client back (backpressure) while more than
/// [`FORM_ALLOWANCE`] bytes read have not been handed on, and refuses the body when the parser
/// cannot make progress with that much in hand (a part header or preamble that never ends).
fn guarded(body: Body, cap: usize, meter: Arc<Meter>) -> Body {
    use futures_util::StreamExt;
    use std::task::Poll;
    let mut inner = body.into_data_stream();
    let mut stalled_at: Option<usize> = None;
    let refuse = |meter: &Meter| {
        meter.tripped.store(true, Ordering::SeqCst);
        Poll::Ready(Some(Err(axum::Error::new("the submission is too large"))))
    };
    Body::from_stream(futures_util::stream::poll_fn(move |cx| {
        let pulled = meter.pulled.load(Ordering::SeqCst);
        let handed = meter.handed.load(Ordering::SeqCst);
        if pulled.saturating_sub(handed) > FORM_ALLOWANCE {
            let progress = meter.progress.load(Ordering::SeqCst);
            if stalled_at == Some(progress) {
                return refuse(&meter);
            }
            stalled_at = Some(progress);
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        stalled_at = None;
        match inner.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let pulled = meter.pulled.fetch_add(chunk.len(), Ordering::SeqCst) + chunk.len();
                if pulled > cap {
                    return refuse(&meter);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }))
}

/// POST /nop-ho-so/{code} (multipart): checks everything, stores the papers, submits the dossier.
/// Each paper is written to a temporary file as it arrives (hashed on the way); the body may weigh
/// at most the procedure's papers times the paper limit, and is refused with 413 as soon as it
/// passes that or a paper passes the paper limit.
pub async fn submit(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    request: axum::extract::Request,
) -> Response {
    if !app.public_limiter.allow(ip) {
        return PageError::from(rate_limited()).into_response();
    }
    let max = app.settings.max_upload_bytes;
    let app2 = app.clone();
    let code2 = code.clone();
    let (procedure, units) = match blocking(move || load(&app2, &code2)).await {
        Ok(x) => x,
        Err(e) => return PageError::from(e).into_response(),
    };
    let refuse = |values: &[(String, String)], e: ApiError| {
        let status = e.status;
        match page(&procedure, units.clone(), values, Some(&e), max) {
            Ok(p) => (status, p).into_response(),
            Err(e) => e.into_response(),
        }
    };
    let papers = procedure.spec.papers.len();
    let cap = body_cap(papers, max);
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > cap as u64) {
        return refuse(&[], too_large(None, max));
    }
    let meter = Arc::new(Meter::default());
    let (parts, body) = request.into_parts();
    let request = axum::extract::Request::from_parts(parts, guarded(body, cap, meter.clone()));
    let mut multipart = match Multipart::from_request(request, &()).await {
        Ok(m) => m,
        Err(_) => {
            return refuse(
                &[],
                ApiError::bad_request(
                    "Không đọc được biểu mẫu đã gửi",
                    "the form could not be read",
                ),
            );
        }
    };
    let mut values: Vec<(String, String)> = vec![];
    let mut uploads: Vec<(String, files::Incoming)> = vec![];
    let failure = receive(
        &app,
        &mut multipart,
        &meter,
        papers,
        &mut values,
        &mut uploads,
    )
    .await;
    let result: Result<(String, String), ApiError> = match failure {
        Err(e) => Err(e),
        Ok(()) => {
            let app2 = app.clone();
            let proc2 = procedure.clone();
            let units2 = units.clone();
            let values2 = values.clone();
            blocking(move || accept(&app2, &proc2, &units2, &values2, uploads)).await
        }
    };
    match result {
        // The answer itself shows the secret (never put in an address, so no log or history keeps it).
        Ok((reference, secret)) => match (SubmittedPage { reference, secret }).render() {
            Ok(page) => Html(page).into_response(),
            Err(e) => PageError::from(ApiError::internal(format!("template: {e}"))).into_response(),
        },
        Err(e) => refuse(&values, e),
    }
}

/// Reads the parts: text fields into `values`, each `file_{i}` of the procedure's papers into a
/// temporary file. Refused (413) as soon as a limit is passed.
async fn receive(
    app: &AppState,
    multipart: &mut Multipart,
    meter: &Meter,
    papers: usize,
    values: &mut Vec<(String, String)>,
    uploads: &mut Vec<(String, files::Incoming)>,
) -> Result<(), ApiError> {
    let max = app.settings.max_upload_bytes;
    let unreadable = |meter: &Meter| {
        if meter.tripped.load(Ordering::SeqCst) {
            too_large(None, max)
        } else {
            ApiError::bad_request(
                "Không đọc được biểu mẫu đã gửi",
                "the form could not be read",
            )
        }
    };
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(()),
            Err(_) => return Err(unreadable(meter)),
        };
        meter.progress.fetch_add(1, Ordering::SeqCst);
        let name = field
            .name()
            .unwrap_or_default()
            .chars()
            .take(40)
            .collect::<String>();
        let paper = name
            .strip_prefix("file_")
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|i| *i < papers);
        let mut file = match paper {
            Some(_) => Some(files::Incoming::create(&app.settings.files_dir)?),
            None => None,
        };
        let mut text: Vec<u8> = vec![];
        loop {
            let chunk = match field.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(_) => return Err(unreadable(meter)),
            };
            meter.handed.fetch_add(chunk.len(), Ordering::SeqCst);
            meter.progress.fetch_add(1, Ordering::SeqCst);
            match file.as_mut() {
                Some(f) => {
                    if f.len() + chunk.len() > max {
                        return Err(too_large(Some(&name), max));
                    }
                    f.write(&chunk)?;
                }
                None if name.starts_with("file_") => {} // not a paper of this procedure
                None => {
                    if text.len() + chunk.len() > TEXT_LIMIT {
                        return Err(ApiError {
                            field: Some(name.clone()),
                            ..ApiError::new(
                                StatusCode::PAYLOAD_TOO_LARGE,
                                "too-large",
                                "nội dung quá dài",
                                "the text is too long",
                            )
                        });
                    }
                    text.extend_from_slice(&chunk);
                }
            }
        }
        match file {
            Some(f) if !f.is_empty() => {
                uploads.retain(|(n, _)| *n != name);
                uploads.push((name, f));
            }
            Some(_) => {}
            None if name.starts_with("file_") => {}
            None => {
                let text = String::from_utf8_lossy(&text);
                values.push((name, text.chars().take(2000).collect()));
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
    mut uploads: Vec<(String, files::Incoming)>,
) -> Result<(String, String), ApiError> {
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
            Some((_, paper))
                if paper.len() > app.settings.max_upload_bytes || paper.kind().is_none() =>
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
        if let Some(at) = uploads.iter().position(|(n, _)| *n == name) {
            let (_, paper) = uploads.swap_remove(at);
            let hash = paper.keep(&app.settings.files_dir)?;
            papers.push(Paper {
                name: spec.name.clone(),
                copies: 1,
                file: Some(hash),
                kind: None,
            });
        }
    }
    let access = app.store.write(|tx| {
        let cal = app.calendar(tx)?;
        let outcome = dossiers::execute(
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
        )?;
        super::service::access(tx, outcome[0].id)
    })?;
    Ok((
        access.reference,
        motcua_store::public_access::grouped(&access.secret),
    ))
}

#[derive(Template)]
#[template(path = "public/submitted.html")]
struct SubmittedPage {
    reference: String,
    secret: String,
}
