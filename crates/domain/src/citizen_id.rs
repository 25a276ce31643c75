//! The 12-digit personal identification number (số định danh cá nhân), which is also the number of
//! the citizen's identity card: 3 digits for the province (or country) where the birth was
//! registered, 1 for the century of birth and the sex, 2 for the last digits of the year of birth,
//! 6 random. The rule and the province codes are data with their sources.

use serde::{Deserialize, Serialize};

use crate::rules::{Confidence, LegalRule, Source};

pub const PERSONAL_ID_NUMBER: &str = "personal_id_number";

/// The structure of the number, with its sources.
pub const RULE: LegalRule = LegalRule {
    id: PERSONAL_ID_NUMBER,
    vi: "Số định danh cá nhân gồm 12 chữ số: 3 chữ số mã tỉnh, thành phố (hoặc mã quốc gia) nơi đăng ký khai sinh, 1 chữ số mã thế kỷ và giới tính, 2 chữ số cuối năm sinh, 6 chữ số ngẫu nhiên",
    en: "The personal identification number has 12 digits: 3 for the province (or country) where the birth was registered, 1 for the century of birth and sex, 2 for the year of birth, 6 random",
    source: Source {
        document: "Luật Căn cước số 26/2023/QH15 (từ 01/7/2024); Thông tư 59/2021/TT-BCA (mã tỉnh: Phụ lục, giữ từ Thông tư 07/2016/TT-BCA); Nghị định 137/2015/NĐ-CP Điều 13",
        article: "Luật Căn cước Điều 12; Thông tư 59/2021/TT-BCA Điều 4 (cấu trúc, mã thế kỷ và giới tính)",
        in_force_from: Some("2021-07-01"),
        in_force_to: None,
        confidence: Confidence::Secondary,
    },
};

/// The province codes of the place of birth registration (the appendix of Circular 07/2016/TT-BCA,
/// kept by Circular 59/2021/TT-BCA): the 63 provinces before the 2025 mergers. Numbers already
/// given keep their codes after 1 July 2025.
pub const PROVINCES: [(&str, &str); 63] = [
    ("001", "Hà Nội"),
    ("002", "Hà Giang"),
    ("004", "Cao Bằng"),
    ("006", "Bắc Kạn"),
    ("008", "Tuyên Quang"),
    ("010", "Lào Cai"),
    ("011", "Điện Biên"),
    ("012", "Lai Châu"),
    ("014", "Sơn La"),
    ("015", "Yên Bái"),
    ("017", "Hòa Bình"),
    ("019", "Thái Nguyên"),
    ("020", "Lạng Sơn"),
    ("022", "Quảng Ninh"),
    ("024", "Bắc Giang"),
    ("025", "Phú Thọ"),
    ("026", "Vĩnh Phúc"),
    ("027", "Bắc Ninh"),
    ("030", "Hải Dương"),
    ("031", "Hải Phòng"),
    ("033", "Hưng Yên"),
    ("034", "Thái Bình"),
    ("035", "Hà Nam"),
    ("036", "Nam Định"),
    ("037", "Ninh Bình"),
    ("038", "Thanh Hóa"),
    ("040", "Nghệ An"),
    ("042", "Hà Tĩnh"),
    ("044", "Quảng Bình"),
    ("045", "Quảng Trị"),
    ("046", "Thừa Thiên Huế"),
    ("048", "Đà Nẵng"),
    ("049", "Quảng Nam"),
    ("051", "Quảng Ngãi"),
    ("052", "Bình Định"),
    ("054", "Phú Yên"),
    ("056", "Khánh Hòa"),
    ("058", "Ninh Thuận"),
    ("060", "Bình Thuận"),
    ("062", "Kon Tum"),
    ("064", "Gia Lai"),
    ("066", "Đắk Lắk"),
    ("067", "Đắk Nông"),
    ("068", "Lâm Đồng"),
    ("070", "Bình Phước"),
    ("072", "Tây Ninh"),
    ("074", "Bình Dương"),
    ("075", "Đồng Nai"),
    ("077", "Bà Rịa - Vũng Tàu"),
    ("079", "Hồ Chí Minh"),
    ("080", "Long An"),
    ("082", "Tiền Giang"),
    ("083", "Bến Tre"),
    ("084", "Trà Vinh"),
    ("086", "Vĩnh Long"),
    ("087", "Đồng Tháp"),
    ("089", "An Giang"),
    ("091", "Kiên Giang"),
    ("092", "Cần Thơ"),
    ("093", "Hậu Giang"),
    ("094", "Sóc Trăng"),
    ("095", "Bạc Liêu"),
    ("096", "Cà Mau"),
];

/// Sex as the identification number and the population database record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// `male` or `female` (what forms post and the population database answers).
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim() {
            "male" => Some(Sex::Male),
            "female" => Some(Sex::Female),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }
}

/// The year of birth and the sex a 12-digit number encodes (its fourth to sixth digits), without
/// checking the province or whether the year is plausible: None when it is not 12 digits.
pub fn birth_of(number: &str) -> Option<(i32, Sex)> {
    let b = number.as_bytes();
    if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digit = i32::from(b[3] - b'0');
    let yy = i32::from(b[4] - b'0') * 10 + i32::from(b[5] - b'0');
    let sex = if digit % 2 == 0 {
        Sex::Male
    } else {
        Sex::Female
    };
    Some((1900 + 100 * (digit / 2) + yy, sex))
}

/// What the number says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PersonalId {
    /// The 12 digits.
    pub number: String,
    pub province_code: String,
    pub province: &'static str,
    pub sex: Sex,
    pub birth_year: i32,
}

/// Why a number is refused (field `id_number`), in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("id_number: {vi} / {en}")]
pub struct IdError {
    pub vi: String,
    pub en: String,
}

fn err(vi: impl Into<String>, en: impl Into<String>) -> IdError {
    IdError {
        vi: vi.into(),
        en: en.into(),
    }
}

/// Checks a personal identification number (spaces and dots between digits allowed) against its
/// structure; `this_year` (the caller's today) bounds the year of birth.
pub fn parse(s: &str, this_year: i32) -> Result<PersonalId, IdError> {
    let number: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect();
    if number.chars().count() != 12 || !number.chars().all(|c| c.is_ascii_digit()) {
        return Err(err(
            "số định danh cá nhân phải gồm đúng 12 chữ số",
            "the personal identification number must be exactly 12 digits",
        ));
    }
    let province_code = &number[0..3];
    let Some((_, province)) = PROVINCES.iter().find(|(c, _)| *c == province_code) else {
        return Err(err(
            format!(
                "ba chữ số đầu '{province_code}' không phải mã tỉnh, thành phố nơi đăng ký khai sinh (Thông tư 59/2021/TT-BCA)"
            ),
            format!(
                "the first three digits '{province_code}' are not a province code of birth registration (Circular 59/2021/TT-BCA)"
            ),
        ));
    };
    let digit = i32::from(number.as_bytes()[3] - b'0');
    let century = 1900 + 100 * (digit / 2);
    let sex = if digit % 2 == 0 {
        Sex::Male
    } else {
        Sex::Female
    };
    let yy: i32 = number[4..6].parse().unwrap_or(0);
    let birth_year = century + yy;
    if birth_year > this_year {
        return Err(err(
            format!(
                "chữ số thứ tư ({digit}) và năm sinh ({yy:02}) cho năm sinh {birth_year}, sau năm hiện tại"
            ),
            format!(
                "the fourth digit ({digit}) and the year ({yy:02}) give a birth in {birth_year}, after this year"
            ),
        ));
    }
    if this_year - birth_year > 130 {
        return Err(err(
            format!("năm sinh {birth_year} không hợp lý"),
            format!("a birth in {birth_year} is not plausible"),
        ));
    }
    Ok(PersonalId {
        province_code: province_code.to_owned(),
        province,
        sex,
        birth_year,
        number,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-checked: 066 Đắk Lắk, 0 a man of the 20th century, 90 -> 1990.
    #[test]
    fn hand_checked_numbers() {
        let p = parse("066090001234", 2025).unwrap();
        assert_eq!(p.province, "Đắk Lắk");
        assert_eq!((p.sex, p.birth_year), (Sex::Male, 1990));
        // 001 Hà Nội, 3: a woman of the 21st century, 05 -> 2005.
        let p = parse("001 305 123 456", 2025).unwrap();
        assert_eq!(p.number, "001305123456");
        assert_eq!(
            (p.province, p.sex, p.birth_year),
            ("Hà Nội", Sex::Female, 2005)
        );
        // 079 Hồ Chí Minh, 1: a woman of the 20th century, 85 -> 1985.
        let p = parse("079.185.000.001", 2025).unwrap();
        assert_eq!(
            (p.province, p.sex, p.birth_year),
            ("Hồ Chí Minh", Sex::Female, 1985)
        );
        // 096 Cà Mau, 2: a man born in 2024.
        assert_eq!(parse("096224000000", 2025).unwrap().birth_year, 2024);
    }

    #[test]
    fn the_birth_a_number_encodes() {
        assert_eq!(birth_of("066190004321"), Some((1990, Sex::Female)));
        assert_eq!(birth_of("001305123456"), Some((2005, Sex::Female)));
        assert_eq!(birth_of("066224000000"), Some((2024, Sex::Male)));
        assert_eq!(birth_of("241234567"), None);
        assert_eq!(birth_of("06619000432a"), None);
        assert_eq!(Sex::parse("female"), Some(Sex::Female));
        assert_eq!(Sex::parse("nữ"), None);
    }

    #[test]
    fn refused_numbers_say_why() {
        for (n, why) in [
            ("06609000123", "12"),   // 11 digits
            ("0660900012345", "12"), // 13
            ("06609000123a", "12"),
            ("003090001234", "003"), // not a province code (no 003)
            ("097090001234", "097"), // past the last code
            ("000090001234", "000"),
            ("066230001234", "2030"), // a man born in 2030
            ("066490001234", "2190"), // the 22nd century
            ("066000001234", "1900"), // 1900 is 125 years ago: fine in 2025, not in 2040
        ] {
            let year = if n == "066000001234" { 2040 } else { 2025 };
            let e = parse(n, year).unwrap_err();
            assert!(e.vi.contains(why) || e.en.contains(why), "{n}: {e}");
        }
        assert!(parse("066000001234", 2025).is_ok());
        assert_eq!(PROVINCES.len(), 63);
        let mut codes: Vec<&str> = PROVINCES.iter().map(|p| p.0).collect();
        codes.dedup();
        assert_eq!(codes.len(), 63, "codes ascending and unique");
    }
}
