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
