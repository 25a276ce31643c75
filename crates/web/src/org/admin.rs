//! Unit administration for unit administrators: the one-stop desk's founding decision and its
//! members, the unit's staff and roles, and confirmations of what is posted at the desk.

use crate::http::FormOf;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::catalogue::Posting;
use motcua_domain::dossier::to_local;
use motcua_domain::org::{Decision, DeskMember, Grant, Role, Staff};
use motcua_domain::text::clean;
use motcua_store::{org, procedures};
use serde::Deserialize;

use crate::app::{AppState, blocking};
use crate::auth::StaffPage;
use crate::http::ApiError;
use crate::http::PageError;
use crate::http::Params;
use crate::i18n::filters;

struct DeskView {
    id: i64,
    name: String,
    decision: String,
    members: Vec<String>,
}

struct MemberRow {
    id: i64,
    username: String,
    full_name: String,
    title: String,
    active: bool,
    roles: Vec<(&'static str, &'static str)>,
    is_me: bool,
}

struct PostingRow {
    code: String,
    name: String,
    version: i64,
    posted: String,
    up_to_date: bool,
}

#[derive(Template)]
#[template(path = "org/admin.html")]
struct AdminPage {
    who: String,
    unit: String,
    unit_name: String,
    notice: String,
    error: String,
    desks: Vec<DeskView>,
    staff: Vec<(i64, String)>,
    members: Vec<MemberRow>,
    roles: Vec<(&'static str, &'static str)>,
    postings: Vec<PostingRow>,
    /// The caller administers the system somewhere: a link to the units page.
    system: bool,
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
    let me = staff.id;
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
                    .map(|s| MemberRow {
                        id: s.id,
                        username: s.username.clone(),
                        full_name: s.full_name.clone(),
                        title: s.title.clone(),
                        active: s.active,
                        roles: s
                            .grants
                            .iter()
                            .filter(|g| g.unit == unit)
                            .map(|g| (g.role.as_str(), g.role.label_vi()))
                            .collect(),
                        is_me: s.id == me,
                    })
                    .collect(),
                roles: GRANTABLE
                    .iter()
                    .map(|r| (r.as_str(), r.label_vi()))
                    .collect(),
                postings,
                system: staff
                    .grants
                    .iter()
                    .any(|g| motcua_domain::authz::allows(g.role, Action::AdministerSystem)),
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
        f.ok.map(|_| crate::i18n::t("Đã ghi nhận").to_owned())
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
    let (staff2, unit2) = (staff.clone(), unit.clone());
    // One transaction: a refusal, even after a first write, leaves nothing behind.
    let done = crate::app::write_tx(&app, move |tx| {
        if !administers(tx, &staff2, &unit2)? {
            return Err(ApiError::forbidden());
        }
        f(tx)
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
                crate::i18n::pick(&e.vi, &e.en).to_owned(),
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
    FormOf(f): FormOf<DecisionForm>,
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
        let decision = Decision::checked(&number, date, &signer, today)
            .map_err(|(field, m)| ApiError::invalid(field, m.vi, m.en))?;
        desk_of(tx, &u, f.desk)?;
        Ok(org::set_desk_decision(tx, f.desk, &decision)?)
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
    FormOf(f): FormOf<MemberForm>,
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
    FormOf(f): FormOf<PostingForm>,
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

/// The roles a unit administrator may give within a unit it administers. Inspectors and system
/// administrators are appointed by the operator (`motcua user add`), not from a unit's page.
pub const GRANTABLE: [Role; 4] = [
    Role::ReceptionOfficer,
    Role::Specialist,
    Role::UnitLeader,
    Role::UnitAdmin,
];

fn grantable(role: &str) -> Result<Role, ApiError> {
    Role::parse(role)
        .filter(|r| GRANTABLE.contains(r))
        .ok_or_else(|| {
            ApiError::invalid(
                "role",
                "vai trò không hợp lệ ở cấp đơn vị",
                "not a role a unit may give",
            )
        })
}

/// A member of staff the caller may manage: every unit it holds a role in is administered by the
/// caller, and it is not the caller.
fn manageable(
    tx: &mut dyn motcua_store::Tx,
    caller: &Staff,
    staff_id: i64,
) -> Result<Staff, ApiError> {
    if staff_id == caller.id {
        return Err(ApiError::invalid(
            "staff",
            "không tự thay đổi tài khoản của mình",
            "you cannot change your own account",
        ));
    }
    let other = org::get_staff(tx, staff_id)?;
    for g in &other.grants {
        if !administers(tx, caller, &g.unit)? {
            return Err(ApiError::forbidden());
        }
    }
    Ok(other)
}

#[derive(Deserialize)]
pub struct NewStaffForm {
    username: String,
    full_name: String,
    title: String,
    password: String,
    role: String,
}

pub async fn add_staff(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(unit): Path<String>,
    FormOf(f): FormOf<NewStaffForm>,
) -> Response {
    let username = f.username.trim().to_owned();
    let (full_name, title) = (clean(&f.full_name), clean(&f.title));
    let checked = (|| {
        motcua_domain::org::check_username(&username)
            .map_err(|m| ApiError::invalid("username", m.vi, m.en))?;
        if full_name.is_empty() || full_name.chars().count() > 100 || title.chars().count() > 100 {
            return Err(ApiError::invalid(
                "full_name",
                "cần họ tên (tối đa 100 ký tự); chức danh tối đa 100 ký tự",
                "a full name (at most 100 characters) is needed; the title is at most 100",
            ));
        }
        motcua_domain::org::check_password(&f.password)
            .map_err(|m| ApiError::invalid("password", m.vi, m.en))?;
        let role = grantable(&f.role)?;
        let hash = crate::auth::hash_password(&f.password).map_err(ApiError::internal)?;
        Ok((role, hash))
    })();
    let u = unit.clone();
    write(app, staff, unit, move |tx| {
        let (role, hash) = checked?;
        org::add_staff(
            tx,
            &org::NewStaff {
                username: &username,
                full_name: &full_name,
                title: &title,
                password_hash: &hash,
                grants: &[Grant { role, unit: u }],
            },
        )?;
        Ok(())
    })
    .await
}

#[derive(Deserialize)]
pub struct RoleForm {
    staff: i64,
    role: String,
    /// `them` (give) or `bo` (take away).
    op: String,
}

pub async fn role(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(unit): Path<String>,
    FormOf(f): FormOf<RoleForm>,
) -> Response {
    let caller = staff.clone();
    let u = unit.clone();
    write(app, staff, unit, move |tx| {
        let role = grantable(&f.role)?;
        let other = manageable(tx, &caller, f.staff)?;
        if !other.grants.iter().any(|g| g.unit == u) {
            return Err(ApiError::invalid(
                "staff",
                "cán bộ không thuộc đơn vị này",
                "this member of staff does not belong to the unit",
            ));
        }
        let g = Grant { role, unit: u };
        match f.op.as_str() {
            "them" => Ok(org::grant(tx, other.id, &g)?),
            "bo" => {
                if other.grants.len() == 1 {
                    return Err(ApiError::invalid(
                        "role",
                        "đây là vai trò cuối cùng; hãy khóa tài khoản thay vì bỏ vai trò",
                        "this is the last role; lock the account instead",
                    ));
                }
                Ok(org::revoke(tx, other.id, &g)?)
            }
            _ => Err(ApiError::invalid(
                "op",
                "thao tác không hợp lệ",
                "unknown operation",
            )),
        }
    })
    .await
}

#[derive(Deserialize)]
pub struct LockForm {
    staff: i64,
    active: bool,
}

pub async fn lock(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(unit): Path<String>,
    FormOf(f): FormOf<LockForm>,
) -> Response {
    let caller = staff.clone();
    write(app, staff, unit, move |tx| {
        let other = manageable(tx, &caller, f.staff)?;
        Ok(org::set_active(tx, other.id, f.active)?)
    })
    .await
}

#[derive(Deserialize)]
pub struct ResetForm {
    staff: i64,
}

/// POST /can-bo/quan-tri/{unit}/mat-khau: a new one-time password for a member, shown once here;
/// the member's sessions end and the next sign-in must change it.
pub async fn reset_password(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(unit): Path<String>,
    FormOf(f): FormOf<ResetForm>,
) -> Response {
    let (caller, unit2) = (staff.clone(), unit.clone());
    let done = crate::app::write_tx(&app, move |tx| {
        if !administers(tx, &caller, &unit2)? {
            return Err(ApiError::forbidden());
        }
        let other = manageable(tx, &caller, f.staff)?;
        let otp = motcua_store::office::reset_password(tx, other.id)?;
        Ok((other.full_name, otp))
    })
    .await;
    let (notice, error, status) = match done {
        Ok((name, otp)) => (
            crate::i18n::t1(
                "Mật khẩu dùng một lần mới (chỉ hiện lần này, người dùng phải đổi khi đăng nhập): {}",
                format!("{name}: {otp}"),
            ),
            String::new(),
            axum::http::StatusCode::OK,
        ),
        Err(e) => (
            String::new(),
            crate::i18n::pick(&e.vi, &e.en).to_owned(),
            e.status,
        ),
    };
    match render(app, staff, unit, notice, error).await {
        Ok(p) => (status, p).into_response(),
        Err(e) => e.into_response(),
    }
}
