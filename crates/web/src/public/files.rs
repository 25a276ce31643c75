//! Uploaded papers, kept on disk under the SHA-256 of their content (the same file uploaded twice is
//! stored once, and a stored file cannot be changed without changing its name). Only PDF, JPEG and
//! PNG are accepted, recognised by their first bytes, not by what the browser claims.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::http::ApiError;

/// The kind of a file by its signature.
pub fn kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

fn path_of(dir: &Path, hash: &str) -> PathBuf {
    dir.join(&hash[..2]).join(hash)
}

/// Checks a paper and stores it; returns its SHA-256.
pub fn store(dir: &Path, field: &str, bytes: &[u8], max: usize) -> Result<String, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::invalid(field, "tệp trống", "the file is empty"));
    }
    if bytes.len() > max {
        return Err(ApiError::invalid(
            field,
            format!("tệp lớn hơn {} MB", max / (1024 * 1024)),
            format!("the file is larger than {} MB", max / (1024 * 1024)),
        ));
    }
    if kind(bytes).is_none() {
        return Err(ApiError::invalid(
            field,
            "chỉ nhận tệp PDF, JPEG hoặc PNG",
            "only PDF, JPEG or PNG files are accepted",
        ));
    }
    let hash = hex::encode(Sha256::digest(bytes));
    let path = path_of(dir, &hash);
    if !path.exists() {
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)
            .map_err(|e| ApiError::internal(format!("cannot create {}: {e}", parent.display())))?;
        // Write to a temporary name, then rename: a reader never sees half a file.
        let tmp = parent.join(format!(".{hash}.{}", std::process::id()));
        std::fs::write(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| ApiError::internal(format!("cannot store {}: {e}", path.display())))?;
    }
    Ok(hash)
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_addressed_and_checked() {
        let dir = std::env::temp_dir().join(format!("motcua-files-{}", std::process::id()));
        let pdf = b"%PDF-1.7 test".to_vec();
        let a = super::store(&dir, "f", &pdf, 1000).unwrap();
        let b = super::store(&dir, "f", &pdf, 1000).unwrap();
        assert_eq!(a, b);
        assert_eq!(std::fs::read(dir.join(&a[..2]).join(&a)).unwrap(), pdf);
        assert!(super::store(&dir, "f", b"MZ executable", 1000).is_err());
        assert!(super::store(&dir, "f", &pdf, 5).is_err());
        assert!(super::store(&dir, "f", b"", 1000).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
