//! Papers kept across a refused form. When a form with papers is refused for something else (a
//! field left empty, a wrong phone number), the papers that passed their own checks are stored
//! (content-addressed, like any upload) and the form shown again carries, for each, a signed
//! reference instead of the file: the person does not pick the file again. The reference is
//! `<SHA-256>.<expiry in Unix seconds>.<HMAC-SHA-256>` under a key the server draws at start-up,
//! so only this server's own references are taken back, for a day, and a restart forgets them
//! (the form then asks for the file again). A reference names a file: it does not open it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a reference is taken back.
const VALID_SECONDS: i64 = 24 * 3600;

fn mac(key: &[u8; 32], hash: &str, expires: i64) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(b"motcua kept paper\0");
    m.update(hash.as_bytes());
    m.update(b"\0");
    m.update(expires.to_string().as_bytes());
    m
}

/// A signed reference to the stored paper `hash`, valid for a day from `now` (Unix seconds).
pub fn sign(key: &[u8; 32], hash: &str, now: i64) -> String {
    let expires = now + VALID_SECONDS;
    let tag = hex::encode(mac(key, hash, expires).finalize().into_bytes());
    format!("{hash}.{expires}.{tag}")
}

/// The paper a reference names, when it is this server's, unexpired and well formed.
pub fn check(key: &[u8; 32], reference: &str, now: i64) -> Option<String> {
    let mut parts = reference.trim().split('.');
    let (hash, expires, tag) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || hash.len() != 64
        || !hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let expires: i64 = expires.parse().ok()?;
    if expires < now {
        return None;
    }
    let tag = hex::decode(tag).ok()?;
    mac(key, hash, expires).verify_slice(&tag).ok()?;
    Some(hash.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_servers_unexpired_unaltered_references_are_taken_back() {
        let key = [7u8; 32];
        let hash = "a".repeat(64);
        let r = sign(&key, &hash, 1_000);
        assert_eq!(check(&key, &r, 1_000), Some(hash.clone()));
        assert_eq!(check(&key, &r, 1_000 + VALID_SECONDS), Some(hash.clone()));
        assert_eq!(check(&key, &r, 1_001 + VALID_SECONDS), None, "expired");
        assert_eq!(check(&[8u8; 32], &r, 1_000), None, "another key");
        let other = r.replacen(&hash, &"b".repeat(64), 1);
        assert_eq!(check(&key, &other, 1_000), None, "another paper");
        let later = r.replacen(
            &(1_000 + VALID_SECONDS).to_string(),
            &(9_000 + VALID_SECONDS).to_string(),
            1,
        );
        assert_eq!(check(&key, &later, 1_000), None, "a longer life");
        assert_eq!(check(&key, "../../etc/passwd", 1_000), None);
        assert_eq!(check(&key, &format!("{r}.x"), 1_000), None);
    }
}
