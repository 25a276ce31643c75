//! Builders for the official forms, from plain input data (strings and dates) that the web layer
//! fills from the store. Forms 01-04 and the control sheet follow Circular 01/2018/TT-VPCP
//! (Decree 61/2018) and Circular 03/2025/TT-VPCP (Decree 118/2025); the caller passes the form
//! number and legal basis of the dossier's rule set.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};

use crate::model::{Align, Block, Column, Document, Header, Meta, Signer, Span, place_date};

/// The issuing unit as printed in the heading.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Unit {
    /// Governing body, e.g. "UBND QUẬN BA ĐÌNH"; optional.
    pub parent: Option<String>,
    /// The unit, e.g. "UBND PHƯỜNG ĐIỆN BIÊN" or "BỘ PHẬN MỘT CỬA".
    pub name: String,
    /// Place name for the date line, e.g. "Ba Đình".
    pub place: String,
}

/// "08 giờ 30 phút, ngày 03/12/2026" (the forms' time format).
pub fn long_time(t: NaiveDateTime) -> String {
    format!(
        "{:02} giờ {:02} phút, ngày {}",
        t.hour(),
        t.minute(),
        t.format("%d/%m/%Y")
    )
}

fn header(unit: &Unit, number: Option<&str>, date: NaiveDate, form: Option<&str>) -> Header {
    Header {
        parent: unit.parent.clone(),
        issuer: unit.name.clone(),
        number: number.filter(|n| !n.is_empty()).map(|n| format!("Số: {n}")),
        place_date: Some(place_date(&unit.place, date)),
        form: form
            .filter(|f| !f.is_empty())
            .map(|f| format!("Mẫu số {f}")),
    }
}

fn meta(title: &str, unit: &Unit, code: &str, created: DateTime<Utc>) -> Meta {
    Meta {
        title: format!("{title} {code}").trim().to_owned(),
        author: unit.name.clone(),
        subject: (!code.is_empty()).then(|| format!("Hồ sơ {code}")),
        created,
    }
}

fn basis(legal_basis: &str) -> Option<Block> {
    (!legal_basis.is_empty()).then(|| Block::Note(format!("Căn cứ: {legal_basis}.")))
}

/// Form 01: receipt and appointment (giấy tiếp nhận hồ sơ và hẹn trả kết quả), with a QR code.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    pub unit: Unit,
    pub form: String,
    pub number: Option<String>,
    pub code: String,
    pub applicant: String,
    pub id_number: String,
    pub phone: String,
    pub address: String,
    pub procedure: String,
    /// (paper name, number of copies).
    pub papers: Vec<(String, u32)>,
    pub received: NaiveDateTime,
    pub appointment: NaiveDateTime,
    /// Where the result is returned, e.g. the unit's counter.
    pub return_place: String,
    pub legal_basis: String,
    pub receiver: Option<String>,
    /// The secret the applicant looks the dossier up and rates it with (None: not printed).
    pub lookup_secret: Option<String>,
    /// What the QR code carries: dossier code, document hash, ledger position (the caller's format).
    pub qr: String,
    /// Document creation time (PDF metadata).
    pub created: DateTime<Utc>,
}

pub fn receipt(r: &Receipt) -> Document {
    let title = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ";
    let mut body = vec![
        Block::Qr {
            payload: r.qr.clone(),
            caption: vec!["Quét mã để tra cứu, xác minh".to_owned()],
        },
        Block::Paragraph {
            spans: vec![
                Span::plain(format!("{} tiếp nhận hồ sơ của: ", r.unit.name)),
                Span::bold(r.applicant.clone()),
            ],
            align: Align::Left,
            indent: false,
        },
        Block::field("Số định danh cá nhân", &r.id_number),
        Block::field("Điện thoại", &r.phone),
        Block::field("Địa chỉ", &r.address),
        Block::field("Nội dung yêu cầu giải quyết", &r.procedure),
        Block::field("Thành phần hồ sơ nộp gồm", ""),
        Block::Table {
            columns: vec![
                Column::new("STT", 1.0, Align::Center),
                Column::new("Tên giấy tờ", 8.0, Align::Left),
                Column::new("Số bản", 1.6, Align::Center),
            ],
            rows: r
                .papers
                .iter()
                .enumerate()
                .map(|(i, (name, n))| vec![(i + 1).to_string(), name.clone(), n.to_string()])
                .collect(),
        },
        Block::field(
            "Số lượng hồ sơ",
            format!("01 bộ, {} giấy tờ", r.papers.len()),
        ),
        Block::field("Thời gian nhận hồ sơ", long_time(r.received)),
        Block::field(
            "Thời gian trả kết quả giải quyết hồ sơ",
            long_time(r.appointment),
        ),
        Block::field("Nhận kết quả tại", &r.return_place),
    ];
    if let Some(secret) = &r.lookup_secret {
        body.push(Block::field("Mã tra cứu", secret));
    }
    body.push(Block::text(
        "Vào sổ theo dõi hồ sơ, Quyển số: ..... Số thứ tự: ..... Tra cứu tình trạng hồ sơ, đánh giá \
         việc giải quyết bằng mã hồ sơ và mã tra cứu.",
    ));
    body.extend(basis(&r.legal_basis));
    Document {
        header: header(
            &r.unit,
            r.number.as_deref(),
            r.received.date(),
            Some(&r.form),
        ),
        title: title.to_owned(),
        subtitle: vec![format!("Mã hồ sơ: {}", r.code)],
        body,
        signers: vec![
            Signer::new("NGƯỜI NỘP HỒ SƠ", Some(&r.applicant)),
            Signer::new("NGƯỜI TIẾP NHẬN HỒ SƠ", r.receiver.as_deref()),
        ],
        recipients: vec![],
        meta: meta(title, &r.unit, &r.code, r.created),
        landscape: false,
    }
}

/// What forms 02, 03 and 04 share: who and what the dossier is.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierRef {
    pub unit: Unit,
    pub form: String,
    pub number: Option<String>,
    pub code: String,
    pub applicant: String,
    pub procedure: String,
    pub legal_basis: String,
    pub created: DateTime<Utc>,
}

/// Form 02: request to supplement and complete the dossier (phiếu yêu cầu bổ sung, hoàn thiện).
#[derive(Debug, Clone, PartialEq)]
pub struct Guidance {
    pub dossier: DossierRef,
    pub date: NaiveDate,
    pub reason: String,
    /// What to add or correct, all at once.
    pub items: Vec<String>,
    pub guide: Option<String>,
}

pub fn guidance(g: &Guidance) -> Document {
    let d = &g.dossier;
    let title = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ";
    let mut body = vec![
        Block::field("Kính gửi ông/bà", &d.applicant),
        Block::field("Mã hồ sơ", &d.code),
        Block::field("Thủ tục", &d.procedure),
        Block::field("Lý do", &g.reason),
        Block::text(
            "Sau khi xem xét thành phần hồ sơ, đề nghị ông/bà bổ sung, hoàn thiện hồ sơ gồm những nội dung \
             sau (yêu cầu một lần, đầy đủ):",
        ),
        Block::Table {
            columns: vec![
                Column::new("STT", 1.0, Align::Center),
                Column::new("Nội dung cần bổ sung, hoàn thiện", 9.0, Align::Left),
            ],
            rows: g
                .items
                .iter()
                .enumerate()
                .map(|(i, x)| vec![(i + 1).to_string(), x.clone()])
                .collect(),
        },
        Block::text(
            "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ với Bộ phận Một cửa để được \
             hướng dẫn.",
        ),
    ];
    body.extend(basis(&d.legal_basis));
    Document {
        header: header(&d.unit, d.number.as_deref(), g.date, Some(&d.form)),
        title: title.to_owned(),
        subtitle: vec![],
        body,
        signers: vec![Signer::new("NGƯỜI HƯỚNG DẪN", g.guide.as_deref())],
        recipients: vec![],
        meta: meta(title, &d.unit, &d.code, d.created),
        landscape: false,
    }
}

/// Form 03: refusal to receive the dossier (phiếu từ chối tiếp nhận giải quyết hồ sơ).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub dossier: DossierRef,
    pub date: NaiveDate,
    pub reason: String,
    pub receiver: Option<String>,
}

pub fn refusal(r: &Refusal) -> Document {
    let d = &r.dossier;
    let title = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ";
    let mut body = vec![
        Block::field("Kính gửi ông/bà", &d.applicant),
        Block::field("Mã hồ sơ", &d.code),
        Block::field("Thủ tục", &d.procedure),
        Block::text(format!(
            "Qua xem xét, {} không tiếp nhận giải quyết hồ sơ này với lý do sau:",
            d.unit.name
        )),
        Block::Paragraph {
            spans: vec![Span::bold(r.reason.clone())],
            align: Align::Justify,
            indent: true,
        },
        Block::text("Xin thông báo để ông/bà được biết và thực hiện."),
    ];
    body.extend(basis(&d.legal_basis));
    Document {
        header: header(&d.unit, d.number.as_deref(), r.date, Some(&d.form)),
        title: title.to_owned(),
        subtitle: vec![],
        body,
        signers: vec![Signer::new("NGƯỜI TIẾP NHẬN HỒ SƠ", r.receiver.as_deref())],
        recipients: vec![],
        meta: meta(title, &d.unit, &d.code, d.created),
        landscape: false,
    }
}

/// Form 04: apology and new appointment (phiếu xin lỗi và hẹn lại ngày trả kết quả); under Decree
/// 118/2025 the letter also asks for an extension.
#[derive(Debug, Clone, PartialEq)]
pub struct Apology {
    pub dossier: DossierRef,
    pub date: NaiveDate,
    pub received: NaiveDateTime,
    pub previous_appointment: NaiveDateTime,
    pub reason: String,
    pub new_appointment: NaiveDateTime,
    /// Decree 118/2025 wording: "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết".
    pub extension: bool,
    /// Signer's position lines, e.g. "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH".
    pub signer_title: String,
    pub signer: Option<String>,
    pub recipients: Vec<String>,
}

pub fn apology(a: &Apology) -> Document {
    let d = &a.dossier;
    let title = if a.extension {
        "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"
    } else {
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
    };
    let mut body = vec![
        Block::field("Kính gửi ông/bà", &d.applicant),
        Block::Paragraph {
            spans: vec![
                Span::plain(format!(
                    "Ngày {}, {} tiếp nhận giải quyết hồ sơ mã số ",
                    a.received.format("%d/%m/%Y"),
                    d.unit.name
                )),
                Span::bold(d.code.clone()),
                Span::plain(format!(" của ông/bà về thủ tục {}.", d.procedure)),
            ],
            align: Align::Justify,
            indent: true,
        },
        Block::Paragraph {
            spans: vec![Span::plain(format!(
                "Thời hạn trả kết quả giải quyết hồ sơ theo giấy tiếp nhận là {}. Tuy nhiên, đến nay cơ quan \
                 chưa trả kết quả giải quyết hồ sơ cho ông/bà đúng hạn ghi trên giấy tiếp nhận với lý do: {}",
                long_time(a.previous_appointment),
                a.reason
            ))],
            align: Align::Justify,
            indent: true,
        },
        Block::Paragraph {
            spans: vec![
                Span::plain(
                    "Sự chậm trễ này đã gây phiền hà cho ông/bà. Cơ quan xin lỗi ông/bà và hẹn lại thời gian trả \
                     kết quả: ",
                ),
                Span::bold(long_time(a.new_appointment)),
                Span::plain("."),
            ],
            align: Align::Justify,
            indent: true,
        },
        Block::Paragraph {
            spans: vec![Span::plain("Rất mong nhận được sự thông cảm của ông/bà.")],
            align: Align::Justify,
            indent: true,
        },
    ];
    body.extend(basis(&d.legal_basis));
    Document {
        header: header(&d.unit, d.number.as_deref(), a.date, Some(&d.form)),
        title: title.to_owned(),
        subtitle: vec![],
        body,
        signers: vec![Signer {
            title: a.signer_title.lines().map(str::to_owned).collect(),
            note: Some("(Ký, ghi rõ họ tên, đóng dấu)".to_owned()),
            name: a.signer.clone(),
        }],
        recipients: a.recipients.clone(),
        meta: meta(title, &d.unit, &d.code, d.created),
        landscape: false,
    }
}

/// One hand-over in the control sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlStep {
    /// The unit handing over (giao) and the one receiving (nhận).
    pub from: String,
    pub to: String,
    /// When it was handed over, as printed ("08 giờ 30 phút, ngày 03/12/2026").
    pub at: String,
    /// "Trước hạn", "Đúng hạn", "Quá hạn" or empty.
    pub result: String,
    pub note: String,
}

/// The control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ): form 05 (Decree 61) or 06 (118).
#[derive(Debug, Clone, PartialEq)]
pub struct ControlSheet {
    pub dossier: DossierRef,
    pub date: NaiveDate,
    pub appointment: NaiveDateTime,
    pub steps: Vec<ControlStep>,
}

pub fn control_sheet(c: &ControlSheet) -> Document {
    let d = &c.dossier;
    let title = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ";
    let mut body = vec![
        Block::field("Kèm theo hồ sơ của", &d.applicant),
        Block::field("Mã hồ sơ", &d.code),
        Block::field("Thủ tục", &d.procedure),
        Block::field("Ngày hẹn trả kết quả", long_time(c.appointment)),
        Block::Table {
            columns: vec![
                Column::new("Tên cơ quan", 4.0, Align::Left),
                Column::new("Thời gian giao, nhận hồ sơ", 3.0, Align::Left),
                Column::new(
                    "Kết quả giải quyết hồ sơ (Trước hạn/ đúng hạn/ quá hạn)",
                    2.6,
                    Align::Center,
                ),
                Column::new("Ghi chú", 2.0, Align::Left),
            ],
            rows: c
                .steps
                .iter()
                .map(|s| {
                    vec![
                        format!("1. Giao: {}\n2. Nhận: {}", s.from, s.to),
                        s.at.clone(),
                        s.result.clone(),
                        s.note.clone(),
                    ]
                })
                .collect(),
        },
    ];
    body.extend(basis(&d.legal_basis));
    Document {
        header: header(&d.unit, d.number.as_deref(), c.date, Some(&d.form)),
        title: title.to_owned(),
        subtitle: vec![],
        body,
        signers: vec![],
        recipients: vec![],
        meta: meta(title, &d.unit, &d.code, d.created),
        landscape: false,
    }
}

/// One line of the register: one dossier.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RegisterLine {
    pub code: String,
    pub procedure: String,
    pub applicant: String,
    /// Address or phone number.
    pub contact: String,
    pub handler: String,
    pub received: String,
    pub appointment: String,
    pub returned: String,
    pub note: String,
}

/// The register of dossiers (sổ theo dõi hồ sơ), A4 landscape, one line per dossier.
#[derive(Debug, Clone, PartialEq)]
pub struct Register {
    pub unit: Unit,
    pub form: Option<String>,
    /// e.g. "Từ ngày 01/11/2026 đến ngày 30/11/2026".
    pub period: String,
    pub date: NaiveDate,
    pub lines: Vec<RegisterLine>,
    pub created: DateTime<Utc>,
}

pub fn register(r: &Register) -> Document {
    let title = "SỔ THEO DÕI HỒ SƠ";
    Document {
        header: header(&r.unit, None, r.date, r.form.as_deref()),
        title: title.to_owned(),
        subtitle: vec![r.period.clone()],
        body: vec![Block::Table {
            columns: vec![
                Column::new("STT", 1.0, Align::Center),
                Column::new("Mã hồ sơ", 2.9, Align::Left),
                Column::new("Tên thủ tục hành chính", 3.6, Align::Left),
                Column::new("Tên cá nhân, tổ chức", 2.3, Align::Left),
                Column::new("Địa chỉ, số điện thoại", 2.3, Align::Left),
                Column::new("Cơ quan chủ trì giải quyết", 2.2, Align::Left),
                Column::new("Nhận hồ sơ", 2.0, Align::Center),
                Column::new("Hẹn trả kết quả", 2.0, Align::Center),
                Column::new("Trả kết quả", 2.0, Align::Center),
                Column::new("Ghi chú", 1.6, Align::Left),
            ],
            rows: r
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    vec![
                        (i + 1).to_string(),
                        l.code.clone(),
                        l.procedure.clone(),
                        l.applicant.clone(),
                        l.contact.clone(),
                        l.handler.clone(),
                        l.received.clone(),
                        l.appointment.clone(),
                        l.returned.clone(),
                        l.note.clone(),
                    ]
                })
                .collect(),
        }],
        signers: vec![],
        recipients: vec![],
        meta: meta(title, &r.unit, "", r.created),
        landscape: true,
    }
}

/// A shortcoming of the inspection: (heading, [(finding, [units])]).
pub type Shortcoming = (String, Vec<(String, Vec<String>)>);

/// The inspection team's conclusion notice (thông báo kết luận kiểm tra).
#[derive(Debug, Clone, PartialEq)]
pub struct ConclusionNotice {
    /// The body that set up the team, e.g. "UBND TỈNH ..." (parent line of the heading).
    pub issuer: String,
    /// The team line, e.g. "ĐOÀN KIỂM TRA".
    pub team: String,
    pub number: Option<String>,
    pub place: String,
    pub date: NaiveDate,
    /// e.g. "Kết luận kiểm tra công tác cải cách hành chính năm 2026".
    pub title: String,
    pub grounds: Vec<String>,
    pub inspected: Vec<String>,
    pub strengths: Vec<String>,
    pub shortcomings: Vec<Shortcoming>,
    pub requests: Vec<String>,
    pub signer: Option<String>,
    pub recipients: Vec<String>,
    pub created: DateTime<Utc>,
}

pub fn conclusion_notice(n: &ConclusionNotice) -> Document {
    let unit = Unit {
        parent: Some(n.issuer.clone()),
        name: n.team.clone(),
        place: n.place.clone(),
    };
    let mut body = vec![Block::Paragraph {
        spans: vec![Span::plain("Căn cứ:")],
        align: Align::Left,
        indent: true,
    }];
    body.extend(n.grounds.iter().map(|g| Block::Bullet(g.clone())));
    body.extend(n.inspected.iter().map(|p| Block::Paragraph {
        spans: vec![Span::plain(p.clone())],
        align: Align::Justify,
        indent: true,
    }));
    body.push(Block::Heading("I. ƯU ĐIỂM".into()));
    if n.strengths.is_empty() {
        body.push(Block::text(
            "Các đơn vị đã triển khai nhiệm vụ cải cách hành chính theo kế hoạch.",
        ));
    }
    body.extend(n.strengths.iter().map(|s| Block::Bullet(s.clone())));
    body.push(Block::Heading("II. TỒN TẠI, HẠN CHẾ".into()));
    for (area, items) in &n.shortcomings {
        body.push(Block::Paragraph {
            spans: vec![Span::italic(area.clone())],
            align: Align::Left,
            indent: false,
        });
        body.extend(
            items
                .iter()
                .map(|(finding, units)| Block::Bullet(format!("{finding}: {}.", units.join("; ")))),
        );
    }
    body.push(Block::Heading("III. YÊU CẦU".into()));
    body.extend(n.requests.iter().map(|r| Block::Bullet(r.clone())));
    Document {
        header: header(&unit, n.number.as_deref(), n.date, None),
        title: "THÔNG BÁO".into(),
        subtitle: vec![n.title.clone()],
        body,
        signers: vec![Signer {
            title: vec!["TRƯỞNG ĐOÀN".into()],
            note: None,
            name: n.signer.clone(),
        }],
        recipients: n.recipients.clone(),
        meta: Meta {
            title: format!("Thông báo: {}", n.title),
            author: n.team.clone(),
            subject: None,
            created: n.created,
        },
        landscape: false,
    }
}

/// A document attached to an electronic result: its name, pages, and SHA-256.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultItem {
    pub name: String,
    pub pages: u32,
    pub sha256: String,
}

/// The cover of an electronic result, or of an electronic certified copy (bản sao điện tử được
/// chứng thực từ bản chính, Decree 45/2020 art. 21 and Decree 23/2015): what was issued, to whom,
/// the hashes of the attached files, the certification statement and a verification QR.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultCover {
    pub unit: Unit,
    pub number: Option<String>,
    pub date: NaiveDate,
    pub code: String,
    /// e.g. "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" or "BẢN SAO ĐIỆN TỬ ĐƯỢC CHỨNG THỰC TỪ BẢN CHÍNH".
    pub title: String,
    pub applicant: String,
    pub procedure: String,
    pub items: Vec<ResultItem>,
    /// e.g. "Chứng thực bản sao đúng với bản chính."; empty for a plain result.
    pub certification: String,
    pub signer_title: String,
    pub signer: Option<String>,
    pub qr: String,
    pub recipients: Vec<String>,
    pub created: DateTime<Utc>,
}

pub fn result_cover(r: &ResultCover) -> Document {
    let mut body = vec![
        Block::Qr {
            payload: r.qr.clone(),
            caption: vec!["Quét mã để xác minh văn bản".to_owned()],
        },
        Block::field("Cấp cho ông/bà", &r.applicant),
        Block::field("Thủ tục", &r.procedure),
        Block::field("Văn bản kèm theo", ""),
        Block::Table {
            columns: vec![
                Column::new("STT", 0.9, Align::Center),
                Column::new("Tên văn bản, giấy tờ", 5.0, Align::Left),
                Column::new("Số trang", 1.3, Align::Center),
                Column::new("Mã băm SHA-256", 5.2, Align::Left),
            ],
            rows: r
                .items
                .iter()
                .enumerate()
                .map(|(i, it)| {
                    vec![
                        (i + 1).to_string(),
                        it.name.clone(),
                        it.pages.to_string(),
                        it.sha256.clone(),
                    ]
                })
                .collect(),
        },
    ];
    if !r.certification.is_empty() {
        body.push(Block::Paragraph {
            spans: vec![Span::bold(r.certification.clone())],
            align: Align::Left,
            indent: true,
        });
    }
    body.push(Block::text(
        "Văn bản điện tử này có giá trị pháp lý như bản giấy khi chữ ký số hợp lệ và mã băm trùng khớp \
         với sổ cái của hệ thống.",
    ));
    Document {
        header: header(&r.unit, r.number.as_deref(), r.date, None),
        title: r.title.clone(),
        subtitle: vec![format!("Mã hồ sơ: {}", r.code)],
        body,
        signers: vec![Signer {
            title: r.signer_title.lines().map(str::to_owned).collect(),
            note: Some("(Ký số)".to_owned()),
            name: r.signer.clone(),
        }],
        recipients: r.recipients.clone(),
        meta: meta(&r.title, &r.unit, &r.code, r.created),
        landscape: false,
    }
}
