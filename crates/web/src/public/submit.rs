//! Online submission by a citizen: who applies, where, and the procedure's papers as uploads. The
//! files are checked (type by signature, size) and kept content-addressed; the dossier then waits
//! for the desk to receive it. Rate-limited like every public write.
//!
//! When the population database is connected, the citizen may ask for their number, full name
//! and date of birth to be checked against it (`population::service::check_online`). Nothing
//! from the database is shown on this public page: a match submits the dossier with the name's
//! spelling and the sex as the database has them (and the permanent residence when no address was
//! typed), recording in the same transaction that those details came from the database; a
//! mismatch or an unknown number answers the same refusal, and the form is kept.

use askama::Template;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use motcua_domain::dossier::{Actor, Command, Paper, to_local};
use motcua_domain::procedure::{OnlineLevel, Procedure, ProcedureRef};
use motcua_store::dossiers::{self, Request, Target};
use motcua_store::{org, procedures};

use super::upload::{self, Kept, Upload, Uploaded};
use crate::app::{AppState, blocking};
use crate::http::ApiError;
use crate::http::PageError;
use crate::http::form::{APPLICANT_FIELDS, FormErrors, FormValues, InputField, NotifyInput};
use crate::http::{ClientIp, rate_limited};
use crate::i18n::filters;

/// A paper of the form: its name, whether it is mandatory, the problem with it, and the file kept
/// from an earlier try (signed reference, file name).
struct PaperInput {
    name: String,
    mandatory: bool,
    error: String,
    kept: Option<(String, String)>,
    /// The procedure's own blank form for this paper: (download link, "PDF, 42 KB").
    form: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "public/submit.html")]
struct SubmitPage {
    code: String,
    name: String,
    errors: FormErrors,
    unit_error: String,
    units: Vec<(String, String)>,
    unit: String,
    fields: Vec<InputField>,
    papers: Vec<PaperInput>,
    max_mb: usize,
    notify: NotifyInput,
    /// The population database is connected: the check is offered.
    population: bool,
    /// The citizen asked for the check.
    verify: bool,
    verify_error: String,
    sex: String,
    sex_error: String,
}

/// The procedure in force today, if it can be submitted online, and the units that apply it.
/// A version's blank forms by paper number: (download link, "PDF, 42 KB").
type FormLinks = std::collections::BTreeMap<usize, (String, String)>;
/// The procedure in force, the units that apply it, and its blank forms.
type Loaded = (Procedure, Vec<(String, String)>, FormLinks);

fn load(app: &AppState, code: &str) -> Result<Loaded, ApiError> {
    let today = to_local(Utc::now()).date();
    let (procedure, units, forms) = app.store.read(|tx| {
        let p = procedures::in_force(tx, code, today)?;
        let forms = crate::catalogue::service::blank_form_links(tx, code, p.version)?;
        Ok((p, org::units(tx)?, forms))
    })?;
    if procedure.spec.channels.online == OnlineLevel::None {
        return Err(ApiError::not_found(
            "Thủ tục này chưa nhận hồ sơ trực tuyến; vui lòng nộp tại Bộ phận Một cửa",
            "This procedure cannot be submitted online; apply at the one-stop desk",
        ));
    }
    let units = units
        .into_iter()
        .filter(|u| u.is_valid_on(today) && procedure.spec.applies_to.applies(u))
        .map(|u| (u.code, u.name))
        .collect();
    Ok((procedure, units, forms))
}

/// The inputs a problem may be about, for the error summary's links.
fn inputs(papers: usize) -> Vec<String> {
    let mut all: Vec<String> = APPLICANT_FIELDS
        .iter()
        .map(|(n, _, _)| (*n).to_owned())
        .collect();
    all.push("unit".into());
    all.push("notify_channel".into());
    all.push("sex".into());
    all.push(VERIFY.into());
    all.extend((0..papers).map(|i| format!("file_{i}")));
    all
}

/// The check box asking for the check against the population database.
const VERIFY: &str = "xac_thuc";

#[allow(clippy::too_many_arguments)]
fn page(
    p: &Procedure,
    units: Vec<(String, String)>,
    values: &[(String, String)],
    errors: &[ApiError],
    kept: &[Option<(String, String)>],
    forms: &FormLinks,
    max: usize,
    population: bool,
) -> Result<Html<String>, PageError> {
    let form = FormValues(values);
    let value = |k: &str| form.value(k);
    let names = inputs(p.spec.papers.len());
    let errors = FormErrors::new(
        errors,
        &names.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let page = SubmitPage {
        code: p.spec.code.clone(),
        name: p.spec.name.clone(),
        units,
        unit: value("unit"),
        unit_error: errors.on("unit"),
        fields: APPLICANT_FIELDS
            .iter()
            .map(|(name, label, required)| InputField {
                name,
                label,
                value: value(name),
                error: errors.on(name),
                required: *required,
            })
            .collect(),
        papers: p
            .spec
            .papers
            .iter()
            .enumerate()
            .map(|(i, x)| PaperInput {
                name: x.name.clone(),
                mandatory: x.mandatory,
                error: errors.on(&format!("file_{i}")),
                kept: kept.get(i).cloned().flatten(),
                form: forms.get(&(i + 1)).cloned(),
            })
            .collect(),
        max_mb: max.div_ceil(1024 * 1024),
        notify: NotifyInput::new(&form, errors.on("notify_channel")),
        population,
        verify: form.field(VERIFY).is_some(),
        verify_error: errors.on(VERIFY),
        sex: value("sex"),
        sex_error: errors.on("sex"),
        errors,
    };
    page.render()
        .map(Html)
        .map_err(|e| PageError::from(ApiError::internal(format!("template: {e}"))))
}

pub async fn form(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Html<String>, PageError> {
    let max = app.settings.max_upload_bytes;
    let population = crate::population::service::connected(&app);
    let (p, units, forms) = blocking(move || load(&app, &code)).await?;
    page(&p, units, &[], &[], &[], &forms, max, population)
}

/// POST /nop-ho-so/{code} (multipart): checks everything, stores the papers, submits the dossier.
/// Each paper is written to a temporary file as it arrives (hashed on the way); the body may weigh
/// at most the procedure's papers times the paper limit, and is refused with 413 as soon as it
/// passes that or a paper passes the paper limit. A form refused for its content shows every
/// problem at once, each next to its field, and keeps the papers that were acceptable.
pub async fn submit(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    request: axum::extract::Request,
) -> Response {
    if !app.public_limiter.allow(ip) {
        return PageError::from(rate_limited()).into_response();
    }
    let max = app.settings.max_upload_bytes;
    let population = crate::population::service::connected(&app);
    let app2 = app.clone();
    let code2 = code.clone();
    let (procedure, units, forms) = match blocking(move || load(&app2, &code2)).await {
        Ok(x) => x,
        Err(e) => return PageError::from(e).into_response(),
    };
    let refuse = |values: &[(String, String)], errors: Vec<ApiError>, kept: &[Option<Kept>]| {
        let status = errors
            .iter()
            .map(|e| e.status)
            .max_by_key(|s| s.as_u16())
            .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
        let kept = upload::references(&app, kept, Utc::now().timestamp());
        match page(
            &procedure,
            units.clone(),
            values,
            &errors,
            &kept,
            &forms,
            max,
            population,
        ) {
            Ok(p) => (status, p).into_response(),
            Err(e) => e.into_response(),
        }
    };
    let papers = procedure.spec.papers.len();
    let cap = upload::body_cap(papers, max);
    let mut values: Vec<(String, String)> = vec![];
    let mut uploads: Vec<Uploaded> = vec![];
    let read = async {
        let mut body = Upload::open(request, cap, max, &app.settings.files_dir).await?;
        body.rest(papers, &mut values, &mut uploads).await
    };
    if let Err(e) = read.await {
        // Too large or unreadable: nothing is kept.
        return refuse(&values, vec![e], &[]);
    }
    // A check against the population database costs one more of the client's tokens.
    if FormValues(&values).field(VERIFY).is_some() && !app.public_limiter.allow(ip) {
        return PageError::from(rate_limited()).into_response();
    }
    let app2 = app.clone();
    let proc2 = procedure.clone();
    let units2 = units.clone();
    let values2 = values.clone();
    let result = blocking(move || Ok(accept(&app2, &proc2, &units2, &values2, uploads))).await;
    match result {
        // The answer itself shows the secret (never put in an address, so no log or history keeps it).
        Ok(Ok((reference, secret, verified))) => match (SubmittedPage {
            reference,
            secret,
            verified,
        })
        .render()
        {
            Ok(page) => Html(page).into_response(),
            Err(e) => PageError::from(ApiError::internal(format!("template: {e}"))).into_response(),
        },
        Ok(Err((errors, kept))) => refuse(&values, errors, &kept),
        Err(e) => refuse(&values, vec![e], &[]),
    }
}

/// What a refused submission answers: every problem, and the papers kept for the form shown again.
type Refused = (Vec<ApiError>, Vec<Option<Kept>>);

/// Validates the submission and records the dossier: its reference, its secret, and whether the
/// applicant was checked against the population database. Every problem of the form is found
/// before anything is recorded; the acceptable papers are stored either way (a refused form
/// carries references to them instead of asking for them again).
fn accept(
    app: &AppState,
    procedure: &Procedure,
    units: &[(String, String)],
    values: &[(String, String)],
    uploads: Vec<Uploaded>,
) -> Result<(String, String, bool), Refused> {
    let count = procedure.spec.papers.len();
    let (kept, mut errors) = upload::settle(app, count, values, uploads, Utc::now().timestamp())
        .map_err(|e| (vec![e], vec![]))?;
    let form = FormValues(values);
    let unit = form.value("unit");
    if !units.iter().any(|(c, _)| *c == unit) {
        errors.push(ApiError::invalid(
            "unit",
            "hãy chọn nơi nộp hồ sơ",
            "choose where to apply",
        ));
    }
    if let Err(e) = form.notify() {
        errors.push(e);
    }
    errors.extend(form.birth_problems());
    let applicant = match form.applicant().validated_all() {
        Ok(a) => Some(a),
        Err(all) => {
            errors.extend(all.into_iter().map(ApiError::from));
            None
        }
    };
    // Every mandatory paper needs a file (a problem with the file itself is already said).
    for (i, spec) in procedure.spec.papers.iter().enumerate() {
        let name = format!("file_{i}");
        let said = errors.iter().any(|e| e.field.as_deref() == Some(&name));
        if spec.mandatory && kept[i].is_none() && !said {
            errors.push(ApiError::invalid(
                &name,
                format!("thiếu tệp: {}", spec.name),
                format!("missing file: {}", spec.name),
            ));
        }
    }
    let mut applicant = match applicant {
        Some(a) if errors.is_empty() => a,
        _ => return Err((errors, kept)),
    };
    // The check against the population database, once the rest of the form is right.
    let from_database = if form.field(VERIFY).is_some() {
        match verify(app, &unit, &procedure.spec.code, &mut applicant) {
            Ok(fields) => fields,
            Err(e) => return Err((e, kept)),
        }
    } else {
        vec![]
    };
    let papers = procedure
        .spec
        .papers
        .iter()
        .zip(&kept)
        .filter_map(|(spec, k)| {
            k.as_ref().map(|k| Paper {
                name: spec.name.clone(),
                copies: 1,
                file: Some(k.hash.clone()),
                kind: None,
            })
        })
        .collect();
    let verified = !from_database.is_empty();
    let recorded = app.store.write(|tx| {
        let cal = app.calendar(tx)?;
        let outcome = dossiers::execute(
            tx,
            &cal,
            vec![Request {
                target: Target::New,
                actor: Actor::Applicant,
                command: Command::SubmitOnline {
                    procedure: ProcedureRef::from(procedure),
                    unit,
                    applicant,
                    papers,
                },
                now: Utc::now(),
            }],
        )?;
        if verified {
            // The system checked the details against the national database (766 4.5a/4.5b).
            dossiers::execute(
                tx,
                &cal,
                vec![Request {
                    target: Target::Existing {
                        id: outcome[0].id,
                        expected_version: outcome[0].dossier.version,
                    },
                    actor: Actor::System,
                    command: Command::RecordPopulationData {
                        fields: from_database,
                    },
                    now: Utc::now(),
                }],
            )?;
        }
        super::service::access(tx, outcome[0].id)
    });
    match recorded {
        Ok(access) => Ok((
            access.reference,
            motcua_store::public_access::grouped(&access.secret),
            verified,
        )),
        Err(e) => Err((vec![ApiError::from(e)], kept)),
    }
}

/// The check of the applicant against the population database: on a match, the name's spelling
/// and the sex as the database has them, the permanent residence when no address was typed, and
/// the details to record as coming from it; otherwise the problem, next to the number.
fn verify(
    app: &AppState,
    unit: &str,
    procedure: &str,
    a: &mut motcua_domain::dossier::Applicant,
) -> Result<Vec<String>, Vec<ApiError>> {
    use crate::population::service::{Check, check_number, check_online};
    let mut problems = vec![];
    if a.kind != motcua_domain::dossier::ApplicantKind::Citizen {
        problems.push(ApiError::invalid(
            VERIFY,
            "chỉ công dân Việt Nam được đối chiếu với CSDL quốc gia về dân cư",
            "only Vietnamese citizens can be checked against the population database",
        ));
    }
    let id = match a.id_number.as_deref() {
        None => {
            problems.push(ApiError::invalid(
                "applicant.id_number",
                "Cần số định danh cá nhân để đối chiếu với CSDL quốc gia về dân cư",
                "The personal identification number is needed for the check against the population database",
            ));
            None
        }
        Some(n) => match check_number(n) {
            Ok(id) => Some(id),
            Err(mut e) => {
                e.field = Some("applicant.id_number".into());
                problems.push(e);
                None
            }
        },
    };
    if a.date_of_birth.is_none() {
        problems.push(ApiError::invalid(
            "applicant.date_of_birth",
            "Cần ngày sinh để đối chiếu với CSDL quốc gia về dân cư",
            "The date of birth is needed for the check against the population database",
        ));
    }
    let (Some(id), Some(born), true) = (id, a.date_of_birth, problems.is_empty()) else {
        return Err(problems);
    };
    let field = |mut e: ApiError| {
        e.field = Some(VERIFY.into());
        vec![e]
    };
    match check_online(app, unit, procedure, &id, &a.full_name, born).map_err(field)? {
        Check::Matched(p) => {
            let mut fields = vec!["date_of_birth", "full_name", "id_number", "sex"];
            a.full_name = p.full_name.clone();
            a.id_number = Some(id.number.clone());
            a.sex = motcua_domain::citizen_id::Sex::parse(&p.sex).or(Some(id.sex));
            if a.address.is_none() && !p.address.trim().is_empty() {
                a.address = Some(p.address.clone());
                fields.push("address");
            }
            Ok(fields.into_iter().map(str::to_owned).collect())
        }
        Check::Mismatch => Err(vec![ApiError::invalid(
            "applicant.id_number",
            "Số định danh, họ tên và ngày sinh không khớp với CSDL quốc gia về dân cư. Kiểm tra lại, hoặc bỏ chọn đối chiếu để gửi hồ sơ mà không đối chiếu.",
            "The identification number, full name and date of birth do not match the population database. Check them, or untick the check to submit without it.",
        )]),
        Check::Refused => Err(vec![ApiError::invalid(
            "applicant.id_number",
            "Số định danh này đã đối chiếu không khớp nhiều lần; tạm thời không đối chiếu được. Bỏ chọn đối chiếu để gửi hồ sơ, hoặc đối chiếu tại Bộ phận Một cửa.",
            "This identification number failed the check too often; it cannot be checked for now. Untick the check to submit, or have it checked at the one-stop desk.",
        )]),
    }
}

#[derive(Template)]
#[template(path = "public/submitted.html")]
struct SubmittedPage {
    reference: String,
    secret: String,
    /// The applicant's details were checked against the population database (nothing of it shown).
    verified: bool,
}
