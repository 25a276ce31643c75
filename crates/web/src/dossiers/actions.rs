//! The table of what can be done to a dossier on its page: each action with its label, its form
//! fields and a placeholder command; `offered` keeps those the domain's `decide` accepts now and the
//! caller's roles allow.

/// An action on a dossier as the API offers it: its path, operation id, summary and the fields
/// of `ActionBody` it reads.
pub struct ApiAction {
    pub key: &'static str,
    /// What the button says (Vietnamese; English through the dictionary).
    pub label: &'static str,
    pub path: &'static str,
    pub operation: &'static str,
    pub summary: &'static str,
    pub fields: &'static str,
}

/// The label of an action, for the notice after it was done; None for anything else.
pub fn label_of(key: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|a| a.key == key).map(|a| a.label)
}

/// Every action the API offers, one route each.
pub const ACTIONS: [ApiAction; 17] = [
    ApiAction {
        key: "receive",
        label: "Tiếp nhận hồ sơ",
        path: "/dossiers/{id}/receive",
        operation: "receiveOnline",
        summary: "Tiếp nhận hồ sơ nộp trực tuyến / receive a dossier submitted online",
        fields: "Body: {version}.",
    },
    ApiAction {
        key: "request-supplement",
        label: "Yêu cầu bổ sung hồ sơ (mẫu 02)",
        path: "/dossiers/{id}/request-supplement",
        operation: "requestSupplement",
        summary: "Yêu cầu bổ sung (mẫu 02) / request a supplement (form 02)",
        fields: "Body: {version, items: [what is missing], reason}. Once per dossier at the desk.",
    },
    ApiAction {
        key: "supplement",
        label: "Ghi nhận đã bổ sung",
        path: "/dossiers/{id}/supplement",
        operation: "recordSupplement",
        summary: "Ghi nhận đã bổ sung / record that the applicant supplemented",
        fields: "Body: {version, note}.",
    },
    ApiAction {
        key: "refuse",
        label: "Từ chối tiếp nhận (mẫu 03)",
        path: "/dossiers/{id}/refuse",
        operation: "refuse",
        summary: "Từ chối tiếp nhận (mẫu 03) / refuse (form 03)",
        fields: "Body: {version, reason}.",
    },
    ApiAction {
        key: "hand-over",
        label: "Chuyển hồ sơ",
        path: "/dossiers/{id}/hand-over",
        operation: "handOver",
        summary: "Chuyển hồ sơ / hand the dossier over",
        fields: "Body: {version, to_unit, to_staff?, note}. To another unit (inter-agency) or a person of the receiving unit.",
    },
    ApiAction {
        key: "pause",
        label: "Tạm dừng",
        path: "/dossiers/{id}/pause",
        operation: "pause",
        summary: "Tạm dừng / pause",
        fields: "Body: {version, pause: financial_obligation|applicant_request, reason}.",
    },
    ApiAction {
        key: "resume",
        label: "Tiếp tục xử lý",
        path: "/dossiers/{id}/resume",
        operation: "resume",
        summary: "Tiếp tục xử lý / resume",
        fields: "Body: {version}.",
    },
    ApiAction {
        key: "apologize",
        label: "Xin lỗi, hẹn lại ngày trả (mẫu 04)",
        path: "/dossiers/{id}/apologize",
        operation: "apologize",
        summary: "Xin lỗi, hẹn lại (mẫu 04) / apologise with a new appointment (form 04)",
        fields: "Body: {version, reason, new_appointment: YYYY-MM-DDTHH:MM Vietnam time}.",
    },
    ApiAction {
        key: "result-ready",
        label: "Phê duyệt, có kết quả",
        path: "/dossiers/{id}/result-ready",
        operation: "markResultReady",
        summary: "Có kết quả / the result is ready",
        fields: "Body: {version, approved, reason (when not approved)}.",
    },
    ApiAction {
        key: "return",
        label: "Trả kết quả",
        path: "/dossiers/{id}/return",
        operation: "returnResult",
        summary: "Trả kết quả / return the result",
        fields: "Body: {version, to_whom}.",
    },
    ApiAction {
        key: "withdraw",
        label: "Rút hồ sơ theo đề nghị",
        path: "/dossiers/{id}/withdraw",
        operation: "withdraw",
        summary: "Rút hồ sơ / withdraw at the applicant's request",
        fields: "Body: {version, reason}.",
    },
    ApiAction {
        key: "correct",
        label: "Đính chính thông tin người nộp",
        path: "/dossiers/{id}/correct",
        operation: "correctApplicant",
        summary: "Đính chính thông tin người nộp / correct a detail of the applicant",
        fields: "Body: {version, field: full_name|id_number|phone|email|address|passport|nationality|tax_code|legal_representative, value, reason}. Recorded with who and when; every form printed afterwards shows the corrected detail.",
    },
    ApiAction {
        key: "return-unsupplemented",
        label: "Trả lại hồ sơ quá hạn bổ sung",
        path: "/dossiers/{id}/return-unsupplemented",
        operation: "returnUnsupplemented",
        summary: "Trả lại hồ sơ không được bổ sung / return a dossier whose supplement request waited past the limit",
        fields: "Body: {version, reason}. Only once the request has waited longer than the province's limit (the stale-supplement queue).",
    },
    ApiAction {
        key: "erase-personal-data",
        label: "Xóa dữ liệu cá nhân của người nộp",
        path: "/dossiers/{id}/erase-personal-data",
        operation: "erasePersonalData",
        summary: "Xóa dữ liệu cá nhân (Luật 91/2025/QH15) / erase the applicant's personal data",
        fields: "Body: {version, reason}. The unit administrator's act (a data subject's request): the vault destroys the applicant's key and record; the log keeps its seals and still verifies; pages and forms then show \"đã xóa theo yêu cầu\". Cannot be undone.",
    },
    ApiAction {
        key: "assess-fee",
        label: "Xác định phí, lệ phí phải nộp",
        path: "/dossiers/{id}/assess-fee",
        operation: "assessFee",
        summary: "Xác định phí, lệ phí / assess the fees owed",
        fields: "Body: {version, exemption?}. From the pinned procedure's fee lines (those of one published amount); `exemption`, one of the lines' published exemptions, makes the lines it applies to 0. A dossier in processing that owes something is paused for its financial obligation (the wait does not count) until it is paid. Refused once something was paid.",
    },
    ApiAction {
        key: "population-data",
        label: "Ghi nhận dữ liệu từ CSDL quốc gia về dân cư",
        path: "/dossiers/{id}/population-data",
        operation: "recordPopulationData",
        summary: "Ghi nhận dùng dữ liệu dân cư / record that the applicant's data came from the population database",
        fields: "Body: {version, fields: [full_name|id_number|date_of_birth|sex|address]}. After a prefill from `GET /api/v1/population/{number}`: the details taken from the national population database (Decision 766, 4.5a/4.5b). Citizens only.",
    },
    ApiAction {
        key: "pay",
        label: "Thu phí, lệ phí tại quầy",
        path: "/dossiers/{id}/pay",
        operation: "recordDeskPayment",
        summary: "Thu phí, lệ phí tại quầy / record a fee paid at the desk",
        fields: "Body: {version, method: cash|transfer, amount, receipt}. `amount` in đồng, exactly what is owed; `receipt` the electronic receipt as SERIES-NUMBER (e.g. BL25E-0000123), required. A dossier paused for the fee resumes, its due times pushed back by exactly the working time it waited. Online payments are recorded only from the gateway's verified notification (`/api/v1/payments/vnpay/ipn`).",
    },
];

/// The applicant's details a correction may change: (key, label).
pub const CORRECTABLE: [(&str, &str); 9] = [
    ("full_name", "Họ tên / tên tổ chức"),
    ("id_number", "Số định danh cá nhân"),
    ("phone", "Số điện thoại"),
    ("email", "Thư điện tử"),
    ("address", "Địa chỉ"),
    ("passport", "Số hộ chiếu"),
    ("nationality", "Quốc tịch"),
    ("tax_code", "Mã số thuế"),
    ("legal_representative", "Người đại diện theo pháp luật"),
];

use chrono::TimeDelta;
use motcua_domain::authz::can;
use motcua_domain::dossier::{
    Command, Context, CorrectionField, Dossier, Outcome, PauseKind, decide, to_local,
};
use motcua_domain::org::Staff;

pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
}

pub fn field(name: &'static str, label: &'static str, kind: &'static str) -> Field {
    Field {
        name,
        label,
        kind,
        value: String::new(),
        options: vec![],
    }
}

pub struct ActionForm {
    pub key: &'static str,
    pub label: &'static str,
    pub fields: Vec<Field>,
}

/// The actions this member of staff may take on this dossier now: each is tried against the
/// domain's own rules with placeholder details, and against the caller's permissions.
pub fn actions(
    d: &Dossier,
    staff: &Staff,
    chains: &dyn Fn(&str) -> Vec<String>,
    ctx: &Context,
    units: &[(String, String)],
    people: &[(String, String)],
) -> Vec<ActionForm> {
    let label = |key| label_of(key).unwrap_or_default();
    let later = d.due.map_or(ctx.now, |due| due) + TimeDelta::days(3);
    let balance = d.fees.as_ref().map_or(0, |f| f.balance());
    let candidates: Vec<(&'static str, &'static str, Command, Vec<Field>)> = vec![
        (
            "receive",
            label("receive"),
            Command::Receive {
                code: "X-000101-0001".into(),
                channel: d.channel,
                procedure: None,
                unit: None,
                applicant: None,
                papers: None,
                details: Default::default(),
            },
            vec![],
        ),
        (
            "hand-over",
            label("hand-over"),
            Command::HandOver {
                to_unit: d.current_unit.clone(),
                external: false,
                note: String::new(),
                to_staff: None,
            },
            vec![
                Field {
                    options: units.to_vec(),
                    ..field("to_unit", "Chuyển đến", "select")
                },
                Field {
                    options: people.to_vec(),
                    ..field("to_staff", "Người nhận (không bắt buộc)", "select")
                },
                field("note", "Ghi chú", "text"),
            ],
        ),
        (
            "request-supplement",
            label("request-supplement"),
            Command::RequestSupplement {
                items: vec!["x".into()],
                reason: "x".into(),
            },
            vec![
                field(
                    "items",
                    "Nội dung cần bổ sung (mỗi dòng một mục)",
                    "textarea",
                ),
                field("reason", "Lý do", "text"),
            ],
        ),
        (
            "supplement",
            label("supplement"),
            Command::Supplement {
                note: String::new(),
            },
            vec![field("note", "Ghi chú", "text")],
        ),
        (
            "refuse",
            label("refuse"),
            Command::Refuse { reason: "x".into() },
            vec![field("reason", "Lý do từ chối", "text")],
        ),
        (
            "pause",
            label("pause"),
            Command::Pause {
                pause: PauseKind::FinancialObligation,
                reason: "x".into(),
            },
            vec![
                Field {
                    options: vec![
                        (
                            "financial_obligation".into(),
                            "Chờ thực hiện nghĩa vụ tài chính".into(),
                        ),
                        (
                            "applicant_request".into(),
                            "Theo đề nghị của người nộp".into(),
                        ),
                    ],
                    ..field("pause", "Lý do tạm dừng", "select")
                },
                field("reason", "Chi tiết", "text"),
            ],
        ),
        ("resume", label("resume"), Command::Resume, vec![]),
        (
            "apologize",
            label("apologize"),
            Command::Apologize {
                reason: "x".into(),
                new_appointment: later,
            },
            vec![
                field("reason", "Lý do chậm", "text"),
                Field {
                    value: to_local(later).format("%Y-%m-%dT%H:%M").to_string(),
                    ..field("new_appointment", "Ngày hẹn mới", "datetime-local")
                },
            ],
        ),
        (
            "result-ready",
            label("result-ready"),
            Command::MarkResultReady {
                outcome: Outcome::Approved,
            },
            vec![
                Field {
                    options: vec![
                        ("true".into(), "Đồng ý, cấp kết quả".into()),
                        ("false".into(), "Không đủ điều kiện (nêu lý do)".into()),
                    ],
                    ..field("approved", "Quyết định", "select")
                },
                field("reason", "Lý do (nếu không đồng ý)", "text"),
            ],
        ),
        (
            "return",
            label("return"),
            Command::Return {
                to_whom: "x".into(),
            },
            vec![Field {
                value: d.applicant.full_name.clone(),
                ..field("to_whom", "Người nhận kết quả", "text")
            }],
        ),
        (
            "withdraw",
            label("withdraw"),
            Command::Withdraw { reason: "x".into() },
            vec![field("reason", "Lý do", "text")],
        ),
        (
            "correct",
            label("correct"),
            Command::Correct {
                field: CorrectionField::Phone,
                value: "0900000000".into(),
                reason: "x".into(),
            },
            vec![
                Field {
                    options: CORRECTABLE
                        .iter()
                        .filter(|(k, _)| {
                            serde_json::from_value::<CorrectionField>(serde_json::Value::String(
                                (*k).to_owned(),
                            ))
                            .is_ok_and(|f| d.applicant.with_field(f, "").is_some())
                        })
                        .map(|(k, l)| ((*k).to_owned(), crate::i18n::t(l).to_owned()))
                        .collect(),
                    ..field("field", "Thông tin cần đính chính", "select")
                },
                field("value", "Giá trị đúng", "text"),
                field("reason", "Lý do đính chính", "text"),
            ],
        ),
        (
            "return-unsupplemented",
            label("return-unsupplemented"),
            Command::ReturnUnsupplemented { reason: "x".into() },
            vec![field("reason", "Lý do", "text")],
        ),
        (
            "assess-fee",
            label("assess-fee"),
            Command::AssessFee {
                assessment: motcua_domain::payment::Assessment {
                    lines: vec![],
                    total: 0,
                },
            },
            vec![field(
                "exemption",
                "Đối tượng được miễn (nếu có, đúng như thủ tục công bố)",
                "text",
            )],
        ),
        (
            "pay",
            label("pay"),
            Command::RecordPayment {
                payment: motcua_domain::payment::Payment {
                    method: motcua_domain::payment::PaymentMethod::Cash,
                    amount: balance.max(1),
                    receipt: Some("BL-1".into()),
                    gateway: None,
                    reference: None,
                    transaction: None,
                },
            },
            vec![
                Field {
                    options: vec![
                        ("cash".into(), "Tiền mặt tại quầy".into()),
                        ("transfer".into(), "Chuyển khoản".into()),
                    ],
                    ..field("method", "Hình thức nộp", "select")
                },
                Field {
                    value: balance.to_string(),
                    ..field("amount", "Số tiền (đồng)", "number")
                },
                field("receipt", "Số biên lai điện tử (KÝHIỆU-SỐ)", "text"),
            ],
        ),
        (
            "erase-personal-data",
            label("erase-personal-data"),
            Command::ErasePersonalData { reason: "x".into() },
            vec![field(
                "reason",
                "Căn cứ xóa (yêu cầu của người nộp, số văn bản); không thể hoàn tác",
                "text",
            )],
        ),
    ];
    candidates
        .into_iter()
        .filter(|(key, _, cmd, _)| {
            // Fees are assessed once, for a procedure that charges something.
            (*key != "assess-fee" || (d.fees.is_none() && !d.procedure.fee_free))
                && decide(Some(d), cmd.clone(), ctx).is_ok()
                && cmd
                    .permission(Some(d))
                    .is_some_and(|(action, unit)| can(&staff.grants, action, &chains(&unit)))
        })
        .map(|(key, label, _, fields)| ActionForm { key, label, fields })
        .collect()
}
