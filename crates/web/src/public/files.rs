//! Uploaded papers, kept on disk under the SHA-256 of their content (the same file uploaded twice is
//! stored once, and a stored file cannot be changed without changing its name). Only PDF, JPEG and
//! PNG are accepted, recognised by their first bytes, not by what the browser claims.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use motcua_store::StoreError;

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

/// Writes to a name no other request uses, flushes it to the disk, then renames it into place and
/// flushes the folder: a reader never sees half a file, and an acknowledged paper survives a power
/// cut. Another request storing the same content at the same moment is not an error: the content
/// is the name, so whichever rename lands last puts the same bytes there.
fn write_durably(parent: &Path, path: &Path, hash: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let unique = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = parent.join(format!(".{hash}.{}.{unique}", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(parent)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        if path.exists() {
            // Someone else stored the same content: it is there, whole.
            return Ok(());
        }
    }
    written
}

/// A stored paper by its SHA-256: its kind and bytes; None when there is no such file (or the name is
/// not a SHA-256, so nothing outside the folder can be named).
pub fn read(dir: &Path, hash: &str) -> Option<(&'static str, Vec<u8>)> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes = std::fs::read(path_of(dir, &hash.to_ascii_lowercase())).ok()?;
    Some((kind(&bytes)?, bytes))
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
            .map_err(|e| StoreError::from_io(&e, &format!("cannot create {}", parent.display())))?;
        write_durably(parent, &path, &hash, bytes)
            .map_err(|e| StoreError::from_io(&e, &format!("cannot store {}", path.display())))?;
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

    #[test]
    fn the_same_paper_stored_at_once_by_many_is_stored_once_and_whole() {
        let dir = std::env::temp_dir().join(format!("motcua-files-race-{}", std::process::id()));
        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.extend((0..2_000_000u32).map(|i| (i % 251) as u8));
        let pdf = std::sync::Arc::new(pdf);
        let threads: Vec<_> = (0..20)
            .map(|_| {
                let (dir, pdf) = (dir.clone(), pdf.clone());
                std::thread::spawn(move || super::store(&dir, "f", &pdf, 8 << 20))
            })
            .collect();
        let hashes: Vec<String> = threads
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect();
        assert!(hashes.windows(2).all(|w| w[0] == w[1]));
        let path = super::path_of(&dir, &hashes[0]);
        assert_eq!(std::fs::read(&path).unwrap(), *pdf);
        // No temporary file is left behind.
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
