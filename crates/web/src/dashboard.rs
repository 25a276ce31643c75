//! The leader's overview (`/can-bo/tong-quan`): this year's figures per unit in scope, twelve months as
//! a chart, the procedures with most late dossiers, overdue remediation tasks of inspections.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use chrono::Utc;
use motcua_domain::authz::Action;
use motcua_domain::dossier::to_local;
use motcua_store::{org, procedures};

use crate::access::scope;
use crate::app::{AppState, blocking};
use crate::auth::{StaffPage, who};
use crate::http::PageError;
use crate::i18n::filters;

use crate::http::format::share;
use crate::http::page::render as html;
struct FigureRow {
    name: String,
    received: i64,
    early: i64,
    on_time: i64,
    late: i64,
    share: String,
    open: i64,
    overdue: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    who: String,
    from: String,
    rows: Vec<FigureRow>,
    chart: String,
    late: Vec<(String, String, i64)>,
    overdue_tasks: Vec<(i64, String, String, String)>,
}

/// GET /can-bo/tong-quan: the leader's overview of the units in scope: this year's figures per unit,
/// twelve months of received and late dossiers as a chart, the procedures with most late dossiers.
pub async fn dashboard(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
) -> Result<Html<String>, PageError> {
    let now = Utc::now();
    let today = to_local(now).date();
    let year_start =
        chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let who = who(&staff);
    let (figures, months, late, units, names, overdue) = blocking(move || {
        Ok(app.store.read(|tx| {
            let mut scope_units = scope(tx, &staff, Action::Inspect)?;
            scope_units.extend(scope(tx, &staff, Action::ViewDossier)?);
            scope_units.sort();
            scope_units.dedup();
            let year = motcua_store::stats::year_to_date(now);
            let figures = motcua_store::stats::per_unit(tx, &scope_units, &year, now)?;
            // The last twelve months, each as received and resolved late, from the counters.
            let mut month = motcua_domain::stats::month_of(now);
            for _ in 0..11 {
                month = motcua_domain::stats::prev_month(month);
            }
            let mut months = vec![];
            for _ in 0..12 {
                let f = motcua_store::stats::per_unit(
                    tx,
                    &scope_units,
                    &motcua_domain::stats::Period::month(month),
                    now,
                )?;
                months.push((
                    motcua_domain::stats::month_start(month),
                    f.values().map(|x| x.received()).sum::<i64>(),
                    f.values().map(|x| x.resolved_late).sum::<i64>(),
                ));
                month = motcua_domain::stats::next_month(month);
            }
            let scope = motcua_store::stats::Scope {
                units: scope_units.clone(),
                procedures: None,
                all: false,
            };
            let mut late: std::collections::BTreeMap<String, i64> = Default::default();
            for ((_, code), f) in motcua_store::stats::figures(tx, &scope, &year, now)? {
                *late.entry(code).or_default() += f.resolved_late;
            }
            let mut late: Vec<(String, i64)> = late.into_iter().filter(|x| x.1 > 0).collect();
            late.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            late.truncate(10);
            let names: Vec<(String, String)> = procedures::catalogue(tx)?
                .all_in_force(today)
                .map(|p| (p.spec.code.clone(), p.spec.name.clone()))
                .collect();
            let overdue = crate::inspections::service::overdue_tasks(tx, &scope_units, today)?;
            Ok((figures, months, late, org::units(tx)?, names, overdue))
        })?)
    })
    .await?;
    let unit_name = |c: &str| {
        units
            .iter()
            .find(|u| u.code == c)
            .map_or(c.to_owned(), |u| u.name.clone())
    };
    let groups: Vec<motcua_render::chart::Group> = months
        .iter()
        .map(|(m, received, late)| motcua_render::chart::Group {
            label: m.format("%m/%y").to_string(),
            values: vec![*received as u64, *late as u64],
        })
        .collect();
    html(&DashboardPage {
        who,
        from: year_start.format("%d/%m/%Y").to_string(),
        rows: figures
            .iter()
            .map(|(unit, f)| FigureRow {
                name: unit_name(unit),
                received: f.received(),
                early: f.resolved_early,
                on_time: f.resolved_on_time,
                late: f.resolved_late,
                share: share(f.resolved_early + f.resolved_on_time, f.resolved()),
                open: f.open_in_time + f.open_overdue,
                overdue: f.open_overdue,
            })
            .collect(),
        chart: motcua_render::chart::bars(
            "Hồ sơ tiếp nhận và quá hạn theo tháng",
            &["Tiếp nhận", "Quá hạn"],
            &groups,
        ),
        overdue_tasks: overdue
            .iter()
            .map(|(id, unit, what, deadline)| {
                (
                    *id,
                    unit_name(unit),
                    what.clone(),
                    deadline.format("%d/%m/%Y").to_string(),
                )
            })
            .collect(),
        late: late
            .into_iter()
            .map(|(code, n)| {
                let name = names
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map_or(code.clone(), |(_, n)| n.clone());
                (code, name, n)
            })
            .collect(),
    })
}
