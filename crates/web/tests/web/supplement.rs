//! The applicant answers a supplement request online, from the lookup page: the papers are
//! attached to the dossier and open for the officer, the dossier goes back to whoever asked with
//! the clock as the law counts it; a wrong secret answers like an unknown code; cross-site
//! requests, oversized bodies and bad files are refused and leave nothing recorded.

use crate::support::*;
use motcua_domain::dossier::Status;

const BOUNDARY: &str = "XyZsupplementBoundary";

/// A multipart answer: text fields in order, then files (field, bytes).
fn answer(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Request<Body> {
    let mut b: Vec<u8> = vec![];
    for (k, v) in fields {
        b.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (k, bytes) in files {
        b.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{k}.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
        b.extend(*bytes);
        b.extend(b"\r\n");
    }
    b.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    Request::builder()
        .method("POST")
        .uri("/tra-cuu/bo-sung")
        .header("host", "motcua.test")
        .header("origin", "http://motcua.test")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(b))
        .unwrap()
}

fn files_dir() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "motcua-supplement-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ))
}

fn stored(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_name().to_string_lossy().starts_with('.') {
            assert_eq!(
                std::fs::read_dir(e.path()).unwrap().count(),
                0,
                "no temporary file left"
            );
        } else if e.path().is_dir() {
            out.extend(stored(&e.path()));
        } else {
            out.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Submits online through the API; answers (id, reference, secret).
async fn submitted(app: &TestApp) -> (i64, String, String) {
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/public/dossiers",
            None,
            Some(json!({
                "procedure_code": "1.001612", "unit": WARD_A,
                "applicant": {"full_name": "Trần Thị Dân", "phone": "0912345678"},
                "papers": [{"name": "Giấy đề nghị", "copies": 1}]
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let reference = v["reference"].as_str().unwrap().to_owned();
    let secret = v["secret"].as_str().unwrap().to_owned();
    let id = sync(|| {
        app.store
            .store
            .read(|tx| motcua_store::public_access::by_reference(tx, &reference))
            .unwrap()
            .unwrap()
    });
    (id, reference, secret)
}

fn load(app: &TestApp, id: i64) -> motcua_domain::dossier::Dossier {
    sync(|| {
        app.store
            .store
            .read(|tx| motcua_store::dossiers::load(tx, id))
            .unwrap()
    })
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_applicant_answers_a_supplement_request_online_and_the_officer_opens_the_new_paper() {
    for url in sync(test_db_urls) {
        let files = files_dir();
        let settings = Settings {
            files_dir: files.clone(),
            max_upload_bytes: 1024,
            ..relaxed()
        };
        let app = sync(|| TestApp::new(&url, settings));
        let (id, _, secret) = submitted(&app).await;
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let specialist = app.login(&format!("specialist.{WARD_A}")).await;
        let act = |token: &str, action: &str, body: Value| {
            let token = token.to_owned();
            let path = format!("/api/v1/dossiers/{id}/{action}");
            let app = &app;
            async move { app.call("POST", &path, Some(&token), Some(body)).await }
        };
        let (s, v) = act(&desk, "receive", json!({"version": 1})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let code = text(&v["code"]);
        let (s, v) = act(&desk, "hand-over", json!({"version": 2, "to_unit": WARD_A})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = act(
            &specialist,
            "request-supplement",
            json!({"version": 3, "items": ["Bản sao sổ hộ khẩu", "Ảnh 4x6"], "reason": "Thiếu giấy tờ"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        let asked = load(&app, id);
        assert_eq!(asked.status, Status::SupplementRequested);

        // The lookup offers the answer: one upload per thing asked for, and a note.
        let lookup = format!("/tra-cuu?code={code}&secret={secret}");
        let (s, page, _) = app
            .send(Request::get(&lookup).body(Body::empty()).unwrap())
            .await;
        assert_eq!(s, StatusCode::OK);
        let page = text(&page);
        assert!(
            page.contains("action=\"/tra-cuu/bo-sung\"")
                && page.contains("Bản sao sổ hộ khẩu")
                && page.contains("name=\"file_1\"")
                && page.contains("name=\"note\""),
            "{page}"
        );

        let events = app.count("events");
        let pdf: &[u8] = b"%PDF-1.4 the family register";
        // A wrong secret answers exactly like an unknown code, and reads no paper.
        let (s1, wrong, _) = app
            .send(answer(
                &[("code", &code), ("secret", "AAAA-BBBB-CCCC")],
                &[("file_0", pdf)],
            ))
            .await;
        let unknown_code = format!("{WARD_A}-991231-9999");
        let (s2, unknown, _) = app
            .send(answer(
                &[("code", &unknown_code), ("secret", "AAAA-BBBB-CCCC")],
                &[("file_0", pdf)],
            ))
            .await;
        assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
        assert_eq!(
            text(&wrong).replace(&code, "CODE"),
            text(&unknown).replace(&unknown_code, "CODE")
        );
        assert!(text(&wrong).contains("Không tìm thấy hồ sơ với mã và mã bí mật này"));
        // From another site: refused before anything is read.
        let mut cross = answer(&[("code", &code), ("secret", &secret)], &[("file_0", pdf)]);
        cross
            .headers_mut()
            .insert("sec-fetch-site", "cross-site".parse().unwrap());
        let (s, _, _) = app.send(cross).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let mut forged = answer(&[("code", &code), ("secret", &secret)], &[("file_0", pdf)]);
        forged
            .headers_mut()
            .insert("origin", "http://evil.test".parse().unwrap());
        let (s, _, _) = app.send(forged).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // A paper over the limit: 413, nothing kept.
        let (s, page, _) = app
            .send(answer(
                &[("code", &code), ("secret", &secret)],
                &[("file_0", &[b'%'; 2000])],
            ))
            .await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(text(&page).contains("tệp quá lớn (tối đa 1 MB)"), "{page}");
        // A file that is no PDF, JPEG or PNG, a good one, and a note too long: every problem at
        // once, each next to its input; the good paper is kept for the form shown again.
        let long = "x".repeat(2100);
        let (s, page, _) = app
            .send(answer(
                &[("code", &code), ("secret", &secret), ("note", &long)],
                &[("file_0", pdf), ("file_1", b"MZ\x90 not a picture")],
            ))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let page = text(&page);
        assert!(
            page.contains("id=\"file_1-error\"")
                && page.contains("chỉ nhận tệp PDF, JPEG hoặc PNG")
                && page.contains("id=\"note-error\"")
                && page.contains("ghi chú không quá 2.000 ký tự")
                && page.contains("href=\"#file_1\"")
                && page.contains("href=\"#note\""),
            "{page}"
        );
        assert_eq!(app.count("events"), events, "nothing recorded");
        assert_eq!(
            stored(&files),
            vec![sha256(pdf)],
            "only the good paper kept"
        );
        let kept = page
            .split("name=\"kept_0\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("the kept paper's reference")
            .to_owned();
        assert!(page.contains("Đã nhận tệp file_0.pdf"), "{page}");
        // A forged reference is not taken: with nothing else the answer is empty.
        let forged = kept.replacen(&sha256(pdf)[..8], "00000000", 1);
        let (s, page, _) = app
            .send(answer(
                &[("code", &code), ("secret", &secret), ("kept_0", &forged)],
                &[],
            ))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            text(&page).contains("hãy gửi ít nhất một tệp hoặc ghi chú"),
            "{page}"
        );
        // The answer again, the kept paper by its reference (not sent again) and a short note.
        let (s, page, _) = app
            .send(answer(
                &[
                    ("code", &code),
                    ("secret", &secret.to_lowercase()),
                    ("kept_0", &kept),
                    ("kept_name_0", "file_0.pdf"),
                    ("note", "Gửi bản sao sổ hộ khẩu"),
                ],
                &[],
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {page}");
        assert!(text(&page).contains("Đã gửi bổ sung"), "{page}");
        assert_eq!(app.count("events"), events + 1);
        let d = load(&app, id);
        assert_eq!(
            d.status,
            Status::Processing,
            "back to the officer who asked"
        );
        assert_eq!(d.current_unit, WARD_A);
        assert_eq!(d.papers.len(), 2);
        assert_eq!(d.papers[1].name, "Bản sao sổ hộ khẩu");
        assert_eq!(d.papers[1].file.as_deref(), Some(sha256(pdf).as_str()));
        // The wait is not counted: the pause closes, and the due time moves back by it.
        let pause = d.pauses.last().unwrap();
        assert!(pause.to.is_some(), "the supplement pause ended");
        assert!(d.due >= asked.due, "{:?} {:?}", d.due, asked.due);
        assert!(d.supplements[0].supplemented_at.is_some());
        // Answered once: a second answer is refused.
        let (s, page, _) = app
            .send(answer(
                &[("code", &code), ("secret", &secret), ("note", "lại")],
                &[],
            ))
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(text(&page).contains("không chờ bổ sung"), "{page}");
        assert_eq!(app.count("events"), events + 1);

        // The officer finds it among the dossiers in processing, sees the new paper and opens it
        // (the opening logged); the history says the applicant supplemented, with the note.
        let (s, _, queue) = app.page("/can-bo?hang=dang-xu-ly", None, &specialist).await;
        assert_eq!(s, StatusCode::OK);
        assert!(queue.contains(&format!("/can-bo/ho-so/{id}")), "{queue}");
        let (s, _, page) = app.page(&format!("/can-bo/ho-so/{id}"), None, &desk).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            page.contains(&format!("/can-bo/ho-so/{id}/giay-to/2"))
                && page.contains("Bản sao sổ hộ khẩu")
                && page.contains("Gửi bản sao sổ hộ khẩu")
                && page.contains("Đã bổ sung hồ sơ"),
            "{page}"
        );
        let views = app.count("personal_data_views");
        let res = app
            .router
            .clone()
            .oneshot(
                Request::builder()
                    .uri(format!("/can-bo/ho-so/{id}/giay-to/2"))
                    .header("cookie", format!("motcua_session={desk}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], pdf);
        assert_eq!(app.count("personal_data_views"), views + 1);
        let _ = std::fs::remove_dir_all(&files);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_before_reception_goes_back_to_the_desk_and_answers_are_rate_limited() {
    for url in sync(test_db_urls) {
        let files = files_dir();
        let settings = Settings {
            files_dir: files.clone(),
            public_rate_per_minute: 3,
            ..relaxed()
        };
        let app = sync(|| TestApp::new(&url, settings));
        let (id, reference, secret) = submitted(&app).await;
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/request-supplement"),
                Some(&desk),
                Some(
                    json!({"version": 1, "items": ["Giấy đề nghị có chữ ký"], "reason": "Chưa ký"}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        let png: &[u8] = b"\x89PNG\r\n\x1a\nsigned request";
        let (s, page, _) = app
            .send(answer(
                &[("code", &reference), ("secret", &secret)],
                &[("file_0", png)],
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {page}");
        let d = load(&app, id);
        assert_eq!(d.status, Status::Submitted, "back to the desk to receive");
        assert!(d.due.is_none() && d.received_at.is_none(), "no clock yet");
        assert_eq!(d.papers.last().unwrap().name, "Giấy đề nghị có chữ ký");
        let (_, _, queue) = app.page("/can-bo?hang=cho-tiep-nhan", None, &desk).await;
        assert!(queue.contains(&format!("/can-bo/ho-so/{id}")), "{queue}");
        // The public budget (3 a minute here: the submission, the answer, one more) runs out.
        let (s, _, _) = app
            .send(answer(&[("code", &reference), ("secret", &secret)], &[]))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "answered already");
        let (s, page, _) = app
            .send(answer(&[("code", &reference), ("secret", &secret)], &[]))
            .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{page}");
        let _ = std::fs::remove_dir_all(&files);
    }
}
