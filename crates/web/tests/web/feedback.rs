//! Feedback and petitions through the API and the pages, on every backend: the whole path
//! (submitted, assigned, extended, answered, rated), escalation of an overdue one, a person seeing
//! only their own, staff seeing only their units', bad input refused with the fields named, the
//! contact kept off the log, and the log verified.

use crate::support::*;
use chrono::{TimeDelta, Utc};
use motcua_domain::dossier::Actor;
use motcua_domain::feedback::{Channel, Contact, FeedbackRules, Submission, Topic};

fn body(unit: &str, title: &str) -> Value {
    json!({
        "unit": unit,
        "topic": "conduct",
        "title": title,
        "content": "Cán bộ tiếp nhận hẹn ba lần vẫn chưa trả kết quả, không giải thích lý do.",
        "publish_consent": true,
        "contact": {"name": "Phạm Thị Riêng Tư", "phone": "0905 777 888", "email": "rieng.tu@example.vn", "address": "Tổ 9, phường A"}
    })
}

async fn submit(app: &TestApp, unit: &str, title: &str) -> (String, String) {
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/public/feedback",
            None,
            Some(body(unit, title)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    (
        v["reference"].as_str().unwrap().to_owned(),
        v["secret"].as_str().unwrap().to_owned(),
    )
}

fn lookup_path(reference: &str, secret: &str) -> String {
    format!("/api/v1/public/feedback?reference={reference}&secret={secret}")
}

/// The id behind a reference (what the queues show officials).
async fn id_of(app: &TestApp, token: &str, title: &str) -> (i64, i64) {
    let (s, v) = app.call("GET", "/api/v1/feedback", Some(token), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let item = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == title)
        .unwrap_or_else(|| panic!("{title} not in {v}"))
        .clone();
    (
        item["id"].as_i64().unwrap(),
        item["version"].as_i64().unwrap(),
    )
}

fn verified(app: &TestApp) {
    let report = sync(|| {
        app.store
            .store
            .read(|tx| motcua_store::ledger::verify(tx, &[]))
            .unwrap()
    });
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[tokio::test(flavor = "multi_thread")]
async fn submitted_assigned_extended_answered_rated_and_published_without_personal_data() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let (reference, secret) = submit(&app, WARD_A, "Hẹn trả kết quả nhiều lần").await;
        assert!(reference.starts_with("PA"));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let specialist = app.login(&format!("specialist.{WARD_A}")).await;
        // New in the queue of ward A; another ward does not see it.
        let (s, v) = app
            .call("GET", "/api/v1/feedback?queue=new", Some(&desk), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
        let (id, version) = id_of(&app, &desk, "Hẹn trả kết quả nhiều lần").await;
        let other = app.login(&format!("unit_leader.{WARD_B}")).await;
        let (s, v) = app
            .call("GET", "/api/v1/feedback", Some(&other), None)
            .await;
        assert_eq!(
            (s, v["items"].as_array().unwrap().len()),
            (StatusCode::OK, 0)
        );
        let (s, _) = app
            .call("GET", &format!("/api/v1/feedback/{id}"), Some(&other), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Staff who see personal data see the contact; an inspector does not.
        let (_, v) = app
            .call("GET", &format!("/api/v1/feedback/{id}"), Some(&desk), None)
            .await;
        assert_eq!(v["contact"]["phone"], "0905777888");
        assert!(v["actions"].as_array().unwrap().contains(&json!("assign")));
        let inspector = app.login(&format!("inspector.{WARD_A}")).await;
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/feedback/{id}"),
                Some(&inspector),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(v["contact"].is_null(), "{v}");
        assert_eq!(v["actions"], json!([]));
        // Assigned by the desk to the specialist.
        let specialist_id = app.staff_id(&format!("specialist.{WARD_A}"));
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/feedback/{id}/assign"),
                Some(&desk),
                Some(json!({"version": version, "assignee": specialist_id, "note": "Xác minh với bộ phận hộ tịch"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["feedback"]["state"], "assigned");
        // A stale version is a conflict; a specialist may not extend (a leader's step).
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/feedback/{id}/extend"),
                Some(&leader),
                Some(json!({"version": version, "note": "Cần xác minh thêm với cơ quan thuế"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/feedback/{id}/extend"),
                Some(&specialist),
                Some(json!({"version": version + 1, "note": "Cần xác minh thêm với cơ quan thuế"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let due_before = v["feedback"]["due_at"].as_str().unwrap().to_owned();
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/feedback/{id}/extend"),
                Some(&leader),
                Some(json!({"version": version + 1, "note": "Cần xác minh thêm với cơ quan thuế"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(v["feedback"]["due_at"].as_str().unwrap() > due_before.as_str());
        // Once only.
        let (s, v2) = app
            .call(
                "POST",
                &format!("/api/v1/feedback/{id}/extend"),
                Some(&leader),
                Some(json!({"version": version + 2, "note": "Cần thêm thời gian nữa để xác minh"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v2}");
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/feedback/{id}/answer"),
                Some(&specialist),
                Some(json!({"version": version + 2, "text": "Hồ sơ đã có kết quả từ ngày 12; bộ phận một cửa đã xin lỗi và nhắc nhở cán bộ.", "publish": true})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["feedback"]["answer"]["on_time"], true);
        // The person reads the answer and the steps, without any name; then rates it once.
        let (s, v) = app
            .call("GET", &lookup_path(&reference, &secret), None, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["state"], "answered");
        let kinds: Vec<&str> = v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["submitted", "assigned", "extended", "answered"]);
        assert!(!v.to_string().contains("Riêng Tư") && !v.to_string().contains("0905777888"));
        let rate = json!({"reference": reference, "secret": secret, "satisfaction": "satisfied"});
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/public/feedback/rating",
                None,
                Some(rate.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["state"], "rated");
        let (s, _) = app
            .call("POST", "/api/v1/public/feedback/rating", None, Some(rate))
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        // Published, found by a word of the answer typed without marks; no personal data.
        let (s, v) = app
            .call(
                "GET",
                "/api/v1/public/feedback/answered?q=nhac%20nho",
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
        assert!(!v.to_string().contains("Riêng Tư") && !v.to_string().contains("rieng.tu"));
        let (_, v) = app
            .call(
                "GET",
                "/api/v1/public/feedback/answered?q=khong%20co%20tu%20nay",
                None,
                None,
            )
            .await;
        assert_eq!(v["items"].as_array().unwrap().len(), 0);
        // Five steps on the log, each chained; the contact is on none of them.
        let logged = sync(|| {
            app.store
                .store
                .read(|tx| {
                    Ok(tx
                        .query("SELECT payload FROM feedback_events ORDER BY id", &[])?
                        .iter()
                        .map(|r| r.string(0).unwrap())
                        .collect::<Vec<_>>())
                })
                .unwrap()
        });
        assert_eq!(logged.len(), 5);
        assert!(
            logged
                .iter()
                .all(|p| !p.contains("Riêng Tư") && !p.contains("0905"))
        );
        verified(&app);
        // The 766 indicators of the ward count it: answered on time, satisfied.
        let month = chrono::Datelike::month(&motcua_domain::dossier::to_local(Utc::now()));
        let year = chrono::Datelike::year(&motcua_domain::dossier::to_local(Utc::now()));
        let (s, v) = app
            .call(
                "GET",
                &format!(
                    "/api/v1/reports?unit={WARD_A}&from={year}-{month:02}&to={year}-{month:02}"
                ),
                Some(&inspector),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let score = |code: &str| {
            v["indicators"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["code"] == code)
                .unwrap()
                .clone()
        };
        assert_eq!(score("5.2")["numerator"], 1, "{}", score("5.2"));
        assert_eq!(score("5.2")["denominator"], 1);
        assert_eq!(score("5.2")["points"], 6.0);
        assert_eq!(score("5.3")["numerator"], 1);
        assert_eq!(score("5.3")["denominator"], 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overdue_feedback_escalates_to_the_unit_above() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        // Submitted thirty days ago at ward A: long past its ten working days.
        let id = sync(|| {
            app.store
                .store
                .write(|tx| {
                    let cal = motcua_store::calendar::work_calendar(tx)?;
                    let then = Utc::now() - TimeDelta::days(30);
                    let then =
                        chrono::DateTime::from_timestamp_millis(then.timestamp_millis()).unwrap();
                    let s = Submission {
                        unit: WARD_A.into(),
                        topic: Topic::Procedure,
                        title: "Phí chứng thực thu sai".into(),
                        content: "Bộ phận một cửa thu phí chứng thực cao hơn mức niêm yết.".into(),
                        dossier_code: None,
                        procedure_code: None,
                        channel: Channel::Desk,
                        publish_consent: false,
                    };
                    let c = Contact {
                        name: "Lê Văn C".into(),
                        phone: "0912345678".into(),
                        ..Contact::default()
                    };
                    Ok(motcua_store::feedback::submit(
                        tx,
                        s,
                        &c,
                        &Actor::System,
                        then,
                        &cal,
                        &FeedbackRules::default(),
                    )?
                    .id)
                })
                .unwrap()
        });
        let (_, fresh_secret) = submit(&app, WARD_A, "Phản ánh còn trong hạn").await;
        assert!(!fresh_secret.is_empty());
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let (_, v) = app
            .call("GET", "/api/v1/feedback?queue=overdue", Some(&leader), None)
            .await;
        let overdue: Vec<i64> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        assert_eq!(overdue, [id]);
        let (fresh, fresh_version) = id_of(&app, &leader, "Phản ánh còn trong hạn").await;
        // One still in time cannot be escalated.
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/feedback/{fresh}/escalate"),
                Some(&leader),
                Some(json!({"version": fresh_version})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        // Nor extended once overdue; the overdue one escalates to the province.
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/feedback/{id}/extend"),
                Some(&leader),
                Some(json!({"version": 1, "note": "Cần xác minh thêm với cơ quan thuế"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/feedback/{id}/escalate"),
                Some(&leader),
                Some(json!({"version": 1, "note": "Phường chưa trả lời đúng hạn"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["feedback"]["unit"], PROVINCE);
        assert!(v["contact"].is_null() && v["actions"] == json!([]));
        // The ward's leader no longer sees it once it is at the province.
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/feedback/{id}"),
                Some(&leader),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let moved = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::feedback::get(tx, id))
                .unwrap()
        });
        assert_eq!(moved.feedback.unit, PROVINCE);
        assert_eq!(moved.feedback.escalated_from, [WARD_A.to_owned()]);
        assert!(
            moved.feedback.due_at > Utc::now(),
            "the province gets its own time"
        );
        verified(&app);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_sees_only_their_own_feedback() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let (ref_a, secret_a) = submit(&app, WARD_A, "Phản ánh của người thứ nhất").await;
        let (ref_b, secret_b) = submit(&app, WARD_B, "Phản ánh của người thứ hai").await;
        let (s, v) = app
            .call("GET", &lookup_path(&ref_a, &secret_a), None, None)
            .await;
        assert_eq!(
            (s, v["title"].as_str()),
            (StatusCode::OK, Some("Phản ánh của người thứ nhất"))
        );
        // B's secret does not open A's feedback, and answers exactly like an unknown reference.
        let (s, wrong) = app
            .call("GET", &lookup_path(&ref_a, &secret_b), None, None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, unknown) = app
            .call("GET", &lookup_path("PA0000000000AA", &secret_b), None, None)
            .await;
        assert_eq!(wrong, unknown);
        // Nor rate it.
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/public/feedback/rating",
                None,
                Some(
                    json!({"reference": ref_a, "secret": secret_b, "satisfaction": "unsatisfied"}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The page too.
        let (s, _, page) = app
            .page(
                &format!("/phan-anh/tra-cuu?ma={ref_b}&bi_mat={secret_a}"),
                None,
                "",
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(!page.contains("người thứ hai"));
        let (s, _, page) = app
            .page(
                &format!("/phan-anh/tra-cuu?ma={ref_b}&bi_mat={secret_b}"),
                None,
                "",
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("Phản ánh của người thứ hai"));
        assert!(!page.contains("Riêng Tư") && !page.contains("0905"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_naming_the_fields_every_one_at_once_on_the_page() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let mut bad = body(WARD_A, "x");
        let (s, v) = app
            .call("POST", "/api/v1/public/feedback", None, Some(bad.clone()))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["field"], "title", "{v}");
        assert!(v["detail"].as_str().unwrap().contains("Tiêu đề"));
        bad["title"] = json!("Một tiêu đề đủ dài");
        bad["contact"]["phone"] = json!("");
        bad["contact"]["email"] = json!("");
        let (_, v) = app
            .call("POST", "/api/v1/public/feedback", None, Some(bad.clone()))
            .await;
        assert_eq!(v["field"], "contact.phone", "{v}");
        bad["contact"]["phone"] = json!("0905777888");
        bad["unit"] = json!("KHONG-CO");
        let (s, v) = app
            .call("POST", "/api/v1/public/feedback", None, Some(bad.clone()))
            .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("unit"))
        );
        // A dossier named without its secret.
        bad["unit"] = json!(WARD_A);
        bad["dossier_code"] = json!("WA-260101-0001");
        bad["dossier_secret"] = json!("AAAA-BBBB-CCCC");
        let (_, v) = app
            .call("POST", "/api/v1/public/feedback", None, Some(bad))
            .await;
        assert_eq!(v["field"], "dossier_secret", "{v}");
        // The page shows every problem at once, each next to its field, and keeps what was typed.
        let form = "unit=&topic=dossier&title=x&content=ng%E1%BA%AFn&full_name=&phone=12&email=khong-phai-thu";
        let (s, _, page) = app.page("/phan-anh", Some(form), "").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        for text in [
            "Chọn cơ quan, đơn vị nhận phản ánh",
            "Tiêu đề từ 5 đến 200 ký tự",
            "Nội dung phản ánh, kiến nghị từ 20 đến 5000 ký tự",
            "Phản ánh về việc giải quyết hồ sơ cần mã hồ sơ",
            "Họ tên không được để trống",
            "Số điện thoại phải gồm 8 đến 15 chữ số",
            "Địa chỉ thư điện tử không hợp lệ",
        ] {
            assert!(page.contains(text), "{text} missing");
        }
        assert!(page.matches("class=\"field-error\"").count() >= 7);
        assert!(page.contains("value=\"khong-phai-thu\""));
        // Nothing was written.
        assert_eq!(app.count("feedback_events"), 0);
        assert_eq!(app.count("feedback_contacts"), 0);
        // A good one through the page shows the reference and secret once.
        let form = "unit=WA&topic=conduct&title=Th%C3%A1i+%C4%91%E1%BB%99+c%C3%A1n+b%E1%BB%99&content=C%C3%A1n+b%E1%BB%99+ti%E1%BA%BFp+nh%E1%BA%ADn+kh%C3%B4ng+h%C6%B0%E1%BB%9Bng+d%E1%BA%ABn+r%C3%B5+r%C3%A0ng&full_name=Tr%E1%BA%A7n+B&phone=0905123456";
        let (s, _, page) = app.page("/phan-anh", Some(form), "").await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("Mã bí mật:"));
        assert_eq!(app.count("feedback_contacts"), 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn officials_pages_show_the_queues_and_take_the_steps() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        submit(&app, WARD_A, "Phản ánh qua trang cán bộ").await;
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let (id, version) = id_of(&app, &leader, "Phản ánh qua trang cán bộ").await;
        let (s, _, page) = app.page("/can-bo/phan-anh?hang=new", None, &leader).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("Phản ánh qua trang cán bộ"));
        let (s, _, page) = app
            .page(&format!("/can-bo/phan-anh/{id}"), None, &leader)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("0905 777 888") || page.contains("0905777888"));
        // A short answer comes back next to its field; a good one is recorded.
        let (s, _, page) = app
            .page(
                &format!("/can-bo/phan-anh/{id}/answer"),
                Some(&format!("version={version}&text=ng%E1%BA%AFn")),
                &leader,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("field-error"));
        let (s, location, _) = app
            .page(
                &format!("/can-bo/phan-anh/{id}/answer"),
                Some(&format!(
                    "version={version}&text=%C4%90%C3%A3+ki%E1%BB%83m+tra+v%C3%A0+nh%E1%BA%AFc+nh%E1%BB%9F+c%C3%A1n+b%E1%BB%99+ti%E1%BA%BFp+nh%E1%BA%ADn&publish=1"
                )),
                &leader,
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(
            location.as_deref(),
            Some(format!("/can-bo/phan-anh/{id}").as_str())
        );
        let (_, _, page) = app.page("/phan-anh/da-tra-loi?q=nhac", None, "").await;
        assert!(page.contains("Phản ánh qua trang cán bộ"));
        assert!(!page.contains("Riêng Tư"));
        // The desk writes one down on someone's behalf.
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let form = "unit=WA&topic=other&title=Gh%E1%BA%BF+ng%E1%BB%93i+ch%E1%BB%9D+kh%C3%B4ng+%C4%91%E1%BB%A7&content=Khu+v%E1%BB%B1c+ch%E1%BB%9D+c%E1%BB%A7a+b%E1%BB%99+ph%E1%BA%ADn+m%E1%BB%99t+c%E1%BB%ADa+thi%E1%BA%BFu+gh%E1%BA%BF&full_name=Nguy%E1%BB%85n+D&phone=0905000111";
        let (s, _, page) = app
            .page("/can-bo/phan-anh/ghi-nhan", Some(form), &desk)
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("Mã bí mật:"));
        // The specialist of ward B may not record for ward A.
        let other = app.login(&format!("reception_officer.{WARD_B}")).await;
        let (s, _, _) = app
            .page("/can-bo/phan-anh/ghi-nhan", Some(form), &other)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}
