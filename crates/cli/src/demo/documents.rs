//! The demo's electronic documents: the results of dossiers resolved in the last weeks issued as
//! signed PDFs (with the built-in TEST certificate unless one is configured; a certification of a
//! copy still at the desk also gets its electronic certified copy), and scans attached at
//! the counter to the papers of dossiers received there recently, through the same code the staff
//! pages use, so Decision 766 indicators 6.1 and 6.2 have numbers; and one applicant's paper kept
//! in the citizen's store and reused for her next dossier (4.3, 4.4).

use anyhow::Result;
use chrono::{DateTime, TimeDelta, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::dossier::{Command, Status};
use motcua_domain::org::Staff;
use motcua_pdf::{Block, Document, Header, Meta};
use motcua_store::{StoreError, Tx, dossiers, org};
use motcua_web::App;

/// At most this many of each, newest first: enough to show, quick to make.
const LIMIT: usize = 60;

fn desk_of(tx: &mut dyn Tx, staff: &[Staff], unit: &str) -> Result<Option<Staff>, StoreError> {
    let chain = org::chain(tx, unit)?;
    Ok(staff
        .iter()
        .find(|s| s.active && can(&s.grants, Action::Desk, &chain))
        .cloned())
}

/// A stand-in for a scanner's output: a one-page PDF naming the paper.
fn scan_of(code: &str, paper: &str, at: DateTime<Utc>) -> Result<Vec<u8>> {
    let doc = Document {
        header: Header {
            issuer: "BẢN QUÉT TẠI QUẦY".into(),
            ..Header::default()
        },
        title: "BẢN QUÉT GIẤY TỜ (DỮ LIỆU MÔ PHỎNG)".into(),
        subtitle: vec![paper.to_owned()],
        body: vec![Block::text(format!(
            "Bản quét giấy tờ \"{paper}\" của hồ sơ {code}, số hóa tại Bộ phận Một cửa."
        ))],
        signers: vec![],
        recipients: vec![],
        meta: Meta {
            title: format!("Bản quét: {paper}"),
            author: "motcua demo".into(),
            subject: Some(format!("Hồ sơ {code}")),
            created: at,
        },
        landscape: false,
    };
    Ok(motcua_pdf::render(&doc)?)
}

/// One command by a member of staff, now, within the transaction `tx`.
fn one(
    tx: &mut dyn Tx,
    cal: &motcua_domain::calendar::WorkCalendar,
    target: dossiers::Target,
    actor: &Staff,
    command: Command,
) -> Result<dossiers::Outcome, StoreError> {
    dossiers::execute(
        tx,
        cal,
        vec![dossiers::Request {
            target,
            actor: motcua_domain::dossier::Actor::Staff { id: actor.id },
            command,
            now: Utc::now(),
        }],
    )
    .map(|mut o| o.remove(0))
}

fn failed(e: motcua_web::ApiError) -> StoreError {
    StoreError::Db(format!("{} / {}", e.vi, e.en))
}

/// Certifications of copies at the counter today: the original scanned at reception, the copy
/// certified electronically, the result returned (certification is done the same day, so the
/// simulated history has none still at the desk to certify). Returns how many.
fn certify_today(app: &App, now: DateTime<Utc>, staff: &[Staff]) -> Result<usize> {
    let people = [
        ("Nguyễn Thị Hồng Nhung", "0905 214 367", "066190004512"),
        ("Trần Văn Đức", "0914 552 108", "066090007731"),
        ("H Lan Êban", "0978 330 215", "066188002264"),
    ];
    let today = motcua_domain::dossier::to_local(now).date();
    let mut done = 0;
    for (unit, (name, phone, id_number)) in [
        super::town::PHUONG_BUON_HO,
        super::town::PHUONG_CU_BAO,
        super::town::XA_EA_DRONG,
    ]
    .into_iter()
    .zip(people)
    {
        done += app.store.write(|tx| {
            let Ok(procedure) = motcua_store::procedures::in_force(tx, "2.000815", today) else {
                return Ok(0);
            };
            let Some(desk) = desk_of(tx, staff, unit)? else {
                return Ok(0);
            };
            let chain = org::chain(tx, unit)?;
            let Some(leader) = staff
                .iter()
                .find(|s| s.active && can(&s.grants, Action::Decide, &chain))
            else {
                return Ok(0);
            };
            let procedure = motcua_domain::procedure::ProcedureRef::from(&procedure);
            let papers: Vec<motcua_domain::dossier::Paper> = procedure
                .papers
                .iter()
                .map(|p| motcua_domain::dossier::Paper {
                    name: p.name.clone(),
                    copies: p.copies,
                    file: None,
                    kind: None,
                })
                .collect();
            let cal = app.calendar(tx)?;
            let step = |tx: &mut dyn Tx, target, actor: &Staff, command| {
                one(tx, &cal, target, actor, command)
            };
            let received = step(
                tx,
                dossiers::Target::New,
                &desk,
                Command::Receive {
                    code: String::new(),
                    channel: motcua_domain::dossier::Channel::Desk,
                    procedure: Some(procedure.clone()),
                    unit: Some(unit.to_owned()),
                    applicant: Some(motcua_domain::dossier::Applicant {
                        full_name: name.into(),
                        id_number: Some(id_number.into()),
                        phone: phone.into(),
                        email: None,
                        address: None,
                        date_of_birth: None,
                        sex: None,
                        kind: Default::default(),
                        representative: None,
                        notify: None,
                        sealed: None,
                    }),
                    papers: Some(papers),
                    details: Default::default(),
                },
            )?;
            let id = received.id;
            let code = received.dossier.code.clone().unwrap_or_default();
            for (i, p) in received.dossier.papers.iter().enumerate() {
                let pdf =
                    scan_of(&code, &p.name, now).map_err(|e| StoreError::Db(e.to_string()))?;
                motcua_web::documents::service::attach_scan(app, tx, &desk, id, i + 1, &pdf, None)
                    .map_err(failed)?;
            }
            let version = dossiers::load(tx, id)?.version;
            step(
                tx,
                dossiers::Target::Existing {
                    id,
                    expected_version: version,
                },
                &desk,
                Command::HandOver {
                    to_unit: unit.to_owned(),
                    external: false,
                    note: String::new(),
                    to_staff: None,
                },
            )?;
            step(
                tx,
                dossiers::Target::Existing {
                    id,
                    expected_version: version + 1,
                },
                leader,
                Command::MarkResultReady {
                    outcome: motcua_domain::dossier::Outcome::Approved,
                },
            )?;
            motcua_web::documents::service::issue(
                app,
                tx,
                &desk,
                id,
                None,
                motcua_domain::dossier::DocumentKind::CertifiedCopy,
                Some(0),
            )
            .map_err(failed)?;
            Ok(1)
        })?;
    }
    Ok(done)
}

/// The citizen's store at work (Decision 766, 4.3 and 4.4): a certification of a signature received
/// at the counter today, its papers scanned, its result issued as a signed PDF; then a second dossier
/// of the same applicant (a contract to certify) received with her ID card reused from the store
/// with her consent, through the offers and the reception the counter page uses. Returns (results
/// issued, papers scanned, papers reused).
fn reuse_today(app: &App, now: DateTime<Utc>, staff: &[Staff]) -> Result<(usize, usize, usize)> {
    let (name, phone, id_number) = ("Lê Thị Thu Hà", "0935 118 402", "066192003318");
    let unit = super::town::PHUONG_BUON_HO;
    let applicant = motcua_domain::dossier::Applicant {
        full_name: name.into(),
        id_number: Some(id_number.into()),
        phone: phone.into(),
        email: None,
        address: None,
        date_of_birth: None,
        sex: None,
        kind: Default::default(),
        representative: None,
        notify: None,
        sealed: None,
    };
    let today = motcua_domain::dossier::to_local(now).date();
    Ok(app.store.write(|tx| {
        let (Ok(first), Ok(second)) = (
            motcua_store::procedures::in_force(tx, "2.000884", today),
            motcua_store::procedures::in_force(tx, "2.001035", today),
        ) else {
            return Ok((0, 0, 0));
        };
        let Some(desk) = desk_of(tx, staff, unit)? else {
            return Ok((0, 0, 0));
        };
        let chain = org::chain(tx, unit)?;
        let Some(leader) = staff
            .iter()
            .find(|s| s.active && can(&s.grants, Action::Decide, &chain))
        else {
            return Ok((0, 0, 0));
        };
        let papers_of = |p: &motcua_domain::procedure::Procedure| {
            p.spec
                .papers
                .iter()
                .map(|p| motcua_domain::dossier::Paper {
                    name: p.name.clone(),
                    copies: p.copies.max(1),
                    file: None,
                    kind: Some(motcua_domain::dossier::PaperKind::Original),
                })
                .collect::<Vec<_>>()
        };
        let cal = app.calendar(tx)?;
        let run =
            |tx: &mut dyn Tx, target, command, actor: &Staff| one(tx, &cal, target, actor, command);
        let receive = |tx: &mut dyn Tx, reception| {
            motcua_web::dossiers::service::receive_command(tx, &desk, reception).map_err(failed)
        };
        // The first dossier: received, every paper scanned, decided, the result issued signed.
        let (target, command) = receive(
            tx,
            motcua_web::dossiers::service::Reception {
                procedure_code: first.spec.code.clone(),
                unit: unit.to_owned(),
                channel: "desk".into(),
                applicant: applicant.clone(),
                papers: papers_of(&first),
                details: Default::default(),
            },
        )?;
        let received = run(tx, target, command, &desk)?;
        let (id, code) = (
            received.id,
            received.dossier.code.clone().unwrap_or_default(),
        );
        let mut scanned = 0;
        for (i, p) in received.dossier.papers.iter().enumerate() {
            let pdf = scan_of(&code, &p.name, now).map_err(|e| StoreError::Db(e.to_string()))?;
            motcua_web::documents::service::attach_scan(app, tx, &desk, id, i + 1, &pdf, None)
                .map_err(failed)?;
            scanned += 1;
        }
        let version = dossiers::load(tx, id)?.version;
        let existing = |v| dossiers::Target::Existing {
            id,
            expected_version: v,
        };
        run(
            tx,
            existing(version),
            Command::HandOver {
                to_unit: unit.to_owned(),
                external: false,
                note: String::new(),
                to_staff: None,
            },
            &desk,
        )?;
        run(
            tx,
            existing(version + 1),
            Command::MarkResultReady {
                outcome: motcua_domain::dossier::Outcome::Approved,
            },
            leader,
        )?;
        motcua_web::documents::service::issue_result(app, tx, &desk, id, None).map_err(failed)?;
        // The second: what the store offers for her ID number, reused with her consent.
        let offers =
            motcua_web::dossiers::service::reuse_offers(tx, &desk, id_number, &second.spec.papers)
                .map_err(failed)?;
        let papers = papers_of(&second);
        let reuse: Vec<motcua_domain::dossier::ReusedPaper> = offers
            .iter()
            .filter(|o| o.from == code)
            .map(|o| motcua_domain::dossier::ReusedPaper {
                paper: o.paper,
                from: String::new(),
                file: o.file.clone(),
            })
            .collect();
        let reused = reuse.len();
        let (target, command) = receive(
            tx,
            motcua_web::dossiers::service::Reception {
                procedure_code: second.spec.code.clone(),
                unit: unit.to_owned(),
                channel: "desk".into(),
                applicant: applicant.clone(),
                papers,
                details: motcua_domain::dossier::ReceptionDetails {
                    reuse,
                    reuse_consent: true,
                    ..Default::default()
                },
            },
        )?;
        run(tx, target, command, &desk)?;
        Ok((1, scanned, reused))
    })?)
}

/// Issues results and attaches scans; returns (results issued, papers scanned, copies certified,
/// papers reused from the citizen's store).
pub fn seed(app: &App, now: DateTime<Utc>) -> Result<(usize, usize, usize, usize)> {
    let since = now - TimeDelta::days(21);
    let (resolved, received, staff) = app.store.read(|tx| {
        Ok((
            dossiers::resolved_since(tx, since)?,
            dossiers::open_at_desk_since(tx, since)?,
            org::list_staff(tx)?,
        ))
    })?;
    let (mut issued, mut copies) = (0, 0);
    for id in resolved.into_iter().take(LIMIT) {
        // (results issued, certified copies issued) for this dossier.
        let (results, copy) = app.store.write(|tx| {
            let d = dossiers::load(tx, id)?;
            if !matches!(d.status, Status::ResultReady | Status::Returned) {
                return Ok((0, 0));
            }
            let Some(desk) = desk_of(tx, &staff, &d.unit)? else {
                return Ok((0, 0));
            };
            let mut copy = 0;
            // A certification of a copy still at the desk: the original scanned, then certified.
            if motcua_domain::stats::certifies_copies(&d)
                && d.closed_at.is_none()
                && d.papers.first().is_some_and(|p| p.file.is_none())
            {
                let code = d.code.clone().unwrap_or_default();
                let pdf = scan_of(&code, &d.papers[0].name, now)
                    .map_err(|e| StoreError::Db(e.to_string()))?;
                motcua_web::documents::service::attach_scan(app, tx, &desk, id, 1, &pdf, None)
                    .map_err(failed)?;
                motcua_web::documents::service::issue(
                    app,
                    tx,
                    &desk,
                    id,
                    None,
                    motcua_domain::dossier::DocumentKind::CertifiedCopy,
                    Some(0),
                )
                .map_err(failed)?;
                copy = 1;
            }
            motcua_web::documents::service::issue_result(app, tx, &desk, id, None)
                .map_err(failed)?;
            Ok((1, copy))
        })?;
        issued += results;
        copies += copy;
    }
    let mut scanned = 0;
    for id in received.into_iter().take(LIMIT) {
        scanned += app.store.write(|tx| {
            let d = dossiers::load(tx, id)?;
            let Some(desk) = desk_of(tx, &staff, &d.unit)? else {
                return Ok(0);
            };
            let code = d.code.clone().unwrap_or_default();
            let mut n = 0;
            for (i, p) in d.papers.iter().enumerate() {
                if p.file.is_some() {
                    continue;
                }
                let pdf =
                    scan_of(&code, &p.name, now).map_err(|e| StoreError::Db(e.to_string()))?;
                motcua_web::documents::service::attach_scan(app, tx, &desk, id, i + 1, &pdf, None)
                    .map_err(failed)?;
                n += 1;
            }
            Ok(n)
        })?;
    }
    // Copies certified while their result was issued above count with those certified today.
    let certified = copies + certify_today(app, now, &staff)?;
    let (results, scans, reused) = reuse_today(app, now, &staff)?;
    Ok((issued + results, scanned + scans, certified, reused))
}
