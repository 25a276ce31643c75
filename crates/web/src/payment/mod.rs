//! Fees and payments on the web (issue 15, item 4).
//!
//! - `GET /api/v1/payments/vnpay/ipn`: the VNPay gateway's server-to-server notification (IPN).
//!   The signature, then the reference, the amount and the request's state are checked, in that
//!   order, and answered with VNPay's codes: 97 bad signature, 01 unknown reference, 04 wrong
//!   amount, 02 already answered, 00 recorded, 99 anything else. Only a 00 changes anything; the
//!   same notification twice answers 02 and changes nothing.
//! - `POST /api/v1/payments/dvcqg/ipn`: the same for the national portal's payment platform
//!   (`[payment] kind = "dvcqg"`, `dvcqg.rs`): a JSON notification checked in the same order,
//!   answered in its shape (`MaLoi`, `MoTaLoi`, ...) with the codes of `dvcqg::ANSWERS`.
//! - `/tra-cuu/thanh-toan`: the applicant (by code and secret, as the lookup) sees what is owed and
//!   is sent to the gateway with a signed request; `/thanh-toan/ket-qua` is where the gateway
//!   sends the person back: it shows the state motcua recorded from the IPN and proves nothing.
//! - `/can-bo/doi-soat-thanh-toan` and `GET /api/v1/payments/reconciliation`: the payments of a day
//!   at the caller's units, totals per method, unanswered online requests; CSV too.
//! - `/cong-thanh-toan-thu`: a local double of the configured gateway (only with `[payment]
//!   double`): the payer confirms or cancels, the double calls the IPN over loopback, then sends
//!   the person back to the return address, both signed as the gateway signs them.

pub mod double;
pub mod dvcqg;
pub mod gateway;
pub mod service;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{NaiveDate, Utc};
use motcua_domain::authz::Action;
use motcua_domain::dossier::to_local;
use motcua_store::payments::{self, Confirmation, Notification, Reconciliation};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::app::{AppState, blocking, read_tx};
use crate::auth::{CurrentStaff, StaffPage, who};
use crate::http::format::when;
use crate::http::op::Op;
use crate::http::page::render;
use crate::http::{ApiError, ClientIp, FormOf, PageError, Params};
use crate::i18n::filters;
use gateway::{Gateway, Outcome, PayRequest, Refusal};
use service::dong;

/// The configured gateway, if any (all of url, merchant and secret set), of the configured kind.
pub fn gateway(app: &AppState) -> Option<Box<dyn Gateway>> {
    let c = app
        .settings
        .payment
        .as_ref()
        .filter(|c| !c.url.is_empty() && !c.merchant.is_empty() && !c.secret.is_empty())?;
    Some(match c.kind {
        gateway::GatewayKind::VnPay => Box::new(gateway::VnPay { config: c.clone() }),
        gateway::GatewayKind::Dvcqg => Box::new(dvcqg::DvcqgPay { config: c.clone() }),
    })
}

pub fn api() -> Vec<Op> {
    vec![
        Op::get("/payments/vnpay/ipn", "vnpayIpn", ipn)
            .tag("payments")
            .doc(
                "Thông báo kết quả thanh toán (IPN) / the payment gateway's notification",
                "Called by the gateway (VNPay 2.1.0 parameters `vnp_*` with `vnp_SecureHash`, HMAC-SHA512 of the sorted query). Always 200 with `{RspCode, Message}`: 97 bad signature, 01 unknown reference, 04 wrong amount, 02 already answered, 00 recorded, 99 malformed or not configured. Only 00 records anything (the payment on the dossier's log, resuming a dossier paused for it); a repeat answers 02 and changes nothing.",
            )
            .ok::<IpnAnswer>(200, "The answer in VNPay's codes"),
        Op::post("/payments/dvcqg/ipn", "dvcqgPaymentIpn", dvcqg_ipn)
            .tag("payments")
            .doc(
                "Kết quả thanh toán từ Nền tảng thanh toán của Cổng DVCQG / the national portal's payment platform's notification",
                "Called by the platform (`[payment] kind = \"dvcqg\"`): a JSON object with `LoaiBanTin`, `MaLoi`, `MaDoiTac`, `MaThamChieu`, `SoTien` (đồng), `MaTienTe`, `MaGiaoDich`, `MaNganHang`, `ThoiGianGD`, `ThongTinGiaoDich` and `MaXacThuc` (SHA-256 of those values joined by `|`, then `|` and the secret). Always 200 with `{MaLoi, MoTaLoi, MaDoiTac, MaThamChieu, ThoiGianGD, MaXacThuc}`: 97 bad checksum, 01 unknown reference, 04 wrong amount, 02 already answered, 00 recorded, 99 malformed or not configured. Only 00 records anything; a repeat answers 02 and changes nothing.",
            )
            .body::<DvcqgNotification>()
            .ok::<DvcqgAnswer>(200, "The answer in the platform's shape"),
        Op::get(
            "/payments/reconciliation",
            "paymentReconciliation",
            reconciliation_api,
        )
        .tag("payments")
        .doc(
            "Đối soát thanh toán theo ngày / the payments of a day",
            "Every fee paid on the day (Vietnam time) at the caller's units (the desk's and inspectors' scope, or one `unit` of it), with totals per method (cash, transfer, online) and the online requests of the day not (yet) confirmed by the gateway. `format=csv` gives a CSV file (UTF-8 with a byte-order mark).",
        )
        .staff()
        .query::<ReconciliationQuery>()
        .ok::<Reconciliation>(200, "The reconciliation")
        .problems(&[403, 422]),
    ]
}

pub fn pages(double: bool) -> Router<AppState> {
    let r = Router::new()
        .route("/tra-cuu/thanh-toan", get(pay_page).post(pay_start))
        .route("/thanh-toan/ket-qua", get(return_page))
        .route("/can-bo/doi-soat-thanh-toan", get(reconciliation_page));
    if double {
        r.route(
            "/cong-thanh-toan-thu",
            get(double::page).post(double::decide),
        )
        .route(
            "/cong-thanh-toan-thu/dvcqg",
            get(double::dvcqg_page).post(double::dvcqg_decide),
        )
        .route(
            "/cong-thanh-toan-thu/dvcqg/khoi-tao",
            axum::routing::post(double::dvcqg_open),
        )
    } else {
        r
    }
}

/// The IPN's answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IpnAnswer {
    #[serde(rename = "RspCode")]
    pub rsp_code: &'static str,
    #[serde(rename = "Message")]
    pub message: &'static str,
}

fn answer(code: &'static str, message: &'static str) -> axum::Json<IpnAnswer> {
    axum::Json(IpnAnswer {
        rsp_code: code,
        message,
    })
}

/// A notification of gateway `kind`, checked in order (signature, merchant and reference,
/// amount, the request's state) and recorded only when all pass: one transaction, the payment on
/// the dossier's log by the system. The same notification twice records once.
async fn notified(
    app: &AppState,
    kind: gateway::GatewayKind,
    params: &[(String, String)],
) -> Outcome {
    let Some(g) =
        gateway(app).filter(|_| app.settings.payment.as_ref().map(|c| c.kind) == Some(kind))
    else {
        return Outcome::Error;
    };
    let v = match g.verify(params) {
        Ok(v) => v,
        Err(Refusal::Signature) => return Outcome::Signature,
        Err(Refusal::Malformed) => return Outcome::Malformed,
    };
    if v.merchant != g.merchant() {
        return Outcome::NotFound;
    }
    let Some(amount) = v.amount else {
        return Outcome::InvalidAmount;
    };
    let n = Notification {
        gateway: g.id().to_owned(),
        reference: v.reference,
        amount,
        transaction: v.transaction,
        success: v.success,
        code: v.code,
    };
    let app2 = app.clone();
    let done = blocking(move || {
        let mut out = None;
        app2.store.write(|tx| {
            let cal = app2.calendar(tx)?;
            out = Some(payments::confirm(tx, &cal, &n, Utc::now())?);
            Ok(())
        })?;
        out.ok_or_else(|| ApiError::internal("no answer".into()))
    })
    .await;
    match done {
        Ok(Confirmation::Confirmed) => Outcome::Confirmed,
        Ok(Confirmation::NotFound) => Outcome::NotFound,
        Ok(Confirmation::AlreadyConfirmed) => Outcome::AlreadyConfirmed,
        Ok(Confirmation::InvalidAmount) => Outcome::InvalidAmount,
        Err(e) => {
            // No parameter values in the log: the reference alone is not personal, but kept out.
            tracing::warn!(status = %e.status, "payment notification failed");
            Outcome::Error
        }
    }
}

/// GET /api/v1/payments/vnpay/ipn
pub async fn ipn(State(app): State<AppState>, RawQuery(q): RawQuery) -> axum::Json<IpnAnswer> {
    let params: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    match notified(&app, gateway::GatewayKind::VnPay, &params).await {
        Outcome::Confirmed => answer("00", "Confirm Success"),
        Outcome::NotFound => answer("01", "Order not found"),
        Outcome::AlreadyConfirmed => answer("02", "Order already confirmed"),
        Outcome::InvalidAmount => answer("04", "Invalid amount"),
        Outcome::Signature => answer("97", "Invalid Checksum"),
        Outcome::Malformed => answer("99", "Invalid request"),
        Outcome::Error => answer("99", "Unknown error"),
    }
}

/// The platform's notification, as the OpenAPI document describes it (the handler reads the raw
/// body: every field is part of the checksum as sent).
#[derive(Deserialize, JsonSchema)]
#[allow(non_snake_case, dead_code)]
pub struct DvcqgNotification {
    pub LoaiBanTin: Option<String>,
    pub MaLoi: Option<String>,
    pub MaDoiTac: Option<String>,
    pub MaThamChieu: Option<String>,
    /// In đồng (a number or its text).
    pub SoTien: Option<serde_json::Value>,
    pub MaTienTe: Option<String>,
    pub MaGiaoDich: Option<String>,
    pub MaNganHang: Option<String>,
    pub ThoiGianGD: Option<String>,
    pub ThongTinGiaoDich: Option<String>,
    pub MaXacThuc: Option<String>,
}

/// motcua's answer to the platform.
#[derive(Debug, Serialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct DvcqgAnswer {
    pub MaLoi: &'static str,
    pub MoTaLoi: &'static str,
    pub MaDoiTac: String,
    pub MaThamChieu: String,
    pub ThoiGianGD: String,
    pub MaXacThuc: String,
}

/// POST /api/v1/payments/dvcqg/ipn
pub async fn dvcqg_ipn(
    State(app): State<AppState>,
    body: axum::body::Bytes,
) -> axum::Json<DvcqgAnswer> {
    let params = dvcqg::params_of(&body);
    let outcome = match &params {
        Some(p) => notified(&app, gateway::GatewayKind::Dvcqg, p).await,
        None => Outcome::Malformed,
    };
    let get = |k: &str| {
        params
            .as_ref()
            .and_then(|p| p.iter().find(|(n, _)| n == k))
            .map(|(_, v)| v.chars().take(128).collect())
            .unwrap_or_default()
    };
    let (code, text) = dvcqg::answer_code(outcome);
    axum::Json(DvcqgAnswer {
        MaLoi: code,
        MoTaLoi: text,
        MaDoiTac: get(dvcqg::field::PARTNER),
        MaThamChieu: get(dvcqg::field::REFERENCE),
        ThoiGianGD: get(dvcqg::field::TIME),
        MaXacThuc: get(dvcqg::field::CHECKSUM),
    })
}

#[derive(Deserialize)]
pub struct PayQuery {
    code: Option<String>,
    secret: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "payment/pay.html")]
struct PayPage {
    code: String,
    secret: String,
    shown_code: String,
    found: bool,
    lines: Vec<(String, String, String)>,
    total: String,
    paid: String,
    balance: String,
    owes: bool,
    online: bool,
    pending: bool,
    error: String,
}

struct Owed {
    id: i64,
    shown_code: String,
    fees: Option<motcua_domain::payment::Fees>,
    pending: bool,
}

fn owed(
    tx: &mut dyn motcua_store::db::Tx,
    code: &str,
    secret: &str,
) -> Result<Option<Owed>, motcua_store::StoreError> {
    let Some(found) = crate::public::service::lookup_public(tx, code, secret)? else {
        return Ok(None);
    };
    let d = motcua_store::dossiers::load_sealed(tx, found.id)?;
    let pending = payments::has_pending_request(tx, found.id)?;
    Ok(Some(Owed {
        id: found.id,
        shown_code: motcua_domain::dossier::shown_code(d.code.as_deref(), found.id),
        fees: d.fees,
        pending,
    }))
}

fn pay_view(code: String, secret: String, o: Option<Owed>, online: bool) -> PayPage {
    let mut p = PayPage {
        code,
        secret,
        shown_code: String::new(),
        found: false,
        lines: vec![],
        total: String::new(),
        paid: String::new(),
        balance: String::new(),
        owes: false,
        online,
        pending: false,
        error: String::new(),
    };
    if let Some(o) = o {
        p.found = true;
        p.shown_code = o.shown_code;
        p.pending = o.pending;
        if let Some(f) = o.fees {
            p.lines = f
                .assessment
                .lines
                .iter()
                .map(|l| {
                    (
                        l.name.clone(),
                        dong(l.amount),
                        l.exempt.clone().unwrap_or_default(),
                    )
                })
                .collect();
            p.total = dong(f.assessment.total);
            p.paid = dong(f.paid());
            p.balance = dong(f.balance());
            p.owes = f.balance() > 0;
        }
    }
    p
}

/// GET /tra-cuu/thanh-toan?code=&secret=: what the dossier owes, and the online payment button.
pub async fn pay_page(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Params(q): Params<PayQuery>,
) -> Result<Response, PageError> {
    let code: String = q.code.unwrap_or_default().trim().chars().take(80).collect();
    let secret: String = q
        .secret
        .unwrap_or_default()
        .trim()
        .chars()
        .take(20)
        .collect();
    let online = gateway(&app).is_some();
    if code.is_empty() {
        return Ok(render(&pay_view(code, secret, None, online))?.into_response());
    }
    if !app.public_limiter.allow(ip) {
        return Err(crate::http::rate_limited().into());
    }
    let (c, s) = (code.clone(), secret.clone());
    let found = read_tx(&app, move |tx| Ok(owed(tx, &c, &s)?)).await?;
    let status = if found.is_some() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::NOT_FOUND
    };
    let mut page = pay_view(code, secret, found, online);
    if !page.found {
        page.error = crate::i18n::t("Không tìm thấy hồ sơ với mã và mã bí mật này").to_owned();
    }
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct PayForm {
    code: String,
    secret: String,
}

/// POST /tra-cuu/thanh-toan: a payment request for what is owed, and off to the gateway.
pub async fn pay_start(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    FormOf(f): FormOf<PayForm>,
) -> Result<Response, PageError> {
    if !app.public_limiter.allow(ip) {
        return Err(crate::http::rate_limited().into());
    }
    let Some(g) = gateway(&app) else {
        return Err(ApiError::not_found(
            "Chưa cấu hình thanh toán trực tuyến",
            "Online payment is not configured",
        )
        .into());
    };
    let (code, secret) = (
        f.code.trim().chars().take(80).collect::<String>(),
        f.secret.trim().chars().take(20).collect::<String>(),
    );
    let app2 = app.clone();
    let gid = g.id();
    let request = blocking(move || {
        let mut out = None;
        app2.store.write(|tx| {
            let Some(o) = owed(tx, &code, &secret)? else {
                return Ok(());
            };
            let lines: Vec<(String, i64)> = o
                .fees
                .iter()
                .flat_map(|f| f.assessment.lines.iter())
                .filter(|l| l.amount > 0)
                .map(|l| (l.name.clone(), l.amount))
                .collect();
            out = Some((
                payments::create_request(tx, o.id, gid, Utc::now())?,
                o.shown_code,
                lines,
            ));
            Ok(())
        })?;
        out.ok_or_else(crate::public::service::not_found)
    })
    .await?;
    let (r, shown, lines) = request;
    let base = app.settings.public_url.trim_end_matches('/').to_owned();
    let ip = ip.to_string();
    // The portal's platform is asked first, server to server: off the async threads.
    let url = blocking(move || {
        g.start(&PayRequest {
            reference: &r.reference,
            dossier: &shown,
            amount: r.amount,
            lines: &lines,
            description: &format!(
                "Nop phi le phi ho so {}",
                motcua_domain::text::fold_vi(&shown).to_uppercase()
            ),
            return_url: &format!("{base}/thanh-toan/ket-qua"),
            ip: &ip,
            now: r.created_at,
        })
        .map_err(|e| {
            tracing::warn!(error = %e, "payment request refused");
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "payment-unavailable",
                "Cổng thanh toán chưa nhận yêu cầu; xin thử lại sau ít phút hoặc nộp tại Bộ phận Một cửa",
                "The payment gateway did not take the request; try again in a few minutes or pay at the desk",
            )
        })
    })
    .await?;
    Ok(Redirect::to(&url).into_response())
}

#[derive(askama::Template)]
#[template(path = "payment/result.html")]
struct ResultPage {
    /// What motcua recorded: paid, pending, failed or unknown.
    state: &'static str,
    amount: String,
    reference: String,
}

/// GET /thanh-toan/ket-qua: where the gateway sends the person back. It shows what motcua
/// recorded from the gateway's notification (the parameters here prove nothing).
pub async fn return_page(
    State(app): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, PageError> {
    let params: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let keys = gateway(&app).map_or(&[][..], |g| g.return_reference());
    let reference: String = params
        .iter()
        .find(|(k, _)| keys.contains(&k.as_str()))
        .map(|(_, v)| v.chars().take(64).collect())
        .unwrap_or_default();
    let r = reference.clone();
    let found = read_tx(&app, move |tx| Ok(payments::request(tx, &r)?)).await?;
    let (state, amount) = match &found {
        Some(r) if r.status == "paid" => ("paid", dong(r.amount)),
        Some(r) if r.status == "failed" => ("failed", dong(r.amount)),
        Some(r) => ("pending", dong(r.amount)),
        None => ("unknown", String::new()),
    };
    render(&ResultPage {
        state,
        amount,
        reference: if found.is_some() {
            reference
        } else {
            String::new()
        },
    })
}

#[derive(Deserialize, JsonSchema)]
pub struct ReconciliationQuery {
    /// The day, YYYY-MM-DD (Vietnam time); default today.
    pub day: Option<String>,
    /// One unit of the caller's scope; default all of it.
    pub unit: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

fn parse_day(s: Option<&str>) -> Result<NaiveDate, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(to_local(Utc::now()).date()),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            ApiError::invalid("day", "ngày cần dạng YYYY-MM-DD", "day must be YYYY-MM-DD")
        }),
    }
}

async fn reconcile(
    app: &AppState,
    staff: motcua_domain::org::Staff,
    day: NaiveDate,
    unit: Option<String>,
) -> Result<Reconciliation, ApiError> {
    read_tx(app, move |tx| {
        let mut units = crate::access::scope(tx, &staff, Action::Desk)?;
        units.extend(crate::access::scope(tx, &staff, Action::Inspect)?);
        units.sort();
        units.dedup();
        if units.is_empty() {
            return Err(ApiError::forbidden());
        }
        if let Some(u) = unit.filter(|u| !u.trim().is_empty()) {
            if !units.contains(&u) {
                return Err(ApiError::forbidden());
            }
            units = vec![u];
        }
        Ok(payments::reconciliation(tx, &units, day)?)
    })
    .await
}

/// The reconciliation as CSV (UTF-8 with a byte-order mark, for spreadsheets).
pub fn csv(r: &Reconciliation) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("\u{feff}");
    out.push_str("Thời điểm nộp,Mã hồ sơ,Đơn vị,Thủ tục,Hình thức,Số tiền (đồng),Biên lai điện tử,Cổng thanh toán,Mã tham chiếu,Mã giao dịch\r\n");
    for p in &r.payments {
        let row = [
            q(&to_local(p.paid_at).format("%Y-%m-%d %H:%M:%S").to_string()),
            q(p.dossier_code.as_deref().unwrap_or("")),
            q(&p.unit),
            q(&p.procedure_code),
            q(&p.method),
            p.amount.to_string(),
            q(p.receipt.as_deref().unwrap_or("")),
            q(p.gateway.as_deref().unwrap_or("")),
            q(p.reference.as_deref().unwrap_or("")),
            q(p.transaction.as_deref().unwrap_or("")),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_response(r: &Reconciliation) -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"doi-soat-{}.csv\"", r.day),
            ),
        ],
        csv(r),
    )
        .into_response()
}

/// GET /api/v1/payments/reconciliation
pub async fn reconciliation_api(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Params(q): Params<ReconciliationQuery>,
) -> Result<Response, ApiError> {
    let day = parse_day(q.day.as_deref())?;
    let r = reconcile(&app, staff, day, q.unit).await?;
    Ok(match q.format.as_deref() {
        Some("csv") => csv_response(&r),
        None | Some("json") => axum::Json(r).into_response(),
        Some(_) => {
            return Err(ApiError::invalid(
                "format",
                "định dạng phải là json hoặc csv",
                "format must be json or csv",
            ));
        }
    })
}

#[derive(Deserialize)]
pub struct ReconciliationPageQuery {
    ngay: Option<String>,
    don_vi: Option<String>,
    dinh_dang: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "payment/reconciliation.html")]
struct ReconciliationPage {
    who: String,
    day: String,
    unit: String,
    rows: Vec<[String; 8]>,
    totals: Vec<(&'static str, i64, String)>,
    total: String,
    unanswered: Vec<[String; 4]>,
}

/// GET /can-bo/doi-soat-thanh-toan?ngay=&don_vi=&dinh_dang=csv
pub async fn reconciliation_page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<ReconciliationPageQuery>,
) -> Result<Response, PageError> {
    let who = who(&staff);
    let day = parse_day(q.ngay.as_deref())?;
    let unit = q.don_vi.clone().unwrap_or_default();
    let r = reconcile(&app, staff, day, q.don_vi).await?;
    if q.dinh_dang.as_deref() == Some("csv") {
        return Ok(csv_response(&r));
    }
    let method = |m: &str| match motcua_domain::payment::PaymentMethod::parse(m) {
        Some(m) => m.label_vi(),
        None => "",
    };
    let page = ReconciliationPage {
        who,
        day: day.to_string(),
        unit,
        rows: r
            .payments
            .iter()
            .map(|p| {
                [
                    when(Some(p.paid_at)),
                    p.dossier_code.clone().unwrap_or_default(),
                    p.dossier_id.to_string(),
                    p.procedure_code.clone(),
                    crate::i18n::t(method(&p.method)).to_owned(),
                    dong(p.amount),
                    p.receipt.clone().unwrap_or_default(),
                    [p.reference.as_deref(), p.transaction.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" / "),
                ]
            })
            .collect(),
        totals: r
            .totals
            .iter()
            .map(|(m, (n, a))| (method(m), *n, dong(*a)))
            .collect(),
        total: dong(r.total),
        unanswered: r
            .unanswered_requests
            .iter()
            .map(|u| {
                [
                    when(Some(u.created_at)),
                    u.reference.clone(),
                    dong(u.amount),
                    u.status.clone(),
                ]
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}
