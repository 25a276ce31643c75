//! The procedure catalogue: versions made by the province's announcement decisions (quyết định công
//! bố), which units must apply and post which version on which date, what each unit has actually
//! posted and how far behind it is, and search that folds Vietnamese.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::org::Unit;
use crate::procedure::{Procedure, ProcedureSpec, valid_code};
use crate::text::clean;

pub use crate::search::{SearchFilter, SearchIndex, Synonym};

/// What an announcement decision does to one procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Item {
    New {
        procedure: ProcedureSpec,
    },
    Amended {
        procedure: ProcedureSpec,
    },
    Replaced {
        replaces: String,
        procedure: ProcedureSpec,
    },
    Abolished {
        code: String,
        #[serde(default)]
        reason: String,
    },
}

impl Item {
    pub fn code(&self) -> &str {
        match self {
            Item::New { procedure }
            | Item::Amended { procedure }
            | Item::Replaced { procedure, .. } => &procedure.code,
            Item::Abolished { code, .. } => code,
        }
    }

    pub fn action_vi(&self) -> &'static str {
        match self {
            Item::New { .. } => "Mới ban hành",
            Item::Amended { .. } => "Sửa đổi, bổ sung",
            Item::Replaced { .. } => "Thay thế",
            Item::Abolished { .. } => "Bãi bỏ",
        }
    }
}

/// An announcement decision of the province.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Announcement {
    pub number: String,
    pub date: NaiveDate,
    pub issuer: String,
    /// The day its items take effect.
    pub effective: NaiveDate,
    pub items: Vec<Item>,
}

/// Why an announcement cannot be applied; `item` is the row (1-based) at fault, if any.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{vi} / {}{en}", row_vi(*item), row_en(*item))]
pub struct CatalogueError {
    pub item: Option<usize>,
    pub field: Option<String>,
    pub vi: String,
    pub en: String,
}

fn row_vi(item: Option<usize>) -> String {
    item.map_or_else(String::new, |i| format!("dòng {i}: "))
}

fn row_en(item: Option<usize>) -> String {
    item.map_or_else(String::new, |i| format!("row {i}: "))
}

fn err(item: Option<usize>, vi: impl Into<String>, en: impl Into<String>) -> CatalogueError {
    CatalogueError {
        item,
        field: None,
        vi: vi.into(),
        en: en.into(),
    }
}

/// A change to persist once an announcement is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The version stops being in force after `last_day`.
    Close {
        code: String,
        version: i64,
        last_day: NaiveDate,
    },
    Open(Box<Procedure>),
}

/// Every version of every procedure.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    versions: BTreeMap<String, Vec<Procedure>>,
}

impl Catalogue {
    pub fn new(all: Vec<Procedure>) -> Catalogue {
        let mut versions: BTreeMap<String, Vec<Procedure>> = BTreeMap::new();
        for p in all {
            versions.entry(p.spec.code.clone()).or_default().push(p);
        }
        for list in versions.values_mut() {
            list.sort_by_key(|p| p.version);
        }
        Catalogue { versions }
    }

    /// Every version of every procedure, by code then version.
    pub fn all_versions(&self) -> impl Iterator<Item = &Procedure> {
        self.versions.values().flatten()
    }

    pub fn versions(&self, code: &str) -> &[Procedure] {
        self.versions.get(code).map_or(&[], Vec::as_slice)
    }

    pub fn in_force(&self, code: &str, date: NaiveDate) -> Option<&Procedure> {
        self.versions(code)
            .iter()
            .rev()
            .find(|p| p.in_force_on(date))
    }

    pub fn all_in_force(&self, date: NaiveDate) -> impl Iterator<Item = &Procedure> {
        self.versions
            .values()
            .filter_map(move |v| v.iter().rev().find(|p| p.in_force_on(date)))
    }

    /// The procedures a unit must apply (and post) on a date.
    pub fn required_at(&self, unit: &Unit, date: NaiveDate) -> Vec<&Procedure> {
        if !unit.is_valid_on(date) {
            return vec![];
        }
        self.all_in_force(date)
            .filter(|p| p.spec.applies_to.applies(unit))
            .collect()
    }

    /// Checks an announcement against the catalogue and returns what it changes. Nothing is changed
    /// here: the caller persists the changes in one transaction, or none when this fails.
    pub fn apply(&self, a: &Announcement) -> Result<Vec<Change>, CatalogueError> {
        if clean(&a.number).is_empty() || clean(&a.issuer).is_empty() {
            return Err(err(
                None,
                "quyết định công bố cần số và cơ quan ban hành",
                "the decision needs a number and an issuer",
            ));
        }
        if a.items.is_empty() {
            return Err(err(
                None,
                "quyết định không có thủ tục nào",
                "the decision lists no procedure",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut changes = vec![];
        let last_day = a
            .effective
            .checked_sub_days(Days::new(1))
            .ok_or_else(|| err(None, "ngày hiệu lực không hợp lệ", "invalid effective date"))?;
        for (i, item) in a.items.iter().enumerate() {
            let row = Some(i + 1);
            let code = item.code().trim();
            if !valid_code(code) {
                return Err(err(
                    row,
                    format!("mã thủ tục '{code}' không hợp lệ"),
                    format!("invalid procedure code '{code}'"),
                ));
            }
            if !seen.insert(code.to_owned()) {
                return Err(err(
                    row,
                    format!("thủ tục {code} xuất hiện hai lần"),
                    format!("procedure {code} appears twice"),
                ));
            }
            // The version that would be superseded: the latest, if it is still open.
            let latest = |code: &str| self.versions(code).last();
            let close = |code: &str| -> Result<(Change, i64), CatalogueError> {
                let Some(p) =
                    latest(code).filter(|p| p.effective_to.is_none_or(|to| to >= a.effective))
                else {
                    return Err(err(
                        row,
                        format!(
                            "thủ tục {code} không có phiên bản đang hiệu lực để sửa đổi, thay thế hay bãi bỏ"
                        ),
                        format!(
                            "procedure {code} has no version in force to amend, replace or abolish"
                        ),
                    ));
                };
                if p.effective_from >= a.effective {
                    return Err(err(
                        row,
                        format!(
                            "phiên bản {} của thủ tục {code} có hiệu lực từ {}, không trước ngày {}: các phiên bản chồng lấn",
                            p.version, p.effective_from, a.effective
                        ),
                        format!(
                            "version {} of {code} is in force from {}, not before {}: overlapping versions",
                            p.version, p.effective_from, a.effective
                        ),
                    ));
                }
                Ok((
                    Change::Close {
                        code: code.to_owned(),
                        version: p.version,
                        last_day,
                    },
                    p.version,
                ))
            };
            let open = |spec: &ProcedureSpec, version: i64| -> Result<Change, CatalogueError> {
                let spec = spec.clone().validated().map_err(|p| CatalogueError {
                    item: row,
                    field: Some(p.field.to_owned()),
                    vi: format!("{}: {}", p.field, p.vi),
                    en: format!("{}: {}", p.field, p.en),
                })?;
                Ok(Change::Open(Box::new(Procedure {
                    version,
                    effective_from: a.effective,
                    effective_to: None,
                    announced_by: clean(&a.number),
                    spec,
                })))
            };
            match item {
                Item::New { procedure } => {
                    if let Some(p) =
                        latest(code).filter(|p| p.effective_to.is_none_or(|to| to >= a.effective))
                    {
                        return Err(err(
                            row,
                            format!(
                                "thủ tục {code} đã có (phiên bản {} từ {}); dùng 'sửa đổi'",
                                p.version, p.effective_from
                            ),
                            format!(
                                "procedure {code} already exists (version {} from {}); use 'amended'",
                                p.version, p.effective_from
                            ),
                        ));
                    }
                    let version = latest(code).map_or(1, |p| p.version + 1);
                    changes.push(open(procedure, version)?);
                }
                Item::Amended { procedure } => {
                    let (c, v) = close(code)?;
                    changes.push(c);
                    changes.push(open(procedure, v + 1)?);
                }
                Item::Replaced {
                    replaces,
                    procedure,
                } => {
                    let replaces = replaces.trim();
                    if !seen.insert(replaces.to_owned()) && replaces != code {
                        return Err(err(
                            row,
                            format!("thủ tục {replaces} xuất hiện hai lần"),
                            format!("procedure {replaces} appears twice"),
                        ));
                    }
                    let (c, v) = close(replaces)?;
                    changes.push(c);
                    if replaces == code {
                        changes.push(open(procedure, v + 1)?);
                    } else {
                        if latest(code)
                            .is_some_and(|p| p.effective_to.is_none_or(|to| to >= a.effective))
                        {
                            return Err(err(
                                row,
                                format!("thủ tục thay thế {code} đã có"),
                                format!("the replacing procedure {code} already exists"),
                            ));
                        }
                        changes.push(open(procedure, latest(code).map_or(1, |p| p.version + 1))?);
                    }
                }
                Item::Abolished { .. } => {
                    changes.push(close(code)?.0);
                }
            }
        }
        Ok(changes)
    }

    /// The catalogue after `changes` (used to check a sequence of decisions in memory).
    pub fn with(&self, changes: &[Change]) -> Catalogue {
        let mut next = self.clone();
        for c in changes {
            match c {
                Change::Close {
                    code,
                    version,
                    last_day,
                } => {
                    if let Some(p) = next
                        .versions
                        .get_mut(code)
                        .and_then(|v| v.iter_mut().find(|p| p.version == *version))
                    {
                        p.effective_to = Some(*last_day);
                    }
                }
                Change::Open(p) => next
                    .versions
                    .entry(p.spec.code.clone())
                    .or_default()
                    .push((**p).clone()),
            }
        }
        next
    }
}

/// What a unit has posted at its desk: which version of a procedure, since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Posting {
    pub unit: String,
    pub code: String,
    pub version: i64,
    pub posted_on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// Required but not posted at all.
    Missing,
    /// Posted, but an older version.
    Outdated,
    /// Posted, but no longer in force at this unit (abolished, replaced or moved to another level).
    Withdrawn,
}

/// One thing a unit's posted list gets wrong on a date, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Gap {
    pub code: String,
    pub name: String,
    pub kind: GapKind,
    pub posted_version: Option<i64>,
    pub required_version: Option<i64>,
    /// The day the unit fell behind.
    pub since: NaiveDate,
    /// The decision that made the difference.
    pub decision: String,
}

/// Compares what a unit must post on `date` with what it has posted (its latest posting per code).
pub fn posting_gaps(
    catalogue: &Catalogue,
    unit: &Unit,
    postings: &[Posting],
    date: NaiveDate,
) -> Vec<Gap> {
    let mut latest: BTreeMap<&str, &Posting> = BTreeMap::new();
    for p in postings
        .iter()
        .filter(|p| p.unit == unit.code && p.posted_on <= date)
    {
        let slot = latest.entry(p.code.as_str()).or_insert(p);
        if (p.posted_on, p.version) > (slot.posted_on, slot.version) {
            *slot = p;
        }
    }
    let required = catalogue.required_at(unit, date);
    let mut gaps = vec![];
    for r in &required {
        let since_required = |from: NaiveDate| from.max(unit.valid_from);
        match latest.get(r.spec.code.as_str()) {
            None => gaps.push(Gap {
                code: r.spec.code.clone(),
                name: r.spec.name.clone(),
                kind: GapKind::Missing,
                posted_version: None,
                required_version: Some(r.version),
                // Behind since the first version this unit had to apply.
                since: since_required(
                    catalogue
                        .versions(&r.spec.code)
                        .iter()
                        .filter(|v| v.spec.applies_to.applies(unit))
                        .map(|v| v.effective_from)
                        .min()
                        .unwrap_or(r.effective_from),
                ),
                decision: r.announced_by.clone(),
            }),
            Some(p) if p.version < r.version => {
                // Behind since the first version after the posted one.
                let next = catalogue
                    .versions(&r.spec.code)
                    .iter()
                    .find(|v| v.version > p.version)
                    .unwrap_or(r);
                gaps.push(Gap {
                    code: r.spec.code.clone(),
                    name: r.spec.name.clone(),
                    kind: GapKind::Outdated,
                    posted_version: Some(p.version),
                    required_version: Some(r.version),
                    since: since_required(next.effective_from).max(p.posted_on),
                    decision: next.announced_by.clone(),
                });
            }
            Some(_) => {}
        }
    }
    for (code, p) in latest {
        if required.iter().any(|r| r.spec.code == code) {
            continue;
        }
        let posted = catalogue
            .versions(code)
            .iter()
            .find(|v| v.version == p.version);
        let ended = catalogue
            .versions(code)
            .iter()
            .rev()
            .find(|v| v.effective_to.is_some_and(|to| to < date));
        gaps.push(Gap {
            code: code.to_owned(),
            name: posted.map_or_else(String::new, |v| v.spec.name.clone()),
            kind: GapKind::Withdrawn,
            posted_version: Some(p.version),
            required_version: None,
            since: ended
                .and_then(|v| v.effective_to)
                .and_then(|d| d.checked_add_days(Days::new(1)))
                .unwrap_or(date)
                .max(p.posted_on),
            decision: catalogue
                .versions(code)
                .iter()
                .rev()
                .map(|v| v.announced_by.clone())
                .next()
                .unwrap_or_default(),
        });
    }
    gaps.sort_by(|a, b| (a.since, &a.code).cmp(&(b.since, &b.code)));
    gaps
}
