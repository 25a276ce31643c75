//! The organisation and its staff as data: the rows of an organisation file (`code, name, level,
//! parent, valid_from, valid_to, successors`) and of a staff file (`username, full_name, title,
//! roles, desk, email, phone`), checked as a whole against what is already there. Pure: the store
//! reads the existing units and accounts, these functions decide, the store writes.
//!
//! Every error names the row (1 = the first data row; the header is row 0 in a CSV, so a CSV's
//! row n is its line n + 1) and the column, Vietnamese first, then English.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::org::{Grant, Role, Unit, UnitLevel};
use crate::text::clean;

/// The columns of an organisation file, in order.
pub const UNIT_COLUMNS: [&str; 7] = [
    "code",
    "name",
    "level",
    "parent",
    "valid_from",
    "valid_to",
    "successors",
];

/// The columns of a staff file, in order.
pub const STAFF_COLUMNS: [&str; 7] = [
    "username",
    "full_name",
    "title",
    "roles",
    "desk",
    "email",
    "phone",
];

/// A problem in a file: where (row, column) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// 1-based data row; 0 when the problem is not in one row (the header, the file).
    pub row: usize,
    pub column: String,
    pub vi: String,
    pub en: String,
}

impl FileError {
    pub fn new(
        row: usize,
        column: &str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> FileError {
        FileError {
            row,
            column: column.to_owned(),
            vi: vi.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.row == 0 {
            write!(f, "{} / {}", self.vi, self.en)
        } else {
            write!(
                f,
                "dòng {}, cột {}: {} / row {}, column {}: {}",
                self.row, self.column, self.vi, self.row, self.column, self.en
            )
        }
    }
}

impl std::error::Error for FileError {}

/// A table read from a file: its header and its rows of text cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The rows as maps column -> cell, checking the header has every expected column.
    pub fn records(&self, expected: &[&str]) -> Result<Vec<BTreeMap<String, String>>, FileError> {
        let header: Vec<String> = self
            .header
            .iter()
            .map(|h| clean(h.trim_start_matches('\u{feff}')).to_lowercase())
            .collect();
        for c in expected {
            if !header.iter().any(|h| h == c) {
                return Err(FileError::new(
                    0,
                    c,
                    format!(
                        "thiếu cột '{c}' ở dòng tiêu đề (cần: {})",
                        expected.join(", ")
                    ),
                    format!(
                        "the header has no column '{c}' (expected: {})",
                        expected.join(", ")
                    ),
                ));
            }
        }
        Ok(self
            .rows
            .iter()
            .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
            .map(|r| {
                header
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (h.clone(), clean(r.get(i).map_or("", String::as_str))))
                    .collect()
            })
            .collect())
    }
}

fn cell<'a>(r: &'a BTreeMap<String, String>, c: &str) -> &'a str {
    r.get(c).map_or("", String::as_str)
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
}

fn parse_date(row: usize, column: &str, s: &str) -> Result<NaiveDate, FileError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        FileError::new(
            row,
            column,
            format!("'{s}' không phải ngày dạng YYYY-MM-DD"),
            format!("'{s}' is not a date as YYYY-MM-DD"),
        )
    })
}

/// Parses the rows of an organisation file into units (not yet checked against each other).
pub fn parse_units(table: &Table) -> Result<Vec<Unit>, FileError> {
    let mut out = vec![];
    for (i, r) in table.records(&UNIT_COLUMNS)?.iter().enumerate() {
        let row = i + 1;
        let code = cell(r, "code");
        if !is_code(code) {
            return Err(FileError::new(
                row,
                "code",
                format!("mã đơn vị '{code}' không hợp lệ (chữ, số, . - _; tối đa 40)"),
                format!("invalid unit code '{code}' (letters, digits, . - _; at most 40)"),
            ));
        }
        let name = cell(r, "name");
        if name.is_empty() {
            return Err(FileError::new(
                row,
                "name",
                "thiếu tên đơn vị",
                "the unit has no name",
            ));
        }
        let level = UnitLevel::parse(cell(r, "level")).ok_or_else(|| {
            FileError::new(
                row,
                "level",
                format!(
                    "cấp '{}' không hợp lệ (province, district, commune, department, agency)",
                    cell(r, "level")
                ),
                format!(
                    "invalid level '{}' (province, district, commune, department, agency)",
                    cell(r, "level")
                ),
            )
        })?;
        let parent = Some(cell(r, "parent").to_owned()).filter(|p| !p.is_empty());
        let valid_from = parse_date(row, "valid_from", cell(r, "valid_from"))?;
        let valid_to = match cell(r, "valid_to") {
            "" => None,
            s => Some(parse_date(row, "valid_to", s)?),
        };
        let successors: Vec<String> = cell(r, "successors")
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        out.push(Unit {
            code: code.to_owned(),
            name: name.to_owned(),
            level,
            parent,
            valid_from,
            valid_to,
            successors,
        });
    }
    Ok(out)
}

/// What an import or an administrator does to one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitChangeKind {
    Created,
    Renamed,
    Closed,
    Changed,
}

impl UnitChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitChangeKind::Created => "created",
            UnitChangeKind::Renamed => "renamed",
            UnitChangeKind::Closed => "closed",
            UnitChangeKind::Changed => "changed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitChange {
    pub kind: UnitChangeKind,
    pub before: Option<Unit>,
    pub after: Unit,
}

fn classify(before: Option<&Unit>, after: &Unit) -> Option<UnitChangeKind> {
    match before {
        None => Some(UnitChangeKind::Created),
        Some(b) if b == after => None,
        Some(b) if b.valid_to.is_none() && after.valid_to.is_some() => Some(UnitChangeKind::Closed),
        Some(b)
            if b.name != after.name
                && Unit {
                    name: after.name.clone(),
                    ..b.clone()
                } == *after =>
        {
            Some(UnitChangeKind::Renamed)
        }
        Some(_) => Some(UnitChangeKind::Changed),
    }
}

/// Checks units given by row (1-based rows as in the file) against each other and against the
/// units already there, and returns the changes to make, parents before their children. The same
/// units again give no change. Units already there but not in the file are left as they are.
pub fn plan_units(existing: &[Unit], rows: &[Unit]) -> Result<Vec<UnitChange>, FileError> {
    let mut by_code: BTreeMap<String, Unit> = existing
        .iter()
        .map(|u| (u.code.clone(), u.clone()))
        .collect();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, u) in rows.iter().enumerate() {
        let row = i + 1;
        if let Some(first) = seen.insert(&u.code, row) {
            return Err(FileError::new(
                row,
                "code",
                format!("mã đơn vị '{}' trùng với dòng {first}", u.code),
                format!("unit code '{}' repeats row {first}", u.code),
            ));
        }
        by_code.insert(u.code.clone(), u.clone());
    }
    for (i, u) in rows.iter().enumerate() {
        check_unit(i + 1, u, |c| by_code.get(c))?;
    }
    let mut changes: Vec<UnitChange> = rows
        .iter()
        .filter_map(|u| {
            let before = existing.iter().find(|e| e.code == u.code);
            classify(before, u).map(|kind| UnitChange {
                kind,
                before: before.cloned(),
                after: u.clone(),
            })
        })
        .collect();
    // Parents first: a unit comes after every unit above it.
    let depth = |code: &str| {
        let mut d = 0;
        let mut c = by_code.get(code).and_then(|u| u.parent.clone());
        while let Some(p) = c {
            d += 1;
            c = by_code.get(&p).and_then(|u| u.parent.clone());
            if d > 64 {
                break;
            }
        }
        d
    };
    changes.sort_by_key(|c| depth(&c.after.code));
    Ok(changes)
}

/// Checks one unit: its dates, that its parent and successors exist (per `lookup`, which must
/// already see the unit itself and any unit given with it), and that its parents do not loop.
pub fn check_unit<'a>(
    row: usize,
    u: &Unit,
    lookup: impl Fn(&str) -> Option<&'a Unit>,
) -> Result<(), FileError> {
    if !is_code(&u.code) {
        return Err(FileError::new(
            row,
            "code",
            format!("mã đơn vị '{}' không hợp lệ", u.code),
            format!("invalid unit code '{}'", u.code),
        ));
    }
    if u.name.trim().is_empty() {
        return Err(FileError::new(
            row,
            "name",
            "thiếu tên đơn vị",
            "the unit has no name",
        ));
    }
    if let Some(to) = u.valid_to
        && to < u.valid_from
    {
        return Err(FileError::new(
            row,
            "valid_to",
            format!(
                "ngày thôi hiệu lực {to} trước ngày bắt đầu {}",
                u.valid_from
            ),
            format!("valid_to {to} is before valid_from {}", u.valid_from),
        ));
    }
    if let Some(p) = &u.parent {
        if p == &u.code {
            return Err(FileError::new(
                row,
                "parent",
                "đơn vị không thể là cấp trên của chính nó",
                "a unit cannot be its own parent",
            ));
        }
        if lookup(p).is_none() {
            return Err(FileError::new(
                row,
                "parent",
                format!("đơn vị cấp trên '{p}' không có trong tệp và chưa có trong hệ thống"),
                format!("parent unit '{p}' is neither in the file nor in the database"),
            ));
        }
        let mut seen = BTreeSet::from([u.code.as_str()]);
        let mut next = Some(p.as_str());
        while let Some(c) = next {
            if !seen.insert(c) {
                return Err(FileError::new(
                    row,
                    "parent",
                    format!("các đơn vị cấp trên của '{}' tạo thành vòng lặp", u.code),
                    format!("the parents of '{}' form a loop", u.code),
                ));
            }
            next = lookup(c).and_then(|x| x.parent.as_deref());
        }
    }
    for s in &u.successors {
        if s == &u.code {
            return Err(FileError::new(
                row,
                "successors",
                "đơn vị không thể kế thừa chính nó",
                "a unit cannot succeed itself",
            ));
        }
        if lookup(s).is_none() {
            return Err(FileError::new(
                row,
                "successors",
                format!("đơn vị kế thừa '{s}' không có trong tệp và chưa có trong hệ thống"),
                format!("successor unit '{s}' is neither in the file nor in the database"),
            ));
        }
    }
    if !u.successors.is_empty() && u.valid_to.is_none() {
        return Err(FileError::new(
            row,
            "valid_to",
            "đơn vị có đơn vị kế thừa phải có ngày thôi hiệu lực",
            "a unit with successors needs its last day (valid_to)",
        ));
    }
    Ok(())
}

/// One line of a staff file, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub row: usize,
    pub username: String,
    pub full_name: String,
    pub title: String,
    pub grants: Vec<Grant>,
    /// The unit whose one-stop desk the person is a member of.
    pub desk: Option<String>,
    pub email: String,
    pub phone: String,
}

/// Checks a username (the one rule, `org::check_username`).
pub fn valid_username(s: &str) -> bool {
    crate::org::check_username(s).is_ok()
}

/// Parses `role@UNIT` (one grant).
pub fn parse_grant(s: &str) -> Option<Grant> {
    let (role, unit) = s.trim().split_once('@')?;
    Some(Grant {
        role: Role::parse(role.trim())?,
        unit: unit.trim().to_owned(),
    })
}

/// Parses and checks a staff file: usernames well formed and once each, roles `role@UNIT` at units
/// that exist (`unit_exists`), the desk's unit existing.
pub fn parse_staff(
    table: &Table,
    unit_exists: impl Fn(&str) -> bool,
) -> Result<Vec<StaffRow>, FileError> {
    let mut out: Vec<StaffRow> = vec![];
    for (i, r) in table.records(&STAFF_COLUMNS)?.iter().enumerate() {
        let row = i + 1;
        let username = cell(r, "username").to_owned();
        if !valid_username(&username) {
            return Err(FileError::new(
                row,
                "username",
                format!("tên đăng nhập '{username}' không hợp lệ (chữ, số, . _ -; tối đa 64)"),
                format!("invalid username '{username}' (letters, digits, . _ -; at most 64)"),
            ));
        }
        if let Some(first) = out.iter().find(|s| s.username == username) {
            return Err(FileError::new(
                row,
                "username",
                format!("tên đăng nhập '{username}' trùng với dòng {}", first.row),
                format!("username '{username}' repeats row {}", first.row),
            ));
        }
        let full_name = cell(r, "full_name").to_owned();
        if full_name.is_empty() {
            return Err(FileError::new(
                row,
                "full_name",
                "thiếu họ tên",
                "the full name is missing",
            ));
        }
        let mut grants = vec![];
        for part in cell(r, "roles").split(';').filter(|p| !p.trim().is_empty()) {
            let g = parse_grant(part).ok_or_else(|| {
                let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                FileError::new(
                    row,
                    "roles",
                    format!(
                        "'{}' không đúng dạng VAI_TRÒ@MÃ_ĐƠN_VỊ (vai trò: {})",
                        part.trim(),
                        all.join(", ")
                    ),
                    format!(
                        "'{}' is not ROLE@UNIT (roles: {})",
                        part.trim(),
                        all.join(", ")
                    ),
                )
            })?;
            if !unit_exists(&g.unit) {
                return Err(FileError::new(
                    row,
                    "roles",
                    format!("đơn vị '{}' không có trong hệ thống", g.unit),
                    format!("unit '{}' is not in the database", g.unit),
                ));
            }
            if !grants.contains(&g) {
                grants.push(g);
            }
        }
        grants.sort();
        let desk = Some(cell(r, "desk").to_owned()).filter(|d| !d.is_empty());
        if let Some(d) = &desk
            && !unit_exists(d)
        {
            return Err(FileError::new(
                row,
                "desk",
                format!("đơn vị '{d}' không có trong hệ thống"),
                format!("unit '{d}' is not in the database"),
            ));
        }
        out.push(StaffRow {
            row,
            username,
            full_name,
            title: cell(r, "title").to_owned(),
            grants,
            desk,
            email: cell(r, "email").to_owned(),
            phone: cell(r, "phone").to_owned(),
        });
    }
    Ok(out)
}

/// A unit as the row of an organisation file.
pub fn unit_row(u: &Unit) -> Vec<String> {
    vec![
        u.code.clone(),
        u.name.clone(),
        u.level.as_str().to_owned(),
        u.parent.clone().unwrap_or_default(),
        u.valid_from.to_string(),
        u.valid_to.map(|d| d.to_string()).unwrap_or_default(),
        u.successors.join(";"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&str]) -> Table {
        Table {
            header: UNIT_COLUMNS.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.split(',').map(str::to_owned).collect())
                .collect(),
        }
    }

    #[test]
    fn a_reorganisation_closes_units_and_names_successors() {
        let first = parse_units(&table(&[
            "P,Tỉnh,province,,2000-01-01,,",
            "T,Thị xã,district,P,2008-01-01,,",
        ]))
        .unwrap();
        let changes = plan_units(&[], &first).unwrap();
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].after.code, "P");
        let existing: Vec<Unit> = changes.into_iter().map(|c| c.after).collect();
        assert!(plan_units(&existing, &first).unwrap().is_empty());
        let second = parse_units(&table(&[
            "T,Thị xã,district,P,2008-01-01,2025-06-30,W1",
            "W1,Phường,commune,P,2025-07-01,,",
        ]))
        .unwrap();
        let changes = plan_units(&existing, &second).unwrap();
        let kinds: Vec<_> = changes
            .iter()
            .map(|c| (c.after.code.as_str(), c.kind))
            .collect();
        assert!(kinds.contains(&("T", UnitChangeKind::Closed)));
        assert!(kinds.contains(&("W1", UnitChangeKind::Created)));
    }

    #[test]
    fn bad_rows_are_named_by_row_and_column() {
        let e = parse_units(&table(&["P,Tỉnh,province,,2000-13-01,,"])).unwrap_err();
        assert_eq!((e.row, e.column.as_str()), (1, "valid_from"));
        let rows = parse_units(&table(&[
            "P,Tỉnh,province,,2000-01-01,,",
            "X,Xã,commune,Q,2000-01-01,,",
        ]))
        .unwrap();
        let e = plan_units(&[], &rows).unwrap_err();
        assert_eq!((e.row, e.column.as_str()), (2, "parent"));
        let rows = parse_units(&table(&[
            "P,Tỉnh,province,,2000-01-01,,",
            "P,Tỉnh,province,,2000-01-01,,",
        ]))
        .unwrap();
        assert_eq!(plan_units(&[], &rows).unwrap_err().row, 2);
        let rows = parse_units(&table(&["P,Tỉnh,province,,2000-01-01,2025-06-30,Z"])).unwrap();
        let e = plan_units(&[], &rows).unwrap_err();
        assert_eq!((e.row, e.column.as_str()), (1, "successors"));
        let rows = parse_units(&table(&[
            "A,A,commune,B,2000-01-01,,",
            "B,B,commune,A,2000-01-01,,",
        ]))
        .unwrap();
        assert_eq!(plan_units(&[], &rows).unwrap_err().column, "parent");
    }

    #[test]
    fn staff_rows_refuse_unknown_units_and_repeated_usernames() {
        let t = |rows: &[&str]| Table {
            header: STAFF_COLUMNS.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.split(',').map(str::to_owned).collect())
                .collect(),
        };
        let known = |u: &str| u == "W1";
        let ok = parse_staff(
            &t(&["anh,Nguyễn An,,reception_officer@W1;specialist@W1,W1,,"]),
            known,
        )
        .unwrap();
        assert_eq!(ok[0].grants.len(), 2);
        assert_eq!(ok[0].desk.as_deref(), Some("W1"));
        let e = parse_staff(&t(&["anh,An,,reception_officer@W2,,,"]), known).unwrap_err();
        assert_eq!((e.row, e.column.as_str()), (1, "roles"));
        let e = parse_staff(&t(&["anh,An,,,,,", "anh,An,,,,,"]), known).unwrap_err();
        assert_eq!((e.row, e.column.as_str()), (2, "username"));
        let e = parse_staff(&t(&["anh,An,,boss@W1,,,"]), known).unwrap_err();
        assert_eq!(e.column, "roles");
    }
}
