//! The route table: every documented operation is routed, rate limits apply, cross-site writes are refused.

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_route_exists_and_limits_apply() {
    let url = sync(test_db_urls).remove(0);
    let settings = Settings {
        login_rate_per_minute: 3,
        public_rate_per_minute: 5,
        ..Settings::default()
    };
    let app = sync(|| TestApp::new(&url, settings));
    // Documented -> routed: every operation of the document answers, and not with "no such route".
    let (_, doc) = app.call("GET", "/api/v1/openapi.json", None, None).await;
    let mut documented = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
            let concrete = path.replace("{code}", "X").replace("{id}", "1");
            let (_, v) = app
                .call(&method.to_uppercase(), &concrete, None, None)
                .await;
            assert_ne!(v["type"], "urn:motcua:problem:no-route", "{method} {path}");
        }
    }
    // Routed -> documented: the API router is built from `operations()` alone, and each of them is
    // in the document (with /openapi.json itself, the one route that serves the document).
    let ops = motcua_web::operations();
    for op in &ops {
        assert!(
            documented.contains(&(op.method.to_owned(), format!("/api/v1{}", op.path))),
            "{} {} is routed but not documented",
            op.method,
            op.path
        );
    }
    assert_eq!(documented.len(), ops.len());
    let (_, v) = app.call("GET", "/api/v1/nothing-here", None, None).await;
    assert_eq!(v["type"], "urn:motcua:problem:no-route");
    // Login: 3 tries a minute per address (one was used above), then 429.
    let mut statuses = vec![];
    for _ in 0..4 {
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "x", "password": "y"})),
            )
            .await;
        statuses.push(s.as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    let mut statuses = vec![];
    for _ in 0..8 {
        let (s, _) = app
            .call(
                "GET",
                "/api/v1/public/lookup?code=W1&phone_last4=1234",
                None,
                None,
            )
            .await;
        statuses.push(s.as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // Cookie sessions refuse cross-site writes.
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/auth/logout")
        .header("cookie", "motcua_session=abc")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = app.send(req).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
