//! The demo's blank forms (tờ khai): a few civil-status declarations rendered by `motcua-pdf` (not
//! copied files) and attached to the first paper of their procedures' versions through the same
//! code the catalogue keeper's page uses, so the public pages offer the real form for download.
//!
//! Their fields follow the declarations annexed to Circular 04/2020/TT-BTP (the Ministry of
//! Justice's civil-status forms), which secondary sources still give as the forms in use in 2024
//! (Confidence: secondary; the Circular's annex itself was not read). The demo marks each as such.

use anyhow::Result;
use chrono::{DateTime, Utc};
use motcua_pdf::{Align, Block, Document, Header, Meta, Signer, Span};
use motcua_store::blank_forms;
use motcua_web::App;

/// The source each demo form cites.
const SOURCE: &str = "Mẫu tờ khai ban hành kèm theo Thông tư số 04/2020/TT-BTP của Bộ Tư pháp \
                      (bản dựng lại cho dữ liệu mô phỏng, đối chiếu với văn bản gốc trước khi dùng).";

/// A label and a dotted line to fill in, the dots up to the end of the line (an ellipsis is about
/// two average letters wide in Times at 13 pt; a line holds about 80 letters).
fn line(label: &str) -> Block {
    let room = 78usize.saturating_sub(label.chars().count() + 2).max(8);
    Block::field(format!("{label}: {}", "…".repeat(room * 10 / 22)), "")
}

/// (procedure code, file name, title, the body's blocks).
fn forms() -> Vec<(&'static str, &'static str, &'static str, Vec<Block>)> {
    let intro = |request: &str| {
        vec![
            line("Kính gửi (1)"),
            line("Họ, chữ đệm, tên người yêu cầu"),
            line("Nơi cư trú (2)"),
            line("Giấy tờ tùy thân (3)"),
            Block::text(request),
        ]
    };
    let mut birth = intro("Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:");
    birth.extend([
        line("Họ, chữ đệm, tên"),
        line("Ngày, tháng, năm sinh; ghi bằng chữ"),
        line("Giới tính; Dân tộc; Quốc tịch"),
        line("Nơi sinh (4)"),
        line("Quê quán"),
        line("Họ, chữ đệm, tên người mẹ"),
        line("Năm sinh (5); Dân tộc; Quốc tịch"),
        line("Nơi cư trú (2)"),
        line("Họ, chữ đệm, tên người cha"),
        line("Năm sinh (5); Dân tộc; Quốc tịch"),
        line("Nơi cư trú (2)"),
        line("Quan hệ với người được khai sinh"),
    ]);
    let mut marriage = vec![line("Kính gửi (1)")];
    marriage.extend([
        Block::Heading("Thông tin bên nữ".into()),
        line("Họ, chữ đệm, tên"),
        line("Ngày, tháng, năm sinh"),
        line("Dân tộc; Quốc tịch"),
        line("Nơi cư trú (2)"),
        line("Giấy tờ tùy thân (3)"),
        line("Kết hôn lần thứ mấy"),
        Block::Heading("Thông tin bên nam".into()),
        line("Họ, chữ đệm, tên"),
        line("Ngày, tháng, năm sinh"),
        line("Dân tộc; Quốc tịch"),
        line("Nơi cư trú (2)"),
        line("Giấy tờ tùy thân (3)"),
        line("Kết hôn lần thứ mấy"),
        Block::text(
            "Chúng tôi cam đoan những lời khai trên đây là đúng sự thật, việc kết hôn của chúng tôi \
             là tự nguyện, không vi phạm quy định của Luật Hôn nhân và gia đình Việt Nam. Chúng tôi \
             chịu trách nhiệm trước pháp luật về cam đoan của mình.",
        ),
    ]);
    let mut death = intro("Đề nghị cơ quan đăng ký khai tử cho người có tên dưới đây:");
    death.extend([
        line("Họ, chữ đệm, tên"),
        line("Ngày, tháng, năm sinh"),
        line("Giới tính; Dân tộc; Quốc tịch"),
        line("Giấy tờ tùy thân (3)"),
        line("Nơi cư trú cuối cùng (2)"),
        line("Đã chết vào lúc … giờ … phút, ngày … tháng … năm"),
        line("Nơi chết"),
        line("Nguyên nhân chết"),
        line("Số Giấy báo tử / giấy tờ thay thế; do … cấp ngày"),
        line("Quan hệ với người đã chết"),
    ]);
    let promise = Block::text(
        "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước \
         pháp luật về cam đoan của mình.",
    );
    birth.push(promise.clone());
    death.push(promise);
    vec![
        (
            "1.001193",
            "to-khai-dang-ky-khai-sinh.pdf",
            "TỜ KHAI ĐĂNG KÝ KHAI SINH",
            birth,
        ),
        (
            "1.000894",
            "to-khai-dang-ky-ket-hon.pdf",
            "TỜ KHAI ĐĂNG KÝ KẾT HÔN",
            marriage,
        ),
        (
            "1.000656",
            "to-khai-dang-ky-khai-tu.pdf",
            "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
            death,
        ),
    ]
}

fn notes() -> Vec<Block> {
    vec![
        Block::Space(6.0),
        Block::Paragraph {
            spans: vec![Span::italic("Làm tại: …………, ngày …… tháng …… năm ……")],
            align: Align::Right,
            indent: false,
        },
        Block::Note(
            "(1) Tên cơ quan đăng ký hộ tịch. (2) Nơi thường trú, nơi tạm trú hoặc nơi đang sinh \
             sống. (3) Loại giấy tờ, số, cơ quan cấp, ngày cấp. (4) Nơi sinh, ghi theo giấy chứng \
             sinh. (5) Ghi năm sinh khi không có ngày, tháng sinh."
                .into(),
        ),
        Block::Note(SOURCE.into()),
    ]
}

/// One blank form as a PDF/A.
pub fn render(title: &str, body: Vec<Block>, at: DateTime<Utc>) -> Result<Vec<u8>> {
    let mut body = body;
    body.extend(notes());
    let doc = Document {
        header: Header {
            issuer: String::new(),
            ..Header::default()
        },
        title: title.to_owned(),
        subtitle: vec![],
        body,
        signers: vec![Signer {
            title: vec!["NGƯỜI YÊU CẦU".into()],
            note: Some("(Ký, ghi rõ họ, chữ đệm, tên)".into()),
            name: None,
        }],
        recipients: vec![],
        meta: Meta {
            title: title.to_owned(),
            author: "motcua demo".into(),
            subject: Some("Mẫu tờ khai (dữ liệu mô phỏng)".into()),
            created: at,
        },
        landscape: false,
    };
    Ok(motcua_pdf::render(&doc)?)
}

/// Renders the demo's blank forms and attaches each to the first paper of every version of its
/// procedure; returns how many attachments were recorded.
pub fn seed(app: &App, now: DateTime<Utc>) -> Result<usize> {
    let mut count = 0;
    for (code, file_name, title, body) in forms() {
        let bytes = render(title, body, now)?;
        let file =
            motcua_web::catalogue::forms::store_form(&app.settings.files_dir, file_name, &bytes)
                .map_err(|e| anyhow::anyhow!("{} / {}", e.vi, e.en))?;
        count += app.store.write(|tx| {
            let mut n = 0;
            for p in motcua_store::procedures::versions(tx, code)? {
                blank_forms::attach(tx, code, p.version, 1, Some(&file), "demo", now)?;
                n += 1;
            }
            Ok(n)
        })?;
    }
    Ok(count)
}
