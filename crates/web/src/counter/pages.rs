//! The counter's walk-in pages: record guidance (form 02) or a refusal (form 03) without a
//! dossier, the list of the desks' walk-ins, and each one's printable form.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{TimeDelta, Utc};
use motcua_domain::dossier::to_local;
use motcua_domain::org::Staff;
use motcua_domain::walk_in::WalkInKind;
use motcua_store::{org, procedures};
use serde::Deserialize;

use crate::app::{AppState, read_tx, write_tx};
use crate::auth::{StaffPage, who};
use crate::counter::service::{self, WalkInBody};
use crate::http::form::FormValues;
use crate::http::format::{long_time, when};
use crate::http::page::render as html;
use crate::http::{ApiError, PageError, Params};
use crate::i18n::filters;

struct Row {
    id: i64,
    at: String,
    kind: &'static str,
    form: String,
    procedure: String,
    applicant: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "counter/walk_ins.html")]
struct WalkInsPage {
    who: String,
    error: String,
    procedures: Vec<(String, String)>,
    units: Vec<(String, String)>,
    values: Values,
    from: String,
    to: String,
    rows: Vec<Row>,
}

/// What the officer typed, kept when the form comes back with an error.
#[derive(Default)]
struct Values {
    unit: String,
    procedure: String,
    kind: String,
    name: String,
    phone: String,
    items: String,
    reason: String,
}

#[derive(Deserialize)]
pub struct ListQuery {
    tu: Option<String>,
    den: Option<String>,
}

async fn walk_ins_page(
    app: AppState,
    staff: Staff,
    q: ListQuery,
    values: Values,
    error: String,
) -> Result<Html<String>, PageError> {
    let today = to_local(Utc::now()).date();
    let from = service::date_or("tu", q.tu.as_deref(), today - TimeDelta::days(30))?;
    let to = service::date_or("den", q.den.as_deref(), today)?;
    let who = who(&staff);
    let (procs, units, records) = read_tx(&app, move |tx| {
        let cat = procedures::catalogue(tx)?;
        let mut procs: Vec<(String, String)> = cat
            .all_in_force(today)
            .map(|p| (p.spec.code.clone(), p.spec.name.clone()))
            .collect();
        procs.sort_by_key(|p| motcua_domain::text::fold_vi(&p.1));
        let desk = service::desk_units(tx, &staff)?;
        let units: Vec<(String, String)> = org::units(tx)?
            .into_iter()
            .filter(|u| desk.contains(&u.code) && u.is_valid_on(today))
            .map(|u| (u.code, u.name))
            .collect();
        let records = service::list(tx, &staff, None, from, to)?;
        Ok((procs, units, records))
    })
    .await?;
    html(&WalkInsPage {
        who,
        error,
        procedures: procs,
        units,
        values,
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        rows: records
            .into_iter()
            .rev()
            .map(|r| Row {
                id: r.id,
                at: when(Some(r.walk_in.at)),
                kind: r.walk_in.kind.label_vi(),
                form: r.form.unwrap_or_default().to_owned(),
                procedure: r.walk_in.procedure_name.clone(),
                applicant: r.walk_in.applicant_name.clone(),
                reason: if r.walk_in.reason.is_empty() {
                    r.walk_in.items.join("; ")
                } else {
                    r.walk_in.reason.clone()
                },
            })
            .collect(),
    })
}

/// GET /can-bo/tiep-dan: the form to record a walk-in and the desks' walk-ins of a period.
pub async fn walk_ins(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<ListQuery>,
) -> Result<Html<String>, PageError> {
    let values = Values {
        kind: "guidance".into(),
        ..Values::default()
    };
    walk_ins_page(app, staff, q, values, String::new()).await
}

/// POST /can-bo/tiep-dan: records the walk-in, then its printable form; or the page again with the
/// reason it was refused.
pub async fn record(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormValues(&fields);
    let values = Values {
        unit: form.value("unit"),
        procedure: form.value("procedure_code"),
        kind: form.value("kind"),
        name: form.value("applicant_name"),
        phone: form.value("applicant_phone"),
        items: form.value("items"),
        reason: form.value("reason"),
    };
    let body = WalkInKind::parse(&values.kind)
        .ok_or_else(|| {
            ApiError::invalid(
                "kind",
                "chọn hướng dẫn (mẫu 02) hoặc từ chối (mẫu 03)",
                "choose guidance (form 02) or refusal (form 03)",
            )
        })
        .map(|kind| WalkInBody {
            unit: values.unit.clone(),
            procedure_code: values.procedure.clone(),
            kind,
            applicant_name: values.name.clone(),
            applicant_phone: Some(values.phone.clone()).filter(|p| !p.is_empty()),
            items: values
                .items
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            reason: values.reason.clone(),
        });
    let staff2 = staff.clone();
    let done = match body {
        Ok(body) => write_tx(&app, move |tx| service::record(tx, &staff2, body)).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(r) => Redirect::to(&format!("/can-bo/tiep-dan/{}", r.id)).into_response(),
        Err(e) => {
            let status = e.status;
            let message = crate::i18n::pick(&e.vi, &e.en).to_owned();
            let q = ListQuery {
                tu: None,
                den: None,
            };
            match walk_ins_page(app, staff, q, values, message).await {
                Ok(page) => (status, page).into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "counter/form.html")]
struct PrintPage {
    head: crate::http::page::PrintHead,
    number: String,
    title: &'static str,
    applicant: String,
    phone: String,
    procedure: String,
    at: String,
    items_label: &'static str,
    items: Vec<String>,
    reason_label: &'static str,
    reason: String,
    legal_basis: String,
    signer: &'static str,
}

/// GET /can-bo/tiep-dan/{id}: the walk-in's form 02 or 03, to print.
pub async fn print(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let (r, (unit_name, level)) = read_tx(&app, move |tx| {
        let r = service::get(tx, &staff, id)?;
        let unit = org::get_unit(tx, &r.walk_in.unit)?;
        Ok((r, (unit.name, unit.level)))
    })
    .await?;
    let w = &r.walk_in;
    let basis = motcua_domain::rules::basis(&w.basis)
        .unwrap_or_else(|| motcua_domain::rules::basis_on(to_local(w.at).date()));
    let guidance = w.kind == WalkInKind::Guidance;
    html(&PrintPage {
        head: crate::http::page::PrintHead::desk(
            &unit_name,
            level,
            &crate::documents::service::place_of(&unit_name),
            to_local(w.at).date(),
        ),
        number: r.form.unwrap_or_default().to_owned(),
        // The forms' own titles (Circulars 01/2018 and 03/2025): form 02 is the request to
        // supplement and complete the papers, given here without a dossier.
        title: if guidance {
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
        } else {
            "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"
        },
        applicant: w.applicant_name.clone(),
        phone: w.applicant_phone.clone().unwrap_or_default(),
        procedure: w.procedure_name.clone(),
        at: long_time(Some(w.at)),
        items_label: if guidance {
            "Đề nghị ông/bà bổ sung, hoàn thiện những nội dung sau"
        } else {
            "Những nội dung chưa đáp ứng"
        },
        items: w.items.clone(),
        reason_label: if guidance {
            "Ghi chú"
        } else {
            "Lý do từ chối"
        },
        reason: w.reason.clone(),
        legal_basis: basis.documents.join("; "),
        signer: "NGƯỜI TIẾP NHẬN HỒ SƠ",
    })
}
