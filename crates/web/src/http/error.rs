//! Errors as `application/problem+json` (RFC 9457) with a Vietnamese `detail` and an English
//! `detail_en`. Every user-facing message in motcua is written "tiếng Việt / English".

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_domain::dossier::DossierError;
use motcua_store::StoreError;
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub vi: String,
    pub en: String,
    pub field: Option<String>,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    detail_en: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

/// Splits a "tiếng Việt / English" message.
fn split(message: &str) -> (String, String) {
    match message.split_once(" / ") {
        Some((vi, en)) => (vi.to_owned(), en.to_owned()),
        None => (message.to_owned(), message.to_owned()),
    }
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

    pub fn internal(detail: String) -> ApiError {
        tracing::error!(%detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Lỗi hệ thống, vui lòng thử lại sau",
            "Internal error, please try again later",
        )
    }

    pub fn title(&self) -> &'static str {
        match self.status.as_u16() {
            400 => "Yêu cầu không hợp lệ / Bad request",
            401 => "Chưa đăng nhập / Unauthorized",
            403 => "Không có quyền / Forbidden",
            404 => "Không tìm thấy / Not found",
            409 => "Xung đột / Conflict",
            413 => "Dữ liệu quá lớn / Payload too large",
            415 => "Sai định dạng / Unsupported media type",
            422 => "Dữ liệu không hợp lệ / Unprocessable content",
            429 => "Quá nhiều yêu cầu / Too many requests",
            _ => "Lỗi hệ thống / Internal error",
        }
    }
}

impl From<DossierError> for ApiError {
    fn from(e: DossierError) -> Self {
        let (vi, en) = split(&e.to_string());
        match e {
            DossierError::Invalid { field, vi, en } => ApiError {
                field: Some(field),
                ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", vi, en)
            },
            DossierError::IllegalTransition { .. } => {
                ApiError::new(StatusCode::CONFLICT, "illegal-transition", vi, en)
            }
            DossierError::Rule { .. } => ApiError::new(StatusCode::CONFLICT, "rule", vi, en),
            DossierError::Calendar(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "calendar", vi, en)
            }
            DossierError::Empty => ApiError::internal(e.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => d.into(),
            StoreError::NotFound(_) => {
                let (vi, en) = split(&e.to_string());
                ApiError::not_found(vi, en)
            }
            StoreError::Conflict { .. } => {
                let (vi, en) = split(&e.to_string());
                ApiError::new(StatusCode::CONFLICT, "version-conflict", vi, en)
            }
            StoreError::Invalid { vi, en } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", vi, en)
            }
            StoreError::Constraint(_) => {
                let (vi, en) = split(&e.to_string());
                ApiError::new(StatusCode::CONFLICT, "constraint", vi, en)
            }
            StoreError::Db(detail) => ApiError::internal(detail),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let detail = r.body_text();
        match r {
            JsonRejection::JsonDataError(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-json",
                format!("Dữ liệu JSON sai kiểu hoặc thiếu trường: {detail}"),
                format!("JSON has wrong types or missing fields: {detail}"),
            ),
            JsonRejection::JsonSyntaxError(_) => ApiError::bad_request(
                format!("JSON không đúng cú pháp: {detail}"),
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
                format!("Không đọc được dữ liệu: {detail}"),
                format!("could not read the request: {detail}"),
            ),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let detail = r.body_text();
        ApiError::bad_request(
            format!("Tham số truy vấn không hợp lệ: {detail}"),
            format!("invalid query parameters: {detail}"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: format!("urn:motcua:problem:{}", self.kind),
            title: self.title(),
            status: self.status.as_u16(),
            detail: &self.vi,
            detail_en: &self.en,
            field: self.field.as_deref(),
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        res
    }
}
