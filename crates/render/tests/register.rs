//! The register workbook reads back as written: one row per dossier under the form's headers.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{NaiveDate, NaiveDateTime};
use motcua_domain::calendar::Timeliness;
use motcua_domain::dossier::{Status, from_local};
use motcua_domain::forms::RegisterLine;
use motcua_render::register_xlsx::{REGISTER_HEADERS, REGISTER_SHEET, write_register};

fn line(code: &str, applicant: &str, result: Option<Timeliness>) -> RegisterLine {
    let t = |s: &str| from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap());
    RegisterLine {
        code: Some(code.into()),
        procedure_code: "1.001193".into(),
        procedure_name: "Đăng ký khai sinh".into(),
        applicant: applicant.into(),
        address: Some("Phường Cư Bao".into()),
        phone: "0905123456".into(),
        received_at: Some(t("2025-10-06T09:00")),
        due: Some(t("2025-10-06T17:00")),
        processed_by: None,
        finished_at: result.map(|_| t("2025-10-06T16:00")),
        returned_at: None,
        result,
        status: if result.is_some() {
            Status::ResultReady
        } else {
            Status::Processing
        },
        notes: vec!["Xin lỗi, hẹn lại ngày 08/10/2025".into()],
        form: Some("07"),
    }
}

#[test]
fn the_register_has_one_row_per_dossier_under_the_forms_headers() {
    let lines = [
        line("H15-251006-0001", "Nguyễn Thị Hà", Some(Timeliness::Early)),
        line("H15-251006-0002", "Y Bhin Niê", None),
    ];
    let bytes = write_register(
        "UBND phường Cư Bao",
        NaiveDate::from_ymd_opt(2025, 10, 1).unwrap(),
        NaiveDate::from_ymd_opt(2025, 10, 31).unwrap(),
        Some("07"),
        &lines,
    )
    .unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range(REGISTER_SHEET).unwrap();
    let cell = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(
        cell(0, 0),
        Data::String("SỔ THEO DÕI HỒ SƠ (Mẫu số 07)".into())
    );
    for (c, h) in REGISTER_HEADERS.iter().enumerate() {
        assert_eq!(cell(4, c as u32), Data::String((*h).into()));
    }
    assert_eq!(cell(5, 1), Data::String("H15-251006-0001".into()));
    assert_eq!(cell(5, 3), Data::String("Nguyễn Thị Hà".into()));
    assert_eq!(cell(5, 10), Data::String("Trước hạn".into()));
    assert_eq!(cell(6, 1), Data::String("H15-251006-0002".into()));
    assert!(matches!(cell(6, 10), Data::Empty) || cell(6, 10) == Data::String(String::new()));
    assert!(matches!(cell(5, 5), Data::DateTime(_)));
    assert_eq!(cell(7, 1), Data::Empty);
}
