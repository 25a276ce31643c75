//! A decision survives a trip through XLSX; broken workbooks are refused naming the row and column.

use chrono::NaiveDate;
use motcua_domain::calendar::Limit;
use motcua_domain::catalogue::{Announcement, Item};
use motcua_domain::org::UnitLevel;
use motcua_domain::procedure::{
    Applicability, Channels, FeeLine, OnlineLevel, PaperSpec, ProcedureSpec, StepBudget,
};
use motcua_render::catalogue_xlsx::{read_decision, write_decision};

fn spec(code: &str) -> ProcedureSpec {
    ProcedureSpec {
        code: code.into(),
        name: "Đăng ký khai sinh".into(),
        field: "Hộ tịch".into(),
        level: UnitLevel::Commune,
        receiving_agency: "Bộ phận Một cửa UBND cấp xã".into(),
        deciding_agency: "Chủ tịch UBND cấp xã".into(),
        channels: Channels {
            desk: true,
            post: false,
            online: OnlineLevel::Full,
        },
        limit: Limit::WorkingMinutes(8 * 60),
        conditional_limits: vec![],
        steps: vec![
            StepBudget {
                name: "Tiếp nhận".into(),
                budget: Limit::WorkingMinutes(90),
                performer: None,
            },
            StepBudget {
                name: "Xử lý".into(),
                budget: Limit::WorkingDays(1),
                performer: None,
            },
        ],
        fees: vec![FeeLine {
            name: "Lệ phí".into(),
            amount: Some(8000),
            description: "8.000 đồng/bản".into(),
            exemptions: vec!["Hộ nghèo".into(), "Trẻ em".into()],
        }],
        papers: vec![
            PaperSpec {
                name: "Tờ khai".into(),
                copies: 1,
                mandatory: true,
                template: Some("Mẫu TP/HT-2020-KS.1".into()),
                condition: None,
            },
            PaperSpec {
                name: "Giấy chứng sinh".into(),
                copies: 2,
                mandatory: false,
                template: None,
                condition: Some("Nếu sinh tại cơ sở y tế".into()),
            },
        ],
        conditions: vec!["Cha mẹ cư trú tại xã".into()],
        result: "Giấy khai sinh".into(),
        legal_basis: vec![
            "Luật Hộ tịch 2014".into(),
            "Nghị định 123/2015/NĐ-CP".into(),
        ],
        applies_to: Applicability {
            levels: vec![UnitLevel::Commune],
            units: vec!["000.31.00.H15".into()],
            except: vec!["000.33.00.H15".into()],
        },
        boundary_free: false,
    }
}

fn decision() -> Announcement {
    Announcement {
        number: "1525/QĐ-UBND".into(),
        date: NaiveDate::from_ymd_opt(2025, 6, 28).unwrap(),
        issuer: "Chủ tịch UBND tỉnh Đắk Lắk".into(),
        effective: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        items: vec![
            Item::New {
                procedure: spec("1.001193"),
            },
            Item::Amended {
                procedure: spec("1.000894"),
            },
            Item::Replaced {
                replaces: "1.004227".into(),
                procedure: spec("1.012756"),
            },
            Item::Abolished {
                code: "2.001620".into(),
                reason: "Chuyển về cấp tỉnh".into(),
            },
        ],
    }
}

#[test]
fn round_trip() {
    let a = decision();
    let bytes = write_decision(&a).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX file is a zip");
    assert_eq!(read_decision(&bytes).unwrap(), a);
}

#[test]
fn broken_workbooks_name_the_place() {
    let e = read_decision(b"not a spreadsheet").unwrap_err();
    assert!(e.to_string().contains("XLSX"), "{e}");
    let mut a = decision();
    if let Item::New { procedure } = &mut a.items[0] {
        procedure.limit = Limit::WorkingDays(0);
    }
    // A zero limit is written as 0 and refused when read back, at row 2 (the first item).
    let e = read_decision(&write_decision(&a).unwrap()).unwrap_err();
    assert_eq!(e.row, Some(2), "{e}");
    assert!(e.to_string().contains("Thời hạn giải quyết"), "{e}");
}

mod no_panic {
    use motcua_render::catalogue_xlsx::{read_decision, write_decision};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever bytes arrive, reading answers with a decision or an error, never a panic.
        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = read_decision(&bytes);
        }

        /// A real workbook with some bytes changed: still an answer, never a panic.
        #[test]
        fn corrupted_workbooks(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..20)) {
            let mut bytes = write_decision(&super::decision()).unwrap();
            for (at, b) in flips {
                let i = at % bytes.len();
                bytes[i] = b;
            }
            let _ = read_decision(&bytes);
        }
    }
}
