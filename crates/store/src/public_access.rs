//! What the public needs to look a dossier up or rate it: a random online reference (applicants of
//! online submissions use it before the dossier has a code; it is not the sequential id) and a
//! random secret printed on receipt form 01 and shown after an online submission. Both come from
//! the operating system's random generator and are not derived from anything else; they live in
//! `public_access`, outside the event log. The secret is kept as is so that form 01 can be printed
//! again; it guards only the public lookup and rating.

use rand::TryRngCore;
use sha2::{Digest, Sha256};

use crate::db::{Tx, Value};
use crate::{StoreError, millis};

/// Crockford's base 32: no I, L, O or U, so what is printed cannot be misread.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// 12 characters of 5 bits: 60 bits.
const LENGTH: usize = 12;
/// An online reference: `W` and 12 characters.
pub const REFERENCE_LENGTH: usize = LENGTH + 1;

pub(crate) fn random_text() -> Result<String, StoreError> {
    let mut bytes = [0u8; LENGTH];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| StoreError::Db(format!("the system's random generator failed: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect())
}

/// What a person typed, as stored: upper case, without spaces or dashes, with the letters
/// Crockford's alphabet leaves out read as the digits they look like.
pub fn normalise(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

/// A secret as printed: in groups of four.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The public reference and secret of a dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub reference: String,
    pub secret: String,
}

/// The lookup row's copy of a dossier's reference and secret (see `lookup::SAVE`), for a dossier
/// that already has its row.
pub const COPY_TO_LOOKUP: &str =
    "UPDATE public_lookup SET reference = $2, secret = $3 WHERE dossier_id = $1";

/// Gives a new dossier its reference and secret.
pub fn create(tx: &mut dyn Tx, dossier: i64, at: i64) -> Result<Access, StoreError> {
    let access = Access {
        reference: format!("W{}", random_text()?),
        secret: random_text()?,
    };
    tx.exec(
        "INSERT INTO public_access (dossier_id, reference, secret, created_at) VALUES ($1, $2, $3, $4)",
        &[
            Value::Int(dossier),
            Value::from(access.reference.as_str()),
            Value::from(access.secret.as_str()),
            Value::Int(at),
        ],
    )?;
    tx.exec_later(
        COPY_TO_LOOKUP,
        &[
            Value::Int(dossier),
            Value::from(access.reference.as_str()),
            Value::from(access.secret.as_str()),
        ],
    )?;
    Ok(access)
}

/// The reference and secret of a dossier, if it has them.
pub fn get(tx: &mut dyn Tx, dossier: i64) -> Result<Option<Access>, StoreError> {
    tx.query_one(
        "SELECT reference, secret FROM public_access WHERE dossier_id = $1",
        &[Value::Int(dossier)],
    )?
    .map(|r| {
        Ok(Access {
            reference: r.string(0)?,
            secret: r.string(1)?,
        })
    })
    .transpose()
}

/// The reference and secret of a dossier, given to it now if it was received before they existed
/// (a database migrated from before: its dossiers get theirs on first need).
pub fn ensure(tx: &mut dyn Tx, dossier: i64) -> Result<Access, StoreError> {
    match get(tx, dossier)? {
        Some(a) => Ok(a),
        None => create(tx, dossier, millis(chrono::Utc::now())),
    }
}

/// The dossier behind a public reference.
pub fn by_reference(tx: &mut dyn Tx, reference: &str) -> Result<Option<i64>, StoreError> {
    let reference = normalise(reference);
    if reference.len() != REFERENCE_LENGTH || !reference.starts_with('W') {
        return Ok(None);
    }
    tx.query_one(
        "SELECT dossier_id FROM public_access WHERE reference = $1",
        &[Value::from(reference.as_str())],
    )?
    .map(|r| r.i64(0))
    .transpose()
}

/// True when `typed` is the dossier's secret (compared by digest, so the time taken says nothing
/// about how much of it was right).
pub fn check(tx: &mut dyn Tx, dossier: i64, typed: &str) -> Result<bool, StoreError> {
    let Some(access) = get(tx, dossier)? else {
        return Ok(false);
    };
    let typed = normalise(typed);
    Ok(typed.len() == LENGTH && Sha256::digest(typed) == Sha256::digest(access.secret))
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_random_and_read_back_as_typed() {
        let a = super::random_text().unwrap();
        let b = super::random_text().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), super::LENGTH);
        assert!(a.bytes().all(|c| super::ALPHABET.contains(&c)));
        let printed = super::grouped(&a);
        assert_eq!(printed.len(), 14);
        assert_eq!(super::normalise(&printed.to_lowercase()), a);
        assert_eq!(super::normalise("ab-cd o1 il"), "ABCD0111");
    }
}
