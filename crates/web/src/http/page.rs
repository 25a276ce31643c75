//! Rendering pages: templates to HTML (or an error page), and the stylesheets.

use super::{ApiError, PageError};
use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
pub fn render(t: &impl Template) -> Result<Html<String>, PageError> {
    t.render()
        .map(Html)
        .map_err(|e| PageError(ApiError::internal(format!("template: {e}"))))
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/site.css"),
    )
        .into_response()
}

pub async fn print_stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../assets/print.css"),
    )
        .into_response()
}
