//! Administrative-reform inspections, for the interior office and the inspection team: the plan,
//! the team's decision and members, the visits, the automatic checks drafting findings with their
//! evidence, the conclusion notice (printable), the remediation tasks followed to completion. The
//! API under `/api/v1/inspections` and the pages under `/can-bo/kiem-tra`.
//!
//! Who: staff who may inspect the inspecting unit (its leaders and inspectors) manage an inspection;
//! team members with an account read it; nobody else sees it.

mod api;
mod pages;
pub mod service;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::http::op::Op;

pub fn api() -> Vec<Op> {
    vec![
        Op::get("/inspections", "listInspections", api::api_list)
            .tag("inspections")
            .doc(
                "Các đợt kiểm tra CCHC / the inspections the caller may see",
                "",
            )
            .staff()
            .ok::<Vec<api::InspectionSummary>>(200, "Inspections with their state"),
        Op::post("/inspections", "createInspection", api::api_create)
            .tag("inspections")
            .doc(
                "Tạo đợt kiểm tra từ kế hoạch / a new inspection from its plan",
                "",
            )
            .staff()
            .body::<motcua_domain::inspection::NewPlan>()
            .ok::<api::Versioned>(201, "Created")
            .problems(&[403]),
        Op::get("/inspections/{id}", "getInspection", api::api_get)
            .tag("inspections")
            .doc(
                "Một đợt kiểm tra và dự thảo thông báo kết luận / an inspection, its version and its conclusion notice",
                "",
            )
            .staff()
            .path::<i64>("id", "The inspection's id")
            .ok::<api::InspectionView>(200, "The inspection")
            .problems(&[403, 404]),
        Op::post("/inspections/{id}/changes", "changeInspection", api::api_change)
            .tag("inspections")
            .doc(
                "Một thay đổi / one change at a known version",
                "`change.action`: decision, add_member, add_visit, add_finding, edit_finding, remove_finding, conclude, add_task, tasks_from_shortcomings, complete_task.",
            )
            .staff()
            .path::<i64>("id", "The inspection's id")
            .body::<api::ChangeBody>()
            .ok::<api::Versioned>(200, "The inspection's new version")
            .problems(&[403, 404, 409]),
        Op::post("/inspections/{id}/checks", "runChecks", api::api_checks)
            .tag("inspections")
            .doc(
                "Kiểm tra tự động / run the automatic checks and draft their findings",
                "",
            )
            .staff()
            .path::<i64>("id", "The inspection's id")
            .body::<api::Version>()
            .ok::<api::Versioned>(200, "The findings drafted")
            .problems(&[403, 404, 409]),
    ]
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route(
            "/can-bo/kiem-tra",
            get(pages::list_page).post(pages::create_page),
        )
        .route("/can-bo/kiem-tra/{id}", get(pages::detail_page))
        .route("/can-bo/kiem-tra/{id}/thong-bao", get(pages::notice_page))
        .route("/can-bo/kiem-tra/{id}/{action}", post(pages::act_page))
        .route("/can-bo/ho-so/ma/{code}", get(pages::by_code))
}
