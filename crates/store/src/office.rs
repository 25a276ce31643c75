//! Standing up an office: the first administrator, first sign-in with a one-time password, password
//! changes and resets, the organisation as data (imports, and one unit at a time from the
//! administrator's pages) with every change recorded, staff in bulk, and a desk's founding decision.

use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::org::{Decision, Grant, Role, Unit};
use motcua_domain::orgfile::{self, StaffRow, UnitChange, UnitChangeKind};

use crate::db::{Tx, Value};
use crate::{StoreError, millis, org, password};

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Db(e.to_string()))
}

fn count(tx: &mut dyn Tx, sql: &str) -> Result<i64, StoreError> {
    Ok(tx
        .query_one(sql, &[])?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0))
}

/// True when nothing has been put in the database yet: no unit, account, decision, calendar,
/// dossier or inspection.
pub fn holds_nothing(tx: &mut dyn Tx) -> Result<bool, StoreError> {
    let n = count(
        tx,
        "SELECT (SELECT COUNT(*) FROM units) + (SELECT COUNT(*) FROM staff) \
         + (SELECT COUNT(*) FROM announcements) + (SELECT COUNT(*) FROM calendar_imports) \
         + (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM inspections) \
         + (SELECT COUNT(*) FROM org_changes)",
    )?;
    Ok(n == 0)
}

const PENDING_ADMIN: &str = "pending_system_admin";

/// `motcua init`: the first account, a system administrator, in a database that holds nothing
/// (else an error and nothing changes). Until the organisation has a unit the account holds no
/// role; the first import that creates a unit at the top (no parent) makes it system administrator
/// there. With `must_change` the password is a one-time password to change at first sign-in.
pub fn init(
    tx: &mut dyn Tx,
    username: &str,
    password: &str,
    must_change: bool,
) -> Result<i64, StoreError> {
    if !holds_nothing(tx)? {
        return Err(StoreError::invalid(
            "cơ sở dữ liệu đã có dữ liệu; lệnh init chỉ dùng cho cơ sở dữ liệu trống",
            "the database already holds data; init only works on an empty database",
        ));
    }
    if !orgfile::valid_username(username) {
        return Err(StoreError::invalid(
            "tên đăng nhập chỉ gồm chữ, số, . _ - (tối đa 64)",
            "usernames are letters, digits, . _ - (at most 64)",
        ));
    }
    password::check_new(password)?;
    let hash = password::hash(password)?;
    let id = org::add_staff(
        tx,
        &org::NewStaff {
            username,
            full_name: "Quản trị hệ thống",
            title: "Quản trị hệ thống",
            password_hash: &hash,
            grants: &[],
        },
    )?;
    set_must_change_password(tx, id, must_change)?;
    tx.exec(
        "INSERT INTO settings (key, value) VALUES ($1, $2)",
        &[Value::from(PENDING_ADMIN), Value::Text(id.to_string())],
    )?;
    Ok(id)
}

/// What sign-in needs: the account, its hash, and whether it must change its password first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub staff_id: i64,
    pub password_hash: String,
    pub must_change_password: bool,
}

/// The sign-in record of an active account.
pub fn login(tx: &mut dyn Tx, username: &str) -> Result<Option<Login>, StoreError> {
    tx.query_one(
        "SELECT id, password_hash, must_change_password FROM staff WHERE username = $1 AND active = 1",
        &[Value::from(username)],
    )?
    .map(|r| {
        Ok(Login {
            staff_id: r.i64(0)?,
            password_hash: r.string(1)?,
            must_change_password: r.i64(2)? != 0,
        })
    })
    .transpose()
}

pub fn must_change_password(tx: &mut dyn Tx, staff_id: i64) -> Result<bool, StoreError> {
    tx.query_one(
        "SELECT must_change_password FROM staff WHERE id = $1",
        &[Value::Int(staff_id)],
    )?
    .map(|r| r.i64(0).map(|v| v != 0))
    .transpose()?
    .ok_or_else(|| StoreError::not_found(format!("cán bộ {staff_id}"), format!("staff {staff_id}")))
}

pub fn set_must_change_password(
    tx: &mut dyn Tx,
    staff_id: i64,
    must: bool,
) -> Result<(), StoreError> {
    let n = tx.exec(
        "UPDATE staff SET must_change_password = $1 WHERE id = $2",
        &[Value::from(must), Value::Int(staff_id)],
    )?;
    if n == 0 {
        return Err(StoreError::not_found(
            format!("cán bộ {staff_id}"),
            format!("staff {staff_id}"),
        ));
    }
    Ok(())
}

/// A member of staff changes their own password: the old one must match, the new one must be long
/// enough and different; the must-change flag is cleared. Other sessions stay (the web layer may
/// end them).
pub fn change_password(
    tx: &mut dyn Tx,
    staff_id: i64,
    old: &str,
    new: &str,
) -> Result<(), StoreError> {
    let hash = tx
        .query_one(
            "SELECT password_hash FROM staff WHERE id = $1 AND active = 1",
            &[Value::Int(staff_id)],
        )?
        .ok_or_else(|| {
            StoreError::not_found(format!("cán bộ {staff_id}"), format!("staff {staff_id}"))
        })?
        .string(0)?;
    if !password::verify_password(old, &hash) {
        return Err(StoreError::invalid(
            "mật khẩu hiện tại không đúng",
            "the current password is wrong",
        ));
    }
    if old == new {
        return Err(StoreError::invalid(
            "mật khẩu mới phải khác mật khẩu hiện tại",
            "the new password must differ from the current one",
        ));
    }
    password::check_new(new)?;
    tx.exec(
        "UPDATE staff SET password_hash = $1, must_change_password = 0 WHERE id = $2",
        &[Value::Text(password::hash(new)?), Value::Int(staff_id)],
    )?;
    Ok(())
}

/// Gives an account a new one-time password (returned, to hand over once), sets the must-change
/// flag and ends its sessions. Whether the caller may do this (a unit administrator over the
/// member's unit) is checked by the caller with `authz::can(.., AdministerUnit, chain)` for each
/// unit the member holds a role in.
pub fn reset_password(tx: &mut dyn Tx, staff_id: i64) -> Result<String, StoreError> {
    let otp = password::one_time_password();
    let n = tx.exec(
        "UPDATE staff SET password_hash = $1, must_change_password = 1 WHERE id = $2",
        &[Value::Text(password::hash(&otp)?), Value::Int(staff_id)],
    )?;
    if n == 0 {
        return Err(StoreError::not_found(
            format!("cán bộ {staff_id}"),
            format!("staff {staff_id}"),
        ));
    }
    tx.exec(
        "DELETE FROM sessions WHERE staff_id = $1",
        &[Value::Int(staff_id)],
    )?;
    Ok(otp)
}

/// Who changed the organisation, when, from where (a file's name, or "web").
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    pub actor: &'a str,
    pub source: &'a str,
    pub at: DateTime<Utc>,
}

/// What an organisation import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitsImported {
    pub created: usize,
    pub renamed: usize,
    pub closed: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Accounts made system administrator at a new top unit (the one `init` created).
    pub admins_granted: Vec<String>,
}

fn apply_unit_changes(
    tx: &mut dyn Tx,
    origin: &Origin,
    changes: &[UnitChange],
) -> Result<(), StoreError> {
    for c in changes {
        org::put_unit(tx, &c.after)?;
        tx.exec(
            "INSERT INTO org_changes (at, actor, source, code, change, before, after) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                Value::Int(millis(origin.at)),
                Value::from(origin.actor),
                Value::from(origin.source),
                Value::from(&c.after.code),
                Value::from(c.kind.as_str()),
                Value::from(c.before.as_ref().map(json).transpose()?),
                Value::Text(json(&c.after)?),
            ],
        )?;
    }
    Ok(())
}

/// Grants the administrator made by `init` the system administrator's role at the new top units.
fn grant_pending_admin(tx: &mut dyn Tx, changes: &[UnitChange]) -> Result<Vec<String>, StoreError> {
    let roots: Vec<&Unit> = changes
        .iter()
        .filter(|c| c.kind == UnitChangeKind::Created && c.after.parent.is_none())
        .map(|c| &c.after)
        .collect();
    if roots.is_empty() {
        return Ok(vec![]);
    }
    let Some(id) = tx
        .query_one(
            "SELECT value FROM settings WHERE key = $1",
            &[Value::from(PENDING_ADMIN)],
        )?
        .map(|r| r.string(0))
        .transpose()?
        .and_then(|v| v.parse::<i64>().ok())
    else {
        return Ok(vec![]);
    };
    let mut out = vec![];
    for u in roots {
        org::grant(
            tx,
            id,
            &Grant {
                role: Role::SystemAdmin,
                unit: u.code.clone(),
            },
        )?;
        out.push(u.code.clone());
    }
    tx.exec(
        "DELETE FROM settings WHERE key = $1",
        &[Value::from(PENDING_ADMIN)],
    )?;
    Ok(out)
}

/// Imports the units of an organisation file (already parsed): checked as a whole against what is
/// there, then every change written with its record. The same file twice changes nothing.
pub fn import_units(
    tx: &mut dyn Tx,
    origin: &Origin,
    rows: &[Unit],
) -> Result<UnitsImported, StoreError> {
    let existing = org::units(tx)?;
    let changes = orgfile::plan_units(&existing, rows)?;
    apply_unit_changes(tx, origin, &changes)?;
    let mut out = UnitsImported {
        unchanged: rows.len() - changes.len(),
        ..Default::default()
    };
    for c in &changes {
        match c.kind {
            UnitChangeKind::Created => out.created += 1,
            UnitChangeKind::Renamed => out.renamed += 1,
            UnitChangeKind::Closed => out.closed += 1,
            UnitChangeKind::Changed => out.changed += 1,
        }
    }
    out.admins_granted = grant_pending_admin(tx, &changes)?;
    Ok(out)
}

fn one_change(tx: &mut dyn Tx, origin: &Origin, after: Unit) -> Result<(), StoreError> {
    let existing = org::units(tx)?;
    // One unit from a page, not a file: the refusal names no row.
    let changes =
        orgfile::plan_units(&existing, &[after]).map_err(|e| orgfile::FileError { row: 0, ..e })?;
    apply_unit_changes(tx, origin, &changes)?;
    grant_pending_admin(tx, &changes)?;
    Ok(())
}

/// The administrator's page: a new unit (its code must be new).
pub fn add_unit(tx: &mut dyn Tx, origin: &Origin, unit: &Unit) -> Result<(), StoreError> {
    if org::units(tx)?.iter().any(|u| u.code == unit.code) {
        return Err(StoreError::invalid(
            format!("mã đơn vị '{}' đã tồn tại", unit.code),
            format!("unit code '{}' already exists", unit.code),
        ));
    }
    one_change(tx, origin, unit.clone())
}

/// The administrator's page: a unit's new name.
pub fn rename_unit(
    tx: &mut dyn Tx,
    origin: &Origin,
    code: &str,
    name: &str,
) -> Result<(), StoreError> {
    let mut u = org::get_unit(tx, code)?;
    u.name = motcua_domain::text::clean(name);
    one_change(tx, origin, u)
}

/// The administrator's page: a unit's last day and the units that take over its work.
pub fn close_unit(
    tx: &mut dyn Tx,
    origin: &Origin,
    code: &str,
    last_day: NaiveDate,
    successors: &[String],
) -> Result<(), StoreError> {
    let mut u = org::get_unit(tx, code)?;
    if u.valid_to.is_some() {
        return Err(StoreError::invalid(
            format!("đơn vị '{code}' đã thôi hoạt động"),
            format!("unit '{code}' is already closed"),
        ));
    }
    u.valid_to = Some(last_day);
    u.successors = successors.to_vec();
    one_change(tx, origin, u)
}

/// What a transfer moved: the codes (or ids, for dossiers not yet received) of the dossiers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transferred {
    pub dossiers: Vec<String>,
}

/// Moves every unfinished dossier of a closed unit (received there, or held there) to its
/// successor: one `Transferred` event per dossier, all in the caller's transaction, deadlines kept.
/// Refused when `from` is still in force on `date`, or `to` is not one of its successors or not in
/// force on `date`. Run again, it finds nothing left to move.
#[allow(clippy::too_many_arguments)]
pub fn transfer(
    tx: &mut dyn Tx,
    actor: motcua_domain::dossier::Actor,
    from: &str,
    to: &str,
    decision: &str,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Transferred, StoreError> {
    use crate::dossiers::{Request, Target};
    let closed = org::get_unit(tx, from)?;
    let successor = org::get_unit(tx, to)?;
    match closed.valid_to {
        Some(last) if last < date => {}
        Some(last) => {
            return Err(StoreError::invalid(
                format!(
                    "from: đơn vị '{from}' còn hoạt động đến hết ngày {last}; ngày chuyển giao phải sau ngày đó"
                ),
                format!(
                    "from: unit '{from}' is in force until {last}; the transfer date must be after it"
                ),
            ));
        }
        None => {
            return Err(StoreError::invalid(
                format!(
                    "from: đơn vị '{from}' vẫn đang hoạt động; chỉ chuyển giao hồ sơ của đơn vị đã thôi hoạt động"
                ),
                format!(
                    "from: unit '{from}' is still in force; only a closed unit's dossiers are transferred"
                ),
            ));
        }
    }
    if !closed.successors.iter().any(|s| s == to) {
        return Err(StoreError::invalid(
            format!(
                "to: '{to}' không phải đơn vị kế thừa của '{from}' (kế thừa: {})",
                closed.successors.join(", ")
            ),
            format!(
                "to: '{to}' is not a successor of '{from}' (successors: {})",
                closed.successors.join(", ")
            ),
        ));
    }
    if !successor.is_valid_on(date) {
        return Err(StoreError::invalid(
            format!("to: đơn vị '{to}' không hoạt động vào ngày {date}"),
            format!("to: unit '{to}' is not in force on {date}"),
        ));
    }
    if decision.trim().is_empty() {
        return Err(StoreError::invalid(
            "decision: thiếu số quyết định".to_owned(),
            "decision: the decision number is missing".to_owned(),
        ));
    }
    let rows = tx.query(
        "SELECT id, version, code FROM dossiers WHERE (unit = $1 OR current_unit = $1) \
         AND closed_at IS NULL AND status <> 'returned' ORDER BY id",
        &[Value::from(from)],
    )?;
    let mut requests = vec![];
    let mut moved = Transferred::default();
    for r in &rows {
        let id = r.i64(0)?;
        requests.push(Request {
            target: Target::Existing {
                id,
                expected_version: r.i64(1)?,
            },
            actor: actor.clone(),
            command: motcua_domain::dossier::Command::Transfer {
                from_unit: from.to_owned(),
                to_unit: to.to_owned(),
                decision: decision.to_owned(),
                date,
            },
            now,
        });
        moved
            .dossiers
            .push(r.opt_string(2)?.unwrap_or_else(|| format!("#{id}")));
    }
    if !requests.is_empty() {
        let cal = crate::calendar::work_calendar(tx)?;
        crate::dossiers::execute(tx, &cal, requests)?;
    }
    Ok(moved)
}

/// One recorded change to a unit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrgChange {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub source: String,
    pub code: String,
    pub change: String,
}

/// The record of changes to the organisation, newest first (at most `limit`).
pub fn org_changes(tx: &mut dyn Tx, limit: i64) -> Result<Vec<OrgChange>, StoreError> {
    tx.query(
        "SELECT id, at, actor, source, code, change FROM org_changes ORDER BY id DESC LIMIT $1",
        &[Value::Int(limit)],
    )?
    .iter()
    .map(|r| {
        Ok(OrgChange {
            id: r.i64(0)?,
            at: crate::from_millis(r.i64(1)?)?,
            actor: r.string(2)?,
            source: r.string(3)?,
            code: r.string(4)?,
            change: r.string(5)?,
        })
    })
    .collect()
}

/// What a staff import did; `passwords` holds the one-time password of every new account.
#[derive(Debug, Clone, Default)]
pub struct StaffImported {
    pub created: usize,
    pub updated: usize,
    pub passwords: Vec<(String, String)>,
}

fn desk_of(tx: &mut dyn Tx, unit: &str) -> Result<Option<i64>, StoreError> {
    tx.query_one(
        "SELECT id FROM desks WHERE unit = $1 ORDER BY id LIMIT 1",
        &[Value::from(unit)],
    )?
    .map(|r| r.i64(0))
    .transpose()
}

/// The unit's desk, made (without a founding decision yet) when the unit has none.
fn ensure_desk(tx: &mut dyn Tx, unit: &str) -> Result<i64, StoreError> {
    if let Some(id) = desk_of(tx, unit)? {
        return Ok(id);
    }
    let u = org::get_unit(tx, unit)?;
    org::add_desk(
        tx,
        &motcua_domain::org::Desk {
            id: 0,
            unit: unit.to_owned(),
            name: format!("Bộ phận Một cửa {}", u.name),
            founding_decision: None,
            members: vec![],
        },
    )
}

/// Imports staff rows (already checked by `orgfile::parse_staff`): new accounts get a one-time
/// password and must change it; existing ones get the file's name, title, contact, roles (exactly
/// those listed) and desk (exactly that one), never a new password.
pub fn import_staff(
    tx: &mut dyn Tx,
    rows: &[StaffRow],
    today: NaiveDate,
) -> Result<StaffImported, StoreError> {
    let mut out = StaffImported::default();
    for r in rows {
        let existing = tx
            .query_one(
                "SELECT id FROM staff WHERE username = $1",
                &[Value::from(&r.username)],
            )?
            .map(|x| x.i64(0))
            .transpose()?;
        let id = match existing {
            Some(id) => {
                tx.exec(
                    "UPDATE staff SET full_name = $1, title = $2 WHERE id = $3",
                    &[
                        Value::from(&r.full_name),
                        Value::from(&r.title),
                        Value::Int(id),
                    ],
                )?;
                tx.exec("DELETE FROM grants WHERE staff_id = $1", &[Value::Int(id)])?;
                for g in &r.grants {
                    org::grant(tx, id, g)?;
                }
                out.updated += 1;
                id
            }
            None => {
                let otp = password::one_time_password();
                let id = org::add_staff(
                    tx,
                    &org::NewStaff {
                        username: &r.username,
                        full_name: &r.full_name,
                        title: &r.title,
                        password_hash: &password::hash(&otp)?,
                        grants: &r.grants,
                    },
                )?;
                set_must_change_password(tx, id, true)?;
                out.passwords.push((r.username.clone(), otp));
                out.created += 1;
                id
            }
        };
        tx.exec(
            "UPDATE staff SET email = $1, phone = $2 WHERE id = $3",
            &[Value::from(&r.email), Value::from(&r.phone), Value::Int(id)],
        )?;
        let wanted = match &r.desk {
            Some(unit) => Some(ensure_desk(tx, unit)?),
            None => None,
        };
        tx.exec(
            "DELETE FROM desk_members WHERE staff_id = $1 AND desk_id <> $2",
            &[Value::Int(id), Value::Int(wanted.unwrap_or(-1))],
        )?;
        if let Some(desk) = wanted {
            let member = tx
                .query_one(
                    "SELECT 1 FROM desk_members WHERE staff_id = $1 AND desk_id = $2",
                    &[Value::Int(id), Value::Int(desk)],
                )?
                .is_some();
            if !member {
                org::assign_member(
                    tx,
                    desk,
                    &motcua_domain::org::DeskMember {
                        staff_id: id,
                        assigned_on: today,
                        duty: r.title.clone(),
                    },
                )?;
            }
        }
    }
    Ok(out)
}

/// `motcua desk set`: a unit's desk with its name and founding decision (made when the unit has no
/// desk yet). Returns the desk's id.
pub fn set_desk(
    tx: &mut dyn Tx,
    unit: &str,
    name: &str,
    decision: &Decision,
) -> Result<i64, StoreError> {
    let id = ensure_desk(tx, unit)?;
    let name = motcua_domain::text::clean(name);
    if name.is_empty() {
        return Err(StoreError::invalid(
            "thiếu tên bộ phận một cửa",
            "the desk has no name",
        ));
    }
    tx.exec(
        "UPDATE desks SET name = $1 WHERE id = $2",
        &[Value::Text(name), Value::Int(id)],
    )?;
    org::set_desk_decision(tx, id, decision)?;
    Ok(id)
}

/// A member's email and phone (the staff file's contact columns).
pub fn contact(tx: &mut dyn Tx, staff_id: i64) -> Result<(String, String), StoreError> {
    tx.query_one(
        "SELECT email, phone FROM staff WHERE id = $1",
        &[Value::Int(staff_id)],
    )?
    .map(|r| Ok::<_, StoreError>((r.string(0)?, r.string(1)?)))
    .transpose()?
    .ok_or_else(|| StoreError::not_found(format!("cán bộ {staff_id}"), format!("staff {staff_id}")))
}

/// The member of staff behind a live session and whether they must change their password first
/// (then the web layer lets the session call only the password change).
pub fn session(
    tx: &mut dyn Tx,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(motcua_domain::org::Staff, bool)>, StoreError> {
    let Some(staff) = org::session_staff(tx, token_hash, now)? else {
        return Ok(None);
    };
    let must = must_change_password(tx, staff.id)?;
    Ok(Some((staff, must)))
}
