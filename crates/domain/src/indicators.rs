//! Decision 766/QĐ-TTg indicators: six groups, 100 points. The method is data
//! (`data/indicators-766.json`): each indicator is either a ratio of two named inputs, with the
//! share that earns full marks, or marked as something motcua has no data for, with the reason.
//! Every computed figure keeps its numerator and denominator; no number is invented.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub static METHOD_JSON: &str = include_str!("../data/indicators-766.json");

/// The inputs a ratio may name, with what they count.
pub const INPUTS: [(&str, &str); 22] = [
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
        "reused",
        "dossiers received with a paper reused from the citizen's store",
    ),
    (
        "digitised_kept",
        "dossiers received whose digitised papers are kept in the citizen's store",
    ),
];

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Method {
    pub source: String,
    pub groups: Vec<Group>,
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

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Indicator {
    pub code: String,
    pub group: u8,
    pub max: f64,
    pub name_vi: String,
    pub name_en: String,
    #[serde(default)]
    pub ratio: Option<Ratio>,
    #[serde(default)]
    pub no_data: Option<Reason>,
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
    /// None when not scored: no data, or nothing to count.
    pub points: Option<f64>,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    pub numerator_input: Option<String>,
    pub denominator_input: Option<String>,
    pub no_data: Option<Reason>,
}

impl Method {
    /// The shipped method, checked.
    pub fn shipped() -> Method {
        let m: Method =
            serde_json::from_str(METHOD_JSON).expect("data/indicators-766.json is valid");
        m.check().expect("data/indicators-766.json is consistent");
        m
    }

    /// Every indicator is a ratio of known inputs or says why there is no data; each group's
    /// indicators add up to its maximum, and the groups to 100.
    pub fn check(&self) -> Result<(), String> {
        let known: Vec<&str> = INPUTS.iter().map(|i| i.0).collect();
        for i in &self.indicators {
            match (&i.ratio, &i.no_data) {
                (Some(r), None) => {
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
                (None, Some(_)) => {}
                _ => return Err(format!("{}: a ratio or a no_data reason", i.code)),
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
        Ok(())
    }

    pub fn evaluate(&self, inputs: &BTreeMap<&str, i64>) -> Vec<Score> {
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
                    no_data: i.no_data.clone(),
                };
                if let Some(r) = &i.ratio {
                    let num = inputs.get(r.numerator.as_str()).copied().unwrap_or(0);
                    let den = inputs.get(r.denominator.as_str()).copied().unwrap_or(0);
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
                s
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_method_is_consistent_and_scores_by_its_formulas() {
        let m = Method::shipped();
        assert_eq!(m.groups.len(), 6);
        let inputs: BTreeMap<&str, i64> = [
            ("received", 200),
            ("received_online", 60),
            ("resolved_in_time", 180),
            ("rated", 10),
            ("satisfied", 8),
            ("procedures_required_distinct", 40),
            ("procedures_online", 20),
            ("online_services_used", 5),
        ]
        .into_iter()
        .collect();
        let scores = m.evaluate(&inputs);
        let points = |code: &str| scores.iter().find(|s| s.code == code).unwrap().points;
        // 20 x 180/200; 6 x min(1, 0.3/0.5); 2 x min(1, 0.5/0.8); 4 x 5/20; 6 x min(1, 0.8/0.9).
        assert_eq!(points("2.1"), Some(18.0));
        assert!((points("3.3").unwrap() - 3.6).abs() < 1e-9);
        assert!((points("3.1").unwrap() - 1.25).abs() < 1e-9);
        assert_eq!(points("3.2"), Some(1.0));
        assert!((points("5.4").unwrap() - 6.0 * 0.8 / 0.9).abs() < 1e-9);
        // Nothing to count is not a number; no data says why.
        assert_eq!(points("1.2"), None);
        // No feedback in the period: full marks, as the national portal gives.
        assert_eq!(points("5.2"), Some(6.0));
        assert_eq!(points("5.3"), Some(6.0));
        let with_feedback: BTreeMap<&str, i64> = [
            ("feedback_due", 4),
            ("feedback_on_time", 3),
            ("feedback_rated", 2),
            ("feedback_satisfied", 1),
        ]
        .into_iter()
        .collect();
        let s = m.evaluate(&with_feedback);
        let fb = |code: &str| s.iter().find(|s| s.code == code).unwrap().points;
        assert_eq!(fb("5.2"), Some(4.5));
        assert_eq!(fb("5.3"), Some(3.0));
        let payment = scores.iter().find(|s| s.code == "4.3").unwrap();
        assert!(payment.points.is_none() && payment.no_data.is_some());
        // Full marks cap at the maximum.
        let all_online: BTreeMap<&str, i64> = [("received", 10), ("received_online", 10)]
            .into_iter()
            .collect();
        let s = m.evaluate(&all_online);
        assert_eq!(
            s.iter().find(|s| s.code == "3.3").unwrap().points,
            Some(6.0)
        );
        // A method with a wrong sum or an unknown input is refused.
        let mut bad = m.clone();
        bad.indicators[0].max = 7.0;
        assert!(bad.check().is_err());
        let mut bad = m.clone();
        bad.indicators[1].ratio.as_mut().unwrap().numerator = "invented".into();
        assert!(bad.check().is_err());
    }
}
