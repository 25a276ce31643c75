//! A local double of the configured payment gateway, served only when `[payment] double` is set
//! (the demo and tests); no money moves.
//!
//! - VNPay (`/cong-thanh-toan-thu`): it checks the request's signature as VNPay does, lets the
//!   person pay or cancel, calls motcua's IPN over loopback with a signed notification
//!   (`vnp_ResponseCode` 00 and `vnp_TransactionStatus` 00 when paid, 24 and 02 when cancelled),
//!   then sends the person back to `vnp_ReturnUrl` with the same signed parameters.
//! - The national portal's platform (`/cong-thanh-toan-thu/dvcqg`): `POST .../khoi-tao` takes the
//!   JSON request, checks its `MaXacThuc` and partner code, and answers `MaLoi` 00 with an
//!   `UrlThanhToan` to its own page (the query signed by the double, so the page can trust it);
//!   paying or cancelling there POSTs the signed JSON notification (`MaLoi` 00, or 24 when
//!   cancelled) to motcua's IPN over loopback, then sends the person back to
//!   `{public_url}/thanh-toan/ket-qua` with `data`, `responseCode` and `secureCode`.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::dvcqg::{self, field};
use super::gateway::{GatewayKind, PaymentConfig, hash_data, signature_ok, signed_query, vnp_time};
use crate::app::{AppState, blocking};
use crate::http::page::render;
use crate::http::{ApiError, FormOf, PageError};
use crate::i18n::filters;

fn params_of(q: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn get<'a>(p: &'a [(String, String)], k: &str) -> &'a str {
    p.iter()
        .find(|(n, _)| n == k)
        .map_or("", |(_, v)| v.as_str())
}

/// The configuration of a gateway of `kind` (the double plays only the configured one).
fn configured(app: &AppState, kind: GatewayKind) -> Result<PaymentConfig, ApiError> {
    app.settings
        .payment
        .clone()
        .filter(|c| c.kind == kind && !c.secret.is_empty())
        .ok_or_else(|| {
            ApiError::not_found(
                "Chưa cấu hình thanh toán trực tuyến",
                "Online payment is not configured",
            )
        })
}

/// The request's parameters when its signature checks with the merchant's secret.
fn checked(app: &AppState, q: &str) -> Result<(Vec<(String, String)>, String), ApiError> {
    let c = configured(app, GatewayKind::VnPay)?;
    let p = params_of(q);
    if !signature_ok(&c.secret, &hash_data(&p), get(&p, "vnp_SecureHash"))
        || get(&p, "vnp_TmnCode") != c.merchant
    {
        return Err(ApiError::invalid(
            "vnp_SecureHash",
            "chữ ký yêu cầu thanh toán không hợp lệ",
            "the payment request's signature does not check",
        ));
    }
    Ok((p, c.secret.clone()))
}

#[derive(askama::Template)]
#[template(path = "payment/double.html")]
struct DoublePage {
    /// Where the page's form posts.
    action: &'static str,
    query: String,
    merchant: String,
    reference: String,
    amount: String,
    description: String,
}

/// GET /cong-thanh-toan-thu?vnp_...
pub async fn page(
    State(app): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let q = q.unwrap_or_default();
    let (p, _) = checked(&app, &q)?;
    let amount = get(&p, "vnp_Amount").parse::<i64>().unwrap_or(0) / 100;
    Ok(render(&DoublePage {
        action: "/cong-thanh-toan-thu",
        merchant: get(&p, "vnp_TmnCode").to_owned(),
        reference: get(&p, "vnp_TxnRef").to_owned(),
        amount: super::service::dong(amount),
        description: get(&p, "vnp_OrderInfo").to_owned(),
        query: q,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct Decision {
    query: String,
    decision: String,
}

/// POST /cong-thanh-toan-thu: pay or cancel; the IPN, then back to the return URL.
pub async fn decide(
    State(app): State<AppState>,
    FormOf(f): FormOf<Decision>,
) -> Result<Response, PageError> {
    let (p, secret) = checked(&app, &f.query)?;
    let paid = f.decision == "pay";
    let transaction = format!("{:08}", rand::random::<u32>() % 100_000_000);
    let mut n: Vec<(String, String)> = [
        ("vnp_Amount", get(&p, "vnp_Amount").to_owned()),
        ("vnp_BankCode", "NCB".to_owned()),
        ("vnp_BankTranNo", format!("VNP{transaction}")),
        ("vnp_CardType", "ATM".to_owned()),
        ("vnp_OrderInfo", get(&p, "vnp_OrderInfo").to_owned()),
        ("vnp_PayDate", vnp_time(Utc::now())),
        (
            "vnp_ResponseCode",
            if paid { "00" } else { "24" }.to_owned(),
        ),
        ("vnp_TmnCode", get(&p, "vnp_TmnCode").to_owned()),
        ("vnp_TransactionNo", transaction),
        (
            "vnp_TransactionStatus",
            if paid { "00" } else { "02" }.to_owned(),
        ),
        ("vnp_TxnRef", get(&p, "vnp_TxnRef").to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    n.retain(|(_, v)| !v.is_empty());
    let query = signed_query(&secret, &n);
    let ipn = format!(
        "{}/api/v1/payments/vnpay/ipn?{query}",
        app.settings.public_url.trim_end_matches('/')
    );
    // The gateway's server calls motcua's IPN; what it answers is the gateway's business.
    let _answer = blocking(move || {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(10)))
            .build()
            .new_agent();
        match agent.get(&ipn).call() {
            Ok(mut r) => Ok(r.body_mut().read_to_string().unwrap_or_default()),
            Err(_) => Ok(String::new()),
        }
    })
    .await;
    let back = get(&p, "vnp_ReturnUrl");
    let sep = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{sep}{query}")).into_response())
}

/// The fields of the double's own payment address, signed by it (so its page trusts them).
const PAGE_FIELDS: [&str; 5] = [
    field::PARTNER,
    field::REFERENCE,
    field::AMOUNT,
    field::DESCRIPTION,
    field::TIME,
];

fn page_sum(p: &[(String, String)], secret: &str) -> String {
    let m: serde_json::Map<String, serde_json::Value> = p
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    dvcqg::checksum(&m, &PAGE_FIELDS, &format!("double-page|{secret}"))
}

/// POST /cong-thanh-toan-thu/dvcqg/khoi-tao: the platform takes a request (JSON) and answers
/// where to send the payer.
pub async fn dvcqg_open(
    State(app): State<AppState>,
    body: axum::body::Bytes,
) -> axum::Json<serde_json::Value> {
    let refuse = |code: &str, text: &str| {
        axum::Json(serde_json::json!({ field::ERROR: code, field::ERROR_TEXT: text }))
    };
    let Ok(c) = configured(&app, GatewayKind::Dvcqg) else {
        return refuse("99", "Chưa cấu hình");
    };
    let Ok(serde_json::Value::Object(m)) = serde_json::from_slice::<serde_json::Value>(&body)
    else {
        return refuse("99", "Dữ liệu không hợp lệ");
    };
    let given = dvcqg::text_of(m.get(field::CHECKSUM));
    if !dvcqg::same_checksum(&dvcqg::checksum(&m, &dvcqg::INIT_SIGNED, &c.secret), &given)
        || dvcqg::text_of(m.get(field::PARTNER)) != c.merchant
    {
        return refuse("97", "Sai mã xác thực");
    }
    let mut p: Vec<(String, String)> = PAGE_FIELDS
        .iter()
        .map(|f| ((*f).to_owned(), dvcqg::text_of(m.get(*f))))
        .collect();
    let sum = page_sum(&p, &c.secret);
    p.push((field::CHECKSUM.to_owned(), sum));
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(p.iter())
        .finish();
    axum::Json(serde_json::json!({
        field::ERROR: dvcqg::SUCCESS,
        field::ERROR_TEXT: "Thành công",
        field::REFERENCE: dvcqg::text_of(m.get(field::REFERENCE)),
        field::PAY_URL: format!(
            "{}/cong-thanh-toan-thu/dvcqg?{query}",
            app.settings.public_url.trim_end_matches('/')
        ),
    }))
}

/// The double's payment address, when its signature checks.
fn dvcqg_checked(
    app: &AppState,
    q: &str,
) -> Result<(Vec<(String, String)>, PaymentConfig), ApiError> {
    let c = configured(app, GatewayKind::Dvcqg)?;
    let p = params_of(q);
    if !dvcqg::same_checksum(&page_sum(&p, &c.secret), get(&p, field::CHECKSUM)) {
        return Err(ApiError::invalid(
            field::CHECKSUM,
            "chữ ký yêu cầu thanh toán không hợp lệ",
            "the payment request's signature does not check",
        ));
    }
    Ok((p, c))
}

/// GET /cong-thanh-toan-thu/dvcqg?...
pub async fn dvcqg_page(
    State(app): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let q = q.unwrap_or_default();
    let (p, _) = dvcqg_checked(&app, &q)?;
    Ok(render(&DoublePage {
        action: "/cong-thanh-toan-thu/dvcqg",
        merchant: get(&p, field::PARTNER).to_owned(),
        reference: get(&p, field::REFERENCE).to_owned(),
        amount: super::service::dong(get(&p, field::AMOUNT).parse::<i64>().unwrap_or(0)),
        description: get(&p, field::DESCRIPTION).to_owned(),
        query: q,
    })?
    .into_response())
}

/// POST /cong-thanh-toan-thu/dvcqg: pay or cancel; the notification, then back to motcua.
pub async fn dvcqg_decide(
    State(app): State<AppState>,
    FormOf(f): FormOf<Decision>,
) -> Result<Response, PageError> {
    let (p, c) = dvcqg_checked(&app, &f.query)?;
    let code = if f.decision == "pay" {
        dvcqg::SUCCESS
    } else {
        "24"
    };
    let transaction = format!("PG{:010}", rand::random::<u32>());
    let mut n = serde_json::Map::new();
    for (k, v) in [
        (field::MESSAGE_TYPE, "2"),
        (field::ERROR, code),
        (field::PARTNER, get(&p, field::PARTNER)),
        (field::REFERENCE, get(&p, field::REFERENCE)),
        (field::CURRENCY, "704"),
        (field::TRANSACTION, &transaction),
        (field::BANK, "NCB"),
        (field::TIME, &dvcqg::time(Utc::now())),
        (field::DESCRIPTION, get(&p, field::DESCRIPTION)),
    ] {
        n.insert(k.to_owned(), serde_json::Value::from(v));
    }
    // The amount as a number, as the platform sends it.
    n.insert(
        field::AMOUNT.to_owned(),
        serde_json::Value::from(get(&p, field::AMOUNT).parse::<i64>().unwrap_or(0)),
    );
    let sum = dvcqg::checksum(&n, &dvcqg::NOTIFY_SIGNED, &c.secret);
    n.insert(field::CHECKSUM.to_owned(), sum.into());
    let base = app.settings.public_url.trim_end_matches('/').to_owned();
    let ipn = format!("{base}/api/v1/payments/dvcqg/ipn");
    let body = serde_json::Value::Object(n);
    // The platform's server calls motcua's notification address; its answer is its business.
    let _answer = blocking(move || {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(10)))
            .build()
            .new_agent();
        match agent.post(&ipn).send_json(&body) {
            Ok(mut r) => Ok(r.body_mut().read_to_string().unwrap_or_default()),
            Err(_) => Ok(String::new()),
        }
    })
    .await;
    let reference = get(&p, field::REFERENCE);
    let secure = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        format!("{reference}|{code}|{}", c.secret).as_bytes(),
    ));
    let back = form_urlencoded::Serializer::new(String::new())
        .append_pair(field::RETURN_REFERENCE, reference)
        .append_pair(field::RETURN_CODE, code)
        .append_pair(field::RETURN_CHECK, &secure)
        .finish();
    Ok(Redirect::to(&format!("{base}/thanh-toan/ket-qua?{back}")).into_response())
}
