//! Sample inputs for every builder (tests, the benchmark, the demo). Made-up people and dossiers.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::forms::*;

fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, d)
        .and_then(|x| x.and_hms_opt(h, m, 0))
        .expect("valid date")
}

pub fn created() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 1, 30, 0)
        .single()
        .expect("valid time")
}

pub fn unit() -> Unit {
    Unit {
        parent: Some("UBND quận Ba Đình".into()),
        name: "UBND phường Điện Biên".into(),
        place: "Ba Đình".into(),
    }
}

fn dossier() -> DossierRef {
    DossierRef {
        unit: unit(),
        form: "02".into(),
        number: Some("125/PYC-BPMC".into()),
        code: "000.00.12.H26-261203-0007".into(),
        applicant: "Nguyễn Thị Hằng".into(),
        procedure: "Đăng ký khai sinh kết hợp đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"
            .into(),
        legal_basis: "Nghị định 118/2025/NĐ-CP; Thông tư 03/2025/TT-VPCP".into(),
        created: created(),
    }
}

pub fn receipt() -> Receipt {
    Receipt {
        unit: unit(),
        form: "01".into(),
        number: Some("1207/GTN-BPMC".into()),
        code: "000.00.12.H26-261203-0007".into(),
        applicant: "Nguyễn Thị Hằng".into(),
        id_number: "001190012345".into(),
        phone: "0912 345 678".into(),
        address: "Số 12 ngõ 5 phố Điện Biên Phủ, phường Điện Biên, quận Ba Đình, Hà Nội".into(),
        procedure: dossier().procedure,
        papers: vec![
            ("Tờ khai đăng ký khai sinh (bản chính)".into(), 1),
            ("Giấy chứng sinh do cơ sở y tế cấp".into(), 1),
            ("Giấy chứng nhận kết hôn của cha mẹ (bản sao)".into(), 1),
            ("Tờ khai thay đổi thông tin cư trú".into(), 1),
        ],
        received: at(3, 8, 30),
        appointment: at(8, 16, 0),
        return_place: "Bộ phận Một cửa UBND phường Điện Biên, số 8 Điện Biên Phủ".into(),
        lookup_secret: Some("K7QF-2MXA-9TRC".into()),
        legal_basis: "Nghị định 118/2025/NĐ-CP; Thông tư 03/2025/TT-VPCP".into(),
        receiver: Some("Trần Văn Đức".into()),
        qr: "motcua:v1;ma=000.00.12.H26-261203-0007;sha256=pending;so-cai=0".into(),
        created: created(),
    }
}

pub fn guidance() -> Guidance {
    Guidance {
        dossier: dossier(),
        date: NaiveDate::from_ymd_opt(2026, 12, 3).expect("date"),
        reason: "Hồ sơ chưa đủ thành phần theo quy định".into(),
        items: vec![
            "Bổ sung bản sao Giấy chứng nhận kết hôn của cha mẹ có chứng thực hoặc xuất trình bản chính để đối chiếu."
                .into(),
            "Ghi đầy đủ mục \"Nơi cư trú\" trong tờ khai đăng ký khai sinh, ký và ghi rõ họ tên người đi đăng ký."
                .into(),
        ],
        guide: Some("Trần Văn Đức".into()),
    }
}

pub fn refusal() -> Refusal {
    Refusal {
        dossier: DossierRef {
            form: "03".into(),
            ..dossier()
        },
        date: NaiveDate::from_ymd_opt(2026, 12, 3).expect("date"),
        reason:
            "Thủ tục không thuộc thẩm quyền giải quyết của UBND cấp xã; đề nghị nộp tại Sở Tư pháp."
                .into(),
        receiver: Some("Trần Văn Đức".into()),
    }
}

pub fn apology() -> Apology {
    Apology {
        dossier: DossierRef {
            form: "04".into(),
            ..dossier()
        },
        date: NaiveDate::from_ymd_opt(2026, 12, 8).expect("date"),
        received: at(3, 8, 30),
        previous_appointment: at(8, 16, 0),
        reason: "cần xác minh thông tin cư trú của người mẹ tại địa phương khác.".into(),
        new_appointment: at(11, 16, 0),
        extension: true,
        signer_title: "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH".into(),
        signer: Some("Lê Quang Vinh".into()),
        recipients: vec!["Như trên;".into(), "Lưu: VT, BPMC.".into()],
    }
}

pub fn control_sheet() -> ControlSheet {
    let step = |from: &str, to: &str, d: u32, h: u32, result: &str| ControlStep {
        from: from.into(),
        to: to.into(),
        at: format!("{:02} giờ 00 phút, ngày {d:02}/12/2026", h),
        result: result.into(),
        note: String::new(),
    };
    ControlSheet {
        dossier: DossierRef {
            form: "06".into(),
            ..dossier()
        },
        date: NaiveDate::from_ymd_opt(2026, 12, 3).expect("date"),
        appointment: at(8, 16, 0),
        steps: vec![
            step(
                "Bộ phận Một cửa",
                "Công chức Tư pháp - Hộ tịch",
                3,
                9,
                "Đúng hạn",
            ),
            step(
                "Công chức Tư pháp - Hộ tịch",
                "Chủ tịch UBND phường",
                5,
                14,
                "Trước hạn",
            ),
            step(
                "Chủ tịch UBND phường",
                "Bộ phận Một cửa",
                6,
                10,
                "Trước hạn",
            ),
        ],
    }
}

/// A register of `n` dossiers (long enough to run over several pages).
pub fn register(n: usize) -> Register {
    let procedures = [
        "Đăng ký khai sinh",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp",
        "Đăng ký kết hôn",
        "Cấp Giấy xác nhận tình trạng hôn nhân",
    ];
    let people = [
        "Nguyễn Văn An",
        "Trần Thị Bích Ngọc",
        "Lê Hoàng Phúc",
        "Phạm Thị Thu Hương",
        "Đỗ Minh Khôi",
    ];
    Register {
        unit: unit(),
        form: None,
        period: "Từ ngày 01/11/2026 đến ngày 30/11/2026".into(),
        date: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
        lines: (0..n)
            .map(|i| RegisterLine {
                code: format!("000.00.12.H26-2611{:02}-{:04}", i % 28 + 1, i + 1),
                procedure: procedures[i % procedures.len()].into(),
                applicant: people[i % people.len()].into(),
                contact: format!("09{:08}", 12_345_678 + i * 7),
                handler: "UBND phường Điện Biên".into(),
                received: format!("{:02}/11/2026", i % 28 + 1),
                appointment: format!("{:02}/11/2026", (i % 28 + 3).min(30)),
                returned: if i % 7 == 3 {
                    String::new()
                } else {
                    format!("{:02}/11/2026", (i % 28 + 2).min(30))
                },
                note: if i % 7 == 3 {
                    "Đang giải quyết".into()
                } else {
                    String::new()
                },
            })
            .collect(),
        created: created(),
    }
}

pub fn conclusion_notice() -> ConclusionNotice {
    ConclusionNotice {
        issuer: "UBND quận Ba Đình".into(),
        team: "Đoàn kiểm tra".into(),
        number: Some("05/TB-ĐKT".into()),
        place: "Ba Đình".into(),
        date: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
        title: "Kết luận kiểm tra công tác cải cách hành chính năm 2026 tại các phường".into(),
        grounds: vec![
            "Quyết định số 1234/QĐ-UBND ngày 01/10/2026 của UBND quận Ba Đình về việc thành lập Đoàn kiểm tra;".into(),
            "Kế hoạch kiểm tra cải cách hành chính năm 2026 của UBND quận Ba Đình.".into(),
        ],
        inspected: vec![
            "Từ ngày 05/11/2026 đến ngày 15/11/2026, Đoàn kiểm tra đã kiểm tra tại UBND phường Điện Biên, \
             UBND phường Kim Mã và UBND phường Ngọc Hà. Đoàn kiểm tra thông báo kết luận như sau:"
                .into(),
        ],
        strengths: vec!["Niêm yết công khai đầy đủ thủ tục hành chính tại Bộ phận Một cửa.".into()],
        shortcomings: vec![(
            "1. Về giải quyết thủ tục hành chính".into(),
            vec![
                ("Còn hồ sơ trả kết quả quá hạn chưa có văn bản xin lỗi".into(), vec!["UBND phường Kim Mã".into()]),
                (
                    "Phiếu kiểm soát quá trình giải quyết hồ sơ ghi chưa đầy đủ".into(),
                    vec!["UBND phường Điện Biên".into(), "UBND phường Ngọc Hà".into()],
                ),
            ],
        )],
        requests: vec![
            "Khắc phục các tồn tại, hạn chế nêu trên; báo cáo kết quả về UBND quận trước ngày 31/12/2026.".into(),
        ],
        signer: Some("Hoàng Thị Mai".into()),
        recipients: vec!["UBND các phường được kiểm tra;".into(), "Chủ tịch UBND quận (để b/c);".into(), "Lưu: VT, ĐKT.".into()],
        created: created(),
    }
}

pub fn result_cover() -> ResultCover {
    ResultCover {
        unit: unit(),
        number: Some("88/BSĐT".into()),
        date: NaiveDate::from_ymd_opt(2026, 12, 8).expect("date"),
        code: "000.00.12.H26-261203-0007".into(),
        title: "BẢN SAO ĐIỆN TỬ ĐƯỢC CHỨNG THỰC TỪ BẢN CHÍNH".into(),
        applicant: "Nguyễn Thị Hằng".into(),
        procedure: "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp".into(),
        items: vec![ResultItem {
            name: "Giấy khai sinh số 125/2026 (bản sao điện tử)".into(),
            pages: 1,
            sha256: "9f2c4a1be0d37c55f1a8e2b7c4d6a9013e5f7b2c8d1e4f6a0b3c5d7e9f1a2b4c".into(),
        }],
        certification: "Chứng thực bản sao đúng với bản chính. Số chứng thực: 88, quyển số 01/2026-SCT/BS.".into(),
        signer_title: "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH".into(),
        signer: Some("Lê Quang Vinh".into()),
        qr: "motcua:v1;ma=000.00.12.H26-261203-0007;sha256=pending;so-cai=0".into(),
        recipients: vec!["Bà Nguyễn Thị Hằng;".into(), "Lưu: VT.".into()],
        created: created(),
    }
}

/// The TEST signing identity (`testdata/test-signer.p12`, issued by the TEST certificate authority
/// of `testdata/make-test-ca.sh`): for tests and the demo only, never for real documents.
pub const TEST_SIGNER_P12: &[u8] = include_bytes!("../testdata/test-signer.p12");
/// The password of [`TEST_SIGNER_P12`].
pub const TEST_SIGNER_PASSWORD: &str = "motcua-test";
