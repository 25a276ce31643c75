//! Official documents of the one-stop shop as PDF/A-2b, and their PAdES signatures.
//!
//! - [`model`]: a small document model (heading blocks, paragraphs, fields, tables, QR code,
//!   signature blocks, "Nơi nhận") laid out in the style of Decree 30/2020/NĐ-CP.
//! - [`render()`]: a pure function from a [`Document`] to PDF/A-2b bytes with the bundled
//!   Liberation Serif (metric-compatible with Times New Roman, covers Vietnamese).
//! - [`forms`]: builders for forms 01-04, the control sheet, the register, the inspection's
//!   conclusion notice and a result document cover, from plain input structs.
//! - [`sign()`]: PAdES baseline B signature (detached CMS, ETSI.CAdES.detached) with a unit's
//!   PKCS#12 certificate, added as an incremental update.

pub mod forms;
pub mod model;
mod p12;
mod render;
pub mod samples;
mod sign;

pub use model::{Align, Block, Column, Document, Header, Meta, Signer, Span, place_date};
pub use p12::{Identity, read_pkcs12};
pub use render::{page_count, render};
pub use sign::{SignOptions, sign, sign_with, signed_ranges};

use sha2::{Digest, Sha256};

/// Errors, Vietnamese first then English.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Dữ liệu không hợp lệ / Invalid input: {0}")]
    Input(String),
    #[error("Lỗi tạo PDF / PDF error: {0}")]
    Pdf(String),
    #[error("Không đọc được tệp chứng thư số (PKCS#12) / Cannot read the PKCS#12 file: {0}")]
    Certificate(String),
    #[error("Sai mật khẩu tệp chứng thư số / Wrong PKCS#12 password")]
    Password,
    #[error("Lỗi ký số / Signing error: {0}")]
    Sign(String),
}

/// The SHA-256 of a document, lower-case hex (what the QR code and the event log carry).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
