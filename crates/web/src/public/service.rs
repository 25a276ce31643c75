//! One path for the public API and pages: find a dossier by its code (or online reference) and the
//! applicant's secret, and record a rating.

use chrono::Utc;
use motcua_domain::dossier::{Command, Dossier, Rating, parse_dossier_code};
use motcua_store::Tx;
use motcua_store::dossiers::{self, Request, Target};

use crate::app::{AppState, blocking};
use crate::http::ApiError;
use crate::http::{ClientIp, rate_limited};

/// The reference of an online submission before it has a dossier code.
pub fn reference(id: i64) -> String {
    motcua_domain::dossier::online_reference(id)
}

/// The dossier behind a code or an online reference, whatever case it was typed in (codes are
/// issued in upper case).
pub fn find(tx: &mut dyn Tx, code: &str) -> Result<Option<i64>, motcua_store::StoreError> {
    if let Some(id) = motcua_domain::dossier::parse_online_reference(code) {
        return Ok(Some(id));
    }
    let code = code.to_uppercase();
    if parse_dossier_code(&code).is_none() {
        return Ok(None);
    }
    dossiers::id_by_code(tx, &code)
}

/// The dossier behind a code (or online reference) and phone digits; the same answer whether the
/// code is unknown or the digits are wrong.
pub fn authenticate(
    tx: &mut dyn Tx,
    code: &str,
    phone_last4: &str,
) -> Result<Option<(i64, Dossier)>, motcua_store::StoreError> {
    let Some(id) = find(tx, code)? else {
        return Ok(None);
    };
    let d = match dossiers::load(tx, id) {
        Ok(d) => d,
        Err(motcua_store::StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    if phone_last4.len() == 4 && d.applicant.phone_last4() == phone_last4 {
        Ok(Some((id, d)))
    } else {
        Ok(None)
    }
}

/// Uploaded papers, for the officials who may open them.
pub use super::files::read as read_paper;
/// Stores a checked paper (PDF, JPEG, PNG within the size limit) under its SHA-256 (counter scans,
/// issued documents).
pub use super::files::store as store_paper;

pub fn not_found() -> ApiError {
    ApiError::not_found(
        "Không tìm thấy hồ sơ với mã và số điện thoại này",
        "No dossier matches this code and phone number",
    )
}

/// Records an applicant's rating, for the API and the public page.
pub async fn rate_dossier(
    app: AppState,
    ClientIp(ip): ClientIp,
    code: String,
    phone_last4: String,
    rating: Rating,
    comment: String,
) -> Result<(), ApiError> {
    if !app.public_limiter.allow(ip) {
        return Err(rate_limited());
    }
    blocking(move || {
        let mut missing = false;
        app.store.write(|tx| {
            let Some((id, d)) = authenticate(tx, code.trim(), phone_last4.trim())? else {
                missing = true;
                return Ok(());
            };
            let cal = app.calendar(tx)?;
            dossiers::execute(
                tx,
                &cal,
                vec![Request {
                    target: Target::Existing {
                        id,
                        expected_version: d.version,
                    },
                    actor: motcua_domain::dossier::Actor::Applicant,
                    command: Command::Rate { rating, comment },
                    now: Utc::now(),
                }],
            )?;
            Ok(())
        })?;
        if missing {
            return Err(not_found());
        }
        Ok(())
    })
    .await
}
