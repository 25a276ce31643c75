//! Notifications to applicants (issue 15, item 3) through the outbox: one connector per channel,
//! each enabled only when configured. `[notify.email]`: e-mail over SMTP (lettre; STARTTLS or TLS
//! through rustls on ring). `[notify.sms]`: an HTTP POST to the province's SMS gateway, its body
//! built from a template in the configuration. `[notify.zalo]`: a Zalo ZNS template message
//! (`POST` with an `access_token` header and `{phone, template_id, template_data, tracking_id}`).
//!
//! The outbox row names the event only; the text is rendered here at delivery, from the dossier as
//! it was right after the event, the applicant's opt-in and address opened from the vault in
//! memory (`motcua_domain::notify::notice`), in Vietnamese or English as the applicant chose. An
//! applicant erased since gets nothing: the message is given up with a reason that names nothing
//! personal. Failure reasons name the channel and a status code, never an address, a credential or
//! what a server answered in words (an SMTP refusal may quote the recipient).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use lettre::message::Mailbox;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::{Message as Mail, SmtpTransport, Transport};
use motcua_domain::notify::{Language, Notice, NotifyChannel, mobile_e164, notice, valid_email};
use motcua_domain::text::without_marks;
use motcua_store::public_access::grouped;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::worker::{Connector, Delivery, Failure, Undelivered};

/// Why a message is given up when the applicant's data is gone (shown to the administrator).
pub const ERASED_REASON: &str = "dữ liệu cá nhân của người nộp đã bị xóa trước khi gửi / the \
    applicant's personal data was erased before delivery";
/// Why a message is given up when the dossier no longer opts in to this channel.
pub const NOT_OPTED_REASON: &str = "người nộp không (còn) đăng ký nhận thông báo qua kênh này / \
    the applicant does not (any longer) ask for notifications on this channel";

const DEFAULT_TIMEOUT: u64 = 30;

/// `[notify]`: the three channels, each off unless its section is given.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    pub email: Option<EmailConfig>,
    pub sms: Option<SmsConfig>,
    pub zalo: Option<ZaloConfig>,
}

/// `[notify.email]` (and `MOTCUA_NOTIFY_EMAIL_*`). `smtp_url` may hold a password: never printed.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// `smtps://user:pass@host[:465]` (TLS), `smtp://user:pass@host[:587]?tls=required`
    /// (STARTTLS), or `smtp://127.0.0.1:25` (a relay on this machine, unencrypted).
    pub smtp_url: String,
    /// The sender, `Tên đơn vị <motcua@example.gov.vn>` or a bare address.
    pub from: String,
    /// Seconds an SMTP exchange may take (default 30).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
}

impl std::fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("smtp_url", &redact_url(&self.smtp_url))
            .field("from", &self.from)
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

/// A URL fit to print: the password (and any query) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            if u.query().is_some() {
                u.set_query(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "***".into(),
    }
}

/// The default request of `[notify.sms]`: JSON, the token in an `Authorization` header.
pub const DEFAULT_SMS_BODY: &str = r#"{"to": "{phone}", "from": "{sender}", "text": "{text}"}"#;

/// `[notify.sms]` (and `MOTCUA_NOTIFY_SMS_*`): the province's SMS gateway. The request is a POST
/// to `url` with `body` (a template) as `content_type`, and `headers` (templates too); the
/// placeholders `{phone}` (`84912345678`), `{phone_local}` (`0912345678`), `{text}`, `{sender}`,
/// `{token}` and `{key}` (the message's idempotency key) are filled in, escaped for the content
/// type (JSON strings, or form encoding). An answer 2xx is delivered. The token is never printed.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    pub url: String,
    pub token: String,
    /// The brand name (or number) the message comes from.
    pub sender: String,
    #[serde(default = "default_sms_body")]
    pub body: String,
    #[serde(default = "default_sms_content_type")]
    pub content_type: String,
    #[serde(default = "default_sms_headers")]
    pub headers: BTreeMap<String, String>,
    /// Send Vietnamese with its marks (a Unicode SMS, 70 characters a part); default false: the
    /// marks are dropped, as brand-name SMS in Vietnam usually are.
    #[serde(default)]
    pub unicode: bool,
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
}

fn default_sms_body() -> String {
    DEFAULT_SMS_BODY.into()
}

fn default_sms_content_type() -> String {
    "application/json".into()
}

fn default_sms_headers() -> BTreeMap<String, String> {
    [("Authorization".to_owned(), "Bearer {token}".to_owned())]
        .into_iter()
        .collect()
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig {
            url: String::new(),
            token: String::new(),
            sender: String::new(),
            body: default_sms_body(),
            content_type: default_sms_content_type(),
            headers: default_sms_headers(),
            unicode: false,
            timeout_seconds: None,
        }
    }
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsConfig")
            .field("url", &redact_url(&self.url))
            .field("token", &"***")
            .field("sender", &self.sender)
            .field("body", &self.body)
            .field("content_type", &self.content_type)
            .field("headers", &self.headers)
            .field("unicode", &self.unicode)
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

/// The Zalo ZNS template of each of the five notices (ids given by Zalo once approved).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ZaloTemplates {
    pub received: String,
    pub supplement_requested: String,
    pub apologized: String,
    pub result_ready: String,
    pub refused: String,
}

impl ZaloTemplates {
    /// Each notice's name and its template id.
    fn entries(&self) -> [(&'static str, &String); 5] {
        [
            ("received", &self.received),
            ("supplement_requested", &self.supplement_requested),
            ("apologized", &self.apologized),
            ("result_ready", &self.result_ready),
            ("refused", &self.refused),
        ]
    }

    fn of(&self, message: &str) -> Option<&str> {
        self.entries()
            .into_iter()
            .find(|(name, _)| *name == message)
            .map(|(_, id)| id.as_str())
            .filter(|t| !t.trim().is_empty())
    }

    fn missing(&self) -> Vec<&'static str> {
        self.entries()
            .into_iter()
            .filter(|(_, v)| v.trim().is_empty())
            .map(|(k, _)| k)
            .collect()
    }
}

/// The published ZNS endpoint.
pub const ZNS_URL: &str = "https://business.openapi.zalo.me/message/template";

/// `[notify.zalo]` (and `MOTCUA_NOTIFY_ZALO_*`): Zalo Notification Service. `token` is the
/// Official Account's access token (header `access_token`, never printed); `templates` the
/// approved template of each notice (and `templates_en` for applicants who chose English; none:
/// the Vietnamese ones). The template data are the named values of `notify::notice`: `ma_ho_so`,
/// `thu_tuc`, `don_vi`, `thoi_gian`, and per notice `han_tra`, `ma_bi_mat`, `noi_dung`, `ly_do`,
/// `ngay_hen_moi`, `noi_nhan`, `ket_qua`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ZaloConfig {
    #[serde(default = "default_zns_url")]
    pub url: String,
    pub token: String,
    pub templates: ZaloTemplates,
    #[serde(default)]
    pub templates_en: Option<ZaloTemplates>,
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
}

fn default_zns_url() -> String {
    ZNS_URL.into()
}

impl Default for ZaloConfig {
    fn default() -> Self {
        ZaloConfig {
            url: default_zns_url(),
            token: String::new(),
            templates: ZaloTemplates::default(),
            templates_en: None,
            timeout_seconds: None,
        }
    }
}

impl std::fmt::Debug for ZaloConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZaloConfig")
            .field("url", &redact_url(&self.url))
            .field("token", &"***")
            .field("templates", &self.templates)
            .field("templates_en", &self.templates_en)
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

fn http_url_problem(section: &str, url: &str) -> Option<String> {
    if url.trim().is_empty() {
        return Some(format!("[{section}] url: thiếu giá trị / missing"));
    }
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.password().is_none() => None,
        Ok(u) if u.password().is_some() => Some(format!(
            "[{section}] url: không được chứa mật khẩu / must not carry credentials (use token)"
        )),
        _ => Some(format!(
            "[{section}] url: phải là địa chỉ http:// hoặc https:// / must be an http:// or https:// address"
        )),
    }
}

fn loopback(host: Option<url::Host<&str>>) -> bool {
    match host {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        // An `smtp:` URL's host is opaque to the parser: an address is read here.
        Some(url::Host::Domain(d)) => {
            d == "localhost"
                || d.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

impl EmailConfig {
    /// Every problem at once, each naming its key.
    pub fn problems(&self) -> Vec<String> {
        let mut out = vec![];
        match url::Url::parse(&self.smtp_url) {
            _ if self.smtp_url.trim().is_empty() => out.push(
                "[notify.email] smtp_url: thiếu giá trị / missing (or MOTCUA_NOTIFY_EMAIL_SMTP_URL)"
                    .into(),
            ),
            Ok(u) => {
                let tls = u.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.to_string());
                let ok = match (u.scheme(), tls.as_deref()) {
                    ("smtps", None) => true,
                    ("smtp", Some("required")) => true,
                    // Unencrypted only to a relay on this machine.
                    ("smtp", None) => loopback(u.host()),
                    _ => false,
                };
                if u.host().is_none() {
                    out.push("[notify.email] smtp_url: thiếu máy chủ / no host".into());
                } else if !ok {
                    out.push(
                        "[notify.email] smtp_url: dùng smtps://máy-chủ (TLS) hoặc smtp://máy-chủ?tls=required \
                         (STARTTLS); smtp:// không mã hóa chỉ dùng cho máy chủ chuyển tiếp trên chính máy này / \
                         use smtps://host (TLS) or smtp://host?tls=required (STARTTLS); unencrypted smtp:// \
                         only to a relay on this machine"
                            .into(),
                    );
                }
                if SmtpTransport::from_url(&self.smtp_url).is_err() {
                    out.push(
                        "[notify.email] smtp_url: không đọc được / cannot be read".into(),
                    );
                }
            }
            Err(_) => out.push(
                "[notify.email] smtp_url: không đọc được / cannot be read".into(),
            ),
        }
        if self.from.trim().is_empty() {
            out.push(
                "[notify.email] from: thiếu giá trị / missing (or MOTCUA_NOTIFY_EMAIL_FROM)".into(),
            );
        } else if self.from.parse::<Mailbox>().is_err() {
            out.push(
                "[notify.email] from: không phải địa chỉ thư điện tử / is not an e-mail address"
                    .into(),
            );
        }
        out
    }
}

impl SmsConfig {
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = http_url_problem("notify.sms", &self.url)
            .into_iter()
            .collect();
        if self.token.trim().is_empty() {
            out.push(
                "[notify.sms] token: thiếu giá trị / missing (or MOTCUA_NOTIFY_SMS_TOKEN)".into(),
            );
        }
        if self.sender.trim().is_empty() {
            out.push(
                "[notify.sms] sender: thiếu giá trị / missing (or MOTCUA_NOTIFY_SMS_SENDER)".into(),
            );
        }
        for p in ["{phone", "{text}"] {
            if !self.body.contains(p) {
                out.push(format!(
                    "[notify.sms] body: mẫu phải có {p}...}} / the template must hold {p}...}}"
                ));
            }
        }
        if is_json(&self.content_type) {
            let sample = fill(&self.body, &self.content_type, &|k| {
                Some(format!("mẫu \"{k}\"\n"))
            });
            if serde_json::from_str::<Value>(&sample).is_err() {
                out.push(
                    "[notify.sms] body: mẫu không cho ra JSON hợp lệ / the template does not make valid JSON"
                        .into(),
                );
            }
        }
        out
    }
}

impl ZaloConfig {
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = http_url_problem("notify.zalo", &self.url)
            .into_iter()
            .collect();
        if self.token.trim().is_empty() {
            out.push(
                "[notify.zalo] token: thiếu giá trị / missing (or MOTCUA_NOTIFY_ZALO_TOKEN)".into(),
            );
        }
        for (section, t) in [
            ("templates", Some(&self.templates)),
            ("templates_en", self.templates_en.as_ref()),
        ] {
            if let Some(t) = t {
                for k in t.missing() {
                    out.push(format!(
                        "[notify.zalo.{section}] {k}: thiếu mã mẫu ZNS / missing the ZNS template id"
                    ));
                }
            }
        }
        out
    }
}

impl NotifyConfig {
    /// Every problem of every configured channel.
    pub fn problems(&self) -> Vec<String> {
        let mut out = vec![];
        if let Some(e) = &self.email {
            out.extend(e.problems());
        }
        if let Some(s) = &self.sms {
            out.extend(s.problems());
        }
        if let Some(z) = &self.zalo {
            out.extend(z.problems());
        }
        out
    }

    /// The connectors of the configured channels; `public_url` is where citizens look dossiers up.
    pub fn connectors(&self, public_url: &str) -> Vec<Box<dyn Connector>> {
        let lookup = format!("{}/tra-cuu", public_url.trim_end_matches('/'));
        let mut out: Vec<Box<dyn Connector>> = vec![];
        if let Some(c) = &self.email {
            match Email::new(c.clone(), &lookup) {
                Ok(e) => out.push(Box::new(e)),
                // `problems` is checked at start; this names the keys, never a secret.
                Err(problem) => tracing::error!(%problem, "notify.email is off"),
            }
        }
        if let Some(c) = &self.sms {
            out.push(Box::new(Sms::new(c.clone(), &lookup)));
        }
        if let Some(c) = &self.zalo {
            out.push(Box::new(Zalo::new(c.clone(), &lookup)));
        }
        out
    }
}

/// A message ready to go: the notice in the applicant's language and where it goes.
pub struct Rendered {
    pub notice: Notice,
    pub language: Language,
    /// The e-mail address, or the mobile number as `84912345678`.
    pub to: String,
    /// The applicant's name (the e-mail's salutation).
    pub name: String,
}

/// The notice of one delivery on `channel`, opened from the dossier as it was after the event.
pub fn render(
    d: &Delivery<'_>,
    channel: NotifyChannel,
    lookup_url: &str,
) -> Result<Rendered, Undelivered> {
    if d.erased || d.dossier.erased_at.is_some() {
        return Err(Undelivered::Moot(ERASED_REASON.into()));
    }
    let a = &d.dossier.applicant;
    let Some(opt) = a.notify.as_ref().filter(|n| n.channel == channel) else {
        return Err(Undelivered::Moot(NOT_OPTED_REASON.into()));
    };
    let to = match channel {
        NotifyChannel::Email => a.email.clone().filter(|e| valid_email(e)),
        NotifyChannel::Sms | NotifyChannel::Zalo => mobile_e164(&a.phone),
    }
    .ok_or_else(|| {
        Undelivered::Refused(Failure(format!(
            "{}: no usable address in the applicant's record",
            channel.as_str()
        )))
    })?;
    let code = d
        .dossier
        .code
        .clone()
        .or_else(|| d.lookup.map(|l| l.reference.clone()))
        .unwrap_or_else(|| motcua_domain::dossier::online_reference(d.message.dossier_id));
    let secret = d.lookup.map(|l| grouped(&l.secret));
    let facts = motcua_domain::notify::Facts {
        code: &code,
        unit_name: d.unit_name,
        return_point_name: d.return_point_name,
        secret: secret.as_deref(),
        lookup_url,
    };
    let language = opt.language();
    let notice = notice(d.dossier, &d.event.event, d.event.at, &facts, language)
        .ok_or_else(|| Undelivered::Moot(format!("{}: not a notice", d.message.message)))?;
    Ok(Rendered {
        notice,
        language,
        to,
        name: a.full_name.clone(),
    })
}

// ----- E-mail ------------------------------------------------------------------------------

/// The e-mail connector: one SMTP session per message (no pool: the worker is one thread).
pub struct Email {
    from: Mailbox,
    transport: SmtpTransport,
    lookup_url: String,
}

impl Email {
    /// Fails (with the key's problem) on a configuration `EmailConfig::problems` refuses.
    pub fn new(config: EmailConfig, lookup_url: &str) -> Result<Email, String> {
        let problems = config.problems();
        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|_| "[notify.email] from".to_owned())?;
        let timeout = Duration::from_secs(config.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT));
        let transport = SmtpTransport::from_url(&config.smtp_url)
            .map_err(|_| "[notify.email] smtp_url".to_owned())?
            .timeout(Some(timeout))
            .build();
        Ok(Email {
            from,
            transport,
            lookup_url: lookup_url.to_owned(),
        })
    }

    /// The e-mail of one delivery (the same bytes but for lettre's boundary-free encoding on each
    /// attempt: its Message-ID is the outbox's idempotency key, its Date the event's time).
    pub fn message(&self, d: &Delivery<'_>) -> Result<Mail, Undelivered> {
        let r = render(d, NotifyChannel::Email, &self.lookup_url)?;
        let to: Mailbox = r.to.parse().map_err(|_| {
            Undelivered::Refused(Failure("email: the applicant's address was refused".into()))
        })?;
        let (greeting, footer) = match r.language {
            Language::Vi => (
                format!("Kính gửi ông/bà {},", r.name),
                "Thư này được gửi tự động vì ông/bà đã đăng ký nhận thông báo khi nộp hồ sơ; \
                 xin đừng trả lời thư này."
                    .to_owned(),
            ),
            Language::En => (
                format!("Dear {},", r.name),
                "This message was sent automatically because you asked to be notified when you \
                 applied; please do not reply to it."
                    .to_owned(),
            ),
        };
        let body = format!(
            "{greeting}\r\n\r\n{}\r\n\r\n-- \r\n{}\r\n{footer}\r\n",
            r.notice.text, d.unit_name
        );
        let date = SystemTime::from(d.event.at);
        Mail::builder()
            .from(self.from.clone())
            .to(to)
            .subject(r.notice.subject)
            .message_id(Some(format!("<{}@motcua>", d.message.idempotency_key)))
            .date(date)
            .header(ContentType::TEXT_PLAIN)
            .header(ContentTransferEncoding::Base64)
            .body(body)
            .map_err(|_| {
                Undelivered::Refused(Failure("email: the message could not be built".into()))
            })
    }
}

/// An SMTP failure in words without what the server said (it may quote the recipient).
fn smtp_failure(e: &lettre::transport::smtp::Error) -> Undelivered {
    let code = e.status().map(|c| c.to_string());
    if e.is_permanent() {
        Undelivered::Refused(Failure(format!(
            "email: SMTP {} (refused for good)",
            code.unwrap_or_else(|| "5xx".into())
        )))
    } else if e.is_transient() {
        Undelivered::Failed(Failure(format!(
            "email: SMTP {} (temporary)",
            code.unwrap_or_else(|| "4xx".into())
        )))
    } else if e.is_timeout() {
        Undelivered::Failed(Failure("email: SMTP timeout".into()))
    } else if e.is_tls() {
        Undelivered::Failed(Failure("email: SMTP TLS failed".into()))
    } else {
        Undelivered::Failed(Failure("email: SMTP connection failed".into()))
    }
}

impl Connector for Email {
    fn name(&self) -> &'static str {
        motcua_store::outbox::EMAIL
    }

    fn wants_lookup(&self) -> bool {
        true
    }

    fn deliver(&mut self, d: &Delivery<'_>) -> Result<(), Undelivered> {
        let mail = self.message(d)?;
        self.transport
            .send(&mail)
            .map(|_| ())
            .map_err(|e| smtp_failure(&e))
    }
}

// ----- HTTP gateways -------------------------------------------------------------------------

fn agent(timeout_seconds: Option<u64>) -> ureq::Agent {
    crate::http_agent(Duration::from_secs(
        timeout_seconds.unwrap_or(DEFAULT_TIMEOUT),
    ))
}

fn is_json(content_type: &str) -> bool {
    content_type.trim().to_ascii_lowercase().contains("json")
}

fn is_form(content_type: &str) -> bool {
    content_type
        .trim()
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
}

/// The template with each `{name}` replaced by `value(name)` (unknown names are left as they
/// are), escaped for the content type: inside a JSON string, form encoding, or as is.
pub fn fill(template: &str, content_type: &str, value: &dyn Fn(&str) -> Option<String>) -> String {
    let escape = |v: String| -> String {
        if is_json(content_type) {
            let quoted = serde_json::to_string(&v).unwrap_or_default();
            quoted[1..quoted.len().saturating_sub(1).max(1)].to_owned()
        } else if is_form(content_type) {
            url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
        } else {
            v
        }
    };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close)
                if !after[..close].is_empty()
                    && after[..close]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_') =>
            {
                let name = &after[..close];
                match value(name) {
                    Some(v) => out.push_str(&escape(v)),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// What an HTTP status means for a message: 2xx delivered; 408, 429 and 5xx tried again; any
/// other refusal (a request the gateway will never take, a credential it refuses) dead at once.
fn by_status(what: &str, status: u16) -> Result<(), Undelivered> {
    match status {
        200..=299 => Ok(()),
        408 | 429 | 500..=599 => Err(Undelivered::Failed(Failure(format!(
            "{what}: HTTP {status}"
        )))),
        _ => Err(Undelivered::Refused(Failure(format!(
            "{what}: HTTP {status}"
        )))),
    }
}

fn transport_failure(what: &str, e: &ureq::Error) -> Undelivered {
    Undelivered::Failed(Failure(format!("{what}: {}", crate::transport_error(e))))
}

/// The SMS connector.
pub struct Sms {
    config: SmsConfig,
    agent: ureq::Agent,
    lookup_url: String,
}

impl Sms {
    pub fn new(config: SmsConfig, lookup_url: &str) -> Sms {
        Sms {
            agent: agent(config.timeout_seconds),
            config,
            lookup_url: lookup_url.to_owned(),
        }
    }

    /// The request of one delivery: its headers and body.
    pub fn request(
        &self,
        d: &Delivery<'_>,
    ) -> Result<(Vec<(String, String)>, String), Undelivered> {
        let r = render(d, NotifyChannel::Sms, &self.lookup_url)?;
        let text = if self.config.unicode {
            r.notice.text
        } else {
            without_marks(&r.notice.text)
        };
        let c = &self.config;
        let value = |name: &str| -> Option<String> {
            Some(match name {
                "phone" => r.to.clone(),
                "phone_local" => format!("0{}", &r.to[2..]),
                "text" => text.clone(),
                "sender" => c.sender.clone(),
                "token" => c.token.clone(),
                "key" => d.message.idempotency_key.clone(),
                _ => return None,
            })
        };
        let body = fill(&c.body, &c.content_type, &value);
        let headers = c
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), fill(v, "text/plain", &value)))
            .collect();
        Ok((headers, body))
    }
}

impl Connector for Sms {
    fn name(&self) -> &'static str {
        motcua_store::outbox::SMS
    }

    fn wants_lookup(&self) -> bool {
        true
    }

    fn deliver(&mut self, d: &Delivery<'_>) -> Result<(), Undelivered> {
        let (headers, body) = self.request(d)?;
        let mut req = self
            .agent
            .post(&self.config.url)
            .header("Content-Type", &self.config.content_type)
            .header("Idempotency-Key", &d.message.idempotency_key);
        for (k, v) in &headers {
            req = req.header(k, v);
        }
        let resp = req
            .send(body.as_bytes())
            .map_err(|e| transport_failure("sms", &e))?;
        by_status("sms", resp.status().as_u16())
    }
}

/// The Zalo ZNS connector.
pub struct Zalo {
    config: ZaloConfig,
    agent: ureq::Agent,
    lookup_url: String,
}

impl Zalo {
    pub fn new(config: ZaloConfig, lookup_url: &str) -> Zalo {
        Zalo {
            agent: agent(config.timeout_seconds),
            config,
            lookup_url: lookup_url.to_owned(),
        }
    }

    /// The ZNS request of one delivery: `{phone, template_id, template_data, tracking_id}`.
    pub fn body(&self, d: &Delivery<'_>) -> Result<Value, Undelivered> {
        let r = render(d, NotifyChannel::Zalo, &self.lookup_url)?;
        let templates = match r.language {
            Language::En => self
                .config
                .templates_en
                .as_ref()
                .unwrap_or(&self.config.templates),
            Language::Vi => &self.config.templates,
        };
        let template = templates.of(&d.message.message).ok_or_else(|| {
            Undelivered::Refused(Failure(format!(
                "zalo: no template for {}",
                d.message.message
            )))
        })?;
        // ZNS parameters are short: at most 200 characters each here (their own limits apply).
        let data: serde_json::Map<String, Value> = r
            .notice
            .params
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v.chars().take(200).collect())))
            .collect();
        Ok(json!({
            "phone": r.to,
            "template_id": template,
            "template_data": data,
            "tracking_id": d.message.idempotency_key,
        }))
    }
}

impl Connector for Zalo {
    fn name(&self) -> &'static str {
        motcua_store::outbox::ZALO
    }

    fn wants_lookup(&self) -> bool {
        true
    }

    fn deliver(&mut self, d: &Delivery<'_>) -> Result<(), Undelivered> {
        let body = self.body(d)?;
        let mut resp = self
            .agent
            .post(&self.config.url)
            .header("access_token", &self.config.token)
            .send_json(&body)
            .map_err(|e| transport_failure("zalo", &e))?;
        by_status("zalo", resp.status().as_u16())?;
        let answer: Value = resp
            .body_mut()
            .read_json()
            .map_err(|_| Undelivered::Failed(Failure("zalo: unreadable answer".into())))?;
        match answer["error"].as_i64() {
            Some(0) => Ok(()),
            code => Err(Undelivered::Failed(Failure(format!(
                "zalo: error {}",
                code.map_or("?".into(), |c| c.to_string())
            )))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_filled_and_escaped_for_their_content_type() {
        let v = |k: &str| match k {
            "text" => Some("Hồ sơ \"A\" & B\n".to_owned()),
            "phone" => Some("84912345678".to_owned()),
            _ => None,
        };
        let json = fill(
            r#"{"to":"{phone}","text":"{text}","x":"{other}"}"#,
            "application/json",
            &v,
        );
        let parsed: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["text"], "Hồ sơ \"A\" & B\n");
        assert_eq!(parsed["to"], "84912345678");
        assert_eq!(parsed["x"], "{other}");
        let form = fill(
            "to={phone}&msg={text}",
            "application/x-www-form-urlencoded",
            &v,
        );
        assert_eq!(
            form,
            "to=84912345678&msg=H%E1%BB%93+s%C6%A1+%22A%22+%26+B%0A"
        );
        assert_eq!(fill("{ {phone} }", "text/plain", &v), "{ 84912345678 }");
    }

    #[test]
    fn configurations_name_every_problem_and_hide_their_secrets() {
        let e = EmailConfig {
            smtp_url: "smtp://mailer:hunter2@mail.example.vn:587".into(),
            from: "not an address".into(),
            timeout_seconds: None,
        };
        let p = e.problems().join("\n");
        assert!(p.contains("tls=required") && p.contains("from"), "{p}");
        assert!(!format!("{e:?}").contains("hunter2"));
        for ok in [
            "smtps://u:p@mail.example.vn",
            "smtp://u:p@mail.example.vn:587?tls=required",
            "smtp://127.0.0.1:2525",
        ] {
            let c = EmailConfig {
                smtp_url: ok.into(),
                from: "UBND phường <motcua@example.gov.vn>".into(),
                timeout_seconds: None,
            };
            assert!(c.problems().is_empty(), "{ok}: {:?}", c.problems());
        }
        let s = SmsConfig {
            url: "ftp://gw".into(),
            token: "tok-secret".into(),
            body: "{\"text\": {text}}".into(),
            ..Default::default()
        };
        let p = s.problems().join("\n");
        assert!(
            p.contains("url") && p.contains("sender") && p.contains("{phone"),
            "{p}"
        );
        assert!(p.contains("JSON"), "{p}");
        assert!(!format!("{s:?}").contains("tok-secret"));
        let z = ZaloConfig {
            token: "zalo-secret".into(),
            templates: ZaloTemplates {
                received: "1".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let p = z.problems().join("\n");
        assert!(
            p.contains("refused") && p.contains("apologized") && !p.contains("] received"),
            "{p}"
        );
        assert!(!format!("{z:?}").contains("zalo-secret"));
    }

    #[test]
    fn http_statuses_are_delivered_retried_or_dead() {
        assert!(by_status("sms", 202).is_ok());
        for s in [408, 429, 500, 503] {
            assert!(
                matches!(by_status("sms", s), Err(Undelivered::Failed(_))),
                "{s}"
            );
        }
        for s in [400, 401, 403, 404] {
            assert!(
                matches!(by_status("sms", s), Err(Undelivered::Refused(_))),
                "{s}"
            );
        }
    }
}
