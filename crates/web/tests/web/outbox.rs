//! The outbox for the system administrator: counts, failed messages with their last error, retry
//! and give-up on the page (forms from this site only) and in JSON; nobody else sees it.

use crate::support::*;
use motcua_store::outbox;

/// A reception in ward A with the portal configured: its messages are queued; the first is made
/// a dead letter, as the worker would after N failures.
async fn with_a_dead_letter(app: &TestApp) -> i64 {
    sync(|| {
        app.store
            .store
            .write(|tx| outbox::configure(tx, &[outbox::DVCQG], 0))
            .unwrap()
    });
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
    sync(|| {
        app.store
            .store
            .write(|tx| {
                let m = outbox::claim(tx, outbox::DVCQG, i64::MAX / 2, 1, 1)?;
                outbox::failed(tx, m[0].id, 1, "/api: HTTP 503", None)?;
                Ok(m[0].id)
            })
            .unwrap()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_system_administrator_sees_failed_messages_and_retries_or_gives_them_up() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let dead = with_a_dead_letter(&app).await;
        let admin = app.login(&format!("system_admin.{WARD_A}")).await;

        let (s, v) = app.call("GET", "/api/v1/outbox", Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        let c = &v["connectors"][0];
        assert_eq!(c["connector"], "dvcqg");
        assert_eq!(
            (c["failed"].as_i64(), c["pending"].as_i64()),
            (Some(1), Some(1)),
            "{v}"
        );
        assert_eq!(v["failed"][0]["id"], dead);
        assert_eq!(v["failed"][0]["last_error"], "/api: HTTP 503");

        let (s, _, body) = app.page("/can-bo/he-thong/hop-thu-di", None, &admin).await;
        assert_eq!(s, StatusCode::OK, "{url}");
        assert!(
            body.contains("Hộp thư đi") && body.contains("/api: HTTP 503"),
            "{body}"
        );
        assert!(body.contains("Cổng Dịch vụ công quốc gia"));

        // Retry from the page: back in line.
        let (s, location, _) = app
            .page(
                "/can-bo/he-thong/hop-thu-di/gui-lai",
                Some(&format!("id={dead}")),
                &admin,
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{url}");
        assert_eq!(
            location.as_deref(),
            Some("/can-bo/he-thong/hop-thu-di?ok=1")
        );
        let m = sync(|| {
            app.store
                .store
                .read(|tx| outbox::get(tx, dead))
                .unwrap()
                .unwrap()
        });
        assert_eq!((m.state.as_str(), m.attempts), ("pending", 0), "{url}");
        assert_eq!(
            m.handled_by.as_deref(),
            Some(format!("system_admin.{WARD_A}").as_str())
        );
        // A retry of a message that is not dead is refused on the page, naming why.
        let (s, _, body) = app
            .page(
                "/can-bo/he-thong/hop-thu-di/gui-lai",
                Some(&format!("id={dead}")),
                &admin,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(body.contains("không ở trạng thái cho phép"), "{body}");
        let (s, _, _) = app
            .page("/can-bo/he-thong/hop-thu-di/bo-qua", Some("id=abc"), &admin)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}");

        // Give up through the API.
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/outbox/{dead}"),
                Some(&admin),
                Some(json!({"action": "give_up"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        assert_eq!(v["state"], "given_up");
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/outbox/999999",
                Some(&admin),
                Some(json!({"action": "retry"})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{url}");

        // Nobody else: neither the desk nor a unit administrator.
        for who in [
            format!("reception_officer.{WARD_A}"),
            format!("unit_admin.{WARD_A}"),
        ] {
            let token = app.login(&who).await;
            let (s, _) = app.call("GET", "/api/v1/outbox", Some(&token), None).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
            let (s, _) = app
                .call(
                    "POST",
                    &format!("/api/v1/outbox/{dead}"),
                    Some(&token),
                    Some(json!({"action": "retry"})),
                )
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
            let (s, _, body) = app.page("/can-bo/he-thong/hop-thu-di", None, &token).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
            assert!(!body.contains("HTTP 503"));
        }
        // A form from another site is refused before anything is done.
        let req = Request::builder()
            .method("POST")
            .uri("/can-bo/he-thong/hop-thu-di/gui-lai")
            .header("cookie", format!("motcua_session={admin}"))
            .header("host", "motcua.test")
            .header("origin", "http://evil.test")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("id={dead}")))
            .unwrap();
        let (s, _, _) = app.send(req).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}");
    }
}
