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
        Ok(signed) => {
            let next = if signed.must_change_password {
                "/doi-mat-khau"
            } else {
                "/can-bo"
            };
            let mut res = Redirect::to(next).into_response();
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
}

/// GET /doi-mat-khau: the form to change one's password (where a one-time password leads).
pub async fn password_page(
    crate::auth::AnyStaffPage(staff): crate::auth::AnyStaffPage,
) -> Result<Html<String>, PageError> {
    html(&PasswordPage {
        who: staff.full_name,
        error: String::new(),
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    old: String,
    new: String,
    again: String,
}

/// POST /doi-mat-khau: changes it, then on to the work; or the form again with the reason.
pub async fn change_password(
    State(app): State<AppState>,
    crate::auth::AnyStaffPage(staff): crate::auth::AnyStaffPage,
    crate::http::FormOf(f): crate::http::FormOf<PasswordForm>,
) -> Response {
    let who = staff.full_name.clone();
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
        Ok(()) => Redirect::to("/can-bo").into_response(),
        Err(e) => {
            let page = PasswordPage {
                who,
                error: crate::i18n::pick(&e.vi, &e.en).to_owned(),
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
