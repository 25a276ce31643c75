//! Demo feedback (phản ánh, kiến nghị) over the past six months at the three wards: every one
//! submitted, most assigned and answered (a few late, a few extended once), some rated, those whose
//! senders agreed published; a few still open (new, due soon, overdue) and one overdue escalated
//! to the town. Written through the store's own path (`feedback::submit` and `execute`) at the
//! times they happened, so the log, its chain and the figures are as a real office's.

use anyhow::Result;
use chrono::{DateTime, TimeDelta, Utc};
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::Actor;
use motcua_domain::feedback::{
    Channel, Command, Contact, FeedbackRules, Satisfaction, Submission, Topic,
};
use motcua_store::{Store, feedback};

use super::generate::Rng;
use super::town;

/// (topic, title, content, answer)
const CASES: [(Topic, &str, &str, &str); 12] = [
    (
        Topic::Dossier,
        "Hồ sơ khai sinh trả chậm so với giấy hẹn",
        "Tôi nộp hồ sơ đăng ký khai sinh cho con, giấy hẹn trả trong ngày nhưng đến hôm sau mới nhận được, không được báo trước.",
        "Bộ phận Một cửa đã kiểm tra: hồ sơ chậm do hệ thống ký số gián đoạn buổi chiều. Phường đã xin lỗi ông/bà và chấn chỉnh việc thông báo khi trễ hẹn.",
    ),
    (
        Topic::Procedure,
        "Yêu cầu bản sao sổ hộ khẩu khi chứng thực",
        "Khi chứng thực bản sao, cán bộ yêu cầu nộp thêm bản sao sổ hộ khẩu dù thủ tục niêm yết không có giấy tờ này.",
        "Thủ tục chứng thực bản sao từ bản chính không yêu cầu sổ hộ khẩu. Phường đã nhắc nhở cán bộ và niêm yết lại danh mục giấy tờ tại quầy.",
    ),
    (
        Topic::Conduct,
        "Thái độ cán bộ tiếp nhận chưa niềm nở",
        "Cán bộ tiếp nhận trả lời cộc lốc, không hướng dẫn cách điền tờ khai, tôi phải hỏi lại nhiều lần mới hiểu.",
        "Lãnh đạo phường đã làm việc với cán bộ tiếp nhận, yêu cầu hướng dẫn đầy đủ, tận tình; cảm ơn ông/bà đã phản ánh.",
    ),
    (
        Topic::Other,
        "Khu vực chờ thiếu ghế ngồi",
        "Buổi sáng thứ Hai đông người, khu vực chờ của bộ phận một cửa không đủ ghế, người già phải đứng lâu.",
        "Phường đã bổ sung 12 ghế và bố trí số thứ tự ưu tiên cho người cao tuổi, phụ nữ mang thai.",
    ),
    (
        Topic::Procedure,
        "Lệ phí chứng thực thu chưa đúng mức niêm yết",
        "Tôi chứng thực 3 bản sao nhưng bị thu 10.000 đồng mỗi trang thay vì mức niêm yết, đề nghị kiểm tra.",
        "Mức thu đúng là 2.000 đồng/trang từ trang thứ nhất đến trang thứ hai, 1.000 đồng/trang từ trang thứ ba. Phường đã hoàn lại số tiền thu thừa.",
    ),
    (
        Topic::Regulation,
        "Đề nghị cho nộp bản chụp giấy tờ khi nộp trực tuyến",
        "Nộp hồ sơ trực tuyến nhưng vẫn phải mang bản chính đến đối chiếu, đề nghị xem xét cho dùng bản điện tử đã chứng thực.",
        "Kiến nghị đã được tổng hợp gửi Sở Tư pháp. Theo quy định hiện hành, bản sao điện tử được chứng thực từ bản chính có giá trị thay thế bản chính khi đối chiếu.",
    ),
    (
        Topic::Dossier,
        "Không nhận được tin nhắn báo kết quả",
        "Hồ sơ của tôi đã có kết quả nhưng tôi không nhận được tin nhắn, đến hỏi mới biết đã có từ tuần trước.",
        "Số điện thoại trong hồ sơ bị nhập thiếu một chữ số. Phường đã sửa và hướng dẫn cán bộ kiểm tra lại thông tin liên hệ khi tiếp nhận.",
    ),
    (
        Topic::Conduct,
        "Cán bộ hẹn đến nhiều lần để bổ sung",
        "Tôi phải đi lại ba lần vì mỗi lần cán bộ chỉ yêu cầu bổ sung một giấy tờ, không nói hết một lần.",
        "Phường đã chấn chỉnh: mọi yêu cầu bổ sung phải nêu đầy đủ một lần bằng phiếu hướng dẫn; cán bộ liên quan đã được nhắc nhở.",
    ),
    (
        Topic::Procedure,
        "Thời gian giải quyết đăng ký kết hôn",
        "Đề nghị cho biết vì sao đăng ký kết hôn phải chờ 5 ngày làm việc trong khi niêm yết là trong ngày.",
        "Trường hợp cần xác minh thì thời hạn không quá 5 ngày làm việc theo Luật Hộ tịch; hồ sơ của ông/bà thuộc trường hợp này.",
    ),
    (
        Topic::Other,
        "Máy lấy số thứ tự bị hỏng",
        "Máy cấp số thứ tự tại bộ phận một cửa hỏng nhiều ngày, người dân chen lấn khi đến lượt.",
        "Máy đã được sửa chữa; trong thời gian hỏng, cán bộ phát số thứ tự bằng phiếu giấy.",
    ),
    (
        Topic::Dossier,
        "Hồ sơ chứng thực bị thất lạc bản chính",
        "Tôi để lại bản chính giấy tờ để chứng thực, khi nhận lại thì thiếu một bản chính.",
        "Bản chính đã được tìm thấy kẹp nhầm trong hồ sơ khác và đã trả lại ông/bà; phường xin lỗi về sự bất tiện này.",
    ),
    (
        Topic::Regulation,
        "Đề nghị mở cửa sáng thứ Bảy",
        "Người lao động khó nghỉ làm trong giờ hành chính, đề nghị bộ phận một cửa tiếp nhận sáng thứ Bảy.",
        "Kiến nghị đã được báo cáo Ủy ban nhân dân thị xã; từ tháng tới, bộ phận một cửa tiếp nhận sáng thứ Bảy tuần thứ hai và thứ tư.",
    ),
];

const NAMES: [&str; 10] = [
    "Nguyễn Văn An",
    "Trần Thị Bích",
    "Lê Quang Cường",
    "Phạm Thị Dung",
    "H'Linh Niê",
    "Y Khoa Êban",
    "Võ Minh Đức",
    "Đặng Thị Hằng",
    "Bùi Văn Khánh",
    "Hoàng Thị Mai",
];

/// How many days ago a feedback was submitted to fall due within the next two days.
fn due_soon_days_ago(cal: &WorkCalendar, rules: &FeedbackRules, now: DateTime<Utc>) -> i64 {
    use motcua_domain::dossier::{from_local, to_local};
    (1..40)
        .find(|d| {
            let at = now - TimeDelta::days(*d);
            cal.due(
                to_local(at),
                motcua_domain::calendar::Limit::WorkingDays(rules.answer_days),
            )
            .is_ok_and(|due| {
                let left = from_local(due.due) - now;
                left > TimeDelta::zero() && left <= TimeDelta::hours(rules.due_soon_hours)
            })
        })
        .unwrap_or(12)
}

/// Seeds `count` feedback items ending at `now`; returns how many.
pub fn seed(
    store: &Store,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
    count: usize,
    staff_of: &dyn Fn(&str, motcua_domain::org::Role) -> i64,
) -> Result<usize> {
    use motcua_domain::org::Role;
    let rules = FeedbackRules::default();
    let units = [town::PHUONG_BUON_HO, town::PHUONG_CU_BAO, town::XA_EA_DRONG];
    let mut rng = Rng::new(19_190_019);
    let ms = |t: DateTime<Utc>| DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t);
    let mut done = 0;
    for i in 0..count {
        let unit = units[i % units.len()];
        let (topic, title, content, answer) = CASES[i % CASES.len()];
        // Spread over 180 days; the last few are recent (new, due soon).
        let days_ago = if i + 4 == count {
            due_soon_days_ago(cal, &rules, now)
        } else if i + 4 > count {
            (count - i) as i64
        } else {
            10 + rng.below(170) as i64
        };
        let submitted =
            ms(now - TimeDelta::days(days_ago) - TimeDelta::minutes(rng.below(480) as i64));
        let consent = rng.chance(0.7);
        let dossier = if topic == Topic::Dossier {
            store.read(|tx| feedback::dossier_before(tx, unit, submitted - TimeDelta::days(3)))?
        } else {
            None
        };
        // Without a dossier to name, the same case is about the procedure.
        let topic = if topic == Topic::Dossier && dossier.is_none() {
            Topic::Procedure
        } else {
            topic
        };
        let s = Submission {
            unit: unit.to_owned(),
            topic,
            title: title.to_owned(),
            content: content.to_owned(),
            dossier_code: dossier.as_ref().map(|d| d.0.clone()),
            procedure_code: dossier.map(|d| d.1),
            channel: if rng.chance(0.25) {
                Channel::Desk
            } else {
                Channel::Online
            },
            publish_consent: consent,
        };
        let name = NAMES[rng.below(NAMES.len())];
        let contact = Contact {
            name: name.to_owned(),
            phone: format!("09{:08}", rng.below(100_000_000)),
            email: String::new(),
            address: format!("Tổ dân phố {}, {}", 1 + rng.below(12), "thị xã Buôn Hồ"),
        };
        let desk = staff_of(unit, Role::ReceptionOfficer);
        let specialist = staff_of(unit, Role::Specialist);
        let leader = staff_of(unit, Role::UnitLeader);
        let as_staff = |id: i64| Actor::Import {
            staff: Some(id),
            source: "demo".into(),
        };
        let actor = if s.channel == Channel::Desk {
            as_staff(desk)
        } else {
            Actor::Applicant
        };
        let id = store.write(|tx| {
            Ok(feedback::submit(tx, s.clone(), &contact, &actor, submitted, cal, &rules)?.id)
        })?;
        done += 1;
        let recent = i + 4 >= count;
        // Two old ones left unanswered: overdue; the first of them escalated to the town.
        let left_open = recent || i % 11 == 5;
        let mut version = 1;
        let mut step = |cmd: Command, actor: Actor, at: DateTime<Utc>| -> Result<bool> {
            if at > now {
                return Ok(false);
            }
            let r = store.write(|tx| {
                feedback::execute(tx, id, Some(version), &cmd, &actor, ms(at), cal, &rules)
            });
            match r {
                Ok(_) => {
                    version += 1;
                    Ok(true)
                }
                Err(motcua_store::StoreError::Domain(_)) => Ok(false),
                Err(e) => Err(e.into()),
            }
        };
        if recent && i + 2 >= count {
            continue; // new, not yet assigned
        }
        step(
            Command::Assign {
                unit: unit.to_owned(),
                assignee: Some(specialist),
                note: String::new(),
            },
            as_staff(desk),
            submitted + TimeDelta::hours(2),
        )?;
        if left_open {
            if i % 11 == 5 && i < 11 {
                let due = store.read(|tx| feedback::get(tx, id))?.feedback.due_at;
                step(
                    Command::Escalate {
                        to_unit: town::TOWN.to_owned(),
                        reason: "Phường chưa trả lời đúng hạn".into(),
                    },
                    as_staff(leader),
                    due + TimeDelta::days(2),
                )?;
            }
            continue;
        }
        let extended = rng.chance(0.2);
        if extended {
            step(
                Command::Extend {
                    reason: "Cần xác minh với cơ quan, đơn vị liên quan".into(),
                },
                as_staff(leader),
                submitted + TimeDelta::days(5),
            )?;
        }
        // Most answered within about a week; some late (up to three weeks).
        let late = rng.chance(0.15);
        let after = if late {
            16 + rng.below(6) as i64
        } else {
            2 + rng.below(7) as i64
        };
        let answered = step(
            Command::Answer {
                text: answer.to_owned(),
                publish: consent,
            },
            as_staff(specialist),
            submitted + TimeDelta::days(after),
        )?;
        if answered && rng.chance(0.6) {
            let satisfaction = match rng.below(10) {
                0..=3 => Satisfaction::VerySatisfied,
                4..=7 => Satisfaction::Satisfied,
                _ => Satisfaction::Unsatisfied,
            };
            step(
                Command::Rate {
                    satisfaction,
                    comment: String::new(),
                },
                Actor::Applicant,
                submitted + TimeDelta::days(after + 1),
            )?;
        }
    }
    Ok(done)
}
