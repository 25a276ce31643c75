//! Pages in English on request.

use crate::support::*;

/// The English switch: a cookie set by /ngon-ngu/en (never redirecting off the site), and pages whose
/// headings, labels, buttons and table headers are then all in English.
#[tokio::test(flavor = "multi_thread")]
async fn pages_switch_to_english() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let (s, _, h) = app
        .send(
            Request::builder()
                .uri("/ngon-ngu/en?next=/thu-tuc%3Fq%3Dho")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h["location"], "/thu-tuc?q=ho");
    assert!(h["set-cookie"].to_str().unwrap().starts_with("lang=en;"));
    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let (_, _, h) = app
            .send(
                Request::builder()
                    .uri(format!(
                        "/ngon-ngu/en?next={}",
                        evil.replace('/', "%2F")
                            .replace('\\', "%5C")
                            .replace(':', "%3A")
                    ))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(h["location"], "/", "{evil}");
    }
    let (s, _, _) = app
        .send(
            Request::builder()
                .uri("/ngon-ngu/fr")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let staff = app.login(&format!("unit_admin.{WARD_A}")).await;
    let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
    let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
    let (_, v) = app
        .call(
            "POST",
            "/api/v1/dossiers",
            Some(&desk),
            Some(reception(WARD_A)),
        )
        .await;
    let id = v["id"].as_i64().unwrap();
    let pages: Vec<(String, Option<&str>)> = vec![
        ("/".into(), None),
        ("/thu-tuc?q=ho+kinh+doanh".into(), None),
        ("/thu-tuc/1.001612".into(), None),
        ("/don-vi".into(), None),
        (format!("/don-vi/{WARD_A}"), None),
        ("/tra-cuu".into(), None),
        ("/thong-ke".into(), None),
        ("/dang-nhap".into(), None),
        ("/nop-ho-so/1.001612".into(), None),
        ("/can-bo".into(), Some(&desk)),
        ("/can-bo/tiep-nhan?thu_tuc=1.001612".into(), Some(&desk)),
        ("/can-bo/tiep-dan".into(), Some(&desk)),
        (format!("/can-bo/ho-so/{id}"), Some(&desk)),
        ("/can-bo/tong-quan".into(), Some(&staff)),
        (format!("/can-bo/quan-tri/{WARD_A}"), Some(&staff)),
        (format!("/can-bo/bao-cao?don_vi={WARD_A}"), Some(&leader)),
        ("/can-bo/kiem-tra".to_owned(), Some(&leader)),
    ];
    // Letters only Vietnamese uses: a UI text left untranslated shows one of them.
    let vietnamese = |t: &str| {
        t.chars().any(|c| {
            "ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ".contains(c)
        })
    };
    for (path, token) in pages {
        for (lang, expect_vi) in [("vi", true), ("en", false)] {
            let mut b = Request::builder().uri(&path).header("accept", "text/html");
            let mut cookie = format!("lang={lang}");
            if let Some(t) = token {
                cookie.push_str(&format!("; motcua_session={t}"));
            }
            b = b.header("cookie", cookie);
            let (s, body, _) = app.send(b.body(Body::empty()).unwrap()).await;
            assert_eq!(s, StatusCode::OK, "{path}");
            let html = body.as_str().unwrap();
            assert!(
                html.contains(&format!("<html lang=\"{lang}\">")),
                "{path} {lang}"
            );
            // The interface's own words: headings of tables and forms, buttons, table headers, terms.
            let mut ui = vec![];
            for tag in ["th", "button", "dt", "legend", "caption"] {
                let mut rest = html;
                while let Some(i) = rest.find(&format!("<{tag}")) {
                    let after = &rest[i..];
                    let Some(open_end) = after.find('>') else {
                        break;
                    };
                    if after[..open_end].contains("scope=\"row\"") {
                        rest = &after[open_end..];
                        continue;
                    }
                    let Some(close) = after.find(&format!("</{tag}>")) else {
                        break;
                    };
                    ui.push(after[open_end + 1..close].to_owned());
                    rest = &after[close..];
                }
            }
            assert!(!ui.is_empty(), "{path}: {ui:?}");
            let untranslated: Vec<&String> = ui.iter().filter(|t| vietnamese(t)).collect();
            if expect_vi {
                assert!(!untranslated.is_empty(), "{path} in Vietnamese");
            } else {
                assert!(
                    untranslated.is_empty(),
                    "{path} in English still says {untranslated:?}"
                );
            }
        }
    }
}
