//! Dossiers through the API and the staff pages: the whole walk, bad input that changes nothing.

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn citizen_and_officials_walk_a_dossier_through() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        // The citizen submits online.
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
        assert_eq!(s, StatusCode::CREATED, "{url}: {v}");
        let reference = v["reference"].as_str().unwrap().to_owned();
        let secret = v["secret"].as_str().unwrap().to_owned();
        // The reference is random (not the order of submission) and so is the secret.
        assert!(
            reference.len() == 13 && reference.starts_with('W') && reference != "W1",
            "{reference}"
        );
        assert_eq!(secret.len(), 14, "{secret}");
        let id = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::public_access::by_reference(tx, &reference))
                .unwrap()
                .unwrap()
        });
        assert!(
            v.get("receipt").is_none(),
            "the applicant's answer carries no desk data: {v}"
        );
        // A retried submission with the same Idempotency-Key gets the first answer, not a second dossier.
        let keyed = |name: &str| {
            Request::builder()
                .method("POST")
                .uri("/api/v1/public/dossiers")
                .header("content-type", "application/json")
                .header("idempotency-key", "retry-1")
                .body(Body::from(
                    json!({"procedure_code": "1.001612", "unit": WARD_A, "applicant": {"full_name": name, "phone": "0912345678"}})
                        .to_string(),
                ))
                .unwrap()
        };
        let (s1, v1, _) = app.send(keyed("Lê Thử Lại")).await;
        let (s2, v2, _) = app.send(keyed("Lê Thử Lại")).await;
        assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
        assert_eq!(v1["reference"], v2["reference"]);
        assert_eq!(v1["secret"], v2["secret"]);
        assert_ne!(v1["secret"], json!(secret), "each dossier its own secret");
        let (s3, _, _) = app.send(keyed("Người Khác")).await;
        assert_eq!(
            s3,
            StatusCode::UNPROCESSABLE_ENTITY,
            "same key, another body"
        );
        assert_eq!(
            app.count("dossiers"),
            2,
            "{url}: one dossier per submission, not per retry"
        );
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let specialist = app.login(&format!("specialist.{WARD_A}")).await;
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let act = |token: &str, action: &str, body: Value| {
            let token = token.to_owned();
            let path = format!("/api/v1/dossiers/{id}/{action}");
            let app = &app;
            async move { app.call("POST", &path, Some(&token), Some(body)).await }
        };
        let (s, v) = act(&desk, "receive", json!({"version": 1})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let code = v["code"].as_str().unwrap().to_owned();
        assert!(code.starts_with(&format!("{WARD_A}-")), "{code}");
        assert_eq!(v["receipt"]["form"], "01");
        assert_eq!(
            v["receipt"]["secret"], secret,
            "form 01 carries the secret given at submission"
        );
        let (s, v) = act(&desk, "hand-over", json!({"version": 2, "to_unit": WARD_A})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // The specialist sends it to the tax office (another agency), which hands it back.
        let (s, v) = act(
            &specialist,
            "hand-over",
            json!({"version": 3, "to_unit": TAX}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = act(&leader, "result-ready", json!({"version": 4})).await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "ward A's leader cannot act for the tax office: {v}"
        );
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/dossiers/{id}"),
                Some(&leader),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "ward A still sees its dossier");
        let tax = {
            sync(|| {
                app.store
                    .store
                    .write(|tx| {
                        org::add_staff(
                            tx,
                            &org::NewStaff {
                                username: "tax.specialist",
                                full_name: "Thuế",
                                title: "",
                                password_hash: hash(),
                                grants: &[Grant {
                                    role: Role::Specialist,
                                    unit: TAX.into(),
                                }],
                            },
                        )
                    })
                    .unwrap()
            });
            app.login("tax.specialist").await
        };
        let (s, v) = act(&tax, "hand-over", json!({"version": 4, "to_unit": WARD_A})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = act(&leader, "result-ready", json!({"version": 5})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = act(
            &desk,
            "return",
            json!({"version": 6, "to_whom": "Trần Thị Dân"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // The dossier as staff see it: control sheet with an inter-agency row.
        let (s, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(&desk), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let rows = v["control_sheet"]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 4, "{v}");
        assert_eq!(rows[1]["to_unit"], TAX);
        assert_eq!(rows[1]["external"], true);
        assert_eq!(v["dossier"]["applicant"]["full_name"], "Trần Thị Dân");
        assert_eq!(v["history"].as_array().unwrap().len(), 7);
        assert!(
            app.count("personal_data_views") >= 1,
            "the view of personal data was logged"
        );
        // The citizen looks it up and rates it; no personal data is in the answer. The secret
        // opens it by code or by reference, typed in any case and with or without its dashes.
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/public/lookup?code={code}&secret={secret}"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["reference"], json!(reference));
        let typed = secret.replace('-', "").to_lowercase();
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/public/lookup?code={reference}&secret={typed}"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["status"], "returned");
        assert_eq!(v["can_rate"], true);
        let text = v.to_string();
        for secret in ["Trần Thị Dân", "0912345678", "5678"] {
            assert!(
                !text.contains(secret),
                "public lookup leaks {secret}: {text}"
            );
        }
        // A wrong secret (the phone's last digits, another dossier's secret, none) answers like a
        // code that does not exist.
        let other = v1["secret"].as_str().unwrap().to_owned();
        let (_, unknown) = app
            .call(
                "GET",
                &format!("/api/v1/public/lookup?code=WA-000000-0000&secret={secret}"),
                None,
                None,
            )
            .await;
        for wrong in ["5678", other.as_str(), "", "0000-0000-0000"] {
            let (s, v) = app
                .call(
                    "GET",
                    &format!("/api/v1/public/lookup?code={code}&secret={wrong}"),
                    None,
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{wrong}");
            assert_eq!(v, unknown, "{wrong}");
        }
        // The same lookup as a page: progress, a rating form, still no personal data.
        let page = |path: String| {
            let req = Request::builder().uri(path).body(Body::empty()).unwrap();
            let app = &app;
            async move {
                let res = app.router.clone().oneshot(req).await.unwrap();
                let status = res.status();
                let body = res.into_body().collect().await.unwrap().to_bytes();
                (status, String::from_utf8(body.to_vec()).unwrap())
            }
        };
        let (s, body) = page(format!("/tra-cuu?code={code}&secret={secret}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("Đã trả kết quả") && body.contains("Gửi đánh giá"),
            "{body}"
        );
        for secret in ["Trần Thị Dân", "0912345678"] {
            assert!(!body.contains(secret), "lookup page leaks {secret}");
        }
        let (s, body) = page(format!("/tra-cuu?code={code}&secret=5678")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(body.contains("Không tìm thấy"));
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/public/rating",
                None,
                Some(json!({"code": code, "secret": other, "rating": "unsatisfied"})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "no rating without the secret");
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/public/rating",
                None,
                Some(json!({"code": code, "secret": secret, "rating": "very_satisfied"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/public/rating",
                None,
                Some(json!({"code": code, "secret": secret, "rating": "satisfied"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "rated once only");
        let report = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::ledger::verify(tx, &[]))
                .unwrap()
        });
        assert!(report.findings.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    for url in sync(test_db_urls) {
        let settings = Settings {
            max_body_bytes: 4096,
            ..relaxed()
        };
        let app = sync(|| TestApp::new(&url, settings));
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
        let events = app.count("events");
        let raw = |body: &str, ctype: Option<&str>| {
            let mut b = Request::builder()
                .method("POST")
                .uri("/api/v1/dossiers")
                .header("authorization", format!("Bearer {desk}"));
            if let Some(c) = ctype {
                b = b.header("content-type", c);
            }
            b.body(Body::from(body.to_owned())).unwrap()
        };
        let cases: Vec<(Request<Body>, StatusCode)> = vec![
            (
                raw("{not json", Some("application/json")),
                StatusCode::BAD_REQUEST,
            ),
            (
                raw(r#"{"procedure_code": 5}"#, Some("application/json")),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                raw(&reception(WARD_A).to_string(), None),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            (
                raw(
                    &format!(r#"{{"x":"{}"}}"#, "a".repeat(10_000)),
                    Some("application/json"),
                ),
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
        ];
        for (req, expected) in cases {
            let (s, v, h) = app.send(req).await;
            assert_eq!(s, expected, "{v}");
            assert_eq!(h["content-type"], "application/problem+json");
            assert!(
                v["detail"].as_str().is_some_and(|d| !d.is_empty()) && v["detail_en"].is_string(),
                "{v}"
            );
        }
        let mut unknown_procedure = reception(WARD_A);
        unknown_procedure["procedure_code"] = json!("9.999999");
        let mut unknown_unit = reception(WARD_A);
        unknown_unit["unit"] = json!("NOPE");
        let mut bad_phone = reception(WARD_A);
        bad_phone["applicant"]["phone"] = json!("12");
        let mut extra_field = reception(WARD_A);
        extra_field["surprise"] = json!(1);
        for (body, expected) in [
            (unknown_procedure, StatusCode::NOT_FOUND),
            (unknown_unit, StatusCode::NOT_FOUND),
            (reception(OLD_WARD), StatusCode::UNPROCESSABLE_ENTITY),
            (bad_phone, StatusCode::UNPROCESSABLE_ENTITY),
            (extra_field, StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            let (s, v) = app
                .call("POST", "/api/v1/dossiers", Some(&desk), Some(body))
                .await;
            assert_eq!(s, expected, "{v}");
        }
        let path = format!("/api/v1/dossiers/{id}/return");
        let (s, v) = app
            .call(
                "POST",
                &path,
                Some(&desk),
                Some(json!({"version": 1, "to_whom": "A"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "not allowed in this state: {v}");
        assert!(v["detail"].as_str().unwrap().contains("Đang xử lý"), "{v}");
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/hand-over"),
                Some(&desk),
                Some(json!({"version": 7, "to_unit": WARD_A})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "stale version");
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/fly"),
                Some(&desk),
                Some(json!({"version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/hand-over"),
                None,
                Some(json!({"version": 1, "to_unit": WARD_A})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = app
            .call("GET", "/api/v1/dossiers", Some(&"0".repeat(64)), None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "specialist.WA", "password": "wrong"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = app
            .call("GET", "/api/v1/dossiers?status=flying", Some(&desk), None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = app
            .call("GET", "/api/v1/dossiers?limit=0", Some(&desk), None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = app
            .call(
                "GET",
                "/api/v1/calendar/due?received=2025-02-30T08:00&days=3",
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count("events"), events, "{url}: nothing was written");
        // Idempotency: the same key and body give the first answer; another body is refused.
        let keyed = |body: Value| {
            Request::builder()
                .method("POST")
                .uri("/api/v1/dossiers")
                .header("authorization", format!("Bearer {desk}"))
                .header("content-type", "application/json")
                .header("idempotency-key", "k-1")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let (s1, v1, _) = app.send(keyed(reception(WARD_A))).await;
        let (s2, v2, _) = app.send(keyed(reception(WARD_A))).await;
        assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
        assert_eq!(v1["id"], v2["id"]);
        let mut other = reception(WARD_A);
        other["applicant"]["full_name"] = json!("Người khác");
        let (s3, _, _) = app.send(keyed(other)).await;
        assert_eq!(s3, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count("events"), events + 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn officials_work_through_pages_without_javascript() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let send = |method: &str, path: &str, cookie: Option<&str>, form: Option<&str>| {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "motcua.test")
            .header("origin", "http://motcua.test");
        if let Some(c) = cookie {
            b = b.header("cookie", c);
        }
        let req = match form {
            Some(f) => b
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(f.to_owned()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let app = &app;
        async move {
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let headers = res.headers().clone();
            let body =
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            (status, headers, body)
        }
    };
    // Not signed in: to the sign-in page.
    let (s, h, _) = send("GET", "/can-bo", None, None).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h["location"], "/dang-nhap?tiep=%2Fcan-bo");
    let (s, _, body) = send(
        "POST",
        "/dang-nhap",
        None,
        Some("username=reception_officer.WA&password=sai"),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        body.contains("Sai tên đăng nhập hoặc mật khẩu") && body.contains("reception_officer.WA")
    );
    let form = format!(
        "username=reception_officer.WA&password={}",
        PASSWORD
            .replace('ậ', "%E1%BA%AD")
            .replace('ẩ', "%E1%BA%A9")
            .replace('ử', "%E1%BB%AD")
            .replace('ệ', "%E1%BB%87")
    );
    let (s, h, _) = send("POST", "/dang-nhap", None, Some(&form)).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "signed in");
    let cookie = h["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(h["set-cookie"].to_str().unwrap().contains("HttpOnly"));
    // Counter: choose the procedure, then receive.
    let (s, _, body) = send(
        "GET",
        "/can-bo/tiep-nhan?thu_tuc=1.001612",
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Giấy đề nghị") && body.contains(&format!("value=\"{WARD_A}\"")));
    let bad = format!("procedure_code=1.001612&unit={WARD_A}&full_name=Tr%E1%BA%A7n+A&phone=12");
    let (s, _, body) = send("POST", "/can-bo/tiep-nhan", Some(&cookie), Some(&bad)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("field-error") && body.contains("8 đến 15 chữ số"),
        "the error sits next to the phone field"
    );
    assert_eq!(app.count("events"), 0, "nothing was written");
    let good = format!(
        "procedure_code=1.001612&unit={WARD_A}&paper_0=1&paper_0_name=Gi%E1%BA%A5y+%C4%91%E1%BB%81+ngh%E1%BB%8B&paper_0_kind=original&paper_0_copies=1&full_name=Tr%E1%BA%A7n+A&phone=0905000111"
    );
    let (s, h, _) = send("POST", "/can-bo/tiep-nhan", Some(&cookie), Some(&good)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let receipt = h["location"].to_str().unwrap().to_owned();
    assert!(receipt.ends_with("/phieu-tiep-nhan"), "{receipt}");
    let (s, _, body) = send("GET", &receipt, Some(&cookie), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
            && body.contains(&format!("{WARD_A}-"))
            && body.contains("<svg")
    );
    // The dossier page offers the desk's actions; a stale version is refused with the reason shown.
    let dossier = receipt.trim_end_matches("/phieu-tiep-nhan").to_owned();
    let (s, _, body) = send("GET", &dossier, Some(&cookie), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("Chuyển hồ sơ") && !body.contains("Phê duyệt, có kết quả"),
        "only what this role may do"
    );
    let (s, _, body) = send(
        "POST",
        &format!("{dossier}/hand-over"),
        Some(&cookie),
        Some(&format!("version=9&to_unit={WARD_A}")),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(body.contains("phiên bản"), "version conflict explained");
    // Handing it to a person of another unit is refused; to the ward's specialist, accepted.
    let person = |name: String| {
        sync(|| {
            app.store
                .store
                .read(|tx| org::credentials(tx, &name))
                .unwrap()
                .unwrap()
                .0
        })
    };
    let outsider = person(format!("specialist.{WARD_B}"));
    let (s, _, body) = send(
        "POST",
        &format!("{dossier}/hand-over"),
        Some(&cookie),
        Some(&format!("version=1&to_unit={WARD_A}&to_staff={outsider}")),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("người nhận không làm việc tại đơn vị"));
    let specialist = person(format!("specialist.{WARD_A}"));
    let (s, h, _) = send(
        "POST",
        &format!("{dossier}/hand-over"),
        Some(&cookie),
        Some(&format!("version=1&to_unit={WARD_A}&to_staff={specialist}")),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "handed over");
    assert!(h["location"].to_str().unwrap().contains("?ok=hand-over"));
    let (s, _, body) = send(
        "GET",
        &format!("{dossier}/mau/kiem-soat"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{dossier}: {body}");
    assert!(
        body.contains("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ")
            && (body.contains("Đúng hạn") || body.contains("Trước hạn")),
        "{body}"
    );
    let (s, _, _) = send("GET", &format!("{dossier}/mau/04"), Some(&cookie), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "no apology, no form 04");
    let (_, _, body) = send("GET", "/can-bo?hang=dang-xu-ly", Some(&cookie), None).await;
    assert!(body.contains(&format!("{WARD_A}-")), "the queue lists it");
    let theirs = app.login(&format!("specialist.{WARD_A}")).await;
    let (_, _, body) = send(
        "GET",
        "/can-bo?hang=cua-toi",
        Some(&format!("motcua_session={theirs}")),
        None,
    )
    .await;
    assert!(
        body.contains(&format!("{WARD_A}-")),
        "the specialist finds it under 'handed to me'"
    );
    let (_, _, body) = send("GET", "/can-bo?hang=cua-toi", Some(&cookie), None).await;
    assert!(!body.contains(&format!("{WARD_A}-")), "the desk does not");
    let (_, _, body) = send(
        "GET",
        "/can-bo?hang=dang-xu-ly&thu_tuc=1.001612",
        Some(&cookie),
        None,
    )
    .await;
    assert!(
        body.contains(&format!("{WARD_A}-")),
        "filtered by its procedure"
    );
    let (_, _, body) = send(
        "GET",
        "/can-bo?hang=dang-xu-ly&thu_tuc=9.999999",
        Some(&cookie),
        None,
    )
    .await;
    assert!(!body.contains(&format!("{WARD_A}-")), "and not by another");
    // A cross-site form post with the cookie is refused.
    let req = Request::builder()
        .method("POST")
        .uri(format!("{dossier}/withdraw"))
        .header("host", "motcua.test")
        .header("origin", "http://evil.test")
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("version=2&reason=x"))
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (s, _, body) = send("GET", "/can-bo/tong-quan", Some(&cookie), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("<svg") && body.contains("Đơn vị WA"),
        "the overview with its chart"
    );
    let (s, _, body) = send("GET", "/thong-ke", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("Đơn vị WA") && !body.contains("Trần A"),
        "public figures, no names"
    );
    let (s, h, _) = send("POST", "/dang-xuat", Some(&cookie), None).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(h["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let (s, _, _) = send("GET", "/can-bo", Some(&cookie), None).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the session is gone");
}

#[tokio::test(flavor = "multi_thread")]
async fn hand_over_offers_the_people_who_act_next_and_the_history_says_who_what_and_why() {
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
        let specialist = app.staff_id(&format!("specialist.{WARD_A}"));
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/hand-over"),
                Some(&desk),
                Some(
                    json!({"version": v["version"], "to_unit": WARD_A, "to_staff": specialist,
                            "note": "Đủ giấy tờ, chuyển thẩm định"}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let (s, _, page) = app
            .page(&format!("/can-bo/ho-so/{id}"), None, &leader)
            .await;
        assert_eq!(s, StatusCode::OK);
        let select = page
            .split("name=\"to_staff\"")
            .nth(1)
            .and_then(|p| p.split("</select>").next())
            .expect("a hand-over form with recipients");
        let ids_offered: Vec<i64> = select
            .split("value=\"")
            .skip(1)
            .filter_map(|o| o.split('"').next().and_then(|v| v.parse().ok()))
            .collect();
        let of_ward = |w: &str| {
            ["reception_officer", "specialist", "unit_leader"]
                .iter()
                .map(|r| app.staff_id(&format!("{r}.{w}")))
                .collect::<Vec<_>>()
        };
        for id in of_ward(WARD_A) {
            assert!(
                ids_offered.contains(&id),
                "{url}: {id} of the holding ward offered"
            );
        }
        for id in of_ward(WARD_B) {
            assert!(
                !ids_offered.contains(&id),
                "{url}: {id} of another ward, which has no part in this procedure, is not offered"
            );
        }
        let history = page
            .split("<ol>")
            .last()
            .and_then(|h| h.split("</ol>").next())
            .unwrap();
        assert!(
            history.contains("Chuyển hồ sơ · Cán bộ thử · →")
                && history.contains("Đủ giấy tờ, chuyển thẩm định"),
            "{url}: {history}"
        );
    }
}

/// Staff find a dossier by code, ID number, phone or name, only where they may see personal data;
/// the unit administrator erases an applicant's personal data and every page then shows the mark.
#[tokio::test(flavor = "multi_thread")]
async fn staff_search_and_the_erasure_of_an_applicants_personal_data() {
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
        let version = v["version"].as_i64().unwrap();
        let code = v["code"].as_str().unwrap().to_owned();
        let link = format!("/can-bo/ho-so/{id}\"");
        // By code (lower case too), ID number, phone however typed, part of the name.
        for term in [
            code.to_lowercase(),
            "066090001234".into(),
            "0905-111-222".into(),
            "văn thử".into(),
        ] {
            let q: String = form_urlencoded::byte_serialize(term.as_bytes()).collect();
            let (s, _, body) = app.page(&format!("/can-bo?tim={q}"), None, &desk).await;
            assert_eq!(s, StatusCode::OK);
            assert!(
                body.contains(&link),
                "{url}: '{term}' did not find the dossier"
            );
        }
        let (_, _, body) = app.page("/can-bo?tim=0999888777", None, &desk).await;
        assert!(!body.contains(&link), "{url}: another phone found it");
        // Another ward's officer finds nothing, not even by code.
        let other = app.login(&format!("reception_officer.{WARD_B}")).await;
        for term in [code.as_str(), "066090001234"] {
            let (_, _, body) = app.page(&format!("/can-bo?tim={term}"), None, &other).await;
            assert!(!body.contains(&link), "{url}: a stranger found {term}");
        }

        // A data subject's export: the unit administrator's, of the unit's dossiers only.
        let admin = app.login(&format!("unit_admin.{WARD_A}")).await;
        let export = "/api/v1/personal-data?id_number=066090001234";
        let (s, v) = app.call("GET", export, Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        assert_eq!(v["dossiers"][0]["id"], id, "{v}");
        assert_eq!(v["dossiers"][0]["applicant"]["full_name"], "Nguyễn Văn Thử");
        let (s, _) = app.call("GET", export, Some(&desk), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}: the desk exports nothing");
        let other_admin = app.login(&format!("unit_admin.{WARD_B}")).await;
        let (_, v) = app.call("GET", export, Some(&other_admin), None).await;
        assert_eq!(
            v["dossiers"],
            json!([]),
            "{url}: another ward's administrator"
        );
        let (s, _) = app
            .call("GET", "/api/v1/personal-data", Some(&admin), None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        // Erasure: the unit administrator's act, with its grounds; not the desk's.
        let path = format!("/api/v1/dossiers/{id}/erase-personal-data");
        let body = json!({"version": version, "reason": "Đơn yêu cầu xóa dữ liệu số 12/2026"});
        let (s, _) = app
            .call("POST", &path, Some(&desk), Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}");
        let (s, v) = app
            .call(
                "POST",
                &path,
                Some(&admin),
                Some(json!({"version": version, "reason": ""})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        let (s, v) = app.call("POST", &path, Some(&admin), Some(body)).await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        assert_eq!(v["event"], "personal_data_erased");
        // Every page and form shows the mark; nothing shows the data; the log verifies.
        for page in [
            format!("/can-bo/ho-so/{id}"),
            format!("/can-bo/ho-so/{id}/phieu-tiep-nhan"),
        ] {
            let (s, _, body) = app.page(&page, None, &desk).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            assert!(
                body.contains("đã xóa theo yêu cầu"),
                "{url}: {page}: {body}"
            );
            for gone in [
                "Nguyễn Văn Thử",
                "066090001234",
                "0905111222",
                "Tổ 1, phường A",
            ] {
                assert!(!body.contains(gone), "{url}: {page} still shows {gone}");
            }
        }
        let (_, _, body) = app.page("/can-bo?tim=066090001234", None, &desk).await;
        assert!(!body.contains(&link), "{url}: the index still knows the ID");
        let (_, v) = app.call("GET", export, Some(&admin), None).await;
        assert_eq!(v["dossiers"], json!([]), "{url}: exported after erasure");
        let (_, _, body) = app.page(&format!("/can-bo/ho-so/{id}"), None, &admin).await;
        assert!(
            !body.contains("erase-personal-data"),
            "{url}: erasure offered twice"
        );
        let report = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::ledger::verify(tx, &[]))
                .unwrap()
        });
        assert!(report.findings.is_empty(), "{url}: {:?}", report.findings);
    }
}
