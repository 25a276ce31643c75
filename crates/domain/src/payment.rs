//! Fees and payments: what a dossier owes (assessed from its procedure's fee lines and the
//! exemption the applicant claims), how it was paid (cash or transfer at the desk with an electronic
//! receipt number, or online through a payment gateway), and the rules behind it as data with their
//! sources. The events are `Event::FeeAssessed` and `Event::FeePaid` in `dossier.rs`: a dossier in
//! processing that owes something is paused for its financial obligation and resumes when it is
//! paid, its due times pushed back by exactly the working time it waited.

use serde::{Deserialize, Serialize};

use crate::procedure::FeeLine;
use crate::rules::{Confidence, LegalRule, Source};

/// The time waiting for the applicant's financial obligation does not count.
pub const FINANCIAL_OBLIGATION_PAUSE: &str = "financial_obligation_pause";
/// A fee collected at the desk is recorded with its electronic receipt.
pub const ELECTRONIC_RECEIPT: &str = "electronic_receipt";
/// Online payment through the national portal's payment platform or a bank gateway.
pub const ONLINE_PAYMENT: &str = "online_payment";

/// The payment rules, with their sources.
pub const RULES: &[LegalRule] = &[
    LegalRule {
        id: FINANCIAL_OBLIGATION_PAUSE,
        vi: "Thời gian chờ tổ chức, cá nhân thực hiện nghĩa vụ tài chính không tính vào thời hạn giải quyết; hồ sơ tạm dừng và tiếp tục khi đã nộp, hạn giải quyết lùi đúng bằng thời gian làm việc đã chờ",
        en: "The time waiting for the applicant's financial obligation does not count towards the time limit: the dossier is paused and resumes when paid, its due time pushed back by exactly the working time waited",
        source: Source {
            document: "Nghị định 61/2018/NĐ-CP (sửa đổi bởi Nghị định 107/2021/NĐ-CP); từ 01/7/2025 Nghị định 118/2025/NĐ-CP",
            article: "quy định về thời hạn giải quyết và trạng thái \"yêu cầu thực hiện nghĩa vụ tài chính\" (mã 6 của Cổng DVCQG); điều khoản chưa đọc được",
            in_force_from: Some("2018-06-21"),
            in_force_to: None,
            confidence: Confidence::Recalled,
        },
    },
    LegalRule {
        id: ELECTRONIC_RECEIPT,
        vi: "Phí, lệ phí thu tại Bộ phận Một cửa được ghi nhận bằng biên lai điện tử (ký hiệu biên lai và số biên lai)",
        en: "A fee collected at the one-stop desk is recorded with an electronic receipt (its series and number)",
        source: Source {
            document: "Nghị định 123/2020/NĐ-CP về hóa đơn, chứng từ; Thông tư 78/2021/TT-BTC",
            article: "các điều về biên lai thu phí, lệ phí (ký hiệu, số biên lai); độ dài số biên lai (tối đa 8 chữ số) theo cách đánh số hóa đơn, chưa đọc được",
            in_force_from: Some("2022-07-01"),
            in_force_to: None,
            confidence: Confidence::Recalled,
        },
    },
    LegalRule {
        id: ONLINE_PAYMENT,
        vi: "Thanh toán trực tuyến qua Nền tảng thanh toán của Cổng DVCQG hoặc cổng thanh toán ngân hàng: yêu cầu thanh toán ký bằng khóa bí mật, kết quả chỉ được công nhận qua thông báo máy chủ (IPN) đã kiểm tra chữ ký, số tiền và mã giao dịch",
        en: "Online payment through the national portal's payment platform or a bank gateway: a request signed with a shared secret; a payment counts only from a server-to-server notification (IPN) whose signature, amount and reference check",
        source: Source {
            document: "VNPAY, tài liệu tích hợp cổng thanh toán phiên bản 2.1.0 (sandbox.vnpayment.vn/apis/docs)",
            article: "Tạo URL thanh toán; IPN URL (RspCode 00, 01, 02, 04, 97, 99)",
            in_force_from: None,
            in_force_to: None,
            confidence: Confidence::Seen,
        },
    },
];

/// A rule of this module by id.
pub fn rule(id: &str) -> Option<&'static LegalRule> {
    RULES.iter().find(|r| r.id == id)
}

/// One fee line as assessed for a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AssessedFee {
    pub name: String,
    /// In đồng, after the exemption (0 when exempt).
    pub amount: i64,
    /// The exemption applied (one of the line's published exemptions), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exempt: Option<String>,
}

/// What a dossier owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Assessment {
    pub lines: Vec<AssessedFee>,
    /// In đồng.
    pub total: i64,
}

/// Why an assessment or a payment is refused, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {vi} / {en}")]
pub struct PaymentError {
    pub field: &'static str,
    pub vi: String,
    pub en: String,
}

fn err(field: &'static str, vi: impl Into<String>, en: impl Into<String>) -> PaymentError {
    PaymentError {
        field,
        vi: vi.into(),
        en: en.into(),
    }
}

/// The largest amount motcua accepts for one dossier (VNPay's `vnp_Amount` is Numeric[1,12] in
/// hundredths of a đồng: below 10^10 đồng).
pub const MAX_AMOUNT: i64 = 9_999_999_999;

/// Assesses a procedure's fee lines: each line with a single published amount is owed, unless the
/// `exemption` claimed (one of the line's published exemptions, as printed) applies to it. Lines
/// whose amount is not one figure ("2.000 đồng/trang") are left out: the desk records such a fee
/// by a correction of the lines (not supported yet, see ARCHITECTURE.md).
pub fn assess(fees: &[FeeLine], exemption: Option<&str>) -> Result<Assessment, PaymentError> {
    let claimed = exemption.map(crate::text::clean).filter(|e| !e.is_empty());
    if let Some(c) = claimed.as_ref().filter(|c| {
        !fees
            .iter()
            .any(|f| f.exemptions.iter().any(|e| crate::text::clean(e) == **c))
    }) {
        return Err(err(
            "exemption",
            format!("'{c}' không phải là đối tượng miễn của thủ tục này"),
            format!("'{c}' is not an exemption of this procedure"),
        ));
    }
    let mut lines = vec![];
    for f in fees {
        let Some(amount) = f.amount else { continue };
        if !(0..=MAX_AMOUNT).contains(&amount) {
            return Err(err(
                "fees",
                "mức phí, lệ phí không hợp lệ",
                "a fee amount is out of range",
            ));
        }
        let exempt = claimed
            .as_ref()
            .filter(|c| f.exemptions.iter().any(|e| crate::text::clean(e) == **c))
            .cloned();
        lines.push(AssessedFee {
            name: f.name.clone(),
            amount: if exempt.is_some() { 0 } else { amount },
            exempt,
        });
    }
    let total = lines.iter().map(|l| l.amount).sum::<i64>();
    if total > MAX_AMOUNT {
        return Err(err("fees", "tổng phí quá lớn", "the total is too large"));
    }
    Ok(Assessment { lines, total })
}

/// How a fee was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Cash at the desk.
    Cash,
    /// A bank transfer checked at the desk.
    Transfer,
    /// Online, through a payment gateway (confirmed by its server-to-server notification).
    Online,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Transfer => "transfer",
            PaymentMethod::Online => "online",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "Tiền mặt tại quầy",
            PaymentMethod::Transfer => "Chuyển khoản",
            PaymentMethod::Online => "Thanh toán trực tuyến",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentMethod> {
        match s {
            "cash" => Some(PaymentMethod::Cash),
            "transfer" => Some(PaymentMethod::Transfer),
            "online" => Some(PaymentMethod::Online),
            _ => None,
        }
    }
}

/// A payment as the log records it. Nothing personal: the payer is the applicant (whose name is
/// in the vault); the gateway's card or account details are never kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Payment {
    pub method: PaymentMethod,
    /// In đồng.
    pub amount: i64,
    /// The electronic receipt (series and number, `receipt`): required at the desk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    /// Online: the gateway (`vnpay`, `dvcqg`...), the order reference motcua sent and the
    /// gateway's transaction number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<String>,
}

impl Payment {
    /// Checks a payment's fields (every problem names its field); returns it normalised.
    pub fn validated(mut self) -> Result<Payment, PaymentError> {
        if !(1..=MAX_AMOUNT).contains(&self.amount) {
            return Err(err(
                "amount",
                "số tiền phải lớn hơn 0",
                "the amount must be positive",
            ));
        }
        match self.method {
            PaymentMethod::Cash | PaymentMethod::Transfer => {
                let r = self.receipt.as_deref().unwrap_or("");
                self.receipt = Some(receipt_number(r)?);
                self.gateway = None;
                self.reference = None;
                self.transaction = None;
            }
            PaymentMethod::Online => {
                for (field, v) in [
                    ("gateway", &self.gateway),
                    ("reference", &self.reference),
                    ("transaction", &self.transaction),
                ] {
                    let ok = v.as_deref().is_some_and(|s| {
                        !s.is_empty()
                            && s.len() <= 64
                            && s.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    });
                    if !ok {
                        return Err(err(
                            field,
                            "thiếu hoặc sai định dạng (chữ, số, '-', '_', '.')",
                            "missing or not in the form letters, digits, '-', '_', '.'",
                        ));
                    }
                }
                if let Some(r) = &self.receipt {
                    self.receipt = Some(receipt_number(r)?);
                }
            }
        }
        Ok(self)
    }
}

/// Checks an electronic receipt's series and number written `SERIES-NUMBER` (the number after the
/// last '-'): the series of 1 to 20 letters, digits, '/' or '-', the number of 1 to 8 digits, not
/// zero. Returns it in upper case without spaces.
pub fn receipt_number(s: &str) -> Result<String, PaymentError> {
    let s: String = s
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let bad = || {
        err(
            "receipt",
            "số biên lai điện tử cần dạng KÝHIỆU-SỐ (vd. BL25E-0000123): ký hiệu 1-20 chữ, số, '/' hoặc '-', số 1-8 chữ số khác 0",
            "the electronic receipt must be SERIES-NUMBER (e.g. BL25E-0000123): a series of 1-20 letters, digits, '/' or '-', a number of 1-8 digits, not zero",
        )
    };
    if s.is_empty() {
        return Err(err(
            "receipt",
            "cần số biên lai điện tử khi thu tại quầy",
            "an electronic receipt number is required for a payment at the desk",
        ));
    }
    let (series, number) = s.rsplit_once('-').ok_or_else(bad)?;
    let series_ok = !series.is_empty()
        && series.len() <= 20
        && series
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '-')
        && series.chars().any(|c| c.is_ascii_alphanumeric());
    let number_ok = (1..=8).contains(&number.len())
        && number.chars().all(|c| c.is_ascii_digit())
        && number.chars().any(|c| c != '0');
    if series_ok && number_ok {
        Ok(s)
    } else {
        Err(bad())
    }
}

/// A dossier's fees in its state: what was assessed and what was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Fees {
    pub assessment: Assessment,
    pub assessed_at: crate::dossier::Instant,
    #[serde(default)]
    pub payments: Vec<PaymentRecord>,
}

impl Fees {
    pub fn paid(&self) -> i64 {
        self.payments.iter().map(|p| p.payment.amount).sum()
    }

    /// Whether any of it was paid online.
    pub fn paid_online(&self) -> bool {
        self.payments
            .iter()
            .any(|p| p.payment.method == PaymentMethod::Online)
    }

    /// What is still owed.
    pub fn balance(&self) -> i64 {
        (self.assessment.total - self.paid()).max(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PaymentRecord {
    pub payment: Payment,
    pub at: crate::dossier::Instant,
    pub seq: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, amount: Option<i64>, exemptions: &[&str]) -> FeeLine {
        FeeLine {
            name: name.into(),
            amount,
            description: String::new(),
            exemptions: exemptions.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn assessment_applies_the_claimed_exemption_to_its_lines_only() {
        let fees = [
            line("Lệ phí", Some(50_000), &["Hộ nghèo"]),
            line("Phí thẩm định", Some(120_000), &[]),
            line("Phí sao chụp", None, &[]),
        ];
        let a = assess(&fees, None).unwrap();
        assert_eq!(a.total, 170_000);
        assert_eq!(a.lines.len(), 2);
        let a = assess(&fees, Some(" Hộ nghèo ")).unwrap();
        assert_eq!(a.total, 120_000);
        assert_eq!(a.lines[0].exempt.as_deref(), Some("Hộ nghèo"));
        assert_eq!(a.lines[0].amount, 0);
        let e = assess(&fees, Some("Người cao tuổi")).unwrap_err();
        assert_eq!(e.field, "exemption");
    }

    #[test]
    fn receipt_numbers_are_checked() {
        assert_eq!(receipt_number(" bl25e-0000123 ").unwrap(), "BL25E-0000123");
        assert_eq!(
            receipt_number("1/BLP-25E-12345678").unwrap(),
            "1/BLP-25E-12345678"
        );
        for bad in [
            "",
            "0000123",
            "BL25E-",
            "-123",
            "BL25E-000000",
            "BL25E-123456789",
            "BL 25E-12a",
            "BL_25-1",
        ] {
            assert_eq!(receipt_number(bad).unwrap_err().field, "receipt", "{bad}");
        }
    }

    #[test]
    fn desk_payment_needs_a_receipt_and_online_its_gateway_reference() {
        let desk = Payment {
            method: PaymentMethod::Cash,
            amount: 50_000,
            receipt: None,
            gateway: None,
            reference: None,
            transaction: None,
        };
        assert_eq!(desk.clone().validated().unwrap_err().field, "receipt");
        let ok = Payment {
            receipt: Some("bl25e-7".into()),
            ..desk.clone()
        }
        .validated()
        .unwrap();
        assert_eq!(ok.receipt.as_deref(), Some("BL25E-7"));
        let zero = Payment {
            amount: 0,
            receipt: Some("BL-1".into()),
            ..desk
        };
        assert_eq!(zero.validated().unwrap_err().field, "amount");
        let online = Payment {
            method: PaymentMethod::Online,
            amount: 50_000,
            receipt: None,
            gateway: Some("vnpay".into()),
            reference: Some("P12-3".into()),
            transaction: None,
        };
        assert_eq!(online.validated().unwrap_err().field, "transaction");
    }
}
