//! Feedback and petitions (phản ánh, kiến nghị): anyone submits (the public pages and API, or the
//! desk on someone's behalf) with a contact kept apart from the log, and follows and rates their
//! own with the reference and secret given at submission; officials work through the queues
//! (new, in progress, due soon, overdue, answered) and assign, extend once, answer and escalate;
//! published answers are listed for everyone. JSON under `/api/v1/public/feedback` and
//! `/api/v1/feedback`, pages under `/phan-anh` and `/can-bo/phan-anh`.

pub mod api;
mod pages;
pub mod service;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::http::op::Op;

pub fn api() -> Vec<Op> {
    let step = |op: Op, summary: &'static str, description: &'static str| {
        op.tag("feedback")
            .doc(summary, description)
            .staff()
            .path::<i64>("id", "The feedback's id")
            .body::<service::StepBody>()
            .ok::<service::StaffFeedback>(200, "The feedback after the step")
            .problems(&[403, 404, 409, 422])
    };
    vec![
        Op::post("/public/feedback", "submitFeedback", api::submit)
            .tag("feedback")
            .doc(
                "Gửi phản ánh, kiến nghị / send feedback or a petition",
                "Anyone. The contact is kept apart from the handling log and never published. A dossier is named with its lookup secret. Answers the reference and a secret to follow it (shown once). Rate-limited.",
            )
            .body::<SubmitBodyDoc>()
            .ok::<service::SubmitAnswer>(201, "Received, with its reference, secret and due time")
            .problems(&[422])
            .limited(),
        Op::get("/public/feedback", "lookupFeedback", api::lookup)
            .tag("feedback")
            .doc(
                "Xem phản ánh, kiến nghị của mình / follow one's own feedback",
                "With the reference and secret given at submission; a wrong secret answers like an unknown reference. No personal data. Rate-limited.",
            )
            .query::<api::LookupQuery>()
            .ok::<service::PublicFeedback>(200, "The feedback, its steps and answer")
            .problems(&[404])
            .limited(),
        Op::post("/public/feedback/rating", "rateFeedbackAnswer", api::rate)
            .tag("feedback")
            .doc(
                "Đánh giá trả lời phản ánh, kiến nghị / rate the answer",
                "Once, after the answer, with the reference and secret. Rate-limited.",
            )
            .body::<api::RateBody>()
            .ok::<service::PublicFeedback>(200, "Rated")
            .problems(&[404, 409])
            .limited(),
        Op::get("/public/feedback/answered", "publishedFeedback", api::published)
            .tag("feedback")
            .doc(
                "Phản ánh, kiến nghị đã trả lời được công khai / published answers",
                "Those whose sender agreed and whose unit published the answer, newest first; search by words. No personal data.",
            )
            .query::<api::PublishedQuery>()
            .ok::<api::PublishedList>(200, "Published answers"),
        Op::get("/feedback", "feedbackQueues", api::queues)
            .tag("feedback")
            .doc(
                "Hàng chờ phản ánh, kiến nghị / the officials' feedback queues",
                "Feedback now at the units the caller sees: counts per queue and the lines of one queue (new, in_progress, due_soon, overdue, answered), most urgent first.",
            )
            .staff()
            .query::<api::QueueQuery>()
            .ok::<service::Queues>(200, "Counts and lines")
            .problems(&[403, 422]),
        Op::post("/feedback", "recordFeedback", api::record)
            .tag("feedback")
            .doc(
                "Ghi nhận phản ánh, kiến nghị tại quầy / write feedback down at the desk",
                "For the reception staff of the unit, on the person's behalf (no dossier secret needed).",
            )
            .staff()
            .body::<SubmitBodyDoc>()
            .ok::<service::SubmitAnswer>(201, "Received, with its reference and secret for the person")
            .problems(&[403, 422]),
        Op::get("/feedback/{id}", "getFeedback", api::get)
            .tag("feedback")
            .doc(
                "Một phản ánh, kiến nghị / one feedback",
                "With its history and the steps the caller may take; the contact only for roles that see personal data (each view logged).",
            )
            .staff()
            .path::<i64>("id", "The feedback's id")
            .ok::<service::StaffFeedback>(200, "The feedback")
            .problems(&[404]),
        step(
            Op::post("/feedback/{id}/assign", "assignFeedback", api::assign),
            "Phân công xử lý / assign",
            "Reception staff or leaders of the unit: to the unit or one under it, optionally to a specialist or leader there.",
        ),
        step(
            Op::post("/feedback/{id}/extend", "extendFeedback", api::extend),
            "Gia hạn một lần / extend once",
            "Leaders of the unit (or above), before the due time, with the reason (`note`); adds the extension's working days.",
        ),
        step(
            Op::post("/feedback/{id}/answer", "answerFeedback", api::answer),
            "Trả lời / answer",
            "Specialists or leaders of the unit. `publish` only when the person agreed.",
        ),
        step(
            Op::post("/feedback/{id}/escalate", "escalateFeedback", api::escalate),
            "Chuyển cấp trên / escalate",
            "Leaders of the unit or above, once the time to answer has passed: to the unit directly above, which gets its own time.",
        ),
    ]
}

/// The submission's schema (the same type as the handlers read).
type SubmitBodyDoc = service::SubmitBody;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/phan-anh", get(pages::form).post(pages::submit))
        .route("/phan-anh/tra-cuu", get(pages::lookup))
        .route("/phan-anh/danh-gia", post(pages::rate))
        .route("/phan-anh/da-tra-loi", get(pages::published))
        .route("/can-bo/phan-anh", get(pages::queues))
        .route(
            "/can-bo/phan-anh/ghi-nhan",
            get(pages::desk_form).post(pages::desk_submit),
        )
        .route("/can-bo/phan-anh/{id}", get(pages::detail))
        .route("/can-bo/phan-anh/{id}/{action}", post(pages::step))
}
