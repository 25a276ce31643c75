//! What every web test shares: a database per test on SQLite and (when the test command provides
//! it) PostgreSQL, seeded with a province, two wards, a closed ward, an agency, a procedure and one
//! member of staff per role and ward; a router to call; JSON, page and form helpers.

pub use std::sync::{Arc, OnceLock};

pub use axum::Router;
pub use axum::body::Body;
pub use axum::http::{Request, StatusCode};
pub use chrono::NaiveDate;
pub use http_body_util::BodyExt;
pub use motcua_domain::calendar::Limit;
pub use motcua_domain::catalogue::{Announcement, Item};
pub use motcua_domain::org::{Grant, Role, Unit, UnitLevel};
pub use motcua_domain::procedure::{
    Applicability, Channels, OnlineLevel, PaperSpec, ProcedureSpec, StepBudget,
};
pub use motcua_store::{Store, org, procedures};
pub use motcua_web::{App, Settings};
pub use serde_json::{Value, json};
pub use tower::ServiceExt;

pub const PROVINCE: &str = "P";
pub const WARD_A: &str = "WA";
pub const WARD_B: &str = "WB";
pub const OLD_WARD: &str = "OLD";
pub const TAX: &str = "TAX";
pub const PASSWORD: &str = "mật-khẩu-thử-nghiệm";

pub fn test_db_urls() -> Vec<String> {
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

pub fn hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| motcua_web::auth::hash_password(PASSWORD).unwrap())
}

pub fn unit(code: &str, level: UnitLevel, parent: Option<&str>, to: Option<&str>) -> Unit {
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
pub const ROLES: [Role; 6] = Role::ALL;

pub struct TestApp {
    pub router: Router,
    pub store: Arc<App>,
}

impl TestApp {
    pub fn new(url: &str, settings: Settings) -> TestApp {
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
                    boundary_free: false,
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
            router: motcua_web::router(app.clone()),
            store: app,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, Value, axum::http::HeaderMap) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, value, headers)
    }

    pub async fn call(
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

    pub async fn login(&self, username: &str) -> String {
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

    /// A page request as a browser sends it with a session cookie: GET (HTML) without a form, POST
    /// with a url-encoded form. Answers the status, the redirect target and the body.
    pub async fn page(
        &self,
        path: &str,
        form: Option<&str>,
        token: &str,
    ) -> (StatusCode, Option<String>, String) {
        let b = Request::builder()
            .uri(path)
            .header("cookie", format!("motcua_session={token}"))
            .header("host", "motcua.test")
            .header("origin", "http://motcua.test");
        let req = match form {
            Some(f) => b
                .method("POST")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(f.to_owned()))
                .unwrap(),
            None => b
                .method("GET")
                .header("accept", "text/html")
                .body(Body::empty())
                .unwrap(),
        };
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
        (status, location, body)
    }

    /// The id of the member of staff with this username.
    pub fn staff_id(&self, username: &str) -> i64 {
        sync(|| {
            self.store
                .store
                .read(|tx| {
                    Ok(org::list_staff(tx)?
                        .into_iter()
                        .find(|s| s.username == username)
                        .map(|s| s.id))
                })
                .unwrap()
                .unwrap_or_else(|| panic!("no staff {username}"))
        })
    }

    pub fn count(&self, table: &str) -> i64 {
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
pub fn sync<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

pub fn relaxed() -> Settings {
    Settings {
        public_rate_per_minute: 100_000,
        login_rate_per_minute: 100_000,
        ..Settings::default()
    }
}

pub fn reception(unit: &str) -> Value {
    json!({
        "procedure_code": "1.001612",
        "unit": unit,
        "applicant": {"full_name": "Nguyễn Văn Thử", "phone": "0905 111 222", "id_number": "066090001234", "address": "Tổ 1, phường A"},
        "papers": [{"name": "Giấy đề nghị", "copies": 1}]
    })
}
