//! `motcua vault`: the personal-data vault from the command line (the operator's tools): a key
//! file, the erasure of one dossier's applicant, the retention run, and the export of what motcua
//! holds about a person (a data subject's request).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use chrono::{TimeDelta, Utc};
use clap::Subcommand;
use motcua_domain::dossier::{Actor, Command};
use motcua_store::dossiers::{self, Request, Target};
use motcua_store::{Store, vault, walk_ins};

use crate::BadInput;

#[derive(Subcommand)]
pub enum VaultCommand {
    /// Tạo tệp khóa mới (cấu hình vault_key_file) / write a new key file (for vault_key_file)
    NewKey { file: PathBuf },
    /// Xóa dữ liệu cá nhân của người nộp một hồ sơ / erase one dossier's applicant data
    Erase {
        #[arg(long)]
        db: Option<String>,
        /// Mã hồ sơ / the dossier code
        #[arg(long)]
        dossier: String,
        /// Căn cứ xóa / the grounds (the request and its number)
        #[arg(long)]
        reason: String,
    },
    /// Xóa tên và số điện thoại của một lượt tiếp dân (phiếu 02/03 không lập hồ sơ) / erase the
    /// person's data of one walk-in (form 02/03 without a dossier)
    EraseWalkIn {
        #[arg(long)]
        db: Option<String>,
        /// Số lượt tiếp dân / the walk-in's number
        #[arg(long)]
        id: i64,
        /// Căn cứ xóa / the grounds (the request and its number)
        #[arg(long)]
        reason: String,
    },
    /// Xóa dữ liệu cá nhân của các hồ sơ đã kết thúc và các lượt tiếp dân quá thời hạn lưu trữ /
    /// erase the data of dossiers closed, and walk-ins recorded, longer ago than the retention
    /// period
    Retention {
        #[arg(long)]
        db: Option<String>,
        /// Thời hạn lưu trữ (năm) / the retention period in years
        #[arg(long)]
        years: u32,
        /// Chỉ đếm, không xóa / count only
        #[arg(long)]
        dry_run: bool,
    },
    /// Xuất mọi dữ liệu về một người (JSON) / export what motcua holds about a person (JSON)
    Export {
        #[arg(long)]
        db: Option<String>,
        /// Số định danh, hộ chiếu hoặc mã số thuế / ID number, passport or tax code
        #[arg(long)]
        id_number: Option<String>,
        /// Số điện thoại / phone
        #[arg(long)]
        phone: Option<String>,
    },
}

impl VaultCommand {
    /// The database named on the command line, if any.
    pub fn db(&self) -> Option<String> {
        match self {
            VaultCommand::NewKey { .. } => None,
            VaultCommand::Erase { db, .. }
            | VaultCommand::EraseWalkIn { db, .. }
            | VaultCommand::Retention { db, .. }
            | VaultCommand::Export { db, .. } => db.clone(),
        }
    }
}

fn erase(store: &Store, id: i64, version: i64, actor: Actor, reason: &str) -> Result<()> {
    store.write(|tx| {
        let cal = motcua_store::calendar::work_calendar(tx)?;
        dossiers::execute(
            tx,
            &cal,
            vec![Request {
                target: Target::Existing {
                    id,
                    expected_version: version,
                },
                actor,
                command: Command::ErasePersonalData {
                    reason: reason.to_owned(),
                },
                now: Utc::now(),
            }],
        )
    })?;
    Ok(())
}

pub fn run(command: VaultCommand, db: &str) -> Result<()> {
    match command {
        VaultCommand::NewKey { file } => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode_private()
                .open(&file)
                .map_err(|e| {
                    BadInput(format!(
                        "không tạo được {0} (đã có tệp này?) / cannot create {0} (does it exist?): {e}",
                        file.display()
                    ))
                })?;
            f.write_all(vault::new_key_text()?.as_bytes())?;
            f.sync_all()?;
            println!(
                "đã tạo {0}: đặt vault_key_file = \"{0}\" và sao lưu tệp này riêng, ngoài bản sao lưu dữ liệu; mất tệp là mất mọi dữ liệu cá nhân / wrote {0}: set vault_key_file = \"{0}\" and keep a copy apart from the database backups; losing it loses all personal data",
                file.display()
            );
            Ok(())
        }
        VaultCommand::Erase {
            db: _,
            dossier,
            reason,
        } => {
            let store = crate::open_store(db)?;
            let code = dossier.trim().to_uppercase();
            let id = store
                .read(|tx| dossiers::id_by_code(tx, &code))?
                .ok_or_else(|| BadInput(format!("không có hồ sơ {code} / no dossier {code}")))?;
            let version = store.read(|tx| dossiers::load_sealed(tx, id))?.version;
            erase(&store, id, version, Actor::System, &reason)
                .map_err(|e| BadInput(format!("{e:#}")))?;
            println!(
                "đã xóa dữ liệu cá nhân của hồ sơ {code} / erased the personal data of {code}"
            );
            Ok(())
        }
        VaultCommand::EraseWalkIn { db: _, id, reason } => {
            let store = crate::open_store(db)?;
            store
                .write(|tx| walk_ins::erase(tx, id, &Actor::System, &reason, Utc::now()))
                .map_err(|e| BadInput(format!("{e:#}")))?;
            println!(
                "đã xóa dữ liệu cá nhân của lượt tiếp dân {id} / erased the personal data of walk-in {id}"
            );
            Ok(())
        }
        VaultCommand::Retention {
            db: _,
            years,
            dry_run,
        } => {
            if years == 0 {
                return Err(
                    BadInput("--years phải lớn hơn 0 / --years must be above 0".into()).into(),
                );
            }
            let store = crate::open_store(db)?;
            let cutoff =
                Utc::now() - TimeDelta::days(365 * i64::from(years) + i64::from(years / 4));
            let due = store.read(|tx| vault::past_retention(tx, motcua_store::millis(cutoff)))?;
            let walk_ins_due =
                store.read(|tx| walk_ins::past_retention(tx, motcua_store::millis(cutoff)))?;
            if dry_run {
                println!(
                    "{} hồ sơ đã kết thúc và {} lượt tiếp dân trước {} / dossiers closed and walk-ins recorded before then: {}, {}",
                    due.len(),
                    walk_ins_due.len(),
                    cutoff.format("%Y-%m-%d"),
                    due.len(),
                    walk_ins_due.len()
                );
                return Ok(());
            }
            let reason = format!(
                "Hết thời hạn lưu trữ {years} năm / retention period of {years} years ended"
            );
            for (id, version) in &due {
                erase(&store, *id, *version, Actor::System, &reason)?;
            }
            store.write(|tx| {
                for id in &walk_ins_due {
                    walk_ins::erase(tx, *id, &Actor::System, &reason, Utc::now())?;
                }
                Ok(())
            })?;
            println!(
                "đã xóa dữ liệu cá nhân của {} hồ sơ và {} lượt tiếp dân / erased the personal data of {} dossiers and {} walk-ins",
                due.len(),
                walk_ins_due.len(),
                due.len(),
                walk_ins_due.len()
            );
            Ok(())
        }
        VaultCommand::Export {
            db: _,
            id_number,
            phone,
        } => {
            let (kind, value) = match (id_number, phone) {
                (Some(v), None) => ("id", v),
                (None, Some(v)) => ("phone", v),
                _ => {
                    return Err(BadInput(
                        "cần đúng một trong --id-number, --phone / give exactly one of --id-number, --phone".into(),
                    )
                    .into());
                }
            };
            let store = crate::open_store(db)?;
            let out = store.read(|tx| {
                let keys = vault::Keys::load(tx)?;
                let mut items = vec![];
                for id in vault::dossiers_of(tx, &keys, kind, &value)? {
                    let d = dossiers::load(tx, id)?;
                    let views = dossiers::personal_views(tx, id)?;
                    items.push(serde_json::json!({
                        "dossier": d.code,
                        "procedure": d.procedure,
                        "unit": d.unit,
                        "status": d.status,
                        "received_at": d.received_at,
                        "applicant": d.applicant,
                        "corrections": d.corrections,
                        "views": views,
                    }));
                }
                let walk_ins = if kind == "phone" {
                    walk_ins::of_phone(tx, &value)?
                } else {
                    vec![]
                };
                Ok((items, walk_ins))
            })?;
            let (out, walk_ins) = out;
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "generated_at": Utc::now(),
                    "searched": kind,
                    "dossiers": out,
                    "walk_ins": walk_ins,
                }))?
            );
            Ok(())
        }
    }
}

trait PrivateMode {
    fn mode_private(&mut self) -> &mut Self;
}

impl PrivateMode for std::fs::OpenOptions {
    fn mode_private(&mut self) -> &mut Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            self.mode(0o600);
        }
        self
    }
}
