//! The dossier lifecycle: legal paths, refused ones, and the clock.

use std::sync::OnceLock;

use chrono::{NaiveDateTime, TimeDelta};
use motcua_domain::calendar::{Limit, Timeliness, WorkCalendar};
use motcua_domain::dossier::{
    Actor, Applicant, ApplicantKind, Channel, Command, Context, Dossier, DossierError, Event,
    Instant, Outcome, Paper, PauseKind, Rating, Recorded, RuleSet, Stage, Status, decide,
    dossier_code, from_local, parse_dossier_code, to_local,
};
use motcua_domain::procedure::{ProcedureRef, StepBudget};
use proptest::prelude::*;

fn cal() -> &'static WorkCalendar {
    static CAL: OnceLock<WorkCalendar> = OnceLock::new();
    CAL.get_or_init(WorkCalendar::vietnam)
}

fn vn(s: &str) -> Instant {
    from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

fn procedure() -> ProcedureRef {
    ProcedureRef {
        code: "1.001612".into(),
        version: 1,
        name: "Đăng ký thành lập hộ kinh doanh".into(),
        limit: Limit::WorkingDays(3),
        steps: vec![
            StepBudget {
                name: "Tiếp nhận, chuyển hồ sơ".into(),
                budget: Limit::WorkingMinutes(4 * 60),
                performer: None,
            },
            StepBudget {
                name: "Thẩm định".into(),
                budget: Limit::WorkingDays(2),
                performer: None,
            },
            StepBudget {
                name: "Phê duyệt".into(),
                budget: Limit::WorkingMinutes(4 * 60),
                performer: None,
            },
        ],
        conditional_limits: vec![],
        papers: vec![],
        fee_free: false,
        boundary_free: false,
    }
}

fn applicant() -> Applicant {
    Applicant {
        full_name: "  Nguyễn Văn An ".into(),
        id_number: Some("066090001234".into()),
        phone: "0905 123 456".into(),
        email: None,
        address: Some("Phường An Lạc, thị xã Buôn Hồ".into()),
        date_of_birth: None,
        sex: None,
        kind: Default::default(),
        representative: None,
        notify: None,
        sealed: None,
    }
}

/// A dossier and its history, driven by commands as the store drives it.
struct Run {
    events: Vec<Recorded>,
    state: Option<Dossier>,
}

impl Run {
    fn new() -> Run {
        Run {
            events: vec![],
            state: None,
        }
    }

    fn exec(&mut self, at: Instant, command: Command) -> Result<&Dossier, DossierError> {
        let ctx = Context {
            now: at,
            calendar: cal(),
        };
        let event = decide(self.state.as_ref(), command, &ctx)?;
        let rec = Recorded {
            seq: self.events.len() as i64 + 1,
            at,
            actor: Actor::Staff { id: 1 },
            event,
        };
        match &mut self.state {
            None => self.state = Some(Dossier::start(&rec)?),
            Some(d) => d.apply(&rec),
        }
        self.events.push(rec);
        Ok(self.state.as_ref().unwrap())
    }
}

fn receive_at_desk(run: &mut Run, at: Instant) {
    run.exec(
        at,
        Command::Receive {
            code: dossier_code("000.00.12.H15", to_local(at).date(), 1).unwrap(),
            channel: Channel::Desk,
            procedure: Some(procedure()),
            unit: Some("town-desk".into()),
            applicant: Some(applicant()),
            papers: Some(vec![Paper {
                name: "Giấy đề nghị đăng ký hộ kinh doanh".into(),
                copies: 1,
                file: None,
                kind: None,
            }]),
            details: Default::default(),
        },
    )
    .unwrap();
}

fn hand_over(to: &str, external: bool) -> Command {
    Command::HandOver {
        to_unit: to.into(),
        external,
        note: String::new(),
        to_staff: None,
    }
}

#[test]
fn desk_lifecycle_with_control_sheet() {
    let mut run = Run::new();
    receive_at_desk(&mut run, vn("2025-03-10T08:00"));
    let d = run.state.as_ref().unwrap();
    assert_eq!(d.status, Status::Processing);
    assert_eq!(d.code.as_deref(), Some("000.00.12.H15-250310-0001"));
    assert_eq!(d.applicant.full_name, "Nguyễn Văn An");
    assert_eq!(d.applicant.phone_last4(), "3456");
    assert_eq!(d.due, Some(vn("2025-03-13T08:00")));
    assert_eq!(d.rule_set, Some(RuleSet::Nd61_2018));
    // Four working hours from 08:00: 3.5 h before lunch, 0.5 h after.
    assert_eq!(d.steps[0].due, vn("2025-03-10T14:00"));

    run.exec(vn("2025-03-10T10:00"), hand_over("finance", false))
        .unwrap();
    run.exec(vn("2025-03-13T09:00"), hand_over("tax", true))
        .unwrap();
    let d = run
        .exec(
            vn("2025-03-13T10:00"),
            Command::MarkResultReady {
                outcome: Outcome::Approved,
            },
        )
        .unwrap();
    let results: Vec<_> = d.steps.iter().map(|s| s.result).collect();
    // Reception handed over on the day it was due; appraisal took 3 days of its 2; the tax office
    // finished on the day it was due (early means before the due date).
    assert_eq!(
        results,
        [
            Some(Timeliness::OnTime),
            Some(Timeliness::Late),
            Some(Timeliness::OnTime)
        ]
    );
    assert!(d.steps[1].external);
    assert_eq!(d.result, Some(Timeliness::Late));
    let d = run
        .exec(
            vn("2025-03-14T08:00"),
            Command::Return {
                to_whom: "Nguyễn Văn An".into(),
            },
        )
        .unwrap();
    assert_eq!(d.status, Status::Returned);
    run.exec(
        vn("2025-03-14T08:05"),
        Command::Rate {
            rating: Rating::Satisfied,
            comment: String::new(),
        },
    )
    .unwrap();
    let again = run.exec(
        vn("2025-03-14T08:06"),
        Command::Rate {
            rating: Rating::Unsatisfied,
            comment: String::new(),
        },
    );
    assert!(matches!(again, Err(DossierError::Rule { .. })));
    assert_eq!(
        Dossier::replay(&run.events).unwrap(),
        *run.state.as_ref().unwrap()
    );
}

fn same_day_procedure() -> ProcedureRef {
    ProcedureRef {
        code: "1.004884".into(),
        version: 1,
        name: "Đăng ký kết hôn".into(),
        limit: Limit::SameDay,
        steps: vec![],
        conditional_limits: vec![motcua_domain::procedure::ConditionalLimit {
            condition: "Cần xác minh".into(),
            limit: Limit::WorkingDays(5),
        }],
        papers: vec![],
        fee_free: true,
        boundary_free: false,
    }
}

fn receive_with(
    run: &mut Run,
    at: Instant,
    procedure: ProcedureRef,
    condition: Option<&str>,
) -> Result<Dossier, DossierError> {
    run.exec(
        at,
        Command::Receive {
            code: dossier_code("H15", to_local(at).date(), 1).unwrap(),
            channel: Channel::Desk,
            procedure: Some(procedure),
            unit: Some("ward".into()),
            applicant: Some(applicant()),
            papers: Some(vec![]),
            details: motcua_domain::dossier::ReceptionDetails {
                condition: condition.map(str::to_owned),
                ..Default::default()
            },
        },
    )
    .cloned()
}

#[test]
fn a_same_day_procedure_is_due_at_the_close_or_with_its_condition_after_five_working_days() {
    // "Same day; if verification is needed, at most 5 working days" (Civil Status Law 2014 art. 18).
    let d = receive_with(
        &mut Run::new(),
        vn("2025-03-12T09:00"),
        same_day_procedure(),
        None,
    )
    .unwrap();
    assert_eq!(d.due, Some(vn("2025-03-12T17:00")));
    assert_eq!(d.legal_limit(), Limit::SameDay);
    let d = receive_with(
        &mut Run::new(),
        vn("2025-03-12T15:30"),
        same_day_procedure(),
        None,
    )
    .unwrap();
    assert_eq!(d.due, Some(vn("2025-03-13T17:00")));
    let mut run = Run::new();
    let d = receive_with(
        &mut run,
        vn("2025-03-12T09:00"),
        same_day_procedure(),
        Some("Cần xác minh"),
    )
    .unwrap();
    assert_eq!(d.due, Some(vn("2025-03-19T09:00")));
    assert_eq!(d.condition.as_deref(), Some("Cần xác minh"));
    assert_eq!(d.legal_limit(), Limit::WorkingDays(5));
    // The condition is in the event, so the replay (and the printed receipt) has it.
    assert_eq!(Dossier::replay(&run.events).unwrap(), d);
    let e = receive_with(
        &mut Run::new(),
        vn("2025-03-12T09:00"),
        same_day_procedure(),
        Some("Không có"),
    );
    assert!(matches!(e, Err(DossierError::Invalid { .. })));
}

#[test]
fn online_submission_supplement_at_desk_then_reception() {
    let mut run = Run::new();
    run.exec(
        vn("2025-07-04T20:00"),
        Command::SubmitOnline {
            procedure: procedure(),
            unit: "ward".into(),
            applicant: applicant(),
            papers: vec![],
        },
    )
    .unwrap();
    run.exec(
        vn("2025-07-07T08:00"),
        Command::RequestSupplement {
            items: vec!["Bản sao CCCD".into()],
            reason: "Thiếu giấy tờ tùy thân".into(),
        },
    )
    .unwrap();
    let d = run
        .exec(
            vn("2025-07-07T15:00"),
            Command::Supplement {
                note: "Đã nộp bổ sung".into(),
            },
        )
        .unwrap();
    assert_eq!(d.status, Status::Submitted);
    assert!(d.received_at.is_none(), "the clock has not started");
    let d = run
        .exec(
            vn("2025-07-08T09:00"),
            Command::Receive {
                code: "X-250708-0001".into(),
                channel: Channel::Desk,
                procedure: None,
                unit: None,
                applicant: None,
                papers: None,
                details: Default::default(),
            },
        )
        .unwrap();
    assert_eq!(d.channel, Channel::Online);
    assert_eq!(d.rule_set, Some(RuleSet::Nd118_2025));
    assert_eq!(d.due, Some(vn("2025-07-11T09:00")));
}

#[test]
fn supplement_during_processing_pauses_once_per_stage() {
    let mut run = Run::new();
    receive_at_desk(&mut run, vn("2025-03-10T08:00"));
    run.exec(vn("2025-03-10T09:00"), hand_over("finance", false))
        .unwrap();
    let request = || Command::RequestSupplement {
        items: vec!["Hợp đồng thuê địa điểm".into()],
        reason: "Thiếu".into(),
    };
    run.exec(vn("2025-03-11T08:00"), request()).unwrap();
    // The applicant comes back a whole working day later: due moves a day.
    let d = run
        .exec(
            vn("2025-03-12T08:00"),
            Command::Supplement {
                note: String::new(),
            },
        )
        .unwrap();
    assert_eq!(d.due, Some(vn("2025-03-14T08:00")));
    assert_eq!(d.status, Status::Processing);
    assert_eq!(d.supplements[0].stage, Stage::Step(1));
    let twice = run.exec(vn("2025-03-12T09:00"), request());
    assert!(matches!(twice, Err(DossierError::Rule { .. })));
    // At the next step a new request is allowed.
    run.exec(vn("2025-03-12T10:00"), hand_over("leader", false))
        .unwrap();
    run.exec(vn("2025-03-12T11:00"), request()).unwrap();
}

#[test]
fn financial_pause_and_apology() {
    let mut run = Run::new();
    receive_at_desk(&mut run, vn("2025-03-10T08:00"));
    run.exec(
        vn("2025-03-10T09:00"),
        Command::Pause {
            pause: PauseKind::FinancialObligation,
            reason: "Chờ nộp lệ phí".into(),
        },
    )
    .unwrap();
    assert!(
        run.exec(vn("2025-03-10T10:00"), hand_over("x", false))
            .is_err(),
        "a paused dossier cannot move"
    );
    let d = run.exec(vn("2025-03-10T13:30"), Command::Resume).unwrap();
    // Paused 09:00-11:30 and 13:30 (lunch is not working time): 2.5 working hours.
    assert_eq!(d.due, Some(vn("2025-03-13T10:30")));
    let too_early = run.exec(
        vn("2025-03-12T08:00"),
        Command::Apologize {
            reason: "Cần xác minh".into(),
            new_appointment: vn("2025-03-12T08:00"),
        },
    );
    assert!(matches!(too_early, Err(DossierError::Invalid { .. })));
    let d = run
        .exec(
            vn("2025-03-12T08:00"),
            Command::Apologize {
                reason: "Cần xác minh".into(),
                new_appointment: vn("2025-03-17T08:00"),
            },
        )
        .unwrap();
    assert!(d.apology.as_ref().unwrap().notice_in_time);
    assert_eq!(d.appointment(), Some(vn("2025-03-17T08:00")));
    let twice = run.exec(
        vn("2025-03-12T09:00"),
        Command::Apologize {
            reason: "x".into(),
            new_appointment: vn("2025-03-18T08:00"),
        },
    );
    assert!(matches!(twice, Err(DossierError::Rule { .. })));
    // Finished a day before the legal due time: early, whatever the apology said. The apology is
    // its own fact: issued a working day before the due date, and its new date was kept.
    let d = run
        .exec(
            vn("2025-03-12T10:00"),
            Command::MarkResultReady {
                outcome: Outcome::Approved,
            },
        )
        .unwrap();
    assert_eq!(d.result, Some(Timeliness::Early));
    assert_eq!(d.appointment_kept(), Some(true));
    let a = d.apology.as_ref().unwrap();
    assert_eq!(a.working_days_before, Some(1));
    assert!(!a.too_early);
}

fn fee_assessment(total: i64) -> motcua_domain::payment::Assessment {
    motcua_domain::payment::Assessment {
        lines: vec![motcua_domain::payment::AssessedFee {
            name: "Lệ phí".into(),
            amount: total,
            exempt: None,
        }],
        total,
    }
}

fn cash(amount: i64, receipt: &str) -> motcua_domain::payment::Payment {
    motcua_domain::payment::Payment {
        method: motcua_domain::payment::PaymentMethod::Cash,
        amount,
        receipt: Some(receipt.into()),
        gateway: None,
        reference: None,
        transaction: None,
    }
}

#[test]
fn a_fee_pauses_processing_and_its_payment_resumes_it_with_the_due_time_pushed_back_by_the_wait() {
    let mut run = Run::new();
    receive_at_desk(&mut run, vn("2025-03-10T08:00"));
    let due_before = run.state.as_ref().unwrap().due.unwrap();
    let step_due_before = run.state.as_ref().unwrap().steps[0].due;
    let d = run
        .exec(
            vn("2025-03-10T08:30"),
            Command::AssessFee {
                assessment: fee_assessment(50_000),
            },
        )
        .unwrap();
    assert_eq!(d.status, Status::Paused);
    assert_eq!(
        d.pauses.last().unwrap().kind,
        PauseKind::FinancialObligation
    );
    assert_eq!(d.fees.as_ref().unwrap().balance(), 50_000);
    // At the desk: a receipt is required, and the whole amount owed.
    let no_receipt = run.exec(
        vn("2025-03-10T09:00"),
        Command::RecordPayment {
            payment: motcua_domain::payment::Payment {
                receipt: None,
                ..cash(50_000, "x")
            },
        },
    );
    assert!(
        matches!(no_receipt, Err(DossierError::Invalid { ref field, .. }) if field == "receipt")
    );
    let wrong = run.exec(
        vn("2025-03-10T09:00"),
        Command::RecordPayment {
            payment: cash(40_000, "BL25E-1"),
        },
    );
    assert!(matches!(wrong, Err(DossierError::Invalid { ref field, .. }) if field == "amount"));
    // Paid the next working day at 08:30: the wait was 08:30-11:00, 13:00-17:00 on the 10th and
    // 07:00-08:30 on the 11th (the default 07:00-11:00, 13:00-17:00 day): 8 working hours, one
    // working day exactly, so both due times move by one working day.
    let d = run
        .exec(
            vn("2025-03-11T08:30"),
            Command::RecordPayment {
                payment: cash(50_000, "bl25e-0000123"),
            },
        )
        .unwrap();
    assert_eq!(d.status, Status::Processing);
    assert_eq!(d.pauses.last().unwrap().to, Some(vn("2025-03-11T08:30")));
    assert_eq!(due_before, vn("2025-03-13T08:00"));
    assert_eq!(d.due, Some(vn("2025-03-14T08:00")));
    assert_eq!(d.steps[0].due, step_due_before + TimeDelta::days(1));
    let f = d.fees.as_ref().unwrap();
    assert_eq!(f.balance(), 0);
    assert_eq!(
        f.payments[0].payment.receipt.as_deref(),
        Some("BL25E-0000123")
    );
    // Nothing more is owed: a second payment is refused, and so is a new assessment.
    assert!(
        run.exec(
            vn("2025-03-11T09:00"),
            Command::RecordPayment {
                payment: cash(1, "BL-2")
            }
        )
        .is_err()
    );
    assert!(
        run.exec(
            vn("2025-03-11T09:00"),
            Command::AssessFee {
                assessment: fee_assessment(1)
            }
        )
        .is_err()
    );
    // An assessment that does not add up is refused.
    let mut run = Run::new();
    receive_at_desk(&mut run, vn("2025-03-10T08:00"));
    let mut bad = fee_assessment(50_000);
    bad.total = 10;
    assert!(
        run.exec(
            vn("2025-03-10T08:30"),
            Command::AssessFee { assessment: bad }
        )
        .is_err()
    );
    // Nothing owed: no pause.
    let d = run
        .exec(
            vn("2025-03-10T08:30"),
            Command::AssessFee {
                assessment: fee_assessment(0),
            },
        )
        .unwrap();
    assert_eq!(d.status, Status::Processing);
    assert_eq!(
        Dossier::replay(&run.events).unwrap(),
        run.state.clone().unwrap()
    );
}

#[test]
fn an_apology_long_before_the_due_date_is_flagged_and_a_missed_new_date_is_counted() {
    // Received Thursday 6/3, due Tuesday 11/3 08:00: an apology on the due date is not in time.
    let mut run = Run::new();
    receive_at_desk(&mut run, vn("2025-03-06T08:00"));
    // A 10-day dossier apologised for on the day of reception is flagged (window: 3 working days).
    let mut p = procedure();
    p.limit = Limit::WorkingDays(10);
    let mut long = Run::new();
    receive_with(&mut long, vn("2025-03-10T08:00"), p, None).unwrap();
    let d = long
        .exec(
            vn("2025-03-10T09:00"),
            Command::Apologize {
                reason: "x".into(),
                new_appointment: vn("2025-03-31T08:00"),
            },
        )
        .unwrap()
        .clone();
    assert!(d.apology.as_ref().unwrap().too_early);
    assert_eq!(d.apology.as_ref().unwrap().working_days_before, Some(10));
    // Finished after the legal due time and after the new appointment: late, and missed.
    let d = long
        .exec(
            vn("2025-04-01T08:00"),
            Command::MarkResultReady {
                outcome: Outcome::Approved,
            },
        )
        .unwrap();
    assert_eq!(d.result, Some(Timeliness::Late));
    assert_eq!(d.appointment_kept(), Some(false));
    // An apology on the due date itself is not in time.
    let d = run
        .exec(
            vn("2025-03-11T08:00"),
            Command::Apologize {
                reason: "x".into(),
                new_appointment: vn("2025-03-20T08:00"),
            },
        )
        .unwrap();
    assert!(!d.apology.as_ref().unwrap().notice_in_time);
}

#[test]
fn illegal_transitions_are_refused_with_a_reason() {
    let mut run = Run::new();
    let e = run.exec(
        vn("2025-03-10T08:00"),
        Command::Return {
            to_whom: "A".into(),
        },
    );
    assert!(matches!(
        e,
        Err(DossierError::IllegalTransition { status: None, .. })
    ));
    receive_at_desk(&mut run, vn("2025-03-10T08:00"));
    for cmd in [
        Command::Return {
            to_whom: "A".into(),
        },
        Command::Resume,
        Command::Refuse { reason: "x".into() },
        Command::Rate {
            rating: Rating::Satisfied,
            comment: String::new(),
        },
        Command::Supplement {
            note: String::new(),
        },
    ] {
        let e = run.exec(vn("2025-03-10T09:00"), cmd).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("Đang xử lý") && msg.contains("processing"),
            "{msg}"
        );
    }
    let e = run
        .exec(
            vn("2025-03-10T09:00"),
            Command::Withdraw {
                reason: "  ".into(),
            },
        )
        .unwrap_err();
    assert!(matches!(e, DossierError::Invalid { .. }));
    run.exec(
        vn("2025-03-10T09:00"),
        Command::Withdraw {
            reason: "Người nộp xin rút".into(),
        },
    )
    .unwrap();
    assert!(
        run.exec(vn("2025-03-10T10:00"), hand_over("x", false))
            .is_err()
    );
}

#[test]
fn applicant_validation() {
    let mut bad = applicant();
    bad.phone = "12ab".into();
    assert!(bad.validated().is_err());
    let mut bad = applicant();
    bad.id_number = Some("123".into());
    assert!(bad.validated().is_err());
    let mut bad = applicant();
    bad.full_name = " ".into();
    assert!(bad.validated().is_err());
}

#[test]
fn codes() {
    let date = "2023-05-12".parse().unwrap();
    let code = dossier_code("000.00.12.H17", date, 1).unwrap();
    assert_eq!(code, "000.00.12.H17-230512-0001");
    assert_eq!(
        parse_dossier_code(&code),
        Some(("000.00.12.H17".into(), date, 1))
    );
    assert!(dossier_code("U", date, 10_000).is_err());
    assert!(parse_dossier_code("nonsense").is_none());
    assert!(parse_dossier_code("U-231399-0001").is_none());
}

fn any_command() -> impl Strategy<Value = Command> {
    prop_oneof![
        Just(Command::Receive {
            code: "U-250310-0001".into(),
            channel: Channel::Desk,
            procedure: Some(procedure()),
            unit: Some("desk".into()),
            applicant: Some(applicant()),
            papers: None,
            details: Default::default(),
        }),
        Just(Command::RequestSupplement {
            items: vec!["x".into()],
            reason: "y".into()
        }),
        Just(Command::Supplement { note: "z".into() }),
        Just(Command::Refuse { reason: "r".into() }),
        prop_oneof![Just("a"), Just("b"), Just("c")].prop_map(|u| hand_over(u, u == "c")),
        Just(Command::Pause {
            pause: PauseKind::FinancialObligation,
            reason: "fee".into()
        }),
        Just(Command::Resume),
        Just(Command::AssessFee {
            assessment: fee_assessment(50_000)
        }),
        Just(Command::RecordPayment {
            payment: cash(50_000, "BL25E-1")
        }),
        (1i64..20).prop_map(|d| Command::Apologize {
            reason: "late".into(),
            new_appointment: vn("2025-03-10T08:00") + TimeDelta::days(d),
        }),
        Just(Command::MarkResultReady {
            outcome: Outcome::Approved
        }),
        Just(Command::Return {
            to_whom: "A".into()
        }),
        Just(Command::Withdraw { reason: "w".into() }),
        Just(Command::Rate {
            rating: Rating::VerySatisfied,
            comment: String::new()
        }),
    ]
}

proptest! {
    /// Any sequence of commands: no panic, every accepted event replays to the same state, and the
    /// due time never moves earlier than the one given at reception.
    #[test]
    fn random_histories_replay(cmds in proptest::collection::vec((any_command(), 1i64..600), 1..30)) {
        let mut run = Run::new();
        let mut at = vn("2025-03-10T07:45");
        let mut first_due = None;
        for (cmd, minutes) in cmds {
            at += TimeDelta::minutes(minutes);
            let before = run.state.clone();
            match run.exec(at, cmd) {
                Ok(d) => {
                    if first_due.is_none() { first_due = d.due; }
                    if let (Some(first), Some(due)) = (first_due, d.due) {
                        prop_assert!(due >= first);
                    }
                    if let Some(Event::Received { .. }) = run.events.last().map(|e| &e.event) {
                        prop_assert_eq!(run.events.len(), 1);
                    }
                }
                Err(_) => prop_assert_eq!(&run.state, &before, "a refused command changed nothing"),
            }
        }
        if !run.events.is_empty() {
            prop_assert_eq!(Dossier::replay(&run.events).unwrap(), run.state.clone().unwrap());
        }
    }
}

proptest! {
    /// Parsing what users type never panics.
    #[test]
    fn parsers_never_panic(s in "\\PC{0,80}") {
        let _ = parse_dossier_code(&s);
        let _ = motcua_domain::calendar::YearSchedule::parse(&s);
        let _ = motcua_domain::text::fold_vi(&s);
        let applicant = Applicant { full_name: s.clone(), id_number: Some(s.clone()), phone: s.clone(), email: Some(s.clone()), address: Some(s.clone()), date_of_birth: None, sex: None, kind: Default::default(), representative: None, notify: None, sealed: None };
        let _ = applicant.clone().validated();
        let foreigner = Applicant { kind: ApplicantKind::Foreigner { passport: s.clone(), nationality: s.clone() }, id_number: None, ..applicant.clone() };
        let _ = foreigner.validated();
        let organisation = Applicant { kind: ApplicantKind::Organisation { tax_code: s.clone(), legal_representative: s.clone() }, ..applicant };
        let _ = organisation.validated();
    }
}

#[test]
fn a_second_supplement_request_by_the_same_agency_is_refused_with_the_reason() {
    let mut run = Run::new();
    run.exec(
        vn("2025-07-04T20:00"),
        Command::SubmitOnline {
            procedure: procedure(),
            unit: "ward".into(),
            applicant: applicant(),
            papers: vec![],
        },
    )
    .unwrap();
    let request = || Command::RequestSupplement {
        items: vec!["Bản sao giấy khai sinh".into()],
        reason: "Thiếu".into(),
    };
    // The ward's desk asks at reception...
    run.exec(vn("2025-07-07T08:00"), request()).unwrap();
    run.exec(
        vn("2025-07-07T15:00"),
        Command::Supplement {
            note: String::new(),
        },
    )
    .unwrap();
    run.exec(
        vn("2025-07-08T09:00"),
        Command::Receive {
            code: "X-250708-0001".into(),
            channel: Channel::Desk,
            procedure: None,
            unit: None,
            applicant: None,
            papers: None,
            details: Default::default(),
        },
    )
    .unwrap();
    // ...then the dossier moves to the civil-status officer inside the same ward: the ward may not
    // ask again.
    run.exec(vn("2025-07-08T10:00"), hand_over("ward", false))
        .unwrap();
    let e = run.exec(vn("2025-07-08T11:00"), request()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("đã yêu cầu bổ sung")
            && msg.contains("already asked")
            && msg.contains("Nghị định 61/2018"),
        "{msg}"
    );
    // Another agency (the district's department) may ask once.
    run.exec(vn("2025-07-08T14:00"), hand_over("district-justice", true))
        .unwrap();
    let d = run.exec(vn("2025-07-09T08:00"), request()).unwrap();
    assert_eq!(
        d.supplements
            .iter()
            .map(|s| d.supplement_agency(s))
            .collect::<Vec<_>>(),
        ["ward", "district-justice"]
    );
}

#[test]
fn a_supplement_waiting_past_the_limit_can_be_returned_and_not_before() {
    let mut run = Run::new();
    receive_at_desk(&mut run, vn("2025-03-10T08:00"));
    run.exec(
        vn("2025-03-10T09:00"),
        Command::RequestSupplement {
            items: vec!["Hợp đồng thuê".into()],
            reason: "Thiếu".into(),
        },
    )
    .unwrap();
    let give_back = || Command::ReturnUnsupplemented {
        reason: "Quá hạn bổ sung".into(),
    };
    // 15 working days later (Monday 31/3) is not yet past the default 15-day limit.
    let d = run.state.clone().unwrap();
    assert_eq!(
        d.supplement_waiting(cal(), vn("2025-03-31T09:00")).unwrap(),
        Some(15)
    );
    let e = run.exec(vn("2025-03-31T09:00"), give_back()).unwrap_err();
    assert!(matches!(e, DossierError::Rule { .. }), "{e}");
    let d = run.exec(vn("2025-04-01T09:00"), give_back()).unwrap();
    assert_eq!(d.status, Status::Refused);
    assert!(d.pauses.iter().all(|p| p.to.is_some()));
    assert_eq!(
        Dossier::replay(&run.events).unwrap(),
        *run.state.as_ref().unwrap()
    );
}

#[test]
fn a_passport_applicant_and_an_organisation_are_received_and_bad_ones_refused() {
    // A foreign spouse (marriage with a foreign element) with a passport.
    let mut foreigner = applicant();
    foreigner.id_number = None;
    foreigner.kind = ApplicantKind::Foreigner {
        passport: "c1234567".into(),
        nationality: "Hàn Quốc".into(),
    };
    let v = foreigner.clone().validated().unwrap();
    assert_eq!(
        v.kind,
        ApplicantKind::Foreigner {
            passport: "C1234567".into(),
            nationality: "Hàn Quốc".into()
        }
    );
    let mut with_id = foreigner.clone();
    with_id.id_number = Some("066190000123".into());
    assert!(with_id.validated().is_err());
    let mut organisation = applicant();
    organisation.full_name = "Công ty TNHH Cà phê Buôn Hồ".into();
    organisation.kind = ApplicantKind::Organisation {
        tax_code: "6001234567".into(),
        legal_representative: "Y Bhin Niê".into(),
    };
    organisation.representative = Some(motcua_domain::dossier::Representative {
        full_name: "Nguyễn Thị Hoa".into(),
        id_number: Some("066195000321".into()),
        authorisation: "Giấy ủy quyền số 12/2025/UQ ngày 03/3/2025".into(),
    });
    assert!(organisation.clone().validated().is_ok());
    for (tax, address) in [
        ("600123456", true),
        ("6001234567-01", true),
        ("6001234567", false),
    ] {
        let mut bad = organisation.clone();
        bad.kind = ApplicantKind::Organisation {
            tax_code: tax.into(),
            legal_representative: "Y Bhin Niê".into(),
        };
        if !address {
            bad.address = None;
        }
        assert!(bad.validated().is_err(), "{tax} {address}");
    }
    let mut branch = organisation.clone();
    branch.kind = ApplicantKind::Organisation {
        tax_code: "6001234567-001".into(),
        legal_representative: "Y Bhin Niê".into(),
    };
    assert!(branch.validated().is_ok());
    // Citizens: 12 digits with a province code; 000 is no province.
    let mut bad = applicant();
    bad.id_number = Some("000190000123".into());
    assert!(bad.validated().is_err());
}

#[test]
fn a_correction_is_an_event_that_changes_the_state_and_keeps_the_old_value() {
    use motcua_domain::dossier::CorrectionField;
    let mut run = Run::new();
    receive_at_desk(&mut run, vn("2025-03-10T08:00"));
    let d = run
        .exec(
            vn("2025-03-10T09:00"),
            Command::Correct {
                field: CorrectionField::FullName,
                value: "Nguyễn Văn Ân".into(),
                reason: "Gõ sai dấu khi tiếp nhận".into(),
            },
        )
        .unwrap()
        .clone();
    assert_eq!(d.applicant.full_name, "Nguyễn Văn Ân");
    assert_eq!(d.corrections[0].from, "Nguyễn Văn An");
    assert_eq!(d.corrections[0].actor, Actor::Staff { id: 1 });
    assert_eq!(Dossier::replay(&run.events).unwrap(), d);
    // Without a reason, to a bad value, or a field that does not apply: refused.
    for (field, value, reason) in [
        (CorrectionField::Phone, "0905 123 999", ""),
        (CorrectionField::IdNumber, "12345", "Sai số"),
        (CorrectionField::TaxCode, "6001234567", "Sai"),
        (CorrectionField::FullName, "Nguyễn Văn Ân", "Không đổi"),
    ] {
        let e = run.exec(
            vn("2025-03-10T10:00"),
            Command::Correct {
                field,
                value: value.into(),
                reason: reason.into(),
            },
        );
        assert!(
            matches!(e, Err(DossierError::Invalid { .. })),
            "{field:?}: {e:?}"
        );
    }
}

#[test]
fn events_recorded_before_the_counter_changes_read_back_and_serialise_unchanged() {
    // Payloads as the log holds them from before issue 16 (no condition, basis, paper kinds,
    // applicant kind, supplement agency, apology window). They must read, and write back the same
    // (their hashes cover the stored text, and rebuilds re-read it).
    let old = [
        r#"{"kind":"received","code":"U-250310-0001","channel":"desk","procedure":{"code":"1.001612","version":1,"name":"X","limit":{"unit":"working_days","value":3},"steps":[]},"unit":"U","applicant":{"full_name":"A","id_number":"066190000123","phone":"0905123456","email":null,"address":null},"papers":[{"name":"P","copies":1}],"rule_set":"nd61_2018","due":"2025-03-13T01:00:00Z","step":{"index":0,"name":"B","unit":"U","budget":null,"due":"2025-03-13T01:00:00Z"}}"#,
        r#"{"kind":"supplement_requested","stage":{"at":"step","step":1},"items":["a"],"reason":"r"}"#,
        r#"{"kind":"apologized","reason":"r","new_appointment":"2025-03-20T01:00:00Z","notice_in_time":true}"#,
    ];
    for text in old {
        let e: Event = serde_json::from_str(text).unwrap();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::from_str::<serde_json::Value>(text).unwrap(),
            "{text}"
        );
    }
    let Event::Received {
        applicant, basis, ..
    } = serde_json::from_str(old[0]).unwrap()
    else {
        panic!()
    };
    assert_eq!(applicant.kind, ApplicantKind::Citizen);
    assert_eq!(basis, None);
}

#[test]
fn forms_name_the_persons_the_late_agency_and_the_form_numbers_of_their_date() {
    use motcua_domain::forms::{apology_letter, control_sheet, register_line, stop_notice};
    let mut run = Run::new();
    receive_at_desk(&mut run, vn("2025-10-06T08:00"));
    run.exec(
        vn("2025-10-06T09:00"),
        Command::HandOver {
            to_unit: "finance".into(),
            external: false,
            note: "Chuyển thẩm định".into(),
            to_staff: Some(42),
        },
    )
    .unwrap();
    let d = run
        .exec(
            vn("2025-10-08T08:00"),
            Command::Apologize {
                reason: "Chờ ý kiến cơ quan thuế".into(),
                new_appointment: vn("2025-10-14T08:00"),
            },
        )
        .unwrap()
        .clone();
    let rows = control_sheet(&d);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].from_unit, "Nguyễn Văn An");
    assert_eq!(rows[0].received_by, Some(1));
    assert_eq!(rows[1].handed_by, Some(Actor::Staff { id: 1 }));
    assert_eq!(rows[1].received_by, Some(42));
    assert_eq!(rows[1].note.as_deref(), Some("Chuyển thẩm định"));
    // Form 04 in the name of the agency holding it, not the desk.
    let letter = apology_letter(&d).unwrap();
    assert_eq!(letter.agency, "finance");
    assert_eq!(letter.form, Some("04"));
    // Received under Circular 03/2025: register 07; a withdrawal prints form 05.
    assert_eq!(register_line(&d).form, Some("07"));
    let d = run
        .exec(
            vn("2025-10-09T08:00"),
            Command::Withdraw {
                reason: "Người nộp xin dừng".into(),
            },
        )
        .unwrap()
        .clone();
    let notice = stop_notice(&d).unwrap();
    assert_eq!(notice.form, "05");
    assert_eq!(notice.reason, "Người nộp xin dừng");
    assert!(
        register_line(&d)
            .notes
            .iter()
            .any(|n| n.starts_with("Rút hồ sơ"))
    );
    // The same under Circular 01/2018 (March 2025): register 06, no form 05.
    let mut old = Run::new();
    receive_at_desk(&mut old, vn("2025-03-10T08:00"));
    let d = old
        .exec(
            vn("2025-03-10T09:00"),
            Command::Withdraw { reason: "x".into() },
        )
        .unwrap();
    assert_eq!(register_line(d).form, Some("06"));
    assert!(stop_notice(d).is_none());
    // A 2017 record prints under Decision 09/2015.
    let mut y2017 = Run::new();
    receive_at_desk(&mut y2017, vn("2017-10-02T08:00"));
    let d = y2017.state.as_ref().unwrap();
    assert_eq!(d.legal_basis().id, "qd09_2015");
    assert_eq!(d.rule_set, Some(RuleSet::Qd09_2015));
}

#[test]
fn step_budgets_follow_the_agency_that_does_the_step_through_returns_and_extra_rounds() {
    let step = |name: &str, budget, performer: &str| StepBudget {
        name: name.into(),
        budget,
        performer: Some(performer.into()),
    };
    let mut p = procedure();
    p.limit = Limit::WorkingDays(10);
    p.steps = vec![
        step("Tiếp nhận", Limit::WorkingMinutes(120), "ward"),
        step("Xác định nghĩa vụ thuế", Limit::WorkingDays(3), "tax"),
        step("Đo đạc", Limit::WorkingDays(5), "survey"),
    ];
    let mut run = Run::new();
    let d = receive_with(&mut run, vn("2025-03-10T08:00"), p, None).unwrap();
    assert_eq!(d.steps[0].budget, Some(Limit::WorkingMinutes(120)));
    // Straight to the survey office (skipping the tax step): its own 5 days, not the 3 of the
    // second position.
    let d = run
        .exec(vn("2025-03-10T09:00"), hand_over("survey", true))
        .unwrap();
    assert_eq!(d.steps[1].budget, Some(Limit::WorkingDays(5)));
    assert_eq!(d.steps[1].name, "Đo đạc");
    // Then the tax office: 3 days; back to the survey office for another round: 5 days again.
    let d = run
        .exec(vn("2025-03-11T09:00"), hand_over("tax", true))
        .unwrap();
    assert_eq!(d.steps[2].budget, Some(Limit::WorkingDays(3)));
    let d = run
        .exec(vn("2025-03-12T09:00"), hand_over("survey", true))
        .unwrap();
    assert_eq!(d.steps[3].budget, Some(Limit::WorkingDays(5)));
    // An agency outside the workflow gets the rest of the dossier's time.
    let d = run
        .exec(vn("2025-03-13T09:00"), hand_over("other", true))
        .unwrap()
        .clone();
    assert_eq!(d.steps[4].budget, None);
    assert_eq!(Dossier::replay(&run.events).unwrap(), d);
}

#[test]
fn online_references_are_written_once_and_read_in_any_case() {
    use motcua_domain::dossier::{online_reference, parse_online_reference, shown_code};
    assert_eq!(online_reference(42), "W00000042");
    assert_eq!(parse_online_reference("W00000042"), Some(42));
    assert_eq!(parse_online_reference("w00000042"), Some(42));
    for bad in ["W", "W-1", "W0", "X00000042", "W12a", "W+5"] {
        assert_eq!(parse_online_reference(bad), None, "{bad}");
    }
    assert_eq!(shown_code(None, 7), "W00000007");
    assert_eq!(
        shown_code(Some("000.33.00.H15-260603-0001"), 7),
        "000.33.00.H15-260603-0001"
    );
}

#[test]
fn usernames_passwords_and_desk_decisions_follow_one_rule() {
    use chrono::NaiveDate;
    use motcua_domain::org::{Decision, check_password, check_username};
    assert_eq!(check_username("  motcua.buonho ").unwrap(), "motcua.buonho");
    for bad in ["ab", "có-dấu", "a b", "x@y", &"a".repeat(65)] {
        assert!(check_username(bad).is_err(), "{bad}");
    }
    assert!(check_password("mười ký tự!").is_ok());
    assert!(check_password("ngắn").is_err());
    assert!(check_password(&"x".repeat(201)).is_err());
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let d = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    let ok = Decision::checked(" 12/QĐ-UBND ", d, "Chủ tịch", today).unwrap();
    assert_eq!(ok.number, "12/QĐ-UBND");
    assert_eq!(
        Decision::checked("", d, "Chủ tịch", today).unwrap_err().0,
        "number"
    );
    assert_eq!(
        Decision::checked("1", d, " ", today).unwrap_err().0,
        "signer"
    );
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        Decision::checked("1", tomorrow, "A", today).unwrap_err().0,
        "date"
    );
}

fn document(kind: motcua_domain::dossier::DocumentKind, paper: Option<usize>) -> Command {
    Command::IssueDocument {
        document: motcua_domain::dossier::IssuedDocument {
            kind,
            title: "Kết quả giải quyết thủ tục hành chính".into(),
            sha256: "AB".repeat(32),
            file_sha256: "cd".repeat(32),
            signer: "CN=UBND (TEST)".into(),
            paper,
        },
    }
}

#[test]
fn a_paper_is_scanned_once_while_open_and_documents_are_issued_only_with_the_result() {
    use motcua_domain::dossier::DocumentKind;
    let mut run = Run::new();
    receive_at_desk(&mut run, vn("2025-03-10T08:00"));
    let scan = |paper: usize, file: &str| Command::DigitisePaper {
        paper,
        file: file.into(),
    };
    // No such paper; not a SHA-256: refused, nothing recorded.
    assert!(
        run.exec(vn("2025-03-10T08:10"), scan(1, &"a".repeat(64)))
            .is_err()
    );
    assert!(
        run.exec(vn("2025-03-10T08:10"), scan(0, "not-a-hash"))
            .is_err()
    );
    assert_eq!(run.events.len(), 1);
    let d = run
        .exec(vn("2025-03-10T08:10"), scan(0, &"AB".repeat(32)))
        .unwrap();
    assert_eq!(d.papers[0].file.as_deref(), Some("ab".repeat(32).as_str()));
    assert!(
        run.exec(vn("2025-03-10T08:20"), scan(0, &"c".repeat(64)))
            .is_err()
    );
    // Before the result: no electronic document.
    assert!(
        run.exec(vn("2025-03-10T09:00"), document(DocumentKind::Result, None))
            .is_err()
    );
    run.exec(vn("2025-03-10T10:00"), hand_over("finance", false))
        .unwrap();
    run.exec(
        vn("2025-03-11T10:00"),
        Command::MarkResultReady {
            outcome: Outcome::Approved,
        },
    )
    .unwrap();
    // A certified copy needs a scanned paper.
    assert!(
        run.exec(
            vn("2025-03-11T10:05"),
            document(DocumentKind::CertifiedCopy, None)
        )
        .is_err()
    );
    let d = run
        .exec(vn("2025-03-11T10:10"), document(DocumentKind::Result, None))
        .unwrap();
    assert!(d.has_electronic_result() && !d.has_electronic_copy());
    assert_eq!(d.documents[0].document.sha256, "ab".repeat(32));
    assert_eq!(d.documents[0].seq, d.version);
    let d = run
        .exec(
            vn("2025-03-11T10:15"),
            document(DocumentKind::CertifiedCopy, Some(0)),
        )
        .unwrap();
    assert!(d.has_electronic_copy());
    let d = run
        .exec(
            vn("2025-03-11T11:00"),
            Command::Return {
                to_whom: "Nguyễn Văn An".into(),
            },
        )
        .unwrap()
        .clone();
    // Closed: no more scans. A replay of the record gives the same state.
    assert!(
        run.exec(vn("2025-03-11T11:05"), scan(0, &"e".repeat(64)))
            .is_err()
    );
    assert_eq!(Dossier::replay(&run.events).unwrap(), d);
    // The events read back as they were written.
    for e in &run.events {
        let json = serde_json::to_string(&e.event).unwrap();
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e.event);
    }
}

/// The applicant's own online answer: papers added to the dossier (each with its file), the clock
/// as for a supplement brought to the desk, no permission needed, and refused when it brings
/// nothing, when a paper has no file, or when no supplement is asked.
#[test]
fn an_online_answer_adds_its_papers_and_counts_the_clock_like_the_desk() {
    let file = "ab".repeat(32);
    let paper = |file: Option<String>| Paper {
        name: "Hợp đồng thuê địa điểm".into(),
        copies: 1,
        file,
        kind: Some(motcua_domain::dossier::PaperKind::Electronic),
    };
    let online = |papers: Vec<Paper>, note: &str| Command::SupplementOnline {
        note: note.into(),
        papers,
    };
    assert_eq!(
        online(vec![], "").permission(None),
        None,
        "the applicant's act"
    );
    let mut run = Run::new();
    receive_at_desk(&mut run, vn("2025-03-10T08:00"));
    let early = run.exec(
        vn("2025-03-10T08:30"),
        online(vec![paper(Some(file.clone()))], ""),
    );
    assert!(matches!(early, Err(DossierError::IllegalTransition { .. })));
    run.exec(vn("2025-03-10T09:00"), hand_over("finance", false))
        .unwrap();
    let before = run
        .exec(
            vn("2025-03-11T08:00"),
            Command::RequestSupplement {
                items: vec!["Hợp đồng thuê địa điểm".into()],
                reason: "Thiếu".into(),
            },
        )
        .unwrap();
    let papers_before = before.papers.len();
    for (papers, note) in [(vec![], " "), (vec![paper(None)], "có ghi chú")] {
        let e = run.exec(vn("2025-03-12T08:00"), online(papers, note));
        assert!(matches!(e, Err(DossierError::Invalid { .. })), "{e:?}");
    }
    // A whole working day later, as at the desk: due moves a day.
    let d = run
        .exec(
            vn("2025-03-12T08:00"),
            online(vec![paper(Some(file.clone()))], "Gửi hợp đồng"),
        )
        .unwrap()
        .clone();
    assert_eq!(d.due, Some(vn("2025-03-14T08:00")));
    assert_eq!(d.status, Status::Processing);
    assert_eq!(d.papers.len(), papers_before + 1);
    assert_eq!(
        d.papers.last().unwrap().file.as_deref(),
        Some(file.as_str())
    );
    assert_eq!(Dossier::replay(&run.events).unwrap(), d);
    // The event keeps the papers; an answer without papers serialises as before.
    let json = serde_json::to_value(&run.events.last().unwrap().event).unwrap();
    assert_eq!(json["papers"][0]["file"], file.as_str());
    let plain = serde_json::to_value(Event::Supplemented {
        note: String::new(),
        due: None,
        step_due: None,
        papers: vec![],
    })
    .unwrap();
    assert!(plain.get("papers").is_none(), "{plain}");
}

fn receive_for(
    run: &mut Run,
    at: Instant,
    boundary_free: bool,
    return_unit: Option<&str>,
) -> Result<Dossier, DossierError> {
    let mut p = procedure();
    p.boundary_free = boundary_free;
    run.exec(
        at,
        Command::Receive {
            code: dossier_code("buon-ho", to_local(at).date(), 1).unwrap(),
            channel: Channel::Desk,
            procedure: Some(p),
            unit: Some("buon-ho".into()),
            applicant: Some(applicant()),
            papers: Some(vec![Paper {
                name: "Giấy đề nghị đăng ký hộ kinh doanh".into(),
                copies: 1,
                file: None,
                kind: None,
            }]),
            details: motcua_domain::dossier::ReceptionDetails {
                competent_unit: Some("cu-bao".into()),
                return_unit: return_unit.map(str::to_owned),
                ..Default::default()
            },
        },
    )
    .cloned()
}

#[test]
fn a_boundary_free_dossier_is_handed_to_its_competent_agency_and_returned_where_chosen() {
    // Not listed as boundary-free: refused, naming the field and the rule.
    let err = receive_for(&mut Run::new(), vn("2025-09-15T08:00"), false, None).unwrap_err();
    match &err {
        DossierError::Invalid { field, vi, en } => {
            assert_eq!(field, "details.competent_unit");
            assert!(vi.contains("không phụ thuộc địa giới hành chính"), "{vi}");
            assert!(en.contains("Nghị định 118/2025"), "{en}");
        }
        other => panic!("{other:?}"),
    }
    let mut run = Run::new();
    let d = receive_for(&mut run, vn("2025-09-15T08:00"), true, None).unwrap();
    assert_eq!(d.unit, "buon-ho");
    assert_eq!(d.competent_unit(), "cu-bao");
    assert_eq!(
        d.return_point(),
        "buon-ho",
        "the receiving point by default"
    );
    assert!(d.code.as_deref().unwrap().starts_with("buon-ho-"));
    // The hand-over to the competent agency is the receiving point's own step, budgeted by the
    // same-day rule; the legal due time is the procedure's (3 working days).
    assert_eq!(d.steps[0].unit, "buon-ho");
    assert_eq!(d.steps[0].budget, Some(Limit::SameDay));
    assert_eq!(d.due, Some(vn("2025-09-18T08:00")));
    // Nowhere but to the competent agency, and no result before it got there.
    assert!(
        run.exec(vn("2025-09-15T09:00"), hand_over("other", true))
            .is_err()
    );
    assert!(
        run.exec(
            vn("2025-09-15T09:00"),
            Command::MarkResultReady {
                outcome: Outcome::Approved
            }
        )
        .is_err()
    );
    run.exec(vn("2025-09-15T09:00"), hand_over("cu-bao", true))
        .unwrap();
    let d = run
        .exec(
            vn("2025-09-16T10:00"),
            Command::MarkResultReady {
                outcome: Outcome::Approved,
            },
        )
        .unwrap()
        .clone();
    assert_eq!(d.current_unit, "buon-ho", "back at the return point");
    assert_eq!(d.steps[1].handed_to.as_deref(), Some("buon-ho"));
    // The desk that returns it is the return point's.
    let (_, unit) = Command::Return {
        to_whom: "x".into(),
    }
    .permission(Some(&d))
    .unwrap();
    assert_eq!(unit, "buon-ho");
    assert_eq!(
        Dossier::replay(&run.events).unwrap(),
        d,
        "replay gives the same state"
    );
    // Counted a second time under its receiving unit and competent agency, its own figures
    // only (received, resolved), never the steps.
    let cross = motcua_domain::stats::cross_contributions(&d);
    use motcua_domain::stats::Metric;
    let metrics: Vec<Metric> = cross.iter().map(|(_, m, _)| *m).collect();
    assert!(metrics.contains(&Metric::ReceivedDesk), "{metrics:?}");
    assert!(metrics.contains(&Metric::ResolvedEarly), "{metrics:?}");
    assert!(
        !metrics
            .iter()
            .any(|m| matches!(m, Metric::StepEarly | Metric::StepOnTime | Metric::StepLate))
    );
    assert!(
        cross
            .iter()
            .all(|(k, _, _)| k.unit == "buon-ho" && k.competent == "cu-bao")
    );

    // A return point chosen elsewhere: the result goes there, and its desk returns it.
    let mut run = Run::new();
    receive_for(&mut run, vn("2025-09-15T08:00"), true, Some("ea-drong")).unwrap();
    run.exec(vn("2025-09-15T09:00"), hand_over("cu-bao", true))
        .unwrap();
    let d = run
        .exec(
            vn("2025-09-16T10:00"),
            Command::MarkResultReady {
                outcome: Outcome::Approved,
            },
        )
        .unwrap()
        .clone();
    assert_eq!(d.current_unit, "ea-drong");
    let (_, unit) = Command::Return {
        to_whom: "x".into(),
    }
    .permission(Some(&d))
    .unwrap();
    assert_eq!(unit, "ea-drong");
}

#[test]
fn a_dossier_received_before_there_were_two_reads_its_receiving_unit_as_competent() {
    let mut run = Run::new();
    receive_at_desk(&mut run, vn("2025-03-10T08:00"));
    let d = run.state.clone().unwrap();
    assert_eq!(d.competent_unit(), "town-desk");
    assert_eq!(d.return_point(), "town-desk");
    assert!(!d.is_boundary_free());
    // Nothing new is written for it: its events serialise as before.
    let json = serde_json::to_string(&run.events[0].event).unwrap();
    assert!(
        !json.contains("competent") && !json.contains("return_unit"),
        "{json}"
    );
    assert!(motcua_domain::stats::cross_contributions(&d).is_empty());
}

/// The date of birth and the sex must agree with what a 12-digit number encodes (066 Đắk Lắk,
/// 0: a man of the 20th century, 90: 1990); both are optional, and an applicant without them
/// serialises as before (no new keys), so older events read and re-serialise unchanged.
#[test]
fn date_of_birth_and_sex_agree_with_the_identification_number() {
    use motcua_domain::citizen_id::Sex;
    let born = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d);
    let ok = Applicant {
        date_of_birth: born(1990, 4, 12),
        sex: Some(Sex::Male),
        ..applicant()
    };
    let v = ok.clone().validated_all().unwrap();
    assert_eq!(
        (v.date_of_birth, v.sex),
        (born(1990, 4, 12), Some(Sex::Male))
    );
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["date_of_birth"], "1990-04-12");
    assert_eq!(json["sex"], "male");
    let fields = |a: Applicant| -> Vec<String> {
        a.validated_all()
            .unwrap_err()
            .into_iter()
            .map(|e| match e {
                motcua_domain::dossier::DossierError::Invalid { field, .. } => field,
                other => panic!("{other}"),
            })
            .collect()
    };
    assert_eq!(
        fields(Applicant {
            date_of_birth: born(1991, 4, 12),
            sex: Some(Sex::Female),
            ..applicant()
        }),
        ["applicant.date_of_birth", "applicant.sex"]
    );
    assert_eq!(
        fields(Applicant {
            date_of_birth: born(1850, 1, 1),
            ..applicant()
        }),
        ["applicant.date_of_birth"]
    );
    // An old 9-digit card or no number: nothing to compare with.
    for id in [Some("241234567".to_owned()), None] {
        let a = Applicant {
            id_number: id,
            date_of_birth: born(1991, 4, 12),
            sex: Some(Sex::Female),
            ..applicant()
        };
        assert!(a.validated_all().is_ok());
    }
    let plain = serde_json::to_value(applicant().validated_all().unwrap()).unwrap();
    assert!(plain.get("date_of_birth").is_none() && plain.get("sex").is_none());
    let read: Applicant = serde_json::from_value(plain.clone()).unwrap();
    assert_eq!(serde_json::to_value(read).unwrap(), plain);
}
