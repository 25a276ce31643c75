//! The data of the printed forms, from a dossier's state: the control sheet rows with the persons
//! who hand over and receive, the register line, form 04 in the name of the late agency, form 05
//! (notice of stopping, Circular 03/2025). The HTML templates belong to the web layer; the numbers
//! of the forms come from the legal basis the dossier was received under (`Dossier::legal_basis`).

use serde::Serialize;

use crate::calendar::Timeliness;
use crate::dossier::{Actor, Dossier, Instant, Status};

/// One row of the control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ): a hand-over from
/// one unit and person to the next, when, and how the giving step stood against its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ControlRow {
    /// "Giao: <unit>" / "Nhận: <unit>".
    pub from_unit: String,
    pub to_unit: String,
    /// The person who handed it over (None for the applicant at reception).
    pub handed_by: Option<Actor>,
    /// The person who took it (None when it went to a unit, not a person).
    pub received_by: Option<i64>,
    pub at: Instant,
    /// The giving step's result against its budget (None for the reception row).
    pub result: Option<Timeliness>,
    pub note: Option<String>,
    /// Empty signature columns are printed while the electronic system does not record the
    /// hand-over itself; here it always does.
    pub signed_electronically: bool,
}

/// The rows of the control sheet: the reception (applicant to the desk), every hand-over, and the
/// result coming back to the desk.
pub fn control_sheet(d: &Dossier) -> Vec<ControlRow> {
    let mut rows = vec![];
    let Some(first) = d.steps.first() else {
        return rows;
    };
    rows.push(ControlRow {
        from_unit: d.applicant.full_name.clone(),
        to_unit: first.unit.clone(),
        handed_by: None,
        received_by: first.actor.as_ref().and_then(staff_id).or(first.holder),
        at: first.started_at,
        result: None,
        note: None,
        signed_electronically: true,
    });
    for w in d.steps.windows(2) {
        let (from, to) = (&w[0], &w[1]);
        rows.push(ControlRow {
            from_unit: from.unit.clone(),
            to_unit: to.unit.clone(),
            handed_by: from.finished_by.clone().or_else(|| to.actor.clone()),
            received_by: to.holder,
            at: to.started_at,
            result: from.result,
            note: from.note.clone(),
            signed_electronically: true,
        });
    }
    if let (Some(last), Some(at)) = (d.steps.last(), d.finished_at)
        && last.finished_at.is_some()
    {
        rows.push(ControlRow {
            from_unit: last.unit.clone(),
            to_unit: d.unit.clone(),
            handed_by: last.finished_by.clone(),
            received_by: None,
            at,
            result: last.result,
            note: last.note.clone(),
            signed_electronically: true,
        });
    }
    rows
}

fn staff_id(a: &Actor) -> Option<i64> {
    match a {
        Actor::Staff { id } => Some(*id),
        Actor::Import { staff, .. } => *staff,
        _ => None,
    }
}

/// One line of the register (sổ theo dõi hồ sơ: form 06 of Circular 01/2018, 07 of Circular 03/2025).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RegisterLine {
    pub code: Option<String>,
    pub procedure_code: String,
    pub procedure_name: String,
    pub applicant: String,
    pub address: Option<String>,
    pub phone: String,
    pub received_at: Option<Instant>,
    pub due: Option<Instant>,
    /// The unit it went to for processing (the first step after the desk's, if any).
    pub processed_by: Option<String>,
    pub finished_at: Option<Instant>,
    pub returned_at: Option<Instant>,
    pub result: Option<Timeliness>,
    pub status: Status,
    /// Apology, refusal, withdrawal, missing papers, corrections: what the "notes" column says.
    pub notes: Vec<String>,
    /// The register's form number under the dossier's legal basis.
    pub form: Option<&'static str>,
}

pub fn register_line(d: &Dossier) -> RegisterLine {
    let mut notes = vec![];
    if let Some(a) = &d.apology {
        notes.push(format!(
            "Xin lỗi, hẹn lại ngày {}",
            crate::dossier::to_local(a.new_appointment).format("%d/%m/%Y")
        ));
    }
    if let Some(r) = &d.refusal {
        notes.push(format!("Từ chối / trả lại: {r}"));
    }
    if let Some(r) = &d.withdrawal {
        notes.push(format!("Rút hồ sơ: {r}"));
    }
    for m in &d.missing_papers {
        notes.push(format!("Thiếu {}: {}", m.name, m.reason));
    }
    for c in &d.corrections {
        notes.push(format!(
            "Đính chính {}: {} → {}",
            c.field.label_vi(),
            c.from,
            c.to
        ));
    }
    RegisterLine {
        code: d.code.clone(),
        procedure_code: d.procedure.code.clone(),
        procedure_name: d.procedure.name.clone(),
        applicant: d.applicant.full_name.clone(),
        address: d.applicant.address.clone(),
        phone: d.applicant.phone.clone(),
        received_at: d.received_at,
        due: d.due,
        processed_by: d
            .steps
            .iter()
            .map(|s| s.unit.clone())
            .find(|u| *u != d.unit),
        finished_at: d.finished_at,
        returned_at: d.returned_at,
        result: d.result,
        status: d.status,
        notes,
        form: d.legal_basis().forms.register,
    }
}

/// The agency that was late: the unit holding the dossier when the apology was issued (form 04 is
/// issued in its name, not the desk's).
pub fn late_agency(d: &Dossier) -> Option<String> {
    let a = d.apology.as_ref()?;
    d.steps
        .iter()
        .rev()
        .find(|s| s.started_at <= a.at)
        .map(|s| s.unit.clone())
        .or_else(|| Some(d.current_unit.clone()))
}

/// Form 04 (apology and new appointment; from Circular 03/2025 "apology and request to extend").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApologyLetter {
    pub form: Option<&'static str>,
    /// The late agency, in whose name the letter is issued.
    pub agency: String,
    pub code: Option<String>,
    pub applicant: String,
    pub received_at: Option<Instant>,
    pub due: Option<Instant>,
    pub reason: String,
    pub new_appointment: Instant,
    pub issued_at: Instant,
    pub notice_in_time: bool,
}

pub fn apology_letter(d: &Dossier) -> Option<ApologyLetter> {
    let a = d.apology.as_ref()?;
    Some(ApologyLetter {
        form: d.legal_basis().forms.apology,
        agency: late_agency(d)?,
        code: d.code.clone(),
        applicant: d.applicant.full_name.clone(),
        received_at: d.received_at,
        due: d.due,
        reason: a.reason.clone(),
        new_appointment: a.new_appointment,
        issued_at: a.at,
        notice_in_time: a.notice_in_time,
    })
}

/// Form 05 of Circular 03/2025 (notice of stopping the processing of a dossier): for a dossier
/// withdrawn at the applicant's request under that circular. None before it (Circular 01/2018 had no
/// such form) or for other dossiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StopNotice {
    pub form: &'static str,
    pub unit: String,
    pub code: Option<String>,
    pub applicant: String,
    pub procedure_name: String,
    pub received_at: Option<Instant>,
    pub stopped_at: Instant,
    pub reason: String,
    pub legal_basis: &'static [&'static str],
}

pub fn stop_notice(d: &Dossier) -> Option<StopNotice> {
    let basis = d.legal_basis();
    let form = basis.forms.stop_notice?;
    let reason = d.withdrawal.clone()?;
    Some(StopNotice {
        form,
        unit: d.unit.clone(),
        code: d.code.clone(),
        applicant: d.applicant.full_name.clone(),
        procedure_name: d.procedure.name.clone(),
        received_at: d.received_at,
        stopped_at: d.closed_at?,
        reason,
        legal_basis: basis.documents,
    })
}
