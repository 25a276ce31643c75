//! The outbox on the command line and in the server: `[dvcqg]` (and `MOTCUA_DVCQG_*`),
//! `[notify.email|sms|zalo]` (and `MOTCUA_NOTIFY_*`) and `[outbox]` (the retry policy) in the
//! configuration, the worker thread `serve` starts, and `motcua outbox run [--once]` /
//! `motcua outbox status` for cron and for people.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use clap::Subcommand;
use motcua_connect::notify::{EmailConfig, SmsConfig, ZaloConfig};
use motcua_connect::{Connector, Dvcqg, DvcqgConfig, NotifyConfig, RetryPolicy, Worker};
use motcua_store::{Store, outbox};
use serde::Deserialize;

use crate::BadInput;
use crate::config::Config;

/// `[outbox]`: how the worker paces itself.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OutboxConfig {
    /// Seconds between two looks at the outbox when nothing moved.
    pub every_seconds: u64,
    /// The wait after a first failure, doubled at each further one, at most `cap_seconds`.
    pub base_seconds: u64,
    pub cap_seconds: u64,
    /// Failures after which a message is a dead letter.
    pub max_attempts: i64,
    /// How long a message being sent is hidden from another worker.
    pub lease_seconds: u64,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        let p = RetryPolicy::default();
        OutboxConfig {
            every_seconds: 5,
            base_seconds: p.base.as_secs(),
            cap_seconds: p.cap.as_secs(),
            max_attempts: p.max_attempts,
            lease_seconds: p.lease.as_secs(),
        }
    }
}

impl OutboxConfig {
    pub fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_secs(self.base_seconds.max(1)),
            cap: Duration::from_secs(self.cap_seconds.max(self.base_seconds.max(1))),
            max_attempts: self.max_attempts.max(1),
            lease: Duration::from_secs(self.lease_seconds.max(1)),
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Applies `MOTCUA_DVCQG_*` and `MOTCUA_OUTBOX_*` over the file, then checks `[dvcqg]`: every
/// problem at once, each naming its key (exit 2).
pub fn load_env(config: &mut Config) -> Result<()> {
    section(
        &mut config.dvcqg,
        "MOTCUA_DVCQG_",
        &[
            "ADAPTER_URL",
            "AUTH_ENDPOINT",
            "INTEGRATION_ENDPOINT",
            "USERNAME",
            "PASSWORD",
            "AGENCY",
            "INBOUND_TOKEN",
            "TIMEOUT_SECONDS",
        ],
        |d: &mut DvcqgConfig, k, v| {
            match k {
                "ADAPTER_URL" => d.adapter_url = v,
                "AUTH_ENDPOINT" => d.auth_endpoint = v,
                "INTEGRATION_ENDPOINT" => d.integration_endpoint = v,
                "USERNAME" => d.username = v,
                "PASSWORD" => d.password = v,
                "AGENCY" => d.agency = v,
                "INBOUND_TOKEN" => d.inbound_token = Some(v).filter(|v| !v.is_empty()),
                _ => d.timeout_seconds = Some(v.parse().ok()?),
            }
            Some(())
        },
    )?;
    for (name, into) in [
        (
            "MOTCUA_OUTBOX_EVERY_SECONDS",
            &mut config.outbox.every_seconds,
        ),
        (
            "MOTCUA_OUTBOX_BASE_SECONDS",
            &mut config.outbox.base_seconds,
        ),
        ("MOTCUA_OUTBOX_CAP_SECONDS", &mut config.outbox.cap_seconds),
        (
            "MOTCUA_OUTBOX_LEASE_SECONDS",
            &mut config.outbox.lease_seconds,
        ),
    ] {
        if let Some(v) = env(name) {
            *into = v.parse().map_err(|_| {
                BadInput(format!(
                    "biến môi trường {name}='{v}' không hợp lệ / environment variable {name}='{v}' is invalid"
                ))
            })?;
        }
    }
    notify_env(&mut config.notify)?;
    let mut problems = config.notify.problems();
    if let Some(d) = &config.dvcqg {
        problems.splice(0..0, d.problems());
    }
    if !problems.is_empty() {
        return Err(BadInput(problems.join("\n")).into());
    }
    Ok(())
}

/// A section of the configuration from the variables `PREFIX` + each of `keys`: it exists as soon
/// as one of them is set, and `set` puts each value set into its field (`None`: the value is not
/// valid, and the error names the variable).
fn section<T: Default>(
    slot: &mut Option<T>,
    prefix: &str,
    keys: &[&'static str],
    set: impl Fn(&mut T, &str, String) -> Option<()>,
) -> Result<()> {
    let given: Vec<(&str, String)> = keys
        .iter()
        .filter_map(|k| env(&format!("{prefix}{k}")).map(|v| (*k, v)))
        .collect();
    if given.is_empty() {
        return Ok(());
    }
    let section = slot.get_or_insert_with(T::default);
    for (k, v) in given {
        if set(section, k, v.clone()).is_none() {
            return Err(BadInput(format!("{prefix}{k}='{v}' không hợp lệ / is invalid")).into());
        }
    }
    Ok(())
}

/// `MOTCUA_NOTIFY_EMAIL_*`, `MOTCUA_NOTIFY_SMS_*`, `MOTCUA_NOTIFY_ZALO_*` over the file's
/// `[notify.*]`: a channel's section exists as soon as one of its variables is set.
fn notify_env(n: &mut NotifyConfig) -> Result<()> {
    section(
        &mut n.email,
        "MOTCUA_NOTIFY_EMAIL_",
        &["SMTP_URL", "FROM", "TIMEOUT_SECONDS"],
        |e: &mut EmailConfig, k, v| {
            match k {
                "SMTP_URL" => e.smtp_url = v,
                "FROM" => e.from = v,
                _ => e.timeout_seconds = Some(v.parse().ok()?),
            }
            Some(())
        },
    )?;
    section(
        &mut n.sms,
        "MOTCUA_NOTIFY_SMS_",
        &[
            "URL",
            "TOKEN",
            "SENDER",
            "BODY",
            "CONTENT_TYPE",
            "TIMEOUT_SECONDS",
        ],
        |s: &mut SmsConfig, k, v| {
            match k {
                "URL" => s.url = v,
                "TOKEN" => s.token = v,
                "SENDER" => s.sender = v,
                "BODY" => s.body = v,
                "CONTENT_TYPE" => s.content_type = v,
                _ => s.timeout_seconds = Some(v.parse().ok()?),
            }
            Some(())
        },
    )?;
    section(
        &mut n.zalo,
        "MOTCUA_NOTIFY_ZALO_",
        &[
            "URL",
            "TOKEN",
            "TEMPLATE_RECEIVED",
            "TEMPLATE_SUPPLEMENT_REQUESTED",
            "TEMPLATE_APOLOGIZED",
            "TEMPLATE_RESULT_READY",
            "TEMPLATE_REFUSED",
            "TIMEOUT_SECONDS",
        ],
        |z: &mut ZaloConfig, k, v| {
            let t = &mut z.templates;
            match k {
                "URL" => z.url = v,
                "TOKEN" => z.token = v,
                "TEMPLATE_RECEIVED" => t.received = v,
                "TEMPLATE_SUPPLEMENT_REQUESTED" => t.supplement_requested = v,
                "TEMPLATE_APOLOGIZED" => t.apologized = v,
                "TEMPLATE_RESULT_READY" => t.result_ready = v,
                "TEMPLATE_REFUSED" => t.refused = v,
                _ => z.timeout_seconds = Some(v.parse().ok()?),
            }
            Some(())
        },
    )
}

/// Where citizens reach the server (the notifications' lookup link): `public_url`, else `listen`.
fn public_url(config: &Config) -> String {
    if config.public_url.is_empty() {
        format!("http://{}", config.listen)
    } else {
        config.public_url.trim_end_matches('/').to_owned()
    }
}

/// The connectors the configuration names.
pub fn connectors(config: &Config) -> Vec<Box<dyn Connector>> {
    let mut out: Vec<Box<dyn Connector>> = Vec::new();
    if let Some(d) = &config.dvcqg {
        out.push(Box::new(Dvcqg::new(d.clone())));
    }
    out.extend(config.notify.connectors(&public_url(config)));
    out
}

/// Records in the database which connectors are configured (none: no outbox row is written).
pub fn configure(store: &Store, config: &Config) -> Result<()> {
    let names: Vec<&str> = connectors(config).iter().map(|c| c.name()).collect();
    let now = motcua_store::millis(chrono::Utc::now());
    store.write(|tx| outbox::configure(tx, &names, now))?;
    Ok(())
}

/// The worker of a running server: its own connection to the database, a thread, a stop flag.
pub struct Running {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Configures the connectors and, when there is one, starts the delivery worker.
pub fn start(store: &Store, config: &Config) -> Result<Option<Running>> {
    configure(store, config)?;
    let connectors = connectors(config);
    if connectors.is_empty() {
        return Ok(None);
    }
    let names: Vec<&str> = connectors.iter().map(|c| c.name()).collect();
    tracing::info!(connectors = ?names, "outbox worker started");
    let worker_store = Arc::new(crate::open_store(&config.db)?);
    let stop = Arc::new(AtomicBool::new(false));
    let handle = Worker::new(worker_store, connectors, config.outbox.policy()).spawn(
        Duration::from_secs(config.outbox.every_seconds.max(1)),
        stop.clone(),
    );
    Ok(Some(Running {
        stop,
        handle: Some(handle),
    }))
}

/// `motcua demo`: a double of the national portal on loopback inside the binary, and the
/// connector pointed at it (whatever the configuration says: a demo never talks to the real
/// portal). Keep the double alive while serving.
pub fn demo_portal(config: &mut Config) -> Result<motcua_connect::double::PortalDouble> {
    use motcua_connect::double::{API_PATH, AUTH_PATH, PortalDouble};
    let double = PortalDouble::start("motcua-demo", "demo")?;
    config.dvcqg = Some(DvcqgConfig {
        adapter_url: double.url(),
        auth_endpoint: AUTH_PATH.into(),
        integration_endpoint: API_PATH.into(),
        username: "motcua-demo".into(),
        password: "demo".into(),
        agency: "000.00.00.H47".into(),
        inbound_token: None,
        timeout_seconds: Some(10),
    });
    config.outbox.every_seconds = 2;
    Ok(double)
}

/// `motcua demo`'s notification channels: an SMTP server and an SMS gateway, both doubles on
/// loopback inside the binary (whatever the configuration says: a demo never mails or texts
/// anyone). Keep them alive while serving.
pub struct DemoChannels {
    pub smtp: motcua_connect::notify_double::SmtpDouble,
    pub sms: motcua_connect::notify_double::GatewayDouble,
}

/// Starts the demo's channels, points `[notify.email]` and `[notify.sms]` at them (Zalo is left
/// off), and records both as configured, so that the dossiers the demo then generates for
/// applicants who opted in queue their notifications, delivered once the server runs.
pub fn demo_channels(store: &Store, config: &mut Config) -> Result<DemoChannels> {
    use motcua_connect::notify_double::{Gateway, GatewayDouble, SmtpDouble};
    use sha2::Digest;
    let seed = format!(
        "sms{:?}{}",
        std::time::SystemTime::now(),
        std::process::id()
    );
    let token = hex::encode(sha2::Sha256::digest(seed.as_bytes()));
    let channels = DemoChannels {
        smtp: SmtpDouble::start()?,
        sms: GatewayDouble::start(Gateway::Sms, &token)?,
    };
    config.notify = NotifyConfig {
        email: Some(EmailConfig {
            smtp_url: channels.smtp.url(),
            from: "Bộ phận Một cửa - bản demo <motcua-demo@example.gov.vn>".into(),
            timeout_seconds: Some(10),
        }),
        sms: Some(SmsConfig {
            url: channels.sms.url(Gateway::Sms),
            token,
            sender: "MOTCUA-DEMO".into(),
            timeout_seconds: Some(10),
            ..SmsConfig::default()
        }),
        zalo: None,
    };
    let problems = config.notify.problems();
    if !problems.is_empty() {
        return Err(BadInput(problems.join("\n")).into());
    }
    let now = motcua_store::millis(chrono::Utc::now());
    store.write(|tx| outbox::configure(tx, &[outbox::EMAIL, outbox::SMS], now))?;
    Ok(channels)
}

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// Gửi các tin đến hạn / deliver what is due (`--once`: until nothing is due, then exit)
    Run {
        #[arg(long)]
        once: bool,
        #[arg(long)]
        db: Option<String>,
    },
    /// Số tin theo kết nối và các tin lỗi / counts per connector and the failed messages
    Status {
        #[arg(long)]
        db: Option<String>,
    },
}

pub fn run(command: OutboxCommand, mut config: Config) -> Result<()> {
    match command {
        OutboxCommand::Run { once, db } => {
            if let Some(db) = db {
                config.db = db;
            }
            let store = Arc::new(crate::open_store(&config.db)?);
            configure(&store, &config)?;
            let connectors = connectors(&config);
            if connectors.is_empty() {
                return Err(BadInput(
                    "chưa cấu hình kết nối nào ([dvcqg], [notify.email], [notify.sms], [notify.zalo]) / \
                     no connector is configured ([dvcqg], [notify.email], [notify.sms], [notify.zalo])"
                        .into(),
                )
                .into());
            }
            let mut worker = Worker::new(store, connectors, config.outbox.policy());
            if once {
                let r = worker.run_once()?;
                println!(
                    "đã gửi / delivered {}, lỗi / failed {}, chuyển thư chết / dead {}, bỏ qua / given up {}",
                    r.delivered, r.failed, r.dead, r.given_up
                );
                return Ok(());
            }
            let stop = Arc::new(AtomicBool::new(false));
            let handle = worker.spawn(
                Duration::from_secs(config.outbox.every_seconds.max(1)),
                stop,
            );
            let _ = handle.join();
            Ok(())
        }
        OutboxCommand::Status { db } => {
            let store = crate::open_store(&db.unwrap_or(config.db))?;
            let (counts, dead) =
                store.read(|tx| Ok((outbox::counts(tx)?, outbox::list(tx, "dead", 50)?)))?;
            println!("connector\tpending\tretrying\tfailed\tdelivered\tgiven_up");
            for c in counts {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    c.connector, c.pending, c.retrying, c.failed, c.delivered, c.given_up
                );
            }
            for m in dead {
                println!(
                    "dead #{} {} dossier {} seq {} {}: {}",
                    m.id,
                    m.connector,
                    m.dossier_id,
                    m.seq,
                    m.message,
                    m.last_error.unwrap_or_default()
                );
            }
            Ok(())
        }
    }
}
