//! Feedback and petitions (phản ánh, kiến nghị) from the public: what a person reports about a
//! dossier, a procedure, a desk or a regulation, the unit that must answer, the time it has to
//! answer (kept as data with its source), one extension with a reason, the answer (published only
//! when the person agreed), the person's satisfaction, and escalation to the unit above once the
//! time has passed. Each step is a `FeedbackEvent` decided from the current state by `decide` and
//! applied by `Feedback::apply`, like a dossier's.
//!
//! The person's contact (name, phone, e-mail, address) is not part of any event: it is a
//! `Contact`, kept by the store in its own mutable table so that it can be sealed or erased
//! without touching the hash-chained log.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::calendar::{Limit, WorkCalendar};
use crate::dossier::{DossierError, Instant, from_local, to_local};
use crate::rules::{Confidence, LegalRule, Source};
use crate::text::{clean, fold_vi};

/// The time to answer: working days from the submission.
pub const ANSWER_LIMIT: &str = "feedback_answer_limit";
/// One extension, with its reason given to the person.
pub const EXTENSION_ONCE: &str = "feedback_extension_once";
/// Past the time to answer, the unit above takes the feedback over.
pub const ESCALATION: &str = "feedback_escalation";
/// Decision 766 scores handling on time and satisfaction with it.
pub const SCORED_766: &str = "feedback_766";

/// The rules of feedback handling, with their sources. The figures are in `FeedbackRules`.
pub const RULES: &[LegalRule] = &[
    LegalRule {
        id: ANSWER_LIMIT,
        vi: "Phản ánh, kiến nghị phải được xử lý, trả lời trong thời hạn 10 ngày làm việc kể từ ngày tiếp nhận",
        en: "Feedback must be handled and answered within 10 working days of its receipt",
        source: Source {
            document: "Nghị định 20/2008/NĐ-CP, sửa đổi bởi Nghị định 92/2017/NĐ-CP; Thông tư 02/2017/TT-VPCP",
            article: "Điều 14 Nghị định 20/2008/NĐ-CP (quy trình xử lý, theo Điều 32 Thông tư 02/2017/TT-VPCP)",
            in_force_from: Some("2008-03-17"),
            in_force_to: None,
            // The procedure of Article 14 is cited by Circular 02/2017 Art. 32 (read in secondary
            // material); the number of days is recalled, not read: provinces set their own in
            // their regulations (the Ministry of Home Affairs' portal: 20 days, Decision
            // 852/QĐ-BNV of 22/5/2018). Change `FeedbackRules` rather than the code.
            confidence: Confidence::Recalled,
        },
    },
    LegalRule {
        id: EXTENSION_ONCE,
        vi: "Phản ánh, kiến nghị phức tạp được gia hạn một lần, không quá 10 ngày làm việc, nêu rõ lý do",
        en: "Complex feedback may be extended once, by at most 10 working days, with the reason stated",
        source: Source {
            document: "Nghị định 20/2008/NĐ-CP, sửa đổi bởi Nghị định 92/2017/NĐ-CP",
            article: "Điều 14",
            in_force_from: Some("2008-03-17"),
            in_force_to: None,
            confidence: Confidence::Recalled,
        },
    },
    LegalRule {
        id: ESCALATION,
        vi: "Quá thời hạn mà chưa trả lời, phản ánh, kiến nghị được chuyển lên cơ quan cấp trên trực tiếp để chỉ đạo xử lý",
        en: "Feedback not answered in time goes to the unit directly above, which directs its handling",
        source: Source {
            document: "Quy chế tiếp nhận, xử lý phản ánh, kiến nghị của tỉnh (theo mô hình Cổng Dịch vụ công quốc gia)",
            article: "quy chế của tỉnh",
            in_force_from: None,
            in_force_to: None,
            confidence: Confidence::Recalled,
        },
    },
    LegalRule {
        id: SCORED_766,
        vi: "Bộ chỉ số 766 chấm tỷ lệ phản ánh, kiến nghị xử lý đúng hạn và mức độ hài lòng về xử lý; không phát sinh thì đạt điểm tối đa",
        en: "The 766 index scores feedback handled on time and satisfaction with the handling; full marks when there was none",
        source: Source {
            document: "Quyết định 766/QĐ-TTg ngày 23/6/2022",
            article: "Phụ lục, nhóm chỉ số 5 (mức độ hài lòng), chỉ số 5.2 và 5.3",
            in_force_from: Some("2022-06-23"),
            in_force_to: None,
            confidence: Confidence::Secondary,
        },
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static LegalRule> {
    RULES.iter().find(|r| r.id == id)
}

/// The figures of feedback handling, as data (a province may set its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeedbackRules {
    /// Working days to answer from the submission (`ANSWER_LIMIT`); also what the unit above gets
    /// after an escalation.
    pub answer_days: u32,
    /// Working days one extension adds (`EXTENSION_ONCE`).
    pub extension_days: u32,
    /// An open feedback due within this many hours is "due soon" in the officials' queue.
    pub due_soon_hours: i64,
}

impl Default for FeedbackRules {
    fn default() -> Self {
        FeedbackRules {
            answer_days: 10,
            extension_days: 10,
            due_soon_hours: 48,
        }
    }
}

/// What the feedback is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// A dossier's handling (late, lost, asked for papers not required).
    Dossier,
    /// A procedure: its papers, fees, time, form.
    Procedure,
    /// The conduct of an official or the desk's service.
    Conduct,
    /// An administrative regulation (Decree 20/2008's own subject).
    Regulation,
    Other,
}

impl Topic {
    pub const ALL: [Topic; 5] = [
        Topic::Dossier,
        Topic::Procedure,
        Topic::Conduct,
        Topic::Regulation,
        Topic::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Dossier => "dossier",
            Topic::Procedure => "procedure",
            Topic::Conduct => "conduct",
            Topic::Regulation => "regulation",
            Topic::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Topic::Dossier => "Việc giải quyết hồ sơ",
            Topic::Procedure => "Thủ tục hành chính",
            Topic::Conduct => "Thái độ, tác phong phục vụ",
            Topic::Regulation => "Quy định hành chính",
            Topic::Other => "Nội dung khác",
        }
    }
}

/// How the feedback came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The public pages or API.
    Online,
    /// Written down at the desk on the person's behalf.
    Desk,
    /// Forwarded by the national portal (through its connector).
    Portal,
}

impl Channel {
    pub fn label_vi(self) -> &'static str {
        match self {
            Channel::Online => "Trực tuyến",
            Channel::Desk => "Tại Bộ phận Một cửa",
            Channel::Portal => "Cổng Dịch vụ công quốc gia",
        }
    }
}

/// The person's satisfaction with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    VerySatisfied,
    Satisfied,
    Unsatisfied,
}

impl Satisfaction {
    pub fn parse(s: &str) -> Option<Satisfaction> {
        match s {
            "very_satisfied" => Some(Satisfaction::VerySatisfied),
            "satisfied" => Some(Satisfaction::Satisfied),
            "unsatisfied" => Some(Satisfaction::Unsatisfied),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::VerySatisfied => "very_satisfied",
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::Unsatisfied => "unsatisfied",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Satisfaction::VerySatisfied => "Rất hài lòng",
            Satisfaction::Satisfied => "Hài lòng",
            Satisfaction::Unsatisfied => "Không hài lòng",
        }
    }

    /// Counted as satisfied by the 766 index.
    pub fn satisfied(self) -> bool {
        self != Satisfaction::Unsatisfied
    }
}

/// Where the feedback is in its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for its unit to assign it (also after an escalation, at the unit above).
    Submitted,
    /// Assigned to an official who prepares the answer.
    Assigned,
    Answered,
    /// Answered and rated by the person.
    Rated,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Submitted => "submitted",
            State::Assigned => "assigned",
            State::Answered => "answered",
            State::Rated => "rated",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            State::Submitted => "Chờ phân công",
            State::Assigned => "Đang xử lý",
            State::Answered => "Đã trả lời",
            State::Rated => "Đã trả lời, đã đánh giá",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(self, State::Submitted | State::Assigned)
    }
}

/// What a person submits (without their contact, which is a `Contact`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Submission {
    /// The unit the feedback is addressed to.
    pub unit: String,
    pub topic: Topic,
    /// A short title (shown in lists).
    pub title: String,
    /// What happened, what the person asks.
    pub content: String,
    /// The dossier concerned, by its code (checked by the caller with its lookup secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dossier_code: Option<String>,
    /// The procedure concerned, by its code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure_code: Option<String>,
    pub channel: Channel,
    /// The person agrees that the question and answer be published (never their contact).
    #[serde(default)]
    pub publish_consent: bool,
}

impl Submission {
    /// Normalised and checked: every problem at once, each naming its field.
    pub fn validated_all(self) -> Result<Submission, Vec<DossierError>> {
        let mut errs = vec![];
        let unit = clean(&self.unit);
        if unit.is_empty() {
            errs.push(DossierError::invalid(
                "unit",
                "Chọn cơ quan, đơn vị nhận phản ánh",
                "choose the unit the feedback is addressed to",
            ));
        }
        let title = clean(&self.title);
        if title.chars().count() < 5 || title.chars().count() > 200 {
            errs.push(DossierError::invalid(
                "title",
                "Tiêu đề từ 5 đến 200 ký tự",
                "the title must be 5 to 200 characters",
            ));
        }
        let content = clean(&self.content);
        if content.chars().count() < 20 || content.chars().count() > 5000 {
            errs.push(DossierError::invalid(
                "content",
                "Nội dung phản ánh, kiến nghị từ 20 đến 5000 ký tự",
                "the content must be 20 to 5000 characters",
            ));
        }
        let dossier_code = self
            .dossier_code
            .map(|c| clean(&c).to_uppercase())
            .filter(|c| !c.is_empty());
        if dossier_code.as_ref().is_some_and(|c| {
            c.len() > 40
                || !c
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '.')
        }) {
            errs.push(DossierError::invalid(
                "dossier_code",
                "Mã hồ sơ chỉ gồm chữ, số và dấu gạch ngang, không quá 40 ký tự",
                "the dossier code has only letters, digits and dashes, at most 40",
            ));
        }
        if self.topic == Topic::Dossier && dossier_code.is_none() {
            errs.push(DossierError::invalid(
                "dossier_code",
                "Phản ánh về việc giải quyết hồ sơ cần mã hồ sơ",
                "feedback about a dossier needs the dossier's code",
            ));
        }
        let procedure_code = self
            .procedure_code
            .map(|c| clean(&c))
            .filter(|c| !c.is_empty());
        if procedure_code.as_ref().is_some_and(|c| c.len() > 40) {
            errs.push(DossierError::invalid(
                "procedure_code",
                "Mã thủ tục không quá 40 ký tự",
                "the procedure code must be at most 40 characters",
            ));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(Submission {
            unit,
            topic: self.topic,
            title,
            content,
            dossier_code,
            procedure_code,
            channel: self.channel,
            publish_consent: self.publish_consent,
        })
    }
}

/// The person's contact for the answer: personal data, never on the log, never public.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Contact {
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
}

impl Contact {
    /// Normalised and checked: a name, and a phone or an e-mail to answer to; every problem at once.
    pub fn validated_all(self) -> Result<Contact, Vec<DossierError>> {
        let mut errs = vec![];
        let name = clean(&self.name);
        if name.is_empty() || name.chars().count() > 200 {
            errs.push(DossierError::invalid(
                "contact.name",
                "Họ tên không được để trống và không quá 200 ký tự",
                "the name must be 1 to 200 characters",
            ));
        }
        let phone: String = clean(&self.phone)
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        let digits = phone.strip_prefix('+').unwrap_or(&phone);
        if !phone.is_empty()
            && (!(8..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()))
        {
            errs.push(DossierError::invalid(
                "contact.phone",
                "Số điện thoại phải gồm 8 đến 15 chữ số",
                "the phone number must have 8 to 15 digits",
            ));
        }
        let email = clean(&self.email);
        if !email.is_empty() && !plausible_email(&email) {
            errs.push(DossierError::invalid(
                "contact.email",
                "Địa chỉ thư điện tử không hợp lệ",
                "the e-mail address is not valid",
            ));
        }
        if phone.is_empty() && email.is_empty() {
            errs.push(DossierError::invalid(
                "contact.phone",
                "Cần số điện thoại hoặc thư điện tử để nhận trả lời",
                "a phone number or an e-mail is needed for the answer",
            ));
        }
        let address = clean(&self.address);
        if address.chars().count() > 300 {
            errs.push(DossierError::invalid(
                "contact.address",
                "Địa chỉ không quá 300 ký tự",
                "the address must be at most 300 characters",
            ));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(Contact {
            name,
            phone,
            email,
            address,
        })
    }
}

fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
        && !domain.contains('@')
}

/// A command on a feedback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Submit(Submission),
    /// Triage: to the responsible unit (its own or a sub-unit), optionally to an official.
    Assign {
        unit: String,
        assignee: Option<i64>,
        note: String,
    },
    Extend {
        reason: String,
    },
    Answer {
        text: String,
        /// The unit publishes the answer (only possible when the person agreed).
        publish: bool,
    },
    Rate {
        satisfaction: Satisfaction,
        comment: String,
    },
    /// To the unit above, once the time to answer has passed.
    Escalate {
        to_unit: String,
        reason: String,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Submit(_) => "submit",
            Command::Assign { .. } => "assign",
            Command::Extend { .. } => "extend",
            Command::Answer { .. } => "answer",
            Command::Rate { .. } => "rate",
            Command::Escalate { .. } => "escalate",
        }
    }
}

/// One handling step, as stored on the feedback log (self-contained: due times are in it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeedbackEvent {
    Submitted {
        submission: Submission,
        due_at: Instant,
        /// The rule the due time follows (`ANSWER_LIMIT`) and its days.
        rule: String,
        days: u32,
    },
    Assigned {
        unit: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<i64>,
        #[serde(default)]
        note: String,
    },
    Extended {
        reason: String,
        days: u32,
        due_at: Instant,
    },
    Answered {
        text: String,
        publish: bool,
        on_time: bool,
    },
    Rated {
        satisfaction: Satisfaction,
        #[serde(default)]
        comment: String,
    },
    Escalated {
        from: String,
        to: String,
        reason: String,
        due_at: Instant,
    },
}

impl FeedbackEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            FeedbackEvent::Submitted { .. } => "submitted",
            FeedbackEvent::Assigned { .. } => "assigned",
            FeedbackEvent::Extended { .. } => "extended",
            FeedbackEvent::Answered { .. } => "answered",
            FeedbackEvent::Rated { .. } => "rated",
            FeedbackEvent::Escalated { .. } => "escalated",
        }
    }

    pub fn label_vi(&self) -> &'static str {
        match self {
            FeedbackEvent::Submitted { .. } => "Tiếp nhận phản ánh, kiến nghị",
            FeedbackEvent::Assigned { .. } => "Phân công xử lý",
            FeedbackEvent::Extended { .. } => "Gia hạn xử lý",
            FeedbackEvent::Answered { .. } => "Trả lời",
            FeedbackEvent::Rated { .. } => "Người phản ánh đánh giá",
            FeedbackEvent::Escalated { .. } => "Chuyển cơ quan cấp trên",
        }
    }
}

/// The answer given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Answer {
    pub text: String,
    pub at: Instant,
    /// Published on the public list (the person agreed and the unit chose to).
    pub published: bool,
    /// Given by the due time in force (after any extension).
    pub on_time: bool,
}

/// A feedback's current state, replayed from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Feedback {
    pub state: State,
    /// The unit now responsible (changes with triage and escalation).
    pub unit: String,
    pub submission: Submission,
    pub submitted_at: Instant,
    pub due_at: Instant,
    pub assignee: Option<i64>,
    /// The reason of the one extension, if any.
    pub extension: Option<String>,
    pub answer: Option<Answer>,
    pub satisfaction: Option<Satisfaction>,
    /// Units it was escalated from, in order.
    pub escalated_from: Vec<String>,
    /// The due time each of those units missed, in the same order.
    #[serde(default)]
    pub missed_due: Vec<Instant>,
}

impl Feedback {
    /// The state after one more event (the first must be `Submitted`).
    pub fn apply(
        state: Option<Feedback>,
        event: &FeedbackEvent,
        at: Instant,
    ) -> Result<Feedback, DossierError> {
        match (state, event) {
            (
                None,
                FeedbackEvent::Submitted {
                    submission, due_at, ..
                },
            ) => Ok(Feedback {
                state: State::Submitted,
                unit: submission.unit.clone(),
                submission: submission.clone(),
                submitted_at: at,
                due_at: *due_at,
                assignee: None,
                extension: None,
                answer: None,
                satisfaction: None,
                escalated_from: vec![],
                missed_due: vec![],
            }),
            (None, _) | (Some(_), FeedbackEvent::Submitted { .. }) => Err(DossierError::Empty),
            (Some(mut f), e) => {
                match e {
                    FeedbackEvent::Submitted { .. } => return Err(DossierError::Empty),
                    FeedbackEvent::Assigned { unit, assignee, .. } => {
                        f.unit = unit.clone();
                        f.assignee = *assignee;
                        f.state = State::Assigned;
                    }
                    FeedbackEvent::Extended { reason, due_at, .. } => {
                        f.extension = Some(reason.clone());
                        f.due_at = *due_at;
                    }
                    FeedbackEvent::Answered {
                        text,
                        publish,
                        on_time,
                    } => {
                        f.answer = Some(Answer {
                            text: text.clone(),
                            at,
                            published: *publish,
                            on_time: *on_time,
                        });
                        f.state = State::Answered;
                    }
                    FeedbackEvent::Rated { satisfaction, .. } => {
                        f.satisfaction = Some(*satisfaction);
                        f.state = State::Rated;
                    }
                    FeedbackEvent::Escalated {
                        from, to, due_at, ..
                    } => {
                        f.escalated_from.push(from.clone());
                        f.missed_due.push(f.due_at);
                        f.unit = to.clone();
                        f.assignee = None;
                        f.due_at = *due_at;
                        f.state = State::Submitted;
                    }
                }
                Ok(f)
            }
        }
    }

    /// Replays events `(at, event)` in order.
    pub fn replay<'a>(
        events: impl IntoIterator<Item = (Instant, &'a FeedbackEvent)>,
    ) -> Result<Feedback, DossierError> {
        let mut state = None;
        for (at, e) in events {
            state = Some(Feedback::apply(state, e, at)?);
        }
        state.ok_or(DossierError::Empty)
    }

    /// The due time `unit` had, if the feedback was escalated away from it.
    pub fn escalated_due(&self, unit: &str) -> Option<Instant> {
        self.escalated_from
            .iter()
            .zip(&self.missed_due)
            .find(|(u, _)| *u == unit)
            .map(|(_, d)| *d)
    }

    /// Open and past its due time.
    pub fn overdue(&self, now: Instant) -> bool {
        self.state.is_open() && now > self.due_at
    }

    /// The officials' queue it belongs to now.
    pub fn queue(&self, now: Instant, rules: &FeedbackRules) -> Queue {
        if !self.state.is_open() {
            Queue::Answered
        } else if self.overdue(now) {
            Queue::Overdue
        } else if self.due_at - now <= TimeDelta::hours(rules.due_soon_hours) {
            Queue::DueSoon
        } else if self.state == State::Submitted {
            Queue::New
        } else {
            Queue::InProgress
        }
    }

    /// The text the public search looks in (folded): title, question, answer.
    pub fn search_text(&self) -> String {
        fold_vi(&format!(
            "{} {} {}",
            self.submission.title,
            self.submission.content,
            self.answer.as_ref().map_or("", |a| a.text.as_str())
        ))
    }
}

/// The officials' queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// Waiting to be assigned, not due soon.
    New,
    /// Assigned, not due soon.
    InProgress,
    /// Open and due within `FeedbackRules::due_soon_hours`.
    DueSoon,
    /// Open past its due time.
    Overdue,
    /// Answered (rated or not).
    Answered,
}

impl Queue {
    pub const ALL: [Queue; 5] = [
        Queue::New,
        Queue::InProgress,
        Queue::DueSoon,
        Queue::Overdue,
        Queue::Answered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::New => "new",
            Queue::InProgress => "in_progress",
            Queue::DueSoon => "due_soon",
            Queue::Overdue => "overdue",
            Queue::Answered => "answered",
        }
    }

    pub fn parse(s: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Queue::New => "Mới tiếp nhận",
            Queue::InProgress => "Đang xử lý",
            Queue::DueSoon => "Sắp đến hạn",
            Queue::Overdue => "Quá hạn",
            Queue::Answered => "Đã trả lời",
        }
    }
}

fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, DossierError> {
    let v = clean(value);
    let n = v.chars().count();
    if n < min || n > max {
        return Err(DossierError::Invalid {
            field: field.into(),
            vi: format!("cần từ {min} đến {max} ký tự"),
            en: format!("must be {min} to {max} characters"),
        });
    }
    Ok(v)
}

fn refuse(vi: &str, en: &str) -> DossierError {
    DossierError::Rule {
        vi: vi.into(),
        en: en.into(),
    }
}

fn due(
    cal: &WorkCalendar,
    from: Instant,
    days: u32,
) -> Result<Instant, crate::calendar::CalendarError> {
    Ok(from_local(
        cal.due(to_local(from), Limit::WorkingDays(days))?.due,
    ))
}

/// The event a command causes on a feedback (None: not yet submitted), or why it is refused.
/// `now` is truncated to milliseconds by the caller. Who may give the command (units and roles)
/// is the caller's check; the unit an escalation goes to is the caller's (the parent unit).
pub fn decide(
    state: Option<&Feedback>,
    cmd: &Command,
    now: Instant,
    cal: &WorkCalendar,
    rules: &FeedbackRules,
) -> Result<FeedbackEvent, DossierError> {
    let not_allowed = || {
        refuse(
            "Thao tác này không thực hiện được ở trạng thái hiện tại của phản ánh, kiến nghị",
            "this step is not possible in the feedback's current state",
        )
    };
    match (state, cmd) {
        (None, Command::Submit(s)) => {
            let submission = s.clone().validated_all().map_err(|mut e| e.remove(0))?;
            Ok(FeedbackEvent::Submitted {
                submission,
                due_at: due(cal, now, rules.answer_days)?,
                rule: ANSWER_LIMIT.to_owned(),
                days: rules.answer_days,
            })
        }
        (None, _) => Err(DossierError::Empty),
        (Some(_), Command::Submit(_)) => Err(not_allowed()),
        (
            Some(f),
            Command::Assign {
                unit,
                assignee,
                note,
            },
        ) => {
            if !f.state.is_open() {
                return Err(not_allowed());
            }
            let unit = clean(unit);
            if unit.is_empty() {
                return Err(DossierError::invalid(
                    "unit",
                    "Chọn đơn vị xử lý",
                    "choose the unit that handles it",
                ));
            }
            Ok(FeedbackEvent::Assigned {
                unit,
                assignee: *assignee,
                note: text("note", note, 0, 2000)?,
            })
        }
        (Some(f), Command::Extend { reason }) => {
            if !f.state.is_open() {
                return Err(not_allowed());
            }
            if f.extension.is_some() {
                return Err(refuse(
                    "Phản ánh, kiến nghị chỉ được gia hạn một lần",
                    "feedback may be extended only once",
                ));
            }
            if f.overdue(now) {
                return Err(refuse(
                    "Đã quá hạn trả lời: không gia hạn được, hãy trả lời hoặc chuyển cấp trên",
                    "the time to answer has passed: it cannot be extended; answer or escalate",
                ));
            }
            let reason = text("reason", reason, 10, 2000)?;
            Ok(FeedbackEvent::Extended {
                reason,
                days: rules.extension_days,
                due_at: due(cal, f.due_at, rules.extension_days)?,
            })
        }
        (Some(f), Command::Answer { text: t, publish }) => {
            if !f.state.is_open() {
                return Err(not_allowed());
            }
            let t = text("text", t, 20, 10_000)?;
            if *publish && !f.submission.publish_consent {
                return Err(DossierError::invalid(
                    "publish",
                    "Người phản ánh không đồng ý công khai: không được đăng câu trả lời",
                    "the person did not agree to publication: the answer cannot be published",
                ));
            }
            Ok(FeedbackEvent::Answered {
                text: t,
                publish: *publish,
                on_time: now <= f.due_at,
            })
        }
        (
            Some(f),
            Command::Rate {
                satisfaction,
                comment,
            },
        ) => {
            if f.state != State::Answered {
                return Err(refuse(
                    "Chỉ đánh giá được phản ánh, kiến nghị đã trả lời và chưa đánh giá",
                    "only an answered feedback not rated yet can be rated",
                ));
            }
            Ok(FeedbackEvent::Rated {
                satisfaction: *satisfaction,
                comment: text("comment", comment, 0, 1000)?,
            })
        }
        (Some(f), Command::Escalate { to_unit, reason }) => {
            if !f.state.is_open() {
                return Err(not_allowed());
            }
            if !f.overdue(now) {
                return Err(refuse(
                    "Chỉ chuyển cấp trên khi đã quá hạn trả lời",
                    "feedback goes to the unit above only once the time to answer has passed",
                ));
            }
            if to_unit.is_empty() || to_unit == &f.unit {
                return Err(refuse(
                    "Đơn vị không có cơ quan cấp trên để chuyển",
                    "the unit has no unit above to escalate to",
                ));
            }
            let reason = text("reason", reason, 0, 2000)?;
            Ok(FeedbackEvent::Escalated {
                from: f.unit.clone(),
                to: to_unit.clone(),
                reason,
                due_at: due(cal, now, rules.answer_days)?,
            })
        }
    }
}

/// Figures of a set of feedback over a period `[start, end)`, seen at `now`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Figures {
    /// Submitted in the period.
    pub received: i64,
    /// Answered in the period.
    pub answered: i64,
    /// Of those, by their due time.
    pub answered_on_time: i64,
    /// Open at the period's end (or now) past their due time.
    pub open_overdue: i64,
    /// Open at the period's end (or now) within their due time.
    pub open_in_time: i64,
    /// Extended, of those submitted in the period.
    pub extended: i64,
    /// Escalated, of those submitted in the period.
    pub escalated: i64,
    /// Rated in the period (by the answer's time: rating comes after it).
    pub rated: i64,
    /// Of those, satisfied or very satisfied.
    pub satisfied: i64,
    /// The 766 denominator of handling on time: answered in the period, and open past their due
    /// time at its end.
    pub due: i64,
}

/// The figures of `items` over `[start, end)` at `now` (a period not over yet counts what is
/// open now). Answered and rated by the answer's time.
pub fn figures(items: &[Feedback], start: Instant, end: Instant, now: Instant) -> Figures {
    let cut = end.min(now);
    let mut f = Figures::default();
    for x in items {
        let submitted_in = x.submitted_at >= start && x.submitted_at < end;
        if submitted_in {
            f.received += 1;
            f.extended += i64::from(x.extension.is_some());
            f.escalated += i64::from(!x.escalated_from.is_empty());
        }
        match &x.answer {
            Some(a) if a.at >= start && a.at < end => {
                f.answered += 1;
                f.answered_on_time += i64::from(a.on_time);
                if let Some(s) = x.satisfaction {
                    f.rated += 1;
                    f.satisfied += i64::from(s.satisfied());
                }
            }
            Some(a) if a.at < cut => {}
            _ if x.submitted_at < cut => {
                // Open at the cut: the answer (if any) came later.
                if x.due_at < cut {
                    f.open_overdue += 1;
                } else {
                    f.open_in_time += 1;
                }
            }
            _ => {}
        }
    }
    f.due = f.answered + f.open_overdue;
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn cal() -> WorkCalendar {
        WorkCalendar::vietnam()
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> Instant {
        from_local(
            NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap(),
        )
    }

    fn submission() -> Submission {
        Submission {
            unit: "WA".into(),
            topic: Topic::Dossier,
            title: "Hồ sơ trễ hẹn".into(),
            content: "Hồ sơ của tôi đã quá hẹn trả kết quả ba ngày mà chưa có thông báo.".into(),
            dossier_code: Some("wa-260105-0001".into()),
            procedure_code: None,
            channel: Channel::Online,
            publish_consent: true,
        }
    }

    fn step(
        f: Option<&Feedback>,
        cmd: Command,
        now: Instant,
    ) -> Result<(FeedbackEvent, Feedback), DossierError> {
        let e = decide(f, &cmd, now, &cal(), &FeedbackRules::default())?;
        let next = Feedback::apply(f.cloned(), &e, now)?;
        Ok((e, next))
    }

    #[test]
    fn the_whole_path_with_due_times_in_working_days() {
        // Monday 5 January 2026, 09:00: 10 working days, counting Saturday 10 January (worked in
        // exchange for Friday 2 January), is Friday 16 January, 09:00.
        let t0 = at(2026, 1, 5, 9);
        let (e, f) = step(None, Command::Submit(submission()), t0).unwrap();
        assert_eq!(f.due_at, at(2026, 1, 16, 9));
        assert_eq!(f.submission.dossier_code.as_deref(), Some("WA-260105-0001"));
        assert!(matches!(e, FeedbackEvent::Submitted { days: 10, .. }));
        let (_, f) = step(
            Some(&f),
            Command::Assign {
                unit: "WA".into(),
                assignee: Some(7),
                note: String::new(),
            },
            at(2026, 1, 6, 9),
        )
        .unwrap();
        assert_eq!((f.state, f.assignee), (State::Assigned, Some(7)));
        let (_, f) = step(
            Some(&f),
            Command::Extend {
                reason: "Cần xác minh với cơ quan thuế".into(),
            },
            at(2026, 1, 15, 9),
        )
        .unwrap();
        // 10 more working days from 16 January: 30 January.
        assert_eq!(f.due_at, at(2026, 1, 30, 9));
        let again = step(
            Some(&f),
            Command::Extend {
                reason: "Cần thêm thời gian xác minh".into(),
            },
            at(2026, 1, 16, 9),
        );
        assert!(matches!(again, Err(DossierError::Rule { .. })));
        let (e, f) = step(
            Some(&f),
            Command::Answer {
                text: "Hồ sơ đã được giải quyết, mời ông/bà nhận kết quả.".into(),
                publish: true,
            },
            at(2026, 1, 26, 9),
        )
        .unwrap();
        assert!(matches!(e, FeedbackEvent::Answered { on_time: true, .. }));
        let (_, f) = step(
            Some(&f),
            Command::Rate {
                satisfaction: Satisfaction::Satisfied,
                comment: String::new(),
            },
            at(2026, 1, 27, 9),
        )
        .unwrap();
        assert_eq!(f.state, State::Rated);
        let twice = step(
            Some(&f),
            Command::Rate {
                satisfaction: Satisfaction::Unsatisfied,
                comment: String::new(),
            },
            at(2026, 1, 28, 9),
        );
        assert!(twice.is_err());
    }

    #[test]
    fn only_an_overdue_feedback_escalates_and_the_unit_above_gets_its_own_time() {
        let (_, f) = step(None, Command::Submit(submission()), at(2026, 1, 5, 9)).unwrap();
        let esc = |now| {
            step(
                Some(&f),
                Command::Escalate {
                    to_unit: "P".into(),
                    reason: String::new(),
                },
                now,
            )
        };
        assert!(
            esc(at(2026, 1, 16, 9)).is_err(),
            "not yet past the due time"
        );
        let (_, g) = esc(at(2026, 1, 19, 9)).unwrap();
        assert_eq!(g.unit, "P");
        assert_eq!(g.state, State::Submitted);
        assert_eq!(g.escalated_from, vec!["WA".to_owned()]);
        assert_eq!(g.escalated_due("WA"), Some(f.due_at));
        assert_eq!(g.escalated_due("P"), None);
        assert_eq!(g.due_at, at(2026, 2, 2, 9));
        assert!(!g.overdue(at(2026, 1, 21, 9)));
        // Answered after the original due time but within the new one: on time for the unit above.
        let (e, _) = step(
            Some(&g),
            Command::Answer {
                text: "Ủy ban nhân dân tỉnh đã chỉ đạo phường giải quyết ngay.".into(),
                publish: false,
            },
            at(2026, 1, 22, 9),
        )
        .unwrap();
        assert!(matches!(e, FeedbackEvent::Answered { on_time: true, .. }));
    }

    #[test]
    fn bad_input_names_every_field() {
        let bad = Submission {
            unit: " ".into(),
            title: "x".into(),
            content: "ngắn".into(),
            dossier_code: None,
            ..submission()
        };
        let errs = bad.validated_all().unwrap_err();
        let fields: Vec<String> = errs
            .iter()
            .map(|e| match e {
                DossierError::Invalid { field, .. } => field.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(fields, ["unit", "title", "content", "dossier_code"]);
        let c = Contact {
            name: String::new(),
            phone: "12".into(),
            email: "not-an-email".into(),
            address: String::new(),
        };
        let errs = c.validated_all().unwrap_err();
        assert_eq!(errs.len(), 3);
        let ok = Contact {
            name: " Trần Thị B ".into(),
            phone: "0905 123 456".into(),
            email: String::new(),
            address: String::new(),
        }
        .validated_all()
        .unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.phone.as_str()),
            ("Trần Thị B", "0905123456")
        );
        let none = Contact {
            name: "A".into(),
            ..Contact::default()
        };
        assert!(none.validated_all().is_err(), "a phone or an e-mail");
    }

    #[test]
    fn publication_needs_the_persons_consent() {
        let s = Submission {
            publish_consent: false,
            ..submission()
        };
        let (_, f) = step(None, Command::Submit(s), at(2026, 1, 5, 9)).unwrap();
        let r = step(
            Some(&f),
            Command::Answer {
                text: "Câu trả lời đủ dài để được chấp nhận.".into(),
                publish: true,
            },
            at(2026, 1, 6, 9),
        );
        assert!(matches!(r, Err(DossierError::Invalid { field, .. }) if field == "publish"));
    }

    #[test]
    fn queues_and_figures() {
        let rules = FeedbackRules::default();
        let (_, open) = step(None, Command::Submit(submission()), at(2026, 1, 5, 9)).unwrap();
        assert_eq!(open.queue(at(2026, 1, 6, 9), &rules), Queue::New);
        assert_eq!(open.queue(at(2026, 1, 13, 9), &rules), Queue::New);
        assert_eq!(open.queue(at(2026, 1, 15, 9), &rules), Queue::DueSoon);
        assert_eq!(open.queue(at(2026, 1, 19, 9), &rules), Queue::Overdue);
        let (_, late) = step(
            Some(&open),
            Command::Answer {
                text: "Trả lời muộn nhưng đầy đủ nội dung.".into(),
                publish: false,
            },
            at(2026, 1, 21, 9),
        )
        .unwrap();
        assert_eq!(late.queue(at(2026, 1, 21, 10), &rules), Queue::Answered);
        let (_, rated) = step(
            Some(&late),
            Command::Rate {
                satisfaction: Satisfaction::Unsatisfied,
                comment: String::new(),
            },
            at(2026, 1, 22, 9),
        )
        .unwrap();
        let jan = (at(2026, 1, 1, 0), at(2026, 2, 1, 0));
        let feb_now = at(2026, 2, 10, 9);
        let f = figures(&[rated.clone(), open.clone()], jan.0, jan.1, feb_now);
        assert_eq!(f.received, 2);
        assert_eq!((f.answered, f.answered_on_time), (1, 0));
        assert_eq!((f.rated, f.satisfied), (1, 0));
        assert_eq!((f.open_overdue, f.open_in_time), (1, 0));
        assert_eq!(f.due, 2);
        // Nothing in another period.
        let dec = (
            Utc.with_ymd_and_hms(2025, 11, 30, 17, 0, 0).unwrap(),
            at(2026, 1, 1, 0),
        );
        assert_eq!(figures(&[rated], dec.0, dec.1, feb_now), Figures::default());
    }
}
