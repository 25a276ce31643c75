//! Administrative-reform inspections (kiểm tra cải cách hành chính): the plan, the team formed by
//! decision, the visits, the checklist of content areas, the findings (many drafted by the automatic
//! checks from motcua's own records, each with its evidence), the conclusion notice, and the
//! remediation tasks followed to completion. An inspection changes only through [`Inspection::apply`],
//! which validates each command and changes nothing when it refuses.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::Timeliness;
use crate::dossier::Dossier;

/// A content area of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Area {
    pub code: String,
    pub name: String,
}

/// The seven areas of the 2017 inspection (the default checklist).
pub fn default_areas() -> Vec<Area> {
    [
        (
            "lanh-dao",
            "Công tác lãnh đạo, chỉ đạo, điều hành cải cách hành chính",
        ),
        ("thu-tuc", "Cải cách thủ tục hành chính"),
        ("to-chuc", "Cải cách tổ chức bộ máy hành chính nhà nước"),
        (
            "tuyen-truyen",
            "Công tác thông tin, tuyên truyền cải cách hành chính",
        ),
        (
            "can-bo",
            "Xây dựng, nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức",
        ),
        (
            "cong-nghe",
            "Ứng dụng công nghệ thông tin trong hoạt động của cơ quan hành chính",
        ),
        ("mot-cua", "Thực hiện cơ chế một cửa, một cửa liên thông"),
    ]
    .into_iter()
    .map(|(code, name)| Area {
        code: code.into(),
        name: name.into(),
    })
    .collect()
}

/// The limits the automatic checks apply; set per inspection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Thresholds {
    /// A unit is late when more than this share of what it resolved was late.
    pub late_share: f64,
    /// A unit falls short on satisfaction below this share of satisfied ratings...
    pub satisfaction: f64,
    /// ...counted only with at least this many ratings.
    pub min_ratings: i64,
    /// A unit hardly uses the system when it received fewer dossiers through it than this share of
    /// what its best-using third of peers received on average.
    pub system_use: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            late_share: 0.10,
            satisfaction: 0.80,
            min_ratings: 10,
            system_use: 0.25,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Lead,
    Member,
    Secretary,
}

impl MemberRole {
    pub fn label_vi(self) -> &'static str {
        match self {
            MemberRole::Lead => "Trưởng đoàn",
            MemberRole::Member => "Thành viên",
            MemberRole::Secretary => "Thư ký",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Member {
    pub name: String,
    pub title: String,
    pub role: MemberRole,
    /// The member's motcua account, when there is one (it may then read the inspection).
    #[serde(default)]
    pub staff_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Visit {
    pub unit: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Strength,
    Shortcoming,
}

/// What backs a finding: figures, example dossiers, a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Evidence {
    pub summary: String,
    #[serde(default)]
    pub count: Option<i64>,
    #[serde(default)]
    pub of: Option<i64>,
    /// Dossier codes (a few examples).
    #[serde(default)]
    pub dossiers: Vec<String>,
    #[serde(default)]
    pub since: Option<NaiveDate>,
    #[serde(default)]
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Finding {
    pub id: u32,
    pub unit: String,
    pub area: String,
    pub kind: FindingKind,
    pub text: String,
    pub evidence: Evidence,
    /// The automatic check that drafted it, if any.
    #[serde(default)]
    pub check: Option<Check>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Task {
    pub id: u32,
    pub unit: String,
    pub what: String,
    pub deadline: NaiveDate,
    pub status: TaskStatus,
    #[serde(default)]
    pub finding: Option<u32>,
    #[serde(default)]
    pub done_on: Option<NaiveDate>,
    #[serde(default)]
    pub evidence: Option<String>,
}

impl Task {
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status == TaskStatus::Open && self.deadline < today
    }
}

/// The decision forming the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TeamDecision {
    pub number: String,
    pub date: NaiveDate,
    pub signer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Conclusion {
    pub number: String,
    pub date: NaiveDate,
    pub signer: String,
}

/// An inspection: its plan and everything done under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Inspection {
    /// The unit that inspects (the town), whose inspectors and leaders manage it.
    pub owner: String,
    pub plan_number: String,
    pub plan_date: NaiveDate,
    pub year: i32,
    pub title: String,
    /// The units inspected.
    pub units: Vec<String>,
    pub areas: Vec<Area>,
    /// The team's working days.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The period whose records are inspected.
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub thresholds: Thresholds,
    pub decision: Option<TeamDecision>,
    pub members: Vec<Member>,
    pub visits: Vec<Visit>,
    pub findings: Vec<Finding>,
    pub conclusion: Option<Conclusion>,
    pub tasks: Vec<Task>,
    /// Where the records the automatic checks read came from, when they are not a unit's own
    /// (the demo's simulated years): printed on the notice so no figure passes for a fact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_note: Option<String>,
}

/// What was wrong with a command: Vietnamese, English, and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub vi: String,
    pub en: String,
}

fn refuse(field: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Refusal {
    Refusal {
        field,
        vi: vi.into(),
        en: en.into(),
    }
}

/// A new inspection's plan.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewPlan {
    pub owner: String,
    pub plan_number: String,
    pub plan_date: NaiveDate,
    pub year: i32,
    pub title: String,
    pub units: Vec<String>,
    #[serde(default)]
    pub areas: Option<Vec<Area>>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    #[serde(default)]
    pub thresholds: Option<Thresholds>,
}

fn text(
    field: &'static str,
    s: &str,
    max: usize,
    what_vi: &str,
    what_en: &str,
) -> Result<String, Refusal> {
    let s = crate::text::clean(s);
    if s.is_empty() || s.chars().count() > max {
        return Err(refuse(
            field,
            format!("{what_vi}: từ 1 đến {max} ký tự"),
            format!("{what_en}: 1 to {max} characters"),
        ));
    }
    Ok(s)
}

impl Inspection {
    pub fn new(p: NewPlan) -> Result<Inspection, Refusal> {
        let plan_number = text(
            "plan_number",
            &p.plan_number,
            50,
            "số kế hoạch",
            "plan number",
        )?;
        let title = text("title", &p.title, 300, "tên kế hoạch", "plan title")?;
        if p.units.is_empty() {
            return Err(refuse(
                "units",
                "cần ít nhất một đơn vị được kiểm tra",
                "at least one unit is inspected",
            ));
        }
        let mut units = p.units.clone();
        units.sort();
        units.dedup();
        if units.len() != p.units.len() {
            return Err(refuse(
                "units",
                "một đơn vị được nêu hai lần",
                "a unit is listed twice",
            ));
        }
        if p.to < p.from {
            return Err(refuse(
                "to",
                "thời gian kiểm tra bị ngược",
                "the inspection dates are inverted",
            ));
        }
        if p.period_to < p.period_from {
            return Err(refuse(
                "period_to",
                "kỳ được kiểm tra bị ngược",
                "the inspected period is inverted",
            ));
        }
        if p.from < p.plan_date {
            return Err(refuse(
                "from",
                "đoàn không làm việc trước ngày ban hành kế hoạch",
                "the team cannot work before the plan is issued",
            ));
        }
        let areas = p.areas.unwrap_or_else(default_areas);
        if areas.is_empty() {
            return Err(refuse(
                "areas",
                "cần ít nhất một nội dung kiểm tra",
                "at least one content area",
            ));
        }
        let thresholds = p.thresholds.unwrap_or_default();
        for (v, name) in [
            (thresholds.late_share, "late_share"),
            (thresholds.satisfaction, "satisfaction"),
            (thresholds.system_use, "system_use"),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(refuse(
                    "thresholds",
                    format!("ngưỡng {name} phải từ 0 đến 1"),
                    format!("threshold {name} must be between 0 and 1"),
                ));
            }
        }
        Ok(Inspection {
            owner: p.owner,
            plan_number,
            plan_date: p.plan_date,
            year: p.year,
            title,
            units: p.units,
            areas,
            from: p.from,
            to: p.to,
            period_from: p.period_from,
            period_to: p.period_to,
            thresholds,
            decision: None,
            members: vec![],
            visits: vec![],
            findings: vec![],
            conclusion: None,
            tasks: vec![],
            data_note: None,
        })
    }

    /// Applies a command to a copy; the original is unchanged when it is refused.
    pub fn apply(&self, cmd: Change, today: NaiveDate) -> Result<Inspection, Refusal> {
        let mut next = self.clone();
        match cmd {
            Change::Decision(d) => {
                let number = text("number", &d.number, 50, "số quyết định", "decision number")?;
                let signer = text("signer", &d.signer, 200, "người ký", "signer")?;
                if d.date < self.plan_date || d.date > self.from {
                    return Err(refuse(
                        "date",
                        "quyết định thành lập đoàn phải sau kế hoạch và trước ngày làm việc đầu tiên",
                        "the decision must come after the plan and before the first working day",
                    ));
                }
                next.decision = Some(TeamDecision {
                    number,
                    date: d.date,
                    signer,
                });
            }
            Change::AddMember(m) => {
                let name = text("name", &m.name, 100, "họ tên", "name")?;
                let title = text("title", &m.title, 200, "chức vụ", "title")?;
                if self
                    .members
                    .iter()
                    .any(|x| crate::text::fold_vi(&x.name) == crate::text::fold_vi(&name))
                {
                    return Err(refuse(
                        "name",
                        format!("{name} đã là thành viên của đoàn"),
                        format!("{name} is already a member of the team"),
                    ));
                }
                if m.role == MemberRole::Lead
                    && self.members.iter().any(|x| x.role == MemberRole::Lead)
                {
                    return Err(refuse(
                        "role",
                        "đoàn đã có trưởng đoàn",
                        "the team already has a lead",
                    ));
                }
                next.members.push(Member {
                    name,
                    title,
                    role: m.role,
                    staff_id: m.staff_id,
                });
            }
            Change::AddVisit(v) => {
                if !self.units.contains(&v.unit) {
                    return Err(refuse(
                        "unit",
                        "đơn vị không thuộc phạm vi kế hoạch",
                        "the unit is not in the plan's scope",
                    ));
                }
                if v.to < v.from || v.from < self.from || v.to > self.to {
                    return Err(refuse(
                        "from",
                        format!(
                            "ngày làm việc phải trong thời gian kiểm tra ({} đến {})",
                            self.from.format("%d/%m/%Y"),
                            self.to.format("%d/%m/%Y")
                        ),
                        format!(
                            "a visit must fall within the inspection ({} to {})",
                            self.from, self.to
                        ),
                    ));
                }
                next.visits.push(v);
                next.visits
                    .sort_by(|a, b| (a.from, &a.unit).cmp(&(b.from, &b.unit)));
            }
            Change::Draft(found) => {
                // Drafted findings replace earlier drafts of the same check and unit; edited or
                // hand-written findings stay.
                for f in found {
                    if let Some(old) = next
                        .findings
                        .iter_mut()
                        .find(|x| x.check.is_some() && x.check == f.check && x.unit == f.unit)
                    {
                        old.evidence = f.evidence;
                    } else {
                        let id = next.next_finding_id();
                        next.findings.push(Finding { id, ..f });
                    }
                }
            }
            Change::AddFinding {
                unit,
                area,
                kind,
                text: t,
            } => {
                let t = text("text", &t, 2000, "nội dung", "text")?;
                if !self.units.contains(&unit) {
                    return Err(refuse(
                        "unit",
                        "đơn vị không thuộc phạm vi kế hoạch",
                        "the unit is not in the plan's scope",
                    ));
                }
                if !self.areas.iter().any(|a| a.code == area) {
                    return Err(refuse(
                        "area",
                        "nội dung kiểm tra không có trong kế hoạch",
                        "no such content area in the plan",
                    ));
                }
                let id = next.next_finding_id();
                next.findings.push(Finding {
                    id,
                    unit,
                    area,
                    kind,
                    text: t,
                    evidence: Evidence::default(),
                    check: None,
                });
            }
            Change::EditFinding { id, text: t } => {
                let t = text("text", &t, 2000, "nội dung", "text")?;
                let f = next
                    .findings
                    .iter_mut()
                    .find(|f| f.id == id)
                    .ok_or_else(|| refuse("id", "không có kết luận này", "no such finding"))?;
                f.text = t;
            }
            Change::RemoveFinding { id } => {
                if self.conclusion.is_some() {
                    return Err(refuse(
                        "id",
                        "đã ban hành thông báo kết luận",
                        "the conclusion has been issued",
                    ));
                }
                let before = next.findings.len();
                next.findings.retain(|f| f.id != id);
                if next.findings.len() == before {
                    return Err(refuse("id", "không có kết luận này", "no such finding"));
                }
            }
            Change::Conclude(c) => {
                let number = text("number", &c.number, 50, "số thông báo", "notice number")?;
                let signer = text("signer", &c.signer, 200, "người ký", "signer")?;
                if self.decision.is_none() {
                    return Err(refuse(
                        "number",
                        "chưa có quyết định thành lập đoàn",
                        "the team has no founding decision yet",
                    ));
                }
                if c.date < self.to {
                    return Err(refuse(
                        "date",
                        "thông báo kết luận ban hành sau khi kết thúc kiểm tra",
                        "the conclusion comes after the inspection ends",
                    ));
                }
                if !self
                    .findings
                    .iter()
                    .any(|f| f.kind == FindingKind::Shortcoming)
                    && !self
                        .findings
                        .iter()
                        .any(|f| f.kind == FindingKind::Strength)
                {
                    return Err(refuse(
                        "number",
                        "chưa có kết luận nào",
                        "there are no findings yet",
                    ));
                }
                next.conclusion = Some(Conclusion {
                    number,
                    date: c.date,
                    signer,
                });
            }
            Change::AddTask {
                unit,
                what,
                deadline,
                finding,
            } => {
                let what = text("what", &what, 1000, "nội dung khắc phục", "what to do")?;
                let deadline = deadline.ok_or_else(|| {
                    refuse(
                        "deadline",
                        "nhiệm vụ khắc phục cần thời hạn",
                        "a remediation task needs a deadline",
                    )
                })?;
                if !self.units.contains(&unit) && !self.findings.iter().any(|f| f.unit == unit) {
                    return Err(refuse(
                        "unit",
                        "đơn vị không thuộc phạm vi kế hoạch",
                        "the unit is not in the plan's scope",
                    ));
                }
                if deadline < today {
                    return Err(refuse(
                        "deadline",
                        "thời hạn đã qua",
                        "the deadline has passed",
                    ));
                }
                if let Some(f) = finding
                    && !self.findings.iter().any(|x| x.id == f && x.unit == unit)
                {
                    return Err(refuse(
                        "finding",
                        "không có kết luận này cho đơn vị",
                        "no such finding for this unit",
                    ));
                }
                let id = next.tasks.iter().map(|t| t.id).max().unwrap_or(0) + 1;
                next.tasks.push(Task {
                    id,
                    unit,
                    what,
                    deadline,
                    status: TaskStatus::Open,
                    finding,
                    done_on: None,
                    evidence: None,
                });
            }
            Change::TasksFromShortcomings { deadline } => {
                if deadline < today {
                    return Err(refuse(
                        "deadline",
                        "thời hạn đã qua",
                        "the deadline has passed",
                    ));
                }
                for f in self
                    .findings
                    .iter()
                    .filter(|f| f.kind == FindingKind::Shortcoming)
                {
                    if next.tasks.iter().any(|t| t.finding == Some(f.id)) {
                        continue;
                    }
                    let id = next.tasks.iter().map(|t| t.id).max().unwrap_or(0) + 1;
                    next.tasks.push(Task {
                        id,
                        unit: f.unit.clone(),
                        what: format!("Khắc phục: {}", f.text),
                        deadline,
                        status: TaskStatus::Open,
                        finding: Some(f.id),
                        done_on: None,
                        evidence: None,
                    });
                }
            }
            Change::CompleteTask { id, evidence } => {
                let evidence = text(
                    "evidence",
                    &evidence,
                    2000,
                    "minh chứng hoàn thành",
                    "evidence of completion",
                )?;
                let t = next
                    .tasks
                    .iter_mut()
                    .find(|t| t.id == id)
                    .ok_or_else(|| refuse("id", "không có nhiệm vụ này", "no such task"))?;
                if t.status == TaskStatus::Done {
                    return Err(refuse(
                        "id",
                        "nhiệm vụ đã hoàn thành",
                        "the task is already done",
                    ));
                }
                t.status = TaskStatus::Done;
                t.done_on = Some(today);
                t.evidence = Some(evidence);
            }
        }
        Ok(next)
    }

    fn next_finding_id(&self) -> u32 {
        self.findings.iter().map(|f| f.id).max().unwrap_or(0) + 1
    }

    pub fn area_name(&self, code: &str) -> String {
        self.areas
            .iter()
            .find(|a| a.code == code)
            .map_or(code.to_owned(), |a| a.name.clone())
    }
}

/// What can be done to an inspection.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Change {
    Decision(TeamDecision),
    AddMember(Member),
    AddVisit(Visit),
    /// Findings drafted by the automatic checks.
    #[serde(skip)]
    Draft(Vec<Finding>),
    AddFinding {
        unit: String,
        area: String,
        kind: FindingKind,
        text: String,
    },
    EditFinding {
        id: u32,
        text: String,
    },
    RemoveFinding {
        id: u32,
    },
    Conclude(Conclusion),
    AddTask {
        unit: String,
        what: String,
        #[serde(default)]
        deadline: Option<NaiveDate>,
        #[serde(default)]
        finding: Option<u32>,
    },
    TasksFromShortcomings {
        deadline: NaiveDate,
    },
    CompleteTask {
        id: u32,
        evidence: String,
    },
}

/// The automatic checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Check {
    NotReceivedAtDesk,
    MissingHandOvers,
    LateWithoutApology,
    LateApology,
    RepeatedSupplement,
    Posting,
    SystemUse,
    DeskWithoutDecision,
    DeskWithoutMembers,
    Timeliness,
    Satisfaction,
    /// A "financial obligation" pause on a procedure that charges nothing.
    FeeFreePause,
    /// A pause longer than the province's limit.
    LongPause,
    /// Withdrawn after the due time had passed (taken out of the late count).
    WithdrawnAfterDue,
    /// An apology issued more than the province's window before the due date.
    EarlyApology,
    /// Received with a mandatory paper missing.
    MandatoryPaperMissing,
    /// A walk-in refusal (form 03) recorded without a reason.
    RefusalWithoutReason,
    /// Feedback (phản ánh, kiến nghị) whose time to answer fell in the period and that was not
    /// answered by then.
    FeedbackUnanswered,
}

impl Check {
    pub const ALL: [Check; 18] = [
        Check::NotReceivedAtDesk,
        Check::MissingHandOvers,
        Check::LateWithoutApology,
        Check::LateApology,
        Check::RepeatedSupplement,
        Check::Posting,
        Check::SystemUse,
        Check::DeskWithoutDecision,
        Check::DeskWithoutMembers,
        Check::Timeliness,
        Check::Satisfaction,
        Check::FeeFreePause,
        Check::LongPause,
        Check::WithdrawnAfterDue,
        Check::EarlyApology,
        Check::MandatoryPaperMissing,
        Check::RefusalWithoutReason,
        Check::FeedbackUnanswered,
    ];

    /// The content area a check belongs to (codes of [`default_areas`]).
    pub fn area(self) -> &'static str {
        match self {
            Check::Posting => "thu-tuc",
            Check::SystemUse => "cong-nghe",
            Check::DeskWithoutDecision | Check::DeskWithoutMembers => "to-chuc",
            _ => "mot-cua",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Check::NotReceivedAtDesk => "Hồ sơ không tiếp nhận qua Bộ phận Một cửa",
            Check::MissingHandOvers => "Phiếu kiểm soát thiếu bước chuyển giao",
            Check::LateWithoutApology => "Hồ sơ quá hạn không có văn bản xin lỗi",
            Check::LateApology => "Văn bản xin lỗi gửi muộn (chưa đủ một ngày trước hạn)",
            Check::RepeatedSupplement => "Một cơ quan yêu cầu bổ sung hồ sơ quá một lần",
            Check::Posting => "Niêm yết, công khai thủ tục hành chính chưa đầy đủ, chưa cập nhật",
            Check::SystemUse => "Chưa tiếp nhận, giải quyết hồ sơ qua hệ thống một cửa điện tử",
            Check::DeskWithoutDecision => "Chưa có quyết định thành lập Bộ phận Một cửa",
            Check::DeskWithoutMembers => "Chưa phân công nhiệm vụ thành viên Bộ phận Một cửa",
            Check::Timeliness => "Tỷ lệ hồ sơ giải quyết quá hạn cao",
            Check::Satisfaction => "Mức độ hài lòng của người dân thấp",
            Check::FeeFreePause => {
                "Tạm dừng chờ nghĩa vụ tài chính ở thủ tục không thu phí, lệ phí"
            }
            Check::LongPause => "Tạm dừng giải quyết quá dài",
            Check::WithdrawnAfterDue => "Hồ sơ rút sau khi đã quá hạn",
            Check::EarlyApology => "Xin lỗi, hẹn lại quá sớm so với hạn giải quyết",
            Check::MandatoryPaperMissing => "Tiếp nhận hồ sơ thiếu thành phần bắt buộc",
            Check::RefusalWithoutReason => "Từ chối tiếp nhận tại quầy không nêu lý do",
            Check::FeedbackUnanswered => "Phản ánh, kiến nghị quá hạn chưa trả lời",
        }
    }
}

/// One dossier's one-stop problems: (check, dossier code).
pub fn dossier_problems(d: &Dossier, desk_members: &[i64]) -> Vec<Check> {
    let mut out = vec![];
    if d.received_at.is_none() {
        return out;
    }
    let receiver = d.steps.first().and_then(|s| match &s.actor {
        Some(crate::dossier::Actor::Staff { id }) => Some(*id),
        Some(crate::dossier::Actor::Import { staff, .. }) => *staff,
        _ => None,
    });
    if receiver.is_none_or(|id| !desk_members.contains(&id)) {
        out.push(Check::NotReceivedAtDesk);
    }
    if d.finished_at.is_some() && d.procedure.steps.len() > 1 && d.steps.len() < 2 {
        out.push(Check::MissingHandOvers);
    }
    if d.result == Some(Timeliness::Late) && d.apology.is_none() {
        out.push(Check::LateWithoutApology);
    }
    if d.apology.as_ref().is_some_and(|a| !a.notice_in_time) {
        out.push(Check::LateApology);
    }
    // Once per agency (rules::SUPPLEMENT_ONCE_PER_AGENCY): two requests by one agency, at any
    // stages, are one too many.
    let mut agencies: Vec<String> = d
        .supplements
        .iter()
        .map(|s| d.supplement_agency(s))
        .collect();
    agencies.sort();
    if agencies.windows(2).any(|w| w[0] == w[1]) {
        out.push(Check::RepeatedSupplement);
    }
    out
}

/// The ways of gaming the clock one dossier shows, judged with its province's calendar: a
/// financial-obligation pause on a fee-free procedure, a pause longer than the limit, a withdrawal
/// after the due time, an apology too early, a reception with a mandatory paper missing.
pub fn gaming_problems(
    d: &Dossier,
    cal: &crate::calendar::WorkCalendar,
) -> Result<Vec<Check>, crate::calendar::CalendarError> {
    use crate::dossier::{PauseKind, to_local};
    let mut out = vec![];
    if d.received_at.is_none() {
        return Ok(out);
    }
    if d.procedure.fee_free
        && d.pauses
            .iter()
            .any(|p| p.kind == PauseKind::FinancialObligation)
    {
        out.push(Check::FeeFreePause);
    }
    for p in d.pauses.iter().filter(|p| p.kind != PauseKind::Supplement) {
        if let Some(to) = p.to {
            let from = to_local(p.from).date();
            let days = cal.working_days_between(from, to_local(to).date())?;
            if days > cal.rules_on(from).long_pause_days {
                out.push(Check::LongPause);
                break;
            }
        }
    }
    if d.withdrawn_late() {
        out.push(Check::WithdrawnAfterDue);
    }
    if d.apology.as_ref().is_some_and(|a| a.too_early) {
        out.push(Check::EarlyApology);
    }
    if !d.missing_papers.is_empty() {
        out.push(Check::MandatoryPaperMissing);
    }
    Ok(out)
}

/// The organisation checks of one unit's desks as of `on`: no desk or no founding decision by then,
/// no member assigned by then. Only communes and districts run a one-stop desk.
pub fn desk_problems(
    unit: &crate::org::Unit,
    desks: &[&crate::org::Desk],
    on: NaiveDate,
) -> Vec<Check> {
    use crate::org::UnitLevel;
    let mut out = vec![];
    if !matches!(unit.level, UnitLevel::Commune | UnitLevel::District) {
        return out;
    }
    if desks.is_empty()
        || desks
            .iter()
            .any(|d| d.founding_decision.as_ref().is_none_or(|x| x.date > on))
    {
        out.push(Check::DeskWithoutDecision);
    }
    if desks.is_empty()
        || desks
            .iter()
            .any(|d| d.members.iter().all(|m| m.assigned_on > on))
    {
        out.push(Check::DeskWithoutMembers);
    }
    out
}

/// The timeliness and satisfaction checks of one unit's figures: (check, count, of, share).
pub fn rate_problems(f: &crate::stats::Figures, t: &Thresholds) -> Vec<(Check, i64, i64, f64)> {
    let mut out = vec![];
    if f.resolved() > 0 {
        let share = f.resolved_late as f64 / f.resolved() as f64;
        if share > t.late_share {
            out.push((Check::Timeliness, f.resolved_late, f.resolved(), share));
        }
    }
    if f.rated >= t.min_ratings && f.rated > 0 {
        let share = f.satisfied as f64 / f.rated as f64;
        if share < t.satisfaction {
            out.push((Check::Satisfaction, f.satisfied, f.rated, share));
        }
    }
    out
}

/// The units whose count is below `share` of the average of the best-using third of `counts`.
pub fn low_users(counts: &[(String, i64)], share: f64) -> Vec<(String, i64, f64)> {
    if counts.is_empty() {
        return vec![];
    }
    let mut sorted: Vec<i64> = counts.iter().map(|c| c.1).collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let top = sorted.len().div_ceil(3);
    let reference = sorted[..top].iter().sum::<i64>() as f64 / top as f64;
    counts
        .iter()
        .filter(|(_, n)| (*n as f64) < share * reference)
        .map(|(u, n)| (u.clone(), *n, reference))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn plan() -> Inspection {
        Inspection::new(NewPlan {
            owner: "T".into(),
            plan_number: "37/KH-UBND".into(),
            plan_date: d("2017-04-03"),
            year: 2017,
            title: "Kiểm tra cải cách hành chính năm 2017".into(),
            units: vec!["A".into(), "B".into()],
            areas: None,
            from: d("2017-10-20"),
            to: d("2017-10-31"),
            period_from: d("2017-01-01"),
            period_to: d("2017-09-30"),
            thresholds: None,
        })
        .unwrap()
    }

    #[test]
    fn bad_commands_are_refused_and_change_nothing() {
        let i = plan();
        let today = d("2017-10-01");
        let visit = |from: &str, to: &str| {
            Change::AddVisit(Visit {
                unit: "A".into(),
                from: d(from),
                to: d(to),
            })
        };
        assert_eq!(
            i.apply(visit("2017-10-19", "2017-10-20"), today)
                .unwrap_err()
                .field,
            "from"
        );
        assert_eq!(
            i.apply(visit("2017-10-30", "2017-11-01"), today)
                .unwrap_err()
                .field,
            "from"
        );
        assert!(i.apply(visit("2017-10-23", "2017-10-23"), today).is_ok());
        let member = |name: &str, role| {
            Change::AddMember(Member {
                name: name.into(),
                title: "Chuyên viên".into(),
                role,
                staff_id: None,
            })
        };
        let i2 = i
            .apply(member("Lê Thị Ngọc Phượng", MemberRole::Lead), today)
            .unwrap();
        assert_eq!(
            i2.apply(member("Le Thi Ngoc Phuong", MemberRole::Member), today)
                .unwrap_err()
                .field,
            "name"
        );
        assert_eq!(
            i2.apply(member("Nguyễn Văn B", MemberRole::Lead), today)
                .unwrap_err()
                .field,
            "role"
        );
        let task = Change::AddTask {
            unit: "A".into(),
            what: "Niêm yết đủ".into(),
            deadline: None,
            finding: None,
        };
        assert_eq!(i2.apply(task, today).unwrap_err().field, "deadline");
        assert_eq!(i2.members.len(), 1, "refusals leave it as it was");
        let outside = Change::AddVisit(Visit {
            unit: "C".into(),
            from: d("2017-10-23"),
            to: d("2017-10-23"),
        });
        assert_eq!(i2.apply(outside, today).unwrap_err().field, "unit");
    }

    #[test]
    fn low_users_compare_with_the_best_third() {
        let counts: Vec<(String, i64)> = [
            ("a", 200),
            ("b", 190),
            ("c", 5),
            ("d", 0),
            ("e", 60),
            ("f", 4),
        ]
        .iter()
        .map(|(u, n)| (u.to_string(), *n))
        .collect();
        // Best third: 200 and 190, average 195; a quarter is 48.75.
        let low: Vec<String> = low_users(&counts, 0.25).into_iter().map(|x| x.0).collect();
        assert_eq!(low, vec!["c", "d", "f"]);
    }
}

/// The conclusion notice (thông báo kết luận), as text in the form of an official notice: legal
/// grounds, what was inspected, strengths, shortcomings grouped with the units named, requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Notice {
    pub issuer: String,
    pub number: String,
    pub place_date: String,
    pub title: String,
    pub grounds: Vec<String>,
    pub inspected: Vec<String>,
    pub strengths: Vec<String>,
    /// (area, [(what, units)]).
    pub shortcomings: Vec<(String, Vec<Shortcoming>)>,
    pub requests: Vec<String>,
    pub signer: String,
    /// The shortcomings again, unit by unit with the figures behind them, for each head of unit
    /// to read what concerns them: (unit name, [finding]).
    #[serde(default)]
    pub by_unit: Vec<(String, Vec<String>)>,
    /// Nơi nhận: who receives the notice and why.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Where the figures come from, when they are not the units' own records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_note: Option<String>,
}

/// The place name of a unit for the "place, date" line of a document (Decree 30/2020): its name
/// without the kind of unit ("UBND thị xã Buôn Hồ" -> "Buôn Hồ").
pub fn place_of(unit_name: &str) -> String {
    let mut s = unit_name.trim();
    for prefix in [
        "Ủy ban nhân dân ",
        "Uỷ ban nhân dân ",
        "UBND ",
        "Phòng Nội vụ ",
        "Văn phòng HĐND và UBND ",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
        }
    }
    for kind in [
        "thành phố ",
        "Thành phố ",
        "thị xã ",
        "Thị xã ",
        "huyện ",
        "Huyện ",
        "tỉnh ",
        "Tỉnh ",
        "phường ",
        "Phường ",
        "xã ",
        "Xã ",
        "thị trấn ",
        "Thị trấn ",
    ] {
        if let Some(rest) = s.strip_prefix(kind) {
            return rest.to_owned();
        }
    }
    s.to_owned()
}

/// One shortcoming of the notice: what, and the units it was found at.
pub type Shortcoming = (String, Vec<String>);

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

impl Inspection {
    /// Drafts the conclusion notice from the findings; `name` gives a unit's name.
    pub fn notice(&self, owner_name: &str, name: &dyn Fn(&str) -> String) -> Notice {
        let mut grounds = vec![format!(
            "Kế hoạch số {} ngày {} về {};",
            self.plan_number,
            dmy(self.plan_date),
            self.title.to_lowercase()
        )];
        if let Some(d) = &self.decision {
            grounds.push(format!(
                "Quyết định số {} ngày {} của {} thành lập Đoàn kiểm tra;",
                d.number,
                dmy(d.date),
                d.signer
            ));
        }
        let lead = self
            .members
            .iter()
            .find(|m| m.role == MemberRole::Lead)
            .map(|m| format!(", do {} – {} làm Trưởng đoàn", m.name, m.title))
            .unwrap_or_default();
        let units: Vec<String> = self.units.iter().map(|u| name(u)).collect();
        let mut inspected = vec![format!(
            "Từ ngày {} đến ngày {}, Đoàn kiểm tra{lead} đã kiểm tra tại {} đơn vị: {}.",
            dmy(self.from),
            dmy(self.to),
            units.len(),
            units.join(", ")
        )];
        inspected.push(format!(
            "Nội dung kiểm tra: {}; kết quả thực hiện từ ngày {} đến ngày {}, đối chiếu với dữ liệu của hệ thống một cửa điện tử.",
            self.areas.iter().map(|a| a.name.to_lowercase()).collect::<Vec<_>>().join("; "),
            dmy(self.period_from),
            dmy(self.period_to)
        ));
        let strengths = self
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Strength)
            .map(|f| format!("{} ({})", f.text, name(&f.unit)))
            .collect();
        let mut shortcomings: Vec<(String, Vec<Shortcoming>)> = vec![];
        for area in &self.areas {
            let mut items: Vec<(String, Vec<String>)> = vec![];
            for f in self
                .findings
                .iter()
                .filter(|f| f.kind == FindingKind::Shortcoming && f.area == area.code)
            {
                // Findings of one automatic check are grouped, naming the units; others stand alone.
                let what = match f.check {
                    Some(c) => c.label_vi().to_owned(),
                    None => f.text.clone(),
                };
                // The figures behind an automatic finding go with the unit's name.
                let unit = match (f.check, f.evidence.count) {
                    (Some(_), Some(_)) => format!("{} ({})", name(&f.unit), f.evidence.summary),
                    _ => name(&f.unit),
                };
                match items.iter_mut().find(|(w, _)| *w == what) {
                    Some((_, units)) => units.push(unit),
                    None => items.push((what, vec![unit])),
                }
            }
            if !items.is_empty() {
                shortcomings.push((area.name.clone(), items));
            }
        }
        let mut findings_by_unit: Vec<(String, Vec<String>)> = vec![];
        for f in self
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Shortcoming)
        {
            let what = match (f.check, f.evidence.count) {
                (Some(c), Some(_)) => format!("{} ({})", c.label_vi(), f.evidence.summary),
                (Some(c), None) => c.label_vi().to_owned(),
                (None, _) => f.text.clone(),
            };
            let unit = name(&f.unit);
            match findings_by_unit.iter_mut().find(|(u, _)| *u == unit) {
                Some((_, items)) => items.push(what),
                None => findings_by_unit.push((unit, vec![what])),
            }
        }
        let mut recipients: Vec<String> = self
            .units
            .iter()
            .map(|u| format!("{} (để thực hiện);", name(u)))
            .collect();
        if let Some(d) = &self.decision {
            recipients.push(format!("{} (để báo cáo);", d.signer));
        }
        recipients.push("Thành viên Đoàn kiểm tra;".into());
        recipients.push(format!("Lưu: VT, {}.", owner_name));
        let mut requests = vec![];
        let mut by_unit: Vec<(String, Vec<&Task>)> = vec![];
        for t in &self.tasks {
            match by_unit.iter_mut().find(|(u, _)| *u == t.unit) {
                Some((_, v)) => v.push(t),
                None => by_unit.push((t.unit.clone(), vec![t])),
            }
        }
        for (unit, tasks) in by_unit {
            for t in tasks {
                requests.push(format!(
                    "{}: {} (hoàn thành trước ngày {}).",
                    name(&unit),
                    t.what,
                    dmy(t.deadline)
                ));
            }
        }
        if requests.is_empty() {
            requests.push(
                "Thủ trưởng các đơn vị được kiểm tra khắc phục ngay những hạn chế nêu trên và báo cáo kết quả về Đoàn kiểm tra.".into(),
            );
        }
        let (number, date, signer) = match &self.conclusion {
            Some(c) => (c.number.clone(), c.date, c.signer.clone()),
            None => ("(dự thảo)".into(), self.to, String::new()),
        };
        Notice {
            issuer: owner_name.to_uppercase(),
            number,
            place_date: format!(
                "{}, ngày {} tháng {} năm {}",
                place_of(owner_name),
                date.format("%d"),
                date.format("%m"),
                date.format("%Y")
            ),
            title: format!(
                "Kết luận kiểm tra công tác cải cách hành chính năm {}",
                self.year
            ),
            grounds,
            inspected,
            strengths,
            shortcomings,
            requests,
            signer,
            by_unit: findings_by_unit,
            recipients,
            data_note: self.data_note.clone(),
        }
    }
}

#[cfg(test)]
mod notice_tests {
    use super::*;

    #[test]
    fn the_notice_names_every_finding_and_task() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mut i = Inspection::new(NewPlan {
            owner: "T".into(),
            plan_number: "37/KH-UBND".into(),
            plan_date: d("2017-04-03"),
            year: 2017,
            title: "Kiểm tra CCHC".into(),
            units: vec!["A".into(), "B".into(), "C".into()],
            areas: None,
            from: d("2017-10-20"),
            to: d("2017-10-31"),
            period_from: d("2017-01-01"),
            period_to: d("2017-09-30"),
            thresholds: None,
        })
        .unwrap();
        let today = d("2017-10-01");
        let mk = |unit: &str, check| Finding {
            id: 0,
            unit: unit.into(),
            area: Check::area(check).into(),
            kind: FindingKind::Shortcoming,
            text: "x".into(),
            evidence: Evidence {
                summary: format!("bằng chứng {unit}"),
                ..Evidence::default()
            },
            check: Some(check),
        };
        i = i
            .apply(
                Change::Draft(vec![
                    mk("A", Check::Posting),
                    mk("B", Check::Posting),
                    mk("C", Check::SystemUse),
                ]),
                today,
            )
            .unwrap();
        i = i
            .apply(
                Change::AddFinding {
                    unit: "A".into(),
                    area: "lanh-dao".into(),
                    kind: FindingKind::Strength,
                    text: "Đã ban hành kế hoạch CCHC".into(),
                },
                today,
            )
            .unwrap();
        i = i
            .apply(
                Change::AddFinding {
                    unit: "B".into(),
                    area: "tuyen-truyen".into(),
                    kind: FindingKind::Shortcoming,
                    text: "Chưa tuyên truyền trên loa đài".into(),
                },
                today,
            )
            .unwrap();
        i = i
            .apply(
                Change::TasksFromShortcomings {
                    deadline: d("2017-12-31"),
                },
                today,
            )
            .unwrap();
        assert_eq!(i.tasks.len(), 4);
        let name = |u: &str| format!("Đơn vị {u}");
        let n = i.notice("UBND thị xã", &name);
        let all = serde_json::to_string(&n).unwrap();
        for f in &i.findings {
            let what = f.check.map_or(f.text.clone(), |c| c.label_vi().to_owned());
            assert!(all.contains(&what), "{what}");
            assert!(all.contains(&name(&f.unit)));
        }
        // One check's units are named together.
        let posting = n
            .shortcomings
            .iter()
            .flat_map(|(_, items)| items)
            .find(|(w, _)| w == Check::Posting.label_vi())
            .unwrap();
        assert_eq!(posting.1.len(), 2);
        assert_eq!(n.requests.len(), 4);
        assert_eq!(
            n.strengths,
            vec!["Đã ban hành kế hoạch CCHC (Đơn vị A)".to_owned()]
        );
        // Unit by unit: every shortcoming once, under its unit's name.
        let listed: usize = n.by_unit.iter().map(|(_, items)| items.len()).sum();
        let shortcomings = i
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Shortcoming)
            .count();
        assert_eq!(listed, shortcomings);
        assert!(n.by_unit.iter().all(|(u, _)| u.starts_with("Đơn vị ")));
        // Nơi nhận: each inspected unit to act on it, the team, the file.
        for u in &i.units {
            assert!(
                n.recipients
                    .contains(&format!("{} (để thực hiện);", name(u)))
            );
        }
        assert_eq!(n.recipients.last().unwrap(), "Lưu: VT, UBND thị xã.");
        assert!(
            n.place_date.starts_with("thị xã, ngày "),
            "{}",
            n.place_date
        );
    }

    #[test]
    fn the_place_of_a_document_is_the_locality() {
        assert_eq!(place_of("UBND thị xã Buôn Hồ"), "Buôn Hồ");
        assert_eq!(place_of("Ủy ban nhân dân phường Đạt Hiếu"), "Đạt Hiếu");
        assert_eq!(place_of("UBND tỉnh Đắk Lắk"), "Đắk Lắk");
        assert_eq!(place_of("Sở Nội vụ"), "Sở Nội vụ");
    }
}
