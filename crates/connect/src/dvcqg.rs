//! The national public-service portal (Cổng Dịch vụ công quốc gia, DVCQG), as its published
//! integration guide describes it: sign in at the adapter's auth endpoint for a `session`, then
//! POST services to the integration endpoint with `session`, `madonvi` and `service`. motcua sends
//! `DongBoHoSoMC` (the dossier, created then updated) and `CapNhatTienDoHoSoMC` (one step of the
//! control sheet). Times are `yyyyMMddHHmmss` in Vietnam's time; statuses map to `TrangThaiHoSo`
//! 1-10 through `data/dvcqg-status.json`, which a province may correct.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use motcua_domain::dossier::{ApplicantKind, Dossier, Event, Instant, PauseKind, to_local};
use motcua_store::outbox::{SYNC_DOSSIER, SYNC_PROGRESS};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::worker::{Connector, Delivery, Failure, Undelivered};

/// `[dvcqg]` in the configuration (and `MOTCUA_DVCQG_*`). The password and the inbound token are
/// credentials: never printed (`Debug` hides them), never logged.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DvcqgConfig {
    /// The adapter's base URL, e.g. `https://adapter.dichvucong.gov.vn` (no credentials in it).
    pub adapter_url: String,
    /// Path of the sign-in service under the adapter, e.g. `/auth`.
    pub auth_endpoint: String,
    /// Path of the integration services, e.g. `/api`.
    pub integration_endpoint: String,
    pub username: String,
    pub password: String,
    /// The agency identifier (`madonvi`, QCVN 102).
    pub agency: String,
    /// The bearer secret the portal presents to `POST /api/v1/connectors/dvcqg/dossiers`.
    #[serde(default)]
    pub inbound_token: Option<String>,
    /// Seconds a call may take in all (default 30).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
}

impl std::fmt::Debug for DvcqgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DvcqgConfig")
            .field("adapter_url", &self.adapter_url)
            .field("auth_endpoint", &self.auth_endpoint)
            .field("integration_endpoint", &self.integration_endpoint)
            .field("username", &self.username)
            .field("password", &"***")
            .field("agency", &self.agency)
            .field("inbound_token", &self.inbound_token.as_ref().map(|_| "***"))
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

impl DvcqgConfig {
    /// Every problem at once, each naming its key.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (key, v) in [
            ("adapter_url", &self.adapter_url),
            ("auth_endpoint", &self.auth_endpoint),
            ("integration_endpoint", &self.integration_endpoint),
            ("username", &self.username),
            ("password", &self.password),
            ("agency", &self.agency),
        ] {
            if v.trim().is_empty() {
                out.push(format!(
                    "[dvcqg] {key}: thiếu giá trị / missing (or MOTCUA_DVCQG_{})",
                    key.to_uppercase()
                ));
            }
        }
        let scheme_ok = ["http://", "https://"]
            .iter()
            .any(|s| self.adapter_url.starts_with(s));
        if !self.adapter_url.is_empty() && !scheme_ok {
            out.push("[dvcqg] adapter_url: phải bắt đầu bằng http:// hoặc https:// / must start with http:// or https://".into());
        }
        if self.adapter_url.contains('@') {
            out.push("[dvcqg] adapter_url: không được chứa mật khẩu / must not carry credentials (use username and password)".into());
        }
        out
    }
}

/// The mapping of motcua's events and states to `TrangThaiHoSo`, with its source.
#[derive(Debug, Deserialize)]
pub struct StatusMap {
    pub source: HashMap<String, String>,
    pub codes: HashMap<String, String>,
    pub by_event: HashMap<String, u8>,
    pub by_status: HashMap<String, u8>,
}

/// The shipped mapping (`data/dvcqg-status.json`).
pub fn status_map() -> &'static StatusMap {
    static MAP: OnceLock<StatusMap> = OnceLock::new();
    MAP.get_or_init(|| {
        serde_json::from_str(include_str!("../data/dvcqg-status.json"))
            .expect("the shipped status map parses (tested)")
    })
}

/// `TrangThaiHoSo` right after `event`: by the event first (a pause by its kind), else by status.
pub fn status_code(event: &Event, dossier: &Dossier) -> u8 {
    let map = status_map();
    let key = match event {
        Event::Paused {
            pause: PauseKind::FinancialObligation,
            ..
        } => "paused:financial_obligation".to_owned(),
        e => e.kind().to_owned(),
    };
    map.by_event
        .get(&key)
        .or_else(|| map.by_status.get(dossier.status.as_str()))
        .copied()
        .unwrap_or(4)
}

/// `yyyyMMddHHmmss` in Vietnam's time (UTC+7), as the portal reads times.
pub fn portal_time(t: Instant) -> String {
    to_local(t).format("%Y%m%d%H%M%S").to_string()
}

fn opt_time(t: Option<Instant>) -> String {
    t.map(portal_time).unwrap_or_default()
}

/// The dossier's code for the portal: the portal's own when it sent the dossier in, else motcua's
/// code once received, before that its online reference.
fn dossier_code(del: &Delivery<'_>) -> String {
    del.external_code
        .map(str::to_owned)
        .or_else(|| del.dossier.code.clone())
        .unwrap_or_else(|| format!("W{}", del.message.dossier_id))
}

/// One dossier of `DongBoHoSoMC`, with the published field names.
pub fn dossier_record(del: &Delivery<'_>) -> Value {
    let d = del.dossier;
    let a = &d.applicant;
    let (kind, subject_id) = match &a.kind {
        ApplicantKind::Organisation { tax_code, .. } => ("2", tax_code.clone()),
        ApplicantKind::Foreigner { passport, .. } => ("1", passport.clone()),
        ApplicantKind::Citizen => ("1", a.id_number.clone().unwrap_or_default()),
    };
    // The end of processing the portal compares with NgayHenTra: the first closing time, or,
    // while a supplement is pending, when it was asked.
    let pending_supplement = d
        .supplements
        .iter()
        .rev()
        .find(|s| s.supplemented_at.is_none())
        .map(|s| s.at);
    let end = d.finished_at.or(d.closed_at).or(pending_supplement);
    json!({
        "MaHoSo": dossier_code(del),
        "MaTTHC": d.procedure.code,
        "TenTTHC": d.procedure.name,
        "MaLinhVuc": "",
        "TenLinhVuc": "",
        "ChuHoSo": a.full_name,
        "LoaiDoiTuong": kind,
        "MaDoiTuong": subject_id,
        "Email": a.email.clone().unwrap_or_default(),
        "SoDienThoai": a.phone,
        "TrichYeuHoSo": d.procedure.name,
        "NgayTiepNhan": opt_time(d.received_at),
        "NgayHenTra": opt_time(d.due),
        "TrangThaiHoSo": status_code(&del.event.event, d).to_string(),
        "NgayTra": opt_time(d.returned_at),
        "HinhThuc": "0",
        "NgayKetThucXuLy": opt_time(end),
        "DonViXuLy": del.unit_name,
        "TaiLieuNop": d.papers.iter().map(|p| json!({"TenTepDinhKem": p.name})).collect::<Vec<_>>(),
        "DanhSachLePhi": [],
        "DanhSachHoSoBoSung": d.supplements.iter().map(|s| json!({
            "NoiDungBoSung": s.items.join("; "),
            "NgayBoSung": portal_time(s.at),
            "NgayTiepNhanBoSung": opt_time(s.supplemented_at),
        })).collect::<Vec<_>>(),
        "DanhSachGiayToKetQua": d.documents.iter().map(|i| json!({"TenGiayTo": i.document.title})).collect::<Vec<_>>(),
    })
}

/// One step of `CapNhatTienDoHoSoMC`: the control-sheet step the event started or finished.
pub fn progress_record(del: &Delivery<'_>) -> Value {
    let d = del.dossier;
    let step = d.steps.last();
    json!({
        "MaHoSo": dossier_code(del),
        "NguoiXuLy": del.actor_name.unwrap_or(""),
        "ChucDanh": del.actor_title.unwrap_or(""),
        "ThoiDiemXuLy": portal_time(del.event.at),
        "PhongBanXuLy": del.unit_name,
        "NoiDungXuLy": step.map_or_else(|| del.event.event.label_vi().to_owned(), |s| s.name.clone()),
        "TrangThai": status_code(&del.event.event, d).to_string(),
        "NgayBatDau": step.map(|s| portal_time(s.started_at)).unwrap_or_default(),
        "NgayKetThucTheoQuyDinh": step.map(|s| portal_time(s.due)).unwrap_or_default(),
    })
}

/// The body of a call for one message, without the session (added when sending).
pub fn message_body(del: &Delivery<'_>, agency: &str) -> Result<Value, Failure> {
    let payload: Value =
        serde_json::from_str(&del.message.payload).map_err(|e| Failure(format!("payload: {e}")))?;
    let is_updating = payload["is_updating"].as_bool().unwrap_or(true);
    match del.message.message.as_str() {
        SYNC_DOSSIER => Ok(json!({
            "madonvi": agency,
            "service": SYNC_DOSSIER,
            "isUpdating": if is_updating { "true" } else { "false" },
            "data": [dossier_record(del)],
        })),
        SYNC_PROGRESS => Ok(json!({
            "madonvi": agency,
            "service": SYNC_PROGRESS,
            "data": [progress_record(del)],
        })),
        other => Err(Failure(format!("unknown message {other}"))),
    }
}

/// The connector: an HTTP agent and the session, renewed when the portal refuses it.
pub struct Dvcqg {
    config: DvcqgConfig,
    agent: ureq::Agent,
    session: Option<String>,
}

impl Dvcqg {
    pub fn new(config: DvcqgConfig) -> Dvcqg {
        let timeout = Duration::from_secs(config.timeout_seconds.unwrap_or(30));
        Dvcqg::with_timeout(config, timeout)
    }

    pub fn with_timeout(config: DvcqgConfig, timeout: Duration) -> Dvcqg {
        Dvcqg {
            config,
            agent: crate::http_agent(timeout),
            session: None,
        }
    }

    fn post(&self, path: &str, body: &Value, key: Option<&str>) -> Result<Value, Failure> {
        let url = format!("{}{}", self.config.adapter_url.trim_end_matches('/'), path);
        let mut req = self.agent.post(&url);
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        let mut resp = req
            .send_json(body)
            .map_err(|e| Failure(format!("{path}: {}", crate::transport_error(&e))))?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(Failure(format!("{path}: HTTP {status}")));
        }
        resp.body_mut().read_json::<Value>().map_err(|e| {
            Failure(format!(
                "{path}: unreadable answer: {}",
                crate::transport_error(&e)
            ))
        })
    }

    fn sign_in(&mut self) -> Result<String, Failure> {
        let answer = self.post(
            &self.config.auth_endpoint,
            &json!({"username": self.config.username, "password": self.config.password}),
            None,
        )?;
        match (answer["error_code"].as_i64(), answer["session"].as_str()) {
            (Some(0), Some(s)) if !s.is_empty() => {
                self.session = Some(s.to_owned());
                Ok(s.to_owned())
            }
            (code, _) => Err(Failure(format!(
                "sign-in refused (error_code {})",
                code.map_or("?".into(), |c| c.to_string())
            ))),
        }
    }

    /// Sends `body` with the session; when the portal answers an error, signs in again once (the
    /// session may have expired) and repeats the same call.
    fn call(&mut self, mut body: Value, key: &str) -> Result<(), Failure> {
        let mut renewed = false;
        loop {
            let session = match self.session.clone() {
                Some(s) => s,
                None => {
                    renewed = true;
                    self.sign_in()?
                }
            };
            body["session"] = Value::String(session);
            let answer = self.post(&self.config.integration_endpoint, &body, Some(key))?;
            match answer["error_code"].as_i64() {
                Some(0) => return Ok(()),
                code if !renewed => {
                    // Possibly an expired session: forget it and try once more with a new one.
                    tracing::info!(error_code = ?code, "dvcqg: renewing the session");
                    self.session = None;
                }
                code => {
                    let what: String = answer["message"]
                        .as_str()
                        .unwrap_or("")
                        .chars()
                        .take(200)
                        .collect();
                    return Err(Failure(format!(
                        "portal error_code {}: {what}",
                        code.map_or("?".into(), |c| c.to_string())
                    )));
                }
            }
        }
    }
}

impl Connector for Dvcqg {
    fn name(&self) -> &'static str {
        motcua_store::outbox::DVCQG
    }

    fn deliver(&mut self, d: &Delivery<'_>) -> Result<(), Undelivered> {
        let body = message_body(d, &self.config.agency)?;
        Ok(self.call(body, &d.message.idempotency_key)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_domain::dossier::Status;

    #[test]
    fn the_shipped_status_map_names_a_portal_code_for_every_state_and_every_planned_event() {
        let map = status_map();
        assert!(map.source.contains_key("document"));
        for n in 1..=10 {
            assert!(map.codes.contains_key(&n.to_string()), "code {n}");
        }
        for s in Status::ALL {
            let c = map.by_status.get(s.as_str()).copied();
            assert!(matches!(c, Some(1..=10)), "{s:?}");
        }
        for c in map.by_event.values() {
            assert!((1..=10).contains(c));
        }
    }

    #[test]
    fn portal_times_are_vietnam_local_time_without_separators() {
        let t = chrono::DateTime::parse_from_rfc3339("2025-07-01T01:02:03Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(portal_time(t), "20250701080203");
        let late = chrono::DateTime::parse_from_rfc3339("2025-12-31T20:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(portal_time(late), "20260101030000");
    }

    #[test]
    fn the_configuration_names_every_missing_key_and_hides_its_secrets() {
        let c = DvcqgConfig {
            adapter_url: "ftp://u:p@x".into(),
            password: "hunter2".into(),
            inbound_token: Some("tok-secret".into()),
            ..Default::default()
        };
        let p = c.problems().join("\n");
        for key in [
            "auth_endpoint",
            "integration_endpoint",
            "username",
            "agency",
        ] {
            assert!(p.contains(key), "{key}: {p}");
        }
        assert!(p.contains("http://"));
        assert!(p.contains("credentials"));
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("tok-secret"));
    }
}
