//! The national portal's dossiers in: a bearer secret compared in constant time, one online
//! submission waiting for reception per `MaHoSo` (a repeat finds the first), bad fields named,
//! nothing kept from a refused request, and nothing echoed back to the portal as new.

use crate::support::*;
use motcua_store::outbox;

const TOKEN: &str = "bi-mat-cua-cong-dvcqg-0123456789";

fn intake(code: &str, procedure: &str) -> Value {
    json!({
        "madonvi": WARD_A,
        "data": [{
            "MaHoSo": code,
            "MaTTHC": procedure,
            "ChuHoSo": "Hoàng Thị Mai",
            "LoaiDoiTuong": "1",
            "MaDoiTuong": "066190001234",
            "SoDienThoai": "0905123123",
            "Email": "mai@example.vn",
            "TaiLieuNop": [{"TenTepDinhKem": "Giấy đề nghị"}],
            "TrangThaiHoSo": "1"
        }]
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn portal_dossiers_come_in_once_per_code_as_submissions_waiting_for_reception() {
    for url in sync(test_db_urls) {
        let settings = Settings {
            dvcqg_inbound_token: Some(TOKEN.into()),
            ..relaxed()
        };
        let app = sync(|| TestApp::new(&url, settings));
        sync(|| {
            app.store
                .store
                .write(|tx| outbox::configure(tx, &[outbox::DVCQG], 0))
                .unwrap()
        });
        let path = "/api/v1/connectors/dvcqg/dossiers";
        let before = app.count("dossiers");
        // Without the secret, or with another: 401, nothing made.
        for token in [None, Some("bi-mat-sai")] {
            let (s, _) = app
                .call(
                    "POST",
                    path,
                    token,
                    Some(intake("G22.99-250701-0001", "1.001612")),
                )
                .await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{url}");
        }
        assert_eq!(app.count("dossiers"), before);

        let (s, v) = app
            .call(
                "POST",
                path,
                Some(TOKEN),
                Some(intake("G22.99-250701-0001", "1.001612")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        assert_eq!(v["error_code"], 0);
        assert_eq!(v["result"][0]["created"], true);
        let reference = v["result"][0]["reference"].as_str().unwrap().to_owned();
        assert_eq!(app.count("dossiers"), before + 1);
        // The same code again: the same dossier, nothing new.
        let (s, v) = app
            .call(
                "POST",
                path,
                Some(TOKEN),
                Some(intake("G22.99-250701-0001", "1.001612")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        assert_eq!(v["result"][0]["created"], false);
        assert_eq!(v["result"][0]["reference"], reference.as_str());
        assert_eq!(app.count("dossiers"), before + 1);

        // It waits for the desk, with the applicant as sent, and was not queued back as new.
        let id = sync(|| {
            app.store
                .store
                .read(|tx| outbox::intake_find(tx, outbox::DVCQG, "G22.99-250701-0001"))
                .unwrap()
                .unwrap()
        });
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let (s, d) = app
            .call("GET", &format!("/api/v1/dossiers/{id}"), Some(&desk), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["dossier"]["status"], "submitted", "{d}");
        assert!(d.to_string().contains("Hoàng Thị Mai"), "{d}");
        let queued = sync(|| {
            app.store
                .store
                .read(|tx| outbox::of_dossier(tx, id))
                .unwrap()
        });
        assert!(queued.is_empty(), "{url}: {queued:?}");
        // The desk receives it: the portal hears of it as an update of its own dossier.
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/dossiers/{id}/receive"),
                Some(&desk),
                Some(json!({"version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let queued = sync(|| {
            app.store
                .store
                .read(|tx| outbox::of_dossier(tx, id))
                .unwrap()
        });
        let kinds: Vec<(i64, &str, &str)> = queued
            .iter()
            .map(|m| (m.seq, m.message.as_str(), m.payload.as_str()))
            .collect();
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert_eq!((kinds[0].0, kinds[0].1), (2, "DongBoHoSoMC"));
        assert!(kinds[0].2.contains("\"is_updating\":true"), "{kinds:?}");
        assert_eq!((kinds[1].0, kinds[1].1), (2, "CapNhatTienDoHoSoMC"));
        assert_eq!(
            sync(|| app
                .store
                .store
                .read(|tx| outbox::external_code(tx, outbox::DVCQG, id))
                .unwrap()),
            Some("G22.99-250701-0001".to_owned())
        );

        // A bad field is named, and nothing of the request is kept (all or none).
        let mut two = intake("G22.99-250701-0002", "1.001612");
        two["data"]
            .as_array_mut()
            .unwrap()
            .push(intake("G22.99-250701-0003", "9.999999")["data"][0].clone());
        let (s, v) = app.call("POST", path, Some(TOKEN), Some(two)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        assert!(v["detail"].as_str().unwrap().contains("MaTTHC"), "{v}");
        assert!(
            v["detail_en"].as_str().unwrap().contains("dossier 2"),
            "{v}"
        );
        assert_eq!(app.count("dossiers"), before + 1, "{url}: rolled back");
        let mut nameless = intake("G22.99-250701-0004", "1.001612");
        nameless["data"][0]["ChuHoSo"] = json!(" ");
        let (s, v) = app.call("POST", path, Some(TOKEN), Some(nameless)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("ChuHoSo"), "{v}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_inbound_token_the_portal_endpoint_is_not_there() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/connectors/dvcqg/dossiers",
                Some(TOKEN),
                Some(intake("X", "1.001612")),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{url}");
    }
}
