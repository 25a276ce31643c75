//! Errors as `application/problem+json` (RFC 9457) with a Vietnamese `detail` and an English
//! `detail_en`, and as error pages in the site's layout. Both are built from one bilingual message
//! (`motcua_domain::msg::Msg`): the two languages are never joined and split again.

use askama::Template;
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use motcua_domain::dossier::DossierError;
use motcua_domain::msg::{Bilingual, Msg};
use motcua_store::{Storage, StoreError};

use crate::i18n::filters;
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub vi: String,
    pub en: String,
    pub field: Option<String>,
    /// What went wrong inside, for the log (written when the error becomes a 5xx response).
    pub log: Option<String>,
}

/// A problem (RFC 9457) as motcua answers it.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// `urn:motcua:problem:<kind>`
    #[serde(rename = "type")]
    pub kind: String,
    /// "tiếng Việt / English"
    pub title: String,
    pub status: u16,
    /// Tiếng Việt.
    pub detail: String,
    /// English.
    pub detail_en: String,
    /// The request field the problem is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            kind,
            vi: vi.into(),
            en: en.into(),
            field: None,
            log: None,
        }
    }

    pub fn bad_request(vi: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", vi, en)
    }

    pub fn invalid(field: &str, vi: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError {
            field: Some(field.to_owned()),
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", vi, en)
        }
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Cần đăng nhập",
            "Authentication required",
        )
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Tài khoản không có quyền thực hiện thao tác này với đơn vị này",
            "Your account may not do this for this unit",
        )
    }

    pub fn not_found(vi: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", vi, en)
    }

    /// An internal error; `detail` is logged when (and only when) it becomes a response.
    pub fn internal(detail: String) -> ApiError {
        ApiError {
            log: Some(detail),
            ..ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Lỗi hệ thống, vui lòng thử lại sau",
                "Internal error, please try again later",
            )
        }
    }

    /// Writes the inside story of a server-side failure to the log; nothing for other answers.
    fn log_if_failed(&self) {
        if self.status.is_server_error() {
            tracing::error!(
                status = self.status.as_u16(),
                kind = self.kind,
                detail = self.log.as_deref().unwrap_or(""),
                "request failed"
            );
        }
    }

    /// The status in both languages.
    pub fn titles(&self) -> (&'static str, &'static str) {
        match self.status.as_u16() {
            400 => ("Yêu cầu không hợp lệ", "Bad request"),
            401 => ("Chưa đăng nhập", "Unauthorized"),
            403 => ("Không có quyền", "Forbidden"),
            404 => ("Không tìm thấy", "Not found"),
            409 => ("Xung đột", "Conflict"),
            413 => ("Dữ liệu quá lớn", "Payload too large"),
            415 => ("Sai định dạng", "Unsupported media type"),
            422 => ("Dữ liệu không hợp lệ", "Unprocessable content"),
            429 => ("Quá nhiều yêu cầu", "Too many requests"),
            503 => ("Tạm thời không phục vụ được", "Service unavailable"),
            507 => ("Hết dung lượng lưu trữ", "Insufficient storage"),
            _ => ("Lỗi hệ thống", "Internal error"),
        }
    }

    fn from_msg(status: StatusCode, kind: &'static str, m: Msg) -> ApiError {
        ApiError::new(status, kind, m.vi, m.en)
    }
}

impl From<DossierError> for ApiError {
    fn from(e: DossierError) -> Self {
        let m = e.msg();
        match e {
            DossierError::Invalid { field, .. } => ApiError {
                field: Some(field),
                ..ApiError::from_msg(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)
            },
            DossierError::IllegalTransition { .. } => {
                ApiError::from_msg(StatusCode::CONFLICT, "illegal-transition", m)
            }
            DossierError::Rule { .. } => ApiError::from_msg(StatusCode::CONFLICT, "rule", m),
            DossierError::Calendar(_) => {
                ApiError::from_msg(StatusCode::UNPROCESSABLE_ENTITY, "calendar", m)
            }
            DossierError::Empty => ApiError::internal(m.en),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let m = e.msg();
        match e {
            StoreError::Domain(d) => d.into(),
            StoreError::NotFound(_) => ApiError::from_msg(StatusCode::NOT_FOUND, "not-found", m),
            StoreError::Conflict { .. } => {
                ApiError::from_msg(StatusCode::CONFLICT, "version-conflict", m)
            }
            StoreError::Invalid { .. } => {
                ApiError::from_msg(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)
            }
            StoreError::Constraint(detail) => {
                tracing::info!(%detail, "constraint refused a write");
                ApiError::from_msg(StatusCode::CONFLICT, "constraint", m)
            }
            StoreError::Unavailable { problem, detail } => {
                let (status, kind) = match problem {
                    Storage::Full => (StatusCode::INSUFFICIENT_STORAGE, "storage-full"),
                    Storage::ReadOnly => (StatusCode::SERVICE_UNAVAILABLE, "storage-read-only"),
                    Storage::Busy => (StatusCode::SERVICE_UNAVAILABLE, "database-unavailable"),
                };
                ApiError {
                    log: Some(detail),
                    ..ApiError::from_msg(status, kind, m)
                }
            }
            StoreError::Db(detail) => ApiError::internal(detail),
        }
    }
}

/// The framework's own words about a request, for the English detail: the parts of the input it
/// quotes (which may be in Vietnamese) become "?".
fn plain(detail: String) -> String {
    detail
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .take(300)
        .collect()
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let detail = plain(r.body_text());
        match r {
            JsonRejection::JsonDataError(_) => {
                let (vi, field) = serde_words(&detail);
                ApiError {
                    field,
                    ..ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid-json",
                        format!("Dữ liệu JSON sai kiểu hoặc thiếu trường: {vi}"),
                        format!("JSON has wrong types or missing fields: {detail}"),
                    )
                }
            }
            JsonRejection::JsonSyntaxError(_) => ApiError::bad_request(
                "JSON không đúng cú pháp",
                format!("malformed JSON: {detail}"),
            ),
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content-type",
                "Cần gửi dữ liệu dạng application/json",
                "Expected a request with Content-Type: application/json",
            ),
            _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Dữ liệu gửi lên quá lớn",
                "The request body is too large",
            ),
            _ => ApiError::bad_request(
                "Không đọc được dữ liệu gửi lên",
                format!("could not read the request: {detail}"),
            ),
        }
    }
}

/// What the deserialiser's message says, in Vietnamese, and the field it names: the framework's
/// English never stands in a Vietnamese sentence.
fn serde_words(detail: &str) -> (String, Option<String>) {
    let quoted = |after: &str| {
        detail
            .split(after)
            .nth(1)
            .and_then(|rest| rest.split('`').nth(1))
            .map(str::to_owned)
    };
    if let Some(f) = quoted("missing field") {
        return (format!("thiếu trường '{f}'"), Some(f));
    }
    if let Some(f) = quoted("unknown field") {
        return (format!("không có trường '{f}'"), Some(f));
    }
    if detail.contains("unknown variant") {
        return ("giá trị không nằm trong danh sách cho phép".into(), None);
    }
    if detail.contains("invalid digit") || detail.contains("invalid type") {
        return (
            "giá trị sai kiểu (cần số, chuỗi hoặc ngày đúng dạng)".into(),
            None,
        );
    }
    ("giá trị không đọc được".into(), None)
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let detail = plain(r.body_text());
        let (vi, field) = serde_words(&detail);
        let e = ApiError::bad_request(
            format!("Tham số truy vấn không hợp lệ: {vi}"),
            format!("invalid query parameters: {detail}"),
        );
        ApiError { field, ..e }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        let detail = plain(r.body_text());
        ApiError::new(
            StatusCode::NOT_FOUND,
            "bad-path",
            format!("Địa chỉ không hợp lệ: {detail}"),
            format!("invalid path: {detail}"),
        )
    }
}

impl From<FormRejection> for ApiError {
    fn from(r: FormRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Dữ liệu gửi lên quá lớn",
                "The request body is too large",
            );
        }
        tracing::debug!(detail = %r.body_text(), "form refused");
        ApiError::bad_request(
            "Biểu mẫu gửi lên không đọc được; vui lòng tải lại trang và thử lại",
            "The form could not be read; reload the page and try again",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log_if_failed();
        let retry = self.status == StatusCode::SERVICE_UNAVAILABLE;
        let (title_vi, title_en) = self.titles();
        let body = Problem {
            kind: format!("urn:motcua:problem:{}", self.kind),
            title: format!("{title_vi} / {title_en}"),
            status: self.status.as_u16(),
            detail: self.vi,
            detail_en: self.en,
            field: self.field,
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if retry {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        res
    }
}

/// An error shown as a page.
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.log_if_failed();
        let (vi, en) = self.0.titles();
        let page = ErrorPage {
            title: crate::i18n::pick(vi, en),
            message: crate::i18n::pick(&self.0.vi, &self.0.en),
        };
        (self.0.status, Html(page.render().unwrap_or_default())).into_response()
    }
}
