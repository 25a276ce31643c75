//! A procedure (thủ tục hành chính) as it must be posted: code, name, field, level, agencies,
//! channels, time limit and per-step budgets, fees with exemptions, papers, conditions, result, legal
//! basis, and which units apply it. Versions come from the province's announcement decisions
//! (see `catalogue`); a dossier pins the version it was received under (`ProcedureRef`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::Limit;
use crate::org::{Unit, UnitLevel};
use crate::text::clean;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    None,
    Partial,
    Full,
}

impl OnlineLevel {
    pub fn label_vi(self) -> &'static str {
        match self {
            OnlineLevel::None => "Không",
            OnlineLevel::Partial => "Một phần",
            OnlineLevel::Full => "Toàn trình",
        }
    }
}

/// How a dossier may be submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Channels {
    pub desk: bool,
    pub post: bool,
    pub online: OnlineLevel,
}

impl Default for Channels {
    fn default() -> Self {
        Channels {
            desk: true,
            post: true,
            online: OnlineLevel::None,
        }
    }
}

/// A step of the internal workflow and its share of the time limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StepBudget {
    pub name: String,
    pub budget: Limit,
    /// Who performs the step (a unit code): its budget follows that agency, so a return to an
    /// earlier step or an extra round keeps each budget with the agency that does it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performer: Option<String>,
}

/// A limit in working minutes on the 8-hour day of the budgets (a same-day limit is one day).
pub fn budget_minutes(l: Limit) -> u64 {
    match l {
        Limit::SameDay => 480,
        Limit::WorkingDays(n) => u64::from(n) * 480,
        Limit::WorkingMinutes(m) => u64::from(m),
    }
}

/// A limit that applies instead of the base limit when a named condition holds ("same day; if
/// verification is needed, at most 5 working days"). The officer chooses the condition at reception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConditionalLimit {
    pub condition: String,
    pub limit: Limit,
}

/// A fee or charge line, with who is exempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeeLine {
    pub name: String,
    /// Amount in đồng, when it is one figure.
    #[serde(default)]
    pub amount: Option<i64>,
    /// The rule as published ("2.000 đồng/trang ...").
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub exemptions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PaperSpec {
    pub name: String,
    pub copies: u32,
    pub mandatory: bool,
    /// Form or template to download (name or number of the form).
    #[serde(default)]
    pub template: Option<String>,
    /// When a conditional paper is needed.
    #[serde(default)]
    pub condition: Option<String>,
}

/// Which units apply a procedure: every unit of the listed levels, plus listed units, minus excepted ones.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Applicability {
    #[serde(default)]
    pub levels: Vec<UnitLevel>,
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(default)]
    pub except: Vec<String>,
}

impl Applicability {
    pub fn applies(&self, unit: &Unit) -> bool {
        !self.except.contains(&unit.code)
            && (self.units.contains(&unit.code) || self.levels.contains(&unit.level))
    }
}

/// Everything an announcement decision says about a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ProcedureSpec {
    /// National code, e.g. 1.001193.
    pub code: String,
    pub name: String,
    pub field: String,
    /// The level of government that decides.
    pub level: UnitLevel,
    #[serde(default)]
    pub receiving_agency: String,
    #[serde(default)]
    pub deciding_agency: String,
    #[serde(default)]
    pub channels: Channels,
    pub limit: Limit,
    /// Limits that replace `limit` under a named condition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditional_limits: Vec<ConditionalLimit>,
    #[serde(default)]
    pub steps: Vec<StepBudget>,
    #[serde(default)]
    pub fees: Vec<FeeLine>,
    #[serde(default)]
    pub papers: Vec<PaperSpec>,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub legal_basis: Vec<String>,
    pub applies_to: Applicability,
    /// Received at any one-stop point of the province, whatever the applicant's residence ("không
    /// phụ thuộc địa giới hành chính", Decree 118/2025; `rules::BOUNDARY_FREE`): set by the
    /// announcement decision that lists the procedure as such.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub boundary_free: bool,
}

/// A procedure version: a spec and when it is in force, by which decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Procedure {
    pub version: i64,
    pub effective_from: NaiveDate,
    /// Last day in force; None while in force.
    pub effective_to: Option<NaiveDate>,
    /// Number of the announcement decision that made this version.
    pub announced_by: String,
    pub spec: ProcedureSpec,
}

impl Procedure {
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && self.effective_to.is_none_or(|to| date <= to)
    }
}

/// A field-level problem in a procedure spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecProblem {
    pub field: &'static str,
    pub vi: String,
    pub en: String,
}

fn problem(field: &'static str, vi: impl Into<String>, en: impl Into<String>) -> SpecProblem {
    SpecProblem {
        field,
        vi: vi.into(),
        en: en.into(),
    }
}

/// A national procedure code: digits separated by dots, e.g. 1.001193 or 2.000815.
pub fn valid_code(code: &str) -> bool {
    code.len() <= 20
        && code.split('.').count() >= 2
        && code
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

impl ProcedureSpec {
    /// Normalises the text (NFC, trimmed) and checks every field.
    pub fn validated(mut self) -> Result<ProcedureSpec, SpecProblem> {
        self.code = self.code.trim().to_owned();
        if !valid_code(&self.code) {
            return Err(problem(
                "code",
                format!("mã thủ tục '{}' không hợp lệ (dạng 1.001193)", self.code),
                format!("procedure code '{}' is invalid (like 1.001193)", self.code),
            ));
        }
        self.name = clean(&self.name);
        self.field = clean(&self.field);
        if self.name.is_empty() || self.name.chars().count() > 500 {
            return Err(problem(
                "name",
                "tên thủ tục từ 1 đến 500 ký tự",
                "the name must be 1 to 500 characters",
            ));
        }
        if self.field.is_empty() || self.field.chars().count() > 200 {
            return Err(problem(
                "field",
                "lĩnh vực từ 1 đến 200 ký tự",
                "the field must be 1 to 200 characters",
            ));
        }
        self.limit.validate().map_err(|e| {
            let m = crate::msg::Bilingual::msg(&e);
            problem("limit", &m.vi, &m.en)
        })?;
        let mut seen = std::collections::BTreeSet::new();
        for c in &mut self.conditional_limits {
            c.condition = clean(&c.condition);
            if c.condition.is_empty()
                || c.condition.chars().count() > 500
                || !seen.insert(c.condition.clone())
                || c.limit.validate().is_err()
            {
                return Err(problem(
                    "conditional_limits",
                    "mỗi thời hạn theo điều kiện cần tên điều kiện riêng (1-500 ký tự) và thời hạn hợp lệ",
                    "each conditional limit needs its own condition name (1-500 characters) and a valid limit",
                ));
            }
        }
        for s in &mut self.steps {
            s.name = clean(&s.name);
            if s.name.is_empty() {
                return Err(problem(
                    "steps",
                    "bước xử lý thiếu tên",
                    "a step has no name",
                ));
            }
            s.budget.validate().map_err(|_| {
                problem(
                    "steps",
                    format!("thời gian của bước '{}' không hợp lệ", s.name),
                    format!("the budget of step '{}' is invalid", s.name),
                )
            })?;
        }
        let steps: u64 = self.steps.iter().map(|s| budget_minutes(s.budget)).sum();
        let legal = std::iter::once(self.limit)
            .chain(self.conditional_limits.iter().map(|c| c.limit))
            .map(budget_minutes)
            .max()
            .unwrap_or(0);
        if steps > legal {
            return Err(problem(
                "steps",
                format!(
                    "tổng thời gian các bước ({} giờ làm việc) vượt thời hạn giải quyết ({})",
                    steps as f64 / 60.0,
                    self.limit.describe_vi()
                ),
                format!(
                    "the steps' budgets ({} working hours) exceed the legal limit ({})",
                    steps as f64 / 60.0,
                    self.limit.describe_en()
                ),
            ));
        }
        for p in &mut self.papers {
            p.name = clean(&p.name);
            if p.name.is_empty() || !(1..=100).contains(&p.copies) {
                return Err(problem(
                    "papers",
                    "thành phần hồ sơ cần tên và số bản từ 1 đến 100",
                    "each paper needs a name and 1 to 100 copies",
                ));
            }
            p.template = p.template.as_deref().map(clean).filter(|t| !t.is_empty());
            p.condition = p.condition.as_deref().map(clean).filter(|t| !t.is_empty());
        }
        for f in &mut self.fees {
            f.name = clean(&f.name);
            f.description = clean(&f.description);
            if f.name.is_empty() || f.amount.is_some_and(|a| a < 0) {
                return Err(problem(
                    "fees",
                    "phí, lệ phí cần tên và số tiền không âm",
                    "each fee needs a name and a non-negative amount",
                ));
            }
        }
        if self.applies_to.levels.is_empty() && self.applies_to.units.is_empty() {
            return Err(problem(
                "applies_to",
                "cần chỉ rõ cấp hoặc đơn vị áp dụng",
                "say which levels or units apply the procedure",
            ));
        }
        for text in [
            &mut self.receiving_agency,
            &mut self.deciding_agency,
            &mut self.result,
        ] {
            *text = clean(text);
        }
        self.conditions = self
            .conditions
            .iter()
            .map(|c| clean(c))
            .filter(|c| !c.is_empty())
            .collect();
        self.legal_basis = self
            .legal_basis
            .iter()
            .map(|c| clean(c))
            .filter(|c| !c.is_empty())
            .collect();
        Ok(self)
    }
}

/// The procedure as a dossier pins it: the version it was received under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProcedureRef {
    pub code: String,
    pub version: i64,
    pub name: String,
    pub limit: Limit,
    pub steps: Vec<StepBudget>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditional_limits: Vec<ConditionalLimit>,
    /// Papers the procedure lists (checked at reception); empty in records made before they were pinned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub papers: Vec<PaperSpec>,
    /// The procedure charges no fee (a financial-obligation pause on it is suspicious).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fee_free: bool,
    /// The version lets any one-stop point of the province receive it (`ProcedureSpec::boundary_free`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub boundary_free: bool,
}

impl ProcedureRef {
    /// The limit that applies under a condition chosen at reception (None: the base limit).
    pub fn limit_for(&self, condition: Option<&str>) -> Option<Limit> {
        match condition {
            None => Some(self.limit),
            Some(c) => self
                .conditional_limits
                .iter()
                .find(|x| x.condition == c)
                .map(|x| x.limit),
        }
    }
}

impl From<&Procedure> for ProcedureRef {
    fn from(p: &Procedure) -> Self {
        ProcedureRef {
            code: p.spec.code.clone(),
            version: p.version,
            name: p.spec.name.clone(),
            limit: p.spec.limit,
            steps: p.spec.steps.clone(),
            conditional_limits: p.spec.conditional_limits.clone(),
            papers: p.spec.papers.clone(),
            fee_free: p.spec.fees.iter().all(|f| f.amount == Some(0)),
            boundary_free: p.spec.boundary_free,
        }
    }
}

/// Whether a paper already digitised under the name `kept` may stand for the paper `wanted` a
/// procedure asks for (the citizen's store of papers): the same name, or one name containing the
/// other, compared without diacritics or case ("Bản sao Giấy khai sinh" and "Giấy khai sinh").
pub fn same_paper(wanted: &str, kept: &str) -> bool {
    let (w, k) = (crate::text::fold_vi(wanted), crate::text::fold_vi(kept));
    let (w, k) = (w.trim(), k.trim());
    !w.is_empty() && !k.is_empty() && (w == k || w.contains(k) || k.contains(w))
}

#[cfg(test)]
mod same_paper_tests {
    #[test]
    fn a_kept_paper_stands_for_the_same_paper_named_with_or_without_accents_or_more_words() {
        assert!(super::same_paper(
            "Giấy khai sinh",
            "Bản sao Giấy khai sinh"
        ));
        assert!(super::same_paper("GIAY TO TUY THAN", "Giấy tờ tùy thân"));
        assert!(!super::same_paper("Giấy khai sinh", "Giấy chứng tử"));
        assert!(!super::same_paper("Giấy khai sinh", "  "));
    }
}
