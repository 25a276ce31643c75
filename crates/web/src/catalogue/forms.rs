//! The procedure's own blank forms (tờ khai, mẫu đơn). The catalogue keeper attaches the file of a
//! paper's form to a paper of a procedure version (page `/can-bo/mau-don`, API
//! `POST /api/v1/procedures/{code}/versions/{version}/papers/{n}/form`); the public procedure page,
//! the online submission form and the counter offer it for download next to the paper
//! (`/thu-tuc/{code}/mau/{n}/tep`).
//!
//! The catalogue keeper is whoever administers a top unit (one without a parent: the province in a
//! provincial deployment), since the catalogue is the province's; a unit administrator below sees
//! the page but cannot change it. A form is PDF, DOC, DOCX or ODT, recognised by its content, at most
//! [`MAX_FORM_BYTES`], kept under `files_dir/forms` named by its SHA-256; the record of who
//! attached what and when is `store::blank_forms`.

use std::path::{Path, PathBuf};

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::org::Staff;
use motcua_domain::procedure::Procedure;
use motcua_store::blank_forms::{self, FormFile};
use motcua_store::{Tx, org, procedures};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::app::{AppState, read_tx, write_tx};
use crate::auth::{CurrentStaff, StaffPage};
use crate::http::format::{dmy, today, when};
use crate::http::page::render;
use crate::http::{ApiError, PageError, Params, PathOf};
use crate::i18n::filters;

/// The largest blank form accepted: a form of a few pages is far smaller.
pub const MAX_FORM_BYTES: usize = 5 * 1024 * 1024;

/// The media type of a blank form by its content: PDF, Word 97-2003 (DOC), Word (DOCX) or
/// OpenDocument text (ODT); None for anything else.
pub fn form_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some("application/msword");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        // An ODT names its kind in its first, stored member `mimetype`; a DOCX has `word/` parts
        // (member names are not compressed).
        let head = &bytes[..bytes.len().min(200)];
        if contains(head, b"mimetypeapplication/vnd.oasis.opendocument.text") {
            return Some("application/vnd.oasis.opendocument.text");
        }
        if contains(bytes, b"word/document.xml") {
            return Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
        }
    }
    None
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn extension(media_type: &str) -> &'static str {
    match media_type {
        "application/pdf" => "pdf",
        "application/msword" => "doc",
        "application/vnd.oasis.opendocument.text" => "odt",
        _ => "docx",
    }
}

/// A short description of a form's file for a link: "PDF, 42 KB".
pub fn describe(f: &FormFile) -> String {
    let kb = (f.bytes + 1023) / 1024;
    format!("{}, {kb} KB", extension(&f.media_type).to_uppercase())
}

/// The name a form is offered under: what was uploaded, reduced to safe ASCII, with the extension
/// of its real kind.
fn file_name(uploaded: &str, media_type: &str) -> String {
    let base = uploaded.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let folded = motcua_domain::text::fold_vi(stem);
    let mut safe: String = folded
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while safe.contains("--") {
        safe = safe.replace("--", "-");
    }
    let safe = safe.trim_matches('-');
    let safe = if safe.is_empty() { "mau-don" } else { safe };
    let safe: String = safe.chars().take(80).collect();
    format!("{safe}.{}", extension(media_type))
}

fn folder(files_dir: &Path) -> PathBuf {
    files_dir.join("forms")
}

fn path_of(files_dir: &Path, hash: &str) -> PathBuf {
    folder(files_dir).join(&hash[..2]).join(hash)
}

/// Checks a blank form and keeps its file; what the record will name.
pub fn store_form(
    files_dir: &Path,
    uploaded_name: &str,
    bytes: &[u8],
) -> Result<FormFile, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::invalid("file", "tệp trống", "the file is empty"));
    }
    if bytes.len() > MAX_FORM_BYTES {
        return Err(ApiError::invalid(
            "file",
            format!("mẫu đơn lớn hơn {} MB", MAX_FORM_BYTES / (1024 * 1024)),
            format!(
                "the blank form is larger than {} MB",
                MAX_FORM_BYTES / (1024 * 1024)
            ),
        ));
    }
    let media_type = form_kind(bytes).ok_or_else(|| {
        ApiError::invalid(
            "file",
            "mẫu đơn phải là tệp PDF, DOC, DOCX hoặc ODT",
            "a blank form must be a PDF, DOC, DOCX or ODT file",
        )
    })?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    let path = path_of(files_dir, &sha256);
    if !path.is_file() {
        let parent = path.parent().unwrap_or(files_dir).to_path_buf();
        let io = |e: std::io::Error| {
            ApiError::from(motcua_store::StoreError::from_io(
                &e,
                &format!("cannot store {}", path.display()),
            ))
        };
        std::fs::create_dir_all(&parent).map_err(io)?;
        let tmp = parent.join(format!(".{sha256}.{}", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(io)?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
    }
    Ok(FormFile {
        sha256,
        name: file_name(uploaded_name, media_type),
        media_type: media_type.to_owned(),
        bytes: bytes.len() as i64,
    })
}

/// Whether this member of staff keeps the catalogue: administers a top unit.
pub fn is_keeper(tx: &mut dyn Tx, staff: &Staff) -> Result<bool, ApiError> {
    Ok(org::units(tx)?
        .iter()
        .filter(|u| u.parent.is_none())
        .any(|u| {
            can(
                &staff.grants,
                Action::AdministerUnit,
                std::slice::from_ref(&u.code),
            )
        }))
}

/// The version of a procedure in force on a date (else the latest), or the one asked for.
fn version_of(versions: &[Procedure], asked: Option<i64>, on: NaiveDate) -> Option<&Procedure> {
    match asked {
        Some(v) => versions.iter().find(|p| p.version == v),
        None => versions
            .iter()
            .rev()
            .find(|p| p.in_force_on(on))
            .or(versions.last()),
    }
}

/// Attaches (or with `None`, withdraws) the blank form of paper `n` of a version, for the keeper.
fn attach(
    app: &AppState,
    tx: &mut dyn Tx,
    staff: &Staff,
    code: &str,
    version: i64,
    n: i64,
    upload: Option<(&str, &[u8])>,
) -> Result<Option<FormFile>, ApiError> {
    if !is_keeper(tx, staff)? {
        return Err(ApiError::forbidden());
    }
    let file = match upload {
        Some((name, bytes)) => Some(store_form(&app.settings.files_dir, name, bytes)?),
        None => None,
    };
    blank_forms::attach(
        tx,
        code,
        version,
        n,
        file.as_ref(),
        &format!("staff:{}", staff.id),
        Utc::now(),
    )?;
    Ok(file)
}

// ---------------------------------------------------------------------------------------------
// Downloads, for everyone.

#[derive(Debug, Deserialize, JsonSchema)]
pub struct VersionQuery {
    /// The procedure's version; omitted: the version in force today.
    #[serde(rename = "phien-ban", alias = "version", default)]
    pub version: Option<i64>,
}

/// The blank form of paper `n` (from 1) of a procedure version, as a download.
async fn download(
    app: AppState,
    code: String,
    version: Option<i64>,
    n: usize,
) -> Result<Response, ApiError> {
    let dir = app.settings.files_dir.clone();
    let missing = || ApiError::not_found("Không có mẫu đơn này", "No such blank form");
    let (file, bytes) = read_tx(&app, move |tx| {
        let versions = procedures::versions(tx, &code)?;
        let p = version_of(&versions, version, today()).ok_or_else(missing)?;
        let file = blank_forms::of_paper(tx, &code, p.version, n as i64)?.ok_or_else(missing)?;
        let bytes = std::fs::read(path_of(&dir, &file.sha256)).map_err(|_| missing())?;
        Ok((file, bytes))
    })
    .await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, file.media_type),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.name),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "public, max-age=300".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// GET /thu-tuc/{code}/mau/{n}/tep: the blank form of the version in force (or `?phien-ban=`).
pub async fn download_page(
    State(app): State<AppState>,
    UrlPath((code, n)): UrlPath<(String, usize)>,
    Params(q): Params<VersionQuery>,
) -> Result<Response, PageError> {
    Ok(download(app, code, q.version, n).await?)
}

/// GET /api/v1/procedures/{code}/versions/{version}/papers/{n}/form.
pub async fn download_api(
    State(app): State<AppState>,
    PathOf((code, version, n)): PathOf<(String, i64, usize)>,
) -> Result<Response, ApiError> {
    download(app, code, Some(version), n).await
}

/// The blank forms in force for one version: paper number -> (link, "PDF, 42 KB"), for the pages
/// that list a version's papers.
pub fn links(
    tx: &mut dyn Tx,
    code: &str,
    version: i64,
) -> Result<std::collections::BTreeMap<usize, (String, String)>, motcua_store::StoreError> {
    Ok(blank_forms::current(tx, code, version)?
        .into_iter()
        .map(|(n, f)| {
            (
                n as usize,
                (
                    format!("/thu-tuc/{code}/mau/{n}/tep?phien-ban={version}"),
                    describe(&f),
                ),
            )
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The API for the keeper.

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AttachQuery {
    /// The file's name as the public will download it (reduced to ASCII; the extension follows
    /// the content).
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Attached {
    pub code: String,
    pub version: i64,
    pub paper: i64,
    /// The form now in force for the paper; null once withdrawn.
    pub file: Option<FormFile>,
    /// Where the public downloads it.
    pub download: Option<String>,
}

/// POST /procedures/{code}/versions/{version}/papers/{n}/form: the body is the file.
pub async fn attach_api(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf((code, version, n)): PathOf<(String, i64, i64)>,
    Params(q): Params<AttachQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<Attached>), ApiError> {
    let app2 = app.clone();
    let (c, name) = (code.clone(), q.name.unwrap_or_default());
    let file = write_tx(&app, move |tx| {
        attach(&app2, tx, &staff, &c, version, n, Some((&name, &body)))
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Attached {
            download: Some(format!("/thu-tuc/{code}/mau/{n}/tep?phien-ban={version}")),
            code,
            version,
            paper: n,
            file,
        }),
    ))
}

/// DELETE /procedures/{code}/versions/{version}/papers/{n}/form: the form withdrawn (recorded).
pub async fn withdraw_api(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf((code, version, n)): PathOf<(String, i64, i64)>,
) -> Result<Json<Attached>, ApiError> {
    let app2 = app.clone();
    let c = code.clone();
    write_tx(&app, move |tx| {
        attach(&app2, tx, &staff, &c, version, n, None)
    })
    .await?;
    Ok(Json(Attached {
        code,
        version,
        paper: n,
        file: None,
        download: None,
    }))
}

// ---------------------------------------------------------------------------------------------
// The keeper's page.

struct PaperForm {
    n: usize,
    name: String,
    template: String,
    current: Option<(String, String)>,
}

struct VersionForms {
    version: i64,
    from: String,
    to: String,
    papers: Vec<PaperForm>,
}

#[derive(Template)]
#[template(path = "catalogue/forms.html")]
struct FormsPage {
    who: String,
    keeper: bool,
    q: String,
    notice: String,
    matches: Vec<(String, String)>,
    code: String,
    name: String,
    versions: Vec<VersionForms>,
    history: Vec<String>,
    max_mb: usize,
}

#[derive(Debug, Deserialize)]
pub struct FormsQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    ma: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

/// GET /can-bo/mau-don: find a procedure (`q`), then its versions in force or to come with each
/// paper's blank form (`ma`), an upload per paper for the keeper, and the record.
pub async fn page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<FormsQuery>,
) -> Result<Html<String>, PageError> {
    if !staff
        .grants
        .iter()
        .any(|g| motcua_domain::authz::allows(g.role, Action::AdministerUnit))
    {
        return Err(ApiError::forbidden().into());
    }
    let who = staff.full_name.clone();
    let text = q.q.clone().unwrap_or_default();
    let code = q.ma.clone().unwrap_or_default();
    let notice = match q.done.as_deref() {
        Some("attached") => crate::i18n::t("Đã đính kèm mẫu đơn.").to_owned(),
        Some("withdrawn") => crate::i18n::t("Đã gỡ mẫu đơn.").to_owned(),
        _ => String::new(),
    };
    let app2 = app.clone();
    let page = read_tx(&app, move |tx| {
        let keeper = is_keeper(tx, &staff)?;
        let on = today();
        let mut matches = vec![];
        if !text.trim().is_empty() {
            let index = app2.search_index(tx, on)?;
            for p in index
                .search(&text, &motcua_domain::catalogue::SearchFilter::default())
                .into_iter()
                .take(30)
            {
                matches.push((p.spec.code.clone(), p.spec.name.clone()));
            }
        }
        let mut name = String::new();
        let mut versions = vec![];
        let mut history = vec![];
        if !code.is_empty() {
            let all = procedures::versions(tx, &code)?;
            if let Some(last) = all.last() {
                name = last.spec.name.clone();
            }
            for p in all
                .iter()
                .filter(|p| p.effective_to.is_none_or(|to| to >= on))
            {
                let current: std::collections::BTreeMap<i64, FormFile> =
                    blank_forms::current(tx, &code, p.version)?
                        .into_iter()
                        .collect();
                versions.push(VersionForms {
                    version: p.version,
                    from: dmy(p.effective_from),
                    to: p.effective_to.map(dmy).unwrap_or_default(),
                    papers: p
                        .spec
                        .papers
                        .iter()
                        .enumerate()
                        .map(|(i, paper)| PaperForm {
                            n: i + 1,
                            name: paper.name.clone(),
                            template: paper.template.clone().unwrap_or_default(),
                            current: current.get(&(i as i64 + 1)).map(|f| {
                                (
                                    format!(
                                        "/thu-tuc/{code}/mau/{}/tep?phien-ban={}",
                                        i + 1,
                                        p.version
                                    ),
                                    format!("{} ({})", f.name, describe(f)),
                                )
                            }),
                        })
                        .collect(),
                });
            }
            for a in blank_forms::history(tx, &code)?.iter().rev() {
                let by = a
                    .attached_by
                    .strip_prefix("staff:")
                    .and_then(|id| id.parse().ok())
                    .and_then(|id| org::get_staff(tx, id).ok())
                    .map_or(a.attached_by.clone(), |s| s.full_name);
                let what = match &a.file {
                    Some(f) => format!(
                        "{} {} ({})",
                        crate::i18n::t("đính kèm"),
                        f.name,
                        describe(f)
                    ),
                    None => crate::i18n::t("gỡ mẫu đơn").to_owned(),
                };
                history.push(format!(
                    "{} · {} · {} {} · {} {} · {what}",
                    when(Some(a.attached_at)),
                    by,
                    crate::i18n::t("phiên bản"),
                    a.version,
                    crate::i18n::t("thành phần"),
                    a.paper,
                ));
            }
        }
        Ok(FormsPage {
            who,
            keeper,
            q: text,
            notice,
            matches,
            code,
            name,
            versions,
            history,
            max_mb: MAX_FORM_BYTES / (1024 * 1024),
        })
    })
    .await?;
    render(&page)
}

/// POST /can-bo/mau-don/{code}/{version}/{n} (multipart, field `file`): attach the paper's form.
pub async fn upload_page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    UrlPath((code, version, n)): UrlPath<(String, i64, i64)>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::invalid(
            "file",
            format!("không đọc được tệp gửi lên: {e}"),
            format!("cannot read the upload: {e}"),
        )
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or_default().to_owned();
            file = Some((name, field.bytes().await.map_err(bad)?.to_vec()));
        }
    }
    let (name, bytes) = file.unwrap_or_default();
    let app2 = app.clone();
    let c = code.clone();
    write_tx(&app, move |tx| {
        attach(&app2, tx, &staff, &c, version, n, Some((&name, &bytes)))
    })
    .await?;
    Ok(Redirect::to(&format!(
        "/can-bo/mau-don?ma={}&done=attached",
        crate::http::format::percent(&code)
    ))
    .into_response())
}

/// POST /can-bo/mau-don/{code}/{version}/{n}/go: withdraw the paper's form.
pub async fn withdraw_page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    UrlPath((code, version, n)): UrlPath<(String, i64, i64)>,
) -> Result<Response, PageError> {
    let app2 = app.clone();
    let c = code.clone();
    write_tx(&app, move |tx| {
        attach(&app2, tx, &staff, &c, version, n, None)
    })
    .await?;
    Ok(Redirect::to(&format!(
        "/can-bo/mau-don?ma={}&done=withdrawn",
        crate::http::format::percent(&code)
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_recognised_by_content() {
        assert_eq!(form_kind(b"%PDF-1.7 x"), Some("application/pdf"));
        assert_eq!(
            form_kind(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Some("application/msword")
        );
        let mut odt = b"PK\x03\x04".to_vec();
        odt.extend([0u8; 26]);
        odt.extend(b"mimetypeapplication/vnd.oasis.opendocument.text");
        assert_eq!(
            form_kind(&odt),
            Some("application/vnd.oasis.opendocument.text")
        );
        let mut docx = b"PK\x03\x04".to_vec();
        docx.extend(b"[Content_Types].xml ... word/document.xml");
        assert_eq!(
            form_kind(&docx),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        assert_eq!(form_kind(b"PK\x03\x04 a zip of photos"), None);
        assert_eq!(form_kind(b"MZ\x90\x00"), None);
        assert_eq!(form_kind(b"\xff\xd8\xff\xe0"), None);
    }

    #[test]
    fn names_are_safe_and_follow_the_content() {
        assert_eq!(
            file_name(
                "C:\\Tài liệu\\Tờ khai đăng ký khai sinh.docx",
                "application/pdf"
            ),
            "to-khai-dang-ky-khai-sinh.pdf"
        );
        assert_eq!(file_name("", "application/msword"), "mau-don.doc");
        assert_eq!(
            file_name("../../etc/passwd", "application/pdf"),
            "passwd.pdf"
        );
    }
}
