//! Inspections from the plan to remediation.

use crate::support::*;

/// An inspection from its plan to a finished remediation task, through the API, with the
/// conclusion notice as a page; bad input is refused and writes nothing; only the inspecting unit's
/// leaders and inspectors (and team members) see it.
#[tokio::test(flavor = "multi_thread")]
async fn inspections_from_plan_to_remediation() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let inspector = app.login(&format!("inspector.{WARD_A}")).await;
    // Dates around today: the team is at work now.
    let today = motcua_domain::dossier::to_local(chrono::Utc::now()).date();
    let day = |n: i64| (today + chrono::TimeDelta::days(n)).to_string();
    let (plan_date, decided, from, to, visit, later, concluded) = (
        day(-30),
        day(-20),
        day(-10),
        day(-5),
        day(-8),
        day(30),
        day(-2),
    );
    let plan = |units: Value, from: &str, to: &str| {
        json!({
            "owner": WARD_A, "plan_number": "37/KH-UBND", "plan_date": plan_date, "year": 2026,
            "title": "Kiểm tra cải cách hành chính năm 2026", "units": units,
            "from": from, "to": to, "period_from": "2025-01-01", "period_to": "2025-12-31"
        })
    };
    // Bad plans: nothing is created.
    for bad in [
        plan(json!([]), &from, &to),
        plan(json!([WARD_A]), &to, &from),
        plan(json!(["000.99.99.H15"]), &from, &to),
    ] {
        let (s, v) = app
            .call("POST", "/api/v1/inspections", Some(&inspector), Some(bad))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    }
    assert_eq!(app.count("inspections"), 0);
    for who in [
        format!("reception_officer.{WARD_A}"),
        format!("inspector.{WARD_B}"),
    ] {
        let token = app.login(&who).await;
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/inspections",
                Some(&token),
                Some(plan(json!([WARD_A]), &from, &to)),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
    }
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/inspections",
            Some(&inspector),
            Some(plan(json!([WARD_A]), &from, &to)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let mut version = 1;
    let change = |version: i64, change: Value| json!({"version": version, "change": change});
    let path = format!("/api/v1/inspections/{id}/changes");
    let steps = [
        json!({"action": "decision", "number": "3027/QĐ-UBND", "date": decided, "signer": "Chủ tịch UBND"}),
        json!({"action": "add_member", "name": "Lê Thị Ngọc Phượng", "title": "Phó Trưởng phòng Nội vụ", "role": "lead"}),
        json!({"action": "add_visit", "unit": WARD_A, "from": visit, "to": visit}),
    ];
    for step in steps {
        let (s, v) = app
            .call("POST", &path, Some(&inspector), Some(change(version, step)))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        version = v["version"].as_i64().unwrap();
    }
    // Refused: a member twice, a visit outside the inspection, a task without a deadline, a stale version.
    for (bad, says) in [
        (
            json!({"action": "add_member", "name": "Le Thi Ngoc Phuong", "title": "x", "role": "member"}),
            "đã là thành viên",
        ),
        (
            json!({"action": "add_visit", "unit": WARD_A, "from": later, "to": later}),
            "trong thời gian kiểm tra",
        ),
        (
            json!({"action": "add_task", "unit": WARD_A, "what": "Niêm yết đủ"}),
            "cần thời hạn",
        ),
    ] {
        let (s, v) = app
            .call("POST", &path, Some(&inspector), Some(change(version, bad)))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v["detail"].as_str().unwrap().contains(says), "{v}");
    }
    let (s, _) = app
        .call(
            "POST",
            &path,
            Some(&inspector),
            Some(change(
                version - 1,
                json!({"action": "add_member", "name": "B", "title": "x", "role": "member"}),
            )),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a stale version");
    let revisions = app.count("inspection_revisions");
    assert_eq!(revisions, 4, "refusals wrote no revision");
    // The automatic checks draft findings: the ward has no desk at all.
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/inspections/{id}/checks"),
            Some(&inspector),
            Some(json!({"version": version})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    version = v["version"].as_i64().unwrap();
    let (_, v) = app
        .call(
            "GET",
            &format!("/api/v1/inspections/{id}"),
            Some(&inspector),
            None,
        )
        .await;
    let checks: Vec<&str> = v["inspection"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert!(
        checks.contains(&"desk_without_decision") && checks.contains(&"desk_without_members"),
        "{checks:?}"
    );
    for step in [
        json!({"action": "add_finding", "unit": WARD_A, "area": "tuyen-truyen", "kind": "shortcoming", "text": "Chưa tuyên truyền cải cách hành chính trên loa truyền thanh"}),
        json!({"action": "conclude", "number": "112/TB-ĐKT", "date": concluded, "signer": "Lê Thị Ngọc Phượng"}),
        json!({"action": "tasks_from_shortcomings", "deadline": "2099-12-31"}),
    ] {
        let (s, v) = app
            .call("POST", &path, Some(&inspector), Some(change(version, step)))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        version = v["version"].as_i64().unwrap();
    }
    let (_, v) = app
        .call(
            "GET",
            &format!("/api/v1/inspections/{id}"),
            Some(&inspector),
            None,
        )
        .await;
    let findings = v["inspection"]["findings"].as_array().unwrap().clone();
    let tasks = v["inspection"]["tasks"].as_array().unwrap().clone();
    assert_eq!(tasks.len(), findings.len(), "a task for every shortcoming");
    // The conclusion notice names every finding.
    let page = app
        .send(
            Request::builder()
                .uri(format!("/can-bo/kiem-tra/{id}/thong-bao"))
                .header("cookie", format!("motcua_session={inspector}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.0, StatusCode::OK);
    let notice = page.1.as_str().unwrap().to_owned();
    assert!(
        notice.contains("112/TB-ĐKT")
            && notice.contains("3027/QĐ-UBND")
            && notice.contains("37/KH-UBND")
    );
    // An official document: the place and date line, the shortcomings unit by unit, Nơi nhận.
    assert!(notice.contains(", ngày "), "{notice}");
    assert!(notice.contains("TẠI TỪNG ĐƠN VỊ") && notice.contains("Nơi nhận:"));
    for f in &findings {
        let what = match f["check"].as_str() {
            Some("desk_without_decision") => "Chưa có quyết định thành lập Bộ phận Một cửa",
            Some("desk_without_members") => "Chưa phân công nhiệm vụ thành viên Bộ phận Một cửa",
            Some("posting") => "Niêm yết, công khai thủ tục hành chính chưa đầy đủ, chưa cập nhật",
            Some(other) => panic!("unexpected {other}"),
            None => f["text"].as_str().unwrap(),
        };
        assert!(notice.contains(what), "{what}");
    }
    // A task goes from open to done with its evidence.
    let task = tasks[0]["id"].as_i64().unwrap();
    let (s, v) = app.call("POST", &path, Some(&inspector), Some(change(version, json!({"action": "complete_task", "id": task, "evidence": "Quyết định số 12/QĐ-UBND thành lập Bộ phận Một cửa"})))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    version = v["version"].as_i64().unwrap();
    let (_, v) = app
        .call(
            "GET",
            &format!("/api/v1/inspections/{id}"),
            Some(&inspector),
            None,
        )
        .await;
    let done = &v["inspection"]["tasks"][0];
    assert_eq!(done["status"], "done");
    assert!(done["evidence"].as_str().unwrap().contains("12/QĐ-UBND"));
    let (s, _) = app
        .call(
            "POST",
            &path,
            Some(&inspector),
            Some(change(
                version,
                json!({"action": "complete_task", "id": task, "evidence": "lại"}),
            )),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "done once");
    // Who sees it: the unit's leaders and inspectors; nobody from another unit, no desk officer.
    for (who, sees) in [
        ("unit_leader", WARD_A, true),
        ("inspector", WARD_B, false),
        ("reception_officer", WARD_A, false),
    ]
    .map(|(r, u, s)| (format!("{r}.{u}"), s))
    {
        let token = app.login(&who).await;
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/inspections/{id}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(s.is_success(), sees, "{who}");
        let (_, list) = app
            .call("GET", "/api/v1/inspections", Some(&token), None)
            .await;
        assert_eq!(list.as_array().unwrap().len(), usize::from(sees), "{who}");
    }
    // A member of the team from another unit reads the units in scope, without personal data.
    let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
    let (_, v) = app
        .call(
            "POST",
            "/api/v1/dossiers",
            Some(&desk),
            Some(reception(WARD_A)),
        )
        .await;
    let dossier = v["id"].as_i64().unwrap();
    let outsider = app.login(&format!("inspector.{WARD_B}")).await;
    let page = |token: String| {
        app.send(
            Request::builder()
                .uri(format!("/can-bo/ho-so/{dossier}"))
                .header("cookie", format!("motcua_session={token}"))
                .body(Body::empty())
                .unwrap(),
        )
    };
    assert_eq!(
        page(outsider.clone()).await.0,
        StatusCode::NOT_FOUND,
        "not yet a member: the dossier is as good as not there"
    );
    let outsider_id = sync(|| {
        app.store
            .store
            .read(|tx| org::credentials(tx, &format!("inspector.{WARD_B}")))
            .unwrap()
            .unwrap()
            .0
    });
    let (s, v) = app
        .call("POST", &path, Some(&inspector), Some(change(version, json!({"action": "add_member", "name": "Trần Văn Khoa", "title": "Thanh tra viên", "role": "member", "staff_id": outsider_id}))))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    version = v["version"].as_i64().unwrap();
    let (status, body, _) = page(outsider.clone()).await;
    assert_eq!(status, StatusCode::OK, "a member reads the units in scope");
    assert!(
        !body.as_str().unwrap().contains("0905111222"),
        "without personal data"
    );
    let (s, _) = app
        .call(
            "GET",
            &format!("/api/v1/inspections/{id}"),
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "and the inspection");
    let (s, _) = app
        .call(
            "POST",
            &path,
            Some(&outsider),
            Some(change(
                version,
                json!({"action": "add_member", "name": "X", "title": "x", "role": "member"}),
            )),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a member reads, it does not manage"
    );
    // Every change is a revision; none can be edited.
    assert_eq!(app.count("inspection_revisions"), version);
}
