//! A multipart form with papers, read as it arrives: the online submission and the online answer to
//! a supplement request share it. Each paper goes to a temporary file (hashed on the way), text
//! fields are capped, and the whole body is refused (413) as soon as it passes its cap. The cap may
//! be raised once the form's first fields say what it is for (the answer to a supplement learns
//! how many papers were asked for only once its code and secret are checked).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::{FromRequest, Multipart};
use axum::http::{StatusCode, header};

use super::files;
use crate::http::ApiError;

/// What a submission may carry beyond its papers: the applicant's fields, the part headers and
/// boundaries. Also how far the bytes read from the client may run ahead of the bytes handed to
/// the handler (what the multipart parser holds while it looks for a boundary or the end of a
/// part's headers), so that memory stays bounded whatever is sent.
pub const FORM_ALLOWANCE: usize = 1024 * 1024;
/// The longest text field.
const TEXT_LIMIT: usize = 16 * 1024;

/// The most a form of `papers` papers may weigh: each paper at the paper limit, plus the form.
pub fn body_cap(papers: usize, paper_limit: usize) -> usize {
    papers
        .max(1)
        .saturating_mul(paper_limit)
        .saturating_add(FORM_ALLOWANCE)
}

pub fn too_large(field: Option<&str>, limit: usize) -> ApiError {
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

fn unreadable() -> ApiError {
    ApiError::bad_request(
        "Không đọc được biểu mẫu đã gửi",
        "the form could not be read",
    )
}

/// Bytes read from the client and bytes handed on, shared by the body's guard and the handler.
#[derive(Default)]
struct Meter {
    pulled: AtomicUsize,
    handed: AtomicUsize,
    /// Parts and pieces the handler received: the parser made progress.
    progress: AtomicUsize,
    tripped: AtomicBool,
    /// The most the body may weigh now.
    cap: AtomicUsize,
}

/// The request body, refused once it passes the meter's cap. The multipart parser reads whatever
/// the client has sent into its buffer; the guard holds the client back (backpressure) while more
/// than [`FORM_ALLOWANCE`] bytes read have not been handed on, and refuses the body when the
/// parser cannot make progress with that much in hand (a part header or preamble that never ends).
fn guarded(body: Body, meter: Arc<Meter>) -> Body {
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
                if pulled > meter.cap.load(Ordering::SeqCst) {
                    return refuse(&meter);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }))
}

/// One part of the form.
pub enum Part {
    /// A text field (at most 16 KiB: a longer one refuses the form).
    Text(String, String),
    /// A paper `file_{i}` with the name the browser gave the file; empty when no file was chosen.
    Paper {
        field: String,
        file_name: String,
        file: files::Incoming,
    },
    /// A `file_` part that is no paper of this form.
    Skipped,
}

/// A multipart body being read.
pub struct Upload {
    multipart: Multipart,
    meter: Arc<Meter>,
    declared: Option<u64>,
    max: usize,
    dir: std::path::PathBuf,
}

impl Upload {
    /// Starts reading `request` within `cap` bytes, papers at most `max` bytes each, stored under
    /// `dir`. A declared length above the cap is refused before anything is read.
    pub async fn open(
        request: axum::extract::Request,
        cap: usize,
        max: usize,
        dir: &std::path::Path,
    ) -> Result<Upload, ApiError> {
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let meter = Arc::new(Meter {
            cap: AtomicUsize::new(cap),
            ..Meter::default()
        });
        if declared.is_some_and(|n| n > cap as u64) {
            return Err(too_large(None, max));
        }
        let (parts, body) = request.into_parts();
        let request = axum::extract::Request::from_parts(parts, guarded(body, meter.clone()));
        let multipart = Multipart::from_request(request, &())
            .await
            .map_err(|_| unreadable())?;
        Ok(Upload {
            multipart,
            meter,
            declared,
            max,
            dir: dir.to_path_buf(),
        })
    }

    /// Raises the cap of the whole body (the form's first fields told what it is for); a declared
    /// length above the new cap is refused now.
    pub fn set_cap(&self, cap: usize) -> Result<(), ApiError> {
        if self.declared.is_some_and(|n| n > cap as u64) {
            return Err(too_large(None, self.max));
        }
        self.meter.cap.store(cap, Ordering::SeqCst);
        Ok(())
    }

    fn failed(&self) -> ApiError {
        if self.meter.tripped.load(Ordering::SeqCst) {
            too_large(None, self.max)
        } else {
            unreadable()
        }
    }

    /// The next part, read whole (a paper into its temporary file). `papers`: how many `file_{i}`
    /// fields are papers of this form. Refused (413) as soon as a limit is passed.
    pub async fn next(&mut self, papers: usize) -> Result<Option<Part>, ApiError> {
        let mut field = match self.multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(None),
            Err(_) => return Err(self.failed()),
        };
        let meter = self.meter.clone();
        meter.progress.fetch_add(1, Ordering::SeqCst);
        let name = field
            .name()
            .unwrap_or_default()
            .chars()
            .take(40)
            .collect::<String>();
        let file_name = field
            .file_name()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect::<String>();
        let paper = name
            .strip_prefix("file_")
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|i| *i < papers);
        let mut file = match paper {
            Some(_) => Some(files::Incoming::create(&self.dir)?),
            None => None,
        };
        let mut text: Vec<u8> = vec![];
        loop {
            let chunk = match field.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(_) => {
                    return Err(if meter.tripped.load(Ordering::SeqCst) {
                        too_large(None, self.max)
                    } else {
                        unreadable()
                    });
                }
            };
            meter.handed.fetch_add(chunk.len(), Ordering::SeqCst);
            meter.progress.fetch_add(1, Ordering::SeqCst);
            match file.as_mut() {
                Some(f) => {
                    if f.len() + chunk.len() > self.max {
                        return Err(too_large(Some(&name), self.max));
                    }
                    f.write(&chunk)?;
                }
                None if name.starts_with("file_") => {} // not a paper of this form
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
        Ok(Some(match file {
            Some(file) => Part::Paper {
                field: name,
                file_name,
                file,
            },
            None if name.starts_with("file_") => Part::Skipped,
            None => Part::Text(name, String::from_utf8_lossy(&text).into_owned()),
        }))
    }

    /// Reads every remaining part: text fields into `values`, the last non-empty file of each
    /// paper into `uploads`.
    pub async fn rest(
        &mut self,
        papers: usize,
        values: &mut Vec<(String, String)>,
        uploads: &mut Vec<Uploaded>,
    ) -> Result<(), ApiError> {
        while let Some(part) = self.next(papers).await? {
            match part {
                Part::Text(name, value) => values.push((name, value)),
                Part::Paper {
                    field,
                    file_name,
                    file,
                } if !file.is_empty() => {
                    uploads.retain(|u| u.field != field);
                    uploads.push(Uploaded {
                        field,
                        file_name,
                        file,
                    });
                }
                Part::Paper { .. } | Part::Skipped => {}
            }
        }
        Ok(())
    }
}

/// A paper received with a form, not yet kept.
pub struct Uploaded {
    pub field: String,
    pub file_name: String,
    pub file: files::Incoming,
}

/// A paper of a form, stored: its SHA-256 and the name of the file it came from.
#[derive(Clone)]
pub struct Kept {
    pub hash: String,
    pub file_name: String,
}

/// The papers of a form of `papers` papers once its body is read whole: for each `file_{i}`, the
/// new upload when one came (checked: PDF, JPEG or PNG, within `max`; stored when acceptable, so a
/// form refused for something else need not ask for it again), else the paper a signed
/// `kept_{i}` reference names. Also a problem for each unacceptable upload.
pub fn settle(
    app: &crate::app::App,
    papers: usize,
    values: &[(String, String)],
    uploads: Vec<Uploaded>,
    now: i64,
) -> Result<(Vec<Option<Kept>>, Vec<ApiError>), ApiError> {
    let dir = &app.settings.files_dir;
    let form = crate::http::form::FormValues(values);
    let mut found: Vec<Option<Kept>> = vec![None; papers];
    let mut errors = vec![];
    for (i, slot) in found.iter_mut().enumerate() {
        let reference = form.value(&format!("kept_{i}"));
        if let Some(hash) =
            super::kept::check(&app.form_key, &reference, now).filter(|h| files::exists(dir, h))
        {
            *slot = Some(Kept {
                hash,
                file_name: form
                    .value(&format!("kept_name_{i}"))
                    .chars()
                    .take(200)
                    .collect(),
            });
        }
    }
    for u in uploads {
        let Some(i) = u
            .field
            .strip_prefix("file_")
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|i| *i < papers)
        else {
            continue;
        };
        if u.file.len() > app.settings.max_upload_bytes || u.file.kind().is_none() {
            found[i] = None;
            errors.push(ApiError::invalid(
                &u.field,
                "chỉ nhận tệp PDF, JPEG hoặc PNG, không quá giới hạn dung lượng",
                "only PDF, JPEG or PNG files within the size limit",
            ));
            continue;
        }
        found[i] = Some(Kept {
            hash: u.file.keep(dir)?,
            file_name: u.file_name,
        });
    }
    Ok((found, errors))
}

/// For a form shown again: each kept paper's signed reference, by index.
pub fn references(
    app: &crate::app::App,
    kept: &[Option<Kept>],
    now: i64,
) -> Vec<Option<(String, String)>> {
    kept.iter()
        .map(|k| {
            k.as_ref().map(|k| {
                (
                    super::kept::sign(&app.form_key, &k.hash, now),
                    k.file_name.clone(),
                )
            })
        })
        .collect()
}
