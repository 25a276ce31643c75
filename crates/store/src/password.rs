//! Passwords: Argon2id hashes (the PHC string format), one-time passwords for new and reset
//! accounts, and the rule a chosen password must meet. Shared by the command line and the web layer.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::{Rng, RngCore};

use crate::StoreError;

/// The fewest characters a password may have.
pub const MIN_CHARS: usize = motcua_domain::org::PASSWORD_MIN_CHARS;

pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
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
