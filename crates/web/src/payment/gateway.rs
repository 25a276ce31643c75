//! Payment gateways behind one interface (`Gateway`): where to send the payer for a request, and
//! the verification of the gateway's server-to-server notification (IPN). `VnPay` speaks the VNPay
//! 2.1.0 protocol (`vnp_Version=2.1.0`, parameters sorted by name, the query string signed with
//! HMAC-SHA512 of the merchant's secret in `vnp_SecureHash`, the amount times 100, times as
//! `yyyyMMddHHmmss` in Vietnam's time); `dvcqg::DvcqgPay` speaks the national portal's payment
//! platform (a signed JSON request server to server that answers the payment address, a signed
//! JSON notification). `[payment] kind` chooses one (`payment::gateway`). The gateway double in
//! `double.rs` plays either side for the demo and tests.

use chrono::TimeDelta;
use hmac::{Hmac, Mac};
use motcua_domain::dossier::{Instant, to_local};
use sha2::Sha512;

pub use crate::app::{GatewayKind, PaymentConfig};

/// A payment request as motcua makes it.
pub struct PayRequest<'a> {
    pub reference: &'a str,
    /// The dossier's code (or online reference) the fees are for.
    pub dossier: &'a str,
    /// In đồng.
    pub amount: i64,
    /// The fee lines owed: (name, amount in đồng).
    pub lines: &'a [(String, i64)],
    /// ASCII only (VNPay mangles marks in `vnp_OrderInfo`).
    pub description: &'a str,
    pub return_url: &'a str,
    pub ip: &'a str,
    pub now: Instant,
}

/// A notification whose signature checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub reference: String,
    /// In đồng (the gateway's figure divided by 100), None when it is not a whole number of đồng.
    pub amount: Option<i64>,
    pub transaction: String,
    pub success: bool,
    pub code: String,
    pub merchant: String,
}

/// Why a notification was refused before looking at the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The signature does not match (VNPay 97).
    Signature,
    /// Parameters missing or malformed (VNPay 99).
    Malformed,
}

/// What motcua made of a notification, which each gateway answers in its own codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Recorded (the first time).
    Confirmed,
    /// Not a reference motcua issued to this gateway and merchant.
    NotFound,
    /// Answered before: nothing more recorded.
    AlreadyConfirmed,
    /// Another amount than requested.
    InvalidAmount,
    Signature,
    Malformed,
    /// Not configured, or the store failed.
    Error,
}

/// A payment gateway.
pub trait Gateway: Send + Sync {
    /// Its id, recorded with each payment and request (`vnpay`, `dvcqg`).
    fn id(&self) -> &'static str;
    /// The merchant's code as notifications carry it.
    fn merchant(&self) -> &str;
    /// Where to send the payer (the platform may be asked first, server to server); the error is
    /// for the log (no secret, no personal data).
    fn start(&self, r: &PayRequest) -> Result<String, String>;
    /// Checks a notification's signature and reads it.
    fn verify(&self, params: &[(String, String)]) -> Result<Verified, Refusal>;
    /// The parameter that names the request on the address the payer comes back to.
    fn return_reference(&self) -> &'static [&'static str];
}

/// VNPay 2.1.0.
pub struct VnPay {
    pub config: PaymentConfig,
}

/// `yyyyMMddHHmmss` in Vietnam's time.
pub fn vnp_time(t: Instant) -> String {
    to_local(t).format("%Y%m%d%H%M%S").to_string()
}

/// URL-encodes as VNPay's reference code does (PHP `urlencode`, Java `URLEncoder`): letters,
/// digits and `-_.` as they are, space as `+`, every other byte as `%XX`.
pub fn vnp_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The signed data: the `vnp_` parameters but the hash itself, sorted by name, encoded, joined.
pub fn hash_data(params: &[(String, String)]) -> String {
    let mut p: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| {
            k.starts_with("vnp_")
                && k != "vnp_SecureHash"
                && k != "vnp_SecureHashType"
                && !v.is_empty()
        })
        .collect();
    p.sort_by(|a, b| a.0.cmp(&b.0));
    p.iter()
        .map(|(k, v)| format!("{}={}", vnp_encode(k), vnp_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// HMAC-SHA512 of `data` with `secret`, in lower-case hex.
pub fn sign(secret: &str, data: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha512>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(data.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `hash` (hex, any case) is the signature of `data`, compared in constant time.
pub fn signature_ok(secret: &str, data: &str, hash: &str) -> bool {
    let Ok(given) = hex::decode(hash.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha512>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(data.as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// Parameters with their signature appended, as a query string.
pub fn signed_query(secret: &str, params: &[(String, String)]) -> String {
    let data = hash_data(params);
    format!("{data}&vnp_SecureHash={}", sign(secret, &data))
}

impl VnPay {
    /// The signed address of the payment page.
    pub fn payment_url(&self, r: &PayRequest) -> String {
        let p = |k: &str, v: String| (k.to_owned(), v);
        let params = vec![
            p("vnp_Version", "2.1.0".into()),
            p("vnp_Command", "pay".into()),
            p("vnp_TmnCode", self.config.merchant.clone()),
            p("vnp_Amount", (r.amount * 100).to_string()),
            p("vnp_CurrCode", "VND".into()),
            p("vnp_TxnRef", r.reference.into()),
            p("vnp_OrderInfo", r.description.into()),
            p("vnp_OrderType", "other".into()),
            p("vnp_Locale", "vn".into()),
            p("vnp_ReturnUrl", r.return_url.into()),
            p("vnp_IpAddr", r.ip.into()),
            p("vnp_CreateDate", vnp_time(r.now)),
            p("vnp_ExpireDate", vnp_time(r.now + TimeDelta::minutes(15))),
        ];
        let sep = if self.config.url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{sep}{}",
            self.config.url,
            signed_query(&self.config.secret, &params)
        )
    }
}

impl Gateway for VnPay {
    fn id(&self) -> &'static str {
        "vnpay"
    }

    fn merchant(&self) -> &str {
        &self.config.merchant
    }

    fn start(&self, r: &PayRequest) -> Result<String, String> {
        Ok(self.payment_url(r))
    }

    fn return_reference(&self) -> &'static [&'static str] {
        &["vnp_TxnRef"]
    }

    fn verify(&self, params: &[(String, String)]) -> Result<Verified, Refusal> {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let hash = get("vnp_SecureHash").ok_or(Refusal::Signature)?;
        if !signature_ok(&self.config.secret, &hash_data(params), hash) {
            return Err(Refusal::Signature);
        }
        let need = |k: &str| get(k).filter(|v| !v.is_empty()).ok_or(Refusal::Malformed);
        let raw = need("vnp_Amount")?;
        let hundredths: i64 = raw
            .parse()
            .ok()
            .filter(|a| *a >= 0)
            .ok_or(Refusal::Malformed)?;
        let code = need("vnp_ResponseCode")?.to_owned();
        let status = get("vnp_TransactionStatus").unwrap_or("");
        Ok(Verified {
            reference: need("vnp_TxnRef")?.to_owned(),
            amount: (hundredths % 100 == 0).then_some(hundredths / 100),
            transaction: get("vnp_TransactionNo").unwrap_or("").to_owned(),
            success: code == "00" && status == "00",
            code,
            merchant: need("vnp_TmnCode")?.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_and_signature_follow_the_reference_code() {
        assert_eq!(vnp_encode("Thanh toan: 5/6"), "Thanh+toan%3A+5%2F6");
        assert_eq!(vnp_encode("a*b~"), "a%2Ab%7E");
        let params = vec![
            ("vnp_TxnRef".to_owned(), "5".to_owned()),
            ("vnp_Amount".to_owned(), "1806000".to_owned()),
            ("vnp_SecureHash".to_owned(), "x".to_owned()),
            ("other".to_owned(), "y".to_owned()),
        ];
        // Sorted, the hash and non-vnp_ parameters left out.
        assert_eq!(hash_data(&params), "vnp_Amount=1806000&vnp_TxnRef=5");
        // HMAC-SHA512 (RFC 4231 test case 2: key "Jefe").
        assert_eq!(
            sign("Jefe", "what do ya want for nothing?"),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
        let s = sign("k", "a=b");
        assert!(signature_ok("k", "a=b", &s.to_uppercase()));
        assert!(!signature_ok("k", "a=c", &s));
        assert!(!signature_ok("k", "a=b", "zz"));
    }

    #[test]
    fn a_payment_url_verifies_with_the_same_secret_only() {
        let g = VnPay {
            config: PaymentConfig {
                kind: GatewayKind::VnPay,
                url: "https://pay.example/vpcpay.html".into(),
                merchant: "DEMOV210".into(),
                secret: "SECRET".into(),
                double: false,
            },
        };
        let now = chrono::DateTime::parse_from_rfc3339("2025-08-01T08:33:33Z")
            .unwrap()
            .to_utc();
        let url = g.payment_url(&PayRequest {
            reference: "MC1T2",
            dossier: "000.31.00.H15-250801-0001",
            amount: 18_060,
            lines: &[],
            description: "Thanh toan ho so X",
            return_url: "http://127.0.0.1/thanh-toan/ket-qua",
            ip: "127.0.0.1",
            now,
        });
        let query = url.split_once('?').unwrap().1;
        let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| params.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get("vnp_Amount"), "1806000");
        assert_eq!(get("vnp_Version"), "2.1.0");
        assert_eq!(get("vnp_CreateDate"), "20250801153333");
        assert_eq!(get("vnp_ExpireDate"), "20250801154833");
        assert!(signature_ok(
            "SECRET",
            &hash_data(&params),
            &get("vnp_SecureHash")
        ));
        assert!(!signature_ok(
            "OTHER",
            &hash_data(&params),
            &get("vnp_SecureHash")
        ));
    }
}
