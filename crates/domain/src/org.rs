//! The organisation: administrative units with validity periods and successors, one-stop desks with
//! their founding decision and members, staff and the roles they hold in a unit and its sub-units.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The level of a unit. Departments and desks belong to a government unit; agencies outside the
/// local government tree (tax, land registration, police) take part in inter-agency dossiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    Province,
    District,
    Commune,
    Department,
    Agency,
}

impl UnitLevel {
    pub fn parse(s: &str) -> Option<UnitLevel> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UnitLevel::Province => "province",
            UnitLevel::District => "district",
            UnitLevel::Commune => "commune",
            UnitLevel::Department => "department",
            UnitLevel::Agency => "agency",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            UnitLevel::Province => "Cấp tỉnh",
            UnitLevel::District => "Cấp huyện",
            UnitLevel::Commune => "Cấp xã",
            UnitLevel::Department => "Cơ quan chuyên môn",
            UnitLevel::Agency => "Cơ quan phối hợp",
        }
    }
}

/// An administrative unit. `code` is its agency identifier (QCVN 102 style), the prefix of the
/// dossier codes it issues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub level: UnitLevel,
    pub parent: Option<String>,
    pub valid_from: NaiveDate,
    /// Last day the unit existed; None while it exists.
    pub valid_to: Option<NaiveDate>,
    /// Units that took over its work when it was merged or abolished.
    pub successors: Vec<String>,
}

impl Unit {
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date <= to)
    }
}

/// A legal act: number, date, signer (a desk's founding decision, an inspection team's decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Decision {
    pub number: String,
    pub date: NaiveDate,
    pub signer: String,
}

/// A one-stop desk (Bộ phận Một cửa / Bộ phận tiếp nhận và trả kết quả) of a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Desk {
    pub id: i64,
    pub unit: String,
    pub name: String,
    pub founding_decision: Option<Decision>,
    pub members: Vec<DeskMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeskMember {
    pub staff_id: i64,
    pub assigned_on: NaiveDate,
    pub duty: String,
}

/// What a member of staff may be, always within a unit and its sub-units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ReceptionOfficer,
    Specialist,
    UnitLeader,
    UnitAdmin,
    Inspector,
    SystemAdmin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::ReceptionOfficer,
        Role::Specialist,
        Role::UnitLeader,
        Role::UnitAdmin,
        Role::Inspector,
        Role::SystemAdmin,
    ];

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::ReceptionOfficer => "reception_officer",
            Role::Specialist => "specialist",
            Role::UnitLeader => "unit_leader",
            Role::UnitAdmin => "unit_admin",
            Role::Inspector => "inspector",
            Role::SystemAdmin => "system_admin",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::ReceptionOfficer => "Cán bộ tiếp nhận",
            Role::Specialist => "Chuyên viên xử lý",
            Role::UnitLeader => "Lãnh đạo đơn vị",
            Role::UnitAdmin => "Quản trị đơn vị",
            Role::Inspector => "Thanh tra, kiểm tra",
            Role::SystemAdmin => "Quản trị hệ thống",
        }
    }
}

/// A role held in a unit (and so in every unit below it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Grant {
    pub role: Role,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub title: String,
    pub grants: Vec<Grant>,
    pub active: bool,
}

/// The government unit (province, district or commune) a unit belongs to: itself, or its nearest
/// such ancestor. Departments and desks belong to theirs; an outside agency is its own.
pub fn government_of<'a>(unit: &'a Unit, lookup: impl Fn(&str) -> Option<&'a Unit>) -> &'a Unit {
    let mut current = unit;
    for _ in 0..16 {
        if matches!(
            current.level,
            UnitLevel::Province | UnitLevel::District | UnitLevel::Commune | UnitLevel::Agency
        ) {
            return current;
        }
        match current.parent.as_deref().and_then(&lookup) {
            Some(p) => current = p,
            None => return current,
        }
    }
    current
}

/// A hand-over is inter-agency (liên thông) when it leaves the government unit that received the
/// dossier: to another level, another commune, or an outside agency.
pub fn is_inter_agency<'a>(
    receiving: &'a Unit,
    to: &'a Unit,
    lookup: impl Fn(&str) -> Option<&'a Unit> + Copy,
) -> bool {
    government_of(receiving, lookup).code != government_of(to, lookup).code
}

/// The rule for usernames, the same for the command line, staff files and the unit page: 3 to 64
/// characters, ASCII letters, digits, `.`, `_` and `-` (so they type the same on every keyboard).
pub fn check_username(s: &str) -> Result<String, crate::msg::Msg> {
    let s = s.trim();
    let ok = (3..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(crate::msg::Msg::new(
            "tên đăng nhập từ 3 đến 64 ký tự: chữ không dấu, số, dấu chấm, gạch dưới, gạch ngang",
            "a username is 3 to 64 characters: letters A-Z, digits, dot, underscore, hyphen",
        ))
    }
}

/// The fewest characters a password someone chooses may have.
pub const PASSWORD_MIN_CHARS: usize = 10;

/// The rule for passwords people choose (generated one-time passwords meet it too): 10 to 200
/// characters.
pub fn check_password(p: &str) -> Result<(), crate::msg::Msg> {
    let n = p.chars().count();
    if (PASSWORD_MIN_CHARS..=200).contains(&n) {
        Ok(())
    } else {
        Err(crate::msg::Msg::new(
            format!("mật khẩu từ {PASSWORD_MIN_CHARS} đến 200 ký tự"),
            format!("a password is {PASSWORD_MIN_CHARS} to 200 characters"),
        ))
    }
}

impl Decision {
    /// A founding decision as written on a form or the command line, checked: a number (at most 50
    /// characters), a signer (at most 200), a date that is not after `today`. Returns the field at
    /// fault with the message.
    pub fn checked(
        number: &str,
        date: NaiveDate,
        signer: &str,
        today: NaiveDate,
    ) -> Result<Decision, (&'static str, crate::msg::Msg)> {
        let (number, signer) = (crate::text::clean(number), crate::text::clean(signer));
        if number.is_empty() || number.chars().count() > 50 {
            return Err((
                "number",
                crate::msg::Msg::new(
                    "cần số quyết định (tối đa 50 ký tự)",
                    "a decision number (at most 50 characters) is needed",
                ),
            ));
        }
        if signer.is_empty() || signer.chars().count() > 200 {
            return Err((
                "signer",
                crate::msg::Msg::new(
                    "cần người ký (tối đa 200 ký tự)",
                    "a signer (at most 200 characters) is needed",
                ),
            ));
        }
        if date > today {
            return Err((
                "date",
                crate::msg::Msg::new(
                    "ngày ký không được ở tương lai",
                    "the date cannot be in the future",
                ),
            ));
        }
        Ok(Decision {
            number,
            date,
            signer,
        })
    }
}
