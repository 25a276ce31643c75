//! How dates, times, shares and URLs are written on pages.

use chrono::{NaiveDate, Utc};
use motcua_domain::dossier::{Instant, to_local};
pub fn today() -> NaiveDate {
    to_local(Utc::now()).date()
}

pub fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Percent-encodes a query value.
pub fn percent(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An instant as Vietnam local time, "HH:MM dd/mm/yyyy".
pub fn when(t: Option<motcua_domain::dossier::Instant>) -> String {
    t.map(|t| to_local(t).format("%H:%M %d/%m/%Y").to_string())
        .unwrap_or_default()
}

pub fn long_time(t: Option<Instant>) -> String {
    t.map(|t| {
        to_local(t)
            .format("%H giờ %M phút, ngày %d tháng %m năm %Y")
            .to_string()
    })
    .unwrap_or_default()
}

/// "85,2 %" of resolved dossiers finished early or on time, or a dash when none was resolved.
pub fn share(in_time: i64, resolved: i64) -> String {
    if resolved == 0 {
        "–".into()
    } else {
        format!("{:.1} %", 100.0 * in_time as f64 / resolved as f64).replace('.', ",")
    }
}
