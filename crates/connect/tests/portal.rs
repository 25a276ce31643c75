//! The outbox and the national portal's connector against a local double of the portal on
//! loopback, on every backend: the calls a lifecycle causes, their order, codes and times; the
//! portal down (refused, 500, timeouts, an expired session) without loss, reordering or
//! duplicates; dead letters, retry and give-up; nothing written with no connector configured.

#[path = "../../store/tests/support/mod.rs"]
mod support;

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant as Clock};

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use motcua_connect::double::{API_PATH, AUTH_PATH, Fault, PortalDouble};
use motcua_connect::{Dvcqg, DvcqgConfig, RetryPolicy, Worker};
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{Applicant, Channel, Command, Outcome, Paper, from_local};
use motcua_domain::procedure::ProcedureRef;
use motcua_store::dossiers::{Outcome as Done, Target};
use motcua_store::outbox;
use motcua_store::{Store, millis, org};
use serde_json::Value;
use support::*;

fn cal() -> &'static WorkCalendar {
    static CAL: LazyLock<WorkCalendar> = LazyLock::new(WorkCalendar::vietnam);
    &CAL
}

fn vn(s: &str) -> DateTime<Utc> {
    from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

fn receive(i: usize) -> Command {
    Command::Receive {
        code: String::new(),
        channel: Channel::Desk,
        procedure: Some(ProcedureRef::from(&procedure())),
        unit: Some(TOWN.into()),
        applicant: Some(Applicant {
            full_name: format!("Trần Thị Bích {i}"),
            id_number: Some("066190001234".into()),
            phone: "0905123456".into(),
            email: Some("bich@example.vn".into()),
            address: None,
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
    }
}

fn run(store: &Store, target: Target, command: Command, now: DateTime<Utc>) -> Done {
    execute_one(store, cal(), target, command, now).unwrap()
}

/// A store with a member of staff (id 1, who acts in `execute_one`) and the portal configured.
fn store_with_portal(url: &str) -> Arc<Store> {
    let store = seeded(url);
    store
        .write(|tx| {
            org::add_staff(
                tx,
                &org::NewStaff {
                    username: "canbo",
                    full_name: "Lê Văn Cán",
                    title: "Chuyên viên",
                    password_hash: "x",
                    grants: &[],
                },
            )?;
            outbox::configure(tx, &[outbox::DVCQG], 0)
        })
        .unwrap();
    Arc::new(store)
}

/// Received, handed over, supplement asked and brought, result ready, returned.
fn lifecycle(store: &Store, start: &str) -> (i64, Vec<Done>) {
    let t = vn(start);
    let mut steps = vec![run(store, Target::New, receive(1), t)];
    let mut next = |c: Command, at: DateTime<Utc>| {
        let o = run(store, on(steps.last().unwrap()), c, at);
        steps.push(o);
    };
    next(
        Command::HandOver {
            to_unit: FINANCE.into(),
            external: false,
            note: String::new(),
            to_staff: None,
        },
        t + TimeDelta::hours(1),
    );
    next(
        Command::RequestSupplement {
            items: vec!["Bản sao giấy tờ nhà".into()],
            reason: "Thiếu giấy tờ".into(),
        },
        t + TimeDelta::hours(2),
    );
    next(
        Command::Supplement {
            note: "Đã bổ sung".into(),
        },
        t + TimeDelta::hours(3),
    );
    next(
        Command::MarkResultReady {
            outcome: Outcome::Approved,
        },
        t + TimeDelta::hours(4),
    );
    next(
        Command::Return {
            to_whom: "Người nộp".into(),
        },
        t + TimeDelta::hours(5),
    );
    (steps[0].id, steps)
}

fn config(double: &PortalDouble) -> DvcqgConfig {
    DvcqgConfig {
        adapter_url: double.url(),
        auth_endpoint: AUTH_PATH.into(),
        integration_endpoint: API_PATH.into(),
        username: "motcua".into(),
        password: "mat-khau-cong".into(),
        agency: "000.00.12.H15".into(),
        inbound_token: None,
        timeout_seconds: None,
    }
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_millis(20),
        cap: Duration::from_millis(80),
        max_attempts: 50,
        lease: Duration::from_secs(5),
    }
}

fn worker(store: &Arc<Store>, double: &PortalDouble, policy: RetryPolicy) -> Worker {
    let connector = Dvcqg::with_timeout(config(double), Duration::from_millis(400));
    Worker::new(store.clone(), vec![Box::new(connector)], policy)
}

/// Rounds until nothing is pending (or 20 s pass).
fn drain(w: &mut Worker, store: &Store) {
    let until = Clock::now() + Duration::from_secs(20);
    loop {
        w.round(Utc::now).unwrap();
        let c = counts(store);
        if c.pending == 0 {
            return;
        }
        assert!(Clock::now() < until, "still pending: {c:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn counts(store: &Store) -> outbox::Counts {
    store
        .read(outbox::counts)
        .unwrap()
        .into_iter()
        .find(|c| c.connector == outbox::DVCQG)
        .unwrap_or_default()
}

fn record(call: &Value) -> &Value {
    &call["data"][0]
}

#[test]
fn a_lifecycle_gives_exactly_the_expected_portal_calls_with_codes_and_local_times() {
    for (name, url) in backends() {
        let store = store_with_portal(&url);
        let (id, steps) = lifecycle(&store, "2025-03-10T08:00");
        let code = steps[0].dossier.code.clone().unwrap();
        let double = PortalDouble::start("motcua", "mat-khau-cong").unwrap();
        // 766 indicator 1.4 counts what the portal acknowledged: nothing yet, then this dossier.
        let march =
            motcua_domain::stats::Period::from_dates(d("2025-03-01"), d("2025-03-31")).unwrap();
        let units = vec![TOWN.to_owned(), FINANCE.to_owned()];
        let synced = |store: &Store| {
            store
                .read(|tx| outbox::indicator_inputs(tx, &units, None, &march))
                .unwrap()["synced"]
        };
        assert_eq!(synced(&store), 0, "{name}");
        let report = worker(&store, &double, fast()).run_once().unwrap();
        assert_eq!((report.delivered, report.failed), (8, 0), "{name}");
        assert_eq!(synced(&store), 1, "{name}");
        let april =
            motcua_domain::stats::Period::from_dates(d("2025-04-01"), d("2025-04-30")).unwrap();
        let later = store
            .read(|tx| outbox::indicator_inputs(tx, &units, None, &april))
            .unwrap();
        assert_eq!(later["synced"], 0, "{name}: by the month of reception");
        // The counter is recounted by a rebuild from the deliveries, to the same figures.
        store.write(motcua_store::backup::rebuild).unwrap();
        assert_eq!(synced(&store), 1, "{name}: rebuilt");
        let later = store
            .read(|tx| outbox::indicator_inputs(tx, &units, None, &april))
            .unwrap();
        assert_eq!(
            later["synced"], 0,
            "{name}: rebuilt, by the month of reception"
        );

        let calls = double.calls();
        let services: Vec<(&str, &str)> = calls
            .iter()
            .map(|c| {
                let status = record(&c.body)
                    .get("TrangThaiHoSo")
                    .or_else(|| record(&c.body).get("TrangThai"))
                    .and_then(Value::as_str)
                    .unwrap();
                (c.service.as_str(), status)
            })
            .collect();
        assert_eq!(
            services,
            vec![
                ("DongBoHoSoMC", "2"),
                ("CapNhatTienDoHoSoMC", "2"),
                ("CapNhatTienDoHoSoMC", "4"),
                ("DongBoHoSoMC", "5"),
                ("DongBoHoSoMC", "4"),
                ("DongBoHoSoMC", "9"),
                ("CapNhatTienDoHoSoMC", "9"),
                ("DongBoHoSoMC", "10"),
            ],
            "{name}"
        );
        // Created once, then updated.
        let updating: Vec<&str> = calls
            .iter()
            .filter(|c| c.service == "DongBoHoSoMC")
            .map(|c| c.body["isUpdating"].as_str().unwrap())
            .collect();
        assert_eq!(
            updating,
            ["false", "true", "true", "true", "true"],
            "{name}"
        );
        for c in &calls {
            assert_eq!(c.body["madonvi"], "000.00.12.H15", "{name}");
            assert_eq!(record(&c.body)["MaHoSo"], code.as_str(), "{name}");
            assert!(
                c.body.get("session").is_none(),
                "the double keeps no session"
            );
        }
        // Times in Vietnam's time, yyyyMMddHHmmss.
        let first = record(&calls[0].body);
        assert_eq!(first["NgayTiepNhan"], "20250310080000", "{name}");
        assert_eq!(first["ChuHoSo"], "Trần Thị Bích 1", "{name}");
        assert_eq!(first["MaTTHC"], "1.001612");
        assert_eq!(first["DonViXuLy"], "Thị xã Buôn Hồ", "{name}");
        let due = steps[0].dossier.due.unwrap();
        assert_eq!(
            first["NgayHenTra"],
            (due + TimeDelta::hours(7))
                .format("%Y%m%d%H%M%S")
                .to_string()
                .as_str(),
            "{name}"
        );
        assert_eq!(first["NgayKetThucXuLy"], "", "{name}: open");
        let handed = record(&calls[2].body);
        assert_eq!(handed["ThoiDiemXuLy"], "20250310090000", "{name}");
        assert_eq!(handed["NguoiXuLy"], "Lê Văn Cán", "{name}");
        assert_eq!(handed["ChucDanh"], "Chuyên viên", "{name}");
        assert_eq!(
            handed["PhongBanXuLy"], "Phòng Tài chính - Kế hoạch",
            "{name}"
        );
        // While the supplement is pending, processing counts as ended when it was asked.
        assert_eq!(
            record(&calls[3].body)["NgayKetThucXuLy"],
            "20250310100000",
            "{name}"
        );
        let ready = record(&calls[5].body);
        assert_eq!(ready["NgayKetThucXuLy"], "20250310120000", "{name}");
        let returned = record(&calls[7].body);
        assert_eq!(returned["NgayTra"], "20250310130000", "{name}");
        // Every message delivered once, under its own key.
        let c = counts(&store);
        assert_eq!((c.pending, c.delivered, c.failed), (0, 8, 0), "{name}");
        let keys: std::collections::BTreeSet<_> = calls.iter().map(|c| c.key.clone()).collect();
        assert_eq!(keys.len(), 8, "{name}");
        let rows = store.read(|tx| outbox::of_dossier(tx, id)).unwrap();
        assert!(
            rows.iter()
                .all(|m| m.state == "delivered" && m.attempts == 1)
        );
        // Nothing personal in the outbox.
        for m in &rows {
            assert!(
                !m.payload.contains("Bích") && !m.payload.contains("0905"),
                "{m:?}"
            );
        }
        // A second run finds nothing to do.
        let again = worker(&store, &double, fast()).run_once().unwrap();
        assert_eq!(again.delivered + again.failed, 0, "{name}");
        assert_eq!(double.calls().len(), 8);
    }
}

#[test]
fn the_portal_down_loses_nothing_keeps_each_dossiers_order_and_sends_no_duplicate() {
    for (name, url) in backends() {
        let store = store_with_portal(&url);
        let (a, _) = lifecycle(&store, "2025-03-10T08:00");
        let (b, _) = lifecycle(&store, "2025-03-10T08:30");
        let mut double = PortalDouble::start("motcua", "mat-khau-cong").unwrap();
        let mut w = worker(&store, &double, fast());

        // Refused: the port is closed.
        double.stop();
        let r = w.round(Utc::now).unwrap();
        assert_eq!((r.delivered, r.failed), (0, 2), "{name}: one per dossier");
        let c = counts(&store);
        assert_eq!((c.pending, c.retrying, c.delivered), (16, 2, 0), "{name}");
        let failed = store.read(|tx| outbox::of_dossier(tx, a)).unwrap();
        assert!(failed[0].last_error.is_some(), "{name}");
        assert!(
            !failed[0].last_error.as_ref().unwrap().contains("mat-khau"),
            "no credential in errors"
        );

        // Back, but failing in every way for a while.
        double.restart().unwrap();
        double.fail_next(&[
            Fault::Status500,
            Fault::Hang(Duration::from_millis(900)),
            Fault::ExpireSession,
            Fault::KeepThenHang(Duration::from_millis(900)),
            Fault::Status500,
            Fault::ExpireSession,
            Fault::KeepThenHang(Duration::from_millis(900)),
        ]);
        drain(&mut w, &store);

        let c = counts(&store);
        assert_eq!((c.pending, c.delivered, c.failed), (0, 16, 0), "{name}");
        let calls = double.calls();
        assert_eq!(calls.len(), 16, "{name}: each message kept exactly once");
        let state = double.state();
        assert!(
            state.repeats >= 1,
            "{name}: a call kept but answered late came again"
        );
        assert!(state.sign_ins >= 3, "{name}: the session was renewed");
        drop(state);
        // Per dossier, the portal saw the messages in the order of the log.
        for id in [a, b] {
            let expected: Vec<String> = store
                .read(|tx| outbox::of_dossier(tx, id))
                .unwrap()
                .into_iter()
                .map(|m| m.idempotency_key)
                .collect();
            let seen: Vec<String> = calls
                .iter()
                .filter(|c| expected.contains(c.key.as_ref().unwrap()))
                .map(|c| c.key.clone().unwrap())
                .collect();
            assert_eq!(seen, expected, "{name}: dossier {id}");
        }
    }
}

#[test]
fn after_n_failures_a_message_is_dead_holds_back_its_dossier_and_can_be_retried_or_given_up() {
    for (name, url) in backends() {
        let store = store_with_portal(&url);
        let (a, _) = lifecycle(&store, "2025-03-10T08:00");
        let (b, _) = lifecycle(&store, "2025-03-10T08:30");
        let mut double = PortalDouble::start("motcua", "mat-khau-cong").unwrap();
        let policy = RetryPolicy {
            max_attempts: 3,
            ..fast()
        };
        let mut w = worker(&store, &double, policy);
        double.stop();
        let until = Clock::now() + Duration::from_secs(10);
        while counts(&store).failed < 2 {
            w.round(Utc::now).unwrap();
            assert!(Clock::now() < until);
            std::thread::sleep(Duration::from_millis(20));
        }
        let dead = store.read(|tx| outbox::list(tx, "dead", 10)).unwrap();
        assert_eq!(dead.len(), 2, "{name}");
        for m in &dead {
            assert_eq!(m.attempts, 3, "{name}");
            assert_eq!(m.seq, 1, "{name}: the first of each dossier");
            let error = m.last_error.as_deref().unwrap_or("");
            assert!(error.contains("/auth"), "{name}: the reason is kept: {m:?}");
        }
        // The portal is back: the dead letters hold their dossiers back.
        double.restart().unwrap();
        let r = w.round(Utc::now).unwrap();
        assert_eq!(r.delivered + r.failed, 0, "{name}");
        assert!(double.calls().is_empty());

        // Retry a's, give up b's first message.
        let da = dead.iter().find(|m| m.dossier_id == a).unwrap();
        let db = dead.iter().find(|m| m.dossier_id == b).unwrap();
        let now = millis(Utc::now());
        store
            .write(|tx| outbox::retry(tx, da.id, "admin", now))
            .unwrap();
        store
            .write(|tx| outbox::give_up(tx, db.id, "admin", now))
            .unwrap();
        // Neither can be done twice.
        assert!(
            store
                .write(|tx| outbox::retry(tx, da.id, "admin", now))
                .is_err()
        );
        assert!(
            store
                .write(|tx| outbox::retry(tx, db.id, "admin", now))
                .is_err()
        );
        drain(&mut w, &store);
        let c = counts(&store);
        assert_eq!((c.delivered, c.given_up, c.failed), (15, 1, 0), "{name}");
        let calls = double.calls();
        assert_eq!(calls.len(), 15);
        assert!(
            !calls
                .iter()
                .any(|c| c.key.as_deref() == Some(db.idempotency_key.as_str()))
        );
        let of_a: Vec<String> = store
            .read(|tx| outbox::of_dossier(tx, a))
            .unwrap()
            .into_iter()
            .map(|m| m.idempotency_key)
            .collect();
        let seen_a: Vec<String> = calls
            .iter()
            .filter_map(|c| c.key.clone())
            .filter(|k| of_a.contains(k))
            .collect();
        assert_eq!(
            seen_a, of_a,
            "{name}: the retried message first, then the rest in order"
        );
        let given = store.read(|tx| outbox::get(tx, db.id)).unwrap().unwrap();
        assert_eq!(given.handled_by.as_deref(), Some("admin"));
    }
}

#[test]
fn with_no_connector_configured_the_outbox_stays_empty() {
    for (name, url) in backends() {
        let store = seeded(&url);
        lifecycle(&store, "2025-03-10T08:00");
        let n = store
            .read(|tx| {
                tx.query_one("SELECT COUNT(*) FROM outbox", &[])?
                    .unwrap()
                    .i64(0)
            })
            .unwrap();
        assert_eq!(n, 0, "{name}");
        // Configured afterwards: only what happens from then on is queued.
        store
            .write(|tx| outbox::configure(tx, &[outbox::DVCQG], 0))
            .unwrap();
        lifecycle(&store, "2025-03-11T08:00");
        assert_eq!(counts(&store).pending, 8, "{name}");
        assert!(
            store
                .write(|tx| outbox::configure(tx, &["fax"], 0))
                .is_err()
        );
    }
}

#[test]
fn a_dossier_the_portal_sent_in_is_named_by_the_portals_code_and_only_updated() {
    for (name, url) in backends() {
        let store = store_with_portal(&url);
        let t = vn("2025-07-02T09:00");
        let Command::Receive {
            applicant, papers, ..
        } = receive(7)
        else {
            unreachable!()
        };
        let submitted = run(
            &store,
            Target::New,
            Command::SubmitOnline {
                procedure: ProcedureRef::from(&procedure()),
                unit: TOWN.into(),
                applicant: applicant.unwrap(),
                papers: papers.unwrap(),
            },
            t,
        );
        store
            .write(|tx| {
                outbox::intake_record(tx, outbox::DVCQG, "G22.99-250702-0007", submitted.id, 0)
            })
            .unwrap();
        let received = run(
            &store,
            on(&submitted),
            Command::Receive {
                code: String::new(),
                channel: Channel::Online,
                procedure: None,
                unit: None,
                applicant: None,
                papers: None,
                details: Default::default(),
            },
            t + TimeDelta::hours(1),
        );
        assert!(received.dossier.code.is_some());
        let double = PortalDouble::start("motcua", "mat-khau-cong").unwrap();
        worker(&store, &double, fast()).run_once().unwrap();
        let calls = double.calls();
        let seen: Vec<(&str, &str, &str)> = calls
            .iter()
            .map(|c| {
                (
                    c.service.as_str(),
                    record(&c.body)["MaHoSo"].as_str().unwrap(),
                    c.body["isUpdating"].as_str().unwrap_or("-"),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("DongBoHoSoMC", "G22.99-250702-0007", "true"),
                ("CapNhatTienDoHoSoMC", "G22.99-250702-0007", "-"),
            ],
            "{name}: no creation echoed back, the portal's own code"
        );
        assert_eq!(record(&calls[0].body)["TrangThaiHoSo"], "2", "{name}");
    }
}
