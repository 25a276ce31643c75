//! Layers every response goes through: security headers, the same-origin check for cookie
//! sessions, and the answer for addresses that do not exist.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::http::ApiError;

pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Cross-site request protection for cookie sessions: a state-changing request must come from this
/// site (Sec-Fetch-Site or Origin matching Host). Bearer-token clients send neither header.
pub async fn same_origin(req: Request, next: Next) -> Result<Response, ApiError> {
    let safe = matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS");
    let has_cookie = req.headers().contains_key(header::COOKIE);
    if !safe && has_cookie {
        let site = req
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok());
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok());
        let ok = match (site, origin) {
            (Some(s), _) => s == "same-origin" || s == "none",
            (None, Some(o)) => host.is_some_and(|h| {
                o.strip_prefix("http://")
                    .or_else(|| o.strip_prefix("https://"))
                    == Some(h)
            }),
            (None, None) => true,
        };
        if !ok {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "cross-site",
                "Yêu cầu từ trang khác bị từ chối",
                "Cross-site request refused",
            ));
        }
    }
    Ok(next.run(req).await)
}

pub async fn no_route() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no-route",
        "Không có địa chỉ này",
        "No such endpoint",
    )
}
