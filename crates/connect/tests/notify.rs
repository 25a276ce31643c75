//! Notifications to applicants through the outbox, against the loopback doubles of an SMTP server,
//! an SMS gateway and Zalo ZNS, on every backend: an e-mail with the code, the due time and the
//! lookup secret, then one with the supplement items; English when chosen; the SMS gateway's
//! templated request; Zalo's published shape; no opt-in, no row; a channel down retried without
//! loss; a permanent refusal dead at once; an erased applicant given up with a reason naming
//! nothing personal; an invalid address refused in both languages with nothing written; nothing
//! personal in the outbox or the log.

#[path = "../../store/tests/support/mod.rs"]
mod support;

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant as Clock};

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use motcua_connect::notify::{
    ERASED_REASON, Email, EmailConfig, Sms, SmsConfig, Zalo, ZaloConfig, ZaloTemplates,
};
use motcua_connect::notify_double::{Gateway, GatewayDouble, SmtpDouble, SmtpFault};
use motcua_connect::{Connector, RetryPolicy, Worker};
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{Applicant, Channel, Command, Outcome, Paper, from_local, to_local};
use motcua_domain::notify::{Language, Notify, NotifyChannel};
use motcua_domain::procedure::ProcedureRef;
use motcua_store::dossiers::{Outcome as Done, Target};
use motcua_store::{Store, StoreError, outbox, public_access};
use support::*;

const NAME: &str = "Trần Thị Bích";
const EMAIL: &str = "bich.tran@example.vn";
const PHONE: &str = "0905 123 456";
const MOBILE: &str = "84905123456";
const LOOKUP: &str = "https://motcua.example.gov.vn/tra-cuu";

fn cal() -> &'static WorkCalendar {
    static CAL: LazyLock<WorkCalendar> = LazyLock::new(WorkCalendar::vietnam);
    &CAL
}

fn vn(s: &str) -> DateTime<Utc> {
    from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

fn applicant(notify: Option<(NotifyChannel, Language)>) -> Applicant {
    Applicant {
        full_name: NAME.into(),
        id_number: Some("066190001234".into()),
        phone: PHONE.into(),
        email: Some(EMAIL.into()),
        address: Some("12 Hùng Vương, phường An Lạc".into()),
        date_of_birth: None,
        sex: None,
        kind: Default::default(),
        representative: None,
        notify: notify.map(|(channel, language)| Notify {
            channel,
            language: Some(language),
        }),
        sealed: None,
    }
}

fn receive(notify: Option<(NotifyChannel, Language)>) -> Command {
    Command::Receive {
        code: String::new(),
        channel: Channel::Desk,
        procedure: Some(ProcedureRef::from(&procedure())),
        unit: Some(TOWN.into()),
        applicant: Some(applicant(notify)),
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

fn store_with(url: &str, connectors: &[&str]) -> Arc<Store> {
    let store = seeded(url);
    store
        .write(|tx| outbox::configure(tx, connectors, 0))
        .unwrap();
    Arc::new(store)
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_millis(20),
        cap: Duration::from_millis(80),
        max_attempts: 50,
        lease: Duration::from_secs(5),
    }
}

fn email(smtp: &SmtpDouble) -> Email {
    Email::new(
        EmailConfig {
            smtp_url: smtp.url(),
            from: "Bộ phận Một cửa thị xã Buôn Hồ <motcua@buonho.example.gov.vn>".into(),
            timeout_seconds: Some(5),
        },
        LOOKUP,
    )
    .unwrap()
}

const SMS_TOKEN: &str = "sms-secret-token";

fn sms(gw: &GatewayDouble) -> Sms {
    Sms::new(
        SmsConfig {
            url: gw.url(Gateway::Sms),
            token: SMS_TOKEN.into(),
            sender: "UBND-BUONHO".into(),
            body: "user=motcua&pass={token}&from={sender}&to={phone_local}&msg={text}&ref={key}"
                .into(),
            content_type: "application/x-www-form-urlencoded".into(),
            headers: Default::default(),
            unicode: false,
            timeout_seconds: Some(2),
        },
        LOOKUP,
    )
}

const ZALO_TOKEN: &str = "zalo-oa-access-token";

fn zalo(gw: &GatewayDouble) -> Zalo {
    let t = |p: &str| ZaloTemplates {
        received: format!("{p}101"),
        supplement_requested: format!("{p}102"),
        apologized: format!("{p}103"),
        result_ready: format!("{p}104"),
        refused: format!("{p}105"),
    };
    Zalo::new(
        ZaloConfig {
            url: gw.url(Gateway::Zalo),
            token: ZALO_TOKEN.into(),
            templates: t(""),
            templates_en: Some(t("9")),
            timeout_seconds: Some(2),
        },
        LOOKUP,
    )
}

fn worker(store: &Arc<Store>, connector: impl Connector + 'static) -> Worker {
    Worker::new(store.clone(), vec![Box::new(connector)], fast())
}

/// Rounds until nothing of `connector` is pending (or 20 s pass).
fn drain(w: &mut Worker, store: &Store, connector: &str) {
    let until = Clock::now() + Duration::from_secs(20);
    loop {
        w.round(Utc::now).unwrap();
        if counts(store, connector).pending == 0 {
            return;
        }
        assert!(Clock::now() < until, "still pending");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn counts(store: &Store, connector: &str) -> outbox::Counts {
    store
        .read(outbox::counts)
        .unwrap()
        .into_iter()
        .find(|c| c.connector == connector)
        .unwrap_or_default()
}

fn rows(store: &Store) -> Vec<outbox::Message> {
    let mut out = vec![];
    for state in ["pending", "delivered", "dead", "given_up"] {
        out.extend(store.read(|tx| outbox::list(tx, state, 1000)).unwrap());
    }
    out.sort_by_key(|m| m.id);
    out
}

/// Every text column of the outbox and the event log, for looking for personal data there.
fn stored_text(store: &Store) -> String {
    store
        .read(|tx| {
            let mut out = String::new();
            for (table, cols) in [
                (
                    "outbox",
                    "connector || ' ' || message || ' ' || idempotency_key || ' ' || payload || ' ' || COALESCE(last_error, '')",
                ),
                ("events", "payload"),
                ("dossiers", "state"),
            ] {
                for r in tx.query(&format!("SELECT {cols} FROM {table}"), &[])? {
                    out.push_str(&r.string(0)?);
                    out.push('\n');
                }
            }
            Ok(out)
        })
        .unwrap()
}

fn assert_nothing_personal(text: &str, what: &str) {
    // The phone's nine national digits cover both of its forms (0905..., 84905...).
    for personal in [NAME, EMAIL, "905123456", "bich.tran", "\"en\"", "\"vi\""] {
        assert!(
            !text.contains(personal),
            "{what}: {personal:?} found in {text}"
        );
    }
}

fn secret(store: &Store, id: i64) -> String {
    let access = store
        .read(|tx| public_access::get(tx, id))
        .unwrap()
        .unwrap();
    public_access::grouped(&access.secret)
}

#[test]
fn an_email_opt_in_reaches_the_smtp_double_with_the_code_due_time_and_secret_then_the_items() {
    for (name, url) in backends() {
        let store = store_with(&url, &[outbox::EMAIL]);
        let smtp = SmtpDouble::start().unwrap();
        let t = vn("2025-03-10T08:00");
        let received = run(
            &store,
            Target::New,
            receive(Some((NotifyChannel::Email, Language::Vi))),
            t,
        );
        let code = received.dossier.code.clone().unwrap();
        let due = received.dossier.due.unwrap();
        let r = worker(&store, email(&smtp)).run_once().unwrap();
        assert_eq!((r.delivered, r.failed), (1, 0), "{name}");
        let mails = smtp.mails();
        assert_eq!(mails.len(), 1, "{name}");
        let m = &mails[0];
        assert_eq!(m.to, vec![EMAIL.to_owned()], "{name}");
        assert_eq!(m.from, "motcua@buonho.example.gov.vn", "{name}");
        let text = m.text();
        let due_vn = to_local(due).format("%H:%M ngày %d/%m/%Y").to_string();
        assert!(text.contains(&code), "{name}: {text}");
        assert!(text.contains(&due_vn), "{name}: due {due_vn} in {text}");
        assert!(text.contains("08:00 ngày 10/03/2025"), "{name}: {text}");
        assert!(
            text.contains(&secret(&store, received.id)),
            "{name}: {text}"
        );
        assert!(text.contains(LOOKUP), "{name}: {text}");
        assert!(text.contains(&format!("Kính gửi ông/bà {NAME}")), "{name}");
        assert!(text.contains("Thị xã Buôn Hồ đã tiếp nhận hồ sơ"), "{name}");
        let key = &rows(&store)[0].idempotency_key;
        assert_eq!(
            m.header("Message-ID").unwrap(),
            format!("<{key}@motcua>"),
            "{name}"
        );
        assert!(m.header("Subject").is_some(), "{name}");

        // A supplement request: a second e-mail, with the items.
        run(
            &store,
            on(&received),
            Command::RequestSupplement {
                items: vec![
                    "Bản sao giấy tờ nhà".into(),
                    "Hợp đồng thuê mặt bằng".into(),
                ],
                reason: "Thiếu giấy tờ về địa điểm kinh doanh".into(),
            },
            t + TimeDelta::hours(2),
        );
        let r = worker(&store, email(&smtp)).run_once().unwrap();
        assert_eq!(r.delivered, 1, "{name}");
        let mails = smtp.mails();
        assert_eq!(mails.len(), 2, "{name}");
        let text = mails[1].text();
        assert!(
            text.contains("Bản sao giấy tờ nhà; Hợp đồng thuê mặt bằng"),
            "{name}: {text}"
        );
        assert!(
            text.contains("Thiếu giấy tờ về địa điểm kinh doanh"),
            "{name}"
        );
        assert!(text.contains(&code), "{name}");
        assert!(
            !text.contains(&secret(&store, received.id)),
            "{name}: the secret only on reception"
        );

        // An applicant who chose English reads English; times still in Vietnam's time.
        let en = run(
            &store,
            Target::New,
            receive(Some((NotifyChannel::Email, Language::En))),
            t + TimeDelta::hours(3),
        );
        worker(&store, email(&smtp)).run_once().unwrap();
        let text = smtp.mails()[2].text();
        assert!(text.starts_with(&format!("Dear {NAME},")), "{name}: {text}");
        assert!(text.contains("received dossier"), "{name}: {text}");
        let due_en = to_local(en.dossier.due.unwrap())
            .format("%d/%m/%Y at %H:%M (Vietnam time, UTC+7)")
            .to_string();
        assert!(text.contains(&due_en), "{name}: {due_en} in {text}");
        assert_nothing_personal(&stored_text(&store), name);
    }
}

#[test]
fn an_sms_opt_in_sends_the_gateways_templated_request_and_zalo_its_published_shape() {
    for (name, url) in backends() {
        let store = store_with(&url, &[outbox::SMS, outbox::ZALO]);
        let gw = GatewayDouble::start(Gateway::Sms, SMS_TOKEN).unwrap();
        let zns = GatewayDouble::start(Gateway::Zalo, ZALO_TOKEN).unwrap();
        let t = vn("2025-03-10T08:00");
        let by_sms = run(
            &store,
            Target::New,
            receive(Some((NotifyChannel::Sms, Language::Vi))),
            t,
        );
        let by_zalo = run(
            &store,
            Target::New,
            receive(Some((NotifyChannel::Zalo, Language::En))),
            t + TimeDelta::minutes(5),
        );
        let r = worker(&store, sms(&gw)).run_once().unwrap();
        assert_eq!((r.delivered, r.failed), (1, 0), "{name}");
        let reqs = gw.requests();
        assert_eq!(reqs.len(), 1, "{name}: only the SMS opt-in");
        let req = &reqs[0];
        assert_eq!(
            req.header("content-type"),
            Some("application/x-www-form-urlencoded"),
            "{name}"
        );
        let form: std::collections::BTreeMap<String, String> =
            url::form_urlencoded::parse(req.body.as_bytes())
                .into_owned()
                .collect();
        let code = by_sms.dossier.code.clone().unwrap();
        assert_eq!(form["to"], "0905123456", "{name}");
        assert_eq!(form["from"], "UBND-BUONHO", "{name}");
        assert_eq!(form["pass"], SMS_TOKEN, "{name}");
        let key = store.read(|tx| outbox::of_dossier(tx, by_sms.id)).unwrap()[0]
            .idempotency_key
            .clone();
        assert_eq!(form["ref"], key, "{name}");
        assert_eq!(req.header("idempotency-key"), Some(key.as_str()), "{name}");
        let text = &form["msg"];
        assert!(text.contains(&code), "{name}: {text}");
        assert!(
            text.contains("da tiep nhan ho so"),
            "{name}: no marks: {text}"
        );
        assert!(text.is_ascii(), "{name}: {text}");
        let due = to_local(by_sms.dossier.due.unwrap())
            .format("%H:%M ngay %d/%m/%Y")
            .to_string();
        assert!(text.contains(&due), "{name}: {due} in {text}");
        assert!(text.contains(&secret(&store, by_sms.id)), "{name}");

        let r = worker(&store, zalo(&zns)).run_once().unwrap();
        assert_eq!((r.delivered, r.failed), (1, 0), "{name}");
        let reqs = zns.requests();
        assert_eq!(reqs.len(), 1, "{name}");
        assert_eq!(reqs[0].header("access_token"), Some(ZALO_TOKEN));
        let body = reqs[0].json();
        let key = store.read(|tx| outbox::of_dossier(tx, by_zalo.id)).unwrap()[0]
            .idempotency_key
            .clone();
        assert_eq!(body["phone"], MOBILE, "{name}");
        assert_eq!(body["template_id"], "9101", "{name}: the English template");
        assert_eq!(body["tracking_id"], key.as_str(), "{name}");
        let data = &body["template_data"];
        assert_eq!(
            data["ma_ho_so"],
            by_zalo.dossier.code.clone().unwrap().as_str()
        );
        assert_eq!(data["ma_bi_mat"], secret(&store, by_zalo.id).as_str());
        assert_eq!(
            data["han_tra"],
            to_local(by_zalo.dossier.due.unwrap())
                .format("%H:%M %d/%m/%Y")
                .to_string()
                .as_str()
        );
        assert_eq!(data["don_vi"], "Thị xã Buôn Hồ");
        assert_nothing_personal(&stored_text(&store), name);
    }
}

#[test]
fn the_five_events_are_told_only_on_the_channel_opted_in_and_without_opt_in_nothing_is_queued() {
    for (name, url) in backends() {
        let store = store_with(&url, &[outbox::EMAIL, outbox::SMS, outbox::ZALO]);
        let t = vn("2025-03-10T08:00");
        // No opt-in: a whole lifecycle writes no notification row.
        let mut o = run(&store, Target::New, receive(None), t);
        for (i, c) in lifecycle_commands().into_iter().enumerate() {
            o = run(&store, on(&o), c, t + TimeDelta::hours(i as i64 + 1));
        }
        assert!(rows(&store).is_empty(), "{name}");

        // SMS: reception, supplement request, apology, result; nothing for the other events.
        let mut o = run(
            &store,
            Target::New,
            receive(Some((NotifyChannel::Sms, Language::Vi))),
            t,
        );
        for (i, c) in lifecycle_commands().into_iter().enumerate() {
            o = run(&store, on(&o), c, t + TimeDelta::hours(i as i64 + 1));
        }
        let messages: Vec<(String, String)> = rows(&store)
            .into_iter()
            .map(|m| (m.connector, m.message))
            .collect();
        let sms = |m: &str| ("sms".to_owned(), m.to_owned());
        assert_eq!(
            messages,
            vec![
                sms("received"),
                sms("supplement_requested"),
                sms("apologized"),
                sms("result_ready"),
            ],
            "{name}"
        );

        // A refusal, on an online submission before it had a code.
        let Command::Receive {
            applicant, papers, ..
        } = receive(Some((NotifyChannel::Zalo, Language::Vi)))
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
        run(
            &store,
            on(&submitted),
            Command::Refuse {
                reason: "Không thuộc thẩm quyền".into(),
            },
            t + TimeDelta::hours(1),
        );
        let of: Vec<(String, String)> = store
            .read(|tx| outbox::of_dossier(tx, submitted.id))
            .unwrap()
            .into_iter()
            .map(|m| (m.connector, m.message))
            .collect();
        assert_eq!(of, vec![("zalo".into(), "refused".into())], "{name}");
        // Told by Zalo under the online reference, the reason given.
        let zns = GatewayDouble::start(Gateway::Zalo, ZALO_TOKEN).unwrap();
        worker(&store, zalo(&zns)).run_once().unwrap();
        let data = zns.requests()[0].json()["template_data"].clone();
        let reference = store
            .read(|tx| public_access::get(tx, submitted.id))
            .unwrap()
            .unwrap()
            .reference;
        assert_eq!(data["ma_ho_so"], reference.as_str(), "{name}");
        assert_eq!(data["ly_do"], "Không thuộc thẩm quyền", "{name}");
        assert_eq!(zns.requests()[0].json()["template_id"], "105", "{name}");

        // A channel that is not configured queues nothing.
        let store = store_with(&url_again(name), &[outbox::EMAIL]);
        run(
            &store,
            Target::New,
            receive(Some((NotifyChannel::Sms, Language::Vi))),
            t,
        );
        assert!(rows(&store).is_empty(), "{name}");
    }
}

/// A fresh database of the same backend.
fn url_again(name: &str) -> String {
    match name {
        "sqlite" => sqlite_url(),
        _ => postgres_url().unwrap(),
    }
}

/// After reception: handed over, supplement asked and brought, an apology, result ready,
/// returned, rated.
fn lifecycle_commands() -> Vec<Command> {
    vec![
        Command::HandOver {
            to_unit: FINANCE.into(),
            external: false,
            note: String::new(),
            to_staff: None,
        },
        Command::RequestSupplement {
            items: vec!["Bản sao giấy tờ nhà".into()],
            reason: "Thiếu giấy tờ".into(),
        },
        Command::Supplement {
            note: "Đã bổ sung".into(),
        },
        Command::Apologize {
            reason: "Chờ ý kiến của cơ quan thuế".into(),
            new_appointment: vn("2025-03-20T16:00"),
        },
        Command::MarkResultReady {
            outcome: Outcome::Approved,
        },
        Command::Return {
            to_whom: "Người nộp".into(),
        },
    ]
}

#[test]
fn a_channel_down_is_retried_without_loss_and_a_permanent_refusal_is_dead_at_once() {
    for (name, url) in backends() {
        let store = store_with(&url, &[outbox::SMS, outbox::EMAIL]);
        let t = vn("2025-03-10T08:00");
        let mut ids = vec![];
        for i in 0..3 {
            let o = run(
                &store,
                Target::New,
                receive(Some((NotifyChannel::Sms, Language::Vi))),
                t + TimeDelta::minutes(i),
            );
            run(
                &store,
                on(&o),
                Command::RequestSupplement {
                    items: vec![format!("Giấy tờ {i}")],
                    reason: "Thiếu".into(),
                },
                t + TimeDelta::hours(1),
            );
            ids.push(o.id);
        }
        let mut gw = GatewayDouble::start(Gateway::Sms, SMS_TOKEN).unwrap();
        let mut w = worker(&store, sms(&gw));
        gw.stop();
        let r = w.round(Utc::now).unwrap();
        assert_eq!((r.delivered, r.failed), (0, 3), "{name}: one per dossier");
        let c = counts(&store, outbox::SMS);
        assert_eq!((c.pending, c.retrying), (6, 3), "{name}");
        gw.restart().unwrap();
        gw.fail_next(&[500, 429, 503]);
        drain(&mut w, &store, outbox::SMS);
        let c = counts(&store, outbox::SMS);
        assert_eq!((c.delivered, c.failed, c.given_up), (6, 0, 0), "{name}");
        let reqs = gw.requests();
        assert_eq!(reqs.len(), 6, "{name}: each message kept exactly once");
        // Per dossier, in the order of the log.
        for id in &ids {
            let keys: Vec<String> = store
                .read(|tx| outbox::of_dossier(tx, *id))
                .unwrap()
                .into_iter()
                .map(|m| m.idempotency_key)
                .collect();
            let seen: Vec<String> = reqs
                .iter()
                .filter_map(|r| r.header("idempotency-key").map(str::to_owned))
                .filter(|k| keys.contains(k))
                .collect();
            assert_eq!(seen, keys, "{name}");
        }
        // A gateway that refuses the credential: dead at once, waiting for the administrator.
        let o = run(
            &store,
            Target::New,
            receive(Some((NotifyChannel::Sms, Language::Vi))),
            t + TimeDelta::hours(3),
        );
        gw.fail_next(&[401]);
        let r = w.round(Utc::now).unwrap();
        assert_eq!((r.failed, r.dead), (1, 1), "{name}");
        let m = &store.read(|tx| outbox::of_dossier(tx, o.id)).unwrap()[0];
        assert_eq!(m.state, "dead", "{name}");
        assert_eq!(m.last_error.as_deref(), Some("sms: HTTP 401"), "{name}");

        // E-mail: a temporary refusal is retried; a permanent one (quoting the address) is dead
        // at once, and its reason quotes nothing.
        let mut smtp = SmtpDouble::start().unwrap();
        let a = run(
            &store,
            Target::New,
            receive(Some((NotifyChannel::Email, Language::Vi))),
            t + TimeDelta::hours(4),
        );
        let mut w = worker(&store, email(&smtp));
        smtp.stop();
        assert_eq!(w.round(Utc::now).unwrap().failed, 1, "{name}");
        smtp.restart().unwrap();
        smtp.fail_next(&[SmtpFault::Temporary]);
        drain(&mut w, &store, outbox::EMAIL);
        assert_eq!(smtp.mails().len(), 1, "{name}");
        assert_eq!(
            store.read(|tx| outbox::of_dossier(tx, a.id)).unwrap()[0].state,
            "delivered"
        );
        let b = run(
            &store,
            Target::New,
            receive(Some((NotifyChannel::Email, Language::Vi))),
            t + TimeDelta::hours(5),
        );
        smtp.fail_next(&[SmtpFault::Permanent]);
        let r = w.round(Utc::now).unwrap();
        assert_eq!((r.failed, r.dead), (1, 1), "{name}");
        let m = &store.read(|tx| outbox::of_dossier(tx, b.id)).unwrap()[0];
        assert_eq!(m.state, "dead", "{name}");
        assert_eq!(
            m.last_error.as_deref(),
            Some("email: SMTP 550 (refused for good)"),
            "{name}"
        );
        assert_eq!(smtp.mails().len(), 1, "{name}");
        // Retried by the administrator, it goes.
        store
            .write(|tx| outbox::retry(tx, m.id, "admin", motcua_store::millis(Utc::now())))
            .unwrap();
        drain(&mut w, &store, outbox::EMAIL);
        assert_eq!(smtp.mails().len(), 2, "{name}");
        assert_nothing_personal(&stored_text(&store), name);
    }
}

#[test]
fn an_applicant_erased_before_delivery_gets_nothing_and_the_reason_names_nothing_personal() {
    for (name, url) in backends() {
        let store = store_with(&url, &[outbox::EMAIL]);
        let t = vn("2025-03-10T08:00");
        let received = run(
            &store,
            Target::New,
            receive(Some((NotifyChannel::Email, Language::Vi))),
            t,
        );
        let erased = run(
            &store,
            on(&received),
            Command::ErasePersonalData {
                reason: "Người nộp yêu cầu xóa (Luật 91/2025/QH15)".into(),
            },
            t + TimeDelta::hours(1),
        );
        // Nothing more is planned for an erased applicant.
        run(
            &store,
            on(&erased),
            Command::RequestSupplement {
                items: vec!["Bản sao giấy tờ nhà".into()],
                reason: "Thiếu".into(),
            },
            t + TimeDelta::hours(2),
        );
        assert_eq!(rows(&store).len(), 1, "{name}");
        let smtp = SmtpDouble::start().unwrap();
        let r = worker(&store, email(&smtp)).run_once().unwrap();
        assert_eq!((r.delivered, r.failed, r.given_up), (0, 0, 1), "{name}");
        assert!(smtp.mails().is_empty(), "{name}");
        assert_eq!(smtp.state().sessions, 0, "{name}: not even a connection");
        let m = &rows(&store)[0];
        assert_eq!(m.state, "given_up", "{name}");
        assert_eq!(m.last_error.as_deref(), Some(ERASED_REASON), "{name}");
        assert_eq!(m.handled_by, None, "{name}: by the system");
        assert_eq!(counts(&store, outbox::EMAIL).given_up, 1, "{name}");
        assert_nothing_personal(&stored_text(&store), name);
    }
}

#[test]
fn an_invalid_address_is_refused_in_both_languages_and_nothing_is_written() {
    for (name, url) in backends() {
        let store = store_with(&url, &[outbox::EMAIL, outbox::SMS]);
        let t = vn("2025-03-10T08:00");
        let cases = [
            (
                NotifyChannel::Email,
                Some("bich.tran@"),
                PHONE,
                "applicant.email",
            ),
            (NotifyChannel::Email, None, PHONE, "applicant.email"),
            (
                NotifyChannel::Sms,
                Some(EMAIL),
                "0262 3851 234",
                "applicant.phone",
            ),
            (
                NotifyChannel::Zalo,
                Some(EMAIL),
                "+1 415 555 0100",
                "applicant.phone",
            ),
        ];
        for (channel, email, phone, field) in cases {
            let mut c = receive(Some((channel, Language::Vi)));
            if let Command::Receive {
                applicant: Some(a), ..
            } = &mut c
            {
                a.email = email.map(str::to_owned);
                a.phone = phone.into();
            }
            let err = execute_one(&store, cal(), Target::New, c, t).unwrap_err();
            match err {
                StoreError::Domain(motcua_domain::dossier::DossierError::Invalid {
                    field: f,
                    vi,
                    en,
                }) => {
                    assert_eq!(f, field, "{name}");
                    assert!(vi.contains("thông báo"), "{name}: {vi}");
                    assert!(en.contains("notified"), "{name}: {en}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        let n = store
            .read(|tx| {
                let mut n = 0;
                for table in ["events", "dossiers", "outbox", "vault_subjects"] {
                    n += tx
                        .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])?
                        .unwrap()
                        .i64(0)?;
                }
                Ok(n)
            })
            .unwrap();
        assert_eq!(n, 0, "{name}: nothing written");
    }
}
