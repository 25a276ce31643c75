//! Issue 16 on every backend: a province's own office hours and deadline settings, the stale
//! supplement queue, apologies counted apart from timeliness.

mod support;

use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc};
use motcua_domain::calendar::{DayLimitEnd, DeadlineRules, Limit, Period as Hours, WorkCalendar};
use motcua_domain::dossier::{
    Actor, Applicant, Channel, Command, MissingPaper, Outcome, Paper, PaperKind, ReceptionDetails,
    Status, from_local,
};
use motcua_domain::procedure::ProcedureRef;
use motcua_domain::stats::{Period, month_of};
use motcua_store::calendar::{self, LocalSetting};
use motcua_store::dossiers::{self, Target};
use motcua_store::{Store, StoreError, stats};
use support::*;

fn base() -> &'static WorkCalendar {
    static CAL: std::sync::LazyLock<WorkCalendar> = std::sync::LazyLock::new(WorkCalendar::vietnam);
    &CAL
}

fn vn(s: &str) -> DateTime<Utc> {
    from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn run(
    store: &Store,
    target: Target,
    command: Command,
    now: DateTime<Utc>,
) -> Result<dossiers::Outcome, StoreError> {
    execute_one(store, base(), target, command, now)
}

fn receive(limit: Limit) -> Command {
    let mut p = ProcedureRef::from(&procedure());
    p.limit = limit;
    p.steps = vec![];
    Command::Receive {
        code: String::new(),
        channel: Channel::Desk,
        procedure: Some(p),
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

#[test]
fn a_provinces_own_cut_off_and_hours_set_the_due_time_of_its_wards_from_their_date() {
    for (backend, url) in backends() {
        let store = seeded(&url);
        // Without settings: the national defaults (15:00 cut-off, 8-hour day).
        let o = run(
            &store,
            Target::New,
            receive(Limit::SameDay),
            vn("2025-03-12T15:30"),
        )
        .unwrap();
        assert_eq!(o.dossier.due, Some(vn("2025-03-13T17:00")), "{backend}");
        store
            .write(|tx| {
                calendar::set_local(
                    tx,
                    &LocalSetting {
                        unit: PROVINCE.into(),
                        effective_from: d("2025-03-13"),
                        hours: Some(vec![
                            Hours {
                                start: hm(7, 30),
                                end: hm(11, 30),
                            },
                            Hours {
                                start: hm(13, 30),
                                end: hm(17, 30),
                            },
                        ]),
                        rules: Some(DeadlineRules {
                            same_day_cutoff: hm(16, 0),
                            day_limit_end: DayLimitEnd::CloseOfDay,
                            ..DeadlineRules::default()
                        }),
                        source: "Quyết định giờ làm việc của UBND tỉnh (thử)".into(),
                    },
                    "test",
                    vn("2025-03-12T16:00"),
                )
            })
            .unwrap();
        // The ward inherits its province's settings, from their date on.
        let o = run(
            &store,
            Target::New,
            receive(Limit::SameDay),
            vn("2025-03-13T15:30"),
        )
        .unwrap();
        assert_eq!(o.dossier.due, Some(vn("2025-03-13T17:30")), "{backend}");
        let o = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(2)),
            vn("2025-03-13T09:00"),
        )
        .unwrap();
        assert_eq!(o.dossier.due, Some(vn("2025-03-17T17:30")), "{backend}");
        // A bad setting is refused and changes nothing.
        let before = store
            .read(|tx| calendar::local_settings(tx, PROVINCE))
            .unwrap();
        let bad = store.write(|tx| {
            calendar::set_local(
                tx,
                &LocalSetting {
                    unit: PROVINCE.into(),
                    effective_from: d("2025-04-01"),
                    hours: Some(vec![Hours {
                        start: hm(17, 0),
                        end: hm(7, 0),
                    }]),
                    rules: None,
                    source: "x".into(),
                },
                "test",
                vn("2025-03-12T16:00"),
            )
        });
        assert!(bad.is_err(), "{backend}");
        assert_eq!(
            store
                .read(|tx| calendar::local_settings(tx, PROVINCE))
                .unwrap(),
            before
        );
    }
}

#[test]
fn the_stale_supplement_queue_lists_exactly_the_requests_past_the_limit() {
    for (backend, url) in backends() {
        let store = seeded(&url);
        let request = |o: &dossiers::Outcome, at| {
            run(
                &store,
                on(o),
                Command::RequestSupplement {
                    items: vec!["Bản sao giấy khai sinh".into()],
                    reason: "Thiếu".into(),
                },
                at,
            )
            .unwrap()
        };
        let old = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(5)),
            vn("2025-03-03T08:00"),
        )
        .unwrap();
        let old = request(&old, vn("2025-03-03T09:00"));
        let recent = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(5)),
            vn("2025-03-20T08:00"),
        )
        .unwrap();
        request(&recent, vn("2025-03-20T09:00"));
        let supplied = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(5)),
            vn("2025-03-03T08:00"),
        )
        .unwrap();
        let supplied = request(&supplied, vn("2025-03-03T09:00"));
        run(
            &store,
            on(&supplied),
            Command::Supplement {
                note: String::new(),
            },
            vn("2025-03-04T09:00"),
        )
        .unwrap();
        let now = vn("2025-03-26T09:00");
        let queue = store
            .read(|tx| dossiers::stale_supplements(tx, base(), &[WARD.into()], now))
            .unwrap();
        assert_eq!(
            queue.iter().map(|s| s.id).collect::<Vec<_>>(),
            [old.id],
            "{backend}"
        );
        assert_eq!(queue[0].waited_working_days, 17);
        assert_eq!(queue[0].limit_working_days, 15);
        assert_eq!(queue[0].agency, WARD);
        // Other units see nothing.
        let none = store
            .read(|tx| dossiers::stale_supplements(tx, base(), &[TOWN.into()], now))
            .unwrap();
        assert!(none.is_empty());
        // The desk returns it; it leaves the queue and counts as refused.
        let closed = run(
            &store,
            on(&old),
            Command::ReturnUnsupplemented {
                reason: "Quá hạn bổ sung 15 ngày làm việc".into(),
            },
            now,
        )
        .unwrap();
        assert_eq!(closed.dossier.status, Status::Refused);
        let queue = store
            .read(|tx| dossiers::stale_supplements(tx, base(), &[WARD.into()], now))
            .unwrap();
        assert!(queue.is_empty(), "{backend}");
        let figures = store
            .read(|tx| stats::per_unit(tx, &[WARD.into()], &Period::month(month_of(now)), now))
            .unwrap();
        assert_eq!(figures[WARD].refused, 1, "{backend}");
    }
}

#[test]
fn an_early_dossier_with_an_apology_is_early_and_its_kept_appointment_is_counted() {
    for (backend, url) in backends() {
        let store = seeded(&url);
        let o = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(3)),
            vn("2025-03-10T08:00"),
        )
        .unwrap();
        let o = run(
            &store,
            on(&o),
            Command::Apologize {
                reason: "Cần xác minh".into(),
                new_appointment: vn("2025-03-17T08:00"),
            },
            vn("2025-03-11T08:00"),
        )
        .unwrap();
        let o = run(
            &store,
            on(&o),
            Command::MarkResultReady {
                outcome: Outcome::Approved,
            },
            vn("2025-03-12T10:00"),
        )
        .unwrap();
        assert_eq!(
            o.dossier.result,
            Some(motcua_domain::calendar::Timeliness::Early)
        );
        let now = vn("2025-03-31T10:00");
        let f = store
            .read(|tx| stats::per_unit(tx, &[WARD.into()], &Period::month(202503), now))
            .unwrap()[WARD];
        assert_eq!(
            (
                f.resolved_early,
                f.resolved_late,
                f.apologized,
                f.appointment_kept,
                f.appointment_missed
            ),
            (1, 0, 1, 1, 0),
            "{backend}"
        );
        // A rebuild from the log gives the same counters.
        let before = store.read(stats::all).unwrap();
        store.write(dossiers::rebuild).unwrap();
        assert_eq!(store.read(stats::all).unwrap(), before, "{backend}");
    }
}

#[test]
fn a_mandatory_paper_missing_needs_a_reason_which_is_recorded() {
    for (backend, url) in backends() {
        let store = seeded(&url);
        let without = |details: ReceptionDetails| {
            let mut c = receive(Limit::WorkingDays(3));
            if let Command::Receive {
                papers, details: d, ..
            } = &mut c
            {
                *papers = Some(vec![Paper {
                    name: "Bản sao CCCD".into(),
                    copies: 2,
                    file: None,
                    kind: Some(PaperKind::CertifiedCopy),
                }]);
                *d = details;
            }
            c
        };
        let events = |s: &Store| {
            s.read(|tx| {
                tx.query_one("SELECT COUNT(*) FROM events", &[])?
                    .unwrap()
                    .i64(0)
            })
            .unwrap()
        };
        let e = run(
            &store,
            Target::New,
            without(ReceptionDetails::default()),
            vn("2025-03-10T08:00"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("Giấy đề nghị đăng ký hộ kinh doanh") && e.contains("mandatory"),
            "{e}"
        );
        assert_eq!(
            events(&store),
            0,
            "{backend}: a refused reception writes nothing"
        );
        let o = run(
            &store,
            Target::New,
            without(ReceptionDetails {
                missing_papers: vec![MissingPaper {
                    name: "giay de nghi dang ky ho kinh doanh".into(),
                    reason: "Người nộp khai trực tiếp tại quầy, ký sau".into(),
                }],
                ..Default::default()
            }),
            vn("2025-03-10T08:00"),
        )
        .unwrap();
        assert_eq!(o.dossier.missing_papers.len(), 1, "{backend}");
        assert_eq!(
            o.dossier.missing_papers[0].name,
            "Giấy đề nghị đăng ký hộ kinh doanh"
        );
        assert_eq!(o.dossier.papers[0].kind, Some(PaperKind::CertifiedCopy));
        assert_eq!(o.dossier.papers[0].copies, 2);
        let replayed = store
            .read(|tx| dossiers::history(tx, o.id))
            .map(|h| motcua_domain::dossier::Dossier::replay(&h).unwrap())
            .unwrap();
        assert_eq!(replayed, o.dossier);
    }
}

#[test]
fn walk_in_guidance_and_refusal_are_logged_counted_and_verified() {
    use motcua_domain::walk_in::{WalkIn, WalkInKind};
    use motcua_store::ledger::{self, Finding};
    use motcua_store::walk_ins;
    for (backend, url) in backends() {
        let store = seeded(&url);
        let p = ProcedureRef::from(&procedure());
        let guidance = WalkIn::new(
            WARD,
            &p,
            WalkInKind::Guidance,
            "Lê Văn Cường",
            Some("0905000111"),
            &["Giấy đề nghị đăng ký hộ kinh doanh (chưa ký)".into()],
            "",
            Some(7),
            vn("2025-03-10T09:00"),
        )
        .unwrap();
        // A refusal without a reason is refused and nothing is written.
        assert!(
            WalkIn::new(
                WARD,
                &p,
                WalkInKind::Refusal,
                "A",
                None,
                &[],
                " ",
                Some(7),
                vn("2025-03-10T10:00")
            )
            .is_err()
        );
        let refusal = WalkIn::new(
            WARD,
            &p,
            WalkInKind::Refusal,
            "Phạm Thị Dung",
            None,
            &[],
            "Thủ tục thuộc thẩm quyền cấp tỉnh",
            Some(7),
            vn("2025-03-11T09:00"),
        )
        .unwrap();
        assert_eq!(guidance.form(), Some("02"));
        assert_eq!(refusal.form(), Some("03"));
        let actor = Actor::Staff { id: 7 };
        let ids: Vec<i64> = [&guidance, &refusal]
            .iter()
            .map(|w| store.write(|tx| walk_ins::record(tx, w, &actor)).unwrap())
            .collect();
        let listed = store
            .read(|tx| {
                walk_ins::list(
                    tx,
                    &[WARD.into()],
                    vn("2025-03-01T00:00"),
                    vn("2025-04-01T00:00"),
                )
            })
            .unwrap();
        assert_eq!(
            listed.iter().map(|r| r.id).collect::<Vec<_>>(),
            ids,
            "{backend}"
        );
        assert_eq!(listed[1].walk_in, refusal);
        let figures = |s: &Store| {
            s.read(|tx| {
                stats::per_unit(
                    tx,
                    &[WARD.into()],
                    &Period::month(202503),
                    vn("2025-03-31T10:00"),
                )
            })
            .unwrap()[WARD]
        };
        let f = figures(&store);
        assert_eq!((f.walk_in_guided, f.walk_in_refused), (1, 1), "{backend}");
        // A rebuild from the logs keeps them.
        store.write(dossiers::rebuild).unwrap();
        let f = figures(&store);
        assert_eq!((f.walk_in_guided, f.walk_in_refused), (1, 1), "{backend}");
        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        assert!(
            report.findings.is_empty(),
            "{backend}: {:?}",
            report.findings
        );
        // Append-only, and an edit with the triggers dropped is found.
        assert!(
            store
                .write(|tx| tx.exec("UPDATE walk_ins SET unit = 'x'", &[]))
                .is_err()
        );
        assert!(
            store
                .write(|tx| tx.exec("DELETE FROM walk_ins", &[]))
                .is_err()
        );
        let drop = if backend == "sqlite" {
            "DROP TRIGGER walk_ins_no_update"
        } else {
            "DROP TRIGGER walk_ins_append_only ON walk_ins"
        };
        store.write(|tx| tx.batch(drop)).unwrap();
        store
            .write(|tx| {
                tx.exec(
                    "UPDATE walk_ins SET payload = REPLACE(payload, 'cấp tỉnh', 'cấp xã') WHERE id = $1",
                    &[motcua_store::Value::Int(ids[1])],
                )
            })
            .unwrap();
        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        assert_eq!(
            report.findings,
            [Finding::WalkInAltered { walk_in_id: ids[1] }],
            "{backend}"
        );
    }
}

#[test]
fn the_register_has_one_line_per_dossier_received_in_the_period_in_order() {
    for (backend, url) in backends() {
        let store = seeded(&url);
        let a = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(3)),
            vn("2025-03-31T16:00"),
        )
        .unwrap();
        let b = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(3)),
            vn("2025-04-01T08:00"),
        )
        .unwrap();
        let c = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(3)),
            vn("2025-04-30T16:00"),
        )
        .unwrap();
        run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(3)),
            vn("2025-05-02T08:00"),
        )
        .unwrap();
        let lines = store
            .read(|tx| dossiers::register(tx, WARD, &Period::month(202504)))
            .unwrap();
        assert_eq!(
            lines.iter().map(|l| l.code.clone()).collect::<Vec<_>>(),
            [b.dossier.code.clone(), c.dossier.code.clone()],
            "{backend}"
        );
        assert_eq!(lines[0].form, Some("06"));
        assert!(a.dossier.code.is_some());
        assert!(
            store
                .read(|tx| dossiers::register(tx, TOWN, &Period::month(202504)))
                .unwrap()
                .is_empty()
        );
    }
}

#[test]
fn the_gaming_checks_find_exactly_what_was_planted() {
    use motcua_domain::dossier::PauseKind;
    use motcua_domain::inspection::{Check, Inspection, NewPlan};
    use motcua_domain::walk_in::{WalkIn, WalkInKind};
    use motcua_store::{inspections, walk_ins};
    let gaming = [
        Check::FeeFreePause,
        Check::LongPause,
        Check::WithdrawnAfterDue,
        Check::EarlyApology,
        Check::MandatoryPaperMissing,
        Check::RefusalWithoutReason,
        Check::RepeatedSupplement,
    ];
    for (backend, url) in backends() {
        let store = seeded(&url);
        let code = |o: &dossiers::Outcome| o.dossier.code.clone().unwrap();
        let pause = |o: dossiers::Outcome, kind, from: &str, to: &str| {
            let o = run(
                &store,
                on(&o),
                Command::Pause {
                    pause: kind,
                    reason: "Chờ".into(),
                },
                vn(from),
            )
            .unwrap();
            run(&store, on(&o), Command::Resume, vn(to)).unwrap()
        };
        // 1. A "financial obligation" pause on a fee-free procedure.
        let mut free = receive(Limit::WorkingDays(5));
        if let Command::Receive {
            procedure: Some(p), ..
        } = &mut free
        {
            p.fee_free = true;
        }
        let fee_free = run(&store, Target::New, free, vn("2025-03-03T08:00")).unwrap();
        let fee_free = pause(
            fee_free,
            PauseKind::FinancialObligation,
            "2025-03-03T09:00",
            "2025-03-03T10:00",
        );
        // 2. An applicant's pause of 13 working days (limit 10).
        let long = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(5)),
            vn("2025-03-03T08:00"),
        )
        .unwrap();
        let long = pause(
            long,
            PauseKind::ApplicantRequest,
            "2025-03-03T09:00",
            "2025-03-20T09:00",
        );
        // 3. Withdrawn two days after its one-day limit ran out.
        let late = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(1)),
            vn("2025-03-03T08:00"),
        )
        .unwrap();
        let late = run(
            &store,
            on(&late),
            Command::Withdraw {
                reason: "Xin rút".into(),
            },
            vn("2025-03-06T08:00"),
        )
        .unwrap();
        // 4. An apology on the day of reception for a ten-day limit.
        let early = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(10)),
            vn("2025-03-03T08:00"),
        )
        .unwrap();
        let early = run(
            &store,
            on(&early),
            Command::Apologize {
                reason: "Dự kiến chậm".into(),
                new_appointment: vn("2025-03-31T08:00"),
            },
            vn("2025-03-03T09:00"),
        )
        .unwrap();
        // 5. Received without its mandatory paper (with a reason: recorded, and flagged).
        let mut missing = receive(Limit::WorkingDays(3));
        if let Command::Receive {
            papers, details, ..
        } = &mut missing
        {
            *papers = Some(vec![]);
            details.missing_papers = vec![MissingPaper {
                name: "Giấy đề nghị đăng ký hộ kinh doanh".into(),
                reason: "Nộp sau".into(),
            }];
        }
        let missing = run(&store, Target::New, missing, vn("2025-03-04T08:00")).unwrap();
        // 6. Two supplement requests by the ward (an old record, imported as it was).
        let twice = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(5)),
            vn("2025-03-05T08:00"),
        )
        .unwrap();
        let twice = run(
            &store,
            on(&twice),
            Command::RequestSupplement {
                items: vec!["Bản sao".into()],
                reason: "Thiếu".into(),
            },
            vn("2025-03-05T09:00"),
        )
        .unwrap();
        run(
            &store,
            on(&twice),
            Command::Supplement {
                note: String::new(),
            },
            vn("2025-03-05T10:00"),
        )
        .unwrap();
        let mut h = store.read(|tx| dossiers::history(tx, twice.id)).unwrap();
        let again: Vec<_> = h[1..3]
            .iter()
            .enumerate()
            .map(|(k, e)| {
                let mut e = e.clone();
                e.seq = 4 + k as i64;
                e.at += chrono::TimeDelta::hours(3);
                e
            })
            .collect();
        h.extend(again);
        let twice_code = format!("{WARD}-250305-0099");
        if let motcua_domain::dossier::Event::Received { code: c, .. } = &mut h[0].event {
            *c = twice_code.clone();
        }
        store.write(|tx| dossiers::import(tx, &[h])).unwrap();
        // 7. A walk-in refusal without a reason (imported from the old paper book), and one with.
        let p = ProcedureRef::from(&procedure());
        let mut silent = WalkIn::new(
            WARD,
            &p,
            WalkInKind::Refusal,
            "Hồ Văn E",
            None,
            &[],
            "x",
            None,
            vn("2025-03-07T09:00"),
        )
        .unwrap();
        silent.reason = String::new();
        let import = Actor::Import {
            staff: None,
            source: "sổ giấy".into(),
        };
        let silent_id = store
            .write(|tx| walk_ins::record(tx, &silent, &import))
            .unwrap();
        let reasoned = WalkIn::new(
            WARD,
            &p,
            WalkInKind::Refusal,
            "Hồ Văn F",
            None,
            &[],
            "Sai thẩm quyền",
            Some(1),
            vn("2025-03-07T10:00"),
        )
        .unwrap();
        store
            .write(|tx| walk_ins::record(tx, &reasoned, &Actor::Staff { id: 1 }))
            .unwrap();
        // 8. A clean dossier: none of the gaming checks.
        let clean = run(
            &store,
            Target::New,
            receive(Limit::WorkingDays(3)),
            vn("2025-03-10T08:00"),
        )
        .unwrap();
        run(
            &store,
            on(&clean),
            Command::MarkResultReady {
                outcome: Outcome::Approved,
            },
            vn("2025-03-11T08:00"),
        )
        .unwrap();

        let inspection = Inspection::new(NewPlan {
            owner: TOWN.into(),
            plan_number: "12/KH-UBND".into(),
            plan_date: d("2025-04-01"),
            year: 2025,
            title: "Kiểm tra một cửa".into(),
            units: vec![WARD.into()],
            areas: None,
            from: d("2025-04-10"),
            to: d("2025-04-20"),
            period_from: d("2025-03-01"),
            period_to: d("2025-03-31"),
            thresholds: None,
        })
        .unwrap();
        let found = store
            .read(|tx| inspections::run_checks(tx, &inspection, vn("2025-04-10T09:00")))
            .unwrap();
        let mut got: Vec<(Check, Vec<String>)> = found
            .iter()
            .filter(|f| f.check.is_some_and(|c| gaming.contains(&c)))
            .map(|f| (f.check.unwrap(), f.evidence.dossiers.clone()))
            .collect();
        got.sort();
        let mut want = vec![
            (Check::FeeFreePause, vec![code(&fee_free)]),
            (Check::LongPause, vec![code(&long)]),
            (Check::WithdrawnAfterDue, vec![code(&late)]),
            (Check::EarlyApology, vec![code(&early)]),
            (Check::MandatoryPaperMissing, vec![code(&missing)]),
            (
                Check::RefusalWithoutReason,
                vec![format!("tiếp dân #{silent_id}")],
            ),
            (Check::RepeatedSupplement, vec![twice_code.clone()]),
        ];
        want.sort();
        assert_eq!(got, want, "{backend}");
        for f in found
            .iter()
            .filter(|f| f.check.is_some_and(|c| gaming.contains(&c)))
        {
            assert!(
                !f.evidence.dossiers.contains(&code(&clean)),
                "{backend}: {f:?}"
            );
            assert!(
                !f.text.is_empty() && f.evidence.count == Some(1),
                "{backend}: {f:?}"
            );
        }
    }
}

#[test]
fn a_passport_applicant_and_an_organisation_are_received_and_a_correction_shows_afterwards() {
    use motcua_domain::dossier::{ApplicantKind, CorrectionField, Representative};
    for (backend, url) in backends() {
        let store = seeded(&url);
        let with = |kind: ApplicantKind, representative: Option<Representative>| {
            let mut c = receive(Limit::WorkingDays(3));
            if let Command::Receive {
                applicant: Some(a), ..
            } = &mut c
            {
                a.id_number = None;
                a.address = Some("Tổ 3, phường Cư Bao".into());
                a.kind = kind;
                a.representative = representative;
            }
            c
        };
        let foreigner = run(
            &store,
            Target::New,
            with(
                ApplicantKind::Foreigner {
                    passport: "m12345678".into(),
                    nationality: "Hàn Quốc".into(),
                },
                None,
            ),
            vn("2025-03-10T08:00"),
        )
        .unwrap();
        assert_eq!(
            foreigner.dossier.applicant.kind,
            ApplicantKind::Foreigner {
                passport: "M12345678".into(),
                nationality: "Hàn Quốc".into()
            },
            "{backend}"
        );
        let company = run(
            &store,
            Target::New,
            with(
                ApplicantKind::Organisation {
                    tax_code: "6001234567".into(),
                    legal_representative: "Y Bhin Niê".into(),
                },
                Some(Representative {
                    full_name: "Nguyễn Thị Hoa".into(),
                    id_number: None,
                    authorisation: "Giấy ủy quyền số 12/UQ".into(),
                }),
            ),
            vn("2025-03-10T08:30"),
        )
        .unwrap();
        // A typo in the tax code, corrected with a reason.
        let fixed = run(
            &store,
            on(&company),
            Command::Correct {
                field: CorrectionField::TaxCode,
                value: "6001234568".into(),
                reason: "Nhập nhầm một chữ số".into(),
            },
            vn("2025-03-10T09:00"),
        )
        .unwrap();
        let loaded = store.read(|tx| dossiers::load(tx, fixed.id)).unwrap();
        assert_eq!(
            loaded.applicant.field(CorrectionField::TaxCode),
            "6001234568",
            "{backend}"
        );
        assert_eq!(loaded.corrections[0].from, "6001234567");
        let line = motcua_domain::forms::register_line(&loaded);
        assert!(
            line.notes
                .iter()
                .any(|n| n.contains("6001234567 → 6001234568")),
            "{line:?}"
        );
        // A bad organisation is refused and writes nothing.
        let before = store
            .read(|tx| {
                tx.query_one("SELECT COUNT(*) FROM events", &[])?
                    .unwrap()
                    .i64(0)
            })
            .unwrap();
        let bad = run(
            &store,
            Target::New,
            with(
                ApplicantKind::Organisation {
                    tax_code: "123".into(),
                    legal_representative: "X".into(),
                },
                None,
            ),
            vn("2025-03-10T10:00"),
        );
        assert!(bad.is_err());
        let after = store
            .read(|tx| {
                tx.query_one("SELECT COUNT(*) FROM events", &[])?
                    .unwrap()
                    .i64(0)
            })
            .unwrap();
        assert_eq!(before, after, "{backend}");
        let report = store
            .read(|tx| motcua_store::ledger::verify(tx, &[]))
            .unwrap();
        assert!(report.findings.is_empty(), "{backend}");
    }
}
