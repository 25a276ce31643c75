//! Units, staff, roles, one-stop desks and login sessions.

use chrono::NaiveDate;
use motcua_domain::org::{Decision, Desk, DeskMember, Grant, Role, Staff, Unit, UnitLevel};

use crate::db::{Row, Tx, Value};
use crate::{StoreError, millis};

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Db(format!("stored date '{s}' does not parse")))
}

fn unit(r: &Row) -> Result<Unit, StoreError> {
    Ok(Unit {
        code: r.string(0)?,
        name: r.string(1)?,
        level: UnitLevel::parse(r.str(2)?)
            .ok_or_else(|| StoreError::Db(format!("unknown level {}", r.str(2).unwrap_or(""))))?,
        parent: r.opt_string(3)?,
        valid_from: date(r.str(4)?)?,
        valid_to: r.opt_string(5)?.map(|s| date(&s)).transpose()?,
        successors: r.json(6)?,
    })
}

const UNIT_COLUMNS: &str = "code, name, level, parent, valid_from, valid_to, successors";

pub fn put_unit(tx: &mut dyn Tx, u: &Unit) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO units (code, name, level, parent, valid_from, valid_to, successors) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
         level = excluded.level, parent = excluded.parent, valid_from = excluded.valid_from, \
         valid_to = excluded.valid_to, successors = excluded.successors",
        &[
            Value::from(&u.code),
            Value::from(&u.name),
            Value::from(u.level.as_str()),
            Value::from(u.parent.clone()),
            Value::Text(u.valid_from.to_string()),
            Value::from(u.valid_to.map(|d| d.to_string())),
            Value::Text(serde_json::to_string(&u.successors).map_err(|e| StoreError::Db(e.to_string()))?),
        ],
    )?;
    Ok(())
}

pub fn units(tx: &mut dyn Tx) -> Result<Vec<Unit>, StoreError> {
    tx.query(
        &format!("SELECT {UNIT_COLUMNS} FROM units ORDER BY code"),
        &[],
    )?
    .iter()
    .map(unit)
    .collect()
}

/// The names of some units, by code (unknown codes are left out).
pub fn names(tx: &mut dyn Tx, codes: &[String]) -> Result<Vec<(String, String)>, StoreError> {
    if codes.is_empty() {
        return Ok(vec![]);
    }
    let mut q = crate::db::Sql::new("SELECT code, name FROM units WHERE code IN ");
    q.bind_list(codes);
    tx.query(&q.text, &q.params)?
        .iter()
        .map(|r| Ok((r.string(0)?, r.string(1)?)))
        .collect()
}

/// Every unit's code and name.
pub fn all_names(tx: &mut dyn Tx) -> Result<Vec<(String, String)>, StoreError> {
    tx.query("SELECT code, name FROM units", &[])?
        .iter()
        .map(|r| Ok((r.string(0)?, r.string(1)?)))
        .collect()
}

pub fn get_unit(tx: &mut dyn Tx, code: &str) -> Result<Unit, StoreError> {
    tx.query_one(
        &format!("SELECT {UNIT_COLUMNS} FROM units WHERE code = $1"),
        &[Value::from(code)],
    )?
    .map(|r| unit(&r))
    .transpose()?
    .ok_or_else(|| StoreError::not_found(format!("đơn vị {code}"), format!("unit {code}")))
}

/// The unit and its ancestors, from itself up to the root: what a role's scope is checked against.
pub fn chain(tx: &mut dyn Tx, code: &str) -> Result<Vec<String>, StoreError> {
    Ok(ancestry(tx, code)?.into_iter().map(|u| u.code).collect())
}

/// The unit and its ancestors, from itself up to the root, read one by one (a cycle, or a chain
/// deeper than 16, stops there): enough to place a unit without reading every unit.
pub fn ancestry(tx: &mut dyn Tx, code: &str) -> Result<Vec<Unit>, StoreError> {
    let mut out: Vec<Unit> = vec![];
    let mut next = Some(code.to_owned());
    while let Some(c) = next {
        if out.iter().any(|u| u.code == c) || out.len() > 16 {
            break;
        }
        let unit = get_unit(tx, &c)?;
        next = unit.parent.clone();
        out.push(unit);
    }
    Ok(out)
}

/// The unit and everything below it (for "my unit" queues and scoped lists), level by level, in
/// code order within a level. One query that reads only the units below (every command checks
/// its caller's scope with it); a chain of parents deeper than 64 levels, or a cycle, stops there.
pub fn subtree(tx: &mut dyn Tx, code: &str) -> Result<Vec<String>, StoreError> {
    tx.query(
        "WITH RECURSIVE below(code, depth) AS (\
           SELECT CAST($1 AS TEXT), 0 \
           UNION SELECT u.code, b.depth + 1 FROM units u JOIN below b ON u.parent = b.code \
           WHERE b.depth < 64) \
         SELECT code FROM below GROUP BY code ORDER BY MIN(depth), code",
        &[Value::from(code)],
    )?
    .iter()
    .map(|r| r.string(0))
    .collect()
}

pub struct NewStaff<'a> {
    pub username: &'a str,
    pub full_name: &'a str,
    pub title: &'a str,
    pub password_hash: &'a str,
    pub grants: &'a [Grant],
}

pub fn add_staff(tx: &mut dyn Tx, s: &NewStaff) -> Result<i64, StoreError> {
    let id = tx
        .query_one(
            "INSERT INTO staff (username, full_name, title, password_hash, active) VALUES ($1, $2, $3, $4, 1) RETURNING id",
            &[
                Value::from(s.username),
                Value::from(s.full_name),
                Value::from(s.title),
                Value::from(s.password_hash),
            ],
        )
        .map_err(|e| match e {
            StoreError::Constraint(_) => StoreError::invalid(
                format!("tên đăng nhập '{}' đã tồn tại", s.username),
                format!("username '{}' already exists", s.username),
            ),
            e => e,
        })?
        .ok_or_else(|| StoreError::Db("insert staff".into()))?
        .i64(0)?;
    for g in s.grants {
        get_unit(tx, &g.unit)?;
        tx.exec(
            "INSERT INTO grants (staff_id, role, unit) VALUES ($1, $2, $3)",
            &[
                Value::Int(id),
                Value::from(g.role.as_str()),
                Value::from(&g.unit),
            ],
        )?;
    }
    Ok(id)
}

fn grants_of(tx: &mut dyn Tx, id: i64) -> Result<Vec<Grant>, StoreError> {
    tx.query(
        "SELECT role, unit FROM grants WHERE staff_id = $1 ORDER BY unit, role",
        &[Value::Int(id)],
    )?
    .iter()
    .map(|r| {
        Ok(Grant {
            role: Role::parse(r.str(0)?).ok_or_else(|| StoreError::Db("unknown role".into()))?,
            unit: r.string(1)?,
        })
    })
    .collect()
}

fn staff_row(tx: &mut dyn Tx, r: &Row) -> Result<Staff, StoreError> {
    let id = r.i64(0)?;
    Ok(Staff {
        id,
        username: r.string(1)?,
        full_name: r.string(2)?,
        title: r.string(3)?,
        active: r.i64(4)? != 0,
        grants: grants_of(tx, id)?,
    })
}

pub fn get_staff(tx: &mut dyn Tx, id: i64) -> Result<Staff, StoreError> {
    let r = tx
        .query_one(
            "SELECT id, username, full_name, title, active FROM staff WHERE id = $1",
            &[Value::Int(id)],
        )?
        .ok_or_else(|| StoreError::not_found(format!("cán bộ {id}"), format!("staff {id}")))?;
    staff_row(tx, &r)
}

pub fn list_staff(tx: &mut dyn Tx) -> Result<Vec<Staff>, StoreError> {
    let rows = tx.query(
        "SELECT id, username, full_name, title, active FROM staff ORDER BY id",
        &[],
    )?;
    rows.iter().map(|r| staff_row(tx, r)).collect()
}

/// Gives `staff_id` a role in `unit` (nothing changes if it has it already).
pub fn grant(tx: &mut dyn Tx, staff_id: i64, g: &Grant) -> Result<(), StoreError> {
    get_unit(tx, &g.unit)?;
    get_staff(tx, staff_id)?;
    let has = tx
        .query_one(
            "SELECT 1 FROM grants WHERE staff_id = $1 AND role = $2 AND unit = $3",
            &[
                Value::Int(staff_id),
                Value::from(g.role.as_str()),
                Value::from(&g.unit),
            ],
        )?
        .is_some();
    if !has {
        tx.exec(
            "INSERT INTO grants (staff_id, role, unit) VALUES ($1, $2, $3)",
            &[
                Value::Int(staff_id),
                Value::from(g.role.as_str()),
                Value::from(&g.unit),
            ],
        )?;
    }
    Ok(())
}

/// Takes a role in `unit` away from `staff_id`; an error when there was none.
pub fn revoke(tx: &mut dyn Tx, staff_id: i64, g: &Grant) -> Result<(), StoreError> {
    let n = tx.exec(
        "DELETE FROM grants WHERE staff_id = $1 AND role = $2 AND unit = $3",
        &[
            Value::Int(staff_id),
            Value::from(g.role.as_str()),
            Value::from(&g.unit),
        ],
    )?;
    if n == 0 {
        return Err(StoreError::not_found(
            "vai trò này của cán bộ",
            "such a role to take away",
        ));
    }
    Ok(())
}

/// Locks or unlocks an account; locking also ends its sessions.
pub fn set_active(tx: &mut dyn Tx, staff_id: i64, active: bool) -> Result<(), StoreError> {
    get_staff(tx, staff_id)?;
    tx.exec(
        "UPDATE staff SET active = $1 WHERE id = $2",
        &[Value::Int(i64::from(active)), Value::Int(staff_id)],
    )?;
    if !active {
        tx.exec(
            "DELETE FROM sessions WHERE staff_id = $1",
            &[Value::Int(staff_id)],
        )?;
    }
    Ok(())
}

/// The staff id and password hash for a username (active accounts only).
pub fn credentials(tx: &mut dyn Tx, username: &str) -> Result<Option<(i64, String)>, StoreError> {
    tx.query_one(
        "SELECT id, password_hash FROM staff WHERE username = $1 AND active = 1",
        &[Value::from(username)],
    )?
    .map(|r| Ok((r.i64(0)?, r.string(1)?)))
    .transpose()
}

pub fn create_session(
    tx: &mut dyn Tx,
    token_hash: &str,
    staff_id: i64,
    now: chrono::DateTime<chrono::Utc>,
    expires: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO sessions (token_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        &[
            Value::from(token_hash),
            Value::Int(staff_id),
            Value::Int(millis(now)),
            Value::Int(millis(expires)),
        ],
    )?;
    Ok(())
}

/// The member of staff behind a session token, if the session is live.
pub fn session_staff(
    tx: &mut dyn Tx,
    token_hash: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Staff>, StoreError> {
    let row = tx.query_one(
        "SELECT s.id, s.username, s.full_name, s.title, s.active FROM sessions x \
         JOIN staff s ON s.id = x.staff_id WHERE x.token_hash = $1 AND x.expires_at > $2 AND s.active = 1",
        &[Value::from(token_hash), Value::Int(millis(now))],
    )?;
    row.map(|r| staff_row(tx, &r)).transpose()
}

pub fn delete_session(tx: &mut dyn Tx, token_hash: &str) -> Result<(), StoreError> {
    tx.exec(
        "DELETE FROM sessions WHERE token_hash = $1",
        &[Value::from(token_hash)],
    )?;
    Ok(())
}

pub fn add_desk(tx: &mut dyn Tx, d: &Desk) -> Result<i64, StoreError> {
    let dec = d.founding_decision.as_ref();
    let id = tx
        .query_one(
            "INSERT INTO desks (unit, name, decision_number, decision_date, decision_signer) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                Value::from(&d.unit),
                Value::from(&d.name),
                Value::from(dec.map(|x| x.number.clone())),
                Value::from(dec.map(|x| x.date.to_string())),
                Value::from(dec.map(|x| x.signer.clone())),
            ],
        )?
        .ok_or_else(|| StoreError::Db("insert desk".into()))?
        .i64(0)?;
    for m in &d.members {
        tx.exec(
            "INSERT INTO desk_members (desk_id, staff_id, assigned_on, duty) VALUES ($1, $2, $3, $4)",
            &[
                Value::Int(id),
                Value::Int(m.staff_id),
                Value::Text(m.assigned_on.to_string()),
                Value::from(&m.duty),
            ],
        )?;
    }
    Ok(id)
}

pub fn desks(tx: &mut dyn Tx) -> Result<Vec<Desk>, StoreError> {
    let rows = tx.query(
        "SELECT id, unit, name, decision_number, decision_date, decision_signer FROM desks ORDER BY id",
        &[],
    )?;
    let mut out = vec![];
    for r in rows {
        let id = r.i64(0)?;
        let founding_decision = match (r.opt_string(3)?, r.opt_string(4)?, r.opt_string(5)?) {
            (Some(number), Some(d), Some(signer)) => Some(Decision {
                number,
                date: date(&d)?,
                signer,
            }),
            _ => None,
        };
        let members = tx
            .query(
                "SELECT staff_id, assigned_on, duty FROM desk_members WHERE desk_id = $1 ORDER BY staff_id",
                &[Value::Int(id)],
            )?
            .iter()
            .map(|m| {
                Ok(DeskMember {
                    staff_id: m.i64(0)?,
                    assigned_on: date(m.str(1)?)?,
                    duty: m.string(2)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        out.push(Desk {
            id,
            unit: r.string(1)?,
            name: r.string(2)?,
            founding_decision,
            members,
        });
    }
    Ok(out)
}

/// Records a desk's founding decision (a unit that had none gets one when the act is issued).
pub fn set_desk_decision(tx: &mut dyn Tx, desk_id: i64, d: &Decision) -> Result<(), StoreError> {
    let n = tx.exec(
        "UPDATE desks SET decision_number = $1, decision_date = $2, decision_signer = $3 WHERE id = $4",
        &[
            Value::from(&d.number),
            Value::Text(d.date.to_string()),
            Value::from(&d.signer),
            Value::Int(desk_id),
        ],
    )?;
    if n == 0 {
        return Err(StoreError::not_found(
            format!("bộ phận một cửa {desk_id}"),
            format!("desk {desk_id}"),
        ));
    }
    Ok(())
}

/// Assigns a member of staff to a desk (once).
pub fn assign_member(tx: &mut dyn Tx, desk_id: i64, m: &DeskMember) -> Result<(), StoreError> {
    get_staff(tx, m.staff_id)?;
    tx.exec(
        "INSERT INTO desk_members (desk_id, staff_id, assigned_on, duty) VALUES ($1, $2, $3, $4)",
        &[
            Value::Int(desk_id),
            Value::Int(m.staff_id),
            Value::Text(m.assigned_on.to_string()),
            Value::from(&m.duty),
        ],
    )
    .map_err(|e| match e {
        StoreError::Constraint(_) => StoreError::invalid(
            "cán bộ này đã được phân công vào bộ phận",
            "this member of staff is already assigned to the desk",
        ),
        e => e,
    })?;
    Ok(())
}
