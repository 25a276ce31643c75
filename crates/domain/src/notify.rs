//! Notifications to applicants (issue 15, item 3): the applicant opts in per dossier, at the counter
//! or online, for one channel (e-mail, SMS, Zalo) and a language (Vietnamese, or English); the
//! address is the applicant's own e-mail or mobile phone, so it lives with the rest of the
//! applicant's personal data in the vault (only the channel stays in clear, for the outbox to
//! decide in the event's transaction). Five events are told: reception (code, due time, lookup
//! secret), a supplement request (the items), an apology (reason, new date), the result ready and a
//! refusal. The texts are pure functions of the dossier, the event and a few names.

use serde::{Deserialize, Serialize};

use crate::dossier::{Dossier, Event, Instant, Outcome, to_local};

/// How the applicant asked to be told of the dossier's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotifyChannel {
    /// To the applicant's e-mail address.
    Email,
    /// A text message to the applicant's mobile phone, through the province's SMS gateway.
    Sms,
    /// A Zalo notification (ZNS) to the applicant's mobile phone.
    Zalo,
}

impl NotifyChannel {
    pub const ALL: [NotifyChannel; 3] = [
        NotifyChannel::Email,
        NotifyChannel::Sms,
        NotifyChannel::Zalo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotifyChannel::Email => "email",
            NotifyChannel::Sms => "sms",
            NotifyChannel::Zalo => "zalo",
        }
    }

    pub fn parse(s: &str) -> Option<NotifyChannel> {
        NotifyChannel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            NotifyChannel::Email => "Thư điện tử",
            NotifyChannel::Sms => "Tin nhắn SMS",
            NotifyChannel::Zalo => "Zalo",
        }
    }
}

/// The language of the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Vi,
    En,
}

impl Language {
    pub fn parse(s: &str) -> Option<Language> {
        match s {
            "vi" => Some(Language::Vi),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Vi => "vi",
            Language::En => "en",
        }
    }
}

/// The applicant's opt-in: the channel, and the language (None: Vietnamese; always None in what
/// the store keeps in clear, where only the channel is: the vault has the rest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Notify {
    pub channel: NotifyChannel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
}

impl Notify {
    /// The same opt-in without what is personal: the channel only.
    pub fn channel_only(&self) -> Notify {
        Notify {
            channel: self.channel,
            language: None,
        }
    }

    pub fn language(&self) -> Language {
        self.language.unwrap_or_default()
    }
}

/// An e-mail address a mail server will take: one `@`, a local part of 1 to 64 characters without
/// spaces or quotes, a domain of dot-separated labels (letters, digits, hyphens; not at either end
/// of a label) with at least one dot, 254 characters in all.
pub fn valid_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| {
            c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) || !c.is_ascii()
        })
        && local.chars().all(|c| !c.is_whitespace() && !c.is_control());
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(char::is_alphabetic));
    address.len() <= 254 && local_ok && domain_ok
}

/// A Vietnamese mobile number in international form without `+` (`84912345678`), as SMS gateways
/// and Zalo take it; None for anything else (a landline, a foreign number). Accepts `0912 345 678`,
/// `0912.345.678`, `+84 912 345 678` and `84912345678`. Mobile numbers have ten digits from 0:
/// 03x, 05x, 07x, 08x and 09x (the prefixes since the 2018 renumbering).
pub fn mobile_e164(phone: &str) -> Option<String> {
    let digits: String = phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let national = if let Some(rest) = digits.strip_prefix("+84") {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest.to_owned()
    } else {
        return None;
    };
    let ok = national.len() == 9
        && national.chars().all(|c| c.is_ascii_digit())
        && matches!(national.as_bytes()[0], b'3' | b'5' | b'7' | b'8' | b'9');
    ok.then(|| format!("84{national}"))
}

/// The message an event causes for an opted-in applicant (the outbox's message name), or None
/// when the event is not one the applicant is told of.
pub fn notice_of(event: &Event) -> Option<&'static str> {
    match event {
        Event::Received { .. }
        | Event::SupplementRequested { .. }
        | Event::Apologized { .. }
        | Event::ResultReady { .. }
        | Event::Refused { .. } => Some(event.kind()),
        _ => None,
    }
}

/// Whether a dossier's event is to be told on `channel`: the applicant opted in for that channel,
/// their data is still there, and the event is one of the five.
pub fn planned(channel: NotifyChannel, dossier: &Dossier, event: &Event) -> Option<&'static str> {
    let opted = dossier
        .applicant
        .notify
        .as_ref()
        .is_some_and(|n| n.channel == channel);
    if !opted || dossier.erased_at.is_some() {
        return None;
    }
    notice_of(event)
}

/// What the texts need besides the dossier and the event.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    /// The dossier's code, or its public online reference before it has one.
    pub code: &'a str,
    /// The unit holding the dossier when the event happened.
    pub unit_name: &'a str,
    /// Where the result is collected.
    pub return_point_name: &'a str,
    /// The lookup secret, grouped as printed (reception only).
    pub secret: Option<&'a str>,
    /// The public lookup page (`{public_url}/tra-cuu`).
    pub lookup_url: &'a str,
}

/// One message in one language: a subject (e-mail), the text, and the named values a Zalo
/// template takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub text: String,
    pub params: Vec<(&'static str, String)>,
}

/// A local time as the applicant reads it: `16:30 ngày 15/03/2025` or `15/03/2025 at 16:30
/// (Vietnam time, UTC+7)`.
pub fn local_time(t: Instant, language: Language) -> String {
    let l = to_local(t);
    match language {
        Language::Vi => l.format("%H:%M ngày %d/%m/%Y").to_string(),
        Language::En => l
            .format("%d/%m/%Y at %H:%M (Vietnam time, UTC+7)")
            .to_string(),
    }
}

/// The notice for `event` (which happened at `at` to `dossier`, the dossier as it was right
/// after it), or None when the event is not one of the five.
pub fn notice(
    dossier: &Dossier,
    event: &Event,
    at: Instant,
    facts: &Facts<'_>,
    language: Language,
) -> Option<Notice> {
    let vi = language == Language::Vi;
    let code = facts.code;
    let procedure = dossier.procedure.name.as_str();
    let unit = facts.unit_name;
    let time = |t: Instant| local_time(t, language);
    let short = |t: Instant| to_local(t).format("%H:%M %d/%m/%Y").to_string();
    let mut params: Vec<(&'static str, String)> = vec![
        ("ma_ho_so", code.to_owned()),
        ("thu_tuc", procedure.to_owned()),
        ("don_vi", unit.to_owned()),
        ("thoi_gian", short(at)),
    ];
    let (subject, text) = match event {
        Event::Received { due, .. } => {
            let secret = facts.secret.unwrap_or("");
            params.push(("han_tra", short(*due)));
            params.push(("ma_bi_mat", secret.to_owned()));
            if vi {
                (
                    format!("Hồ sơ {code} đã được tiếp nhận"),
                    format!(
                        "{unit} đã tiếp nhận hồ sơ {code} ({procedure}) lúc {}. Hẹn trả kết quả: {}. \
                         Tra cứu tại {} với mã hồ sơ và mã bí mật {secret}.",
                        time(at),
                        time(*due),
                        facts.lookup_url
                    ),
                )
            } else {
                (
                    format!("Dossier {code} received"),
                    format!(
                        "{unit} received dossier {code} ({procedure}) on {}. The result is due on {}. \
                         Look it up at {} with the dossier code and the secret {secret}.",
                        time(at),
                        time(*due),
                        facts.lookup_url
                    ),
                )
            }
        }
        Event::SupplementRequested { items, reason, .. } => {
            let list = items.join("; ");
            params.push(("noi_dung", list.clone()));
            params.push(("ly_do", reason.clone()));
            if vi {
                (
                    format!("Hồ sơ {code} cần bổ sung"),
                    format!(
                        "{unit} yêu cầu bổ sung hồ sơ {code} ({procedure}): {list}. Lý do: {reason}. \
                         Ông/bà bổ sung tại {} (mã hồ sơ và mã bí mật) hoặc tại Bộ phận Một cửa; \
                         thời gian chờ bổ sung không tính vào thời hạn giải quyết.",
                        facts.lookup_url
                    ),
                )
            } else {
                (
                    format!("Dossier {code} needs more papers"),
                    format!(
                        "{unit} asks you to add to dossier {code} ({procedure}): {list}. Reason: {reason}. \
                         Add them at {} (dossier code and secret) or at the one-stop desk; the wait \
                         is not counted in the time limit.",
                        facts.lookup_url
                    ),
                )
            }
        }
        Event::Apologized {
            reason,
            new_appointment,
            ..
        } => {
            params.push(("ly_do", reason.clone()));
            params.push(("ngay_hen_moi", short(*new_appointment)));
            if vi {
                (
                    format!("Hồ sơ {code}: xin lỗi và hẹn lại ngày trả kết quả"),
                    format!(
                        "{unit} xin lỗi ông/bà vì hồ sơ {code} ({procedure}) chưa giải quyết được \
                         đúng hạn. Lý do: {reason}. Ngày hẹn trả kết quả mới: {}.",
                        time(*new_appointment)
                    ),
                )
            } else {
                (
                    format!("Dossier {code}: an apology and a new date"),
                    format!(
                        "{unit} apologises that dossier {code} ({procedure}) could not be resolved \
                         in time. Reason: {reason}. The result is now due on {}.",
                        time(*new_appointment)
                    ),
                )
            }
        }
        Event::ResultReady { outcome, .. } => {
            let place = facts.return_point_name;
            params.push(("noi_nhan", place.to_owned()));
            match outcome {
                Outcome::Approved => {
                    params.push(("ket_qua", if vi { "Đã có kết quả" } else { "Ready" }.into()));
                    if vi {
                        (
                            format!("Hồ sơ {code} đã có kết quả"),
                            format!(
                                "Hồ sơ {code} ({procedure}) đã có kết quả. Mời ông/bà nhận kết quả \
                                 tại Bộ phận Một cửa của {place}."
                            ),
                        )
                    } else {
                        (
                            format!("The result of dossier {code} is ready"),
                            format!(
                                "The result of dossier {code} ({procedure}) is ready. Please collect \
                                 it at the one-stop desk of {place}."
                            ),
                        )
                    }
                }
                Outcome::Denied { reason } => {
                    params.push((
                        "ket_qua",
                        if vi {
                            "Không giải quyết"
                        } else {
                            "Denied"
                        }
                        .into(),
                    ));
                    params.push(("ly_do", reason.clone()));
                    if vi {
                        (
                            format!("Hồ sơ {code} đã có kết quả"),
                            format!(
                                "Hồ sơ {code} ({procedure}) đã có kết quả: không giải quyết. Lý do: \
                                 {reason}. Mời ông/bà nhận văn bản trả lời tại Bộ phận Một cửa của \
                                 {place}."
                            ),
                        )
                    } else {
                        (
                            format!("The answer on dossier {code} is ready"),
                            format!(
                                "Dossier {code} ({procedure}) was not granted. Reason: {reason}. \
                                 Please collect the written answer at the one-stop desk of {place}."
                            ),
                        )
                    }
                }
            }
        }
        Event::Refused { reason } => {
            params.push(("ly_do", reason.clone()));
            if vi {
                (
                    format!("Hồ sơ {code} không được tiếp nhận"),
                    format!("{unit} không tiếp nhận hồ sơ {code} ({procedure}). Lý do: {reason}."),
                )
            } else {
                (
                    format!("Dossier {code} was not accepted"),
                    format!(
                        "{unit} did not accept dossier {code} ({procedure}). Reason: {reason}."
                    ),
                )
            }
        }
        _ => return None,
    };
    Some(Notice {
        subject,
        text,
        params,
    })
}
