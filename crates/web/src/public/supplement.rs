//! The applicant's answer to a supplement request, online: from the lookup page (code and secret),
//! one upload for each thing asked for and a note. The papers are streamed like an online
//! submission's (same caps), attached to the dossier, and the dossier goes back to whoever asked:
//! to the desk when it was asked before reception, to the step's officer with the clock running
//! again (the wait not counted) when it was asked during processing. Rate-limited; a request from
//! another site is refused; a wrong secret answers exactly like an unknown code.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use motcua_domain::dossier::{Actor, Command, Dossier, Instant, Paper, PaperKind};
use motcua_store::dossiers::{self, Request, Target};
use motcua_store::org;

use super::pages::{LookupPage, typed};
use super::service::open_request;
use super::upload::{self, Kept, Part, Upload, Uploaded};
use crate::app::{AppState, blocking};
use crate::http::form::{FormErrors, FormValues};
use crate::http::middleware::{cross_site, from_this_site};
use crate::http::page::render;
use crate::http::{ApiError, ClientIp, PageError, rate_limited};

/// POST /tra-cuu/bo-sung (multipart): `code` and `secret` first (nothing else is read before they
/// are checked, and the body may weigh no more than the form until then), then `file_{i}` for
/// the i-th thing asked for, `kept_{i}` for a paper kept from a refused try, and `note`.
pub async fn answer(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    request: axum::extract::Request,
) -> Response {
    if !from_this_site(request.headers()) {
        return PageError::from(cross_site()).into_response();
    }
    if !app.public_limiter.allow(ip) {
        return PageError::from(rate_limited()).into_response();
    }
    let max = app.settings.max_upload_bytes;
    let opened = Upload::open(
        request,
        upload::FORM_ALLOWANCE,
        max,
        &app.settings.files_dir,
    )
    .await;
    let mut body = match opened {
        Ok(b) => b,
        Err(e) => return PageError::from(e).into_response(),
    };
    let mut values: Vec<(String, String)> = vec![];
    loop {
        let form = FormValues(&values);
        if form.field("code").is_some() && form.field("secret").is_some() {
            break;
        }
        match body.next(0).await {
            Ok(Some(Part::Text(name, value))) => values.push((name, value)),
            Ok(_) => break,
            Err(e) => return PageError::from(e).into_response(),
        }
    }
    let form = FormValues(&values);
    let (code, secret) = (
        typed(&form.value("code"), 80),
        typed(&form.value("secret"), 20),
    );
    let page = LookupPage::new(code.clone(), secret.clone());
    let app2 = app.clone();
    let found = blocking(move || {
        Ok(app2.store.read(|tx| {
            Ok(match super::service::authenticate(tx, &code, &secret)? {
                Some((id, d)) => Some((id, d, org::units(tx)?)),
                None => None,
            })
        })?)
    })
    .await;
    let (id, d, units) = match found {
        Ok(Some(x)) => x,
        Ok(None) => return shown(StatusCode::NOT_FOUND, &page.not_found()),
        Err(e) => return PageError::from(e).into_response(),
    };
    let Some(asked) = open_request(&d) else {
        let mut page = page.show(id, &d, &units, max);
        page.error = crate::i18n::t("Hồ sơ này không chờ bổ sung.").to_owned();
        return shown(StatusCode::CONFLICT, &page);
    };
    let (asked_at, items) = (asked.at, asked.items.clone());
    let mut uploads: Vec<Uploaded> = vec![];
    let read = async {
        body.set_cap(upload::body_cap(items.len(), max))?;
        body.rest(items.len(), &mut values, &mut uploads).await
    };
    if let Err(e) = read.await {
        // Too large or unreadable: nothing is kept.
        let note = FormValues(&values).value("note");
        return refused(page.show(id, &d, &units, max), vec![e], &[], note);
    }
    let (app2, values2) = (app.clone(), values.clone());
    let done = blocking(move || Ok(record(&app2, id, asked_at, &items, &values2, uploads))).await;
    let note = FormValues(&values).value("note");
    match done {
        Ok(Ok(fresh)) => {
            let mut page = page.show(id, &fresh, &units, max);
            page.answered = true;
            shown(StatusCode::OK, &page)
        }
        Ok(Err((errors, kept))) => {
            let kept = upload::references(&app, &kept, Utc::now().timestamp());
            refused(page.show(id, &d, &units, max), errors, &kept, note)
        }
        Err(e) => refused(page.show(id, &d, &units, max), vec![e], &[], note),
    }
}

fn shown(status: StatusCode, page: &LookupPage) -> Response {
    match render(page) {
        Ok(html) => (status, html).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The lookup page again with the answer as it was sent: every problem next to its input, the
/// papers kept, the note.
fn refused(
    mut page: LookupPage,
    errors: Vec<ApiError>,
    kept: &[Option<(String, String)>],
    note: String,
) -> Response {
    let status = errors
        .iter()
        .map(|e| e.status)
        .max_by_key(|s| s.as_u16())
        .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    let count = page.answer.as_ref().map_or(0, |a| a.items.len());
    let mut inputs = vec!["note".to_owned(), "answer".to_owned()];
    inputs.extend((0..count).map(|i| format!("file_{i}")));
    page.errors = FormErrors::new(
        &errors,
        &inputs.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    if let Some(a) = page.answer.as_mut() {
        a.note = note;
        a.note_error = page.errors.on("note");
        for (i, item) in a.items.iter_mut().enumerate() {
            item.error = page.errors.on(&format!("file_{i}"));
            item.kept = kept.get(i).cloned().flatten();
        }
    }
    shown(status, &page)
}

/// What a refused answer gives back: every problem, and the papers kept for the form shown again.
type Refused = (Vec<ApiError>, Vec<Option<Kept>>);

/// Checks the answer and records it, in one transaction, against the request it answers.
fn record(
    app: &AppState,
    id: i64,
    asked_at: Instant,
    items: &[String],
    values: &[(String, String)],
    uploads: Vec<Uploaded>,
) -> Result<Dossier, Refused> {
    let now = Utc::now();
    let (kept, mut errors) = upload::settle(app, items.len(), values, uploads, now.timestamp())
        .map_err(|e| (vec![e], vec![]))?;
    let note = FormValues(values).value("note");
    if note.chars().count() > 2000 {
        errors.push(ApiError::invalid(
            "note",
            "ghi chú không quá 2.000 ký tự",
            "the note may have at most 2,000 characters",
        ));
    }
    if errors.is_empty() && note.is_empty() && kept.iter().all(Option::is_none) {
        errors.push(ApiError::invalid(
            "answer",
            "hãy gửi ít nhất một tệp hoặc ghi chú",
            "send at least one file or a note",
        ));
    }
    if !errors.is_empty() {
        return Err((errors, kept));
    }
    let papers: Vec<Paper> = items
        .iter()
        .zip(&kept)
        .filter_map(|(item, k)| {
            k.as_ref().map(|k| Paper {
                name: item.clone(),
                copies: 1,
                file: Some(k.hash.clone()),
                kind: Some(PaperKind::Electronic),
            })
        })
        .collect();
    let written = app.store.write(|tx| {
        // The dossier as it is now: still waiting for the request the form was made for.
        let d = dossiers::load(tx, id)?;
        if open_request(&d).is_none_or(|s| s.at != asked_at) {
            return Ok(None);
        }
        let cal = app.calendar(tx)?;
        let mut out = dossiers::execute(
            tx,
            &cal,
            vec![Request {
                target: Target::Existing {
                    id,
                    expected_version: d.version,
                },
                actor: Actor::Applicant,
                command: Command::SupplementOnline { note, papers },
                now,
            }],
        )?;
        Ok(Some(out.remove(0).dossier))
    });
    match written {
        Ok(Some(d)) => Ok(d),
        Ok(None) => Err((
            vec![ApiError::new(
                StatusCode::CONFLICT,
                "answered",
                "Hồ sơ này không chờ bổ sung",
                "This dossier is not waiting for a supplement",
            )],
            kept,
        )),
        Err(e) => Err((vec![e.into()], kept)),
    }
}
