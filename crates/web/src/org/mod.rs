//! The organisation: units and their one-stop desks (JSON), and the unit administrator's pages
//! (the desk's founding decision and members, staff, roles, locks, postings), and the system
//! administrator's units page (add, rename, close with successors).

mod admin;
pub mod api;
mod units;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::http::op::Op;

pub fn api() -> Vec<Op> {
    vec![
        Op::get("/units", "listUnits", api::units)
            .tag("org")
            .doc("Đơn vị hành chính / administrative units", "")
            .ok::<api::Units>(200, "Every unit, with its validity and successors"),
        Op::get("/units/{code}", "getUnit", api::unit)
            .tag("org")
            .doc(
                "Một đơn vị và bộ phận một cửa / one unit with its one-stop desks",
                "",
            )
            .path::<String>("code", "The unit's code")
            .ok::<api::UnitWithDesks>(200, "The unit and its desks")
            .problems(&[404]),
    ]
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/can-bo/quan-tri", get(admin::index))
        .route("/can-bo/quan-tri/{unit}", get(admin::page))
        .route("/can-bo/quan-tri/{unit}/quyet-dinh", post(admin::decision))
        .route("/can-bo/quan-tri/{unit}/thanh-vien", post(admin::member))
        .route("/can-bo/quan-tri/{unit}/niem-yet", post(admin::posting))
        .route("/can-bo/quan-tri/{unit}/can-bo", post(admin::add_staff))
        .route("/can-bo/quan-tri/{unit}/vai-tro", post(admin::role))
        .route("/can-bo/quan-tri/{unit}/khoa", post(admin::lock))
        .route(
            "/can-bo/quan-tri/{unit}/mat-khau",
            post(admin::reset_password),
        )
        .route("/can-bo/he-thong/don-vi", get(units::page))
        .route("/can-bo/he-thong/don-vi/them", post(units::add))
        .route("/can-bo/he-thong/don-vi/doi-ten", post(units::rename))
        .route("/can-bo/he-thong/don-vi/thoi-hoat-dong", post(units::close))
        .route("/can-bo/he-thong/don-vi/chuyen-giao", post(units::transfer))
}
