//! Who may do what, by role and unit, through the API and the pages.

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn authorization_matrix() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let admin_a = app.login(&format!("reception_officer.{WARD_A}")).await;
    let mut tokens = vec![];
    for role in ROLES {
        for u in [WARD_A, WARD_B] {
            tokens.push((role, u, app.login(&format!("{}.{u}", role.as_str())).await));
        }
    }
    // One dossier at each step kind, all in ward A.
    let new_dossier = || async {
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&admin_a),
                Some(reception(WARD_A)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        v["id"].as_i64().unwrap()
    };
    for (role, u, token) in &tokens {
        let own = *u == WARD_A;
        // Reception at ward A: desk officers of ward A only.
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(token),
                Some(reception(WARD_A)),
            )
            .await;
        let expected = *role == Role::ReceptionOfficer && own;
        assert_eq!(s.is_success(), expected, "{role:?}@{u} receive: {s}");
        // Viewing a ward A dossier: every role that views dossiers, in its own unit.
        let id = new_dossier().await;
        let (s, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(token), None)
            .await;
        assert_eq!(s.is_success(), own, "{role:?}@{u} view: {s}");
        if s.is_success() {
            let personal = matches!(
                role,
                Role::ReceptionOfficer | Role::Specialist | Role::UnitLeader
            );
            assert_eq!(
                v["dossier"]["applicant"]["full_name"],
                if personal {
                    "Nguyễn Văn Thử"
                } else {
                    "N***** V** T**"
                },
                "{role:?} personal data"
            );
            assert_eq!(
                v.to_string().contains("0905111222"),
                personal,
                "{role:?} phone"
            );
        }
        // First hand-over: the desk's job.
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/hand-over"),
                Some(token),
                Some(json!({"version": 1, "to_unit": WARD_A})),
            )
            .await;
        assert_eq!(
            s.is_success(),
            *role == Role::ReceptionOfficer && own,
            "{role:?}@{u} first hand-over: {s}"
        );
        if !s.is_success() {
            app.call(
                "POST",
                &format!("/api/v1/dossiers/{id}/hand-over"),
                Some(&admin_a),
                Some(json!({"version": 1, "to_unit": WARD_A})),
            )
            .await;
        }
        // Processing: specialists and leaders of the holding unit.
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/pause"),
                Some(token),
                Some(
                    json!({"version": 2, "pause": "financial_obligation", "reason": "Chờ nộp phí"}),
                ),
            )
            .await;
        assert_eq!(
            s.is_success(),
            matches!(role, Role::Specialist | Role::UnitLeader) && own,
            "{role:?}@{u} pause: {s}"
        );
        let version = if s.is_success() { 3 } else { 2 };
        if s.is_success() {
            let leader = &tokens
                .iter()
                .find(|t| t.0 == Role::UnitLeader && t.1 == WARD_A)
                .unwrap()
                .2;
            app.call(
                "POST",
                &format!("/api/v1/dossiers/{id}/resume"),
                Some(leader),
                Some(json!({"version": 3})),
            )
            .await;
        }
        // Deciding: leaders of the holding unit.
        let version = if version == 3 { 4 } else { 2 };
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/result-ready"),
                Some(token),
                Some(json!({"version": version})),
            )
            .await;
        assert_eq!(
            s.is_success(),
            *role == Role::UnitLeader && own,
            "{role:?}@{u} decide: {s}"
        );
        // Lists are scoped: nobody outside ward A sees ward A's dossiers.
        let (s, v) = app
            .call("GET", "/api/v1/dossiers?limit=500", Some(token), None)
            .await;
        assert!(s.is_success());
        let seen_a = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["unit"] == WARD_A);
        assert_eq!(seen_a, own, "{role:?}@{u} list");
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/dossiers?unit={WARD_A}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(s.is_success(), own, "{role:?}@{u} list other unit");
    }
    // Public endpoints carry no personal data.
    for path in [
        "/api/v1/units",
        "/api/v1/procedures",
        "/api/v1/openapi.json",
    ] {
        let (s, v) = app.call("GET", path, None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!v.to_string().contains("Nguyễn Văn Thử"));
    }
}

/// Every role at ward A or ward B against every staff page of a ward A dossier: allowed or refused
/// as designed, and refused requests change nothing.
#[tokio::test(flavor = "multi_thread")]
async fn staff_pages_authorization_matrix() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
    let (_, v) = app
        .call(
            "POST",
            "/api/v1/dossiers",
            Some(&desk),
            Some(reception(WARD_A)),
        )
        .await;
    let id = v["id"].as_i64().unwrap();
    let get = |path: String, token: String| {
        let req = Request::builder()
            .uri(path)
            .header("cookie", format!("motcua_session={token}"))
            .body(Body::empty())
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
    let events = app.count("events");
    for role in ROLES {
        for unit in [WARD_A, WARD_B] {
            let token = app.login(&format!("{}.{unit}", role.as_str())).await;
            let own = unit == WARD_A;
            let sees = own; // every role may view dossiers of its own unit
            let personal = own
                && matches!(
                    role,
                    Role::ReceptionOfficer | Role::Specialist | Role::UnitLeader
                );
            let (s, body) = get(format!("/can-bo/ho-so/{id}"), token.clone()).await;
            assert_eq!(s.is_success(), sees, "{role:?}@{unit} dossier page: {s}");
            if sees {
                assert_eq!(
                    body.contains("0905111222"),
                    personal,
                    "{role:?}@{unit} personal data"
                );
                // Only the desk may hand the dossier over at reception.
                assert_eq!(
                    body.contains("/hand-over\""),
                    role == Role::ReceptionOfficer,
                    "{role:?} actions"
                );
            }
            // Every page that shows the applicant shows the name in full only with the right to
            // personal data, masked otherwise, and each unmasked view is logged.
            for page in [
                "/can-bo?hang=dang-xu-ly".to_owned(),
                format!("/can-bo/ho-so/{id}"),
                format!("/can-bo/ho-so/{id}/phieu-tiep-nhan"),
                format!("/can-bo/ho-so/{id}/mau/kiem-soat"),
            ] {
                let views = app.count("personal_data_views");
                let (s, body) = get(page.clone(), token.clone()).await;
                if !sees {
                    assert!(!body.contains("Nguyễn Văn Thử"), "{role:?}@{unit} {page}");
                    continue;
                }
                assert!(s.is_success(), "{role:?}@{unit} {page}: {s}");
                assert_eq!(
                    body.contains("Nguyễn Văn Thử"),
                    personal,
                    "{role:?}@{unit} {page}: full name"
                );
                assert_eq!(
                    body.contains("N***** V** T**"),
                    !personal,
                    "{role:?}@{unit} {page}: masked name"
                );
                assert_eq!(
                    app.count("personal_data_views") > views,
                    personal,
                    "{role:?}@{unit} {page}: logged"
                );
            }
            // The report's drill-down lists dossiers without any personal data, for every role.
            let month = chrono::Utc::now().format("%Y-%m").to_string();
            let (s, body) = get(
                format!(
                    "/can-bo/bao-cao/ho-so?don_vi={WARD_A}&tu={month}&den={month}&cot=received_desk"
                ),
                token.clone(),
            )
            .await;
            if s.is_success() {
                assert!(
                    body.contains(&format!("/can-bo/ho-so/{id}\"")),
                    "{role:?}@{unit} drill-down lists it"
                );
            }
            assert!(!body.contains("Nguyễn Văn Thử") && !body.contains("0905111222"));
            let (s, body) = get("/can-bo/tiep-nhan?thu_tuc=1.001612".into(), token.clone()).await;
            assert!(s.is_success());
            assert_eq!(
                body.contains(&format!("value=\"{WARD_A}\"")),
                role == Role::ReceptionOfficer && own,
                "{role:?}@{unit} counter units"
            );
            let (s, _) = get(format!("/can-bo/quan-tri/{WARD_A}"), token.clone()).await;
            assert_eq!(
                s.is_success(),
                matches!(role, Role::UnitAdmin | Role::SystemAdmin) && own,
                "{role:?}@{unit} administration"
            );
            let (s, body) = get("/can-bo?hang=dang-xu-ly".into(), token.clone()).await;
            assert!(s.is_success());
            assert_eq!(
                body.contains(&format!("{WARD_A}-")),
                own,
                "{role:?}@{unit} queue scope"
            );
            let (s, _) = get("/can-bo/tong-quan".into(), token.clone()).await;
            assert!(s.is_success(), "{role:?}@{unit} overview (scoped)");
        }
    }
    assert_eq!(app.count("events"), events, "looking changes nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_navigation_offers_each_role_only_pages_it_may_open() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    for role in ROLES {
        let token = app.login(&format!("{}.{WARD_A}", role.as_str())).await;
        let (s, _, body) = app.page("/can-bo", None, &token).await;
        assert_eq!(s, StatusCode::OK, "{role:?}");
        let nav = body
            .split("<nav")
            .nth(1)
            .and_then(|n| n.split("</nav>").next())
            .unwrap();
        let links: Vec<&str> = nav
            .split("href=\"")
            .skip(1)
            .map(|l| l.split('"').next().unwrap())
            .collect();
        assert!(links.contains(&"/can-bo"), "{role:?}: {links:?}");
        for link in &links {
            let (mut s, mut location, _) = app.page(link, None, &token).await;
            while s == StatusCode::SEE_OTHER {
                (s, location, _) = app.page(location.as_deref().unwrap(), None, &token).await;
            }
            assert_eq!(
                s,
                StatusCode::OK,
                "{role:?} is offered {link}, answered {s} ({location:?})"
            );
        }
        let offered = |path: &str| links.contains(&path);
        assert_eq!(
            offered("/can-bo/tiep-nhan"),
            role == Role::ReceptionOfficer,
            "{role:?}"
        );
        assert_eq!(
            offered("/can-bo/bao-cao"),
            matches!(role, Role::UnitLeader | Role::Inspector),
            "{role:?}"
        );
        assert_eq!(
            offered("/can-bo/quan-tri"),
            matches!(role, Role::UnitAdmin | Role::SystemAdmin),
            "{role:?}"
        );
        assert_eq!(
            offered("/can-bo/he-thong/don-vi"),
            role == Role::SystemAdmin,
            "{role:?}"
        );
    }
}
