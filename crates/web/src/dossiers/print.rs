//! The printable forms of a dossier: the receipt and appointment (form 01) with its code as a QR
//! code, forms 02, 03, 04 and the control sheet.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use motcua_domain::dossier::{Actor, Dossier, Instant, to_local};
use motcua_domain::forms;
use motcua_store::org;

use crate::access;
use crate::app::AppState;
use crate::app::write_tx;
use crate::auth::StaffPage;
use crate::http::ApiError;
use crate::http::PageError;
use crate::http::format::{percent, today, when};
use crate::i18n::filters;

use crate::http::page::render as html;
#[derive(Template)]
#[template(path = "dossiers/receipt.html")]
struct ReceiptPage {
    id: i64,
    head: crate::http::page::PrintHead,
    unit_name: String,
    code: String,
    qr: String,
    applicant: String,
    phone: String,
    address: String,
    procedure: String,
    /// Passport and nationality, or tax code and legal representative: (label, value).
    identity: Vec<(&'static str, String)>,
    /// Who submitted for the applicant, with the authorisation.
    representative: String,
    /// (name, kind, copies)
    papers: Vec<(String, &'static str, u32)>,
    missing: Vec<(String, String)>,
    condition: String,
    received: String,
    appointment: String,
    legal_basis: String,
    /// The secret for the public lookup and rating (for staff who see the applicant's data).
    secret: String,
    /// A boundary-free reception: the competent agency, and where the result is returned (the
    /// receiving unit unless the applicant chose another point).
    competent_name: String,
    return_name: String,
}

/// The documents in force when the dossier was received, as a form cites them.
fn basis_of(d: &Dossier) -> String {
    d.legal_basis().documents.join("; ")
}

/// The applicant's identity beyond the name, by kind: (label, value).
fn identity(a: &motcua_domain::dossier::Applicant) -> Vec<(&'static str, String)> {
    use motcua_domain::dossier::ApplicantKind;
    match &a.kind {
        ApplicantKind::Citizen => vec![(
            "Số định danh cá nhân",
            a.id_number.clone().unwrap_or_default(),
        )],
        ApplicantKind::Foreigner {
            passport,
            nationality,
        } => vec![
            ("Số hộ chiếu", passport.clone()),
            ("Quốc tịch", nationality.clone()),
        ],
        ApplicantKind::Organisation {
            tax_code,
            legal_representative,
        } => vec![
            ("Mã số thuế", tax_code.clone()),
            (
                "Người đại diện theo pháp luật",
                legal_representative.clone(),
            ),
        ],
    }
}

fn long_time(t: Option<Instant>) -> String {
    t.map(|t| {
        to_local(t)
            .format("%H giờ %M phút, ngày %d tháng %m năm %Y")
            .to_string()
    })
    .unwrap_or_default()
}

/// What form 01's QR code opens: the lookup page, with the secret on the applicant's own receipt
/// (a phone's camera is all it takes), with the code alone on a masked copy.
fn lookup_address(public_url: &str, code: &str, secret: Option<&str>) -> String {
    match secret {
        Some(s) => format!(
            "{public_url}/tra-cuu?code={}&secret={}",
            percent(code),
            percent(s)
        ),
        None => format!("{public_url}/tra-cuu?code={}", percent(code)),
    }
}

/// GET /can-bo/ho-so/{id}/phieu-tiep-nhan: form 01, to print, with a QR code of the lookup address.
pub async fn receipt(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let public_url = app.settings.public_url.trim_end_matches('/').to_owned();
    let (d, (unit_name, level), secret, (competent_name, return_name)) =
        write_tx(&app, move |tx| {
            let (mut d, access) = access::load_visible(tx, &staff, id)?;
            let secret = if access.personal {
                access::log_view(tx, staff.id, id, "receipt form 01")?;
                let public = crate::public::service::access(tx, id)?;
                motcua_store::public_access::grouped(&public.secret)
            } else {
                d.applicant = access::masked(&d.applicant);
                "****-****-****".to_owned()
            };
            let unit = org::get_unit(tx, &d.unit)?;
            let competent = match &d.competent {
                Some(c) => org::get_unit(tx, c)?.name,
                None => String::new(),
            };
            let back = match &d.return_unit {
                Some(c) => org::get_unit(tx, c)?.name,
                None => unit.name.clone(),
            };
            Ok((d, (unit.name, unit.level), secret, (competent, back)))
        })
        .await?;
    let code = d.code.clone().ok_or_else(|| {
        ApiError::not_found(
            "Hồ sơ chưa được tiếp nhận",
            "The dossier has not been received",
        )
    })?;
    let lookup = lookup_address(
        &public_url,
        &code,
        Some(secret.as_str()).filter(|s| !s.contains('*')),
    );
    let qr = qrcode::QrCode::new(lookup.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(120, 120)
                .build()
        })
        .unwrap_or_default();
    html(&ReceiptPage {
        id,
        head: crate::http::page::PrintHead::desk(
            &unit_name,
            level,
            &crate::documents::service::place_of(&unit_name),
            d.received_at.map_or_else(today, |t| to_local(t).date()),
        ),
        unit_name,
        qr,
        applicant: d.applicant.full_name.clone(),
        identity: identity(&d.applicant),
        representative: d
            .applicant
            .representative
            .as_ref()
            .map(|r| {
                format!(
                    "{}{} ({})",
                    r.full_name,
                    r.id_number
                        .as_deref()
                        .map(|i| format!(", {i}"))
                        .unwrap_or_default(),
                    r.authorisation
                )
            })
            .unwrap_or_default(),
        phone: d.applicant.phone.clone(),
        address: d.applicant.address.clone().unwrap_or_default(),
        procedure: d.procedure.name.clone(),
        papers: d
            .papers
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.kind.map_or("", |k| k.label_vi()),
                    p.copies,
                )
            })
            .collect(),
        missing: d
            .missing_papers
            .iter()
            .map(|m| (m.name.clone(), m.reason.clone()))
            .collect(),
        condition: d.condition.clone().unwrap_or_default(),
        received: long_time(d.received_at),
        appointment: long_time(d.appointment()),
        legal_basis: basis_of(&d),
        code,
        secret,
        competent_name,
        return_name,
    })
}

/// The printable forms a dossier has: (path key, label).
pub fn printable(d: &Dossier) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![];
    if !d.supplements.is_empty() {
        out.push(("02", "In phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02)"));
    }
    if d.refusal.is_some() {
        out.push(("03", "In phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03)"));
    }
    if d.apology.is_some() {
        out.push((
            "04",
            "In phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)",
        ));
    }
    if forms::stop_notice(d).is_some() {
        out.push(("05", "In thông báo dừng giải quyết hồ sơ (mẫu 05)"));
    }
    if !d.steps.is_empty() {
        out.push(("kiem-soat", "In phiếu kiểm soát quá trình giải quyết hồ sơ"));
    }
    out
}

/// A printed form: its number, title, labelled lines, a table (headers, rows), who signs, and the
/// agency in whose name it is issued.
struct FormParts {
    number: Option<&'static str>,
    title: &'static str,
    lines: Vec<(&'static str, String)>,
    headers: Vec<&'static str>,
    table: Vec<Vec<String>>,
    signer: &'static str,
    issuer: Option<String>,
}

#[derive(Template)]
#[template(path = "dossiers/form.html")]
struct FormPage {
    id: i64,
    head: crate::http::page::PrintHead,
    /// "Nơi nhận" lines (none for the control sheet).
    recipients: Vec<&'static str>,
    number: String,
    title: &'static str,
    code: String,
    lines: Vec<(&'static str, String)>,
    headers: Vec<&'static str>,
    table: Vec<Vec<String>>,
    legal_basis: String,
    signer: &'static str,
}

/// GET /can-bo/ho-so/{id}/mau/{form}: forms 02, 03, 04, 05 and the control sheet, to print, with
/// the form numbers and legal basis in force when the dossier was received.
pub async fn print_form(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, form)): Path<(i64, String)>,
) -> Result<Html<String>, PageError> {
    let (d, units, people) = write_tx(&app, move |tx| {
        let (mut d, access) = access::load_visible(tx, &staff, id)?;
        if access.personal {
            access::log_view(tx, staff.id, id, "printed form")?;
        } else {
            d.applicant = access::masked(&d.applicant);
        }
        let people: std::collections::HashMap<i64, String> = org::list_staff(tx)?
            .into_iter()
            .map(|s| (s.id, s.full_name))
            .collect();
        Ok((d, org::units(tx)?, people))
    })
    .await?;
    let name = |c: &str| {
        units
            .iter()
            .find(|u| u.code == c)
            .map_or(c.to_owned(), |u| u.name.clone())
    };
    let person = |a: &Actor| match a {
        Actor::Staff { id }
        | Actor::Import {
            staff: Some(id), ..
        } => people.get(id).cloned().unwrap_or_else(|| format!("#{id}")),
        Actor::Applicant => d.applicant.full_name.clone(),
        Actor::System | Actor::Import { staff: None, .. } => String::new(),
    };
    let missing = || {
        PageError::from(ApiError::not_found(
            "Hồ sơ không có phiếu này",
            "This dossier has no such form",
        ))
    };
    let basis = d.legal_basis();
    let applicant = ("Kính gửi ông/bà", d.applicant.full_name.clone());
    let procedure = ("Thủ tục", d.procedure.name.clone());
    let parts = match form.as_str() {
        "02" => {
            let s = d.supplements.last().ok_or_else(missing)?;
            FormParts {
                number: basis.forms.supplement,
                title: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
                lines: vec![
                    applicant,
                    procedure,
                    ("Ngày yêu cầu", when(Some(s.at))),
                    ("Lý do", s.reason.clone()),
                    (
                        "Đề nghị ông/bà bổ sung, hoàn thiện những nội dung sau (yêu cầu một lần, đầy đủ)",
                        String::new(),
                    ),
                ],
                headers: vec!["STT", "Nội dung cần bổ sung, hoàn thiện"],
                table: s
                    .items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| vec![(i + 1).to_string(), x.clone()])
                    .collect(),
                signer: "NGƯỜI HƯỚNG DẪN",
                issuer: None,
            }
        }
        "03" => FormParts {
            number: basis.forms.refusal,
            title: "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
            lines: vec![
                applicant,
                procedure,
                ("Lý do từ chối", d.refusal.clone().ok_or_else(missing)?),
            ],
            headers: vec![],
            table: vec![],
            signer: "NGƯỜI TIẾP NHẬN",
            issuer: None,
        },
        "04" => {
            let a = forms::apology_letter(&d).ok_or_else(missing)?;
            // Circular 03/2025 (the form set with a stop notice) renamed form 04.
            let circular_03 = basis.forms.stop_notice.is_some();
            FormParts {
                number: a.form,
                title: if circular_03 {
                    "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"
                } else {
                    "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
                },
                lines: vec![
                    applicant,
                    procedure,
                    ("Ngày tiếp nhận hồ sơ", when(a.received_at)),
                    ("Ngày hẹn trả kết quả trước đây", when(a.due)),
                    ("Lý do chậm trả kết quả", a.reason.clone()),
                    (
                        "Cơ quan xin lỗi ông/bà và hẹn lại ngày trả kết quả",
                        when(Some(a.new_appointment)),
                    ),
                    ("Ngày phát hành", when(Some(a.issued_at))),
                ],
                headers: vec![],
                table: vec![],
                signer: "THỦ TRƯỞNG CƠ QUAN",
                issuer: Some(name(&a.agency)),
            }
        }
        "05" => {
            let n = forms::stop_notice(&d).ok_or_else(missing)?;
            FormParts {
                number: Some(n.form),
                title: "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
                lines: vec![
                    applicant,
                    ("Thủ tục", n.procedure_name.clone()),
                    ("Ngày tiếp nhận hồ sơ", when(n.received_at)),
                    (
                        "Theo đề nghị của ông/bà, cơ quan dừng giải quyết hồ sơ từ",
                        when(Some(n.stopped_at)),
                    ),
                    ("Lý do", n.reason.clone()),
                ],
                headers: vec![],
                table: vec![],
                signer: "NGƯỜI TIẾP NHẬN",
                issuer: Some(name(&n.unit)),
            }
        }
        "kiem-soat" => FormParts {
            number: basis.forms.control_sheet,
            title: "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
            lines: vec![
                ("Kèm theo hồ sơ của", d.applicant.full_name.clone()),
                procedure,
                ("Ngày hẹn trả kết quả", when(d.appointment())),
            ],
            headers: vec![
                "Tên cơ quan",
                "Người giao",
                "Người nhận",
                "Thời gian giao, nhận hồ sơ",
                "Kết quả giải quyết (trước, đúng, quá hạn)",
                "Ghi chú",
                "Ký người giao",
                "Ký người nhận",
            ],
            table: forms::control_sheet(&d)
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    // The first row hands the papers from the applicant to the desk.
                    let from = if i == 0 {
                        r.from_unit.clone()
                    } else {
                        name(&r.from_unit)
                    };
                    let signed = if r.signed_electronically {
                        "(xác nhận điện tử)"
                    } else {
                        ""
                    };
                    vec![
                        format!("1. Giao: {from}\n2. Nhận: {}", name(&r.to_unit)),
                        r.handed_by.as_ref().map(&person).unwrap_or_else(|| {
                            if i == 0 {
                                d.applicant.full_name.clone()
                            } else {
                                String::new()
                            }
                        }),
                        r.received_by
                            .map(|id| person(&Actor::Staff { id }))
                            .unwrap_or_default(),
                        when(Some(r.at)),
                        r.result.map_or("", |x| x.label_vi()).to_owned(),
                        r.note.clone().unwrap_or_default(),
                        signed.to_owned(),
                        signed.to_owned(),
                    ]
                })
                .collect(),
            signer: "",
            issuer: None,
        },
        _ => return Err(missing()),
    };
    let code = motcua_domain::dossier::shown_code(d.code.as_deref(), id);
    // A form in an agency's own name (the late agency's apology) is headed by that agency; the
    // others by the receiving unit's one-stop desk.
    let head = match parts.issuer {
        Some(agency) => crate::http::page::PrintHead::new(
            None,
            &agency,
            None,
            &crate::documents::service::place_of(&agency),
            today(),
        ),
        None => {
            let unit = name(&d.unit);
            let place = crate::documents::service::place_of(&unit);
            let level = units
                .iter()
                .find(|u| u.code == d.unit)
                .map_or(motcua_domain::org::UnitLevel::Commune, |u| u.level);
            // The body's name in force on the dossier's date (its reception, or its submission).
            let on = d
                .received_at
                .or(d.submitted_at)
                .map_or_else(today, |t| to_local(t).date());
            let mut head = crate::http::page::PrintHead::desk(&unit, level, &place, on);
            head.place_date = motcua_pdf::place_date(&place, today());
            head
        }
    };
    html(&FormPage {
        id,
        head,
        recipients: if parts.signer.is_empty() {
            vec![]
        } else {
            vec!["Ông/bà có tên trên;", "Lưu: VT."]
        },
        number: parts.number.unwrap_or_default().to_owned(),
        title: parts.title,
        code,
        lines: parts.lines,
        headers: parts.headers,
        table: parts.table,
        legal_basis: basis_of(&d),
        signer: parts.signer,
    })
}

/// The SHA-256 of the n-th paper of a dossier (counted from 1), for a member of staff with the
/// right to the applicant's personal data; the view is logged with `purpose` in the same
/// transaction. A paper without a file, or a dossier the caller may not see, is "no such paper".
fn paper_file(
    tx: &mut dyn motcua_store::Tx,
    staff: &motcua_domain::org::Staff,
    id: i64,
    n: usize,
    purpose: &str,
) -> Result<String, ApiError> {
    let (d, access) = access::load_visible(tx, staff, id)?;
    let hash = n
        .checked_sub(1)
        .and_then(|i| d.papers.get(i))
        .and_then(|p| p.file.clone())
        .ok_or_else(no_paper)?;
    if !access.personal {
        return Err(ApiError::forbidden());
    }
    access::log_view(tx, staff.id, id, purpose)?;
    Ok(hash)
}

fn no_paper() -> ApiError {
    ApiError::not_found("Không có giấy tờ này", "No such paper")
}

/// GET /can-bo/ho-so/{id}/giay-to/{n}: the n-th paper of a dossier as uploaded (PDF or image,
/// shown in the browser), for staff with the right to the applicant's personal data; each opening
/// is logged like any other view of personal data.
pub async fn paper(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, n)): Path<(i64, usize)>,
) -> Result<Response, PageError> {
    let dir = app.settings.files_dir.clone();
    let file = write_tx(&app, move |tx| {
        let hash = paper_file(tx, &staff, id, n, "opened an uploaded paper")?;
        crate::public::service::read_paper(&dir, &hash).ok_or_else(no_paper)
    })
    .await?;
    let (kind, bytes) = file;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, kind),
            (axum::http::header::CONTENT_DISPOSITION, "inline"),
            (axum::http::header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response())
}

/// GET /can-bo/ho-so/{id}/giay-to/{n}/anh-nho: the n-th paper's preview on the dossier page (an
/// image scaled down and cached by its SHA-256, or an icon for a PDF or an image that cannot be
/// previewed). The same rule as the paper itself, and logged the same way: a preview of an
/// identity card is still the card.
pub async fn paper_thumbnail(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, n)): Path<(i64, usize)>,
) -> Result<Response, PageError> {
    let hash = write_tx(&app, move |tx| {
        paper_file(tx, &staff, id, n, "saw an uploaded paper's preview")
    })
    .await?;
    let dir = app.settings.files_dir.clone();
    let preview = crate::app::blocking(move || {
        crate::public::service::paper_preview(&dir, &hash).ok_or_else(no_paper)
    })
    .await?;
    let (kind, bytes) = match preview {
        crate::public::service::Preview::Png(bytes) => ("image/png", bytes),
        crate::public::service::Preview::Icon(svg) => ("image/svg+xml", svg.as_bytes().to_vec()),
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, kind),
            (axum::http::header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_receipt_qr_opens_the_lookup_with_the_secret_only_on_the_applicants_copy() {
        assert_eq!(
            super::lookup_address(
                "https://dvc.example.vn",
                "000.31.00.H15-261203-0001",
                Some("K7QF-2MXA-9TRC")
            ),
            "https://dvc.example.vn/tra-cuu?code=000.31.00.H15-261203-0001&secret=K7QF-2MXA-9TRC"
        );
        assert_eq!(
            super::lookup_address("https://dvc.example.vn", "A B", None),
            "https://dvc.example.vn/tra-cuu?code=A+B"
        );
    }
}
