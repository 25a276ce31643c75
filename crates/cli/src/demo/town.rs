//! The demo town: Buôn Hồ (Đắk Lắk) as in 2017, with its departments, wards and communes, the
//! agencies it works with, and the three units that succeeded it on 1 July 2025.
//!
//! Agency codes follow the shape of QCVN 102:2016 (L4.L3.L2.L1) but are illustrative: the official
//! codes of these units were not available.

use chrono::NaiveDate;
use motcua_domain::org::{Role, Unit, UnitLevel};

pub const PROVINCE: &str = "000.00.00.H15";
pub const TOWN: &str = "000.00.12.H15";
pub const INTERIOR: &str = "001.00.12.H15";
pub const JUSTICE: &str = "002.00.12.H15";
pub const FINANCE: &str = "003.00.12.H15";
pub const ENVIRONMENT: &str = "004.00.12.H15";
pub const LABOUR: &str = "005.00.12.H15";
pub const URBAN: &str = "006.00.12.H15";
pub const LAND_OFFICE: &str = "000.00.61.H15";
pub const TAX: &str = "000.00.60.H15";
pub const PHUONG_BUON_HO: &str = "000.31.00.H15";
pub const PHUONG_CU_BAO: &str = "000.32.00.H15";
pub const XA_EA_DRONG: &str = "000.33.00.H15";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("demo date")
}

/// The 12 wards and communes of 2017: (code suffix, name, successor since 1 July 2025).
pub const COMMUNES: [(&str, &str, &str); 12] = [
    ("01", "Phường An Bình", PHUONG_BUON_HO),
    ("02", "Phường An Lạc", PHUONG_BUON_HO),
    ("03", "Phường Bình Tân", PHUONG_CU_BAO),
    ("04", "Phường Đạt Hiếu", PHUONG_BUON_HO),
    ("05", "Phường Đoàn Kết", PHUONG_BUON_HO),
    ("06", "Phường Thiện An", PHUONG_BUON_HO),
    ("07", "Phường Thống Nhất", PHUONG_BUON_HO),
    ("08", "Xã Bình Thuận", PHUONG_CU_BAO),
    ("09", "Xã Cư Bao", PHUONG_CU_BAO),
    ("10", "Xã Ea Blang", XA_EA_DRONG),
    ("11", "Xã Ea Drông", XA_EA_DRONG),
    ("12", "Xã Ea Siên", XA_EA_DRONG),
];

pub fn commune_code(suffix: &str) -> String {
    format!("000.{suffix}.12.H15")
}

pub fn units() -> Vec<Unit> {
    let unit = |code: &str,
                name: &str,
                level,
                parent: Option<&str>,
                from: &str,
                to: Option<&str>,
                successors: &[&str]| Unit {
        code: code.into(),
        name: name.into(),
        level,
        parent: parent.map(Into::into),
        valid_from: d(from),
        valid_to: to.map(d),
        successors: successors.iter().map(|s| s.to_string()).collect(),
    };
    let town_end = Some("2025-06-30");
    let mut out = vec![
        unit(
            PROVINCE,
            "UBND tỉnh Đắk Lắk",
            UnitLevel::Province,
            None,
            "1976-01-01",
            None,
            &[],
        ),
        unit(
            TOWN,
            "UBND thị xã Buôn Hồ",
            UnitLevel::District,
            Some(PROVINCE),
            "2008-12-23",
            town_end,
            &[PHUONG_BUON_HO, PHUONG_CU_BAO, XA_EA_DRONG],
        ),
        unit(
            INTERIOR,
            "Phòng Nội vụ thị xã Buôn Hồ",
            UnitLevel::Department,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[],
        ),
        unit(
            JUSTICE,
            "Phòng Tư pháp thị xã Buôn Hồ",
            UnitLevel::Department,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[],
        ),
        unit(
            FINANCE,
            "Phòng Tài chính - Kế hoạch thị xã Buôn Hồ",
            UnitLevel::Department,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[],
        ),
        unit(
            ENVIRONMENT,
            "Phòng Tài nguyên và Môi trường thị xã Buôn Hồ",
            UnitLevel::Department,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[],
        ),
        unit(
            LABOUR,
            "Phòng Lao động - Thương binh và Xã hội thị xã Buôn Hồ",
            UnitLevel::Department,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[],
        ),
        unit(
            URBAN,
            "Phòng Quản lý đô thị thị xã Buôn Hồ",
            UnitLevel::Department,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[],
        ),
        unit(
            LAND_OFFICE,
            "Chi nhánh Văn phòng Đăng ký đất đai Buôn Hồ",
            UnitLevel::Agency,
            Some(PROVINCE),
            "2016-01-01",
            None,
            &[],
        ),
        unit(
            TAX,
            "Chi cục Thuế khu vực Buôn Hồ",
            UnitLevel::Agency,
            Some(PROVINCE),
            "2008-12-23",
            None,
            &[],
        ),
        unit(
            PHUONG_BUON_HO,
            "UBND phường Buôn Hồ",
            UnitLevel::Commune,
            Some(PROVINCE),
            "2025-07-01",
            None,
            &[],
        ),
        unit(
            PHUONG_CU_BAO,
            "UBND phường Cư Bao",
            UnitLevel::Commune,
            Some(PROVINCE),
            "2025-07-01",
            None,
            &[],
        ),
        unit(
            XA_EA_DRONG,
            "UBND xã Ea Drông",
            UnitLevel::Commune,
            Some(PROVINCE),
            "2025-07-01",
            None,
            &[],
        ),
    ];
    for (suffix, name, successor) in COMMUNES {
        out.push(unit(
            &commune_code(suffix),
            &format!(
                "UBND {}",
                name.replace("Phường", "phường").replace("Xã", "xã")
            ),
            UnitLevel::Commune,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[successor],
        ));
    }
    out
}

/// A demo account: username, full name, title, roles.
pub struct Account {
    pub username: String,
    pub full_name: String,
    pub title: String,
    pub grants: Vec<(Role, String)>,
}

fn account(username: &str, full_name: &str, title: &str, grants: &[(Role, &str)]) -> Account {
    Account {
        username: username.into(),
        full_name: full_name.into(),
        title: title.into(),
        grants: grants.iter().map(|(r, u)| (*r, u.to_string())).collect(),
    }
}

/// Accounts for the units that exist today, and for the 2017 town (history and inspection).
pub fn accounts() -> Vec<Account> {
    use Role::*;
    let mut out = vec![
        account(
            "admin",
            "Quản trị hệ thống",
            "Quản trị viên",
            &[(SystemAdmin, PROVINCE)],
        ),
        account(
            "thanhtra",
            "Lê Thị Ngọc Phượng",
            "Phó Trưởng phòng Nội vụ",
            &[(Inspector, TOWN), (UnitAdmin, INTERIOR)],
        ),
        account(
            "lanhdao.thixa",
            "Trần Văn Hùng",
            "Phó Chủ tịch UBND thị xã",
            &[(UnitLeader, TOWN)],
        ),
        account(
            "motcua.thixa",
            "Nguyễn Thị Hoa",
            "Công chức Bộ phận TN&TKQ thị xã",
            &[(ReceptionOfficer, TOWN)],
        ),
        account(
            "tckh.chuyenvien",
            "Phạm Văn Bình",
            "Chuyên viên Phòng TC-KH",
            &[(Specialist, FINANCE)],
        ),
        account(
            "tnmt.chuyenvien",
            "Võ Thị Lan",
            "Chuyên viên Phòng TN&MT",
            &[(Specialist, ENVIRONMENT)],
        ),
        account(
            "vpdk.chuyenvien",
            "Đỗ Minh Tuấn",
            "Viên chức Chi nhánh VPĐKĐĐ",
            &[(Specialist, LAND_OFFICE)],
        ),
        account(
            "thue.chuyenvien",
            "Hoàng Thị Mai",
            "Công chức Chi cục Thuế",
            &[(Specialist, TAX)],
        ),
    ];
    for (code, slug, leader, officer, specialist) in [
        (
            PHUONG_BUON_HO,
            "buonho",
            "Y Khuê Niê",
            "Nguyễn Thị Thu",
            "Lê Văn Nam",
        ),
        (
            PHUONG_CU_BAO,
            "cubao",
            "Trần Quốc Việt",
            "H'Linh Êban",
            "Phan Thị Hạnh",
        ),
        (
            XA_EA_DRONG,
            "eadrong",
            "Y Thanh Mlô",
            "Đinh Thị Yến",
            "Nguyễn Văn Sơn",
        ),
    ] {
        out.push(account(
            &format!("motcua.{slug}"),
            officer,
            "Công chức Bộ phận Một cửa",
            &[(ReceptionOfficer, code)],
        ));
        out.push(account(
            &format!("chuyenvien.{slug}"),
            specialist,
            "Công chức chuyên môn",
            &[(Specialist, code)],
        ));
        out.push(account(
            &format!("lanhdao.{slug}"),
            leader,
            "Phó Chủ tịch UBND",
            &[(UnitLeader, code)],
        ));
        out.push(account(
            &format!("quantri.{slug}"),
            officer,
            "Quản trị đơn vị",
            &[(UnitAdmin, code)],
        ));
    }
    // The desk officers of the communes in 2017, where a desk was set up and staffed (Ea Blang,
    // Ea Drông and Ea Siên had assigned nobody).
    let officers_2017 = [
        "Nguyễn Thị Lài",
        "Trần Thị Thanh",
        "Lê Văn Dũng",
        "Phạm Thị Hà",
        "Võ Văn Lực",
        "H'Nga Byă",
        "Đặng Thị Mỹ",
        "Bùi Văn Toàn",
        "Y Sang Ksơr",
    ];
    for ((suffix, _, _), name) in COMMUNES.iter().zip(officers_2017) {
        out.push(account(
            &format!("motcua2017.{suffix}"),
            name,
            "Công chức Bộ phận Tiếp nhận và Trả kết quả",
            &[(ReceptionOfficer, &commune_code(suffix))],
        ));
    }
    out
}

/// Desks: (unit, desk name, founding decision (number, date, signer)). The 2017 inspection found
/// that Ea Drông, Ea Blang and Ea Siên had no decision establishing their desk.
/// A founding decision: number, date, signer.
pub type DecisionRef = (&'static str, &'static str, &'static str);

pub fn desks() -> Vec<(String, String, Option<DecisionRef>)> {
    let mut out = vec![
        (
            TOWN.to_owned(),
            "Bộ phận Tiếp nhận và Trả kết quả thị xã Buôn Hồ".to_owned(),
            Some(("1520/QĐ-UBND", "2015-06-15", "Chủ tịch UBND thị xã Buôn Hồ")),
        ),
        (
            PHUONG_BUON_HO.to_owned(),
            "Trung tâm Phục vụ hành chính công phường Buôn Hồ".to_owned(),
            Some(("01/QĐ-UBND", "2025-07-01", "Chủ tịch UBND phường Buôn Hồ")),
        ),
        (
            PHUONG_CU_BAO.to_owned(),
            "Trung tâm Phục vụ hành chính công phường Cư Bao".to_owned(),
            Some(("02/QĐ-UBND", "2025-07-01", "Chủ tịch UBND phường Cư Bao")),
        ),
        (
            XA_EA_DRONG.to_owned(),
            "Trung tâm Phục vụ hành chính công xã Ea Drông".to_owned(),
            Some(("05/QĐ-UBND", "2025-07-02", "Chủ tịch UBND xã Ea Drông")),
        ),
    ];
    for (suffix, name, _) in COMMUNES {
        let missing = matches!(suffix, "10" | "11" | "12");
        out.push((
            commune_code(suffix),
            format!(
                "Bộ phận Tiếp nhận và Trả kết quả {}",
                name.replace("Phường", "phường").replace("Xã", "xã")
            ),
            (!missing).then_some(("45/QĐ-UBND", "2015-09-01", "Chủ tịch UBND")),
        ));
    }
    out
}
