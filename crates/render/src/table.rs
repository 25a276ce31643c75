//! Plain tables in and out: CSV (UTF-8, RFC 4180 quoting, a header row; a byte-order mark is
//! accepted and skipped), the first sheet of an XLSX workbook, and a JSON list of objects. Used by
//! the organisation and staff files. Dates in XLSX cells come back as `YYYY-MM-DD`.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use motcua_domain::orgfile::{FileError, Table};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

fn file_error(vi: impl Into<String>, en: impl Into<String>) -> FileError {
    FileError::new(0, "", vi, en)
}

/// Reads CSV text. Quoted fields may hold commas, quotes ("") and line breaks.
pub fn read_csv(text: &str) -> Result<Table, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows: Vec<Vec<String>> = vec![];
    let mut row: Vec<String> = vec![];
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                any = false;
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err(file_error(
            "tệp CSV có dấu ngoặc kép không đóng",
            "the CSV file has an unclosed quote",
        ));
    }
    if any {
        row.push(field);
        rows.push(row);
    }
    let mut it = rows.into_iter();
    let header = it
        .next()
        .ok_or_else(|| file_error("tệp CSV trống", "the CSV file is empty"))?;
    Ok(Table {
        header,
        rows: it.collect(),
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Writes CSV (UTF-8, no byte-order mark, `\n` line ends).
pub fn write_csv(table: &Table) -> String {
    let mut out = String::new();
    for r in std::iter::once(&table.header).chain(&table.rows) {
        let cells: Vec<String> = r.iter().map(|c| csv_field(c)).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.trim().to_owned(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|d| d.checked_add_days(chrono::Days::new(dt.as_f64().floor() as u64)))
            .map(|d| d.to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_owned(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// Reads the first sheet of an XLSX workbook; its first row is the header.
pub fn read_xlsx(bytes: &[u8]) -> Result<Table, FileError> {
    std::panic::catch_unwind(|| {
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
            file_error(
                format!("không đọc được tệp XLSX: {e}"),
                format!("not a readable XLSX file: {e}"),
            )
        })?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| file_error("tệp XLSX không có trang nào", "the XLSX file has no sheet"))?
            .map_err(|e| {
                file_error(
                    format!("không đọc được trang đầu: {e}"),
                    format!("cannot read the first sheet: {e}"),
                )
            })?;
        let mut rows = range.rows().map(|r| r.iter().map(cell_text).collect());
        let header = rows
            .next()
            .ok_or_else(|| file_error("trang đầu trống", "the first sheet is empty"))?;
        Ok(Table {
            header,
            rows: rows.collect(),
        })
    })
    .unwrap_or_else(|_| {
        Err(file_error(
            "tệp XLSX bị hỏng, không đọc được",
            "the XLSX file is corrupted and cannot be read",
        ))
    })
}

/// Writes a table as the one sheet of a workbook, every cell as text, the header in bold.
pub fn write_xlsx(table: &Table, sheet_name: &str) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name)?;
    let bold = Format::new().set_bold();
    for (c, h) in table.header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, v)?;
        }
    }
    book.save_to_buffer()
}

/// Reads a JSON list of objects; every value becomes text (numbers as written, null as empty).
pub fn read_json(text: &str, columns: &[&str]) -> Result<Table, FileError> {
    let list: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(text)
        .map_err(|e| {
            file_error(
                format!("JSON không phải danh sách đối tượng: {e}"),
                format!("the JSON is not a list of objects: {e}"),
            )
        })?;
    let rows = list
        .iter()
        .map(|o| {
            columns
                .iter()
                .map(|c| match o.get(*c) {
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(serde_json::Value::Array(a)) => a
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(";"),
                    Some(v) => v.to_string(),
                })
                .collect()
        })
        .collect();
    Ok(Table {
        header: columns.iter().map(|c| c.to_string()).collect(),
        rows,
    })
}

/// Writes a table as a JSON list of objects with string values.
pub fn write_json(table: &Table) -> String {
    let list: Vec<serde_json::Map<String, serde_json::Value>> = table
        .rows
        .iter()
        .map(|r| {
            table
                .header
                .iter()
                .zip(r)
                .map(|(h, v)| (h.clone(), serde_json::Value::String(v.clone())))
                .collect()
        })
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trips_quotes_commas_and_line_breaks() {
        let t = Table {
            header: vec!["a".into(), "b".into()],
            rows: vec![
                vec!["x, y".into(), "say \"hi\"".into()],
                vec!["two\nlines".into(), "Phường Buôn Hồ".into()],
            ],
        };
        let text = write_csv(&t);
        assert_eq!(read_csv(&text).unwrap(), t);
        assert_eq!(read_csv(&format!("\u{feff}{text}")).unwrap(), t);
        assert!(read_csv("a,b\n\"open").is_err());
    }

    #[test]
    fn xlsx_and_json_round_trip_the_first_sheet() {
        let t = Table {
            header: vec!["code".into(), "name".into()],
            rows: vec![vec!["000.31.00.H15".into(), "Xã Ea Drông".into()]],
        };
        let bytes = write_xlsx(&t, "Đơn vị").unwrap();
        assert_eq!(read_xlsx(&bytes).unwrap(), t);
        assert_eq!(read_json(&write_json(&t), &["code", "name"]).unwrap(), t);
        assert!(read_xlsx(b"not a workbook").is_err());
    }
}
