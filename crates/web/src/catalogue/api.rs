//! The procedure catalogue over HTTP: ranked search with or without diacritics, a procedure with
//! all its versions, the announcement decisions, each unit's required and posted lists and how far
//! behind it is, and recording what a unit has posted.

use crate::http::PathOf;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::catalogue::{Posting, SearchFilter, posting_gaps};
use motcua_domain::dossier::to_local;
use motcua_domain::org::UnitLevel;
use motcua_domain::procedure::Procedure;
use motcua_store::{org, procedures};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::app::{AppState, blocking};
use crate::auth::CurrentStaff;
use crate::http::ApiError;
use crate::http::{Body, Params};

fn today() -> NaiveDate {
    to_local(Utc::now()).date()
}

fn on_date(on: Option<&str>) -> Result<NaiveDate, ApiError> {
    match on {
        None => Ok(today()),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            ApiError::invalid("on", "ngày cần dạng YYYY-MM-DD", "on must be YYYY-MM-DD")
        }),
    }
}

/// What a list shows of a procedure.
pub fn summary(p: &Procedure) -> ProcedureSummary {
    ProcedureSummary {
        code: p.spec.code.clone(),
        version: p.version,
        name: p.spec.name.clone(),
        field: p.spec.field.clone(),
        level: p.spec.level,
        limit: p.spec.limit,
        limit_text: p.spec.limit.describe_vi(),
        online: p.spec.channels.online,
        effective_from: p.effective_from,
        announced_by: p.announced_by.clone(),
    }
}

/// A procedure in a list: what a citizen needs to choose it.
#[derive(Serialize, JsonSchema)]
pub struct ProcedureSummary {
    pub code: String,
    pub version: i64,
    pub name: String,
    pub field: String,
    pub level: motcua_domain::org::UnitLevel,
    pub limit: motcua_domain::calendar::Limit,
    pub limit_text: String,
    pub online: motcua_domain::procedure::OnlineLevel,
    pub effective_from: NaiveDate,
    pub announced_by: String,
}

/// A page of search results.
#[derive(Serialize, JsonSchema)]
pub struct SearchResults {
    pub items: Vec<ProcedureSummary>,
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub on: NaiveDate,
    /// When nothing matched a query: the procedures whose names share most of its words, the
    /// closest first (at most five); empty otherwise.
    pub suggestions: Vec<ProcedureSummary>,
}

/// A procedure: the version in force on the date (everything that must be posted) and every version.
#[derive(Serialize, JsonSchema)]
pub struct ProcedureVersions {
    pub code: String,
    pub on: NaiveDate,
    pub in_force: Option<Procedure>,
    pub versions: Vec<VersionDates>,
}

#[derive(Serialize, JsonSchema)]
pub struct VersionDates {
    pub version: i64,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub announced_by: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Announcements {
    pub items: Vec<AnnouncementSummary>,
    pub total: usize,
}

/// An announcement decision and what it did to each procedure.
#[derive(Serialize, JsonSchema)]
pub struct AnnouncementSummary {
    pub number: String,
    pub date: NaiveDate,
    pub issuer: String,
    pub effective: NaiveDate,
    pub items: Vec<AnnouncementItem>,
}

#[derive(Serialize, JsonSchema)]
pub struct AnnouncementItem {
    /// What the decision did, in Vietnamese (công bố mới, sửa đổi, thay thế, bãi bỏ).
    pub action: &'static str,
    pub code: String,
}

/// What a unit must post on a date, what it has posted, and the gaps.
#[derive(Serialize, JsonSchema)]
pub struct UnitProcedures {
    pub unit: String,
    pub unit_name: String,
    pub on: NaiveDate,
    pub required: Vec<ProcedureSummary>,
    pub posted: Vec<Posting>,
    pub gaps: Vec<motcua_domain::catalogue::Gap>,
    pub up_to_date: bool,
}

#[derive(Serialize, JsonSchema)]
pub struct PostingRecorded {
    /// "recorded"
    pub status: &'static str,
    pub posting: Posting,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct SearchQuery {
    q: Option<String>,
    field: Option<String>,
    level: Option<String>,
    unit: Option<String>,
    #[serde(default)]
    online: bool,
    on: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
}

/// GET /procedures: ranked search (`q`), filters, pagination with the total.
pub async fn search(
    State(app): State<AppState>,
    Params(q): Params<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    let on = on_date(q.on.as_deref())?;
    let level = q
        .level
        .as_deref()
        .map(|l| {
            UnitLevel::parse(l).ok_or_else(|| {
                ApiError::invalid(
                    "level",
                    format!("cấp '{l}' không tồn tại"),
                    format!("unknown level '{l}'"),
                )
            })
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) || q.q.as_ref().is_some_and(|s| s.chars().count() > 200) {
        return Err(ApiError::invalid(
            "limit",
            "limit từ 1 đến 500; từ khóa không quá 200 ký tự",
            "limit must be 1 to 500 and the query at most 200 characters",
        ));
    }
    let offset = q.offset.unwrap_or(0);
    let (index, unit) = blocking(move || {
        Ok(app.store.read(|tx| {
            let unit = q
                .unit
                .as_deref()
                .map(|u| org::get_unit(tx, u))
                .transpose()?;
            Ok((app.search_index(tx, on)?, unit))
        })?)
    })
    .await?;
    let filter = SearchFilter {
        field: q.field,
        level,
        unit,
        online: q.online,
    };
    let hits = index.search(q.q.as_deref().unwrap_or(""), &filter);
    let items: Vec<ProcedureSummary> = hits
        .iter()
        .skip(offset)
        .take(limit)
        .map(|p| summary(p))
        .collect();
    let suggestions = if hits.is_empty() {
        index
            .suggest(q.q.as_deref().unwrap_or(""), &filter, 5)
            .iter()
            .map(|p| summary(p))
            .collect()
    } else {
        vec![]
    };
    Ok(Json(SearchResults {
        items,
        suggestions,
        total: hits.len(),
        offset,
        limit,
        on,
    }))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct OnQuery {
    on: Option<String>,
}

/// GET /procedures/{code}: the version in force (everything that must be posted) and every version.
pub async fn procedure(
    State(app): State<AppState>,
    PathOf(code): PathOf<String>,
    Params(q): Params<OnQuery>,
) -> Result<Json<ProcedureVersions>, ApiError> {
    let on = on_date(q.on.as_deref())?;
    let versions =
        blocking(move || Ok(app.store.read(|tx| procedures::versions(tx, &code))?)).await?;
    let Some(first) = versions.first() else {
        return Err(ApiError::not_found(
            "Không có thủ tục này",
            "No such procedure",
        ));
    };
    let code = first.spec.code.clone();
    let current = versions.iter().rev().find(|p| p.in_force_on(on));
    Ok(Json(ProcedureVersions {
        code,
        on,
        in_force: current.cloned(),
        versions: versions
            .iter()
            .map(|p| VersionDates {
                version: p.version,
                effective_from: p.effective_from,
                effective_to: p.effective_to,
                announced_by: p.announced_by.clone(),
            })
            .collect(),
    }))
}

/// GET /announcements: the province's announcement decisions, as imported.
pub async fn announcements(State(app): State<AppState>) -> Result<Json<Announcements>, ApiError> {
    let list = blocking(move || Ok(app.store.read(procedures::announcements)?)).await?;
    let items: Vec<AnnouncementSummary> = list
        .iter()
        .map(|a| AnnouncementSummary {
            number: a.number.clone(),
            date: a.date,
            issuer: a.issuer.clone(),
            effective: a.effective,
            items: a
                .items
                .iter()
                .map(|i| AnnouncementItem {
                    action: i.action_vi(),
                    code: i.code().to_owned(),
                })
                .collect(),
        })
        .collect();
    Ok(Json(Announcements {
        total: items.len(),
        items,
    }))
}

/// GET /units/{code}/procedures: what the unit must post on a date, what it has posted, the gaps.
pub async fn unit_list(
    State(app): State<AppState>,
    PathOf(code): PathOf<String>,
    Params(q): Params<OnQuery>,
) -> Result<Json<UnitProcedures>, ApiError> {
    let on = on_date(q.on.as_deref())?;
    let (unit, catalogue, postings) = blocking(move || {
        Ok(app.store.read(|tx| {
            Ok((
                org::get_unit(tx, &code)?,
                procedures::catalogue(tx)?,
                procedures::postings(tx, Some(&code))?,
            ))
        })?)
    })
    .await?;
    let required: Vec<ProcedureSummary> = catalogue
        .required_at(&unit, on)
        .into_iter()
        .map(summary)
        .collect();
    let gaps = posting_gaps(&catalogue, &unit, &postings, on);
    Ok(Json(UnitProcedures {
        unit: unit.code,
        unit_name: unit.name,
        on,
        required,
        posted: postings.into_iter().filter(|p| p.posted_on <= on).collect(),
        up_to_date: gaps.is_empty(),
        gaps,
    }))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostingBody {
    code: String,
    version: i64,
    posted_on: NaiveDate,
}

/// POST /units/{code}/postings: the unit's administrator records what is posted at the desk.
pub async fn record_posting(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(unit): PathOf<String>,
    Body(body): Body<PostingBody>,
) -> Result<(StatusCode, Json<PostingRecorded>), ApiError> {
    if body.posted_on > today() {
        return Err(ApiError::invalid(
            "posted_on",
            "ngày niêm yết không được ở tương lai",
            "posted_on cannot be in the future",
        ));
    }
    blocking(move || {
        let chain = app.store.read(|tx| org::chain(tx, &unit))?;
        if !can(&staff.grants, Action::AdministerUnit, &chain) {
            return Err(ApiError::forbidden());
        }
        let posting = Posting {
            unit,
            code: body.code,
            version: body.version,
            posted_on: body.posted_on,
        };
        app.store.write(|tx| {
            procedures::record_posting(tx, &posting, &format!("staff:{}", staff.id), Utc::now())
        })?;
        Ok((
            StatusCode::CREATED,
            Json(PostingRecorded {
                status: "recorded",
                posting,
            }),
        ))
    })
    .await
}
