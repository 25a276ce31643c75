//! Submitted HTML forms: values read by name, inputs with their errors, the applicant's fields.

/// A text input of a form, with its value and the error to show next to it.
pub struct InputField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: String,
    pub required: bool,
}

impl InputField {
    /// The input's type: phones and e-mail addresses get the keyboards and checks made for them.
    pub fn input_type(&self) -> &'static str {
        match self.name.trim_start_matches("rep_") {
            "phone" => "tel",
            "email" => "email",
            "date_of_birth" => "date",
            _ => "text",
        }
    }

    /// The keyboard a phone opens: digits for identity numbers and tax codes.
    pub fn inputmode(&self) -> &'static str {
        match self.name.trim_start_matches("rep_") {
            "id_number" | "tax_code" => "numeric",
            "phone" => "tel",
            "email" => "email",
            _ => "",
        }
    }

    /// What the browser may fill in from what it knows of the person typing.
    pub fn autocomplete(&self) -> &'static str {
        match self.name {
            "full_name" => "name",
            "phone" => "tel",
            "email" => "email",
            "address" => "street-address",
            "date_of_birth" => "bday",
            _ => "off",
        }
    }
}

/// The applicant's details, as the counter and the online form ask for them: (name, label, required).
pub const APPLICANT_FIELDS: [(&str, &str, bool); 6] = [
    ("full_name", "Họ và tên", true),
    ("id_number", "Số định danh cá nhân", false),
    ("date_of_birth", "Ngày sinh", false),
    ("phone", "Số điện thoại", true),
    ("email", "Thư điện tử", false),
    ("address", "Địa chỉ", false),
];

/// The fields of a submitted form (every name and value, repeated names kept), read by name.
pub struct FormValues<'a>(pub &'a [(String, String)]);

impl FormValues<'_> {
    /// The trimmed value of a field, when the form has it.
    pub fn field(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_owned())
    }

    /// The trimmed value of a field, empty when the form lacks it.
    pub fn value(&self, name: &str) -> String {
        self.field(name).unwrap_or_default()
    }

    /// The value of an optional field: None when absent or empty.
    pub fn optional(&self, name: &str) -> Option<String> {
        self.field(name).filter(|v| !v.is_empty())
    }

    /// The applicant's details, as the counter and the online form ask for them (APPLICANT_FIELDS).
    pub fn applicant(&self) -> motcua_domain::dossier::Applicant {
        motcua_domain::dossier::Applicant {
            full_name: self.value("full_name"),
            id_number: self.optional("id_number"),
            phone: self.value("phone"),
            email: self.optional("email"),
            address: self.optional("address"),
            date_of_birth: self.optional("date_of_birth").and_then(|d| parse_date(&d)),
            sex: self
                .optional("sex")
                .and_then(|s| motcua_domain::citizen_id::Sex::parse(&s)),
            kind: Default::default(),
            representative: None,
            notify: self.notify().ok().flatten(),
            sealed: None,
        }
    }

    /// The applicant's opt-in to notifications (`notify_channel`: empty for none, `email`, `sms`
    /// or `zalo`; `notify_language`: `vi` or `en`); an unknown value is refused.
    pub fn notify(&self) -> Result<Option<motcua_domain::notify::Notify>, crate::http::ApiError> {
        use motcua_domain::notify::{Language, Notify, NotifyChannel};
        let channel = match self.value("notify_channel").as_str() {
            "" | "none" => return Ok(None),
            c => NotifyChannel::parse(c).ok_or_else(|| {
                crate::http::ApiError::invalid(
                    "notify_channel",
                    "kênh nhận thông báo phải là thư điện tử, SMS hoặc Zalo",
                    "notifications go by e-mail, SMS or Zalo",
                )
            })?,
        };
        let language = match self.value("notify_language").as_str() {
            "" => Language::Vi,
            l => Language::parse(l).ok_or_else(|| {
                crate::http::ApiError::invalid(
                    "notify_channel",
                    "ngôn ngữ thông báo phải là tiếng Việt hoặc tiếng Anh",
                    "notifications are in Vietnamese or English",
                )
            })?,
        };
        Ok(Some(Notify {
            channel,
            language: Some(language),
        }))
    }
    /// The date of birth and sex as typed, when they cannot be read (`applicant()` leaves them
    /// out): each problem names its field.
    pub fn birth_problems(&self) -> Vec<super::ApiError> {
        let mut out = vec![];
        if self
            .optional("date_of_birth")
            .is_some_and(|d| parse_date(&d).is_none())
        {
            out.push(super::ApiError::invalid(
                "applicant.date_of_birth",
                "Ngày sinh cần dạng ngày/tháng/năm (ví dụ 12/04/1990)",
                "the date of birth must be day/month/year (e.g. 12/04/1990)",
            ));
        }
        if self
            .optional("sex")
            .is_some_and(|s| motcua_domain::citizen_id::Sex::parse(&s).is_none())
        {
            out.push(super::ApiError::invalid(
                "applicant.sex",
                "Giới tính là nam hoặc nữ",
                "the sex is male or female",
            ));
        }
        out
    }
}

/// A date as a form sends it: `YYYY-MM-DD` (a date input) or `DD/MM/YYYY` (typed).
pub fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    let s = s.trim();
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// The notification opt-in as the counter and online forms show it (`notify_fields.html`).
pub struct NotifyInput {
    pub channels: &'static [(&'static str, &'static str)],
    pub languages: &'static [(&'static str, &'static str)],
    pub channel: String,
    pub language: String,
    /// A problem with the choice itself (the address's problems show next to its field).
    pub error: String,
}

impl NotifyInput {
    pub fn new(form: &FormValues, error: String) -> NotifyInput {
        NotifyInput {
            channels: &NOTIFY_CHANNELS,
            languages: &NOTIFY_LANGUAGES,
            channel: form.value("notify_channel"),
            language: form
                .optional("notify_language")
                .unwrap_or_else(|| "vi".into()),
            error,
        }
    }
}

/// The choices of the notification opt-in on the counter and online forms: (value, label).
pub const NOTIFY_CHANNELS: [(&str, &str); 4] = [
    ("", "Không nhận thông báo"),
    ("email", "Thư điện tử (gửi đến địa chỉ thư điện tử ở trên)"),
    ("sms", "Tin nhắn SMS (gửi đến số điện thoại di động ở trên)"),
    ("zalo", "Zalo (gửi đến số điện thoại di động ở trên)"),
];
pub const NOTIFY_LANGUAGES: [(&str, &str); 2] = [("vi", "Tiếng Việt"), ("en", "Tiếng Anh")];

/// Every problem of a submitted form, each for the input it is about: (input id, message in the
/// reader's language), in the order found. A problem's field is matched to the input whose name
/// it ends with (`applicant.phone` is the input `phone`); one matching none stays as it is.
#[derive(Default)]
pub struct FormErrors(pub Vec<(String, String)>);

impl FormErrors {
    pub fn new(errors: &[crate::http::ApiError], inputs: &[&str]) -> FormErrors {
        FormErrors(
            errors
                .iter()
                .map(|e| {
                    let field = e.field.clone().unwrap_or_default();
                    let id = inputs
                        .iter()
                        .filter(|i| field.ends_with(**i))
                        .max_by_key(|i| i.len())
                        .map_or(field.clone(), |i| (*i).to_owned());
                    (id, crate::i18n::pick(&e.vi, &e.en).to_owned())
                })
                .collect(),
        )
    }

    /// The messages about one input, joined.
    pub fn on(&self, input: &str) -> String {
        self.0
            .iter()
            .filter(|(i, _)| i == input)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
