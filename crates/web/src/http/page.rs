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

/// The heading of a printed document in the layout of Decree 30/2020/NĐ-CP (Appendix I), as the
/// PDFs of `motcua-pdf` print it: on the left the governing body (upper case) over the issuing
/// body (upper case, bold, a short rule under it) and the number and symbol line ("Số: .../..."
/// with blanks to fill in by hand when the document has none); on the right the national title,
/// the motto on one line (bold, underlined) and the place and date line (italic). Rendered by
/// `templates/print_head.html`.
pub struct PrintHead {
    pub parent: String,
    pub issuer: String,
    pub number: String,
    pub place_date: String,
}

impl PrintHead {
    /// `parent` and `issuer` as named (printed upper case), `number` the number and symbol if
    /// known, the date line at `place` on `date`.
    pub fn new(
        parent: Option<&str>,
        issuer: &str,
        number: Option<&str>,
        place: &str,
        date: chrono::NaiveDate,
    ) -> PrintHead {
        PrintHead {
            parent: parent.unwrap_or_default().to_uppercase(),
            issuer: issuer.to_uppercase(),
            number: match number.map(str::trim).filter(|n| !n.is_empty()) {
                Some(n) if n.starts_with("Số") => n.to_owned(),
                Some(n) => format!("Số: {n}"),
                None => "Số: ......../........".to_owned(),
            },
            place_date: motcua_pdf::place_date(place, date),
        }
    }

    /// A document of a unit's one-stop desk: the unit over its one-stop body as named on `date`
    /// (the dossier's date: "Bộ phận Một cửa", or the Trung tâm Phục vụ hành chính công of a
    /// commune from 1 July 2025, `rules::one_stop_body`).
    pub fn desk(
        unit_name: &str,
        level: motcua_domain::org::UnitLevel,
        place: &str,
        date: chrono::NaiveDate,
    ) -> PrintHead {
        let body = motcua_domain::rules::one_stop_body(level, date);
        PrintHead::new(Some(unit_name), body, None, place, date)
    }
}
