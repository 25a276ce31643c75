//! The connections over loopback (issue 15, items 4-6): a real server with the payment gateway's
//! and the population database's doubles, as `motcua demo` runs them. The population lookup
//! checks the number before asking, goes over HTTP with its token, and keeps who looked, never the
//! number; the dossier records the data's origin (766 4.5a/4.5b). An online payment goes from the
//! applicant's page to the gateway double, which calls the IPN over loopback.

use std::net::SocketAddr;

use motcua_domain::procedure::FeeLine;
use motcua_web::payment::gateway::PaymentConfig;
use motcua_web::population::PopulationConfig;

use crate::support::*;

async fn serve(settings: impl FnOnce(u16) -> Settings, url: &str) -> (TestApp, u16) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let s = settings(port);
    let app = sync(|| TestApp::new(url, s));
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    (app, port)
}

fn connected(port: u16) -> Settings {
    let base = format!("http://127.0.0.1:{port}");
    Settings {
        public_url: base.clone(),
        payment: Some(PaymentConfig {
            url: format!("{base}/cong-thanh-toan-thu"),
            merchant: "MOTCUA01".into(),
            secret: "bi-mat-cua-cong-thanh-toan-thu".into(),
            double: true,
        }),
        population: Some(PopulationConfig {
            url: format!("{base}/dan-cu-thu"),
            token: "ma-truy-cap-nen-tang-thu".into(),
            double: true,
        }),
        ..relaxed()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn population_prefill_and_an_online_payment_go_over_loopback_to_the_doubles() {
    for url in sync(test_db_urls) {
        let (app, port) = serve(connected, &url).await;
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        // A number that is not one: refused before anything is asked, naming the field.
        let (s, v) = app
            .call("GET", "/api/v1/population/003090001234", Some(&desk), None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains("id_number"), "{v}");
        let (s, v) = app
            .call("GET", "/api/v1/population/066190004321", Some(&desk), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["person"]["full_name"], "H'Hen Niê");
        assert_eq!(v["source"], "CSDLQGDC");
        assert_eq!(v["province_of_birth_registration"], "Đắk Lắk");
        let (s, _) = app
            .call("GET", "/api/v1/population/066190009999", Some(&desk), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Who looked is kept, never the number.
        assert_eq!(app.count("population_lookups"), 2);
        let kept = sync(|| {
            app.store
                .store
                .read(|tx| {
                    Ok(tx
                        .query("SELECT * FROM population_lookups", &[])?
                        .iter()
                        .map(|r| format!("{r:?}"))
                        .collect::<Vec<_>>()
                        .join(" "))
                })
                .unwrap()
        });
        assert!(!kept.contains("066190"), "{kept}");
        // The double wants the platform's token.
        let (s, _) = app
            .call("GET", "/dan-cu-thu/citizens/066190004321", None, None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // The dossier records that its applicant's data came from the national database.
        let mut body = reception(WARD_A);
        body["applicant"]["id_number"] = "066190004321".into();
        body["applicant"]["full_name"] = "H'Hen Niê".into();
        let (_, v) = app
            .call("POST", "/api/v1/dossiers", Some(&desk), Some(body))
            .await;
        let id = v["id"].as_i64().unwrap();
        let record = |version: i64, fields: Value| {
            let app = &app;
            let desk = desk.clone();
            async move {
                app.call(
                    "POST",
                    &format!("/api/v1/dossiers/{id}/population-data"),
                    Some(&desk),
                    Some(json!({"version": version, "fields": fields})),
                )
                .await
            }
        };
        let (s, v) = record(v["version"].as_i64().unwrap(), json!(["password"])).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = record(1, json!(["full_name", "id_number", "address"])).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, _) = record(2, json!(["full_name"])).await;
        assert_eq!(s, StatusCode::CONFLICT, "recorded already");
        let today = motcua_domain::dossier::to_local(chrono::Utc::now()).date();
        let month = NaiveDate::from_ymd_opt(
            chrono::Datelike::year(&today),
            chrono::Datelike::month(&today),
            1,
        )
        .unwrap();
        let period = motcua_domain::stats::Period::from_dates(
            month,
            (month + chrono::Months::new(1)).pred_opt().unwrap(),
        )
        .unwrap();
        let inputs = sync(|| {
            app.store
                .store
                .read(|tx| {
                    motcua_store::population::indicator_inputs(
                        tx,
                        &[WARD_A.to_owned()],
                        None,
                        &period,
                    )
                })
                .unwrap()
        });
        assert_eq!(inputs["population_dossiers"], 1);
        assert_eq!(inputs["procedures_population"], 1);

        // An online payment, end to end: a procedure with a fee, assessed at the desk; the
        // applicant's page sends them to the gateway double; paying there calls the IPN over
        // loopback, which resumes the dossier.
        sync(|| {
            app.store
                .store
                .write(|tx| {
                    let mut spec = procedures::versions(tx, "1.001612")?.remove(0).spec;
                    spec.code = "1.000894".into();
                    spec.fees = vec![FeeLine {
                        name: "Lệ phí".into(),
                        amount: Some(8_000),
                        description: "8.000 đồng".into(),
                        exemptions: vec![],
                    }];
                    procedures::import(
                        tx,
                        &[Announcement {
                            number: "3/QĐ-UBND".into(),
                            date: NaiveDate::from_ymd_opt(2020, 3, 1).unwrap(),
                            issuer: "UBND tỉnh".into(),
                            effective: NaiveDate::from_ymd_opt(2020, 3, 1).unwrap(),
                            items: vec![Item::New { procedure: spec }],
                        }],
                        "test",
                        chrono::Utc::now(),
                    )?;
                    Ok(())
                })
                .unwrap()
        });
        let mut body = reception(WARD_A);
        body["procedure_code"] = "1.000894".into();
        let (_, v) = app
            .call("POST", "/api/v1/dossiers", Some(&desk), Some(body))
            .await;
        let id = v["id"].as_i64().unwrap();
        let code = v["code"].as_str().unwrap().to_owned();
        let secret = v["receipt"]["secret"].as_str().unwrap().to_owned();
        let (_, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/assess-fee"),
                Some(&desk),
                Some(json!({"version": v["version"]})),
            )
            .await;
        assert_eq!(v["status"], "paused");
        let (_, location, _) = app
            .page(
                "/tra-cuu/thanh-toan",
                Some(&format!("code={code}&secret={secret}")),
                "",
            )
            .await;
        let location = location.unwrap();
        let prefix = format!("http://127.0.0.1:{port}/cong-thanh-toan-thu?");
        let query = location
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{location}"));
        let form = format!(
            "query={}&decision=pay",
            motcua_web::http::format::percent(query)
        );
        let (s, back, body) = app.page("/cong-thanh-toan-thu", Some(&form), "").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let back = back.unwrap();
        assert!(
            back.starts_with(&format!("http://127.0.0.1:{port}/thanh-toan/ket-qua?")),
            "{back}"
        );
        let (_, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(&desk), None)
            .await;
        assert_eq!(v["dossier"]["status"], "processing", "{v}");
        assert_eq!(
            v["dossier"]["fees"]["payments"][0]["payment"]["method"],
            "online"
        );
        let (_, _, page) = app
            .page(back.split_once(&format!(":{port}")).unwrap().1, None, "")
            .await;
        assert!(page.contains("đã ghi nhận khoản thanh toán"), "{page}");
    }
}
