//! The print pages in the layout of Decree 30/2020/NĐ-CP, like the PDFs: heading blocks (the unit
//! and its issuing body on the left, the national title and the motto on one line on the right),
//! the number and symbol line, the place and date line, the signature block with "Nơi nhận".

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn print_pages_have_the_official_heading_number_place_date_and_recipients() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let desk = app.login(&format!("reception_officer.{WARD_A}")).await;
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/dossiers",
            Some(&desk),
            Some(reception(WARD_A)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/dossiers/{id}/hand-over"),
            Some(&desk),
            Some(json!({"version": 1, "to_unit": WARD_A})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let specialist = app.login(&format!("specialist.{WARD_A}")).await;
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/dossiers/{id}/request-supplement"),
            Some(&specialist),
            Some(json!({"version": 2, "items": ["Ảnh 4x6"], "reason": "Thiếu ảnh"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let prefix = format!("Đơn vị {WARD_A}, ngày ");
    let date_line = regex_like_date_line(&prefix);
    for (path, recipients) in [
        (format!("/can-bo/ho-so/{id}/phieu-tiep-nhan"), false),
        (format!("/can-bo/ho-so/{id}/mau/02"), true),
        ("/can-bo/so-theo-doi".to_owned(), false),
    ] {
        let (s, _, page) = app.page(&path, None, &desk).await;
        assert_eq!(s, StatusCode::OK, "{path}: {page}");
        let head = page.split("</table>").next().unwrap();
        assert!(
            head.contains(&format!("<span class=\"parent\">ĐƠN VỊ {WARD_A}</span>"))
                // A commune's one-stop body since 1 July 2025 (Decree 118/2025).
                && head.contains(
                    "<strong class=\"issuer\">TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG</strong>"
                )
                && head.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
                && head.contains("<strong class=\"motto\">Độc lập - Tự do - Hạnh phúc</strong>")
                && head.contains("<td class=\"number\">Số: ")
                && date_line(head),
            "{path}: {head}"
        );
        assert_eq!(
            page.contains("Nơi nhận:"),
            recipients,
            "{path}: Nơi nhận on the letters to the applicant"
        );
    }
    // The motto and the national title never wrap; the issuer has its short rule.
    let res = app
        .router
        .clone()
        .oneshot(
            Request::get("/assets/print.css")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let css =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(
        css.contains("table.head strong.nation, table.head .motto { white-space: nowrap; }"),
        "{css}"
    );
}

/// "<place>, ngày DD tháng M năm YYYY" with the leading zeros of Decree 30 (days below 10, months
/// 1 and 2).
fn regex_like_date_line(prefix: &str) -> impl Fn(&str) -> bool + '_ {
    move |text: &str| {
        text.split(prefix).skip(1).any(|rest| {
            let mut words = rest.split(' ');
            let day = words.next().unwrap_or_default();
            let (word_month, month, word_year, year) = (
                words.next().unwrap_or_default(),
                words.next().unwrap_or_default(),
                words.next().unwrap_or_default(),
                words.next().unwrap_or_default(),
            );
            let month_ok = match month.parse::<u32>() {
                Ok(m @ 3..=12) => month == m.to_string(),
                Ok(1 | 2) => month.len() == 2,
                _ => false,
            };
            day.len() == 2
                && day.parse::<u32>().is_ok()
                && word_month == "tháng"
                && month_ok
                && word_year == "năm"
                && year.get(..4).is_some_and(|y| y.parse::<u32>().is_ok())
        })
    }
}
