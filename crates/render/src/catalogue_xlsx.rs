//! An announcement decision as an XLSX workbook, in the layout of the provinces' published lists:
//! a sheet with the decision (number, date, issuer, effective date) and a sheet with one row per
//! procedure (STT, kind, code, name, field, level, agencies, time limit, channels, workflow, papers,
//! fees, conditions, result, legal basis, applicability). Cells with several entries hold one entry
//! per line, parts separated by " | ". Reading checks every row and names the first bad one.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use motcua_domain::calendar::Limit;
use motcua_domain::catalogue::{Announcement, Item};
use motcua_domain::org::UnitLevel;
use motcua_domain::procedure::{
    Applicability, Channels, FeeLine, OnlineLevel, PaperSpec, ProcedureSpec, StepBudget,
};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

pub const DECISION_SHEET: &str = "Quyết định";
pub const LIST_SHEET: &str = "Danh mục TTHC";

const HEADERS: [&str; 20] = [
    "STT",
    "Loại",
    "Mã TTHC",
    "Mã TTHC được thay thế",
    "Tên thủ tục hành chính",
    "Lĩnh vực",
    "Cấp thực hiện",
    "Cơ quan tiếp nhận",
    "Cơ quan có thẩm quyền quyết định",
    "Thời hạn giải quyết",
    "Đơn vị thời hạn",
    "Cách thức thực hiện",
    "Trình tự thực hiện (bước | thời gian | đơn vị)",
    "Thành phần hồ sơ (tên | số bản | bắt buộc | mẫu | điều kiện)",
    "Phí, lệ phí (tên | số tiền | mô tả | miễn)",
    "Yêu cầu, điều kiện",
    "Kết quả thực hiện",
    "Căn cứ pháp lý",
    "Đơn vị áp dụng",
    "Lý do bãi bỏ",
];

/// A problem in a workbook: where (row, column), and what, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{vi} / {}{en}", at_vi(*row, column), at_en(*row, column))]
pub struct XlsxProblem {
    pub row: Option<usize>,
    pub column: Option<String>,
    pub vi: String,
    pub en: String,
}

fn at_vi(row: Option<usize>, column: &Option<String>) -> String {
    match (row, column) {
        (Some(r), Some(c)) => format!("dòng {r}, cột '{c}': "),
        (Some(r), None) => format!("dòng {r}: "),
        _ => String::new(),
    }
}

fn at_en(row: Option<usize>, column: &Option<String>) -> String {
    match (row, column) {
        (Some(r), Some(c)) => format!("row {r}, column '{c}': "),
        (Some(r), None) => format!("row {r}: "),
        _ => String::new(),
    }
}

fn problem(
    row: Option<usize>,
    column: Option<usize>,
    vi: impl Into<String>,
    en: impl Into<String>,
) -> XlsxProblem {
    XlsxProblem {
        row,
        column: column.map(|c| HEADERS[c].to_owned()),
        vi: vi.into(),
        en: en.into(),
    }
}

fn level_vi(l: UnitLevel) -> &'static str {
    l.label_vi()
}

fn level_from_vi(s: &str) -> Option<UnitLevel> {
    [
        UnitLevel::Province,
        UnitLevel::District,
        UnitLevel::Commune,
        UnitLevel::Department,
        UnitLevel::Agency,
    ]
    .into_iter()
    .find(|l| l.label_vi().eq_ignore_ascii_case(s.trim()) || l.as_str() == s.trim())
}

fn kind_vi(item: &Item) -> &'static str {
    item.action_vi()
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The prefix of a conditional limit's line in the conditions column.
const CONDITIONAL: &str = "Thời hạn khi ";

fn limit_cells(l: Limit) -> (f64, &'static str) {
    match l {
        Limit::SameDay => (1.0, "trong ngày"),
        Limit::WorkingDays(n) => (f64::from(n), "ngày làm việc"),
        Limit::WorkingMinutes(m) => (f64::from(m) / 60.0, "giờ làm việc"),
    }
}

fn limit_text(l: Limit) -> String {
    let (n, unit) = limit_cells(l);
    format!("{} | {unit}", trim_number(n))
}

fn trim_number(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Written in the "how" column of a procedure received regardless of administrative boundaries,
/// as the provinces' published lists of such procedures say it.
const BOUNDARY_FREE: &str = "Không phụ thuộc địa giới hành chính";

fn channels_text(c: &Channels) -> String {
    let mut parts = vec![];
    if c.desk {
        parts.push("Trực tiếp".to_owned());
    }
    if c.post {
        parts.push("Bưu chính".to_owned());
    }
    match c.online {
        OnlineLevel::Full => parts.push("Trực tuyến toàn trình".to_owned()),
        OnlineLevel::Partial => parts.push("Trực tuyến một phần".to_owned()),
        OnlineLevel::None => {}
    }
    parts.join("; ")
}

fn applies_text(a: &Applicability) -> String {
    let mut lines: Vec<String> = a.levels.iter().map(|l| level_vi(*l).to_owned()).collect();
    lines.extend(a.units.iter().map(|u| format!("Đơn vị: {u}")));
    lines.extend(a.except.iter().map(|u| format!("Trừ: {u}")));
    lines.join("\n")
}

/// The row cells of one item.
fn row_cells(i: usize, item: &Item) -> Vec<String> {
    let mut cells = vec![String::new(); HEADERS.len()];
    cells[0] = (i + 1).to_string();
    cells[1] = kind_vi(item).to_owned();
    let spec = match item {
        Item::New { procedure } | Item::Amended { procedure } => procedure,
        Item::Replaced {
            replaces,
            procedure,
        } => {
            cells[3] = replaces.clone();
            procedure
        }
        Item::Abolished { code, reason } => {
            cells[2] = code.clone();
            cells[19] = reason.clone();
            return cells;
        }
    };
    let (n, unit) = limit_cells(spec.limit);
    cells[2] = spec.code.clone();
    cells[4] = spec.name.clone();
    cells[5] = spec.field.clone();
    cells[6] = level_vi(spec.level).to_owned();
    cells[7] = spec.receiving_agency.clone();
    cells[8] = spec.deciding_agency.clone();
    cells[9] = trim_number(n);
    cells[10] = unit.to_owned();
    cells[11] = channels_text(&spec.channels);
    if spec.boundary_free {
        cells[11].push_str("; ");
        cells[11].push_str(BOUNDARY_FREE);
    }
    cells[12] = spec
        .steps
        .iter()
        .map(|s| format!("{} | {}", s.name, limit_text(s.budget)))
        .collect::<Vec<_>>()
        .join("\n");
    cells[13] = spec
        .papers
        .iter()
        .map(|p| {
            format!(
                "{} | {} | {} | {} | {}",
                p.name,
                p.copies,
                if p.mandatory {
                    "Bắt buộc"
                } else {
                    "Không bắt buộc"
                },
                p.template.as_deref().unwrap_or(""),
                p.condition.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    cells[14] = spec
        .fees
        .iter()
        .map(|f| {
            format!(
                "{} | {} | {} | {}",
                f.name,
                f.amount.map(|a| a.to_string()).unwrap_or_default(),
                f.description,
                f.exemptions.join("; ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    // Conditions, then each conditional limit as "Thời hạn khi <condition>: <n> | <unit>".
    cells[15] = spec
        .conditions
        .iter()
        .cloned()
        .chain(
            spec.conditional_limits
                .iter()
                .map(|c| format!("{CONDITIONAL}{}: {}", c.condition, limit_text(c.limit))),
        )
        .collect::<Vec<_>>()
        .join("\n");
    cells[16] = spec.result.clone();
    cells[17] = spec.legal_basis.join("\n");
    cells[18] = applies_text(&spec.applies_to);
    cells
}

/// Writes a decision as a workbook.
pub fn write_decision(a: &Announcement) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#DDEBF7");
    {
        let sheet = book.add_worksheet();
        sheet.set_name(DECISION_SHEET)?;
        for (r, (k, v)) in [
            ("Số quyết định", a.number.clone()),
            ("Ngày ban hành", dmy(a.date)),
            ("Cơ quan ban hành", a.issuer.clone()),
            ("Ngày có hiệu lực", dmy(a.effective)),
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string_with_format(r as u32, 0, *k, &bold)?;
            sheet.write_string(r as u32, 1, v)?;
        }
        sheet.set_column_width(0, 22)?;
        sheet.set_column_width(1, 48)?;
    }
    let sheet = book.add_worksheet();
    sheet.set_name(LIST_SHEET)?;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &header)?;
    }
    for (i, item) in a.items.iter().enumerate() {
        for (c, v) in row_cells(i, item).iter().enumerate() {
            let row = (i + 1) as u32;
            if (c == 0 || c == 9)
                && let Ok(n) = v.parse::<f64>()
            {
                sheet.write_number(row, c as u16, n)?;
                continue;
            }
            sheet.write_string_with_format(row, c as u16, v, &wrap)?;
        }
    }
    for (c, w) in [
        6, 16, 14, 14, 40, 20, 12, 24, 24, 10, 14, 24, 40, 60, 40, 30, 30, 36, 20, 24,
    ]
    .iter()
    .enumerate()
    {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.trim().to_owned(),
        Data::Float(f) => trim_number(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64()).map(dmy).unwrap_or_default(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// Excel's serial date (days since 1899-12-30).
fn excel_date(serial: f64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1899, 12, 30)?
        .checked_add_days(chrono::Days::new(serial.floor() as u64))
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d"))
        .ok()
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

fn parts(line: &str) -> Vec<&str> {
    line.split('|').map(str::trim).collect()
}

fn parse_limit(n: &str, unit: &str) -> Option<Limit> {
    let n: f64 = n.trim().replace(',', ".").parse().ok()?;
    if !(n.is_finite() && n > 0.0) {
        return None;
    }
    match unit.trim().to_lowercase().as_str() {
        "trong ngày" | "same day" => (n == 1.0).then_some(Limit::SameDay),
        "ngày làm việc" | "ngày" | "working days" => {
            (n.fract() == 0.0).then_some(Limit::WorkingDays(n as u32))
        }
        "giờ làm việc" | "giờ" | "working hours" => {
            Some(Limit::WorkingMinutes((n * 60.0).round() as u32))
        }
        _ => None,
    }
}

/// Reads a decision from a workbook written in this layout. A workbook is untrusted input and the
/// XLSX reader can panic on some corrupted files (an out-of-range shared-string index, seen with
/// calamine 0.30): such a panic is turned into an error like any other unreadable file.
pub fn read_decision(bytes: &[u8]) -> Result<Announcement, XlsxProblem> {
    std::panic::catch_unwind(|| read_workbook(bytes)).unwrap_or_else(|_| {
        Err(problem(
            None,
            None,
            "tệp XLSX bị hỏng, không đọc được",
            "the XLSX file is corrupted and cannot be read",
        ))
    })
}

fn read_workbook(bytes: &[u8]) -> Result<Announcement, XlsxProblem> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        problem(
            None,
            None,
            format!("không đọc được tệp XLSX: {e}"),
            format!("not a readable XLSX file: {e}"),
        )
    })?;
    let meta = book.worksheet_range(DECISION_SHEET).map_err(|_| {
        problem(
            None,
            None,
            format!("thiếu trang '{DECISION_SHEET}'"),
            format!("sheet '{DECISION_SHEET}' is missing"),
        )
    })?;
    let mut fields = std::collections::HashMap::new();
    for row in meta.rows() {
        if row.len() >= 2 {
            fields.insert(text(&row[0]), text(&row[1]));
        }
    }
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let date_field = |k: &str| {
        parse_date(&field(k)).ok_or_else(|| {
            problem(
                None,
                None,
                format!("'{k}' cần dạng dd/mm/yyyy"),
                format!("'{k}' must be a date dd/mm/yyyy"),
            )
        })
    };
    let number = field("Số quyết định");
    if number.is_empty() {
        return Err(problem(
            None,
            None,
            "thiếu số quyết định",
            "the decision number is missing",
        ));
    }
    let (date, effective) = (
        date_field("Ngày ban hành")?,
        date_field("Ngày có hiệu lực")?,
    );
    let list = book.worksheet_range(LIST_SHEET).map_err(|_| {
        problem(
            None,
            None,
            format!("thiếu trang '{LIST_SHEET}'"),
            format!("sheet '{LIST_SHEET}' is missing"),
        )
    })?;
    let mut rows = list.rows();
    let header: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(text).collect())
        .unwrap_or_default();
    for (c, h) in HEADERS.iter().enumerate() {
        if header.get(c).map(String::as_str) != Some(*h) {
            return Err(problem(
                Some(1),
                Some(c),
                format!("tiêu đề cột {} phải là '{h}'", c + 1),
                format!("the heading of column {} must be '{h}'", c + 1),
            ));
        }
    }
    let mut items = vec![];
    for (i, row) in rows.enumerate() {
        let r = i + 2;
        let cells: Vec<String> = (0..HEADERS.len())
            .map(|c| row.get(c).map(text).unwrap_or_default())
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        items.push(read_row(r, &cells)?);
    }
    Ok(Announcement {
        number,
        date,
        issuer: field("Cơ quan ban hành"),
        effective,
        items,
    })
}

fn read_row(r: usize, c: &[String]) -> Result<Item, XlsxProblem> {
    let bad = |col: usize, vi: &str, en: &str| problem(Some(r), Some(col), vi, en);
    let code = c[2].clone();
    if c[1] == "Bãi bỏ" {
        return Ok(Item::Abolished {
            code,
            reason: c[19].clone(),
        });
    }
    let level = level_from_vi(&c[6]).ok_or_else(|| {
        bad(
            6,
            "cấp thực hiện không hợp lệ (Cấp xã, Cấp huyện, Cấp tỉnh)",
            "unknown level",
        )
    })?;
    let limit = parse_limit(&c[9], &c[10]).ok_or_else(|| {
        bad(
            9,
            "thời hạn phải là số dương, đơn vị 'ngày làm việc' hoặc 'giờ làm việc'",
            "the limit must be a positive number of 'ngày làm việc' or 'giờ làm việc'",
        )
    })?;
    let online = if c[11].contains("toàn trình") {
        OnlineLevel::Full
    } else if c[11].contains("Trực tuyến") {
        OnlineLevel::Partial
    } else {
        OnlineLevel::None
    };
    let channels = Channels {
        desk: c[11].contains("Trực tiếp"),
        post: c[11].contains("Bưu chính"),
        online,
    };
    let steps = lines(&c[12])
        .into_iter()
        .map(|l| {
            let p = parts(l);
            match p.as_slice() {
                [name, n, unit] => parse_limit(n, unit).map(|budget| StepBudget {
                    name: (*name).to_owned(),
                    budget,
                    performer: None,
                }),
                _ => None,
            }
            .ok_or_else(|| {
                bad(
                    12,
                    "mỗi dòng: tên bước | thời gian | đơn vị",
                    "each line: step | time | unit",
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let papers = lines(&c[13])
        .into_iter()
        .map(|l| {
            let p = parts(l);
            let copies = p.get(1).and_then(|n| n.parse().ok());
            match (p.first(), copies) {
                (Some(name), Some(copies)) if !name.is_empty() => Ok(PaperSpec {
                    name: (*name).to_owned(),
                    copies,
                    mandatory: p.get(2).is_none_or(|m| *m != "Không bắt buộc"),
                    template: p.get(3).filter(|t| !t.is_empty()).map(|t| (*t).to_owned()),
                    condition: p.get(4).filter(|t| !t.is_empty()).map(|t| (*t).to_owned()),
                }),
                _ => Err(bad(
                    13,
                    "mỗi dòng: tên | số bản | bắt buộc | mẫu | điều kiện",
                    "each line: name | copies | mandatory | template | condition",
                )),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let fees = lines(&c[14])
        .into_iter()
        .map(|l| {
            let p = parts(l);
            let amount = match p.get(1).filter(|a| !a.is_empty()) {
                None => None,
                Some(a) => Some(a.parse::<i64>().map_err(|_| {
                    bad(
                        14,
                        "số tiền phải là số nguyên đồng",
                        "the amount must be whole đồng",
                    )
                })?),
            };
            Ok(FeeLine {
                name: p.first().map(|s| (*s).to_owned()).unwrap_or_default(),
                amount,
                description: p.get(2).map(|s| (*s).to_owned()).unwrap_or_default(),
                exemptions: p
                    .get(3)
                    .map(|e| {
                        e.split("; ")
                            .map(str::trim)
                            .filter(|x| !x.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, XlsxProblem>>()?;
    let mut applies_to = Applicability::default();
    for l in lines(&c[18]) {
        if let Some(u) = l.strip_prefix("Đơn vị:") {
            applies_to.units.push(u.trim().to_owned());
        } else if let Some(u) = l.strip_prefix("Trừ:") {
            applies_to.except.push(u.trim().to_owned());
        } else {
            applies_to.levels.push(level_from_vi(l).ok_or_else(|| {
                bad(
                    18,
                    "đơn vị áp dụng không hợp lệ",
                    "invalid applicability line",
                )
            })?);
        }
    }
    let mut conditional_limits = vec![];
    for l in lines(&c[15]) {
        let Some(rest) = l.strip_prefix(CONDITIONAL) else {
            continue;
        };
        let parsed = rest.rsplit_once(": ").and_then(|(cond, lim)| {
            let p = parts(lim);
            (p.len() == 2)
                .then(|| parse_limit(p[0], p[1]))
                .flatten()
                .map(|limit| motcua_domain::procedure::ConditionalLimit {
                    condition: cond.trim().to_owned(),
                    limit,
                })
        });
        conditional_limits.push(parsed.ok_or_else(|| {
            bad(
                15,
                "thời hạn theo điều kiện phải có dạng 'Thời hạn khi <điều kiện>: <số> | <đơn vị>'",
                "a conditional limit must read 'Thời hạn khi <condition>: <n> | <unit>'",
            )
        })?);
    }
    let spec = ProcedureSpec {
        code: code.clone(),
        name: c[4].clone(),
        field: c[5].clone(),
        level,
        receiving_agency: c[7].clone(),
        deciding_agency: c[8].clone(),
        channels,
        limit,
        conditional_limits,
        steps,
        fees,
        papers,
        conditions: lines(&c[15])
            .into_iter()
            .filter(|l| !l.starts_with(CONDITIONAL))
            .map(str::to_owned)
            .collect(),
        result: c[16].clone(),
        legal_basis: lines(&c[17]).into_iter().map(str::to_owned).collect(),
        applies_to,
        boundary_free: c[11].contains(BOUNDARY_FREE),
    };
    match c[1].as_str() {
        "Mới ban hành" => Ok(Item::New { procedure: spec }),
        "Sửa đổi, bổ sung" => Ok(Item::Amended { procedure: spec }),
        "Thay thế" => Ok(Item::Replaced {
            replaces: c[3].clone(),
            procedure: spec,
        }),
        _ => Err(bad(
            1,
            "loại phải là: Mới ban hành, Sửa đổi, bổ sung, Thay thế, Bãi bỏ",
            "kind must be one of Mới ban hành, Sửa đổi, bổ sung, Thay thế, Bãi bỏ",
        )),
    }
}
