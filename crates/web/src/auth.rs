//! Staff authentication: Argon2id password hashes, random session tokens stored only as hashes,
//! sent as a bearer token or an HttpOnly, SameSite=Lax cookie.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use motcua_domain::org::Staff;
use motcua_store::org;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::app::{AppState, blocking};
use crate::http::{ApiError, PageError};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

pub const COOKIE: &str = "motcua_session";

pub use motcua_store::password::{hash_password, verify_password};

/// A hash to verify against when the username is unknown, so both cases take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("motcua-dummy-password").unwrap_or_default())
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The session token of a request: `Authorization: Bearer ...` or the session cookie.
/// A page of this site to return to after signing in: a path of our own (never another site's
/// address, `//host` or `/\\host`), without control characters; None otherwise.
pub fn return_to(path: &str) -> Option<String> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && path.len() <= 1000
        && !path.chars().any(|c| c.is_control() || c == '\\')
        && !["/dang-nhap", "/dang-xuat", "/doi-mat-khau"]
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}?")));
    ok.then(|| path.to_owned())
}

/// Is `given` the configured secret? Compares digests, so the time taken says nothing about how
/// much of it matched.
pub fn same_secret(given: &str, secret: &str) -> bool {
    Sha256::digest(given.as_bytes()) == Sha256::digest(secret.as_bytes())
}

pub fn token_of(parts: &Parts) -> Option<String> {
    if let Some(v) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        return Some(t.trim().to_owned());
    }
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// Checks a username and password and opens a session: (token, staff, expiry). Unknown usernames
/// take as long as wrong passwords.
pub async fn sign_in(
    app: AppState,
    username: String,
    password: String,
) -> Result<SignedIn, ApiError> {
    if username.len() > 100 || password.len() > 200 {
        return Err(ApiError::invalid(
            "username",
            "Tên đăng nhập hoặc mật khẩu quá dài",
            "username or password too long",
        ));
    }
    blocking(move || {
        let found = app
            .store
            .read(|tx| motcua_store::office::login(tx, username.trim()))?;
        let (id, ok, must_change_password) = match &found {
            Some(l) => (
                l.staff_id,
                verify_password(&password, &l.password_hash),
                l.must_change_password,
            ),
            None => {
                verify_password(&password, dummy_hash());
                (0, false, false)
            }
        };
        if !ok {
            return Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "bad-credentials",
                "Sai tên đăng nhập hoặc mật khẩu",
                "Wrong username or password",
            ));
        }
        let token = new_token();
        let now = chrono::Utc::now();
        let expires = now + chrono::TimeDelta::hours(app.settings.session_hours);
        let staff = app.store.write(|tx| {
            org::create_session(tx, &token_hash(&token), id, now, expires)?;
            org::get_staff(tx, id)
        })?;
        Ok(SignedIn {
            token,
            staff,
            expires,
            must_change_password,
        })
    })
    .await
}

/// An opened session.
pub struct SignedIn {
    pub token: String,
    pub staff: Staff,
    pub expires: chrono::DateTime<chrono::Utc>,
    /// A one-time password: until it is changed, the session may only change it (or sign out).
    pub must_change_password: bool,
}

/// What a session holding a one-time password may still reach.
const WHILE_ONE_TIME: [&str; 5] = [
    "/api/v1/auth/password",
    "/api/v1/auth/logout",
    "/api/v1/auth/me",
    "/doi-mat-khau",
    "/dang-xuat",
];

fn must_change() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "must-change-password",
        "Cần đổi mật khẩu dùng một lần trước khi làm việc",
        "Change your one-time password before anything else",
    )
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure when configured.
pub fn session_cookie(token: &str, settings: &crate::app::Settings) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        settings.session_hours * 3600,
        if settings.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    )
}

/// The signed-in member of staff; requests without a live session get 401.
pub struct CurrentStaff(pub Staff);

impl FromRequestParts<AppState> for CurrentStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = token_of(parts).ok_or_else(ApiError::unauthorized)?;
        if token.len() != 64 {
            return Err(ApiError::unauthorized());
        }
        let app = app.clone();
        let hash = token_hash(&token);
        let staff = blocking(move || {
            Ok(app.store.read(|tx| {
                let now = chrono::Utc::now();
                let Some((mut staff, must)) = motcua_store::office::session(tx, &hash, now)? else {
                    return Ok(None);
                };
                if must {
                    return Ok(Some(Err(())));
                }
                // Members of an inspection team read the units in its scope while it runs.
                let today = motcua_domain::dossier::to_local(now).date();
                for g in motcua_store::inspections::member_grants(tx, staff.id, today)? {
                    if !staff.grants.contains(&g) {
                        staff.grants.push(g);
                    }
                }
                Ok(Some(Ok(staff)))
            })?)
        })
        .await?;
        match staff {
            None => Err(ApiError::unauthorized()),
            Some(Ok(staff)) => Ok(CurrentStaff(staff)),
            Some(Err(())) => Err(must_change()),
        }
    }
}

/// A signed-in member of staff, even one who still holds a one-time password: for changing it.
pub struct AnyStaff(pub Staff);

impl FromRequestParts<AppState> for AnyStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        // The address as the client sent it (a nested router sees it without its prefix).
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or(parts.uri.path(), |u| u.0.path());
        if !WHILE_ONE_TIME.contains(&path) {
            return Err(must_change());
        }
        let token = token_of(parts).ok_or_else(ApiError::unauthorized)?;
        let (app, hash) = (app.clone(), token_hash(&token));
        blocking(move || {
            Ok(app
                .store
                .read(|tx| motcua_store::office::session(tx, &hash, chrono::Utc::now()))?)
        })
        .await?
        .map(|(staff, _)| AnyStaff(staff))
        .ok_or_else(ApiError::unauthorized)
    }
}

/// A signed-in member of staff; anyone else is sent to the sign-in page, and someone still holding
/// a one-time password to the page that changes it.
pub struct StaffPage(pub Staff);

impl FromRequestParts<AppState> for StaffPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        // The page asked for, to come back to after signing in (a form's target is no page).
        let back = (parts.method == axum::http::Method::GET)
            .then(|| {
                parts
                    .extensions
                    .get::<axum::extract::OriginalUri>()
                    .map_or(&parts.uri, |u| &u.0)
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
            })
            .flatten()
            .and_then(|p| return_to(&p))
            .map(|p| format!("?tiep={}", crate::http::format::percent(&p)))
            .unwrap_or_default();
        match CurrentStaff::from_request_parts(parts, app).await {
            Ok(CurrentStaff(staff)) => {
                crate::http::viewer::set(&staff.grants);
                Ok(StaffPage(staff))
            }
            Err(e) if e.status == StatusCode::UNAUTHORIZED => {
                Err(Redirect::to(&format!("/dang-nhap{back}")).into_response())
            }
            Err(e) if e.kind == "must-change-password" => {
                Err(Redirect::to(&format!("/doi-mat-khau{back}")).into_response())
            }
            Err(e) => Err(PageError::from(e).into_response()),
        }
    }
}

/// A signed-in member of staff on the page that changes a one-time password.
pub struct AnyStaffPage(pub Staff);

impl FromRequestParts<AppState> for AnyStaffPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        match AnyStaff::from_request_parts(parts, app).await {
            Ok(AnyStaff(staff)) => Ok(AnyStaffPage(staff)),
            Err(e) if e.status == StatusCode::UNAUTHORIZED => {
                Err(Redirect::to("/dang-nhap").into_response())
            }
            Err(e) => Err(PageError::from(e).into_response()),
        }
    }
}

pub fn who(staff: &Staff) -> String {
    staff.full_name.clone()
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords() {
        let h = super::hash_password("đúng mật khẩu").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify_password("đúng mật khẩu", &h));
        assert!(!super::verify_password("sai", &h));
        assert!(!super::verify_password("x", "not a hash"));
    }
}
