//! Blank forms of procedures.

use crate::support::*;

/// A procedure's forms, blank and printable, linked from its page; only forms that exist.
#[tokio::test(flavor = "multi_thread")]
async fn procedure_forms_download_blank() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let get = |path: &str| app.send(Request::builder().uri(path).body(Body::empty()).unwrap());
    let (_, page, _) = get("/thu-tuc/1.001612").await;
    assert!(
        page.as_str()
            .unwrap()
            .contains("href=\"/thu-tuc/1.001612/mau/1\"")
    );
    let (s, form, _) = get("/thu-tuc/1.001612/mau/1").await;
    assert_eq!(s, StatusCode::OK);
    let form = form.as_str().unwrap();
    for part in [
        "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH",
        "Họ và tên",
        "Số định danh cá nhân",
        "NGƯỜI KHAI",
        "print.css",
    ] {
        assert!(form.contains(part), "{part}");
    }
    for bad in [
        "/thu-tuc/1.001612/mau/0",
        "/thu-tuc/1.001612/mau/2",
        "/thu-tuc/1.001612/mau/x",
        "/thu-tuc/9.999/mau/1",
    ] {
        let (s, _, _) = get(bad).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn search_forgives_spelling_everyday_words_and_suggests_when_nothing_matches() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let codes = |v: &Value, key: &str| -> Vec<String> {
            v[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["code"].as_str().unwrap().to_owned())
                .collect()
        };
        for q in [
            "dang+ki+thanh+lap+ho+kinh+doanh",
            "%C4%91%C4%83ng+k%C3%AD+h%E1%BB%99+kinh+doanh",
            "xin+dang+ky+ho+kinh+doahn",
            "m%E1%BB%9F+qu%C3%A1n",
        ] {
            let (s, v) = app
                .call("GET", &format!("/api/v1/procedures?q={q}"), None, None)
                .await;
            assert_eq!(s, StatusCode::OK, "{url} {q}: {v}");
            assert_eq!(codes(&v, "items"), vec!["1.001612"], "{url} {q}: {v}");
            assert!(codes(&v, "suggestions").is_empty());
        }
        // Nothing matches every word: the closest names are offered, on the API and the page.
        let (_, v) = app
            .call(
                "GET",
                "/api/v1/procedures?q=thanh+lap+cong+ty+kinh+doanh",
                None,
                None,
            )
            .await;
        assert_eq!(v["total"], 0, "{v}");
        assert_eq!(codes(&v, "suggestions"), vec!["1.001612"], "{url}: {v}");
        let (s, page, _) = app
            .send(
                Request::get("/thu-tuc?q=thanh+lap+cong+ty+kinh+doanh")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let page = page.as_str().unwrap();
        assert!(
            page.contains("Có phải bạn muốn tìm") && page.contains("/thu-tuc/1.001612"),
            "{url}"
        );
        // The catalogue keeper's table replaces the shipped one at once.
        let (_, v) = app
            .call("GET", "/api/v1/procedures?q=quan+an", None, None)
            .await;
        assert_eq!(v["total"], 0, "{v}");
        sync(|| {
            app.store
                .store
                .write(|tx| {
                    procedures::import_synonyms(
                        tx,
                        &[motcua_domain::catalogue::Synonym {
                            words: "quán ăn".into(),
                            means: "hộ kinh doanh".into(),
                        }],
                        "test",
                        "synonyms.tsv",
                        chrono::Utc::now(),
                    )
                })
                .unwrap()
        });
        let (_, v) = app
            .call("GET", "/api/v1/procedures?q=quan+an", None, None)
            .await;
        assert_eq!(codes(&v, "items"), vec!["1.001612"], "{url}: {v}");
        let (_, v) = app
            .call("GET", "/api/v1/procedures?q=mo+quan", None, None)
            .await;
        assert_eq!(v["total"], 0, "the shipped table is no longer used: {v}");
    }
}
