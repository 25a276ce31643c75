//! Unit administration for unit administrators: the one-stop desk's founding decision and its
//! members, the unit's staff and roles, and confirmations of what is posted at the desk.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::catalogue::Posting;
use motcua_domain::dossier::to_local;
use motcua_domain::org::{Decision, DeskMember, Staff};
use motcua_domain::text::clean;
use motcua_store::{org, procedures};
use serde::Deserialize;

use crate::api::Params;
use crate::pages::PageError;
use crate::staff::StaffPage;
use crate::{ApiError, AppState, blocking};

struct DeskView {
    id: i64,
    name: String,
    decision: String,
    members: Vec<String>,
}

struct PostingRow {
    code: String,
    name: String,
    version: i64,
    posted: String,
    up_to_date: bool,
}

#[derive(Template)]
#[template(path = "staff/admin.html")]
struct AdminPage {
    who: String,
    unit: String,
    unit_name: String,
    notice: String,
    error: String,
    desks: Vec<DeskView>,
    staff: Vec<(i64, String)>,
    members: Vec<(String, String, String)>,
    postings: Vec<PostingRow>,
}

/// The first unit the caller administers, for /can-bo/quan-tri.
pub async fn index(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
) -> Result<Response, PageError> {
    let unit = staff
        .grants
        .iter()
        .find(|g| motcua_domain::authz::allows(g.role, Action::AdministerUnit))
        .map(|g| g.unit.clone())
        .ok_or_else(ApiError::forbidden)?;
    let _ = app;
    Ok(Redirect::to(&format!("/can-bo/quan-tri/{unit}")).into_response())
}

fn administers(
    tx: &mut dyn motcua_store::Tx,
    staff: &Staff,
    unit: &str,
) -> Result<bool, motcua_store::StoreError> {
    Ok(can(
        &staff.grants,
        Action::AdministerUnit,
        &org::chain(tx, unit)?,
    ))
}

#[derive(Deserialize)]
pub struct Flash {
    ok: Option<String>,
}

async fn render(
    app: AppState,
    staff: Staff,
    unit: String,
    notice: String,
    error: String,
) -> Result<Html<String>, PageError> {
    let today = to_local(Utc::now()).date();
    let who = staff.full_name.clone();
    let page = blocking(move || {
        let view = app.store.read(|tx| {
            if !administers(tx, &staff, &unit)? {
                return Ok(None);
            }
            let u = org::get_unit(tx, &unit)?;
            let everyone = org::list_staff(tx)?;
            let of_unit: Vec<&Staff> = everyone
                .iter()
                .filter(|s| s.grants.iter().any(|g| g.unit == unit))
                .collect();
            let desks = org::desks(tx)?
                .into_iter()
                .filter(|d| d.unit == unit)
                .map(|d| DeskView {
                    id: d.id,
                    name: d.name.clone(),
                    decision: d
                        .founding_decision
                        .as_ref()
                        .map(|x| {
                            format!(
                                "{} ngày {} ({})",
                                x.number,
                                x.date.format("%d/%m/%Y"),
                                x.signer
                            )
                        })
                        .unwrap_or_default(),
                    members: d
                        .members
                        .iter()
                        .map(|m| {
                            let name = everyone
                                .iter()
                                .find(|s| s.id == m.staff_id)
                                .map_or(String::new(), |s| s.full_name.clone());
                            format!(
                                "{name}: {} (từ {})",
                                m.duty,
                                m.assigned_on.format("%d/%m/%Y")
                            )
                        })
                        .collect(),
                })
                .collect();
            let cat = procedures::catalogue(tx)?;
            let posted = procedures::postings(tx, Some(&unit))?;
            let postings = cat
                .required_at(&u, today)
                .into_iter()
                .map(|p| {
                    let last = posted
                        .iter()
                        .filter(|x| x.code == p.spec.code)
                        .max_by_key(|x| (x.posted_on, x.version));
                    PostingRow {
                        code: p.spec.code.clone(),
                        name: p.spec.name.clone(),
                        version: p.version,
                        posted: last
                            .map(|x| {
                                format!(
                                    "phiên bản {} ngày {}",
                                    x.version,
                                    x.posted_on.format("%d/%m/%Y")
                                )
                            })
                            .unwrap_or_default(),
                        up_to_date: last.is_some_and(|x| x.version >= p.version),
                    }
                })
                .collect();
            Ok(Some(AdminPage {
                who,
                unit_name: u.name.clone(),
                notice,
                error,
                desks,
                staff: of_unit
                    .iter()
                    .map(|s| (s.id, format!("{} ({})", s.full_name, s.username)))
                    .collect(),
                members: of_unit
                    .iter()
                    .map(|s| {
                        let roles: Vec<&str> = s
                            .grants
                            .iter()
                            .filter(|g| g.unit == unit)
                            .map(|g| g.role.label_vi())
                            .collect();
                        (s.username.clone(), s.full_name.clone(), roles.join(", "))
                    })
                    .collect(),
                postings,
                unit,
            }))
        })?;
        view.ok_or_else(ApiError::forbidden)
    })
    .await?;
    page.render()
        .map(Html)
        .map_err(|e| PageError::from(ApiError::internal(format!("template: {e}"))))
}

pub async fn page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(unit): Path<String>,
    Params(f): Params<Flash>,
) -> Result<Html<String>, PageError> {
    let notice =
        f.ok.map(|_| "Đã ghi nhận / recorded".to_owned())
            .unwrap_or_default();
    render(app, staff, unit, notice, String::new()).await
}

/// Runs an administrative write for `unit`, then back to the page (or the page with the error).
async fn write(
    app: AppState,
    staff: Staff,
    unit: String,
    f: impl FnOnce(&mut dyn motcua_store::Tx) -> Result<(), ApiError> + Send + 'static,
) -> Response {
    let (app2, staff2, unit2) = (app.clone(), staff.clone(), unit.clone());
    let done = blocking(move || {
        let mut failure = None;
        app2.store.write(|tx| {
            if !administers(tx, &staff2, &unit2)? {
                failure = Some(ApiError::forbidden());
                return Ok(());
            }
            if let Err(e) = f(tx) {
                failure = Some(e);
            }
            Ok(())
        })?;
        failure.map_or(Ok(()), Err)
    })
    .await;
    match done {
        Ok(()) => Redirect::to(&format!("/can-bo/quan-tri/{unit}?ok=1")).into_response(),
        Err(e) => {
            let status = e.status;
            match render(
                app,
                staff,
                unit,
                String::new(),
                format!("{} / {}", e.vi, e.en),
            )
            .await
            {
                Ok(p) => (status, p).into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

fn desk_of(tx: &mut dyn motcua_store::Tx, unit: &str, desk: i64) -> Result<(), ApiError> {
    if org::desks(tx)?
        .iter()
        .any(|d| d.id == desk && d.unit == unit)
    {
        Ok(())
    } else {
        Err(ApiError::not_found(
            "Không có bộ phận một cửa này",
            "No such desk",
        ))
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    desk: i64,
    number: String,
    date: String,
    signer: String,
}

pub async fn decision(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(unit): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Response {
    let (number, signer) = (clean(&f.number), clean(&f.signer));
    let date = NaiveDate::parse_from_str(&f.date, "%Y-%m-%d");
    let today = to_local(Utc::now()).date();
    let u = unit.clone();
    write(app, staff, unit, move |tx| {
        let date = date.map_err(|_| {
            ApiError::invalid(
                "date",
                "ngày ký cần dạng ngày hợp lệ",
                "the date is invalid",
            )
        })?;
        if number.is_empty()
            || number.chars().count() > 50
            || signer.is_empty()
            || signer.chars().count() > 200
        {
            return Err(ApiError::invalid(
                "number",
                "cần số quyết định (tối đa 50 ký tự) và người ký",
                "a number (at most 50 characters) and a signer are needed",
            ));
        }
        if date > today {
            return Err(ApiError::invalid(
                "date",
                "ngày ký không được ở tương lai",
                "the date cannot be in the future",
            ));
        }
        desk_of(tx, &u, f.desk)?;
        Ok(org::set_desk_decision(
            tx,
            f.desk,
            &Decision {
                number,
                date,
                signer,
            },
        )?)
    })
    .await
}

#[derive(Deserialize)]
pub struct MemberForm {
    desk: i64,
    staff: i64,
    duty: String,
}

pub async fn member(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(unit): Path<String>,
    Form(f): Form<MemberForm>,
) -> Response {
    let duty = clean(&f.duty);
    let today = to_local(Utc::now()).date();
    let u = unit.clone();
    write(app, staff, unit, move |tx| {
        if duty.is_empty() || duty.chars().count() > 200 {
            return Err(ApiError::invalid(
                "duty",
                "nhiệm vụ từ 1 đến 200 ký tự",
                "the duty must be 1 to 200 characters",
            ));
        }
        desk_of(tx, &u, f.desk)?;
        let member = org::get_staff(tx, f.staff)?;
        if !member.grants.iter().any(|g| g.unit == u) {
            return Err(ApiError::invalid(
                "staff",
                "cán bộ không thuộc đơn vị này",
                "this member of staff does not belong to the unit",
            ));
        }
        Ok(org::assign_member(
            tx,
            f.desk,
            &DeskMember {
                staff_id: f.staff,
                assigned_on: today,
                duty,
            },
        )?)
    })
    .await
}

#[derive(Deserialize)]
pub struct PostingForm {
    code: String,
    version: i64,
}

pub async fn posting(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(unit): Path<String>,
    Form(f): Form<PostingForm>,
) -> Response {
    let today = to_local(Utc::now()).date();
    let by = format!("staff:{}", staff.id);
    let u = unit.clone();
    write(app, staff, unit, move |tx| {
        let posting = Posting {
            unit: u,
            code: f.code,
            version: f.version,
            posted_on: today,
        };
        Ok(procedures::record_posting(tx, &posting, &by, Utc::now())?)
    })
    .await
}
