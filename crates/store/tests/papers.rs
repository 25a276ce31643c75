//! The citizen's store of papers on every backend: papers kept under the applicant's identifier
//! through the vault's blind index, offered only for that identifier, reused only with consent (the
//! source in the reception event, covered by `verify`), gone and never offered again once the
//! applicant's data is erased (a rebuild agrees), and Decision 766 indicators 4.3 and 4.4 counted.

mod support;

use chrono::{DateTime, NaiveDateTime, Utc};
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{
    Applicant, Channel, Command, Event, Paper, ReceptionDetails, ReusedPaper, from_local,
};
use motcua_domain::procedure::ProcedureRef;
use motcua_domain::stats::{By, Period};
use motcua_store::dossiers::{self, Outcome, Target};
use motcua_store::{Store, StoreError, ledger, papers, procedures, reports};
use support::*;

fn vn(s: &str) -> DateTime<Utc> {
    from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

const PERSON: &str = "066190004321";
const OTHER: &str = "066085001234";
const PAPER: &str = "Giấy đề nghị đăng ký hộ kinh doanh";

fn file(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

fn run(store: &Store, target: Target, command: Command, at: &str) -> Result<Outcome, StoreError> {
    execute_one(store, &WorkCalendar::vietnam(), target, command, vn(at))
}

fn receive(
    store: &Store,
    id_number: &str,
    details: ReceptionDetails,
    at: &str,
) -> Result<Outcome, StoreError> {
    run(
        store,
        Target::New,
        Command::Receive {
            code: String::new(),
            channel: Channel::Desk,
            procedure: Some(ProcedureRef::from(&procedure())),
            unit: Some(TOWN.into()),
            applicant: Some(Applicant {
                full_name: "Hoàng Thị Bích Vân".into(),
                id_number: Some(id_number.into()),
                phone: "0914222333".into(),
                email: None,
                address: None,
                date_of_birth: None,
                sex: None,
                kind: Default::default(),
                representative: None,
                notify: None,
                sealed: None,
            }),
            papers: Some(vec![Paper {
                name: PAPER.into(),
                copies: 1,
                file: None,
                kind: None,
            }]),
            details,
        },
        at,
    )
}

/// A dossier received at the counter, its paper scanned.
fn scanned(store: &Store, id_number: &str, scan: char, at: &str) -> Outcome {
    let o = receive(store, id_number, Default::default(), at).unwrap();
    run(
        store,
        on(&o),
        Command::DigitisePaper {
            paper: 0,
            file: file(scan),
        },
        at,
    )
    .unwrap()
}

fn offered(store: &Store, id_number: &str) -> Vec<(String, String)> {
    store
        .read(|tx| papers::of_person(tx, id_number))
        .unwrap()
        .into_iter()
        .map(|k| (k.code, k.file))
        .collect()
}

fn store_rows(store: &Store) -> Vec<String> {
    store
        .read(|tx| {
            tx.query(
                "SELECT dossier_id, item, subject, unit, procedure_code, received_at, name, file, \
                 reused_from FROM paper_store ORDER BY dossier_id, item",
                &[],
            )?
            .iter()
            .map(|r| Ok(format!("{:?}", r.0)))
            .collect()
        })
        .unwrap()
}

fn inputs(store: &Store) -> (i64, i64) {
    let m = store
        .read(|tx| papers::indicator_inputs(tx, &[TOWN.to_owned()], None, &Period::month(202503)))
        .unwrap();
    (m["reused"], m["digitised_kept"])
}

#[test]
fn papers_are_kept_offered_by_identifier_reused_with_consent_and_erased() {
    for (name, url) in backends() {
        let store = seeded(&url);
        let a = scanned(&store, PERSON, 'a', "2025-03-10T08:00");
        let a_code = a.dossier.code.clone().unwrap();
        let c = scanned(&store, OTHER, 'c', "2025-03-10T09:00");
        // Received, nothing digitised: in the denominators, nothing kept.
        receive(&store, PERSON, Default::default(), "2025-03-10T10:00").unwrap();

        // Each person is offered their own papers, nobody else's; an unknown number gets nothing.
        assert_eq!(
            offered(&store, PERSON),
            vec![(a_code.clone(), file('a'))],
            "{name}"
        );
        assert_eq!(
            offered(&store, OTHER),
            vec![(c.dossier.code.clone().unwrap(), file('c'))],
            "{name}"
        );
        assert!(offered(&store, "001099000001").is_empty(), "{name}");
        // Written the other way ("0661 9000 4321") it is the same number.
        assert_eq!(offered(&store, "0661 9000 4321").len(), 1, "{name}");
        // Nothing personal in the store's rows.
        for row in store_rows(&store) {
            assert!(
                !row.contains(PERSON) && !row.contains("Hoàng"),
                "{name}: {row}"
            );
        }

        // Reuse without the applicant's consent is refused, naming the field; nothing is written.
        let reuse = |consent: bool| ReceptionDetails {
            reuse: vec![ReusedPaper {
                paper: 0,
                from: a_code.clone(),
                file: file('a'),
            }],
            reuse_consent: consent,
            ..Default::default()
        };
        let refused = receive(&store, PERSON, reuse(false), "2025-03-11T08:00").unwrap_err();
        assert!(
            format!("{refused:?}").contains("details.reuse_consent"),
            "{name}: {refused:?}"
        );
        // With consent the paper is attached without a new scan, its source in the event.
        let b = receive(&store, PERSON, reuse(true), "2025-03-11T08:00").unwrap();
        assert_eq!(b.dossier.papers[0].file, Some(file('a')), "{name}");
        match &b.event.event {
            Event::Received {
                reused,
                reuse_consent,
                ..
            } => {
                assert!(*reuse_consent, "{name}");
                assert_eq!(reused.len(), 1, "{name}");
                assert_eq!(reused[0].from, a_code, "{name}");
                assert_eq!(reused[0].file, file('a'), "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
        // The stored event says so, and the chain covers it.
        let payload: String = store
            .read(|tx| {
                tx.query_one(
                    "SELECT payload FROM events WHERE dossier_id = $1 AND seq = 1",
                    &[motcua_store::Value::Int(b.id)],
                )?
                .unwrap()
                .string(0)
            })
            .unwrap();
        assert!(
            payload.contains(&a_code) && payload.contains("\"reuse_consent\":true"),
            "{name}: {payload}"
        );
        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        assert!(report.findings.is_empty(), "{name}: {:?}", report.findings);
        // A reused paper is not offered a second time as a paper of its own.
        assert_eq!(offered(&store, PERSON).len(), 1, "{name}");

        // 766 by hand, March 2025 at the town: received 4 (a, c, the one without scans, b);
        // digitised 3 (a, c, b), all 3 kept in the store; 1 reused (b).
        assert_eq!(inputs(&store), (1, 3), "{name}");
        let report = store
            .read(|tx| {
                let catalogue = procedures::catalogue(tx)?;
                reports::build(
                    tx,
                    &catalogue,
                    &reports::Request {
                        unit: TOWN.into(),
                        period: Period::month(202503),
                        by: By::Unit,
                        procedure: None,
                        field: None,
                    },
                    vn("2025-04-15T08:00"),
                )
            })
            .unwrap();
        let score = |code: &str| {
            report
                .indicators
                .iter()
                .find(|s| s.code == code)
                .unwrap()
                .clone()
        };
        let (r, k) = (score("4.3"), score("4.4"));
        assert_eq!((r.numerator, r.denominator), (Some(1), Some(4)), "{name}");
        // 2 points at 80%: 2 x (1/4) / 0.8.
        assert!((r.points.unwrap() - 0.625).abs() < 1e-9, "{name}: {r:?}");
        assert_eq!((k.numerator, k.denominator), (Some(3), Some(3)), "{name}");
        assert_eq!(k.points, Some(4.0), "{name}");
        // Another unit's figures do not include them.
        let elsewhere = store
            .read(|tx| {
                papers::indicator_inputs(tx, &[WARD.to_owned()], None, &Period::month(202503))
            })
            .unwrap();
        assert_eq!(
            elsewhere["reused"] + elsewhere["digitised_kept"],
            0,
            "{name}"
        );

        // The applicant's data erased on dossier a: its papers leave the store and are never
        // offered again, even by the same number; verify and a rebuild agree.
        run(
            &store,
            Target::Existing {
                id: a.id,
                expected_version: a.dossier.version,
            },
            Command::ErasePersonalData {
                reason: "Người nộp yêu cầu xóa (Luật 91/2025/QH15)".into(),
            },
            "2025-03-12T08:00",
        )
        .unwrap();
        assert!(offered(&store, PERSON).is_empty(), "{name}");
        assert!(
            !store_rows(&store)
                .iter()
                .any(|r| r.starts_with(&format!("[Int({}),", a.id))),
            "{name}"
        );
        assert_eq!(inputs(&store), (1, 2), "{name}");
        let before = store_rows(&store);
        store.write(dossiers::rebuild).unwrap();
        assert_eq!(store_rows(&store), before, "{name}: rebuild agrees");
        assert!(offered(&store, PERSON).is_empty(), "{name}");
        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        assert!(report.findings.is_empty(), "{name}: {:?}", report.findings);
        // Reuse of an erased paper cannot be asked of the store any more.
        assert!(
            store
                .read(|tx| papers::of_person(tx, PERSON))
                .unwrap()
                .iter()
                .all(|k| k.file != file('a')),
            "{name}"
        );
    }
}
