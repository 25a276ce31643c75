//! What a dossier looks like to each audience: staff with or without the right to personal data,
//! and the public (no personal data at all).

use std::collections::HashMap;

use motcua_domain::dossier::{Applicant, Dossier, Recorded};
use motcua_domain::org::Unit;
use serde_json::Value;

/// One row of the control sheet, as staff and the public see it.
pub use motcua_store::lookup::ControlRow;

pub struct Names(pub HashMap<String, String>);

impl Names {
    pub fn new(units: &[Unit]) -> Names {
        Names(
            units
                .iter()
                .map(|u| (u.code.clone(), u.name.clone()))
                .collect(),
        )
    }

    /// The names of the units a dossier has been at: its receiving unit and every step's.
    pub fn of_dossier(
        tx: &mut dyn motcua_store::Tx,
        d: &Dossier,
    ) -> Result<Names, motcua_store::StoreError> {
        let mut codes: Vec<String> = std::iter::once(d.unit.clone())
            .chain(std::iter::once(d.current_unit.clone()))
            .chain(d.steps.iter().map(|s| s.unit.clone()))
            .chain(d.competent.iter().cloned())
            .chain(d.return_unit.iter().cloned())
            .collect();
        codes.sort();
        codes.dedup();
        Ok(Names(
            motcua_store::org::names(tx, &codes)?.into_iter().collect(),
        ))
    }

    /// The names of the given units, from a table of every unit's name.
    pub fn from_table(codes: &[String], table: &HashMap<String, String>) -> Names {
        Names(
            codes
                .iter()
                .filter_map(|c| table.get(c).map(|n| (c.clone(), n.clone())))
                .collect(),
        )
    }

    pub fn of(&self, code: &str) -> String {
        self.0.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }
}

pub fn control_sheet(d: &Dossier, names: &Names) -> Vec<ControlRow> {
    d.steps
        .iter()
        .map(|s| ControlRow {
            index: s.index,
            step: s.name.clone(),
            unit: s.unit.clone(),
            unit_name: names.of(&s.unit),
            started_at: s.started_at,
            due: s.due,
            handed_over_at: s.finished_at,
            to_unit: s.handed_to.clone(),
            to_unit_name: s.handed_to.as_deref().map(|u| names.of(u)),
            external: s.external,
            result: s.result.map(|r| r.as_str()),
            result_label: s.result.map(|r| r.label_vi()),
        })
        .collect()
}

/// The dossier as JSON, with the applicant's details replaced by a masked name unless `personal`.
pub fn dossier_json(d: &Dossier, personal: bool) -> Value {
    let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
    if !personal {
        mask(&mut v);
    }
    v
}

fn mask(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(applicant)) = map.get("applicant") {
                // The same shape, with a masked name and nothing else of the person.
                let masked = serde_json::from_value::<Applicant>(Value::Object(applicant.clone()))
                    .map(|a| crate::access::masked(&a))
                    .and_then(serde_json::to_value)
                    .unwrap_or(Value::Null);
                map.insert("applicant".into(), masked);
            }
            for (_, child) in map.iter_mut() {
                mask(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

pub fn history_json(events: &[Recorded], personal: bool) -> Value {
    let mut v = serde_json::to_value(events).unwrap_or(Value::Null);
    if !personal {
        mask(&mut v);
    }
    v
}
