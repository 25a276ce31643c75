//! Passwords: Argon2id hashes (the PHC string format), one-time passwords for new and reset
//! accounts, and the rule a chosen password must meet. Shared by the command line and the web layer.

use std::sync::{Condvar, Mutex};

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::{Rng, RngCore};

use crate::StoreError;

/// The fewest characters a password may have.
pub const MIN_CHARS: usize = motcua_domain::org::PASSWORD_MIN_CHARS;

pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    let _slot = Slot::take();
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// The largest memory cost a stored hash may ask for (64 MiB; ours use the default 19 MiB): a
/// hash altered to ask for gigabytes must not take the server's memory.
const MAX_M_COST_KIB: u32 = 64 * 1024;

pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(h.algorithm), Params::try_from(&h))
    else {
        return false;
    };
    let version = match h.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    if params.m_cost() > MAX_M_COST_KIB {
        return false;
    }
    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    let computed = Slot::take().with_memory(blocks, |memory| {
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            memory,
        )
    });
    // `Output`'s comparison takes the same time wherever the bytes differ.
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

/// Argon2id takes its memory cost (19 MiB by default) for each computation: 64 sign-ins arriving
/// together took the server's peak memory past 800 MB. At most `SLOTS` computations run at once
/// (the others wait, as they would for a core anyway), each in a working memory kept for the next
/// one and wiped after use.
const SLOTS: usize = 2;

static IN_USE: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

struct Slot;

impl Slot {
    fn take() -> Slot {
        let mut used = IN_USE.lock().unwrap_or_else(|p| p.into_inner());
        while *used >= SLOTS {
            used = FREED.wait(used).unwrap_or_else(|p| p.into_inner());
        }
        *used += 1;
        Slot
    }

    fn with_memory<T>(&self, blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
        let mut memory = MEMORY
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_default();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        let out = f(&mut memory[..blocks]);
        memory.fill(Block::default());
        MEMORY
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(memory);
        out
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut used = IN_USE.lock().unwrap_or_else(|p| p.into_inner());
        *used -= 1;
        FREED.notify_one();
    }
}

/// A one-time password: 16 characters from an alphabet without look-alikes (0/O, 1/l/I), about 90
/// bits, easy to read out and type.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Checks a password someone chose (not a generated one): long enough.
pub fn check_new(password: &str) -> Result<(), StoreError> {
    motcua_domain::org::check_password(password).map_err(|m| StoreError::invalid(m.vi, m.en))
}

/// Hashes, turning a hashing failure into a store error.
pub fn hash(password: &str) -> Result<String, StoreError> {
    hash_password(password).map_err(|e| StoreError::Db(format!("password hashing: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_only_their_own_password() {
        let h = super::hash_password("đúng mật khẩu").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify_password("đúng mật khẩu", &h));
        assert!(!super::verify_password("sai", &h));
        assert!(!super::verify_password("x", "not a hash"));
        // A hash made by the library's own verifier path (argon2id, v19) and one of Argon2i verify
        // too: the pooled computation reads every parameter from the stored string.
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let argon2i = argon2::Argon2::new(
            argon2::Algorithm::Argon2i,
            argon2::Version::V0x13,
            argon2::Params::new(8 * 1024, 2, 1, None).unwrap(),
        )
        .hash_password(b"khac", &salt)
        .unwrap()
        .to_string();
        assert!(super::verify_password("khac", &argon2i));
        assert!(!super::verify_password("khac!", &argon2i));
        // A stored hash altered to ask for 1 GiB of memory is refused, not computed.
        let greedy = h.replace("m=19456", "m=1048576");
        assert_ne!(greedy, h);
        let started = std::time::Instant::now();
        assert!(!super::verify_password("đúng mật khẩu", &greedy));
        // Computing it would take seconds and a gigabyte; refusing takes a parse.
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    /// Sign-ins arriving together all get their answer (none waits for ever on a slot).
    #[test]
    fn concurrent_verifications_all_finish() {
        let h = super::hash_password("cùng lúc").unwrap();
        let answers: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let h = &h;
                    s.spawn(move || {
                        super::verify_password(if i % 2 == 0 { "cùng lúc" } else { "sai" }, h)
                    })
                })
                .collect();
            handles.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert_eq!(
            answers,
            (0..8).map(|i| i % 2 == 0).collect::<Vec<_>>(),
            "each verification answers for its own password"
        );
    }

    #[test]
    fn one_time_passwords_are_long_and_differ() {
        let a = super::one_time_password();
        let b = super::one_time_password();
        assert_eq!(a.chars().count(), 16);
        assert_ne!(a, b);
        assert!(super::check_new(&a).is_ok());
        assert!(super::check_new("short").is_err());
    }
}
