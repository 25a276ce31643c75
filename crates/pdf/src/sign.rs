//! PAdES baseline B signatures (ETSI EN 319 142-1): an incremental update adds a signature field
//! whose /V is a /Type /Sig dictionary (/SubFilter /ETSI.CAdES.detached) with a /ByteRange over
//! the whole file except /Contents, which holds a detached CMS SignedData (content-type,
//! message-digest and signing-certificate-v2 signed attributes, no signing-time: the time is /M)
//! and the certificate chain.
//!
//! The reader understands PDFs with a classic cross-reference table and uncompressed object
//! dictionaries, which is what [`crate::render`] writes; other files are refused with an error.

use chrono::{DateTime, Utc};
use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::asn1::{OctetString, SetOfVec};
use der::oid::ObjectIdentifier;
use der::{Any, Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::Error;
use crate::p12::{Identity, read_pkcs12};

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// Room for the CMS in /Contents (bytes): a 4096-bit key and a chain of three certificates fit.
const CONTENTS_LEN: usize = 8 * 1024;
const BYTE_RANGE_WIDTH: usize = 40;

/// Who signs, why, where and when (the /Reason, /Location and /M of the signature).
#[derive(Debug, Clone)]
pub struct SignOptions {
    pub reason: String,
    pub location: String,
    pub time: DateTime<Utc>,
}

/// RFC 5035 IssuerSerial.
#[derive(Clone, Debug, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial: SerialNumber,
}

/// RFC 5035 ESSCertIDv2 with the default hash algorithm (SHA-256), so it is omitted.
#[derive(Clone, Debug, Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

#[derive(Clone, Debug, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Sign(e.to_string())
}

/// Signs `pdf` with the PKCS#12 identity `p12` (password `password`): PAdES baseline B.
pub fn sign(
    pdf: &[u8],
    p12: &[u8],
    password: &str,
    reason: &str,
    location: &str,
    time: DateTime<Utc>,
) -> Result<Vec<u8>, Error> {
    let id = read_pkcs12(p12, password)?;
    sign_with(
        pdf,
        &id,
        &SignOptions {
            reason: reason.into(),
            location: location.into(),
            time,
        },
    )
}

/// Signs with an identity already read (read the PKCS#12 file once, sign many documents).
pub fn sign_with(pdf: &[u8], id: &Identity, opts: &SignOptions) -> Result<Vec<u8>, Error> {
    let parsed = Parsed::new(pdf)?;
    let catalog = parsed.object(parsed.root)?;
    if find_key(catalog, b"/AcroForm").is_some() {
        return Err(Error::Input(
            "tài liệu đã có biểu mẫu/chữ ký / the document already has a form or signature".into(),
        ));
    }
    let pages = find_ref(catalog, b"/Pages").ok_or_else(|| err("catalog without /Pages"))?;
    let page = parsed.first_page(pages)?;
    let page_dict = parsed.object(page)?;
    if find_key(page_dict, b"/Annots").is_some() {
        return Err(Error::Input(
            "trang đầu đã có chú thích / the first page already has annotations".into(),
        ));
    }

    let (sig, widget, ap) = (parsed.size, parsed.size + 1, parsed.size + 2);
    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: Vec<(u32, usize)> = vec![];

    // The signature dictionary, with placeholders.
    offsets.push((sig, out.len()));
    out.extend_from_slice(format!("{sig} 0 obj\n<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [").as_bytes());
    let br_at = out.len();
    out.extend_from_slice(&[b' '; BYTE_RANGE_WIDTH]);
    out.extend_from_slice(b"] /Contents ");
    let contents_at = out.len();
    out.push(b'<');
    out.extend(std::iter::repeat_n(b'0', CONTENTS_LEN * 2));
    out.push(b'>');
    let contents_end = out.len();
    out.extend_from_slice(
        format!(
            " /M ({}) /Reason {} /Location {}>>\nendobj\n",
            opts.time.format("D:%Y%m%d%H%M%SZ"),
            text_string(&opts.reason),
            text_string(&opts.location),
        )
        .as_bytes(),
    );
    // The field and its widget (invisible, printable and locked as PDF/A wants), with an empty
    // appearance.
    offsets.push((widget, out.len()));
    out.extend_from_slice(
        format!(
            "{widget} 0 obj\n<</Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V {sig} 0 R /F 132 /Rect [0 0 0 0] /P {page} 0 R /AP <</N {ap} 0 R>>>>\nendobj\n"
        )
        .as_bytes(),
    );
    offsets.push((ap, out.len()));
    out.extend_from_slice(
        format!("{ap} 0 obj\n<</Type /XObject /Subtype /Form /BBox [0 0 0 0] /Length 0>>\nstream\n\nendstream\nendobj\n").as_bytes(),
    );
    // The catalog and the first page again, with the form and the annotation.
    offsets.push((parsed.root, out.len()));
    out.extend_from_slice(format!("{} 0 obj\n", parsed.root).as_bytes());
    out.extend_from_slice(&with_entry(
        catalog,
        &format!("/AcroForm <</Fields [{widget} 0 R] /SigFlags 3>>"),
    )?);
    out.extend_from_slice(b"\nendobj\n");
    offsets.push((page, out.len()));
    out.extend_from_slice(format!("{page} 0 obj\n").as_bytes());
    out.extend_from_slice(&with_entry(page_dict, &format!("/Annots [{widget} 0 R]"))?);
    out.extend_from_slice(b"\nendobj\n");

    // Cross-reference section for the new and changed objects, and the trailer.
    offsets.sort();
    let xref_at = out.len();
    out.extend_from_slice(b"xref\n");
    for (num, off) in &offsets {
        out.extend_from_slice(format!("{num} 1\n{off:010} 00000 n\r\n").as_bytes());
    }
    let mut trailer = format!("trailer\n<</Size {} /Root {} 0 R", ap + 1, parsed.root);
    if let Some(info) = &parsed.info {
        trailer.push_str(&format!(" /Info {info}"));
    }
    if let Some(idv) = &parsed.id {
        trailer.push_str(&format!(" /ID {idv}"));
    }
    trailer.push_str(&format!(
        " /Prev {}>>\nstartxref\n{xref_at}\n%%EOF\n",
        parsed.startxref
    ));
    out.extend_from_slice(trailer.as_bytes());

    // Byte range: everything but the hex string of /Contents (its delimiters included).
    let range = [0, contents_at, contents_end, out.len() - contents_end];
    let br = format!("{} {} {} {}", range[0], range[1], range[2], range[3]);
    out[br_at..br_at + br.len()].copy_from_slice(br.as_bytes());
    let mut h = Sha256::new();
    h.update(&out[..contents_at]);
    h.update(&out[contents_end..]);
    let digest = h.finalize();

    let cms = signed_data(id, &digest)?;
    if cms.len() > CONTENTS_LEN {
        return Err(err(format!("CMS too large ({} bytes)", cms.len())));
    }
    let hex: String = cms.iter().map(|b| format!("{b:02X}")).collect();
    out[contents_at + 1..contents_at + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// The detached CMS SignedData over `digest` (SHA-256 of the byte range).
fn signed_data(id: &Identity, digest: &[u8]) -> Result<Vec<u8>, Error> {
    let cert = &id.certificate;
    let cert_der = cert.to_der().map_err(err)?;
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(Sha256::digest(&cert_der).to_vec()).map_err(err)?,
            issuer_serial: IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    cert.tbs_certificate.issuer.clone(),
                )],
                serial: cert.tbs_certificate.serial_number.clone(),
            },
        }],
    };
    let value = Any::from_der(&ess.to_der().map_err(err)?).map_err(err)?;
    let attr = Attribute {
        oid: ID_SIGNING_CERTIFICATE_V2,
        values: SetOfVec::try_from(vec![value]).map_err(err)?,
    };
    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(id.key.clone());
    let digest_alg = AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    };
    let eci = EncapsulatedContentInfo {
        econtent_type: ID_DATA,
        econtent: None,
    };
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate.issuer.clone(),
        serial_number: cert.tbs_certificate.serial_number.clone(),
    });
    let mut sib = SignerInfoBuilder::new(&signer, sid, digest_alg.clone(), &eci, Some(digest))
        .map_err(err)?;
    sib.add_signed_attribute(attr).map_err(err)?;
    let mut b = SignedDataBuilder::new(&eci);
    b.add_digest_algorithm(digest_alg).map_err(err)?;
    b.add_certificate(CertificateChoices::Certificate(cert.clone()))
        .map_err(err)?;
    for c in &id.chain {
        b.add_certificate(CertificateChoices::Certificate(c.clone()))
            .map_err(err)?;
    }
    b.add_signer_info::<_, rsa::pkcs1v15::Signature>(sib)
        .map_err(err)?;
    b.build().map_err(err)?.to_der().map_err(err)
}

/// A PDF text string in UTF-16BE with a byte-order mark, written in hex.
fn text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        out.push_str(&format!("{u:04X}"));
    }
    out.push('>');
    out
}

/// The parts of an existing PDF that an incremental update needs.
struct Parsed<'a> {
    pdf: &'a [u8],
    startxref: usize,
    offsets: std::collections::HashMap<u32, usize>,
    size: u32,
    root: u32,
    info: Option<String>,
    id: Option<String>,
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn number(b: &[u8], i: usize) -> Option<(u64, usize)> {
    let i = skip_ws(b, i);
    let end = i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let n = std::str::from_utf8(&b[i..end]).ok()?.parse().ok()?;
    Some((n, end))
}

/// Position just after `key` at the top level of a dictionary `<< ... >>` (a name followed by a
/// delimiter, outside nested dictionaries, arrays and strings).
fn find_key(dict: &[u8], key: &[u8]) -> Option<usize> {
    let mut depth = 0i32;
    let mut i = 0;
    while i < dict.len() {
        match dict[i] {
            b'<' if dict.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 2;
                continue;
            }
            b'>' if dict.get(i + 1) == Some(&b'>') => {
                depth -= 1;
                i += 2;
                continue;
            }
            b'[' => depth += 1,
            b']' => depth -= 1,
            b'(' => {
                // Skip a literal string (balanced parentheses, escapes).
                let mut level = 0;
                while i < dict.len() {
                    match dict[i] {
                        b'\\' => i += 1,
                        b'(' => level += 1,
                        b')' => {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'/' if depth == 1 && dict[i..].starts_with(key) => {
                let end = i + key.len();
                if dict
                    .get(end)
                    .is_none_or(|c| c.is_ascii_whitespace() || b"/<[(".contains(c))
                {
                    return Some(end);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The object number of an indirect reference `key N 0 R`.
fn find_ref(dict: &[u8], key: &[u8]) -> Option<u32> {
    let at = find_key(dict, key)?;
    let (n, end) = number(dict, at)?;
    let (_gen, end) = number(dict, end)?;
    (dict.get(skip_ws(dict, end)) == Some(&b'R')).then_some(n as u32)
}

/// The raw value after a key, up to the next top-level key or the end of the dictionary.
fn raw_value(dict: &[u8], key: &[u8]) -> Option<String> {
    let at = skip_ws(dict, find_key(dict, key)?);
    let end = match dict[at] {
        b'[' => at + find(&dict[at..], b"]")? + 1,
        _ => {
            let (_, e) = number(dict, at)?;
            let (_, e) = number(dict, e)?;
            let e = skip_ws(dict, e);
            (dict.get(e) == Some(&b'R')).then_some(e + 1)?
        }
    };
    String::from_utf8(dict[at..end].to_vec()).ok()
}

/// The dictionary with one more entry before its closing `>>`.
fn with_entry(dict: &[u8], entry: &str) -> Result<Vec<u8>, Error> {
    let body = dict
        .strip_suffix(b">>")
        .ok_or_else(|| err("malformed dictionary"))?;
    let mut out = body.to_vec();
    out.push(b' ');
    out.extend_from_slice(entry.as_bytes());
    out.extend_from_slice(b">>");
    Ok(out)
}

impl<'a> Parsed<'a> {
    fn new(pdf: &'a [u8]) -> Result<Self, Error> {
        let not_ours = || {
            Error::Input("tệp PDF không đúng cấu trúc hỗ trợ / unsupported PDF structure".into())
        };
        let sx = rfind(pdf, b"startxref").ok_or_else(not_ours)?;
        let (startxref, _) = number(pdf, sx + 9).ok_or_else(not_ours)?;
        let startxref = startxref as usize;
        if !pdf.get(startxref..).is_some_and(|b| b.starts_with(b"xref")) {
            return Err(not_ours());
        }
        let mut offsets = std::collections::HashMap::new();
        let mut i = startxref + 4;
        loop {
            i = skip_ws(pdf, i);
            if pdf[i..].starts_with(b"trailer") {
                break;
            }
            let (first, e) = number(pdf, i).ok_or_else(not_ours)?;
            let (count, e) = number(pdf, e).ok_or_else(not_ours)?;
            i = skip_ws(pdf, e);
            for k in 0..count {
                let entry = pdf.get(i..i + 18).ok_or_else(not_ours)?;
                let (off, _) = number(entry, 0).ok_or_else(not_ours)?;
                if entry[17] == b'n' {
                    offsets.insert((first + k) as u32, off as usize);
                }
                i = skip_ws(pdf, i + 18);
            }
        }
        let trailer = &pdf[i + 7..sx];
        let t0 = find(trailer, b"<<").ok_or_else(not_ours)?;
        let trailer = &trailer[t0..];
        let size = find_key(trailer, b"/Size")
            .and_then(|at| number(trailer, at))
            .ok_or_else(not_ours)?
            .0 as u32;
        let root = find_ref(trailer, b"/Root").ok_or_else(not_ours)?;
        if find_key(trailer, b"/Encrypt").is_some() {
            return Err(Error::Input("tệp PDF được mã hóa / encrypted PDF".into()));
        }
        Ok(Parsed {
            pdf,
            startxref,
            offsets,
            size,
            root,
            info: raw_value(trailer, b"/Info"),
            id: raw_value(trailer, b"/ID"),
        })
    }

    /// The dictionary `<< ... >>` of object `num`.
    fn object(&self, num: u32) -> Result<&'a [u8], Error> {
        let missing = || Error::Input(format!("thiếu đối tượng / missing object {num}"));
        let off = *self.offsets.get(&num).ok_or_else(missing)?;
        let head = format!("{num} 0 obj");
        let body = self.pdf.get(off..).ok_or_else(missing)?;
        if !body.starts_with(head.as_bytes()) {
            return Err(missing());
        }
        let body = &body[head.len()..];
        let start = find(body, b"<<").ok_or_else(missing)?;
        let end = find(body, b"endobj").ok_or_else(missing)?;
        if find(&body[..end], b"stream").is_some() {
            return Err(Error::Input(format!(
                "đối tượng {num} là luồng / object {num} is a stream"
            )));
        }
        let close = rfind(&body[..end], b">>").ok_or_else(missing)?;
        Ok(&body[start..close + 2])
    }

    /// The first leaf of the page tree.
    fn first_page(&self, mut node: u32) -> Result<u32, Error> {
        for _ in 0..32 {
            let dict = self.object(node)?;
            let kids = find_key(dict, b"/Kids");
            let Some(at) = kids else { return Ok(node) };
            let at = skip_ws(dict, at);
            let (kid, _) = number(dict, at + 1).ok_or_else(|| err("empty /Kids"))?;
            node = kid as u32;
        }
        Err(err("page tree too deep"))
    }
}

/// The /ByteRange of the last signature of a signed file (offset, length, offset, length);
/// `None` when the file has no signature.
pub fn signed_ranges(signed: &[u8]) -> Option<[usize; 4]> {
    let at = rfind(signed, b"/ByteRange [")? + 12;
    let mut r = [0usize; 4];
    let mut i = at;
    for slot in &mut r {
        let (n, e) = number(signed, i)?;
        *slot = n as usize;
        i = e;
    }
    Some(r)
}
