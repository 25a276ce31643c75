//! The citizen's store of papers at the counter: a scan kept under the applicant's ID number is
//! offered ("Đã số hóa: dùng lại") only for that number and only to a desk that may see the earlier
//! dossier; reuse needs the applicant's consent, through the API and the reception page; the
//! reception event records the source; Decision 766 indicators 4.3 and 4.4 count it; once the
//! applicant's data is erased, nothing is offered any more.

use crate::support::*;

const ID: &str = "066090001234";

fn files_dir() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "motcua-papers-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn indicator(app: &TestApp, token: &str, code: &str) -> (i64, i64) {
    let m = motcua_domain::dossier::to_local(chrono::Utc::now())
        .format("%Y-%m")
        .to_string();
    let (s, v) = app
        .call(
            "GET",
            &format!("/api/v1/reports?don_vi={WARD_A}&tu={m}&den={m}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let i = v["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap()
        .clone();
    (
        i["numerator"].as_i64().unwrap_or(-1),
        i["denominator"].as_i64().unwrap_or(-1),
    )
}

async fn offers(app: &TestApp, token: &str, id_number: &str) -> (StatusCode, Value) {
    app.call(
        "GET",
        &format!("/api/v1/paper-store?id_number={id_number}&procedure=1.001612"),
        Some(token),
        None,
    )
    .await
}

fn with_reuse(id_number: &str, file: &str, consent: bool) -> Value {
    let mut body = reception(WARD_A);
    body["applicant"]["id_number"] = json!(id_number);
    body["details"] = json!({"reuse": [{"paper": 0, "file": file}], "reuse_consent": consent});
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_digitised_paper_is_offered_to_its_owner_reused_with_consent_and_gone_after_erasure() {
    for url in sync(test_db_urls) {
        let files = files_dir();
        let settings = Settings {
            files_dir: files.clone(),
            ..relaxed()
        };
        let app = sync(|| TestApp::new(&url, settings));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let other_desk = app.login(&format!("reception_officer.{WARD_B}")).await;
        let specialist = app.login(&format!("specialist.{WARD_A}")).await;
        let leader = app.login(&format!("unit_leader.{WARD_A}")).await;
        let admin = app.login(&format!("unit_admin.{WARD_A}")).await;

        // The first dossier, its paper scanned at the counter.
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk),
                Some(reception(WARD_A)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {v}");
        let (first, first_code) = (
            v["id"].as_i64().unwrap(),
            v["code"].as_str().unwrap().to_owned(),
        );
        let scan = Request::builder()
            .method("POST")
            .uri(format!("/api/v1/dossiers/{first}/papers/1/scan"))
            .header("authorization", format!("Bearer {desk}"))
            .header("content-type", "image/png")
            .body(Body::from(
                b"\x89PNG\r\n\x1a\n0000 scanned application".to_vec(),
            ))
            .unwrap();
        let (s, v, _) = app.send(scan).await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        let (_, v) = app
            .call(
                "GET",
                &format!("/api/v1/dossiers/{first}"),
                Some(&desk),
                None,
            )
            .await;
        let file = v["dossier"]["papers"][0]["file"]
            .as_str()
            .unwrap()
            .to_owned();

        // Offered for the owner's number (however written), to the desk that sees the dossier.
        let (s, v) = offers(&app, &desk, ID).await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        let list = v["offers"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{url}: {v}");
        assert_eq!(list[0]["paper"], 0);
        assert_eq!(list[0]["from"], json!(first_code));
        assert_eq!(list[0]["file"], json!(file));
        let (_, v) = offers(&app, &desk, "0660%209000%201234").await;
        assert_eq!(v["offers"].as_array().unwrap().len(), 1, "{url}: {v}");
        // Not for another number, not to a desk that does not see the dossier, not to a specialist.
        let (_, v) = offers(&app, &desk, "001099000001").await;
        assert_eq!(v["offers"], json!([]), "{url}");
        let (_, v) = offers(&app, &other_desk, ID).await;
        assert_eq!(v["offers"], json!([]), "{url}: another ward's desk");
        let (s, _) = offers(&app, &specialist, ID).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}");
        let (s, v) = offers(&app, &desk, "").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");

        // Reuse without consent: refused, naming the field; for another person: not in their store.
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk),
                Some(with_reuse(ID, &file, false)),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        assert!(v.to_string().contains("reuse_consent"), "{url}: {v}");
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk),
                Some(with_reuse("001099000001", &file, true)),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        assert!(v.to_string().contains("details.reuse.file"), "{url}: {v}");
        assert_eq!(app.count("dossiers"), 1, "{url}: nothing received");

        // With consent: the paper is attached without a new scan, its source in the event.
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk),
                Some(with_reuse(ID, &file, true)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {v}");
        let second = v["id"].as_i64().unwrap();
        let (_, v) = app
            .call(
                "GET",
                &format!("/api/v1/dossiers/{second}"),
                Some(&desk),
                None,
            )
            .await;
        assert_eq!(v["dossier"]["papers"][0]["file"], json!(file), "{url}: {v}");
        let received = &v["history"][0]["event"];
        assert_eq!(received["reuse_consent"], json!(true), "{url}: {v}");
        assert_eq!(
            received["reused"][0]["from"],
            json!(first_code),
            "{url}: {v}"
        );
        // Staff open it in the papers viewer like any other (personal-data rules apply).
        let (_, _, page) = app
            .page(&format!("/can-bo/ho-so/{second}"), None, &desk)
            .await;
        assert!(
            page.contains(&format!("/can-bo/ho-so/{second}/giay-to/1")),
            "{url}"
        );
        assert!(page.contains(&first_code), "{url}: the source is shown");

        // The reception page: looking the number up offers the paper; consent ticked, reused.
        let form = |extra: &str| {
            format!(
                "procedure_code=1.001612&unit={WARD_A}&paper_0=1&paper_0_name=Gi%E1%BA%A5y+%C4%91%E1%BB%81+ngh%E1%BB%8B\
                 &paper_0_kind=original&paper_0_copies=1&applicant_kind=citizen&full_name=Nguy%E1%BB%85n+V%C4%83n+Th%E1%BB%AD\
                 &phone=0905111222&id_number={ID}{extra}"
            )
        };
        let (s, _, body) = app
            .page("/can-bo/tiep-nhan", Some(&form("&tim_kho=1")), &desk)
            .await;
        assert_eq!(s, StatusCode::OK, "{url}");
        assert!(
            body.contains("Đã số hóa: dùng lại")
                && body.contains(&file)
                && body.contains(&first_code),
            "{url}: {body}"
        );
        let (s, _, body) = app
            .page(
                "/can-bo/tiep-nhan",
                Some(&form(&format!("&paper_0_reuse={file}"))),
                &desk,
            )
            .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: consent is required"
        );
        assert!(body.contains("đồng ý"), "{url}");
        let (s, location, _) = app
            .page(
                "/can-bo/tiep-nhan",
                Some(&form(&format!("&paper_0_reuse={file}&reuse_consent=1"))),
                &desk,
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{url}");
        assert!(location.unwrap().ends_with("/phieu-tiep-nhan"), "{url}");

        // 766: three received this month, all three digitised and kept in the store; two reused.
        assert_eq!(indicator(&app, &leader, "4.3").await, (2, 3), "{url}");
        assert_eq!(indicator(&app, &leader, "4.4").await, (3, 3), "{url}");

        // The applicant's data erased on the first dossier: the paper is never offered again.
        let (_, v) = app
            .call(
                "GET",
                &format!("/api/v1/dossiers/{first}"),
                Some(&desk),
                None,
            )
            .await;
        let version = v["dossier"]["version"].as_i64().unwrap();
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{first}/erase-personal-data"),
                Some(&admin),
                Some(json!({"version": version, "reason": "Đơn yêu cầu xóa dữ liệu số 3/2026"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        let (_, v) = offers(&app, &desk, ID).await;
        assert_eq!(v["offers"], json!([]), "{url}: offered after erasure");
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/dossiers",
                Some(&desk),
                Some(with_reuse(ID, &file, true)),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        assert_eq!(indicator(&app, &leader, "4.4").await, (2, 3), "{url}");
        let report = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::ledger::verify(tx, &[]))
                .unwrap()
        });
        assert!(report.findings.is_empty(), "{url}: {:?}", report.findings);
        let _ = std::fs::remove_dir_all(files);
    }
}
