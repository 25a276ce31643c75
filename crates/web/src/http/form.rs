//! Submitted HTML forms: values read by name, inputs with their errors, the applicant's fields.

/// A text input of a form, with its value and the error to show next to it.
pub struct InputField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: String,
    pub required: bool,
}

/// The applicant's details, as the counter and the online form ask for them: (name, label, required).
pub const APPLICANT_FIELDS: [(&str, &str, bool); 5] = [
    ("full_name", "Họ và tên", true),
    ("id_number", "Số định danh cá nhân", false),
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
            kind: Default::default(),
            representative: None,
        }
    }
}
