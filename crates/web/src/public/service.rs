//! One path for the public API and pages: find a dossier by its code (or online reference) and the
//! secret printed on form 01 (or shown after the online submission), and record a rating.

use chrono::Utc;
use motcua_domain::dossier::{Command, Dossier, Rating, parse_dossier_code};
use motcua_store::Tx;
use motcua_store::dossiers::{self, Request, Target};
use motcua_store::public_access;

use crate::app::{AppState, blocking};
use crate::http::ApiError;
use crate::http::{ClientIp, rate_limited};

/// The public reference and secret of a dossier (given now to a dossier from before they existed).
pub fn access(tx: &mut dyn Tx, id: i64) -> Result<public_access::Access, motcua_store::StoreError> {
    public_access::ensure(tx, id)
}

/// The dossier behind a code or an online reference, whatever case it was typed in (codes are
/// issued in upper case). References from before random references (`W` and the id) are still
/// understood; they open nothing without the secret.
pub fn find(tx: &mut dyn Tx, code: &str) -> Result<Option<i64>, motcua_store::StoreError> {
    if let Some(id) = public_access::by_reference(tx, code)? {
        return Ok(Some(id));
    }
    if let Some(id) = motcua_domain::dossier::parse_online_reference(code) {
        return Ok(Some(id));
    }
    let code = code.to_uppercase();
    if parse_dossier_code(&code).is_none() {
        return Ok(None);
    }
    dossiers::id_by_code(tx, &code)
}

/// The dossier behind a code (or online reference) and its secret; the same answer whether the
/// code is unknown or the secret is wrong.
pub fn authenticate(
    tx: &mut dyn Tx,
    code: &str,
    secret: &str,
) -> Result<Option<(i64, Dossier)>, motcua_store::StoreError> {
    let Some(id) = find(tx, code)? else {
        return Ok(None);
    };
    if !public_access::check(tx, id, secret)? {
        return Ok(None);
    }
    match dossiers::load(tx, id) {
        Ok(d) => Ok(Some((id, d))),
        Err(motcua_store::StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The public view of the dossier behind a code (or online reference) and its secret, from the
/// lookup projection (no personal data, no parse of the dossier's state); the same answer whether
/// the code is unknown or the secret is wrong.
pub fn lookup_public(
    tx: &mut dyn Tx,
    code: &str,
    secret: &str,
) -> Result<Option<motcua_store::lookup::Found>, motcua_store::StoreError> {
    motcua_store::lookup::find(tx, code.trim(), secret)
}

/// Uploaded papers, for the officials who may open them.
pub use super::files::read as read_paper;
/// Stores a checked paper (PDF, JPEG, PNG within the size limit) under its SHA-256 (counter scans,
/// issued documents).
pub use super::files::store as store_paper;
/// Previews of uploaded papers for the dossier page.
pub use super::thumbs::{
    Kind as PaperKind, Preview, describe as describe_paper, preview as paper_preview,
};

/// The supplement request the applicant may answer now, if any.
pub fn open_request(d: &Dossier) -> Option<&motcua_domain::dossier::SupplementRequest> {
    if d.status != motcua_domain::dossier::Status::SupplementRequested {
        return None;
    }
    d.supplements.last().filter(|s| s.supplemented_at.is_none())
}

pub fn not_found() -> ApiError {
    ApiError::not_found(
        "Không tìm thấy hồ sơ với mã và mã bí mật này",
        "No dossier matches this code and secret",
    )
}

/// Records an applicant's rating, for the API and the public page.
pub async fn rate_dossier(
    app: AppState,
    ClientIp(ip): ClientIp,
    code: String,
    secret: String,
    rating: Rating,
    comment: String,
) -> Result<(), ApiError> {
    if !app.public_limiter.allow(ip) {
        return Err(rate_limited());
    }
    blocking(move || {
        let mut missing = false;
        app.store.write(|tx| {
            let Some((id, d)) = authenticate(tx, code.trim(), &secret)? else {
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
