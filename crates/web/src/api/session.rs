//! Login, logout, who am I.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{TimeDelta, Utc};
use motcua_store::org;
use serde::Deserialize;
use serde_json::json;

use super::{Body, ClientIp, rate_limited};
use crate::auth::{self, COOKIE, CurrentStaff};
use crate::{ApiError, AppState, blocking};

#[derive(Deserialize)]
pub struct Login {
    username: String,
    password: String,
}

pub async fn login(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(body): Body<Login>,
) -> Result<Response, ApiError> {
    if !app.login_limiter.allow(ip) {
        return Err(rate_limited());
    }
    if body.username.len() > 100 || body.password.len() > 200 {
        return Err(ApiError::invalid(
            "username",
            "Tên đăng nhập hoặc mật khẩu quá dài",
            "username or password too long",
        ));
    }
    let hours = app.settings.session_hours;
    let secure = app.settings.secure_cookies;
    let (token, staff, expires) = blocking(move || {
        let found = app
            .store
            .read(|tx| org::credentials(tx, body.username.trim()))?;
        let (id, ok) = match &found {
            Some((id, hash)) => (*id, auth::verify_password(&body.password, hash)),
            None => {
                auth::verify_password(&body.password, auth::dummy_hash());
                (0, false)
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
        let token = auth::new_token();
        let now = Utc::now();
        let expires = now + TimeDelta::hours(hours);
        let staff = app.store.write(|tx| {
            org::create_session(tx, &auth::token_hash(&token), id, now, expires)?;
            org::get_staff(tx, id)
        })?;
        Ok((token, staff, expires))
    })
    .await?;
    let cookie = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        hours * 3600,
        if secure { "; Secure" } else { "" }
    );
    let mut res =
        Json(json!({"token": token, "expires_at": expires, "staff": staff})).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

pub async fn logout(
    State(app): State<AppState>,
    _staff: CurrentStaff,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut parts = axum::http::Request::new(()).into_parts().0;
    parts.headers = headers;
    if let Some(token) = auth::token_of(&parts) {
        let hash = auth::token_hash(&token);
        blocking(move || Ok(app.store.write(|tx| org::delete_session(tx, &hash))?)).await?;
    }
    let mut res = Json(json!({"status": "signed_out"})).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("motcua_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(res)
}

pub async fn me(CurrentStaff(staff): CurrentStaff) -> Json<serde_json::Value> {
    Json(json!({ "staff": staff }))
}
