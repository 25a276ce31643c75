//! `motcua outbox run --once` as a real child process, killed with SIGKILL after the portal
//! double kept its call but before the answer came (so between send and record): the message is
//! still pending, and the next run sends it again under the same idempotency key, which the
//! portal keeps once. On every backend. And `[notify.*]` from the environment: delivered to the
//! SMTP and SMS doubles by `outbox run --once`, a bad one refused naming each key, no secret shown.

#[path = "../../store/tests/support/mod.rs"]
mod support;

use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant as Clock};

use chrono::TimeDelta;
use motcua_connect::double::{API_PATH, AUTH_PATH, Fault, PortalDouble};
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{Applicant, Channel, Command, Paper};
use motcua_domain::procedure::ProcedureRef;
use motcua_store::dossiers::Target;
use motcua_store::outbox;
use support::*;

fn receive() -> Command {
    Command::Receive {
        code: String::new(),
        channel: Channel::Desk,
        procedure: Some(ProcedureRef::from(&procedure())),
        unit: Some(TOWN.into()),
        applicant: Some(Applicant {
            full_name: "Phạm Văn Đông".into(),
            id_number: None,
            phone: "0905000111".into(),
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
            kind: None,
        }]),
        details: Default::default(),
    }
}

fn outbox_run(url: &str, double: &PortalDouble) -> Process {
    let mut p = Process::new(env!("CARGO_BIN_EXE_motcua"));
    p.args(["outbox", "run", "--once", "--db", url])
        .env("MOTCUA_DVCQG_ADAPTER_URL", double.url())
        .env("MOTCUA_DVCQG_AUTH_ENDPOINT", AUTH_PATH)
        .env("MOTCUA_DVCQG_INTEGRATION_ENDPOINT", API_PATH)
        .env("MOTCUA_DVCQG_USERNAME", "motcua")
        .env("MOTCUA_DVCQG_PASSWORD", "mat-khau-cong")
        .env("MOTCUA_DVCQG_AGENCY", TOWN)
        .env("MOTCUA_DVCQG_TIMEOUT_SECONDS", "120")
        .env("MOTCUA_OUTBOX_LEASE_SECONDS", "1")
        .env("MOTCUA_LOG", "error")
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    p
}

#[test]
fn a_kill_9_between_send_and_record_gives_no_duplicate_and_loses_nothing() {
    let cal = WorkCalendar::vietnam();
    for (name, url) in backends() {
        let store = seeded(&url);
        store
            .write(|tx| outbox::configure(tx, &[outbox::DVCQG], 0))
            .unwrap();
        let t = chrono::Utc::now() - TimeDelta::hours(2);
        let o = execute_one(&store, &cal, Target::New, receive(), t).unwrap();
        execute_one(
            &store,
            &cal,
            on(&o),
            Command::HandOver {
                to_unit: FINANCE.into(),
                external: false,
                note: String::new(),
                to_staff: None,
            },
            t + TimeDelta::minutes(30),
        )
        .unwrap();
        let double = PortalDouble::start("motcua", "mat-khau-cong").unwrap();
        // The first call is kept, then its answer never comes in time.
        double.fail_next(&[Fault::KeepThenHang(Duration::from_secs(120))]);
        let mut child = outbox_run(&url, &double).spawn().unwrap();
        let until = Clock::now() + Duration::from_secs(30);
        while double.calls().is_empty() {
            assert!(Clock::now() < until, "{name}: the child never sent");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(100));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let first = store.read(|tx| outbox::of_dossier(tx, o.id)).unwrap();
        assert_eq!(
            first.len(),
            3,
            "{name}: sync + step at reception, step at hand-over"
        );
        assert_eq!(first[0].state, "pending", "{name}: sent, not recorded");
        assert_eq!(first[0].attempts, 1, "{name}");
        assert_eq!(double.calls().len(), 1);

        // After the lease, the next run sends the same message again, then the rest.
        std::thread::sleep(Duration::from_millis(1100));
        let out = outbox_run(&url, &double).output().unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("delivered 3"), "{name}: {text}");
        let calls = double.calls();
        assert_eq!(calls.len(), 3, "{name}: kept once each");
        assert_eq!(
            double.state().repeats,
            1,
            "{name}: the repeat was recognised"
        );
        let keys: Vec<_> = first.iter().map(|m| m.idempotency_key.clone()).collect();
        let seen: Vec<_> = calls.iter().map(|c| c.key.clone().unwrap()).collect();
        assert_eq!(seen, keys, "{name}: in the log's order");
        let after = store.read(|tx| outbox::of_dossier(tx, o.id)).unwrap();
        assert!(after.iter().all(|m| m.state == "delivered"), "{name}");
        // The password never reaches the output.
        assert!(!String::from_utf8_lossy(&out.stderr).contains("mat-khau-cong"));
        assert!(!text.contains("mat-khau-cong"));
    }
}

#[test]
fn a_bad_portal_configuration_is_refused_naming_each_key() {
    let o = Process::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["outbox", "status", "--db", &sqlite_url()])
        .env("MOTCUA_DVCQG_ADAPTER_URL", "ftp://x")
        .env("MOTCUA_DVCQG_PASSWORD", "bi-mat-lam")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    for key in [
        "auth_endpoint",
        "integration_endpoint",
        "username",
        "agency",
        "adapter_url",
    ] {
        assert!(err.contains(key), "{key}: {err}");
    }
    assert!(!err.contains("bi-mat-lam"));
}

#[test]
fn notifications_are_configured_from_the_environment_and_delivered_by_outbox_run() {
    use motcua_connect::notify_double::{Gateway, GatewayDouble, SmtpDouble};
    use motcua_domain::notify::{Language, Notify, NotifyChannel};
    let cal = WorkCalendar::vietnam();
    for (name, url) in backends() {
        let store = seeded(&url);
        store
            .write(|tx| outbox::configure(tx, &[outbox::EMAIL, outbox::SMS], 0))
            .unwrap();
        let t = chrono::Utc::now() - TimeDelta::hours(2);
        for (channel, email) in [
            (NotifyChannel::Email, Some("dong.pham@example.vn")),
            (NotifyChannel::Sms, None),
        ] {
            let mut c = receive();
            if let Command::Receive {
                applicant: Some(a), ..
            } = &mut c
            {
                a.email = email.map(str::to_owned);
                a.notify = Some(Notify {
                    channel,
                    language: Some(Language::Vi),
                });
            }
            execute_one(&store, &cal, Target::New, c, t).unwrap();
        }
        let smtp = SmtpDouble::start().unwrap();
        let sms = GatewayDouble::start(Gateway::Sms, "sms-bi-mat").unwrap();
        let out = Process::new(env!("CARGO_BIN_EXE_motcua"))
            .args(["outbox", "run", "--once", "--db", &url])
            .env("MOTCUA_NOTIFY_EMAIL_SMTP_URL", smtp.url())
            .env(
                "MOTCUA_NOTIFY_EMAIL_FROM",
                "Một cửa <motcua@example.gov.vn>",
            )
            .env("MOTCUA_NOTIFY_SMS_URL", sms.url(Gateway::Sms))
            .env("MOTCUA_NOTIFY_SMS_TOKEN", "sms-bi-mat")
            .env("MOTCUA_NOTIFY_SMS_SENDER", "MOTCUA")
            .env("MOTCUA_PUBLIC_URL", "https://motcua.example.gov.vn")
            .env("MOTCUA_LOG", "error")
            .current_dir(std::env::temp_dir())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("delivered 2"), "{name}: {text}");
        let mails = smtp.mails();
        assert_eq!(mails.len(), 1, "{name}");
        assert_eq!(mails[0].to, vec!["dong.pham@example.vn".to_owned()]);
        assert!(
            mails[0]
                .text()
                .contains("https://motcua.example.gov.vn/tra-cuu"),
            "{name}: the public address"
        );
        let reqs = sms.requests();
        assert_eq!(reqs.len(), 1, "{name}");
        assert_eq!(reqs[0].header("authorization"), Some("Bearer sms-bi-mat"));
        assert_eq!(reqs[0].json()["to"], "84905000111", "{name}");
        assert!(!text.contains("sms-bi-mat"));
        assert!(!String::from_utf8_lossy(&out.stderr).contains("sms-bi-mat"));
    }
}

#[test]
fn a_bad_notification_configuration_is_refused_naming_each_key_and_never_its_secrets() {
    let o = Process::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["outbox", "status", "--db", &sqlite_url()])
        .env(
            "MOTCUA_NOTIFY_EMAIL_SMTP_URL",
            "smtp://thu:mat-khau-thu@mail.example.vn:587",
        )
        .env("MOTCUA_NOTIFY_SMS_TOKEN", "sms-bi-mat")
        .env("MOTCUA_NOTIFY_ZALO_TOKEN", "zalo-bi-mat")
        .env("MOTCUA_NOTIFY_ZALO_TEMPLATE_RECEIVED", "101")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    for key in [
        "[notify.email] smtp_url",
        "tls=required",
        "[notify.email] from",
        "[notify.sms] url",
        "[notify.sms] sender",
        "[notify.zalo.templates] refused",
    ] {
        assert!(err.contains(key), "{key}: {err}");
    }
    assert!(!err.contains("[notify.zalo.templates] received"), "{err}");
    for secret in ["mat-khau-thu", "sms-bi-mat", "zalo-bi-mat"] {
        assert!(!err.contains(secret), "{secret}: {err}");
    }
}
