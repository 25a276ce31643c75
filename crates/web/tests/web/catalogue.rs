//! Blank forms of procedures.

use crate::support::*;

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
