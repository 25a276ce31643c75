//! Search that forgives, on the example catalogue of Đắk Lắk (`examples/catalogue-daklak-demo.json`).

use chrono::NaiveDate;
use motcua_domain::catalogue::{Announcement, Catalogue, SearchFilter, SearchIndex, Synonym};

fn index_with(synonyms: Option<&[Synonym]>) -> SearchIndex {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/catalogue-daklak-demo.json"
    );
    let decisions: Vec<Announcement> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut cat = Catalogue::default();
    for d in &decisions {
        let changes = cat.apply(d).unwrap();
        cat = cat.with(&changes);
    }
    let all = cat
        .all_in_force(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
        .cloned()
        .collect();
    match synonyms {
        Some(s) => SearchIndex::with_synonyms(all, s),
        None => SearchIndex::new(all),
    }
}

fn first(idx: &SearchIndex, q: &str) -> String {
    idx.search(q, &SearchFilter::default())
        .first()
        .map(|p| p.spec.name.clone())
        .unwrap_or_else(|| format!("nothing for '{q}'"))
}

#[test]
fn i_for_y_everyday_words_filler_and_one_typo_find_the_procedure() {
    let idx = index_with(None);
    for q in [
        "đăng ký khai sinh",
        "dang ky khai sinh",
        "dang ki khai sinh",
        "đăng kí khai sinh",
        "ĐĂNG KÍ KHAI SINH",
        "giấy khai sinh",
        "giay khai sinh",
        "xin giấy khai sinh",
        "dang ky khia sinh",
        "dăng ky khai sinh",
    ] {
        assert_eq!(first(&idx, q), "Đăng ký khai sinh", "{q}");
    }
    assert_eq!(
        first(&idx, "làm sổ đỏ"),
        "Cấp đổi Giấy chứng nhận quyền sử dụng đất"
    );
    assert_eq!(
        first(&idx, "xin giấy phép xây nhà"),
        "Cấp giấy phép xây dựng nhà ở riêng lẻ"
    );
    assert_eq!(first(&idx, "thu tuc ket hon"), "Đăng ký kết hôn");
}

#[test]
fn forgiving_does_not_blur_different_words() {
    let idx = index_with(None);
    // "tai" and "tay" are different words; a three-letter word carries no typo.
    assert!(
        idx.search("khai tu", &SearchFilter::default())
            .iter()
            .all(|p| !p.spec.name.contains("khai sinh")),
        "khai tử is not khai sinh"
    );
    assert!(idx.search("zzzz qqqq", &SearchFilter::default()).is_empty());
    // Filler alone is a query of its own, not nothing.
    assert!(
        idx.search("thủ tục", &SearchFilter::default()).len()
            < idx.search("", &SearchFilter::default()).len()
    );
}

#[test]
fn nothing_found_offers_the_closest_names() {
    let idx = index_with(None);
    let q = "đăng ký khai sinh cho con nuôi người nước ngoài ở tỉnh khác";
    assert!(idx.search(q, &SearchFilter::default()).is_empty());
    let suggested: Vec<String> = idx
        .suggest(q, &SearchFilter::default(), 5)
        .iter()
        .map(|p| p.spec.name.clone())
        .collect();
    assert!(!suggested.is_empty() && suggested.len() <= 5);
    assert!(
        suggested.iter().any(|n| n.contains("khai sinh")),
        "{suggested:?}"
    );
    assert!(
        idx.suggest("zzzz qqqq", &SearchFilter::default(), 5)
            .is_empty()
    );
}

#[test]
fn the_catalogue_keepers_table_replaces_the_shipped_one() {
    let none = index_with(Some(&[]));
    assert_eq!(first(&none, "làm sổ đỏ"), "nothing for 'làm sổ đỏ'");
    let own = index_with(Some(&[Synonym {
        words: "bằng khoán".into(),
        means: "giấy chứng nhận quyền sử dụng đất".into(),
    }]));
    assert_eq!(
        first(&own, "bang khoan"),
        "Cấp đổi Giấy chứng nhận quyền sử dụng đất"
    );
}
