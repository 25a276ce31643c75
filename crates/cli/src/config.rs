//! Configuration: defaults, then a TOML file (`--config PATH`, or `motcua.toml` in the working
//! directory when present), then environment variables (`MOTCUA_*`), then command-line flags.
//! Secrets (the database URL may hold a password) are never printed in full.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::BadInput;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite:PATH` or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    pub db: String,
    /// Address to listen on.
    pub listen: String,
    /// Set the Secure flag on session cookies (when served over HTTPS).
    pub secure_cookies: bool,
    pub public_rate_per_minute: u32,
    pub login_rate_per_minute: u32,
    pub max_body_bytes: usize,
    pub session_hours: i64,
    /// Where uploaded papers are kept.
    pub files_dir: std::path::PathBuf,
    pub max_upload_bytes: usize,
    /// Log level: error, warn, info, debug.
    pub log: String,
    /// Log lines as `text` (for people) or `json` (one object per line, for a log collector).
    pub log_format: String,
    /// Serve `GET /metrics` to requests bearing this token (at least 16 characters); unset: off.
    pub metrics_token: Option<String>,
    /// The unit's signing certificate and key (PKCS#12) for receipts and electronic results; none:
    /// the built-in TEST certificate (the demo and tests only).
    pub signing_p12: Option<std::path::PathBuf>,
    /// The password of `signing_p12` (secret: never printed).
    pub signing_password: String,
    /// The address citizens reach the server at (the documents' QR codes link to it); empty:
    /// `http://` and `listen`.
    pub public_url: String,
    /// A key file (64 hex digits, `motcua vault new-key`) wrapping the personal-data vault's master
    /// key; none: the master key is kept in the database.
    pub vault_key_file: Option<std::path::PathBuf>,
    /// A Decision 766 method file (the shape of `crates/domain/data/indicators-766.json`: methods,
    /// each from its date) used instead of the shipped one, so that a province loads a revision
    /// without a release; none: the shipped methods.
    pub indicators_file: Option<std::path::PathBuf>,
    /// `[payment]`: the payment gateway: `kind` (`vnpay`, the default, VNPay 2.1.0; or `dvcqg`,
    /// the national portal's payment platform), `url` (VNPay's payment page; the platform's
    /// endpoint that opens a transaction), `merchant` (`vnp_TmnCode`; `MaDoiTac`), `secret`
    /// (`vnp_HashSecret`; the hash key; never printed); environment `MOTCUA_PAYMENT_KIND`,
    /// `MOTCUA_PAYMENT_URL`, `MOTCUA_PAYMENT_MERCHANT`, `MOTCUA_PAYMENT_SECRET`. Unset: online
    /// payment is off (fees are still assessed and paid at the desk).
    pub payment: PaymentSection,
    /// `[population]`: the national population database through the province's data-sharing
    /// platform: `url` (its base; `GET {url}/citizens/{number}`), `token` (bearer, never
    /// printed); environment `MOTCUA_POPULATION_URL`, `MOTCUA_POPULATION_TOKEN`. Unset: off.
    pub population: PopulationSection,
    /// The national public-service portal (`[dvcqg]`, or `MOTCUA_DVCQG_*`); none: not connected.
    pub dvcqg: Option<motcua_connect::DvcqgConfig>,
    /// `[outbox]`: the delivery worker's pace and retry policy.
    pub outbox: crate::outbox::OutboxConfig,
    /// `[notify.email]`, `[notify.sms]`, `[notify.zalo]` (and `MOTCUA_NOTIFY_*`): notifications to
    /// applicants who opted in; each channel off unless configured.
    pub notify: motcua_connect::NotifyConfig,
}

/// The `[population]` section.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PopulationSection {
    pub url: String,
    pub token: String,
}

impl std::fmt::Debug for PopulationSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PopulationSection")
            .field("url", &self.url)
            .field("token", &"***")
            .finish()
    }
}

/// The `[payment]` section.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentSection {
    pub kind: String,
    pub url: String,
    pub merchant: String,
    pub secret: String,
}

impl PaymentSection {
    /// The protocol `kind` names (checked when the configuration is read).
    pub fn gateway_kind(&self) -> motcua_web::payment::gateway::GatewayKind {
        motcua_web::payment::gateway::GatewayKind::parse(&self.kind).unwrap_or_default()
    }
}

impl std::fmt::Debug for PaymentSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentSection")
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("merchant", &self.merchant)
            .field("secret", &"***")
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        let web = motcua_web::Settings::default();
        Config {
            db: "sqlite:data/motcua.db".into(),
            listen: "127.0.0.1:8080".into(),
            secure_cookies: web.secure_cookies,
            public_rate_per_minute: web.public_rate_per_minute,
            login_rate_per_minute: web.login_rate_per_minute,
            max_body_bytes: web.max_body_bytes,
            session_hours: web.session_hours,
            files_dir: web.files_dir,
            max_upload_bytes: web.max_upload_bytes,
            log: "info".into(),
            log_format: "text".into(),
            metrics_token: None,
            signing_p12: None,
            signing_password: String::new(),
            public_url: String::new(),
            vault_key_file: None,
            indicators_file: None,
            payment: PaymentSection::default(),
            population: PopulationSection::default(),
            dvcqg: None,
            outbox: Default::default(),
            notify: Default::default(),
        }
    }
}

fn env_parse<T: std::str::FromStr>(name: &str, into: &mut T) -> Result<()> {
    if let Ok(v) = std::env::var(name) {
        *into = v.parse().map_err(|_| {
            BadInput(format!(
                "biến môi trường {name}='{v}' không hợp lệ / environment variable {name}='{v}' is invalid"
            ))
        })?;
    }
    Ok(())
}

impl Config {
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let default_file = Path::new("motcua.toml");
        let file = path.or(default_file.exists().then_some(default_file));
        let mut config = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                toml::from_str(&text).map_err(|e| {
                    BadInput(format!(
                        "tệp cấu hình {} không hợp lệ / invalid configuration file {}: {e}",
                        p.display(),
                        p.display()
                    ))
                })?
            }
            None => Config::default(),
        };
        env_parse("MOTCUA_DB", &mut config.db)?;
        env_parse("MOTCUA_LISTEN", &mut config.listen)?;
        env_parse("MOTCUA_SECURE_COOKIES", &mut config.secure_cookies)?;
        env_parse(
            "MOTCUA_PUBLIC_RATE_PER_MINUTE",
            &mut config.public_rate_per_minute,
        )?;
        env_parse(
            "MOTCUA_LOGIN_RATE_PER_MINUTE",
            &mut config.login_rate_per_minute,
        )?;
        env_parse("MOTCUA_MAX_BODY_BYTES", &mut config.max_body_bytes)?;
        env_parse("MOTCUA_SESSION_HOURS", &mut config.session_hours)?;
        env_parse("MOTCUA_FILES_DIR", &mut config.files_dir)?;
        env_parse("MOTCUA_MAX_UPLOAD_BYTES", &mut config.max_upload_bytes)?;
        env_parse("MOTCUA_LOG", &mut config.log)?;
        env_parse("MOTCUA_LOG_FORMAT", &mut config.log_format)?;
        if let Ok(v) = std::env::var("MOTCUA_METRICS_TOKEN") {
            config.metrics_token = Some(v).filter(|v| !v.is_empty());
        }
        if config
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.chars().count() < 16)
        {
            return Err(BadInput(
                "metrics_token cần ít nhất 16 ký tự / metrics_token needs at least 16 characters"
                    .into(),
            )
            .into());
        }
        if let Ok(v) = std::env::var("MOTCUA_SIGNING_P12") {
            config.signing_p12 = (!v.is_empty()).then(|| v.into());
        }
        env_parse("MOTCUA_SIGNING_PASSWORD", &mut config.signing_password)?;
        env_parse("MOTCUA_PUBLIC_URL", &mut config.public_url)?;
        env_parse("MOTCUA_PAYMENT_KIND", &mut config.payment.kind)?;
        env_parse("MOTCUA_PAYMENT_URL", &mut config.payment.url)?;
        env_parse("MOTCUA_PAYMENT_MERCHANT", &mut config.payment.merchant)?;
        env_parse("MOTCUA_PAYMENT_SECRET", &mut config.payment.secret)?;
        env_parse("MOTCUA_POPULATION_URL", &mut config.population.url)?;
        env_parse("MOTCUA_POPULATION_TOKEN", &mut config.population.token)?;
        let p = &config.payment;
        if motcua_web::payment::gateway::GatewayKind::parse(&p.kind).is_none() {
            return Err(BadInput(format!(
                "[payment] kind '{}' không hợp lệ (vnpay hoặc dvcqg) / invalid [payment] kind '{}' (vnpay or dvcqg)",
                p.kind, p.kind
            ))
            .into());
        }
        let set = [&p.url, &p.merchant, &p.secret]
            .iter()
            .filter(|v| !v.is_empty())
            .count();
        if set != 0 && set != 3 {
            return Err(BadInput(
                "[payment] cần đủ url, merchant và secret / [payment] needs url, merchant and secret"
                    .into(),
            )
            .into());
        }
        if !(p.url.is_empty() || p.url.starts_with("https://") || p.url.starts_with("http://")) {
            return Err(BadInput(
                "[payment] url phải bắt đầu bằng https:// / [payment] url must start with https://"
                    .into(),
            )
            .into());
        }
        if let Ok(v) = std::env::var("MOTCUA_VAULT_KEY_FILE") {
            config.vault_key_file = (!v.is_empty()).then(|| v.into());
        }
        if let Some(path) = &config.vault_key_file {
            let key =
                motcua_store::vault::read_key_file(path).map_err(|e| BadInput(e.to_string()))?;
            motcua_store::vault::set_key_encryption_key(key)
                .map_err(|e| BadInput(e.to_string()))?;
        }
        if let Ok(v) = std::env::var("MOTCUA_INDICATORS_FILE") {
            config.indicators_file = (!v.is_empty()).then(|| v.into());
        }
        if let Some(path) = &config.indicators_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                BadInput(format!(
                    "không đọc được tệp phương pháp chỉ số 766 {} / cannot read the Decision 766 method file {}: {e}",
                    path.display(),
                    path.display()
                ))
            })?;
            let methods = motcua_domain::indicators::Methods::parse(&text).map_err(|e| {
                BadInput(format!(
                    "tệp phương pháp chỉ số 766 {} không hợp lệ / invalid Decision 766 method file {}: {e}",
                    path.display(),
                    path.display()
                ))
            })?;
            motcua_domain::indicators::install(methods).map_err(BadInput)?;
        }
        crate::outbox::load_env(&mut config)?;
        if !["text", "json"].contains(&config.log_format.as_str()) {
            return Err(BadInput(format!(
                "log_format '{}' không hợp lệ (text hoặc json) / invalid log_format '{}' (text or json)",
                config.log_format, config.log_format
            ))
            .into());
        }
        Ok(config)
    }

    /// The server's settings; reads the signing certificate (a clear error, exit 2, when it cannot).
    pub fn web_settings(&self) -> Result<motcua_web::Settings> {
        let signing = match &self.signing_p12 {
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|e| {
                    BadInput(format!(
                        "không đọc được tệp chứng thư số {} / cannot read the signing certificate {}: {e}",
                        path.display(),
                        path.display()
                    ))
                })?;
                let id = motcua_pdf::read_pkcs12(&bytes, &self.signing_password)
                    .map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
                Some(std::sync::Arc::new(id))
            }
            None => None,
        };
        let public_url = if self.public_url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.public_url.trim_end_matches('/').to_owned()
        };
        Ok(motcua_web::Settings {
            signing,
            public_url,
            secure_cookies: self.secure_cookies,
            public_rate_per_minute: self.public_rate_per_minute,
            login_rate_per_minute: self.login_rate_per_minute,
            max_body_bytes: self.max_body_bytes,
            session_hours: self.session_hours,
            files_dir: self.files_dir.clone(),
            max_upload_bytes: self.max_upload_bytes,
            metrics_token: self.metrics_token.clone(),
            payment: (!self.payment.url.is_empty()).then(|| {
                motcua_web::payment::gateway::PaymentConfig {
                    kind: self.payment.gateway_kind(),
                    url: self.payment.url.clone(),
                    merchant: self.payment.merchant.clone(),
                    secret: self.payment.secret.clone(),
                    double: false,
                }
            }),
            population: (!self.population.url.is_empty()).then(|| {
                motcua_web::population::PopulationConfig {
                    url: self.population.url.clone(),
                    token: self.population.token.clone(),
                    double: false,
                }
            }),
            dvcqg_inbound_token: self.dvcqg.as_ref().and_then(|d| d.inbound_token.clone()),
        })
    }
}

/// A database URL fit for logs: the password replaced by ***.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://motcua:s3cret@db:5432/motcua"),
            "postgres://motcua:***@db:5432/motcua"
        );
        assert_eq!(super::redact("sqlite:data/x.db"), "sqlite:data/x.db");
    }
}
