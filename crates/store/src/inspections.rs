//! Inspections on disk: the current body of each, with a version for optimistic concurrency, and
//! every revision appended (who, when, what change, the body after it); and the records the
//! automatic checks read.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use motcua_domain::catalogue::posting_gaps;
use motcua_domain::dossier::{Dossier, Instant, from_local};
use motcua_domain::inspection::{
    Check, Evidence, Finding, FindingKind, Inspection, desk_problems, dossier_problems,
    gaming_problems, low_users, rate_problems,
};
use motcua_domain::stats::{Period, month_of};

use crate::db::{Sql, Tx, Value};
use crate::{StoreError, millis, org, procedures, stats};

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Db(e.to_string()))
}

/// What the session needs to know of an inspection: the team's accounts, the units in scope, and
/// until when the team reads them (90 days after the conclusion, or after the last working day).
fn index(i: &Inspection) -> Result<(String, String, String), StoreError> {
    let ids: String = i
        .members
        .iter()
        .filter_map(|m| m.staff_id)
        .map(|id| format!("{id},"))
        .collect();
    let until = i.conclusion.as_ref().map_or(i.to, |c| c.date) + chrono::TimeDelta::days(90);
    Ok((format!(",{ids}"), json(&i.units)?, until.to_string()))
}

/// The read-only grants a member of an inspection team holds while the inspection runs: the
/// inspector role over each unit in its scope.
pub fn member_grants(
    tx: &mut dyn Tx,
    staff_id: i64,
    today: NaiveDate,
) -> Result<Vec<motcua_domain::org::Grant>, StoreError> {
    let rows = tx.query(
        "SELECT scope FROM inspections WHERE member_ids LIKE $1 AND active_until >= $2",
        &[
            Value::Text(format!("%,{staff_id},%")),
            Value::Text(today.to_string()),
        ],
    )?;
    let mut out = vec![];
    for r in rows {
        let units: Vec<String> = r.json(0)?;
        for unit in units {
            let g = motcua_domain::org::Grant {
                role: motcua_domain::org::Role::Inspector,
                unit,
            };
            if !out.contains(&g) {
                out.push(g);
            }
        }
    }
    Ok(out)
}

/// Creates an inspection; returns its id.
pub fn create(
    tx: &mut dyn Tx,
    i: &Inspection,
    staff_id: i64,
    now: Instant,
) -> Result<i64, StoreError> {
    org::get_unit(tx, &i.owner)?;
    for u in &i.units {
        org::get_unit(tx, u).map_err(|_| {
            StoreError::invalid(
                format!("không có đơn vị mã {u}"),
                format!("no unit with code {u}"),
            )
        })?;
    }
    let body = json(i)?;
    let (members, scope, until) = index(i)?;
    let id = tx
        .query_one(
            "INSERT INTO inspections (owner, version, body, member_ids, scope, active_until, updated_at) \
             VALUES ($1, 1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                Value::from(&i.owner),
                Value::Text(body.clone()),
                Value::Text(members),
                Value::Text(scope),
                Value::Text(until),
                Value::Int(millis(now)),
            ],
        )?
        .ok_or_else(|| StoreError::Db("insert inspection".into()))?
        .i64(0)?;
    tx.exec(
        "INSERT INTO inspection_revisions (inspection_id, version, at, staff_id, change, body) VALUES ($1, 1, $2, $3, 'create', $4)",
        &[Value::Int(id), Value::Int(millis(now)), Value::Int(staff_id), Value::Text(body)],
    )?;
    Ok(id)
}

/// An inspection and its version.
pub fn get(tx: &mut dyn Tx, id: i64) -> Result<(Inspection, i64), StoreError> {
    let r = tx
        .query_one(
            "SELECT body, version FROM inspections WHERE id = $1",
            &[Value::Int(id)],
        )?
        .ok_or_else(|| {
            StoreError::not_found(format!("đợt kiểm tra {id}"), format!("inspection {id}"))
        })?;
    Ok((r.json(0)?, r.i64(1)?))
}

/// Every inspection: (id, owner, version, body).
pub fn list(tx: &mut dyn Tx) -> Result<Vec<(i64, Inspection)>, StoreError> {
    tx.query("SELECT id, body FROM inspections ORDER BY id DESC", &[])?
        .iter()
        .map(|r| Ok((r.i64(0)?, r.json(1)?)))
        .collect()
}

/// Saves a new body if the inspection is still at `expected` (else a conflict), with its revision.
pub fn save(
    tx: &mut dyn Tx,
    id: i64,
    expected: i64,
    body: &Inspection,
    change: &str,
    staff_id: i64,
    now: Instant,
) -> Result<i64, StoreError> {
    let (_, version) = get(tx, id)?;
    if version != expected {
        return Err(StoreError::Conflict {
            expected,
            actual: version,
        });
    }
    let text = json(body)?;
    let (members, scope, until) = index(body)?;
    tx.exec(
        "UPDATE inspections SET version = $1, body = $2, member_ids = $3, scope = $4, active_until = $5, \
         updated_at = $6 WHERE id = $7",
        &[
            Value::Int(version + 1),
            Value::Text(text.clone()),
            Value::Text(members),
            Value::Text(scope),
            Value::Text(until),
            Value::Int(millis(now)),
            Value::Int(id),
        ],
    )?;
    tx.exec(
        "INSERT INTO inspection_revisions (inspection_id, version, at, staff_id, change, body) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Value::Int(id),
            Value::Int(version + 1),
            Value::Int(millis(now)),
            Value::Int(staff_id),
            Value::from(change),
            Value::Text(text),
        ],
    )?;
    Ok(version + 1)
}

/// How many revisions an inspection has (its history is kept whole).
pub fn revisions(tx: &mut dyn Tx, id: i64) -> Result<i64, StoreError> {
    Ok(tx
        .query_one(
            "SELECT COUNT(*) FROM inspection_revisions WHERE inspection_id = $1",
            &[Value::Int(id)],
        )?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0))
}

fn day_start(d: NaiveDate) -> Instant {
    from_local(d.and_time(chrono::NaiveTime::MIN))
}

/// Runs every automatic check over the inspection's units and period, and returns the findings
/// they draft (shortcomings, with evidence), in a stable order.
pub fn run_checks(
    tx: &mut dyn Tx,
    i: &Inspection,
    now: Instant,
) -> Result<Vec<Finding>, StoreError> {
    let units = org::units(tx)?;
    let name = |c: &str| {
        units
            .iter()
            .find(|u| u.code == c)
            .map_or(c.to_owned(), |u| u.name.clone())
    };
    let (start, end) = (
        day_start(i.period_from),
        day_start(i.period_to + chrono::TimeDelta::days(1)),
    );
    let mut out: Vec<Finding> = vec![];
    let mut push = |unit: &str, check: Check, text: String, evidence: Evidence| {
        out.push(Finding {
            id: 0,
            unit: unit.to_owned(),
            area: check.area().to_owned(),
            kind: FindingKind::Shortcoming,
            text,
            evidence,
            check: Some(check),
        });
    };
    let desks = org::desks(tx)?;
    let base = crate::calendar::work_calendar(tx)?;

    // One-stop compliance, dossier by dossier.
    let mut received: BTreeMap<String, i64> = BTreeMap::new();
    for unit in &i.units {
        let members: Vec<i64> = desks
            .iter()
            .filter(|d| &d.unit == unit)
            .flat_map(|d| d.members.iter().map(|m| m.staff_id))
            .collect();
        let mut q = Sql::new("SELECT code, state FROM dossiers WHERE unit = ");
        q.bind(unit.as_str())
            .push(" AND received_at >= ")
            .bind(millis(start))
            .push(" AND received_at < ")
            .bind(millis(end))
            .push(" ORDER BY received_at, id");
        let rows = tx.query(&q.text, &q.params)?;
        received.insert(unit.clone(), rows.len() as i64);
        let mut found: BTreeMap<Check, Vec<String>> = BTreeMap::new();
        let local = crate::calendar::local_calendar(tx, &base, unit)?;
        let cal = local.as_ref().unwrap_or(&base);
        for r in &rows {
            let d: Dossier = r.json(1)?;
            let gaming = gaming_problems(&d, cal)
                .map_err(|e| StoreError::invalid(e.to_string(), e.to_string()))?;
            for c in dossier_problems(&d, &members).into_iter().chain(gaming) {
                found
                    .entry(c)
                    .or_default()
                    .push(r.opt_string(0)?.unwrap_or_default());
            }
        }
        // Walk-in refusals (form 03) recorded without a reason.
        let refusals: Vec<_> = crate::walk_ins::list(tx, std::slice::from_ref(unit), start, end)?
            .into_iter()
            .filter(|w| {
                w.walk_in.kind == motcua_domain::walk_in::WalkInKind::Refusal
                    && w.walk_in.reason.trim().is_empty()
            })
            .collect();
        if !refusals.is_empty() {
            let n = refusals.len() as i64;
            push(
                unit,
                Check::RefusalWithoutReason,
                format!(
                    "{}: {} ({n} lượt)",
                    name(unit),
                    Check::RefusalWithoutReason.label_vi()
                ),
                Evidence {
                    summary: format!("{n} phiếu từ chối (mẫu 03) không ghi lý do"),
                    count: Some(n),
                    of: None,
                    dossiers: refusals
                        .iter()
                        .take(5)
                        .map(|w| format!("tiếp dân #{}", w.id))
                        .collect(),
                    since: refusals
                        .first()
                        .map(|w| motcua_domain::dossier::to_local(w.walk_in.at).date()),
                    link: None,
                },
            );
        }
        // Feedback due in the period and not answered by its due time (nor by the period's end).
        let at = end.min(now);
        let unanswered: Vec<_> = crate::feedback::list(tx, std::slice::from_ref(unit))?
            .into_iter()
            .chain(
                // Escalated away from this unit: still its lapse.
                crate::feedback::escalated_from(tx, unit)?,
            )
            .filter(|s| {
                let f = &s.feedback;
                let due = f.escalated_due(unit).unwrap_or(f.due_at);
                let answered_in_time = f.answer.as_ref().is_some_and(|a| a.at <= due);
                due >= start && due < at && !answered_in_time
            })
            .collect();
        if !unanswered.is_empty() {
            let n = unanswered.len() as i64;
            let mut refs = vec![];
            for s in unanswered.iter().take(5) {
                refs.push(format!(
                    "phản ánh {}",
                    crate::feedback::reference(tx, s.id)?
                ));
            }
            push(
                unit,
                Check::FeedbackUnanswered,
                format!(
                    "{}: {} ({n} phản ánh, kiến nghị)",
                    name(unit),
                    Check::FeedbackUnanswered.label_vi()
                ),
                Evidence {
                    summary: format!(
                        "{n} phản ánh, kiến nghị đến hạn trả lời trong kỳ mà không được trả lời đúng hạn"
                    ),
                    count: Some(n),
                    of: None,
                    dossiers: refs,
                    since: unanswered
                        .iter()
                        .map(|s| s.feedback.submitted_at)
                        .min()
                        .map(|t| motcua_domain::dossier::to_local(t).date()),
                    link: Some("/can-bo/phan-anh?hang=overdue".to_owned()),
                },
            );
        }
        for (check, codes) in found {
            let n = codes.len() as i64;
            push(
                unit,
                check,
                format!(
                    "{}: {} ({n}/{} hồ sơ)",
                    name(unit),
                    check.label_vi(),
                    rows.len()
                ),
                Evidence {
                    summary: format!("{n} trên {} hồ sơ tiếp nhận trong kỳ", rows.len()),
                    count: Some(n),
                    of: Some(rows.len() as i64),
                    dossiers: codes.into_iter().take(5).collect(),
                    since: None,
                    link: None,
                },
            );
        }
    }

    // Posting: what each unit must post and has not, or shows in an outdated version.
    let catalogue = procedures::catalogue(tx)?;
    let postings = procedures::postings(tx, None)?;
    for unit in &i.units {
        let Some(u) = units.iter().find(|x| &x.code == unit) else {
            continue;
        };
        let own: Vec<_> = postings
            .iter()
            .filter(|p| &p.unit == unit)
            .cloned()
            .collect();
        let gaps = posting_gaps(&catalogue, u, &own, i.period_to);
        if gaps.is_empty() {
            continue;
        }
        let since = gaps.iter().map(|g| g.since).min();
        let codes: Vec<String> = gaps.iter().map(|g| g.code.clone()).collect();
        push(
            unit,
            Check::Posting,
            format!(
                "{}: {} ({} thủ tục thiếu hoặc chưa cập nhật, từ {})",
                name(unit),
                Check::Posting.label_vi(),
                gaps.len(),
                since.map_or(String::new(), |d| d.format("%d/%m/%Y").to_string())
            ),
            Evidence {
                summary: format!("{} thủ tục: {}", gaps.len(), codes.join(", ")),
                count: Some(gaps.len() as i64),
                of: Some(catalogue.required_at(u, i.period_to).len() as i64),
                dossiers: vec![],
                since,
                link: Some(format!("/don-vi/{unit}")),
            },
        );
    }

    // Use of the electronic system: dossiers received through it compared with peers of the same
    // level under the inspecting unit. Every commune that falls short is named, inspected or not:
    // the system sees them all.
    let peers = org::subtree(tx, &i.owner)?;
    let mut by_level: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for u in units
        .iter()
        .filter(|u| u.valid_from <= i.period_to && u.valid_to.is_none_or(|t| t >= i.period_from))
    {
        if !matches!(u.level, motcua_domain::org::UnitLevel::Commune) || !peers.contains(&u.code) {
            continue;
        }
        let n = match received.get(&u.code) {
            Some(n) => *n,
            None => tx
                .query_one(
                    "SELECT COUNT(*) FROM dossiers WHERE unit = $1 AND received_at >= $2 AND received_at < $3",
                    &[Value::from(&u.code), Value::Int(millis(start)), Value::Int(millis(end))],
                )?
                .map(|r| r.i64(0))
                .transpose()?
                .unwrap_or(0),
        };
        by_level
            .entry(format!("{:?}", u.level))
            .or_default()
            .push((u.code.clone(), n));
    }
    for counts in by_level.values() {
        for (unit, n, reference) in low_users(counts, i.thresholds.system_use) {
            push(
                &unit,
                Check::SystemUse,
                format!(
                    "{}: {} ({n} hồ sơ trong kỳ)",
                    name(&unit),
                    Check::SystemUse.label_vi()
                ),
                Evidence {
                    summary: format!(
                        "{n} hồ sơ qua hệ thống; các đơn vị cùng cấp dùng nhiều nhất trung bình {reference:.0}"
                    ),
                    count: Some(n),
                    of: Some(reference.round() as i64),
                    ..Evidence::default()
                },
            );
        }
    }

    // Organisation: desks without a founding decision or without members.
    for unit in &i.units {
        let Some(u) = units.iter().find(|x| &x.code == unit) else {
            continue;
        };
        let own: Vec<_> = desks.iter().filter(|d| &d.unit == unit).collect();
        for check in desk_problems(u, &own, i.period_to) {
            let summary = match check {
                Check::DeskWithoutDecision => {
                    "Không có quyết định thành lập Bộ phận Một cửa được ghi nhận"
                }
                _ => "Không có thành viên nào được phân công",
            };
            push(
                unit,
                check,
                format!("{}: {}", name(unit), check.label_vi()),
                Evidence {
                    summary: summary.into(),
                    link: Some(format!("/can-bo/quan-tri/{unit}")),
                    ..Evidence::default()
                },
            );
        }
    }

    // Timeliness and satisfaction, from the counters.
    let period = Period {
        from: month_of(start),
        to: month_of(end - chrono::TimeDelta::milliseconds(1)),
    };
    let figures = stats::per_unit(tx, &i.units, &period, now)?;
    for (unit, f) in &figures {
        for (check, count, of, share) in rate_problems(f, &i.thresholds) {
            let summary = match check {
                Check::Timeliness => format!("{count} trên {of} hồ sơ giải quyết quá hạn"),
                _ => format!("{count} trên {of} lượt đánh giá hài lòng"),
            };
            push(
                unit,
                check,
                format!(
                    "{}: {} ({:.1} %)",
                    name(unit),
                    check.label_vi(),
                    100.0 * share
                ),
                Evidence {
                    summary,
                    count: Some(count),
                    of: Some(of),
                    ..Evidence::default()
                },
            );
        }
    }
    out.sort_by(|a, b| (a.check, &a.unit).cmp(&(b.check, &b.unit)));
    Ok(out)
}
