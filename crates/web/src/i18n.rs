//! The language of a page: Vietnamese by default, English on request.
//!
//! One mechanism serves every page: the Vietnamese text is the key (it is what the templates and the
//! domain labels already say), `i18n/en.tsv` holds its English translation, and the language of the
//! current request lives in a task-local set by [`scope`], read by [`t`] while a template renders.
//! The choice is a cookie set by `GET /ngon-ngu/{vi|en}` (a link in every page's header; no
//! JavaScript needed). A test checks that every text a template or a Rust label asks for has an
//! English line, and that no line is unused.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::{Path, Query, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

#[derive(Clone)]
struct Ctx {
    lang: Lang,
    /// The path and query of the page, for the language switch to come back to.
    here: String,
}

tokio::task_local! {
    static CTX: Ctx;
}

/// The English dictionary, keyed by the Vietnamese text.
pub static DICTIONARY: &str = include_str!("../i18n/en.tsv");

static EN: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    DICTIONARY
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .collect()
});

/// The language of the request being served (Vietnamese outside a request).
pub fn lang() -> Lang {
    CTX.try_with(|c| c.lang).unwrap_or(Lang::Vi)
}

/// The page's own address, for the language switch.
pub fn here() -> String {
    CTX.try_with(|c| c.here.clone())
        .unwrap_or_else(|_| "/".to_owned())
}

/// The text in the request's language: the Vietnamese itself, or its English line (the Vietnamese
/// when a line is missing, which the dictionary test forbids).
pub fn t(vi: &str) -> &str {
    match lang() {
        Lang::Vi => vi,
        Lang::En => EN.get(vi).copied().unwrap_or(vi),
    }
}

/// [`t`] with `{}` replaced by `arg`.
pub fn t1(vi: &str, arg: impl std::fmt::Display) -> String {
    t(vi).replacen("{}", &arg.to_string(), 1)
}

/// A time limit (thời hạn) in the request's language.
pub fn limit(l: motcua_domain::calendar::Limit) -> String {
    match lang() {
        Lang::Vi => l.describe_vi(),
        Lang::En => l.describe_en(),
    }
}

/// One of two texts written side by side (error messages carry both).
pub fn pick<'a>(vi: &'a str, en: &'a str) -> &'a str {
    match lang() {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// Template filters: `{{ "Tìm kiếm"|t }}`, `{{ "{} thủ tục"|t1(total) }}`. A module using templates
/// brings them in with `use crate::i18n::filters;`.
pub mod filters {
    use std::fmt::Display;

    pub fn t(vi: impl Display, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(crate::i18n::t(&vi.to_string()).to_owned())
    }

    pub fn t1(
        vi: impl Display,
        _: &dyn askama::Values,
        arg: impl Display,
    ) -> askama::Result<String> {
        Ok(crate::i18n::t1(&vi.to_string(), arg))
    }
}

fn from_cookie(headers: &HeaderMap) -> Lang {
    let english = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim() == "lang=en");
    if english { Lang::En } else { Lang::Vi }
}

/// Middleware: runs the request with its language in scope.
pub async fn scope(req: Request, next: Next) -> Response {
    let lang = from_cookie(req.headers());
    let here = req
        .uri()
        .path_and_query()
        .map_or("/".to_owned(), |p| p.as_str().to_owned());
    CTX.scope(Ctx { lang, here }, next.run(req)).await
}

#[derive(Deserialize)]
pub struct Back {
    next: Option<String>,
}

/// `GET /ngon-ngu/{vi|en}?next=/path`: remembers the choice for a year and goes back.
pub async fn switch(Path(code): Path<String>, Query(back): Query<Back>) -> Response {
    let lang = match code.as_str() {
        "vi" => Lang::Vi,
        "en" => Lang::En,
        _ => {
            return (
                StatusCode::NOT_FOUND,
                "Ngôn ngữ không hỗ trợ (vi, en) / unsupported language (vi, en)",
            )
                .into_response();
        }
    };
    // Only a path on this site: never an open redirect.
    let next = back
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".to_owned());
    let cookie = format!(
        "lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        lang.code()
    );
    let mut res = StatusCode::SEE_OTHER.into_response();
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&next) {
        headers.insert(header::LOCATION, v);
    } else {
        headers.insert(header::LOCATION, HeaderValue::from_static("/"));
    }
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        headers.insert(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_lines_are_well_formed_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for (n, line) in DICTIONARY.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (vi, en) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("line {}: no tab: {line}", n + 1));
            assert!(!vi.is_empty() && !en.is_empty(), "line {}", n + 1);
            assert!(!en.contains('\t'), "line {}: two tabs", n + 1);
            assert_eq!(
                vi.matches("{}").count(),
                en.matches("{}").count(),
                "line {}: placeholders differ",
                n + 1
            );
            assert!(seen.insert(vi), "line {}: {vi} twice", n + 1);
        }
    }

    fn sources(dir: &std::path::Path, ext: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, ext, out);
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }

    /// The string literals of a text: what is between unescaped double quotes.
    fn literals(text: &str) -> Vec<String> {
        let mut out = vec![];
        let mut current: Option<String> = None;
        let mut escaped = false;
        for c in text.chars() {
            match (&mut current, c) {
                (Some(s), _) if escaped => {
                    s.push(c);
                    escaped = false;
                }
                (Some(_), '\\') => escaped = true,
                (Some(_), '"') => out.push(current.take().unwrap_or_default()),
                (Some(s), _) => s.push(c),
                (None, '"') => current = Some(String::new()),
                (None, _) => {}
            }
        }
        out
    }

    #[test]
    fn every_text_asked_for_has_english_and_every_line_is_used() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut templates, mut rust) = (vec![], vec![]);
        sources(&root.join("templates"), "html", &mut templates);
        sources(&root.join("src"), "rs", &mut rust);
        sources(&root.join("../domain/src"), "rs", &mut rust);
        let mut asked = vec![];
        for t in &templates {
            let mut rest = t.as_str();
            while let Some(end) = rest.find("\"|t") {
                let start = rest[..end].rfind('"').expect("opening quote");
                asked.push(rest[start + 1..end].to_owned());
                rest = &rest[end + 3..];
            }
        }
        for r in &rust {
            for call in ["i18n::t(\"", "i18n::t1(\""] {
                let mut rest = r.as_str();
                while let Some(i) = rest.find(call) {
                    let after = &rest[i + call.len()..];
                    let end = after.find('"').expect("closing quote");
                    asked.push(after[..end].to_owned());
                    rest = &after[end..];
                }
            }
        }
        assert!(asked.len() > 150, "found only {} texts", asked.len());
        let missing: Vec<&String> = asked
            .iter()
            .filter(|k| !EN.contains_key(k.as_str()))
            .collect();
        assert!(missing.is_empty(), "no English for {missing:?}");
        // Every line is used: asked for by a template or Rust code, or a label the domain gives.
        let mut known: std::collections::HashSet<String> = asked.into_iter().collect();
        for r in &rust {
            known.extend(literals(r));
        }
        let unused: Vec<&&str> = EN.keys().filter(|k| !known.contains(**k)).collect();
        assert!(unused.is_empty(), "lines nobody uses: {unused:?}");
    }

    #[tokio::test]
    async fn text_follows_the_request_language() {
        assert_eq!(t("Tra cứu hồ sơ"), "Tra cứu hồ sơ");
        let en = Ctx {
            lang: Lang::En,
            here: "/".into(),
        };
        let got = CTX.scope(en, async { t("Tra cứu hồ sơ").to_owned() }).await;
        assert_eq!(got, "Look up a dossier");
    }
}
