//! Unit administrators: desks, members, postings, staff and roles.

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn unit_administrators_record_desks_members_and_postings() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let desk = sync(|| {
        app.store
            .store
            .write(|tx| {
                org::add_desk(
                    tx,
                    &motcua_domain::org::Desk {
                        id: 0,
                        unit: WARD_A.into(),
                        name: "Bộ phận Một cửa phường A".into(),
                        founding_decision: None,
                        members: vec![],
                    },
                )
            })
            .unwrap()
    });
    let token = app.login(&format!("unit_admin.{WARD_A}")).await;
    let cookie = format!("motcua_session={token}");
    let send = |method: &str, path: String, form: Option<String>, cookie: String| {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("cookie", cookie)
            .header("host", "motcua.test")
            .header("origin", "http://motcua.test");
        let req = match form {
            Some(f) => b
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(f))
                .unwrap(),
            None => {
                b = b.header("accept", "text/html");
                b.body(Body::empty()).unwrap()
            }
        };
        let app = &app;
        async move {
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let location = res
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            let body =
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            (status, location, body)
        }
    };
    let (s, location, _) = send("GET", "/can-bo/quan-tri".into(), None, cookie.clone()).await;
    assert_eq!(
        (s, location.as_deref()),
        (
            StatusCode::SEE_OTHER,
            Some(format!("/can-bo/quan-tri/{WARD_A}").as_str())
        )
    );
    let (s, _, body) = send(
        "GET",
        format!("/can-bo/quan-tri/{WARD_A}"),
        None,
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("Chưa có") && body.contains("Chưa phân công"),
        "no decision, no member yet"
    );
    // A decision dated in the future is refused and changes nothing.
    let (s, _, body) = send(
        "POST",
        format!("/can-bo/quan-tri/{WARD_A}/quyet-dinh"),
        Some(format!(
            "desk={desk}&number=12%2FQ%C4%90-UBND&date=2150-01-01&signer=Ch%E1%BB%A7+t%E1%BB%8Bch"
        )),
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("tương lai"));
    let (s, _, _) = send(
        "POST",
        format!("/can-bo/quan-tri/{WARD_A}/quyet-dinh"),
        Some(format!(
            "desk={desk}&number=12%2FQ%C4%90-UBND&date=2025-07-01&signer=Ch%E1%BB%A7+t%E1%BB%8Bch"
        )),
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, body) = send(
        "GET",
        format!("/can-bo/quan-tri/{WARD_A}"),
        None,
        cookie.clone(),
    )
    .await;
    assert!(body.contains("12/QĐ-UBND ngày 01/07/2025"), "{body}");
    let officer = sync(|| {
        app.store
            .store
            .read(|tx| org::credentials(tx, &format!("reception_officer.{WARD_A}")))
            .unwrap()
            .unwrap()
            .0
    });
    let (s, _, _) = send(
        "POST",
        format!("/can-bo/quan-tri/{WARD_A}/thanh-vien"),
        Some(format!(
            "desk={desk}&staff={officer}&duty=Ti%E1%BA%BFp+nh%E1%BA%ADn"
        )),
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = send(
        "POST",
        format!("/can-bo/quan-tri/{WARD_A}/niem-yet"),
        Some("code=1.001612&version=1".into()),
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = app
        .call(
            "GET",
            &format!("/api/v1/units/{WARD_A}/procedures"),
            None,
            None,
        )
        .await;
    assert_eq!(v["up_to_date"], true, "{v}");
    let (_, v) = app
        .call("GET", &format!("/api/v1/units/{WARD_A}"), None, None)
        .await;
    assert_eq!(
        v["desks"][0]["founding_decision"]["number"], "12/QĐ-UBND",
        "{v}"
    );
    assert_eq!(v["desks"][0]["members"], 1);
    // Another unit's administrator, or an officer, may not.
    for who in [
        format!("unit_admin.{WARD_B}"),
        format!("reception_officer.{WARD_A}"),
    ] {
        let token = app.login(&who).await;
        let (s, _, _) = send(
            "GET",
            format!("/can-bo/quan-tri/{WARD_A}"),
            None,
            format!("motcua_session={token}"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
        let (s, _, _) = send(
            "POST",
            format!("/can-bo/quan-tri/{WARD_A}/niem-yet"),
            Some("code=1.001612&version=1".into()),
            format!("motcua_session={token}"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
    }
}

/// Unit administrators add staff, give and take away roles, lock and unlock accounts, within their
/// unit only; bad input is refused next to the form and changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn unit_administrators_manage_staff_and_roles() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let token = app.login(&format!("unit_admin.{WARD_A}")).await;
    let post = |path: String, form: &str, token: &str| {
        let req = Request::builder()
            .method("POST")
            .uri(path)
            .header("cookie", format!("motcua_session={token}"))
            .header("host", "motcua.test")
            .header("origin", "http://motcua.test")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap();
        let app = &app;
        async move {
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let body =
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            (status, body)
        }
    };
    let staff_of = |username: &str| {
        sync(|| {
            app.store.store.read(|tx| {
                let all = org::list_staff(tx)?;
                Ok(all.into_iter().find(|s| s.username == username))
            })
        })
        .unwrap()
    };
    let add = format!("/can-bo/quan-tri/{WARD_A}/can-bo");
    let before = app.count("staff");
    for (form, says) in [
        (
            "username=A+B&full_name=X&title=&password=long-enough-1&role=specialist",
            "tên đăng nhập",
        ),
        (
            "username=nguyen.an&full_name=&title=&password=long-enough-1&role=specialist",
            "họ tên",
        ),
        (
            "username=nguyen.an&full_name=An&title=&password=short&role=specialist",
            "mật khẩu",
        ),
        (
            "username=nguyen.an&full_name=An&title=&password=long-enough-1&role=system_admin",
            "vai trò",
        ),
        (
            "username=nguyen.an&full_name=An&title=&password=long-enough-1&role=nonsense",
            "vai trò",
        ),
        (
            &format!(
                "username=specialist.{WARD_A}&full_name=An&title=&password=long-enough-1&role=specialist"
            ),
            "đã tồn tại",
        ),
    ] {
        let (s, body) = post(add.clone(), form, &token).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{form}");
        assert!(
            body.contains(says) && body.contains("error-summary"),
            "{form}: {says}"
        );
    }
    assert_eq!(app.count("staff"), before, "refused forms add nobody");
    let (s, _) = post(
        add.clone(),
        "username=nguyen.an&full_name=Nguy%E1%BB%85n+An&title=Chuy%C3%AAn+vi%C3%AAn&password=long-enough-1&role=specialist",
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let an = staff_of("nguyen.an").expect("added");
    assert_eq!(
        an.grants,
        vec![Grant {
            role: Role::Specialist,
            unit: WARD_A.into()
        }]
    );
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "nguyen.an", "password": "long-enough-1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "the new account signs in: {v}");
    let an_token = v["token"].as_str().unwrap().to_owned();
    // Roles: give one, take it away; the last one cannot be taken (lock instead).
    let role = format!("/can-bo/quan-tri/{WARD_A}/vai-tro");
    let (s, _) = post(
        role.clone(),
        &format!("staff={}&role=unit_leader&op=them", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(staff_of("nguyen.an").unwrap().grants.len(), 2);
    let (s, _) = post(
        role.clone(),
        &format!("staff={}&role=unit_leader&op=bo", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, body) = post(
        role.clone(),
        &format!("staff={}&role=specialist&op=bo", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("vai trò cuối cùng"));
    assert_eq!(staff_of("nguyen.an").unwrap().grants.len(), 1);
    // Not oneself, and not someone of another unit.
    let me = staff_of(&format!("unit_admin.{WARD_A}")).unwrap();
    let (s, _) = post(
        format!("/can-bo/quan-tri/{WARD_A}/khoa"),
        &format!("staff={}&active=false", me.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let other = staff_of(&format!("specialist.{WARD_B}")).unwrap();
    let (s, _) = post(
        format!("/can-bo/quan-tri/{WARD_A}/khoa"),
        &format!("staff={}&active=false", other.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = post(
        role.clone(),
        &format!("staff={}&role=unit_admin&op=them", other.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(staff_of(&format!("specialist.{WARD_B}")).unwrap().active);
    // Another unit's administrator cannot add staff here.
    let b_token = app.login(&format!("unit_admin.{WARD_B}")).await;
    let (s, _) = post(
        add.clone(),
        "username=intruder&full_name=X&title=&password=long-enough-1&role=unit_admin",
        &b_token,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(staff_of("intruder").is_none());
    // Locking ends the account's sessions and sign-ins; unlocking restores sign-in.
    let (s, _) = post(
        format!("/can-bo/quan-tri/{WARD_A}/khoa"),
        &format!("staff={}&active=false", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _) = app
        .call("GET", "/api/v1/auth/me", Some(&an_token), None)
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the locked account's session ended"
    );
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "nguyen.an", "password": "long-enough-1"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = post(
        format!("/can-bo/quan-tri/{WARD_A}/khoa"),
        &format!("staff={}&active=true", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "nguyen.an", "password": "long-enough-1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn system_administrators_add_rename_and_close_units_within_their_reach() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let admin = app.login(&format!("system_admin.{WARD_A}")).await;
        let units = |tx: &mut dyn motcua_store::Tx| org::units(tx);
        let before = sync(|| app.store.store.read(units).unwrap());
        let changes_before = app.count("org_changes");

        let (s, _, body) = app.page("/can-bo/he-thong/don-vi", None, &admin).await;
        assert_eq!(s, StatusCode::OK, "{url}");
        assert!(
            body.contains(WARD_A) && !body.contains(">WB<"),
            "{url}: {body}"
        );

        // Refusals, each changing nothing: a parent out of reach, a code taken, a date that is
        // not a date, an unknown successor, a unit admin who is no system administrator.
        let refused = [
            (
                "them",
                "code=WA.X&name=Tổ+một+cửa&level=department&parent=WB&valid_from=2026-01-01",
                StatusCode::FORBIDDEN,
                "quyền",
            ),
            (
                "them",
                "code=WB&name=Trùng&level=department&parent=WA&valid_from=2026-01-01",
                StatusCode::UNPROCESSABLE_ENTITY,
                "đã tồn tại",
            ),
            (
                "them",
                "code=WA.X&name=Tổ&level=department&parent=WA&valid_from=2026-02-30",
                StatusCode::UNPROCESSABLE_ENTITY,
                "YYYY-MM-DD",
            ),
            (
                "them",
                "code=WA.X&name=Tổ&level=village&parent=WA&valid_from=2026-01-01",
                StatusCode::UNPROCESSABLE_ENTITY,
                "cấp đơn vị",
            ),
            (
                "thoi-hoat-dong",
                "code=WA&last_day=2026-06-30&successors=NOPE",
                StatusCode::UNPROCESSABLE_ENTITY,
                "NOPE",
            ),
            (
                "doi-ten",
                "code=WB&name=Khác",
                StatusCode::FORBIDDEN,
                "quyền",
            ),
        ];
        for (op, form, status, words) in refused {
            let (s, _, body) = app
                .page(&format!("/can-bo/he-thong/don-vi/{op}"), Some(form), &admin)
                .await;
            assert_eq!(s, status, "{url} {op} {form}: {body}");
            assert!(body.contains(words), "{url} {op} {form}: {body}");
        }
        let unit_admin = app.login(&format!("unit_admin.{WARD_A}")).await;
        let (s, _, _) = app.page("/can-bo/he-thong/don-vi", None, &unit_admin).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}");
        assert_eq!(
            sync(|| app.store.store.read(units).unwrap()),
            before,
            "{url}"
        );
        assert_eq!(app.count("org_changes"), changes_before, "{url}");

        // Add, rename, close naming a successor outside the caller's reach.
        for (op, form) in [
            (
                "them",
                "code=WA.TN&name=Tổ+tiếp+nhận&level=department&parent=WA&valid_from=2026-01-01",
            ),
            ("doi-ten", "code=WA.TN&name=Tổ+tiếp+nhận+và+trả+kết+quả"),
            (
                "thoi-hoat-dong",
                "code=WA.TN&last_day=2026-11-30&successors=WB",
            ),
        ] {
            let (s, location, body) = app
                .page(&format!("/can-bo/he-thong/don-vi/{op}"), Some(form), &admin)
                .await;
            assert_eq!(s, StatusCode::SEE_OTHER, "{url} {op}: {body}");
            assert_eq!(location.as_deref(), Some("/can-bo/he-thong/don-vi?ok=1"));
        }
        let made = sync(|| {
            app.store
                .store
                .read(|tx| org::get_unit(tx, "WA.TN"))
                .unwrap()
        });
        assert_eq!(made.name, "Tổ tiếp nhận và trả kết quả");
        assert_eq!(made.parent.as_deref(), Some(WARD_A));
        assert_eq!(made.valid_to, NaiveDate::from_ymd_opt(2026, 11, 30));
        assert_eq!(made.successors, vec![WARD_B.to_owned()]);
        let record = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::office::org_changes(tx, 10))
                .unwrap()
        });
        let kinds: Vec<(&str, &str, &str)> = record
            .iter()
            .map(|c| (c.change.as_str(), c.actor.as_str(), c.source.as_str()))
            .collect();
        let actor = format!("system_admin.{WARD_A}");
        assert_eq!(
            kinds,
            vec![
                ("closed", actor.as_str(), "web"),
                ("renamed", actor.as_str(), "web"),
                ("created", actor.as_str(), "web"),
            ],
            "{url}"
        );
        // Closing it twice is refused; the page shows the record.
        let (s, _, body) = app
            .page(
                "/can-bo/he-thong/don-vi/thoi-hoat-dong",
                Some("code=WA.TN&last_day=2026-12-01"),
                &admin,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert!(body.contains("đã thôi hoạt động"), "{url}");
        let (_, _, body) = app
            .page("/can-bo/he-thong/don-vi?q=tiep+nhan", None, &admin)
            .await;
        assert!(
            body.contains("WA.TN")
                && body.contains("30/11/2026")
                && body.contains("Thôi hoạt động"),
            "{url}"
        );
    }
}
