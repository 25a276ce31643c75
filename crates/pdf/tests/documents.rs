//! Every document rendered, then checked with independent tools: poppler-utils (`pdftotext`,
//! `pdfinfo`, `pdftoppm`, `pdfsig`) and pyHanko (installed in a venv under target/ when missing).
//! Outside CI a missing tool skips the check with a message; with CI=true it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use motcua_pdf::forms::{self, long_time};
use motcua_pdf::{
    Document, page_count, place_date, render, samples, sha256_hex, sign, signed_ranges,
};
use unicode_normalization::UnicodeNormalization;

const P12: &[u8] = include_bytes!("../testdata/test-signer.p12");
const PASSWORD: &str = "motcua-test";
const CA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/test-ca.pem");

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The tool's path, or None (with a message) when it is missing outside CI.
fn tool(name: &str) -> Option<PathBuf> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .ok()?;
    if out.status.success() {
        return Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    assert!(!in_ci(), "{name} is missing: apt-get install poppler-utils");
    eprintln!("SKIPPED: {name} is not installed (apt-get install poppler-utils)");
    None
}

fn dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pdf-tests");
    std::fs::create_dir_all(&d).expect("test folder");
    d
}

fn run(cmd: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(cmd).args(args).output().expect("tool runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// NFC with all white space removed: lines wrap anywhere, diacritics must match exactly.
fn squash(s: &str) -> String {
    s.nfc().filter(|c| !c.is_whitespace()).collect()
}

/// Renders `doc`, then checks text, page count, PDF/A metadata and PNG conversion.
fn check(name: &str, doc: &Document, expected: &[String], pages: usize) -> Vec<u8> {
    let pdf = render(doc).expect("renders");
    assert!(pdf.starts_with(b"%PDF-"), "{name} is a PDF");
    assert_eq!(
        page_count(doc).expect("lays out"),
        pages,
        "{name}: pages laid out"
    );
    let path = dir().join(format!("{name}.pdf"));
    std::fs::write(&path, &pdf).expect("written");
    let p = path.to_str().expect("utf-8 path");

    if let Some(pdftotext) = tool("pdftotext") {
        let (ok, text) = run(&pdftotext, &["-raw", "-enc", "UTF-8", p, "-"]);
        assert!(ok, "pdftotext failed on {name}: {text}");
        let text = squash(&text);
        for e in expected {
            assert!(
                text.contains(&squash(e)),
                "{name}: text {e:?} not found in:\n{text}"
            );
        }
    }
    if let Some(pdfinfo) = tool("pdfinfo") {
        let (ok, info) = run(&pdfinfo, &[p]);
        assert!(ok, "pdfinfo failed on {name}: {info}");
        assert!(
            info.lines()
                .any(|l| l.split_whitespace().eq(["Pages:", &pages.to_string()])),
            "{name}: {info}"
        );
        let (_, meta) = run(&pdfinfo, &["-meta", p]);
        assert!(
            meta.contains("<pdfaid:part>2</pdfaid:part>"),
            "{name}: no PDF/A part in XMP: {meta}"
        );
        assert!(
            meta.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
            "{name}: no PDF/A conformance"
        );
    }
    if let Some(pdftoppm) = tool("pdftoppm") {
        let pngs_dir = dir().join(format!("{name}-png"));
        let _ = std::fs::remove_dir_all(&pngs_dir);
        std::fs::create_dir_all(&pngs_dir).expect("png folder");
        let prefix = pngs_dir.join("page");
        let (ok, out) = run(
            &pdftoppm,
            &["-png", "-r", "40", p, prefix.to_str().expect("utf-8")],
        );
        assert!(ok, "pdftoppm failed on {name}: {out}");
        let pngs: Vec<_> = std::fs::read_dir(&pngs_dir)
            .expect("listing")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| f.extension().is_some_and(|x| x == "png"))
            .collect();
        assert_eq!(pngs.len(), pages, "{name}: one PNG per page: {pngs:?}");
        for f in pngs {
            let bytes = std::fs::read(f).expect("png");
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 1000);
        }
    }
    pdf
}

fn national() -> Vec<String> {
    vec![
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".into(),
        "Độc lập - Tự do - Hạnh phúc".into(),
    ]
}

#[test]
fn the_receipt_renders_on_one_page_with_its_vietnamese_text() {
    let r = samples::receipt();
    let mut expected = national();
    expected.extend([
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ".into(),
        format!("Mẫu số {}", r.form),
        format!("Mã hồ sơ: {}", r.code),
        r.unit.name.to_uppercase(),
        place_date(&r.unit.place, r.received.date()),
        format!("tiếp nhận hồ sơ của: {}", r.applicant),
        r.address.clone(),
        r.procedure.clone(),
        long_time(r.appointment),
        r.receiver.clone().expect("receiver"),
    ]);
    expected.extend(r.papers.iter().map(|p| p.0.clone()));
    check("receipt", &forms::receipt(&r), &expected, 1);
}

#[test]
fn forms_02_03_04_render_with_their_titles_reasons_and_items() {
    let g = samples::guidance();
    let mut e = national();
    e.extend([
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ".into(),
        g.reason.clone(),
        g.dossier.applicant.clone(),
    ]);
    e.extend(g.items.iter().cloned());
    check("form-02", &forms::guidance(&g), &e, 1);

    let r = samples::refusal();
    let mut e = national();
    e.extend([
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ".into(),
        r.reason.clone(),
        r.dossier.procedure.clone(),
    ]);
    check("form-03", &forms::refusal(&r), &e, 1);

    let a = samples::apology();
    let mut e = national();
    e.extend([
        "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT".into(),
        a.reason.clone(),
        long_time(a.new_appointment),
        "Nơi nhận:".into(),
        "TM. ỦY BAN NHÂN DÂN".into(),
        a.signer.clone().expect("signer"),
    ]);
    e.extend(a.recipients.iter().cloned());
    check("form-04", &forms::apology(&a), &e, 1);
    let old = forms::Apology {
        extension: false,
        ..a
    };
    check(
        "form-04-nd61",
        &forms::apology(&old),
        &["PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ".into()],
        1,
    );
}

#[test]
fn the_control_sheet_lists_every_hand_over() {
    let c = samples::control_sheet();
    let mut e = national();
    e.push("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ".into());
    for s in &c.steps {
        e.extend([
            format!("1. Giao: {}", s.from),
            format!("2. Nhận: {}", s.to),
            s.at.clone(),
            s.result.clone(),
        ]);
    }
    check("control-sheet", &forms::control_sheet(&c), &e, 1);
}

#[test]
fn a_long_register_runs_over_several_pages_with_every_dossier_and_page_numbers() {
    let r = samples::register(60);
    let doc = forms::register(&r);
    let pages = page_count(&doc).expect("lays out");
    assert!(
        pages >= 3,
        "60 dossiers take several landscape pages, got {pages}"
    );
    let mut e = vec!["SỔ THEO DÕI HỒ SƠ".to_owned(), r.period.clone()];
    for l in &r.lines {
        e.extend([l.code.clone(), l.applicant.clone(), l.procedure.clone()]);
    }
    check("register", &doc, &e, pages);
    // A short register stays on one page.
    check(
        "register-short",
        &forms::register(&samples::register(2)),
        &["Nguyễn Văn An".into()],
        1,
    );
}

#[test]
fn the_conclusion_notice_and_the_result_cover_render() {
    let n = samples::conclusion_notice();
    let mut e = national();
    e.extend([
        "THÔNG BÁO".into(),
        n.title.clone(),
        "I. ƯU ĐIỂM".into(),
        "II. TỒN TẠI, HẠN CHẾ".into(),
    ]);
    e.extend([
        "III. YÊU CẦU".into(),
        "TRƯỞNG ĐOÀN".into(),
        n.signer.clone().expect("signer"),
    ]);
    e.extend(n.grounds.iter().cloned());
    check("conclusion-notice", &forms::conclusion_notice(&n), &e, 1);

    let r = samples::result_cover();
    let mut e = national();
    e.extend([
        r.title.clone(),
        r.certification.clone(),
        r.items[0].name.clone(),
        r.items[0].sha256.clone(),
    ]);
    check("result-cover", &forms::result_cover(&r), &e, 1);
}

fn signed_receipt() -> (Vec<u8>, Vec<u8>) {
    let pdf = render(&forms::receipt(&samples::receipt())).expect("renders");
    let signed = sign(
        &pdf,
        P12,
        PASSWORD,
        "Cấp giấy tiếp nhận",
        "Ba Đình, Hà Nội",
        samples::created(),
    )
    .expect("signs");
    (pdf, signed)
}

/// The signed file with one byte inside the first signed range changed.
fn tampered(signed: &[u8]) -> Vec<u8> {
    let r = signed_ranges(signed).expect("signed");
    let mut t = signed.to_vec();
    t[r[1] / 2] ^= 0x01;
    t
}

#[test]
fn a_signed_receipt_verifies_with_pdfsig_and_fails_after_one_byte_changes() {
    let (pdf, signed) = signed_receipt();
    assert!(
        signed.starts_with(&pdf),
        "the signature is an incremental update"
    );
    let Some(pdfsig) = tool("pdfsig") else { return };
    // A certificate database that trusts the test CA.
    let db = dir().join("nssdb");
    let _ = std::fs::remove_dir_all(&db);
    std::fs::create_dir_all(&db).expect("nssdb");
    let db_arg = format!("sql:{}", db.display());
    let trusted = tool("certutil").is_some_and(|certutil| {
        run(&certutil, &["-N", "-d", &db_arg, "--empty-password"]).0
            && run(
                &certutil,
                &[
                    "-A",
                    "-d",
                    &db_arg,
                    "-n",
                    "motcua-test-ca",
                    "-t",
                    "CT,C,C",
                    "-i",
                    CA,
                ],
            )
            .0
    });
    let path = dir().join("receipt.signed.pdf");
    std::fs::write(&path, &signed).expect("written");
    let p = path.to_str().expect("utf-8");
    let (_, out) = if trusted {
        run(&pdfsig, &["-nssdir", &db_arg, p])
    } else {
        run(&pdfsig, &[p])
    };
    assert!(
        out.contains("Signature Validation: Signature is Valid."),
        "{out}"
    );
    assert!(out.contains("Total document signed"), "{out}");
    assert!(out.contains("Signature Type: ETSI.CAdES.detached"), "{out}");
    assert!(out.contains("Signing Hash Algorithm: SHA-256"), "{out}");
    if trusted {
        assert!(
            out.contains("Certificate Validation: Certificate is Trusted."),
            "{out}"
        );
    }

    let bad = dir().join("receipt.tampered.pdf");
    std::fs::write(&bad, tampered(&signed)).expect("written");
    let (_, out) = run(&pdfsig, &[bad.to_str().expect("utf-8")]);
    assert!(
        !out.contains("Signature is Valid."),
        "a changed byte must invalidate: {out}"
    );
}

/// pyHanko's command, installed into target/pyhanko-venv on first use.
fn pyhanko() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("pyhanko-venv");
    let bin = venv.join("bin/pyhanko");
    if !bin.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "pyhanko", "pyhanko-cli"])
                .status()
                .is_ok_and(|s| s.success());
        if !ok || !bin.exists() {
            assert!(
                !in_ci(),
                "could not install pyHanko into {}",
                venv.display()
            );
            eprintln!(
                "SKIPPED: pyHanko could not be installed into {}",
                venv.display()
            );
            return None;
        }
    }
    Some(bin)
}

#[test]
fn a_signed_receipt_is_intact_and_trusted_for_pyhanko_and_invalid_after_one_byte_changes() {
    let (_, signed) = signed_receipt();
    let Some(pyhanko) = pyhanko() else { return };
    let path = dir().join("receipt.pyhanko.pdf");
    std::fs::write(&path, &signed).expect("written");
    let args = |p: &Path| {
        let out = Command::new(&pyhanko)
            .args(["sign", "validate", "--trust-replace", "--trust", CA])
            .arg(p)
            .output()
            .expect("pyhanko runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, out) = args(&path);
    assert!(ok, "pyHanko rejects the signature: {out}");
    assert!(out.contains(":INTACT:TRUSTED,UNTOUCHED"), "{out}");

    let bad = dir().join("receipt.pyhanko.tampered.pdf");
    std::fs::write(&bad, tampered(&signed)).expect("written");
    let (ok, out) = args(&bad);
    assert!(
        !ok && !out.contains("INTACT"),
        "a changed byte must invalidate: {out}"
    );
}

#[test]
fn the_document_hash_is_the_sha256_of_the_bytes_and_rendering_is_deterministic() {
    let doc = forms::receipt(&samples::receipt());
    let a = render(&doc).expect("renders");
    let b = render(&doc).expect("renders");
    assert_eq!(sha256_hex(&a), sha256_hex(&b));
    let other = forms::receipt(&forms::Receipt {
        applicant: "Trần Văn Bình".into(),
        ..samples::receipt()
    });
    assert_ne!(
        sha256_hex(&a),
        sha256_hex(&render(&other).expect("renders"))
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
