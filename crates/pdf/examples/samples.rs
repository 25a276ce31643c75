//! Writes every sample document, unsigned and signed with the test certificate, to a folder:
//! `cargo run -p motcua-pdf --example samples -- target/pdf-samples`.

use motcua_pdf::{forms, render, samples, sign};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/pdf-samples".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let p12 = include_bytes!("../testdata/test-signer.p12");
    let docs = [
        ("01-receipt", forms::receipt(&samples::receipt())),
        ("02-guidance", forms::guidance(&samples::guidance())),
        ("03-refusal", forms::refusal(&samples::refusal())),
        ("04-apology", forms::apology(&samples::apology())),
        (
            "control-sheet",
            forms::control_sheet(&samples::control_sheet()),
        ),
        ("register", forms::register(&samples::register(60))),
        (
            "conclusion-notice",
            forms::conclusion_notice(&samples::conclusion_notice()),
        ),
        (
            "result-cover",
            forms::result_cover(&samples::result_cover()),
        ),
    ];
    for (name, doc) in docs {
        let pdf = render(&doc)?;
        std::fs::write(dir.join(format!("{name}.pdf")), &pdf)?;
        let signed = sign(
            &pdf,
            p12,
            "motcua-test",
            "Ký số văn bản",
            "Ba Đình, Hà Nội",
            samples::created(),
        )?;
        std::fs::write(dir.join(format!("{name}.signed.pdf")), &signed)?;
        println!("{name}: {} bytes, signed {} bytes", pdf.len(), signed.len());
    }
    Ok(())
}
