//! Documents: the official forms as PDF/A beside the HTML print pages (form 01 signed, with a
//! verification QR code), the electronic result (a signed PDF whose hashes the issuing event
//! carries), scans attached at the counter, and the public verification page `/xac-minh`. The PDFs
//! come from `motcua-pdf`; this feature only maps the store's data onto its builders.

pub mod api;
mod pages;
pub mod service;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::http::op::Op;

/// The largest scan the API accepts at the HTTP layer; the configured upload limit is checked after.
const SCAN_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// A PDF answer (no JSON): what the form and document downloads return.
fn pdf_answer(mut op: Op, description: &'static str) -> Op {
    op.responses.push(crate::http::op::Response {
        status: 200,
        description,
        content: vec![("application/pdf", None)],
    });
    op
}

fn binary(_: &mut schemars::SchemaGenerator) -> Value {
    json!({"type": "string", "contentMediaType": "application/octet-stream"})
}

pub fn api() -> Vec<Op> {
    let mut scan = Op::post(
        "/dossiers/{id}/papers/{n}/scan",
        "scanPaper",
        api::scan,
    )
    .tag("documents")
    .doc(
        "Số hóa giấy tờ tại quầy / attach the scan of a paper",
        "The body is the file itself (PDF, JPEG or PNG, recognised by content; at most the upload limit), with its `Content-Type`. The paper is marked digitised (`paper_digitised` event); the desk of the receiving unit. Optional `version` query parameter for optimistic concurrency.",
    )
    .staff()
    .path::<i64>("id", "The dossier's id")
    .path::<usize>("n", "The paper's number in the dossier, from 1")
    .query::<api::VersionQuery>()
    .ok::<api::Scanned>(200, "The dossier's new version")
    .problems(&[400, 403, 404, 409, 413, 422]);
    scan.body = Some(("application/octet-stream", binary));
    scan.handler = scan.handler.layer(DefaultBodyLimit::max(SCAN_BODY_LIMIT));
    vec![
        pdf_answer(
            Op::get("/dossiers/{id}/pdf/{form}", "getFormPdf", api::form)
            .tag("documents")
            .doc(
                "Phiếu dạng PDF / a form of the dossier as PDF/A",
                "`01` (receipt and appointment, signed PAdES B-B, with a verification QR code), `02`, `03`, `04`, `kiem-soat` (control sheet) when the dossier has them. The applicant is masked (and form 01 unsigned) for roles without the personal-data permission; every unmasked copy is logged.",
            )
            .staff()
            .path::<i64>("id", "The dossier's id")
            .path::<String>("form", "01, 02, 03, 04 or kiem-soat")
            .problems(&[404]),
            "The PDF",
        ),
        Op::post("/dossiers/{id}/documents", "issueResult", api::issue)
            .tag("documents")
            .doc(
                "Cấp kết quả điện tử / issue the result (or a certified copy) as a signed PDF",
                "Once the result is ready: renders the result, or with `kind: certified_copy` an electronic copy certified from the original of a scanned `paper`, with a verification QR code (dossier code, content SHA-256, ledger entry), signs it with the unit's certificate (PAdES B-B), keeps the file and records a `document_issued` event carrying both hashes, in one transaction. The desk of the receiving unit.",
            )
            .staff()
            .path::<i64>("id", "The dossier's id")
            .body::<api::IssueBody>()
            .ok::<service::IssuedAnswer>(201, "Issued")
            .problems(&[403, 404, 409]),
        pdf_answer(
            Op::get("/dossiers/{id}/documents/{n}", "getIssuedDocument", api::document)
            .tag("documents")
            .doc(
                "Tải kết quả điện tử / download an issued document",
                "The signed PDF as issued, for roles with the personal-data permission (logged).",
            )
            .staff()
            .path::<i64>("id", "The dossier's id")
            .path::<usize>("n", "The document's number, from 1")
            .problems(&[403, 404]),
            "The signed PDF",
        ),
        scan,
        Op::get("/public/verify", "verifyDocument", api::verify)
            .tag("public")
            .doc(
                "Xác minh văn bản / verify a document against the log",
                "By dossier code and SHA-256 (the content hash from the QR code, or the SHA-256 of the signed file), and optionally the ledger entry. What the document is and who issued it, without personal data; 404 when nothing matches. Rate-limited.",
            )
            .query::<api::VerifyQuery>()
            .ok::<service::Verified>(200, "The document is in the log")
            .problems(&[404])
            .limited(),
    ]
}

pub fn pages(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/can-bo/ho-so/{id}/pdf/phieu-tiep-nhan",
            get(pages::receipt),
        )
        .route("/can-bo/ho-so/{id}/pdf/mau/{form}", get(pages::form))
        .route("/can-bo/ho-so/{id}/pdf/ket-qua/{n}", get(pages::result))
        .route("/can-bo/ho-so/{id}/cap-ket-qua-dien-tu", post(pages::issue))
        .route(
            "/can-bo/ho-so/{id}/chung-thuc-ban-sao/{n}",
            post(pages::certify),
        )
        .route(
            "/can-bo/ho-so/{id}/so-hoa/{n}",
            post(pages::scan).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/can-bo/kiem-tra/{id}/thong-bao-pdf", get(pages::notice))
        .route("/tra-cuu/ket-qua", get(pages::citizen_result))
        .route("/xac-minh", get(pages::verify_page))
}
