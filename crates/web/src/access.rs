//! Who may see which dossier, and its personal data: the only place that decides it. A member of
//! staff sees a dossier when one of the units it has been at (the receiving unit, the unit holding
//! it, the unit of any step) lies under one of their grants that allows viewing dossiers; the
//! applicant's personal data (name, identity number, phone, address) likewise with a grant that
//! allows personal data. Everyone else sees a masked name and nothing else of the person, and each
//! unmasked view is written to `personal_data_views`.

use std::collections::BTreeSet;

use chrono::Utc;
use motcua_domain::authz::{Action, allows};
use motcua_domain::dossier::{Applicant, Dossier};
use motcua_domain::org::Staff;
use motcua_store::dossiers::{self, Summary};
use motcua_store::{StoreError, Tx, org};

/// Every unit under a grant of the caller that allows `action`.
pub fn scope(tx: &mut dyn Tx, staff: &Staff, action: Action) -> Result<Vec<String>, StoreError> {
    Ok(scopes(tx, staff, &[action])?.remove(0))
}

/// [`scope`] for several actions at once, each grant's units read once.
fn scopes(
    tx: &mut dyn Tx,
    staff: &Staff,
    actions: &[Action],
) -> Result<Vec<Vec<String>>, StoreError> {
    let mut below: std::collections::HashMap<&str, Vec<String>> = Default::default();
    let mut out = vec![vec![]; actions.len()];
    for g in &staff.grants {
        for (i, action) in actions.iter().enumerate() {
            if allows(g.role, *action) {
                if !below.contains_key(g.unit.as_str()) {
                    below.insert(&g.unit, org::subtree(tx, &g.unit)?);
                }
                out[i].extend(below[g.unit.as_str()].iter().cloned());
            }
        }
    }
    for units in &mut out {
        units.sort();
        units.dedup();
    }
    Ok(out)
}

/// What one member of staff may see: the units whose dossiers they see, and those whose applicants'
/// personal data they see.
pub struct Access {
    staff_id: i64,
    view: BTreeSet<String>,
    personal: BTreeSet<String>,
}

/// What a member of staff may see of one dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DossierAccess {
    pub view: bool,
    pub personal: bool,
}

impl Access {
    pub fn of(tx: &mut dyn Tx, staff: &Staff) -> Result<Access, StoreError> {
        let [view, personal]: [Vec<String>; 2] =
            scopes(tx, staff, &[Action::ViewDossier, Action::ViewPersonalData])?
                .try_into()
                .unwrap_or_default();
        Ok(Access {
            staff_id: staff.id,
            view: view.into_iter().collect(),
            personal: personal.into_iter().collect(),
        })
    }

    /// The units whose dossiers the caller sees.
    pub fn units(&self) -> Vec<String> {
        self.view.iter().cloned().collect()
    }

    /// The units whose applicants' personal data the caller sees (where a search by name, ID
    /// number or phone may look).
    pub fn personal_units(&self) -> Vec<String> {
        self.personal.iter().cloned().collect()
    }

    fn any<'a>(set: &BTreeSet<String>, mut units: impl Iterator<Item = &'a str>) -> bool {
        units.any(|u| set.contains(u))
    }

    /// One dossier.
    pub fn dossier(&self, d: &Dossier) -> DossierAccess {
        let units = || {
            [d.unit.as_str(), d.current_unit.as_str()]
                .into_iter()
                .chain(d.steps.iter().map(|s| s.unit.as_str()))
        };
        DossierAccess {
            view: Access::any(&self.view, units()),
            personal: Access::any(&self.personal, units()),
        }
    }

    /// A row of a list (which carries the receiving and the holding unit).
    pub fn row(&self, s: &Summary) -> DossierAccess {
        let units = || [s.unit.as_str(), s.current_unit.as_str()].into_iter();
        DossierAccess {
            view: Access::any(&self.view, units()),
            personal: Access::any(&self.personal, units()),
        }
    }

    /// The applicant's name as this caller may see it in a list; unmasked rows are logged.
    pub fn name_in_list(
        &self,
        tx: &mut dyn Tx,
        s: &Summary,
        purpose: &str,
    ) -> Result<String, StoreError> {
        if self.row(s).personal {
            log_view(tx, self.staff_id, s.id, purpose)?;
            Ok(s.applicant_name.clone())
        } else {
            Ok(mask_name(&s.applicant_name))
        }
    }
}

/// Loads a dossier the caller may see. A dossier that does not exist and one the caller may not
/// see get the same answer, so nobody learns which dossiers exist elsewhere.
pub fn load_visible(
    tx: &mut dyn Tx,
    staff: &Staff,
    id: i64,
) -> Result<(Dossier, DossierAccess), StoreError> {
    visible(tx, staff, id, dossiers::load)
}

/// [`load_visible`] with the personal fields left sealed (blank), for what needs none of them
/// (checking a command): the vault stays closed.
pub fn load_visible_sealed(
    tx: &mut dyn Tx,
    staff: &Staff,
    id: i64,
) -> Result<(Dossier, DossierAccess), StoreError> {
    visible(tx, staff, id, dossiers::load_sealed)
}

fn visible(
    tx: &mut dyn Tx,
    staff: &Staff,
    id: i64,
    load: fn(&mut dyn Tx, i64) -> Result<Dossier, StoreError>,
) -> Result<(Dossier, DossierAccess), StoreError> {
    let hidden = || StoreError::not_found(format!("hồ sơ {id}"), format!("dossier {id}"));
    let d = match load(tx, id) {
        Ok(d) => d,
        Err(StoreError::NotFound(_)) => return Err(hidden()),
        Err(e) => return Err(e),
    };
    let access = Access::of(tx, staff)?.dossier(&d);
    if !access.view {
        return Err(hidden());
    }
    Ok((d, access))
}

/// Records that a member of staff saw a dossier's personal data, and why.
pub fn log_view(
    tx: &mut dyn Tx,
    staff_id: i64,
    dossier: i64,
    purpose: &str,
) -> Result<(), StoreError> {
    dossiers::log_personal_view(tx, staff_id, dossier, purpose, Utc::now())
}

/// "Nguyễn Văn An" -> "N***** V** A*".
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            let first = c.next().map(String::from).unwrap_or_default();
            format!("{first}{}", "*".repeat(c.count()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The applicant as a caller without the right to personal data sees them: a masked name and
/// nothing else.
pub fn masked(a: &Applicant) -> Applicant {
    Applicant {
        full_name: mask_name(&a.full_name),
        id_number: None,
        phone: String::new(),
        email: None,
        address: None,
        date_of_birth: None,
        sex: None,
        kind: Default::default(),
        representative: None,
        notify: None,
        sealed: None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks() {
        assert_eq!(super::mask_name("Nguyễn Văn An"), "N***** V** A*");
    }
}
