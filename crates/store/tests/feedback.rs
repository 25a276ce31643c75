//! Issue 19 on every backend: the feedback log is append-only and hash-chained (an edit with the
//! triggers dropped is found by `verify`), the projection is the replay of the log, and the
//! person's contact stays outside the log.

mod support;

use chrono::{DateTime, NaiveDateTime, Utc};
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{Actor, from_local};
use motcua_domain::feedback::{
    Channel, Command, Contact, FeedbackRules, Satisfaction, State, Submission, Topic,
};
use motcua_store::feedback;
use motcua_store::ledger::{self, Finding};
use support::*;

fn vn(s: &str) -> DateTime<Utc> {
    from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

fn submission(title: &str) -> Submission {
    Submission {
        unit: WARD.into(),
        topic: Topic::Procedure,
        title: title.into(),
        content: "Giấy tờ yêu cầu nhiều hơn danh mục đã niêm yết tại bộ phận một cửa.".into(),
        dossier_code: None,
        procedure_code: None,
        channel: Channel::Online,
        publish_consent: true,
    }
}

#[test]
fn the_feedback_log_is_chained_replayable_and_keeps_the_contact_apart() {
    let cal = WorkCalendar::vietnam();
    let rules = FeedbackRules::default();
    for (backend, url) in backends() {
        let store = seeded(&url);
        let contact = Contact {
            name: "Võ Thị Kín".into(),
            phone: "0987654321".into(),
            ..Contact::default()
        };
        let (a, b) = store
            .write(|tx| {
                let a = feedback::submit(
                    tx,
                    submission("Thêm giấy tờ ngoài danh mục"),
                    &contact,
                    &Actor::Applicant,
                    vn("2026-03-02T09:00"),
                    &cal,
                    &rules,
                )?;
                let b = feedback::submit(
                    tx,
                    submission("Phí không đúng niêm yết"),
                    &contact,
                    &Actor::Applicant,
                    vn("2026-03-03T09:00"),
                    &cal,
                    &rules,
                )?;
                Ok((a.id, b.id))
            })
            .unwrap();
        let staff = Actor::Staff { id: 1 };
        store
            .write(|tx| {
                feedback::execute(
                    tx,
                    a,
                    Some(1),
                    &Command::Answer {
                        text: "Bộ phận một cửa đã bỏ yêu cầu giấy tờ ngoài danh mục.".into(),
                        publish: true,
                    },
                    &staff,
                    vn("2026-03-05T10:00"),
                    &cal,
                    &rules,
                )?;
                feedback::execute(
                    tx,
                    a,
                    Some(2),
                    &Command::Rate {
                        satisfaction: Satisfaction::VerySatisfied,
                        comment: String::new(),
                    },
                    &Actor::Applicant,
                    vn("2026-03-06T10:00"),
                    &cal,
                    &rules,
                )?;
                Ok(())
            })
            .unwrap();
        // A stale version writes nothing.
        let stale = store.write(|tx| {
            feedback::execute(
                tx,
                b,
                Some(3),
                &Command::Extend {
                    reason: "Cần xác minh thêm".into(),
                },
                &staff,
                vn("2026-03-06T10:00"),
                &cal,
                &rules,
            )
        });
        assert!(stale.is_err(), "{backend}");
        let before = store
            .read(|tx| Ok((feedback::get(tx, a)?, feedback::get(tx, b)?)))
            .unwrap();
        assert_eq!(before.0.feedback.state, State::Rated, "{backend}");
        // The projection is the replay of the log.
        let n = store.write(feedback::rebuild).unwrap();
        assert_eq!(n, 2, "{backend}");
        let after = store
            .read(|tx| Ok((feedback::get(tx, a)?, feedback::get(tx, b)?)))
            .unwrap();
        assert_eq!(before.0.feedback, after.0.feedback, "{backend}");
        assert_eq!(before.1.feedback, after.1.feedback, "{backend}");
        assert_eq!((after.0.version, after.1.version), (3, 1), "{backend}");
        // The contact is in its own table only.
        let payloads: Vec<String> = store
            .read(|tx| {
                Ok(tx
                    .query("SELECT payload, actor FROM feedback_events", &[])?
                    .iter()
                    .map(|r| format!("{} {}", r.str(0).unwrap(), r.str(1).unwrap()))
                    .collect())
            })
            .unwrap();
        assert_eq!(payloads.len(), 4, "{backend}");
        assert!(
            payloads
                .iter()
                .all(|p| !p.contains("Kín") && !p.contains("0987"))
        );
        assert_eq!(
            store.read(|tx| feedback::contact(tx, b)).unwrap(),
            Some(contact.clone())
        );
        assert!(
            store
                .read(|tx| ledger::verify(tx, &[]))
                .unwrap()
                .findings
                .is_empty()
        );
        // Append-only; an edit with the triggers dropped is found.
        assert!(
            store
                .write(|tx| tx.exec("UPDATE feedback_events SET kind = 'x'", &[]))
                .is_err()
        );
        assert!(
            store
                .write(|tx| tx.exec("DELETE FROM feedback_events", &[]))
                .is_err()
        );
        let drop = if backend == "sqlite" {
            "DROP TRIGGER feedback_events_no_update"
        } else {
            "DROP TRIGGER feedback_events_append_only ON feedback_events"
        };
        store.write(|tx| tx.batch(drop)).unwrap();
        let edited = store
            .read(|tx| {
                tx.query_one(
                    "SELECT id FROM feedback_events WHERE feedback_id = $1 AND seq = 2",
                    &[motcua_store::Value::Int(a)],
                )?
                .unwrap()
                .i64(0)
            })
            .unwrap();
        store
            .write(|tx| {
                tx.exec(
                    "UPDATE feedback_events SET payload = REPLACE(payload, 'đã bỏ', 'không bỏ') WHERE id = $1",
                    &[motcua_store::Value::Int(edited)],
                )
            })
            .unwrap();
        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        assert_eq!(
            report.findings,
            [Finding::FeedbackAltered { event_id: edited }],
            "{backend}"
        );
    }
}

#[test]
fn the_inspection_check_finds_feedback_not_answered_by_its_due_time_in_the_period() {
    use motcua_domain::inspection::{Check, Inspection, NewPlan};
    let cal = WorkCalendar::vietnam();
    let rules = FeedbackRules::default();
    for (backend, url) in backends() {
        let store = seeded(&url);
        let contact = Contact {
            name: "Đinh Văn E".into(),
            phone: "0987000111".into(),
            ..Contact::default()
        };
        let submit = |title: &str, at: &str| {
            store
                .write(|tx| {
                    Ok(feedback::submit(
                        tx,
                        submission(title),
                        &contact,
                        &Actor::Applicant,
                        vn(at),
                        &cal,
                        &rules,
                    )?
                    .id)
                })
                .unwrap()
        };
        let answer = |id: i64, version: i64, at: &str| {
            store
                .write(|tx| {
                    feedback::execute(
                        tx,
                        id,
                        Some(version),
                        &Command::Answer {
                            text: "Đã kiểm tra và trả lời đầy đủ nội dung phản ánh.".into(),
                            publish: false,
                        },
                        &Actor::Staff { id: 1 },
                        vn(at),
                        &cal,
                        &rules,
                    )
                })
                .unwrap()
        };
        // Due in March (2 March + 10 working days = 16 March): one answered in time, one late,
        // one never; one due in April is not March's lapse.
        let on_time = submit("Trả lời đúng hạn", "2026-03-02T09:00");
        answer(on_time, 1, "2026-03-10T09:00");
        let late = submit("Trả lời muộn", "2026-03-02T10:00");
        answer(late, 1, "2026-03-25T09:00");
        let never = submit("Chưa trả lời", "2026-03-03T09:00");
        submit("Đến hạn tháng sau", "2026-03-30T09:00");
        let inspection = Inspection::new(NewPlan {
            owner: TOWN.into(),
            plan_number: "3/KH-UBND".into(),
            plan_date: d("2026-04-01"),
            year: 2026,
            title: "Kiểm tra một cửa".into(),
            units: vec![WARD.into()],
            areas: None,
            from: d("2026-04-10"),
            to: d("2026-04-20"),
            period_from: d("2026-03-01"),
            period_to: d("2026-03-31"),
            thresholds: None,
        })
        .unwrap();
        let found = store
            .read(|tx| {
                motcua_store::inspections::run_checks(tx, &inspection, vn("2026-04-10T09:00"))
            })
            .unwrap();
        let f: Vec<_> = found
            .iter()
            .filter(|f| f.check == Some(Check::FeedbackUnanswered))
            .collect();
        assert_eq!(f.len(), 1, "{backend}: {found:?}");
        assert_eq!(f[0].evidence.count, Some(2), "{backend}");
        let refs: Vec<String> = store
            .read(|tx| {
                Ok(vec![
                    feedback::reference(tx, late)?,
                    feedback::reference(tx, never)?,
                ])
            })
            .unwrap();
        let mut shown = f[0].evidence.dossiers.clone();
        shown.sort();
        let mut want: Vec<String> = refs.iter().map(|r| format!("phản ánh {r}")).collect();
        want.sort();
        assert_eq!(shown, want, "{backend}");
    }
}
