//! The personal-data vault on every backend: nothing personal in the log or the stored state, a
//! correction, the blind index, an erasure after which `verify` and `rebuild` still agree and the
//! statistics do not move.

mod support;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{
    Actor, Applicant, Channel, Command, CorrectionField, Event, Paper, from_local,
};
use motcua_domain::procedure::ProcedureRef;
use motcua_store::dossiers::{self, Target};
use motcua_store::{Store, StoreError, ledger, vault};
use support::*;

fn vn(s: &str) -> DateTime<Utc> {
    from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

const NAME: &str = "Hoàng Thị Bích Vân";
const ID: &str = "066190004321";
const PHONE: &str = "0914222333";
const NEW_PHONE: &str = "0987654321";

fn run(
    store: &Store,
    target: Target,
    command: Command,
    now: DateTime<Utc>,
) -> Result<dossiers::Outcome, StoreError> {
    execute_one(store, &WorkCalendar::vietnam(), target, command, now)
}

/// Everything the database holds as text, for looking for personal data in it.
fn dump(store: &Store) -> String {
    store
        .read(|tx| {
            let mut out = String::new();
            for (table, cols) in [
                ("events", "payload"),
                ("dossiers", "state"),
                ("vault_subjects", "COALESCE(data, '')"),
                ("walk_ins", "payload"),
                ("vault_walk_ins", "COALESCE(data, '')"),
                ("ledger", "events"),
            ] {
                for r in tx.query(&format!("SELECT {cols} FROM {table}"), &[])? {
                    out.push_str(r.str(0)?);
                    out.push('\n');
                }
            }
            Ok(out)
        })
        .unwrap()
}

fn stats(store: &Store) -> Vec<String> {
    store
        .read(|tx| {
            tx.query("SELECT * FROM stats ORDER BY 1, 2, 3, 4", &[])?
                .iter()
                .map(|r| Ok(format!("{:?}", r.0)))
                .collect()
        })
        .unwrap()
}

#[test]
fn personal_data_is_sealed_corrected_and_erased() {
    for (name, url) in backends() {
        let store = seeded(&url);
        let received = run(
            &store,
            Target::New,
            Command::Receive {
                code: String::new(),
                channel: Channel::Desk,
                procedure: Some(ProcedureRef::from(&procedure())),
                unit: Some(TOWN.into()),
                applicant: Some(Applicant {
                    full_name: NAME.into(),
                    id_number: Some(ID.into()),
                    phone: PHONE.into(),
                    email: Some("van@example.vn".into()),
                    address: Some("12 Lê Duẩn, Buôn Hồ".into()),
                    date_of_birth: None,
                    sex: None,
                    kind: Default::default(),
                    representative: None,
                    notify: None,
                    sealed: None,
                }),
                papers: Some(vec![Paper {
                    name: "Giấy đề nghị đăng ký hộ kinh doanh".into(),
                    copies: 1,
                    file: None,
                    kind: None,
                }]),
                details: Default::default(),
            },
            vn("2025-03-10T08:00"),
        )
        .unwrap();
        let id = received.id;
        assert_eq!(received.dossier.applicant.full_name, NAME, "{name}");

        // Nothing personal in the log, the state or the ledger; the vault's record is ciphertext.
        let text = dump(&store);
        for secret in [NAME, ID, PHONE, "van@example.vn", "Lê Duẩn"] {
            assert!(!text.contains(secret), "{name}: {secret} stored in clear");
        }
        // What the store gives back has it all.
        let d = store.read(|tx| dossiers::load(tx, id)).unwrap();
        assert_eq!(d.applicant.id_number.as_deref(), Some(ID), "{name}");
        assert!(d.applicant.sealed.is_none(), "{name}");

        // A correction: the forms show the new phone, the history the change.
        let corrected = run(
            &store,
            on(&received),
            Command::Correct {
                field: CorrectionField::Phone,
                value: NEW_PHONE.into(),
                reason: "Ghi nhầm số điện thoại".into(),
            },
            vn("2025-03-10T09:00"),
        )
        .unwrap();
        assert_eq!(corrected.dossier.applicant.phone, NEW_PHONE, "{name}");
        let d = store.read(|tx| dossiers::load(tx, id)).unwrap();
        assert_eq!(d.applicant.phone, NEW_PHONE, "{name}");
        assert_eq!(d.corrections[0].from, PHONE, "{name}");
        let history = store.read(|tx| dossiers::history(tx, id)).unwrap();
        assert!(
            history.iter().any(|r| matches!(&r.event,
                Event::Corrected { from, to, .. } if from == PHONE && to == NEW_PHONE)),
            "{name}: {history:?}"
        );
        assert!(!dump(&store).contains(NEW_PHONE), "{name}");

        // The blind index finds the dossier by ID number and by either phone, however typed.
        let found = |kind: &str, v: &str| {
            store
                .read(|tx| {
                    let keys = vault::Keys::load(tx)?;
                    vault::dossiers_of(tx, &keys, kind, v)
                })
                .unwrap()
        };
        assert_eq!(found("id", ID), vec![id], "{name}");
        assert_eq!(found("phone", "0987-654-321"), vec![id], "{name}");
        assert_eq!(found("phone", "0914 222 333"), vec![id], "{name}");
        assert!(found("id", "066190009999").is_empty(), "{name}");

        // More work on the dossier, then the erasure.
        let handed = run(
            &store,
            on(&corrected),
            Command::HandOver {
                to_unit: FINANCE.into(),
                external: false,
                note: String::new(),
                to_staff: None,
            },
            vn("2025-03-10T10:00"),
        )
        .unwrap();
        // A hand-over records nothing personal: the vault stays closed, and the queues keep their
        // copy of the name and the corrected phone's last digits.
        let queue = |store: &Store| {
            store
                .read(|tx| {
                    let r = tx
                        .query_one(
                            "SELECT applicant_name, phone_last4 FROM dossiers WHERE id = $1",
                            &[motcua_store::Value::Int(id)],
                        )?
                        .unwrap();
                    Ok((r.string(0)?, r.string(1)?))
                })
                .unwrap()
        };
        assert_eq!(
            queue(&store),
            (NAME.to_owned(), "4321".to_owned()),
            "{name}"
        );
        let d = store.read(|tx| dossiers::load(tx, id)).unwrap();
        assert_eq!(d.applicant.phone, NEW_PHONE, "{name}");
        assert_eq!(d.current_unit, FINANCE, "{name}");
        let before = stats(&store);
        let erased = run(
            &store,
            on(&handed),
            Command::ErasePersonalData {
                reason: "Người nộp yêu cầu xóa (Luật 91/2025/QH15)".into(),
            },
            vn("2025-03-11T08:00"),
        )
        .unwrap();
        assert_eq!(erased.dossier.applicant.full_name, vault::ERASED, "{name}");
        let d = store.read(|tx| dossiers::load(tx, id)).unwrap();
        assert_eq!(d.applicant.full_name, vault::ERASED, "{name}");
        assert_eq!(d.applicant.id_number, None, "{name}");
        assert_eq!(d.corrections[0].from, vault::ERASED, "{name}");
        let history = store.read(|tx| dossiers::history(tx, id)).unwrap();
        assert!(
            !format!("{history:?}").contains("0987"),
            "{name}: the history still shows a phone"
        );
        assert!(
            found("id", ID).is_empty(),
            "{name}: the index forgot the ID"
        );
        assert_eq!(stats(&store), before, "{name}: statistics moved");
        let list = store
            .read(|tx| dossiers::list(tx, &dossiers::Filter::default()))
            .unwrap();
        assert!(list.iter().all(|s| s.applicant_name != NAME), "{name}");

        // The log still verifies; a rebuild gives the same projections.
        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        assert!(report.findings.is_empty(), "{name}: {:?}", report.findings);
        let digest = store.read(dossiers::projection_digest).unwrap();
        store.write(dossiers::rebuild).unwrap();
        assert_eq!(
            store.read(dossiers::projection_digest).unwrap(),
            digest,
            "{name}: rebuild differs after erasure"
        );
        assert_eq!(stats(&store), before, "{name}: rebuild moved statistics");

        // Nothing more can be written about an erased applicant; other work goes on.
        let again = run(
            &store,
            on(&erased),
            Command::Correct {
                field: CorrectionField::FullName,
                value: "Ai đó".into(),
                reason: "thử".into(),
            },
            vn("2025-03-11T09:00"),
        );
        assert!(again.is_err(), "{name}: corrected an erased applicant");
        run(
            &store,
            on(&erased),
            Command::Pause {
                pause: motcua_domain::dossier::PauseKind::ApplicantRequest,
                reason: "Tạm dừng theo đề nghị".into(),
            },
            vn("2025-03-11T09:00") + TimeDelta::minutes(5),
        )
        .unwrap();
    }
}

/// Events written before the vault (the December 2026 fixture, applicants in clear) keep verifying
/// their hashes; the dossier's state is sealed at its next write; an erasure then hides the data on
/// every read, the history's old events included.
#[test]
fn dossiers_from_before_the_vault_are_sealed_at_their_next_write_and_erasable() {
    use motcua_store::Value;
    for (name, url) in backends() {
        let store = seeded(&url);
        let text = include_str!("data/events-2026-12.jsonl");
        store
            .write(|tx| {
                for line in text.lines() {
                    let v: serde_json::Value = serde_json::from_str(line).unwrap();
                    if v["dossier_id"].is_null() {
                        continue;
                    }
                    let s = |k: &str| Value::Text(v[k].as_str().unwrap().to_owned());
                    tx.exec(
                        "INSERT INTO events (dossier_id, seq, at, actor, kind, payload, prev_hash, hash) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        &[
                            Value::Int(v["dossier_id"].as_i64().unwrap()),
                            Value::Int(v["seq"].as_i64().unwrap()),
                            Value::Int(v["at"].as_i64().unwrap()),
                            s("actor"),
                            s("kind"),
                            s("payload"),
                            s("prev_hash"),
                            s("hash"),
                        ],
                    )?;
                }
                dossiers::rebuild(tx)
            })
            .unwrap();
        // A received dossier of the fixture, its applicant in clear in the old events.
        let (id, d) = store
            .read(|tx| {
                for id in 1..=16 {
                    let d = dossiers::load(tx, id)?;
                    if d.code.is_some() && !d.applicant.full_name.is_empty() {
                        return Ok((id, d));
                    }
                }
                panic!("no received dossier in the fixture");
            })
            .unwrap();
        let old_name = d.applicant.full_name.clone();
        assert!(d.applicant.sealed.is_none(), "{name}");
        let erased = run(
            &store,
            Target::Existing {
                id,
                expected_version: d.version,
            },
            Command::ErasePersonalData {
                reason: "Yêu cầu của người nộp".into(),
            },
            Utc::now(),
        )
        .unwrap();
        assert_eq!(erased.dossier.applicant.full_name, vault::ERASED, "{name}");
        let d = store.read(|tx| dossiers::load(tx, id)).unwrap();
        assert_eq!(d.applicant.full_name, vault::ERASED, "{name}");
        let history = store.read(|tx| dossiers::history(tx, id)).unwrap();
        assert!(
            !format!("{history:?}").contains(&old_name),
            "{name}: the old events still show {old_name}"
        );
        // The old events' own hashes and chains are untouched.
        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        assert!(
            report.findings.iter().all(|f| !matches!(
                f,
                ledger::Finding::EventEdited { .. } | ledger::Finding::ChainBroken { .. }
            )),
            "{name}: {:?}",
            report.findings
        );
        let digest = store.read(dossiers::projection_digest).unwrap();
        store.write(dossiers::rebuild).unwrap();
        assert_eq!(
            store.read(dossiers::projection_digest).unwrap(),
            digest,
            "{name}"
        );
    }
}

/// A walk-in at the counter (form 02 without a dossier): the person's name and phone are in the
/// vault, not in the walk-in log; reads give them back, the export finds them by phone, an erasure
/// (and a retention run) leaves "erased" on every read while the log keeps verifying. A walk-in
/// written before the vault (in clear) reads as erased once erased.
#[test]
fn walk_ins_keep_the_persons_data_in_the_vault() {
    use motcua_domain::walk_in::{WalkIn, WalkInKind};
    use motcua_store::walk_ins;
    for (name, url) in backends() {
        let store = seeded(&url);
        let p = ProcedureRef::from(&procedure());
        let at = vn("2025-03-10T08:00");
        let w = WalkIn::new(
            TOWN,
            &p,
            WalkInKind::Guidance,
            NAME,
            Some(PHONE),
            &["Bản sao giấy chứng nhận".to_owned()],
            "",
            Some(1),
            at,
        )
        .unwrap();
        let id = store
            .write(|tx| walk_ins::record(tx, &w, &Actor::Staff { id: 1 }))
            .unwrap();
        let text = dump(&store);
        assert!(!text.contains(NAME), "{name}: the name is stored in clear");
        assert!(
            !text.contains(PHONE),
            "{name}: the phone is stored in clear"
        );
        let got = store.read(|tx| walk_ins::get(tx, id)).unwrap();
        assert_eq!(got.walk_in, w, "{name}: read back as entered");
        let listed = store
            .read(|tx| walk_ins::list(tx, &[TOWN.to_owned()], at, at + TimeDelta::hours(1)))
            .unwrap();
        assert_eq!(listed.len(), 1, "{name}");
        assert_eq!(listed[0].walk_in.applicant_name, NAME, "{name}");
        let found = store
            .read(|tx| walk_ins::of_phone(tx, "0914-222-333"))
            .unwrap();
        assert_eq!(
            found.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![id],
            "{name}"
        );
        assert!(
            store
                .read(|tx| walk_ins::of_phone(tx, "0905000000"))
                .unwrap()
                .is_empty(),
            "{name}"
        );

        // A walk-in from before the vault: its row holds the name in clear (its hash chained).
        let old_name = "Trần Thị Cũ";
        let mut old = w.clone();
        old.applicant_name = old_name.into();
        old.applicant_phone = None;
        let old_id = store
            .write(|tx| {
                let prev = tx
                    .query_one("SELECT hash FROM walk_ins ORDER BY id DESC LIMIT 1", &[])?
                    .unwrap()
                    .string(0)?;
                let payload = serde_json::to_string(&old).unwrap();
                let actor = serde_json::to_string(&Actor::Staff { id: 1 }).unwrap();
                let at = motcua_store::millis(old.at);
                let hash =
                    walk_ins::walk_in_hash(TOWN, &p.code, "guidance", at, &actor, &payload, &prev);
                tx.query_one(
                    "INSERT INTO walk_ins (unit, procedure, kind, at, actor, payload, prev_hash, hash) \
                     VALUES ($1, $2, 'guidance', $3, $4, $5, $6, $7) RETURNING id",
                    &[
                        motcua_store::Value::from(TOWN),
                        motcua_store::Value::from(p.code.as_str()),
                        motcua_store::Value::Int(at),
                        motcua_store::Value::Text(actor),
                        motcua_store::Value::Text(payload),
                        motcua_store::Value::Text(prev),
                        motcua_store::Value::Text(hash),
                    ],
                )?
                .unwrap()
                .i64(0)
            })
            .unwrap();
        assert_eq!(
            store
                .read(|tx| walk_ins::get(tx, old_id))
                .unwrap()
                .walk_in
                .applicant_name,
            old_name,
            "{name}"
        );

        // Erasure: grounds required, then erased on every read; not twice.
        let erase = |id: i64, reason: &str| {
            store
                .write(|tx| walk_ins::erase(tx, id, &Actor::System, reason, vn("2025-04-01T08:00")))
        };
        assert!(
            matches!(erase(id, " "), Err(StoreError::Invalid { .. })),
            "{name}"
        );
        assert_eq!(
            store
                .read(|tx| walk_ins::get(tx, id))
                .unwrap()
                .walk_in
                .applicant_name,
            NAME,
            "{name}: a refused erasure changes nothing"
        );
        let due = store
            .read(|tx| walk_ins::past_retention(tx, motcua_store::millis(vn("2025-03-11T00:00"))))
            .unwrap();
        assert_eq!(
            due,
            vec![id, old_id],
            "{name}: both are past a retention cutoff"
        );
        erase(id, "Người đến yêu cầu xóa").unwrap();
        erase(old_id, "Hết thời hạn lưu trữ").unwrap();
        assert!(erase(id, "again").is_err(), "{name}: erased once only");
        for wid in [id, old_id] {
            let got = store.read(|tx| walk_ins::get(tx, wid)).unwrap();
            assert_eq!(got.walk_in.applicant_name, vault::ERASED, "{name}");
            assert_eq!(got.walk_in.applicant_phone, None, "{name}");
        }
        assert!(
            store
                .read(|tx| walk_ins::of_phone(tx, PHONE))
                .unwrap()
                .is_empty(),
            "{name}"
        );
        assert!(
            store
                .read(|tx| walk_ins::past_retention(
                    tx,
                    motcua_store::millis(vn("2025-03-11T00:00"))
                ))
                .unwrap()
                .is_empty(),
            "{name}: nothing left to erase"
        );
        let text = dump(&store);
        assert!(!text.contains(NAME), "{name}");
        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        assert!(report.findings.is_empty(), "{name}: {:?}", report.findings);
    }
}
