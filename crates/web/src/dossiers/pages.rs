//! The officials' workspace as server-rendered pages that work without JavaScript: queues of the
//! units in the caller's scope, the dossier with its control sheet and only the actions the caller
//! may take now, and reception at the counter. Writes go through the same service as the API.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{TimeDelta, Utc};
use motcua_domain::authz::Action;
use motcua_domain::dossier::{Context, Instant, Status, to_local};
use motcua_domain::org::{Role, Staff};
use motcua_store::dossiers::{self, Filter};
use motcua_store::{org, procedures};
use serde::Deserialize;

use crate::access::scope;
use crate::access::{self, Access};
use crate::app::{AppState, blocking};
use crate::auth::{StaffPage, who};
use crate::dossiers::service::{
    ActionBody, Caller, Reception, command_for, receive_command, run, run_then,
};
use crate::http::ApiError;
use crate::http::PageError;
use crate::http::Params;
use crate::http::form::{APPLICANT_FIELDS, FormValues, InputField, NotifyInput};
use crate::http::format::when;
use crate::i18n::filters;

use super::actions::{ActionForm, actions};
use super::print::printable;
use crate::http::page::render as html;
struct QueueLink {
    key: &'static str,
    label: &'static str,
    count: i64,
    current: bool,
}

struct QueueRow {
    id: i64,
    code: String,
    procedure: String,
    applicant: String,
    received: String,
    due: String,
    overdue: bool,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "dossiers/queue.html")]
struct QueuePage {
    who: String,
    queues: Vec<QueueLink>,
    title: &'static str,
    current: String,
    items: Vec<QueueRow>,
    next: String,
    procedure: String,
    procedures: Vec<(String, String)>,
    search: String,
}

/// What a staff search looks for: a dossier code (any unit the caller sees), an ID number,
/// passport, tax code or phone (through the vault's blind index), or part of a name; the last two
/// only where the caller sees personal data.
fn search_filter(
    tx: &mut dyn motcua_store::Tx,
    access: &Access,
    term: &str,
) -> Result<Filter, motcua_store::StoreError> {
    let base = Filter {
        limit: 50,
        ..Filter::default()
    };
    let code = term.trim().to_uppercase();
    if let Some(id) = dossiers::id_by_code(tx, &code)? {
        return Ok(Filter {
            units: Some(access.units()),
            ids: Some(vec![id]),
            ..base
        });
    }
    let compact = motcua_store::vault::normalise_term(term);
    let personal = Some(access.personal_units());
    if compact.len() >= 8 && compact.chars().filter(char::is_ascii_digit).count() >= 6 {
        let keys = motcua_store::vault::Keys::load(tx)?;
        let mut ids = motcua_store::vault::dossiers_of(tx, &keys, "id", term)?;
        ids.extend(motcua_store::vault::dossiers_of(tx, &keys, "phone", term)?);
        ids.sort_unstable();
        ids.dedup();
        return Ok(Filter {
            units: personal,
            ids: Some(ids),
            ..base
        });
    }
    Ok(Filter {
        units: personal,
        // One letter would list everyone: at least two characters.
        ids: (term.trim().chars().count() < 2).then(Vec::new),
        name_contains: Some(term.trim().to_owned()),
        ..base
    })
}

/// The queues: (key, label, filter).
fn queues(units: &[String], now: Instant, me: i64) -> Vec<(&'static str, &'static str, Filter)> {
    let base = Filter {
        units: Some(units.to_vec()),
        limit: 50,
        ..Filter::default()
    };
    vec![
        (
            "cua-toi",
            "Giao cho tôi",
            Filter {
                units: None,
                holder: Some(me),
                status: Some(Status::Processing),
                ..base.clone()
            },
        ),
        (
            "dang-xu-ly",
            "Đang xử lý",
            Filter {
                status: Some(Status::Processing),
                ..base.clone()
            },
        ),
        (
            "sap-den-han",
            "Sắp đến hạn",
            Filter {
                status: Some(Status::Processing),
                due_after: Some(now),
                due_before: Some(now + TimeDelta::days(2)),
                ..base.clone()
            },
        ),
        (
            "qua-han",
            "Quá hạn",
            Filter {
                overdue_at: Some(now),
                ..base.clone()
            },
        ),
        (
            "cho-bo-sung",
            "Chờ bổ sung",
            Filter {
                status: Some(Status::SupplementRequested),
                ..base.clone()
            },
        ),
        (
            "cho-tiep-nhan",
            "Chờ tiếp nhận",
            Filter {
                status: Some(Status::Submitted),
                by_receiving_unit: true,
                ..base.clone()
            },
        ),
        (
            "tam-dung",
            "Tạm dừng",
            Filter {
                status: Some(Status::Paused),
                ..base.clone()
            },
        ),
        (
            "co-ket-qua",
            "Chờ trả kết quả",
            Filter {
                status: Some(Status::ResultReady),
                by_receiving_unit: true,
                ..base
            },
        ),
    ]
}

#[derive(Deserialize)]
pub struct QueueQuery {
    hang: Option<String>,
    sau: Option<String>,
    /// Only this procedure (by code).
    thu_tuc: Option<String>,
    /// A search: dossier code, ID number, phone or part of the applicant's name.
    tim: Option<String>,
}

pub async fn queue(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<QueueQuery>,
) -> Result<Html<String>, PageError> {
    let search = q
        .tim
        .map(|t| t.trim().chars().take(100).collect::<String>())
        .filter(|t| !t.is_empty());
    let searched = search.clone().unwrap_or_default();
    let key = if search.is_some() {
        "tim-kiem".into()
    } else {
        q.hang.unwrap_or_else(|| "dang-xu-ly".into())
    };
    let procedure = q.thu_tuc.filter(|p| !p.is_empty());
    let chosen_procedure = procedure.clone().unwrap_or_default();
    let after = q
        .sau
        .as_deref()
        .and_then(|a| a.split_once('.'))
        .and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)));
    let now = Utc::now();
    let who = who(&staff);
    let (links, chosen, rows, applicants, names) = blocking(move || {
        Ok(app.store.write(|tx| {
            let access = Access::of(tx, &staff)?;
            let units = access.units();
            let mut all = queues(&units, now, staff.id);
            for q in &mut all {
                q.2.procedure = procedure.clone();
            }
            let mut links = vec![];
            for (k, label, f) in &all {
                links.push(QueueLink {
                    key: k,
                    label,
                    count: dossiers::count(tx, f)?,
                    current: *k == key,
                });
            }
            let (k, label, mut f) = match &search {
                Some(term) => {
                    let mut f = search_filter(tx, &access, term)?;
                    f.procedure = procedure.clone();
                    ("tim-kiem", "Kết quả tìm kiếm", f)
                }
                None => all
                    .into_iter()
                    .find(|x| x.0 == key)
                    .unwrap_or_else(|| queues(&units, now, staff.id).remove(1)),
            };
            f.after = after;
            let rows = dossiers::list(tx, &f)?;
            let mut applicants = Vec::with_capacity(rows.len());
            for s in &rows {
                applicants.push(access.name_in_list(tx, s, "queue page")?);
            }
            let names: Vec<(String, String)> = procedures::catalogue(tx)?
                .all_in_force(to_local(now).date())
                .map(|p| (p.spec.code.clone(), p.spec.name.clone()))
                .collect();
            Ok((links, (k, label), rows, applicants, names))
        })?)
    })
    .await?;
    let next = if rows.len() == 50 {
        rows.last().map(|s| {
            let (a, b) = dossiers::cursor_of(s);
            format!("{a}.{b}")
        })
    } else {
        None
    };
    html(&QueuePage {
        who,
        queues: links,
        title: chosen.1,
        current: chosen.0.to_owned(),
        items: rows
            .iter()
            .zip(applicants)
            .map(|(s, applicant)| QueueRow {
                id: s.id,
                code: motcua_domain::dossier::shown_code(s.code.as_deref(), s.id),
                procedure: names
                    .iter()
                    .find(|(c, _)| *c == s.procedure_code)
                    .map_or(s.procedure_code.clone(), |(_, n)| n.clone()),
                applicant,
                received: when(s.received_at),
                due: when(s.due_at),
                overdue: s.status == Status::Processing && s.due_at.is_some_and(|d| d < now),
                status: s.status.label_vi(),
            })
            .collect(),
        next: next.unwrap_or_default(),
        search: searched,
        procedure: chosen_procedure,
        procedures: {
            let mut p = names.clone();
            p.sort_by_key(|(_, n)| motcua_domain::text::fold_vi(n));
            p
        },
    })
}

struct ControlRow {
    step: String,
    from: String,
    to: String,
    started: String,
    due: String,
    done: String,
    result: &'static str,
}

#[derive(Template)]
#[template(path = "dossiers/dossier.html")]
struct DossierPage {
    who: String,
    id: i64,
    version: i64,
    code: String,
    procedure: String,
    notice: String,
    error: String,
    status: &'static str,
    overdue: bool,
    applicant: String,
    unit: String,
    current_unit: String,
    /// The competent agency and the return point, when not the receiving unit (boundary-free).
    competent_unit: String,
    return_unit: String,
    received: String,
    due: String,
    appointment: String,
    result: &'static str,
    has_receipt: bool,
    prints: Vec<(&'static str, &'static str)>,
    form: &'static str,
    rows: Vec<ControlRow>,
    papers: Vec<PaperLine>,
    /// The procedure's own blank forms: (download link, title, "PDF, 42 KB").
    blank_forms: Vec<(String, String, String)>,
    /// The applicant's kind and identity, the representative, the condition: (label, value).
    details: Vec<(&'static str, String)>,
    /// Mandatory papers received without, with the reason.
    missing: Vec<String>,
    /// Corrections of the applicant's details: when, what, from, to, why.
    corrections: Vec<String>,
    /// Electronic documents: (number, title, issued at).
    documents: Vec<(usize, String, String)>,
    /// The desk may issue the result as a signed PDF now.
    can_issue: bool,
    /// Papers the desk may attach a scan to: (number, name).
    scannable: Vec<(usize, String)>,
    /// Scanned papers the desk may issue an electronic certified copy of: (number, name).
    copyable: Vec<(usize, String)>,
    actions: Vec<ActionForm>,
    history: Vec<String>,
}

/// A paper on the dossier page: its copies and kind, its name, and when the caller may open its
/// file, the viewer's link and the preview's (with a PDF's page count as a caption).
struct PaperLine {
    copies: String,
    name: String,
    href: String,
    thumb: String,
    caption: String,
}

async fn dossier_page(
    app: AppState,
    staff: Staff,
    id: i64,
    notice: String,
    error: String,
) -> Result<Html<String>, PageError> {
    let now = Utc::now();
    let who = who(&staff);
    let page = blocking(move || {
        let files = app.settings.files_dir.clone();
        let cal = app.store.read(|tx| app.calendar(tx))?;
        let (d, access, history, units, chains, everyone, performers) =
            app.store.write(|tx| {
                let (d, access) = match access::load_visible(tx, &staff, id) {
                    Ok(x) => x,
                    Err(e) => return Ok(Err(e)),
                };
                if access.personal {
                    access::log_view(tx, staff.id, id, "staff page")?;
                }
                // Actions are checked against the units the dossier has been at (the receiving and
                // the holding unit among them), so only their chains are needed.
                let mut chains = std::collections::HashMap::new();
                let involved = std::iter::once(d.unit.clone())
                    .chain(std::iter::once(d.current_unit.clone()))
                    .chain(d.steps.iter().map(|s| s.unit.clone()));
                for u in involved {
                    if let std::collections::hash_map::Entry::Vacant(e) = chains.entry(u) {
                        let chain = org::chain(tx, e.key())?;
                        e.insert(chain);
                    }
                }
                // The units the procedure's workflow names as performers of its steps.
                let performers: Vec<String> = app
                    .catalogue(tx)?
                    .versions(&d.procedure.code)
                    .iter()
                    .find(|p| p.version == d.procedure.version)
                    .map(|p| {
                        p.spec
                            .steps
                            .iter()
                            .filter_map(|s| s.performer.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(Ok((
                    d,
                    access,
                    dossiers::history(tx, id)?,
                    org::units(tx)?,
                    chains,
                    org::list_staff(tx)?,
                    performers,
                )))
            })??;
        let personal = access.personal;
        // The procedure's own blank forms, for the counter to print next to the dossier's forms.
        let blank_forms: Vec<(String, String, String)> = app
            .store
            .read(|tx| {
                crate::catalogue::service::blank_form_links(
                    tx,
                    &d.procedure.code,
                    d.procedure.version,
                )
            })?
            .into_iter()
            .map(|(n, (href, about))| {
                let paper = d.procedure.papers.get(n.saturating_sub(1));
                let title = paper
                    .map(|p| p.template.clone().unwrap_or_else(|| p.name.clone()))
                    .unwrap_or_default();
                (href, title, about)
            })
            .collect();
        let name = |code: &str| {
            units
                .iter()
                .find(|u| u.code == code)
                .map_or(code.to_owned(), |u| u.name.clone())
        };
        let today = to_local(now).date();
        // The holding unit first (hand-over between its own desk, officers and leaders), then the rest.
        let mut targets: Vec<(String, String)> = units
            .iter()
            .filter(|u| u.is_valid_on(today))
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect();
        targets.sort_by_key(|(code, _)| *code != d.current_unit);
        let ctx = Context {
            now,
            calendar: &cal,
        };
        let chain_of = |u: &str| chains.get(u).cloned().unwrap_or_default();
        let staff_name = |id: i64| {
            everyone
                .iter()
                .find(|s| s.id == id)
                .map_or_else(|| format!("#{id}"), |s| s.full_name.clone())
        };
        // People to hand it to: those who can act on it next, at a unit that exists today: the
        // holding unit, the receiving desk, the performers of the procedure's steps and the
        // government above the holding unit. The empty choice hands it to the unit as a whole.
        let mut next_units: Vec<String> = vec![d.current_unit.clone(), d.unit.clone()];
        next_units.extend(performers);
        if let Some(parent) = units
            .iter()
            .find(|u| u.code == d.current_unit)
            .and_then(|u| u.parent.clone())
        {
            next_units.push(parent);
        }
        next_units.retain(|c| units.iter().any(|u| u.code == *c && u.is_valid_on(today)));
        let mut people = vec![(String::new(), crate::i18n::t("Cả đơn vị").to_owned())];
        people.extend(everyone.iter().filter(|s| s.active).flat_map(|s| {
            s.grants
                .iter()
                .filter(|g| {
                    matches!(
                        g.role,
                        Role::Specialist | Role::UnitLeader | Role::ReceptionOfficer
                    ) && next_units.contains(&g.unit)
                })
                .map(|g| {
                    (
                        s.id.to_string(),
                        format!("{} ({}, {})", s.full_name, g.role.label_vi(), name(&g.unit)),
                    )
                })
                .collect::<Vec<_>>()
        }));
        let actions = actions(&d, &staff, &chain_of, &ctx, &targets, &people);
        let desk = personal
            && motcua_domain::authz::can(
                &staff.grants,
                motcua_domain::authz::Action::Desk,
                &chain_of(&d.unit),
            );
        let open = d.received_at.is_some() && d.closed_at.is_none();
        Ok(DossierPage {
            documents: d
                .documents
                .iter()
                .enumerate()
                .map(|(i, x)| (i + 1, x.document.title.clone(), when(Some(x.at))))
                .collect(),
            can_issue: desk && matches!(d.status, Status::ResultReady | Status::Returned),
            copyable: d
                .papers
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    desk && p.file.is_some()
                        && matches!(d.status, Status::ResultReady | Status::Returned)
                        && motcua_domain::stats::certifies_copies(&d)
                })
                .map(|(i, p)| (i + 1, p.name.clone()))
                .collect(),
            scannable: d
                .papers
                .iter()
                .enumerate()
                .filter(|(_, p)| desk && open && p.file.is_none())
                .map(|(i, p)| (i + 1, p.name.clone()))
                .collect(),
            who,
            id,
            version: d.version,
            code: motcua_domain::dossier::shown_code(d.code.as_deref(), id),
            procedure: format!(
                "{} ({}, phiên bản {})",
                d.procedure.name, d.procedure.code, d.procedure.version
            ),
            notice,
            error,
            status: d.status.label_vi(),
            overdue: d.is_overdue(now),
            applicant: if personal {
                format!(
                    "{} · {} · {}",
                    d.applicant.full_name,
                    d.applicant.phone,
                    d.applicant.id_number.clone().unwrap_or_default()
                )
            } else {
                access::mask_name(&d.applicant.full_name)
            },
            unit: name(&d.unit),
            current_unit: name(&d.current_unit),
            competent_unit: d.competent.as_deref().map(name).unwrap_or_default(),
            return_unit: d.return_unit.as_deref().map(name).unwrap_or_default(),
            received: when(d.received_at),
            due: when(d.due),
            appointment: when(d.appointment()),
            result: d.result.map_or("", |r| r.label_vi()),
            has_receipt: d.received_at.is_some() && personal,
            prints: printable(&d),
            form: d.legal_basis().forms.control_sheet.unwrap_or_default(),
            rows: d
                .steps
                .iter()
                .map(|s| ControlRow {
                    step: s.name.clone(),
                    from: name(&s.unit),
                    to: s.handed_to.as_deref().map(name).unwrap_or_default(),
                    started: when(Some(s.started_at)),
                    due: when(Some(s.due)),
                    done: when(s.finished_at),
                    result: s.result.map_or("", |r| r.label_vi()),
                })
                .collect(),
            blank_forms,
            papers: d
                .papers
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let mut copies = crate::i18n::t1("{} bản", p.copies);
                    if let Some(k) = p.kind {
                        copies = format!("{copies} · {}", crate::i18n::t(k.label_vi()));
                    }
                    if let Some(r) = d.reused.iter().find(|r| r.paper == i) {
                        copies = format!(
                            "{copies} · {} ({} {})",
                            crate::i18n::t("Đã số hóa: dùng lại"),
                            crate::i18n::t("từ hồ sơ"),
                            r.from
                        );
                    }
                    let mut line = PaperLine {
                        copies,
                        name: p.name.clone(),
                        href: String::new(),
                        thumb: String::new(),
                        caption: String::new(),
                    };
                    let file = p.file.as_deref().filter(|_| personal);
                    if let Some(kind) =
                        file.and_then(|f| crate::public::service::describe_paper(&files, f))
                    {
                        line.href = format!("/can-bo/ho-so/{id}/giay-to/{}", i + 1);
                        line.thumb = format!("{}/anh-nho", line.href);
                        if let crate::public::service::PaperKind::Pdf { pages } = kind {
                            line.caption = match pages {
                                Some(n) => format!("PDF · {}", crate::i18n::t1("{} trang", n)),
                                None => "PDF".into(),
                            };
                        }
                    } else if file.is_some() {
                        line.href = format!("/can-bo/ho-so/{id}/giay-to/{}", i + 1);
                    }
                    line
                })
                .collect(),
            details: applicant_details(&d, personal),
            missing: d
                .missing_papers
                .iter()
                .map(|m| format!("{}: {}", m.name, m.reason))
                .collect(),
            corrections: if personal {
                d.corrections
                    .iter()
                    .map(|c| {
                        format!(
                            "{} · {}: {} → {} ({})",
                            when(Some(c.at)),
                            crate::i18n::t(c.field.label_vi()),
                            c.from,
                            c.to,
                            c.reason
                        )
                    })
                    .collect()
            } else {
                vec![]
            },
            actions,
            history: history
                .iter()
                .map(|e| history_line(e, personal, &name, &staff_name))
                .collect(),
        })
    })
    .await?;
    html(&page)
}

/// One line of the dossier's history: when, what, who did it, and what they wrote (to whom it went,
/// the note, the reason). A correction's old and new values are personal data: only with the right.
fn history_line(
    e: &motcua_domain::dossier::Recorded,
    personal: bool,
    unit_name: &dyn Fn(&str) -> String,
    staff_name: &dyn Fn(i64) -> String,
) -> String {
    use motcua_domain::dossier::{Actor, Event};
    let t = crate::i18n::t;
    let mut line = format!("{} · {}", when(Some(e.at)), t(e.event.label_vi()));
    match &e.actor {
        Actor::Staff { id }
        | Actor::Import {
            staff: Some(id), ..
        } => {
            line.push_str(&format!(" · {}", staff_name(*id)));
        }
        Actor::Applicant => {
            line.push_str(&format!(" · {}", crate::i18n::t("người nộp")));
        }
        Actor::System | Actor::Import { staff: None, .. } => {}
    }
    let detail = match &e.event {
        Event::HandedOver {
            to_unit,
            next,
            note,
            ..
        } => {
            let mut d = format!("→ {}", unit_name(to_unit));
            if let Some(holder) = next.holder {
                d.push_str(&format!(" ({})", staff_name(holder)));
            }
            if !note.is_empty() {
                d.push_str(&format!(": {note}"));
            }
            d
        }
        Event::SupplementRequested { items, reason, .. } => {
            format!("{}: {}", reason, items.join("; "))
        }
        Event::Supplemented { note, .. } => note.clone(),
        Event::Received { reused, papers, .. } if !reused.is_empty() => reused
            .iter()
            .map(|r| {
                format!(
                    "{} \"{}\" ({} {}, SHA-256 {}…)",
                    crate::i18n::t("Đã số hóa: dùng lại"),
                    papers.get(r.paper).map_or("", |p| p.name.as_str()),
                    crate::i18n::t("từ hồ sơ"),
                    r.from,
                    &r.file[..r.file.len().min(12)]
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        Event::Corrected {
            field,
            from,
            to,
            reason,
            ..
        } => {
            if personal {
                format!("{}: {from} → {to} ({reason})", t(field.label_vi()))
            } else {
                format!("{} ({reason})", t(field.label_vi()))
            }
        }
        Event::Refused { reason }
        | Event::PersonalDataErased { reason }
        | Event::Paused { reason, .. }
        | Event::Withdrawn { reason }
        | Event::ReturnedUnsupplemented { reason, .. } => reason.clone(),
        Event::Apologized {
            reason,
            new_appointment,
            ..
        } => format!(
            "{reason} ({} {})",
            crate::i18n::t("hẹn lại"),
            when(Some(*new_appointment))
        ),
        _ => String::new(),
    };
    if !detail.is_empty() {
        line.push_str(" · ");
        line.push_str(&detail);
    }
    line
}

/// The label of a detail the population database can give (`dossier::POPULATION_FIELDS`).
fn population_field_label(field: &str) -> &'static str {
    match field {
        "full_name" => "Họ và tên",
        "id_number" => "Số định danh cá nhân",
        "date_of_birth" => "Ngày sinh",
        "sex" => "Giới tính",
        "address" => "Địa chỉ",
        _ => "",
    }
}

/// What the dossier page says of the applicant beyond the name: kind, identity, representative
/// (personal data only with the right to it), and the condition chosen at reception.
fn applicant_details(
    d: &motcua_domain::dossier::Dossier,
    personal: bool,
) -> Vec<(&'static str, String)> {
    use motcua_domain::dossier::ApplicantKind;
    let a = &d.applicant;
    let mut out = vec![(
        "Loại người nộp",
        crate::i18n::t(a.kind.label_vi()).to_owned(),
    )];
    if personal {
        match &a.kind {
            ApplicantKind::Citizen => {}
            ApplicantKind::Foreigner {
                passport,
                nationality,
            } => {
                out.push(("Số hộ chiếu", passport.clone()));
                out.push(("Quốc tịch", nationality.clone()));
            }
            ApplicantKind::Organisation {
                tax_code,
                legal_representative,
            } => {
                out.push(("Mã số thuế", tax_code.clone()));
                out.push((
                    "Người đại diện theo pháp luật",
                    legal_representative.clone(),
                ));
            }
        }
        if let Some(b) = a.date_of_birth {
            out.push(("Ngày sinh", b.format("%d/%m/%Y").to_string()));
        }
        if let Some(x) = a.sex {
            out.push(("Giới tính", crate::i18n::t(x.label_vi()).to_owned()));
        }
        if !d.population_data.is_empty() {
            out.push((
                "Dữ liệu từ CSDL quốc gia về dân cư",
                d.population_data
                    .iter()
                    .map(|f| crate::i18n::t(population_field_label(f)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        if let Some(r) = &a.representative {
            out.push((
                "Người được ủy quyền",
                format!("{} ({})", r.full_name, r.authorisation),
            ));
        }
        // The opt-in to notifications: by which channel, in which language (the address is the
        // e-mail or phone shown above).
        if let Some(n) = &a.notify {
            let language = match n.language() {
                motcua_domain::notify::Language::Vi => "Tiếng Việt",
                motcua_domain::notify::Language::En => "Tiếng Anh",
            };
            out.push((
                "Nhận thông báo qua",
                format!(
                    "{} ({})",
                    crate::i18n::t(n.channel.label_vi()),
                    crate::i18n::t(language)
                ),
            ));
        }
    }
    if let Some(c) = &d.condition {
        out.push(("Điều kiện áp dụng thời hạn", c.clone()));
    }
    out
}

#[derive(Deserialize)]
pub struct DossierQuery {
    ok: Option<String>,
}

pub async fn dossier(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
    Params(q): Params<DossierQuery>,
) -> Result<Html<String>, PageError> {
    let notice =
        q.ok.as_deref()
            .and_then(|ok| {
                super::actions::label_of(ok).or_else(|| crate::documents::service::notice_of(ok))
            })
            .map(|label| crate::i18n::t1("Đã thực hiện: {}", crate::i18n::t(label)))
            .unwrap_or_default();
    dossier_page(app, staff, id, notice, String::new()).await
}

/// POST /can-bo/ho-so/{id}/{action}: the action through the same code as the API, then back to the
/// dossier (303), or the dossier again with the reason it was refused.
pub async fn act(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, action)): Path<(i64, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormValues(&fields);
    let get = |k: &str| form.field(k);
    let body = ActionBody {
        version: get("version").and_then(|v| v.parse().ok()).unwrap_or(-1),
        items: get("items")
            .map(|t| {
                t.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        reason: get("reason").unwrap_or_default(),
        note: get("note").unwrap_or_default(),
        to_unit: get("to_unit"),
        to_staff: get("to_staff").and_then(|v| v.parse().ok()),
        pause: get("pause"),
        new_appointment: get("new_appointment"),
        approved: get("approved").map(|v| v == "true"),
        to_whom: get("to_whom"),
        field: get("field"),
        value: get("value"),
        exemption: get("exemption"),
        method: get("method"),
        amount: get("amount").and_then(|v| v.trim().parse().ok()),
        receipt: get("receipt"),
        fields: fields
            .iter()
            .filter(|(k, _)| k == "fields")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let app2 = app.clone();
    let staff2 = staff.clone();
    let action2 = action.clone();
    let done = blocking(move || {
        run(&app2, Caller::Staff(staff2.id), None, String::new(), |tx| {
            command_for(tx, &staff2, id, &action2, &body)
        })
    })
    .await;
    match done {
        Ok(_) => Redirect::to(&format!("/can-bo/ho-so/{id}?ok={action}")).into_response(),
        Err(e) => {
            let status = e.status;
            let message = crate::i18n::pick(&e.vi, &e.en).to_owned();
            match dossier_page(app, staff, id, String::new(), message).await {
                Ok(page) => (status, page).into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

/// A paper of the procedure at the counter: brought or not, its kind and copies, and the reason
/// a mandatory one was received without.
struct PaperRow {
    name: String,
    mandatory: bool,
    condition: String,
    brought: bool,
    kind: String,
    copies: String,
    reason: String,
    /// The citizen's store's papers for this one: (file, description), and the one chosen.
    offers: Vec<(String, String)>,
    reuse: String,
}

/// The kinds of paper, as the counter offers them: (key, label).
const PAPER_KINDS: [(&str, &str); 4] = [
    ("original", "Bản chính"),
    ("certified_copy", "Bản sao chứng thực"),
    ("photocopy", "Bản chụp"),
    ("electronic", "Bản điện tử"),
];

/// The applicant's kind and the authorised representative, beyond `APPLICANT_FIELDS`:
/// (name, label).
const KIND_FIELDS: [(&str, &str); 7] = [
    ("passport", "Số hộ chiếu"),
    ("nationality", "Quốc tịch"),
    ("tax_code", "Mã số thuế"),
    ("legal_representative", "Người đại diện theo pháp luật"),
    ("rep_name", "Họ tên người được ủy quyền"),
    ("rep_id_number", "Số định danh người được ủy quyền"),
    (
        "rep_authorisation",
        "Giấy ủy quyền (số, ngày) hoặc quan hệ đại diện",
    ),
];

#[derive(Template)]
#[template(path = "dossiers/reception.html")]
struct ReceptionPage {
    who: String,
    error: String,
    procedures: Vec<(String, String)>,
    procedure_code: String,
    units: Vec<(String, String)>,
    papers: Vec<PaperRow>,
    kinds: Vec<(&'static str, &'static str)>,
    applicant_kind: String,
    fields: Vec<InputField>,
    extra: Vec<InputField>,
    conditions: Vec<(String, String)>,
    condition: String,
    /// The officer looked the applicant up in the citizen's store (and what it said).
    store_note: String,
    reuse_consent: bool,
    /// The procedure is received regardless of administrative boundaries: the competent agency
    /// and the return point may be any unit of the province (`others`), chosen below.
    boundary_free: bool,
    others: Vec<(String, String)>,
    competent_unit: String,
    return_unit: String,
    notify: NotifyInput,
    /// The population database is connected: the "fill from it" button is offered.
    population: bool,
    /// The prefill's token (which details came from the database; no value in it).
    prefill_token: String,
    /// What the prefill did.
    prefill_note: String,
    /// The applicant's sex (`male`, `female` or empty) and its problem.
    sex: String,
    sex_error: String,
}

/// The applicant's identifier as the counter form gives it (ID number, passport or tax code).
fn form_identifier(form: &FormValues) -> Option<String> {
    ["id_number", "passport", "tax_code"]
        .into_iter()
        .filter_map(|k| form.optional(k))
        .find(|v| !motcua_store::vault::normalise_term(v).is_empty())
}

async fn reception_page(
    app: AppState,
    staff: Staff,
    procedure_code: String,
    values: Vec<(String, String)>,
    errors: Vec<ApiError>,
) -> Result<Html<String>, PageError> {
    reception_page_noted(app, staff, procedure_code, values, errors, String::new()).await
}

async fn reception_page_noted(
    app: AppState,
    staff: Staff,
    procedure_code: String,
    values: Vec<(String, String)>,
    errors: Vec<ApiError>,
    prefill_note: String,
) -> Result<Html<String>, PageError> {
    let who = who(&staff);
    let population = crate::population::service::connected(&app);
    let today = to_local(Utc::now()).date();
    let (app2, staff2) = (app.clone(), staff.clone());
    let (procs, units, specs, conditions, boundary_free, others) = blocking(move || {
        Ok(app.store.read(|tx| {
            let cat = procedures::catalogue(tx)?;
            let mut procs: Vec<(String, String)> = cat
                .all_in_force(today)
                .map(|p| (p.spec.code.clone(), p.spec.name.clone()))
                .collect();
            procs.sort_by_key(|p| motcua_domain::text::fold_vi(&p.1));
            let desk_units = scope(tx, &staff, Action::Desk)?;
            let all = org::units(tx)?;
            let units: Vec<(String, String)> = all
                .iter()
                .filter(|u| desk_units.contains(&u.code) && u.is_valid_on(today))
                .map(|u| (u.code.clone(), u.name.clone()))
                .collect();
            // The province of a unit: the top of its chain of parents.
            let root = |code: &str| {
                let mut c = code.to_owned();
                for _ in 0..16 {
                    match all
                        .iter()
                        .find(|u| u.code == c)
                        .and_then(|u| u.parent.clone())
                    {
                        Some(p) => c = p,
                        None => break,
                    }
                }
                c
            };
            let provinces: Vec<String> = units.iter().map(|u| root(&u.0)).collect();
            let boundary_free_spec = cat
                .in_force(&procedure_code, today)
                .filter(|p| p.spec.boundary_free)
                .map(|p| p.spec.clone());
            let others: Vec<(String, String)> = match &boundary_free_spec {
                Some(spec) => all
                    .iter()
                    .filter(|u| {
                        u.is_valid_on(today)
                            && spec.applies_to.applies(u)
                            && provinces.contains(&root(&u.code))
                    })
                    .map(|u| (u.code.clone(), u.name.clone()))
                    .collect(),
                None => vec![],
            };
            let boundary_free = boundary_free_spec.is_some();
            let (specs, conditions) = cat
                .in_force(&procedure_code, today)
                .map(|p| {
                    (
                        p.spec.papers.clone(),
                        p.spec
                            .conditional_limits
                            .iter()
                            .map(|c| {
                                (
                                    c.condition.clone(),
                                    format!("{} ({})", c.condition, c.limit.describe_vi()),
                                )
                            })
                            .collect::<Vec<_>>(),
                    )
                })
                .unwrap_or_default();
            Ok((procs, units, specs, conditions, boundary_free, others))
        })?)
    })
    .await?;
    let form = FormValues(&values);
    let value = |k: &str| form.value(k);
    // The citizen's store, by the identifier typed in (the desk only; nothing before one is given).
    let identifier = form_identifier(&form);
    let offers = match identifier.clone() {
        Some(id) if !specs.is_empty() => {
            let wanted = specs.clone();
            crate::app::read_tx(&app2, move |tx| {
                crate::dossiers::service::reuse_offers(tx, &staff2, &id, &wanted)
            })
            .await?
        }
        _ => vec![],
    };
    let looked_up = form.field("tim_kho").is_some();
    let store_note = match (looked_up, identifier.is_some(), offers.is_empty()) {
        (true, false, _) => {
            crate::i18n::t("Nhập số định danh của người nộp để tìm giấy tờ đã số hóa.")
        }
        (true, true, true) => {
            crate::i18n::t("Kho không có giấy tờ đã số hóa của người nộp cho thủ tục này.")
        }
        (_, _, false) => crate::i18n::t(
            "Kho có giấy tờ đã số hóa của người nộp cho thủ tục này; chọn ở từng giấy tờ và đánh dấu sự đồng ý của người nộp.",
        ),
        _ => "",
    }
    .to_owned();
    // A first visit has every paper ticked, one original each as the procedure lists.
    let submitted = form.field("procedure_code").is_some();
    // Every problem at once: each next to its field, all of them in the summary.
    let problems: Vec<(String, String)> = errors
        .iter()
        .map(|e| {
            (
                e.field.clone().unwrap_or_default(),
                crate::i18n::pick(&e.vi, &e.en).to_owned(),
            )
        })
        .collect();
    let message = problems
        .iter()
        .map(|(_, m)| m.as_str())
        .collect::<Vec<_>>()
        .join(" · ");
    let input = |name: &'static str, label: &'static str, required: bool| InputField {
        name,
        label,
        value: value(name),
        error: problems
            .iter()
            .filter(|(field, _)| {
                !field.is_empty()
                    && field.rsplit('.').next() == Some(name.trim_start_matches("rep_"))
                    && field.contains("representative") == name.starts_with("rep_")
            })
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" · "),
        required,
    };
    let code = value("procedure_code");
    let papers = specs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let key = |k: &str| format!("paper_{i}_{k}");
            PaperRow {
                name: p.name.clone(),
                mandatory: p.mandatory && p.condition.is_none(),
                condition: p.condition.clone().unwrap_or_default(),
                brought: if submitted {
                    form.field(&format!("paper_{i}")).is_some()
                } else {
                    p.condition.is_none()
                },
                kind: form
                    .optional(&key("kind"))
                    .unwrap_or_else(|| "original".into()),
                copies: form
                    .optional(&key("copies"))
                    .unwrap_or_else(|| p.copies.max(1).to_string()),
                reason: value(&key("reason")),
                offers: offers
                    .iter()
                    .filter(|o| o.paper == i)
                    .map(|o| {
                        (
                            o.file.clone(),
                            format!(
                                "{} · {} · {}",
                                o.name,
                                o.from,
                                to_local(o.received_at).format("%d/%m/%Y")
                            ),
                        )
                    })
                    .collect(),
                reuse: value(&key("reuse")),
            }
        })
        .collect();
    html(&ReceptionPage {
        who,
        error: message.clone(),
        procedure_code: if code.is_empty() {
            value("thu_tuc")
        } else {
            code
        },
        procedures: procs,
        units,
        boundary_free,
        others,
        competent_unit: value("competent_unit"),
        return_unit: value("return_unit"),
        papers,
        kinds: PAPER_KINDS.to_vec(),
        applicant_kind: form
            .optional("applicant_kind")
            .unwrap_or_else(|| "citizen".into()),
        fields: APPLICANT_FIELDS
            .iter()
            .map(|(name, label, required)| input(name, label, *required))
            .collect(),
        extra: KIND_FIELDS
            .iter()
            .map(|(name, label)| input(name, label, false))
            .collect(),
        conditions,
        condition: value("condition"),
        store_note,
        reuse_consent: form.field("reuse_consent").is_some(),
        notify: NotifyInput::new(
            &form,
            problems
                .iter()
                .filter(|(f, _)| f == "notify_channel")
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join(" · "),
        ),
        population,
        prefill_token: value(PREFILL_TOKEN),
        prefill_note,
        sex: value("sex"),
        sex_error: problems
            .iter()
            .filter(|(field, _)| field.rsplit('.').next() == Some("sex"))
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" · "),
    })
}

/// The hidden input carrying the prefill's token.
const PREFILL_TOKEN: &str = "tu_csdl_ma";

/// "Fill from the population database": the form again, with the person's name, date of birth,
/// sex and permanent residence as the database gives them and the token that lets the reception
/// record which details came from it; or with the reason next to the number (which check of the
/// number failed, nobody with it, not connected, unreachable). Nothing is recorded about a
/// dossier; the lookup itself is kept (who, where, when; never the number).
async fn prefill(app: AppState, staff: Staff, fields: Vec<(String, String)>) -> Response {
    let form = FormValues(&fields);
    let code = form.value("procedure_code");
    let number = form.value("id_number");
    let unit = form.value("unit");
    let (app2, staff2) = (app.clone(), staff.clone());
    let found = blocking(move || {
        crate::population::service::look_up_at_desk(&app2, &staff2, Some(&unit), &number)
    })
    .await;
    match found {
        Ok((person, id)) => {
            let token = crate::population::service::prefill_token(
                &app.form_key,
                &person,
                Utc::now().timestamp(),
            );
            let replaced = [
                "full_name",
                "id_number",
                "date_of_birth",
                "sex",
                "address",
                "applicant_kind",
                PREFILL_TOKEN,
            ];
            let mut values: Vec<(String, String)> = fields
                .iter()
                .filter(|(k, _)| !replaced.contains(&k.as_str()))
                .cloned()
                .collect();
            for (k, v) in [
                ("full_name", person.full_name.clone()),
                ("id_number", id.number.clone()),
                ("date_of_birth", person.date_of_birth.clone()),
                ("sex", person.sex.clone()),
                ("address", person.address.clone()),
                ("applicant_kind", "citizen".to_owned()),
                (PREFILL_TOKEN, token),
            ] {
                values.push((k.to_owned(), v));
            }
            let note = crate::i18n::t(
                "Đã điền họ tên, ngày sinh, giới tính và nơi thường trú từ CSDL quốc gia về dân cư. Hồ sơ sẽ ghi nhận các thông tin này lấy từ CSDL; thông tin nào sửa lại sẽ không được ghi như vậy.",
            )
            .to_owned();
            match reception_page_noted(app, staff, code, values, vec![], note).await {
                Ok(page) => page.into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => reception_refused(app, staff, fields, vec![e]).await,
    }
}

/// The reception a counter form asks for: the applicant of its kind with an optional authorised
/// representative, each listed paper brought (kind, copies) or missing (with its reason), the
/// condition chosen.
fn reception_from_form(fields: &[(String, String)]) -> Result<Reception, ApiError> {
    use motcua_domain::dossier::{
        ApplicantKind, MissingPaper, Paper, PaperKind, ReceptionDetails, Representative,
        ReusedPaper,
    };
    let form = FormValues(fields);
    let mut applicant = form.applicant();
    applicant.notify = form.notify()?;
    applicant.kind = match form.value("applicant_kind").as_str() {
        "" | "citizen" => ApplicantKind::Citizen,
        "foreigner" => ApplicantKind::Foreigner {
            passport: form.value("passport"),
            nationality: form.value("nationality"),
        },
        "organisation" => ApplicantKind::Organisation {
            tax_code: form.value("tax_code"),
            legal_representative: form.value("legal_representative"),
        },
        _ => {
            return Err(ApiError::invalid(
                "applicant.kind",
                "loại người nộp phải là công dân, người nước ngoài hoặc tổ chức",
                "the applicant is a citizen, a foreigner or an organisation",
            ));
        }
    };
    if let Some(name) = form.optional("rep_name") {
        applicant.representative = Some(Representative {
            full_name: name,
            id_number: form.optional("rep_id_number"),
            authorisation: form.value("rep_authorisation"),
        });
    }
    let mut papers = vec![];
    let mut missing_papers = vec![];
    let mut reuse = vec![];
    for i in 0.. {
        let key = |k: &str| format!("paper_{i}_{k}");
        let Some(name) = form.optional(&key("name")) else {
            break;
        };
        if form.field(&format!("paper_{i}")).is_some() {
            let copies = form.value(&key("copies"));
            let copies = copies
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "papers.copies",
                        format!("số bản của \"{name}\" phải từ 1 đến 100"),
                        format!("the copies of \"{name}\" must be 1 to 100"),
                    )
                })?;
            let kind = PaperKind::parse(&form.value(&key("kind"))).ok_or_else(|| {
                ApiError::invalid(
                    "papers.kind",
                    "loại bản giấy tờ không hợp lệ",
                    "unknown kind of paper",
                )
            })?;
            if let Some(file) = form.optional(&key("reuse")) {
                reuse.push(ReusedPaper {
                    paper: papers.len(),
                    from: String::new(),
                    file,
                });
            }
            papers.push(Paper {
                name,
                copies,
                file: None,
                kind: Some(kind),
            });
        } else if let Some(reason) = form.optional(&key("reason")) {
            missing_papers.push(MissingPaper { name, reason });
        }
    }
    Ok(Reception {
        procedure_code: form.value("procedure_code"),
        unit: form.value("unit"),
        channel: "desk".into(),
        applicant,
        papers,
        details: ReceptionDetails {
            condition: form.optional("condition"),
            missing_papers,
            reuse,
            reuse_consent: form.field("reuse_consent").is_some(),
            competent_unit: form.optional("competent_unit"),
            return_unit: form.optional("return_unit"),
        },
    })
}

#[derive(Deserialize)]
pub struct ReceptionQuery {
    thu_tuc: Option<String>,
}

pub async fn reception_form(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<ReceptionQuery>,
) -> Result<Html<String>, PageError> {
    let code = q.thu_tuc.unwrap_or_default();
    reception_page(
        app,
        staff,
        code.clone(),
        vec![("thu_tuc".into(), code)],
        vec![],
    )
    .await
}

/// POST /can-bo/tiep-nhan: reception at the counter, then the receipt.
pub async fn receive(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if FormValues(&fields).field("tu_csdl").is_some() {
        return prefill(app, staff, fields).await;
    }
    if FormValues(&fields).field("tim_kho").is_some() {
        // "Find digitised papers": the form again, with what the store holds for the applicant.
        let code = FormValues(&fields).value("procedure_code");
        return match reception_page(app, staff, code, fields, vec![]).await {
            Ok(page) => page.into_response(),
            Err(e) => e.into_response(),
        };
    }
    let reception = match reception_from_form(&fields) {
        Ok(r) => r,
        Err(e) => return reception_refused(app, staff, fields, vec![e]).await,
    };
    // The applicant's details are checked as a whole first, so the form shows every problem at
    // once, each next to its field; the rest (papers, procedure, unit) the reception checks.
    let mut errors = FormValues(&fields).birth_problems();
    let applicant = match reception.applicant.clone().validated_all() {
        Ok(a) => Some(a),
        Err(all) => {
            errors.extend(all.into_iter().map(ApiError::from));
            None
        }
    };
    let Some(applicant) = applicant.filter(|_| errors.is_empty()) else {
        return reception_refused(app, staff, fields, errors).await;
    };
    // The details still as the population database gave them (a prefill's token), recorded in
    // the reception's transaction: Decision 766 4.5a/4.5b.
    let from_database = if applicant.kind == motcua_domain::dossier::ApplicantKind::Citizen {
        crate::population::service::fields_from_database(
            &app.form_key,
            &FormValues(&fields).value(PREFILL_TOKEN),
            &applicant,
            Utc::now().timestamp(),
        )
    } else {
        vec![]
    };
    let (app2, staff2) = (app.clone(), staff.clone());
    let done = blocking(move || {
        run_then(
            &app2,
            Caller::Staff(staff2.id),
            None,
            String::new(),
            |tx| receive_command(tx, &staff2, reception),
            (!from_database.is_empty()).then_some(
                motcua_domain::dossier::Command::RecordPopulationData {
                    fields: from_database,
                },
            ),
        )
    })
    .await;
    match done {
        Ok((_, v)) => {
            Redirect::to(&format!("/can-bo/ho-so/{}/phieu-tiep-nhan", v["id"])).into_response()
        }
        Err(e) => reception_refused(app, staff, fields, vec![e]).await,
    }
}

/// The reception form again, as it was filled in, with what was refused.
async fn reception_refused(
    app: AppState,
    staff: Staff,
    fields: Vec<(String, String)>,
    errors: Vec<ApiError>,
) -> Response {
    let status = errors
        .first()
        .map_or(axum::http::StatusCode::UNPROCESSABLE_ENTITY, |e| e.status);
    let code = FormValues(&fields).value("procedure_code");
    match reception_page(app, staff, code, fields, errors).await {
        Ok(page) => (status, page).into_response(),
        Err(e) => e.into_response(),
    }
}

struct StaleRow {
    id: i64,
    version: i64,
    code: String,
    applicant: String,
    agency: String,
    requested: String,
    items: String,
    waited: u32,
    limit: u32,
}

#[derive(Template)]
#[template(path = "dossiers/stale.html")]
struct StalePage {
    who: String,
    rows: Vec<StaleRow>,
}

/// GET /can-bo/bo-sung-qua-han: the desk's dossiers whose supplement request waited past the
/// province's limit, each with the "return unsupplemented" action.
pub async fn stale(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
) -> Result<Html<String>, PageError> {
    let who = who(&staff);
    let items = crate::dossiers::service::stale_queue(&app, staff).await?;
    html(&StalePage {
        who,
        rows: items
            .into_iter()
            .map(|s| StaleRow {
                id: s.id,
                version: s.version,
                code: motcua_domain::dossier::shown_code(s.code.as_deref(), s.id),
                applicant: s.applicant_name,
                agency: s.agency,
                requested: when(Some(s.requested_at)),
                items: s.items.join("; "),
                waited: s.waited_working_days,
                limit: s.limit_working_days,
            })
            .collect(),
    })
}
