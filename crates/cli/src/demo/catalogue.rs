//! The demo's procedures: common commune-level procedures of Đắk Lắk after the 2025 reform, with
//! national codes, time limits split into per-step budgets, papers and fees. Figures are the usual
//! national rules (a province's announcement decision may shorten times); some codes are recalled,
//! not read from the national database.

use motcua_domain::calendar::Limit;
use motcua_domain::procedure::{OnlineLevel, PaperSpec, Procedure, StepBudget};

/// Who performs a step of the internal workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Performer {
    /// The receiving unit's desk, specialists or leaders.
    Own,
    /// Another agency (liên thông), by unit code.
    Agency(&'static str),
}

/// A demo procedure: the catalogue entry, how often it is asked for, and who does each step.
pub struct DemoProcedure {
    pub procedure: Procedure,
    pub weight: u32,
    pub route: Vec<Performer>,
    /// A step (by index) that waits for the applicant's financial obligations.
    pub payment_step: Option<usize>,
}

fn h(hours: u32) -> Limit {
    Limit::WorkingMinutes(hours * 60)
}

fn days(n: u32) -> Limit {
    Limit::WorkingDays(n)
}

fn paper(name: &str) -> PaperSpec {
    PaperSpec {
        name: name.into(),
        copies: 1,
        mandatory: true,
    }
}

#[allow(clippy::too_many_arguments)]
fn proc(
    code: &str,
    name: &str,
    field: &str,
    limit: Limit,
    steps: &[(&str, Limit)],
    papers: &[&str],
    online: OnlineLevel,
    fee: &str,
) -> Procedure {
    Procedure {
        code: code.into(),
        version: 1,
        name: name.into(),
        field: field.into(),
        level: "commune".into(),
        limit,
        steps: steps
            .iter()
            .map(|(n, b)| StepBudget {
                name: (*n).into(),
                budget: *b,
            })
            .collect(),
        papers: papers.iter().map(|p| paper(p)).collect(),
        online,
        fee: fee.into(),
    }
}

pub fn procedures() -> Vec<DemoProcedure> {
    let (full, partial, offline) = (OnlineLevel::Full, OnlineLevel::Partial, OnlineLevel::None);
    use Performer::*;
    let own3 = vec![Own, Own, Own];
    let land = super::town::LAND_OFFICE;
    let tax = super::town::TAX;
    vec![
        DemoProcedure {
            procedure: proc(
                "1.001193",
                "Đăng ký khai sinh",
                "Hộ tịch",
                h(8),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(1)),
                    ("Công chức tư pháp - hộ tịch xử lý", h(5)),
                    ("Lãnh đạo ký, trả kết quả", h(2)),
                ],
                &[
                    "Tờ khai đăng ký khai sinh",
                    "Giấy chứng sinh hoặc văn bản của người làm chứng",
                ],
                full,
                "Miễn lệ phí (Luật Hộ tịch 2014, Điều 11)",
            ),
            weight: 10,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "1.000894",
                "Đăng ký kết hôn",
                "Hộ tịch",
                days(5),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Xác minh, đề xuất", days(3)),
                    ("Lãnh đạo ký", days(1)),
                ],
                &[
                    "Tờ khai đăng ký kết hôn",
                    "Giấy xác nhận tình trạng hôn nhân (nếu đăng ký ngoài nơi cư trú)",
                ],
                partial,
                "Miễn lệ phí với công dân cư trú trong nước",
            ),
            weight: 4,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "1.000656",
                "Đăng ký khai tử",
                "Hộ tịch",
                days(3),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Công chức tư pháp - hộ tịch xử lý", days(2)),
                    ("Lãnh đạo ký", h(4)),
                ],
                &[
                    "Tờ khai đăng ký khai tử",
                    "Giấy báo tử hoặc giấy tờ thay thế",
                ],
                full,
                "Miễn lệ phí nếu đăng ký đúng hạn",
            ),
            weight: 3,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "1.004873",
                "Cấp Giấy xác nhận tình trạng hôn nhân",
                "Hộ tịch",
                days(3),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Kiểm tra, xác minh", days(2)),
                    ("Lãnh đạo ký", h(4)),
                ],
                &["Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"],
                full,
                "15.000 đồng",
            ),
            weight: 6,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "2.000635",
                "Cấp bản sao trích lục hộ tịch",
                "Hộ tịch",
                h(8),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(1)),
                    ("Tra cứu sổ hộ tịch", h(5)),
                    ("Lãnh đạo ký", h(2)),
                ],
                &["Tờ khai cấp bản sao trích lục hộ tịch"],
                full,
                "8.000 đồng/bản",
            ),
            weight: 7,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "1.004859",
                "Thay đổi, cải chính, bổ sung thông tin hộ tịch",
                "Hộ tịch",
                days(3),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Thẩm tra", days(2)),
                    ("Lãnh đạo ký", h(4)),
                ],
                &[
                    "Tờ khai đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch",
                    "Giấy tờ làm căn cứ",
                ],
                partial,
                "15.000 đồng",
            ),
            weight: 2,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "2.000815",
                "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
                "Chứng thực",
                h(8),
                &[
                    ("Tiếp nhận, đối chiếu", h(2)),
                    ("Chứng thực", h(4)),
                    ("Lãnh đạo ký", h(2)),
                ],
                &["Bản chính giấy tờ, văn bản", "Bản sao cần chứng thực"],
                offline,
                "2.000 đồng/trang từ trang 1-2; 1.000 đồng/trang từ trang 3; tối đa 200.000 đồng/bản",
            ),
            weight: 25,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "2.000884",
                "Chứng thực chữ ký trong giấy tờ, văn bản",
                "Chứng thực",
                h(8),
                &[
                    ("Tiếp nhận", h(2)),
                    ("Chứng thực", h(4)),
                    ("Lãnh đạo ký", h(2)),
                ],
                &["Giấy tờ, văn bản cần chứng thực chữ ký", "Giấy tờ tùy thân"],
                offline,
                "10.000 đồng/trường hợp",
            ),
            weight: 8,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "2.001035",
                "Chứng thực hợp đồng, giao dịch liên quan đến tài sản",
                "Chứng thực",
                days(2),
                &[
                    ("Tiếp nhận", h(4)),
                    ("Kiểm tra hồ sơ", days(1)),
                    ("Lãnh đạo ký", h(4)),
                ],
                &[
                    "Dự thảo hợp đồng, giao dịch",
                    "Giấy tờ tùy thân",
                    "Giấy chứng nhận quyền sử dụng đất hoặc giấy tờ sở hữu",
                ],
                offline,
                "50.000 đồng/hợp đồng",
            ),
            weight: 5,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "2.000908",
                "Cấp bản sao từ sổ gốc",
                "Chứng thực",
                h(8),
                &[
                    ("Tiếp nhận", h(2)),
                    ("Tra cứu sổ gốc", h(4)),
                    ("Lãnh đạo ký", h(2)),
                ],
                &["Đơn đề nghị cấp bản sao từ sổ gốc"],
                partial,
                "Không thu phí",
            ),
            weight: 3,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "1.001612",
                "Đăng ký thành lập hộ kinh doanh",
                "Thành lập và hoạt động của hộ kinh doanh",
                days(3),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Thẩm định hồ sơ", days(2)),
                    ("Lãnh đạo ký", h(4)),
                ],
                &[
                    "Giấy đề nghị đăng ký hộ kinh doanh",
                    "Bản sao giấy tờ pháp lý của chủ hộ",
                    "Biên bản họp thành viên hộ gia đình (nếu có)",
                ],
                full,
                "100.000 đồng",
            ),
            weight: 5,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "2.000720",
                "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
                "Thành lập và hoạt động của hộ kinh doanh",
                days(3),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Thẩm định hồ sơ", days(2)),
                    ("Lãnh đạo ký", h(4)),
                ],
                &[
                    "Thông báo thay đổi nội dung đăng ký hộ kinh doanh",
                    "Giấy chứng nhận đăng ký hộ kinh doanh đã cấp",
                ],
                full,
                "50.000 đồng",
            ),
            weight: 3,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "1.012756",
                "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận lần đầu",
                "Đất đai",
                days(20),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Xác nhận hiện trạng, nguồn gốc đất", days(4)),
                    ("Đo đạc, thẩm định hồ sơ", days(7)),
                    ("Xác định nghĩa vụ tài chính", days(3)),
                    ("In, trình ký Giấy chứng nhận", days(4)),
                    ("Lãnh đạo ký", days(1)),
                ],
                &[
                    "Đơn đăng ký đất đai, tài sản gắn liền với đất (Mẫu 15)",
                    "Giấy tờ về quyền sử dụng đất",
                    "Tờ khai lệ phí trước bạ",
                    "Tờ khai thuế sử dụng đất phi nông nghiệp",
                ],
                partial,
                "Lệ phí cấp Giấy chứng nhận 25.000 đồng; giá dịch vụ đo đạc theo quy định của tỉnh",
            ),
            weight: 6,
            route: vec![Own, Own, Agency(land), Agency(tax), Agency(land), Own],
            payment_step: Some(3),
        },
        DemoProcedure {
            procedure: proc(
                "1.012783",
                "Cấp đổi Giấy chứng nhận quyền sử dụng đất",
                "Đất đai",
                days(10),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Kiểm tra, thẩm định", days(5)),
                    ("In Giấy chứng nhận", days(3)),
                    ("Lãnh đạo ký", days(1)),
                ],
                &[
                    "Đơn đăng ký biến động đất đai (Mẫu 18)",
                    "Bản gốc Giấy chứng nhận đã cấp",
                ],
                partial,
                "50.000 đồng/giấy",
            ),
            weight: 4,
            route: vec![Own, Agency(land), Agency(land), Own],
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "1.012784",
                "Tách thửa hoặc hợp thửa đất",
                "Đất đai",
                days(15),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Đo đạc, chỉnh lý bản đồ", days(8)),
                    ("Xác định nghĩa vụ tài chính", days(3)),
                    ("Lãnh đạo ký", days(2)),
                ],
                &[
                    "Đơn đề nghị tách thửa, hợp thửa (Mẫu 18)",
                    "Bản gốc Giấy chứng nhận đã cấp",
                    "Bản vẽ tách thửa, hợp thửa",
                ],
                partial,
                "Giá dịch vụ đo đạc theo quy định của tỉnh",
            ),
            weight: 2,
            route: vec![Own, Agency(land), Agency(tax), Own],
            payment_step: Some(2),
        },
        DemoProcedure {
            procedure: proc(
                "1.009794",
                "Cấp giấy phép xây dựng nhà ở riêng lẻ",
                "Xây dựng",
                days(15),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Thẩm định, kiểm tra thực địa", days(10)),
                    ("Lãnh đạo ký", days(3)),
                ],
                &[
                    "Đơn đề nghị cấp giấy phép xây dựng",
                    "Giấy tờ về quyền sử dụng đất",
                    "02 bộ bản vẽ thiết kế xây dựng",
                ],
                partial,
                "75.000 đồng/giấy phép",
            ),
            weight: 4,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "1.011607",
                "Công nhận hộ nghèo, hộ cận nghèo phát sinh trong năm",
                "Giảm nghèo",
                days(7),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Rà soát, thẩm định", days(5)),
                    ("Lãnh đạo ký", days(1)),
                ],
                &["Giấy đề nghị xét duyệt hộ nghèo, hộ cận nghèo"],
                partial,
                "Không thu phí",
            ),
            weight: 2,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "1.001776",
                "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng",
                "Bảo trợ xã hội",
                days(10),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Xét duyệt, niêm yết công khai", days(7)),
                    ("Lãnh đạo ký quyết định", days(2)),
                ],
                &[
                    "Tờ khai đề nghị trợ giúp xã hội (Mẫu 1a-1d)",
                    "Giấy tờ chứng minh đối tượng",
                ],
                partial,
                "Không thu phí",
            ),
            weight: 2,
            route: own3.clone(),
            payment_step: None,
        },
        DemoProcedure {
            procedure: proc(
                "2.000806",
                "Đăng ký kết hôn có yếu tố nước ngoài",
                "Hộ tịch",
                days(15),
                &[
                    ("Tiếp nhận, chuyển hồ sơ", h(4)),
                    ("Thẩm tra, xác minh", days(12)),
                    ("Lãnh đạo ký", days(2)),
                ],
                &[
                    "Tờ khai đăng ký kết hôn",
                    "Giấy xác nhận tình trạng hôn nhân của người nước ngoài",
                    "Giấy xác nhận sức khỏe tâm thần",
                    "Hộ chiếu",
                ],
                partial,
                "Theo mức Hội đồng nhân dân tỉnh quy định",
            ),
            weight: 1,
            route: own3.clone(),
            payment_step: None,
        },
    ]
}
