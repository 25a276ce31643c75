//! The demo's boundary-free reception (issue 17): at phường Buôn Hồ's desk, a person living in
//! phường Cư Bao asks for a copy of a civil-status extract, a procedure the province lists as
//! received regardless of administrative boundaries. Buôn Hồ receives it (its code), hands it to
//! Cư Bao, which resolves it; the result is returned at Buôn Hồ, the point the applicant chose.
//! Reports count it received at Buôn Hồ and resolved by Cư Bao.

use anyhow::Result;
use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{
    Actor, Applicant, Channel, Command, Outcome, Paper, ReceptionDetails, from_local, to_local,
};
use motcua_domain::org::Role;
use motcua_domain::procedure::ProcedureRef;
use motcua_store::Store;
use motcua_store::dossiers::{self, Request, Target};

use super::catalogue::DemoProcedure;
use super::town;

/// Records the dossier through the store's own write path, on the working day `days_ago` working
/// days back (none when the procedure is not in the catalogue). Returns its code.
pub fn seed(
    store: &Store,
    cal: &WorkCalendar,
    catalogue: &[DemoProcedure],
    now: DateTime<Utc>,
    role_of: &dyn Fn(&str, Role) -> i64,
) -> Result<Option<String>> {
    let Some(p) = catalogue
        .iter()
        .find(|p| p.procedure.spec.code == "2.000635" && p.procedure.spec.boundary_free)
    else {
        return Ok(None);
    };
    // Four working days ago at 08:30, local time.
    let mut day = to_local(now).date();
    let mut back = 0;
    while back < 4 {
        day -= TimeDelta::days(1);
        if cal.is_working_day(day)? {
            back += 1;
        }
    }
    let at = |h: u32, m: u32| {
        from_local(day.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()))
    };
    let actor = |unit: &str, role| Actor::Import {
        staff: Some(role_of(unit, role)),
        source: "demo".into(),
    };
    let procedure = ProcedureRef::from(&p.procedure);
    let papers = procedure
        .papers
        .iter()
        .map(|s| Paper {
            name: s.name.clone(),
            copies: s.copies.max(1),
            file: None,
            kind: None,
        })
        .collect();
    let receive = Request {
        target: Target::New,
        actor: actor(town::PHUONG_BUON_HO, Role::ReceptionOfficer),
        command: Command::Receive {
            code: String::new(),
            channel: Channel::Desk,
            procedure: Some(procedure),
            unit: Some(town::PHUONG_BUON_HO.into()),
            applicant: Some(Applicant {
                full_name: "Y Blin Niê".into(),
                id_number: Some("066095004321".into()),
                phone: "0905441122".into(),
                email: None,
                address: Some("Tổ dân phố 3, phường Cư Bao, tỉnh Đắk Lắk".into()),
                date_of_birth: None,
                sex: None,
                kind: Default::default(),
                representative: None,
                notify: None,
                sealed: None,
            }),
            papers: Some(papers),
            details: ReceptionDetails {
                competent_unit: Some(town::PHUONG_CU_BAO.into()),
                return_unit: None,
                ..Default::default()
            },
        },
        now: at(8, 30),
    };
    let received = store.write(|tx| dossiers::execute(tx, cal, vec![receive]))?;
    let Some(first) = received.first() else {
        return Ok(None);
    };
    let id = first.id;
    let steps = [
        (
            actor(town::PHUONG_BUON_HO, Role::ReceptionOfficer),
            Command::HandOver {
                to_unit: town::PHUONG_CU_BAO.into(),
                external: true,
                note: "Chuyển hồ sơ tiếp nhận không phụ thuộc địa giới hành chính".into(),
                to_staff: None,
            },
            at(9, 15),
        ),
        (
            actor(town::PHUONG_CU_BAO, Role::Specialist),
            Command::HandOver {
                to_unit: town::PHUONG_CU_BAO.into(),
                external: false,
                note: String::new(),
                to_staff: None,
            },
            at(10, 30),
        ),
        (
            actor(town::PHUONG_CU_BAO, Role::UnitLeader),
            Command::MarkResultReady {
                outcome: Outcome::Approved,
            },
            at(14, 0),
        ),
        (
            actor(town::PHUONG_BUON_HO, Role::ReceptionOfficer),
            Command::Return {
                to_whom: "Y Blin Niê".into(),
            },
            at(16, 0),
        ),
    ];
    for (version, (actor, command, now)) in (1..).zip(steps) {
        store.write(|tx| {
            dossiers::execute(
                tx,
                cal,
                vec![Request {
                    target: Target::Existing {
                        id,
                        expected_version: version,
                    },
                    actor: actor.clone(),
                    command: command.clone(),
                    now,
                }],
            )
        })?;
    }
    Ok(first.dossier.code.clone())
}
