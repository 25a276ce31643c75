//! Signing in with a one-time password: the session may only change it (or sign out) until it is
//! changed, through the API and the pages.

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_one_time_password_must_be_changed_first() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let name = format!("reception_officer.{WARD_A}");
        // The administrator resets the password: a new one-time password, shown once.
        let id = app.staff_id(&name);
        let one_time = sync(|| {
            app.store
                .store
                .write(|tx| motcua_store::office::reset_password(tx, id))
                .unwrap()
        });
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": name, "password": one_time})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        assert_eq!(v["must_change_password"], true);
        let token = v["token"].as_str().unwrap().to_owned();
        // Nothing else until it is changed.
        let (s, v) = app
            .call("GET", "/api/v1/dossiers", Some(&token), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert_eq!(v["type"], "urn:motcua:problem:must-change-password");
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&token),
                Some(reception(WARD_A)),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app.call("GET", "/api/v1/auth/me", Some(&token), None).await;
        assert_eq!(s, StatusCode::OK);
        let page = Request::builder()
            .uri("/can-bo")
            .header("cookie", format!("motcua_session={token}"))
            .body(Body::empty())
            .unwrap();
        let (s, _, headers) = app.send(page).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        // ... and back to the page asked for once it is changed.
        assert_eq!(headers["location"], "/doi-mat-khau?tiep=%2Fcan-bo");
        // A weak or unchanged password is refused and changes nothing.
        for (old, new) in [
            (one_time.as_str(), "ngắn"),
            (one_time.as_str(), one_time.as_str()),
            ("sai", "một mật khẩu đủ dài"),
        ] {
            let (s, v) = app
                .call(
                    "POST",
                    "/api/v1/auth/password",
                    Some(&token),
                    Some(json!({"old": old, "new": new})),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{old} -> {new}: {v}");
        }
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/auth/password",
                Some(&token),
                Some(json!({"old": one_time, "new": "một mật khẩu đủ dài"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, _) = app
            .call("GET", "/api/v1/dossiers", Some(&token), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        // The old one-time password no longer opens anything; the new one does, without conditions.
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": name, "password": one_time})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": name, "password": "một mật khẩu đủ dài"})),
            )
            .await;
        assert_eq!(
            (s, v["must_change_password"].clone()),
            (StatusCode::OK, json!(false))
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_unit_administrator_resets_a_members_password_from_the_unit_page() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let admin = app.login(&format!("unit_admin.{WARD_A}")).await;
    let member = format!("specialist.{WARD_A}");
    let id = app.staff_id(&member);
    let post = |who: &str, unit: &str| {
        Request::builder()
            .method("POST")
            .uri(format!("/can-bo/quan-tri/{unit}/mat-khau"))
            .header("cookie", format!("motcua_session={who}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(format!("staff={id}")))
            .unwrap()
    };
    // Another unit's administrator may not.
    let other = app.login(&format!("unit_admin.{WARD_B}")).await;
    let (s, _, _) = app.send(post(&other, WARD_B)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body, _) = app.send(post(&admin, WARD_A)).await;
    assert_eq!(s, StatusCode::OK);
    let body = body.as_str().unwrap().to_owned();
    let marker = "Cán bộ thử: ";
    let at = body.find(marker).expect("the new password is shown once") + marker.len();
    let otp: String = body[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '<')
        .collect();
    assert!(otp.len() >= 10, "{otp}");
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": member, "password": otp})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["must_change_password"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_returns_to_the_page_that_asked_and_never_to_another_site() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let asked = "/can-bo/bao-cao?from=2026-01-01&to=2026-06-30";
    // Without a session a page sends to the sign-in page, saying where to come back.
    let (s, location, _) = app.page(asked, None, "no-such-session").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert_eq!(
        location,
        "/dang-nhap?tiep=%2Fcan-bo%2Fbao-cao%3Ffrom%3D2026-01-01%26to%3D2026-06-30"
    );
    let (_, _, form) = app.page(&location, None, "no-such-session").await;
    assert!(
        form.contains(r#"name="tiep" value="/can-bo/bao-cao?from=2026-01-01&#38;to=2026-06-30""#),
        "{form}"
    );
    let user = format!("unit_leader.{WARD_A}");
    let sign_in = |tiep: &str| {
        format!(
            "username={user}&password={}&tiep={}",
            motcua_web_percent(PASSWORD),
            motcua_web_percent(tiep)
        )
    };
    for (tiep, expected) in [
        (asked, asked),
        ("", "/can-bo"),
        ("//evil.example/x", "/can-bo"),
        ("https://evil.example/", "/can-bo"),
        ("/\\evil.example", "/can-bo"),
        ("/dang-xuat", "/can-bo"),
    ] {
        let (s, location, body) = app.page("/dang-nhap", Some(&sign_in(tiep)), "").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{tiep}: {body}");
        assert_eq!(location.as_deref(), Some(expected), "{tiep}");
    }
}

fn motcua_web_percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
