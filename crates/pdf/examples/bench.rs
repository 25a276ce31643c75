//! Render and sign time per receipt, and sizes, beside a baseline (an empty A4 page, PDF/A-2b, same
//! process); then render + sign for every other official document the server issues.
//! `cargo run --release -p motcua-pdf --example bench [iterations]`.

use std::time::{Duration, Instant};

use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::{Document, SerializeSettings};
use motcua_pdf::{SignOptions, forms, read_pkcs12, render, samples, sign, sign_with};

fn empty_page() -> Vec<u8> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .expect("configuration");
    let mut pdf = Document::new_with(SerializeSettings {
        configuration,
        ..Default::default()
    });
    let page = pdf.start_page_with(PageSettings::from_wh(595.28, 841.89).expect("A4"));
    page.finish();
    pdf.set_metadata(
        Metadata::new()
            .title("empty".into())
            .creation_date(DateTime::new(2026)),
    );
    pdf.finish().expect("empty PDF")
}

/// CPU time of this process so far (user + system, from /proc; clock ticks of 10 ms).
fn cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Median and 99th percentile wall time of `n` runs of `f`, mean CPU time per run (what one core
/// spends, whatever else the machine runs), and the last output.
fn time<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, Option<Duration>, T) {
    let mut out = f(); // warm-up (fonts parsed once per process)
    let mut t = Vec::with_capacity(n);
    let c0 = cpu();
    for _ in 0..n {
        let s = Instant::now();
        out = f();
        t.push(s.elapsed());
    }
    let per_run = c0.zip(cpu()).map(|(a, b)| (b - a) / n as u32);
    t.sort();
    (t[n / 2], t[(n * 99 / 100).min(n - 1)], per_run, out)
}

fn cpu_ms(d: Option<Duration>) -> String {
    d.map_or("?".into(), ms)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let p12 = include_bytes!("../testdata/test-signer.p12");
    let doc = forms::receipt(&samples::receipt());
    let id = read_pkcs12(p12, "motcua-test").expect("test identity");
    let opts = SignOptions {
        reason: "Cấp giấy tiếp nhận".into(),
        location: "Ba Đình".into(),
        time: samples::created(),
    };

    let (b50, b99, bc, empty) = time(n, empty_page);
    let (l50, l99, lc, _) = time(n, || motcua_pdf::page_count(&doc).expect("lays out"));
    let (r50, r99, rc, pdf) = time(n, || render(&doc).expect("renders"));
    let (s50, s99, sc, signed) = time(n, || sign_with(&pdf, &id, &opts).expect("signs"));
    let (a50, a99, ac, _) = time(n, || {
        sign_with(&render(&doc).expect("renders"), &id, &opts).expect("signs")
    });
    let (p50, p99, pc, _) = time(n.min(50), || {
        sign(
            &pdf,
            p12,
            "motcua-test",
            "Cấp giấy tiếp nhận",
            "Ba Đình",
            samples::created(),
        )
        .expect("signs")
    });
    let register = forms::register(&samples::register(300));
    let (g50, g99, gc, reg) = time(n.min(20), || render(&register).expect("renders"));

    println!("{n} runs, one thread; wall median / p99, CPU time per run");
    println!("| what | wall median | wall p99 | CPU per run | size |");
    println!("|---|---|---|---|---|");
    let row = |what: &str, a: Duration, b: Duration, c: Option<Duration>, size: String| {
        println!(
            "| {what} | {} | {} | {} | {size} |",
            ms(a),
            ms(b),
            cpu_ms(c)
        );
    };
    row(
        "baseline: empty A4 page, PDF/A-2b, krilla",
        b50,
        b99,
        bc,
        format!("{} bytes", empty.len()),
    );
    row("layout only, receipt", l50, l99, lc, String::new());
    row(
        "render receipt (form 01, QR, 1 page)",
        r50,
        r99,
        rc,
        format!("{} bytes", pdf.len()),
    );
    row(
        "sign receipt (identity read once)",
        s50,
        s99,
        sc,
        format!("{} bytes signed", signed.len()),
    );
    row("render + sign receipt", a50, a99, ac, String::new());
    row(
        "sign, reading the PKCS#12 each time",
        p50,
        p99,
        pc,
        String::new(),
    );
    let pages = motcua_pdf::page_count(&register).expect("pages");
    row(
        &format!("render register, 300 dossiers ({pages} pages)"),
        g50,
        g99,
        gc,
        format!("{} bytes", reg.len()),
    );
    // Every other document, rendered and signed (signed size).
    let others = [
        ("guidance (form 02)", forms::guidance(&samples::guidance())),
        ("refusal (form 03)", forms::refusal(&samples::refusal())),
        ("apology (form 04)", forms::apology(&samples::apology())),
        (
            "control sheet",
            forms::control_sheet(&samples::control_sheet()),
        ),
        (
            "inspection conclusion notice",
            forms::conclusion_notice(&samples::conclusion_notice()),
        ),
        (
            "electronic result cover (QR)",
            forms::result_cover(&samples::result_cover()),
        ),
    ];
    for (what, doc) in others {
        let (a, b, c, signed) = time(n.min(100), || {
            sign_with(&render(&doc).expect("renders"), &id, &opts).expect("signs")
        });
        let pages = motcua_pdf::page_count(&doc).expect("pages");
        row(
            &format!("render + sign {what}, {pages} page(s)"),
            a,
            b,
            c,
            format!("{} bytes signed", signed.len()),
        );
    }
}
