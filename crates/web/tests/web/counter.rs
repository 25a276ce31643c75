//! The counter as the law has it, through the API and the staff pages: same-day limits on form 01,
//! every kind of applicant, mandatory papers, walk-ins with forms 02 and 03, corrections, the
//! stale-supplement queue, the register and the printed forms.

use crate::support::*;
use motcua_domain::dossier::{Actor, Command, from_local};
use motcua_domain::procedure::ProcedureRef;
use motcua_store::dossiers::{Request as StoreRequest, Target, execute};

pub const BIRTH: &str = "1.001193";

/// Adds a same-day procedure (birth registration) with one mandatory paper.
fn birth_registration(app: &TestApp) {
    sync(|| {
        app.store
            .store
            .write(|tx| {
                let spec = ProcedureSpec {
                    code: BIRTH.into(),
                    name: "Đăng ký khai sinh".into(),
                    field: "Hộ tịch".into(),
                    level: UnitLevel::Commune,
                    receiving_agency: String::new(),
                    deciding_agency: String::new(),
                    channels: Channels {
                        desk: true,
                        post: true,
                        online: OnlineLevel::Full,
                    },
                    limit: Limit::SameDay,
                    conditional_limits: vec![motcua_domain::procedure::ConditionalLimit {
                        condition: "Cần xác minh".into(),
                        limit: Limit::WorkingDays(5),
                    }],
                    steps: vec![],
                    fees: vec![],
                    papers: vec![PaperSpec {
                        name: "Tờ khai đăng ký khai sinh".into(),
                        copies: 1,
                        mandatory: true,
                        template: None,
                        condition: None,
                    }],
                    conditions: vec![],
                    result: String::new(),
                    legal_basis: vec![],
                    applies_to: Applicability {
                        levels: vec![UnitLevel::Commune],
                        units: vec![],
                        except: vec![],
                    },
                    boundary_free: false,
                };
                let decision = Announcement {
                    number: "2/QĐ-UBND".into(),
                    date: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                    issuer: "UBND tỉnh".into(),
                    effective: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                    items: vec![Item::New { procedure: spec }],
                };
                procedures::import(tx, &[decision], "test", chrono::Utc::now())?;
                Ok(())
            })
            .unwrap()
    })
}

/// Receives a birth registration at ward A at a given Vietnam time (the store's clock is the
/// request's), as the desk officer; returns the dossier's id.
fn receive_at(app: &TestApp, local: &str) -> i64 {
    let officer = app.staff_id(&format!("reception_officer.{WARD_A}"));
    sync(|| {
        app.store
            .store
            .write(|tx| {
                let cal = motcua_store::calendar::work_calendar(tx)?;
                let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
                let p = procedures::in_force(tx, BIRTH, today)?;
                let now = from_local(
                    chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M").unwrap(),
                );
                let out = execute(
                    tx,
                    &cal,
                    vec![StoreRequest {
                        target: Target::New,
                        actor: Actor::Staff { id: officer },
                        command: Command::Receive {
                            code: String::new(),
                            channel: motcua_domain::dossier::Channel::Desk,
                            procedure: Some(ProcedureRef::from(&p)),
                            unit: Some(WARD_A.into()),
                            applicant: Some(motcua_domain::dossier::Applicant {
                                full_name: "Lê Thị Mẹ".into(),
                                id_number: Some("066190001234".into()),
                                phone: "0905123456".into(),
                                email: None,
                                address: None,
                                date_of_birth: None,
                                sex: None,
                                kind: Default::default(),
                                representative: None,
                                notify: None,
                                sealed: None,
                            }),
                            papers: Some(vec![motcua_domain::dossier::Paper {
                                name: "Tờ khai đăng ký khai sinh".into(),
                                copies: 1,
                                file: None,
                                kind: Some(motcua_domain::dossier::PaperKind::Original),
                            }]),
                            details: Default::default(),
                        },
                        now,
                    }],
                )?;
                Ok(out[0].id)
            })
            .unwrap()
    })
}

/// A page as a signed-in member of staff (the API token is also the session cookie).
async fn page(app: &TestApp, token: &str, path: &str) -> (StatusCode, String) {
    let (s, _, body) = app.page(path, None, token).await;
    (s, body)
}

/// A form posted as a signed-in member of staff: (status, location, body).
async fn post_form(
    app: &TestApp,
    token: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let (s, location, body) = app.page(path, Some(&body), token).await;
    (s, location.unwrap_or_default(), body)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_birth_registration_received_at_nine_is_due_that_evening_and_at_half_past_three_the_next_working_day()
 {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        birth_registration(&app);
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        // Tuesday 10 March 2026.
        let morning = receive_at(&app, "2026-03-10T09:00");
        let afternoon = receive_at(&app, "2026-03-10T15:30");
        let (s, body) = page(
            &app,
            &desk,
            &format!("/can-bo/ho-so/{morning}/phieu-tiep-nhan"),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}");
        assert!(
            body.contains("Thời gian trả kết quả giải quyết hồ sơ: <strong>17 giờ 00 phút, ngày 10 tháng 03 năm 2026</strong>"),
            "{url}: received 09:00, returned at the close of that day: {body}"
        );
        let (_, body) = page(
            &app,
            &desk,
            &format!("/can-bo/ho-so/{afternoon}/phieu-tiep-nhan"),
        )
        .await;
        assert!(
            body.contains("Thời gian trả kết quả giải quyết hồ sơ: <strong>17 giờ 00 phút, ngày 11 tháng 03 năm 2026</strong>"),
            "{url}: received after the 15:00 cut-off, the next working day: {body}"
        );
        // The basis in force that day (Circular 03/2025), from the dated table.
        assert!(body.contains("Thông tư 03/2025/TT-VPCP"), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_passport_applicant_and_an_organisation_through_a_representative_are_received() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let mut foreigner = reception(WARD_A);
        foreigner["applicant"] = json!({
            "full_name": "John Smith", "phone": "0905111333", "id_number": null,
            "kind": {"type": "foreigner", "passport": "c1234567", "nationality": "Úc"}
        });
        foreigner["papers"] =
            json!([{"name": "Giấy đề nghị", "copies": 2, "kind": "certified_copy"}]);
        let (s, v) = app
            .call("POST", "/api/v1/dossiers", Some(&desk), Some(foreigner))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {v}");
        assert_eq!(v["receipt"]["applicant"]["kind"]["passport"], "C1234567");
        let id = v["id"].as_i64().unwrap();
        let (_, body) = page(&app, &desk, &format!("/can-bo/ho-so/{id}/phieu-tiep-nhan")).await;
        assert!(
            body.contains("Số hộ chiếu: C1234567") && body.contains("Quốc tịch: Úc"),
            "{body}"
        );
        assert!(
            body.contains("<td>Bản sao chứng thực</td><td>2</td>"),
            "{body}"
        );
        // An organisation, through its page form, by an authorised representative.
        let (s, location, body) = post_form(
            &app,
            &desk,
            "/can-bo/tiep-nhan",
            &[
                ("procedure_code", "1.001612"),
                ("unit", WARD_A),
                ("applicant_kind", "organisation"),
                ("full_name", "Công ty TNHH Hoa Sen"),
                ("tax_code", "6001234567"),
                ("legal_representative", "Phạm Văn Giám"),
                ("address", "12 Lê Duẩn"),
                ("phone", "0262 3812 345"),
                ("rep_name", "Đỗ Thị Ủy"),
                (
                    "rep_authorisation",
                    "Giấy ủy quyền số 05/2026 ngày 02/3/2026",
                ),
                ("paper_0", "1"),
                ("paper_0_name", "Giấy đề nghị"),
                ("paper_0_kind", "original"),
                ("paper_0_copies", "1"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{url}: {body}");
        let (_, body) = page(&app, &desk, &location).await;
        assert!(
            body.contains("Công ty TNHH Hoa Sen")
                && body.contains("Mã số thuế: 6001234567")
                && body.contains("Người đại diện theo pháp luật: Phạm Văn Giám")
                && body.contains("Người được ủy quyền nộp hồ sơ: Đỗ Thị Ủy"),
            "{body}"
        );
        // A bad tax code is refused next to its field, and nothing is written.
        let before = app.count("events");
        let (s, _, body) = post_form(
            &app,
            &desk,
            "/can-bo/tiep-nhan",
            &[
                ("procedure_code", "1.001612"),
                ("unit", WARD_A),
                ("applicant_kind", "organisation"),
                ("full_name", "Công ty B"),
                ("tax_code", "12"),
                ("legal_representative", "A"),
                ("address", "1 Hùng Vương"),
                ("phone", "0262381234"),
                ("paper_0", "1"),
                ("paper_0_name", "Giấy đề nghị"),
                ("paper_0_kind", "original"),
                ("paper_0_copies", "1"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("Mã số thuế gồm 10 chữ số"), "{body}");
        assert_eq!(app.count("events"), before);
        // Three mistakes at once: three messages, each next to its field, what was typed kept.
        let (s, _, body) = post_form(
            &app,
            &desk,
            "/can-bo/tiep-nhan",
            &[
                ("procedure_code", "1.001612"),
                ("unit", WARD_A),
                ("applicant_kind", "citizen"),
                ("full_name", ""),
                ("id_number", "12345"),
                ("phone", "09"),
                ("email", "không-phải-thư"),
                ("paper_0", "1"),
                ("paper_0_name", "Giấy đề nghị"),
                ("paper_0_kind", "original"),
                ("paper_0_copies", "1"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        for (field, message) in [
            ("full_name", "Họ tên người nộp không được để trống"),
            ("id_number", "Số định danh cá nhân phải gồm 12 chữ số"),
            ("phone", "Số điện thoại phải gồm 8 đến 15 chữ số"),
            ("email", "Địa chỉ thư điện tử không hợp lệ"),
        ] {
            let next_to_field = body
                .split(&format!("<label for=\"{field}\">"))
                .nth(1)
                .and_then(|rest| rest.split("<input").next())
                .unwrap_or_else(|| panic!("no {field} in {body}"));
            assert!(next_to_field.contains(message), "{field}: {next_to_field}");
        }
        assert!(body.contains("value=\"12345\""), "what was typed is kept");
        assert_eq!(app.count("events"), before);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reception_missing_a_mandatory_paper_without_a_reason_is_refused_and_changes_nothing() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let mut body = reception(WARD_A);
        body["papers"] = json!([]);
        let (s, v) = app
            .call("POST", "/api/v1/dossiers", Some(&desk), Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        let text = v.to_string();
        assert!(
            text.contains("thiếu thành phần hồ sơ bắt buộc")
                && text.contains("mandatory papers missing")
                && text.contains("Giấy đề nghị"),
            "{v}"
        );
        // Through the page: the paper unticked and no reason.
        let (s, _, page_body) = post_form(
            &app,
            &desk,
            "/can-bo/tiep-nhan",
            &[
                ("procedure_code", "1.001612"),
                ("unit", WARD_A),
                ("full_name", "Trần Văn Thiếu"),
                ("phone", "0905000999"),
                ("paper_0_name", "Giấy đề nghị"),
                ("paper_0_kind", "original"),
                ("paper_0_copies", "1"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page_body.contains("thiếu thành phần hồ sơ bắt buộc"),
            "{page_body}"
        );
        assert_eq!(app.count("events"), 0, "{url}: nothing written");
        assert_eq!(app.count("dossiers"), 0);
        // With the reason, it is received and the receipt says what is missing and why.
        body["details"] = json!({"missing_papers": [{"name": "Giấy đề nghị", "reason": "Nộp bản điện tử sau qua cổng"}]});
        let (s, v) = app
            .call("POST", "/api/v1/dossiers", Some(&desk), Some(body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(
            v["receipt"]["missing_papers"][0]["reason"],
            "Nộp bản điện tử sau qua cổng"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_walk_in_refusal_prints_form_03_and_appears_in_the_report() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let refusal = |reason: &'static str| {
            vec![
                ("unit", WARD_A),
                ("procedure_code", "1.001612"),
                ("kind", "refusal"),
                ("applicant_name", "Võ Văn Đến"),
                ("applicant_phone", "0905777888"),
                ("items", ""),
                ("reason", reason),
            ]
        };
        // A refusal without its reasons is refused, and nothing is written.
        let (s, _, body) = post_form(&app, &desk, "/can-bo/tiep-dan", &refusal("")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(body.contains("phiếu từ chối phải nêu rõ lý do"), "{body}");
        assert_eq!(app.count("walk_ins"), 0);
        let (s, location, body) = post_form(
            &app,
            &desk,
            "/can-bo/tiep-dan",
            &refusal("Hồ sơ thuộc thẩm quyền cấp tỉnh"),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{url}: {body}");
        let (s, body) = page(&app, &desk, &location).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("Mẫu số 03")
                && body.contains("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ")
                && body.contains("Võ Văn Đến")
                && body.contains("Hồ sơ thuộc thẩm quyền cấp tỉnh")
                && body.contains("Thông tư 03/2025/TT-VPCP"),
            "{body}"
        );
        // Guidance through the API prints as form 02; both are listed for the desk.
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/walk-ins",
                Some(&desk),
                Some(json!({
                    "unit": WARD_A, "procedure_code": "1.001612", "kind": "guidance",
                    "applicant_name": "Đinh Thị Hỏi", "items": ["Giấy đề nghị có chữ ký"]
                })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["form"], "02");
        let guided = v["id"].as_i64().unwrap();
        let (_, body) = page(&app, &desk, &format!("/can-bo/tiep-dan/{guided}")).await;
        assert!(
            body.contains("Mẫu số 02")
                && body.contains("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ")
                && body.contains("Giấy đề nghị có chữ ký"),
            "{body}"
        );
        let (s, v) = app.call("GET", "/api/v1/walk-ins", Some(&desk), None).await;
        assert_eq!(s, StatusCode::OK);
        let kinds: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["walk_in"]["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["refusal", "guidance"], "{v}");
        let (_, body) = page(&app, &desk, "/can-bo/tiep-dan").await;
        assert!(body.contains("Võ Văn Đến") && body.contains("Đinh Thị Hỏi"));
        // Only the reception staff of the desk's unit.
        let specialist = app.login(&format!("specialist.{WARD_A}")).await;
        let other_desk = app.login(&format!("reception_officer.{WARD_B}")).await;
        let body = json!({
            "unit": WARD_A, "procedure_code": "1.001612", "kind": "refusal",
            "applicant_name": "X", "reason": "y"
        });
        for token in [&specialist, &other_desk] {
            let (s, _) = app
                .call("POST", "/api/v1/walk-ins", Some(token), Some(body.clone()))
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN);
        }
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/walk-ins/{guided}"),
                Some(&other_desk),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(app.count("walk_ins"), 2);
        // The report counts the refusal and the guidance, and its page shows the columns.
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let month = chrono::Utc::now().format("%Y-%m").to_string();
        let q = format!("don_vi={WARD_A}&tu={month}&den={month}");
        let (s, v) = app
            .call("GET", &format!("/api/v1/reports?{q}"), Some(&leader), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["total"]["walk_in_refused"], 1, "{v}");
        assert_eq!(v["total"]["walk_in_guided"], 1);
        let (_, body) = page(&app, &leader, &format!("/can-bo/bao-cao?{q}")).await;
        let row = body
            .split("Từ chối tại quầy (mẫu 03)")
            .nth(1)
            .unwrap_or_default();
        assert!(row.contains("<tfoot><tr><th scope=\"row\">Tổng cộng</th><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td><td>1</td></tr></tfoot>"), "{body}");
    }
}

/// Runs one command through the store at a chosen instant; returns the dossier's id.
fn execute_at(
    app: &TestApp,
    target: Target,
    actor: Actor,
    command: Command,
    now: chrono::DateTime<chrono::Utc>,
) -> i64 {
    sync(|| {
        app.store
            .store
            .write(|tx| {
                let cal = motcua_store::calendar::work_calendar(tx)?;
                let out = execute(
                    tx,
                    &cal,
                    vec![StoreRequest {
                        target,
                        actor,
                        command,
                        now,
                    }],
                )?;
                Ok(out[0].id)
            })
            .unwrap()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_correction_after_reception_shows_on_the_receipt_and_needs_its_reason() {
    for url in sync(test_db_urls) {
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
        let version = v["version"].as_i64().unwrap();
        let path = format!("/api/v1/dossiers/{id}/correct");
        // Without a reason: refused, nothing written.
        let before = app.count("events");
        let (s, v) = app
            .call(
                "POST",
                &path,
                Some(&desk),
                Some(json!({"version": version, "field": "full_name", "value": "Nguyễn Văn Thủ"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        assert_eq!(app.count("events"), before);
        // A detail that does not apply to a citizen is refused too.
        let (s, _) = app
            .call("POST", &path, Some(&desk), Some(json!({"version": version, "field": "tax_code", "value": "6001234567", "reason": "x"})))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, v) = app
            .call(
                "POST",
                &path,
                Some(&desk),
                Some(json!({"version": version, "field": "full_name", "value": "Nguyễn Văn Thủ", "reason": "Gõ nhầm dấu khi tiếp nhận"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["event"], "corrected");
        assert_eq!(v["receipt"]["applicant"]["full_name"], "Nguyễn Văn Thủ");
        // The page offers the correction; a second one goes through the page form.
        let (_, body) = page(&app, &desk, &format!("/can-bo/ho-so/{id}")).await;
        assert!(body.contains("Đính chính thông tin người nộp"), "{body}");
        assert!(
            !body.contains("value=\"tax_code\""),
            "only the details of a citizen are offered"
        );
        let (s, location, body) = post_form(
            &app,
            &desk,
            &format!("/can-bo/ho-so/{id}/correct"),
            &[
                ("version", &(version + 1).to_string()),
                ("field", "phone"),
                ("value", "0905999000"),
                ("reason", "Người nộp đổi số điện thoại"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        assert!(location.ends_with("?ok=correct"), "{location}");
        let (_, receipt) = page(&app, &desk, &format!("/can-bo/ho-so/{id}/phieu-tiep-nhan")).await;
        assert!(
            receipt.contains("Nguyễn Văn Thủ")
                && !receipt.contains("Nguyễn Văn Thử")
                && receipt.contains("0905999000"),
            "{url}: the receipt printed afterwards shows the corrected data: {receipt}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_supplement_request_at_the_same_agency_is_refused_with_the_reason() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/public/dossiers",
                None,
                Some(json!({
                    "procedure_code": "1.001612", "unit": WARD_A,
                    "applicant": {"full_name": "Trần Thị Dân", "phone": "0912345678"},
                    "papers": [{"name": "Giấy đề nghị", "copies": 1}]
                })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let reference = v["reference"].as_str().unwrap().to_owned();
        let id = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::public_access::by_reference(tx, &reference))
                .unwrap()
                .unwrap()
        });
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let act = |action: &str, body: Value| {
            let path = format!("/api/v1/dossiers/{id}/{action}");
            let (app, desk) = (&app, desk.clone());
            async move { app.call("POST", &path, Some(&desk), Some(body)).await }
        };
        let (s, v) = act(
            "request-supplement",
            json!({"version": 1, "items": ["Bản sao giấy tờ tùy thân"], "reason": "Thiếu giấy tờ"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        let (s, v) = act(
            "supplement",
            json!({"version": 2, "note": "Đã nộp bản sao"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let before = app.count("events");
        let (s, v) = act(
            "request-supplement",
            json!({"version": 3, "items": ["Ảnh"], "reason": "Thiếu ảnh"}),
        )
        .await;
        assert!(s.is_client_error(), "{s}: {v}");
        assert!(
            v.to_string()
                .contains("đã yêu cầu bổ sung hồ sơ này một lần")
                && v.to_string().contains("must ask once"),
            "{v}"
        );
        assert_eq!(app.count("events"), before, "nothing written");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supplement_request_waiting_past_the_limit_shows_in_the_desks_queue_and_can_be_returned()
{
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let officer = app.staff_id(&format!("reception_officer.{WARD_A}"));
        let long_ago = chrono::Utc::now() - chrono::TimeDelta::days(60);
        let submit = |when| {
            let p = sync(|| {
                app.store
                    .store
                    .read(|tx| {
                        procedures::in_force(
                            tx,
                            "1.001612",
                            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                        )
                    })
                    .unwrap()
            });
            execute_at(
                &app,
                Target::New,
                Actor::Applicant,
                Command::SubmitOnline {
                    procedure: ProcedureRef::from(&p),
                    unit: WARD_A.into(),
                    applicant: motcua_domain::dossier::Applicant {
                        full_name: "Hồ Văn Chờ".into(),
                        id_number: None,
                        phone: "0905222333".into(),
                        email: None,
                        address: None,
                        date_of_birth: None,
                        sex: None,
                        kind: Default::default(),
                        representative: None,
                        notify: None,
                        sealed: None,
                    },
                    papers: vec![],
                },
                when,
            )
        };
        let request = |id, when| {
            execute_at(
                &app,
                Target::Existing {
                    id,
                    expected_version: 1,
                },
                Actor::Staff { id: officer },
                Command::RequestSupplement {
                    items: vec!["Giấy đề nghị".into()],
                    reason: "Thiếu giấy đề nghị".into(),
                },
                when,
            )
        };
        let stale = submit(long_ago);
        request(stale, long_ago + chrono::TimeDelta::hours(1));
        let fresh = submit(chrono::Utc::now() - chrono::TimeDelta::hours(2));
        request(fresh, chrono::Utc::now() - chrono::TimeDelta::hours(1));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (s, v) = app
            .call(
                "GET",
                "/api/v1/dossiers/stale-supplements",
                Some(&desk),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        let ids: Vec<i64> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [stale], "{v}");
        let other = app.login(&format!("reception_officer.{WARD_B}")).await;
        let (_, v) = app
            .call(
                "GET",
                "/api/v1/dossiers/stale-supplements",
                Some(&other),
                None,
            )
            .await;
        assert_eq!(v["items"], json!([]), "another ward's desk sees none");
        let (s, body) = page(&app, &desk, "/can-bo/bo-sung-qua-han").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("Hồ Văn Chờ")
                && body.contains(&format!("/can-bo/ho-so/{stale}/return-unsupplemented")),
            "{body}"
        );
        // The fresh request cannot be returned yet.
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{fresh}/return-unsupplemented"),
                Some(&desk),
                Some(json!({"version": 2, "reason": "Quá hạn"})),
            )
            .await;
        assert!(s.is_client_error(), "{s}: {v}");
        let (s, location, body) = post_form(
            &app,
            &desk,
            &format!("/can-bo/ho-so/{stale}/return-unsupplemented"),
            &[("version", "2"), ("reason", "Quá thời hạn bổ sung hồ sơ")],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        assert!(location.ends_with("?ok=return-unsupplemented"));
        let (_, v) = app
            .call(
                "GET",
                "/api/v1/dossiers/stale-supplements",
                Some(&desk),
                None,
            )
            .await;
        assert_eq!(v["items"], json!([]));
        let (_, v) = app
            .call(
                "GET",
                &format!("/api/v1/dossiers/{stale}"),
                Some(&desk),
                None,
            )
            .await;
        assert_eq!(v["dossier"]["status"], "refused", "{v}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_register_lists_the_period_s_dossiers_for_print_and_as_a_workbook() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        birth_registration(&app);
        receive_at(&app, "2026-03-10T09:00");
        receive_at(&app, "2026-04-02T10:00");
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/register?unit={WARD_A}&from=2026-03&to=2026-03"),
                Some(&desk),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        assert_eq!(v["form"], "07", "Circular 03/2025's register");
        let lines = v["lines"].as_array().unwrap();
        assert_eq!(lines.len(), 1, "only March: {v}");
        assert_eq!(lines[0]["applicant"], "Lê Thị Mẹ");
        let (_, v) = app
            .call(
                "GET",
                &format!("/api/v1/register?unit={WARD_A}&from=2026-03&to=2026-04"),
                Some(&desk),
                None,
            )
            .await;
        assert_eq!(v["lines"].as_array().unwrap().len(), 2);
        let (s, body) = page(
            &app,
            &desk,
            &format!("/can-bo/so-theo-doi?don_vi={WARD_A}&tu=2026-03&den=2026-03"),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("SỔ THEO DÕI HỒ SƠ")
                && body.contains("Mẫu số 07")
                && body.contains("Lê Thị Mẹ")
                && body.contains("Đăng ký khai sinh"),
            "{body}"
        );
        let res = app
            .router
            .clone()
            .oneshot(
                Request::builder()
                    .uri(format!(
                        "/can-bo/so-theo-doi/tai-ve?don_vi={WARD_A}&tu=2026-03&den=2026-04"
                    ))
                    .header("cookie", format!("motcua_session={desk}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        assert!(bytes.starts_with(b"PK"), "an XLSX (zip) workbook");
        // The ward's inspector reads it without personal data; another ward's desk not at all.
        let inspector = app.login(&format!("inspector.{WARD_A}")).await;
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/register?unit={WARD_A}&from=2026-03&to=2026-03"),
                Some(&inspector),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let line = &v["lines"][0];
        assert!(
            line["applicant"] != "Lê Thị Mẹ"
                && line["phone"] == ""
                && line["procedure_name"] == "Đăng ký khai sinh",
            "{v}"
        );
        let other = app.login(&format!("reception_officer.{WARD_B}")).await;
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/register?unit={WARD_A}&from=2026-03&to=2026-03"),
                Some(&other),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/register?unit={WARD_A}&from=2026-04&to=2026-03"),
                Some(&desk),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "an inverted period");
    }
}

fn local(s: &str) -> chrono::DateTime<chrono::Utc> {
    from_local(chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn printed_forms_carry_persons_the_late_agency_and_the_legal_basis_of_their_reception_date() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        birth_registration(&app);
        let officer = app.staff_id(&format!("reception_officer.{WARD_A}"));
        let leader_b = app.staff_id(&format!("unit_leader.{WARD_B}"));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        // Received in May 2024 (Decree 61/2018 as amended by Decree 107/2021, Circular 01/2018),
        // handed to ward B, which is late and apologises.
        let old = receive_at(&app, "2024-05-14T09:00");
        execute_at(
            &app,
            Target::Existing {
                id: old,
                expected_version: 1,
            },
            Actor::Staff { id: officer },
            Command::HandOver {
                to_unit: WARD_B.into(),
                external: true,
                note: "Chuyển xác minh".into(),
                to_staff: None,
            },
            local("2024-05-14T10:00"),
        );
        execute_at(
            &app,
            Target::Existing {
                id: old,
                expected_version: 2,
            },
            Actor::Staff { id: leader_b },
            Command::Apologize {
                reason: "Chờ kết quả xác minh".into(),
                new_appointment: local("2024-05-17T16:00"),
            },
            local("2024-05-14T16:00"),
        );
        let (s, body) = page(&app, &desk, &format!("/can-bo/ho-so/{old}/mau/kiem-soat")).await;
        assert_eq!(s, StatusCode::OK, "{url}: {body}");
        assert!(
            body.contains("Mẫu số 05")
                && body.contains("Người giao")
                && body.contains("Ký người nhận")
                && body.contains("Lê Thị Mẹ")
                && body.contains("Cán bộ thử")
                && body.contains("Chuyển xác minh")
                && body.contains("Nghị định 107/2021/NĐ-CP"),
            "{body}"
        );
        let (s, body) = page(&app, &desk, &format!("/can-bo/ho-so/{old}/mau/04")).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        // The heading (Decree 30/2020: upper case) names the late agency, not the desk.
        let head = body.split("</table>").next().unwrap();
        assert!(
            head.contains(&format!("ĐƠN VỊ {WARD_B}"))
                && !head.contains(&format!("ĐƠN VỊ {WARD_A}"))
                && head.contains("Số: ")
                && head.contains("ngày "),
            "form 04 in the name of the late agency: {head}"
        );
        assert!(
            body.contains("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ")
                && body.contains("Mẫu số 04")
        );
        let (s, _) = page(&app, &desk, &format!("/can-bo/ho-so/{old}/mau/05")).await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "no form 05 before Circular 03/2025"
        );
        // Received in March 2026 and withdrawn: Circular 03/2025's control sheet (06) and form 05.
        let new = receive_at(&app, "2026-03-10T09:00");
        execute_at(
            &app,
            Target::Existing {
                id: new,
                expected_version: 1,
            },
            Actor::Staff { id: officer },
            Command::Withdraw {
                reason: "Người nộp xin rút để bổ sung giấy tờ".into(),
            },
            local("2026-03-10T10:00"),
        );
        let (_, body) = page(&app, &desk, &format!("/can-bo/ho-so/{new}")).await;
        assert!(
            body.contains(&format!("/can-bo/ho-so/{new}/mau/05")),
            "{body}"
        );
        let (s, body) = page(&app, &desk, &format!("/can-bo/ho-so/{new}/mau/05")).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(
            body.contains("Mẫu số 05")
                && body.contains("THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ")
                && body.contains("Người nộp xin rút để bổ sung giấy tờ")
                && body.contains("Thông tư 03/2025/TT-VPCP"),
            "{body}"
        );
        let (_, body) = page(&app, &desk, &format!("/can-bo/ho-so/{new}/mau/kiem-soat")).await;
        assert!(body.contains("Mẫu số 06"), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_condition_chosen_at_reception_gives_its_own_limit_and_is_printed() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        birth_registration(&app);
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (_, body) = page(&app, &desk, &format!("/can-bo/tiep-nhan?thu_tuc={BIRTH}")).await;
        assert!(
            body.contains("<option value=\"Cần xác minh\">Cần xác minh (5 ngày làm việc)</option>")
                && body.contains("(bắt buộc)"),
            "{url}: {body}"
        );
        let birth = |condition: &str| {
            json!({
                "procedure_code": BIRTH, "unit": WARD_A,
                "applicant": {"full_name": "Lê Thị Mẹ", "phone": "0905123456"},
                "papers": [{"name": "Tờ khai đăng ký khai sinh", "copies": 1, "kind": "original"}],
                "details": {"condition": condition}
            })
        };
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk),
                Some(birth("Không có")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(
            v.to_string().contains("thủ tục không có điều kiện này"),
            "{v}"
        );
        assert_eq!(app.count("dossiers"), 0);
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk),
                Some(birth("Cần xác minh")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let received: chrono::DateTime<chrono::Utc> = v["receipt"]["received_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let due: chrono::DateTime<chrono::Utc> = v["due"].as_str().unwrap().parse().unwrap();
        assert!(
            due - received >= chrono::TimeDelta::days(5),
            "five working days, not the same day: {v}"
        );
        let id = v["id"].as_i64().unwrap();
        let (_, body) = page(&app, &desk, &format!("/can-bo/ho-so/{id}/phieu-tiep-nhan")).await;
        assert!(
            body.contains("Điều kiện áp dụng thời hạn giải quyết: Cần xác minh"),
            "{body}"
        );
    }
}
