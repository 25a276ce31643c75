//! Reports: a unit with its sub-units over a period, by unit, field or procedure, from the
//! counters; the per-agency step figures; the Decision 766 indicators of the whole, by the method
//! in force on the period's last day, with the average processing time per procedure and per unit.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use motcua_domain::catalogue::Catalogue;
use motcua_domain::dossier::{Instant, to_local};
use motcua_domain::indicators;
use motcua_domain::procedure::{OnlineLevel, ProcedureSpec};
use motcua_domain::stats::{
    AgencyRow, AverageTime, By, CrossRow, Figures, Metric, Period, Report, Row,
};

use crate::db::Tx;
use crate::stats::{self, Scope};
use crate::{StoreError, org, procedures};

/// What to report on.
#[derive(Debug, Clone)]
pub struct Request {
    pub unit: String,
    pub period: Period,
    pub by: By,
    pub procedure: Option<String>,
    pub field: Option<String>,
}

/// Whether a procedure publishes every part the law asks to be posted (what, who, how long, with
/// which papers, on which legal basis, with which result). Fees may rightly be empty.
pub fn complete(s: &ProcedureSpec) -> bool {
    !s.papers.is_empty()
        && !s.steps.is_empty()
        && !s.legal_basis.is_empty()
        && !s.result.is_empty()
        && !s.receiving_agency.is_empty()
        && !s.deciding_agency.is_empty()
        && !s.field.is_empty()
}

pub fn build(
    tx: &mut dyn Tx,
    catalogue: &Catalogue,
    req: &Request,
    now: Instant,
) -> Result<Report, StoreError> {
    let units = org::units(tx)?;
    let root = units.iter().find(|u| u.code == req.unit).ok_or_else(|| {
        StoreError::invalid(
            format!("không có đơn vị mã {}", req.unit),
            format!("no unit with code {}", req.unit),
        )
    })?;
    let start = to_local(req.period.start()).date();
    let last_day = to_local(req.period.end()).date() - chrono::TimeDelta::days(1);
    let in_period = |c: &String| {
        units
            .iter()
            .find(|u| &u.code == c)
            .is_some_and(|u| u.valid_from <= last_day && u.valid_to.is_none_or(|t| t >= start))
    };
    let mut in_scope: Vec<String> = org::subtree(tx, &req.unit)?
        .into_iter()
        .filter(in_period)
        .collect();
    // A period spanning a reorganisation follows the successor links (identifiers change with
    // it): a unit closed in the period whose every successor is in the scope brings its own
    // figures (and its sub-units'), under the identifiers it had; one that split between units
    // in and out of the scope does not (its figures cannot be divided).
    for p in predecessors(&units, &in_scope, start) {
        for c in org::subtree(tx, &p)?.into_iter().filter(in_period) {
            if !in_scope.contains(&c) {
                in_scope.push(c);
            }
        }
    }
    // Procedure code -> (name, field), over every version ever announced.
    let mut names: BTreeMap<String, (String, String)> = BTreeMap::new();
    for p in catalogue.all_versions() {
        names.insert(
            p.spec.code.clone(),
            (p.spec.name.clone(), p.spec.field.clone()),
        );
    }
    let procedures = match (&req.procedure, &req.field) {
        (Some(code), _) => {
            if !names.contains_key(code) {
                return Err(StoreError::invalid(
                    format!("không có thủ tục mã {code}"),
                    format!("no procedure with code {code}"),
                ));
            }
            Some(vec![code.clone()])
        }
        (None, Some(field)) => {
            let codes: Vec<String> = names
                .iter()
                .filter(|(_, (_, f))| f == field)
                .map(|(c, _)| c.clone())
                .collect();
            if codes.is_empty() {
                return Err(StoreError::invalid(
                    format!("không có lĩnh vực '{field}'"),
                    format!("no field named '{field}'"),
                ));
            }
            Some(codes)
        }
        (None, None) => None,
    };
    // The scope is every unit there is: the whole-province rollups apply, and no unit filter.
    let covers_everything = units.iter().all(|u| in_scope.contains(&u.code));
    let scope = Scope {
        units: in_scope.clone(),
        procedures: procedures.clone(),
        all: covers_everything,
    };
    let name_of = |code: &str| {
        units
            .iter()
            .find(|u| u.code == code)
            .map_or(code.to_owned(), |u| u.name.clone())
    };
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    if req.by == By::Unit {
        for c in &in_scope {
            add_to(&mut rows, c.clone(), name_of(c), &Figures::default());
        }
    }
    let mut total = Figures::default();
    #[allow(clippy::needless_late_init)] // three ways to fill it, each with its own loop
    let online_used: BTreeSet<String>;
    if req.by == By::Unit && procedures.is_none() {
        // By unit over every procedure: the rollup, units x months.
        let figures = if covers_everything {
            stats::per_every_unit(tx, &req.period, now)?
        } else {
            stats::per_unit(tx, &in_scope, &req.period, now)?
        };
        for (unit, f) in figures {
            total.merge(&f);
            if let Some(r) = rows.get_mut(&unit) {
                r.figures.merge(&f);
            }
        }
        online_used = stats::used_online(tx, &scope, &req.period)?
            .into_iter()
            .collect();
    } else if req.by != By::Unit && covers_everything {
        // By procedure or field over the whole province: the procedure rollup, procedures x months.
        let mut used = BTreeSet::new();
        for (code, f) in stats::per_procedure(tx, &req.period, now)? {
            if procedures.as_ref().is_some_and(|p| !p.contains(&code)) {
                continue;
            }
            total.merge(&f);
            if f.received_online > 0 {
                used.insert(code.clone());
            }
            let (name, field) = names
                .get(&code)
                .cloned()
                .unwrap_or_else(|| (code.clone(), String::new()));
            let (key, label) = match req.by {
                By::Field => (field.clone(), field),
                _ => (code.clone(), name),
            };
            add_to(&mut rows, key, label, &f);
        }
        online_used = used;
    } else {
        let figures = stats::figures(tx, &scope, &req.period, now)?;
        let mut used = BTreeSet::new();
        for ((unit, code), f) in &figures {
            total.merge(f);
            if f.received_online > 0 {
                used.insert(code.clone());
            }
            let (name, field) = names
                .get(code)
                .cloned()
                .unwrap_or_else(|| (code.clone(), String::new()));
            let (key, label) = match req.by {
                By::Unit => (unit.clone(), name_of(unit)),
                By::Field => (field.clone(), field),
                By::Procedure => (code.clone(), name),
            };
            add_to(&mut rows, key, label, f);
        }
        online_used = used;
    }
    let mut rows: Vec<Row> = rows.into_values().collect();
    if req.by == By::Unit {
        // The unit itself first, then its sub-units in the order of the tree.
        rows.sort_by_key(|r| in_scope.iter().position(|c| c == &r.key));
    } else {
        rows.sort_by(|a, b| {
            b.figures
                .received()
                .cmp(&a.figures.received())
                .then(a.key.cmp(&b.key))
        });
    }
    let agencies = stats::agencies(tx, &scope, &req.period)?
        .into_iter()
        .map(|(unit, [early, on_time, late])| AgencyRow {
            name: name_of(&unit),
            unit,
            early,
            on_time,
            late,
        })
        .collect();
    // The second view, by the agency that resolves: the boundary-free dossiers crossing the
    // scope's border, from their own counters (no scan of dossiers).
    let crossing = stats::crossing(tx, &scope, &req.period, now)?;
    let mut resolved = total;
    let mut cross_rows = vec![];
    for (direction, map) in [("out", &crossing.out), ("in", &crossing.into)] {
        for (unit, f) in map {
            if direction == "out" {
                resolved.subtract(f);
            } else {
                resolved.merge(f);
            }
            cross_rows.push(CrossRow {
                direction: direction.to_owned(),
                unit: unit.clone(),
                name: name_of(unit),
                figures: *f,
            });
        }
    }
    let (mut inputs, payable_online) = indicator_inputs(
        tx,
        catalogue,
        &units,
        &in_scope,
        procedures.as_deref(),
        last_day.min(to_local(now).date()),
        &resolved,
        &online_used,
    )?;
    inputs.extend(crate::feedback::indicator_inputs(
        tx,
        &in_scope,
        &req.period,
        now,
    )?);
    inputs.extend(crate::papers::indicator_inputs(
        tx,
        &in_scope,
        procedures.as_deref(),
        &req.period,
    )?);
    inputs.extend(crate::outbox::indicator_inputs(
        tx,
        &in_scope,
        procedures.as_deref(),
        &req.period,
    )?);
    // Online payment (3.4-3.6) and population data (4.5a/4.5b), from the counters.
    let paid_online = stats::procedures_with(tx, &scope, &req.period, Metric::PaidOnline)?;
    let population = stats::procedures_with(tx, &scope, &req.period, Metric::PopulationUsed)?;
    for (name, n) in [
        ("fee_dossiers", total.fee_charged),
        ("paid_online", total.fee_paid_online),
        (
            "procedures_paid_online",
            paid_online
                .iter()
                .filter(|c| payable_online.contains(*c))
                .count() as i64,
        ),
        ("population_dossiers", total.population_used),
        ("procedures_population", population.len() as i64),
    ] {
        inputs.insert(name.to_owned(), n);
    }
    let per_procedure = stats::processing_times(tx, &scope, "procedure", &req.period)?;
    let per_unit = stats::processing_times(tx, &scope, "unit", &req.period)?;
    let processed: i64 = per_unit.iter().map(|x| x.1).sum();
    let minutes: i64 = per_unit.iter().map(|x| x.2).sum();
    inputs.insert("processed".to_owned(), processed);
    inputs.insert("processing_minutes".to_owned(), minutes);
    let average = |by: &str, key: String, label: String, n: i64, m: i64| AverageTime {
        by: by.to_owned(),
        key,
        label,
        dossiers: n,
        days: m as f64 / n as f64 / 1440.0,
    };
    let mut average_times: Vec<AverageTime> = per_procedure
        .into_iter()
        .map(|(code, n, m)| {
            let label = names.get(&code).map_or(code.clone(), |x| x.0.clone());
            average("procedure", code, label, n, m)
        })
        .collect();
    average_times.extend(
        per_unit
            .into_iter()
            .map(|(unit, n, m)| average("unit", unit.clone(), name_of(&unit), n, m)),
    );
    let borrowed: BTreeMap<&str, i64> = inputs.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let (indicators, index) = match indicators::methods().in_force(last_day) {
        Some(method) => {
            let scores = method.evaluate(&borrowed);
            let summary = method.summary(&scores);
            (scores, Some(summary))
        }
        None => (vec![], None),
    };
    Ok(Report {
        unit: root.code.clone(),
        unit_name: root.name.clone(),
        period: req.period,
        by: req.by,
        procedure: req.procedure.clone(),
        field: req.field.clone(),
        generated_at: now,
        rows,
        total,
        agencies,
        inputs,
        indicators,
        index,
        average_times,
        resolved,
        crossing: cross_rows,
    })
}

/// The units closed on or after `since` whose successors are all in `scope` or themselves such
/// units (a chain of reorganisations), in the order found.
pub fn predecessors(
    units: &[motcua_domain::org::Unit],
    scope: &[String],
    since: NaiveDate,
) -> Vec<String> {
    let mut covered: Vec<String> = scope.to_vec();
    let mut out = vec![];
    loop {
        let found: Vec<String> = units
            .iter()
            .filter(|u| {
                !covered.contains(&u.code)
                    && !u.successors.is_empty()
                    && u.valid_to.is_some_and(|t| t >= since)
                    && u.successors.iter().all(|s| covered.contains(s))
            })
            .map(|u| u.code.clone())
            .collect();
        if found.is_empty() {
            return out;
        }
        covered.extend(found.iter().cloned());
        out.extend(found);
    }
}

/// Adds figures to the row `key`, creating it with `label`.
fn add_to(rows: &mut BTreeMap<String, Row>, key: String, label: String, f: &Figures) {
    rows.entry(key.clone())
        .or_insert_with(|| Row {
            key,
            label,
            figures: Figures::default(),
        })
        .figures
        .merge(f);
}

#[allow(clippy::too_many_arguments)]
fn indicator_inputs(
    tx: &mut dyn Tx,
    catalogue: &Catalogue,
    units: &[motcua_domain::org::Unit],
    in_scope: &[String],
    procedures: Option<&[String]>,
    on: NaiveDate,
    total: &Figures,
    online_used: &BTreeSet<String>,
) -> Result<(BTreeMap<String, i64>, BTreeSet<String>), StoreError> {
    // The latest posting of each (unit, procedure) on or before `on`.
    let mut latest: std::collections::HashMap<(String, String), (NaiveDate, i64)> =
        std::collections::HashMap::new();
    for x in procedures::postings(tx, None)? {
        if x.posted_on <= on {
            let e = latest
                .entry((x.unit, x.code))
                .or_insert((x.posted_on, x.version));
            if (x.posted_on, x.version) > *e {
                *e = (x.posted_on, x.version);
            }
        }
    }
    let wanted = |code: &str| procedures.is_none_or(|p| p.iter().any(|c| c == code));
    let (mut required, mut posted_current) = (0i64, 0i64);
    let mut distinct: BTreeMap<String, &ProcedureSpec> = BTreeMap::new();
    for u in units
        .iter()
        .filter(|u| in_scope.contains(&u.code) && u.is_valid_on(on))
    {
        for p in catalogue.required_at(u, on) {
            if !wanted(&p.spec.code) {
                continue;
            }
            required += 1;
            let current = latest
                .get(&(u.code.clone(), p.spec.code.clone()))
                .is_some_and(|x| x.1 >= p.version);
            posted_current += i64::from(current);
            distinct.insert(p.spec.code.clone(), &p.spec);
        }
    }
    let online: Vec<&String> = distinct
        .iter()
        .filter(|(_, s)| s.channels.online != OnlineLevel::None)
        .map(|(c, _)| c)
        .collect();
    let mut m = BTreeMap::new();
    m.insert("procedures_required".to_owned(), required);
    m.insert("procedures_posted_current".to_owned(), posted_current);
    m.insert(
        "procedures_required_distinct".to_owned(),
        distinct.len() as i64,
    );
    m.insert(
        "procedures_complete".to_owned(),
        distinct.values().filter(|s| complete(s)).count() as i64,
    );
    m.insert("procedures_online".to_owned(), online.len() as i64);
    // 3.5: procedures with a fee of one published amount, and of those the ones offered online
    // (payable through the gateway).
    let with_fee = |s: &ProcedureSpec| s.fees.iter().any(|f| f.amount.is_some_and(|a| a > 0));
    m.insert(
        "procedures_fee".to_owned(),
        distinct.values().filter(|s| with_fee(s)).count() as i64,
    );
    let payable_online: BTreeSet<String> = distinct
        .iter()
        .filter(|(_, s)| with_fee(s) && s.channels.online != OnlineLevel::None)
        .map(|(c, _)| c.clone())
        .collect();
    m.insert(
        "procedures_fee_online".to_owned(),
        payable_online.len() as i64,
    );
    m.insert(
        "online_services_used".to_owned(),
        online.iter().filter(|c| online_used.contains(**c)).count() as i64,
    );
    m.insert("received".to_owned(), total.received());
    m.insert("received_online".to_owned(), total.received_online);
    m.insert(
        "resolved_in_time".to_owned(),
        total.resolved_early + total.resolved_on_time,
    );
    m.insert("resolved".to_owned(), total.resolved());
    // 2.1 counts what was handled in the period: finished in it, or still in processing at its end
    // (refusals and withdrawals aside), on time when finished by the due time or not yet past it.
    m.insert(
        "handled".to_owned(),
        total.resolved() + total.open_in_time + total.open_overdue,
    );
    m.insert(
        "handled_in_time".to_owned(),
        total.resolved_early + total.resolved_on_time + total.open_in_time,
    );
    m.insert("rated".to_owned(), total.rated);
    m.insert("satisfied".to_owned(), total.satisfied);
    m.insert("digitised".to_owned(), total.digitised);
    m.insert("result_electronic".to_owned(), total.result_electronic);
    m.insert("copy_certification".to_owned(), total.copy_certification);
    m.insert("copy_electronic".to_owned(), total.copy_electronic);
    Ok((m, payable_online))
}
