//! What a dossier needs to know about its procedure (thủ tục hành chính): code, name, level, the
//! processing time limit and its split into per-step budgets, the papers to bring. The catalogue
//! (versions, announcement decisions, posting) builds on this.

use serde::{Deserialize, Serialize};

use crate::calendar::Limit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    None,
    Partial,
    Full,
}

/// A step of the internal workflow and its share of the time limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepBudget {
    pub name: String,
    pub budget: Limit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperSpec {
    pub name: String,
    pub copies: u32,
    pub mandatory: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procedure {
    /// National code, e.g. 1.001193.
    pub code: String,
    pub version: i64,
    pub name: String,
    pub field: String,
    /// Level of the unit that decides: commune, district, province.
    pub level: String,
    pub limit: Limit,
    pub steps: Vec<StepBudget>,
    pub papers: Vec<PaperSpec>,
    pub online: OnlineLevel,
    pub fee: String,
}

/// The procedure as a dossier pins it: the version it was received under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureRef {
    pub code: String,
    pub version: i64,
    pub name: String,
    pub limit: Limit,
    pub steps: Vec<StepBudget>,
}

impl From<&Procedure> for ProcedureRef {
    fn from(p: &Procedure) -> Self {
        ProcedureRef {
            code: p.code.clone(),
            version: p.version,
            name: p.name.clone(),
            limit: p.limit,
            steps: p.steps.clone(),
        }
    }
}
