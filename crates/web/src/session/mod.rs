//! Signing in and out: the API (a bearer token and a session cookie) and the sign-in page.

pub mod api;
mod pages;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::http::op::Op;

pub fn api() -> Vec<Op> {
    vec![
        Op::post("/auth/login", "login", api::login)
            .tag("session")
            .doc(
                "Đăng nhập / sign in",
                "Rate-limited per client address. Returns a bearer token and sets a session cookie.",
            )
            .body::<api::Login>()
            .example(serde_json::json!({"username": "motcua.buonho", "password": "motcua-demo"}))
            .ok::<api::Session>(200, "Signed in")
            .limited(),
        Op::post("/auth/password", "changePassword", api::change_password)
            .tag("session")
            .doc(
                "Đổi mật khẩu / change one's own password",
                "The only thing a session holding a one-time password may do besides signing out.",
            )
            .staff()
            .body::<api::PasswordChange>()
            .ok::<api::PasswordChanged>(200, "Changed")
            .problems(&[403]),
        Op::post("/auth/logout", "logout", api::logout)
            .tag("session")
            .doc("Đăng xuất / sign out", "")
            .staff()
            .ok::<api::SignedOut>(200, "Signed out"),
        Op::get("/auth/me", "me", api::me)
            .tag("session")
            .doc("Tài khoản hiện tại / the signed-in member of staff", "")
            .staff()
            .ok::<api::Me>(200, "The member of staff"),
    ]
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/dang-nhap", get(pages::login_page).post(pages::login))
        .route("/dang-xuat", post(pages::logout))
        .route(
            "/doi-mat-khau",
            get(pages::password_page).post(pages::change_password),
        )
}
