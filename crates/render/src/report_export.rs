//! Reports out: XLSX (Vietnamese headers, dates as dates, the 766 indicators on their own sheet)
//! and CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the diacritics).

use chrono::{Datelike, NaiveDate};
use motcua_domain::dossier::to_local;
use motcua_domain::stats::{COLUMNS, Figures, Report, month_start, next_month};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

pub const REPORT_SHEET: &str = "Báo cáo";
pub const AGENCY_SHEET: &str = "Liên thông";
pub const INDICATOR_SHEET: &str = "Chỉ số 766";

/// The first and last day of the report's period.
pub fn period_dates(r: &Report) -> (NaiveDate, NaiveDate) {
    let first = month_start(r.period.from);
    let last = month_start(next_month(r.period.to)) - chrono::TimeDelta::days(1);
    (first, last)
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

fn share(f: &Figures) -> Option<f64> {
    f.on_time_share().map(|s| s / 100.0)
}

pub fn xlsx(r: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let percent = Format::new().set_num_format("0.0%");
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#DDEBF7");
    let (first, last) = period_dates(r);
    {
        let sheet = book.add_worksheet();
        sheet.set_name(REPORT_SHEET)?;
        sheet.write_string_with_format(0, 0, "Đơn vị", &bold)?;
        sheet.write_string(0, 1, format!("{} ({})", r.unit_name, r.unit))?;
        sheet.write_string_with_format(1, 0, "Từ ngày", &bold)?;
        sheet.write_datetime_with_format(1, 1, excel_date(first)?, &date)?;
        sheet.write_string_with_format(2, 0, "Đến ngày", &bold)?;
        sheet.write_datetime_with_format(2, 1, excel_date(last)?, &date)?;
        sheet.write_string_with_format(3, 0, "Ngày lập", &bold)?;
        sheet.write_datetime_with_format(
            3,
            1,
            excel_date(to_local(r.generated_at).date())?,
            &date,
        )?;
        let mut filter = String::new();
        if let Some(p) = &r.procedure {
            filter = format!("Thủ tục {p}");
        } else if let Some(f) = &r.field {
            filter = format!("Lĩnh vực {f}");
        }
        sheet.write_string_with_format(4, 0, "Phạm vi", &bold)?;
        sheet.write_string(
            4,
            1,
            if filter.is_empty() {
                "Tất cả thủ tục".into()
            } else {
                filter
            },
        )?;
        let top = 6u32;
        sheet.write_string_with_format(top, 0, "Mã", &header)?;
        sheet.write_string_with_format(top, 1, r.by.label_vi(), &header)?;
        for (c, (_, vi, _)) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(top, 2 + c as u16, *vi, &header)?;
        }
        let share_col = 2 + COLUMNS.len() as u16;
        sheet.write_string_with_format(top, share_col, "Tỷ lệ đúng hạn", &header)?;
        for (i, (key, label, f)) in r
            .rows
            .iter()
            .map(|x| (x.key.as_str(), x.label.as_str(), &x.figures))
            .chain(std::iter::once(("", "Tổng cộng", &r.total)))
            .enumerate()
        {
            let row = top + 1 + i as u32;
            sheet.write_string(row, 0, key)?;
            if key.is_empty() {
                sheet.write_string_with_format(row, 1, label, &bold)?;
            } else {
                sheet.write_string(row, 1, label)?;
            }
            for (c, (k, _, _)) in COLUMNS.iter().enumerate() {
                sheet.write_number(row, 2 + c as u16, f.column(k) as f64)?;
            }
            if let Some(s) = share(f) {
                sheet.write_number_with_format(row, share_col, s, &percent)?;
            }
        }
        sheet.set_column_width(0, 16)?;
        sheet.set_column_width(1, 40)?;
        for c in 2..=share_col {
            sheet.set_column_width(c, 13)?;
        }
        sheet.set_freeze_panes(top + 1, 2)?;
    }
    {
        let sheet = book.add_worksheet();
        sheet.set_name(AGENCY_SHEET)?;
        for (c, h) in [
            "Mã",
            "Cơ quan, đơn vị",
            "Bước trước hạn",
            "Bước đúng hạn",
            "Bước quá hạn",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string_with_format(0, c as u16, *h, &header)?;
        }
        for (i, a) in r.agencies.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_string(row, 0, &a.unit)?;
            sheet.write_string(row, 1, &a.name)?;
            sheet.write_number(row, 2, a.early as f64)?;
            sheet.write_number(row, 3, a.on_time as f64)?;
            sheet.write_number(row, 4, a.late as f64)?;
        }
        sheet.set_column_width(1, 40)?;
    }
    {
        let sheet = book.add_worksheet();
        sheet.set_name(INDICATOR_SHEET)?;
        for (c, h) in [
            "Mã",
            "Chỉ số",
            "Điểm tối đa",
            "Điểm",
            "Tử số",
            "Mẫu số",
            "Ghi chú",
            "Tính trên",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string_with_format(0, c as u16, *h, &header)?;
        }
        for (i, s) in r.indicators.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_string(row, 0, &s.code)?;
            sheet.write_string(row, 1, &s.name_vi)?;
            sheet.write_number(row, 2, s.max)?;
            if let Some(p) = s.points {
                sheet.write_number(row, 3, (p * 100.0).round() / 100.0)?;
            }
            if let (Some(n), Some(d)) = (s.numerator, s.denominator) {
                sheet.write_number(row, 4, n as f64)?;
                sheet.write_number(row, 5, d as f64)?;
            }
            let note = match (&s.no_data, s.points) {
                (Some(reason), _) => format!("Không có dữ liệu: {}", reason.vi),
                (None, None) => "Không có hồ sơ để tính".to_owned(),
                _ => String::new(),
            };
            sheet.write_string(row, 6, note)?;
            if let Some(c) = &s.cohort {
                sheet.write_string(row, 7, motcua_domain::indicators::cohort_label(c).0)?;
            }
            if let Some(a) = s.average {
                sheet.write_string(row, 6, format!("Trung bình {:.2} ngày; không tính điểm", a))?;
            }
        }
        // The groups, the total and its band, under the indicators.
        if let Some(x) = &r.index {
            let mut row = r.indicators.len() as u32 + 2;
            for g in &x.groups {
                sheet.write_string(row, 0, format!("Nhóm {}", g.number))?;
                sheet.write_string(row, 1, &g.name_vi)?;
                sheet.write_number(row, 2, g.max)?;
                sheet.write_number(row, 3, (g.points * 100.0).round() / 100.0)?;
                row += 1;
            }
            sheet.write_string_with_format(row, 1, "Tổng điểm", &header)?;
            sheet.write_number(row, 2, 100.0)?;
            sheet.write_number(row, 3, (x.total * 100.0).round() / 100.0)?;
            if let Some(b) = &x.band {
                sheet.write_string(row, 6, format!("Xếp loại: {}", b.name_vi))?;
            }
            sheet.write_string(
                row + 1,
                1,
                format!("Phương pháp áp dụng từ {}", x.valid_from.format("%d/%m/%Y")),
            )?;
        }
        sheet.set_column_width(1, 60)?;
        sheet.set_column_width(6, 60)?;
    }
    book.save_to_buffer()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The report's rows and total as CSV, UTF-8 with a byte-order mark, CRLF line ends.
pub fn csv(r: &Report) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let mut header = vec!["Mã".to_owned(), r.by.label_vi().to_owned()];
    header.extend(COLUMNS.iter().map(|c| c.1.to_owned()));
    header.push("Tỷ lệ đúng hạn (%)".into());
    out.push_str(
        &header
            .iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    for (key, label, f) in r
        .rows
        .iter()
        .map(|x| (x.key.as_str(), x.label.as_str(), &x.figures))
        .chain(std::iter::once(("", "Tổng cộng", &r.total)))
    {
        let mut cells = vec![csv_field(key), csv_field(label)];
        cells.extend(COLUMNS.iter().map(|(k, _, _)| f.column(k).to_string()));
        cells.push(
            f.on_time_share()
                .map_or(String::new(), |s| format!("{s:.1}")),
        );
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}
