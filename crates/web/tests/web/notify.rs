//! The applicant's opt-in to notifications at the counter (page and API) and online (page and
//! API): the channel and language are recorded with the applicant (the address is their e-mail or
//! mobile phone), the outbox queues the reception's notice without anything personal in it or on
//! its page, and an unusable address is refused next to its field in the reader's language (both
//! in JSON) with nothing written.

use crate::support::*;
use motcua_store::outbox;

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn counter_form<'a>(
    email: &'a str,
    phone: &'a str,
    channel: &'a str,
    language: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("procedure_code", "1.001612"),
        ("unit", WARD_A),
        ("applicant_kind", "citizen"),
        ("full_name", "Đặng Thị Thông Báo"),
        ("id_number", "066190007777"),
        ("phone", phone),
        ("email", email),
        ("notify_channel", channel),
        ("notify_language", language),
        ("paper_0", "1"),
        ("paper_0_name", "Giấy đề nghị"),
        ("paper_0_kind", "original"),
        ("paper_0_copies", "1"),
    ]
}

fn outbox_rows(app: &TestApp) -> Vec<outbox::Message> {
    sync(|| {
        app.store
            .store
            .read(|tx| {
                let mut all = outbox::list(tx, "pending", 1000)?;
                all.extend(outbox::list(tx, "delivered", 1000)?);
                Ok(all)
            })
            .unwrap()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_counter_records_the_opt_in_and_the_outbox_queues_the_notice_without_personal_data() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        sync(|| {
            app.store
                .store
                .write(|tx| outbox::configure(tx, &[outbox::SMS, outbox::EMAIL], 0))
                .unwrap()
        });
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        // The form offers the choice.
        let (s, _, body) = app
            .page("/can-bo/tiep-nhan?thu_tuc=1.001612", None, &desk)
            .await;
        assert_eq!(s, StatusCode::OK, "{url}");
        assert!(
            body.contains("name=\"notify_channel\"")
                && body.contains("Tin nhắn SMS (gửi đến số điện thoại di động ở trên)")
                && body.contains("name=\"notify_language\""),
            "{body}"
        );
        let (s, location, body) = app
            .page(
                "/can-bo/tiep-nhan",
                Some(&form(&counter_form("", "0912 345 678", "sms", "en"))),
                &desk,
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{url}: {body}");
        let id: i64 = location
            .unwrap()
            .trim_start_matches("/can-bo/ho-so/")
            .trim_end_matches("/phieu-tiep-nhan")
            .parse()
            .unwrap();
        let (_, _, page) = app.page(&format!("/can-bo/ho-so/{id}"), None, &desk).await;
        assert!(
            page.contains("Nhận thông báo qua") && page.contains("Tin nhắn SMS (Tiếng Anh)"),
            "{page}"
        );
        let rows = outbox_rows(&app);
        assert_eq!(rows.len(), 1, "{url}");
        assert_eq!(
            (rows[0].connector.as_str(), rows[0].message.as_str()),
            ("sms", "received")
        );

        // The API takes the same opt-in.
        let mut body = reception(WARD_A);
        body["applicant"]["email"] = "thongbao@example.vn".into();
        body["applicant"]["notify"] = serde_json::json!({"channel": "email", "language": "vi"});
        let (s, v) = app
            .call("POST", "/api/v1/dossiers", Some(&desk), Some(body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let rows = outbox_rows(&app);
        assert_eq!(rows.len(), 2, "{url}");
        assert!(rows.iter().any(|m| m.connector == "email"));

        // Nothing personal in the outbox, its JSON or its page.
        let admin = app.login(&format!("system_admin.{WARD_A}")).await;
        let (_, json) = app.call("GET", "/api/v1/outbox", Some(&admin), None).await;
        let (_, _, page) = app.page("/can-bo/he-thong/hop-thu-di", None, &admin).await;
        assert!(page.contains("Tin nhắn SMS cho người nộp"), "{page}");
        let rows = format!("{:?}", outbox_rows(&app));
        for text in [rows, json.to_string(), page] {
            for personal in [
                "Đặng Thị",
                "912345678",
                "0912 345",
                "thongbao@",
                "Nguyễn Văn Thử",
                "905111222",
                "language",
            ] {
                assert!(!text.contains(personal), "{url}: {personal} in {text}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unusable_address_is_refused_next_to_its_field_in_both_languages_and_nothing_is_written()
{
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        sync(|| {
            app.store
                .store
                .write(|tx| outbox::configure(tx, &[outbox::SMS, outbox::EMAIL], 0))
                .unwrap()
        });
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let before = (app.count("events"), app.count("vault_subjects"));
        // E-mail chosen without an address; SMS to a landline; an unknown channel.
        for (email, phone, channel, expected) in [
            (
                "",
                "0912345678",
                "email",
                "Để nhận thông báo qua thư điện tử",
            ),
            (
                "a@b",
                "0912345678",
                "email",
                "Để nhận thông báo qua thư điện tử",
            ),
            ("", "0262 3851 234", "sms", "số điện thoại di động Việt Nam"),
            ("", "0912345678", "fax", "kênh nhận thông báo phải là"),
        ] {
            let (s, _, body) = app
                .page(
                    "/can-bo/tiep-nhan",
                    Some(&form(&counter_form(email, phone, channel, "vi"))),
                    &desk,
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {channel}");
            assert!(body.contains(expected), "{url}: {expected}: {body}");
        }
        // Next to the field it is about.
        let (_, _, body) = app
            .page(
                "/can-bo/tiep-nhan",
                Some(&form(&counter_form("", "0262 3851 234", "zalo", "vi"))),
                &desk,
            )
            .await;
        let label = body.find("<label for=\"phone\">").unwrap();
        let input = body.find("id=\"phone\"").unwrap();
        assert!(
            body[label..input].contains("field-error")
                && body[label..input].contains("số điện thoại di động Việt Nam"),
            "{body}"
        );
        // The JSON API answers in both languages.
        let mut r = reception(WARD_A);
        r["applicant"]["notify"] = serde_json::json!({"channel": "zalo"});
        r["applicant"]["phone"] = "+1 415 555 0100".into();
        let (s, v) = app
            .call("POST", "/api/v1/dossiers", Some(&desk), Some(r))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let text = v.to_string();
        assert!(
            text.contains("số điện thoại di động") && text.contains("Vietnamese mobile number"),
            "{v}"
        );
        // Online, too.
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/public/dossiers",
                None,
                Some(serde_json::json!({
                    "procedure_code": "1.001612",
                    "unit": WARD_A,
                    "applicant": {"full_name": "Lý Văn Mạng", "phone": "0912345678",
                        "notify": {"channel": "email", "language": "en"}},
                })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains("valid e-mail address"), "{v}");
        assert_eq!(
            (app.count("events"), app.count("vault_subjects")),
            before,
            "{url}: nothing written"
        );
        assert!(outbox_rows(&app).is_empty(), "{url}");

        // In English for a reader who chose English.
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/can-bo/tiep-nhan")
            .header("cookie", format!("motcua_session={desk}; lang=en"))
            .header("host", "motcua.test")
            .header("origin", "http://motcua.test")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(form(&counter_form(
                "",
                "0912345678",
                "email",
                "vi",
            ))))
            .unwrap();
        let (s, body, _) = app.send(req).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.as_str()
                .unwrap_or_default()
                .contains("to be notified by e-mail, give a valid e-mail address"),
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_online_applicant_opts_in_through_the_public_api_and_the_reception_keeps_it() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        sync(|| {
            app.store
                .store
                .write(|tx| outbox::configure(tx, &[outbox::ZALO], 0))
                .unwrap()
        });
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/public/dossiers",
                None,
                Some(serde_json::json!({
                    "procedure_code": "1.001612",
                    "unit": WARD_A,
                    "applicant": {"full_name": "Lý Văn Mạng", "phone": "0912 345 679",
                        "notify": {"channel": "zalo", "language": "vi"}},
                    "papers": [{"name": "Giấy đề nghị", "copies": 1}],
                })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        // A submission is not one of the five notices.
        assert!(outbox_rows(&app).is_empty(), "{url}");
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
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/receive"),
                Some(&desk),
                Some(serde_json::json!({"version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let rows = outbox_rows(&app);
        assert_eq!(rows.len(), 1, "{url}: {v}");
        assert_eq!(
            (rows[0].connector.as_str(), rows[0].message.as_str()),
            ("zalo", "received")
        );
    }
}
