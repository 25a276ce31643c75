//! Who may do what, where. One pure function: roles are held in a unit and reach its sub-units.

use serde::Serialize;

use crate::org::{Grant, Role};

/// Everything a member of staff can ask to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// See dossiers, their control sheets and history, without personal data.
    ViewDossier,
    /// See the applicant's name, ID number, phone, address (every such view is logged).
    ViewPersonalData,
    /// Receive, refuse, request a supplement at the desk, record a supplement, return the result,
    /// record a withdrawal.
    Desk,
    /// Process: hand over, request a supplement during processing, pause and resume.
    Process,
    /// Approve the result, apologise with a new appointment.
    Decide,
    /// Manage the unit's staff, desk and posted lists.
    AdministerUnit,
    /// Read reports and inspection evidence.
    Inspect,
    /// Manage units, calendars and every account.
    AdministerSystem,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::ViewDossier,
        Action::ViewPersonalData,
        Action::Desk,
        Action::Process,
        Action::Decide,
        Action::AdministerUnit,
        Action::Inspect,
        Action::AdministerSystem,
    ];
}

/// The actions a role allows.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::ReceptionOfficer => matches!(action, ViewDossier | ViewPersonalData | Desk),
        Role::Specialist => matches!(action, ViewDossier | ViewPersonalData | Process),
        Role::UnitLeader => matches!(
            action,
            ViewDossier | ViewPersonalData | Process | Decide | Inspect
        ),
        Role::UnitAdmin => matches!(action, ViewDossier | AdministerUnit),
        Role::Inspector => matches!(action, ViewDossier | Inspect),
        Role::SystemAdmin => matches!(action, ViewDossier | AdministerUnit | AdministerSystem),
    }
}

/// May someone holding `grants` do `action` on something that belongs to the unit whose chain of
/// units, from itself up to the root, is `unit_chain`?
pub fn can(grants: &[Grant], action: Action, unit_chain: &[String]) -> bool {
    grants
        .iter()
        .any(|g| allows(g.role, action) && unit_chain.contains(&g.unit))
}

/// May someone holding `grants` receive, at the unit whose chain is `receiving`, a dossier that the
/// unit whose chain is `competent` resolves? The desk's own work (the desk right over the receiving
/// unit) and, when the competent agency is another unit: one the desk already serves, or any unit
/// of the same province for a procedure received regardless of administrative boundaries
/// (`rules::BOUNDARY_FREE`). Nothing more: the queues and dossiers of that agency stay closed.
pub fn may_receive_for(
    grants: &[Grant],
    receiving: &[String],
    competent: &[String],
    boundary_free: bool,
) -> bool {
    can(grants, Action::Desk, receiving)
        && (competent == receiving
            || can(grants, Action::Desk, competent)
            || (boundary_free && !competent.is_empty() && receiving.last() == competent.last()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, unit: &str) -> Grant {
        Grant {
            role,
            unit: unit.into(),
        }
    }

    #[test]
    fn roles_reach_sub_units_only() {
        let chain = ["ward".to_string(), "town".into(), "province".into()];
        let town_leader = [grant(Role::UnitLeader, "town")];
        assert!(can(&town_leader, Action::Decide, &chain));
        let other = [grant(Role::UnitLeader, "other-ward")];
        assert!(!can(&other, Action::Decide, &chain));
        let ward_officer = [grant(Role::ReceptionOfficer, "ward")];
        assert!(can(&ward_officer, Action::Desk, &chain));
        assert!(!can(&ward_officer, Action::Decide, &chain));
        let town_chain = ["town".to_string(), "province".into()];
        assert!(!can(&ward_officer, Action::ViewDossier, &town_chain));
        let inspector = [grant(Role::Inspector, "province")];
        assert!(can(&inspector, Action::ViewDossier, &chain));
        assert!(!can(&inspector, Action::ViewPersonalData, &chain));
    }

    #[test]
    fn a_desk_receives_for_the_province_only_what_is_boundary_free() {
        let buon_ho = ["buon-ho".to_string(), "province".into()];
        let cu_bao = ["cu-bao".to_string(), "province".into()];
        let elsewhere = ["x".to_string(), "other-province".into()];
        let officer = [grant(Role::ReceptionOfficer, "buon-ho")];
        assert!(may_receive_for(&officer, &buon_ho, &buon_ho, false));
        assert!(may_receive_for(&officer, &buon_ho, &cu_bao, true));
        assert!(!may_receive_for(&officer, &buon_ho, &cu_bao, false));
        assert!(!may_receive_for(&officer, &buon_ho, &elsewhere, true));
        // Receiving at a desk one does not hold is refused whatever the procedure.
        assert!(!may_receive_for(&officer, &cu_bao, &cu_bao, true));
        // And the grant opens nothing else at the competent agency.
        assert!(!can(&officer, Action::ViewDossier, &cu_bao));
        assert!(!can(&officer, Action::Desk, &cu_bao));
        let specialist = [grant(Role::Specialist, "buon-ho")];
        assert!(!may_receive_for(&specialist, &buon_ho, &cu_bao, true));
    }
}
