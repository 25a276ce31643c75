//! Issue 20's last two pieces: previews of a dossier's papers on its page (scaled down, cached,
//! under the personal-data rule and logged), and the procedure's own blank forms (attached by the
//! catalogue keeper, offered on the public page, the online form and the dossier's print menu).

use super::support::*;

fn temp_dir(name: &str) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "motcua-previews-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn settings(files: &std::path::Path) -> Settings {
    Settings {
        files_dir: files.to_path_buf(),
        ..relaxed()
    }
}

/// A request with a bearer token, or a session cookie sent from this site (`cookie`), or from
/// another site (`cross`).
fn request(
    method: &str,
    path: &str,
    token: &str,
    how: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path);
    b = match how {
        "bearer" => b.header("authorization", format!("Bearer {token}")),
        "cookie" => b
            .header("cookie", format!("motcua_session={token}"))
            .header("host", "motcua.test")
            .header("origin", "http://motcua.test"),
        _ => b
            .header("cookie", format!("motcua_session={token}"))
            .header("host", "motcua.test")
            .header("origin", "http://elsewhere.example"),
    };
    if let Some(c) = content_type {
        b = b.header("content-type", c);
    }
    b.body(Body::from(body)).unwrap()
}

/// Status, headers and bytes of a response.
async fn raw(app: &TestApp, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, bytes)
}

async fn get(
    app: &TestApp,
    path: &str,
    token: &str,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    raw(app, request("GET", path, token, "bearer", None, vec![])).await
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let r = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    (r.info().width, r.info().height)
}

fn png_of(width: u32, height: u32) -> Vec<u8> {
    let mut out = vec![];
    let mut e = png::Encoder::new(&mut out, width, height);
    e.set_color(png::ColorType::Rgb);
    e.set_depth(png::BitDepth::Eight);
    let mut w = e.write_header().unwrap();
    let pixels: Vec<u8> = (0..width * height)
        .flat_map(|i| [(i % 256) as u8, 90, 200])
        .collect();
    w.write_image_data(&pixels).unwrap();
    w.finish().unwrap();
    out
}

/// A PNG whose header claims 50,000 x 50,000 pixels (2.5 billion: a decompression bomb's shape),
/// followed by a little compressed data.
fn bomb() -> Vec<u8> {
    let mut out = png_of(8, 8);
    // Width and height are bytes 16..24; the IHDR CRC (bytes 29..33) then no longer matches, so
    // recompute it the way PNG does.
    out[16..20].copy_from_slice(&50_000u32.to_be_bytes());
    out[20..24].copy_from_slice(&50_000u32.to_be_bytes());
    let crc = crc32(&out[12..29]);
    out[29..33].copy_from_slice(&crc.to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A JPEG photo of a card, 400 x 300, made once for these tests by a browser's canvas.
const CARD_JPEG: &[u8] = include_bytes!("../data/card.jpg");

#[tokio::test(flavor = "multi_thread")]
async fn the_dossier_page_shows_previews_that_open_the_viewer_under_the_personal_data_rule() {
    for url in sync(test_db_urls) {
        let files = temp_dir("thumbs");
        let app = sync(|| TestApp::new(&url, settings(&files)));
        let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
        let mut body = reception(WARD_A);
        body["papers"] = json!([
            {"name": "Ảnh CCCD", "copies": 1},
            {"name": "Sơ đồ", "copies": 1},
            {"name": "Giấy đề nghị", "copies": 1},
            {"name": "Ảnh hỏng", "copies": 1},
            {"name": "Ảnh cắt cụt", "copies": 1}
        ]);
        let (s, v) = app
            .call("POST", "/api/v1/dossiers", Some(&desk), Some(body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {v}");
        let id = v["id"].as_i64().unwrap();
        let wide = png_of(1000, 500);
        let pdf = b"%PDF-1.4\n1 0 obj <</Type /Pages /Count 2>> endobj\n2 0 obj <</Type /Page>> endobj\n3 0 obj <</Type/Page>> endobj\n%%EOF".to_vec();
        let truncated = wide[..wide.len() / 2].to_vec();
        for (n, kind, bytes) in [
            (1, "image/jpeg", CARD_JPEG.to_vec()),
            (2, "image/png", wide.clone()),
            (3, "application/pdf", pdf),
            (4, "image/png", bomb()),
            (5, "image/png", truncated),
        ] {
            let (s, _, b) = raw(
                &app,
                request(
                    "POST",
                    &format!("/api/v1/dossiers/{id}/papers/{n}/scan"),
                    &desk,
                    "bearer",
                    Some(kind),
                    bytes,
                ),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{url}: paper {n}: {}", text(&b));
        }
        // The page shows a preview of each paper, linked to the viewer; a PDF with its page count.
        let (s, _, page) = get(&app, &format!("/can-bo/ho-so/{id}"), &desk).await;
        assert_eq!(s, StatusCode::OK);
        let page = text(&page);
        for n in 1..=5 {
            assert!(
                page.contains(&format!(
                    "href=\"/can-bo/ho-so/{id}/giay-to/{n}\" target=\"_blank\" rel=\"noopener\"><img src=\"/can-bo/ho-so/{id}/giay-to/{n}/anh-nho\""
                )),
                "{url}: preview {n} opening the viewer in {page}"
            );
        }
        assert!(page.contains("PDF · 2 trang"), "{url}");
        // Each preview is a view of the paper: served to the desk, logged.
        let views = app.count("personal_data_views");
        let (s, h, jpeg_thumb) = get(
            &app,
            &format!("/can-bo/ho-so/{id}/giay-to/1/anh-nho"),
            &desk,
        )
        .await;
        assert_eq!(
            (s, &h["content-type"]),
            (StatusCode::OK, &"image/png".parse().unwrap())
        );
        assert_eq!(h["cache-control"], "private, no-store");
        assert_eq!(
            png_size(&jpeg_thumb),
            (240, 180),
            "{url}: 400 x 300 into 240"
        );
        assert_eq!(app.count("personal_data_views"), views + 1, "{url}");
        let (_, _, png_thumb) = get(
            &app,
            &format!("/can-bo/ho-so/{id}/giay-to/2/anh-nho"),
            &desk,
        )
        .await;
        assert_eq!(png_size(&png_thumb), (240, 120), "{url}");
        // Cached by the paper's SHA-256, outside what a backup carries.
        let hash = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::dossiers::load(tx, id))
                .unwrap()
        })
        .papers[1]
            .file
            .clone()
            .unwrap();
        let cached = files
            .join(".thumbs")
            .join(&hash[..2])
            .join(format!("{hash}.png"));
        assert_eq!(std::fs::read(&cached).unwrap(), png_thumb, "{url}");
        let (_, _, again) = get(
            &app,
            &format!("/can-bo/ho-so/{id}/giay-to/2/anh-nho"),
            &desk,
        )
        .await;
        assert_eq!(again, png_thumb);
        // A PDF gets an icon; a decompression bomb and a truncated file get the plain image icon,
        // answered at once, without a panic.
        for n in [3, 4, 5] {
            let (s, h, b) = get(
                &app,
                &format!("/can-bo/ho-so/{id}/giay-to/{n}/anh-nho"),
                &desk,
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{url}: {n}");
            assert_eq!(h["content-type"], "image/svg+xml", "{url}: {n}");
            assert!(text(&b).starts_with("<svg"), "{url}: {n}");
        }
        assert_eq!(app.count("personal_data_views"), views + 6, "{url}");
        // Without the right to personal data: no preview offered, none served.
        let admin = app.login(&format!("unit_admin.{WARD_A}")).await;
        let (_, _, page) = get(&app, &format!("/can-bo/ho-so/{id}"), &admin).await;
        assert!(!text(&page).contains("anh-nho"), "{url}");
        let (s, _, _) = get(
            &app,
            &format!("/can-bo/ho-so/{id}/giay-to/1/anh-nho"),
            &admin,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}");
        // Another ward's desk does not see the dossier at all; a paper that is not there is 404.
        let other = app.login(&format!("reception_officer.{WARD_B}")).await;
        let (s, _, _) = get(
            &app,
            &format!("/can-bo/ho-so/{id}/giay-to/1/anh-nho"),
            &other,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{url}");
        let (s, _, _) = get(
            &app,
            &format!("/can-bo/ho-so/{id}/giay-to/9/anh-nho"),
            &desk,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{url}");
        assert_eq!(
            app.count("personal_data_views"),
            views + 6,
            "{url}: refusals log nothing"
        );
        let _ = std::fs::remove_dir_all(files);
    }
}

fn multipart(file_name: &str, kind: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----motcua-form";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {kind}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_catalogue_keeper_attaches_a_blank_form_that_the_public_downloads() {
    for url in sync(test_db_urls) {
        let files = temp_dir("forms");
        let app = sync(|| TestApp::new(&url, settings(&files)));
        sync(|| {
            app.store
                .store
                .write(|tx| {
                    org::add_staff(
                        tx,
                        &org::NewStaff {
                            username: "keeper",
                            full_name: "Người giữ danh mục",
                            title: "",
                            password_hash: hash(),
                            grants: &[Grant {
                                role: Role::UnitAdmin,
                                unit: PROVINCE.into(),
                            }],
                        },
                    )
                })
                .unwrap()
        });
        let keeper = app.login("keeper").await;
        let ward_admin = app.login(&format!("unit_admin.{WARD_A}")).await;
        let api = "/api/v1/procedures/1.001612/versions/1/papers/1/form";
        let pdf = b"%PDF-1.7\nGiay de nghi dang ky ho kinh doanh (mau)\n%%EOF".to_vec();
        // Only the keeper of the catalogue (an administrator of the top unit).
        let (s, _, _) = raw(
            &app,
            request(
                "POST",
                &format!("{api}?name=x.pdf"),
                &ward_admin,
                "bearer",
                Some("application/pdf"),
                pdf.clone(),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}");
        // Checked by content and size, naming the field.
        let (s, _, b) = raw(
            &app,
            request(
                "POST",
                api,
                &keeper,
                "bearer",
                Some("application/octet-stream"),
                b"MZ\x90\x00 program".to_vec(),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(text(&b).contains("PDF, DOC, DOCX"), "{}", text(&b));
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(6 * 1024 * 1024, b' ');
        let (s, _, _) = raw(
            &app,
            request("POST", api, &keeper, "bearer", Some("application/pdf"), big),
        )
        .await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{url}");
        // A paper the version does not have, a version that does not exist.
        let (s, _, _) = raw(
            &app,
            request(
                "POST",
                "/api/v1/procedures/1.001612/versions/1/papers/2/form",
                &keeper,
                "bearer",
                Some("application/pdf"),
                pdf.clone(),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{url}");
        let (s, _, _) = raw(
            &app,
            request(
                "POST",
                "/api/v1/procedures/1.001612/versions/7/papers/1/form",
                &keeper,
                "bearer",
                Some("application/pdf"),
                pdf.clone(),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{url}");
        assert_eq!(app.count("procedure_forms"), 0, "{url}: nothing recorded");
        // Attached.
        let (s, _, b) = raw(
            &app,
            request(
                "POST",
                &format!("{api}?name=Gi%E1%BA%A5y%20%C4%91%E1%BB%81%20ngh%E1%BB%8B.pdf"),
                &keeper,
                "bearer",
                Some("application/pdf"),
                pdf.clone(),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {}", text(&b));
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["file"]["name"], "giay-de-nghi.pdf");
        let link = "/thu-tuc/1.001612/mau/1/tep?phien-ban=1";
        assert_eq!(v["download"], link);
        // The public procedure page and the online form offer it; anyone downloads it.
        let public = |path: &str| {
            raw(
                &app,
                Request::builder().uri(path).body(Body::empty()).unwrap(),
            )
        };
        let (s, _, page) = public("/thu-tuc/1.001612").await;
        assert_eq!(s, StatusCode::OK);
        let page = text(&page);
        assert!(
            page.contains(&link.replace('&', "&amp;")) && page.contains("PDF, 1 KB"),
            "{url}: {page}"
        );
        let (_, _, form) = public("/nop-ho-so/1.001612").await;
        assert!(
            text(&form).contains(link),
            "{url}: the online form offers it"
        );
        for path in [link, "/thu-tuc/1.001612/mau/1/tep", api] {
            let (s, h, b) = public(path).await;
            assert_eq!(s, StatusCode::OK, "{url}: {path}");
            assert_eq!(h["content-type"], "application/pdf");
            assert_eq!(
                h["content-disposition"],
                "attachment; filename=\"giay-de-nghi.pdf\""
            );
            assert_eq!(b, pdf);
        }
        // The counter's print menu on a dossier of that version offers it too.
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
        let (_, _, page) = get(&app, &format!("/can-bo/ho-so/{}", v["id"]), &desk).await;
        assert!(text(&page).contains(link), "{url}: print menu");
        // The keeper's page: a DOCX replaces it (multipart, from this site); recorded with who.
        let (s, _, page) = raw(
            &app,
            request(
                "GET",
                "/can-bo/mau-don?ma=1.001612",
                &keeper,
                "cookie",
                None,
                vec![],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let page = text(&page);
        assert!(
            page.contains("action=\"/can-bo/mau-don/1.001612/1/1\"")
                && page.contains("thành phần 1"),
            "{url}: {page}"
        );
        let mut docx = b"PK\x03\x04".to_vec();
        docx.extend(b"[Content_Types].xml word/document.xml and the rest of a Word file");
        let (kind, body) = multipart(
            "Tờ khai.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &docx,
        );
        let (s, _, _) = raw(
            &app,
            request(
                "POST",
                "/can-bo/mau-don/1.001612/1/1",
                &keeper,
                "cross",
                Some(&kind),
                body.clone(),
            ),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "{url}: a form posted from another site"
        );
        let (s, _, _) = raw(
            &app,
            request(
                "POST",
                "/can-bo/mau-don/1.001612/1/1",
                &ward_admin,
                "cookie",
                Some(&kind),
                body.clone(),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}: not the keeper");
        let (s, h, _) = raw(
            &app,
            request(
                "POST",
                "/can-bo/mau-don/1.001612/1/1",
                &keeper,
                "cookie",
                Some(&kind),
                body,
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{url}");
        assert!(h["location"].to_str().unwrap().ends_with("done=attached"));
        let (_, h, b) = public(link).await;
        assert_eq!(
            h["content-disposition"],
            "attachment; filename=\"to-khai.docx\""
        );
        assert_eq!(b, docx);
        // A unit administrator below sees the page without the upload.
        let (s, _, page) = raw(
            &app,
            request(
                "GET",
                "/can-bo/mau-don?ma=1.001612",
                &ward_admin,
                "cookie",
                None,
                vec![],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            !text(&page).contains("enctype=\"multipart/form-data\""),
            "{url}"
        );
        // Withdrawn: no longer offered; every step is kept.
        let (s, _, _) = raw(
            &app,
            request("DELETE", api, &keeper, "bearer", None, vec![]),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}");
        let (s, _, _) = public(link).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{url}");
        let (_, _, page) = public("/thu-tuc/1.001612").await;
        assert!(!text(&page).contains("/mau/1/tep"), "{url}");
        assert_eq!(app.count("procedure_forms"), 3, "{url}");
        let (_, _, page) = raw(
            &app,
            request(
                "GET",
                "/can-bo/mau-don?ma=1.001612",
                &keeper,
                "cookie",
                None,
                vec![],
            ),
        )
        .await;
        let page = text(&page);
        assert!(
            page.contains("gỡ mẫu đơn")
                && page.contains("to-khai.docx")
                && page.contains("giay-de-nghi.pdf"),
            "{url}: {page}"
        );
        let _ = std::fs::remove_dir_all(files);
    }
}
