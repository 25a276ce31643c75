//! The register (sổ theo dõi hồ sơ) of a unit over a period as a workbook: one row per dossier,
//! dates as dates, Vietnamese headers as on the printed form.

use chrono::{Datelike, NaiveDate, Timelike};
use motcua_domain::dossier::{Instant, to_local};
use motcua_domain::forms::RegisterLine;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

pub const REGISTER_SHEET: &str = "Sổ theo dõi";

pub const REGISTER_HEADERS: [&str; 13] = [
    "STT",
    "Mã hồ sơ",
    "Thủ tục hành chính",
    "Tên tổ chức, cá nhân",
    "Địa chỉ, số điện thoại",
    "Ngày, giờ nhận",
    "Hạn giải quyết",
    "Cơ quan giải quyết",
    "Ngày có kết quả",
    "Ngày trả kết quả",
    "Kết quả (trước/đúng/quá hạn)",
    "Trạng thái",
    "Ghi chú",
];

fn when(t: Instant) -> Result<ExcelDateTime, XlsxError> {
    let l = to_local(t);
    ExcelDateTime::from_ymd(l.year() as u16, l.month() as u8, l.day() as u8)?.and_hms(
        l.hour() as u16,
        l.minute() as u8,
        0,
    )
}

/// Writes the register; `unit_name`, `from` and `to` head the sheet.
pub fn write_register(
    unit_name: &str,
    from: NaiveDate,
    to: NaiveDate,
    form: Option<&str>,
    lines: &[RegisterLine],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#DDEBF7");
    let datetime = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let sheet = book.add_worksheet();
    sheet.set_name(REGISTER_SHEET)?;
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "SỔ THEO DÕI HỒ SƠ{}",
            form.map_or(String::new(), |f| format!(" (Mẫu số {f})"))
        ),
        &bold,
    )?;
    sheet.write_string(1, 0, unit_name)?;
    sheet.write_string(
        2,
        0,
        format!(
            "Từ ngày {} đến ngày {}",
            from.format("%d/%m/%Y"),
            to.format("%d/%m/%Y")
        ),
    )?;
    let top = 4u32;
    for (c, h) in REGISTER_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(top, c as u16, *h, &header)?;
    }
    for (i, l) in lines.iter().enumerate() {
        let r = top + 1 + i as u32;
        sheet.write_number(r, 0, (i + 1) as f64)?;
        sheet.write_string(r, 1, l.code.as_deref().unwrap_or(""))?;
        sheet.write_string(r, 2, format!("{} ({})", l.procedure_name, l.procedure_code))?;
        sheet.write_string(r, 3, &l.applicant)?;
        sheet.write_string(
            r,
            4,
            match &l.address {
                Some(a) => format!("{a}; {}", l.phone),
                None => l.phone.clone(),
            },
        )?;
        for (c, t) in [
            (5u16, l.received_at),
            (6, l.due),
            (8, l.finished_at),
            (9, l.returned_at),
        ] {
            if let Some(t) = t {
                sheet.write_datetime_with_format(r, c, when(t)?, &datetime)?;
            }
        }
        sheet.write_string(r, 7, l.processed_by.as_deref().unwrap_or(""))?;
        sheet.write_string(r, 10, l.result.map_or("", |x| x.label_vi()))?;
        sheet.write_string(r, 11, l.status.label_vi())?;
        sheet.write_string(r, 12, l.notes.join("; "))?;
    }
    sheet.set_column_width(2, 40)?;
    sheet.set_column_width(3, 28)?;
    sheet.set_column_width(12, 40)?;
    book.save_to_buffer()
}
