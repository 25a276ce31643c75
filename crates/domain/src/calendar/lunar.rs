//! The Vietnamese lunisolar calendar (âm lịch), computed astronomically for a given meridian.
//!
//! Rules (as described by Hồ Ngọc Đức for the Vietnamese calendar): a month begins on the local civil
//! day of a new moon; month 11 is the month that contains the winter solstice; a year between two
//! months 11 with thirteen months gets a leap month, the first month after month 11 in which the sun
//! enters no new 30° sector of longitude (no major solar term). Vietnam reckons at UTC+7, China at
//! UTC+8, which is why Tết differs in some years (1985, 2007, 2030).
//!
//! New moons use Meeus' series (mean lunation plus periodic terms); the sun's longitude uses the
//! low-precision solar theory (mean longitude plus equation of centre). Every month of 1898-2200 is
//! computed once into a sorted table, so each conversion afterwards is a binary search.

use std::f64::consts::PI;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::CalendarError;

/// First and last Gregorian year the calendar converts.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2199;

/// Julian day number of 0000-12-31 in chrono's proleptic Gregorian count (day 1 = 0001-01-01).
const JDN_OFFSET: i64 = 1_721_425;
/// Julian date of the new moon of 1900-01-01 13:51 UT, the origin of the lunation count.
const EPOCH_NEW_MOON: f64 = 2_415_021.076_998_695;
const SYNODIC_MONTH: f64 = 29.530_588_853;

/// A date of the lunar calendar. `leap` marks the intercalary month that repeats `month`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LunarDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub leap: bool,
}

pub fn jdn(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JDN_OFFSET
}

pub fn from_jdn(jdn: i64) -> Option<NaiveDate> {
    i32::try_from(jdn - JDN_OFFSET)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// Julian date (UT) of the k-th new moon after the epoch.
fn new_moon(k: f64) -> f64 {
    let t = k / 1236.85;
    let (t2, t3) = (t * t, t * t * t);
    let rad = PI / 180.0;
    let mean = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3
        + 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * rad).sin();
    let m = (359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3) * rad; // sun's anomaly
    let mp = (306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3) * rad; // moon's anomaly
    let f = (21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3) * rad; // argument of latitude
    let terms = (0.1734 - 0.000_393 * t) * m.sin() + 0.0021 * (2.0 * m).sin() - 0.4068 * mp.sin()
        + 0.0161 * (2.0 * mp).sin()
        - 0.0004 * (3.0 * mp).sin()
        + 0.0104 * (2.0 * f).sin()
        - 0.0051 * (m + mp).sin()
        - 0.0074 * (m - mp).sin()
        + 0.0004 * (2.0 * f + m).sin()
        - 0.0004 * (2.0 * f - m).sin()
        - 0.0006 * (2.0 * f + mp).sin()
        + 0.0010 * (2.0 * f - mp).sin()
        + 0.0005 * (m + 2.0 * mp).sin();
    // ΔT (dynamical minus universal time), in days.
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    mean + terms - delta_t
}

/// The sun's apparent longitude in radians, in [0, 2π), at Julian date `jd` (UT).
fn sun_longitude(jd: f64) -> f64 {
    let t = (jd - 2_451_545.0) / 36_525.0;
    let t2 = t * t;
    let rad = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let centre = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (rad * m).sin()
        + (0.019_993 - 0.000_101 * t) * (2.0 * rad * m).sin()
        + 0.000_290 * (3.0 * rad * m).sin();
    ((l0 + centre) * rad).rem_euclid(2.0 * PI)
}

/// One month of the table: the day number it starts on and its place in the lunar year.
#[derive(Debug, Clone, Copy)]
struct Month {
    start: i64,
    year: i32,
    number: u8,
    leap: bool,
}

impl Month {
    fn key(&self) -> (i32, u8, bool) {
        (self.year, self.number, self.leap)
    }
}

/// The lunar calendar of one meridian, precomputed for every month of the supported range.
#[derive(Debug)]
pub struct LunarCalendar {
    utc_offset_hours: f64,
    months: Vec<Month>,
}

impl LunarCalendar {
    /// The Vietnamese calendar (UTC+7), computed once per process.
    pub fn vietnam() -> &'static LunarCalendar {
        static VN: OnceLock<LunarCalendar> = OnceLock::new();
        VN.get_or_init(|| LunarCalendar::with_utc_offset(7.0))
    }

    /// The calendar reckoned at another meridian (UTC+8 gives the Chinese calendar).
    pub fn with_utc_offset(utc_offset_hours: f64) -> LunarCalendar {
        let mut cal = LunarCalendar {
            utc_offset_hours,
            months: Vec::with_capacity(303 * 13),
        };
        // Month 11 of Gregorian year y starts in November or December of y; the months from it to the
        // next month 11 are 11 and 12 of lunar year y, then 1..10 of lunar year y+1.
        let mut a11 = cal.month11(FIRST_YEAR - 2);
        for y in (FIRST_YEAR - 2)..=(LAST_YEAR + 1) {
            let b11 = cal.month11(y + 1);
            let k = ((a11 as f64 - EPOCH_NEW_MOON) / SYNODIC_MONTH + 0.5).floor();
            let count = ((b11 - a11) as f64 / SYNODIC_MONTH).round() as i64;
            let starts: Vec<i64> = (0..=count)
                .map(|i| cal.new_moon_day(k + i as f64))
                .collect();
            debug_assert_eq!(starts[0], a11);
            debug_assert_eq!(starts[count as usize], b11);
            let leap_index = if count == 13 {
                (1..13).find(|&i| cal.sector(starts[i]) == cal.sector(starts[i + 1]))
            } else {
                None
            };
            for (i, &start) in starts[..count as usize].iter().enumerate() {
                let shift = usize::from(leap_index.is_some_and(|l| i >= l));
                let raw = 11 + i - shift;
                let (year, number) = if raw > 12 {
                    (y + 1, raw - 12)
                } else {
                    (y, raw)
                };
                cal.months.push(Month {
                    start,
                    year,
                    number: number as u8,
                    leap: leap_index == Some(i),
                });
            }
            a11 = b11;
        }
        cal
    }

    /// Local civil day number on which the k-th new moon falls.
    fn new_moon_day(&self, k: f64) -> i64 {
        (new_moon(k) + 0.5 + self.utc_offset_hours / 24.0).floor() as i64
    }

    /// Which 30° sector of longitude the sun is in at the local start of day `day`.
    fn sector(&self, day: i64) -> i64 {
        let jd = day as f64 - 0.5 - self.utc_offset_hours / 24.0;
        (sun_longitude(jd) / PI * 6.0).floor() as i64
    }

    /// Day number on which month 11 (the one containing the winter solstice) of year `y` begins.
    fn month11(&self, y: i32) -> i64 {
        let dec31 = jdn(NaiveDate::from_ymd_opt(y, 12, 31).expect("valid date"));
        let k = ((dec31 as f64 - EPOCH_NEW_MOON) / SYNODIC_MONTH).floor();
        let new_moon = self.new_moon_day(k);
        // Sector 9 starts at 270°, the solstice: if it has already begun, month 11 began a lunation earlier.
        if self.sector(new_moon) >= 9 {
            self.new_moon_day(k - 1.0)
        } else {
            new_moon
        }
    }

    fn check_range(date: NaiveDate) -> Result<(), CalendarError> {
        if (FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
            Ok(())
        } else {
            Err(CalendarError::OutOfRange { year: date.year() })
        }
    }

    /// Solar (Gregorian) date to lunar date.
    pub fn to_lunar(&self, date: NaiveDate) -> Result<LunarDate, CalendarError> {
        Self::check_range(date)?;
        let day = jdn(date);
        let i = self.months.partition_point(|m| m.start <= day) - 1;
        let m = self.months[i];
        Ok(LunarDate {
            year: m.year,
            month: m.number,
            day: (day - m.start + 1) as u8,
            leap: m.leap,
        })
    }

    /// Lunar date to solar date. Refuses months that do not exist (a leap month in a year without it),
    /// day 30 of a 29-day month, and dates outside 1900-2199.
    pub fn to_solar(&self, lunar: LunarDate) -> Result<NaiveDate, CalendarError> {
        if !(1..=12).contains(&lunar.month) || !(1..=30).contains(&lunar.day) {
            return Err(CalendarError::InvalidLunarDate(lunar));
        }
        if !(FIRST_YEAR - 1..=LAST_YEAR).contains(&lunar.year) {
            return Err(CalendarError::OutOfRange { year: lunar.year });
        }
        let key = lunar_key(&lunar);
        let i = self
            .months
            .binary_search_by(|m| m.key().cmp(&key))
            .map_err(|_| {
                if lunar.leap {
                    CalendarError::NoSuchLeapMonth {
                        year: lunar.year,
                        month: lunar.month,
                    }
                } else {
                    CalendarError::InvalidLunarDate(lunar)
                }
            })?;
        let length = self
            .months
            .get(i + 1)
            .map_or(30, |next| next.start - self.months[i].start);
        if i64::from(lunar.day) > length {
            return Err(CalendarError::InvalidLunarDate(lunar));
        }
        let date = from_jdn(self.months[i].start + i64::from(lunar.day) - 1)
            .ok_or(CalendarError::OutOfRange { year: lunar.year })?;
        Self::check_range(date)?;
        Ok(date)
    }

    /// The first day (mùng 1 Tết) of lunar year `year`.
    pub fn new_year(&self, year: i32) -> Result<NaiveDate, CalendarError> {
        self.to_solar(LunarDate {
            year,
            month: 1,
            day: 1,
            leap: false,
        })
    }

    /// The leap month of a lunar year, if it has one.
    pub fn leap_month(&self, year: i32) -> Option<u8> {
        self.months
            .iter()
            .find(|m| m.year == year && m.leap)
            .map(|m| m.number)
    }
}

fn lunar_key(l: &LunarDate) -> (i32, u8, bool) {
    (l.year, l.month, l.leap)
}

const STEMS: [&str; 10] = [
    "Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý",
];
const BRANCHES: [&str; 12] = [
    "Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi",
];

/// The stem-branch name of a lunar year, e.g. 2025 -> "Ất Tỵ".
pub fn year_name(year: i32) -> String {
    format!(
        "{} {}",
        STEMS[(year + 6).rem_euclid(10) as usize],
        BRANCHES[(year + 8).rem_euclid(12) as usize]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn tet_matches_published_dates() {
        let vn = LunarCalendar::vietnam();
        for (year, tet) in [
            (1985, "1985-01-21"),
            (2000, "2000-02-05"),
            (2007, "2007-02-17"),
            (2017, "2017-01-28"),
            (2023, "2023-01-22"),
            (2025, "2025-01-29"),
            (2026, "2026-02-17"),
            (2030, "2030-02-02"),
            (2040, "2040-02-12"),
        ] {
            assert_eq!(vn.new_year(year).unwrap(), d(tet), "Tết {year}");
        }
    }

    #[test]
    fn china_differs_where_published() {
        let cn = LunarCalendar::with_utc_offset(8.0);
        let vn = LunarCalendar::vietnam();
        for (year, vn_tet, cn_tet) in [
            (1968, "1968-01-29", "1968-01-30"),
            (1969, "1969-02-16", "1969-02-17"),
            (1985, "1985-01-21", "1985-02-20"),
            (2007, "2007-02-17", "2007-02-18"),
            (2030, "2030-02-02", "2030-02-03"),
            (2053, "2053-02-18", "2053-02-19"),
        ] {
            assert_eq!(vn.new_year(year).unwrap(), d(vn_tet), "VN {year}");
            assert_eq!(cn.new_year(year).unwrap(), d(cn_tet), "CN {year}");
        }
        // 1985: Vietnam has a leap second month, China had a leap tenth month in 1984.
        assert_eq!(vn.leap_month(1985), Some(2));
        assert_eq!(cn.leap_month(1984), Some(10));
        let l = vn.to_lunar(d("1984-12-22")).unwrap();
        assert_eq!((l.month, l.day), (12, 1));
        let l = cn.to_lunar(d("1984-12-22")).unwrap();
        assert_eq!((l.month, l.day), (11, 1));
    }

    #[test]
    fn known_leap_months() {
        let vn = LunarCalendar::vietnam();
        assert_eq!(vn.leap_month(2023), Some(2));
        assert_eq!(vn.leap_month(2020), Some(4));
        assert_eq!(vn.leap_month(2025), Some(6));
        assert_eq!(vn.leap_month(2024), None);
    }

    #[test]
    fn year_names() {
        assert_eq!(year_name(2025), "Ất Tỵ");
        assert_eq!(year_name(2017), "Đinh Dậu");
        assert_eq!(year_name(1984), "Giáp Tý");
    }

    #[test]
    fn refuses_what_does_not_exist() {
        let vn = LunarCalendar::vietnam();
        let leap3 = LunarDate {
            year: 2025,
            month: 3,
            day: 1,
            leap: true,
        };
        assert!(matches!(
            vn.to_solar(leap3),
            Err(CalendarError::NoSuchLeapMonth {
                year: 2025,
                month: 3
            })
        ));
        let leap6 = LunarDate { month: 6, ..leap3 };
        assert!(vn.to_solar(leap6).is_ok());
        let day31 = LunarDate {
            year: 2025,
            month: 1,
            day: 31,
            leap: false,
        };
        assert!(vn.to_solar(day31).is_err());
        assert!(matches!(
            vn.to_lunar(d("2200-01-01")),
            Err(CalendarError::OutOfRange { year: 2200 })
        ));
        assert!(vn.to_lunar(d("1899-12-31")).is_err());
    }

    /// Every day of 1900-2199 converts to lunar and back to itself, and lunar days follow each
    /// other without gaps.
    #[test]
    fn round_trip_every_day() {
        let vn = LunarCalendar::vietnam();
        let mut date = d("1900-01-01");
        let mut prev: Option<LunarDate> = None;
        while date.year() <= LAST_YEAR {
            let l = vn.to_lunar(date).unwrap();
            assert_eq!(vn.to_solar(l).unwrap(), date, "{date} -> {l:?}");
            if let Some(p) = prev {
                assert!(l.day == p.day + 1 || (l.day == 1 && (p.day == 29 || p.day == 30)));
            }
            prev = Some(l);
            date = date.succ_opt().unwrap();
        }
    }
}
