//! The document model: plain data that [`crate::render`] lays out on A4 pages in the style of
//! Decree 30/2020/NĐ-CP (Appendix I: heading blocks, number and symbol, place and date, title,
//! body, signature block, "Nơi nhận").

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// One official document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub header: Header,
    /// The document's name (tên loại văn bản), centred, bold, upper case: "GIẤY TIẾP NHẬN HỒ SƠ ...".
    pub title: String,
    /// Lines under the title (trích yếu), centred and bold.
    pub subtitle: Vec<String>,
    pub body: Vec<Block>,
    /// Signature blocks, side by side (one: on the right, beside "Nơi nhận"; two: left and right).
    pub signers: Vec<Signer>,
    /// "Nơi nhận" entries, e.g. "Như trên;", "Lưu: VT."; empty: no "Nơi nhận" block.
    pub recipients: Vec<String>,
    pub meta: Meta,
    /// A4 landscape (wide registers) instead of portrait.
    pub landscape: bool,
}

/// The heading: issuing body on the left, national title and motto on the right (Decree 30, art. 8-10).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Header {
    /// Governing body (cơ quan chủ quản), upper case, regular: "UBND QUẬN BA ĐÌNH". Optional.
    pub parent: Option<String>,
    /// Issuing body (cơ quan ban hành), upper case, bold: "BỘ PHẬN MỘT CỬA".
    pub issuer: String,
    /// Number and symbol line, e.g. "Số: 125/GTN-BPMC". Optional.
    pub number: Option<String>,
    /// Place and date line, e.g. "Ba Đình, ngày 03 tháng 12 năm 2026" (see [`place_date`]).
    pub place_date: Option<String>,
    /// Form label printed in the top right corner, e.g. "Mẫu số 01".
    pub form: Option<String>,
}

/// Document information written to the PDF's Info dictionary and XMP metadata (PDF/A).
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub title: String,
    pub author: String,
    pub subject: Option<String>,
    pub created: DateTime<Utc>,
}

/// A run of text in one face.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
}

impl Span {
    pub fn plain(text: impl Into<String>) -> Self {
        Span {
            text: text.into(),
            bold: false,
            italic: false,
        }
    }
    pub fn bold(text: impl Into<String>) -> Self {
        Span {
            text: text.into(),
            bold: true,
            italic: false,
        }
    }
    pub fn italic(text: impl Into<String>) -> Self {
        Span {
            text: text.into(),
            bold: false,
            italic: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
    /// Both edges flush; the last line of the paragraph is left aligned.
    Justify,
}

/// A column of a [`Block::Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    /// Share of the text width; the shares of a table are scaled to fill the width.
    pub width: f32,
    pub align: Align,
}

impl Column {
    pub fn new(title: impl Into<String>, width: f32, align: Align) -> Self {
        Column {
            title: title.into(),
            width,
            align,
        }
    }
}

/// A block of the body, laid out top to bottom; pages break between lines and between table rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph of spans; `indent` indents the first line (1 cm, Decree 30 body text).
    Paragraph {
        spans: Vec<Span>,
        align: Align,
        indent: bool,
    },
    /// "Label: value" with the value in bold; an empty value prints the label alone.
    Field { label: String, value: String },
    /// A bold line, e.g. "I. ƯU ĐIỂM".
    Heading(String),
    /// "- text" with a hanging indent.
    Bullet(String),
    /// A ruled table; header row repeated on each page, rows never split.
    Table {
        columns: Vec<Column>,
        rows: Vec<Vec<String>>,
    },
    /// A QR code (about 30 mm) on the right with caption lines on its left.
    Qr {
        payload: String,
        caption: Vec<String>,
    },
    /// A smaller italic note, e.g. the legal basis.
    Note(String),
    /// Vertical space in points.
    Space(f32),
}

impl Block {
    pub fn text(text: impl Into<String>) -> Block {
        Block::Paragraph {
            spans: vec![Span::plain(text)],
            align: Align::Justify,
            indent: false,
        }
    }
    pub fn field(label: impl Into<String>, value: impl Into<String>) -> Block {
        Block::Field {
            label: label.into(),
            value: value.into(),
        }
    }
}

/// A signature block: position lines (bold, upper case), a note, room to sign, the name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Signer {
    /// e.g. ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"] or ["NGƯỜI TIẾP NHẬN HỒ SƠ"].
    pub title: Vec<String>,
    /// e.g. "(Ký, ghi rõ họ tên)".
    pub note: Option<String>,
    pub name: Option<String>,
}

impl Signer {
    pub fn new(title: &str, name: Option<&str>) -> Signer {
        Signer {
            title: title.lines().map(str::to_owned).collect(),
            note: Some("(Ký, ghi rõ họ tên)".to_owned()),
            name: name.filter(|n| !n.is_empty()).map(str::to_owned),
        }
    }
}

/// "Ba Đình, ngày 03 tháng 02 năm 2026": Decree 30/2020, Appendix I, II.5: a day below 10 and
/// the months 1 and 2 take a leading zero.
pub fn place_date(place: &str, date: NaiveDate) -> String {
    let month = date.month();
    let month = if month <= 2 {
        format!("0{month}")
    } else {
        month.to_string()
    };
    format!(
        "{place}, ngày {:02} tháng {month} năm {}",
        date.day(),
        date.year()
    )
}
