//! Login, logout, who am I.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use motcua_domain::dossier::Instant;
use motcua_domain::org::Staff;
use motcua_store::org;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::app::write_tx;
use crate::app::{AppState, blocking};
use crate::auth::{self, AnyStaff};
use crate::http::{ApiError, Body, ClientIp, rate_limited};

#[derive(Deserialize, JsonSchema)]
pub struct Login {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Session {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: Instant,
    pub staff: Staff,
    /// The account holds a one-time password: until `POST /auth/password` changes it, this token
    /// may only change it, sign out or ask who it is.
    pub must_change_password: bool,
}

#[derive(Deserialize, JsonSchema)]
pub struct PasswordChange {
    pub old: String,
    /// At least 10 characters, different from the old one.
    pub new: String,
}

#[derive(Serialize, JsonSchema)]
pub struct PasswordChanged {
    /// "changed"
    pub status: &'static str,
}

/// POST /auth/password: changes one's own password (the one-time one included).
pub async fn change_password(
    State(app): State<AppState>,
    AnyStaff(staff): AnyStaff,
    Body(body): Body<PasswordChange>,
) -> Result<Json<PasswordChanged>, ApiError> {
    write_tx(&app, move |tx| {
        Ok(motcua_store::office::change_password(
            tx, staff.id, &body.old, &body.new,
        )?)
    })
    .await?;
    Ok(Json(PasswordChanged { status: "changed" }))
}

#[derive(Serialize, JsonSchema)]
pub struct SignedOut {
    /// "signed_out"
    pub status: &'static str,
}

#[derive(Serialize, JsonSchema)]
pub struct Me {
    pub staff: Staff,
}

pub async fn login(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(body): Body<Login>,
) -> Result<Response, ApiError> {
    if !app.login_limiter.allow(ip) {
        return Err(rate_limited());
    }
    let s = auth::sign_in(app.clone(), body.username, body.password).await?;
    let cookie = auth::session_cookie(&s.token, &app.settings);
    let mut res = Json(Session {
        token: s.token,
        expires_at: s.expires,
        staff: s.staff,
        must_change_password: s.must_change_password,
    })
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

pub async fn logout(
    State(app): State<AppState>,
    _staff: AnyStaff,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut parts = axum::http::Request::new(()).into_parts().0;
    parts.headers = headers;
    if let Some(token) = auth::token_of(&parts) {
        let hash = auth::token_hash(&token);
        blocking(move || Ok(app.store.write(|tx| org::delete_session(tx, &hash))?)).await?;
    }
    let mut res = Json(SignedOut {
        status: "signed_out",
    })
    .into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("motcua_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(res)
}

pub async fn me(AnyStaff(staff): AnyStaff) -> Json<Me> {
    Json(Me { staff })
}
