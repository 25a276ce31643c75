//! Messages for people, in Vietnamese and English kept apart from the moment they are written: an
//! error travels from the domain or the store to HTTP as a `Msg`, and each front end picks the
//! language it needs. Nothing joins the two into one string to split it again later; `Display`
//! joins them only for the command line and logs, which show both.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Msg {
    pub vi: String,
    pub en: String,
}

impl Msg {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.vi, self.en)
    }
}

/// An error that can say what went wrong in both languages.
pub trait Bilingual {
    fn msg(&self) -> Msg;
}
