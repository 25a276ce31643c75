//! The HTTP API through the router, on SQLite and (when the test command provides it) PostgreSQL:
//! flows, authorization by role and unit, bad input that changes nothing, no personal data in public.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::NaiveDate;
use http_body_util::BodyExt;
use motcua_domain::calendar::Limit;
use motcua_domain::catalogue::{Announcement, Item};
use motcua_domain::org::{Grant, Role, Unit, UnitLevel};
use motcua_domain::procedure::{
    Applicability, Channels, OnlineLevel, PaperSpec, ProcedureSpec, StepBudget,
};
use motcua_store::{Store, org, procedures};
use motcua_web::{App, Settings};
use serde_json::{Value, json};
use tower::ServiceExt;

const PROVINCE: &str = "P";
const WARD_A: &str = "WA";
const WARD_B: &str = "WB";
const OLD_WARD: &str = "OLD";
const TAX: &str = "TAX";
const PASSWORD: &str = "mật-khẩu-thử-nghiệm";

fn test_db_urls() -> Vec<String> {
    let dir = std::env::temp_dir().join("motcua-web-tests");
    std::fs::create_dir_all(&dir).unwrap();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let unique = format!(
        "{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let mut urls = vec![format!(
        "sqlite:{}",
        dir.join(format!("{unique}.db")).display()
    )];
    match std::env::var("MOTCUA_TEST_PG") {
        Ok(base) => {
            let name = format!("motcua_web_{unique}");
            let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap();
            let (prefix, _) = base.rsplit_once('/').unwrap();
            urls.push(format!("{prefix}/{name}"));
        }
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("MOTCUA_TEST_PG must be set in CI (scripts/test-all.sh sets it)")
        }
        Err(_) => eprintln!("MOTCUA_TEST_PG not set: PostgreSQL skipped"),
    }
    urls
}

fn hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| motcua_web::auth::hash_password(PASSWORD).unwrap())
}

fn unit(code: &str, level: UnitLevel, parent: Option<&str>, to: Option<&str>) -> Unit {
    Unit {
        code: code.into(),
        name: format!("Đơn vị {code}"),
        level,
        parent: parent.map(Into::into),
        valid_from: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
        valid_to: to.map(|d| d.parse().unwrap()),
        successors: if to.is_some() {
            vec![WARD_A.into()]
        } else {
            vec![]
        },
    }
}

/// Every role, at ward A and at ward B: usernames "<role>.<unit>".
const ROLES: [Role; 6] = Role::ALL;

struct TestApp {
    router: Router,
    store: Arc<App>,
}

impl TestApp {
    fn new(url: &str, settings: Settings) -> TestApp {
        let store = Store::open(url).unwrap();
        store
            .write(|tx| {
                org::put_unit(tx, &unit(PROVINCE, UnitLevel::Province, None, None))?;
                org::put_unit(tx, &unit(WARD_A, UnitLevel::Commune, Some(PROVINCE), None))?;
                org::put_unit(tx, &unit(WARD_B, UnitLevel::Commune, Some(PROVINCE), None))?;
                org::put_unit(
                    tx,
                    &unit(
                        OLD_WARD,
                        UnitLevel::Commune,
                        Some(PROVINCE),
                        Some("2025-06-30"),
                    ),
                )?;
                org::put_unit(tx, &unit(TAX, UnitLevel::Agency, Some(PROVINCE), None))?;
                let spec = ProcedureSpec {
                    code: "1.001612".into(),
                    name: "Đăng ký thành lập hộ kinh doanh".into(),
                    field: "Hộ kinh doanh".into(),
                    level: UnitLevel::Commune,
                    receiving_agency: String::new(),
                    deciding_agency: String::new(),
                    channels: Channels {
                        desk: true,
                        post: true,
                        online: OnlineLevel::Full,
                    },
                    limit: Limit::WorkingDays(3),
                    conditional_limits: vec![],
                    steps: vec![
                        StepBudget {
                            name: "Tiếp nhận".into(),
                            budget: Limit::WorkingMinutes(240),
                            performer: None,
                        },
                        StepBudget {
                            name: "Thẩm định".into(),
                            budget: Limit::WorkingDays(2),
                            performer: None,
                        },
                        StepBudget {
                            name: "Ký".into(),
                            budget: Limit::WorkingMinutes(240),
                            performer: None,
                        },
                    ],
                    fees: vec![],
                    papers: vec![PaperSpec {
                        name: "Giấy đề nghị".into(),
                        copies: 1,
                        mandatory: true,
                        template: Some("Giấy đề nghị đăng ký hộ kinh doanh".into()),
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
                };
                let decision = Announcement {
                    number: "1/QĐ-UBND".into(),
                    date: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                    issuer: "UBND tỉnh".into(),
                    effective: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                    items: vec![Item::New { procedure: spec }],
                };
                procedures::import(tx, &[decision], "test", chrono::Utc::now())?;
                for u in [WARD_A, WARD_B] {
                    for role in ROLES {
                        org::add_staff(
                            tx,
                            &org::NewStaff {
                                username: &format!("{}.{u}", role.as_str()),
                                full_name: "Cán bộ thử",
                                title: "",
                                password_hash: hash(),
                                grants: &[Grant {
                                    role,
                                    unit: u.into(),
                                }],
                            },
                        )?;
                    }
                }
                Ok(())
            })
            .unwrap();
        let app = Arc::new(App::new(store, settings).unwrap());
        TestApp {
            router: motcua_web::api::router(app.clone()),
            store: app,
        }
    }

    async fn send(&self, req: Request<Body>) -> (StatusCode, Value, axum::http::HeaderMap) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, value, headers)
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header("content-type", "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let (s, v, _) = self.send(req).await;
        (s, v)
    }

    async fn login(&self, username: &str) -> String {
        let (s, v) = self
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": username, "password": PASSWORD})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{username}: {v}");
        v["token"].as_str().unwrap().to_owned()
    }

    fn count(&self, table: &str) -> i64 {
        sync(|| {
            self.store
                .store
                .read(|tx| {
                    tx.query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])?
                        .unwrap()
                        .i64(0)
                })
                .unwrap()
        })
    }
}

/// Runs blocking store work (the PostgreSQL driver is synchronous) from an async test.
fn sync<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

fn relaxed() -> Settings {
    Settings {
        public_rate_per_minute: 100_000,
        login_rate_per_minute: 100_000,
        ..Settings::default()
    }
}

fn reception(unit: &str) -> Value {
    json!({
        "procedure_code": "1.001612",
        "unit": unit,
        "applicant": {"full_name": "Nguyễn Văn Thử", "phone": "0905 111 222", "id_number": "066090001234", "address": "Tổ 1, phường A"},
        "papers": [{"name": "Giấy đề nghị", "copies": 1}]
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn citizen_and_officials_walk_a_dossier_through() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        // The citizen submits online.
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
        assert_eq!(s, StatusCode::CREATED, "{url}: {v}");
        let reference = v["reference"].as_str().unwrap().to_owned();
        let id: i64 = reference[1..].parse().unwrap();
        assert!(
            v.get("receipt").is_none(),
            "the applicant's answer carries no desk data: {v}"
        );
        // A retried submission with the same Idempotency-Key gets the first answer, not a second dossier.
        let keyed = |name: &str| {
            Request::builder()
                .method("POST")
                .uri("/api/v1/public/dossiers")
                .header("content-type", "application/json")
                .header("idempotency-key", "retry-1")
                .body(Body::from(
                    json!({"procedure_code": "1.001612", "unit": WARD_A, "applicant": {"full_name": name, "phone": "0912345678"}})
                        .to_string(),
                ))
                .unwrap()
        };
        let (s1, v1, _) = app.send(keyed("Lê Thử Lại")).await;
        let (s2, v2, _) = app.send(keyed("Lê Thử Lại")).await;
        assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
        assert_eq!(v1["reference"], v2["reference"]);
        let (s3, _, _) = app.send(keyed("Người Khác")).await;
        assert_eq!(
            s3,
            StatusCode::UNPROCESSABLE_ENTITY,
            "same key, another body"
        );
        assert_eq!(
            app.count("dossiers"),
            2,
            "{url}: one dossier per submission, not per retry"
        );
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let specialist = app.login(&format!("specialist.{WARD_A}")).await;
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let act = |token: &str, action: &str, body: Value| {
            let token = token.to_owned();
            let path = format!("/api/v1/dossiers/{id}/{action}");
            let app = &app;
            async move { app.call("POST", &path, Some(&token), Some(body)).await }
        };
        let (s, v) = act(&desk, "receive", json!({"version": 1})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let code = v["code"].as_str().unwrap().to_owned();
        assert!(code.starts_with(&format!("{WARD_A}-")), "{code}");
        assert_eq!(v["receipt"]["form"], "01");
        let (s, v) = act(&desk, "hand-over", json!({"version": 2, "to_unit": WARD_A})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // The specialist sends it to the tax office (another agency), which hands it back.
        let (s, v) = act(
            &specialist,
            "hand-over",
            json!({"version": 3, "to_unit": TAX}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = act(&leader, "result-ready", json!({"version": 4})).await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "ward A's leader cannot act for the tax office: {v}"
        );
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/dossiers/{id}"),
                Some(&leader),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "ward A still sees its dossier");
        let tax = {
            sync(|| {
                app.store
                    .store
                    .write(|tx| {
                        org::add_staff(
                            tx,
                            &org::NewStaff {
                                username: "tax.specialist",
                                full_name: "Thuế",
                                title: "",
                                password_hash: hash(),
                                grants: &[Grant {
                                    role: Role::Specialist,
                                    unit: TAX.into(),
                                }],
                            },
                        )
                    })
                    .unwrap()
            });
            app.login("tax.specialist").await
        };
        let (s, v) = act(&tax, "hand-over", json!({"version": 4, "to_unit": WARD_A})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = act(&leader, "result-ready", json!({"version": 5})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = act(
            &desk,
            "return",
            json!({"version": 6, "to_whom": "Trần Thị Dân"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // The dossier as staff see it: control sheet with an inter-agency row.
        let (s, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(&desk), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let rows = v["control_sheet"]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 4, "{v}");
        assert_eq!(rows[1]["to_unit"], TAX);
        assert_eq!(rows[1]["external"], true);
        assert_eq!(v["dossier"]["applicant"]["full_name"], "Trần Thị Dân");
        assert_eq!(v["history"].as_array().unwrap().len(), 7);
        assert!(
            app.count("personal_data_views") >= 1,
            "the view of personal data was logged"
        );
        // The citizen looks it up and rates it; no personal data is in the answer.
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/public/lookup?code={code}&phone_last4=5678"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "returned");
        assert_eq!(v["can_rate"], true);
        let text = v.to_string();
        for secret in ["Trần Thị Dân", "0912345678", "5678"] {
            assert!(
                !text.contains(secret),
                "public lookup leaks {secret}: {text}"
            );
        }
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/public/lookup?code={code}&phone_last4=0000"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The same lookup as a page: progress, a rating form, still no personal data.
        let page = |path: String| {
            let req = Request::builder().uri(path).body(Body::empty()).unwrap();
            let app = &app;
            async move {
                let res = app.router.clone().oneshot(req).await.unwrap();
                let status = res.status();
                let body = res.into_body().collect().await.unwrap().to_bytes();
                (status, String::from_utf8(body.to_vec()).unwrap())
            }
        };
        let (s, body) = page(format!("/tra-cuu?code={code}&phone_last4=5678")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("Đã trả kết quả") && body.contains("Gửi đánh giá"),
            "{body}"
        );
        for secret in ["Trần Thị Dân", "0912345678"] {
            assert!(!body.contains(secret), "lookup page leaks {secret}");
        }
        let (s, body) = page(format!("/tra-cuu?code={code}&phone_last4=1111")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(body.contains("Không tìm thấy"));
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/public/rating",
                None,
                Some(json!({"code": code, "phone_last4": "5678", "rating": "very_satisfied"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/public/rating",
                None,
                Some(json!({"code": code, "phone_last4": "5678", "rating": "satisfied"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "rated once only");
        let report = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::ledger::verify(tx, &[]))
                .unwrap()
        });
        assert!(report.findings.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    for url in sync(test_db_urls) {
        let settings = Settings {
            max_body_bytes: 4096,
            ..relaxed()
        };
        let app = sync(|| TestApp::new(&url, settings));
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
        let events = app.count("events");
        let raw = |body: &str, ctype: Option<&str>| {
            let mut b = Request::builder()
                .method("POST")
                .uri("/api/v1/dossiers")
                .header("authorization", format!("Bearer {desk}"));
            if let Some(c) = ctype {
                b = b.header("content-type", c);
            }
            b.body(Body::from(body.to_owned())).unwrap()
        };
        let cases: Vec<(Request<Body>, StatusCode)> = vec![
            (
                raw("{not json", Some("application/json")),
                StatusCode::BAD_REQUEST,
            ),
            (
                raw(r#"{"procedure_code": 5}"#, Some("application/json")),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                raw(&reception(WARD_A).to_string(), None),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            (
                raw(
                    &format!(r#"{{"x":"{}"}}"#, "a".repeat(10_000)),
                    Some("application/json"),
                ),
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
        ];
        for (req, expected) in cases {
            let (s, v, h) = app.send(req).await;
            assert_eq!(s, expected, "{v}");
            assert_eq!(h["content-type"], "application/problem+json");
            assert!(
                v["detail"].as_str().is_some_and(|d| !d.is_empty()) && v["detail_en"].is_string(),
                "{v}"
            );
        }
        let mut unknown_procedure = reception(WARD_A);
        unknown_procedure["procedure_code"] = json!("9.999999");
        let mut unknown_unit = reception(WARD_A);
        unknown_unit["unit"] = json!("NOPE");
        let mut bad_phone = reception(WARD_A);
        bad_phone["applicant"]["phone"] = json!("12");
        let mut extra_field = reception(WARD_A);
        extra_field["surprise"] = json!(1);
        for (body, expected) in [
            (unknown_procedure, StatusCode::NOT_FOUND),
            (unknown_unit, StatusCode::NOT_FOUND),
            (reception(OLD_WARD), StatusCode::UNPROCESSABLE_ENTITY),
            (bad_phone, StatusCode::UNPROCESSABLE_ENTITY),
            (extra_field, StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            let (s, v) = app
                .call("POST", "/api/v1/dossiers", Some(&desk), Some(body))
                .await;
            assert_eq!(s, expected, "{v}");
        }
        let path = format!("/api/v1/dossiers/{id}/return");
        let (s, v) = app
            .call(
                "POST",
                &path,
                Some(&desk),
                Some(json!({"version": 1, "to_whom": "A"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "not allowed in this state: {v}");
        assert!(v["detail"].as_str().unwrap().contains("Đang xử lý"), "{v}");
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/hand-over"),
                Some(&desk),
                Some(json!({"version": 7, "to_unit": WARD_A})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "stale version");
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/fly"),
                Some(&desk),
                Some(json!({"version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/hand-over"),
                None,
                Some(json!({"version": 1, "to_unit": WARD_A})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = app
            .call("GET", "/api/v1/dossiers", Some(&"0".repeat(64)), None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "specialist.WA", "password": "wrong"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = app
            .call("GET", "/api/v1/dossiers?status=flying", Some(&desk), None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = app
            .call("GET", "/api/v1/dossiers?limit=0", Some(&desk), None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = app
            .call(
                "GET",
                "/api/v1/calendar/due?received=2025-02-30T08:00&days=3",
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count("events"), events, "{url}: nothing was written");
        // Idempotency: the same key and body give the first answer; another body is refused.
        let keyed = |body: Value| {
            Request::builder()
                .method("POST")
                .uri("/api/v1/dossiers")
                .header("authorization", format!("Bearer {desk}"))
                .header("content-type", "application/json")
                .header("idempotency-key", "k-1")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let (s1, v1, _) = app.send(keyed(reception(WARD_A))).await;
        let (s2, v2, _) = app.send(keyed(reception(WARD_A))).await;
        assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
        assert_eq!(v1["id"], v2["id"]);
        let mut other = reception(WARD_A);
        other["applicant"]["full_name"] = json!("Người khác");
        let (s3, _, _) = app.send(keyed(other)).await;
        assert_eq!(s3, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count("events"), events + 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn authorization_matrix() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let admin_a = app.login(&format!("reception_officer.{WARD_A}")).await;
    let mut tokens = vec![];
    for role in ROLES {
        for u in [WARD_A, WARD_B] {
            tokens.push((role, u, app.login(&format!("{}.{u}", role.as_str())).await));
        }
    }
    // One dossier at each step kind, all in ward A.
    let new_dossier = || async {
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&admin_a),
                Some(reception(WARD_A)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        v["id"].as_i64().unwrap()
    };
    for (role, u, token) in &tokens {
        let own = *u == WARD_A;
        // Reception at ward A: desk officers of ward A only.
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(token),
                Some(reception(WARD_A)),
            )
            .await;
        let expected = *role == Role::ReceptionOfficer && own;
        assert_eq!(s.is_success(), expected, "{role:?}@{u} receive: {s}");
        // Viewing a ward A dossier: every role that views dossiers, in its own unit.
        let id = new_dossier().await;
        let (s, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(token), None)
            .await;
        assert_eq!(s.is_success(), own, "{role:?}@{u} view: {s}");
        if s.is_success() {
            let personal = matches!(
                role,
                Role::ReceptionOfficer | Role::Specialist | Role::UnitLeader
            );
            assert_eq!(
                v["dossier"]["applicant"]["full_name"].is_string(),
                personal,
                "{role:?} personal data"
            );
            assert_eq!(
                v.to_string().contains("0905111222"),
                personal,
                "{role:?} phone"
            );
        }
        // First hand-over: the desk's job.
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/hand-over"),
                Some(token),
                Some(json!({"version": 1, "to_unit": WARD_A})),
            )
            .await;
        assert_eq!(
            s.is_success(),
            *role == Role::ReceptionOfficer && own,
            "{role:?}@{u} first hand-over: {s}"
        );
        if !s.is_success() {
            app.call(
                "POST",
                &format!("/api/v1/dossiers/{id}/hand-over"),
                Some(&admin_a),
                Some(json!({"version": 1, "to_unit": WARD_A})),
            )
            .await;
        }
        // Processing: specialists and leaders of the holding unit.
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/pause"),
                Some(token),
                Some(
                    json!({"version": 2, "pause": "financial_obligation", "reason": "Chờ nộp phí"}),
                ),
            )
            .await;
        assert_eq!(
            s.is_success(),
            matches!(role, Role::Specialist | Role::UnitLeader) && own,
            "{role:?}@{u} pause: {s}"
        );
        let version = if s.is_success() { 3 } else { 2 };
        if s.is_success() {
            let leader = &tokens
                .iter()
                .find(|t| t.0 == Role::UnitLeader && t.1 == WARD_A)
                .unwrap()
                .2;
            app.call(
                "POST",
                &format!("/api/v1/dossiers/{id}/resume"),
                Some(leader),
                Some(json!({"version": 3})),
            )
            .await;
        }
        // Deciding: leaders of the holding unit.
        let version = if version == 3 { 4 } else { 2 };
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/result-ready"),
                Some(token),
                Some(json!({"version": version})),
            )
            .await;
        assert_eq!(
            s.is_success(),
            *role == Role::UnitLeader && own,
            "{role:?}@{u} decide: {s}"
        );
        // Lists are scoped: nobody outside ward A sees ward A's dossiers.
        let (s, v) = app
            .call("GET", "/api/v1/dossiers?limit=500", Some(token), None)
            .await;
        assert!(s.is_success());
        let seen_a = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["unit"] == WARD_A);
        assert_eq!(seen_a, own, "{role:?}@{u} list");
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/dossiers?unit={WARD_A}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(s.is_success(), own, "{role:?}@{u} list other unit");
    }
    // Public endpoints carry no personal data.
    for path in [
        "/api/v1/units",
        "/api/v1/procedures",
        "/api/v1/openapi.json",
    ] {
        let (s, v) = app.call("GET", path, None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!v.to_string().contains("Nguyễn Văn Thử"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_route_exists_and_limits_apply() {
    let url = sync(test_db_urls).remove(0);
    let settings = Settings {
        login_rate_per_minute: 3,
        public_rate_per_minute: 5,
        ..Settings::default()
    };
    let app = sync(|| TestApp::new(&url, settings));
    for (method, path, _, _) in motcua_web::openapi::ROUTES {
        let concrete = path
            .replace("{code}", "X")
            .replace("{id}", "1")
            .replace("{action}", "resume");
        let (_, v) = app
            .call(
                &method.to_uppercase(),
                &format!("/api/v1{concrete}"),
                None,
                None,
            )
            .await;
        assert_ne!(v["type"], "urn:motcua:problem:no-route", "{method} {path}");
    }
    let (_, v) = app.call("GET", "/api/v1/nothing-here", None, None).await;
    assert_eq!(v["type"], "urn:motcua:problem:no-route");
    let doc = motcua_web::openapi::build();
    assert_eq!(doc["paths"].as_object().unwrap().len(), 28);
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

#[tokio::test(flavor = "multi_thread")]
async fn public_pages_render_and_escape() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let get = |path: &str| {
        let req = Request::builder().uri(path).body(Body::empty()).unwrap();
        let app = &app;
        async move {
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let ctype = res
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let body =
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            (status, ctype, body)
        }
    };
    let mut firsts = vec![];
    for q in [
        "dang%20ky%20thanh%20lap",
        "%C4%91%C4%83ng%20k%C3%BD%20th%C3%A0nh%20l%E1%BA%ADp",
        "DANG%20KY%20THANH%20LAP",
    ] {
        let (s, v) = app
            .call("GET", &format!("/api/v1/procedures?q={q}"), None, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["total"], 1);
        firsts.push(v["items"][0]["code"].clone());
    }
    assert!(firsts.iter().all(|c| *c == "1.001612"), "{firsts:?}");
    let (_, v) = app.call("GET", "/api/v1/procedures", None, None).await;
    assert_eq!(v["total"], 1, "without q: everything, with the total");
    let (s, _) = app
        .call("GET", "/api/v1/procedures?level=galaxy", None, None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, ctype, body) = get("/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ctype.starts_with("text/html"));
    assert!(body.contains("Một cửa điện tử") && body.contains("Hộ kinh doanh"));
    for q in ["dang+ky+thanh+lap", "%C4%90%C4%82NG+K%C3%9D", "ho+kinh+doa"] {
        let (s, _, body) = get(&format!("/thu-tuc?q={q}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("/thu-tuc/1.001612"), "{q}: {body}");
    }
    let (_, _, body) = get("/thu-tuc?q=xyz").await;
    assert!(body.contains("0 thủ tục"));
    let (_, _, body) = get("/thu-tuc?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert!(!body.contains("<script>alert"), "input is escaped");
    let (s, _, body) = get("/thu-tuc/1.001612").await;
    assert_eq!(s, StatusCode::OK);
    for must in [
        "Thành phần hồ sơ",
        "Giấy đề nghị",
        "3 ngày làm việc",
        "Thẩm định",
        "1/QĐ-UBND",
        "Căn cứ pháp lý",
    ] {
        assert!(body.contains(must), "procedure page shows {must}");
    }
    let (s, ctype, body) = get("/thu-tuc/9.999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(ctype.starts_with("text/html") && body.contains("Không có thủ tục này"));
    let (s, _, body) = get(&format!("/don-vi/{WARD_A}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Chưa niêm yết"), "ward A has posted nothing");
    let (s, _, body) = get("/don-vi").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(&format!("/don-vi/{WARD_A}")));
    let (s, _, _) = get(&format!("/don-vi/{WARD_A}?on=2025-13-01")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, ctype, _) = get("/assets/site.css").await;
    assert_eq!(
        (s, ctype.as_str()),
        (StatusCode::OK, "text/css; charset=utf-8")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn officials_work_through_pages_without_javascript() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let send = |method: &str, path: &str, cookie: Option<&str>, form: Option<&str>| {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "motcua.test")
            .header("origin", "http://motcua.test");
        if let Some(c) = cookie {
            b = b.header("cookie", c);
        }
        let req = match form {
            Some(f) => b
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(f.to_owned()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let app = &app;
        async move {
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let headers = res.headers().clone();
            let body =
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            (status, headers, body)
        }
    };
    // Not signed in: to the sign-in page.
    let (s, h, _) = send("GET", "/can-bo", None, None).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h["location"], "/dang-nhap");
    let (s, _, body) = send(
        "POST",
        "/dang-nhap",
        None,
        Some("username=reception_officer.WA&password=sai"),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        body.contains("Sai tên đăng nhập hoặc mật khẩu") && body.contains("reception_officer.WA")
    );
    let form = format!(
        "username=reception_officer.WA&password={}",
        PASSWORD
            .replace('ậ', "%E1%BA%AD")
            .replace('ẩ', "%E1%BA%A9")
            .replace('ử', "%E1%BB%AD")
            .replace('ệ', "%E1%BB%87")
    );
    let (s, h, _) = send("POST", "/dang-nhap", None, Some(&form)).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "signed in");
    let cookie = h["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(h["set-cookie"].to_str().unwrap().contains("HttpOnly"));
    // Counter: choose the procedure, then receive.
    let (s, _, body) = send(
        "GET",
        "/can-bo/tiep-nhan?thu_tuc=1.001612",
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Giấy đề nghị") && body.contains(&format!("value=\"{WARD_A}\"")));
    let bad = format!("procedure_code=1.001612&unit={WARD_A}&full_name=Tr%E1%BA%A7n+A&phone=12");
    let (s, _, body) = send("POST", "/can-bo/tiep-nhan", Some(&cookie), Some(&bad)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("field-error") && body.contains("8 đến 15 chữ số"),
        "the error sits next to the phone field"
    );
    assert_eq!(app.count("events"), 0, "nothing was written");
    let good = format!(
        "procedure_code=1.001612&unit={WARD_A}&paper=Gi%E1%BA%A5y+%C4%91%E1%BB%81+ngh%E1%BB%8B&full_name=Tr%E1%BA%A7n+A&phone=0905000111"
    );
    let (s, h, _) = send("POST", "/can-bo/tiep-nhan", Some(&cookie), Some(&good)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let receipt = h["location"].to_str().unwrap().to_owned();
    assert!(receipt.ends_with("/phieu-tiep-nhan"), "{receipt}");
    let (s, _, body) = send("GET", &receipt, Some(&cookie), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
            && body.contains(&format!("{WARD_A}-"))
            && body.contains("<svg")
    );
    // The dossier page offers the desk's actions; a stale version is refused with the reason shown.
    let dossier = receipt.trim_end_matches("/phieu-tiep-nhan").to_owned();
    let (s, _, body) = send("GET", &dossier, Some(&cookie), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("Chuyển hồ sơ") && !body.contains("Phê duyệt, có kết quả"),
        "only what this role may do"
    );
    let (s, _, body) = send(
        "POST",
        &format!("{dossier}/hand-over"),
        Some(&cookie),
        Some(&format!("version=9&to_unit={WARD_A}")),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(body.contains("phiên bản"), "version conflict explained");
    // Handing it to a person of another unit is refused; to the ward's specialist, accepted.
    let person = |name: String| {
        sync(|| {
            app.store
                .store
                .read(|tx| org::credentials(tx, &name))
                .unwrap()
                .unwrap()
                .0
        })
    };
    let outsider = person(format!("specialist.{WARD_B}"));
    let (s, _, body) = send(
        "POST",
        &format!("{dossier}/hand-over"),
        Some(&cookie),
        Some(&format!("version=1&to_unit={WARD_A}&to_staff={outsider}")),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("người nhận không làm việc tại đơn vị"));
    let specialist = person(format!("specialist.{WARD_A}"));
    let (s, h, _) = send(
        "POST",
        &format!("{dossier}/hand-over"),
        Some(&cookie),
        Some(&format!("version=1&to_unit={WARD_A}&to_staff={specialist}")),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "handed over");
    assert!(h["location"].to_str().unwrap().contains("?ok=hand-over"));
    let (s, _, body) = send(
        "GET",
        &format!("{dossier}/mau/kiem-soat"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{dossier}: {body}");
    assert!(
        body.contains("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ")
            && (body.contains("Đúng hạn") || body.contains("Trước hạn")),
        "{body}"
    );
    let (s, _, _) = send("GET", &format!("{dossier}/mau/04"), Some(&cookie), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "no apology, no form 04");
    let (_, _, body) = send("GET", "/can-bo?hang=dang-xu-ly", Some(&cookie), None).await;
    assert!(body.contains(&format!("{WARD_A}-")), "the queue lists it");
    let theirs = app.login(&format!("specialist.{WARD_A}")).await;
    let (_, _, body) = send(
        "GET",
        "/can-bo?hang=cua-toi",
        Some(&format!("motcua_session={theirs}")),
        None,
    )
    .await;
    assert!(
        body.contains(&format!("{WARD_A}-")),
        "the specialist finds it under 'handed to me'"
    );
    let (_, _, body) = send("GET", "/can-bo?hang=cua-toi", Some(&cookie), None).await;
    assert!(!body.contains(&format!("{WARD_A}-")), "the desk does not");
    let (_, _, body) = send(
        "GET",
        "/can-bo?hang=dang-xu-ly&thu_tuc=1.001612",
        Some(&cookie),
        None,
    )
    .await;
    assert!(
        body.contains(&format!("{WARD_A}-")),
        "filtered by its procedure"
    );
    let (_, _, body) = send(
        "GET",
        "/can-bo?hang=dang-xu-ly&thu_tuc=9.999999",
        Some(&cookie),
        None,
    )
    .await;
    assert!(!body.contains(&format!("{WARD_A}-")), "and not by another");
    // A cross-site form post with the cookie is refused.
    let req = Request::builder()
        .method("POST")
        .uri(format!("{dossier}/withdraw"))
        .header("host", "motcua.test")
        .header("origin", "http://evil.test")
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("version=2&reason=x"))
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (s, _, body) = send("GET", "/can-bo/tong-quan", Some(&cookie), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("<svg") && body.contains("Đơn vị WA"),
        "the overview with its chart"
    );
    let (s, _, body) = send("GET", "/thong-ke", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("Đơn vị WA") && !body.contains("Trần A"),
        "public figures, no names"
    );
    let (s, h, _) = send("POST", "/dang-xuat", Some(&cookie), None).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(h["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let (s, _, _) = send("GET", "/can-bo", Some(&cookie), None).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the session is gone");
}

#[tokio::test(flavor = "multi_thread")]
async fn citizens_submit_online_with_papers() {
    let url = sync(test_db_urls).remove(0);
    let files = std::env::temp_dir().join(format!("motcua-upload-test-{}", std::process::id()));
    let settings = Settings {
        files_dir: files.clone(),
        max_upload_bytes: 1024,
        ..relaxed()
    };
    let app = sync(|| TestApp::new(&url, settings));
    let (s, _, body) = {
        let req = Request::builder()
            .uri("/nop-ho-so/1.001612")
            .body(Body::empty())
            .unwrap();
        let res = app.router.clone().oneshot(req).await.unwrap();
        let s = res.status();
        let h = res.headers().clone();
        (
            s,
            h,
            String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                .unwrap(),
        )
    };
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("enctype=\"multipart/form-data\"")
            && body.contains("Giấy đề nghị (bắt buộc)")
    );
    let multipart = |file: Option<&[u8]>, phone: &str| {
        let boundary = "XyZboundary";
        let mut b: Vec<u8> = vec![];
        for (k, v) in [
            ("unit", WARD_A),
            ("full_name", "Lê Văn Nộp"),
            ("phone", phone),
        ] {
            b.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some(f) = file {
            b.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file_0\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
            b.extend(f);
            b.extend(b"\r\n");
        }
        b.extend(format!("--{boundary}--\r\n").as_bytes());
        Request::builder()
            .method("POST")
            .uri("/nop-ho-so/1.001612")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(b))
            .unwrap()
    };
    let cases: [(Option<&[u8]>, &str, &str); 4] = [
        (None, "0905000222", "thiếu tệp"),
        (Some(b"MZ\x90 not a pdf"), "0905000222", "chỉ nhận tệp PDF"),
        (Some(&[b'%'; 2000]), "0905000222", "chỉ nhận tệp PDF"),
        (Some(b"%PDF-1.4 ok"), "12", "8 đến 15 chữ số"),
    ];
    for (file, phone, message) in cases {
        let (s, body, _) = app.send(multipart(file, phone)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        let body = body.as_str().unwrap_or_default().to_owned();
        assert!(
            body.contains(message) && body.contains("field-error"),
            "{message}: {body}"
        );
    }
    assert_eq!(app.count("events"), 0, "nothing was recorded");
    assert!(!files.exists(), "nothing was stored");
    let (s, _, h) = app
        .send(multipart(Some(b"%PDF-1.4 a real enough pdf"), "0905000222"))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let location = h["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/nop-ho-so/da-gui?ma=W"), "{location}");
    let stored: Vec<_> = walk(&files);
    assert_eq!(stored.len(), 1, "one content-addressed file");
    let d = sync(|| {
        app.store
            .store
            .read(|tx| motcua_store::dossiers::load(tx, 1))
            .unwrap()
    });
    assert_eq!(d.status, motcua_domain::dossier::Status::Submitted);
    let hash = d.papers[0].file.clone().unwrap();
    assert!(stored[0].ends_with(&hash));
    let _ = std::fs::remove_dir_all(files);
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path().display().to_string());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn unit_administrators_record_desks_members_and_postings() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let desk = sync(|| {
        app.store
            .store
            .write(|tx| {
                org::add_desk(
                    tx,
                    &motcua_domain::org::Desk {
                        id: 0,
                        unit: WARD_A.into(),
                        name: "Bộ phận Một cửa phường A".into(),
                        founding_decision: None,
                        members: vec![],
                    },
                )
            })
            .unwrap()
    });
    let token = app.login(&format!("unit_admin.{WARD_A}")).await;
    let cookie = format!("motcua_session={token}");
    let send = |method: &str, path: String, form: Option<String>, cookie: String| {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("cookie", cookie)
            .header("host", "motcua.test")
            .header("origin", "http://motcua.test");
        let req = match form {
            Some(f) => b
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(f))
                .unwrap(),
            None => {
                b = b.header("accept", "text/html");
                b.body(Body::empty()).unwrap()
            }
        };
        let app = &app;
        async move {
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let location = res
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            let body =
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            (status, location, body)
        }
    };
    let (s, location, _) = send("GET", "/can-bo/quan-tri".into(), None, cookie.clone()).await;
    assert_eq!(
        (s, location.as_deref()),
        (
            StatusCode::SEE_OTHER,
            Some(format!("/can-bo/quan-tri/{WARD_A}").as_str())
        )
    );
    let (s, _, body) = send(
        "GET",
        format!("/can-bo/quan-tri/{WARD_A}"),
        None,
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("Chưa có") && body.contains("Chưa phân công"),
        "no decision, no member yet"
    );
    // A decision dated in the future is refused and changes nothing.
    let (s, _, body) = send(
        "POST",
        format!("/can-bo/quan-tri/{WARD_A}/quyet-dinh"),
        Some(format!(
            "desk={desk}&number=12%2FQ%C4%90-UBND&date=2999-01-01&signer=Ch%E1%BB%A7+t%E1%BB%8Bch"
        )),
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("tương lai"));
    let (s, _, _) = send(
        "POST",
        format!("/can-bo/quan-tri/{WARD_A}/quyet-dinh"),
        Some(format!(
            "desk={desk}&number=12%2FQ%C4%90-UBND&date=2025-07-01&signer=Ch%E1%BB%A7+t%E1%BB%8Bch"
        )),
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, body) = send(
        "GET",
        format!("/can-bo/quan-tri/{WARD_A}"),
        None,
        cookie.clone(),
    )
    .await;
    assert!(body.contains("12/QĐ-UBND ngày 01/07/2025"), "{body}");
    let officer = sync(|| {
        app.store
            .store
            .read(|tx| org::credentials(tx, &format!("reception_officer.{WARD_A}")))
            .unwrap()
            .unwrap()
            .0
    });
    let (s, _, _) = send(
        "POST",
        format!("/can-bo/quan-tri/{WARD_A}/thanh-vien"),
        Some(format!(
            "desk={desk}&staff={officer}&duty=Ti%E1%BA%BFp+nh%E1%BA%ADn"
        )),
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = send(
        "POST",
        format!("/can-bo/quan-tri/{WARD_A}/niem-yet"),
        Some("code=1.001612&version=1".into()),
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = app
        .call(
            "GET",
            &format!("/api/v1/units/{WARD_A}/procedures"),
            None,
            None,
        )
        .await;
    assert_eq!(v["up_to_date"], true, "{v}");
    let (_, v) = app
        .call("GET", &format!("/api/v1/units/{WARD_A}"), None, None)
        .await;
    assert_eq!(
        v["desks"][0]["founding_decision"]["number"], "12/QĐ-UBND",
        "{v}"
    );
    assert_eq!(v["desks"][0]["members"], 1);
    // Another unit's administrator, or an officer, may not.
    for who in [
        format!("unit_admin.{WARD_B}"),
        format!("reception_officer.{WARD_A}"),
    ] {
        let token = app.login(&who).await;
        let (s, _, _) = send(
            "GET",
            format!("/can-bo/quan-tri/{WARD_A}"),
            None,
            format!("motcua_session={token}"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
        let (s, _, _) = send(
            "POST",
            format!("/can-bo/quan-tri/{WARD_A}/niem-yet"),
            Some("code=1.001612&version=1".into()),
            format!("motcua_session={token}"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
    }
}

/// Unit administrators add staff, give and take away roles, lock and unlock accounts, within their
/// unit only; bad input is refused next to the form and changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn unit_administrators_manage_staff_and_roles() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let token = app.login(&format!("unit_admin.{WARD_A}")).await;
    let post = |path: String, form: &str, token: &str| {
        let req = Request::builder()
            .method("POST")
            .uri(path)
            .header("cookie", format!("motcua_session={token}"))
            .header("host", "motcua.test")
            .header("origin", "http://motcua.test")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap();
        let app = &app;
        async move {
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let body =
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            (status, body)
        }
    };
    let staff_of = |username: &str| {
        sync(|| {
            app.store.store.read(|tx| {
                let all = org::list_staff(tx)?;
                Ok(all.into_iter().find(|s| s.username == username))
            })
        })
        .unwrap()
    };
    let add = format!("/can-bo/quan-tri/{WARD_A}/can-bo");
    let before = app.count("staff");
    for (form, says) in [
        (
            "username=A+B&full_name=X&title=&password=long-enough-1&role=specialist",
            "tên đăng nhập",
        ),
        (
            "username=nguyen.an&full_name=&title=&password=long-enough-1&role=specialist",
            "họ tên",
        ),
        (
            "username=nguyen.an&full_name=An&title=&password=short&role=specialist",
            "mật khẩu",
        ),
        (
            "username=nguyen.an&full_name=An&title=&password=long-enough-1&role=system_admin",
            "vai trò",
        ),
        (
            "username=nguyen.an&full_name=An&title=&password=long-enough-1&role=nonsense",
            "vai trò",
        ),
        (
            &format!(
                "username=specialist.{WARD_A}&full_name=An&title=&password=long-enough-1&role=specialist"
            ),
            "đã tồn tại",
        ),
    ] {
        let (s, body) = post(add.clone(), form, &token).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{form}");
        assert!(
            body.contains(says) && body.contains("error-summary"),
            "{form}: {says}"
        );
    }
    assert_eq!(app.count("staff"), before, "refused forms add nobody");
    let (s, _) = post(
        add.clone(),
        "username=nguyen.an&full_name=Nguy%E1%BB%85n+An&title=Chuy%C3%AAn+vi%C3%AAn&password=long-enough-1&role=specialist",
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let an = staff_of("nguyen.an").expect("added");
    assert_eq!(
        an.grants,
        vec![Grant {
            role: Role::Specialist,
            unit: WARD_A.into()
        }]
    );
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "nguyen.an", "password": "long-enough-1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "the new account signs in: {v}");
    let an_token = v["token"].as_str().unwrap().to_owned();
    // Roles: give one, take it away; the last one cannot be taken (lock instead).
    let role = format!("/can-bo/quan-tri/{WARD_A}/vai-tro");
    let (s, _) = post(
        role.clone(),
        &format!("staff={}&role=unit_leader&op=them", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(staff_of("nguyen.an").unwrap().grants.len(), 2);
    let (s, _) = post(
        role.clone(),
        &format!("staff={}&role=unit_leader&op=bo", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, body) = post(
        role.clone(),
        &format!("staff={}&role=specialist&op=bo", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("vai trò cuối cùng"));
    assert_eq!(staff_of("nguyen.an").unwrap().grants.len(), 1);
    // Not oneself, and not someone of another unit.
    let me = staff_of(&format!("unit_admin.{WARD_A}")).unwrap();
    let (s, _) = post(
        format!("/can-bo/quan-tri/{WARD_A}/khoa"),
        &format!("staff={}&active=false", me.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let other = staff_of(&format!("specialist.{WARD_B}")).unwrap();
    let (s, _) = post(
        format!("/can-bo/quan-tri/{WARD_A}/khoa"),
        &format!("staff={}&active=false", other.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = post(
        role.clone(),
        &format!("staff={}&role=unit_admin&op=them", other.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(staff_of(&format!("specialist.{WARD_B}")).unwrap().active);
    // Another unit's administrator cannot add staff here.
    let b_token = app.login(&format!("unit_admin.{WARD_B}")).await;
    let (s, _) = post(
        add.clone(),
        "username=intruder&full_name=X&title=&password=long-enough-1&role=unit_admin",
        &b_token,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(staff_of("intruder").is_none());
    // Locking ends the account's sessions and sign-ins; unlocking restores sign-in.
    let (s, _) = post(
        format!("/can-bo/quan-tri/{WARD_A}/khoa"),
        &format!("staff={}&active=false", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _) = app
        .call("GET", "/api/v1/auth/me", Some(&an_token), None)
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the locked account's session ended"
    );
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "nguyen.an", "password": "long-enough-1"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = post(
        format!("/can-bo/quan-tri/{WARD_A}/khoa"),
        &format!("staff={}&active=true", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "nguyen.an", "password": "long-enough-1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

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
    assert_eq!(v["indicators"].as_array().unwrap().len(), 21);
    // The page links the cell to its dossiers, and the list has exactly them.
    let (_, _, page) = get(format!("/can-bo/bao-cao?{q}"), leader.clone()).await;
    let page = String::from_utf8(page).unwrap();
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
        StatusCode::FORBIDDEN,
        "not yet a member"
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

/// Every role at ward A or ward B against every staff page of a ward A dossier: allowed or refused
/// as designed, and refused requests change nothing.
#[tokio::test(flavor = "multi_thread")]
async fn staff_pages_authorization_matrix() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
    let (_, v) = app
        .call(
            "POST",
            "/api/v1/dossiers",
            Some(&desk),
            Some(reception(WARD_A)),
        )
        .await;
    let id = v["id"].as_i64().unwrap();
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
            let body =
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            (status, body)
        }
    };
    let events = app.count("events");
    for role in ROLES {
        for unit in [WARD_A, WARD_B] {
            let token = app.login(&format!("{}.{unit}", role.as_str())).await;
            let own = unit == WARD_A;
            let sees = own; // every role may view dossiers of its own unit
            let personal = own
                && matches!(
                    role,
                    Role::ReceptionOfficer | Role::Specialist | Role::UnitLeader
                );
            let (s, body) = get(format!("/can-bo/ho-so/{id}"), token.clone()).await;
            assert_eq!(s.is_success(), sees, "{role:?}@{unit} dossier page: {s}");
            if sees {
                assert_eq!(
                    body.contains("0905111222"),
                    personal,
                    "{role:?}@{unit} personal data"
                );
                // Only the desk may hand the dossier over at reception.
                assert_eq!(
                    body.contains("/hand-over\""),
                    role == Role::ReceptionOfficer,
                    "{role:?} actions"
                );
            }
            let (s, _) = get(format!("/can-bo/ho-so/{id}/phieu-tiep-nhan"), token.clone()).await;
            assert_eq!(s.is_success(), personal, "{role:?}@{unit} receipt");
            let (s, _) = get(format!("/can-bo/ho-so/{id}/mau/kiem-soat"), token.clone()).await;
            assert_eq!(
                s.is_success(),
                personal,
                "{role:?}@{unit} control sheet print"
            );
            let (s, body) = get("/can-bo/tiep-nhan?thu_tuc=1.001612".into(), token.clone()).await;
            assert!(s.is_success());
            assert_eq!(
                body.contains(&format!("value=\"{WARD_A}\"")),
                role == Role::ReceptionOfficer && own,
                "{role:?}@{unit} counter units"
            );
            let (s, _) = get(format!("/can-bo/quan-tri/{WARD_A}"), token.clone()).await;
            assert_eq!(
                s.is_success(),
                matches!(role, Role::UnitAdmin | Role::SystemAdmin) && own,
                "{role:?}@{unit} administration"
            );
            let (s, body) = get("/can-bo?hang=dang-xu-ly".into(), token.clone()).await;
            assert!(s.is_success());
            assert_eq!(
                body.contains(&format!("{WARD_A}-")),
                own,
                "{role:?}@{unit} queue scope"
            );
            let (s, _) = get("/can-bo/tong-quan".into(), token.clone()).await;
            assert!(s.is_success(), "{role:?}@{unit} overview (scoped)");
        }
    }
    assert_eq!(app.count("events"), events, "looking changes nothing");
}
