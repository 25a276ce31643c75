//! Notifications to applicants: who is told of what, the addresses accepted, and the texts of the
//! five notices in Vietnamese and English with local times.

use chrono::NaiveDateTime;
use motcua_domain::calendar::{Limit, WorkCalendar};
use motcua_domain::dossier::{
    Actor, Applicant, Channel, Command, Context, Dossier, DossierError, Event, Instant, Outcome,
    Paper, Recorded, decide, from_local,
};
use motcua_domain::notify::{
    Facts, Language, Notify, NotifyChannel, mobile_e164, notice, notice_of, planned, valid_email,
};
use motcua_domain::procedure::{ProcedureRef, StepBudget};

fn vn(s: &str) -> Instant {
    from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

fn applicant(channel: Option<NotifyChannel>, email: Option<&str>, phone: &str) -> Applicant {
    Applicant {
        full_name: "Nguyễn Văn An".into(),
        id_number: None,
        phone: phone.into(),
        email: email.map(str::to_owned),
        address: None,
        date_of_birth: None,
        sex: None,
        kind: Default::default(),
        representative: None,
        notify: channel.map(|channel| Notify {
            channel,
            language: None,
        }),
        sealed: None,
    }
}

fn received(a: Applicant, at: Instant) -> (Dossier, Recorded) {
    let cal = WorkCalendar::vietnam();
    let event = decide(
        None,
        Command::Receive {
            code: "000.00.12.H15-250310-0001".into(),
            channel: Channel::Desk,
            procedure: Some(ProcedureRef {
                code: "1.001612".into(),
                version: 1,
                name: "Đăng ký thành lập hộ kinh doanh".into(),
                limit: Limit::WorkingDays(3),
                steps: vec![StepBudget {
                    name: "Giải quyết".into(),
                    budget: Limit::WorkingDays(3),
                    performer: None,
                }],
                conditional_limits: vec![],
                papers: vec![],
                fee_free: false,
                boundary_free: false,
            }),
            unit: Some("000.00.12.H15".into()),
            applicant: Some(a),
            papers: Some(vec![Paper {
                name: "Giấy đề nghị".into(),
                copies: 1,
                file: None,
                kind: None,
            }]),
            details: Default::default(),
        },
        &Context {
            now: at,
            calendar: &cal,
        },
    )
    .unwrap();
    let rec = Recorded {
        seq: 1,
        at,
        actor: Actor::Staff { id: 1 },
        event,
    };
    (Dossier::start(&rec).unwrap(), rec)
}

fn facts<'a>() -> Facts<'a> {
    Facts {
        code: "000.00.12.H15-250310-0001",
        unit_name: "Thị xã Buôn Hồ",
        return_point_name: "Phường An Lạc",
        secret: Some("7K2Q-M9XD-4TRB"),
        lookup_url: "https://motcua.example.gov.vn/tra-cuu",
    }
}

#[test]
fn addresses_are_checked_only_for_the_channel_chosen_and_each_problem_names_its_field() {
    let ok = applicant(Some(NotifyChannel::Sms), None, "0912 345 678")
        .validated()
        .unwrap();
    assert_eq!(
        ok.notify.unwrap().language,
        Some(Language::Vi),
        "vi by default"
    );
    // A landline is a phone, but no SMS or Zalo reaches it.
    assert!(applicant(None, None, "0262 3851 234").validated().is_ok());
    for (channel, email, phone, field) in [
        (NotifyChannel::Sms, None, "0262 3851 234", "applicant.phone"),
        (
            NotifyChannel::Zalo,
            None,
            "+1 415 555 0100",
            "applicant.phone",
        ),
        (NotifyChannel::Email, None, "0912345678", "applicant.email"),
        (
            NotifyChannel::Email,
            Some("an@localhost"),
            "0912345678",
            "applicant.email",
        ),
    ] {
        match applicant(Some(channel), email, phone).validated() {
            Err(DossierError::Invalid { field: f, vi, en }) => {
                assert_eq!(f, field);
                assert!(
                    vi.contains("thông báo") && en.contains("notified"),
                    "{vi} / {en}"
                );
            }
            other => panic!("{channel:?}: {other:?}"),
        }
    }
    for good in [
        "an.nguyen@example.vn",
        "a+b@mail.gov.vn",
        "x_y@sub.domain.com",
    ] {
        assert!(valid_email(good), "{good}");
    }
    for bad in [
        "an@",
        "@example.vn",
        "an@example",
        "an nguyen@example.vn",
        "an@@example.vn",
        "an@exa mple.vn",
        ".an@example.vn",
        "an@-example.vn",
        "an@example.v1",
    ] {
        assert!(!valid_email(bad), "{bad}");
    }
    for (phone, e164) in [
        ("0912 345 678", Some("84912345678")),
        ("0912.345.678", Some("84912345678")),
        ("+84 912 345 678", Some("84912345678")),
        ("84912345678", Some("84912345678")),
        ("0356-111-222", Some("84356111222")),
        ("0262 3851 234", None),
        ("0412345678", None),
        ("091234567", None),
        ("+1 415 555 0100", None),
    ] {
        assert_eq!(mobile_e164(phone).as_deref(), e164, "{phone}");
    }
}

#[test]
fn only_the_five_notices_on_the_channel_chosen_and_nothing_once_erased() {
    let (mut d, rec) = received(
        applicant(
            Some(NotifyChannel::Email),
            Some("an@example.vn"),
            "0912345678",
        ),
        vn("2025-03-10T08:00"),
    );
    assert_eq!(
        planned(NotifyChannel::Email, &d, &rec.event),
        Some("received")
    );
    assert_eq!(planned(NotifyChannel::Sms, &d, &rec.event), None);
    let refused = Event::Refused { reason: "x".into() };
    assert_eq!(notice_of(&refused), Some("refused"));
    assert_eq!(
        notice_of(&Event::Withdrawn { reason: "x".into() }),
        None,
        "not one of the five"
    );
    d.erased_at = Some(vn("2025-03-11T08:00"));
    assert_eq!(planned(NotifyChannel::Email, &d, &refused), None);
}

#[test]
fn the_notices_say_what_happened_with_local_times_in_the_applicants_language() {
    let at = vn("2025-03-10T08:00");
    let (d, rec) = received(applicant(Some(NotifyChannel::Sms), None, "0912345678"), at);
    let due = d.due.unwrap();
    let vi = notice(&d, &rec.event, at, &facts(), Language::Vi).unwrap();
    assert_eq!(
        vi.subject,
        "Hồ sơ 000.00.12.H15-250310-0001 đã được tiếp nhận"
    );
    assert!(vi.text.contains("lúc 08:00 ngày 10/03/2025"), "{}", vi.text);
    // Three working days from Monday 08:00: Thursday 08:00, Vietnam's time.
    assert!(
        vi.text.contains("Hẹn trả kết quả: 08:00 ngày 13/03/2025"),
        "{}",
        vi.text
    );
    assert!(vi.text.contains("mã bí mật 7K2Q-M9XD-4TRB"), "{}", vi.text);
    assert!(vi.params.contains(&("han_tra", "08:00 13/03/2025".into())));
    assert!(vi.params.contains(&("ma_bi_mat", "7K2Q-M9XD-4TRB".into())));
    let en = notice(&d, &rec.event, at, &facts(), Language::En).unwrap();
    assert!(
        en.text
            .contains("due on 13/03/2025 at 08:00 (Vietnam time, UTC+7)"),
        "{}",
        en.text
    );
    assert_eq!(due, vn("2025-03-13T08:00"));

    let cases = [
        (
            Event::SupplementRequested {
                stage: motcua_domain::dossier::Stage::Reception,
                items: vec!["Bản sao sổ đỏ".into(), "Hợp đồng thuê".into()],
                reason: "Thiếu giấy tờ".into(),
                agency: None,
            },
            "Bản sao sổ đỏ; Hợp đồng thuê",
            "Lý do: Thiếu giấy tờ",
        ),
        (
            Event::Apologized {
                reason: "Chờ ý kiến cơ quan thuế".into(),
                new_appointment: vn("2025-03-20T16:00"),
                notice_in_time: true,
                working_days_before: None,
                too_early: false,
            },
            "Ngày hẹn trả kết quả mới: 16:00 ngày 20/03/2025",
            "Chờ ý kiến cơ quan thuế",
        ),
        (
            Event::ResultReady {
                outcome: Outcome::Approved,
                step_result: motcua_domain::calendar::Timeliness::OnTime,
                result: motcua_domain::calendar::Timeliness::OnTime,
            },
            "đã có kết quả",
            "Phường An Lạc",
        ),
        (
            Event::ResultReady {
                outcome: Outcome::Denied {
                    reason: "Không đủ điều kiện".into(),
                },
                step_result: motcua_domain::calendar::Timeliness::OnTime,
                result: motcua_domain::calendar::Timeliness::OnTime,
            },
            "không giải quyết",
            "Không đủ điều kiện",
        ),
        (
            Event::Refused {
                reason: "Không thuộc thẩm quyền".into(),
            },
            "không tiếp nhận hồ sơ",
            "Không thuộc thẩm quyền",
        ),
    ];
    for (event, a, b) in cases {
        let n = notice(&d, &event, at, &facts(), Language::Vi).unwrap();
        assert!(n.text.contains(a) && n.text.contains(b), "{}", n.text);
        assert!(!n.text.contains("7K2Q"), "the secret only on reception");
        let en = notice(&d, &event, at, &facts(), Language::En).unwrap();
        assert_ne!(en.text, n.text);
        assert!(en.text.contains("000.00.12.H15-250310-0001"));
    }
    assert!(
        notice(
            &d,
            &Event::Withdrawn { reason: "x".into() },
            at,
            &facts(),
            Language::Vi
        )
        .is_none()
    );
}
