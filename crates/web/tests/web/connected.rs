//! The connections over loopback (issue 15, items 4-6): a real server with the payment gateway's
//! and the population database's doubles, as `motcua demo` runs them. The population lookup
//! checks the number before asking, goes over HTTP with its token, and keeps who looked, never the
//! number; the dossier records the data's origin (766 4.5a/4.5b). An online payment goes from the
//! applicant's page to the gateway double, which calls the IPN over loopback.

use std::net::SocketAddr;

use motcua_domain::procedure::FeeLine;
use motcua_web::payment::gateway::{GatewayKind, PaymentConfig};
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
            kind: GatewayKind::VnPay,
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

/// A url-encoded form of the counter's reception of procedure 1.001612 at ward A, with `more`.
fn counter_form(more: &[(&str, &str)]) -> String {
    let mut f = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("procedure_code", "1.001612"),
        ("unit", WARD_A),
        ("applicant_kind", "citizen"),
        ("phone", "0905 111 222"),
        ("paper_0", "1"),
        ("paper_0_name", "Giấy đề nghị"),
        ("paper_0_kind", "original"),
        ("paper_0_copies", "1"),
    ] {
        f.append_pair(k, v);
    }
    for (k, v) in more {
        f.append_pair(k, v);
    }
    f.finish()
}

/// The value of the hidden input `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let mark = format!("name=\"{name}\" value=\"");
    let at = page
        .find(&mark)
        .unwrap_or_else(|| panic!("no {name} in {page}"));
    let rest = &page[at + mark.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The kinds of a dossier's events, in order.
fn kinds(app: &TestApp, id: i64) -> Vec<String> {
    sync(|| {
        app.store
            .store
            .read(|tx| motcua_store::dossiers::history(tx, id))
            .unwrap()
            .iter()
            .map(|e| e.event.kind().to_owned())
            .collect()
    })
}

fn population_data(app: &TestApp, id: i64) -> Vec<String> {
    sync(|| {
        app.store
            .store
            .read(|tx| motcua_store::dossiers::load_sealed(tx, id))
            .unwrap()
            .population_data
    })
}

/// The counter's "fill from the population database" (issue 15, item 5): the number is checked
/// first and a refusal says which check failed; nobody with the number is said next to it; in
/// both cases no dossier is written. Found, the form comes back with the name, date of birth, sex
/// and permanent residence, and the reception records, in its own transaction, that the details
/// still as the database gave them came from it (766 4.5a/4.5b): a detail the officer changed is
/// not recorded so, and a token for another number vouches for nothing.
#[tokio::test(flavor = "multi_thread")]
async fn the_counter_fills_the_applicant_from_the_population_database() {
    for url in sync(test_db_urls) {
        let (app, _) = serve(connected, &url).await;
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (s, _, page) = app
            .page("/can-bo/tiep-nhan?thu_tuc=1.001612", None, &desk)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("name=\"tu_csdl\""), "{page}");
        assert!(page.contains("Lấy từ CSDL dân cư"));
        let prefill = |number: &str| counter_form(&[("tu_csdl", "1"), ("id_number", number)]);
        // Numbers that are not ones: refused before anything is asked, saying which check failed.
        for (number, why) in [
            ("003090001234", "003&#39; không phải mã tỉnh"),
            ("066490001234", "năm sinh 2190, sau năm hiện tại"),
            ("06619000432", "phải gồm đúng 12 chữ số"),
        ] {
            let (s, _, body) = app
                .page("/can-bo/tiep-nhan", Some(&prefill(number)), &desk)
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{number}");
            assert!(body.contains(why), "{number}: {body}");
            assert!(
                body.contains("id=\"id_number-error\""),
                "next to the number"
            );
        }
        assert_eq!(app.count("population_lookups"), 0, "nothing asked");
        // Nobody with the number: said next to it; the lookup is kept, nothing else.
        let (s, _, body) = app
            .page("/can-bo/tiep-nhan", Some(&prefill("066190009999")), &desk)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(
            body.contains("Không tìm thấy công dân với số định danh này"),
            "{body}"
        );
        assert_eq!(app.count("population_lookups"), 1);
        assert_eq!((app.count("events"), app.count("dossiers")), (0, 0));

        // Found: the form again, filled, with the token.
        let (s, _, page) = app
            .page(
                "/can-bo/tiep-nhan",
                Some(&prefill("066 190 004 321")),
                &desk,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        for shown in [
            "value=\"066190004321\"",
            "value=\"1990-04-12\"",
            "<option value=\"female\" selected>",
            "value=\"Buôn Tring, phường Buôn Hồ, tỉnh Đắk Lắk\"",
            "Hen Niê",
            "Đã điền họ tên, ngày sinh, giới tính và nơi thường trú từ CSDL",
        ] {
            assert!(page.contains(shown), "{shown}: {page}");
        }
        assert_eq!(app.count("events"), 0, "a prefill records nothing");
        let token = hidden(&page, "tu_csdl_ma");
        assert!(
            !token.contains("1990") && !token.contains("066190"),
            "{token}"
        );
        let person = |address: &str, number: &str, token: &str| {
            counter_form(&[
                ("full_name", "H'Hen Niê"),
                ("id_number", number),
                ("date_of_birth", "1990-04-12"),
                ("sex", "female"),
                ("address", address),
                ("tu_csdl_ma", token),
            ])
        };
        let received = |form: String| {
            let app = &app;
            let desk = desk.clone();
            async move {
                let (s, location, body) = app.page("/can-bo/tiep-nhan", Some(&form), &desk).await;
                assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
                location
                    .unwrap()
                    .trim_start_matches("/can-bo/ho-so/")
                    .split('/')
                    .next()
                    .unwrap()
                    .parse::<i64>()
                    .unwrap()
            }
        };
        let home = "Buôn Tring, phường Buôn Hồ, tỉnh Đắk Lắk";
        let id = received(person(home, "066190004321", &token)).await;
        assert_eq!(kinds(&app, id), ["received", "population_data_used"]);
        assert_eq!(
            population_data(&app, id),
            ["address", "date_of_birth", "full_name", "id_number", "sex"]
        );
        let (_, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(&desk), None)
            .await;
        assert_eq!(v["dossier"]["applicant"]["date_of_birth"], "1990-04-12");
        assert_eq!(v["dossier"]["applicant"]["sex"], "female");
        // The date of birth is personal data: in the vault, not in the log or the projection.
        let stored = sync(|| {
            app.store
                .store
                .read(|tx| {
                    let mut all = vec![];
                    for table in ["events", "dossiers"] {
                        all.extend(
                            tx.query(&format!("SELECT * FROM {table}"), &[])?
                                .iter()
                                .map(|r| format!("{r:?}")),
                        );
                    }
                    Ok(all.join("\n"))
                })
                .unwrap()
        });
        assert!(!stored.contains("1990-04-12"), "{stored}");
        assert!(stored.contains("population_data_used"));
        // The officer corrected the address: the rest still came from the database.
        let id2 = received(person("Số 5 đường Hùng Vương", "066190004321", &token)).await;
        assert_eq!(
            population_data(&app, id2),
            ["date_of_birth", "full_name", "id_number", "sex"]
        );
        // The token vouches for nothing about another number (a date and sex that fit it).
        let other = counter_form(&[
            ("full_name", "H'Hen Niê"),
            ("id_number", "066190004322"),
            ("date_of_birth", "1990-04-12"),
            ("sex", "female"),
            ("address", home),
            ("tu_csdl_ma", &token),
        ]);
        let id3 = received(other).await;
        assert_eq!(kinds(&app, id3), ["received"]);
        assert!(population_data(&app, id3).is_empty());
        // A date of birth or a sex the number contradicts is refused, next to its input.
        let (s, _, body) = app
            .page(
                "/can-bo/tiep-nhan",
                Some(&counter_form(&[
                    ("full_name", "H'Hen Niê"),
                    ("id_number", "066190004321"),
                    ("date_of_birth", "12/04/1991"),
                    ("sex", "male"),
                ])),
                &desk,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"date_of_birth-error\""), "{body}");
        assert!(body.contains("id=\"sex-error\""), "{body}");
        assert!(body.contains("không khớp với năm sinh 1990"), "{body}");
        // 766 4.5: the two dossiers with data from the database.
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
        assert_eq!(inputs["population_dossiers"], 2);
    }
}

/// An online submission of procedure 1.001612 at ward A with one PDF and `fields`.
fn online(fields: &[(&str, &str)]) -> Request<Body> {
    let boundary = "XyZboundary";
    let mut b: Vec<u8> = vec![];
    let mut all = vec![("unit", WARD_A), ("phone", "0905000222")];
    all.extend_from_slice(fields);
    for (k, v) in all {
        b.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    b.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file_0\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    b.extend(b"%PDF-1.4 a real enough pdf");
    b.extend(b"\r\n");
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
}

fn checks(app: &TestApp) -> Vec<String> {
    sync(|| {
        app.store
            .store
            .read(|tx| {
                Ok(tx
                    .query("SELECT * FROM population_checks ORDER BY id", &[])?
                    .iter()
                    .map(|r| format!("{r:?}"))
                    .collect())
            })
            .unwrap()
    })
}

/// The online form's check (issue 15, item 5): the citizen's number, name and date of birth are
/// confirmed or not, and nothing from the database is shown; an unknown number and a mismatch
/// answer alike; a match submits with the database's spelling, sex and (no address typed) the
/// permanent residence, recorded as from the database by the system in the same transaction; a
/// number that failed three times is not checked again; the checks kept hold no number or name.
#[tokio::test(flavor = "multi_thread")]
async fn the_online_form_checks_the_applicant_without_showing_the_database() {
    for url in sync(test_db_urls) {
        let files = std::env::temp_dir().join(format!(
            "motcua-check-test-{}-{}",
            std::process::id(),
            url.len()
        ));
        let (app, _) = serve(
            |port| Settings {
                files_dir: files.clone(),
                ..connected(port)
            },
            &url,
        )
        .await;
        let (s, _, page) = app.page("/nop-ho-so/1.001612", None, "").await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("name=\"xac_thuc\""), "{page}");
        let ask = |number: &'static str, name: &'static str, born: &'static str| {
            online(&[
                ("full_name", name),
                ("id_number", number),
                ("date_of_birth", born),
                ("xac_thuc", "1"),
            ])
        };
        let refused = |req: Request<Body>| {
            let app = &app;
            async move {
                let (s, body, _) = app.send(req).await;
                assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
                let body = body.as_str().unwrap().to_owned();
                assert!(!body.contains("Buôn Tring"), "nothing from the database");
                body
            }
        };
        let mismatch = "không khớp với CSDL quốc gia về dân cư";
        // A wrong date of birth, and a number nobody has: the same refusal, nothing recorded.
        let wrong = refused(ask("066190004321", "H'Hen Niê", "1990-04-13")).await;
        assert!(wrong.contains(mismatch), "{wrong}");
        assert!(
            !wrong.contains("1990-04-12"),
            "the right date is not given away"
        );
        let unknown = refused(ask("066190009999", "H'Hen Niê", "1990-04-13")).await;
        assert!(unknown.contains(mismatch), "{unknown}");
        // A number that is not one says why; it needs a date of birth.
        let bad = refused(ask("003090001234", "H'Hen Niê", "1990-04-12")).await;
        assert!(bad.contains("không phải mã tỉnh"), "{bad}");
        let no_date = refused(online(&[
            ("full_name", "H'Hen Niê"),
            ("id_number", "066190004321"),
            ("xac_thuc", "1"),
        ]))
        .await;
        assert!(no_date.contains("Cần ngày sinh để đối chiếu"), "{no_date}");
        assert_eq!(app.count("events"), 0);

        // The right details, typed in another case and without an address: submitted, said so,
        // and still nothing of the database on the page.
        let (s, body, _) = app
            .send(ask("066190004321", "h'hen  NIÊ", "12/04/1990"))
            .await;
        let body = body.as_str().unwrap().to_owned();
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(body.contains("đã được đối chiếu khớp"), "{body}");
        assert!(!body.contains("Buôn Tring"));
        let id = sync(|| {
            app.store
                .store
                .read(|tx| {
                    tx.query_one("SELECT MAX(id) FROM dossiers", &[])?
                        .unwrap()
                        .i64(0)
                })
                .unwrap()
        });
        assert_eq!(kinds(&app, id), ["submitted", "population_data_used"]);
        assert_eq!(
            population_data(&app, id),
            ["address", "date_of_birth", "full_name", "id_number", "sex"]
        );
        let d = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::dossiers::load(tx, id))
                .unwrap()
        });
        assert_eq!(
            d.applicant.full_name, "H'Hen Niê",
            "the database's spelling"
        );
        assert_eq!(
            d.applicant.address.as_deref(),
            Some("Buôn Tring, phường Buôn Hồ, tỉnh Đắk Lắk")
        );
        assert_eq!(
            d.applicant.sex,
            Some(motcua_domain::citizen_id::Sex::Female)
        );
        let history = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::dossiers::history(tx, id))
                .unwrap()
        });
        assert_eq!(
            history[1].actor,
            motcua_domain::dossier::Actor::System,
            "the system checked"
        );
        // Without the check, nothing is asked and nothing recorded as from the database.
        let before = checks(&app).len();
        let (s, _, _) = app
            .send(online(&[
                ("full_name", "Y Bih Mlô"),
                ("id_number", "066085001122"),
            ]))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(checks(&app).len(), before);

        // Three failures for a number, then even the right details are not checked.
        for day in ["1985-09-01", "1985-09-03", "1985-09-04"] {
            let (s, _, _) = app.send(ask("066085001122", "Y Bih Mlô", day)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let stopped = refused(ask("066085001122", "Y Bih Mlô", "1985-09-02")).await;
        assert!(
            stopped.contains("đã đối chiếu không khớp nhiều lần"),
            "{stopped}"
        );
        // Another number is still checked.
        let (s, _, _) = app
            .send(ask("066301007788", "Nguyễn Thị Mai Anh", "2001-01-20"))
            .await;
        assert_eq!(s, StatusCode::OK);
        let kept = checks(&app).join("\n");
        for outcome in ["mismatch", "matched", "refused"] {
            assert!(kept.contains(outcome), "{kept}");
        }
        for secret in ["066190", "066085", "Niê", "Mlô", "1990", "1985"] {
            assert!(!kept.contains(secret), "{secret} in {kept}");
        }
        let _ = std::fs::remove_dir_all(&files);
    }
}

fn platform(port: u16) -> Settings {
    let base = format!("http://127.0.0.1:{port}");
    Settings {
        payment: Some(PaymentConfig {
            kind: GatewayKind::Dvcqg,
            url: format!("{base}/cong-thanh-toan-thu/dvcqg/khoi-tao"),
            merchant: "H15.DAKLAK".into(),
            secret: PLATFORM_SECRET.into(),
            double: true,
        }),
        ..connected(port)
    }
}

const PLATFORM_SECRET: &str = "khoa-bi-mat-nen-tang-thu";

/// A procedure with a fee of 8.000 đồng, a dossier of it received at ward A and assessed (paused
/// until paid): its id, code and lookup secret.
async fn owing(app: &TestApp, desk: &str) -> (i64, String, String) {
    sync(|| {
        app.store
            .store
            .write(|tx| {
                if procedures::versions(tx, "1.000894")?.is_empty() {
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
                }
                Ok(())
            })
            .unwrap()
    });
    let mut body = reception(WARD_A);
    body["procedure_code"] = "1.000894".into();
    let (_, v) = app
        .call("POST", "/api/v1/dossiers", Some(desk), Some(body))
        .await;
    let id = v["id"].as_i64().unwrap();
    let code = v["code"].as_str().unwrap().to_owned();
    let secret = v["receipt"]["secret"].as_str().unwrap().to_owned();
    let (_, v) = app
        .call(
            "POST",
            &format!("/api/v1/dossiers/{id}/assess-fee"),
            Some(desk),
            Some(json!({"version": v["version"]})),
        )
        .await;
    assert_eq!(v["status"], "paused");
    (id, code, secret)
}

/// The national portal's payment platform (`[payment] kind = "dvcqg"`, issue 15, item 4) behind
/// the same interface as VNPay: the applicant's page asks the platform (the double, over
/// loopback) and sends the payer to the address it answers; the platform's JSON notification with
/// a wrong checksum, a wrong amount, an unknown reference, or sent twice changes nothing and is
/// answered in the platform's shape; the right one resumes the dossier; paying on the double's
/// page does the same end to end, and the return page shows only what was recorded.
#[tokio::test(flavor = "multi_thread")]
async fn the_portals_payment_platform_is_a_second_gateway_with_the_same_guarantees() {
    use motcua_web::payment::dvcqg::{NOTIFY_SIGNED, checksum, field};
    for url in sync(test_db_urls) {
        let (app, port) = serve(platform, &url).await;
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (id, code, secret) = owing(&app, &desk).await;
        let (s, location, body) = app
            .page(
                "/tra-cuu/thanh-toan",
                Some(&format!("code={code}&secret={secret}")),
                "",
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let location = location.unwrap();
        let prefix = format!("http://127.0.0.1:{port}/cong-thanh-toan-thu/dvcqg?");
        let query = location
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{location}"))
            .to_owned();
        let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| params.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get(field::AMOUNT), "8000", "in đồng");
        assert_eq!(get(field::PARTNER), "H15.DAKLAK");
        let reference = get(field::REFERENCE);

        let notification = |reference: &str, amount: i64, code: &str, secret: &str| {
            let mut m = serde_json::Map::new();
            for (k, v) in [
                (field::MESSAGE_TYPE, "2"),
                (field::ERROR, code),
                (field::PARTNER, "H15.DAKLAK"),
                (field::REFERENCE, reference),
                (field::CURRENCY, "704"),
                (field::TRANSACTION, "PG000123"),
                (field::BANK, "NCB"),
                (field::TIME, "20250311083000"),
                (field::DESCRIPTION, "Nop phi"),
            ] {
                m.insert(k.to_owned(), Value::from(v));
            }
            m.insert(field::AMOUNT.to_owned(), Value::from(amount));
            let sum = checksum(&m, &NOTIFY_SIGNED, secret);
            m.insert(field::CHECKSUM.to_owned(), Value::from(sum));
            Value::Object(m)
        };
        let ipn = |body: Value| {
            let app = &app;
            async move {
                let (s, v) = app
                    .call("POST", "/api/v1/payments/dvcqg/ipn", None, Some(body))
                    .await;
                assert_eq!(s, StatusCode::OK, "{v}");
                v
            }
        };
        let events = || kinds(&app, id).len();
        let before = events();
        // Wrong checksum (another secret, or tampered after signing): 97.
        let v = ipn(notification(&reference, 8_000, "00", "khac")).await;
        assert_eq!(v["MaLoi"], "97", "{v}");
        let mut tampered = notification(&reference, 100, "00", PLATFORM_SECRET);
        tampered[field::AMOUNT] = Value::from(8_000);
        assert_eq!(ipn(tampered).await["MaLoi"], "97");
        // Unknown reference: 01; wrong amount: 04; not an object: 99.
        assert_eq!(
            ipn(notification("MC999999T1", 8_000, "00", PLATFORM_SECRET)).await["MaLoi"],
            "01"
        );
        assert_eq!(
            ipn(notification(&reference, 80_000, "00", PLATFORM_SECRET)).await["MaLoi"],
            "04"
        );
        assert_eq!(ipn(json!([1, 2])).await["MaLoi"], "99");
        // A VNPay notification while the platform is configured: not this gateway.
        let (_, v) = app
            .call(
                "GET",
                &format!("/api/v1/payments/vnpay/ipn?vnp_TxnRef={reference}&vnp_Amount=800000"),
                None,
                None,
            )
            .await;
        assert_eq!(v["RspCode"], "99", "{v}");
        assert_eq!(events(), before, "nothing changed");
        let (_, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(&desk), None)
            .await;
        assert_eq!(v["dossier"]["status"], "paused");
        // The return page proves nothing: still waiting.
        let (_, _, back) = app
            .page(
                &format!("/thanh-toan/ket-qua?data={reference}&responseCode=00&secureCode=0"),
                None,
                "",
            )
            .await;
        assert!(back.contains("chưa nhận được xác nhận"), "{back}");
        // The right notification: 00, answered in the platform's shape; again: 02, nothing more.
        let v = ipn(notification(&reference, 8_000, "00", PLATFORM_SECRET)).await;
        assert_eq!(v["MaLoi"], "00", "{v}");
        assert_eq!(v["MaThamChieu"], reference.as_str());
        assert_eq!(v["MaDoiTac"], "H15.DAKLAK");
        assert_eq!(events(), before + 1);
        let v = ipn(notification(&reference, 8_000, "00", PLATFORM_SECRET)).await;
        assert_eq!(v["MaLoi"], "02", "{v}");
        assert_eq!(events(), before + 1);
        let (_, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(&desk), None)
            .await;
        assert_eq!(v["dossier"]["status"], "processing", "{v}");
        assert_eq!(
            v["dossier"]["fees"]["payments"][0]["payment"]["gateway"],
            "dvcqg"
        );

        // End to end through the double's page: the notification over loopback, then back.
        let (id2, code2, secret2) = owing(&app, &desk).await;
        let (_, location, _) = app
            .page(
                "/tra-cuu/thanh-toan",
                Some(&format!("code={code2}&secret={secret2}")),
                "",
            )
            .await;
        let query = location.unwrap().strip_prefix(&prefix).unwrap().to_owned();
        let (s, _, page) = app
            .page(&format!("/cong-thanh-toan-thu/dvcqg?{query}"), None, "")
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("8.000 đồng"), "{page}");
        // The double's page refuses an address it did not sign.
        let (s, _, _) = app
            .page(
                &format!(
                    "/cong-thanh-toan-thu/dvcqg?{}",
                    query.replace("SoTien=8000", "SoTien=1")
                ),
                None,
                "",
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let form = format!(
            "query={}&decision=pay",
            motcua_web::http::format::percent(&query)
        );
        let (s, back, body) = app
            .page("/cong-thanh-toan-thu/dvcqg", Some(&form), "")
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let back = back.unwrap();
        assert!(
            back.starts_with(&format!("http://127.0.0.1:{port}/thanh-toan/ket-qua?data=")),
            "{back}"
        );
        let (_, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id2}"), Some(&desk), None)
            .await;
        assert_eq!(v["dossier"]["status"], "processing", "{v}");
        let (_, _, page) = app
            .page(back.split_once(&format!(":{port}")).unwrap().1, None, "")
            .await;
        assert!(page.contains("đã ghi nhận khoản thanh toán"), "{page}");
    }
}
