//! What every handler shares: the `App` (the store, the settings, the cached calendar, catalogue and
//! search index, the rate limiters) and the only ways handlers reach the store: `read_tx`,
//! `write_tx` (one transaction each, off the async threads) and `blocking`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::catalogue::SearchIndex;
use motcua_store::{Store, StoreError, Tx, calendar, procedures};

use crate::http::ApiError;
use crate::http::ratelimit;

/// Settings the server runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark session cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Requests per minute per client address on public endpoints and login.
    pub public_rate_per_minute: u32,
    pub login_rate_per_minute: u32,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Session lifetime.
    pub session_hours: i64,
    /// Where uploaded papers are kept, named by the SHA-256 of their content.
    pub files_dir: std::path::PathBuf,
    /// Largest uploaded paper, in bytes.
    pub max_upload_bytes: usize,
    /// `GET /metrics` answers (Prometheus text format) only when this is set, and only to a
    /// request bearing it (`Authorization: Bearer …`); otherwise it is no page at all.
    pub metrics_token: Option<String>,
    /// The unit's signing identity (PKCS#12 read at start-up) for receipts and electronic results;
    /// None: the built-in TEST identity (tests and the demo only).
    pub signing: Option<Arc<motcua_pdf::Identity>>,
    /// The address citizens reach this server at, e.g. `https://motcua.example.gov.vn`: the
    /// verification QR codes on documents link to `{public_url}/xac-minh`.
    pub public_url: String,
    /// The payment gateway (`[payment]`); None: online payment is off.
    pub payment: Option<PaymentConfig>,
    /// The national population database (`[population]`); None: not connected.
    pub population: Option<PopulationConfig>,
    /// The bearer secret the national portal presents to `POST /api/v1/connectors/dvcqg/dossiers`
    /// (`[dvcqg] inbound_token`); none: the endpoint answers 404.
    pub dvcqg_inbound_token: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: false,
            public_rate_per_minute: 60,
            login_rate_per_minute: 10,
            max_body_bytes: 256 * 1024,
            session_hours: 12,
            files_dir: std::path::PathBuf::from("data/files"),
            max_upload_bytes: 10 * 1024 * 1024,
            metrics_token: None,
            signing: None,
            public_url: "http://127.0.0.1:8080".to_owned(),
            payment: None,
            population: None,
            dvcqg_inbound_token: None,
        }
    }
}

/// Which payment gateway protocol `[payment]` speaks (`kind`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GatewayKind {
    /// VNPay 2.1.0: a signed address the payer is sent to, the notification as a signed query.
    #[default]
    VnPay,
    /// The national public-service portal's payment platform: a signed request server to server
    /// that answers the payment address, the notification as signed JSON.
    Dvcqg,
}

impl GatewayKind {
    pub fn parse(s: &str) -> Option<GatewayKind> {
        match s.trim() {
            "" | "vnpay" => Some(GatewayKind::VnPay),
            "dvcqg" => Some(GatewayKind::Dvcqg),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            GatewayKind::VnPay => "vnpay",
            GatewayKind::Dvcqg => "dvcqg",
        }
    }
}

/// The `[payment]` configuration (environment `MOTCUA_PAYMENT_KIND`, `_URL`, `_MERCHANT`,
/// `_SECRET`).
#[derive(Clone, Default)]
pub struct PaymentConfig {
    /// The protocol: `vnpay` (default) or `dvcqg`.
    pub kind: GatewayKind,
    /// VNPay: the gateway's payment page (`.../paymentv2/vpcpay.html`); the portal's platform:
    /// its endpoint that opens a transaction.
    pub url: String,
    /// The merchant's code (`vnp_TmnCode`; the platform's `MaDoiTac`).
    pub merchant: String,
    /// The shared secret (`vnp_HashSecret`; the platform's hash key): never printed or logged.
    pub secret: String,
    /// Serve the local gateway double at `/cong-thanh-toan-thu` (the demo and tests only).
    pub double: bool,
}

impl std::fmt::Debug for PaymentConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentConfig")
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("merchant", &self.merchant)
            .field("secret", &"***")
            .field("double", &self.double)
            .finish()
    }
}

/// The `[population]` configuration (environment `MOTCUA_POPULATION_URL`, `_TOKEN`).
#[derive(Clone, Default)]
pub struct PopulationConfig {
    pub url: String,
    /// The platform's bearer token: never printed or logged.
    pub token: String,
    /// Serve the local double at `/dan-cu-thu` (the demo and tests only).
    pub double: bool,
}

impl std::fmt::Debug for PopulationConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PopulationConfig")
            .field("url", &self.url)
            .field("token", &"***")
            .field("double", &self.double)
            .finish()
    }
}

/// The search index, keyed by the catalogue's generation and the synonym table's id, and the date.
type CachedIndex = ((i64, i64), NaiveDate, Arc<SearchIndex>);

/// What every handler shares.
pub struct App {
    pub store: Store,
    pub settings: Settings,
    calendar: RwLock<(i64, Arc<WorkCalendar>)>,
    search: RwLock<Option<CachedIndex>>,
    catalogue: RwLock<Option<(i64, Arc<motcua_domain::catalogue::Catalogue>)>>,
    pub public_limiter: ratelimit::Limiter,
    pub login_limiter: ratelimit::Limiter,
    /// Request counts and latencies, kept only when metrics are configured.
    pub metrics: Option<Arc<crate::http::metrics::Metrics>>,
    /// Signs the references to papers kept across a refused form (drawn at start-up).
    pub form_key: [u8; 32],
    /// Every unit's name, for the public lookup, read again after `UNIT_NAMES_TTL`.
    unit_names: RwLock<Option<(std::time::Instant, UnitNames)>>,
}

/// Every unit's name by code.
pub type UnitNames = Arc<HashMap<String, String>>;

/// How long the public lookup trusts its copy of the units' names: a renamed unit shows its new
/// name on the lookup page within this time, and a crowd of lookups costs one query each, not two.
const UNIT_NAMES_TTL: std::time::Duration = std::time::Duration::from_secs(30);

pub type AppState = Arc<App>;

impl App {
    pub fn new(store: Store, settings: Settings) -> Result<App, StoreError> {
        let (generation, cal) =
            store.read(|tx| Ok((calendar::generation(tx)?, calendar::work_calendar(tx)?)))?;
        Ok(App {
            public_limiter: ratelimit::Limiter::new(settings.public_rate_per_minute),
            login_limiter: ratelimit::Limiter::new(settings.login_rate_per_minute),
            metrics: settings.metrics_token.is_some().then(Arc::default),
            form_key: {
                use rand::RngCore;
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                key
            },
            store,
            settings,
            calendar: RwLock::new((generation, Arc::new(cal))),
            search: RwLock::new(None),
            catalogue: RwLock::new(None),
            unit_names: RwLock::new(None),
        })
    }

    /// Every unit's name by code (see `UNIT_NAMES_TTL`).
    pub fn unit_names(&self, tx: &mut dyn Tx) -> Result<Arc<HashMap<String, String>>, StoreError> {
        if let Some(names) = self.unit_names_cached() {
            return Ok(names);
        }
        let fresh: UnitNames = Arc::new(motcua_store::org::all_names(tx)?.into_iter().collect());
        *self.unit_names.write().unwrap_or_else(|p| p.into_inner()) =
            Some((std::time::Instant::now(), fresh.clone()));
        Ok(fresh)
    }

    /// Every unit's name when read less than `UNIT_NAMES_TTL` ago, without the database.
    pub fn unit_names_cached(&self) -> Option<Arc<HashMap<String, String>>> {
        let cached = self.unit_names.read().unwrap_or_else(|p| p.into_inner());
        cached
            .as_ref()
            .filter(|(at, _)| at.elapsed() < UNIT_NAMES_TTL)
            .map(|(_, names)| names.clone())
    }

    /// The working calendar, rebuilt inside `tx` when an import happened since it was built (an
    /// administrator may import from the command line while the server runs).
    pub fn calendar(&self, tx: &mut dyn Tx) -> Result<Arc<WorkCalendar>, StoreError> {
        let generation = calendar::generation(tx)?;
        {
            let cached = self.calendar.read().unwrap_or_else(|p| p.into_inner());
            if cached.0 == generation {
                return Ok(cached.1.clone());
            }
        }
        let fresh = Arc::new(calendar::work_calendar(tx)?);
        *self.calendar.write().unwrap_or_else(|p| p.into_inner()) = (generation, fresh.clone());
        Ok(fresh)
    }
}

impl App {
    /// The search index over the procedures in force on `date`, rebuilt when the catalogue changed.
    pub fn search_index(
        &self,
        tx: &mut dyn Tx,
        date: NaiveDate,
    ) -> Result<Arc<SearchIndex>, StoreError> {
        let generation = (procedures::generation(tx)?, procedures::synonyms_id(tx)?);
        {
            let cached = self.search.read().unwrap_or_else(|p| p.into_inner());
            if let Some((g, d, index)) = cached.as_ref()
                && *g == generation
                && *d == date
            {
                return Ok(index.clone());
            }
        }
        let catalogue = procedures::catalogue(tx)?;
        let (_, synonyms) = procedures::synonyms(tx)?;
        let index = Arc::new(SearchIndex::with_synonyms(
            catalogue.all_in_force(date).cloned().collect(),
            &synonyms,
        ));
        *self.search.write().unwrap_or_else(|p| p.into_inner()) =
            Some((generation, date, index.clone()));
        Ok(index)
    }
}

impl App {
    /// Every version of every procedure, reread when the catalogue changed.
    pub fn catalogue(
        &self,
        tx: &mut dyn Tx,
    ) -> Result<Arc<motcua_domain::catalogue::Catalogue>, StoreError> {
        let generation = procedures::generation(tx)?;
        {
            let cached = self.catalogue.read().unwrap_or_else(|p| p.into_inner());
            if let Some((g, c)) = cached.as_ref()
                && *g == generation
            {
                return Ok(c.clone());
            }
        }
        let fresh = Arc::new(procedures::catalogue(tx)?);
        *self.catalogue.write().unwrap_or_else(|p| p.into_inner()) =
            Some((generation, fresh.clone()));
        Ok(fresh)
    }
}

/// Runs `f` in one read transaction off the async threads; `f`'s own errors come back unchanged.
pub async fn read_tx<T: Send + 'static>(
    app: &AppState,
    f: impl FnOnce(&mut dyn Tx) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let app = app.clone();
    blocking(move || {
        let mut out = None;
        app.store.read(|tx| {
            out = Some(f(tx));
            Ok(())
        })?;
        out.unwrap_or_else(|| Err(ApiError::internal("no result".to_owned())))
    })
    .await
}

/// Runs `f` in one write transaction off the async threads. When `f` fails, the transaction is
/// rolled back: nothing it wrote before failing stays.
pub async fn write_tx<T: Send + 'static>(
    app: &AppState,
    f: impl FnOnce(&mut dyn Tx) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let app = app.clone();
    blocking(move || {
        let mut failure = None;
        let done = app.store.write(|tx| match f(tx) {
            Ok(v) => Ok(v),
            Err(e) => {
                failure = Some(e);
                // Any error fails the transaction; the caller gets `f`'s own.
                Err(StoreError::invalid("", ""))
            }
        });
        match failure {
            Some(e) => Err(e),
            None => done.map_err(ApiError::from),
        }
    })
    .await
}

/// Runs a blocking store call off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("task failed: {e}")))?
}
