//! Signing without external tools: the PKCS#12 reader, the byte range, refusals.

use motcua_pdf::{Error, forms, read_pkcs12, render, samples, sign, signed_ranges};

const P12: &[u8] = include_bytes!("../testdata/test-signer.p12");

fn receipt() -> Vec<u8> {
    render(&forms::receipt(&samples::receipt())).expect("renders")
}

#[test]
fn the_test_pkcs12_gives_the_unit_key_its_certificate_and_the_ca() {
    let id = read_pkcs12(P12, "motcua-test").expect("reads");
    assert!(
        id.certificate
            .tbs_certificate
            .subject
            .to_string()
            .contains("Ba Đình (TEST)")
    );
    assert_eq!(id.chain.len(), 1, "the CA comes with the signer");
    assert_eq!(
        id.chain[0].tbs_certificate.subject,
        id.certificate.tbs_certificate.issuer
    );
}

#[test]
fn a_wrong_password_is_refused_with_a_bilingual_message() {
    let e = read_pkcs12(P12, "wrong").expect_err("refused");
    assert!(matches!(e, Error::Password));
    assert!(e.to_string().starts_with("Sai mật khẩu"));
    let e = sign(&receipt(), P12, "wrong", "r", "l", samples::created()).expect_err("refused");
    assert!(matches!(e, Error::Password));
}

#[test]
fn garbage_is_not_a_pkcs12_file() {
    assert!(matches!(
        read_pkcs12(b"not a p12", "x"),
        Err(Error::Certificate(_))
    ));
}

#[test]
fn the_byte_range_covers_the_whole_file_except_the_signature_value() {
    let pdf = receipt();
    let signed = sign(
        &pdf,
        P12,
        "motcua-test",
        "Lý do",
        "Nơi ký",
        samples::created(),
    )
    .expect("signs");
    let r = signed_ranges(&signed).expect("has a signature");
    assert_eq!(r[0], 0);
    assert_eq!(r[2] + r[3], signed.len());
    let contents = &signed[r[1]..r[2]];
    assert!(contents.starts_with(b"<") && contents.ends_with(b">"));
    assert!(
        contents[1..contents.len() - 1]
            .iter()
            .all(u8::is_ascii_hexdigit)
    );
    // The CMS starts with a DER SEQUENCE and the rest is padding.
    assert!(contents.starts_with(b"<30"));
    assert!(
        r[1] > pdf.len(),
        "the original bytes are untouched and signed"
    );
    assert_eq!(&signed[..pdf.len()], &pdf[..]);
}

#[test]
fn a_signed_file_is_not_signed_again_and_a_non_pdf_is_refused() {
    let signed = sign(&receipt(), P12, "motcua-test", "r", "l", samples::created()).expect("signs");
    assert!(matches!(
        sign(&signed, P12, "motcua-test", "r", "l", samples::created()),
        Err(Error::Input(_))
    ));
    assert!(matches!(
        sign(b"hello", P12, "motcua-test", "r", "l", samples::created()),
        Err(Error::Input(_))
    ));
}
