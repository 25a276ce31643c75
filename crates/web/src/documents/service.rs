//! Official documents as PDF from the store's data (through `motcua-pdf`), their signatures, the
//! electronic result issued into the log, scans attached at the counter, and the check behind
//! `/xac-minh`.
//!
//! Hashes. A document cannot carry its own SHA-256, so the verification QR code carries the SHA-256
//! of the document's *content*: the PDF as rendered without the QR code (rendering is a pure
//! function, so the same content gives the same bytes). An electronic result's issuing event
//! records that hash and the SHA-256 of the signed file handed out; a receipt's content is a
//! function of the record, so `/xac-minh` recomputes it (from each state since reception).

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDateTime, Utc};
use motcua_domain::authz::can;
use motcua_domain::dossier::{
    Actor, Applicant, Command, DocumentKind, Dossier, Event, IssuedDocument, Outcome, RuleSet,
    Status, to_local,
};
use motcua_pdf::forms;
use motcua_pdf::{Block, Document, Identity, SignOptions};
use motcua_store::dossiers::{self, Request, Target};
use motcua_store::{Tx, ledger, org};
use serde::Serialize;

use crate::access;
use crate::app::App;
use crate::http::ApiError;

fn pdf_error(e: motcua_pdf::Error) -> ApiError {
    ApiError::internal(e.to_string())
}

/// The unit's signing identity: the configured one, or the built-in TEST identity.
pub fn identity(app: &App) -> Result<Arc<Identity>, ApiError> {
    if let Some(id) = &app.settings.signing {
        return Ok(id.clone());
    }
    static TEST: OnceLock<Result<Arc<Identity>, String>> = OnceLock::new();
    TEST.get_or_init(|| {
        motcua_pdf::read_pkcs12(
            motcua_pdf::samples::TEST_SIGNER_P12,
            motcua_pdf::samples::TEST_SIGNER_PASSWORD,
        )
        .map(Arc::new)
        .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(ApiError::internal)
}

/// The subject of the signing certificate, as the log records who signed.
pub fn signer_name(id: &Identity) -> String {
    id.certificate.tbs_certificate.subject.to_string()
}

fn sign(app: &App, pdf: &[u8], reason: &str, location: &str) -> Result<Vec<u8>, ApiError> {
    let id = identity(app)?;
    motcua_pdf::sign_with(
        pdf,
        &id,
        &SignOptions {
            reason: reason.to_owned(),
            location: location.to_owned(),
            time: Utc::now(),
        },
    )
    .map_err(pdf_error)
}

/// The place name of the date line from a unit's name: "UBND phường Ba Đình" gives "Ba Đình".
pub fn place_of(name: &str) -> String {
    let mut rest = name.trim();
    for prefix in [
        "UBND ",
        "Ủy ban nhân dân ",
        "Uỷ ban nhân dân ",
        "Bộ phận Một cửa ",
        "Bộ phận một cửa ",
        "Trung tâm Phục vụ hành chính công ",
    ] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r.trim_start();
        }
    }
    for level in [
        "thành phố ",
        "thị xã ",
        "thị trấn ",
        "phường ",
        "xã ",
        "huyện ",
        "quận ",
        "tỉnh ",
        "đặc khu ",
    ] {
        let lower = rest.to_lowercase();
        if lower.starts_with(level) {
            rest = &rest[level.len()..];
            break;
        }
    }
    rest.trim().to_owned()
}

/// A unit as printed in the heading: its parent's name above its own, upper case.
pub fn unit_of(tx: &mut dyn Tx, code: &str) -> Result<forms::Unit, ApiError> {
    let unit = org::get_unit(tx, code)?;
    let parent = match &unit.parent {
        Some(p) => org::get_unit(tx, p).ok().map(|p| p.name.to_uppercase()),
        None => None,
    };
    Ok(forms::Unit {
        parent,
        place: place_of(&unit.name),
        name: unit.name.to_uppercase(),
    })
}

/// The full address of the verification page for a document.
pub fn verify_url(base: &str, code: &str, sha256: &str, ledger: i64) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("ma", code)
        .append_pair("sha256", sha256)
        .append_pair("so-cai", &ledger.to_string())
        .finish();
    format!("{}/xac-minh?{query}", base.trim_end_matches('/'))
}

/// The SHA-256 of a document's content: the PDF rendered without its QR code.
pub fn content_hash(doc: &Document) -> Result<String, ApiError> {
    let mut bare = doc.clone();
    bare.body.retain(|b| !matches!(b, Block::Qr { .. }));
    Ok(motcua_pdf::sha256_hex(
        &motcua_pdf::render(&bare).map_err(pdf_error)?,
    ))
}

/// The document with its verification QR code, and the hash and ledger entry printed beside it
/// for whoever types them into `/xac-minh`.
fn with_qr(mut doc: Document, url: &str, sha256: &str, position: i64) -> Document {
    for b in &mut doc.body {
        if let Block::Qr { payload, caption } = b {
            *payload = url.to_owned();
            caption.truncate(1);
            caption.push("Mã băm SHA-256:".to_owned());
            // In quarters: the caption column beside the code is narrow.
            let mut rest = sha256;
            while !rest.is_empty() {
                let (quarter, tail) = rest.split_at(rest.len().min(16));
                caption.push(quarter.to_owned());
                rest = tail;
            }
            caption.push(format!("Vị trí trong sổ cái: {position}"));
        }
    }
    doc
}

fn staff_name(tx: &mut dyn Tx, actor: &Actor) -> Option<String> {
    match actor {
        Actor::Staff { id } => org::get_staff(tx, *id).ok().map(|s| s.full_name),
        Actor::Import {
            staff: Some(id), ..
        } => org::get_staff(tx, *id).ok().map(|s| s.full_name),
        _ => None,
    }
}

fn local(t: Option<DateTime<Utc>>) -> NaiveDateTime {
    to_local(t.unwrap_or_else(Utc::now))
}

fn legal_basis(d: &Dossier) -> String {
    d.rule_set.map_or("", |r| r.legal_basis()).to_owned()
}

/// The reception event of a dossier: its seq and who received it.
fn reception(tx: &mut dyn Tx, id: i64) -> Result<Option<(i64, Actor)>, ApiError> {
    Ok(dossiers::history(tx, id)?
        .into_iter()
        .find(|r| matches!(r.event, Event::Received { .. }))
        .map(|r| (r.seq, r.actor)))
}

fn not_received() -> ApiError {
    ApiError::not_found(
        "Hồ sơ chưa được tiếp nhận",
        "The dossier has not been received",
    )
}

/// Form 01 of a received dossier (official content: the applicant as recorded), and the seq of
/// its reception event.
fn receipt_doc(tx: &mut dyn Tx, id: i64, d: &Dossier) -> Result<(Document, i64), ApiError> {
    let code = d.code.clone().ok_or_else(not_received)?;
    let (seq, actor) = reception(tx, id)?.ok_or_else(not_received)?;
    let unit = unit_of(tx, &d.unit)?;
    let receipt = forms::Receipt {
        return_place: {
            // The receiving body as named on the dossier's date.
            let u = org::get_unit(tx, &d.unit)?;
            let on = d
                .received_at
                .map_or_else(crate::http::format::today, |t| to_local(t).date());
            format!(
                "{}, {}",
                motcua_domain::rules::one_stop_body(u.level, on),
                u.name
            )
        },
        unit,
        form: "01".into(),
        number: None,
        code,
        applicant: d.applicant.full_name.clone(),
        id_number: d.applicant.id_number.clone().unwrap_or_default(),
        phone: d.applicant.phone.clone(),
        address: d.applicant.address.clone().unwrap_or_default(),
        procedure: d.procedure.name.clone(),
        papers: d
            .papers
            .iter()
            .map(|p| (p.name.clone(), p.copies))
            .collect(),
        received: local(d.received_at),
        appointment: local(d.appointment()),
        legal_basis: legal_basis(d),
        receiver: staff_name(tx, &actor),
        lookup_secret: motcua_store::public_access::get(tx, id)?
            .map(|a| motcua_store::public_access::grouped(&a.secret)),
        qr: String::new(),
        created: d.received_at.unwrap_or_else(Utc::now),
    };
    Ok((forms::receipt(&receipt), seq))
}

/// The receipt's content hash and its ledger position, as its QR code carries them.
fn receipt_proof(
    tx: &mut dyn Tx,
    id: i64,
    d: &Dossier,
) -> Result<(Document, String, i64), ApiError> {
    let (doc, seq) = receipt_doc(tx, id, d)?;
    let hash = content_hash(&doc)?;
    let (position, _) = ledger::position_of(tx, id, seq)?.ok_or_else(not_received)?;
    Ok((doc, hash, position))
}

/// Form 01 as a PDF: signed, with the verification QR code. For a reader without the right to the
/// applicant's personal data the name is masked and the copy is not signed (its QR code still
/// names the official receipt).
pub fn receipt_pdf(
    app: &App,
    tx: &mut dyn Tx,
    id: i64,
    d: &Dossier,
    masked: Option<&Applicant>,
) -> Result<Vec<u8>, ApiError> {
    // A dossier from before lookup secrets gets its secret when its form 01 is first printed.
    motcua_store::public_access::ensure(tx, id)?;
    let (doc, hash, position) = receipt_proof(tx, id, d)?;
    let code = d.code.clone().unwrap_or_default();
    let url = verify_url(&app.settings.public_url, &code, &hash, position);
    let mut doc = with_qr(doc, &url, &hash, position);
    if let Some(a) = masked {
        for b in &mut doc.body {
            if let Block::Paragraph { spans, .. } = b {
                for s in spans.iter_mut().filter(|s| s.text == d.applicant.full_name) {
                    s.text = a.full_name.clone();
                }
            }
            if let Block::Field { label, value } = b
                && [
                    "Số định danh cá nhân",
                    "Điện thoại",
                    "Địa chỉ",
                    "Mã tra cứu",
                ]
                .contains(&label.as_str())
            {
                *value = "***".into();
            }
        }
        for s in &mut doc.signers {
            if s.name.as_deref() == Some(d.applicant.full_name.as_str()) {
                s.name = Some(a.full_name.clone());
            }
        }
        return motcua_pdf::render(&doc).map_err(pdf_error);
    }
    let pdf = motcua_pdf::render(&doc).map_err(pdf_error)?;
    let unit = unit_of(tx, &d.unit)?;
    sign(app, &pdf, &format!("Tiếp nhận hồ sơ {code}"), &unit.place)
}

/// Forms 02, 03, 04 and the control sheet (`kiem-soat`) as PDF (not signed: they are signed by hand).
pub fn form_pdf(tx: &mut dyn Tx, id: i64, d: &Dossier, form: &str) -> Result<Vec<u8>, ApiError> {
    let missing =
        || ApiError::not_found("Hồ sơ không có phiếu này", "This dossier has no such form");
    let unit = unit_of(tx, &d.unit)?;
    let rule_set = d.rule_set.unwrap_or(RuleSet::Nd118_2025);
    let dossier = |form: &str| forms::DossierRef {
        unit: unit.clone(),
        form: form.to_owned(),
        number: None,
        code: motcua_domain::dossier::shown_code(d.code.as_deref(), id),
        applicant: d.applicant.full_name.clone(),
        procedure: d.procedure.name.clone(),
        legal_basis: legal_basis(d),
        created: d.received_at.or(d.submitted_at).unwrap_or_else(Utc::now),
    };
    let receiver = match reception(tx, id)? {
        Some((_, actor)) => staff_name(tx, &actor),
        None => None,
    };
    let doc = match form {
        "02" => {
            let s = d.supplements.last().ok_or_else(missing)?;
            forms::guidance(&forms::Guidance {
                dossier: forms::DossierRef {
                    created: s.at,
                    ..dossier("02")
                },
                date: to_local(s.at).date(),
                reason: s.reason.clone(),
                items: s.items.clone(),
                guide: receiver,
            })
        }
        "03" => {
            let reason = d.refusal.clone().ok_or_else(missing)?;
            let at = d.closed_at.unwrap_or_else(Utc::now);
            forms::refusal(&forms::Refusal {
                dossier: forms::DossierRef {
                    created: at,
                    ..dossier("03")
                },
                date: to_local(at).date(),
                reason,
                receiver,
            })
        }
        "04" => {
            let a = d.apology.as_ref().ok_or_else(missing)?;
            forms::apology(&forms::Apology {
                dossier: forms::DossierRef {
                    created: a.at,
                    ..dossier("04")
                },
                date: to_local(a.at).date(),
                received: local(d.received_at),
                previous_appointment: local(d.due),
                reason: a.reason.clone(),
                new_appointment: to_local(a.new_appointment),
                extension: rule_set == RuleSet::Nd118_2025,
                signer_title: "THỦ TRƯỞNG CƠ QUAN".into(),
                signer: None,
                recipients: vec!["Như trên;".into(), "Lưu: VT.".into()],
            })
        }
        "kiem-soat" => {
            if d.steps.is_empty() {
                return Err(missing());
            }
            let units = org::units(tx)?;
            let name = |c: &str| {
                units
                    .iter()
                    .find(|u| u.code == c)
                    .map_or(c.to_owned(), |u| u.name.clone())
            };
            forms::control_sheet(&forms::ControlSheet {
                dossier: dossier(rule_set.control_sheet_form()),
                date: local(d.received_at).date(),
                appointment: local(d.appointment()),
                steps: d
                    .steps
                    .iter()
                    .map(|s| forms::ControlStep {
                        from: name(&s.unit),
                        to: s.handed_to.as_deref().map(name).unwrap_or_default(),
                        at: s
                            .finished_at
                            .map(|t| forms::long_time(to_local(t)))
                            .unwrap_or_default(),
                        result: s.result.map_or("", |r| r.label_vi()).to_owned(),
                        note: s.note.clone().unwrap_or_default(),
                    })
                    .collect(),
            })
        }
        _ => return Err(missing()),
    };
    motcua_pdf::render(&doc).map_err(pdf_error)
}

/// The electronic result's cover: what was decided, for whom, with the verification QR code.
fn result_doc(tx: &mut dyn Tx, d: &Dossier, at: DateTime<Utc>) -> Result<Document, ApiError> {
    let unit = unit_of(tx, &d.unit)?;
    let decision = match &d.outcome {
        Some(Outcome::Approved) | None => {
            "Kết quả: hồ sơ đã được giải quyết, yêu cầu của ông/bà được chấp thuận.".to_owned()
        }
        Some(Outcome::Denied { reason }) => {
            format!("Kết quả: yêu cầu của ông/bà không được chấp thuận. Lý do: {reason}")
        }
    };
    let mut doc = forms::result_cover(&forms::ResultCover {
        unit,
        number: None,
        date: to_local(at).date(),
        code: d.code.clone().unwrap_or_default(),
        title: "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH".into(),
        applicant: d.applicant.full_name.clone(),
        procedure: d.procedure.name.clone(),
        items: vec![],
        certification: decision,
        signer_title: "THỦ TRƯỞNG CƠ QUAN".into(),
        signer: None,
        qr: String::new(),
        recipients: vec!["Ông/bà có tên trên;".into(), "Lưu: VT.".into()],
        created: at,
    });
    // No attached files: no empty table of them.
    doc.body.retain(|b| {
        !matches!(b, Block::Table { rows, .. } if rows.is_empty())
            && !matches!(b, Block::Field { label, .. } if label == "Văn bản kèm theo")
    });
    Ok(doc)
}

/// An electronic copy certified from the original: the cover naming the scan it certifies (by
/// name and SHA-256), the certification statement, the QR code.
fn copy_doc(
    tx: &mut dyn Tx,
    d: &Dossier,
    paper: usize,
    at: DateTime<Utc>,
) -> Result<Document, ApiError> {
    let p = d.papers.get(paper).ok_or_else(|| {
        ApiError::invalid(
            "paper",
            "hồ sơ không có giấy tờ này",
            "the dossier has no such paper",
        )
    })?;
    let file = p.file.clone().ok_or_else(|| {
        ApiError::invalid(
            "paper",
            "giấy tờ này chưa được số hóa",
            "this paper has not been scanned",
        )
    })?;
    Ok(forms::result_cover(&forms::ResultCover {
        unit: unit_of(tx, &d.unit)?,
        number: None,
        date: to_local(at).date(),
        code: d.code.clone().unwrap_or_default(),
        title: "BẢN SAO ĐIỆN TỬ ĐƯỢC CHỨNG THỰC TỪ BẢN CHÍNH".into(),
        applicant: d.applicant.full_name.clone(),
        procedure: d.procedure.name.clone(),
        items: vec![forms::ResultItem {
            name: format!("{} (bản quét từ bản chính)", p.name),
            pages: 1,
            sha256: file,
        }],
        certification: "Chứng thực bản sao điện tử này đúng với bản chính.".into(),
        signer_title: "NGƯỜI THỰC HIỆN CHỨNG THỰC".into(),
        signer: None,
        qr: String::new(),
        recipients: vec!["Ông/bà có tên trên;".into(), "Lưu: VT.".into()],
        created: at,
    }))
}

/// The dossier page's notice after one of this feature's forms (`?ok=`).
pub fn notice_of(ok: &str) -> Option<&'static str> {
    match ok {
        "result_issued" => Some("Cấp kết quả điện tử"),
        "copy_issued" => Some("Cấp bản sao điện tử có chứng thực"),
        "paper_scanned" => Some("Số hóa giấy tờ tại quầy"),
        _ => None,
    }
}

/// What issuing an electronic result answers.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct IssuedAnswer {
    pub id: i64,
    pub code: String,
    /// The dossier's version after the issuing event.
    pub version: i64,
    /// The document's number in the dossier (1 for the first), for its download address.
    pub number: usize,
    pub title: String,
    /// SHA-256 of the document's content, as its QR code carries it.
    pub sha256: String,
    /// SHA-256 of the signed PDF file.
    pub file_sha256: String,
    /// The ledger entry that records the issuing event.
    pub ledger: i64,
    /// The verification address the QR code holds.
    pub verify_url: String,
}

/// Issues the dossier's result as a signed PDF (see [`issue`]).
pub fn issue_result(
    app: &App,
    tx: &mut dyn Tx,
    staff: &motcua_domain::org::Staff,
    id: i64,
    expected_version: Option<i64>,
) -> Result<IssuedAnswer, ApiError> {
    issue(
        app,
        tx,
        staff,
        id,
        expected_version,
        DocumentKind::Result,
        None,
    )
}

/// Issues a signed electronic document, in one transaction: the result, or an electronic copy
/// certified from the original of paper `paper` (index from 0, scanned). The file is rendered with
/// a QR code naming the ledger entry this transaction writes, signed, stored under its SHA-256,
/// and recorded by a `document_issued` event carrying both hashes.
pub fn issue(
    app: &App,
    tx: &mut dyn Tx,
    staff: &motcua_domain::org::Staff,
    id: i64,
    expected_version: Option<i64>,
    kind: DocumentKind,
    paper: Option<usize>,
) -> Result<IssuedAnswer, ApiError> {
    let (d, _) = access::load_visible(tx, staff, id)?;
    let probe = Command::IssueDocument {
        document: IssuedDocument {
            kind,
            title: String::new(),
            sha256: String::new(),
            file_sha256: String::new(),
            signer: String::new(),
            paper,
        },
    };
    let (action, unit) = probe.permission(Some(&d)).ok_or_else(ApiError::forbidden)?;
    if !can(&staff.grants, action, &org::chain(tx, &unit)?) {
        return Err(ApiError::forbidden());
    }
    if !matches!(d.status, Status::ResultReady | Status::Returned) {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "illegal-transition",
            "Chỉ cấp kết quả điện tử khi hồ sơ đã có kết quả",
            "An electronic result is issued only once the dossier has its result",
        ));
    }
    let code = d.code.clone().ok_or_else(not_received)?;
    // Every writer takes the ledger head first, so the entry this transaction writes is the next.
    let head = ledger::lock_head(tx)?;
    let position = head.0 + 1;
    let now = Utc::now();
    let doc = match (kind, paper) {
        (DocumentKind::Result, _) => result_doc(tx, &d, now)?,
        (DocumentKind::CertifiedCopy, Some(paper)) => copy_doc(tx, &d, paper, now)?,
        (DocumentKind::CertifiedCopy, None) => {
            return Err(ApiError::invalid(
                "paper",
                "cần chọn giấy tờ để chứng thực bản sao",
                "choose the paper to certify a copy of",
            ));
        }
    };
    let sha256 = content_hash(&doc)?;
    let url = verify_url(&app.settings.public_url, &code, &sha256, position);
    let doc = with_qr(doc, &url, &sha256, position);
    let pdf = motcua_pdf::render(&doc).map_err(pdf_error)?;
    let place = unit_of(tx, &d.unit)?.place;
    let reason = match kind {
        DocumentKind::Result => format!("Kết quả giải quyết hồ sơ {code}"),
        DocumentKind::CertifiedCopy => format!("Chứng thực bản sao điện tử, hồ sơ {code}"),
    };
    let signed = sign(app, &pdf, &reason, &place)?;
    let file_sha256 =
        crate::public::service::store_paper(&app.settings.files_dir, "file", &signed, usize::MAX)?;
    let title = match (kind, paper.and_then(|i| d.papers.get(i))) {
        (DocumentKind::CertifiedCopy, Some(p)) => {
            format!("Bản sao điện tử được chứng thực từ bản chính: {}", p.name)
        }
        _ => format!("Kết quả giải quyết thủ tục hành chính, hồ sơ {code}"),
    };
    let cal = app.calendar(tx)?;
    let mut out = dossiers::execute(
        tx,
        &cal,
        vec![Request {
            target: Target::Existing {
                id,
                expected_version: expected_version.unwrap_or(d.version),
            },
            actor: Actor::Staff { id: staff.id },
            command: Command::IssueDocument {
                document: IssuedDocument {
                    kind,
                    title: title.clone(),
                    sha256: sha256.clone(),
                    file_sha256: file_sha256.clone(),
                    signer: signer_name(identity(app)?.as_ref()),
                    paper,
                },
            },
            now,
        }],
    )?;
    let o = out.remove(0);
    Ok(IssuedAnswer {
        id,
        code,
        version: o.dossier.version,
        number: o.dossier.documents.len(),
        title,
        sha256,
        file_sha256,
        ledger: position,
        verify_url: url,
    })
}

/// The n-th issued document of a dossier (from 1): the signed PDF as it was handed out.
pub fn issued_file(app: &App, d: &Dossier, n: usize) -> Result<Vec<u8>, ApiError> {
    let missing = || ApiError::not_found("Không có văn bản này", "No such document");
    let issued = n
        .checked_sub(1)
        .and_then(|i| d.documents.get(i))
        .ok_or_else(missing)?;
    let (_, bytes) =
        crate::public::service::read_paper(&app.settings.files_dir, &issued.document.file_sha256)
            .ok_or_else(missing)?;
    Ok(bytes)
}

/// Attaches the scan of paper `n` (from 1) of a received dossier: checked and stored as the online
/// upload is (PDF, JPEG or PNG by content, at most the upload limit), then a `paper_digitised`
/// event. Returns the dossier's new version.
pub fn attach_scan(
    app: &App,
    tx: &mut dyn Tx,
    staff: &motcua_domain::org::Staff,
    id: i64,
    n: usize,
    bytes: &[u8],
    expected_version: Option<i64>,
) -> Result<i64, ApiError> {
    let (d, _) = access::load_visible(tx, staff, id)?;
    let paper = n.checked_sub(1).ok_or_else(|| {
        ApiError::invalid(
            "paper",
            "hồ sơ không có giấy tờ này",
            "the dossier has no such paper",
        )
    })?;
    let probe = Command::DigitisePaper {
        paper,
        file: String::new(),
    };
    let (action, unit) = probe.permission(Some(&d)).ok_or_else(ApiError::forbidden)?;
    if !can(&staff.grants, action, &org::chain(tx, &unit)?) {
        return Err(ApiError::forbidden());
    }
    let file = crate::public::service::store_paper(
        &app.settings.files_dir,
        "file",
        bytes,
        app.settings.max_upload_bytes,
    )?;
    let cal = app.calendar(tx)?;
    let mut out = dossiers::execute(
        tx,
        &cal,
        vec![Request {
            target: Target::Existing {
                id,
                expected_version: expected_version.unwrap_or(d.version),
            },
            actor: Actor::Staff { id: staff.id },
            command: Command::DigitisePaper { paper, file },
            now: Utc::now(),
        }],
    )?;
    Ok(out.remove(0).dossier.version)
}

/// What `/xac-minh` found: the document and who issued it, without personal data.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Verified {
    pub code: String,
    /// What the document is.
    pub document: String,
    /// The unit that issued it.
    pub unit: String,
    pub procedure: String,
    pub issued_at: DateTime<Utc>,
    /// The ledger entry recording the issuing event.
    pub ledger: i64,
    /// The subject of the signing certificate (electronic results).
    pub signer: Option<String>,
    /// `content`: the hash is the document's content hash (from its QR code); `file`: the SHA-256
    /// of the signed PDF file.
    pub matched: &'static str,
}

/// Checks a dossier code and a document hash (and the ledger entry, when given) against the log.
/// None when nothing issued under that code has that hash.
pub fn verify(
    tx: &mut dyn Tx,
    code: &str,
    sha256: &str,
    position: Option<i64>,
) -> Result<Option<Verified>, ApiError> {
    let sha256 = sha256.trim().to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let code = code.trim().to_uppercase();
    if motcua_domain::dossier::parse_dossier_code(&code).is_none() {
        return Ok(None);
    }
    let Some(id) = dossiers::id_by_code(tx, &code)? else {
        return Ok(None);
    };
    let d = dossiers::load(tx, id)?;
    let unit = org::get_unit(tx, &d.unit)?.name;
    let at_position = |tx: &mut dyn Tx, seq: i64| -> Result<Option<i64>, ApiError> {
        let found = ledger::position_of(tx, id, seq)?.map(|(p, _)| p);
        Ok(found.filter(|p| position.is_none_or(|want| want == *p)))
    };
    for issued in &d.documents {
        let doc = &issued.document;
        let matched = if doc.sha256 == sha256 {
            "content"
        } else if doc.file_sha256 == sha256 {
            "file"
        } else {
            continue;
        };
        let Some(ledger) = at_position(tx, issued.seq)? else {
            continue;
        };
        return Ok(Some(Verified {
            code,
            document: doc.kind.label_vi().to_owned(),
            unit,
            procedure: d.procedure.name.clone(),
            issued_at: issued.at,
            ledger,
            signer: Some(doc.signer.clone()).filter(|s| !s.is_empty()),
            matched,
        }));
    }
    // A receipt: printed at any time since reception, it shows the dossier as it was then
    // (corrections and a new appointment change what a reprint shows), so each state since the
    // reception is tried, newest first, once per distinct content.
    if d.received_at.is_some() {
        let history = dossiers::history(tx, id)?;
        let mut seen = std::collections::HashSet::new();
        for k in (1..=history.len()).rev() {
            let Ok(state) = Dossier::replay(&history[..k]) else {
                continue;
            };
            if state.received_at.is_none() {
                break;
            }
            let key = (
                serde_json::to_string(&state.applicant).unwrap_or_default(),
                state
                    .papers
                    .iter()
                    .map(|p| (p.name.clone(), p.copies))
                    .collect::<Vec<_>>(),
                state.appointment(),
            );
            if !seen.insert(key) {
                continue;
            }
            let (_, hash, ledger) = receipt_proof(tx, id, &state)?;
            if hash == sha256 && position.is_none_or(|p| p == ledger) {
                return Ok(Some(Verified {
                    code,
                    document: "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01)".to_owned(),
                    unit,
                    procedure: d.procedure.name.clone(),
                    issued_at: d.received_at.unwrap_or_else(Utc::now),
                    ledger,
                    signer: None,
                    matched: "content",
                }));
            }
        }
    }
    Ok(None)
}
