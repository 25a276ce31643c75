//! Errors at the edge: every problem the API answers keeps Vietnamese and English apart, bad paths
//! and queries are problem+json like every other refusal, a stale version is a conflict before any
//! question of permission, and another unit's officer cannot tell which ids exist.

use crate::support::*;

/// A Vietnamese letter (anything alphabetic outside ASCII) or the old "vi / en" join.
fn mixed(detail_en: &str) -> bool {
    detail_en
        .chars()
        .any(|c| c.is_alphabetic() && !c.is_ascii())
        || detail_en.contains(" / ")
}

async fn check(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Option<Value>) {
    let (s, v) = app.call(method, path, token, body).await;
    if s.as_u16() >= 400 {
        let en = v["detail_en"].as_str().unwrap_or_else(|| {
            panic!("{method} {path} -> {s} is not a problem: {v}");
        });
        assert!(!mixed(en), "{method} {path} -> {s}: detail_en {en:?}");
        assert!(
            v["detail"].as_str().is_some_and(|d| !d.contains(" / ")),
            "{method} {path} -> {s}: detail {v}"
        );
        // The Vietnamese detail is Vietnamese: the framework's English stays in detail_en.
        let vi = v["detail"].as_str().unwrap_or_default();
        for framework in [
            "Failed to",
            "missing field",
            "invalid type",
            "expected",
            "at line",
        ] {
            assert!(
                !vi.contains(framework),
                "{method} {path} -> {s}: detail {vi:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_problem_keeps_the_two_languages_apart() {
    let url = sync(test_db_urls).remove(0);
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
    let (_, doc) = app.call("GET", "/api/v1/openapi.json", None, None).await;
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let m = method.to_uppercase();
            for concrete in [
                path.replace("{id}", "abc").replace("{code}", "KHONG-CO"),
                path.replace("{id}", "999999").replace("{code}", "X.0"),
                path.replace("{id}", &id.to_string())
                    .replace("{code}", WARD_B),
            ] {
                for token in [None, Some(desk.as_str())] {
                    check(&app, &m, &concrete, token, None).await;
                    check(&app, &m, &concrete, token, Some(json!({}))).await;
                    check(
                        &app,
                        &m,
                        &concrete,
                        token,
                        Some(json!({"version": "x", "unit": 5})),
                    )
                    .await;
                    check(
                        &app,
                        &m,
                        &format!("{concrete}?limit=0&date=x&from=x&to=y&received=z&year=abc&on=1"),
                        token,
                        None,
                    )
                    .await;
                    tried += 4;
                }
            }
        }
    }
    assert!(tried > 400, "{tried}");
    // The battery signed the officer out along the way (POST /auth/logout).
    let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
    // The cases that used to garble: an unknown dossier, an unknown person to hand over to.
    let (s, v) = app
        .call("GET", "/api/v1/dossiers/999999", Some(&desk), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["detail_en"], "dossier 999999 not found");
    assert_eq!(v["detail"], "không tìm thấy hồ sơ 999999");
    let (s, v) = app
        .call("GET", "/api/v1/dossiers/abc", Some(&desk), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["type"], "urn:motcua:problem:bad-path", "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn existence_does_not_leak_and_stale_versions_conflict_first() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let other = app.login(&format!("reception_officer.{WARD_B}")).await;
        let (_, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk),
                Some(reception(WARD_A)),
            )
            .await;
        let id = v["id"].as_i64().unwrap();
        let version = v["version"].as_i64().unwrap();
        // Another unit's officer gets the same answer for a dossier that exists and one that does not.
        let (s1, v1) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(&other), None)
            .await;
        let (s2, _) = app
            .call("GET", "/api/v1/dossiers/999999", Some(&other), None)
            .await;
        assert_eq!(
            (s1, s2),
            (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
            "{v1}"
        );
        let body = json!({"version": version, "to_unit": WARD_A});
        let (s1, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/hand-over"),
                Some(&other),
                Some(body.clone()),
            )
            .await;
        let (s2, _) = app
            .call(
                "POST",
                "/api/v1/dossiers/999999/hand-over",
                Some(&other),
                Some(body),
            )
            .await;
        assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
        // An unknown person and a person of another unit get the same refusal.
        let stranger = app.staff_id(&format!("specialist.{WARD_B}"));
        let mut answers = vec![];
        for person in [stranger, 999_999] {
            let (s, v) = app
                .call(
                    "POST",
                    &format!("/api/v1/dossiers/{id}/hand-over"),
                    Some(&desk),
                    Some(json!({"version": version, "to_unit": WARD_A, "to_staff": person})),
                )
                .await;
            answers.push((s, v["detail_en"].clone()));
        }
        assert_eq!(answers[0], answers[1]);
        assert_eq!(answers[0].0, StatusCode::UNPROCESSABLE_ENTITY);
        // Twenty hand-overs at one version: one goes through, nineteen are told it changed.
        let events = app.count("events");
        let path = format!("/api/v1/dossiers/{id}/hand-over");
        let calls = (0..20).map(|_| {
            app.call(
                "POST",
                &path,
                Some(&desk),
                Some(json!({"version": version, "to_unit": WARD_A})),
            )
        });
        let mut statuses: Vec<u16> = futures_statuses(calls).await;
        statuses.sort_unstable();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{url}: {statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 409).count(),
            19,
            "{url}: {statuses:?}"
        );
        assert_eq!(app.count("events"), events + 1);
    }
}

async fn futures_statuses<F: std::future::Future<Output = (StatusCode, Value)>>(
    calls: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<F> = calls.collect();
    let mut out = vec![];
    // Polled together on one task: the router serialises the writes through the store.
    let joined = join_all(handles).await;
    for (s, _) in joined {
        out.push(s.as_u16());
    }
    out
}

async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(Option::unwrap).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn control_characters_and_impossible_dates_are_refused_at_the_edge() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let events = app.count("events");
        let mut bad = reception(WARD_A);
        bad["applicant"]["full_name"] = json!("Nguyễn\u{0}Văn");
        let cases: Vec<(&str, String, Option<&str>, Option<Value>)> = vec![
            (
                "POST",
                "/api/v1/auth/login".into(),
                None,
                Some(json!({"username": "a\u{0}b", "password": "x"})),
            ),
            ("POST", "/api/v1/dossiers".into(), Some(&desk), Some(bad)),
            (
                "GET",
                "/api/v1/dossiers?procedure=x%00y".into(),
                Some(&desk),
                None,
            ),
            ("GET", "/api/v1/procedures?q=%01".into(), None, None),
            (
                "GET",
                "/api/v1/dossiers?received_from=-262143-01-01".into(),
                Some(&desk),
                None,
            ),
            (
                "GET",
                "/api/v1/dossiers?received_to=262143-12-31".into(),
                Some(&desk),
                None,
            ),
            (
                "GET",
                "/api/v1/calendar/due?received=9999-12-31T23:59&days=30".into(),
                None,
                None,
            ),
            (
                "GET",
                "/api/v1/reports?from=-262143-01&to=2026-01".into(),
                Some(&leader),
                None,
            ),
            (
                "POST",
                "/api/v1/dossiers/1/apologize".into(),
                Some(&leader),
                Some(
                    json!({"version": 1, "reason": "x", "new_appointment": "+262143-01-01T00:00"}),
                ),
            ),
        ];
        for (method, path, token, body) in cases {
            let (s, v) = app.call(method, &path, token, body).await;
            assert_eq!(
                s,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{url} {method} {path}: {v}"
            );
            assert!(!mixed(v["detail_en"].as_str().unwrap()), "{v}");
        }
        // A page form with a NUL: refused in words, nothing signed in.
        let req = Request::builder()
            .method("POST")
            .uri("/dang-nhap")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("username=a%00b&password=x"))
            .unwrap();
        let (s, _, _) = app.send(req).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // Ordinary text with tabs, line breaks and a phone written with dashes passes.
        let mut ok = reception(WARD_A);
        ok["applicant"]["phone"] = json!("0905-111-222");
        ok["applicant"]["address"] = json!("Tổ 1,\nphường A");
        let (s, v) = app
            .call("POST", "/api/v1/dossiers", Some(&desk), Some(ok))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(
            app.count("events"),
            events + 1,
            "{url}: only the good one was written"
        );
    }
}

/// What a person reads on a page: the text between the tags (scripts and styles left out).
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut skipping = false;
    let lower = html.to_lowercase();
    let mut i = 0;
    let bytes: Vec<char> = html.chars().collect();
    let lower: Vec<char> = lower.chars().collect();
    while i < bytes.len() {
        let rest: String = lower[i..lower.len().min(i + 8)].iter().collect();
        if rest.starts_with("<style") || rest.starts_with("<script") {
            skipping = true;
        }
        if rest.starts_with("</style") || rest.starts_with("</script") {
            skipping = false;
        }
        match bytes[i] {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag && !skipping => out.push(c),
            _ => {}
        }
        i += 1;
    }
    out
}

/// Words of the code that must never reach a reader: action keys, event and status names, and
/// the framework's own error texts.
const INTERNAL: &[&str] = &[
    "hand-over",
    "request-supplement",
    "result-ready",
    "return-unsupplemented",
    "handed_over",
    "supplement_requested",
    "result_ready",
    "must-change-password",
    "Failed to deserialize",
    "Failed to parse",
    "missing field",
    "invalid type",
    "unknown variant",
    "Expected request with",
    "panicked",
    "urn:motcua",
];

fn leaks(text: &str) -> Vec<&'static str> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || ",.;:()«»\"'".contains(c))
        .collect();
    INTERNAL
        .iter()
        .copied()
        .filter(|w| {
            if w.contains(' ') {
                text.contains(w)
            } else {
                words.contains(w)
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_page_shows_an_internal_name_or_a_framework_message() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
    // A dossier that has been through several actions, so its page, history and notices show them.
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
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/dossiers/{id}/hand-over"),
            Some(&desk),
            Some(json!({"version": v["version"], "to_unit": WARD_A, "note": "chuyển"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut pages: Vec<(String, String, Option<&str>)> = vec![];
    for role in ROLES {
        let token = app.login(&format!("{}.{WARD_A}", role.as_str())).await;
        for path in [
            "/can-bo".to_owned(),
            "/can-bo/tiep-nhan".to_owned(),
            "/can-bo/tong-quan".to_owned(),
            "/can-bo/bao-cao".to_owned(),
            "/can-bo/kiem-tra".to_owned(),
            format!("/can-bo/quan-tri/{WARD_A}"),
            "/can-bo/he-thong/don-vi".to_owned(),
            format!("/can-bo/ho-so/{id}"),
            format!("/can-bo/ho-so/{id}?ok=hand-over"),
            format!("/can-bo/ho-so/{id}/phieu-tiep-nhan"),
            format!("/can-bo/ho-so/{id}/mau/06"),
            // A form's target asked as a page: the error page, not the framework's empty 405.
            format!("/can-bo/ho-so/{id}/hand-over"),
            "/can-bo/ho-so/999999".to_owned(),
        ] {
            pages.push((token.clone(), path, None));
        }
        // Forms sent wrong: a missing field, a number that is not one.
        for (path, form) in [
            (
                format!("/can-bo/quan-tri/{WARD_A}/khoa"),
                "staff=abc&active=maybe",
            ),
            (
                format!("/can-bo/quan-tri/{WARD_A}/vai-tro"),
                "role=specialist",
            ),
            (format!("/can-bo/quan-tri/{WARD_A}/quyet-dinh"), "desk=1"),
            ("/can-bo/he-thong/don-vi/them".to_owned(), "code=X"),
            ("/can-bo/he-thong/don-vi/thoi-hoat-dong".to_owned(), ""),
            (format!("/can-bo/ho-so/{id}/hand-over"), "version=abc"),
            ("/dang-nhap".to_owned(), "username=x"),
            ("/tra-cuu/danh-gia".to_owned(), "rating=11"),
        ] {
            pages.push((token.clone(), path, Some(form)));
        }
    }
    let (s, v) = app
        .call(
            "GET",
            &format!("/api/v1/dossiers/{id}/hand-over"),
            Some(&desk),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(v["type"], "urn:motcua:problem:method-not-allowed", "{v}");
    for (token, path, form) in &pages {
        let (s, location, body) = app.page(path, *form, token).await;
        if s == StatusCode::SEE_OTHER {
            assert!(location.is_some(), "{path}");
            continue;
        }
        assert!(
            body.trim_start().starts_with("<!doctype html>"),
            "{path} {form:?} -> {s}: not a page: {body}"
        );
        let leaked = leaks(&visible_text(body.as_str()));
        assert!(leaked.is_empty(), "{path} {form:?} -> {s} shows {leaked:?}");
    }
}
