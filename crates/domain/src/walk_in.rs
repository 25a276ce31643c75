//! Walk-in outcomes at the counter that create no dossier: guidance to complete the papers (form 02)
//! and refusal with reasons (form 03). Each is a fact on its own append-only, hash-chained log, counted
//! in the statistics of its unit and procedure and visible to inspections.

use serde::{Deserialize, Serialize};

use crate::dossier::{DossierError, Instant, to_local};
use crate::procedure::ProcedureRef;
use crate::stats::{Key, Metric, month_of};
use crate::text::clean;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum WalkInKind {
    /// Phiếu hướng dẫn hoàn thiện hồ sơ (form 02): what to add or fix before coming back.
    Guidance,
    /// Phiếu từ chối tiếp nhận giải quyết hồ sơ (form 03): why it cannot be received.
    Refusal,
}

impl WalkInKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WalkInKind::Guidance => "guidance",
            WalkInKind::Refusal => "refusal",
        }
    }

    pub fn parse(s: &str) -> Option<WalkInKind> {
        match s {
            "guidance" => Some(WalkInKind::Guidance),
            "refusal" => Some(WalkInKind::Refusal),
            _ => None,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            WalkInKind::Guidance => "Hướng dẫn hoàn thiện hồ sơ",
            WalkInKind::Refusal => "Từ chối tiếp nhận hồ sơ",
        }
    }
}

/// One walk-in outcome: who, when, where, for which procedure, what was missing or why refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WalkIn {
    pub unit: String,
    pub procedure_code: String,
    pub procedure_version: i64,
    pub procedure_name: String,
    pub kind: WalkInKind,
    /// The person at the counter (the form is addressed to them).
    pub applicant_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant_phone: Option<String>,
    /// Guidance: the papers to add or complete. Refusal: may list what is wrong.
    #[serde(default)]
    pub items: Vec<String>,
    /// Refusal: the reasons (required for new records). Guidance: an optional note.
    #[serde(default)]
    pub reason: String,
    /// The officer at the counter.
    pub officer: Option<i64>,
    pub at: Instant,
    /// The legal basis in force (`rules::BASES` id): which form numbers print.
    pub basis: String,
    /// In the log: the name and phone are in the personal-data vault (blank here), and this seal
    /// commits to them. None: a walk-in as entered, or recorded before the vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<crate::dossier::Seal>,
}

impl WalkIn {
    /// A new walk-in outcome, checked: a name, at least one item for guidance, a reason for refusal.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        unit: &str,
        procedure: &ProcedureRef,
        kind: WalkInKind,
        applicant_name: &str,
        applicant_phone: Option<&str>,
        items: &[String],
        reason: &str,
        officer: Option<i64>,
        now: Instant,
    ) -> Result<WalkIn, DossierError> {
        let applicant_name = clean(applicant_name);
        if applicant_name.is_empty() || applicant_name.chars().count() > 200 {
            return Err(DossierError::invalid(
                "applicant_name",
                "họ tên người đến nộp từ 1 đến 200 ký tự",
                "the visitor's name must be 1 to 200 characters",
            ));
        }
        let items: Vec<String> = items
            .iter()
            .map(|i| clean(i))
            .filter(|i| !i.is_empty())
            .collect();
        if items.len() > 50 || items.iter().any(|i| i.chars().count() > 500) {
            return Err(DossierError::invalid(
                "items",
                "không quá 50 nội dung, mỗi nội dung không quá 500 ký tự",
                "at most 50 items of at most 500 characters",
            ));
        }
        let reason = clean(reason);
        if reason.chars().count() > 2000 {
            return Err(DossierError::invalid(
                "reason",
                "lý do không quá 2000 ký tự",
                "the reason must be at most 2000 characters",
            ));
        }
        match kind {
            WalkInKind::Guidance if items.is_empty() => {
                return Err(DossierError::invalid(
                    "items",
                    "phiếu hướng dẫn phải nêu đầy đủ nội dung cần bổ sung, hoàn thiện",
                    "guidance must list what to add or complete",
                ));
            }
            WalkInKind::Refusal if reason.is_empty() => {
                return Err(DossierError::invalid(
                    "reason",
                    "phiếu từ chối phải nêu rõ lý do",
                    "a refusal must state its reasons",
                ));
            }
            _ => {}
        }
        Ok(WalkIn {
            unit: unit.to_owned(),
            procedure_code: procedure.code.clone(),
            procedure_version: procedure.version,
            procedure_name: procedure.name.clone(),
            kind,
            applicant_name,
            applicant_phone: applicant_phone.map(clean).filter(|p| !p.is_empty()),
            items,
            reason,
            officer,
            at: now,
            basis: crate::rules::basis_on(to_local(now).date()).id.to_owned(),
            sealed: None,
        })
    }

    /// The form number this outcome prints as under its legal basis.
    pub fn form(&self) -> Option<&'static str> {
        let forms = crate::rules::basis(&self.basis)
            .unwrap_or_else(|| crate::rules::basis_on(to_local(self.at).date()))
            .forms;
        match self.kind {
            WalkInKind::Guidance => forms.supplement,
            WalkInKind::Refusal => forms.refusal,
        }
    }

    /// What it adds to the counters of its unit and procedure.
    pub fn contribution(&self) -> (Key, Metric) {
        (
            Key {
                unit: self.unit.clone(),
                procedure: self.procedure_code.clone(),
                month: month_of(self.at),
                agency: String::new(),
            },
            match self.kind {
                WalkInKind::Guidance => Metric::WalkInGuided,
                WalkInKind::Refusal => Metric::WalkInRefused,
            },
        )
    }
}
