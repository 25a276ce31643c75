//! Issue 17, item 1: a dossier received at one ward for a procedure the catalogue lists as
//! boundary-free, resolved by another ward, returned where the applicant chose; counted received
//! at the first and resolved by the second; a procedure not so listed refused with the reason.

use axum::http::StatusCode;
use chrono::NaiveDate;
use motcua_domain::calendar::Limit;
use motcua_domain::catalogue::{Announcement, Item};
use motcua_domain::org::UnitLevel;
use motcua_domain::procedure::{
    Applicability, Channels, OnlineLevel, PaperSpec, ProcedureSpec, StepBudget,
};
use motcua_store::procedures;
use serde_json::{Value, json};

use crate::support::*;

/// A boundary-free procedure at the communes (the flag set by its announcement decision).
fn add_boundary_free_procedure(app: &TestApp) {
    let spec = ProcedureSpec {
        code: "2.000635".into(),
        name: "Cấp bản sao trích lục hộ tịch".into(),
        field: "Hộ tịch".into(),
        level: UnitLevel::Commune,
        receiving_agency: String::new(),
        deciding_agency: String::new(),
        channels: Channels {
            desk: true,
            post: true,
            online: OnlineLevel::Full,
        },
        limit: Limit::WorkingDays(2),
        conditional_limits: vec![],
        steps: vec![
            StepBudget {
                name: "Tiếp nhận".into(),
                budget: Limit::WorkingMinutes(60),
                performer: None,
            },
            StepBudget {
                name: "Xử lý".into(),
                budget: Limit::WorkingDays(1),
                performer: None,
            },
        ],
        fees: vec![],
        papers: vec![PaperSpec {
            name: "Tờ khai".into(),
            copies: 1,
            mandatory: true,
            template: None,
            condition: None,
        }],
        conditions: vec![],
        result: "Bản sao trích lục".into(),
        legal_basis: vec![],
        applies_to: Applicability {
            levels: vec![UnitLevel::Commune],
            units: vec![],
            except: vec![],
        },
        boundary_free: true,
    };
    let decision = Announcement {
        number: "2/QĐ-UBND".into(),
        date: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        issuer: "UBND tỉnh".into(),
        effective: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        items: vec![Item::New { procedure: spec }],
    };
    sync(|| {
        app.store
            .store
            .write(|tx| procedures::import(tx, &[decision], "test", chrono::Utc::now()))
            .unwrap()
    });
}

fn body(code: &str, competent: &str, return_unit: &str) -> Value {
    let mut b = reception(WARD_A);
    b["procedure_code"] = json!(code);
    b["papers"] =
        json!([{"name": if code == "1.001612" { "Giấy đề nghị" } else { "Tờ khai" }, "copies": 1}]);
    b["details"] = json!({"competent_unit": competent, "return_unit": return_unit});
    b
}

#[tokio::test(flavor = "multi_thread")]
async fn ward_a_receives_for_ward_b_which_resolves_and_ward_a_returns() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        add_boundary_free_procedure(&app);
        let desk_a = app.login(&format!("reception_officer.{WARD_A}")).await;
        let desk_b = app.login(&format!("reception_officer.{WARD_B}")).await;
        let specialist_b = app.login(&format!("specialist.{WARD_B}")).await;
        let leader_b = app.login(&format!("unit_leader.{WARD_B}")).await;
        let leader_a = app.login(&format!("unit_leader.{WARD_A}")).await;

        // Not listed as boundary-free: refused, naming the field, with the reason in both languages.
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk_a),
                Some(body("1.001612", WARD_B, "")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        assert!(v.to_string().contains("details.competent_unit"), "{v}");
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains("không phụ thuộc địa giới hành chính"),
            "{v}"
        );
        assert!(
            v["detail_en"]
                .as_str()
                .unwrap()
                .contains("regardless of administrative boundaries"),
            "{v}"
        );
        // A unit outside the province (there is none in force but the province's own) and an
        // unknown one: refused the same way, nothing written.
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk_a),
                Some(body("2.000635", "000.99.99.H99", "")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(app.count("dossiers"), 0, "{url}: a refusal writes nothing");
        // Ward A's desk cannot act as ward B's desk.
        let mut at_b = body("2.000635", "", "");
        at_b["unit"] = json!(WARD_B);
        let (s, _) = app
            .call("POST", "/api/v1/dossiers", Some(&desk_a), Some(at_b))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // Boundary-free: received at ward A for ward B, to be returned at ward A.
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk_a),
                Some(body("2.000635", WARD_B, WARD_A)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {v}");
        let id = v["id"].as_i64().unwrap();
        let code = v["code"].as_str().unwrap().to_owned();
        assert!(
            code.starts_with(&format!("{WARD_A}-")),
            "code of the receiving point: {code}"
        );
        let get = |token: String| {
            let app = &app;
            async move {
                app.call("GET", &format!("/api/v1/dossiers/{id}"), Some(&token), None)
                    .await
            }
        };
        let (s, v) = get(desk_a.clone()).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let d = if v["dossier"].is_object() {
            v["dossier"].clone()
        } else {
            v.clone()
        };
        assert_eq!(d["unit"], json!(WARD_A), "{d}");
        assert_eq!(d["competent"], json!(WARD_B), "{d}");
        assert!(
            d.get("return_unit").is_none_or(Value::is_null),
            "the receiving unit is the default: {d}"
        );
        assert_eq!(
            d["steps"][0]["name"],
            json!("Chuyển hồ sơ đến cơ quan có thẩm quyền"),
            "the hand-over is its own step: {d}"
        );
        assert_eq!(d["steps"][0]["budget"]["unit"], json!("same_day"), "{d}");
        // Ward B does not see it before it arrives; ward A's leader (no desk) cannot move it.
        let (s, _) = get(specialist_b.clone()).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let act = |token: &str, action: &str, body: Value| {
            let token = token.to_owned();
            let path = format!("/api/v1/dossiers/{id}/{action}");
            let app = &app;
            async move { app.call("POST", &path, Some(&token), Some(body)).await }
        };
        // Only to the competent agency.
        let (s, v) = act(
            &desk_a,
            "hand-over",
            json!({"version": 1, "to_unit": WARD_A}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = act(
            &desk_a,
            "hand-over",
            json!({"version": 1, "to_unit": WARD_B}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // Processed at ward B.
        let (s, v) = act(
            &specialist_b,
            "hand-over",
            json!({"version": 2, "to_unit": WARD_B}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = act(&leader_a, "result-ready", json!({"version": 3})).await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "ward A sees it, but decides nothing at ward B: {v}"
        );
        let (s, v) = act(&leader_b, "result-ready", json!({"version": 3})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // Returned at ward A, the point chosen; ward B's desk may not hand it over.
        let (s, _) = act(
            &desk_b,
            "return",
            json!({"version": 4, "to_whom": "Nguyễn Văn Thử"}),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = act(
            &desk_a,
            "return",
            json!({"version": 4, "to_whom": "Nguyễn Văn Thử"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");

        // Reports: received at ward A, resolved by ward B.
        let month = chrono::Utc::now().format("%Y-%m").to_string();
        let report = |unit: &str| {
            let app = &app;
            let q = format!("/api/v1/reports?don_vi={unit}&tu={month}&den={month}");
            let token = if unit == WARD_A {
                leader_a.clone()
            } else {
                leader_b.clone()
            };
            async move {
                let (s, v) = app.call("GET", &q, Some(&token), None).await;
                assert_eq!(s, StatusCode::OK, "{v}");
                v
            }
        };
        let a = report(WARD_A).await;
        let b = report(WARD_B).await;
        let received = |f: &Value| {
            f["received_desk"].as_i64().unwrap()
                + f["received_post"].as_i64().unwrap()
                + f["received_online"].as_i64().unwrap()
        };
        let resolved = |f: &Value| {
            f["resolved_early"].as_i64().unwrap()
                + f["resolved_on_time"].as_i64().unwrap()
                + f["resolved_late"].as_i64().unwrap()
        };
        assert_eq!(
            received(&a["total"]),
            1,
            "{url}: received at A: {}",
            a["total"]
        );
        assert_eq!(resolved(&a["total"]), 1, "{}", a["total"]);
        assert_eq!(
            resolved(&a["resolved"]),
            0,
            "not resolved by A: {}",
            a["resolved"]
        );
        assert_eq!(
            received(&b["total"]),
            0,
            "not received at B: {}",
            b["total"]
        );
        assert_eq!(
            resolved(&b["resolved"]),
            1,
            "resolved by B: {}",
            b["resolved"]
        );
        assert_eq!(
            a["crossing"][0]["direction"],
            json!("out"),
            "{}",
            a["crossing"]
        );
        assert_eq!(a["crossing"][0]["unit"], json!(WARD_B));
        assert_eq!(
            b["crossing"][0]["direction"],
            json!("in"),
            "{}",
            b["crossing"]
        );
        assert_eq!(b["crossing"][0]["unit"], json!(WARD_A));
        // The 766 inputs are the resolving agency's.
        assert_eq!(a["inputs"]["resolved"], json!(0), "{}", a["inputs"]);
        assert_eq!(b["inputs"]["resolved"], json!(1), "{}", b["inputs"]);
        // The report page shows both views.
        let (s, _, page) = app
            .page(
                &format!("/can-bo/bao-cao?don_vi={WARD_B}&tu={month}&den={month}"),
                None,
                &leader_b,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            page.contains("Hồ sơ tiếp nhận không phụ thuộc địa giới hành chính")
                && page.contains("Tiếp nhận nơi khác, giải quyết tại đây"),
            "{page}"
        );
        // Replay gives the same state and counters.
        sync(|| {
            app.store
                .store
                .write(|tx| {
                    let before = (
                        motcua_store::stats::all(tx)?,
                        motcua_store::stats::all_cross(tx)?,
                        motcua_store::dossiers::projection_digest(tx)?,
                    );
                    assert_eq!(before.1.len(), 1, "one cross key: {:?}", before.1);
                    motcua_store::dossiers::rebuild(tx)?;
                    let after = (
                        motcua_store::stats::all(tx)?,
                        motcua_store::stats::all_cross(tx)?,
                        motcua_store::dossiers::projection_digest(tx)?,
                    );
                    assert_eq!(before, after);
                    Ok(())
                })
                .unwrap()
        });
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_counter_page_offers_the_competent_agency_and_return_point_only_for_boundary_free_procedures()
 {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        add_boundary_free_procedure(&app);
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (s, _, body) = app
            .page("/can-bo/tiep-nhan?thu_tuc=1.001612", None, &desk)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            !body.contains("name=\"competent_unit\""),
            "{url}: not offered"
        );
        let (s, _, body) = app
            .page("/can-bo/tiep-nhan?thu_tuc=2.000635", None, &desk)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("name=\"competent_unit\"")
                && body.contains(&format!("<option value=\"{WARD_B}\""))
                && body.contains("name=\"return_unit\""),
            "{body}"
        );
        let form = |code: &str| {
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("procedure_code", code),
                    ("unit", WARD_A),
                    ("competent_unit", WARD_B),
                    ("return_unit", ""),
                    ("applicant_kind", "citizen"),
                    ("full_name", "Trần Thị Thử"),
                    ("id_number", "066090001235"),
                    ("address", "Tổ 2"),
                    ("phone", "0905111333"),
                    ("paper_0", "1"),
                    (
                        "paper_0_name",
                        if code == "1.001612" {
                            "Giấy đề nghị"
                        } else {
                            "Tờ khai"
                        },
                    ),
                    ("paper_0_kind", "original"),
                    ("paper_0_copies", "1"),
                ])
                .finish()
        };
        // Not boundary-free: the form again, with the reason.
        let (s, _, body) = app
            .page("/can-bo/tiep-nhan", Some(&form("1.001612")), &desk)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body.contains("không thuộc danh mục tiếp nhận không phụ thuộc địa giới hành chính"),
            "{body}"
        );
        let (s, location, body) = app
            .page("/can-bo/tiep-nhan", Some(&form("2.000635")), &desk)
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{url}: {body}");
        let (s, _, body) = app.page(&location.unwrap(), None, &desk).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains(&format!("{WARD_A}-")),
            "the receipt, coded at ward A"
        );
        let (s, _, body) = app.page("/can-bo/ho-so/1", None, &desk).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("Cơ quan có thẩm quyền giải quyết")
                && body.contains("Chuyển hồ sơ đến cơ quan có thẩm quyền"),
            "{body}"
        );
    }
}
