//! The demo catalogue: about fifty commune- and district-level procedures of Đắk Lắk, announced,
//! amended, replaced, moved and abolished by six provincial decisions between 2016 and 2025, and
//! what each unit has posted at its desk.
//!
//! Names, time limits, fees and papers follow the usual national rules (a province's decision may
//! shorten times). The decision numbers are invented for the demo, and some procedure codes are
//! recalled rather than read from the national database.

use chrono::NaiveDate;
use motcua_domain::calendar::Limit;
use motcua_domain::catalogue::{Announcement, Catalogue, Item, Posting};
use motcua_domain::org::UnitLevel;
use motcua_domain::procedure::{
    Applicability, Channels, FeeLine, OnlineLevel, PaperSpec, Procedure, ProcedureSpec, StepBudget,
};

use super::town;

/// Who performs a step of the internal workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Performer {
    /// The receiving unit's desk, specialists or leaders.
    Own,
    /// Another agency (liên thông), by unit code.
    Agency(&'static str),
}

/// A procedure the dossier generator uses: the version in force today, how often it is asked for,
/// and who performs each step.
pub struct DemoProcedure {
    pub procedure: Procedure,
    pub weight: u32,
    pub route: Vec<Performer>,
    /// A step (by index) that waits for the applicant's financial obligations.
    pub payment_step: Option<usize>,
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("demo date")
}

fn h(hours: u32) -> Limit {
    Limit::WorkingMinutes(hours * 60)
}

fn days(n: u32) -> Limit {
    Limit::WorkingDays(n)
}

/// One procedure as the demo describes it.
#[derive(Clone)]
struct Def {
    code: &'static str,
    name: &'static str,
    field: &'static str,
    limit: Limit,
    steps: Vec<(&'static str, Limit)>,
    papers: Vec<&'static str>,
    online: OnlineLevel,
    fee: &'static str,
    amount: Option<i64>,
    result: &'static str,
    legal: &'static str,
    /// Limits under named conditions (Luật Hộ tịch 2014: "trường hợp cần xác minh...").
    conditional: Vec<(&'static str, Limit)>,
}

/// A three-step workflow (reception, processing, signing) for limits given in days or hours.
fn split(limit: Limit) -> Vec<(&'static str, Limit)> {
    match limit {
        // Same-day: the dossier may come in at 15:00 and still be due at 17:00.
        Limit::SameDay => vec![
            ("Tiếp nhận, chuyển hồ sơ", Limit::WorkingMinutes(30)),
            ("Xử lý hồ sơ", Limit::WorkingMinutes(60)),
            ("Lãnh đạo ký duyệt", Limit::WorkingMinutes(30)),
        ],
        Limit::WorkingDays(n) if n >= 3 => vec![
            ("Tiếp nhận, chuyển hồ sơ", h(4)),
            ("Thẩm định, xử lý hồ sơ", days(n - 1)),
            ("Lãnh đạo ký duyệt", h(4)),
        ],
        Limit::WorkingDays(n) => vec![
            ("Tiếp nhận, chuyển hồ sơ", h(2)),
            ("Thẩm định, xử lý hồ sơ", h(n * 7 - 3)),
            ("Lãnh đạo ký duyệt", h(1)),
        ],
        Limit::WorkingMinutes(m) => vec![
            ("Tiếp nhận, chuyển hồ sơ", Limit::WorkingMinutes(m / 8)),
            ("Xử lý hồ sơ", Limit::WorkingMinutes(m * 5 / 8)),
            ("Lãnh đạo ký duyệt", Limit::WorkingMinutes(m / 4)),
        ],
    }
}

#[allow(clippy::too_many_arguments)]
fn def(
    code: &'static str,
    name: &'static str,
    field: &'static str,
    limit: Limit,
    papers: &[&'static str],
    online: OnlineLevel,
    fee: &'static str,
    result: &'static str,
    legal: &'static str,
) -> Def {
    Def {
        code,
        name,
        field,
        limit,
        steps: split(limit),
        papers: papers.to_vec(),
        online,
        fee,
        amount: None,
        result,
        legal,
        conditional: vec![],
    }
}

impl Def {
    fn steps(mut self, steps: &[(&'static str, Limit)]) -> Def {
        self.steps = steps.to_vec();
        self
    }

    fn conditional(mut self, condition: &'static str, limit: Limit) -> Def {
        self.conditional.push((condition, limit));
        self
    }

    fn amount(mut self, a: i64) -> Def {
        self.amount = Some(a);
        self
    }

    fn spec(&self, level: UnitLevel, applies: &[UnitLevel]) -> ProcedureSpec {
        let receiving = match level {
            UnitLevel::Commune => "Bộ phận Một cửa UBND cấp xã",
            _ => "Bộ phận Tiếp nhận và Trả kết quả UBND cấp huyện",
        };
        let deciding = match level {
            UnitLevel::Commune => "Chủ tịch UBND cấp xã",
            _ => "Chủ tịch UBND cấp huyện",
        };
        ProcedureSpec {
            code: self.code.into(),
            name: self.name.into(),
            field: self.field.into(),
            level,
            receiving_agency: receiving.into(),
            deciding_agency: deciding.into(),
            channels: Channels {
                desk: true,
                post: true,
                online: self.online,
            },
            limit: self.limit,
            conditional_limits: self
                .conditional
                .iter()
                .map(|(c, l)| motcua_domain::procedure::ConditionalLimit {
                    condition: (*c).into(),
                    limit: *l,
                })
                .collect(),
            steps: self
                .steps
                .iter()
                .map(|(n, b)| StepBudget {
                    name: (*n).into(),
                    budget: *b,
                    performer: None,
                })
                .collect(),
            fees: vec![FeeLine {
                name: if self.fee.starts_with("Miễn") || self.fee.starts_with("Không") {
                    "Phí, lệ phí".into()
                } else {
                    "Lệ phí".into()
                },
                amount: self.amount,
                description: self.fee.into(),
                exemptions: if self.fee.contains("hộ nghèo") || self.amount.is_none() {
                    vec![]
                } else {
                    vec!["Người thuộc hộ nghèo, trẻ em, người cao tuổi, người khuyết tật (theo Nghị quyết của HĐND tỉnh)".into()]
                },
            }],
            papers: self
                .papers
                .iter()
                .enumerate()
                .map(|(i, p)| PaperSpec {
                    name: (*p).into(),
                    copies: 1,
                    mandatory: i == 0 || !p.contains("(nếu có)"),
                    template: (i == 0 && p.starts_with("Tờ khai"))
                        .then(|| "Mẫu ban hành kèm theo thông tư của bộ quản lý".into()),
                    condition: p
                        .contains("(nếu")
                        .then(|| "Khi thuộc trường hợp nêu trong ngoặc".into()),
                })
                .collect(),
            conditions: vec![],
            result: self.result.into(),
            legal_basis: vec![self.legal.into()],
            applies_to: Applicability {
                levels: applies.to_vec(),
                units: vec![],
                except: vec![],
            },
            boundary_free: false,
        }
    }
}

/// Procedures handled by communes and wards throughout.
fn commune_defs() -> Vec<Def> {
    use OnlineLevel::{Full, None as Offline, Partial};
    let ht = "Hộ tịch";
    let ct = "Chứng thực";
    let luat_ht = "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP";
    let luat_ct = "Nghị định 23/2015/NĐ-CP về cấp bản sao, chứng thực";
    vec![
        def("1.001193", "Đăng ký khai sinh", ht, Limit::SameDay, &["Tờ khai đăng ký khai sinh", "Giấy chứng sinh hoặc văn bản của người làm chứng"], Full, "Miễn lệ phí (Luật Hộ tịch 2014, Điều 11)", "Giấy khai sinh", luat_ht),
        def("1.000894", "Đăng ký kết hôn", ht, Limit::SameDay, &["Tờ khai đăng ký kết hôn", "Giấy xác nhận tình trạng hôn nhân (nếu đăng ký ngoài nơi cư trú)"], Partial, "Miễn lệ phí với công dân cư trú trong nước", "Giấy chứng nhận kết hôn", luat_ht)
            .conditional("Cần xác minh", days(5)),
        def("1.000656", "Đăng ký khai tử", ht, days(3), &["Tờ khai đăng ký khai tử", "Giấy báo tử hoặc giấy tờ thay thế"], Full, "Miễn lệ phí nếu đăng ký đúng hạn", "Trích lục khai tử", luat_ht),
        def("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", ht, days(3), &["Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"], Full, "15.000 đồng", "Giấy xác nhận tình trạng hôn nhân", luat_ht).amount(15_000),
        def("2.000635", "Cấp bản sao trích lục hộ tịch", ht, Limit::SameDay, &["Tờ khai cấp bản sao trích lục hộ tịch"], Full, "8.000 đồng/bản", "Bản sao trích lục hộ tịch", luat_ht).amount(8_000),
        def("1.004859", "Thay đổi, cải chính, bổ sung thông tin hộ tịch", ht, days(3), &["Tờ khai đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "Giấy tờ làm căn cứ"], Partial, "15.000 đồng", "Trích lục thay đổi, cải chính hộ tịch", luat_ht).amount(15_000),
        def("1.004884", "Đăng ký lại khai sinh", ht, days(5), &["Tờ khai đăng ký lại khai sinh", "Bản sao giấy tờ có thông tin khai sinh"], Partial, "Miễn lệ phí", "Giấy khai sinh", luat_ht),
        def("1.001022", "Đăng ký nhận cha, mẹ, con", ht, days(3), &["Tờ khai đăng ký nhận cha, mẹ, con", "Chứng cứ chứng minh quan hệ cha, mẹ, con"], Partial, "Miễn lệ phí với công dân cư trú trong nước", "Trích lục đăng ký nhận cha, mẹ, con", luat_ht),
        def("1.004837", "Đăng ký giám hộ", ht, days(3), &["Tờ khai đăng ký giám hộ", "Văn bản cử người giám hộ"], Partial, "Miễn lệ phí", "Trích lục đăng ký giám hộ", luat_ht),
        def("1.004845", "Đăng ký chấm dứt giám hộ", ht, days(2), &["Tờ khai đăng ký chấm dứt giám hộ", "Giấy tờ làm căn cứ chấm dứt giám hộ"], Partial, "Miễn lệ phí", "Trích lục chấm dứt giám hộ", luat_ht),
        def("1.004746", "Đăng ký lại kết hôn", ht, days(5), &["Tờ khai đăng ký lại kết hôn", "Bản sao Giấy chứng nhận kết hôn (nếu có)"], Partial, "Miễn lệ phí", "Giấy chứng nhận kết hôn", luat_ht),
        def("1.005461", "Đăng ký lại khai tử", ht, days(5), &["Tờ khai đăng ký lại khai tử", "Bản sao giấy tờ liên quan (nếu có)"], Partial, "Miễn lệ phí", "Trích lục khai tử", luat_ht),
        def("1.001695", "Đăng ký khai sinh kết hợp nhận cha, mẹ, con", ht, days(3), &["Tờ khai đăng ký khai sinh", "Tờ khai đăng ký nhận cha, mẹ, con", "Chứng cứ chứng minh quan hệ cha, mẹ, con"], Partial, "Miễn lệ phí", "Giấy khai sinh; Trích lục nhận cha, mẹ, con", luat_ht),
        def("1.000419", "Đăng ký khai tử lưu động", ht, days(5), &["Tờ khai đăng ký khai tử", "Giấy báo tử hoặc giấy tờ thay thế"], Offline, "Miễn lệ phí", "Trích lục khai tử", luat_ht),
        def("1.000689", "Đăng ký kết hôn lưu động", ht, days(5), &["Tờ khai đăng ký kết hôn"], Offline, "Miễn lệ phí", "Giấy chứng nhận kết hôn", luat_ht),
        def("1.003554", "Hòa giải tranh chấp đất đai", "Đất đai", days(45), &["Đơn yêu cầu hòa giải tranh chấp đất đai", "Giấy tờ liên quan đến thửa đất (nếu có)"], Offline, "Không thu phí", "Biên bản hòa giải", "Luật Đất đai"),
        def("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", ct, Limit::SameDay, &["Bản chính giấy tờ, văn bản", "Bản sao cần chứng thực"], Offline, "2.000 đồng/trang từ trang 1-2; 1.000 đồng/trang từ trang 3; tối đa 200.000 đồng/bản", "Bản sao được chứng thực", luat_ct).steps(&[("Tiếp nhận, đối chiếu", Limit::WorkingMinutes(30)), ("Chứng thực", Limit::WorkingMinutes(60)), ("Lãnh đạo ký", Limit::WorkingMinutes(30))]),
        def("2.000884", "Chứng thực chữ ký trong giấy tờ, văn bản", ct, Limit::SameDay, &["Giấy tờ, văn bản cần chứng thực chữ ký", "Giấy tờ tùy thân"], Offline, "10.000 đồng/trường hợp", "Giấy tờ được chứng thực chữ ký", luat_ct).amount(10_000),
        def("2.001035", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất, nhà ở", ct, days(2), &["Dự thảo hợp đồng, giao dịch", "Giấy tờ tùy thân", "Giấy chứng nhận quyền sử dụng đất hoặc giấy tờ sở hữu"], Offline, "50.000 đồng/hợp đồng", "Hợp đồng được chứng thực", luat_ct).amount(50_000),
        def("2.000908", "Cấp bản sao từ sổ gốc", ct, Limit::SameDay, &["Đơn đề nghị cấp bản sao từ sổ gốc"], Partial, "Không thu phí", "Bản sao từ sổ gốc", luat_ct),
        def("2.000942", "Chứng thực văn bản thỏa thuận phân chia di sản", ct, days(2), &["Dự thảo văn bản thỏa thuận phân chia di sản", "Giấy chứng tử của người để lại di sản", "Giấy tờ chứng minh quyền sở hữu tài sản"], Offline, "50.000 đồng/văn bản", "Văn bản được chứng thực", luat_ct).amount(50_000),
        def("2.000927", "Chứng thực di chúc", ct, days(2), &["Dự thảo di chúc", "Giấy tờ tùy thân", "Giấy tờ về tài sản (nếu có)"], Offline, "50.000 đồng/di chúc", "Di chúc được chứng thực", luat_ct).amount(50_000),
        def("2.001019", "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch", ct, days(2), &["Dự thảo văn bản sửa đổi, bổ sung, hủy bỏ", "Hợp đồng, giao dịch đã được chứng thực"], Offline, "30.000 đồng/hợp đồng", "Văn bản được chứng thực", luat_ct).amount(30_000),
        def("2.000843", "Chứng thực chữ ký người dịch", ct, Limit::SameDay, &["Bản dịch và giấy tờ cần dịch", "Bằng cấp ngoại ngữ của người dịch"], Offline, "10.000 đồng/trường hợp", "Bản dịch được chứng thực chữ ký", luat_ct).amount(10_000),
        def("1.011607", "Công nhận hộ nghèo, hộ cận nghèo phát sinh trong năm", "Giảm nghèo", days(7), &["Giấy đề nghị xét duyệt hộ nghèo, hộ cận nghèo"], Partial, "Không thu phí", "Quyết định công nhận hộ nghèo, hộ cận nghèo", "Nghị định 07/2021/NĐ-CP"),
        def("1.001653", "Đổi, cấp lại Giấy xác nhận khuyết tật", "Bảo trợ xã hội", days(5), &["Đơn đề nghị đổi, cấp lại Giấy xác nhận khuyết tật"], Partial, "Không thu phí", "Giấy xác nhận khuyết tật", "Nghị định 28/2012/NĐ-CP"),
        def("1.001699", "Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật", "Bảo trợ xã hội", days(25), &["Đơn đề nghị xác định mức độ khuyết tật", "Bản sao hồ sơ bệnh án (nếu có)"], Partial, "Không thu phí", "Giấy xác nhận khuyết tật", "Nghị định 28/2012/NĐ-CP"),
        def("1.001731", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "Bảo trợ xã hội", days(5), &["Tờ khai đề nghị hỗ trợ chi phí mai táng", "Giấy chứng tử"], Partial, "Không thu phí", "Quyết định hỗ trợ chi phí mai táng", "Nghị định 20/2021/NĐ-CP"),
        def("1.001055", "Đăng ký hoạt động tín ngưỡng", "Tín ngưỡng, tôn giáo", days(15), &["Văn bản đăng ký hoạt động tín ngưỡng", "Bản sao quyết định công nhận cơ sở tín ngưỡng (nếu có)"], Offline, "Không thu phí", "Văn bản chấp thuận", "Luật Tín ngưỡng, tôn giáo 2016"),
        def("1.003622", "Thông báo tổ chức lễ hội cấp xã", "Văn hóa", days(5), &["Văn bản thông báo tổ chức lễ hội"], Partial, "Không thu phí", "Văn bản trả lời", "Nghị định 110/2018/NĐ-CP"),
        def("1.008004", "Xét tặng danh hiệu Gia đình văn hóa hằng năm", "Văn hóa", days(10), &["Bản đăng ký tham gia xây dựng danh hiệu"], Offline, "Không thu phí", "Giấy khen Gia đình văn hóa", "Nghị định 122/2018/NĐ-CP"),
    ]
}

/// Procedures the town decided until 30 June 2025, moved to communes by the two-level reform.
fn district_defs() -> Vec<Def> {
    use OnlineLevel::{Full, Partial};
    vec![
        def(
            "1.001612",
            "Đăng ký thành lập hộ kinh doanh",
            "Thành lập và hoạt động của hộ kinh doanh",
            days(3),
            &[
                "Giấy đề nghị đăng ký hộ kinh doanh",
                "Bản sao giấy tờ pháp lý của chủ hộ",
                "Biên bản họp thành viên hộ gia đình (nếu có)",
            ],
            Full,
            "100.000 đồng",
            "Giấy chứng nhận đăng ký hộ kinh doanh",
            "Nghị định 01/2021/NĐ-CP",
        )
        .amount(100_000),
        def(
            "2.000720",
            "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
            "Thành lập và hoạt động của hộ kinh doanh",
            days(3),
            &[
                "Thông báo thay đổi nội dung đăng ký hộ kinh doanh",
                "Giấy chứng nhận đăng ký hộ kinh doanh đã cấp",
            ],
            Full,
            "50.000 đồng",
            "Giấy chứng nhận đăng ký hộ kinh doanh",
            "Nghị định 01/2021/NĐ-CP",
        )
        .amount(50_000),
        def(
            "2.000575",
            "Tạm ngừng hoạt động hộ kinh doanh",
            "Thành lập và hoạt động của hộ kinh doanh",
            days(3),
            &["Thông báo tạm ngừng kinh doanh"],
            Full,
            "Không thu phí",
            "Giấy xác nhận tạm ngừng kinh doanh",
            "Nghị định 01/2021/NĐ-CP",
        ),
        def(
            "1.009794",
            "Cấp giấy phép xây dựng nhà ở riêng lẻ",
            "Xây dựng",
            days(15),
            &[
                "Đơn đề nghị cấp giấy phép xây dựng",
                "Giấy tờ về quyền sử dụng đất",
                "02 bộ bản vẽ thiết kế xây dựng",
            ],
            Partial,
            "75.000 đồng/giấy phép",
            "Giấy phép xây dựng",
            "Luật Xây dựng 2014, sửa đổi 2020",
        )
        .amount(75_000)
        .steps(&[
            ("Tiếp nhận, chuyển hồ sơ", h(4)),
            ("Thẩm định, kiểm tra thực địa", days(10)),
            ("Lãnh đạo ký", days(3)),
        ]),
        def(
            "1.009795",
            "Điều chỉnh giấy phép xây dựng nhà ở riêng lẻ",
            "Xây dựng",
            days(10),
            &[
                "Đơn đề nghị điều chỉnh giấy phép xây dựng",
                "Bản chính giấy phép xây dựng đã cấp",
                "Bản vẽ thiết kế điều chỉnh",
            ],
            Partial,
            "75.000 đồng/giấy phép",
            "Giấy phép xây dựng điều chỉnh",
            "Luật Xây dựng 2014, sửa đổi 2020",
        )
        .amount(75_000),
        def(
            "2.000806",
            "Đăng ký kết hôn có yếu tố nước ngoài",
            "Hộ tịch",
            days(15),
            &[
                "Tờ khai đăng ký kết hôn",
                "Giấy xác nhận tình trạng hôn nhân của người nước ngoài",
                "Giấy xác nhận sức khỏe tâm thần",
                "Hộ chiếu",
            ],
            Partial,
            "Theo mức Hội đồng nhân dân tỉnh quy định",
            "Giấy chứng nhận kết hôn",
            "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
        ),
        def(
            "2.000756",
            "Đăng ký khai sinh có yếu tố nước ngoài",
            "Hộ tịch",
            days(3),
            &[
                "Tờ khai đăng ký khai sinh",
                "Giấy chứng sinh",
                "Văn bản thỏa thuận chọn quốc tịch (nếu có)",
            ],
            Partial,
            "Theo mức Hội đồng nhân dân tỉnh quy định",
            "Giấy khai sinh",
            "Luật Hộ tịch 2014",
        ),
        def(
            "2.001620",
            "Cấp Giấy phép bán lẻ rượu",
            "Lưu thông hàng hóa trong nước",
            days(10),
            &[
                "Đơn đề nghị cấp Giấy phép bán lẻ rượu",
                "Bản sao Giấy chứng nhận đăng ký kinh doanh",
                "Bản cam kết bảo đảm điều kiện",
            ],
            Partial,
            "Theo mức Bộ Tài chính quy định",
            "Giấy phép bán lẻ rượu",
            "Nghị định 105/2017/NĐ-CP",
        ),
        def(
            "2.000633",
            "Cấp Giấy phép bán lẻ sản phẩm thuốc lá",
            "Lưu thông hàng hóa trong nước",
            days(15),
            &[
                "Đơn đề nghị cấp Giấy phép bán lẻ sản phẩm thuốc lá",
                "Bản sao Giấy chứng nhận đăng ký kinh doanh",
            ],
            Partial,
            "Theo mức Bộ Tài chính quy định",
            "Giấy phép bán lẻ sản phẩm thuốc lá",
            "Nghị định 67/2013/NĐ-CP",
        ),
        def(
            "1.001776",
            "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng",
            "Bảo trợ xã hội",
            days(10),
            &[
                "Tờ khai đề nghị trợ giúp xã hội (Mẫu 1a-1d)",
                "Giấy tờ chứng minh đối tượng",
            ],
            Partial,
            "Không thu phí",
            "Quyết định trợ cấp xã hội hằng tháng",
            "Nghị định 20/2021/NĐ-CP",
        )
        .steps(&[
            ("Tiếp nhận, chuyển hồ sơ", h(4)),
            ("Xét duyệt, niêm yết công khai", days(7)),
            ("Lãnh đạo ký quyết định", days(2)),
        ]),
    ]
}

/// Land procedures, with the land registration office and the tax office taking part.
fn land_defs(after_2024: bool) -> Vec<Def> {
    use OnlineLevel::Partial;
    let legal = if after_2024 {
        "Luật Đất đai 2024; Nghị định 101/2024/NĐ-CP"
    } else {
        "Luật Đất đai 2013; Nghị định 43/2014/NĐ-CP"
    };
    let (first, change, split_code) = if after_2024 {
        ("1.012756", "1.012783", "1.012784")
    } else {
        ("1.004227", "1.004203", "1.004221")
    };
    vec![
        def(
            first,
            "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận lần đầu",
            "Đất đai",
            days(20),
            &[
                "Đơn đăng ký đất đai, tài sản gắn liền với đất (Mẫu 15)",
                "Giấy tờ về quyền sử dụng đất",
                "Tờ khai lệ phí trước bạ",
                "Tờ khai thuế sử dụng đất phi nông nghiệp",
            ],
            Partial,
            "Lệ phí cấp Giấy chứng nhận 25.000 đồng; giá dịch vụ đo đạc theo quy định của tỉnh",
            "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
            legal,
        )
        .amount(25_000)
        .steps(&[
            ("Tiếp nhận, chuyển hồ sơ", h(4)),
            ("Xác nhận hiện trạng, nguồn gốc đất", days(4)),
            ("Đo đạc, thẩm định hồ sơ", days(7)),
            ("Xác định nghĩa vụ tài chính", days(3)),
            ("In, trình ký Giấy chứng nhận", days(4)),
            ("Lãnh đạo ký", days(1)),
        ]),
        def(
            change,
            "Cấp đổi Giấy chứng nhận quyền sử dụng đất",
            "Đất đai",
            days(10),
            &[
                "Đơn đăng ký biến động đất đai (Mẫu 18)",
                "Bản gốc Giấy chứng nhận đã cấp",
            ],
            Partial,
            "50.000 đồng/giấy",
            "Giấy chứng nhận quyền sử dụng đất",
            legal,
        )
        .amount(50_000)
        .steps(&[
            ("Tiếp nhận, chuyển hồ sơ", h(4)),
            ("Kiểm tra, thẩm định", days(5)),
            ("In Giấy chứng nhận", days(3)),
            ("Lãnh đạo ký", days(1)),
        ]),
        def(
            split_code,
            "Tách thửa hoặc hợp thửa đất",
            "Đất đai",
            days(15),
            &[
                "Đơn đề nghị tách thửa, hợp thửa (Mẫu 18)",
                "Bản gốc Giấy chứng nhận đã cấp",
                "Bản vẽ tách thửa, hợp thửa",
            ],
            Partial,
            "Giá dịch vụ đo đạc theo quy định của tỉnh",
            "Giấy chứng nhận quyền sử dụng đất các thửa mới",
            legal,
        )
        .steps(&[
            ("Tiếp nhận, chuyển hồ sơ", h(4)),
            ("Đo đạc, chỉnh lý bản đồ", days(8)),
            ("Xác định nghĩa vụ tài chính", days(3)),
            ("Lãnh đạo ký", days(2)),
        ]),
    ]
}

/// A 2016-era version of a definition: longer limits, before later reforms shortened them.
fn older(mut d: Def) -> Def {
    d.limit = match d.limit {
        Limit::WorkingDays(n) => Limit::WorkingDays(n + n / 2),
        other => other,
    };
    d.steps = split(d.limit);
    d.online = OnlineLevel::None;
    d
}

pub const D2016: &str = "2318/QĐ-UBND";
pub const D2017: &str = "1037/QĐ-UBND";
pub const D2020: &str = "2963/QĐ-UBND";
pub const D2021: &str = "1742/QĐ-UBND";
pub const D2024: &str = "2101/QĐ-UBND";
pub const D2025: &str = "1525/QĐ-UBND";
/// The province's list of procedures received regardless of administrative boundaries (Decree
/// 118/2025): illustrative number, as the other demo decisions.
pub const D2025_BOUNDARY_FREE: &str = "1890/QĐ-UBND";
/// The procedures that list makes boundary-free at the communes.
pub const BOUNDARY_FREE: [&str; 3] = ["2.000635", "1.004873", "2.000815"];

fn announcement(number: &str, date: &str, effective: &str, items: Vec<Item>) -> Announcement {
    Announcement {
        number: number.into(),
        date: d(date),
        issuer: "Chủ tịch UBND tỉnh Đắk Lắk".into(),
        effective: d(effective),
        items,
    }
}

/// The province's decisions, 2016-2025, in order.
pub fn announcements() -> Vec<Announcement> {
    use UnitLevel::{Commune, District};
    let commune = commune_defs();
    let district = district_defs();
    let is = |c: &str, codes: &[&str]| codes.contains(&c);
    // Procedures that only arrived with later decisions.
    let later_2017 = ["2.000942", "2.000927", "2.001019", "2.000843"];
    let later_2021 = ["1.001776", "1.001731"];
    let hotich_2020 = [
        "1.001193", "1.000894", "1.000656", "1.004873", "2.000635", "1.004859",
    ];
    let mut items_2016: Vec<Item> = commune
        .iter()
        .filter(|x| !is(x.code, &later_2017) && !is(x.code, &later_2021) && x.code != "1.011607")
        .map(|x| Item::New {
            procedure: older(x.clone()).spec(Commune, &[Commune]),
        })
        .collect();
    items_2016.extend(
        district
            .iter()
            .filter(|x| !is(x.code, &later_2021))
            .map(|x| Item::New {
                procedure: older(x.clone()).spec(District, &[District]),
            }),
    );
    // Land procedures are posted at the town's desk and by its environment office.
    let land_spec = |x: &Def| {
        let mut s = x.spec(District, &[District]);
        s.applies_to.units.push(town::ENVIRONMENT.into());
        s
    };
    items_2016.extend(land_defs(false).iter().map(|x| Item::New {
        procedure: land_spec(x),
    }));
    // The old monthly social assistance procedure (Decree 136/2013), replaced in 2021.
    items_2016.push(Item::New {
        procedure: def(
            "1.001758",
            "Thực hiện trợ cấp xã hội hằng tháng (Nghị định 136/2013/NĐ-CP)",
            "Bảo trợ xã hội",
            days(22),
            &["Tờ khai đề nghị trợ giúp xã hội"],
            OnlineLevel::None,
            "Không thu phí",
            "Quyết định trợ cấp",
            "Nghị định 136/2013/NĐ-CP",
        )
        .spec(District, &[District]),
    });

    let mut items_2017: Vec<Item> = commune
        .iter()
        .filter(|x| is(x.code, &later_2017))
        .map(|x| Item::New {
            procedure: x.spec(Commune, &[Commune]),
        })
        .collect();
    // Chứng thực fees per Circular 226/2016/TT-BTC.
    items_2017.extend(
        commune
            .iter()
            .filter(|x| is(x.code, &["2.000815", "2.000884", "2.001035"]))
            .map(|x| Item::Amended {
                procedure: x.spec(Commune, &[Commune]),
            }),
    );

    // Circular 04/2020/TT-BTP: new civil-status forms, shorter limits, online service.
    let items_2020: Vec<Item> = commune
        .iter()
        .filter(|x| is(x.code, &hotich_2020))
        .map(|x| Item::Amended {
            procedure: x.spec(Commune, &[Commune]),
        })
        .chain(std::iter::once(Item::New {
            procedure: commune
                .iter()
                .find(|x| x.code == "1.011607")
                .expect("defined")
                .spec(Commune, &[Commune]),
        }))
        .collect();

    // Decree 20/2021/NĐ-CP on social assistance.
    let new_assistance = district
        .iter()
        .find(|x| x.code == "1.001776")
        .expect("defined");
    let items_2021 = vec![
        Item::Replaced {
            replaces: "1.001758".into(),
            procedure: new_assistance.spec(District, &[District]),
        },
        Item::New {
            procedure: commune
                .iter()
                .find(|x| x.code == "1.001731")
                .expect("defined")
                .spec(Commune, &[Commune]),
        },
    ];

    // Land Law 2024: new procedure codes replace the old ones.
    let items_2024: Vec<Item> = land_defs(false)
        .into_iter()
        .zip(land_defs(true))
        .map(|(old, new)| Item::Replaced {
            replaces: old.code.into(),
            procedure: land_spec(&new),
        })
        .collect();

    // The two-level reform: the town's procedures move to communes and wards; the town's alcohol
    // and tobacco licences go to the province (abolished here).
    let moved: Vec<Def> = district
        .iter()
        .filter(|x| !is(x.code, &["2.001620", "2.000633"]))
        .cloned()
        .chain(land_defs(true))
        .collect();
    let mut items_2025: Vec<Item> = moved
        .iter()
        .map(|x| Item::Amended {
            procedure: x.spec(Commune, &[Commune]),
        })
        .collect();
    items_2025.extend(["2.001620", "2.000633"].iter().map(|c| Item::Abolished {
        code: (*c).into(),
        reason: "Chuyển về cấp tỉnh thực hiện từ 01/7/2025".into(),
    }));

    let mut out = vec![
        announcement(D2016, "2016-09-05", "2016-09-15", items_2016),
        announcement(D2017, "2017-04-20", "2017-05-01", items_2017),
        announcement(D2020, "2020-10-30", "2020-11-16", items_2020),
        announcement(D2021, "2021-07-20", "2021-08-01", items_2021),
        announcement(D2024, "2024-07-25", "2024-08-01", items_2024),
        announcement(D2025, "2025-06-28", "2025-07-01", items_2025),
    ];
    // The boundary-free list: the same versions, amended only by the flag.
    let mut cat = Catalogue::default();
    for a in &out {
        if let Ok(changes) = cat.apply(a) {
            cat = cat.with(&changes);
        }
    }
    let listed: Vec<Item> = BOUNDARY_FREE
        .iter()
        .filter_map(|code| cat.in_force(code, d("2025-07-15")))
        .map(|p| {
            let mut spec = p.spec.clone();
            spec.boundary_free = true;
            Item::Amended { procedure: spec }
        })
        .collect();
    out.push(announcement(
        D2025_BOUNDARY_FREE,
        "2025-07-10",
        "2025-07-15",
        listed,
    ));
    out
}

/// The catalogue the decisions make.
pub fn catalogue() -> Catalogue {
    let mut cat = Catalogue::default();
    for a in announcements() {
        let changes = cat.apply(&a).expect("demo decisions apply");
        cat = cat.with(&changes);
    }
    cat
}

/// What each unit has posted. In 2017 the units the inspection named never posted the May 2017
/// decision; since 2025 phường Buôn Hồ is up to date, phường Cư Bao missed the land procedures of
/// the reform and xã Ea Drông still shows its old commune list.
pub fn postings(cat: &Catalogue) -> Vec<Posting> {
    let mut out = vec![];
    let mut post_all = |unit: &str, on: NaiveDate, skip: &dyn Fn(&Procedure) -> bool| {
        let u = town::units()
            .into_iter()
            .find(|u| u.code == unit)
            .expect("demo unit");
        for p in cat.required_at(&u, on) {
            if !skip(p) {
                out.push(Posting {
                    unit: unit.into(),
                    code: p.spec.code.clone(),
                    version: p.version,
                    posted_on: on,
                });
            }
        }
    };
    let behind_2017 = ["10", "11", "12", "08", "04", "06"]; // Ea Blang, Ea Drông, Ea Siên, Bình Thuận, Đạt Hiếu, Thiện An
    for (suffix, _, _) in town::COMMUNES {
        let code = town::commune_code(suffix);
        post_all(&code, d("2016-10-01"), &|_| false);
        if !behind_2017.contains(&suffix) {
            post_all(&code, d("2017-05-15"), &|_| false);
        }
    }
    // The environment office never posted two of its land procedures.
    post_all(town::ENVIRONMENT, d("2016-10-01"), &|p| {
        p.spec.code.ends_with('1') || p.spec.code.ends_with('3')
    });
    post_all(town::TOWN, d("2016-10-01"), &|_| false);
    post_all(town::TOWN, d("2017-05-15"), &|_| false);
    post_all(town::PHUONG_BUON_HO, d("2025-07-01"), &|_| false);
    post_all(town::PHUONG_CU_BAO, d("2025-07-03"), &|p| {
        p.spec.field == "Đất đai"
    });
    // Ea Drông copied the 2016 commune list it had kept on the wall.
    let old = town::units()
        .into_iter()
        .find(|u| u.code == town::commune_code("11"))
        .expect("unit");
    for p in cat.required_at(&old, d("2016-10-01")) {
        out.push(Posting {
            unit: town::XA_EA_DRONG.into(),
            code: p.spec.code.clone(),
            version: p.version,
            posted_on: d("2025-07-10"),
        });
    }
    out
}

/// The procedures the dossier generator uses, with the version in force on `on`.
pub fn procedures(cat: &Catalogue, on: NaiveDate) -> Vec<DemoProcedure> {
    use Performer::{Agency, Own};
    let land = town::LAND_OFFICE;
    let tax = town::TAX;
    let own3 = vec![Own, Own, Own];
    let table: Vec<(&str, u32, Vec<Performer>, Option<usize>)> = vec![
        ("1.001193", 10, own3.clone(), None),
        ("1.000894", 4, own3.clone(), None),
        ("1.000656", 3, own3.clone(), None),
        ("1.004873", 6, own3.clone(), None),
        ("2.000635", 7, own3.clone(), None),
        ("1.004859", 2, own3.clone(), None),
        ("2.000815", 25, own3.clone(), None),
        ("2.000884", 8, own3.clone(), None),
        ("2.001035", 5, own3.clone(), None),
        ("2.000908", 3, own3.clone(), None),
        ("2.000942", 1, own3.clone(), None),
        ("1.001612", 5, own3.clone(), None),
        ("2.000720", 3, own3.clone(), None),
        (
            "1.012756",
            6,
            vec![Own, Own, Agency(land), Agency(tax), Agency(land), Own],
            Some(3),
        ),
        (
            "1.012783",
            4,
            vec![Own, Agency(land), Agency(land), Own],
            None,
        ),
        (
            "1.012784",
            2,
            vec![Own, Agency(land), Agency(tax), Own],
            Some(2),
        ),
        ("1.009794", 4, own3.clone(), None),
        ("1.011607", 2, own3.clone(), None),
        ("1.001776", 2, own3.clone(), None),
        ("2.000806", 1, own3.clone(), None),
    ];
    table
        .into_iter()
        .filter_map(|(code, weight, route, payment_step)| {
            cat.in_force(code, on).map(|p| DemoProcedure {
                procedure: p.clone(),
                weight,
                route,
                payment_step,
            })
        })
        .collect()
}
