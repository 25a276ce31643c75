//! The procedures dossiers are received under (the catalogue issue extends this with versions,
//! announcement decisions and posting).

use motcua_domain::procedure::Procedure;
use motcua_domain::text::fold_vi;

use crate::StoreError;
use crate::db::{Tx, Value};

pub fn put(tx: &mut dyn Tx, p: &Procedure) -> Result<(), StoreError> {
    let spec = serde_json::to_string(p).map_err(|e| StoreError::Db(e.to_string()))?;
    tx.exec(
        "INSERT INTO procedures (code, version, name, name_fold, field, level, spec) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (code) DO UPDATE SET version = excluded.version, name = excluded.name, \
         name_fold = excluded.name_fold, field = excluded.field, level = excluded.level, spec = excluded.spec",
        &[
            Value::from(&p.code),
            Value::Int(p.version),
            Value::from(&p.name),
            Value::Text(fold_vi(&p.name)),
            Value::from(&p.field),
            Value::from(&p.level),
            Value::Text(spec),
        ],
    )?;
    Ok(())
}

pub fn get(tx: &mut dyn Tx, code: &str) -> Result<Procedure, StoreError> {
    tx.query_one(
        "SELECT spec FROM procedures WHERE code = $1",
        &[Value::from(code)],
    )?
    .ok_or_else(|| StoreError::NotFound(format!("thủ tục {code} / procedure {code}")))?
    .json(0)
}

pub fn list(tx: &mut dyn Tx) -> Result<Vec<Procedure>, StoreError> {
    tx.query("SELECT spec FROM procedures ORDER BY code", &[])?
        .iter()
        .map(|r| r.json(0))
        .collect()
}
