//! The catalogue: versions made by decisions, refused decisions naming the row, applicability,
//! posting gaps and since when, and search that folds Vietnamese.

use chrono::NaiveDate;
use motcua_domain::calendar::Limit;
use motcua_domain::catalogue::{
    Announcement, Catalogue, GapKind, Item, Posting, SearchFilter, SearchIndex, posting_gaps,
};
use motcua_domain::org::{Unit, UnitLevel};
use motcua_domain::procedure::{Applicability, Channels, OnlineLevel, ProcedureSpec};
use motcua_domain::text::fold_vi;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn spec(code: &str, name: &str, days: u32, level: UnitLevel) -> ProcedureSpec {
    ProcedureSpec {
        code: code.into(),
        name: name.into(),
        field: "Hộ tịch".into(),
        level,
        receiving_agency: String::new(),
        deciding_agency: String::new(),
        channels: Channels::default(),
        limit: Limit::WorkingDays(days),
        steps: vec![],
        fees: vec![],
        papers: vec![],
        conditions: vec![],
        result: String::new(),
        legal_basis: vec![],
        applies_to: Applicability {
            levels: vec![level],
            units: vec![],
            except: vec![],
        },
        conditional_limits: vec![],
        boundary_free: false,
    }
}

fn decision(number: &str, effective: &str, items: Vec<Item>) -> Announcement {
    Announcement {
        number: number.into(),
        date: d(effective),
        issuer: "Chủ tịch UBND tỉnh".into(),
        effective: d(effective),
        items,
    }
}

fn unit(code: &str, level: UnitLevel, from: &str, to: Option<&str>) -> Unit {
    Unit {
        code: code.into(),
        name: code.into(),
        level,
        parent: None,
        valid_from: d(from),
        valid_to: to.map(d),
        successors: vec![],
    }
}

fn apply_all(decisions: &[Announcement]) -> Catalogue {
    let mut cat = Catalogue::default();
    for a in decisions {
        let changes = cat.apply(a).unwrap();
        cat = cat.with(&changes);
    }
    cat
}

fn history() -> Vec<Announcement> {
    vec![
        decision(
            "1/QĐ",
            "2016-09-15",
            vec![
                Item::New {
                    procedure: spec("1.001193", "Đăng ký khai sinh", 3, UnitLevel::Commune),
                },
                Item::New {
                    procedure: spec("1.000894", "Đăng ký kết hôn", 5, UnitLevel::Commune),
                },
                Item::New {
                    procedure: spec(
                        "1.004227",
                        "Cấp Giấy chứng nhận lần đầu",
                        30,
                        UnitLevel::District,
                    ),
                },
                Item::New {
                    procedure: spec("1.009999", "Thủ tục sẽ bị bãi bỏ", 5, UnitLevel::Commune),
                },
            ],
        ),
        decision(
            "2/QĐ",
            "2020-11-16",
            vec![
                Item::Amended {
                    procedure: spec("1.001193", "Đăng ký khai sinh", 1, UnitLevel::Commune),
                },
                Item::Abolished {
                    code: "1.009999".into(),
                    reason: String::new(),
                },
            ],
        ),
        decision(
            "3/QĐ",
            "2024-08-01",
            vec![Item::Replaced {
                replaces: "1.004227".into(),
                procedure: spec(
                    "1.012756",
                    "Đăng ký đất đai, cấp Giấy chứng nhận lần đầu",
                    20,
                    UnitLevel::District,
                ),
            }],
        ),
    ]
}

#[test]
fn decisions_make_versions() {
    let cat = apply_all(&history());
    let ks = cat.versions("1.001193");
    assert_eq!(ks.len(), 2);
    assert_eq!(
        ks[0].effective_to,
        Some(d("2020-11-15")),
        "version 1 ends the day before"
    );
    assert_eq!(ks[1].version, 2);
    assert_eq!(
        cat.in_force("1.001193", d("2020-11-15")).unwrap().version,
        1
    );
    assert_eq!(
        cat.in_force("1.001193", d("2020-11-16")).unwrap().version,
        2
    );
    assert!(
        cat.in_force("1.009999", d("2021-01-01")).is_none(),
        "abolished"
    );
    assert!(
        cat.in_force("1.004227", d("2024-08-01")).is_none(),
        "replaced"
    );
    assert_eq!(
        cat.in_force("1.012756", d("2024-08-01"))
            .unwrap()
            .announced_by,
        "3/QĐ"
    );
    assert_eq!(cat.all_in_force(d("2025-01-01")).count(), 3);
}

#[test]
fn bad_decisions_are_refused_naming_the_row() {
    let cat = apply_all(&history());
    let cases = [
        (
            vec![
                Item::New {
                    procedure: spec("1.000001", "Mới", 3, UnitLevel::Commune),
                },
                Item::Abolished {
                    code: "9.999999".into(),
                    reason: String::new(),
                },
            ],
            2,
            "9.999999",
        ),
        (
            vec![Item::New {
                procedure: spec("1.001193", "Trùng", 3, UnitLevel::Commune),
            }],
            1,
            "1.001193",
        ),
        (
            vec![Item::Amended {
                procedure: spec("1.000002", "Không có", 3, UnitLevel::Commune),
            }],
            1,
            "1.000002",
        ),
        (
            vec![Item::New {
                procedure: spec("abc", "Mã sai", 3, UnitLevel::Commune),
            }],
            1,
            "abc",
        ),
        (
            vec![Item::New {
                procedure: spec("1.000003", "  ", 3, UnitLevel::Commune),
            }],
            1,
            "name",
        ),
        (
            vec![Item::New {
                procedure: spec("1.000004", "Thời hạn sai", 0, UnitLevel::Commune),
            }],
            1,
            "limit",
        ),
        (
            vec![
                Item::Amended {
                    procedure: spec("1.000894", "Kết hôn", 3, UnitLevel::Commune),
                },
                Item::Abolished {
                    code: "1.000894".into(),
                    reason: String::new(),
                },
            ],
            2,
            "1.000894",
        ),
    ];
    for (items, row, mention) in cases {
        let e = cat
            .apply(&decision("9/QĐ", "2025-01-01", items))
            .unwrap_err();
        assert_eq!(e.item, Some(row), "{e}");
        let text = e.to_string();
        assert!(
            text.contains(&format!("dòng {row}")) && text.contains(&format!("row {row}")),
            "{text}"
        );
        assert!(text.contains(mention), "{text}");
    }
    // Overlapping: an amendment that takes effect on or before the current version's start.
    let e = cat
        .apply(&decision(
            "9/QĐ",
            "2020-11-16",
            vec![Item::Amended {
                procedure: spec("1.001193", "Khai sinh", 2, UnitLevel::Commune),
            }],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("overlapping"), "{e}");
    let empty = decision("9/QĐ", "2025-01-01", vec![]);
    assert!(cat.apply(&empty).is_err());
}

#[test]
fn applicability_and_required_lists() {
    let cat = apply_all(&history());
    let ward = unit("W", UnitLevel::Commune, "2008-01-01", Some("2025-06-30"));
    let town = unit("T", UnitLevel::District, "2008-01-01", Some("2025-06-30"));
    let codes = |u: &Unit, on: &str| {
        let mut v: Vec<String> = cat
            .required_at(u, d(on))
            .iter()
            .map(|p| p.spec.code.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        codes(&ward, "2017-01-01"),
        ["1.000894", "1.001193", "1.009999"]
    );
    assert_eq!(codes(&ward, "2021-01-01"), ["1.000894", "1.001193"]);
    assert_eq!(codes(&town, "2024-08-01"), ["1.012756"]);
    assert!(
        codes(&ward, "2025-07-01").is_empty(),
        "a closed unit applies nothing"
    );
    let mut explicit = spec("1.000005", "Chỉ một phường", 3, UnitLevel::Commune);
    explicit.applies_to = Applicability {
        levels: vec![],
        units: vec!["T".into()],
        except: vec![],
    };
    let mut except = spec("1.000006", "Trừ phường W", 3, UnitLevel::Commune);
    except.applies_to.except = vec!["W".into()];
    let changes = cat
        .apply(&decision(
            "4/QĐ",
            "2022-01-01",
            vec![
                Item::New {
                    procedure: explicit,
                },
                Item::New { procedure: except },
            ],
        ))
        .unwrap();
    let cat = cat.with(&changes);
    let town_codes: Vec<String> = cat
        .required_at(&town, d("2022-02-01"))
        .iter()
        .map(|p| p.spec.code.clone())
        .collect();
    assert!(town_codes.contains(&"1.000005".to_string()));
    let ward_codes: Vec<String> = cat
        .required_at(&ward, d("2022-02-01"))
        .iter()
        .map(|p| p.spec.code.clone())
        .collect();
    assert!(
        !ward_codes.contains(&"1.000006".to_string())
            && !ward_codes.contains(&"1.000005".to_string())
    );
}

#[test]
fn posting_gaps_and_since_when() {
    let cat = apply_all(&history());
    let ward = unit("W", UnitLevel::Commune, "2008-01-01", None);
    let post = |code: &str, version: i64, on: &str| Posting {
        unit: "W".into(),
        code: code.into(),
        version,
        posted_on: d(on),
    };
    let postings = vec![
        post("1.001193", 1, "2016-10-01"),
        post("1.009999", 1, "2016-10-01"),
    ];
    let gaps = posting_gaps(&cat, &ward, &postings, d("2021-03-01"));
    let summary: Vec<(String, GapKind, NaiveDate)> = gaps
        .iter()
        .map(|g| (g.code.clone(), g.kind, g.since))
        .collect();
    assert_eq!(
        summary,
        [
            ("1.000894".to_string(), GapKind::Missing, d("2016-09-15")),
            ("1.001193".to_string(), GapKind::Outdated, d("2020-11-16")),
            ("1.009999".to_string(), GapKind::Withdrawn, d("2020-11-16")),
        ]
    );
    assert_eq!(gaps[1].decision, "2/QĐ");
    // Posting the new version (and the missing one) brings the unit up to date.
    let mut fixed = postings.clone();
    fixed.push(post("1.001193", 2, "2021-03-02"));
    fixed.push(post("1.000894", 1, "2021-03-02"));
    let gaps = posting_gaps(&cat, &ward, &fixed, d("2021-03-05"));
    assert_eq!(
        gaps.iter().map(|g| g.kind).collect::<Vec<_>>(),
        [GapKind::Withdrawn],
        "only the abolished one is left"
    );
    // Before the amendment the unit was up to date, except the procedure it never posted.
    let gaps = posting_gaps(&cat, &ward, &postings, d("2018-01-01"));
    assert_eq!(gaps.len(), 1);
}

fn index() -> SearchIndex {
    let cat = apply_all(&history());
    let mut all: Vec<_> = cat.all_in_force(d("2025-01-01")).cloned().collect();
    let mut extra = spec(
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        1,
        UnitLevel::Commune,
    );
    extra.field = "Chứng thực".into();
    extra.channels.online = OnlineLevel::None;
    let changes = Catalogue::default()
        .apply(&decision(
            "5/QĐ",
            "2020-01-01",
            vec![Item::New { procedure: extra }],
        ))
        .unwrap();
    all.extend(
        Catalogue::default()
            .with(&changes)
            .all_in_force(d("2025-01-01"))
            .cloned(),
    );
    let mut marriage = spec("1.004746", "Đăng ký lại kết hôn", 5, UnitLevel::Commune);
    marriage.channels.online = OnlineLevel::Partial;
    let changes = Catalogue::default()
        .apply(&decision(
            "6/QĐ",
            "2020-01-01",
            vec![Item::New {
                procedure: marriage,
            }],
        ))
        .unwrap();
    all.extend(
        Catalogue::default()
            .with(&changes)
            .all_in_force(d("2025-01-01"))
            .cloned(),
    );
    SearchIndex::new(all)
}

#[test]
fn search_folds_and_ranks() {
    let idx = index();
    let codes = |q: &str, f: &SearchFilter| {
        idx.search(q, f)
            .iter()
            .map(|p| p.spec.code.clone())
            .collect::<Vec<_>>()
    };
    let none = SearchFilter::default();
    let a = codes("dang ky ket hon", &none);
    assert_eq!(a, ["1.000894", "1.004746"], "the exact phrase ranks first");
    assert_eq!(codes("DANG KY KET HON", &none), a);
    assert_eq!(codes("đăng ký kết hôn", &none), a);
    assert_eq!(codes("ĐĂNG KÝ KẾT HÔN", &none), a);
    assert_eq!(codes("Đăng ký kết hôn", &none), a);
    // Prefix on the last word only.
    assert_eq!(codes("chung thuc ban s", &none), ["2.000815"]);
    assert!(codes("chung th ban sao", &none).is_empty());
    assert_eq!(codes("1.001193", &none), ["1.001193"]);
    assert!(codes("xyz", &none).is_empty());
    assert_eq!(codes("", &none).len(), idx.len());
    let field = SearchFilter {
        field: Some("chung thuc".into()),
        ..SearchFilter::default()
    };
    assert_eq!(codes("", &field), ["2.000815"]);
    let online = SearchFilter {
        online: true,
        ..SearchFilter::default()
    };
    assert_eq!(codes("ket hon", &online), ["1.004746"]);
    let district = SearchFilter {
        level: Some(UnitLevel::District),
        ..SearchFilter::default()
    };
    assert_eq!(codes("", &district), ["1.012756"]);
}

proptest! {
    #[test]
    fn folding_is_idempotent(s in "\\PC{0,40}") {
        let f = fold_vi(&s);
        prop_assert_eq!(fold_vi(&f), f);
    }

    #[test]
    fn folding_is_case_blind_for_vietnamese(s in "[a-zA-Z0-9ăâđêôơưĂÂĐÊÔƠƯáàảãạÁÀẢÃẠếềểễệẾỀỂỄỆốồổỗộỐỒỔỖỘứừửữựỨỪỬỮỰ .,-]{0,40}") {
        prop_assert_eq!(fold_vi(&s.to_uppercase()), fold_vi(&s.to_lowercase()));
        prop_assert_eq!(fold_vi(&s.to_uppercase()), fold_vi(&s));
    }

    #[test]
    fn vietnamese_letters_fold_to_ascii(s in "[aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ ]{0,40}") {
        prop_assert!(fold_vi(&s).is_ascii());
    }
}

#[test]
fn step_budgets_beyond_the_legal_limit_are_refused_at_import() {
    use motcua_domain::procedure::{ConditionalLimit, StepBudget};
    let mut s = spec("1.000001", "Thử", 3, UnitLevel::Commune);
    let step = |d| StepBudget {
        name: "Bước".into(),
        budget: Limit::WorkingDays(d),
        performer: None,
    };
    s.steps = vec![step(2), step(1)];
    assert!(s.clone().validated().is_ok());
    let mut over = s.clone();
    over.steps = vec![step(2), step(2)];
    let e = over.clone().validated().unwrap_err();
    assert_eq!(e.field, "steps");
    assert!(e.en.contains("exceed"), "{}", e.en);
    // A conditional limit long enough covers them.
    over.conditional_limits = vec![ConditionalLimit {
        condition: "Cần xác minh".into(),
        limit: Limit::WorkingDays(5),
    }];
    assert!(over.validated().is_ok());
}
