//! The national public-service portal's payment platform (Nền tảng thanh toán trực tuyến của Cổng
//! Dịch vụ công quốc gia; PayGov behind it) as a `Gateway`: `[payment] kind = "dvcqg"`, with the
//! same `url` (the platform's endpoint that opens a transaction), `merchant` (`MaDoiTac`, the
//! partner code the platform gives the province) and `secret` (the hash key).
//!
//! The exchange, as far as it is published:
//! 1. motcua POSTs a JSON request (`LoaiBanTin`, `PhienBan`, `MaDoiTac`, `MaThamChieu` the order
//!    reference, `SoTien` in đồng, `LoaiHinhThanhToan`, `MaKenhThanhToan`, `MaThietBi`,
//!    `NgonNgu`, `MaTienTe`, `MaNganHang`, `ThongTinGiaoDich`, `ThoiGianGD` as
//!    `yyyyMMddHHmmss`, `Ip`, `ThongTinBienLai` for the receipt) with `MaXacThuc`; the platform
//!    answers `MaLoi` (`00`: accepted) and `UrlThanhToan`, where the payer is sent.
//! 2. The platform POSTs the result as JSON (`LoaiBanTin`, `MaLoi`, `MaDoiTac`, `MaThamChieu`,
//!    `SoTien`, `MaTienTe`, `MaGiaoDich`, `MaNganHang`, `ThoiGianGD`, `ThongTinGiaoDich`,
//!    `MaXacThuc`) to the notification address registered with it
//!    (`{public_url}/api/v1/payments/dvcqg/ipn`); motcua answers `MaLoi`, `MoTaLoi`, `MaDoiTac`,
//!    `MaThamChieu`, `ThoiGianGD`, `MaXacThuc`.
//! 3. The payer comes back to the return address registered with the platform
//!    (`{public_url}/thanh-toan/ket-qua`) with `data` (the reference), `responseCode` and
//!    `secureCode`; it proves nothing and motcua shows only what the notification recorded.
//!
//! `MaXacThuc` is the SHA-256, in hex, of the message's signed fields' values in a fixed order,
//! joined by `|`, then `|` and the secret (`INIT_SIGNED`, `NOTIFY_SIGNED`).
//!
//! How certain this is. The field names, their order in the checksum and the checksum itself
//! come from an open-source one-stop system's integration with the platform (OpenCPS,
//! `PayGateIntegrationActionImpl`, `PayGateUtil`, 2021), not from the platform's own
//! specification, which we did not find published; the `data`/`responseCode`/`secureCode` return
//! parameters from a province's live return address. Not certain, and so kept as data here for a
//! province to correct without touching the logic: the constant values (`CONSTANTS`: message
//! types, version, payment type, channel, device, currency code), the codes motcua answers with
//! beyond `00` (success) and `99` (other errors) (`ANSWERS`: motcua reuses VNPay's numbering), and
//! the answer's `MaXacThuc` (that integration echoes the notification's; so does motcua). The
//! receipt information carries the dossier's code, the fee lines and the description, never the
//! payer's name or number (the platform asks the payer for their receipt).

use chrono::TimeDelta;
use motcua_domain::dossier::{Instant, to_local};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::gateway::{Gateway, Outcome, PayRequest, PaymentConfig, Refusal, Verified};

/// The platform's field names, in one place.
pub mod field {
    pub const MESSAGE_TYPE: &str = "LoaiBanTin";
    pub const VERSION: &str = "PhienBan";
    pub const PARTNER: &str = "MaDoiTac";
    pub const REFERENCE: &str = "MaThamChieu";
    pub const AMOUNT: &str = "SoTien";
    pub const PAYMENT_TYPE: &str = "LoaiHinhThanhToan";
    pub const CHANNEL: &str = "MaKenhThanhToan";
    pub const DEVICE: &str = "MaThietBi";
    pub const LANGUAGE: &str = "NgonNgu";
    pub const CURRENCY: &str = "MaTienTe";
    pub const BANK: &str = "MaNganHang";
    pub const DESCRIPTION: &str = "ThongTinGiaoDich";
    pub const TIME: &str = "ThoiGianGD";
    pub const IP: &str = "Ip";
    pub const RECEIPT: &str = "ThongTinBienLai";
    pub const CHECKSUM: &str = "MaXacThuc";
    pub const ERROR: &str = "MaLoi";
    pub const ERROR_TEXT: &str = "MoTaLoi";
    pub const TRANSACTION: &str = "MaGiaoDich";
    pub const PAY_URL: &str = "UrlThanhToan";
    /// In `ThongTinBienLai`.
    pub const DOSSIER: &str = "MaHoSo";
    pub const FEES: &str = "PhiLePhi";
    pub const FEE_NAME: &str = "TenPhiLePhi";
    pub const PAYMENT_TEXT: &str = "NoiDungThanhToan";
    /// On the return address.
    pub const RETURN_REFERENCE: &str = "data";
    pub const RETURN_CODE: &str = "responseCode";
    pub const RETURN_CHECK: &str = "secureCode";
}

use field::*;

/// The request's signed fields, in the checksum's order.
pub const INIT_SIGNED: [&str; 14] = [
    MESSAGE_TYPE,
    VERSION,
    PARTNER,
    REFERENCE,
    AMOUNT,
    PAYMENT_TYPE,
    CHANNEL,
    DEVICE,
    LANGUAGE,
    CURRENCY,
    BANK,
    DESCRIPTION,
    TIME,
    IP,
];

/// The notification's signed fields, in the checksum's order.
pub const NOTIFY_SIGNED: [&str; 10] = [
    MESSAGE_TYPE,
    ERROR,
    PARTNER,
    REFERENCE,
    AMOUNT,
    CURRENCY,
    TRANSACTION,
    BANK,
    TIME,
    DESCRIPTION,
];

/// The request's constant values (not certain: the platform sets them when a province connects).
pub const CONSTANTS: [(&str, &str); 7] = [
    (MESSAGE_TYPE, "1"),
    (VERSION, "1.0.0"),
    (PAYMENT_TYPE, "PAY"),
    (CHANNEL, "1"),
    (DEVICE, "1"),
    (LANGUAGE, "vi"),
    (CURRENCY, "704"),
];

/// `MaLoi` of a successful payment (in the notification) and of an accepted request.
pub const SUCCESS: &str = "00";

/// What motcua answers a notification with, by outcome: (`MaLoi`, `MoTaLoi`). `00` and `99` are
/// the platform's; the others are motcua's choice (VNPay's numbering).
pub const ANSWERS: [(Outcome, &str, &str); 7] = [
    (Outcome::Confirmed, "00", "Thành công"),
    (Outcome::NotFound, "01", "Không tìm thấy giao dịch"),
    (
        Outcome::AlreadyConfirmed,
        "02",
        "Giao dịch đã được xác nhận",
    ),
    (Outcome::InvalidAmount, "04", "Số tiền không hợp lệ"),
    (Outcome::Signature, "97", "Sai mã xác thực"),
    (Outcome::Malformed, "99", "Dữ liệu không hợp lệ"),
    (Outcome::Error, "99", "Các lỗi khác"),
];

/// `MaLoi` and `MoTaLoi` for an outcome.
pub fn answer_code(o: Outcome) -> (&'static str, &'static str) {
    ANSWERS
        .iter()
        .find(|(x, _, _)| *x == o)
        .map_or(("99", "Các lỗi khác"), |(_, c, t)| (*c, *t))
}

/// `yyyyMMddHHmmss` in Vietnam's time.
pub fn time(t: Instant) -> String {
    to_local(t).format("%Y%m%d%H%M%S").to_string()
}

/// The checksum of `fields` of a message: SHA-256 of the values joined by `|`, then `|secret`.
pub fn checksum(message: &Map<String, Value>, fields: &[&str], secret: &str) -> String {
    let mut text: Vec<String> = fields.iter().map(|f| text_of(message.get(*f))).collect();
    text.push(secret.to_owned());
    hex::encode(Sha256::digest(text.join("|").as_bytes()))
}

/// A field's value as text: strings as they are, numbers in decimal, anything else empty.
pub fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Whether `given` (hex, any case) is `expected`, compared in constant time.
pub fn same_checksum(expected: &str, given: &str) -> bool {
    let given = given.trim().to_ascii_lowercase();
    crate::auth::same_secret(&given, expected)
}

/// The national portal's payment platform.
pub struct DvcqgPay {
    pub config: PaymentConfig,
}

impl DvcqgPay {
    /// The request that opens a transaction, signed.
    pub fn request(&self, r: &PayRequest) -> Map<String, Value> {
        let mut m = Map::new();
        for (k, v) in CONSTANTS {
            m.insert(k.into(), v.into());
        }
        m.insert(PARTNER.into(), self.config.merchant.clone().into());
        m.insert(REFERENCE.into(), r.reference.into());
        m.insert(AMOUNT.into(), r.amount.to_string().into());
        m.insert(BANK.into(), "".into());
        m.insert(DESCRIPTION.into(), r.description.into());
        m.insert(TIME.into(), time(r.now).into());
        m.insert(IP.into(), r.ip.into());
        let fees: Vec<Value> = r
            .lines
            .iter()
            .map(|(name, amount)| json!({ FEE_NAME: name, AMOUNT: amount.to_string() }))
            .collect();
        m.insert(
            RECEIPT.into(),
            json!({ DOSSIER: r.dossier, FEES: fees, PAYMENT_TEXT: r.description }),
        );
        let sum = checksum(&m, &INIT_SIGNED, &self.config.secret);
        m.insert(CHECKSUM.into(), sum.into());
        m
    }

    /// The platform's answer to a request: the payment address, or why not.
    pub fn read_answer(answer: &Value) -> Result<String, String> {
        let code = text_of(answer.get(ERROR));
        let url = text_of(answer.get(PAY_URL));
        if code != SUCCESS {
            return Err(format!(
                "payment platform refused the request: MaLoi {code}"
            ));
        }
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err("payment platform answered no payment address".into());
        }
        Ok(url)
    }
}

/// A request expires on the platform after this long (as VNPay's).
pub const EXPIRES: TimeDelta = TimeDelta::minutes(15);

impl Gateway for DvcqgPay {
    fn id(&self) -> &'static str {
        "dvcqg"
    }

    fn merchant(&self) -> &str {
        &self.config.merchant
    }

    fn start(&self, r: &PayRequest) -> Result<String, String> {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(20)))
            .http_status_as_error(false)
            .build()
            .new_agent();
        let body = Value::Object(self.request(r));
        let mut answer = agent
            .post(&self.config.url)
            .header("Accept", "application/json")
            .send_json(&body)
            .map_err(|_| "payment platform unreachable".to_owned())?;
        let status = answer.status().as_u16();
        if status != 200 {
            return Err(format!("payment platform answered HTTP {status}"));
        }
        let value: Value = answer
            .body_mut()
            .read_json()
            .map_err(|_| "payment platform: unreadable answer".to_owned())?;
        Self::read_answer(&value)
    }

    fn verify(&self, params: &[(String, String)]) -> Result<Verified, Refusal> {
        let m: Map<String, Value> = params
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let given = text_of(m.get(CHECKSUM));
        if given.is_empty()
            || !same_checksum(&checksum(&m, &NOTIFY_SIGNED, &self.config.secret), &given)
        {
            return Err(Refusal::Signature);
        }
        let need = |k: &str| {
            Some(text_of(m.get(k)))
                .filter(|v| !v.trim().is_empty())
                .ok_or(Refusal::Malformed)
        };
        let amount = need(AMOUNT)?;
        let amount: i64 = amount
            .trim()
            .parse()
            .ok()
            .filter(|a| *a >= 0)
            .ok_or(Refusal::Malformed)?;
        let code = need(ERROR)?;
        Ok(Verified {
            reference: need(REFERENCE)?,
            amount: Some(amount),
            transaction: text_of(m.get(TRANSACTION)),
            success: code == SUCCESS,
            code,
            merchant: need(PARTNER)?,
        })
    }

    fn return_reference(&self) -> &'static [&'static str] {
        &[RETURN_REFERENCE, REFERENCE]
    }
}

/// A JSON notification's fields as name and text (strings as they are, numbers in decimal; nested
/// values are not part of any signature and are left out). None: not a JSON object.
pub fn params_of(body: &[u8]) -> Option<Vec<(String, String)>> {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    Some(
        m.into_iter()
            .filter(|(_, v)| matches!(v, Value::String(_) | Value::Number(_)))
            .map(|(k, v)| {
                let t = text_of(Some(&v));
                (k, t)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::GatewayKind;

    fn platform() -> DvcqgPay {
        DvcqgPay {
            config: PaymentConfig {
                kind: GatewayKind::Dvcqg,
                url: "https://thanhtoan.example/khoi-tao".into(),
                merchant: "H15.DAKLAK".into(),
                secret: "KHOA-BI-MAT".into(),
                double: false,
            },
        }
    }

    /// The checksum is SHA-256 of the values joined by `|` with the secret last, computed by hand
    /// for a two-field message.
    #[test]
    fn the_checksum_joins_values_and_the_secret() {
        let m: Map<String, Value> = [
            ("A".to_owned(), Value::from("x")),
            ("B".to_owned(), Value::from(5)),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            checksum(&m, &["A", "B"], "k"),
            hex::encode(Sha256::digest(b"x|5|k"))
        );
        assert!(same_checksum(
            &checksum(&m, &["A", "B"], "k"),
            &checksum(&m, &["A", "B"], "k").to_uppercase()
        ));
        assert!(!same_checksum(&checksum(&m, &["A", "B"], "k"), "00"));
    }

    #[test]
    fn a_request_is_signed_in_the_published_order_and_carries_no_personal_data() {
        let now = chrono::DateTime::parse_from_rfc3339("2025-08-01T08:33:33Z")
            .unwrap()
            .to_utc();
        let lines = vec![("Lệ phí".to_owned(), 50_000)];
        let r = platform().request(&PayRequest {
            reference: "MC7T1754037213000",
            dossier: "000.31.00.H15-250801-0001",
            amount: 50_000,
            lines: &lines,
            description: "Nop phi le phi ho so 000.31.00.H15-250801-0001",
            return_url: "http://127.0.0.1/thanh-toan/ket-qua",
            ip: "127.0.0.1",
            now,
        });
        assert_eq!(text_of(r.get(AMOUNT)), "50000", "in đồng, not hundredths");
        assert_eq!(text_of(r.get(TIME)), "20250801153333");
        assert_eq!(text_of(r.get(PARTNER)), "H15.DAKLAK");
        let joined: Vec<String> = INIT_SIGNED.iter().map(|f| text_of(r.get(*f))).collect();
        let expected = hex::encode(Sha256::digest(
            format!("{}|KHOA-BI-MAT", joined.join("|")).as_bytes(),
        ));
        assert_eq!(text_of(r.get(CHECKSUM)), expected);
        assert_eq!(r[RECEIPT][DOSSIER], "000.31.00.H15-250801-0001");
        assert_eq!(r[RECEIPT][FEES][0][AMOUNT], "50000");
    }

    fn notification(secret: &str, amount: &str, code: &str) -> Vec<(String, String)> {
        let mut m: Map<String, Value> = [
            (MESSAGE_TYPE, "2"),
            (ERROR, code),
            (PARTNER, "H15.DAKLAK"),
            (REFERENCE, "MC7T1"),
            (AMOUNT, amount),
            (CURRENCY, "704"),
            (TRANSACTION, "PG0001"),
            (BANK, "NCB"),
            (TIME, "20250801153333"),
            (DESCRIPTION, "Nop phi"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::from(v)))
        .collect();
        let sum = checksum(&m, &NOTIFY_SIGNED, secret);
        m.insert(CHECKSUM.into(), sum.into());
        m.into_iter().map(|(k, v)| (k, text_of(Some(&v)))).collect()
    }

    #[test]
    fn a_notification_verifies_with_the_secret_only_and_reads_the_amount_in_dong() {
        let g = platform();
        let v = g
            .verify(&notification("KHOA-BI-MAT", "50000", "00"))
            .unwrap();
        assert_eq!(v.amount, Some(50_000));
        assert_eq!(v.reference, "MC7T1");
        assert!(v.success);
        assert!(
            !g.verify(&notification("KHOA-BI-MAT", "50000", "24"))
                .unwrap()
                .success
        );
        assert_eq!(
            g.verify(&notification("KHAC", "50000", "00")),
            Err(Refusal::Signature)
        );
        // Tampered after signing.
        let mut n = notification("KHOA-BI-MAT", "1000", "00");
        for (k, v) in &mut n {
            if k == AMOUNT {
                *v = "50000".into();
            }
        }
        assert_eq!(g.verify(&n), Err(Refusal::Signature));
        assert_eq!(g.verify(&[]), Err(Refusal::Signature));
        assert_eq!(
            g.verify(&notification("KHOA-BI-MAT", "năm mươi", "00")),
            Err(Refusal::Malformed)
        );
    }

    #[test]
    fn the_platforms_answer_gives_the_address_only_when_accepted() {
        assert_eq!(
            DvcqgPay::read_answer(&json!({"MaLoi": "00", "UrlThanhToan": "https://p.example/x"})),
            Ok("https://p.example/x".into())
        );
        assert!(
            DvcqgPay::read_answer(&json!({"MaLoi": "01", "UrlThanhToan": "https://p"})).is_err()
        );
        assert!(
            DvcqgPay::read_answer(&json!({"MaLoi": "00", "UrlThanhToan": "javascript:x"})).is_err()
        );
        assert_eq!(
            params_of(br#"{"SoTien": 50000, "MaLoi": "00", "X": {"y": 1}}"#).map(|mut p| {
                p.sort();
                p
            }),
            Some(vec![
                ("MaLoi".to_owned(), "00".to_owned()),
                ("SoTien".to_owned(), "50000".to_owned())
            ])
        );
        assert_eq!(params_of(b"[1]"), None);
        assert_eq!(answer_code(Outcome::Confirmed), ("00", "Thành công"));
        assert_eq!(answer_code(Outcome::Error).0, "99");
    }
}
