//! Dossiers in JSON for staff: reception at the desk, every action, one dossier with its control sheet
//! and history, and the scoped, filtered, keyset-paginated list.

use crate::http::PathOf;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{NaiveDate, TimeDelta, Utc};
use motcua_domain::dossier::{Dossier, Instant, Recorded, Status, from_local};
use motcua_store::dossiers::{self, Filter, Summary};
use motcua_store::org;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::app::{AppState, blocking};
use crate::auth::CurrentStaff;
use crate::dossiers::views::{self, Names};
use crate::http::ApiError;
use crate::http::{Body, Params};

use super::service::*;
use crate::access::{self, Access};
use crate::app::write_tx;
use crate::http::{body_hash, idempotency_key};
/// POST /dossiers: reception of a complete dossier at the desk or by post.
pub async fn receive_new(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    headers: HeaderMap,
    Body(body): Body<Reception>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let key = idempotency_key(&headers)?;
    let hash = body_hash(&body);
    let (status, value) = blocking(move || {
        run(&app, Caller::Staff(staff.id), key, hash, |tx| {
            receive_command(tx, &staff, body)
        })
    })
    .await?;
    Ok((status, Json(value)))
}

/// POST /dossiers/{id}/{action}.
pub async fn act(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
    action: &'static str,
    Body(body): Body<ActionBody>,
) -> Result<Json<Value>, ApiError> {
    let (_, value) = blocking(move || {
        run(&app, Caller::Staff(staff.id), None, String::new(), |tx| {
            command_for(tx, &staff, id, action, &body)
        })
    })
    .await?;
    Ok(Json(value))
}

/// GET /dossiers/{id}: state, control sheet, history. Personal data only for roles that need it;
/// every such view is logged. A dossier the caller may not see is "not found", like one that does
/// not exist.
pub async fn get(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
) -> Result<Json<DossierView>, ApiError> {
    let (d, access, history, names) = write_tx(&app, move |tx| {
        let (d, access) = access::load_visible(tx, &staff, id)?;
        if access.personal {
            access::log_view(tx, staff.id, id, "view dossier")?;
        }
        Ok((
            d,
            access,
            dossiers::history(tx, id)?,
            Names::new(&org::units(tx)?),
        ))
    })
    .await?;
    let now = Utc::now();
    Ok(Json(DossierView {
        id,
        dossier: views::dossier_json(&d, access.personal),
        overdue: d.is_overdue(now),
        appointment: d.appointment(),
        control_sheet: ControlSheet {
            form: d.legal_basis().forms.control_sheet,
            rows: views::control_sheet(&d, &names),
        },
        history: views::history_json(&history, access.personal),
    }))
}

/// One dossier as staff see it. Without the personal-data right, every applicant in it (the
/// dossier's and those its events carry) has a masked name and nothing else.
#[derive(Serialize, JsonSchema)]
pub struct DossierView {
    pub id: i64,
    #[schemars(with = "Dossier")]
    pub dossier: Value,
    pub overdue: bool,
    pub appointment: Option<Instant>,
    pub control_sheet: ControlSheet,
    #[schemars(with = "Vec<Recorded>")]
    pub history: Value,
}

/// The control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ): its form number by rule set, and
/// a row per step.
#[derive(Serialize, JsonSchema)]
pub struct ControlSheet {
    pub form: Option<&'static str>,
    pub rows: Vec<views::ControlRow>,
}

/// A page of the dossier list and the cursor of the next (`after`).
#[derive(Serialize, JsonSchema)]
pub struct DossierList {
    pub items: Vec<Summary>,
    pub next: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct ListQuery {
    unit: Option<String>,
    /// "current" (default: where the dossier is now) or "receiving".
    by: Option<String>,
    status: Option<String>,
    procedure: Option<String>,
    received_from: Option<String>,
    received_to: Option<String>,
    due_before: Option<String>,
    #[serde(default)]
    overdue: bool,
    after: Option<String>,
    limit: Option<i64>,
}

fn local_date_start(field: &str, s: &str) -> Result<chrono::DateTime<Utc>, ApiError> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(
            field,
            format!("{field} cần dạng YYYY-MM-DD"),
            format!("{field} must be YYYY-MM-DD"),
        )
    })?;
    Ok(from_local(d.and_hms_opt(0, 0, 0).unwrap_or_default()))
}

/// GET /dossiers: the dossiers the caller may see, filtered, ordered by due time, keyset-paginated.
pub async fn list(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Params(q): Params<ListQuery>,
) -> Result<Json<DossierList>, ApiError> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            Status::parse(s).ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    format!("trạng thái '{s}' không tồn tại"),
                    format!("unknown status '{s}'"),
                )
            })
        })
        .transpose()?;
    let by_receiving_unit = match q.by.as_deref() {
        None | Some("current") => false,
        Some("receiving") => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "by",
                "by phải là current hoặc receiving",
                "by must be current or receiving",
            ));
        }
    };
    let after = q
        .after
        .as_deref()
        .map(|a| {
            a.split_once('.')
                .and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)))
                .ok_or_else(|| {
                    ApiError::invalid("after", "con trỏ trang không hợp lệ", "invalid page cursor")
                })
        })
        .transpose()?;
    let mut filter = Filter {
        units: None,
        by_receiving_unit,
        status,
        procedure: q.procedure.clone(),
        received_from: q
            .received_from
            .as_deref()
            .map(|s| local_date_start("received_from", s))
            .transpose()?,
        received_to: q
            .received_to
            .as_deref()
            .map(|s| local_date_start("received_to", s).map(|t| t + TimeDelta::days(1)))
            .transpose()?,
        due_before: q
            .due_before
            .as_deref()
            .map(|s| local_date_start("due_before", s))
            .transpose()?,
        due_after: None,
        holder: None,
        ids: None,
        name_contains: None,
        procedures: None,
        cell: None,
        overdue_at: q.overdue.then(Utc::now),
        after,
        limit: q.limit.unwrap_or(50),
    };
    if !(1..=500).contains(&filter.limit) {
        return Err(ApiError::invalid(
            "limit",
            "limit từ 1 đến 500",
            "limit must be 1 to 500",
        ));
    }
    let limit = filter.limit;
    let (items, next) = write_tx(&app, move |tx| {
        let access = Access::of(tx, &staff)?;
        let scope = access.units();
        filter.units = Some(match &q.unit {
            Some(u) if scope.contains(u) => org::subtree(tx, u)?,
            Some(_) => return Err(ApiError::forbidden()),
            None => scope,
        });
        let rows = dossiers::list(tx, &filter)?;
        let next = if rows.len() as i64 == limit {
            rows.last().map(|s| {
                let (a, b) = dossiers::cursor_of(s);
                format!("{a}.{b}")
            })
        } else {
            None
        };
        let mut items = Vec::with_capacity(rows.len());
        for mut s in rows {
            s.applicant_name = access.name_in_list(tx, &s, "dossier list")?;
            items.push(s);
        }
        Ok((items, next))
    })
    .await?;
    Ok(Json(DossierList { items, next }))
}

/// The stale-supplement queue of the caller's desks.
#[derive(Serialize, JsonSchema)]
pub struct StaleList {
    pub items: Vec<dossiers::StaleSupplement>,
}

/// GET /dossiers/stale-supplements: dossiers of the caller's desks whose supplement request has
/// waited longer than the province allows, oldest request first; each may be returned
/// (`return-unsupplemented`). Only the applicant's masked name for roles without personal data.
pub async fn stale(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
) -> Result<Json<StaleList>, ApiError> {
    let items = stale_queue(&app, staff).await?;
    Ok(Json(StaleList { items }))
}

#[derive(Deserialize, JsonSchema)]
pub struct SubjectQuery {
    /// The person's ID number (or passport, or tax code).
    id_number: Option<String>,
    /// The person's phone.
    phone: Option<String>,
}

/// One dossier in a data subject's export.
#[derive(Serialize, JsonSchema)]
pub struct SubjectDossier {
    pub id: i64,
    pub code: Option<String>,
    pub procedure: String,
    pub unit: String,
    pub status: Status,
    pub received_at: Option<Instant>,
    /// The data as held now ("(đã xóa theo yêu cầu · erased)" once erased).
    pub applicant: motcua_domain::dossier::Applicant,
    pub corrections: Vec<motcua_domain::dossier::Correction>,
    /// Who saw this data, when and why: (time, staff id, purpose).
    pub views: Vec<(Instant, i64, String)>,
}

/// What motcua holds about one person, in the caller's units.
#[derive(Serialize, JsonSchema)]
pub struct SubjectExport {
    pub generated_at: Instant,
    pub dossiers: Vec<SubjectDossier>,
    /// Walk-ins at the caller's counters (forms 02 and 03 without a dossier) with this phone
    /// (searched by phone only: a walk-in records no ID number).
    pub walk_ins: Vec<SubjectWalkIn>,
}

/// A walk-in in a data subject's export.
#[derive(Serialize, JsonSchema)]
pub struct SubjectWalkIn {
    pub id: i64,
    pub walk_in: motcua_domain::walk_in::WalkIn,
}

/// GET /personal-data: a data subject's request (Law 91/2025/QH15): every dossier of the caller's
/// units whose applicant had this ID number or phone (found through the vault's blind index), with
/// the data held, its corrections and who viewed it, and the walk-ins with this phone. The unit
/// administrator's act; logged as a view.
pub async fn subject_export(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Params(q): Params<SubjectQuery>,
) -> Result<Json<SubjectExport>, ApiError> {
    let (kind, value) = match (
        q.id_number.filter(|v| !v.trim().is_empty()),
        q.phone.filter(|v| !v.trim().is_empty()),
    ) {
        (Some(v), None) => ("id", v),
        (None, Some(v)) => ("phone", v),
        _ => {
            return Err(ApiError::invalid(
                "id_number",
                "cần đúng một trong id_number, phone",
                "give exactly one of id_number, phone",
            ));
        }
    };
    write_tx(&app, move |tx| {
        let units = access::scope(tx, &staff, motcua_domain::authz::Action::AdministerUnit)?;
        if units.is_empty() {
            return Err(ApiError::forbidden());
        }
        let keys = motcua_store::vault::Keys::load(tx)?;
        let mut out = vec![];
        for id in motcua_store::vault::dossiers_of(tx, &keys, kind, &value)? {
            let d = dossiers::load(tx, id)?;
            if !units.contains(&d.unit) {
                continue;
            }
            access::log_view(tx, staff.id, id, "data-subject export")?;
            out.push(SubjectDossier {
                id,
                code: d.code.clone(),
                procedure: d.procedure.code.clone(),
                unit: d.unit.clone(),
                status: d.status,
                received_at: d.received_at,
                views: dossiers::personal_views(tx, id)?,
                applicant: d.applicant,
                corrections: d.corrections,
            });
        }
        let walk_ins = if kind == "phone" {
            motcua_store::walk_ins::of_phone(tx, &value)?
                .into_iter()
                .filter(|r| units.contains(&r.walk_in.unit))
                .map(|r| SubjectWalkIn {
                    id: r.id,
                    walk_in: r.walk_in,
                })
                .collect()
        } else {
            vec![]
        };
        Ok(SubjectExport {
            generated_at: Utc::now(),
            dossiers: out,
            walk_ins,
        })
    })
    .await
    .map(Json)
}

#[derive(Deserialize, JsonSchema)]
pub struct PaperStoreQuery {
    /// The applicant's ID number (or passport, or tax code), as given at the counter.
    id_number: String,
    /// The procedure the applicant applies for (its code): its papers are matched with the store.
    procedure: String,
}

/// What the citizen's store offers for a reception.
#[derive(Serialize, JsonSchema)]
pub struct ReuseOffers {
    /// For each paper the procedure asks for that the store already holds, one offer per file.
    pub offers: Vec<ReuseOffer>,
}

/// GET /paper-store: the papers already digitised for this applicant that the procedure asks for.
pub async fn paper_store(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Params(q): Params<PaperStoreQuery>,
) -> Result<Json<ReuseOffers>, ApiError> {
    if motcua_store::vault::normalise_term(&q.id_number).is_empty() {
        return Err(ApiError::invalid(
            "id_number",
            "cần số định danh (hoặc hộ chiếu, mã số thuế) của người nộp",
            "the applicant's ID number (or passport, or tax code) is required",
        ));
    }
    crate::app::read_tx(&app, move |tx| {
        let today = motcua_domain::dossier::to_local(Utc::now()).date();
        let procedure = motcua_store::procedures::in_force(tx, &q.procedure, today)?;
        let offers = reuse_offers(tx, &staff, &q.id_number, &procedure.spec.papers)?;
        Ok(Json(ReuseOffers { offers }))
    })
    .await
}
