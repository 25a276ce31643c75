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

/// A stored paper by its SHA-256: its kind and bytes; None when there is no such file (or the name is
/// not a SHA-256, so nothing outside the folder can be named).
pub fn read(dir: &Path, hash: &str) -> Option<(&'static str, Vec<u8>)> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes = std::fs::read(path_of(dir, &hash.to_ascii_lowercase())).ok()?;
    Some((kind(&bytes)?, bytes))
}

/// Whether a paper is stored under this SHA-256 (a reference kept across a refused form may
/// outlive its file only if someone removed it by hand).
pub fn exists(dir: &Path, hash: &str) -> bool {
    hash.len() == 64
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && path_of(dir, &hash.to_ascii_lowercase()).is_file()
}

/// Stores a paper already in memory (a scan sent as a request body, a signed document made here):
/// checked like an upload (not empty, at most `max` bytes, PDF, JPEG or PNG), written through an
/// [`Incoming`] file to its content-addressed place; returns its SHA-256.
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
    let mut paper = Incoming::create(dir)?;
    paper.write(bytes)?;
    paper.keep(dir)
}

/// A paper being received: written to a temporary file under `dir/.incoming` as its parts arrive,
/// hashed on the way, never held whole in memory. Dropped without [`Incoming::keep`], the
/// temporary file goes away.
pub struct Incoming {
    tmp: PathBuf,
    file: Option<std::fs::File>,
    hasher: Sha256,
    len: usize,
    head: Vec<u8>,
}

impl Incoming {
    /// A new empty temporary file, under a name no other request uses.
    pub fn create(dir: &Path) -> Result<Incoming, ApiError> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let unique = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let folder = dir.join(".incoming");
        std::fs::create_dir_all(&folder)
            .map_err(|e| StoreError::from_io(&e, &format!("cannot create {}", folder.display())))?;
        static SWEPT: std::sync::Once = std::sync::Once::new();
        SWEPT.call_once(|| sweep(&folder));
        let tmp = folder.join(format!("{}.{unique}", std::process::id()));
        let file = std::fs::File::create(&tmp)
            .map_err(|e| StoreError::from_io(&e, &format!("cannot create {}", tmp.display())))?;
        Ok(Incoming {
            tmp,
            file: Some(file),
            hasher: Sha256::new(),
            len: 0,
            head: Vec::with_capacity(8),
        })
    }

    /// Appends a piece of the paper.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), ApiError> {
        use std::io::Write;
        if self.head.len() < 8 {
            let take = (8 - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        self.hasher.update(bytes);
        self.len += bytes.len();
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| ApiError::internal("paper closed".into()))?;
        file.write_all(bytes).map_err(|e| {
            StoreError::from_io(&e, &format!("cannot write {}", self.tmp.display()))
        })?;
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The kind of the paper by its first bytes.
    pub fn kind(&self) -> Option<&'static str> {
        kind(&self.head)
    }

    /// Flushes the paper to the disk and moves it to its content-addressed place; returns its
    /// SHA-256. The same content already there (or put there at the same moment by another
    /// request) is the same paper.
    pub fn keep(mut self, dir: &Path) -> Result<String, ApiError> {
        let hash = hex::encode(std::mem::take(&mut self.hasher).finalize());
        let path = path_of(dir, &hash);
        let parent = path.parent().unwrap_or(dir).to_path_buf();
        let file = self.file.take();
        let kept = (|| {
            if let Some(f) = file {
                f.sync_all()?;
            }
            if path.exists() {
                return Ok(());
            }
            std::fs::create_dir_all(&parent)?;
            std::fs::rename(&self.tmp, &path)?;
            std::fs::File::open(&parent)?.sync_all()
        })();
        match kept {
            Ok(()) => Ok(hash),
            Err(_) if path.exists() => Ok(hash),
            Err(e) => {
                Err(StoreError::from_io(&e, &format!("cannot store {}", path.display())).into())
            }
        }
    }
}

/// Removes what a crash left in `.incoming` (files untouched for a day: no upload takes that long,
/// and another server sharing the folder may be receiving the recent ones).
fn sweep(folder: &Path) {
    let day = std::time::Duration::from_secs(24 * 3600);
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        self.file = None;
        let _ = std::fs::remove_file(&self.tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks a paper and stores it, as the submission does; returns its SHA-256.
    fn store(dir: &Path, _field: &str, bytes: &[u8], max: usize) -> Result<String, ApiError> {
        let mut paper = Incoming::create(dir)?;
        for piece in bytes.chunks(64 * 1024) {
            paper.write(piece)?;
        }
        if paper.is_empty() || paper.len() > max || paper.kind().is_none() {
            return Err(ApiError::invalid("f", "", ""));
        }
        paper.keep(dir)
    }

    #[test]
    fn content_addressed_and_checked() {
        let dir = std::env::temp_dir().join(format!("motcua-files-{}", std::process::id()));
        let pdf = b"%PDF-1.7 test".to_vec();
        let a = store(&dir, "f", &pdf, 1000).unwrap();
        let b = store(&dir, "f", &pdf, 1000).unwrap();
        assert_eq!(a, b);
        assert_eq!(std::fs::read(dir.join(&a[..2]).join(&a)).unwrap(), pdf);
        assert!(store(&dir, "f", b"MZ executable", 1000).is_err());
        assert!(store(&dir, "f", &pdf, 5).is_err());
        assert!(store(&dir, "f", b"", 1000).is_err());
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
                std::thread::spawn(move || store(&dir, "f", &pdf, 8 << 20))
            })
            .collect();
        let hashes: Vec<String> = threads
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect();
        assert!(hashes.windows(2).all(|w| w[0] == w[1]));
        let path = path_of(&dir, &hashes[0]);
        assert_eq!(std::fs::read(&path).unwrap(), *pdf);
        // No temporary file is left behind.
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(std::fs::read_dir(dir.join(".incoming")).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
