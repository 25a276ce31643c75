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

/// Whether a request comes from a page of this site, as far as the browser says (Sec-Fetch-Site,
/// else Origin against Host). A client that sends neither (not a browser) is taken at its word.
pub fn from_this_site(headers: &axum::http::HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (site, origin) {
        (Some(s), _) => s == "same-origin" || s == "none",
        (None, Some(o)) => host.is_some_and(|h| {
            o.strip_prefix("http://")
                .or_else(|| o.strip_prefix("https://"))
                == Some(h)
        }),
        (None, None) => true,
    }
}

pub fn cross_site() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "cross-site",
        "Yêu cầu từ trang khác bị từ chối",
        "Cross-site request refused",
    )
}

/// Cross-site request protection for cookie sessions: a state-changing request must come from this
/// site (Sec-Fetch-Site or Origin matching Host). Bearer-token clients send neither header.
pub async fn same_origin(req: Request, next: Next) -> Result<Response, ApiError> {
    let safe = matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS");
    let has_cookie = req.headers().contains_key(header::COOKIE);
    if !safe && has_cookie && !from_this_site(req.headers()) {
        return Err(cross_site());
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

/// An API address asked with a method it does not take.
pub async fn wrong_method_api() -> ApiError {
    wrong_method()
}

/// A page address asked with a method it does not take (a GET of a form's target, say): the
/// error page in the site's layout, never the framework's empty answer.
pub async fn wrong_method_page() -> super::PageError {
    super::PageError(wrong_method())
}

fn wrong_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Địa chỉ này không nhận cách gửi yêu cầu này",
        "This address does not take this method",
    )
}

/// An address that is no page: the error page in the site's layout (JSON only under `/api/`).
pub async fn no_page() -> super::PageError {
    super::PageError(ApiError::new(
        StatusCode::NOT_FOUND,
        "no-route",
        "Không có trang này",
        "No such page",
    ))
}

use motcua_domain::calendar::{CalendarError, FIRST_YEAR, LAST_YEAR};
use motcua_domain::msg::{Bilingual, Msg};

/// What is wrong with one text a client sent, if anything: a control character (tab, line feed and
/// carriage return are text), or something written like a date (`YYYY-MM…`) outside the years of the
/// calendar (`FIRST_YEAR`..=`LAST_YEAR`, the domain's own range).
fn bad_text(s: &str) -> Option<Msg> {
    if s.chars()
        .any(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}')
    {
        return Some(Msg::new(
            "có ký tự điều khiển không hợp lệ",
            "contains an invalid control character",
        ));
    }
    let t = s.trim();
    let (sign, rest) = match t.strip_prefix(['-', '+']) {
        Some(r) => (true, r),
        None => (false, t),
    };
    // YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH:MM...: a year of four or more digits, then two-digit
    // fields (so a phone number like 0905-111-222 is not a date).
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let two = |s: &str| s.len() >= 2 && s.as_bytes()[..2].iter().all(u8::is_ascii_digit);
    let end = |s: &str| s.is_empty() || s.starts_with(['T', ' ', 't']);
    let after = &rest[digits..];
    // A four-digit "year" with a leading zero is no date anyone writes (0905-11-22 is a phone).
    let dated = digits >= 4
        && !(digits == 4 && rest.starts_with('0'))
        && after.starts_with('-')
        && two(&after[1..])
        && (end(&after[3..])
            || (after[3..].starts_with('-') && two(&after[4..]) && end(&after[6..])));
    if dated {
        // Too long for an i32, or negative: out of range all the same.
        let year = rest[..digits].parse::<i32>().unwrap_or(i32::MAX);
        let year = if sign && t.starts_with('-') {
            -year
        } else {
            year
        };
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Some(CalendarError::OutOfRange { year }.msg());
        }
    }
    None
}

fn refuse(field: &str, m: Msg) -> ApiError {
    ApiError::invalid(
        field,
        format!("{field}: {}", m.vi),
        format!("{field}: {}", m.en),
    )
}

fn check_pairs(raw: &[u8]) -> Result<(), ApiError> {
    for (k, v) in form_urlencoded::parse(raw) {
        if let Some(p) = bad_text(&k) {
            return Err(refuse("?", p));
        }
        if let Some(p) = bad_text(&v) {
            return Err(refuse(&k, p));
        }
    }
    Ok(())
}

fn check_json(v: &serde_json::Value, path: &str) -> Result<(), ApiError> {
    match v {
        serde_json::Value::String(s) => match bad_text(s) {
            Some(p) => Err(refuse(if path.is_empty() { "body" } else { path }, p)),
            None => Ok(()),
        },
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| check_json(x, &format!("{path}[{i}]"))),
        serde_json::Value::Object(m) => m.iter().try_for_each(|(k, x)| {
            if let Some(p) = bad_text(k) {
                return Err(refuse("body", p));
            }
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            check_json(x, &p)
        }),
        _ => Ok(()),
    }
}

/// Every text a client sends (path, query, JSON and form bodies) is checked once, here, before any
/// handler: control characters and dates outside the calendar's years are refused with 422 and
/// change nothing. (PostgreSQL cannot store a NUL; no date arithmetic ever sees year -262143.)
pub async fn clean_input(max_body: usize, req: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    // Under a page address the refusal is a page; under /api/ a problem.
    let page = !req.uri().path().starts_with("/api/");
    match checked(max_body, req, next).await {
        Ok(res) => res,
        Err(e) if page => super::PageError(e).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn checked(max_body: usize, req: Request, next: Next) -> Result<Response, ApiError> {
    let path = percent_decode(req.uri().path());
    for segment in path.split('/') {
        if let Some(p) = bad_text(segment) {
            return Err(refuse("path", p));
        }
    }
    if let Some(q) = req.uri().query() {
        check_pairs(q.as_bytes())?;
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let json = kind.starts_with("application/json");
    let form = kind.starts_with("application/x-www-form-urlencoded");
    if !json && !form {
        return Ok(next.run(req).await);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, max_body).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Dữ liệu gửi lên quá lớn",
            "The request body is too large",
        )
    })?;
    if form {
        check_pairs(&bytes)?;
    } else if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        // Malformed JSON is left to the extractor, which says what is wrong with it.
        check_json(&v, "")?;
    }
    Ok(next
        .run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await)
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::bad_text;

    #[test]
    fn text_with_control_characters_or_impossible_years_is_bad() {
        for ok in [
            "Nguyễn Văn An",
            "tab\tand\nlines\r",
            "2026-01",
            "2026-12-03",
            "2026-12-03T09:00",
            "1900-01-01",
            "2199-12-31",
            "0905-11-22",
            "0905-111-222",
            "000.33.00.H15-260603-0001",
            "12/QĐ-UBND",
        ] {
            assert_eq!(bad_text(ok), None, "{ok:?}");
        }
        for bad in [
            "a\u{0}b",
            "\u{1b}[31m",
            "x\u{7f}",
            "1899-12-31",
            "2200-01",
            "-262143-01-01",
            "+262143-01-01T00:00",
            "262143-12-31",
            "9999-12-31T23:59",
        ] {
            assert!(bad_text(bad).is_some(), "{bad:?}");
        }
    }
}
