//! The sign-in page (a form that sets the session cookie) and signing out.

use crate::http::FormOf;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use motcua_store::org;
use serde::Deserialize;

use crate::app::{AppState, blocking};
use crate::auth::{self};
use crate::http::PageError;
use crate::http::{ClientIp, Params, rate_limited};
use crate::i18n::filters;

use crate::http::page::render as html;
#[derive(Template)]
#[template(path = "session/login.html")]
struct LoginPage {
    error: String,
    username: String,
    /// The page to go on to after signing in (already checked to be one of ours).
    tiep: String,
}

/// `?tiep=/can-bo/...`: where to go after signing in or changing the password.
#[derive(Deserialize, Default)]
pub struct Next {
    #[serde(default)]
    tiep: String,
}

impl Next {
    fn checked(&self) -> String {
        auth::return_to(&self.tiep).unwrap_or_default()
    }

    fn query(target: &str) -> String {
        if target.is_empty() {
            String::new()
        } else {
            format!("?tiep={}", crate::http::format::percent(target))
        }
    }
}

pub async fn login_page(Params(next): Params<Next>) -> Result<Html<String>, PageError> {
    html(&LoginPage {
        error: String::new(),
        username: String::new(),
        tiep: next.checked(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    tiep: String,
}

pub async fn login(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    FormOf(f): FormOf<LoginForm>,
) -> Response {
    if !app.login_limiter.allow(ip) {
        return PageError::from(rate_limited()).into_response();
    }
    let username = f.username.clone();
    let tiep = Next { tiep: f.tiep }.checked();
    match auth::sign_in(app.clone(), f.username, f.password).await {
        Ok(signed) => {
            let next = if signed.must_change_password {
                format!("/doi-mat-khau{}", Next::query(&tiep))
            } else if tiep.is_empty() {
                "/can-bo".to_owned()
            } else {
                tiep
            };
            let mut res = Redirect::to(&next).into_response();
            if let Ok(v) =
                HeaderValue::from_str(&auth::session_cookie(&signed.token, &app.settings))
            {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => {
            let page = LoginPage {
                error: crate::i18n::pick(&e.vi, &e.en).to_owned(),
                username,
                tiep,
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

#[derive(Template)]
#[template(path = "session/password.html")]
struct PasswordPage {
    who: String,
    error: String,
    tiep: String,
}

/// GET /doi-mat-khau: the form to change one's password (where a one-time password leads).
pub async fn password_page(
    crate::auth::AnyStaffPage(staff): crate::auth::AnyStaffPage,
    Params(next): Params<Next>,
) -> Result<Html<String>, PageError> {
    html(&PasswordPage {
        who: staff.full_name,
        error: String::new(),
        tiep: next.checked(),
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    old: String,
    new: String,
    again: String,
    #[serde(default)]
    tiep: String,
}

/// POST /doi-mat-khau: changes it, then on to the work; or the form again with the reason.
pub async fn change_password(
    State(app): State<AppState>,
    crate::auth::AnyStaffPage(staff): crate::auth::AnyStaffPage,
    crate::http::FormOf(f): crate::http::FormOf<PasswordForm>,
) -> Response {
    let who = staff.full_name.clone();
    let tiep = Next {
        tiep: f.tiep.clone(),
    }
    .checked();
    let done = if f.new != f.again {
        Err(crate::http::ApiError::invalid(
            "again",
            "Hai lần nhập mật khẩu mới không khớp",
            "The two new passwords differ",
        ))
    } else {
        crate::app::write_tx(&app, move |tx| {
            Ok(motcua_store::office::change_password(
                tx, staff.id, &f.old, &f.new,
            )?)
        })
        .await
    };
    match done {
        Ok(()) if tiep.is_empty() => Redirect::to("/can-bo").into_response(),
        Ok(()) => Redirect::to(&tiep).into_response(),
        Err(e) => {
            let page = PasswordPage {
                who,
                error: crate::i18n::pick(&e.vi, &e.en).to_owned(),
                tiep,
            };
            (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                html(&page)
                    .map(IntoResponse::into_response)
                    .unwrap_or_else(IntoResponse::into_response),
            )
                .into_response()
        }
    }
}
