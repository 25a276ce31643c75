//! Reports for leaders and inspectors.

use crate::support::*;

/// Reports: leaders and inspectors of a unit see its figures, drill into every cell, download them;
/// nobody else does; bad parameters are explained and change nothing.
#[tokio::test(flavor = "multi_thread")]
async fn reports_for_leaders_and_inspectors() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
    for _ in 0..3 {
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk),
                Some(reception(WARD_A)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
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
            let kind = res
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
            (status, kind, bytes)
        }
    };
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let q = format!("don_vi={WARD_A}&tu={month}&den={month}");
    for role in ROLES {
        for unit in [WARD_A, WARD_B] {
            let token = app.login(&format!("{}.{unit}", role.as_str())).await;
            let allowed = unit == WARD_A && matches!(role, Role::UnitLeader | Role::Inspector);
            let (s, _, _) = get(format!("/can-bo/bao-cao?{q}"), token.clone()).await;
            assert_eq!(s.is_success(), allowed, "{role:?}@{unit} page: {s}");
            let (s, _, _) = get(format!("/api/v1/reports?{q}"), token.clone()).await;
            assert_eq!(s.is_success(), allowed, "{role:?}@{unit} api: {s}");
            let (s, _, _) = get(
                format!("/can-bo/bao-cao/tai-ve?{q}&dinh_dang=csv"),
                token.clone(),
            )
            .await;
            assert_eq!(s.is_success(), allowed, "{role:?}@{unit} export: {s}");
            let (s, _, _) = get(
                format!("/can-bo/bao-cao/ho-so?{q}&cot=received_desk"),
                token.clone(),
            )
            .await;
            assert_eq!(s.is_success(), allowed, "{role:?}@{unit} drill-down: {s}");
        }
    }
    let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
    let (s, kind, body) = get(format!("/api/v1/reports?{q}"), leader.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(kind.starts_with("application/json"));
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["total"]["received_desk"], 3, "{v}");
    assert_eq!(v["total"]["open_in_time"], 3);
    assert_eq!(v["indicators"].as_array().unwrap().len(), 22);
    // The page links the cell to its dossiers, and the list has exactly them.
    let (_, _, page) = get(format!("/can-bo/bao-cao?{q}"), leader.clone()).await;
    let page = String::from_utf8(page).unwrap();
    // The 766 section: five groups, the total with its band, the method's date, each figure's cohort.
    for words in [
        "1. Công khai, minh bạch",
        "2. Tiến độ, kết quả giải quyết",
        "3. Cung cấp dịch vụ trực tuyến",
        "4. Số hóa hồ sơ",
        "5. Mức độ hài lòng",
        "/ 100, xếp loại ",
        "Phương pháp áp dụng từ 23/06/2022",
        "hồ sơ tiếp nhận trong kỳ",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    let groups = v["index"]["groups"].as_array().unwrap();
    let max: f64 = groups.iter().map(|g| g["max"].as_f64().unwrap()).sum();
    assert_eq!((groups.len(), max), (5, 100.0));
    assert!(
        page.contains("cot=received_desk&#38;hang=") && page.contains(">3</a>"),
        "{page}"
    );
    let (s, _, list) = get(
        format!("/can-bo/bao-cao/ho-so?{q}&cot=received_desk&hang={WARD_A}"),
        leader.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let list = String::from_utf8(list).unwrap();
    assert_eq!(list.matches("href=\"/can-bo/ho-so/").count(), 3, "{list}");
    assert!(!list.contains("0905111222"), "no personal data in the list");
    let (s, kind, xlsx) = get(
        format!("/can-bo/bao-cao/tai-ve?{q}&dinh_dang=xlsx"),
        leader.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(kind.contains("spreadsheetml") && xlsx.starts_with(b"PK"));
    let (_, _, csv) = get(
        format!("/can-bo/bao-cao/tai-ve?{q}&dinh_dang=csv"),
        leader.clone(),
    )
    .await;
    assert!(csv.starts_with(b"\xef\xbb\xbf"));
    // Bad input: explained, nothing recorded.
    let events = app.count("events");
    for (query, says) in [
        (format!("don_vi={WARD_A}&tu=2025-13&den=2025-12"), "YYYY-MM"),
        (format!("don_vi={WARD_A}&tu=2025-06&den=2025-03"), "ngược"),
        ("don_vi=000.99.99.H15".to_owned(), "không có đơn vị"),
        (format!("don_vi={WARD_A}&theo=week"), "theo đơn vị"),
        (format!("don_vi={WARD_A}&thu_tuc=9.999"), "không có thủ tục"),
        (format!("don_vi={WARD_A}&tu=2025-03-05"), "ngày đầu tháng"),
    ] {
        let (s, _, body) = get(format!("/can-bo/bao-cao?{query}"), leader.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body = String::from_utf8(body).unwrap();
        assert!(
            body.contains(says) && body.contains("error-summary"),
            "{query}: {says}"
        );
        let (s, _, _) = get(format!("/api/v1/reports?{query}"), leader.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "api {query}");
    }
    let (s, _, _) = get(format!("/api/v1/reports?{q}&dinh_dang=pdf"), leader.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) = get(
        format!("/can-bo/bao-cao/ho-so?{q}&cot=satisfied"),
        leader.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("events"), events);
}
