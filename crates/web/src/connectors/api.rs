//! `POST /api/v1/connectors/dvcqg/dossiers`: the portal's dossiers in, idempotent on `MaHoSo`, all
//! of one request in one transaction (all made or none).

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use motcua_domain::dossier::{Actor, Applicant, ApplicantKind, Command, Paper, to_local};
use motcua_domain::procedure::ProcedureRef;
use motcua_store::dossiers::{self, Request, Target};
use motcua_store::{millis, outbox, procedures};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::app::{AppState, blocking};
use crate::dossiers::service::open_unit;
use crate::http::{ApiError, Body};

/// A request of the portal: the receiving agency and its dossiers.
#[derive(Deserialize, JsonSchema)]
pub struct Intake {
    /// The receiving agency's identifier (QCVN 102): a motcua unit code.
    pub madonvi: String,
    pub data: Vec<PortalDossier>,
}

/// One dossier with the portal's field names (those motcua uses; others are ignored).
#[derive(Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct PortalDossier {
    pub MaHoSo: String,
    pub MaTTHC: String,
    pub ChuHoSo: String,
    /// 1 citizen, 2 organisation.
    #[serde(default)]
    pub LoaiDoiTuong: Option<String>,
    /// The citizen's ID number or the organisation's tax code.
    #[serde(default)]
    pub MaDoiTuong: Option<String>,
    #[serde(default)]
    pub SoDienThoai: String,
    #[serde(default)]
    pub Email: Option<String>,
    #[serde(default)]
    pub DiaChi: Option<String>,
    #[serde(default)]
    pub TaiLieuNop: Vec<PortalPaper>,
}

#[derive(Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct PortalPaper {
    pub TenTepDinhKem: String,
}

#[derive(Serialize, JsonSchema)]
pub struct IntakeAnswer {
    /// 0: every dossier is in motcua.
    pub error_code: i64,
    pub result: Vec<IntakeResult>,
}

#[derive(Serialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct IntakeResult {
    pub MaHoSo: String,
    /// motcua's online reference for the dossier.
    pub reference: String,
    /// False when this `MaHoSo` had come before.
    pub created: bool,
}

/// The bearer token, compared by digest in constant time.
fn authorised(headers: &axum::http::HeaderMap, expected: &str) -> bool {
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    crate::auth::same_secret(given, expected)
}

fn field(i: usize, name: &str, vi: &str, en: &str) -> ApiError {
    ApiError::invalid(
        &format!("data[{i}].{name}"),
        format!("hồ sơ thứ {}: {name} {vi}", i + 1),
        format!("dossier {}: {name} {en}", i + 1),
    )
}

fn applicant(i: usize, d: &PortalDossier) -> Result<Applicant, ApiError> {
    if d.ChuHoSo.trim().is_empty() {
        return Err(field(
            i,
            "ChuHoSo",
            "không được để trống",
            "must not be empty",
        ));
    }
    let subject = d.MaDoiTuong.clone().filter(|s| !s.trim().is_empty());
    let (kind, id_number) = match d.LoaiDoiTuong.as_deref().map(str::trim) {
        Some("2") => (
            ApplicantKind::Organisation {
                tax_code: subject.clone().unwrap_or_default(),
                legal_representative: String::new(),
            },
            None,
        ),
        None | Some("") | Some("1") => (ApplicantKind::Citizen, subject),
        Some(_) => {
            return Err(field(
                i,
                "LoaiDoiTuong",
                "phải là 1 hoặc 2",
                "must be 1 or 2",
            ));
        }
    };
    Ok(Applicant {
        full_name: d.ChuHoSo.trim().to_owned(),
        id_number,
        phone: d.SoDienThoai.trim().to_owned(),
        email: d.Email.clone().filter(|e| !e.trim().is_empty()),
        address: d.DiaChi.clone().filter(|a| !a.trim().is_empty()),
        date_of_birth: None,
        sex: None,
        kind,
        representative: None,
        notify: None,
        sealed: None,
    })
}

/// POST /api/v1/connectors/dvcqg/dossiers
pub async fn dvcqg_intake(
    State(app): State<AppState>,
    headers: axum::http::HeaderMap,
    Body(body): Body<Intake>,
) -> Result<Json<IntakeAnswer>, ApiError> {
    let Some(expected) = app.settings.dvcqg_inbound_token.clone() else {
        return Err(ApiError::not_found(
            "kết nối Cổng DVCQG chưa được cấu hình",
            "the national portal's connection is not configured",
        ));
    };
    if !authorised(&headers, &expected) {
        return Err(ApiError::unauthorized());
    }
    if body.data.is_empty() || body.data.len() > 100 {
        return Err(ApiError::invalid(
            "data",
            "cần từ 1 đến 100 hồ sơ",
            "needs 1 to 100 dossiers",
        ));
    }
    let app2 = app.clone();
    let result = blocking(move || {
        let mut answer: Result<Vec<IntakeResult>, ApiError> = Ok(vec![]);
        let written = app2.store.write(|tx| {
            let now = Utc::now();
            let today = to_local(now).date();
            let built = (|| -> Result<Vec<IntakeResult>, ApiError> {
                let unit = open_unit(tx, body.madonvi.trim(), today).map_err(|_| {
                    ApiError::invalid("madonvi", "không có đơn vị này", "no such unit")
                })?;
                let cal = app2.calendar(tx)?;
                let mut out = vec![];
                for (i, d) in body.data.iter().enumerate() {
                    let code = d.MaHoSo.trim();
                    if code.is_empty() || code.len() > 60 {
                        return Err(field(
                            i,
                            "MaHoSo",
                            "cần từ 1 đến 60 ký tự",
                            "needs 1 to 60 characters",
                        ));
                    }
                    if let Some(id) = outbox::intake_find(tx, outbox::DVCQG, code)? {
                        let access = motcua_store::public_access::ensure(tx, id)?;
                        out.push(IntakeResult {
                            MaHoSo: code.to_owned(),
                            reference: access.reference,
                            created: false,
                        });
                        continue;
                    }
                    let procedure =
                        procedures::in_force(tx, d.MaTTHC.trim(), today).map_err(|_| {
                            field(
                                i,
                                "MaTTHC",
                                "không có thủ tục này đang hiệu lực",
                                "names no procedure in force",
                            )
                        })?;
                    let papers = d
                        .TaiLieuNop
                        .iter()
                        .map(|p| Paper {
                            name: p.TenTepDinhKem.trim().to_owned(),
                            copies: 1,
                            file: None,
                            kind: None,
                        })
                        .collect();
                    let mut o = dossiers::execute(
                        tx,
                        &cal,
                        vec![Request {
                            target: Target::New,
                            actor: Actor::Applicant,
                            command: Command::SubmitOnline {
                                procedure: ProcedureRef::from(&procedure),
                                unit: unit.code.clone(),
                                applicant: applicant(i, d)?,
                                papers,
                            },
                            now,
                        }],
                    )?;
                    let id = o.remove(0).id;
                    outbox::intake_record(tx, outbox::DVCQG, code, id, millis(now))?;
                    let access = motcua_store::public_access::ensure(tx, id)?;
                    out.push(IntakeResult {
                        MaHoSo: code.to_owned(),
                        reference: access.reference,
                        created: true,
                    });
                }
                Ok(out)
            })();
            match built {
                Ok(out) => {
                    answer = Ok(out);
                    Ok(())
                }
                Err(e) => {
                    answer = Err(e);
                    // Nothing of this request is kept.
                    Err(motcua_store::StoreError::Db("rolled back".into()))
                }
            }
        });
        match (written, answer) {
            (_, Err(e)) => Err(e),
            (Err(e), _) => Err(e.into()),
            (Ok(()), Ok(out)) => Ok(out),
        }
    })
    .await?;
    Ok(Json(IntakeAnswer {
        error_code: 0,
        result,
    }))
}
