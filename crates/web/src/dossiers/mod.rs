//! Dossiers for staff: reception at the desk, every action, the dossier with its control sheet and
//! history, queues and the scoped list, and the printable forms. JSON under `/api/v1/dossiers`,
//! pages under `/can-bo`.

pub mod actions;
pub mod api;
mod pages;
mod print;
pub mod register;
pub mod service;
pub mod views;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::auth::CurrentStaff;
use crate::http::op::Op;
use crate::http::{Body, PathOf};

pub fn api() -> Vec<Op> {
    let mut ops = vec![
        Op::get("/dossiers", "listDossiers", api::list)
            .tag("dossiers")
            .doc(
                "Danh sách hồ sơ / the dossiers in the caller's scope",
                "Filtered, ordered by due time, keyset-paginated (`after` is the `next` of the previous page). Applicants' names are masked for roles without the personal-data permission.",
            )
            .staff()
            .query::<api::ListQuery>()
            .ok::<api::DossierList>(200, "A page of dossiers and the cursor of the next")
            .problems(&[403]),
        Op::post("/dossiers", "receiveDossier", api::receive_new)
            .tag("dossiers")
            .doc(
                "Tiếp nhận hồ sơ tại quầy / receive a complete dossier at the desk or by post",
                "Creates the dossier with its code and due time. `Idempotency-Key` supported.",
            )
            .staff()
            .header("Idempotency-Key", "Retries with the same key and body get the first answer")
            .body::<service::Reception>()
            .ok::<service::CommandAnswer>(201, "Received, with the receipt (form 01)")
            .problems(&[403, 404]),
        Op::get(
            "/dossiers/stale-supplements",
            "staleSupplements",
            api::stale,
        )
        .tag("dossiers")
        .doc(
            "Hồ sơ quá hạn bổ sung / the stale-supplement queue of the caller's desks",
            "Dossiers whose supplement request has waited longer than the province allows (working days), oldest request first; the desk may return each (`return-unsupplemented`).",
        )
        .staff()
        .ok::<api::StaleList>(200, "The queue"),
        Op::get("/register", "register", register::api)
            .tag("dossiers")
            .doc(
                "Sổ theo dõi hồ sơ / the register of a receiving unit per period",
                "One line per dossier received in the months `from`..`to` (YYYY-MM), in order of reception; form 06 (Circular 01/2018) or 07 (Circular 03/2025). For the unit's desk, leaders and inspectors; names, phones and addresses masked without the personal-data permission. Printable at /can-bo/so-theo-doi, XLSX at /can-bo/so-theo-doi/tai-ve.",
            )
            .staff()
            .query::<register::RegisterQuery>()
            .ok::<register::Register>(200, "The register")
            .problems(&[403, 404]),
        Op::get("/personal-data", "exportPersonalData", api::subject_export)
            .tag("dossiers")
            .doc(
                "Dữ liệu cá nhân của một người / what motcua holds about a person",
                "A data subject's request (Law 91/2025/QH15): by `id_number` (or passport, tax code) or `phone`, found through the vault's blind index, the dossiers of the caller's units with the data held, its corrections and who viewed it. For the unit administrator; each dossier exported is logged as a view.",
            )
            .staff()
            .query::<api::SubjectQuery>()
            .ok::<api::SubjectExport>(200, "The export")
            .problems(&[403, 422]),
        Op::get("/paper-store", "paperStoreOffers", api::paper_store)
            .tag("dossiers")
            .doc(
                "Giấy tờ đã số hóa: dùng lại / papers already digitised for this applicant",
                "For reception at the desk: by the applicant's `id_number` (or passport, tax code), found through the vault's blind index, the papers of the citizen's store (scans, uploads, electronic results of earlier dossiers the caller may see) that match a paper the `procedure` asks for. Reuse one by naming its `file` in the reception's `details.reuse` with `details.reuse_consent: true` (the applicant's consent, recorded in the reception event with the earlier dossier's code). An erased applicant's papers are never offered. The desk only.",
            )
            .staff()
            .query::<api::PaperStoreQuery>()
            .ok::<api::ReuseOffers>(200, "The offers")
            .problems(&[403, 404, 422]),
        Op::get("/dossiers/{id}", "getDossier", api::get)
            .tag("dossiers")
            .doc(
                "Hồ sơ, phiếu kiểm soát, lịch sử / a dossier, its control sheet and history",
                "Personal data only for roles that need it; every such view is logged. A dossier the caller may not see answers 404 like one that does not exist.",
            )
            .staff()
            .path::<i64>("id", "The dossier's id")
            .ok::<api::DossierView>(200, "The dossier")
            .problems(&[404]),
    ];
    for a in actions::ACTIONS {
        let key = a.key;
        ops.push(
            Op::post(
                a.path,
                a.operation,
                move |app: State<AppState>,
                      staff: CurrentStaff,
                      id: PathOf<i64>,
                      body: Body<service::ActionBody>| {
                    api::act(app, staff, id, key, body)
                },
            )
            .tag("dossiers")
            .doc(a.summary, a.fields)
            .staff()
            .path::<i64>("id", "The dossier's id")
            .body::<service::ActionBody>()
            .ok::<service::CommandAnswer>(200, "The dossier's new state")
            .problems(&[403, 404, 409]),
        );
    }
    ops
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/can-bo", get(pages::queue))
        .route(
            "/can-bo/tiep-nhan",
            get(pages::reception_form).post(pages::receive),
        )
        .route("/can-bo/bo-sung-qua-han", get(pages::stale))
        .route("/can-bo/so-theo-doi", get(register::page))
        .route("/can-bo/so-theo-doi/tai-ve", get(register::xlsx))
        .route("/can-bo/ho-so/{id}", get(pages::dossier))
        .route("/can-bo/ho-so/{id}/phieu-tiep-nhan", get(print::receipt))
        .route("/can-bo/ho-so/{id}/mau/{form}", get(print::print_form))
        .route("/can-bo/ho-so/{id}/giay-to/{n}", get(print::paper))
        .route(
            "/can-bo/ho-so/{id}/giay-to/{n}/anh-nho",
            get(print::paper_thumbnail),
        )
        .route("/can-bo/ho-so/{id}/{action}", post(pages::act))
}
