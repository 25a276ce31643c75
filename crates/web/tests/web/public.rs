//! Public pages and online submission with papers.

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn public_pages_render_and_escape() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let get = |path: &str| {
        let req = Request::builder().uri(path).body(Body::empty()).unwrap();
        let app = &app;
        async move {
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let ctype = res
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let body =
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            (status, ctype, body)
        }
    };
    let mut firsts = vec![];
    for q in [
        "dang%20ky%20thanh%20lap",
        "%C4%91%C4%83ng%20k%C3%BD%20th%C3%A0nh%20l%E1%BA%ADp",
        "DANG%20KY%20THANH%20LAP",
    ] {
        let (s, v) = app
            .call("GET", &format!("/api/v1/procedures?q={q}"), None, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["total"], 1);
        firsts.push(v["items"][0]["code"].clone());
    }
    assert!(firsts.iter().all(|c| *c == "1.001612"), "{firsts:?}");
    let (_, v) = app.call("GET", "/api/v1/procedures", None, None).await;
    assert_eq!(v["total"], 1, "without q: everything, with the total");
    let (s, _) = app
        .call("GET", "/api/v1/procedures?level=galaxy", None, None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, ctype, body) = get("/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ctype.starts_with("text/html"));
    assert!(body.contains("Một cửa điện tử") && body.contains("Hộ kinh doanh"));
    for q in ["dang+ky+thanh+lap", "%C4%90%C4%82NG+K%C3%9D", "ho+kinh+doa"] {
        let (s, _, body) = get(&format!("/thu-tuc?q={q}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("/thu-tuc/1.001612"), "{q}: {body}");
    }
    let (_, _, body) = get("/thu-tuc?q=xyz").await;
    assert!(body.contains("0 thủ tục"));
    let (_, _, body) = get("/thu-tuc?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert!(!body.contains("<script>alert"), "input is escaped");
    let (s, _, body) = get("/thu-tuc/1.001612").await;
    assert_eq!(s, StatusCode::OK);
    for must in [
        "Thành phần hồ sơ",
        "Giấy đề nghị",
        "3 ngày làm việc",
        "Thẩm định",
        "1/QĐ-UBND",
        "Căn cứ pháp lý",
    ] {
        assert!(body.contains(must), "procedure page shows {must}");
    }
    let (s, ctype, body) = get("/thu-tuc/9.999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(ctype.starts_with("text/html") && body.contains("Không có thủ tục này"));
    let (s, _, body) = get(&format!("/don-vi/{WARD_A}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Chưa niêm yết"), "ward A has posted nothing");
    let (s, _, body) = get("/don-vi").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(&format!("/don-vi/{WARD_A}")));
    let (s, _, _) = get(&format!("/don-vi/{WARD_A}?on=2025-13-01")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, ctype, _) = get("/assets/site.css").await;
    assert_eq!(
        (s, ctype.as_str()),
        (StatusCode::OK, "text/css; charset=utf-8")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn citizens_submit_online_with_papers() {
    let url = sync(test_db_urls).remove(0);
    let files = std::env::temp_dir().join(format!("motcua-upload-test-{}", std::process::id()));
    let settings = Settings {
        files_dir: files.clone(),
        max_upload_bytes: 1024,
        ..relaxed()
    };
    let app = sync(|| TestApp::new(&url, settings));
    let (s, _, body) = {
        let req = Request::builder()
            .uri("/nop-ho-so/1.001612")
            .body(Body::empty())
            .unwrap();
        let res = app.router.clone().oneshot(req).await.unwrap();
        let s = res.status();
        let h = res.headers().clone();
        (
            s,
            h,
            String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                .unwrap(),
        )
    };
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("enctype=\"multipart/form-data\"")
            && body.contains("Giấy đề nghị (bắt buộc)")
    );
    let multipart = |file: Option<&[u8]>, phone: &str| {
        let boundary = "XyZboundary";
        let mut b: Vec<u8> = vec![];
        for (k, v) in [
            ("unit", WARD_A),
            ("full_name", "Lê Văn Nộp"),
            ("phone", phone),
        ] {
            b.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some(f) = file {
            b.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file_0\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
            b.extend(f);
            b.extend(b"\r\n");
        }
        b.extend(format!("--{boundary}--\r\n").as_bytes());
        Request::builder()
            .method("POST")
            .uri("/nop-ho-so/1.001612")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(b))
            .unwrap()
    };
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let cases: [(Option<&[u8]>, &str, &str, StatusCode); 4] = [
        (None, "0905000222", "thiếu tệp", invalid),
        (
            Some(b"MZ\x90 not a pdf"),
            "0905000222",
            "chỉ nhận tệp PDF",
            invalid,
        ),
        (
            Some(&[b'%'; 2000]),
            "0905000222",
            "tệp quá lớn (tối đa 1 MB)",
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (Some(b"%PDF-1.4 ok"), "12", "8 đến 15 chữ số", invalid),
    ];
    for (file, phone, message, status) in cases {
        let (s, body, _) = app.send(multipart(file, phone)).await;
        assert_eq!(s, status, "{message}");
        let body = body.as_str().unwrap_or_default().to_owned();
        assert!(
            body.contains(message) && body.contains("field-error"),
            "{message}: {body}"
        );
    }
    assert_eq!(app.count("events"), 0, "nothing was recorded");
    // Only the acceptable paper of the form refused for its phone number was kept, for the form
    // shown again to carry (a signed reference, not the file).
    let kept = walk(&files);
    assert_eq!(kept.len(), 1, "{kept:?}");
    let kept_hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(b"%PDF-1.4 ok"))
    };
    assert!(kept[0].ends_with(&kept_hash), "{kept:?}");
    let (s, page, h) = app
        .send(multipart(Some(b"%PDF-1.4 a real enough pdf"), "0905000222"))
        .await;
    assert_eq!(s, StatusCode::OK, "{h:?}");
    // The answer shows the random reference and the secret (never in an address).
    let page = page.as_str().unwrap().to_owned();
    let d_access = sync(|| {
        app.store
            .store
            .read(|tx| motcua_store::public_access::get(tx, 1))
            .unwrap()
            .unwrap()
    });
    assert!(page.contains(&d_access.reference), "{page}");
    assert!(
        page.contains(&motcua_store::public_access::grouped(&d_access.secret)),
        "{page}"
    );
    let stored: Vec<_> = walk(&files)
        .into_iter()
        .filter(|f| !f.ends_with(&kept_hash))
        .collect();
    assert_eq!(stored.len(), 1, "one content-addressed file");
    let d = sync(|| {
        app.store
            .store
            .read(|tx| motcua_store::dossiers::load(tx, 1))
            .unwrap()
    });
    assert_eq!(d.status, motcua_domain::dossier::Status::Submitted);
    let hash = d.papers[0].file.clone().unwrap();
    assert!(stored[0].ends_with(&hash));
    // Staff with the right to personal data open the uploaded paper from the dossier page (each
    // opening logged); others see its name only and cannot open it.
    let get = |path: String, token: String| {
        let req = Request::builder()
            .uri(path)
            .header("cookie", format!("motcua_session={token}"))
            .body(Body::empty())
            .unwrap();
        app.send(req)
    };
    let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
    let (s, page, _) = get("/can-bo/ho-so/1".into(), desk.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.as_str().unwrap().contains("/can-bo/ho-so/1/giay-to/1"));
    let views = app.count("personal_data_views");
    let res = app
        .router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/can-bo/ho-so/1/giay-to/1")
                .header("cookie", format!("motcua_session={desk}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&bytes[..], b"%PDF-1.4 a real enough pdf");
    assert_eq!(app.count("personal_data_views"), views + 1);
    let admin = app.login(&format!("unit_admin.{WARD_A}")).await;
    let (s, page, _) = get("/can-bo/ho-so/1".into(), admin.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!page.as_str().unwrap().contains("/giay-to/"));
    let (s, _, _) = get("/can-bo/ho-so/1/giay-to/1".into(), admin).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = get("/can-bo/ho-so/1/giay-to/9".into(), desk).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let _ = std::fs::remove_dir_all(files);
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path().display().to_string());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_that_does_not_exist_is_a_page() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let (s, v, h) = app
        .send(
            Request::builder()
                .uri("/khong-co-trang-nay")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(v.as_str().unwrap().contains("Không có trang này"), "{v}");
    let (s, v) = app.call("GET", "/api/v1/khong-co", None, None).await;
    assert_eq!(
        (s, v["type"].as_str()),
        (StatusCode::NOT_FOUND, Some("urn:motcua:problem:no-route"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dossier_received_before_secrets_existed_gets_one_when_form_01_is_printed_again() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk),
                Some(reception(WARD_A)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (id, code) = (
            v["id"].as_i64().unwrap(),
            v["code"].as_str().unwrap().to_owned(),
        );
        let first = v["receipt"]["secret"].as_str().unwrap().to_owned();
        // As a database migrated from before: no reference and no secret for this dossier.
        sync(|| {
            app.store
                .store
                .write(|tx| tx.exec("DELETE FROM public_access", &[]))
                .unwrap()
        });
        let lookup = |secret: String| {
            let path = format!("/api/v1/public/lookup?code={code}&secret={secret}");
            let app = &app;
            async move { app.call("GET", &path, None, None).await.0 }
        };
        assert_eq!(lookup(first.clone()).await, StatusCode::NOT_FOUND);
        let (s, page, _) = app
            .send(
                Request::builder()
                    .uri(format!("/can-bo/ho-so/{id}/phieu-tiep-nhan"))
                    .header("cookie", format!("motcua_session={desk}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let page = page.as_str().unwrap().to_owned();
        let given = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::public_access::get(tx, id))
                .unwrap()
                .expect("given on first need")
        });
        let printed = motcua_store::public_access::grouped(&given.secret);
        assert!(page.contains(&printed), "{url}: form 01 shows the secret");
        assert_ne!(printed, first, "a new secret from the random generator");
        assert_eq!(lookup(printed.clone()).await, StatusCode::OK);
        // Printed again: the same secret.
        let (_, again, _) = app
            .send(
                Request::builder()
                    .uri(format!("/can-bo/ho-so/{id}/phieu-tiep-nhan"))
                    .header("cookie", format!("motcua_session={desk}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(again.as_str().unwrap().contains(&printed));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn phones_open_the_right_keyboard_on_both_forms() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
    let (s, _, counter) = app
        .page("/can-bo/tiep-nhan?thu_tuc=1.001612", None, &desk)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, online, _) = app
        .send(
            Request::get(format!("/nop-ho-so/1.001612?unit={WARD_A}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{online}");
    for page in [counter.as_str(), online.as_str().unwrap()] {
        let input = |name: &str| {
            page.split(&format!("name=\"{name}\""))
                .nth(1)
                .and_then(|rest| rest.split('>').next())
                .unwrap_or_else(|| panic!("no {name} in {page}"))
                .to_owned()
        };
        let before = |name: &str| {
            let i = page
                .find(&format!("name=\"{name}\""))
                .unwrap_or_else(|| panic!("no {name} in {page}"));
            page[page[..i].rfind('<').unwrap()..i].to_owned()
        };
        assert!(
            before("phone").contains("type=\"tel\"")
                && input("phone").contains("inputmode=\"tel\"")
        );
        assert!(input("id_number").contains("inputmode=\"numeric\""));
        assert!(input("full_name").contains("autocomplete=\"name\""));
        assert!(before("email").contains("type=\"email\""));
    }
}

/// An online form with three problems shows the three messages, each next to its input and in the
/// summary, in Vietnamese (English when switched), and keeps its acceptable paper: sent again with
/// the fields fixed and no file, it is accepted with that paper.
#[tokio::test(flavor = "multi_thread")]
async fn a_form_with_three_errors_shows_three_messages_and_keeps_its_file() {
    for url in sync(test_db_urls) {
        let files = std::env::temp_dir().join(format!(
            "motcua-kept-test-{}-{}",
            std::process::id(),
            url.len()
        ));
        let settings = Settings {
            files_dir: files.clone(),
            ..relaxed()
        };
        let app = sync(|| TestApp::new(&url, settings));
        let boundary = "XyZkept";
        let form = |fields: &[(&str, &str)], file: Option<&[u8]>, lang: &str| {
            let mut b: Vec<u8> = vec![];
            for (k, v) in fields {
                b.extend(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                    )
                    .as_bytes(),
                );
            }
            if let Some(f) = file {
                b.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file_0\"; filename=\"don-de-nghi.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
                b.extend(f);
                b.extend(b"\r\n");
            }
            b.extend(format!("--{boundary}--\r\n").as_bytes());
            Request::builder()
                .method("POST")
                .uri("/nop-ho-so/1.001612")
                .header("cookie", format!("lang={lang}"))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(b))
                .unwrap()
        };
        let pdf: &[u8] = b"%PDF-1.4 the request, signed";
        let bad = [("unit", "NOWHERE"), ("full_name", " "), ("phone", "12")];
        let (s, page, _) = app.send(form(&bad, Some(pdf), "vi")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let page = page.as_str().unwrap().to_owned();
        for (input, message) in [
            ("unit", "hãy chọn nơi nộp hồ sơ"),
            ("full_name", "Họ tên người nộp không được để trống"),
            ("phone", "Số điện thoại phải gồm 8 đến 15 chữ số"),
        ] {
            assert!(
                page.contains(&format!("id=\"{input}-error\">{message}"))
                    && page.contains(&format!("href=\"#{input}\">{message}")),
                "{input}: {page}"
            );
        }
        assert_eq!(page.matches("class=\"field-error\"").count(), 3, "{page}");
        assert!(page.contains("hãy sửa 3 chỗ"), "{page}");
        for framework in ["Failed to", "deserialize", "multer", "Error parsing"] {
            assert!(!page.contains(framework), "{framework}: {page}");
        }
        let kept = page
            .split("name=\"kept_0\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("the paper kept")
            .to_owned();
        assert!(page.contains("Đã nhận tệp don-de-nghi.pdf"), "{page}");
        // The file input is no longer required: the kept paper stands for it.
        let input = page.split("id=\"file_0\"").nth(1).unwrap();
        assert!(!input.split('>').next().unwrap().contains("required"));
        // In English, the same three problems in English.
        let (_, english, _) = app.send(form(&bad, Some(pdf), "en")).await;
        let english = english.as_str().unwrap().to_owned();
        assert!(
            english.contains("choose where to apply")
                && english.contains("the phone number must have 8 to 15 digits")
                && !english.contains("hãy chọn nơi nộp"),
            "{english}"
        );
        assert_eq!(app.count("events"), 0);
        // Fixed, without choosing the file again.
        let good = [
            ("unit", WARD_A),
            ("full_name", "Lê Thị Sửa"),
            ("phone", "0905000444"),
            ("kept_0", kept.as_str()),
            ("kept_name_0", "don-de-nghi.pdf"),
        ];
        let (s, page, _) = app.send(form(&good, None, "vi")).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let d = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::dossiers::load(tx, 1))
                .unwrap()
        });
        let hash = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(pdf))
        };
        assert_eq!(d.papers[0].file.as_deref(), Some(hash.as_str()));
        // A reference altered by hand is not taken: the paper is missing again.
        let forged = kept.replacen(&hash[..6], "000000", 1);
        let (s, page, _) = app
            .send(form(
                &[
                    ("unit", WARD_A),
                    ("full_name", "Lê Thị Sửa"),
                    ("phone", "0905000444"),
                    ("kept_0", forged.as_str()),
                ],
                None,
                "vi",
            ))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.as_str().unwrap().contains("thiếu tệp: Giấy đề nghị"));
        let _ = std::fs::remove_dir_all(&files);
    }
}

/// The raw answer to a GET: status, content type and body bytes.
async fn raw(app: &TestApp, path: &str) -> (StatusCode, String, Vec<u8>) {
    let req = Request::builder().uri(path).body(Body::empty()).unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, kind, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lookup_reads_a_projection_without_personal_data_that_rebuild_restores() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk),
                Some(reception(WARD_A)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().unwrap();
        let code = v["code"].as_str().unwrap().to_owned();
        let secret = v["receipt"]["secret"].as_str().unwrap().to_owned();
        let version = v["version"].as_i64().unwrap();
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/hand-over"),
                Some(&desk),
                Some(json!({"version": version, "to_unit": TAX, "note": "Chuyển thuế"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // The projection row (view and answer) was written with the dossier, and holds nothing of
        // the applicant.
        let view = || {
            sync(|| {
                app.store
                    .store
                    .read(|tx| {
                        Ok(tx
                            .query_one(
                                "SELECT code, view || answer FROM public_lookup WHERE dossier_id = $1",
                                &[motcua_store::Value::Int(id)],
                            )?
                            .map(|r| (r.string(0).unwrap(), r.string(1).unwrap())))
                    })
                    .unwrap()
            })
        };
        let (stored_code, stored) = view().expect("a lookup row for the dossier");
        assert_eq!(stored_code, code);
        assert!(stored.contains(TAX), "the hand-over is in it: {stored}");
        for personal in [
            "Nguyễn Văn Thử",
            "0905",
            "111 222",
            "066090001234",
            "Tổ 1",
            "Chuyển thuế",
        ] {
            assert!(!stored.contains(personal), "{personal} in {stored}");
        }
        let path = format!("/api/v1/public/lookup?code={code}&secret={secret}");
        let (s, _, from_projection) = raw(&app, &path).await;
        assert_eq!(s, StatusCode::OK);
        let answer: Value = serde_json::from_slice(&from_projection).unwrap();
        assert_eq!(answer["control_sheet"].as_array().unwrap().len(), 2);
        assert_eq!(answer["control_sheet"][0]["to_unit"], TAX);
        // The answer comes from the projection row, not from the dossier's state.
        sync(|| {
            app.store
                .store
                .write(|tx| {
                    tx.exec(
                        "UPDATE public_lookup SET answer = REPLACE(answer, 'hộ kinh doanh', 'HKD')",
                        &[],
                    )
                })
                .unwrap()
        });
        let (_, tampered) = app.call("GET", &path, None, None).await;
        assert_eq!(
            tampered["procedure"]["name"], "Đăng ký thành lập HKD",
            "{tampered}"
        );
        // Without its row (a dossier from before the projection) the answer is the same, read
        // from the dossier's state; a rebuild writes the row again.
        sync(|| {
            app.store
                .store
                .write(|tx| tx.exec("DELETE FROM public_lookup", &[]))
                .unwrap()
        });
        assert_eq!(view(), None);
        assert_eq!(raw(&app, &path).await.2, from_projection);
        sync(|| {
            app.store
                .store
                .write(motcua_store::dossiers::rebuild)
                .unwrap()
        });
        assert_eq!(view().map(|v| v.1), Some(stored));
        assert_eq!(raw(&app, &path).await.2, from_projection);
        // A wrong secret answers byte for byte like a code that does not exist, by code and by
        // online reference, on the API and on the page.
        let reference = answer["reference"].as_str().unwrap().to_owned();
        for (known, unknown) in [
            (code.as_str(), "WA-000000-0000"),
            (reference.as_str(), "WABCDEFGHJKMN"),
        ] {
            for base in ["/api/v1/public/lookup", "/tra-cuu"] {
                let wrong = raw(&app, &format!("{base}?code={known}&secret=0000-0000-0000")).await;
                let missing = raw(
                    &app,
                    &format!("{base}?code={unknown}&secret=0000-0000-0000"),
                )
                .await;
                assert_eq!(wrong.0, StatusCode::NOT_FOUND, "{base} {known}");
                assert_eq!(
                    (wrong.0, &wrong.1),
                    (missing.0, &missing.1),
                    "{base} {known}"
                );
                if base.starts_with("/api") {
                    assert_eq!(wrong.2, missing.2, "{base} {known}");
                } else {
                    // The page repeats what was typed; apart from that, the same page.
                    let typed = |b: &[u8], c: &str| String::from_utf8_lossy(b).replace(c, "CODE");
                    assert_eq!(typed(&wrong.2, known), typed(&missing.2, unknown), "{base}");
                }
            }
        }
    }
}
