//! Issue 15, item 4 on every backend: fees assessed and paid, the IPN's write path (reference,
//! amount, idempotence), the clock of a dossier waiting for its fee, the reconciliation and the
//! Decision 766 inputs, and a rebuild that gives the same rows.

mod support;

use chrono::{DateTime, NaiveDateTime, Utc};
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{Applicant, Channel, Command, Paper, PaperKind, Status, from_local};
use motcua_domain::payment::{AssessedFee, Assessment, Payment, PaymentMethod};
use motcua_domain::procedure::ProcedureRef;
use motcua_domain::stats::Period;
use motcua_store::dossiers::{self, Target};
use motcua_store::payments::{self, Confirmation, Notification};
use motcua_store::{Store, StoreError};
use support::*;

fn cal() -> &'static WorkCalendar {
    static CAL: std::sync::LazyLock<WorkCalendar> = std::sync::LazyLock::new(WorkCalendar::vietnam);
    &CAL
}

fn vn(s: &str) -> DateTime<Utc> {
    from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

fn run(
    store: &Store,
    target: Target,
    command: Command,
    now: DateTime<Utc>,
) -> Result<dossiers::Outcome, StoreError> {
    execute_one(store, cal(), target, command, now)
}

fn receive() -> Command {
    Command::Receive {
        code: String::new(),
        channel: Channel::Desk,
        procedure: Some(ProcedureRef::from(&procedure())),
        unit: Some(WARD.into()),
        applicant: Some(Applicant {
            full_name: "Trần Thị Bình".into(),
            id_number: Some("066190000123".into()),
            phone: "0905123456".into(),
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
            name: "Giấy đề nghị đăng ký hộ kinh doanh".into(),
            copies: 1,
            file: None,
            kind: Some(PaperKind::Original),
        }]),
        details: Default::default(),
    }
}

fn assess(total: i64) -> Command {
    Command::AssessFee {
        assessment: Assessment {
            lines: vec![AssessedFee {
                name: "Lệ phí".into(),
                amount: total,
                exempt: None,
            }],
            total,
        },
    }
}

fn events(store: &Store, id: i64) -> usize {
    store.read(|tx| dossiers::history(tx, id)).unwrap().len()
}

fn notification(reference: &str, amount: i64, success: bool) -> Notification {
    Notification {
        gateway: "vnpay".into(),
        reference: reference.into(),
        amount,
        transaction: "14422574".into(),
        success,
        code: if success { "00" } else { "24" }.into(),
    }
}

#[test]
fn an_online_payment_is_recorded_once_from_a_notification_with_the_right_reference_and_amount() {
    for (backend, url) in backends() {
        let store = seeded(&url);
        let o = run(&store, Target::New, receive(), vn("2025-03-10T08:00")).unwrap();
        let due_before = o.dossier.due.unwrap();
        let step_due_before = o.dossier.steps[0].due;
        let o = run(&store, on(&o), assess(50_000), vn("2025-03-10T08:30")).unwrap();
        assert_eq!(o.dossier.status, Status::Paused, "{backend}");
        let id = o.id;
        let r = store
            .write(|tx| payments::create_request(tx, id, "vnpay", vn("2025-03-10T09:00")))
            .unwrap();
        assert_eq!(r.amount, 50_000);
        assert!(
            r.reference.starts_with(&format!("MC{id}T")),
            "{}",
            r.reference
        );
        let confirm = |n: &Notification, at: &str| {
            store
                .write(|tx| payments::confirm(tx, cal(), n, vn(at)))
                .unwrap()
        };
        let n_events = events(&store, id);
        // Unknown reference, another gateway, wrong amount: nothing changes.
        for (n, want) in [
            (
                notification("MC999T1", 50_000, true),
                Confirmation::NotFound,
            ),
            (
                Notification {
                    gateway: "dvcqg".into(),
                    ..notification(&r.reference, 50_000, true)
                },
                Confirmation::NotFound,
            ),
            (
                notification(&r.reference, 5_000, true),
                Confirmation::InvalidAmount,
            ),
        ] {
            assert_eq!(confirm(&n, "2025-03-10T10:00"), want, "{backend}");
        }
        assert_eq!(events(&store, id), n_events, "{backend}");
        assert_eq!(
            store
                .read(|tx| payments::request(tx, &r.reference))
                .unwrap()
                .unwrap()
                .status,
            "pending"
        );
        // Paid the next working day at 08:30: paused 08:30-08:30 a working day later (8 working
        // hours), so the due times move by exactly one working day.
        let ok = notification(&r.reference, 50_000, true);
        assert_eq!(
            confirm(&ok, "2025-03-11T08:30"),
            Confirmation::Confirmed,
            "{backend}"
        );
        let paid = store.read(|tx| dossiers::load(tx, id)).unwrap();
        assert_eq!(paid.status, Status::Processing, "{backend}");
        assert_eq!(due_before, vn("2025-03-13T08:00"));
        assert_eq!(paid.due, Some(vn("2025-03-14T08:00")), "{backend}");
        assert_eq!(
            paid.steps[0].due,
            cal()
                .due(
                    motcua_domain::dossier::to_local(step_due_before),
                    motcua_domain::calendar::Limit::WorkingDays(1)
                )
                .map(|x| from_local(x.due))
                .unwrap(),
            "{backend}"
        );
        let f = paid.fees.as_ref().unwrap();
        assert_eq!(f.balance(), 0);
        assert_eq!(f.payments[0].payment.method, PaymentMethod::Online);
        assert_eq!(
            f.payments[0].payment.transaction.as_deref(),
            Some("14422574")
        );
        // The same notification again: answered, nothing recorded.
        let n_events = events(&store, id);
        assert_eq!(
            confirm(&ok, "2025-03-11T09:00"),
            Confirmation::AlreadyConfirmed,
            "{backend}"
        );
        assert_eq!(events(&store, id), n_events, "{backend}");
        // Nothing more to pay: no new request.
        assert!(
            store
                .write(|tx| payments::create_request(tx, id, "vnpay", vn("2025-03-11T09:00")))
                .is_err()
        );

        // A second dossier paid at the desk (transfer), and a third whose online payment failed.
        let o2 = run(&store, Target::New, receive(), vn("2025-03-11T08:00")).unwrap();
        let o2 = run(&store, on(&o2), assess(30_000), vn("2025-03-11T08:05")).unwrap();
        let o2 = run(
            &store,
            on(&o2),
            Command::RecordPayment {
                payment: Payment {
                    method: PaymentMethod::Transfer,
                    amount: 30_000,
                    receipt: Some("BL25E-0000042".into()),
                    gateway: None,
                    reference: None,
                    transaction: None,
                },
            },
            vn("2025-03-11T08:10"),
        )
        .unwrap();
        assert_eq!(o2.dossier.status, Status::Processing);
        let o3 = run(&store, Target::New, receive(), vn("2025-03-11T08:20")).unwrap();
        let o3 = run(&store, on(&o3), assess(20_000), vn("2025-03-11T08:25")).unwrap();
        let r3 = store
            .write(|tx| payments::create_request(tx, o3.id, "vnpay", vn("2025-03-11T08:30")))
            .unwrap();
        assert_eq!(
            confirm(
                &notification(&r3.reference, 20_000, false),
                "2025-03-11T08:31"
            ),
            Confirmation::Confirmed
        );
        let d3 = store.read(|tx| dossiers::load(tx, o3.id)).unwrap();
        assert_eq!(d3.status, Status::Paused, "a failed payment pays nothing");
        assert_eq!(
            confirm(
                &notification(&r3.reference, 20_000, true),
                "2025-03-11T08:32"
            ),
            Confirmation::AlreadyConfirmed
        );

        // The reconciliation of the 11th: the online and the transfer payments, totals per method,
        // the failed request listed.
        let rec = store
            .read(|tx| payments::reconciliation(tx, &[WARD.to_owned()], d("2025-03-11")))
            .unwrap();
        assert_eq!(rec.payments.len(), 2, "{backend}");
        assert_eq!(rec.total, 80_000);
        assert_eq!(rec.totals["online"], (1, 50_000));
        assert_eq!(rec.totals["transfer"], (1, 30_000));
        assert_eq!(
            rec.payments[0].receipt.as_deref(),
            Some("BL25E-0000042"),
            "in time order"
        );
        assert_eq!(rec.unanswered_requests.len(), 1);
        assert_eq!(rec.unanswered_requests[0].status, "failed");
        let other_day = store
            .read(|tx| payments::reconciliation(tx, &[WARD.to_owned()], d("2025-03-10")))
            .unwrap();
        assert!(other_day.payments.is_empty());

        // Decision 766 inputs for March 2025: three dossiers with fees, one paid online.
        let period = Period::from_dates(d("2025-03-01"), d("2025-03-31")).unwrap();
        let payable: std::collections::BTreeSet<String> = [procedure().spec.code].into();
        let inputs = store
            .read(|tx| payments::indicator_inputs(tx, &[WARD.to_owned()], None, &period, &payable))
            .unwrap();
        assert_eq!(inputs["fee_dossiers"], 3, "{backend}");
        assert_eq!(inputs["paid_online"], 1, "{backend}");
        assert_eq!(inputs["procedures_paid_online"], 1, "{backend}");
        // A procedure not among those payable online (3.4's denominator) is not counted.
        let none = store
            .read(|tx| {
                payments::indicator_inputs(
                    tx,
                    &[WARD.to_owned()],
                    None,
                    &period,
                    &Default::default(),
                )
            })
            .unwrap();
        assert_eq!(none["procedures_paid_online"], 0, "{backend}");
        // The counters that reports read give the same figures.
        let scope = motcua_store::stats::Scope {
            units: vec![WARD.to_owned()],
            procedures: None,
            all: false,
        };
        let mut counted = motcua_domain::stats::Figures::default();
        for f in store
            .read(|tx| motcua_store::stats::figures(tx, &scope, &period, Utc::now()))
            .unwrap()
            .values()
        {
            counted.merge(f);
        }
        assert_eq!(counted.fee_charged, inputs["fee_dossiers"], "{backend}");
        assert_eq!(counted.fee_paid_online, inputs["paid_online"], "{backend}");
        let paid = store
            .read(|tx| {
                motcua_store::stats::procedures_with(
                    tx,
                    &scope,
                    &period,
                    motcua_domain::stats::Metric::PaidOnline,
                )
            })
            .unwrap();
        assert_eq!(
            paid.len() as i64,
            inputs["procedures_paid_online"],
            "{backend}"
        );

        // A rebuild from the log gives the same rows.
        let before = store
            .read(|tx| payments::reconciliation(tx, &[WARD.to_owned()], d("2025-03-11")))
            .unwrap();
        store.write(dossiers::rebuild).unwrap();
        let after = store
            .read(|tx| payments::reconciliation(tx, &[WARD.to_owned()], d("2025-03-11")))
            .unwrap();
        assert_eq!(before, after, "{backend}");
        let again = store
            .read(|tx| payments::indicator_inputs(tx, &[WARD.to_owned()], None, &period, &payable))
            .unwrap();
        assert_eq!(inputs, again, "{backend}");
    }
}
