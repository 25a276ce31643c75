//! The report page for leaders and inspectors, its downloads, and the drill-down from a figure to its
//! dossiers.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use motcua_domain::authz::{Action, can};
use motcua_domain::dossier::to_local;
use motcua_domain::stats::{COLUMNS, COUNTER_COLUMNS, Month, Period, next_month};
use motcua_store::dossiers::{self, Cell, DRILLABLE, Filter};
use motcua_store::org;

use crate::app::{AppState, read_tx};
use crate::auth::StaffPage;
use crate::http::ApiError;
use crate::http::PageError;
use crate::http::Params;
use crate::i18n::filters;

use super::query::*;
struct CellView {
    value: i64,
    link: String,
}

struct RowView {
    key: String,
    label: String,
    cells: Vec<CellView>,
    share: String,
    /// Walk-ins and apologies (`COUNTER_COLUMNS`).
    counter: Vec<i64>,
}

struct IndicatorView {
    code: String,
    name: String,
    max: String,
    points: String,
    fraction: String,
    /// Which dossiers the figure counts.
    cohort: String,
    note: String,
}

/// A Decision 766 group with its indicators underneath.
struct GroupView {
    name: String,
    points: String,
    max: String,
    indicators: Vec<IndicatorView>,
}

/// One line of the average processing times.
struct AverageView {
    by: &'static str,
    label: String,
    dossiers: i64,
    days: String,
}

#[derive(Template)]
#[template(path = "reports/report.html")]
struct ReportPage {
    who: String,
    error: String,
    units: Vec<(String, String)>,
    unit: String,
    unit_name: String,
    from: String,
    to: String,
    by: String,
    by_label: &'static str,
    procedure: String,
    field: String,
    headers: Vec<&'static str>,
    counter_headers: Vec<&'static str>,
    rows: Vec<RowView>,
    total: RowView,
    agencies: Vec<(String, i64, i64, i64)>,
    /// Boundary-free dossiers crossing the scope's border: (direction, unit, received, resolved,
    /// in processing at the end), and the figures by the agency that resolves (received, resolved).
    crossing: Vec<(&'static str, String, i64, i64, i64)>,
    resolved_view: (i64, i64),
    groups: Vec<GroupView>,
    score: String,
    /// The total out of 100 with its band, and the method applied.
    band: String,
    method: String,
    averages: Vec<AverageView>,
    chart: String,
    query: String,
    period_text: String,
}

fn ym(m: Month) -> String {
    format!("{:04}-{:02}", m / 100, m % 100)
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn points(p: f64) -> String {
    format!("{:.2}", p).replace('.', ",")
}

/// GET /can-bo/bao-cao: the report page.
pub async fn page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<Query>,
) -> Result<Response, PageError> {
    let now = Utc::now();
    let who = staff.full_name.clone();
    let inspectable = {
        let (app, staff) = (app.clone(), staff.clone());
        read_tx(&app, move |tx| {
            let scope = crate::access::scope(tx, &staff, Action::Inspect)?;
            Ok(org::units(tx)?
                .into_iter()
                .filter(|u| scope.contains(&u.code))
                .map(|u| (u.code, u.name))
                .collect::<Vec<_>>())
        })
        .await?
    };
    if inspectable.is_empty() {
        return Err(ApiError::forbidden().into());
    }
    let req = match request(&q, &staff, now) {
        Ok(r) => r,
        Err(e) => return Ok(error_page(who, inspectable, &q, e)),
    };
    let req2 = req.clone();
    let (app2, staff2) = (app.clone(), staff.clone());
    let built = read_tx(&app, move |tx| {
        let report = build(&app2, tx, &staff2, &req2, now)?;
        // Twelve months at most of received and resolved-late, for the chart.
        let scope = motcua_store::stats::Scope {
            units: org::subtree(tx, &report.unit)?,
            procedures: None,
            all: false,
        };
        let mut monthly = vec![];
        let mut m = report.period.from;
        while m <= report.period.to && monthly.len() < 24 {
            let f = motcua_store::stats::figures(tx, &scope, &Period::month(m), now)?;
            let (received, late) = f
                .values()
                .fold((0, 0), |a, x| (a.0 + x.received(), a.1 + x.resolved_late));
            monthly.push((m, received, late));
            m = next_month(m);
        }
        Ok((report, monthly))
    })
    .await;
    let (report, monthly) = match built {
        Ok(x) => x,
        Err(e) if e.status == StatusCode::FORBIDDEN => return Err(e.into()),
        Err(e) => return Ok(error_page(who, inspectable, &q, e)),
    };
    let query = format!(
        "don_vi={}&tu={}&den={}&theo={}&thu_tuc={}&linh_vuc={}",
        percent(&report.unit),
        ym(report.period.from),
        ym(report.period.to),
        report.by.as_str(),
        percent(report.procedure.as_deref().unwrap_or("")),
        percent(report.field.as_deref().unwrap_or(""))
    );
    let row_view = |key: &str, label: &str, f: &motcua_domain::stats::Figures| RowView {
        key: key.to_owned(),
        label: label.to_owned(),
        cells: COLUMNS
            .iter()
            .map(|(c, _, _)| CellView {
                value: f.column(c),
                link: if DRILLABLE.contains(c) && f.column(c) > 0 {
                    format!(
                        "/can-bo/bao-cao/ho-so?{query}&cot={c}&hang={}",
                        percent(key)
                    )
                } else {
                    String::new()
                },
            })
            .collect(),
        share: crate::http::format::share(f.resolved_early + f.resolved_on_time, f.resolved()),
        counter: COUNTER_COLUMNS
            .iter()
            .map(|(c, _, _)| f.column(c))
            .collect(),
    };
    let computed: f64 = report.indicators.iter().filter_map(|s| s.points).sum();
    let computable: f64 = report
        .indicators
        .iter()
        .filter(|s| s.points.is_some())
        .map(|s| s.max)
        .sum();
    let groups: Vec<motcua_render::chart::Group> = monthly
        .iter()
        .map(|(m, r, l)| motcua_render::chart::Group {
            label: format!("{:02}/{:02}", m % 100, (m / 100) % 100),
            values: vec![*r as u64, *l as u64],
        })
        .collect();
    let lang_en = crate::i18n::lang() == crate::i18n::Lang::En;
    let page = ReportPage {
        who,
        error: String::new(),
        units: inspectable,
        unit: report.unit.clone(),
        unit_name: report.unit_name.clone(),
        from: ym(report.period.from),
        to: ym(report.period.to),
        by: report.by.as_str().into(),
        by_label: report.by.label_vi(),
        procedure: report.procedure.clone().unwrap_or_default(),
        field: report.field.clone().unwrap_or_default(),
        headers: COLUMNS.iter().map(|c| c.1).collect(),
        counter_headers: COUNTER_COLUMNS.iter().map(|c| c.1).collect(),
        rows: report
            .rows
            .iter()
            .map(|r| row_view(&r.key, &r.label, &r.figures))
            .collect(),
        total: row_view("", "Tổng cộng", &report.total),
        agencies: report
            .agencies
            .iter()
            .map(|a| (a.name.clone(), a.early, a.on_time, a.late))
            .collect(),
        crossing: report
            .crossing
            .iter()
            .map(|c| {
                (
                    if c.direction == "out" {
                        "Tiếp nhận tại đây, cơ quan khác giải quyết"
                    } else {
                        "Tiếp nhận nơi khác, giải quyết tại đây"
                    },
                    c.name.clone(),
                    c.figures.received(),
                    c.figures.resolved(),
                    c.figures.open_in_time + c.figures.open_overdue,
                )
            })
            .collect(),
        resolved_view: (report.resolved.received(), report.resolved.resolved()),
        groups: report
            .index
            .iter()
            .flat_map(|x| x.groups.iter())
            .map(|g| GroupView {
                name: format!(
                    "{}. {}",
                    g.number,
                    if lang_en { &g.name_en } else { &g.name_vi }
                ),
                points: points(g.points),
                max: points(g.max),
                indicators: report
                    .indicators
                    .iter()
                    .filter(|s| s.group == g.number)
                    .map(|s| indicator_view(s, lang_en))
                    .collect(),
            })
            .collect(),
        band: report
            .index
            .as_ref()
            .map(|x| {
                let band = x.band.as_ref().map_or("", |b| {
                    crate::i18n::pick(&b.name_vi, &b.name_en)
                });
                crate::i18n::t("Tổng điểm {} / 100, xếp loại {}")
                    .replacen("{}", &points(x.total), 1)
                    .replacen("{}", band, 1)
            })
            .unwrap_or_else(|| {
                crate::i18n::t("Kỳ báo cáo trước khi Quyết định 766/QĐ-TTg có hiệu lực").to_owned()
            }),
        method: report
            .index
            .as_ref()
            .map(|x| {
                crate::i18n::t1(
                    "Phương pháp áp dụng từ {}; chỉ số chưa có dữ liệu không được điểm.",
                    x.valid_from.format("%d/%m/%Y"),
                )
            })
            .unwrap_or_default(),
        averages: report
            .average_times
            .iter()
            .map(|a| AverageView {
                by: if a.by == "unit" { "Đơn vị" } else { "Thủ tục" },
                label: a.label.clone(),
                dossiers: a.dossiers,
                days: points(a.days),
            })
            .collect(),
        score: crate::i18n::t1(
            "{} điểm trên các chỉ số tính được",
            format!("{} / {}", points(computed), points(computable)),
        ),
        chart: motcua_render::chart::bars(
            crate::i18n::t("Hồ sơ tiếp nhận và giải quyết quá hạn theo tháng"),
            &[crate::i18n::t("Tiếp nhận"), crate::i18n::t("Quá hạn")],
            &groups,
        ),
        period_text: crate::i18n::t(
            "Tháng {} đến hết tháng {}; đang giải quyết tính đến cuối kỳ hoặc hiện tại. Bấm vào một số để xem các hồ sơ.",
        )
        .replacen("{}", &ym(report.period.from), 1)
        .replacen("{}", &ym(report.period.to), 1),
        query,
    };
    page.render()
        .map(|h| Html(h).into_response())
        .map_err(|e| ApiError::internal(format!("template: {e}")).into())
}

fn indicator_view(s: &motcua_domain::indicators::Score, lang_en: bool) -> IndicatorView {
    IndicatorView {
        code: s.code.clone(),
        name: if lang_en {
            s.name_en.clone()
        } else {
            s.name_vi.clone()
        },
        max: points(s.max),
        points: match (s.points, s.average) {
            (Some(p), _) => points(p),
            (None, Some(a)) => crate::i18n::t1("{} ngày", points(a)),
            _ => "–".into(),
        },
        fraction: match (s.numerator, s.denominator) {
            (Some(n), Some(d)) => format!("{n} / {d}"),
            _ => String::new(),
        },
        cohort: s
            .cohort
            .as_deref()
            .map(|c| {
                let (vi, en) = motcua_domain::indicators::cohort_label(c);
                crate::i18n::pick(vi, en).to_owned()
            })
            .unwrap_or_default(),
        note: match (&s.no_data, s.points, s.average) {
            (Some(r), _, _) => format!(
                "{} {}",
                crate::i18n::t("Không có dữ liệu:"),
                crate::i18n::pick(&r.vi, &r.en)
            ),
            (None, None, None) => crate::i18n::t("Không có hồ sơ để tính").to_owned(),
            (None, None, Some(_)) => crate::i18n::t("Không tính điểm").to_owned(),
            _ => String::new(),
        },
    }
}

fn error_page(who: String, units: Vec<(String, String)>, q: &Query, e: ApiError) -> Response {
    let page = ReportPage {
        who,
        error: crate::i18n::pick(&e.vi, &e.en).to_owned(),
        units,
        unit: nonempty(&q.don_vi).unwrap_or_default(),
        unit_name: String::new(),
        from: nonempty(&q.tu).unwrap_or_default(),
        to: nonempty(&q.den).unwrap_or_default(),
        by: nonempty(&q.theo).unwrap_or_else(|| "unit".into()),
        by_label: "Đơn vị",
        procedure: nonempty(&q.thu_tuc).unwrap_or_default(),
        field: nonempty(&q.linh_vuc).unwrap_or_default(),
        headers: vec![],
        counter_headers: vec![],
        rows: vec![],
        total: RowView {
            key: String::new(),
            label: String::new(),
            cells: vec![],
            share: String::new(),
            counter: vec![],
        },
        agencies: vec![],
        crossing: vec![],
        resolved_view: (0, 0),
        groups: vec![],
        score: String::new(),
        band: String::new(),
        method: String::new(),
        averages: vec![],
        chart: String::new(),
        query: String::new(),
        period_text: String::new(),
    };
    match page.render() {
        Ok(h) => (e.status, Html(h)).into_response(),
        Err(_) => e.into_response(),
    }
}

/// GET /can-bo/bao-cao/tai-ve: the report as XLSX or CSV.
pub async fn export(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<Query>,
) -> Result<Response, PageError> {
    Ok(report_file(app, staff, q, "xlsx").await?)
}

struct DossierRow {
    id: i64,
    code: String,
    procedure: String,
    unit: String,
    received: String,
    due: String,
    finished: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "reports/drill.html")]
struct DrillPage {
    who: String,
    title: String,
    period: String,
    back: String,
    count: i64,
    items: Vec<DossierRow>,
    next: String,
}

/// GET /can-bo/bao-cao/ho-so: the dossiers behind one cell of a report.
pub async fn drill(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<Query>,
) -> Result<Html<String>, PageError> {
    let now = Utc::now();
    let req = request(&q, &staff, now)?;
    let column = nonempty(&q.cot).unwrap_or_default();
    if !DRILLABLE.contains(&column.as_str()) {
        return Err(ApiError::invalid(
            "cot",
            "cột không có danh sách hồ sơ",
            "no dossier list for this column",
        )
        .into());
    }
    let row = nonempty(&q.hang);
    let after = match nonempty(&q.sau) {
        Some(s) => Some(
            s.split_once('.')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                .ok_or_else(|| {
                    ApiError::invalid("sau", "con trỏ trang không hợp lệ", "invalid page cursor")
                })?,
        ),
        None => None,
    };
    let who = staff.full_name.clone();
    let (app2, req2) = (app.clone(), req.clone());
    let (column2, row2) = (column.clone(), row.clone());
    let (count, items, units, names) = read_tx(&app, move |tx| {
        let (column, row) = (column2, row2);
        let chain = org::chain(tx, &req2.unit)?;
        if !can(&staff.grants, Action::Inspect, &chain) {
            return Err(ApiError::forbidden());
        }
        let catalogue = app2.catalogue(tx)?;
        let subtree = org::subtree(tx, &req2.unit)?;
        // The row narrows the scope: a unit, a field's procedures, or a procedure.
        let mut units = subtree.clone();
        let mut procedures: Option<Vec<String>> = match (&req2.procedure, &req2.field) {
            (Some(p), _) => Some(vec![p.clone()]),
            (None, Some(f)) => Some(
                catalogue
                    .all_versions()
                    .filter(|p| &p.spec.field == f)
                    .map(|p| p.spec.code.clone())
                    .collect(),
            ),
            _ => None,
        };
        if let Some(key) = &row {
            match req2.by {
                motcua_domain::stats::By::Unit => {
                    if !subtree.contains(key) {
                        return Err(ApiError::forbidden());
                    }
                    units = vec![key.clone()];
                }
                motcua_domain::stats::By::Field => {
                    let codes: Vec<String> = catalogue
                        .all_versions()
                        .filter(|p| &p.spec.field == key)
                        .map(|p| p.spec.code.clone())
                        .filter(|c| procedures.as_ref().is_none_or(|ps| ps.contains(c)))
                        .collect();
                    procedures = Some(codes);
                }
                motcua_domain::stats::By::Procedure => {
                    if procedures.as_ref().is_some_and(|ps| !ps.contains(key)) {
                        procedures = Some(vec![]);
                    } else {
                        procedures = Some(vec![key.clone()]);
                    }
                }
            }
        }
        let mut filter = Filter {
            units: Some(units),
            by_receiving_unit: true,
            procedures,
            cell: Some(Cell {
                column: column.clone(),
                period: req2.period,
                now,
            }),
            limit: 50,
            ..Filter::default()
        };
        let count = dossiers::count(tx, &filter)?;
        filter.after = after;
        let items = dossiers::list(tx, &filter)?;
        let names: Vec<(String, String)> = catalogue
            .all_versions()
            .map(|p| (p.spec.code.clone(), p.spec.name.clone()))
            .collect();
        Ok((count, items, org::units(tx)?, names))
    })
    .await?;
    let header = COLUMNS.iter().find(|c| c.0 == column).map_or("", |c| c.1);
    let unit_name = |c: &str| {
        units
            .iter()
            .find(|u| u.code == c)
            .map_or(c.to_owned(), |u| u.name.clone())
    };
    let day = |t: Option<motcua_domain::dossier::Instant>| {
        t.map(|t| to_local(t).format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    let next = if items.len() == 50 {
        items.last().map(|s| {
            let (a, b) = dossiers::cursor_of(s);
            format!("{a}.{b}")
        })
    } else {
        None
    };
    let back = format!(
        "/can-bo/bao-cao?don_vi={}&tu={}&den={}&theo={}&thu_tuc={}&linh_vuc={}",
        percent(&req.unit),
        ym(req.period.from),
        ym(req.period.to),
        req.by.as_str(),
        percent(req.procedure.as_deref().unwrap_or("")),
        percent(req.field.as_deref().unwrap_or(""))
    );
    let page = DrillPage {
        who,
        title: format!(
            "{} · {}",
            crate::i18n::t(header),
            row.as_deref().map_or_else(
                || unit_name(&req.unit),
                |r| {
                    if req.by == motcua_domain::stats::By::Unit {
                        unit_name(r)
                    } else {
                        r.to_owned()
                    }
                }
            )
        ),
        period: format!("{} – {}", ym(req.period.from), ym(req.period.to)),
        next: next
            .map(|n| {
                format!(
                    "/can-bo/bao-cao/ho-so?{}&cot={column}&hang={}&sau={n}",
                    &back["/can-bo/bao-cao?".len()..],
                    percent(row.as_deref().unwrap_or(""))
                )
            })
            .unwrap_or_default(),
        back,
        count,
        items: items
            .iter()
            .map(|s| DossierRow {
                id: s.id,
                code: motcua_domain::dossier::shown_code(s.code.as_deref(), s.id),
                procedure: names
                    .iter()
                    .find(|(c, _)| *c == s.procedure_code)
                    .map_or(s.procedure_code.clone(), |(_, n)| n.clone()),
                unit: unit_name(&s.unit),
                received: day(s.received_at),
                due: day(s.due_at),
                finished: day(s.finished_at),
                status: s.status.label_vi(),
            })
            .collect(),
    };
    page.render()
        .map(Html)
        .map_err(|e| ApiError::internal(format!("template: {e}")).into())
}
