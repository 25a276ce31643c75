//! The personal-data vault (issue 13, item 3). An applicant's personal fields (name, ID number,
//! phone, e-mail, address, passport, nationality, tax code, representative) live here, one record
//! per dossier ("subject"), encrypted with a key of that subject alone (ChaCha20-Poly1305); the
//! subject's key is kept wrapped by the master key. The event log and the state JSON keep only a
//! `Seal`: the subject's random reference, which version of the record the event saw, and a salted
//! SHA-256 commitment to it. Event hashes cover the seal, never the data, so `verify` needs no key
//! and keeps working after an erasure.
//!
//! - A correction appends a version (and the correction's from/to) to the record; forms show the
//!   latest version, the history shows that a correction happened and, while the data exists, what.
//! - Erasure destroys the subject's key and ciphertext (crypto-shredding): every page, form and
//!   export then reads `ERASED`; statistics never read personal data, so they do not move.
//! - The master key lives in `vault_master`, in the database, unless a key file is configured
//!   (`set_key_encryption_key`): then the database holds the master key wrapped by it, and a copy of
//!   the database (or a backup) without the key file reveals no personal data.
//! - A blind index (`vault_terms`: HMAC-SHA-256 under a key derived from the master key) finds the
//!   dossiers of an ID number, phone, passport or tax code without storing them in clear.
//!
//! Clear copies exist only in mutable projections that erasure overwrites (`dossiers.applicant_name`
//! and `phone_last4`, for the queues).

use std::sync::{Mutex, OnceLock};

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use hmac::{Hmac, Mac};
use motcua_domain::dossier::{
    Applicant, ApplicantKind, Command, Correction, Dossier, Event, Recorded, Seal,
};
use rand::TryRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::db::{Tx, Value};

/// What every page, form and export shows in place of erased personal data.
pub const ERASED: &str = "(đã xóa theo yêu cầu · erased)";

pub(crate) type Key = [u8; 32];

pub(crate) fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut b = [0u8; N];
    rand::rngs::OsRng
        .try_fill_bytes(&mut b)
        .map_err(|e| StoreError::Db(format!("the system's random generator failed: {e}")))?;
    Ok(b)
}

pub(crate) fn vault_error(what: &str) -> StoreError {
    StoreError::Db(format!("personal-data vault: {what}"))
}

/// `nonce || ciphertext` in hex, authenticated with `aad`.
pub(crate) fn encrypt(key: &Key, aad: &str, plain: &[u8]) -> Result<String, StoreError> {
    let cipher = ChaCha20Poly1305::new(key.into());
    let nonce: [u8; 12] = random()?;
    let ct = cipher
        .encrypt(
            (&nonce).into(),
            Payload {
                msg: plain,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| vault_error("encryption failed"))?;
    let mut out = nonce.to_vec();
    out.extend(ct);
    Ok(hex::encode(out))
}

pub(crate) fn decrypt(key: &Key, aad: &str, stored: &str) -> Result<Vec<u8>, StoreError> {
    let bytes = hex::decode(stored).map_err(|_| vault_error("a record is not hex"))?;
    if bytes.len() < 12 {
        return Err(vault_error("a record is too short"));
    }
    let (nonce, ct) = bytes.split_at(12);
    ChaCha20Poly1305::new(key.into())
        .decrypt(
            nonce.into(),
            Payload {
                msg: ct,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| {
            vault_error(
                "a record does not open with this key (wrong key file, or the record was altered)",
            )
        })
}

// ----- The master key -------------------------------------------------------------------------

/// The key-encryption key from the configuration (`vault_key_file`), if any, for this process.
static KEK: OnceLock<Key> = OnceLock::new();
/// The master key once unwrapped, by the stored text it came from.
static MASTER: Mutex<Option<(String, Key)>> = Mutex::new(None);

/// Reads a key file: 64 hex digits (32 bytes), surrounding white space ignored.
pub fn read_key_file(path: &std::path::Path) -> Result<Key, StoreError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        StoreError::invalid(
            format!("Không đọc được tệp khóa {}: {e}", path.display()),
            format!("Cannot read the key file {}: {e}", path.display()),
        )
    })?;
    let bytes = hex::decode(text.trim()).ok().filter(|b| b.len() == 32);
    bytes.and_then(|b| b.try_into().ok()).ok_or_else(|| {
        StoreError::invalid(
            format!(
                "Tệp khóa {} phải chứa 64 chữ số hex (32 byte).",
                path.display()
            ),
            format!(
                "The key file {} must hold 64 hex digits (32 bytes).",
                path.display()
            ),
        )
    })
}

/// A new key file's content: 32 random bytes in hex.
pub fn new_key_text() -> Result<String, StoreError> {
    Ok(hex::encode(random::<32>()?) + "\n")
}

/// Uses `kek` (from the configured key file) to wrap and unwrap the master key in this process.
/// Set once, before the store is used; a second, different key is refused.
pub fn set_key_encryption_key(kek: Key) -> Result<(), StoreError> {
    let set = KEK.get_or_init(|| kek);
    if *set != kek {
        return Err(vault_error("a different key file was already in use"));
    }
    Ok(())
}

fn kek_id(kek: &Key) -> String {
    hex::encode(&Sha256::digest([b"motcua-kek-id\n".as_slice(), kek].concat())[..8])
}

/// Makes sure the database has a master key and that it is stored as configured: created on first
/// need; wrapped by the key file when one is configured (a master key stored in clear is wrapped
/// then); refused, with what to do, when it was wrapped by another key file or there is none.
pub fn prepare(tx: &mut dyn Tx, now: i64) -> Result<(), StoreError> {
    let row = tx.query_one("SELECT material, kek FROM vault_master WHERE id = 1", &[])?;
    let kek = KEK.get();
    match row {
        None => {
            let master: Key = random()?;
            let (material, kek_id) = match kek {
                Some(k) => (encrypt(k, "motcua-master", &master)?, Some(kek_id(k))),
                None => (hex::encode(master), None),
            };
            tx.exec(
                "INSERT INTO vault_master (id, material, kek, created_at) VALUES (1, $1, $2, $3)",
                &[Value::Text(material), Value::from(kek_id), Value::Int(now)],
            )?;
        }
        Some(r) => {
            let (material, stored_kek) = (r.string(0)?, r.opt_string(1)?);
            match (stored_kek, kek) {
                (None, Some(k)) => {
                    let master = hex::decode(&material).map_err(|_| vault_error("bad master"))?;
                    tx.exec(
                        "UPDATE vault_master SET material = $1, kek = $2 WHERE id = 1",
                        &[
                            Value::Text(encrypt(k, "motcua-master", &master)?),
                            Value::Text(kek_id(k)),
                        ],
                    )?;
                }
                (Some(id), Some(k)) if id != kek_id(k) => {
                    return Err(StoreError::invalid(
                        "Khóa của kho dữ liệu cá nhân được bọc bằng một tệp khóa khác tệp đã cấu hình \
                         (vault_key_file). Hãy dùng đúng tệp khóa đã dùng khi tạo dữ liệu.",
                        "The personal-data vault's master key is wrapped by a different key file than \
                         the one configured (vault_key_file). Use the key file the data was made with.",
                    ));
                }
                (Some(_), None) => {
                    return Err(StoreError::invalid(
                        "Kho dữ liệu cá nhân cần tệp khóa (vault_key_file hoặc MOTCUA_VAULT_KEY_FILE) \
                         mà cơ sở dữ liệu này đã được bọc bằng.",
                        "The personal-data vault needs the key file (vault_key_file or \
                         MOTCUA_VAULT_KEY_FILE) this database was wrapped with.",
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The master key and what is derived from it, for one transaction.
pub struct Keys {
    pub(crate) master: Key,
}

impl Keys {
    pub fn load(tx: &mut dyn Tx) -> Result<Keys, StoreError> {
        let material = tx
            .query_one("SELECT material, kek FROM vault_master WHERE id = 1", &[])?
            .ok_or_else(|| vault_error("no master key (the database was not migrated)"))?;
        let (text, wrapped) = (material.string(0)?, material.opt_string(1)?.is_some());
        let mut cache = MASTER.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((t, k)) = cache.as_ref()
            && *t == text
        {
            return Ok(Keys { master: *k });
        }
        let bytes = if wrapped {
            let kek = KEK
                .get()
                .ok_or_else(|| vault_error("the key file is not configured"))?;
            decrypt(kek, "motcua-master", &text)?
        } else {
            hex::decode(&text).map_err(|_| vault_error("bad master"))?
        };
        let master: Key = bytes
            .try_into()
            .map_err(|_| vault_error("the master key is not 32 bytes"))?;
        *cache = Some((text, master));
        Ok(Keys { master })
    }

    /// The keys held in `slot`, loaded on first use.
    pub fn once<'a>(tx: &mut dyn Tx, slot: &'a mut Option<Keys>) -> Result<&'a Keys, StoreError> {
        let keys = match slot.take() {
            Some(k) => k,
            None => Keys::load(tx)?,
        };
        Ok(slot.insert(keys))
    }

    fn derived(&self, purpose: &str) -> Key {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.master).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The blind-index term of a value of some kind ("id", "phone", ...), as normalised by
    /// `normalise_term`.
    pub fn term(&self, kind: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.derived("motcua-terms"))
            .expect("any key length");
        mac.update(kind.as_bytes());
        mac.update(b"\n");
        mac.update(normalise_term(value).as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

/// Upper case, letters and digits only: "0912 345 678" and "0912-345-678" are one phone.
pub fn normalise_term(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

// ----- Subjects -------------------------------------------------------------------------------

/// What the vault holds about one dossier's applicant, encrypted as a whole.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Record {
    salt: String,
    /// Each applicant an event recorded (submission, reception restating it, correction), oldest
    /// first; the last is the current one.
    versions: Vec<Applicant>,
    /// The old and new value of each correction, in order.
    corrections: Vec<(String, String)>,
    /// Who received the result, at each return (in order).
    #[serde(default)]
    returned_to: Vec<String>,
}

/// One dossier's subject, open for this transaction.
pub struct Subject {
    pub reference: String,
    key: Key,
    record: Record,
    /// The data is gone (erased); nothing can be written about it any more.
    pub erased: bool,
    dirty: bool,
    /// The versions changed: the blind-index terms must be written again.
    versions_changed: bool,
    new: bool,
}

pub(crate) fn commitment(salt: &str, what: &str, index: usize, content: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"motcua-seal-v1\n");
    for part in [salt, what, &index.to_string(), content] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

fn applicant_json(a: &Applicant) -> String {
    let mut a = a.clone();
    a.sealed = None;
    serde_json::to_string(&a).unwrap_or_default()
}

/// An applicant with the personal fields blanked, the kind kept (its type only) and the channel of
/// an opt-in to notifications (never its language or address).
fn blank(a: &Applicant, text: &str) -> Applicant {
    let kind = &a.kind;
    let s = || text.to_owned();
    Applicant {
        full_name: s(),
        id_number: None,
        phone: String::new(),
        email: None,
        address: None,
        date_of_birth: None,
        sex: None,
        kind: match kind {
            ApplicantKind::Citizen => ApplicantKind::Citizen,
            ApplicantKind::Foreigner { .. } => ApplicantKind::Foreigner {
                passport: s(),
                nationality: s(),
            },
            ApplicantKind::Organisation { .. } => ApplicantKind::Organisation {
                tax_code: s(),
                legal_representative: s(),
            },
        },
        representative: None,
        notify: a
            .notify
            .as_ref()
            .map(motcua_domain::notify::Notify::channel_only),
        sealed: None,
    }
}

impl Subject {
    fn new(reference: String) -> Result<Subject, StoreError> {
        Ok(Subject {
            reference,
            key: random()?,
            record: Record {
                salt: hex::encode(random::<16>()?),
                ..Record::default()
            },
            erased: false,
            dirty: true,
            versions_changed: true,
            new: true,
        })
    }

    /// The subject of a new dossier (it has no record yet).
    pub fn fresh() -> Result<Subject, StoreError> {
        Subject::new(new_reference()?)
    }

    fn refuse_erased(&self) -> Result<(), StoreError> {
        if self.erased {
            return Err(StoreError::invalid(
                "Dữ liệu cá nhân của hồ sơ này đã bị xóa theo yêu cầu; không thể ghi thêm thông tin \
                 về người nộp.",
                "This dossier's personal data was erased on request; nothing more can be recorded \
                 about the applicant.",
            ));
        }
        Ok(())
    }

    fn seal_of(&self, what: &str, index: usize, content: &str) -> Seal {
        Seal {
            subject: self.reference.clone(),
            version: index as u32,
            commitment: commitment(&self.record.salt, what, index, content),
        }
    }

    /// The version that holds `a`, appending it when it differs from the current one.
    fn version_of(&mut self, a: &Applicant) -> Result<usize, StoreError> {
        let mut a = a.clone();
        a.sealed = None;
        if self.record.versions.last() != Some(&a) {
            self.refuse_erased()?;
            self.record.versions.push(a);
            self.dirty = true;
            self.versions_changed = true;
        }
        Ok(self.record.versions.len() - 1)
    }

    fn sealed_applicant(&self, a: &Applicant, index: usize) -> Applicant {
        let mut out = blank(a, "");
        let content = self
            .record
            .versions
            .get(index)
            .map(applicant_json)
            .unwrap_or_default();
        out.sealed = Some(self.seal_of("applicant", index, &content));
        out
    }

    fn clear_applicant(&self, sealed: &Applicant, index: u32) -> Applicant {
        match self.record.versions.get(index as usize) {
            Some(a) if !self.erased => a.clone(),
            _ => blank(sealed, ERASED),
        }
    }

    fn clear_correction(&self, index: u32) -> (String, String) {
        match self.record.corrections.get(index as usize) {
            Some(c) if !self.erased => c.clone(),
            _ => (ERASED.to_owned(), ERASED.to_owned()),
        }
    }

    /// The event as the log keeps it: personal fields replaced by seals (their values go into the
    /// record). `after` is the dossier once the event applied.
    pub fn seal_event(&mut self, event: &Event, after: &Dossier) -> Result<Event, StoreError> {
        let mut e = event.clone();
        match &mut e {
            Event::Submitted { applicant, .. } | Event::Received { applicant, .. } => {
                let v = self.version_of(applicant)?;
                *applicant = self.sealed_applicant(applicant, v);
            }
            Event::Corrected {
                from, to, sealed, ..
            } => {
                self.refuse_erased()?;
                self.version_of(&after.applicant)?;
                let i = self.record.corrections.len();
                self.record
                    .corrections
                    .push((std::mem::take(from), std::mem::take(to)));
                self.dirty = true;
                let (f, t) = &self.record.corrections[i];
                *sealed = Some(self.seal_of("correction", i, &format!("{f}\n{t}")));
            }
            Event::Returned {
                to_whom, sealed, ..
            } => {
                self.refuse_erased()?;
                let i = self.record.returned_to.len();
                self.record.returned_to.push(std::mem::take(to_whom));
                self.dirty = true;
                *sealed = Some(self.seal_of("returned_to", i, &self.record.returned_to[i]));
            }
            _ => {}
        }
        Ok(e)
    }

    /// The state as the projection keeps it: the current applicant and the corrections sealed.
    pub fn seal_state(&mut self, d: &Dossier) -> Result<Dossier, StoreError> {
        let mut d = d.clone();
        let v = if self.erased {
            self.record.versions.len().saturating_sub(1)
        } else {
            self.version_of(&d.applicant)?
        };
        d.applicant = self.sealed_applicant(&d.applicant, v);
        if let Some(to) = &mut d.returned_to {
            if !self.erased && self.record.returned_to.is_empty() && !to.is_empty() {
                // A state made before the vault.
                self.record.returned_to.push(to.clone());
                self.dirty = true;
            }
            to.clear();
        }
        for (i, c) in d.corrections.iter_mut().enumerate() {
            if self.erased {
                c.sealed = Some(self.seal_of("correction", i, ""));
                c.from.clear();
                c.to.clear();
                continue;
            }
            if self.record.corrections.len() <= i {
                // A state made before the vault (its corrections were never sealed one by one).
                self.refuse_erased()?;
                self.record
                    .corrections
                    .push((std::mem::take(&mut c.from), std::mem::take(&mut c.to)));
                self.dirty = true;
            }
            let (f, t) = &self.record.corrections[i];
            c.sealed = Some(self.seal_of("correction", i, &format!("{f}\n{t}")));
            c.from.clear();
            c.to.clear();
        }
        Ok(d)
    }

    fn unseal_applicant(&self, a: &mut Applicant) {
        if let Some(seal) = &a.sealed {
            *a = self.clear_applicant(a, seal.version);
        }
    }

    fn unseal_correction(&self, c: &mut Correction, index: u32) {
        if c.sealed.is_some() {
            (c.from, c.to) = self.clear_correction(index);
            c.sealed = None;
        }
    }

    /// The state with its personal fields back (or `ERASED`).
    pub fn unseal_state(&self, d: &mut Dossier) {
        if d.applicant.sealed.is_some()
            && let Some(to) = &mut d.returned_to
            && to.is_empty()
        {
            *to = match self.record.returned_to.last() {
                Some(t) if !self.erased => t.clone(),
                _ => ERASED.to_owned(),
            };
        }
        self.unseal_applicant(&mut d.applicant);
        for (i, c) in d.corrections.iter_mut().enumerate() {
            self.unseal_correction(c, i as u32);
        }
    }

    /// An event with its personal fields back (or `ERASED`).
    /// An event written before the vault still holds its data in clear: once the subject is
    /// erased, it reads as erased too.
    pub fn unseal_event(&self, e: &mut Event) {
        match e {
            Event::Submitted { applicant, .. } | Event::Received { applicant, .. } => {
                if self.erased {
                    *applicant = blank(applicant, ERASED);
                } else {
                    self.unseal_applicant(applicant)
                }
            }
            Event::Corrected {
                from, to, sealed, ..
            } => {
                if let Some(s) = sealed.take() {
                    (*from, *to) = self.clear_correction(s.version);
                } else if self.erased {
                    (*from, *to) = (ERASED.to_owned(), ERASED.to_owned());
                }
            }
            Event::Returned {
                to_whom, sealed, ..
            } => {
                if let Some(s) = sealed.take() {
                    *to_whom = match self.record.returned_to.get(s.version as usize) {
                        Some(t) if !self.erased => t.clone(),
                        _ => ERASED.to_owned(),
                    };
                } else if self.erased {
                    *to_whom = ERASED.to_owned();
                }
            }
            _ => {}
        }
    }

    /// The blind-index terms of the current applicant.
    fn terms(&self, keys: &Keys) -> Vec<String> {
        let mut out = vec![];
        for a in &self.record.versions {
            let mut add = |kind: &str, v: &str| {
                if !normalise_term(v).is_empty() {
                    out.push(keys.term(kind, v));
                }
            };
            if let Some(id) = &a.id_number {
                add("id", id);
            }
            add("phone", &a.phone);
            match &a.kind {
                ApplicantKind::Foreigner { passport, .. } => add("id", passport),
                ApplicantKind::Organisation { tax_code, .. } => add("id", tax_code),
                ApplicantKind::Citizen => {}
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// A new reference: "S" and 26 characters of Crockford's base 32 (128 bits).
pub(crate) fn new_reference() -> Result<String, StoreError> {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes: [u8; 26] = random()?;
    Ok(std::iter::once('S')
        .chain(
            bytes
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(b & 31)])),
        )
        .collect())
}

/// The subject of a dossier: its record opened, a new one when the dossier has none yet.
pub fn open(tx: &mut dyn Tx, keys: &Keys, dossier: i64) -> Result<Subject, StoreError> {
    Ok(match find(tx, keys, dossier)? {
        Some(s) => s,
        None => Subject::new(new_reference()?)?,
    })
}

/// The subject of a dossier, if it has one.
pub fn find(tx: &mut dyn Tx, keys: &Keys, dossier: i64) -> Result<Option<Subject>, StoreError> {
    tx.query_one(
        "SELECT subject, wrapped_key, data FROM vault_subjects WHERE dossier_id = $1",
        &[Value::Int(dossier)],
    )?
    .map(|r| subject_from_row(keys, &r, 0))
    .transpose()
}

/// Writes the subject back when something changed (with its blind-index terms).
pub fn save(
    tx: &mut dyn Tx,
    keys: &Keys,
    dossier: i64,
    s: &mut Subject,
    now: i64,
) -> Result<(), StoreError> {
    if !s.dirty || s.erased {
        return Ok(());
    }
    let (wrapped, data) = seal_record(keys, &s.reference, &s.key, &s.record)?;
    if s.new {
        tx.exec_later(
            "INSERT INTO vault_subjects (dossier_id, subject, wrapped_key, data, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
            &[
                Value::Int(dossier),
                Value::from(s.reference.as_str()),
                Value::Text(wrapped),
                Value::Text(data),
                Value::Int(now),
            ],
        )?;
    } else {
        tx.exec_later(
            "UPDATE vault_subjects SET data = $1 WHERE dossier_id = $2",
            &[Value::Text(data), Value::Int(dossier)],
        )?;
        if s.versions_changed {
            tx.exec_later(
                "DELETE FROM vault_terms WHERE dossier_id = $1",
                &[Value::Int(dossier)],
            )?;
        }
    }
    if s.versions_changed {
        index(tx, keys, dossier, s)?;
    }
    s.versions_changed = false;
    s.new = false;
    s.dirty = false;
    Ok(())
}

/// The records of new subjects, written many to a statement (imports: a round trip per batch,
/// not two per dossier). Subjects that are not new are saved at once by [`save`].
#[derive(Default)]
pub struct NewSubjects {
    subjects: Vec<[Value; 5]>,
    terms: Vec<[Value; 2]>,
}

impl NewSubjects {
    /// What [`save`] writes for `s`, kept for [`NewSubjects::write`].
    pub fn add(
        &mut self,
        tx: &mut dyn Tx,
        keys: &Keys,
        dossier: i64,
        s: &mut Subject,
        now: i64,
    ) -> Result<(), StoreError> {
        if !s.new || !s.dirty || s.erased {
            return save(tx, keys, dossier, s, now);
        }
        let (wrapped, data) = seal_record(keys, &s.reference, &s.key, &s.record)?;
        self.subjects.push([
            Value::Int(dossier),
            Value::from(s.reference.as_str()),
            Value::Text(wrapped),
            Value::Text(data),
            Value::Int(now),
        ]);
        for term in s.terms(keys) {
            self.terms.push([Value::Text(term), Value::Int(dossier)]);
        }
        s.versions_changed = false;
        s.new = false;
        s.dirty = false;
        Ok(())
    }

    pub fn write(self, tx: &mut dyn Tx) -> Result<(), StoreError> {
        crate::db::insert_many(
            tx,
            "INSERT INTO vault_subjects (dossier_id, subject, wrapped_key, data, created_at) VALUES ",
            self.subjects,
            200,
        )?;
        crate::db::insert_many(
            tx,
            "INSERT INTO vault_terms (term, dossier_id) VALUES ",
            self.terms,
            500,
        )
    }
}

/// Writes the blind-index terms of a subject (a projection: `rebuild` writes them again).
pub fn index(tx: &mut dyn Tx, keys: &Keys, dossier: i64, s: &Subject) -> Result<(), StoreError> {
    if s.erased {
        return Ok(());
    }
    for term in s.terms(keys) {
        tx.exec_later(
            "INSERT INTO vault_terms (term, dossier_id) VALUES ($1, $2)",
            &[Value::Text(term), Value::Int(dossier)],
        )?;
    }
    Ok(())
}

/// Crypto-shredding: the subject's key and record are destroyed, its index terms removed and the
/// queues' clear copies overwritten. Called in the transaction that records the erasure event.
pub fn erase(tx: &mut dyn Tx, dossier: i64, s: &mut Subject, now: i64) -> Result<(), StoreError> {
    if s.new {
        tx.exec(
            "INSERT INTO vault_subjects (dossier_id, subject, created_at) VALUES ($1, $2, $3)",
            &[
                Value::Int(dossier),
                Value::from(s.reference.as_str()),
                Value::Int(now),
            ],
        )?;
        s.new = false;
    }
    tx.exec(
        "UPDATE vault_subjects SET wrapped_key = NULL, data = NULL, erased_at = $1 \
         WHERE dossier_id = $2",
        &[Value::Int(now), Value::Int(dossier)],
    )?;
    tx.exec(
        "DELETE FROM vault_terms WHERE dossier_id = $1",
        &[Value::Int(dossier)],
    )?;
    s.key = [0; 32];
    s.record = Record::default();
    s.erased = true;
    s.dirty = false;
    Ok(())
}

/// Dossiers whose applicant had this ID number (citizen ID, passport or tax code) or phone.
pub fn dossiers_of(
    tx: &mut dyn Tx,
    keys: &Keys,
    kind: &str,
    value: &str,
) -> Result<Vec<i64>, StoreError> {
    if normalise_term(value).is_empty() {
        return Ok(vec![]);
    }
    tx.query(
        "SELECT DISTINCT dossier_id FROM vault_terms WHERE term = $1 ORDER BY dossier_id",
        &[Value::Text(keys.term(kind, value))],
    )?
    .iter()
    .map(|r| r.i64(0))
    .collect()
}

/// A dossier's state with its personal fields back (a no-op for states made before the vault).
pub fn unseal_state(tx: &mut dyn Tx, id: i64, d: &mut Dossier) -> Result<(), StoreError> {
    if d.applicant.sealed.is_none() && d.corrections.iter().all(|c| c.sealed.is_none()) {
        return Ok(());
    }
    let keys = Keys::load(tx)?;
    match find(tx, &keys, id)? {
        Some(s) => s.unseal_state(d),
        None => {
            return Err(vault_error(&format!(
                "dossier {id} has seals and no subject"
            )));
        }
    }
    Ok(())
}

/// A dossier's history with its personal fields back.
pub fn unseal_history(tx: &mut dyn Tx, id: i64, events: &mut [Recorded]) -> Result<(), StoreError> {
    let keys = Keys::load(tx)?;
    let Some(s) = find(tx, &keys, id)? else {
        if events.iter().any(|r| is_sealed(&r.event)) {
            return Err(vault_error(&format!(
                "dossier {id} has seals and no subject"
            )));
        }
        // A dossier from before the vault, never written since.
        return Ok(());
    };
    for r in events {
        s.unseal_event(&mut r.event);
    }
    Ok(())
}

/// Whether a command needs the vault open: it reads or records the applicant's personal data, or
/// it changes the dossier's papers in the citizen's store (`papers`, keyed by the subject and the
/// applicant's identifier).
pub fn needs_subject(c: &Command) -> bool {
    matches!(
        c,
        Command::SubmitOnline { .. }
            | Command::Receive { .. }
            | Command::Correct { .. }
            | Command::Return { .. }
            | Command::ErasePersonalData { .. }
            | Command::DigitisePaper { .. }
            | Command::IssueDocument { .. }
            | Command::Supplement { .. }
            | Command::SupplementOnline { .. }
    )
}

/// Whether an event carries personal fields (which the vault must seal).
pub fn is_personal(e: &Event) -> bool {
    matches!(
        e,
        Event::Submitted { .. }
            | Event::Received { .. }
            | Event::Corrected { .. }
            | Event::Returned { .. }
            | Event::PersonalDataErased { .. }
    )
}

/// Whether a stored state keeps every personal field sealed (a state made before the vault may
/// still hold some in clear, for the vault to take when it is next written).
pub fn fully_sealed(d: &Dossier) -> bool {
    d.applicant.sealed.is_some()
        && d.corrections.iter().all(|c| c.sealed.is_some())
        && d.returned_to.as_deref().is_none_or(str::is_empty)
}

fn is_sealed(e: &Event) -> bool {
    match e {
        Event::Submitted { applicant, .. } | Event::Received { applicant, .. } => {
            applicant.sealed.is_some()
        }
        Event::Corrected { sealed, .. } | Event::Returned { sealed, .. } => sealed.is_some(),
        _ => false,
    }
}

/// A record and its key as stored: the key wrapped by the master key, the record encrypted under
/// the key, both bound to the subject's reference.
pub(crate) fn seal_record<T: Serialize>(
    keys: &Keys,
    reference: &str,
    key: &Key,
    record: &T,
) -> Result<(String, String), StoreError> {
    let plain = serde_json::to_vec(record).map_err(|e| vault_error(&e.to_string()))?;
    Ok((
        encrypt(&keys.master, &format!("key:{reference}"), key)?,
        encrypt(key, &format!("data:{reference}"), &plain)?,
    ))
}

/// What [`seal_record`] stored, opened.
pub(crate) fn open_record<T: serde::de::DeserializeOwned>(
    keys: &Keys,
    reference: &str,
    wrapped: &str,
    data: &str,
) -> Result<(Key, T), StoreError> {
    let key: Key = decrypt(&keys.master, &format!("key:{reference}"), wrapped)?
        .try_into()
        .map_err(|_| vault_error("a key is not 32 bytes"))?;
    let record = serde_json::from_slice(&decrypt(&key, &format!("data:{reference}"), data)?)
        .map_err(|e| vault_error(&format!("a record does not read: {e}")))?;
    Ok((key, record))
}

fn subject_from_row(keys: &Keys, r: &crate::db::Row, at: usize) -> Result<Subject, StoreError> {
    let reference = r.string(at)?;
    let (Some(wrapped), Some(data)) = (r.opt_string(at + 1)?, r.opt_string(at + 2)?) else {
        return Ok(Subject {
            reference,
            key: [0; 32],
            record: Record::default(),
            erased: true,
            dirty: false,
            versions_changed: false,
            new: false,
        });
    };
    let (key, record) = open_record(keys, &reference, &wrapped, &data)?;
    Ok(Subject {
        reference,
        key,
        record,
        erased: false,
        dirty: false,
        versions_changed: false,
        new: false,
    })
}

/// The subjects of the dossiers with ids from `first` to `last`, opened.
pub fn find_range(
    tx: &mut dyn Tx,
    keys: &Keys,
    first: i64,
    last: i64,
) -> Result<std::collections::HashMap<i64, Subject>, StoreError> {
    tx.query(
        "SELECT dossier_id, subject, wrapped_key, data FROM vault_subjects \
         WHERE dossier_id >= $1 AND dossier_id <= $2",
        &[Value::Int(first), Value::Int(last)],
    )?
    .iter()
    .map(|r| Ok((r.i64(0)?, subject_from_row(keys, r, 1)?)))
    .collect()
}

/// Several dossiers' states with their personal data back, the subjects read in one query per
/// 500 dossiers.
pub fn unseal_states(tx: &mut dyn Tx, states: &mut [(i64, Dossier)]) -> Result<(), StoreError> {
    let ids: Vec<String> = states
        .iter()
        .filter(|(_, d)| d.applicant.sealed.is_some())
        .map(|(id, _)| id.to_string())
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let keys = Keys::load(tx)?;
    let mut subjects = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let q = format!(
            "SELECT dossier_id, subject, wrapped_key, data FROM vault_subjects WHERE dossier_id IN ({})",
            chunk.join(", ")
        );
        for r in tx.query(&q, &[])? {
            subjects.insert(r.i64(0)?, subject_from_row(&keys, &r, 1)?);
        }
    }
    for (id, d) in states {
        if let Some(s) = subjects.get(id) {
            s.unseal_state(d);
        }
    }
    Ok(())
}

/// Dossiers closed before `cutoff` (milliseconds) whose applicant's data is still in the vault,
/// with their versions: what a retention run erases.
pub fn past_retention(tx: &mut dyn Tx, cutoff: i64) -> Result<Vec<(i64, i64)>, StoreError> {
    tx.query(
        "SELECT d.id, d.version FROM dossiers d JOIN vault_subjects s ON s.dossier_id = d.id \
         WHERE d.closed_at IS NOT NULL AND d.closed_at < $1 AND s.erased_at IS NULL ORDER BY d.id",
        &[Value::Int(cutoff)],
    )?
    .iter()
    .map(|r| Ok((r.i64(0)?, r.i64(1)?)))
    .collect()
}
