//! The sign-in page (a form that sets the session cookie) and signing out.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use motcua_store::org;
use serde::Deserialize;

use crate::app::{AppState, blocking};
use crate::auth::{self};
use crate::http::PageError;
use crate::http::{ClientIp, rate_limited};
use crate::i18n::filters;

use crate::http::page::render as html;
#[derive(Template)]
#[template(path = "session/login.html")]
struct LoginPage {
    error: String,
    username: String,
}

pub async fn login_page() -> Result<Html<String>, PageError> {
    html(&LoginPage {
        error: String::new(),
        username: String::new(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn login(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(f): Form<LoginForm>,
) -> Response {
    if !app.login_limiter.allow(ip) {
        return PageError::from(rate_limited()).into_response();
    }
    let username = f.username.clone();
    match auth::sign_in(app.clone(), f.username, f.password).await {
        Ok((token, _, _)) => {
            let mut res = Redirect::to("/can-bo").into_response();
            if let Ok(v) = HeaderValue::from_str(&auth::session_cookie(&token, &app.settings)) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => {
            let page = LoginPage {
                error: crate::i18n::pick(&e.vi, &e.en).to_owned(),
                username,
            };
            (
                e.status,
                html(&page)
                    .map(IntoResponse::into_response)
                    .unwrap_or_else(IntoResponse::into_response),
            )
                .into_response()
        }
    }
}

pub async fn logout(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let mut parts = axum::http::Request::new(()).into_parts().0;
    parts.headers = headers;
    if let Some(token) = auth::token_of(&parts) {
        let hash = auth::token_hash(&token);
        let _ = blocking(move || Ok(app.store.write(|tx| org::delete_session(tx, &hash))?)).await;
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("motcua_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}
