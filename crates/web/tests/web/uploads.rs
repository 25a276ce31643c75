//! Online submission under load and against hostile bodies: papers are streamed to disk, the body
//! is capped by the procedure's papers times the paper limit, and memory stays bounded whatever is
//! sent.

use crate::support::*;
use futures_util::StreamExt;

const BOUNDARY: &str = "XyZuploadBoundary";

/// The text fields of a valid submission, then the header of the part carrying paper 0.
fn head() -> Vec<u8> {
    let mut b = vec![];
    for (k, v) in [
        ("unit", WARD_A),
        ("full_name", "Lê Văn Tải"),
        ("phone", "0905000333"),
    ] {
        b.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    b.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file_0\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    b
}

fn tail() -> Vec<u8> {
    format!("\r\n--{BOUNDARY}--\r\n").into_bytes()
}

fn post(body: Body) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri("/nop-ho-so/1.001612")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .unwrap()
}

static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];

/// A body made on the fly: `prefix`, then `size` bytes of filler, then `suffix`; counts what was
/// read of it into `read`. Nothing of it is held in memory by the test.
fn streamed(
    prefix: Vec<u8>,
    size: usize,
    suffix: Vec<u8>,
    read: Arc<std::sync::atomic::AtomicUsize>,
) -> Body {
    let chunks = size.div_ceil(ZEROS.len());
    let filler = futures_util::stream::iter(0..chunks).map(move |i| {
        let n = ZEROS.len().min(size - i * ZEROS.len());
        axum::body::Bytes::from_static(&ZEROS[..n])
    });
    let prefix: Vec<_> = prefix
        .chunks(ZEROS.len())
        .map(axum::body::Bytes::copy_from_slice)
        .collect();
    let all = futures_util::stream::iter(prefix)
        .chain(filler)
        .chain(futures_util::stream::iter([axum::body::Bytes::from(
            suffix,
        )]))
        .map(move |b| {
            read.fetch_add(b.len(), std::sync::atomic::Ordering::SeqCst);
            Ok::<_, std::io::Error>(b)
        });
    Body::from_stream(all)
}

/// Kilobytes of a line of /proc/self/status (VmRSS, VmHWM).
fn status_kb(key: &str) -> usize {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap()
}

fn files_dir(tag: &str) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "motcua-uploads-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ))
}

fn stored(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_name().to_string_lossy().starts_with('.') {
            // Temporary files must be gone too.
            assert_eq!(std::fs::read_dir(e.path()).unwrap().count(), 0);
        } else if e.path().is_dir() {
            out.extend(stored(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_identical_8_mb_papers_sent_at_once_are_all_accepted_and_stored_once() {
    for url in sync(test_db_urls) {
        let files = files_dir("race");
        let settings = Settings {
            files_dir: files.clone(),
            max_upload_bytes: 10 * 1024 * 1024,
            ..relaxed()
        };
        let app = Arc::new(sync(|| TestApp::new(&url, settings)));
        let mut body = head();
        body.extend(b"%PDF-1.7\n");
        body.extend((0..8 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
        body.extend(tail());
        let body = axum::body::Bytes::from(body);
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (app, body) = (app.clone(), body.clone());
                tokio::spawn(async move {
                    let res = app.router.clone().oneshot(post(Body::from(body))).await;
                    res.unwrap().status()
                })
            })
            .collect();
        let mut statuses = vec![];
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        assert!(
            statuses.iter().all(|s| *s == StatusCode::OK),
            "{url}: {statuses:?}"
        );
        assert_eq!(app.count("dossiers"), 20, "{url}");
        let kept = stored(&files);
        assert_eq!(kept.len(), 1, "{url}: one paper, stored once: {kept:?}");
        assert_eq!(
            std::fs::metadata(&kept[0]).unwrap().len(),
            9 + 8 * 1024 * 1024
        );
        std::fs::remove_dir_all(&files).unwrap();
    }
}

/// Runs the named test of this file alone in a fresh process of this test binary (so that what
/// other tests allocate at the same time does not count in its memory figures).
fn alone(name: &str) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([&format!("uploads::{name}"), "--exact", "--nocapture"])
        .args(["--test-threads", "1"])
        .env("MOTCUA_UPLOADS_ALONE", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && text.contains("1 passed"), "{text}");
    eprintln!("{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_bodies_of_hundreds_of_megabytes_are_refused_early_and_memory_stays_bounded() {
    if std::env::var("MOTCUA_UPLOADS_ALONE").is_err() {
        return alone(
            "hostile_bodies_of_hundreds_of_megabytes_are_refused_early_and_memory_stays_bounded",
        );
    }
    let url = sync(test_db_urls).remove(0);
    let files = files_dir("hostile");
    let limit = 10 * 1024 * 1024;
    let settings = Settings {
        files_dir: files.clone(),
        max_upload_bytes: limit,
        ..relaxed()
    };
    let app = Arc::new(sync(|| TestApp::new(&url, settings)));
    // Warm up: one refused submission, so that what is allocated once is counted before.
    let (s, _, _) = app.send(post(Body::from(tail()))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (rss, hwm) = (status_kb("VmRSS"), status_kb("VmHWM"));
    let big = 190 * 1024 * 1024;
    let counters: Vec<_> = (0..6)
        .map(|_| Arc::new(std::sync::atomic::AtomicUsize::new(0)))
        .collect();
    let bodies = vec![
        // Four papers of 190 MB at once, without a declared length.
        streamed(head(), big, tail(), counters[0].clone()),
        streamed(head(), big, tail(), counters[1].clone()),
        streamed(head(), big, tail(), counters[2].clone()),
        streamed(head(), big, tail(), counters[3].clone()),
        // A part header that never ends: the parser would hold it all while looking for its end.
        streamed(
            format!("--{BOUNDARY}\r\nX-Junk: ").into_bytes(),
            big,
            tail(),
            counters[4].clone(),
        ),
        // Many small text fields: the body passes the procedure's cap.
        {
            let mut fields = vec![];
            for i in 0..2000 {
                fields.extend(
                    format!(
                        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"x{i}\"\r\n\r\n"
                    )
                    .as_bytes(),
                );
                fields.extend([b'a'; 8000]);
                fields.extend(b"\r\n");
            }
            streamed(fields, 0, tail(), counters[5].clone())
        },
    ];
    let started = std::time::Instant::now();
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let app = app.clone();
            tokio::spawn(async move { app.send(post(body)).await })
        })
        .collect();
    for (i, t) in tasks.into_iter().enumerate() {
        let (s, page, _) = t.await.unwrap();
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "body {i}");
        let page = page.as_str().unwrap().to_owned();
        assert!(
            page.contains("quá lớn") && page.contains("10 MB"),
            "body {i}: a clear refusal: {page}"
        );
        let read = counters[i].load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            read < 13 * 1024 * 1024,
            "body {i} refused early: {read} bytes read"
        );
    }
    // A declared length above the cap is refused before anything is read.
    let declared = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut req = post(streamed(head(), big, tail(), declared.clone()));
    req.headers_mut()
        .insert("content-length", (big + 1000).to_string().parse().unwrap());
    let (s, _, _) = app.send(req).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(declared.load(std::sync::atomic::Ordering::SeqCst), 0);
    let elapsed = started.elapsed();
    let (rss_after, hwm_after) = (status_kb("VmRSS"), status_kb("VmHWM"));
    eprintln!(
        "uploads: {} MB offered, all refused in {elapsed:?}; VmRSS {rss} -> {rss_after} kB, VmHWM {hwm} -> {hwm_after} kB",
        (5 * big + 2000 * 8000) / (1024 * 1024)
    );
    assert!(
        hwm_after.saturating_sub(hwm) < 50 * 1024,
        "peak memory grew by {} kB",
        hwm_after - hwm
    );
    assert_eq!(app.count("events"), 0);
    assert!(stored(&files).is_empty(), "nothing stored");
    let _ = std::fs::remove_dir_all(&files);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_large_accepted_paper_is_streamed_to_disk_not_held_in_memory() {
    if std::env::var("MOTCUA_UPLOADS_ALONE").is_err() {
        return alone("a_large_accepted_paper_is_streamed_to_disk_not_held_in_memory");
    }
    let url = sync(test_db_urls).remove(0);
    let files = files_dir("large");
    let size = 150 * 1024 * 1024;
    let settings = Settings {
        files_dir: files.clone(),
        max_upload_bytes: size + 1024,
        ..relaxed()
    };
    let app = Arc::new(sync(|| TestApp::new(&url, settings)));
    let (s, _, _) = app.send(post(Body::from(tail()))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let hwm = status_kb("VmHWM");
    let read = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut prefix = head();
    prefix.extend(b"%PDF-1.7\n");
    let (s, _, h) = app
        .send(post(streamed(prefix, size, tail(), read.clone())))
        .await;
    assert_eq!(s, StatusCode::OK, "{h:?}");
    let hwm_after = status_kb("VmHWM");
    eprintln!("uploads: 150 MB paper accepted; VmHWM {hwm} -> {hwm_after} kB");
    assert!(
        hwm_after.saturating_sub(hwm) < 50 * 1024,
        "peak memory grew by {} kB",
        hwm_after - hwm
    );
    let kept = stored(&files);
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::metadata(&kept[0]).unwrap().len() as usize,
        size + 9
    );
    let _ = std::fs::remove_dir_all(&files);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_hostile_190_mb_uploads_over_real_sockets_raise_peak_memory_by_less_than_50_mb() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if std::env::var("MOTCUA_UPLOADS_ALONE").is_err() {
        return alone(
            "four_hostile_190_mb_uploads_over_real_sockets_raise_peak_memory_by_less_than_50_mb",
        );
    }
    let url = sync(test_db_urls).remove(0);
    let files = files_dir("socket");
    let settings = Settings {
        files_dir: files.clone(),
        max_upload_bytes: 10 * 1024 * 1024,
        ..relaxed()
    };
    let app = sync(|| TestApp::new(&url, settings));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = app
        .router
        .clone()
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    let hwm = status_kb("VmHWM");
    let big = 190 * 1024 * 1024;
    let clients: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                let (mut read, mut write) = stream.into_split();
                let sender = tokio::spawn(async move {
                    let mut sent = 0usize;
                    let request = format!(
                        "POST /nop-ho-so/1.001612 HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\r\n"
                    );
                    let mut prefix = request.into_bytes();
                    let body_head = head();
                    prefix.extend(format!("{:x}\r\n", body_head.len() + 9).as_bytes());
                    prefix.extend(body_head);
                    prefix.extend(b"%PDF-1.7\n\r\n");
                    if write.write_all(&prefix).await.is_err() {
                        return sent;
                    }
                    while sent < big {
                        let chunk = format!("{:x}\r\n", ZEROS.len());
                        let ok = write.write_all(chunk.as_bytes()).await.is_ok()
                            && write.write_all(&ZEROS).await.is_ok()
                            && write.write_all(b"\r\n").await.is_ok();
                        if !ok {
                            break;
                        }
                        sent += ZEROS.len();
                    }
                    sent
                });
                let mut answer = vec![];
                let mut buf = [0u8; 4096];
                while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    match read.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => answer.extend_from_slice(&buf[..n]),
                    }
                }
                drop(read);
                let sent = tokio::time::timeout(std::time::Duration::from_secs(30), sender)
                    .await
                    .expect("the server stops taking the body")
                    .unwrap();
                (String::from_utf8_lossy(&answer).into_owned(), sent)
            })
        })
        .collect();
    let mut most = 0;
    for c in clients {
        let (answer, sent) = c.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(sent < big / 4, "refused early: {sent} bytes sent");
        most = most.max(sent);
    }
    let hwm_after = status_kb("VmHWM");
    eprintln!(
        "uploads over sockets: 4 x 190 MB refused after at most {} MB sent; VmHWM {hwm} -> {hwm_after} kB",
        most / (1024 * 1024)
    );
    assert!(
        hwm_after.saturating_sub(hwm) < 50 * 1024,
        "peak memory grew by {} kB",
        hwm_after - hwm
    );
    assert!(stored(&files).is_empty(), "nothing stored");
    let _ = std::fs::remove_dir_all(&files);
}
