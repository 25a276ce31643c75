//! A local double of the VNPay gateway, served only when `[payment] double` is set (the demo): it
//! checks the request's signature as VNPay does, lets the person pay or cancel, calls motcua's IPN
//! over loopback with a signed notification (`vnp_ResponseCode` 00 and `vnp_TransactionStatus`
//! 00 when paid, 24 and 02 when cancelled), then sends the person back to `vnp_ReturnUrl` with the
//! same signed parameters. No money moves.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::gateway::{hash_data, signature_ok, signed_query, vnp_time};
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

/// The request's parameters when its signature checks with the merchant's secret.
fn checked(app: &AppState, q: &str) -> Result<(Vec<(String, String)>, String), ApiError> {
    let g = super::gateway(app).ok_or_else(|| {
        ApiError::not_found(
            "Chưa cấu hình thanh toán trực tuyến",
            "Online payment is not configured",
        )
    })?;
    let p = params_of(q);
    if !signature_ok(&g.config.secret, &hash_data(&p), get(&p, "vnp_SecureHash"))
        || get(&p, "vnp_TmnCode") != g.config.merchant
    {
        return Err(ApiError::invalid(
            "vnp_SecureHash",
            "chữ ký yêu cầu thanh toán không hợp lệ",
            "the payment request's signature does not check",
        ));
    }
    Ok((p, g.config.secret.clone()))
}

#[derive(askama::Template)]
#[template(path = "payment/double.html")]
struct DoublePage {
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
