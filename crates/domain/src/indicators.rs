//! Decision 766/QĐ-TTg indicators: five groups, 100 points, and a rating band of the total. The
//! method is data (`data/indicators-766.json`): a list of methods, each applying from its
//! `valid_from` date, so that a revision is a new entry (loadable from a file named in the
//! configuration, [`install`]) and a report uses the method in force on its period's last day
//! ([`Methods::in_force`]). Each indicator is a ratio of two named inputs with the share that earns
//! full marks, an average shown without points, or marked as something motcua has no data for, with
//! the reason; each says which dossiers it counts (its cohort, [`COHORTS`]). Every computed figure
//! keeps its numerator and denominator; no number is invented.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub static METHOD_JSON: &str = include_str!("../data/indicators-766.json");

/// The inputs a ratio may name, with what they count.
pub const INPUTS: [(&str, &str); 34] = [
    (
        "synced",
        "of those received, acknowledged by the national portal (DongBoHoSoMC answered with error_code 0)",
    ),
    (
        "procedures_required",
        "procedures the units must post (per unit)",
    ),
    (
        "procedures_posted_current",
        "of those, posted in their current version",
    ),
    (
        "procedures_required_distinct",
        "distinct procedures the units apply",
    ),
    (
        "procedures_complete",
        "of those, with every part the law requires published",
    ),
    ("procedures_online", "of those, offered online"),
    (
        "online_services_used",
        "online procedures with an online dossier in the period",
    ),
    ("received", "dossiers received in the period"),
    ("received_online", "of those, submitted online"),
    (
        "resolved_in_time",
        "dossiers resolved early or on time in the period",
    ),
    ("rated", "dossiers rated"),
    ("satisfied", "of those, satisfied or very satisfied"),
    (
        "digitised",
        "dossiers received with uploaded or scanned papers",
    ),
    ("resolved", "dossiers resolved in the period"),
    (
        "result_electronic",
        "of those, with a signed electronic result",
    ),
    (
        "copy_certification",
        "dossiers resolved by a procedure certifying copies from originals",
    ),
    (
        "copy_electronic",
        "of those, with an electronic certified copy issued",
    ),
    (
        "feedback_due",
        "feedback answered in the period, and open past its due time at its end",
    ),
    (
        "feedback_on_time",
        "feedback answered by its due time in the period",
    ),
    ("feedback_rated", "answered feedback rated by the person"),
    (
        "feedback_satisfied",
        "of those, satisfied or very satisfied",
    ),
    (
        "handled",
        "dossiers resolved in the period or still in processing at its end",
    ),
    (
        "handled_in_time",
        "of those, resolved early or on time, or in processing within time",
    ),
    (
        "processed",
        "dossiers received in the period whose processing has finished",
    ),
    (
        "processing_minutes",
        "of those, the minutes from reception to the end of processing, summed",
    ),
    (
        "reused",
        "dossiers received with a paper reused from the citizen's store",
    ),
    (
        "digitised_kept",
        "dossiers received whose digitised papers are kept in the citizen's store",
    ),
    (
        "procedures_fee",
        "procedures in force with a fee of one published amount",
    ),
    (
        "procedures_fee_online",
        "of those, offered online (payable through the gateway)",
    ),
    (
        "procedures_paid_online",
        "procedures with an online payment in the period",
    ),
    (
        "fee_dossiers",
        "dossiers received in the period with fees assessed above nothing",
    ),
    ("paid_online", "of those, paid online"),
    (
        "population_dossiers",
        "dossiers received whose applicant's data came from the population database",
    ),
    (
        "procedures_population",
        "procedures with such a dossier in the period",
    ),
];

/// Which dossiers (or procedures, or feedback) an indicator counts: (key, Vietnamese, English).
pub const COHORTS: [(&str, &str, &str); 6] = [
    (
        "received",
        "hồ sơ tiếp nhận trong kỳ",
        "dossiers received in the period",
    ),
    (
        "finished",
        "hồ sơ giải quyết xong trong kỳ",
        "dossiers finished in the period",
    ),
    (
        "handled",
        "hồ sơ giải quyết xong trong kỳ hoặc đang giải quyết cuối kỳ",
        "dossiers finished in the period or in processing at its end",
    ),
    (
        "received_finished",
        "hồ sơ tiếp nhận trong kỳ đã giải quyết xong",
        "dossiers received in the period and finished since",
    ),
    (
        "catalogue",
        "thủ tục áp dụng vào cuối kỳ",
        "procedures in force at the period's end",
    ),
    (
        "feedback",
        "phản ánh, kiến nghị trả lời trong kỳ hoặc quá hạn cuối kỳ",
        "feedback answered in the period or overdue at its end",
    ),
];

/// The Vietnamese and English words of a cohort key (the key itself when unknown).
pub fn cohort_label(key: &str) -> (&str, &str) {
    COHORTS
        .iter()
        .find(|c| c.0 == key)
        .map_or((key, key), |c| (c.1, c.2))
}

/// The file: every method there has been, each from its date.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MethodFile {
    #[serde(default)]
    pub about: String,
    pub methods: Vec<Method>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Method {
    /// The first day the method applies to (a period ending on or after it).
    pub valid_from: NaiveDate,
    pub source: String,
    pub groups: Vec<Group>,
    pub bands: Bands,
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Group {
    pub number: u8,
    pub name_vi: String,
    pub name_en: String,
    pub max: f64,
}

/// The rating bands of the total, highest first.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Bands {
    pub source: String,
    pub list: Vec<Band>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Band {
    /// The lowest total in the band.
    pub min: f64,
    pub name_vi: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Indicator {
    pub code: String,
    pub group: u8,
    pub max: f64,
    pub name_vi: String,
    pub name_en: String,
    /// What it counts ([`COHORTS`]).
    #[serde(default)]
    pub cohort: Option<String>,
    #[serde(default)]
    pub ratio: Option<Ratio>,
    #[serde(default)]
    pub average: Option<Average>,
    #[serde(default)]
    pub no_data: Option<Reason>,
    /// Where this indicator's formula comes from, when it differs from the method's source.
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Ratio {
    pub numerator: String,
    pub denominator: String,
    /// The share that earns full marks (1.0: points grow with the share up to 100%).
    pub full_at: f64,
    /// What a zero denominator gives: `zero` points, `full` marks, or `none` (not scored).
    pub when_empty: String,
}

/// An average shown beside the points, not scored: `total / count / per` (minutes per day: 1440).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Average {
    pub total: String,
    pub count: String,
    pub per: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Reason {
    pub vi: String,
    pub en: String,
}

/// One indicator's value for a unit and period.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Score {
    pub code: String,
    pub group: u8,
    pub name_vi: String,
    pub name_en: String,
    pub max: f64,
    /// None when not scored: no data, nothing to count, or an average.
    pub points: Option<f64>,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    pub numerator_input: Option<String>,
    pub denominator_input: Option<String>,
    /// Which dossiers it counts ([`COHORTS`]).
    pub cohort: Option<String>,
    /// The average of an average indicator (None when there was nothing to average).
    pub average: Option<f64>,
    pub no_data: Option<Reason>,
}

/// A group's points.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GroupScore {
    pub number: u8,
    pub name_vi: String,
    pub name_en: String,
    pub max: f64,
    /// The sum of the points of its scored indicators.
    pub points: f64,
    /// The maximum of the indicators that could be scored.
    pub computable: f64,
}

/// The whole: the method applied, the groups, the total and its band.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Summary {
    pub valid_from: NaiveDate,
    pub source: String,
    pub groups: Vec<GroupScore>,
    /// Out of 100: indicators without data count no points.
    pub total: f64,
    /// The points the scored indicators could have given.
    pub computable: f64,
    pub band: Option<Band>,
    pub bands_source: String,
}

impl Method {
    /// Every indicator is a ratio or an average of known inputs, or says why there is no data;
    /// codes once each, cohorts known; each group's indicators add up to its maximum, and the
    /// groups to 100; the bands run from the highest down to one starting at 0.
    pub fn check(&self) -> Result<(), String> {
        let known: Vec<&str> = INPUTS.iter().map(|i| i.0).collect();
        let mut codes = std::collections::BTreeSet::new();
        for i in &self.indicators {
            if !codes.insert(i.code.as_str()) {
                return Err(format!("{}: the code appears twice", i.code));
            }
            if !self.groups.iter().any(|g| g.number == i.group) {
                return Err(format!("{}: no group {}", i.code, i.group));
            }
            if let Some(c) = &i.cohort
                && !COHORTS.iter().any(|k| k.0 == c)
            {
                return Err(format!("{}: unknown cohort {c}", i.code));
            }
            if i.max.is_nan() || i.max < 0.0 {
                return Err(format!("{}: max must be 0 or more", i.code));
            }
            match (&i.ratio, &i.average, &i.no_data) {
                (Some(r), None, None) => {
                    for input in [&r.numerator, &r.denominator] {
                        if !known.contains(&input.as_str()) {
                            return Err(format!("{}: unknown input {input}", i.code));
                        }
                    }
                    if !(r.full_at > 0.0 && r.full_at <= 1.0) {
                        return Err(format!("{}: full_at must be in (0, 1]", i.code));
                    }
                    if !["zero", "full", "none"].contains(&r.when_empty.as_str()) {
                        return Err(format!("{}: when_empty is zero, full or none", i.code));
                    }
                }
                (None, Some(a), None) => {
                    for input in [&a.total, &a.count] {
                        if !known.contains(&input.as_str()) {
                            return Err(format!("{}: unknown input {input}", i.code));
                        }
                    }
                    if a.per.is_nan() || a.per <= 0.0 || i.max != 0.0 {
                        return Err(format!(
                            "{}: an average has per > 0 and no points (max 0)",
                            i.code
                        ));
                    }
                }
                (None, None, Some(_)) => {}
                _ => {
                    return Err(format!(
                        "{}: one of a ratio, an average or a no_data reason",
                        i.code
                    ));
                }
            }
        }
        let mut total = 0.0;
        for g in &self.groups {
            let sum: f64 = self
                .indicators
                .iter()
                .filter(|i| i.group == g.number)
                .map(|i| i.max)
                .sum();
            if (sum - g.max).abs() > 1e-9 {
                return Err(format!(
                    "group {}: indicators add up to {sum}, not {}",
                    g.number, g.max
                ));
            }
            total += g.max;
        }
        if (total - 100.0).abs() > 1e-9 {
            return Err(format!("groups add up to {total}, not 100"));
        }
        let mins: Vec<f64> = self.bands.list.iter().map(|b| b.min).collect();
        if mins.last() != Some(&0.0) || mins.windows(2).any(|w| w[0] <= w[1]) {
            return Err("bands run from the highest minimum down to 0".into());
        }
        Ok(())
    }

    pub fn evaluate(&self, inputs: &BTreeMap<&str, i64>) -> Vec<Score> {
        let get = |k: &str| inputs.get(k).copied().unwrap_or(0);
        self.indicators
            .iter()
            .map(|i| {
                let mut s = Score {
                    code: i.code.clone(),
                    group: i.group,
                    name_vi: i.name_vi.clone(),
                    name_en: i.name_en.clone(),
                    max: i.max,
                    points: None,
                    numerator: None,
                    denominator: None,
                    numerator_input: None,
                    denominator_input: None,
                    cohort: i.cohort.clone(),
                    average: None,
                    no_data: i.no_data.clone(),
                };
                if let Some(r) = &i.ratio {
                    let (num, den) = (get(&r.numerator), get(&r.denominator));
                    s.numerator = Some(num);
                    s.denominator = Some(den);
                    s.numerator_input = Some(r.numerator.clone());
                    s.denominator_input = Some(r.denominator.clone());
                    s.points = if den > 0 {
                        let share = num as f64 / den as f64;
                        Some((i.max * share / r.full_at).min(i.max))
                    } else {
                        match r.when_empty.as_str() {
                            "zero" => Some(0.0),
                            "full" => Some(i.max),
                            _ => None,
                        }
                    };
                }
                if let Some(a) = &i.average {
                    let (total, count) = (get(&a.total), get(&a.count));
                    s.numerator = Some(total);
                    s.denominator = Some(count);
                    s.numerator_input = Some(a.total.clone());
                    s.denominator_input = Some(a.count.clone());
                    s.average = if count > 0 {
                        Some(total as f64 / count as f64 / a.per)
                    } else {
                        None
                    };
                }
                s
            })
            .collect()
    }

    /// The groups' points, the total and its band.
    pub fn summary(&self, scores: &[Score]) -> Summary {
        let groups: Vec<GroupScore> = self
            .groups
            .iter()
            .map(|g| {
                let mine = scores.iter().filter(|s| s.group == g.number);
                GroupScore {
                    number: g.number,
                    name_vi: g.name_vi.clone(),
                    name_en: g.name_en.clone(),
                    max: g.max,
                    points: mine.clone().filter_map(|s| s.points).sum(),
                    computable: mine.filter(|s| s.points.is_some()).map(|s| s.max).sum(),
                }
            })
            .collect();
        let total: f64 = groups.iter().map(|g| g.points).sum();
        Summary {
            valid_from: self.valid_from,
            source: self.source.clone(),
            computable: groups.iter().map(|g| g.computable).sum(),
            band: self.band(total).cloned(),
            bands_source: self.bands.source.clone(),
            groups,
            total,
        }
    }

    /// The band a total falls in (rounded to two decimals first, as reports print it).
    pub fn band(&self, total: f64) -> Option<&Band> {
        let t = (total * 100.0).round() / 100.0;
        self.bands.list.iter().find(|b| t >= b.min)
    }
}

/// Every method there has been, oldest first.
#[derive(Debug, Clone)]
pub struct Methods {
    pub list: Vec<Method>,
}

impl Methods {
    /// The shipped methods, checked.
    pub fn shipped() -> Methods {
        Methods::parse(METHOD_JSON).expect("data/indicators-766.json is valid and consistent")
    }

    /// A method file read and checked: every method consistent, dates once each.
    pub fn parse(json: &str) -> Result<Methods, String> {
        let f: MethodFile = serde_json::from_str(json).map_err(|e| e.to_string())?;
        if f.methods.is_empty() {
            return Err("no method in the file".into());
        }
        let mut list = f.methods;
        list.sort_by_key(|m| m.valid_from);
        for m in &list {
            m.check()
                .map_err(|e| format!("method of {}: {e}", m.valid_from))?;
        }
        if list.windows(2).any(|w| w[0].valid_from == w[1].valid_from) {
            return Err("two methods start on the same day".into());
        }
        Ok(Methods { list })
    }

    /// The method in force on a day: the latest that starts on or before it.
    pub fn in_force(&self, on: NaiveDate) -> Option<&Method> {
        self.list.iter().rev().find(|m| m.valid_from <= on)
    }
}

static INSTALLED: OnceLock<Methods> = OnceLock::new();

/// Uses `m` instead of the shipped methods for the rest of the process (a configured file). Refused
/// once the methods have been used or installed.
pub fn install(m: Methods) -> Result<(), String> {
    INSTALLED
        .set(m)
        .map_err(|_| "the Decision 766 methods are already in use".to_owned())
}

/// The methods in use: installed from the configuration, or the shipped ones.
pub fn methods() -> &'static Methods {
    INSTALLED.get_or_init(Methods::shipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Method {
        Methods::shipped().list[0].clone()
    }

    fn points(scores: &[Score], code: &str) -> Option<f64> {
        scores.iter().find(|s| s.code == code).unwrap().points
    }

    #[test]
    fn the_shipped_method_has_the_five_groups_of_the_decision() {
        let m = shipped();
        let groups: Vec<(&str, f64)> = m
            .groups
            .iter()
            .map(|g| (g.name_vi.as_str(), g.max))
            .collect();
        assert_eq!(
            groups,
            [
                ("Công khai, minh bạch", 18.0),
                ("Tiến độ, kết quả giải quyết", 20.0),
                ("Cung cấp dịch vụ trực tuyến", 22.0),
                ("Số hóa hồ sơ", 22.0),
                ("Mức độ hài lòng", 18.0)
            ]
        );
        assert_eq!(m.valid_from, NaiveDate::from_ymd_opt(2022, 6, 23).unwrap());
        // Every ratio and average says which dossiers it counts.
        for i in &m.indicators {
            assert_eq!(
                i.cohort.is_some(),
                i.no_data.is_none(),
                "{}: a cohort exactly when computed",
                i.code
            );
        }
    }

    #[test]
    fn each_formula_gives_the_hand_computed_points() {
        let m = shipped();
        let inputs: BTreeMap<&str, i64> = [
            ("handled", 200),
            ("handled_in_time", 180),
            ("received", 200),
            ("received_online", 60),
            ("synced", 150),
            ("procedures_required", 40),
            ("procedures_posted_current", 30),
            ("procedures_required_distinct", 40),
            ("procedures_complete", 40),
            ("procedures_online", 20),
            ("online_services_used", 5),
            ("rated", 10),
            ("satisfied", 8),
            ("digitised", 100),
            ("resolved", 50),
            ("result_electronic", 25),
            ("processed", 4),
            ("processing_minutes", 4 * 1440 * 5 / 2),
            ("procedures_fee", 10),
            ("procedures_fee_online", 8),
            ("procedures_paid_online", 4),
            ("fee_dossiers", 50),
            ("paid_online", 20),
            ("population_dossiers", 50),
            ("procedures_population", 10),
        ]
        .into_iter()
        .collect();
        let s = m.evaluate(&inputs);
        let near = |code: &str, want: f64| {
            let got = points(&s, code).unwrap_or_else(|| panic!("{code} scored"));
            assert!((got - want).abs() < 1e-9, "{code}: {got} != {want}");
        };
        near("1.2", 3.0); // 4 x 30/40
        near("1.3", 2.0); // 2 x 40/40
        near("1.4", 4.5); // 6 x 150/200
        near("2.1", 18.0); // 20 x 180/200
        near("3.1", 1.25); // 2 x (20/40) / 0.8
        near("3.2", 1.0); // 4 x 5/20
        near("3.3", 3.6); // 6 x (60/200) / 0.5
        near("3.4", 1.0); // 2 x 4/8
        near("3.5", 2.0); // 2 x (8/10) / 0.8
        near("3.6", 2.4); // 6 x 20/50
        near("4.1", 3.0); // 6 x 25/50
        near("4.2", 2.5); // 4 x (100/200) / 0.8
        near("4.5a", 0.5); // 2 x 10/40
        near("4.5b", 0.5); // 2 x 50/200
        near("5.4", 6.0 * 0.8 / 0.9); // 6 x (8/10) / 0.9
        // No feedback in the period: full marks, as the national portal gives.
        near("5.2", 6.0);
        near("5.3", 6.0);
        // Nothing to count is not a number; no data says why.
        assert_eq!(points(&s, "4.6"), None);
        let synced = s.iter().find(|x| x.code == "1.1").unwrap();
        assert!(synced.points.is_none() && synced.no_data.is_some() && synced.cohort.is_none());
        // The average processing time: 14400 minutes over 4 dossiers = 2.5 days, no points.
        let avg = s.iter().find(|x| x.code == "2.2").unwrap();
        assert_eq!(avg.average, Some(2.5));
        assert_eq!((avg.numerator, avg.denominator), (Some(14400), Some(4)));
        assert_eq!(avg.points, None);
        assert_eq!(avg.cohort.as_deref(), Some("received_finished"));
        let progress = s.iter().find(|x| x.code == "2.1").unwrap();
        assert_eq!(progress.cohort.as_deref(), Some("handled"));
        // Groups: 3 + 2 + 4.5; 18; 1.25 + 1 + 3.6 + 1 + 2 + 2.4; 3 + 2.5 + 0.5 + 0.5; 6 + 6 + 5.33.
        let sum = m.summary(&s);
        let g: Vec<f64> = sum.groups.iter().map(|g| g.points).collect();
        let want = [9.5, 18.0, 11.25, 6.5, 12.0 + 6.0 * 0.8 / 0.9];
        for (a, b) in g.iter().zip(want) {
            assert!((a - b).abs() < 1e-9, "{g:?}");
        }
        let computable: Vec<f64> = sum.groups.iter().map(|g| g.computable).collect();
        // Group 4: 4.1, 4.2, 4.3, 4.4, 4.5a and 4.5b computable (6 + 4 + 2 + 4 + 2 + 2); 4.6 not.
        // Group 3: every indicator, 3.4-3.6 (online payment) included.
        // Group 1: 1.2, 1.3 and 1.4 (4 + 2 + 6); 1.1 not.
        assert_eq!(computable, [12.0, 20.0, 22.0, 20.0, 18.0]);
        assert!((sum.total - want.iter().sum::<f64>()).abs() < 1e-9);
        assert_eq!(sum.computable, 92.0);
        assert_eq!(sum.band.unwrap().name_vi, "Trung bình"); // 62.58
        // With feedback: 3 of 4 on time, 1 of 2 satisfied.
        let with_feedback: BTreeMap<&str, i64> = [
            ("feedback_due", 4),
            ("feedback_on_time", 3),
            ("feedback_rated", 2),
            ("feedback_satisfied", 1),
        ]
        .into_iter()
        .collect();
        let s = m.evaluate(&with_feedback);
        assert_eq!(points(&s, "5.2"), Some(4.5));
        assert_eq!(points(&s, "5.3"), Some(3.0));
        // No rating at all: satisfaction gives nothing; no dossier: no average.
        assert_eq!(points(&s, "5.4"), Some(0.0));
        assert_eq!(s.iter().find(|x| x.code == "2.2").unwrap().average, None);
        // Full marks cap at the maximum.
        let all_online: BTreeMap<&str, i64> = [("received", 10), ("received_online", 10)]
            .into_iter()
            .collect();
        assert_eq!(points(&m.evaluate(&all_online), "3.3"), Some(6.0));
    }

    #[test]
    fn the_bands_of_the_total() {
        let m = shipped();
        let band = |t: f64| m.band(t).unwrap().name_vi.clone();
        assert_eq!(band(100.0), "Xuất sắc");
        assert_eq!(band(90.0), "Xuất sắc");
        assert_eq!(band(89.99), "Tốt");
        assert_eq!(band(80.0), "Tốt");
        assert_eq!(band(79.99), "Khá");
        assert_eq!(band(70.0), "Khá");
        assert_eq!(band(69.5), "Trung bình");
        assert_eq!(band(50.0), "Trung bình");
        assert_eq!(band(49.99), "Yếu");
        assert_eq!(band(0.0), "Yếu");
    }

    #[test]
    fn a_revision_applies_from_its_date_and_a_wrong_file_is_refused() {
        let revised = METHOD_JSON.replacen(
            "\"methods\": [",
            "\"methods\": [{\"valid_from\": \"2026-01-01\", \"source\": \"revision\", \
             \"groups\": [{\"number\": 1, \"name_vi\": \"Một\", \"name_en\": \"One\", \"max\": 100}], \
             \"bands\": {\"source\": \"s\", \"list\": [{\"min\": 0, \"name_vi\": \"Đạt\", \"name_en\": \"Pass\"}]}, \
             \"indicators\": [{\"code\": \"1\", \"group\": 1, \"max\": 100, \"name_vi\": \"Đúng hạn\", \
             \"name_en\": \"On time\", \"cohort\": \"handled\", \"ratio\": {\"numerator\": \"handled_in_time\", \
             \"denominator\": \"handled\", \"full_at\": 0.5, \"when_empty\": \"none\"}}]},",
            1,
        );
        let ms = Methods::parse(&revised).unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(ms.in_force(day(2025, 12, 31)).unwrap().groups.len(), 5);
        let new = ms.in_force(day(2026, 1, 31)).unwrap();
        assert_eq!(new.source, "revision");
        let inputs: BTreeMap<&str, i64> = [("handled", 10), ("handled_in_time", 4)]
            .into_iter()
            .collect();
        // 100 x (4/10) / 0.5 = 80.
        assert_eq!(points(&new.evaluate(&inputs), "1"), Some(80.0));
        assert!(
            ms.in_force(day(2022, 6, 22)).is_none(),
            "none before the decision"
        );
        // Two methods from one day, a wrong sum, an unknown input or cohort: refused.
        let mut doubled: serde_json::Value = serde_json::from_str(METHOD_JSON).unwrap();
        let first = doubled["methods"][0].clone();
        doubled["methods"].as_array_mut().unwrap().push(first);
        let doubled = doubled.to_string();
        assert!(Methods::parse(&doubled).unwrap_err().contains("same day"));
        let m = shipped();
        let mut bad = m.clone();
        bad.indicators[0].max = 7.0;
        assert!(bad.check().is_err());
        let mut bad = m.clone();
        bad.indicators[1].ratio.as_mut().unwrap().numerator = "invented".into();
        assert!(bad.check().is_err());
        let mut bad = m.clone();
        bad.indicators[1].cohort = Some("someone".into());
        assert!(bad.check().is_err());
        let mut bad = m;
        bad.bands.list.reverse();
        assert!(bad.check().is_err());
        assert!(Methods::parse("{\"methods\": []}").is_err());
    }
}
