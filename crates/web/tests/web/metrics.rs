//! The operator's metrics: off unless configured, behind a token, counted by route pattern.

use crate::support::*;

async fn scrape(app: &TestApp, token: Option<&str>) -> (StatusCode, String) {
    let mut b = Request::builder().uri("/metrics");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    let (s, v, _) = app.send(b.body(Body::empty()).unwrap()).await;
    (s, v.as_str().map(str::to_owned).unwrap_or_default())
}

/// The value of the series whose line starts with `prefix` (0 when absent).
fn value(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .map_or(0.0, |v| v.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_no_page_unless_configured() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    assert_eq!(scrape(&app, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        scrape(&app, Some("any-token-at-all-here")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_by_route_pattern_and_writes_behind_a_token() {
    const TOKEN: &str = "metrics-token-for-the-test";
    for url in sync(test_db_urls) {
        let settings = Settings {
            metrics_token: Some(TOKEN.into()),
            ..relaxed()
        };
        let app = sync(|| TestApp::new(&url, settings));
        assert_eq!(scrape(&app, None).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(
            scrape(&app, Some("metrics-token-for-the-tesT")).await.0,
            StatusCode::UNAUTHORIZED
        );
        let (s, before) = scrape(&app, Some(TOKEN)).await;
        assert_eq!(s, StatusCode::OK, "{url}");
        let writes = value(&before, "motcua_store_writes_total ");

        let officer = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&officer),
                Some(reception(WARD_A)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {v}");
        let id = v["id"].as_i64().unwrap();
        for _ in 0..3 {
            let (s, _) = app
                .call(
                    "GET",
                    &format!("/api/v1/dossiers/{id}"),
                    Some(&officer),
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK);
        }
        let (s, _) = app
            .call("GET", "/api/v1/dossiers/999999", Some(&officer), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, _) = app
            .send(Request::get("/no/such/page/1").body(Body::empty()).unwrap())
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let (_, text) = scrape(&app, Some(TOKEN)).await;
        let route = "method=\"GET\",route=\"/api/v1/dossiers/{id}\"";
        assert_eq!(
            value(
                &text,
                &format!("motcua_http_requests_total{{{route},status=\"200\"}}")
            ),
            3.0,
            "{url}:\n{text}"
        );
        assert_eq!(
            value(
                &text,
                &format!("motcua_http_requests_total{{{route},status=\"404\"}}")
            ),
            1.0
        );
        assert_eq!(
            value(
                &text,
                &format!("motcua_http_request_duration_seconds_count{{{route}}}")
            ),
            4.0
        );
        assert_eq!(
            value(
                &text,
                "motcua_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"
            ),
            1.0
        );
        assert!(
            !text.contains("/999999") && !text.contains("/no/such"),
            "addresses asked for never become labels:\n{text}"
        );
        // The login and the reception are writes (a session, a dossier).
        assert!(
            value(&text, "motcua_store_writes_total ") >= writes + 2.0,
            "{url}"
        );
        assert!(value(&text, "motcua_resident_memory_bytes ") > 1e6);
        assert_eq!(
            text.contains("motcua_pool_open "),
            url.starts_with("postgres"),
            "pool figures on PostgreSQL only"
        );
        assert_eq!(
            text.contains("motcua_lookup_cache_hits_total "),
            url.starts_with("postgres"),
            "kept lookup answers on PostgreSQL only"
        );
        if url.starts_with("postgres") {
            assert!(value(&text, "motcua_pool_open ") >= 1.0);
        }
    }
}
