//! The dossier (hồ sơ): commands -> events -> state.
//!
//! `decide` checks a command against the current state and the one-stop rules and returns the one
//! event it causes, or the reason it is refused. `Dossier::apply` folds events into state and needs
//! nothing else: every due time is computed when the event is decided and written into it, so a later
//! change of the calendar never rewrites what a dossier was promised.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarError, Limit, Pause, Timeliness, WorkCalendar};
use crate::procedure::ProcedureRef;
use crate::text::clean;

pub type Instant = DateTime<Utc>;

/// Vietnam is UTC+7 all year.
pub fn to_local(t: Instant) -> NaiveDateTime {
    t.naive_utc() + TimeDelta::hours(7)
}

pub fn from_local(t: NaiveDateTime) -> Instant {
    Utc.from_utc_datetime(&(t - TimeDelta::hours(7)))
}

/// The one-stop regulation a dossier is handled under, chosen by its reception date and kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleSet {
    /// Decision 09/2015/QĐ-TTg and the province's 2015 rules (until 20 June 2018).
    Qd09_2015,
    /// Decree 61/2018/NĐ-CP and Circular 01/2018/TT-VPCP (until 30 June 2025).
    Nd61_2018,
    /// Decree 118/2025/NĐ-CP and Circular 03/2025/TT-VPCP (from 1 July 2025).
    Nd118_2025,
}

impl RuleSet {
    pub fn in_force_on(date: NaiveDate) -> RuleSet {
        if date < NaiveDate::from_ymd_opt(2018, 6, 21).expect("date") {
            RuleSet::Qd09_2015
        } else if date < NaiveDate::from_ymd_opt(2025, 7, 1).expect("date") {
            RuleSet::Nd61_2018
        } else {
            RuleSet::Nd118_2025
        }
    }

    pub fn legal_basis(self) -> &'static str {
        match self {
            RuleSet::Qd09_2015 => "Quyết định 09/2015/QĐ-TTg",
            RuleSet::Nd61_2018 => "Nghị định 61/2018/NĐ-CP; Thông tư 01/2018/TT-VPCP",
            RuleSet::Nd118_2025 => "Nghị định 118/2025/NĐ-CP; Thông tư 03/2025/TT-VPCP",
        }
    }

    /// Form number of the control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ).
    pub fn control_sheet_form(self) -> &'static str {
        match self {
            RuleSet::Qd09_2015 => "02",
            RuleSet::Nd61_2018 => "05",
            RuleSet::Nd118_2025 => "06",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Desk,
    Post,
    Online,
}

impl Channel {
    pub fn parse(s: &str) -> Option<Channel> {
        match s {
            "desk" => Some(Channel::Desk),
            "post" => Some(Channel::Post),
            "online" => Some(Channel::Online),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Desk => "desk",
            Channel::Post => "post",
            Channel::Online => "online",
        }
    }
}

/// Who the applicant is: a citizen (12-digit personal ID; the 9-digit identity cards of before
/// 2021 are still read), a foreigner (passport and nationality), or an organisation (its name in
/// `full_name`, tax code, address, legal representative).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ApplicantKind {
    #[default]
    Citizen,
    Foreigner {
        passport: String,
        nationality: String,
    },
    Organisation {
        tax_code: String,
        legal_representative: String,
    },
}

impl ApplicantKind {
    pub fn label_vi(&self) -> &'static str {
        match self {
            ApplicantKind::Citizen => "Công dân Việt Nam",
            ApplicantKind::Foreigner { .. } => "Người nước ngoài",
            ApplicantKind::Organisation { .. } => "Tổ chức",
        }
    }
}

/// A detail of the applicant that a correction may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CorrectionField {
    FullName,
    IdNumber,
    Phone,
    Email,
    Address,
    Passport,
    Nationality,
    TaxCode,
    LegalRepresentative,
}

impl CorrectionField {
    pub fn label_vi(self) -> &'static str {
        match self {
            CorrectionField::FullName => "Họ tên / tên tổ chức",
            CorrectionField::IdNumber => "Số định danh cá nhân",
            CorrectionField::Phone => "Số điện thoại",
            CorrectionField::Email => "Thư điện tử",
            CorrectionField::Address => "Địa chỉ",
            CorrectionField::Passport => "Số hộ chiếu",
            CorrectionField::Nationality => "Quốc tịch",
            CorrectionField::TaxCode => "Mã số thuế",
            CorrectionField::LegalRepresentative => "Người đại diện theo pháp luật",
        }
    }
}

impl Applicant {
    /// The current value of a field ("" when empty or not applicable).
    pub fn field(&self, f: CorrectionField) -> String {
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        match (f, &self.kind) {
            (CorrectionField::FullName, _) => self.full_name.clone(),
            (CorrectionField::IdNumber, _) => opt(&self.id_number),
            (CorrectionField::Phone, _) => self.phone.clone(),
            (CorrectionField::Email, _) => opt(&self.email),
            (CorrectionField::Address, _) => opt(&self.address),
            (CorrectionField::Passport, ApplicantKind::Foreigner { passport, .. }) => {
                passport.clone()
            }
            (CorrectionField::Nationality, ApplicantKind::Foreigner { nationality, .. }) => {
                nationality.clone()
            }
            (CorrectionField::TaxCode, ApplicantKind::Organisation { tax_code, .. }) => {
                tax_code.clone()
            }
            (
                CorrectionField::LegalRepresentative,
                ApplicantKind::Organisation {
                    legal_representative,
                    ..
                },
            ) => legal_representative.clone(),
            _ => String::new(),
        }
    }

    /// The applicant with one field set (None when the field does not apply to this kind).
    pub fn with_field(&self, f: CorrectionField, value: &str) -> Option<Applicant> {
        let mut a = self.clone();
        let v = value.to_owned();
        let opt = || Some(v.clone()).filter(|x| !x.trim().is_empty());
        match (f, &mut a.kind) {
            (CorrectionField::FullName, _) => a.full_name = v,
            (CorrectionField::IdNumber, _) => a.id_number = opt(),
            (CorrectionField::Phone, _) => a.phone = v,
            (CorrectionField::Email, _) => a.email = opt(),
            (CorrectionField::Address, _) => a.address = opt(),
            (CorrectionField::Passport, ApplicantKind::Foreigner { passport, .. }) => *passport = v,
            (CorrectionField::Nationality, ApplicantKind::Foreigner { nationality, .. }) => {
                *nationality = v
            }
            (CorrectionField::TaxCode, ApplicantKind::Organisation { tax_code, .. }) => {
                *tax_code = v
            }
            (
                CorrectionField::LegalRepresentative,
                ApplicantKind::Organisation {
                    legal_representative,
                    ..
                },
            ) => *legal_representative = v,
            _ => return None,
        }
        Some(a)
    }
}

/// A correction made after reception: what changed, from what to what, why, who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Correction {
    pub field: CorrectionField,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    pub reason: String,
    pub at: Instant,
    pub actor: Actor,
    /// Only in what the store keeps: from and to are in the vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<Seal>,
}

/// Someone submitting for the applicant, with the paper that authorises them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Representative {
    pub full_name: String,
    #[serde(default)]
    pub id_number: Option<String>,
    /// The authorisation (giấy ủy quyền, its number and date) or the legal relation.
    pub authorisation: String,
}

/// Where personal data stands in the log and the stored state: the data itself is in the store's
/// vault (encrypted per subject, erasable), and the record keeps the subject's random reference,
/// which version of its data this is, and a salted commitment to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Seal {
    pub subject: String,
    pub version: u32,
    pub commitment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Applicant {
    pub full_name: String,
    pub id_number: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub address: Option<String>,
    /// The date of birth (typed, or from the national population database); omitted when not
    /// given, so applicants recorded before it read and re-serialise unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    /// `male` or `female`; omitted when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<crate::citizen_id::Sex>,
    #[serde(default, skip_serializing_if = "is_citizen")]
    pub kind: ApplicantKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representative: Option<Representative>,
    /// Notifications the applicant opted in to (issue 15, item 3): the channel and language; the
    /// address is `email` (e-mail) or `phone` (SMS, Zalo). In what the store keeps, the channel
    /// only (the vault has the language).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<crate::notify::Notify>,
    /// Only in what the store keeps: the personal fields above are blank and held in the vault.
    /// Never read from a request (validation drops it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<Seal>,
}

fn is_citizen(k: &ApplicantKind) -> bool {
    *k == ApplicantKind::Citizen
}

/// A 12-digit personal ID (căn cước, mã định danh cá nhân): a province code 001-096, a digit for
/// century and sex, two for the birth year, six more. Or a 9-digit identity card of before 2021.
pub fn valid_personal_id(id: &str) -> bool {
    if !id.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    match id.len() {
        12 => id[..3].parse::<u32>().is_ok_and(|p| (1..=96).contains(&p)),
        9 => true,
        _ => false,
    }
}

/// A tax code: 10 digits, or 10 digits, a dash and 3 digits for a branch.
pub fn valid_tax_code(code: &str) -> bool {
    let (main, branch) = code.split_once('-').unwrap_or((code, ""));
    main.len() == 10
        && main.chars().all(|c| c.is_ascii_digit())
        && (branch.is_empty() || branch.len() == 3 && branch.chars().all(|c| c.is_ascii_digit()))
}

impl Applicant {
    /// Normalises and checks the applicant's details (the first problem).
    pub fn validated(self) -> Result<Applicant, DossierError> {
        self.validated_all().map_err(|mut all| all.remove(0))
    }

    /// Normalises and checks the applicant's details: every problem at once, each naming its field,
    /// so a form can show them all next to their fields.
    pub fn validated_all(self) -> Result<Applicant, Vec<DossierError>> {
        let mut errs: Vec<DossierError> = vec![];
        let full_name = clean(&self.full_name);
        if full_name.is_empty() || full_name.chars().count() > 200 {
            errs.push(DossierError::invalid(
                "applicant.full_name",
                "Họ tên người nộp không được để trống và không quá 200 ký tự",
                "the applicant's name must be 1 to 200 characters",
            ));
        }
        let phone: String = self
            .phone
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        let digits = phone.strip_prefix('+').unwrap_or(&phone);
        if !(8..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
            errs.push(DossierError::invalid(
                "applicant.phone",
                "Số điện thoại phải gồm 8 đến 15 chữ số",
                "the phone number must have 8 to 15 digits",
            ));
        }
        let id_number = self.id_number.map(|s| clean(&s)).filter(|s| !s.is_empty());
        let kind = match self.kind {
            ApplicantKind::Citizen => {
                if id_number
                    .as_deref()
                    .is_some_and(|id| !valid_personal_id(id))
                {
                    errs.push(DossierError::invalid(
                        "applicant.id_number",
                        "Số định danh cá nhân phải gồm 12 chữ số, bắt đầu bằng mã tỉnh 001-096 (hoặc CMND cũ 9 chữ số)",
                        "the personal ID must have 12 digits starting with a province code 001-096 (or an old 9-digit card)",
                    ));
                }
                ApplicantKind::Citizen
            }
            ApplicantKind::Foreigner {
                passport,
                nationality,
            } => {
                let passport: String = clean(&passport).to_uppercase();
                let nationality = clean(&nationality);
                if !(5..=20).contains(&passport.len())
                    || !passport.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    errs.push(DossierError::invalid(
                        "applicant.kind.passport",
                        "Số hộ chiếu gồm 5 đến 20 chữ cái hoặc chữ số",
                        "the passport number must be 5 to 20 letters or digits",
                    ));
                }
                if nationality.is_empty() || nationality.chars().count() > 60 {
                    errs.push(DossierError::invalid(
                        "applicant.kind.nationality",
                        "Cần ghi quốc tịch (không quá 60 ký tự)",
                        "the nationality is required (at most 60 characters)",
                    ));
                }
                if id_number.is_some() {
                    errs.push(DossierError::invalid(
                        "applicant.id_number",
                        "Người nước ngoài ghi số hộ chiếu, không ghi số định danh",
                        "a foreigner gives a passport number, not a personal ID",
                    ));
                }
                ApplicantKind::Foreigner {
                    passport,
                    nationality,
                }
            }
            ApplicantKind::Organisation {
                tax_code,
                legal_representative,
            } => {
                let tax_code = clean(&tax_code);
                let legal_representative = clean(&legal_representative);
                if !valid_tax_code(&tax_code) {
                    errs.push(DossierError::invalid(
                        "applicant.kind.tax_code",
                        "Mã số thuế gồm 10 chữ số (chi nhánh: thêm -3 chữ số)",
                        "the tax code has 10 digits (a branch adds -3 digits)",
                    ));
                }
                if legal_representative.is_empty() || legal_representative.chars().count() > 200 {
                    errs.push(DossierError::invalid(
                        "applicant.kind.legal_representative",
                        "Cần ghi người đại diện theo pháp luật của tổ chức",
                        "the organisation's legal representative is required",
                    ));
                }
                if self.address.as_deref().is_none_or(|a| clean(a).is_empty()) {
                    errs.push(DossierError::invalid(
                        "applicant.address",
                        "Tổ chức phải ghi địa chỉ trụ sở",
                        "an organisation must give its address",
                    ));
                }
                ApplicantKind::Organisation {
                    tax_code,
                    legal_representative,
                }
            }
        };
        let representative = match self.representative {
            None => None,
            Some(r) => {
                let full_name = clean(&r.full_name);
                let authorisation = clean(&r.authorisation);
                let id = r.id_number.map(|s| clean(&s)).filter(|s| !s.is_empty());
                if full_name.is_empty()
                    || full_name.chars().count() > 200
                    || authorisation.is_empty()
                    || authorisation.chars().count() > 500
                {
                    errs.push(DossierError::invalid(
                        "applicant.representative",
                        "Người được ủy quyền cần họ tên và giấy ủy quyền (hoặc quan hệ đại diện)",
                        "a representative needs a name and the authorisation (or the legal relation)",
                    ));
                }
                if id.as_deref().is_some_and(|i| !valid_personal_id(i)) {
                    errs.push(DossierError::invalid(
                        "applicant.representative.id_number",
                        "Số định danh của người được ủy quyền không hợp lệ",
                        "the representative's personal ID is invalid",
                    ));
                }
                Some(Representative {
                    full_name,
                    id_number: id,
                    authorisation,
                })
            }
        };
        let email = match self.email.map(|s| clean(&s)).filter(|s| !s.is_empty()) {
            Some(e) if !e.contains('@') || e.len() > 254 => {
                errs.push(DossierError::invalid(
                    "applicant.email",
                    "Địa chỉ thư điện tử không hợp lệ",
                    "the e-mail address is invalid",
                ));
                None
            }
            other => other,
        };
        let address = self.address.map(|s| clean(&s)).filter(|s| !s.is_empty());
        if address.as_ref().is_some_and(|a| a.chars().count() > 500) {
            errs.push(DossierError::invalid(
                "applicant.address",
                "Địa chỉ không quá 500 ký tự",
                "the address must be at most 500 characters",
            ));
        }
        // Notifications go to the applicant's own e-mail or mobile phone: the address must be
        // one a mail server or a gateway takes (said next to the field to correct).
        match self.notify.as_ref().map(|n| n.channel) {
            Some(crate::notify::NotifyChannel::Email)
                if !email.as_deref().is_some_and(crate::notify::valid_email) =>
            {
                errs.push(DossierError::invalid(
                    "applicant.email",
                    "Để nhận thông báo qua thư điện tử, hãy ghi một địa chỉ thư điện tử hợp lệ (ví dụ ten@example.vn)",
                    "to be notified by e-mail, give a valid e-mail address (such as name@example.vn)",
                ));
            }
            Some(c @ (crate::notify::NotifyChannel::Sms | crate::notify::NotifyChannel::Zalo))
                if crate::notify::mobile_e164(&phone).is_none() =>
            {
                errs.push(DossierError::Invalid {
                    field: "applicant.phone".into(),
                    vi: format!(
                        "Để nhận thông báo qua {}, hãy ghi số điện thoại di động Việt Nam (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09)",
                        c.label_vi()
                    ),
                    en: format!(
                        "to be notified by {}, give a Vietnamese mobile number (10 digits starting with 03, 05, 07, 08 or 09)",
                        if c == crate::notify::NotifyChannel::Sms { "SMS" } else { "Zalo" }
                    ),
                });
            }
            _ => {}
        }
        // The date of birth and the sex agree with what a 12-digit number encodes (its fourth
        // digit: century and sex; fifth and sixth: the year).
        let encoded = id_number
            .as_deref()
            .filter(|_| kind == ApplicantKind::Citizen)
            .and_then(crate::citizen_id::birth_of);
        if let Some(d) = self.date_of_birth {
            let year = chrono::Datelike::year(&d);
            if year < 1870 {
                errs.push(DossierError::invalid(
                    "applicant.date_of_birth",
                    &format!("Năm sinh {year} không hợp lý"),
                    &format!("a birth in {year} is not plausible"),
                ));
            } else if let Some((encoded_year, _)) = encoded.filter(|(y, _)| *y != year) {
                errs.push(DossierError::invalid(
                    "applicant.date_of_birth",
                    &format!(
                        "Năm sinh {year} không khớp với năm sinh {encoded_year} trong số định danh cá nhân"
                    ),
                    &format!(
                        "the year of birth {year} does not match {encoded_year} in the personal identification number"
                    ),
                ));
            }
        }
        if let (Some(sex), Some((_, encoded_sex))) = (self.sex, encoded)
            && sex != encoded_sex
        {
            errs.push(DossierError::invalid(
                "applicant.sex",
                &format!(
                    "Giới tính {} không khớp với chữ số thứ tư của số định danh cá nhân",
                    sex.label_vi()
                ),
                &format!(
                    "the sex {} does not match the fourth digit of the personal identification number",
                    sex.key()
                ),
            ));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(Applicant {
            full_name,
            id_number,
            phone: phone.to_string(),
            email,
            address,
            date_of_birth: self.date_of_birth,
            sex: self.sex,
            kind,
            representative,
            notify: self.notify.map(|n| crate::notify::Notify {
                channel: n.channel,
                language: Some(n.language()),
            }),
            sealed: None,
        })
    }

    /// The last four digits of the phone number (kept in the projection; the public lookup asks for
    /// the secret of form 01 instead).
    pub fn phone_last4(&self) -> String {
        let digits: Vec<char> = self.phone.chars().filter(char::is_ascii_digit).collect();
        digits[digits.len().saturating_sub(4)..].iter().collect()
    }
}

/// What kind of copy a paper is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaperKind {
    /// Bản chính.
    Original,
    /// Bản sao có chứng thực.
    CertifiedCopy,
    /// Bản sao (bản chụp) kèm bản chính để đối chiếu, or a plain photocopy.
    Photocopy,
    /// Bản điện tử (uploaded or from a data source).
    Electronic,
}

impl PaperKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            PaperKind::Original => "Bản chính",
            PaperKind::CertifiedCopy => "Bản sao chứng thực",
            PaperKind::Photocopy => "Bản chụp",
            PaperKind::Electronic => "Bản điện tử",
        }
    }

    pub fn parse(s: &str) -> Option<PaperKind> {
        match s {
            "original" => Some(PaperKind::Original),
            "certified_copy" => Some(PaperKind::CertifiedCopy),
            "photocopy" => Some(PaperKind::Photocopy),
            "electronic" => Some(PaperKind::Electronic),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Paper {
    pub name: String,
    pub copies: u32,
    /// The uploaded copy (SHA-256 of its bytes), for papers submitted online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Original, certified copy, photocopy or electronic (None in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PaperKind>,
}

/// A paper attached at reception from the citizen's store of papers instead of a new scan, with
/// the applicant's consent (`ReceptionDetails::reuse_consent`): which paper of the dossier (index
/// from 0), the earlier dossier it was kept under, and the SHA-256 of its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReusedPaper {
    pub paper: usize,
    /// The code of the earlier dossier the paper was kept under. The desk's store fills it from
    /// what it holds for the applicant; a caller's value is replaced.
    #[serde(default)]
    pub from: String,
    /// The SHA-256 of the file, as the store offered it.
    pub file: String,
}

/// A mandatory paper of the procedure the applicant did not bring, and why it was received anyway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MissingPaper {
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Submitted online, waiting for the desk to check and receive it.
    Submitted,
    /// Waiting for the applicant to add or fix papers (form 02).
    SupplementRequested,
    Processing,
    /// The clock stands still: financial obligations, or the applicant asked to stop for a while.
    Paused,
    ResultReady,
    Returned,
    Refused,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Submitted,
        Status::SupplementRequested,
        Status::Processing,
        Status::Paused,
        Status::ResultReady,
        Status::Returned,
        Status::Refused,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::SupplementRequested => "supplement_requested",
            Status::Processing => "processing",
            Status::Paused => "paused",
            Status::ResultReady => "result_ready",
            Status::Returned => "returned",
            Status::Refused => "refused",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Submitted => "Chờ tiếp nhận",
            Status::SupplementRequested => "Chờ bổ sung",
            Status::Processing => "Đang xử lý",
            Status::Paused => "Tạm dừng",
            Status::ResultReady => "Có kết quả, chờ trả",
            Status::Returned => "Đã trả kết quả",
            Status::Refused => "Từ chối tiếp nhận",
            Status::Withdrawn => "Đã rút hồ sơ",
        }
    }

    /// The clock runs (the dossier is received and not finished or paused).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Processing | Status::Paused | Status::SupplementRequested
        )
    }
}

/// Where a supplement was asked for: at the desk before reception, or at a processing step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", tag = "at", content = "step")]
pub enum Stage {
    Reception,
    Step(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PauseKind {
    Supplement,
    FinancialObligation,
    ApplicantRequest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Outcome {
    Approved,
    Denied { reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    VerySatisfied,
    Satisfied,
    Unsatisfied,
}

/// Who did it. The server sets this from the authenticated session, never from the request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Actor {
    Staff {
        id: i64,
    },
    Applicant,
    System,
    /// Historical data brought in by an import or the demo generator, not an act on this server:
    /// `staff` names who did it in the source, `source` where it came from.
    Import {
        staff: Option<i64>,
        source: String,
    },
}

/// A step of processing starts: who holds the dossier and by when they must hand it on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StepStart {
    pub index: usize,
    pub name: String,
    pub unit: String,
    /// The member of staff the dossier was handed to, when it went to a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<i64>,
    pub budget: Option<Limit>,
    pub due: Instant,
    /// The workflow step this is (by performer or position; None past the workflow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<usize>,
}

// Reception carries the whole record (applicant, papers, conditions); events are short-lived values
// between `decide` and the log, so the size difference costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Event {
    Submitted {
        procedure: ProcedureRef,
        unit: String,
        applicant: Applicant,
        papers: Vec<Paper>,
    },
    Received {
        code: String,
        channel: Channel,
        procedure: ProcedureRef,
        unit: String,
        applicant: Applicant,
        papers: Vec<Paper>,
        rule_set: RuleSet,
        due: Instant,
        step: StepStart,
        /// The named condition chosen at reception, and the limit it gave (None: the base limit).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        condition: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<Limit>,
        /// The legal basis in force at reception (`rules::BASES` id); older records derive it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        basis: Option<String>,
        /// Mandatory papers received missing, with the officer's reason.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        missing_papers: Vec<MissingPaper>,
        /// Papers attached from the citizen's store (source dossier and file), with consent.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reused: Vec<ReusedPaper>,
        /// The applicant's consent to reuse digitised papers, as ticked at the counter.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        reuse_consent: bool,
        /// The competent agency when it is not the receiving unit (a boundary-free reception);
        /// None in older records and when the receiving unit resolves it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        competent: Option<String>,
        /// The return point the applicant chose, when it is not the receiving unit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        return_unit: Option<String>,
    },
    SupplementRequested {
        stage: Stage,
        items: Vec<String>,
        reason: String,
        /// The agency that asked (the unit holding the dossier; None in older records, where the
        /// stage tells it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agency: Option<String>,
    },
    /// A detail of the applicant corrected (a typo at reception...): every form printed afterwards
    /// shows the new value; the history keeps the old one.
    Corrected {
        field: CorrectionField,
        #[serde(default)]
        from: String,
        #[serde(default)]
        to: String,
        reason: String,
        /// In the log: from and to are in the vault, this commits to them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sealed: Option<Seal>,
    },
    /// The applicant's personal data was erased from the vault (on request, or at the end of the
    /// retention period): the record keeps its seals, the data is gone.
    PersonalDataErased {
        reason: String,
    },
    /// The desk closed a dossier whose supplement request waited past the province's limit.
    ReturnedUnsupplemented {
        reason: String,
        waited_working_days: u32,
    },
    Supplemented {
        note: String,
        /// New due times, when the clock had been running (None at the desk before reception).
        due: Option<Instant>,
        step_due: Option<Instant>,
        /// Papers the applicant uploaded with an online answer, added to the dossier's papers.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        papers: Vec<Paper>,
    },
    Refused {
        reason: String,
    },
    HandedOver {
        from_unit: String,
        to_unit: String,
        /// The receiving unit is another agency (liên thông).
        external: bool,
        step_result: Timeliness,
        next: StepStart,
        note: String,
    },
    Paused {
        pause: PauseKind,
        reason: String,
    },
    Resumed {
        due: Instant,
        step_due: Instant,
    },
    Apologized {
        reason: String,
        new_appointment: Instant,
        /// Issued at least one working day before the due date, as the rules require.
        notice_in_time: bool,
        /// Working days from the apology to the legal due date (None in older records).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        working_days_before: Option<u32>,
        /// Issued more than the province's window before the due date: flagged.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        too_early: bool,
    },
    ResultReady {
        outcome: Outcome,
        step_result: Timeliness,
        result: Timeliness,
    },
    Returned {
        /// Who received the result (in the log: in the vault, `sealed` commits to it).
        #[serde(default)]
        to_whom: String,
        channel: Channel,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sealed: Option<Seal>,
    },
    Withdrawn {
        reason: String,
    },
    Rated {
        rating: Rating,
        comment: String,
    },
    /// A signed electronic document issued (the electronic result): its hashes are in the log.
    DocumentIssued {
        document: IssuedDocument,
    },
    /// A paper received on paper was scanned at the counter: `paper` is its index (from 0), `file`
    /// the SHA-256 of the scan.
    PaperDigitised {
        paper: usize,
        file: String,
    },
    /// The fees the dossier owes, assessed from its procedure's fee lines and the exemption
    /// claimed (`payment::assess`). `pause`: the dossier was in processing and owes something, so
    /// its clock stops for the financial obligation until it is paid.
    FeeAssessed {
        assessment: crate::payment::Assessment,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pause: bool,
    },
    /// A fee paid (at the desk with its electronic receipt, or online as the gateway confirmed).
    /// When it settles what is owed and the dossier was paused for it, the dossier resumes with
    /// the new due times (`due`, `step_due`): pushed back by exactly the working time it waited.
    FeePaid {
        payment: crate::payment::Payment,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<Instant>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_due: Option<Instant>,
    },
    /// The applicant's details (`fields`) were taken from the national population database
    /// (Cơ sở dữ liệu quốc gia về dân cư) by the desk or the online form: Decision 766 4.5a/4.5b.
    PopulationDataUsed {
        fields: Vec<String>,
    },
    /// A reorganisation moved the dossier from a closed unit to its successor (Decree 118/2025 and
    /// the decision that closed the unit): the receiving unit and the holding unit become the
    /// successor where they were the closed unit; the step under way there ends (not classified)
    /// and the same step starts at the successor with the same due time; deadlines are kept.
    Transferred {
        from_unit: String,
        to_unit: String,
        /// The decision number and date that is the legal basis of the transfer.
        decision: String,
        date: NaiveDate,
        /// The step started at the successor, when the closed unit held the dossier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<StepStart>,
    },
}

/// What an electronic document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The result of the procedure (kết quả giải quyết thủ tục hành chính), signed by the unit.
    Result,
    /// An electronic copy certified from the original (bản sao điện tử được chứng thực từ bản
    /// chính): the scan of a paper shown at the counter, certified and signed (Decree 23/2015 on
    /// certification; Decree 45/2020 art. 21 on electronic copies). Decision 766, indicator 4.6.
    CertifiedCopy,
}

impl DocumentKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            DocumentKind::Result => "Kết quả giải quyết thủ tục hành chính (bản điện tử)",
            DocumentKind::CertifiedCopy => "Bản sao điện tử được chứng thực từ bản chính",
        }
    }
}

/// A signed electronic document as the log records it. `sha256` is the SHA-256 of its content (the
/// PDF as rendered without its verification QR code, which carries this hash); `file_sha256` the
/// SHA-256 of the signed PDF handed out (what `sha256sum` of the downloaded file prints).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuedDocument {
    pub kind: DocumentKind,
    pub title: String,
    pub sha256: String,
    pub file_sha256: String,
    /// The subject of the signing certificate.
    pub signer: String,
    /// The paper a certified copy is of (its index, from 0); None for a result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper: Option<usize>,
}

/// An issued document in the dossier's state: the record, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Issued {
    pub document: IssuedDocument,
    pub at: Instant,
    /// The seq of the issuing event in the dossier's history.
    pub seq: i64,
}

impl Event {
    /// What happened, in Vietnamese, for histories and timelines.
    pub fn label_vi(&self) -> &'static str {
        match self {
            Event::Submitted { .. } => "Nộp hồ sơ trực tuyến",
            Event::Received { .. } => "Tiếp nhận hồ sơ",
            Event::SupplementRequested { .. } => "Yêu cầu bổ sung hồ sơ",
            Event::ReturnedUnsupplemented { .. } => "Trả lại hồ sơ do quá hạn bổ sung",
            Event::Corrected { .. } => "Đính chính thông tin",
            Event::PersonalDataErased { .. } => "Xóa dữ liệu cá nhân",
            Event::Supplemented { .. } => "Đã bổ sung hồ sơ",
            Event::Refused { .. } => "Từ chối tiếp nhận",
            Event::HandedOver { .. } => "Chuyển hồ sơ",
            Event::Paused { .. } => "Tạm dừng",
            Event::Resumed { .. } => "Tiếp tục xử lý",
            Event::Apologized { .. } => "Xin lỗi, hẹn lại ngày trả",
            Event::ResultReady { .. } => "Có kết quả",
            Event::Returned { .. } => "Trả kết quả",
            Event::Withdrawn { .. } => "Rút hồ sơ",
            Event::Rated { .. } => "Người nộp đánh giá",
            Event::DocumentIssued { .. } => "Cấp kết quả điện tử",
            Event::PaperDigitised { .. } => "Số hóa giấy tờ tại quầy",
            Event::Transferred { .. } => "Chuyển giao do sắp xếp tổ chức",
            Event::FeeAssessed { .. } => "Xác định phí, lệ phí phải nộp",
            Event::FeePaid { .. } => "Nộp phí, lệ phí",
            Event::PopulationDataUsed { .. } => "Dùng dữ liệu từ CSDL quốc gia về dân cư",
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Event::Submitted { .. } => "submitted",
            Event::Received { .. } => "received",
            Event::SupplementRequested { .. } => "supplement_requested",
            Event::ReturnedUnsupplemented { .. } => "returned_unsupplemented",
            Event::Corrected { .. } => "corrected",
            Event::PersonalDataErased { .. } => "personal_data_erased",
            Event::Supplemented { .. } => "supplemented",
            Event::Refused { .. } => "refused",
            Event::HandedOver { .. } => "handed_over",
            Event::Paused { .. } => "paused",
            Event::Resumed { .. } => "resumed",
            Event::Apologized { .. } => "apologized",
            Event::ResultReady { .. } => "result_ready",
            Event::Returned { .. } => "returned",
            Event::Withdrawn { .. } => "withdrawn",
            Event::Rated { .. } => "rated",
            Event::DocumentIssued { .. } => "document_issued",
            Event::PaperDigitised { .. } => "paper_digitised",
            Event::Transferred { .. } => "transferred",
            Event::FeeAssessed { .. } => "fee_assessed",
            Event::FeePaid { .. } => "fee_paid",
            Event::PopulationDataUsed { .. } => "population_data_used",
        }
    }
}

/// An event as recorded: which dossier, its place in the dossier's history, when, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Recorded {
    pub seq: i64,
    pub at: Instant,
    pub actor: Actor,
    pub event: Event,
}

/// A step as the control sheet shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Step {
    pub index: usize,
    pub name: String,
    pub unit: String,
    pub budget: Option<Limit>,
    pub started_at: Instant,
    pub due: Instant,
    pub finished_at: Option<Instant>,
    pub result: Option<Timeliness>,
    pub handed_to: Option<String>,
    pub external: bool,
    pub actor: Option<Actor>,
    pub note: Option<String>,
    /// Who holds the dossier at this step, when it was handed to a person.
    #[serde(default)]
    pub holder: Option<i64>,
    /// Who finished the step (handed it on, or marked the result ready).
    #[serde(default)]
    pub finished_by: Option<Actor>,
    /// The workflow step it is (see `StepStart::planned`); older records: by position.
    #[serde(default)]
    pub planned: Option<usize>,
}

impl Step {
    /// The step a hand-over (or the reception) starts.
    fn open(start: &StepStart, rec: &Recorded) -> Step {
        Step {
            index: start.index,
            name: start.name.clone(),
            unit: start.unit.clone(),
            budget: start.budget,
            started_at: rec.at,
            due: start.due,
            finished_at: None,
            result: None,
            handed_to: None,
            external: false,
            actor: Some(rec.actor.clone()),
            note: None,
            holder: start.holder,
            finished_by: None,
            planned: start.planned,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Apology {
    pub reason: String,
    pub new_appointment: Instant,
    pub at: Instant,
    pub notice_in_time: bool,
    #[serde(default)]
    pub working_days_before: Option<u32>,
    #[serde(default)]
    pub too_early: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SupplementRequest {
    pub stage: Stage,
    pub items: Vec<String>,
    pub reason: String,
    pub at: Instant,
    pub supplemented_at: Option<Instant>,
    /// The agency that asked (see `Dossier::supplement_agency`).
    #[serde(default)]
    pub agency: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PauseRecord {
    pub kind: PauseKind,
    pub reason: String,
    pub from: Instant,
    pub to: Option<Instant>,
}

/// The state of a dossier: what its events add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Dossier {
    pub version: i64,
    pub status: Status,
    pub code: Option<String>,
    pub channel: Channel,
    pub procedure: ProcedureRef,
    /// The unit that received (or is to receive) it; closed dossiers keep it even after a merger.
    pub unit: String,
    /// The unit that holds it now.
    pub current_unit: String,
    pub applicant: Applicant,
    pub papers: Vec<Paper>,
    pub submitted_at: Option<Instant>,
    pub received_at: Option<Instant>,
    pub rule_set: Option<RuleSet>,
    /// The condition chosen at reception and the limit it gave (None: the procedure's base limit).
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default)]
    pub limit: Option<Limit>,
    /// The legal basis recorded at reception (see `legal_basis`).
    #[serde(default)]
    pub basis: Option<String>,
    /// Mandatory papers received missing, with the reason.
    #[serde(default)]
    pub missing_papers: Vec<MissingPaper>,
    /// Corrections of the applicant's details, oldest first.
    #[serde(default)]
    pub corrections: Vec<Correction>,
    /// The legal due time, pauses included; an apology does not move it.
    pub due: Option<Instant>,
    pub steps: Vec<Step>,
    pub supplements: Vec<SupplementRequest>,
    pub pauses: Vec<PauseRecord>,
    pub apology: Option<Apology>,
    pub outcome: Option<Outcome>,
    pub result: Option<Timeliness>,
    pub finished_at: Option<Instant>,
    pub returned_to: Option<String>,
    pub returned_at: Option<Instant>,
    pub refusal: Option<String>,
    pub withdrawal: Option<String>,
    pub rating: Option<Rating>,
    pub closed_at: Option<Instant>,
    /// Signed electronic documents issued, oldest first.
    #[serde(default)]
    pub documents: Vec<Issued>,
    /// When the applicant's personal data was erased from the vault (None: it is there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<Instant>,
    /// Papers attached at reception from the citizen's store (their files are in `papers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reused: Vec<ReusedPaper>,
    /// The applicant's details taken from the national population database.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub population_data: Vec<String>,
    /// The fees assessed and paid (None: never assessed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees: Option<crate::payment::Fees>,
    /// The competent agency when it is not the receiving unit (see `competent_unit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competent: Option<String>,
    /// The return point the applicant chose when it is not the receiving unit (see `return_point`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_unit: Option<String>,
}

impl Dossier {
    /// The state after the first event.
    pub fn start(rec: &Recorded) -> Result<Dossier, DossierError> {
        let base = |procedure: &ProcedureRef,
                    unit: &str,
                    applicant: &Applicant,
                    papers: &[Paper],
                    channel| Dossier {
            version: 0,
            status: Status::Submitted,
            code: None,
            channel,
            procedure: procedure.clone(),
            unit: unit.to_owned(),
            current_unit: unit.to_owned(),
            applicant: applicant.clone(),
            papers: papers.to_vec(),
            submitted_at: None,
            received_at: None,
            rule_set: None,
            condition: None,
            limit: None,
            basis: None,
            missing_papers: vec![],
            corrections: vec![],
            due: None,
            steps: vec![],
            supplements: vec![],
            pauses: vec![],
            apology: None,
            outcome: None,
            result: None,
            finished_at: None,
            returned_to: None,
            returned_at: None,
            refusal: None,
            withdrawal: None,
            rating: None,
            closed_at: None,
            documents: vec![],
            erased_at: None,
            reused: vec![],
            population_data: vec![],
            fees: None,
            competent: None,
            return_unit: None,
        };
        let mut d = match &rec.event {
            Event::Submitted {
                procedure,
                unit,
                applicant,
                papers,
            } => base(procedure, unit, applicant, papers, Channel::Online),
            Event::Received {
                procedure,
                unit,
                applicant,
                papers,
                channel,
                ..
            } => base(procedure, unit, applicant, papers, *channel),
            other => {
                return Err(DossierError::IllegalTransition {
                    action: other.kind(),
                    status: None,
                });
            }
        };
        d.apply(rec);
        Ok(d)
    }

    /// Replays a whole history.
    pub fn replay(events: &[Recorded]) -> Result<Dossier, DossierError> {
        let (first, rest) = events.split_first().ok_or(DossierError::Empty)?;
        let mut d = Dossier::start(first)?;
        for e in rest {
            d.apply(e);
        }
        Ok(d)
    }

    fn current_step_mut(&mut self) -> Option<&mut Step> {
        self.steps.last_mut()
    }

    /// Folds one event into the state. Events are facts: this never fails.
    pub fn apply(&mut self, rec: &Recorded) {
        self.version = rec.seq;
        let at = rec.at;
        match &rec.event {
            Event::Submitted { .. } => {
                self.status = Status::Submitted;
                self.submitted_at = Some(at);
            }
            Event::Received {
                code,
                channel,
                procedure,
                unit,
                applicant,
                papers,
                rule_set,
                due,
                step,
                condition,
                limit,
                basis,
                missing_papers,
                reused,
                reuse_consent: _,
                competent,
                return_unit,
            } => {
                self.competent = competent.clone();
                self.return_unit = return_unit.clone();
                self.status = Status::Processing;
                self.basis = basis.clone();
                self.missing_papers = missing_papers.clone();
                self.condition = condition.clone();
                self.limit = *limit;
                self.code = Some(code.clone());
                self.channel = *channel;
                self.procedure = procedure.clone();
                self.unit = unit.clone();
                self.current_unit = step.unit.clone();
                self.applicant = applicant.clone();
                self.papers = papers.clone();
                for r in reused {
                    if let Some(p) = self.papers.get_mut(r.paper) {
                        p.file = Some(r.file.clone());
                    }
                }
                self.reused = reused.clone();
                self.received_at = Some(at);
                self.rule_set = Some(*rule_set);
                self.due = Some(*due);
                self.steps.push(Step::open(step, rec));
            }
            Event::SupplementRequested {
                stage,
                items,
                reason,
                agency,
            } => {
                self.status = Status::SupplementRequested;
                self.supplements.push(SupplementRequest {
                    stage: *stage,
                    items: items.clone(),
                    reason: reason.clone(),
                    at,
                    supplemented_at: None,
                    agency: agency.clone(),
                });
                if *stage != Stage::Reception {
                    self.pauses.push(PauseRecord {
                        kind: PauseKind::Supplement,
                        reason: reason.clone(),
                        from: at,
                        to: None,
                    });
                }
            }
            Event::Supplemented {
                due,
                step_due,
                papers,
                ..
            } => {
                if let Some(s) = self.supplements.last_mut() {
                    s.supplemented_at = Some(at);
                }
                self.papers.extend(papers.iter().cloned());
                match (due, step_due) {
                    (Some(due), Some(step_due)) => {
                        self.close_pause(at);
                        self.due = Some(*due);
                        if let Some(step) = self.current_step_mut() {
                            step.due = *step_due;
                        }
                        self.status = Status::Processing;
                    }
                    _ => self.status = Status::Submitted,
                }
            }
            Event::Corrected {
                field,
                from,
                to,
                reason,
                sealed,
            } => {
                // A sealed correction's values are in the vault, as is the sealed applicant's.
                if sealed.is_none()
                    && let Some(a) = self.applicant.with_field(*field, to)
                {
                    self.applicant = a;
                }
                self.corrections.push(Correction {
                    field: *field,
                    from: from.clone(),
                    to: to.clone(),
                    reason: reason.clone(),
                    at,
                    actor: rec.actor.clone(),
                    sealed: sealed.clone(),
                });
            }
            Event::PersonalDataErased { .. } => self.erased_at = Some(at),
            Event::ReturnedUnsupplemented { reason, .. } => {
                self.close_pause(at);
                self.status = Status::Refused;
                self.refusal = Some(reason.clone());
                self.closed_at = Some(at);
            }
            Event::Refused { reason } => {
                self.status = Status::Refused;
                self.refusal = Some(reason.clone());
                self.closed_at = Some(at);
            }
            Event::HandedOver {
                to_unit,
                external,
                step_result,
                next,
                note,
                ..
            } => {
                if let Some(step) = self.current_step_mut() {
                    step.finished_at = Some(at);
                    step.finished_by = Some(rec.actor.clone());
                    step.result = Some(*step_result);
                    step.handed_to = Some(to_unit.clone());
                    step.external = *external;
                    step.note = Some(note.clone()).filter(|n| !n.is_empty());
                }
                self.current_unit = to_unit.clone();
                self.steps.push(Step::open(next, rec));
            }
            Event::Paused { pause, reason } => {
                self.status = Status::Paused;
                self.pauses.push(PauseRecord {
                    kind: *pause,
                    reason: reason.clone(),
                    from: at,
                    to: None,
                });
            }
            Event::Resumed { due, step_due } => {
                self.close_pause(at);
                self.status = Status::Processing;
                self.due = Some(*due);
                if let Some(step) = self.current_step_mut() {
                    step.due = *step_due;
                }
            }
            Event::Apologized {
                reason,
                new_appointment,
                notice_in_time,
                working_days_before,
                too_early,
            } => {
                self.apology = Some(Apology {
                    reason: reason.clone(),
                    new_appointment: *new_appointment,
                    at,
                    notice_in_time: *notice_in_time,
                    working_days_before: *working_days_before,
                    too_early: *too_early,
                });
            }
            Event::ResultReady {
                outcome,
                step_result,
                result,
            } => {
                let desk = self.return_point().to_owned();
                if let Some(step) = self.current_step_mut() {
                    step.finished_at = Some(at);
                    step.finished_by = Some(rec.actor.clone());
                    step.result = Some(*step_result);
                    step.handed_to = Some(desk.clone());
                }
                self.current_unit = desk;
                self.status = Status::ResultReady;
                self.outcome = Some(outcome.clone());
                self.result = Some(*result);
                self.finished_at = Some(at);
            }
            Event::Returned { to_whom, .. } => {
                self.status = Status::Returned;
                self.returned_to = Some(to_whom.clone());
                self.returned_at = Some(at);
                self.closed_at = Some(at);
            }
            Event::Withdrawn { reason } => {
                self.close_pause(at);
                self.status = Status::Withdrawn;
                self.withdrawal = Some(reason.clone());
                self.closed_at = Some(at);
            }
            Event::Rated { rating, .. } => {
                self.rating = Some(*rating);
            }
            Event::DocumentIssued { document } => {
                self.documents.push(Issued {
                    document: document.clone(),
                    at,
                    seq: rec.seq,
                });
            }
            Event::PaperDigitised { paper, file } => {
                if let Some(p) = self.papers.get_mut(*paper) {
                    p.file = Some(file.clone());
                }
            }
            Event::PopulationDataUsed { fields } => {
                for f in fields {
                    if !self.population_data.contains(f) {
                        self.population_data.push(f.clone());
                    }
                }
            }
            Event::FeeAssessed { assessment, pause } => {
                self.fees = Some(crate::payment::Fees {
                    assessment: assessment.clone(),
                    assessed_at: at,
                    payments: vec![],
                });
                if *pause {
                    self.status = Status::Paused;
                    self.pauses.push(PauseRecord {
                        kind: PauseKind::FinancialObligation,
                        reason: FEE_PAUSE_REASON.to_owned(),
                        from: at,
                        to: None,
                    });
                }
            }
            Event::FeePaid {
                payment,
                due,
                step_due,
            } => {
                if let Some(f) = self.fees.as_mut() {
                    f.payments.push(crate::payment::PaymentRecord {
                        payment: payment.clone(),
                        at,
                        seq: rec.seq,
                    });
                }
                if let (Some(due), Some(step_due)) = (due, step_due) {
                    self.close_pause(at);
                    self.status = Status::Processing;
                    self.due = Some(*due);
                    if let Some(step) = self.current_step_mut() {
                        step.due = *step_due;
                    }
                }
            }
            Event::Transferred {
                from_unit,
                to_unit,
                decision,
                date,
                next,
            } => {
                if let Some(next) = next {
                    if let Some(step) = self.current_step_mut() {
                        step.finished_at = Some(at);
                        step.finished_by = Some(rec.actor.clone());
                        step.handed_to = Some(to_unit.clone());
                        step.note = Some(format!(
                            "Chuyển giao theo Quyết định {decision} ngày {}",
                            date.format("%d/%m/%Y")
                        ));
                    }
                    self.steps.push(Step::open(next, rec));
                }
                if self.current_unit == *from_unit {
                    self.current_unit = to_unit.clone();
                }
                if self.unit == *from_unit {
                    self.unit = to_unit.clone();
                }
                for u in [&mut self.competent, &mut self.return_unit]
                    .into_iter()
                    .flatten()
                {
                    if u == from_unit {
                        *u = to_unit.clone();
                    }
                }
            }
        }
    }

    fn close_pause(&mut self, at: Instant) {
        if let Some(p) = self.pauses.last_mut().filter(|p| p.to.is_none()) {
            p.to = Some(at);
        }
    }

    /// The agency competent to resolve it: the one the reception named (a boundary-free
    /// reception), else the receiving unit (every dossier received before there were two).
    pub fn competent_unit(&self) -> &str {
        self.competent.as_deref().unwrap_or(&self.unit)
    }

    /// Where the result is returned: the point the applicant chose, else the receiving unit.
    pub fn return_point(&self) -> &str {
        self.return_unit.as_deref().unwrap_or(&self.unit)
    }

    /// Received at one point for another agency (tiếp nhận không phụ thuộc địa giới hành chính).
    pub fn is_boundary_free(&self) -> bool {
        self.competent_unit() != self.unit
    }

    /// Whether a signed electronic certified copy was issued (Decision 766, indicator 4.6).
    pub fn has_electronic_copy(&self) -> bool {
        self.documents
            .iter()
            .any(|i| i.document.kind == DocumentKind::CertifiedCopy)
    }

    /// Whether a signed electronic result was issued (Decision 766, indicator 4.1).
    pub fn has_electronic_result(&self) -> bool {
        self.documents
            .iter()
            .any(|i| i.document.kind == DocumentKind::Result)
    }

    /// The date promised to the applicant: the new appointment after an apology, else the due time.
    pub fn appointment(&self) -> Option<Instant> {
        self.apology
            .as_ref()
            .map(|a| a.new_appointment)
            .or(self.due)
    }

    /// The agency a supplement request came from: recorded, or for older records the receiving unit
    /// at reception and the unit of the step otherwise.
    pub fn supplement_agency(&self, s: &SupplementRequest) -> String {
        if let Some(a) = &s.agency {
            return a.clone();
        }
        match s.stage {
            Stage::Reception => self.unit.clone(),
            Stage::Step(i) => self
                .steps
                .iter()
                .rev()
                .find(|x| x.index == i && x.started_at <= s.at)
                .map_or_else(|| self.unit.clone(), |x| x.unit.clone()),
        }
    }

    /// Working days the open supplement request has waited at `now` (None when none is open).
    pub fn supplement_waiting(
        &self,
        cal: &WorkCalendar,
        now: Instant,
    ) -> Result<Option<u32>, CalendarError> {
        match self.supplements.last() {
            Some(s)
                if self.status == Status::SupplementRequested && s.supplemented_at.is_none() =>
            {
                Ok(Some(cal.working_days_between(
                    to_local(s.at).date(),
                    to_local(now).date(),
                )?))
            }
            _ => Ok(None),
        }
    }

    /// Whether the new appointment of an apology was kept: None without an apology or while the
    /// result is not ready.
    pub fn appointment_kept(&self) -> Option<bool> {
        let a = self.apology.as_ref()?;
        self.finished_at.map(|f| f <= a.new_appointment)
    }

    /// Withdrawn after its legal due time had passed (a late dossier taken out of the late count).
    pub fn withdrawn_late(&self) -> bool {
        self.withdrawal.is_some()
            && self.finished_at.is_none()
            && matches!((self.closed_at, self.due), (Some(c), Some(d)) if c > d)
    }

    /// Open and past its due time at `now` (a running pause still stops the clock).
    pub fn is_overdue(&self, now: Instant) -> bool {
        matches!(self.status, Status::Processing) && self.due.is_some_and(|d| now > d)
    }

    fn current_step(&self) -> Option<&Step> {
        self.steps.last()
    }

    /// The legal basis and form set the dossier is handled under: the one recorded at reception, or
    /// for older records the one in force on the reception date (submission date before reception).
    pub fn legal_basis(&self) -> &'static crate::rules::LegalBasis {
        self.basis
            .as_deref()
            .and_then(crate::rules::basis)
            .unwrap_or_else(|| {
                let at = self.received_at.or(self.submitted_at);
                crate::rules::basis_on(at.map_or(NaiveDate::MAX, |t| to_local(t).date()))
            })
    }

    /// The legal limit this dossier runs under: the one its reception condition gave, else the base.
    pub fn legal_limit(&self) -> Limit {
        self.limit.unwrap_or(self.procedure.limit)
    }
}

/// What a command may need besides the state: the time, the calendar, and facts the caller looked up.
pub struct Context<'a> {
    pub now: Instant,
    pub calendar: &'a WorkCalendar,
}

/// What the officer records at reception besides the applicant and the papers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReceptionDetails {
    /// One of the procedure's named conditions, when its own limit applies.
    #[serde(default)]
    pub condition: Option<String>,
    /// Mandatory papers not brought, each with the reason it was received anyway.
    #[serde(default)]
    pub missing_papers: Vec<MissingPaper>,
    /// Papers attached from the citizen's store instead of a new scan ("Đã số hóa: dùng lại"),
    /// offered by the applicant's ID number; only with `reuse_consent`.
    #[serde(default)]
    pub reuse: Vec<ReusedPaper>,
    /// The applicant agreed that papers already digitised be reused for this dossier.
    #[serde(default)]
    pub reuse_consent: bool,
    /// The competent agency, when it is not the receiving unit: only for a boundary-free procedure
    /// (`ProcedureRef::boundary_free`); the caller checks that it is a unit of the province.
    #[serde(default)]
    pub competent_unit: Option<String>,
    /// Where the applicant chose to collect the result (None: the receiving unit).
    #[serde(default)]
    pub return_unit: Option<String>,
}

/// Everything that can be asked of a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Command {
    SubmitOnline {
        procedure: ProcedureRef,
        unit: String,
        applicant: Applicant,
        papers: Vec<Paper>,
    },
    /// Reception of a complete dossier; `code` is the next free code of the unit for today.
    Receive {
        code: String,
        channel: Channel,
        procedure: Option<ProcedureRef>,
        unit: Option<String>,
        applicant: Option<Applicant>,
        papers: Option<Vec<Paper>>,
        /// What the officer adds at the counter: a condition, reasons for missing papers, ...
        #[serde(default)]
        details: ReceptionDetails,
    },
    RequestSupplement {
        items: Vec<String>,
        reason: String,
    },
    Supplement {
        note: String,
    },
    /// The applicant's own answer to a supplement request, online: the papers uploaded (each with
    /// its file) and a note. The clock is counted as for a supplement brought to the desk.
    SupplementOnline {
        note: String,
        papers: Vec<Paper>,
    },
    /// Correct one detail of the applicant, saying why.
    Correct {
        field: CorrectionField,
        value: String,
        reason: String,
    },
    /// Erase the applicant's personal data (a data subject's request, or the end of retention).
    ErasePersonalData {
        reason: String,
    },
    /// Close a dossier whose supplement request waited past the province's limit (the desk's act).
    ReturnUnsupplemented {
        reason: String,
    },
    Refuse {
        reason: String,
    },
    HandOver {
        to_unit: String,
        external: bool,
        note: String,
        /// A member of staff of `to_unit` to hand it to (checked by the caller against the unit).
        #[serde(default)]
        to_staff: Option<i64>,
    },
    Pause {
        pause: PauseKind,
        reason: String,
    },
    Resume,
    Apologize {
        reason: String,
        new_appointment: Instant,
    },
    MarkResultReady {
        outcome: Outcome,
    },
    Return {
        to_whom: String,
    },
    Withdraw {
        reason: String,
    },
    Rate {
        rating: Rating,
        comment: String,
    },
    /// Record a signed electronic document (built and signed by the caller) as issued.
    IssueDocument {
        document: IssuedDocument,
    },
    /// Attach the scan of a paper received on paper (`paper`: index from 0; `file`: its SHA-256).
    DigitisePaper {
        paper: usize,
        file: String,
    },
    /// Record the fees owed (the caller assesses them from the pinned procedure's fee lines with
    /// `payment::assess`); refused once something was paid.
    AssessFee {
        assessment: crate::payment::Assessment,
    },
    /// Record that the applicant's details (`fields`: full_name, id_number, date_of_birth, sex,
    /// address) came from the national population database.
    RecordPopulationData {
        fields: Vec<String>,
    },
    /// Record a payment of what is owed: at the desk (cash or transfer, with the electronic
    /// receipt), or online as a gateway's verified notification confirmed it.
    RecordPayment {
        payment: crate::payment::Payment,
    },
    /// Move an unfinished dossier of a closed unit to its successor (the caller checks that
    /// `from_unit` is closed and `to_unit` one of its successors).
    Transfer {
        from_unit: String,
        to_unit: String,
        decision: String,
        date: NaiveDate,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::SubmitOnline { .. } => "submit",
            Command::Receive { .. } => "receive",
            Command::RequestSupplement { .. } => "request_supplement",
            Command::Supplement { .. } => "supplement",
            Command::SupplementOnline { .. } => "supplement_online",
            Command::ReturnUnsupplemented { .. } => "return_unsupplemented",
            Command::Correct { .. } => "correct",
            Command::ErasePersonalData { .. } => "erase_personal_data",
            Command::Refuse { .. } => "refuse",
            Command::HandOver { .. } => "hand_over",
            Command::Pause { .. } => "pause",
            Command::Resume => "resume",
            Command::Apologize { .. } => "apologize",
            Command::MarkResultReady { .. } => "result_ready",
            Command::Return { .. } => "return",
            Command::Withdraw { .. } => "withdraw",
            Command::Rate { .. } => "rate",
            Command::IssueDocument { .. } => "issue_document",
            Command::DigitisePaper { .. } => "digitise_paper",
            Command::Transfer { .. } => "transfer",
            Command::AssessFee { .. } => "assess_fee",
            Command::RecordPayment { .. } => "record_payment",
            Command::RecordPopulationData { .. } => "record_population_data",
        }
    }

    /// What a member of staff needs to run this command: a permission, over a unit (the receiving
    /// desk's unit for desk work, the holding unit for processing). None: the applicant's own act.
    pub fn permission(&self, d: Option<&Dossier>) -> Option<(crate::authz::Action, String)> {
        use crate::authz::Action;
        let desk = || {
            d.map(|d| d.unit.clone())
                .or_else(|| match self {
                    Command::Receive { unit, .. } => unit.clone(),
                    _ => None,
                })
                .unwrap_or_default()
        };
        let holder = || d.map(|d| d.current_unit.clone()).unwrap_or_default();
        let return_point = || d.map(|d| d.return_point().to_owned()).unwrap_or_default();
        let at_reception = d.is_none_or(|d| d.received_at.is_none() || d.steps.len() <= 1);
        match self {
            Command::SubmitOnline { .. }
            | Command::SupplementOnline { .. }
            | Command::Rate { .. } => None,
            Command::Receive { .. }
            | Command::Supplement { .. }
            | Command::ReturnUnsupplemented { .. }
            | Command::Correct { .. }
            | Command::Refuse { .. }
            | Command::Withdraw { .. }
            | Command::IssueDocument { .. }
            | Command::DigitisePaper { .. }
            | Command::AssessFee { .. }
            | Command::RecordPopulationData { .. } => Some((Action::Desk, desk())),
            // An online payment is the gateway's act, confirmed by its signed notification.
            Command::RecordPayment { payment }
                if payment.method == crate::payment::PaymentMethod::Online =>
            {
                None
            }
            Command::RecordPayment { .. } => Some((Action::Desk, desk())),
            // The desk hands a dossier over to processing, and asks for supplements before reception.
            Command::HandOver { .. } if at_reception => Some((Action::Desk, desk())),
            Command::RequestSupplement { .. } if d.is_some_and(|d| d.received_at.is_none()) => {
                Some((Action::Desk, desk()))
            }
            Command::RequestSupplement { .. }
            | Command::HandOver { .. }
            | Command::Pause { .. }
            | Command::Resume => Some((Action::Process, holder())),
            Command::Apologize { .. } | Command::MarkResultReady { .. } => {
                Some((Action::Decide, holder()))
            }
            // The result is handed over where the applicant chose to collect it.
            Command::Return { .. } => Some((Action::Desk, return_point())),
            Command::ErasePersonalData { .. } => Some((Action::AdministerUnit, desk())),
            Command::Transfer { to_unit, .. } => Some((Action::AdministerSystem, to_unit.clone())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DossierError {
    #[error(
        "không thể thực hiện '{action}' khi hồ sơ đang ở trạng thái '{}' / '{action}' is not allowed when the dossier is {}",
        status.map_or("chưa có", |s| s.label_vi()),
        status.map_or("new", |s| s.as_str())
    )]
    IllegalTransition {
        action: &'static str,
        status: Option<Status>,
    },
    #[error("{vi} / {en}")]
    Rule { vi: String, en: String },
    #[error("{field}: {vi} / {en}")]
    Invalid {
        field: String,
        vi: String,
        en: String,
    },
    #[error("hồ sơ không có sự kiện nào / the dossier has no events")]
    Empty,
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl crate::msg::Bilingual for DossierError {
    fn msg(&self) -> crate::msg::Msg {
        use crate::msg::Msg;
        match self {
            DossierError::IllegalTransition { action, status } => Msg::new(
                format!(
                    "không thể thực hiện '{action}' khi hồ sơ đang ở trạng thái '{}'",
                    status.map_or("chưa có", |s| s.label_vi())
                ),
                format!(
                    "'{action}' is not allowed when the dossier is {}",
                    status.map_or("new", |s| s.as_str())
                ),
            ),
            DossierError::Rule { vi, en } | DossierError::Invalid { vi, en, .. } => {
                Msg::new(vi.clone(), en.clone())
            }
            DossierError::Empty => {
                Msg::new("hồ sơ không có sự kiện nào", "the dossier has no events")
            }
            DossierError::Calendar(e) => e.msg(),
        }
    }
}

impl DossierError {
    pub fn invalid(field: &str, vi: &str, en: &str) -> DossierError {
        DossierError::Invalid {
            field: field.into(),
            vi: vi.into(),
            en: en.into(),
        }
    }

    fn rule(vi: &str, en: &str) -> DossierError {
        DossierError::Rule {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

fn text(field: &str, value: &str, required: bool, max: usize) -> Result<String, DossierError> {
    let v = clean(value);
    if required && v.is_empty() {
        return Err(DossierError::Invalid {
            field: field.into(),
            vi: "không được để trống".into(),
            en: "must not be empty".into(),
        });
    }
    if v.chars().count() > max {
        return Err(DossierError::Invalid {
            field: field.into(),
            vi: format!("không quá {max} ký tự"),
            en: format!("must be at most {max} characters"),
        });
    }
    Ok(v)
}

fn papers(list: Vec<Paper>) -> Result<Vec<Paper>, DossierError> {
    if list.len() > 100 {
        return Err(DossierError::invalid(
            "papers",
            "không quá 100 thành phần hồ sơ",
            "at most 100 papers",
        ));
    }
    list.into_iter()
        .map(|p| {
            let name = text("papers.name", &p.name, true, 500)?;
            if !(1..=100).contains(&p.copies) {
                return Err(DossierError::invalid(
                    "papers.copies",
                    "số bản từ 1 đến 100",
                    "copies must be 1 to 100",
                ));
            }
            if p.file
                .as_ref()
                .is_some_and(|f| f.len() != 64 || !f.chars().all(|c| c.is_ascii_hexdigit()))
            {
                return Err(DossierError::invalid(
                    "papers.file",
                    "tệp đính kèm không hợp lệ",
                    "invalid attached file reference",
                ));
            }
            Ok(Paper {
                name,
                copies: p.copies,
                file: p.file,
                kind: p.kind,
            })
        })
        .collect()
}

/// Due time of a limit counted from `start`, in UTC instants.
fn due_from(cal: &WorkCalendar, start: Instant, limit: Limit) -> Result<Instant, DossierError> {
    Ok(from_local(cal.due(to_local(start), limit)?.due))
}

/// The due time of a limit counted from `start`, with every pause since then.
fn due_with_pauses(
    cal: &WorkCalendar,
    start: Instant,
    limit: Limit,
    pauses: &[PauseRecord],
    now: Instant,
) -> Result<Instant, DossierError> {
    let local: Vec<Pause> = pauses
        .iter()
        .filter(|p| p.to.is_none_or(|to| to > start))
        .map(|p| Pause {
            from: to_local(p.from.max(start)),
            to: p.to.map(to_local),
        })
        .collect();
    Ok(from_local(
        cal.due_with_pauses(to_local(start), limit, &local, to_local(now))?
            .due,
    ))
}

/// The next step's plan: its name, budget and place in the procedure's workflow, or the rest of the
/// dossier's time. When the workflow names who performs each step, the budget follows the agency the
/// dossier goes to (the first of its steps after the current planned one, else its first: a return
/// for another round); otherwise it follows the position.
fn step_plan(
    procedure: &ProcedureRef,
    index: usize,
    to_unit: &str,
    after: Option<usize>,
) -> (String, Option<Limit>, Option<usize>) {
    let by_performer = procedure.steps.iter().any(|s| s.performer.is_some());
    let planned = if by_performer {
        let theirs: Vec<usize> = (0..procedure.steps.len())
            .filter(|&i| procedure.steps[i].performer.as_deref() == Some(to_unit))
            .collect();
        theirs
            .iter()
            .copied()
            .find(|&i| after.is_none_or(|a| i > a))
            .or_else(|| theirs.first().copied())
    } else {
        (index < procedure.steps.len()).then_some(index)
    };
    match planned.map(|i| (i, &procedure.steps[i])) {
        Some((i, s)) => (s.name.clone(), Some(s.budget), Some(i)),
        None => (format!("Bước {}", index + 1), None, None),
    }
}

/// Decides what a command does to a dossier (None: the dossier does not exist yet).
pub fn decide(
    state: Option<&Dossier>,
    command: Command,
    ctx: &Context,
) -> Result<Event, DossierError> {
    let now = ctx.now;
    let cal = ctx.calendar;
    let action = command.name();
    let illegal = |status: Option<Status>| DossierError::IllegalTransition { action, status };
    let erased = || DossierError::Rule {
        vi: "dữ liệu cá nhân của người nộp đã bị xóa theo yêu cầu".into(),
        en: "the applicant's personal data was erased on request".into(),
    };
    let status = state.map(|d| d.status);
    match (state, command) {
        (
            None,
            Command::SubmitOnline {
                procedure,
                unit,
                applicant,
                papers: list,
            },
        ) => Ok(Event::Submitted {
            procedure,
            unit,
            applicant: applicant.validated()?,
            papers: papers(list)?,
        }),
        (
            state,
            Command::Receive {
                code,
                channel,
                procedure,
                unit,
                applicant,
                papers: list,
                details,
            },
        ) => {
            let (procedure, unit, applicant, list) = match state {
                None => (
                    procedure.ok_or_else(|| {
                        DossierError::invalid(
                            "procedure",
                            "chưa chọn thủ tục",
                            "no procedure given",
                        )
                    })?,
                    unit.ok_or_else(|| {
                        DossierError::invalid("unit", "chưa chọn đơn vị", "no unit given")
                    })?,
                    applicant
                        .ok_or_else(|| {
                            DossierError::invalid(
                                "applicant",
                                "thiếu thông tin người nộp",
                                "no applicant given",
                            )
                        })?
                        .validated()?,
                    papers(list.unwrap_or_default())?,
                ),
                Some(d) if d.status == Status::Submitted => (
                    d.procedure.clone(),
                    d.unit.clone(),
                    d.applicant.clone(),
                    d.papers.clone(),
                ),
                Some(d) => return Err(illegal(Some(d.status))),
            };
            if state.is_none() && channel == Channel::Online {
                return Err(DossierError::rule(
                    "hồ sơ trực tuyến phải được nộp trước khi tiếp nhận",
                    "an online dossier must be submitted before it is received",
                ));
            }
            let condition = details
                .condition
                .map(|c| clean(&c))
                .filter(|c| !c.is_empty());
            let limit = procedure.limit_for(condition.as_deref()).ok_or_else(|| {
                DossierError::invalid(
                    "details.condition",
                    "thủ tục không có điều kiện này",
                    "the procedure has no such condition",
                )
            })?;
            let missing_papers = check_papers(&procedure, &list, details.missing_papers)?;
            let reused = check_reuse(&list, details.reuse, details.reuse_consent)?;
            let (competent, return_unit) = match state {
                Some(d) => (d.competent.clone(), d.return_unit.clone()),
                None => (
                    details
                        .competent_unit
                        .map(|c| clean(&c))
                        .filter(|c| !c.is_empty() && *c != unit),
                    details
                        .return_unit
                        .map(|c| clean(&c))
                        .filter(|c| !c.is_empty() && *c != unit),
                ),
            };
            if competent.is_some() && !procedure.boundary_free {
                let r = crate::rules::rule(crate::rules::BOUNDARY_FREE);
                return Err(DossierError::Invalid {
                    field: "details.competent_unit".into(),
                    vi: format!(
                        "thủ tục {} không thuộc danh mục tiếp nhận không phụ thuộc địa giới hành chính: chỉ cơ quan có thẩm quyền tiếp nhận ({})",
                        procedure.code,
                        r.cite()
                    ),
                    en: format!(
                        "procedure {} is not listed as received regardless of administrative boundaries: only the competent agency receives it ({})",
                        procedure.code,
                        r.cite()
                    ),
                });
            }
            let due = due_from(cal, now, limit)?;
            let (name, budget, planned) = match &competent {
                // The receiving point's own step: hand the dossier to the competent agency.
                Some(_) => (
                    "Chuyển hồ sơ đến cơ quan có thẩm quyền".to_owned(),
                    Some(Limit::SameDay),
                    None,
                ),
                None => step_plan(&procedure, 0, &unit, None),
            };
            let step_due = match budget {
                Some(b) => due_from(cal, now, b)?,
                None => due,
            };
            Ok(Event::Received {
                code,
                channel: if state.is_some() {
                    Channel::Online
                } else {
                    channel
                },
                rule_set: RuleSet::in_force_on(to_local(now).date()),
                due,
                step: StepStart {
                    index: 0,
                    name,
                    unit: unit.clone(),
                    holder: None,
                    budget,
                    due: step_due,
                    planned,
                },
                limit: condition.as_ref().map(|_| limit),
                condition,
                basis: Some(crate::rules::basis_on(to_local(now).date()).id.to_owned()),
                missing_papers,
                reuse_consent: details.reuse_consent && !reused.is_empty(),
                reused,
                competent,
                return_unit,
                procedure,
                unit,
                applicant,
                papers: list,
            })
        }
        (Some(d), Command::RequestSupplement { items, reason }) => {
            let (stage, agency) = match d.status {
                Status::Submitted => (Stage::Reception, d.unit.clone()),
                Status::Processing => {
                    let step = d.current_step();
                    (
                        Stage::Step(step.map_or(0, |s| s.index)),
                        step.map_or_else(|| d.unit.clone(), |s| s.unit.clone()),
                    )
                }
                s => return Err(illegal(Some(s))),
            };
            // Once per agency holding the dossier, at reception or during processing.
            if d.supplements
                .iter()
                .any(|s| d.supplement_agency(s) == agency)
            {
                let r = crate::rules::rule(crate::rules::SUPPLEMENT_ONCE_PER_AGENCY);
                return Err(DossierError::Rule {
                    vi: format!(
                        "cơ quan {agency} đã yêu cầu bổ sung hồ sơ này một lần; yêu cầu phải đầy đủ ngay từ lần đầu ({})",
                        r.cite()
                    ),
                    en: format!(
                        "agency {agency} already asked for a supplement on this dossier; it must ask once, completely ({})",
                        r.cite()
                    ),
                });
            }
            let items = items
                .iter()
                .map(|i| text("items", i, true, 500))
                .collect::<Result<Vec<_>, _>>()?;
            if items.is_empty() || items.len() > 50 {
                return Err(DossierError::invalid(
                    "items",
                    "cần liệt kê từ 1 đến 50 nội dung cần bổ sung",
                    "list 1 to 50 items to supplement",
                ));
            }
            Ok(Event::SupplementRequested {
                stage,
                items,
                reason: text("reason", &reason, true, 2000)?,
                agency: Some(agency),
            })
        }
        (
            Some(d),
            Command::Correct {
                field,
                value,
                reason,
            },
        ) => {
            if matches!(d.status, Status::Refused | Status::Withdrawn) {
                return Err(illegal(Some(d.status)));
            }
            if d.erased_at.is_some() {
                return Err(erased());
            }
            let reason = text("reason", &reason, true, 2000)?;
            let corrected = d
                .applicant
                .with_field(field, &value)
                .ok_or_else(|| {
                    DossierError::invalid(
                        "field",
                        "thông tin này không áp dụng cho loại người nộp của hồ sơ",
                        "this detail does not apply to the dossier's kind of applicant",
                    )
                })?
                .validated()?;
            let (from, to) = (d.applicant.field(field), corrected.field(field));
            if from == to {
                return Err(DossierError::invalid(
                    "value",
                    "giá trị mới trùng giá trị hiện tại",
                    "the new value is the current one",
                ));
            }
            Ok(Event::Corrected {
                field,
                from,
                to,
                reason,
                sealed: None,
            })
        }
        (Some(d), Command::ErasePersonalData { reason }) => {
            if d.erased_at.is_some() {
                return Err(erased());
            }
            Ok(Event::PersonalDataErased {
                reason: text("reason", &reason, true, 2000)?,
            })
        }
        (Some(d), Command::ReturnUnsupplemented { reason }) => {
            let waited = d
                .supplement_waiting(cal, now)?
                .ok_or_else(|| illegal(Some(d.status)))?;
            let limit = cal.rules_on(to_local(now).date()).supplement_wait_days;
            if waited <= limit {
                return Err(DossierError::Rule {
                    vi: format!(
                        "yêu cầu bổ sung mới chờ {waited} ngày làm việc; chỉ trả lại khi quá {limit} ngày"
                    ),
                    en: format!(
                        "the supplement request has waited {waited} working days; it may be returned only after {limit}"
                    ),
                });
            }
            Ok(Event::ReturnedUnsupplemented {
                reason: text("reason", &reason, true, 2000)?,
                waited_working_days: waited,
            })
        }
        (Some(d), Command::Supplement { note }) => {
            if d.status != Status::SupplementRequested {
                return Err(illegal(Some(d.status)));
            }
            supplemented(d, cal, now, note, vec![])
        }
        (Some(d), Command::SupplementOnline { note, papers: list }) => {
            if d.status != Status::SupplementRequested {
                return Err(illegal(Some(d.status)));
            }
            let list = papers(list)?;
            if list.iter().any(|p| p.file.is_none()) {
                return Err(DossierError::invalid(
                    "papers.file",
                    "mỗi giấy tờ bổ sung trực tuyến phải kèm tệp",
                    "each paper supplemented online needs its file",
                ));
            }
            if list.is_empty() && clean(&note).is_empty() {
                return Err(DossierError::invalid(
                    "papers",
                    "hãy gửi ít nhất một tệp hoặc ghi chú",
                    "send at least one file or a note",
                ));
            }
            supplemented(d, cal, now, note, list)
        }
        (Some(d), Command::Refuse { reason }) => match d.status {
            Status::Submitted | Status::SupplementRequested if d.received_at.is_none() => {
                Ok(Event::Refused {
                    reason: text("reason", &reason, true, 2000)?,
                })
            }
            s => Err(illegal(Some(s))),
        },
        (
            Some(d),
            Command::HandOver {
                to_unit,
                external,
                note,
                to_staff,
            },
        ) => {
            if d.status != Status::Processing {
                return Err(illegal(Some(d.status)));
            }
            let step = d.current_step().ok_or_else(|| illegal(Some(d.status)))?;
            if d.is_boundary_free() && d.steps.len() == 1 && to_unit != d.competent_unit() {
                return Err(DossierError::Invalid {
                    field: "to_unit".into(),
                    vi: format!(
                        "hồ sơ tiếp nhận không phụ thuộc địa giới hành chính phải chuyển đến cơ quan có thẩm quyền {}",
                        d.competent_unit()
                    ),
                    en: format!(
                        "a dossier received regardless of boundaries goes to its competent agency {}",
                        d.competent_unit()
                    ),
                });
            }
            let index = step.index + 1;
            let (name, budget, planned) = step_plan(&d.procedure, index, &to_unit, step.planned);
            let due = d.due.ok_or_else(|| illegal(Some(d.status)))?;
            let next_due = match budget {
                Some(b) => due_from(cal, now, b)?,
                None => due.max(now),
            };
            Ok(Event::HandedOver {
                from_unit: step.unit.clone(),
                to_unit: to_unit.clone(),
                external,
                step_result: Timeliness::classify(to_local(now), to_local(step.due)),
                next: StepStart {
                    index,
                    name,
                    unit: to_unit,
                    holder: to_staff,
                    budget,
                    due: next_due,
                    planned,
                },
                note: text("note", &note, false, 2000)?,
            })
        }
        (Some(d), Command::Pause { pause, reason }) => {
            if d.status != Status::Processing {
                return Err(illegal(Some(d.status)));
            }
            if pause == PauseKind::Supplement {
                return Err(DossierError::rule(
                    "dùng yêu cầu bổ sung hồ sơ để tạm dừng chờ bổ sung",
                    "use a supplement request to pause for a supplement",
                ));
            }
            Ok(Event::Paused {
                pause,
                reason: text("reason", &reason, true, 2000)?,
            })
        }
        (Some(d), Command::RecordPopulationData { fields }) => {
            if matches!(
                d.status,
                Status::Returned | Status::Refused | Status::Withdrawn
            ) {
                return Err(illegal(Some(d.status)));
            }
            if d.applicant.kind != ApplicantKind::Citizen {
                return Err(DossierError::rule(
                    "chỉ công dân Việt Nam có dữ liệu trong CSDL quốc gia về dân cư",
                    "only Vietnamese citizens are in the population database",
                ));
            }
            let mut fields: Vec<String> = fields.iter().map(|f| clean(f)).collect();
            fields.sort();
            fields.dedup();
            if fields.is_empty()
                || fields
                    .iter()
                    .any(|f| !POPULATION_FIELDS.contains(&f.as_str()))
            {
                return Err(DossierError::invalid(
                    "fields",
                    "cần ít nhất một trường: full_name, id_number, date_of_birth, sex, address",
                    "at least one of full_name, id_number, date_of_birth, sex, address",
                ));
            }
            if fields.iter().all(|f| d.population_data.contains(f)) {
                return Err(DossierError::rule(
                    "đã ghi nhận các trường này",
                    "these fields are recorded already",
                ));
            }
            Ok(Event::PopulationDataUsed { fields })
        }
        (Some(d), Command::AssessFee { assessment }) => {
            if !matches!(
                d.status,
                Status::Processing
                    | Status::Paused
                    | Status::SupplementRequested
                    | Status::ResultReady
            ) {
                return Err(illegal(Some(d.status)));
            }
            if d.fees.as_ref().is_some_and(|f| !f.payments.is_empty()) {
                return Err(DossierError::rule(
                    "đã có khoản nộp: không xác định lại phí, lệ phí",
                    "something was paid already: the fees cannot be assessed again",
                ));
            }
            let sum: i64 = assessment.lines.iter().map(|l| l.amount).sum();
            if sum != assessment.total
                || assessment
                    .lines
                    .iter()
                    .any(|l| !(0..=crate::payment::MAX_AMOUNT).contains(&l.amount))
                || assessment.total > crate::payment::MAX_AMOUNT
            {
                return Err(DossierError::invalid(
                    "fees",
                    "tổng phí phải bằng tổng các dòng, mỗi dòng không âm",
                    "the total must be the sum of the lines, none negative",
                ));
            }
            Ok(Event::FeeAssessed {
                pause: assessment.total > 0 && d.status == Status::Processing,
                assessment,
            })
        }
        (Some(d), Command::RecordPayment { payment }) => {
            if matches!(
                d.status,
                Status::Submitted | Status::Returned | Status::Refused | Status::Withdrawn
            ) {
                return Err(illegal(Some(d.status)));
            }
            let payment = payment.validated().map_err(|e| DossierError::Invalid {
                field: e.field.to_owned(),
                vi: e.vi,
                en: e.en,
            })?;
            let balance = d.fees.as_ref().map_or(0, |f| f.balance());
            if balance == 0 {
                return Err(DossierError::rule(
                    "hồ sơ không còn khoản phí, lệ phí nào phải nộp",
                    "the dossier owes nothing",
                ));
            }
            if payment.amount != balance {
                return Err(DossierError::Invalid {
                    field: "amount".into(),
                    vi: format!("số tiền phải bằng số còn phải nộp: {balance} đồng"),
                    en: format!("the amount must be what is owed: {balance} đồng"),
                });
            }
            // Settled: a dossier waiting for it resumes, its clock pushed back by the wait.
            let waiting = d.status == Status::Paused
                && d.pauses
                    .last()
                    .is_some_and(|p| p.to.is_none() && p.kind == PauseKind::FinancialObligation);
            let (due, step_due) = if waiting {
                let (due, step_due) = dues_after_pause(d, cal, now)?;
                (Some(due), Some(step_due))
            } else {
                (None, None)
            };
            Ok(Event::FeePaid {
                payment,
                due,
                step_due,
            })
        }
        (Some(d), Command::Resume) => {
            if d.status != Status::Paused {
                return Err(illegal(Some(d.status)));
            }
            let (due, step_due) = dues_after_pause(d, cal, now)?;
            Ok(Event::Resumed { due, step_due })
        }
        (
            Some(d),
            Command::Apologize {
                reason,
                new_appointment,
            },
        ) => {
            if !matches!(
                d.status,
                Status::Processing | Status::Paused | Status::SupplementRequested
            ) || d.received_at.is_none()
            {
                return Err(illegal(Some(d.status)));
            }
            if d.apology.is_some() {
                return Err(DossierError::rule(
                    "chỉ được hẹn lại ngày trả kết quả một lần",
                    "a new appointment may be set only once",
                ));
            }
            let due = d.due.ok_or_else(|| illegal(Some(d.status)))?;
            if new_appointment <= due {
                return Err(DossierError::invalid(
                    "new_appointment",
                    "ngày hẹn mới phải sau hạn giải quyết hiện tại",
                    "the new appointment must be after the current due time",
                ));
            }
            if new_appointment > now + TimeDelta::days(366) {
                return Err(DossierError::invalid(
                    "new_appointment",
                    "ngày hẹn mới không được quá một năm",
                    "the new appointment must be within a year",
                ));
            }
            let (today, due_day) = (to_local(now).date(), to_local(due).date());
            let before = cal.working_days_between(today, due_day)?;
            Ok(Event::Apologized {
                reason: text("reason", &reason, true, 2000)?,
                new_appointment,
                notice_in_time: before >= 1,
                working_days_before: Some(before),
                too_early: before > cal.rules_on(today).apology_window_days,
            })
        }
        (Some(d), Command::MarkResultReady { outcome }) => {
            if d.status != Status::Processing {
                return Err(illegal(Some(d.status)));
            }
            if d.is_boundary_free() && !d.steps.iter().any(|s| s.unit == d.competent_unit()) {
                return Err(DossierError::rule(
                    "hồ sơ chưa được chuyển đến cơ quan có thẩm quyền giải quyết",
                    "the dossier has not yet reached the agency competent to resolve it",
                ));
            }
            let outcome = match outcome {
                Outcome::Approved => Outcome::Approved,
                Outcome::Denied { reason } => Outcome::Denied {
                    reason: text("reason", &reason, true, 2000)?,
                },
            };
            let step = d.current_step().ok_or_else(|| illegal(Some(d.status)))?;
            let due = d.due.ok_or_else(|| illegal(Some(d.status)))?;
            // Against the legal due time only: an apology is a separate fact (rules::APOLOGY_NOT_ON_TIME).
            let result = Timeliness::classify(to_local(now), to_local(due));
            Ok(Event::ResultReady {
                outcome,
                step_result: Timeliness::classify(to_local(now), to_local(step.due)),
                result,
            })
        }
        (Some(d), Command::Return { to_whom }) => {
            if d.status != Status::ResultReady {
                return Err(illegal(Some(d.status)));
            }
            // Who received it is personal data, and nothing more is recorded about an erased one.
            if d.erased_at.is_some() {
                return Err(erased());
            }
            Ok(Event::Returned {
                to_whom: text("to_whom", &to_whom, true, 200)?,
                channel: d.channel,
                sealed: None,
            })
        }
        (Some(d), Command::Withdraw { reason }) => match d.status {
            Status::Submitted
            | Status::SupplementRequested
            | Status::Processing
            | Status::Paused => Ok(Event::Withdrawn {
                reason: text("reason", &reason, true, 2000)?,
            }),
            s => Err(illegal(Some(s))),
        },
        (Some(d), Command::Rate { rating, comment }) => {
            if d.status != Status::Returned {
                return Err(illegal(Some(d.status)));
            }
            if d.rating.is_some() {
                return Err(DossierError::rule(
                    "hồ sơ này đã được đánh giá",
                    "this dossier has already been rated",
                ));
            }
            Ok(Event::Rated {
                rating,
                comment: text("comment", &comment, false, 2000)?,
            })
        }
        (Some(d), Command::IssueDocument { document }) => {
            // A result is issued once it is ready (and may be issued again after it was returned).
            if !matches!(d.status, Status::ResultReady | Status::Returned) {
                return Err(illegal(Some(d.status)));
            }
            if document.kind == DocumentKind::CertifiedCopy {
                let scanned = document
                    .paper
                    .and_then(|i| d.papers.get(i))
                    .is_some_and(|p| p.file.is_some());
                if !scanned {
                    return Err(DossierError::rule(
                        "bản sao điện tử được chứng thực từ bản số hóa của một giấy tờ trong hồ sơ",
                        "an electronic certified copy is made from the scan of a paper of the dossier",
                    ));
                }
            }
            let hex = |field: &str, v: &str| {
                if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    Ok(v.to_ascii_lowercase())
                } else {
                    Err(DossierError::invalid(
                        field,
                        "không phải mã SHA-256",
                        "not a SHA-256 hash",
                    ))
                }
            };
            Ok(Event::DocumentIssued {
                document: IssuedDocument {
                    kind: document.kind,
                    title: text("title", &document.title, true, 300)?,
                    sha256: hex("sha256", &document.sha256)?,
                    file_sha256: hex("file_sha256", &document.file_sha256)?,
                    signer: text("signer", &document.signer, false, 500)?,
                    paper: document.paper,
                },
            })
        }
        (Some(d), Command::DigitisePaper { paper, file }) => {
            if d.received_at.is_none() || d.closed_at.is_some() {
                return Err(illegal(Some(d.status)));
            }
            let Some(p) = d.papers.get(paper) else {
                return Err(DossierError::invalid(
                    "paper",
                    "hồ sơ không có giấy tờ này",
                    "the dossier has no such paper",
                ));
            };
            if p.file.is_some() {
                return Err(DossierError::rule(
                    "giấy tờ này đã có bản số hóa",
                    "this paper is already digitised",
                ));
            }
            if file.len() != 64 || !file.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(DossierError::invalid(
                    "file",
                    "không phải mã SHA-256",
                    "not a SHA-256 hash",
                ));
            }
            Ok(Event::PaperDigitised {
                paper,
                file: file.to_ascii_lowercase(),
            })
        }
        (
            Some(d),
            Command::Transfer {
                from_unit,
                to_unit,
                decision,
                date,
            },
        ) => {
            if d.closed_at.is_some() || d.status == Status::Returned {
                return Err(illegal(Some(d.status)));
            }
            if from_unit == to_unit {
                return Err(DossierError::invalid(
                    "to",
                    "đơn vị nhận phải khác đơn vị chuyển",
                    "the receiving unit must differ from the closed one",
                ));
            }
            if d.unit != from_unit && d.current_unit != from_unit {
                return Err(DossierError::Rule {
                    vi: format!("hồ sơ không thuộc đơn vị {from_unit}"),
                    en: format!("the dossier is not with unit {from_unit}"),
                });
            }
            let decision = text("decision", &decision, true, 200)?;
            // The step under way at the closed unit continues at the successor, due as before.
            let next = d
                .current_step()
                .filter(|s| s.unit == from_unit && d.status != Status::ResultReady)
                .map(|s| StepStart {
                    index: s.index + 1,
                    name: s.name.clone(),
                    unit: to_unit.clone(),
                    holder: None,
                    budget: s.budget,
                    due: s.due,
                    planned: s.planned,
                });
            Ok(Event::Transferred {
                from_unit,
                to_unit,
                decision,
                date,
                next,
            })
        }
        (None, _) => Err(illegal(None)),
        (Some(_), Command::SubmitOnline { .. }) => Err(illegal(status)),
    }
}

/// The applicant supplemented (at the desk or online). Before reception the clock has not started:
/// the dossier waits for the desk again. During processing the wait ends the pause: the time used
/// before the request still counts, the wait does not (`rules::SUPPLEMENT_CLOCK`).
fn supplemented(
    d: &Dossier,
    cal: &WorkCalendar,
    now: Instant,
    note: String,
    papers: Vec<Paper>,
) -> Result<Event, DossierError> {
    if d.status != Status::SupplementRequested {
        return Err(DossierError::IllegalTransition {
            action: "supplement",
            status: Some(d.status),
        });
    }
    let note = text("note", &note, false, 2000)?;
    let stage = d.supplements.last().map(|s| s.stage);
    if stage == Some(Stage::Reception) {
        return Ok(Event::Supplemented {
            note,
            due: None,
            step_due: None,
            papers,
        });
    }
    let (due, step_due) = dues_after_pause(d, cal, now)?;
    Ok(Event::Supplemented {
        note,
        due: Some(due),
        step_due: Some(step_due),
        papers,
    })
}

/// The applicant's details the population database can give.
pub const POPULATION_FIELDS: [&str; 5] =
    ["address", "date_of_birth", "full_name", "id_number", "sex"];

/// The reason of the pause a fee assessment starts.
pub const FEE_PAUSE_REASON: &str = "Chờ thực hiện nghĩa vụ tài chính (nộp phí, lệ phí)";

/// The dossier's and the current step's due times once the running pause ends at `now`.
fn dues_after_pause(
    d: &Dossier,
    cal: &WorkCalendar,
    now: Instant,
) -> Result<(Instant, Instant), DossierError> {
    let received = d.received_at.ok_or(DossierError::Empty)?;
    let mut pauses = d.pauses.clone();
    if let Some(p) = pauses.last_mut().filter(|p| p.to.is_none()) {
        p.to = Some(now);
    }
    let due = due_with_pauses(cal, received, d.legal_limit(), &pauses, now)?;
    let step = d.current_step().ok_or(DossierError::Empty)?;
    let step_due = match step.budget {
        Some(b) => due_with_pauses(cal, step.started_at, b, &pauses, now)?,
        None => due.max(step.due),
    };
    Ok((due, step_due))
}

/// Formats a dossier code: `<unit code>-<yymmdd>-<4-digit daily sequence>`.
pub fn dossier_code(unit: &str, local_date: NaiveDate, seq: i64) -> Result<String, DossierError> {
    if !(1..=9999).contains(&seq) {
        return Err(DossierError::rule(
            "đơn vị đã dùng hết 9999 số hồ sơ trong ngày",
            "the unit has used all 9999 dossier numbers of the day",
        ));
    }
    Ok(format!("{unit}-{}-{seq:04}", local_date.format("%y%m%d")))
}

/// Splits a dossier code into unit code, date and sequence; None when it has not that shape.
/// The reference an online submission has before the desk gives it a code: `W` and the id on
/// eight digits.
pub fn online_reference(id: i64) -> String {
    format!("W{id:08}")
}

/// The id behind an online reference (`W00000042`, case-insensitive); None for anything else.
pub fn parse_online_reference(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['W', 'w'])?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|id| *id > 0)
}

/// The dossier's code, or its online reference before it has one.
pub fn shown_code(code: Option<&str>, id: i64) -> String {
    code.map_or_else(|| online_reference(id), str::to_owned)
}

pub fn parse_dossier_code(code: &str) -> Option<(String, NaiveDate, u32)> {
    let mut parts = code.rsplitn(3, '-');
    let seq = parts.next()?;
    let date = parts.next()?;
    let unit = parts.next()?;
    if seq.len() != 4 || date.len() != 6 || unit.is_empty() || unit.len() > 64 {
        return None;
    }
    let seq: u32 = seq.parse().ok()?;
    // YYMMDD, all digits, in this century.
    if !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let two = |i: usize| date[i..i + 2].parse::<u32>().ok();
    let date = NaiveDate::from_ymd_opt(2000 + i32::try_from(two(0)?).ok()?, two(2)?, two(4)?)?;
    Some((unit.to_owned(), date, seq))
}

/// The mandatory papers of the pinned procedure version (unconditional ones) that are not in
/// `list`, each of which needs a reason from `reasons`; returns them with their reasons. Names are
/// compared folded (case and diacritics aside).
/// Papers reused from the citizen's store: each names a paper of the dossier once, one without a
/// file of its own, with the file's SHA-256 and the earlier dossier; none without the applicant's
/// consent.
fn check_reuse(
    list: &[Paper],
    reuse: Vec<ReusedPaper>,
    consent: bool,
) -> Result<Vec<ReusedPaper>, DossierError> {
    if reuse.is_empty() {
        return Ok(reuse);
    }
    if !consent {
        return Err(DossierError::invalid(
            "details.reuse_consent",
            "cần sự đồng ý của người nộp để dùng lại giấy tờ đã số hóa",
            "the applicant's consent is needed to reuse papers already digitised",
        ));
    }
    let mut seen = vec![];
    let mut out = Vec::with_capacity(reuse.len());
    for r in reuse {
        let Some(p) = list.get(r.paper) else {
            return Err(DossierError::invalid(
                "details.reuse.paper",
                "giấy tờ dùng lại không có trong danh sách thành phần hồ sơ",
                "a reused paper is not among the dossier's papers",
            ));
        };
        if seen.contains(&r.paper) || p.file.is_some() {
            return Err(DossierError::Invalid {
                field: "details.reuse.paper".into(),
                vi: format!(
                    "giấy tờ \"{}\" đã có tệp; chỉ dùng lại một tệp cho mỗi giấy tờ",
                    p.name
                ),
                en: format!(
                    "paper \"{}\" already has a file; one file per paper",
                    p.name
                ),
            });
        }
        seen.push(r.paper);
        if r.file.len() != 64 || !r.file.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(DossierError::invalid(
                "details.reuse.file",
                "tệp dùng lại không hợp lệ (SHA-256)",
                "invalid reused file (SHA-256)",
            ));
        }
        let from = text("details.reuse.from", &r.from, true, 64)?;
        out.push(ReusedPaper {
            paper: r.paper,
            from,
            file: r.file.to_ascii_lowercase(),
        });
    }
    Ok(out)
}

fn check_papers(
    procedure: &ProcedureRef,
    list: &[Paper],
    reasons: Vec<MissingPaper>,
) -> Result<Vec<MissingPaper>, DossierError> {
    use crate::text::fold_vi;
    let brought: Vec<String> = list.iter().map(|p| fold_vi(&p.name)).collect();
    let mut out = vec![];
    let mut unexplained = vec![];
    for spec in procedure
        .papers
        .iter()
        .filter(|p| p.mandatory && p.condition.is_none())
    {
        let name = fold_vi(&spec.name);
        if brought.contains(&name) {
            continue;
        }
        match reasons
            .iter()
            .find(|r| fold_vi(&r.name) == name && !clean(&r.reason).is_empty())
        {
            Some(r) => out.push(MissingPaper {
                name: spec.name.clone(),
                reason: text("missing_papers.reason", &r.reason, true, 1000)?,
            }),
            None => unexplained.push(spec.name.clone()),
        }
    }
    if !unexplained.is_empty() {
        let names = unexplained.join("; ");
        return Err(DossierError::Invalid {
            field: "papers".into(),
            vi: format!(
                "thiếu thành phần hồ sơ bắt buộc, cần ghi lý do tiếp nhận khi thiếu: {names}"
            ),
            en: format!(
                "mandatory papers missing; give the reason for receiving without them: {names}"
            ),
        });
    }
    Ok(out)
}
