//! The printable forms of a dossier: the receipt and appointment (form 01) with its code as a QR
//! code, forms 02, 03, 04 and the control sheet.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use motcua_domain::dossier::{Dossier, Instant, to_local};
use motcua_store::org;

use crate::access;
use crate::app::AppState;
use crate::app::write_tx;
use crate::auth::StaffPage;
use crate::http::ApiError;
use crate::http::PageError;
use crate::http::format::when;
use crate::i18n::filters;

use crate::http::page::render as html;
#[derive(Template)]
#[template(path = "dossiers/receipt.html")]
struct ReceiptPage {
    id: i64,
    unit_name: String,
    code: String,
    qr: String,
    applicant: String,
    id_number: String,
    phone: String,
    address: String,
    procedure: String,
    papers: Vec<(String, u32)>,
    received: String,
    appointment: String,
    legal_basis: &'static str,
    /// The secret for the public lookup and rating (for staff who see the applicant's data).
    secret: String,
}

fn long_time(t: Option<Instant>) -> String {
    t.map(|t| {
        to_local(t)
            .format("%H giờ %M phút, ngày %d tháng %m năm %Y")
            .to_string()
    })
    .unwrap_or_default()
}

/// GET /can-bo/ho-so/{id}/phieu-tiep-nhan: form 01, to print, with the code as a QR code.
pub async fn receipt(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let (d, unit_name, secret) = write_tx(&app, move |tx| {
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
        Ok((d, unit.name, secret))
    })
    .await?;
    let code = d.code.clone().ok_or_else(|| {
        ApiError::not_found(
            "Hồ sơ chưa được tiếp nhận",
            "The dossier has not been received",
        )
    })?;
    let qr = qrcode::QrCode::new(code.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(120, 120)
                .build()
        })
        .unwrap_or_default();
    html(&ReceiptPage {
        id,
        unit_name,
        qr,
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
        received: long_time(d.received_at),
        appointment: long_time(d.appointment()),
        legal_basis: d.rule_set.map_or("", |r| r.legal_basis()),
        code,
        secret,
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
    if !d.steps.is_empty() {
        out.push(("kiem-soat", "In phiếu kiểm soát quá trình giải quyết hồ sơ"));
    }
    out
}

/// What a printed form shows: number, title, labelled lines, a table (headers, rows), who signs.
type FormParts = (
    &'static str,
    &'static str,
    Vec<(&'static str, String)>,
    Vec<&'static str>,
    Vec<Vec<String>>,
    &'static str,
);

#[derive(Template)]
#[template(path = "dossiers/form.html")]
struct FormPage {
    id: i64,
    unit_name: String,
    number: &'static str,
    title: &'static str,
    code: String,
    lines: Vec<(&'static str, String)>,
    headers: Vec<&'static str>,
    table: Vec<Vec<String>>,
    legal_basis: &'static str,
    signer: &'static str,
}

/// GET /can-bo/ho-so/{id}/mau/{form}: forms 02, 03, 04 and the control sheet, to print.
pub async fn print_form(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, form)): Path<(i64, String)>,
) -> Result<Html<String>, PageError> {
    let (d, units) = write_tx(&app, move |tx| {
        let (mut d, access) = access::load_visible(tx, &staff, id)?;
        if access.personal {
            access::log_view(tx, staff.id, id, "printed form")?;
        } else {
            d.applicant = access::masked(&d.applicant);
        }
        Ok((d, org::units(tx)?))
    })
    .await?;
    let name = |c: &str| {
        units
            .iter()
            .find(|u| u.code == c)
            .map_or(c.to_owned(), |u| u.name.clone())
    };
    let missing = || {
        PageError::from(ApiError::not_found(
            "Hồ sơ không có phiếu này",
            "This dossier has no such form",
        ))
    };
    let applicant = ("Kính gửi ông/bà", d.applicant.full_name.clone());
    let procedure = ("Thủ tục", d.procedure.name.clone());
    let nd118 = d.rule_set == Some(motcua_domain::dossier::RuleSet::Nd118_2025);
    let (number, title, lines, headers, table, signer): FormParts = match form.as_str() {
        "02" => {
            let s = d.supplements.last().ok_or_else(missing)?;
            (
                "02",
                "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
                vec![
                    applicant,
                    procedure,
                    ("Ngày yêu cầu", when(Some(s.at))),
                    ("Lý do", s.reason.clone()),
                    (
                        "Đề nghị ông/bà bổ sung, hoàn thiện những nội dung sau (yêu cầu một lần, đầy đủ)",
                        String::new(),
                    ),
                ],
                vec!["STT", "Nội dung cần bổ sung, hoàn thiện"],
                s.items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| vec![(i + 1).to_string(), x.clone()])
                    .collect(),
                "NGƯỜI HƯỚNG DẪN",
            )
        }
        "03" => (
            "03",
            "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
            vec![
                applicant,
                procedure,
                ("Lý do từ chối", d.refusal.clone().ok_or_else(missing)?),
            ],
            vec![],
            vec![],
            "NGƯỜI TIẾP NHẬN",
        ),
        "04" => {
            let a = d.apology.as_ref().ok_or_else(missing)?;
            (
                "04",
                if nd118 {
                    "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"
                } else {
                    "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
                },
                vec![
                    applicant,
                    procedure,
                    ("Ngày tiếp nhận hồ sơ", when(d.received_at)),
                    ("Ngày hẹn trả kết quả trước đây", when(d.due)),
                    ("Lý do chậm trả kết quả", a.reason.clone()),
                    (
                        "Cơ quan xin lỗi ông/bà và hẹn lại ngày trả kết quả",
                        when(Some(a.new_appointment)),
                    ),
                ],
                vec![],
                vec![],
                "THỦ TRƯỞNG CƠ QUAN",
            )
        }
        "kiem-soat" => (
            d.rule_set.map_or("05", |r| r.control_sheet_form()),
            "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
            vec![
                ("Kèm theo hồ sơ của", d.applicant.full_name.clone()),
                procedure,
                ("Ngày hẹn trả kết quả", when(d.appointment())),
            ],
            vec![
                "Tên cơ quan",
                "Thời gian giao, nhận hồ sơ",
                "Kết quả giải quyết (trước, đúng, quá hạn)",
            ],
            d.steps
                .iter()
                .map(|s| {
                    vec![
                        format!(
                            "1. Giao: {}\n2. Nhận: {}",
                            name(&s.unit),
                            s.handed_to.as_deref().map(name).unwrap_or_default()
                        ),
                        when(s.finished_at),
                        s.result.map_or("", |r| r.label_vi()).to_owned(),
                    ]
                })
                .collect(),
            "",
        ),
        _ => return Err(missing()),
    };
    let code = motcua_domain::dossier::shown_code(d.code.as_deref(), id);
    html(&FormPage {
        id,
        unit_name: name(&d.unit),
        number,
        title,
        code,
        lines,
        headers,
        table,
        legal_basis: d.rule_set.map_or("", |r| r.legal_basis()),
        signer,
    })
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
        let (d, access) = access::load_visible(tx, &staff, id)?;
        let missing = || ApiError::not_found("Không có giấy tờ này", "No such paper");
        let hash = n
            .checked_sub(1)
            .and_then(|i| d.papers.get(i))
            .and_then(|p| p.file.clone())
            .ok_or_else(missing)?;
        if !access.personal {
            return Err(ApiError::forbidden());
        }
        access::log_view(tx, staff.id, id, "opened an uploaded paper")?;
        crate::public::service::read_paper(&dir, &hash).ok_or_else(missing)
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
