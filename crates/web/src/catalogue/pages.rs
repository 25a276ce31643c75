//! Public catalogue pages, rendered on the server (compile-time checked templates, escaped by default),
//! working without JavaScript: the home page, search, a procedure with everything that must be
//! posted and its blank forms, the units and what each must post and has posted.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use chrono::{NaiveDate, TimeDelta};
use motcua_domain::catalogue::{GapKind, SearchFilter, posting_gaps};
use motcua_domain::dossier::from_local;
use motcua_domain::procedure::{OnlineLevel, Procedure};
use motcua_domain::text::fold_vi;
use motcua_store::{dossiers, org, procedures};
use serde::Deserialize;

use crate::app::{AppState, blocking};
use crate::http::ApiError;
use crate::http::Params;
use crate::i18n::filters;

use crate::http::PageError;
use crate::http::form::APPLICANT_FIELDS;
use crate::http::format::{dmy, percent, today};
use crate::http::page::render;
struct Row {
    code: String,
    name: String,
    field: String,
    level: &'static str,
    limit: String,
    online: &'static str,
}

fn row(p: &Procedure) -> Row {
    Row {
        code: p.spec.code.clone(),
        name: p.spec.name.clone(),
        field: p.spec.field.clone(),
        level: p.spec.level.label_vi(),
        limit: crate::i18n::limit(p.spec.limit),
        online: match p.spec.channels.online {
            OnlineLevel::None => "",
            OnlineLevel::Partial => "Trực tuyến một phần",
            OnlineLevel::Full => "Trực tuyến toàn trình",
        },
    }
}

struct FieldLink {
    name: String,
    query: String,
    count: usize,
}

#[derive(Template)]
#[template(path = "catalogue/home.html")]
struct Home {
    common: Vec<Row>,
    fields: Vec<FieldLink>,
}

pub async fn home(State(app): State<AppState>) -> Result<Html<String>, PageError> {
    let on = today();
    let (index, popular) = blocking(move || {
        Ok(app.store.read(|tx| {
            let since = from_local(
                (on - TimeDelta::days(90))
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or_default(),
            );
            Ok((
                app.search_index(tx, on)?,
                dossiers::popular_procedures(tx, since, 8)?,
            ))
        })?)
    })
    .await?;
    let all = index.search("", &SearchFilter::default());
    let mut common: Vec<Row> = popular
        .iter()
        .filter_map(|code| all.iter().find(|p| p.spec.code == *code).map(|p| row(p)))
        .collect();
    if common.is_empty() {
        common = all.iter().take(8).map(|p| row(p)).collect();
    }
    // Keyed by the folded name, so "Đất đai" sorts with the d's as a Vietnamese reader expects.
    let mut fields: BTreeMap<(String, String), usize> = BTreeMap::new();
    for p in &all {
        *fields
            .entry((fold_vi(&p.spec.field), p.spec.field.clone()))
            .or_default() += 1;
    }
    let fields = fields
        .into_iter()
        .map(|((_, name), count)| FieldLink {
            query: percent(&name),
            name,
            count,
        })
        .collect();
    render(&Home { common, fields })
}

struct Choice {
    code: String,
    name: String,
    selected: bool,
}

struct FieldChoice {
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "catalogue/search.html")]
struct SearchPage {
    q: String,
    fields: Vec<FieldChoice>,
    units: Vec<Choice>,
    online: bool,
    total: usize,
    items: Vec<Row>,
    /// When nothing matched: the closest names, then the most used procedures.
    closest: Vec<Row>,
    most_used: Vec<Row>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    field: Option<String>,
    unit: Option<String>,
    online: Option<String>,
}

pub async fn search(
    State(app): State<AppState>,
    Params(q): Params<SearchQuery>,
) -> Result<Html<String>, PageError> {
    let on = today();
    let text =
        q.q.unwrap_or_default()
            .chars()
            .take(200)
            .collect::<String>();
    let field = q.field.filter(|f| !f.is_empty());
    let unit_code = q.unit.filter(|u| !u.is_empty());
    let online = q.online.is_some_and(|v| v == "true" || v == "on");
    let (index, units, popular) = blocking(move || {
        Ok(app.store.read(|tx| {
            let since = from_local(
                (on - TimeDelta::days(90))
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or_default(),
            );
            Ok((
                app.search_index(tx, on)?,
                org::units(tx)?,
                dossiers::popular_procedures(tx, since, 30)?,
            ))
        })?)
    })
    .await?;
    let unit = unit_code
        .as_ref()
        .and_then(|c| units.iter().find(|u| u.code == *c))
        .cloned();
    let filter = SearchFilter {
        field: field.clone(),
        level: None,
        unit,
        online,
    };
    let hits = index.search(&text, &filter);
    let (closest, most_used) = if hits.is_empty() && !text.trim().is_empty() {
        let closest: Vec<Row> = index
            .suggest(&text, &filter, 5)
            .iter()
            .map(|p| row(p))
            .collect();
        let open = index.search("", &filter);
        let most_used = popular
            .iter()
            .filter_map(|code| open.iter().find(|p| p.spec.code == *code))
            .filter(|p| !closest.iter().any(|c| c.code == p.spec.code))
            .take(5)
            .map(|p| row(p))
            .collect();
        (closest, most_used)
    } else {
        (vec![], vec![])
    };
    let mut field_names: Vec<String> = index
        .search("", &SearchFilter::default())
        .iter()
        .map(|p| p.spec.field.clone())
        .collect();
    field_names.sort_by_key(|f| fold_vi(f));
    field_names.dedup();
    let folded = field.as_deref().map(fold_vi);
    render(&SearchPage {
        fields: field_names
            .into_iter()
            .map(|name| FieldChoice {
                selected: folded.as_deref() == Some(fold_vi(&name).as_str()),
                name,
            })
            .collect(),
        units: units
            .iter()
            .filter(|u| {
                u.is_valid_on(on)
                    && matches!(
                        u.level,
                        motcua_domain::org::UnitLevel::Commune
                            | motcua_domain::org::UnitLevel::District
                    )
            })
            .map(|u| Choice {
                selected: unit_code.as_deref() == Some(u.code.as_str()),
                code: u.code.clone(),
                name: u.name.clone(),
            })
            .collect(),
        online,
        total: hits.len(),
        items: hits.iter().take(200).map(|p| row(p)).collect(),
        closest,
        most_used,
        q: text,
    })
}

struct PaperRow {
    name: String,
    copies: u32,
    mandatory: &'static str,
    template: String,
    condition: String,
    /// The procedure's own blank form: (download link, "PDF, 42 KB").
    file: Option<(String, String)>,
}

struct FeeRow {
    name: String,
    amount: String,
    exemptions: String,
}

#[derive(Template)]
#[template(path = "catalogue/procedure.html")]
struct ProcedurePage {
    code: String,
    version: i64,
    name: String,
    in_force: bool,
    online: bool,
    field: String,
    level: &'static str,
    receiving: String,
    deciding: String,
    channels: String,
    limit: String,
    result: String,
    effective_from: String,
    effective_to: String,
    announced_by: String,
    papers: Vec<PaperRow>,
    steps: Vec<(String, String)>,
    fees: Vec<FeeRow>,
    conditions: Vec<String>,
    legal: Vec<String>,
    versions: Vec<(i64, String, String, String)>,
}

pub async fn procedure(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Html<String>, PageError> {
    let on = today();
    let (versions, files) = blocking(move || {
        Ok(app.store.read(|tx| {
            let versions = procedures::versions(tx, &code)?;
            let shown = versions
                .iter()
                .rev()
                .find(|p| p.in_force_on(on))
                .or(versions.last())
                .map(|p| p.version);
            let files = match shown {
                Some(v) => super::forms::links(tx, &code, v)?,
                None => Default::default(),
            };
            Ok((versions, files))
        })?)
    })
    .await?;
    let current = versions
        .iter()
        .rev()
        .find(|p| p.in_force_on(on))
        .or(versions.last())
        .ok_or_else(|| ApiError::not_found("Không có thủ tục này", "No such procedure"))?;
    let s = &current.spec;
    let mut channels = vec![];
    if s.channels.desk {
        channels.push(crate::i18n::t("Trực tiếp tại Bộ phận Một cửa").to_owned());
    }
    if s.channels.post {
        channels.push(crate::i18n::t("Qua dịch vụ bưu chính công ích").to_owned());
    }
    if s.channels.online != OnlineLevel::None {
        channels.push(format!(
            "{} ({})",
            crate::i18n::t("Trực tuyến"),
            crate::i18n::t(s.channels.online.label_vi())
        ));
    }
    render(&ProcedurePage {
        code: s.code.clone(),
        version: current.version,
        name: s.name.clone(),
        in_force: current.in_force_on(on),
        online: s.channels.online != OnlineLevel::None,
        field: s.field.clone(),
        level: s.level.label_vi(),
        receiving: s.receiving_agency.clone(),
        deciding: s.deciding_agency.clone(),
        channels: channels.join("; "),
        limit: crate::i18n::limit(s.limit),
        result: s.result.clone(),
        effective_from: dmy(current.effective_from),
        effective_to: current.effective_to.map(dmy).unwrap_or_default(),
        announced_by: current.announced_by.clone(),
        papers: s
            .papers
            .iter()
            .enumerate()
            .map(|(i, p)| PaperRow {
                name: p.name.clone(),
                copies: p.copies,
                mandatory: if p.mandatory {
                    "Bắt buộc"
                } else {
                    "Nếu có"
                },
                template: p.template.clone().unwrap_or_default(),
                condition: p.condition.clone().unwrap_or_default(),
                file: files.get(&(i + 1)).cloned(),
            })
            .collect(),
        steps: s
            .steps
            .iter()
            .map(|x| (x.name.clone(), crate::i18n::limit(x.budget)))
            .collect(),
        fees: s
            .fees
            .iter()
            .map(|f| FeeRow {
                name: f.name.clone(),
                amount: if f.description.is_empty() {
                    f.amount.map(|a| format!("{a} đồng")).unwrap_or_default()
                } else {
                    f.description.clone()
                },
                exemptions: f.exemptions.join("; "),
            })
            .collect(),
        conditions: s.conditions.clone(),
        legal: s.legal_basis.clone(),
        versions: versions
            .iter()
            .map(|v| {
                (
                    v.version,
                    dmy(v.effective_from),
                    v.effective_to.map(dmy).unwrap_or_default(),
                    v.announced_by.clone(),
                )
            })
            .collect(),
    })
}

struct UnitRow {
    code: String,
    name: String,
    level: &'static str,
    gaps: usize,
}

#[derive(Template)]
#[template(path = "catalogue/units.html")]
struct UnitsPage {
    units: Vec<UnitRow>,
}

pub async fn units(State(app): State<AppState>) -> Result<Html<String>, PageError> {
    let on = today();
    let (units, catalogue, postings) = blocking(move || {
        Ok(app.store.read(|tx| {
            Ok((
                org::units(tx)?,
                procedures::catalogue(tx)?,
                procedures::postings(tx, None)?,
            ))
        })?)
    })
    .await?;
    let rows = units
        .iter()
        .filter(|u| u.is_valid_on(on) && !catalogue.required_at(u, on).is_empty())
        .map(|u| UnitRow {
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level.label_vi(),
            gaps: posting_gaps(&catalogue, u, &postings, on).len(),
        })
        .collect();
    render(&UnitsPage { units: rows })
}

struct GapRow {
    code: String,
    name: String,
    kind: &'static str,
    since: String,
    decision: String,
}

#[derive(Template)]
#[template(path = "catalogue/unit.html")]
struct UnitPage {
    code: String,
    name: String,
    level: &'static str,
    on: String,
    closed: bool,
    closed_from: String,
    successors: String,
    gaps: Vec<GapRow>,
    required: Vec<Row>,
}

#[derive(Deserialize)]
pub struct OnQuery {
    on: Option<String>,
}

pub async fn unit(
    State(app): State<AppState>,
    Path(code): Path<String>,
    Params(q): Params<OnQuery>,
) -> Result<Html<String>, PageError> {
    let on = match q.on.as_deref().filter(|s| !s.is_empty()) {
        None => today(),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            ApiError::invalid("on", "ngày cần dạng YYYY-MM-DD", "on must be YYYY-MM-DD")
        })?,
    };
    let (unit, catalogue, postings, names) = blocking(move || {
        Ok(app.store.read(|tx| {
            let unit = org::get_unit(tx, &code)?;
            let names: Vec<(String, String)> = org::units(tx)?
                .into_iter()
                .map(|u| (u.code, u.name))
                .collect();
            Ok((
                unit,
                procedures::catalogue(tx)?,
                procedures::postings(tx, Some(&code))?,
                names,
            ))
        })?)
    })
    .await?;
    let gaps = posting_gaps(&catalogue, &unit, &postings, on);
    let successors = unit
        .successors
        .iter()
        .map(|s| {
            names
                .iter()
                .find(|(c, _)| c == s)
                .map_or(s.clone(), |(_, n)| n.clone())
        })
        .collect::<Vec<_>>()
        .join(", ");
    render(&UnitPage {
        code: unit.code.clone(),
        name: unit.name.clone(),
        level: unit.level.label_vi(),
        on: dmy(on),
        closed: !unit.is_valid_on(on),
        closed_from: unit
            .valid_to
            .map(|d| dmy(d + TimeDelta::days(1)))
            .unwrap_or_default(),
        successors,
        gaps: gaps
            .iter()
            .map(|g| GapRow {
                code: g.code.clone(),
                name: g.name.clone(),
                kind: match g.kind {
                    GapKind::Missing => "Chưa niêm yết",
                    GapKind::Outdated => "Niêm yết phiên bản cũ",
                    GapKind::Withdrawn => "Còn niêm yết thủ tục đã hết hiệu lực",
                },
                since: dmy(g.since),
                decision: g.decision.clone(),
            })
            .collect(),
        required: catalogue
            .required_at(&unit, on)
            .into_iter()
            .map(row)
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "catalogue/blank_form.html")]
struct BlankForm {
    code: String,
    procedure: String,
    title: String,
    agency: String,
    fields: Vec<&'static str>,
    papers: Vec<String>,
}

/// `GET /thu-tuc/{code}/mau/{n}`: the n-th paper's form (tờ khai), blank, ready to print and fill in
/// by hand: for applicants who come to the desk with it filled in, and for intranets without the
/// national portal. An official paper, so always in Vietnamese.
pub async fn blank_form(
    State(app): State<AppState>,
    Path((code, n)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    let on = today();
    let versions =
        blocking(move || Ok(app.store.read(|tx| procedures::versions(tx, &code))?)).await?;
    let missing = || ApiError::not_found("Không có mẫu này", "No such form");
    let current = versions
        .iter()
        .rev()
        .find(|p| p.in_force_on(on))
        .or(versions.last())
        .ok_or_else(missing)?;
    let index: usize = n.parse().map_err(|_| missing())?;
    let paper = index
        .checked_sub(1)
        .and_then(|i| current.spec.papers.get(i))
        .filter(|p| p.template.is_some())
        .ok_or_else(missing)?;
    render(&BlankForm {
        code: current.spec.code.clone(),
        procedure: current.spec.name.clone(),
        title: paper.template.clone().unwrap_or_default(),
        agency: current.spec.receiving_agency.clone(),
        fields: APPLICANT_FIELDS.iter().map(|f| f.1).collect(),
        papers: current.spec.papers.iter().map(|p| p.name.clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_encoding() {
        assert_eq!(super::percent("Hộ tịch"), "H%E1%BB%99+t%E1%BB%8Bch");
    }

    #[test]
    fn statuses_have_titles() {
        let e = crate::http::ApiError::not_found("x", "y");
        assert_eq!(e.status, axum::http::StatusCode::NOT_FOUND);
    }
}
