//! Documents: forms as PDF (text read back by poppler's `pdftotext`), the signed receipt, the
//! electronic result issued into the log and verified at `/xac-minh`, a scan attached at the
//! counter, and the Decision 766 indicators 4.1 and 4.2 they move.

use crate::support::*;

fn settings(files: &std::path::Path) -> Settings {
    Settings {
        files_dir: files.to_path_buf(),
        public_url: "https://motcua.example.gov.vn".into(),
        ..relaxed()
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "motcua-documents-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether poppler's tools are installed; outside CI a missing tool skips the test with a message
/// (as the PDF crate's tests do).
fn poppler() -> bool {
    let found = ["pdftotext", "pdfsig"]
        .iter()
        .all(|t| std::process::Command::new(t).arg("-v").output().is_ok());
    if !found {
        assert!(
            std::env::var("CI").is_err(),
            "poppler-utils (pdftotext, pdfsig) must be installed in CI"
        );
        eprintln!("poppler-utils not installed: PDF text and signature checks skipped");
    }
    found
}

/// The text of a PDF as `pdftotext -layout` reads it.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = temp_dir("text");
    let path = dir.join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext failed on the PDF");
    let _ = std::fs::remove_dir_all(dir);
    String::from_utf8(out.stdout).unwrap()
}

/// Whether `pdfsig` reports every signature of the PDF valid and the document unmodified.
fn pdfsig_ok(pdf: &[u8]) -> (bool, String) {
    let dir = temp_dir("sig");
    let path = dir.join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdfsig")
        .arg("-nocert")
        .arg(&path)
        .output()
        .expect("pdfsig (poppler-utils) is installed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let _ = std::fs::remove_dir_all(dir);
    (
        text.contains("Signature Validation: Signature is Valid."),
        text,
    )
}

/// The SHA-256 (printed in quarters) and ledger entry printed beside a document's QR code.
fn printed_proof(text: &str) -> (String, i64) {
    let quarters: Vec<&str> = text
        .split_whitespace()
        .filter(|w| w.len() == 16 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect();
    assert_eq!(quarters.len(), 4, "four quarters of a hash in\n{text}");
    let position = text
        .split("Vị trí trong sổ cái:")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no ledger position in\n{text}"));
    (quarters.concat(), position)
}

async fn get_bytes(app: &TestApp, path: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
    let req = Request::builder()
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, kind, bytes)
}

async fn public_get(app: &TestApp, path: &str) -> (StatusCode, String) {
    let req = Request::builder().uri(path).body(Body::empty()).unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Receives a dossier at ward A's desk: (id, code).
async fn receive(app: &TestApp, desk: &str, papers: Value) -> (i64, String) {
    let mut body = reception(WARD_A);
    body["applicant"]["full_name"] = json!("Phạm Thị Ánh Tuyết");
    body["papers"] = papers;
    let (s, v) = app
        .call("POST", "/api/v1/dossiers", Some(desk), Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    (
        v["id"].as_i64().unwrap(),
        v["code"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receipt_pdf_carries_the_code_and_exact_vietnamese_text_is_signed_and_masked_without_the_right()
 {
    if !poppler() {
        return;
    }
    for url in sync(test_db_urls) {
        let files = temp_dir("receipt");
        let app = sync(|| TestApp::new(&url, settings(&files)));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (id, code) = receive(
            &app,
            &desk,
            json!([{"name": "Giấy đề nghị", "copies": 1}, {"name": "Tờ khai đăng ký hộ kinh doanh", "copies": 1}]),
        )
        .await;
        let (s, kind, pdf) = get_bytes(
            &app,
            &format!("/can-bo/ho-so/{id}/pdf/phieu-tiep-nhan"),
            &desk,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}");
        assert_eq!(kind, "application/pdf");
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_text(&pdf);
        for expected in [
            code.as_str(),
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "Phạm Thị Ánh Tuyết",
            "Tờ khai đăng ký hộ kinh doanh",
            "Đăng ký thành lập hộ kinh doanh",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        ] {
            assert!(text.contains(expected), "{url}: no {expected:?} in\n{text}");
        }
        let (valid, report) = pdfsig_ok(&pdf);
        assert!(valid, "{url}: the receipt is signed and valid:\n{report}");
        // One changed byte inside the signed range makes the signature invalid.
        let mut tampered = pdf.clone();
        let at = tampered
            .windows(7)
            .position(|w| w == b"/Author")
            .expect("an Info dictionary");
        tampered[at + 9] ^= 0x01;
        assert!(!pdfsig_ok(&tampered).0, "{url}: a changed byte is caught");
        // The API serves the same form.
        let (s, kind, _) = get_bytes(&app, &format!("/api/v1/dossiers/{id}/pdf/01"), &desk).await;
        assert_eq!((s, kind.as_str()), (StatusCode::OK, "application/pdf"));
        // A role without the right to personal data gets the masked name, unsigned.
        let admin = app.login(&format!("unit_admin.{WARD_A}")).await;
        let (s, _, masked) = get_bytes(
            &app,
            &format!("/can-bo/ho-so/{id}/pdf/phieu-tiep-nhan"),
            &admin,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let text = pdf_text(&masked);
        assert!(text.contains(&code), "{text}");
        assert!(
            !text.contains("Phạm Thị Ánh Tuyết"),
            "{url}: masked:\n{text}"
        );
        assert!(
            text.contains("P*** T** Á** T****"),
            "{url}: masked as elsewhere:\n{text}"
        );
        assert!(!pdfsig_ok(&masked).0, "the masked copy is not signed");
        // Another ward's staff do not see the dossier at all.
        let other = app.login(&format!("reception_officer.{WARD_B}")).await;
        let (s, _, _) = get_bytes(
            &app,
            &format!("/can-bo/ho-so/{id}/pdf/phieu-tiep-nhan"),
            &other,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{url}");
        // The hash printed beside the QR code is the content hash /xac-minh recomputes from the
        // record; another hash is refused.
        let (hash, position) = printed_proof(&pdf_text(&pdf));
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/public/verify?ma={code}&sha256={hash}&so-cai={position}"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        assert_eq!(
            v["document"],
            "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01)"
        );
        assert!(!v.to_string().contains("Phạm"), "no personal data: {v}");
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/public/verify?ma={code}&sha256={}", "0".repeat(64)),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        // The masked copy names the same official receipt.
        assert_eq!(printed_proof(&text), (hash.clone(), position));
        // A new appointment after an apology changes what a reprint shows; the receipt printed
        // before still verifies, and so does the reprint.
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/hand-over"),
                Some(&desk),
                Some(json!({"version": 1, "to_unit": WARD_A})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let later = motcua_domain::dossier::to_local(chrono::Utc::now()).date()
            + chrono::TimeDelta::days(40);
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/apologize"),
                Some(&leader),
                Some(json!({"version": 2, "reason": "Chờ xác minh", "new_appointment": format!("{later}T09:00")})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        let (_, _, reprint) = get_bytes(
            &app,
            &format!("/can-bo/ho-so/{id}/pdf/phieu-tiep-nhan"),
            &desk,
        )
        .await;
        let reprinted = pdf_text(&reprint);
        assert!(
            reprinted.contains(&later.format("%d/%m/%Y").to_string()),
            "{reprinted}"
        );
        let (new_hash, new_position) = printed_proof(&reprinted);
        assert_ne!(new_hash, hash, "the reprint's content differs");
        assert_eq!(new_position, position, "the same reception event");
        for h in [&hash, &new_hash] {
            let (s, v) = app
                .call(
                    "GET",
                    &format!("/api/v1/public/verify?ma={code}&sha256={h}&so-cai={position}"),
                    None,
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{url}: {v}");
        }
        // Forms the dossier does not have are 404.
        let (s, _, _) = get_bytes(&app, &format!("/can-bo/ho-so/{id}/pdf/mau/03"), &desk).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let _ = std::fs::remove_dir_all(files);
    }
}

fn month() -> String {
    motcua_domain::dossier::to_local(chrono::Utc::now())
        .format("%Y-%m")
        .to_string()
}

async fn indicator(app: &TestApp, token: &str, code: &str) -> (i64, i64) {
    let m = month();
    let (s, v) = app
        .call(
            "GET",
            &format!("/api/v1/reports?don_vi={WARD_A}&tu={m}&den={m}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let i = v["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("no indicator {code}: {v}"))
        .clone();
    (
        i["numerator"].as_i64().unwrap_or(-1),
        i["denominator"].as_i64().unwrap_or(-1),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_electronic_result_is_signed_recorded_with_its_hash_verified_and_counted() {
    if !poppler() {
        return;
    }
    for url in sync(test_db_urls) {
        let files = temp_dir("result");
        let app = sync(|| TestApp::new(&url, settings(&files)));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let (id, code) = receive(&app, &desk, json!([{"name": "Giấy đề nghị", "copies": 1}])).await;
        // Not before the result is ready.
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/documents"),
                Some(&desk),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{url}: {v}");
        let act = |token: &str, action: &str, body: Value| {
            let (token, path) = (token.to_owned(), format!("/api/v1/dossiers/{id}/{action}"));
            let app = &app;
            async move { app.call("POST", &path, Some(&token), Some(body)).await }
        };
        let (s, v) = act(&desk, "hand-over", json!({"version": 1, "to_unit": WARD_A})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = act(&leader, "result-ready", json!({"version": 2})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let before = indicator(&app, &leader, "4.1").await;
        assert_eq!(before, (0, 1), "{url}: resolved, no electronic result yet");
        // A role without the desk's permission cannot issue it.
        let specialist = app.login(&format!("specialist.{WARD_A}")).await;
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/documents"),
                Some(&specialist),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, issued) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/documents"),
                Some(&desk),
                Some(json!({"version": 3})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {issued}");
        let sha = issued["sha256"].as_str().unwrap().to_owned();
        let file_sha = issued["file_sha256"].as_str().unwrap().to_owned();
        let ledger = issued["ledger"].as_i64().unwrap();
        assert_eq!(issued["version"], 4);
        assert_eq!(
            issued["verify_url"],
            format!(
                "https://motcua.example.gov.vn/xac-minh?ma={code}&sha256={sha}&so-cai={ledger}"
            )
        );
        // The issuing event carries both hashes.
        let (_, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(&desk), None)
            .await;
        let event = v["history"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event"]["kind"] == "document_issued")
            .unwrap_or_else(|| panic!("no document_issued event: {v}"))
            .clone();
        assert_eq!(event["event"]["document"]["sha256"], sha.as_str());
        assert_eq!(event["event"]["document"]["file_sha256"], file_sha.as_str());
        // The file handed out is that file, signed, and its text is the result's.
        let (s, kind, pdf) =
            get_bytes(&app, &format!("/can-bo/ho-so/{id}/pdf/ket-qua/1"), &desk).await;
        assert_eq!((s, kind.as_str()), (StatusCode::OK, "application/pdf"));
        assert_eq!(motcua_pdf::sha256_hex(&pdf), file_sha);
        assert!(pdfsig_ok(&pdf).0, "{url}: the result is signed");
        let text = pdf_text(&pdf);
        for expected in [
            "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
            code.as_str(),
            "Phạm Thị Ánh Tuyết",
        ] {
            assert!(text.contains(expected), "no {expected:?} in\n{text}");
        }
        let (s, _, api_pdf) =
            get_bytes(&app, &format!("/api/v1/dossiers/{id}/documents/1"), &desk).await;
        assert_eq!((s, api_pdf == pdf), (StatusCode::OK, true));
        // The applicant downloads it from the lookup with the code and the secret of form 01.
        let secret = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::public_access::get(tx, id))
                .unwrap()
                .unwrap()
                .secret
        });
        let (s, page) = public_get(&app, &format!("/tra-cuu?code={code}&secret={secret}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            page.contains(&format!(
                "/tra-cuu/ket-qua?code={code}&amp;secret={secret}&amp;n=1"
            )),
            "{url}: the lookup links the result:\n{page}"
        );
        let (s, _, citizen) = get_bytes(
            &app,
            &format!("/tra-cuu/ket-qua?code={code}&secret={secret}&n=1"),
            "",
        )
        .await;
        assert_eq!((s, citizen == pdf), (StatusCode::OK, true), "{url}");
        let (s, _, _) = get_bytes(
            &app,
            &format!("/tra-cuu/ket-qua?code={code}&secret=WRONGSECRET1&n=1"),
            "",
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // /xac-minh confirms the QR code's hash and the file's, and names no person.
        let (s, page) = public_get(
            &app,
            &format!("/xac-minh?ma={code}&sha256={sha}&so-cai={ledger}"),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}: {page}");
        assert!(page.contains("Văn bản hợp lệ"), "{page}");
        assert!(page.contains("Đơn vị WA"), "{page}");
        assert!(!page.contains("Phạm Thị Ánh Tuyết"), "no personal data");
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/public/verify?ma={code}&sha256={file_sha}"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (v["matched"].as_str(), v["ledger"].as_i64()),
            (Some("file"), Some(ledger))
        );
        // A changed hash, or the right hash at another ledger entry, is refused clearly.
        let mut changed = sha.clone().into_bytes();
        changed[0] = if changed[0] == b'a' { b'b' } else { b'a' };
        let changed = String::from_utf8(changed).unwrap();
        let (s, page) = public_get(&app, &format!("/xac-minh?ma={code}&sha256={changed}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(page.contains("Văn bản không hợp lệ"), "{page}");
        let (s, _) = public_get(
            &app,
            &format!("/xac-minh?ma={code}&sha256={sha}&so-cai={}", ledger + 1),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The receipt's QR code verifies too (its content hash, recomputed from the record).
        let (_, _, receipt) =
            get_bytes(&app, &format!("/api/v1/dossiers/{id}/pdf/01"), &desk).await;
        let (hash, position) = printed_proof(&pdf_text(&receipt));
        let (s, _) = public_get(
            &app,
            &format!("/xac-minh?ma={code}&sha256={hash}&so-cai={position}"),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}");
        // The result prints the hash and ledger entry its QR code holds.
        assert_eq!(printed_proof(&text), (sha.clone(), ledger));
        // The log with the issuing event still verifies, and covers the recorded hash.
        let report = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::ledger::verify(tx, &[]))
                .unwrap()
        });
        assert!(report.findings.is_empty(), "{url}: {:?}", report.findings);
        // 4.1 counts it.
        assert_eq!(indicator(&app, &leader, "4.1").await, (1, 1), "{url}");
        let _ = std::fs::remove_dir_all(files);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_attached_at_the_counter_marks_the_paper_digitised_and_counts_for_4_2() {
    for url in sync(test_db_urls) {
        let files = temp_dir("scan");
        let app = sync(|| TestApp::new(&url, settings(&files)));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let (id, _) = receive(
            &app,
            &desk,
            json!([{"name": "Giấy đề nghị", "copies": 1}, {"name": "Bản sao CCCD", "copies": 1}]),
        )
        .await;
        assert_eq!(indicator(&app, &leader, "4.2").await, (0, 1), "{url}");
        let scan = |n: usize, kind: &str, bytes: Vec<u8>, token: &str| {
            let req = Request::builder()
                .method("POST")
                .uri(format!("/api/v1/dossiers/{id}/papers/{n}/scan"))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", kind.to_owned())
                .body(Body::from(bytes))
                .unwrap();
            let app = &app;
            async move { app.send(req).await }
        };
        // Not a PDF, JPEG or PNG: refused, nothing changes.
        let (s, v, _) = scan(2, "application/octet-stream", b"MZ\x90\x00".to_vec(), &desk).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        // Only the desk scans.
        let png = b"\x89PNG\r\n\x1a\n0000 scanned identity card".to_vec();
        let specialist = app.login(&format!("specialist.{WARD_A}")).await;
        let (s, _, _) = scan(2, "image/png", png.clone(), &specialist).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = scan(3, "image/png", png.clone(), &desk).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "no paper 3");
        let (s, v, _) = scan(2, "image/png", png.clone(), &desk).await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        assert_eq!(v["version"], 2);
        // A second scan of the same paper is refused.
        let (s, _, _) = scan(2, "image/png", png.clone(), &desk).await;
        assert_eq!(s, StatusCode::CONFLICT);
        // The papers viewer lists and opens it.
        let (_, _, page) = get_bytes(&app, &format!("/can-bo/ho-so/{id}"), &desk).await;
        let page = String::from_utf8(page).unwrap();
        assert!(
            page.contains(&format!("/can-bo/ho-so/{id}/giay-to/2")),
            "{url}: the scanned paper is listed with its viewer"
        );
        assert!(
            page.contains(&format!("/can-bo/ho-so/{id}/so-hoa/1")),
            "paper 1 can still be scanned"
        );
        let (s, kind, bytes) =
            get_bytes(&app, &format!("/can-bo/ho-so/{id}/giay-to/2"), &desk).await;
        assert_eq!((s, kind.as_str()), (StatusCode::OK, "image/png"));
        assert_eq!(bytes, png);
        // The page form uploads a PDF for paper 1 (multipart, as the browser sends it).
        let boundary = "----motcua";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n2\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"don.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(b"%PDF-1.7 scanned application form");
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::builder()
            .method("POST")
            .uri(format!("/can-bo/ho-so/{id}/so-hoa/1"))
            .header("authorization", format!("Bearer {desk}"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        let (s, _, headers) = app.send(req).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{url}");
        assert!(
            headers["location"]
                .to_str()
                .unwrap()
                .ends_with("ok=paper_scanned")
        );
        let (_, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(&desk), None)
            .await;
        let papers = v["dossier"]["papers"].as_array().unwrap();
        assert!(papers.iter().all(|p| p["file"].is_string()), "{v}");
        assert_eq!(indicator(&app, &leader, "4.2").await, (1, 1), "{url}");
        let report = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::ledger::verify(tx, &[]))
                .unwrap()
        });
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        let _ = std::fs::remove_dir_all(files);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_02_and_the_inspections_conclusion_notice_come_as_pdf_with_their_text() {
    if !poppler() {
        return;
    }
    let url = sync(test_db_urls).remove(0);
    let files = temp_dir("forms");
    let app = sync(|| TestApp::new(&url, settings(&files)));
    let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
    let specialist = app.login(&format!("specialist.{WARD_A}")).await;
    let (id, code) = receive(&app, &desk, json!([{"name": "Giấy đề nghị", "copies": 1}])).await;
    let (s, _, _) = get_bytes(&app, &format!("/can-bo/ho-so/{id}/pdf/mau/02"), &desk).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "no supplement asked yet");
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/dossiers/{id}/request-supplement"),
            Some(&specialist),
            Some(json!({"version": 1, "items": ["Bản sao sổ hộ khẩu có chứng thực"], "reason": "Thiếu giấy tờ chứng minh nơi cư trú"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, kind, pdf) = get_bytes(&app, &format!("/can-bo/ho-so/{id}/pdf/mau/02"), &desk).await;
    assert_eq!((s, kind.as_str()), (StatusCode::OK, "application/pdf"));
    let text = pdf_text(&pdf);
    for expected in [
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Bản sao sổ hộ khẩu có chứng thực",
        "Thiếu giấy tờ chứng minh nơi cư trú",
        code.as_str(),
        "Phạm Thị Ánh Tuyết",
    ] {
        assert!(text.contains(expected), "no {expected:?} in\n{text}");
    }
    // The control sheet, with the reception step.
    let (s, _, pdf) = get_bytes(&app, &format!("/api/v1/dossiers/{id}/pdf/kiem-soat"), &desk).await;
    assert_eq!(s, StatusCode::OK);
    let text = pdf_text(&pdf);
    for expected in [
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "Đơn vị WA",
        code.as_str(),
    ] {
        assert!(text.contains(expected), "no {expected:?} in\n{text}");
    }
    // The inspection's conclusion notice (a draft until issued).
    let inspector = app.login(&format!("inspector.{WARD_A}")).await;
    let today = motcua_domain::dossier::to_local(chrono::Utc::now()).date();
    let day = |n: i64| (today + chrono::TimeDelta::days(n)).to_string();
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/inspections",
            Some(&inspector),
            Some(json!({
                "owner": WARD_A, "plan_number": "37/KH-UBND", "plan_date": day(-30), "year": 2026,
                "title": "Kiểm tra cải cách hành chính năm 2026", "units": [WARD_A],
                "from": day(-10), "to": day(-5), "period_from": "2025-01-01", "period_to": "2025-12-31"
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let inspection = v["id"].as_i64().unwrap();
    let (s, kind, pdf) = get_bytes(
        &app,
        &format!("/can-bo/kiem-tra/{inspection}/thong-bao-pdf"),
        &inspector,
    )
    .await;
    assert_eq!((s, kind.as_str()), (StatusCode::OK, "application/pdf"));
    let text = pdf_text(&pdf);
    for expected in [
        "THÔNG BÁO",
        "Kết luận kiểm tra công tác cải cách hành chính năm 2026",
        "37/KH-UBND",
        "ĐOÀN KIỂM TRA",
    ] {
        assert!(text.contains(expected), "no {expected:?} in\n{text}");
    }
    // Someone who neither manages nor is on the team cannot read it.
    let (s, _, _) = get_bytes(
        &app,
        &format!("/can-bo/kiem-tra/{inspection}/thong-bao-pdf"),
        &desk,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let _ = std::fs::remove_dir_all(files);
}

/// A procedure certifying copies from originals at the wards (what indicator 4.6 is about).
fn add_copy_procedure(app: &TestApp) {
    let spec = ProcedureSpec {
        code: "2.000815".into(),
        name: "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam cấp".into(),
        field: "Chứng thực".into(),
        level: UnitLevel::Commune,
        receiving_agency: String::new(),
        deciding_agency: String::new(),
        channels: Channels {
            desk: true,
            post: false,
            online: OnlineLevel::Full,
        },
        limit: Limit::WorkingDays(1),
        conditional_limits: vec![],
        steps: vec![
            StepBudget {
                name: "Tiếp nhận, đối chiếu".into(),
                budget: Limit::WorkingMinutes(30),
                performer: None,
            },
            StepBudget {
                name: "Chứng thực".into(),
                budget: Limit::WorkingMinutes(60),
                performer: None,
            },
        ],
        fees: vec![],
        papers: vec![PaperSpec {
            name: "Bản chính giấy tờ, văn bản".into(),
            copies: 1,
            mandatory: true,
            template: None,
            condition: None,
        }],
        conditions: vec![],
        result: "Bản sao được chứng thực".into(),
        legal_basis: vec![],
        applies_to: Applicability {
            levels: vec![UnitLevel::Commune],
            units: vec![],
            except: vec![],
        },
        boundary_free: false,
    };
    let decision = Announcement {
        number: "2/QĐ-UBND".into(),
        date: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        issuer: "UBND tỉnh".into(),
        effective: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        items: vec![Item::New { procedure: spec }],
    };
    sync(|| {
        app.store
            .store
            .write(|tx| procedures::import(tx, &[decision], "test", chrono::Utc::now()))
            .unwrap()
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn an_electronic_certified_copy_of_a_scanned_original_is_issued_verified_and_counted_for_4_6()
{
    for url in sync(test_db_urls) {
        let files = temp_dir("copy");
        let app = sync(|| TestApp::new(&url, settings(&files)));
        add_copy_procedure(&app);
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let mut body = reception(WARD_A);
        body["procedure_code"] = json!("2.000815");
        body["papers"] = json!([{"name": "Bản chính giấy tờ, văn bản", "copies": 1}]);
        let (s, v) = app
            .call("POST", "/api/v1/dossiers", Some(&desk), Some(body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {v}");
        let id = v["id"].as_i64().unwrap();
        let code = v["code"].as_str().unwrap().to_owned();
        let act = |token: &str, action: &str, body: Value| {
            let (token, path) = (token.to_owned(), format!("/api/v1/dossiers/{id}/{action}"));
            let app = &app;
            async move { app.call("POST", &path, Some(&token), Some(body)).await }
        };
        let (s, v) = act(&desk, "hand-over", json!({"version": 1, "to_unit": WARD_A})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = act(&leader, "result-ready", json!({"version": 2})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(indicator(&app, &leader, "4.6").await, (0, 1), "{url}");
        // Not of a paper that was not scanned.
        let (s, v) = act(
            &desk,
            "documents",
            json!({"kind": "certified_copy", "paper": 1}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        let scan = Request::builder()
            .method("POST")
            .uri(format!("/api/v1/dossiers/{id}/papers/1/scan"))
            .header("authorization", format!("Bearer {desk}"))
            .header("content-type", "application/pdf")
            .body(Body::from(b"%PDF-1.7 the original, scanned".to_vec()))
            .unwrap();
        let (s, v, _) = app.send(scan).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let scan_sha = motcua_pdf::sha256_hex(b"%PDF-1.7 the original, scanned");
        let (s, issued) = act(
            &desk,
            "documents",
            json!({"kind": "certified_copy", "paper": 1}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {issued}");
        let (_, _, pdf) =
            get_bytes(&app, &format!("/can-bo/ho-so/{id}/pdf/ket-qua/1"), &desk).await;
        assert!(pdfsig_ok(&pdf).0, "{url}: the copy is signed");
        let text = pdf_text(&pdf);
        for expected in [
            "BẢN SAO ĐIỆN TỬ ĐƯỢC CHỨNG THỰC TỪ BẢN CHÍNH",
            "Chứng thực bản sao điện tử này đúng với bản chính.",
            &scan_sha[..16],
        ] {
            assert!(text.contains(expected), "no {expected:?} in\n{text}");
        }
        let sha = issued["sha256"].as_str().unwrap();
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/public/verify?ma={code}&sha256={sha}"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            v["document"],
            "Bản sao điện tử được chứng thực từ bản chính"
        );
        assert_eq!(indicator(&app, &leader, "4.6").await, (1, 1), "{url}");
        // A copy is not an electronic result: 4.1 does not count it.
        assert_eq!(indicator(&app, &leader, "4.1").await, (0, 1), "{url}");
        let _ = std::fs::remove_dir_all(files);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_verification_page_and_api_are_rate_limited_like_the_lookup() {
    let url = sync(test_db_urls).remove(0);
    let files = temp_dir("limit");
    let app = sync(|| {
        TestApp::new(
            &url,
            Settings {
                public_rate_per_minute: 3,
                ..settings(&files)
            },
        )
    });
    let hash = "0".repeat(64);
    let mut statuses = vec![];
    for i in 0..6 {
        let path = if i % 2 == 0 {
            format!("/xac-minh?ma=WA-261203-0001&sha256={hash}")
        } else {
            format!("/api/v1/public/verify?ma=WA-261203-0001&sha256={hash}")
        };
        statuses.push(public_get(&app, &path).await.0.as_u16());
    }
    assert_eq!(statuses[..3], [404, 404, 404], "{statuses:?}");
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    // The empty form costs nothing.
    assert_eq!(public_get(&app, "/xac-minh").await.0, StatusCode::OK);
    let _ = std::fs::remove_dir_all(files);
}
