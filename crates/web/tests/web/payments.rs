//! Fees and payments through the router (issue 15, item 4): the desk's assessment and payment
//! (a receipt required), the applicant's online payment request, the gateway's notification (IPN)
//! with a wrong signature, a wrong amount, an unknown reference or sent twice changing nothing and
//! answering VNPay's codes, the return page, the reconciliation as JSON and CSV.

use motcua_domain::procedure::FeeLine;
use motcua_web::payment::gateway::{GatewayKind, PaymentConfig, signed_query};

use crate::support::*;

const SECRET: &str = "BI-MAT-THU-NGHIEM-0123456789";
const MERCHANT: &str = "MOTCUA01";

fn with_payment() -> motcua_web::Settings {
    motcua_web::Settings {
        payment: Some(PaymentConfig {
            kind: GatewayKind::VnPay,
            url: "https://cong-thanh-toan.example/vpcpay.html".into(),
            merchant: MERCHANT.into(),
            secret: SECRET.into(),
            double: true,
        }),
        ..relaxed()
    }
}

/// A second procedure with a fee of 50.000 đồng, exempt for poor households.
fn add_fee_procedure(app: &TestApp) {
    sync(|| {
        app.store
            .store
            .write(|tx| {
                let mut spec = procedures::versions(tx, "1.001612")?.remove(0).spec;
                spec.code = "1.000894".into();
                spec.name = "Đăng ký khai sinh (có lệ phí, thử)".into();
                spec.fees = vec![FeeLine {
                    name: "Lệ phí".into(),
                    amount: Some(50_000),
                    description: "50.000 đồng/hồ sơ".into(),
                    exemptions: vec!["Hộ nghèo".into()],
                }];
                procedures::import(
                    tx,
                    &[Announcement {
                        number: "2/QĐ-UBND".into(),
                        date: NaiveDate::from_ymd_opt(2020, 2, 1).unwrap(),
                        issuer: "UBND tỉnh".into(),
                        effective: NaiveDate::from_ymd_opt(2020, 2, 1).unwrap(),
                        items: vec![Item::New { procedure: spec }],
                    }],
                    "test",
                    chrono::Utc::now(),
                )?;
                Ok(())
            })
            .unwrap()
    });
}

fn ipn_query(reference: &str, amount_x100: &str, code: &str, secret: &str) -> String {
    let p: Vec<(String, String)> = [
        ("vnp_Amount", amount_x100),
        ("vnp_BankCode", "NCB"),
        ("vnp_OrderInfo", "Nop phi"),
        ("vnp_PayDate", "20250311083000"),
        ("vnp_ResponseCode", code),
        ("vnp_TmnCode", MERCHANT),
        ("vnp_TransactionNo", "14422574"),
        ("vnp_TransactionStatus", code),
        ("vnp_TxnRef", reference),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    signed_query(secret, &p)
}

#[tokio::test(flavor = "multi_thread")]
async fn fees_are_paid_at_the_desk_with_a_receipt_and_online_only_through_a_verified_notification()
{
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, with_payment()));
        add_fee_procedure(&app);
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let mut body = reception(WARD_A);
        body["procedure_code"] = "1.000894".into();
        let (s, v) = app
            .call("POST", "/api/v1/dossiers", Some(&desk), Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().unwrap();
        let version = v["version"].as_i64().unwrap();
        // An exemption the procedure does not have is refused, naming the field.
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/assess-fee"),
                Some(&desk),
                Some(json!({"version": version, "exemption": "Người cao tuổi"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains("exemption"), "{v}");
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/assess-fee"),
                Some(&desk),
                Some(json!({"version": version})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "paused", "{v}");
        let version = v["version"].as_i64().unwrap();
        let (_, view) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(&desk), None)
            .await;
        assert_eq!(view["dossier"]["fees"]["assessment"]["total"], 50_000);
        // At the desk a receipt is required, and online is not the desk's to record.
        for (payment, field) in [
            (json!({"method": "cash", "amount": 50_000}), "receipt"),
            (
                json!({"method": "cash", "amount": 50_000, "receipt": "không-hợp-lệ"}),
                "receipt",
            ),
            (
                json!({"method": "online", "amount": 50_000, "receipt": "BL25E-1"}),
                "method",
            ),
            (
                json!({"method": "cash", "amount": 10_000, "receipt": "BL25E-1"}),
                "amount",
            ),
        ] {
            let mut b = payment.clone();
            b["version"] = version.into();
            let (s, v) = app
                .call(
                    "POST",
                    &format!("/api/v1/dossiers/{id}/pay"),
                    Some(&desk),
                    Some(b),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{payment} {v}");
            assert!(v.to_string().contains(field), "{field}: {v}");
        }

        // A second dossier is paid online.
        let (_, v) = app
            .call("POST", "/api/v1/dossiers", Some(&desk), Some(body.clone()))
            .await;
        let id2 = v["id"].as_i64().unwrap();
        let code2 = v["code"].as_str().unwrap().to_owned();
        let secret2 = v["receipt"]["secret"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no secret in {v}"));
        let (_, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id2}/assess-fee"),
                Some(&desk),
                Some(json!({"version": v["version"]})),
            )
            .await;
        assert_eq!(v["status"], "paused");
        // The applicant's page shows what is owed and sends them to the gateway, signed.
        let (s, _, page) = app
            .page(
                &format!("/tra-cuu/thanh-toan?code={code2}&secret={secret2}"),
                None,
                "",
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("50.000 đồng"), "{page}");
        let (s, location, _) = app
            .page(
                "/tra-cuu/thanh-toan",
                Some(&format!("code={code2}&secret={secret2}")),
                "",
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let location = location.unwrap();
        assert!(
            location.starts_with("https://cong-thanh-toan.example/vpcpay.html?"),
            "{location}"
        );
        let params: Vec<(String, String)> =
            form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
                .into_owned()
                .collect();
        let get = |k: &str| params.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get("vnp_Amount"), "5000000");
        assert_eq!(get("vnp_TmnCode"), MERCHANT);
        let reference = get("vnp_TxnRef");
        // The gateway double accepts the request as signed.
        let (s, _, double) = app
            .page(
                &format!(
                    "/cong-thanh-toan-thu?{}",
                    location.split_once('?').unwrap().1
                ),
                None,
                "",
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{double}");
        assert!(double.contains(&reference));

        let events = |id: i64| {
            sync(|| {
                app.store
                    .store
                    .read(|tx| motcua_store::dossiers::history(tx, id))
                    .unwrap()
                    .len()
            })
        };
        let ipn = |q: String| {
            let app = &app;
            async move {
                let (s, v) = app
                    .call(
                        "GET",
                        &format!("/api/v1/payments/vnpay/ipn?{q}"),
                        None,
                        None,
                    )
                    .await;
                assert_eq!(s, StatusCode::OK, "{v}");
                v["RspCode"].as_str().unwrap().to_owned()
            }
        };
        let before = events(id2);
        // Wrong signature (signed with another secret, or tampered after signing): 97.
        assert_eq!(
            ipn(ipn_query(&reference, "5000000", "00", "OTHER-SECRET")).await,
            "97"
        );
        let tampered = ipn_query(&reference, "100", "00", SECRET)
            .replace("vnp_Amount=100&", "vnp_Amount=5000000&");
        assert_eq!(ipn(tampered).await, "97");
        // Unknown reference: 01; wrong amount: 04; no parameters: 97.
        assert_eq!(
            ipn(ipn_query("MC999999T1", "5000000", "00", SECRET)).await,
            "01"
        );
        assert_eq!(ipn(ipn_query(&reference, "100", "00", SECRET)).await, "04");
        assert_eq!(
            ipn(ipn_query(&reference, "5000050", "00", SECRET)).await,
            "04"
        );
        assert_eq!(ipn(String::new()).await, "97");
        assert_eq!(events(id2), before, "nothing changed");
        // The return page proves nothing: before the notification, still waiting.
        let (_, _, back) = app
            .page(
                &format!(
                    "/thanh-toan/ket-qua?{}",
                    ipn_query(&reference, "5000000", "00", SECRET)
                ),
                None,
                "",
            )
            .await;
        assert!(back.contains("chưa nhận được xác nhận"), "{back}");
        // The right notification: 00, the dossier resumes; the same again: 02, nothing more.
        assert_eq!(
            ipn(ipn_query(&reference, "5000000", "00", SECRET)).await,
            "00"
        );
        assert_eq!(events(id2), before + 1);
        assert_eq!(
            ipn(ipn_query(&reference, "5000000", "00", SECRET)).await,
            "02"
        );
        assert_eq!(events(id2), before + 1);
        let (_, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id2}"), Some(&desk), None)
            .await;
        assert_eq!(v["dossier"]["status"], "processing", "{v}");
        let (_, _, back) = app
            .page(
                &format!(
                    "/thanh-toan/ket-qua?{}",
                    ipn_query(&reference, "5000000", "00", SECRET)
                ),
                None,
                "",
            )
            .await;
        assert!(back.contains("đã ghi nhận khoản thanh toán"), "{back}");

        // The first dossier is paid at the desk with its receipt.
        let (_, v) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(&desk), None)
            .await;
        let version = v["dossier"]["version"].as_i64().unwrap();
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/pay"),
                Some(&desk),
                Some(json!({"version": version, "method": "cash", "amount": 50_000, "receipt": "bl25e-0000123"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "processing");

        // The reconciliation of today: both payments; CSV with a byte-order mark.
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/payments/reconciliation?unit={WARD_A}"),
                Some(&desk),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["total"], 100_000, "{v}");
        assert_eq!(v["totals"]["cash"][1], 50_000);
        assert_eq!(v["totals"]["online"][1], 50_000);
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/payments/reconciliation?unit={WARD_B}"),
                Some(&desk),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "another ward's payments: {v}");
        let (s, _, csv) = app
            .page("/can-bo/doi-soat-thanh-toan?dinh_dang=csv", None, &desk)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("BL25E-0000123"), "{csv}");
        assert!(csv.contains(&reference), "{csv}");
        let (s, _, page) = app.page("/can-bo/doi-soat-thanh-toan", None, &desk).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("100.000 đồng"), "{page}");
    }
}
