//! Standing up an office from zero: `init`, `org import|export`, `staff import`, `desk set`.
//! Every command is one transaction: all or nothing; bad input exits with 2 naming the row and
//! the column.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use motcua_domain::org::Decision;
use motcua_domain::orgfile::{self, FileError, Table};
use motcua_render::table;
use motcua_store::{StoreError, office, org};

use crate::config::Config;
use crate::{BadInput, open_store};

#[derive(Clone, Copy, ValueEnum)]
pub enum TableFormat {
    Csv,
    Json,
    Xlsx,
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Nhập đơn vị hành chính / import units (CSV, XLSX or JSON: code, name, level, parent, valid_from, valid_to, successors)
    Import {
        file: PathBuf,
        #[arg(long)]
        db: Option<String>,
    },
    /// Xuất đơn vị hành chính / export every unit
    Export {
        #[arg(long, value_enum, default_value = "csv")]
        format: TableFormat,
        /// Tệp kết quả / output file (default: standard output; required for XLSX)
        #[arg(long)]
        output: Option<PathBuf>,
        #[arg(long)]
        db: Option<String>,
    },
    /// Chuyển giao hồ sơ chưa giải quyết xong của đơn vị đã thôi hoạt động cho đơn vị kế thừa / move a closed unit's unfinished dossiers to its successor
    Transfer {
        /// Đơn vị đã thôi hoạt động / the closed unit
        #[arg(long)]
        from: String,
        /// Đơn vị kế thừa / its successor
        #[arg(long)]
        to: String,
        /// Số quyết định (căn cứ pháp lý) / the decision number (legal basis)
        #[arg(long)]
        decision: String,
        /// Ngày chuyển giao / the transfer date (YYYY-MM-DD)
        #[arg(long)]
        date: chrono::NaiveDate,
        #[arg(long)]
        db: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Nhập cán bộ / import staff (CSV or XLSX: username, full_name, title, roles, desk, email, phone)
    Import {
        file: PathBuf,
        #[arg(long)]
        db: Option<String>,
        /// Nơi ghi mật khẩu dùng một lần của tài khoản mới / where to write new accounts' one-time passwords (CSV, mode 0600)
        #[arg(long)]
        passwords_out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum DeskCommand {
    /// Ghi quyết định thành lập bộ phận một cửa / record a desk's name and founding decision
    Set {
        /// Mã đơn vị / the unit's code
        unit: String,
        #[arg(long)]
        name: String,
        /// Số quyết định / decision number
        #[arg(long)]
        decision: String,
        /// Ngày quyết định / decision date, YYYY-MM-DD
        #[arg(long)]
        date: String,
        /// Người ký / signer
        #[arg(long)]
        signer: String,
        #[arg(long)]
        db: Option<String>,
    },
}

/// Store errors caused by the input become bad input (exit 2).
pub fn input_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid { .. } | StoreError::NotFound(_) | StoreError::Constraint(_) => {
            BadInput(e.to_string()).into()
        }
        e => e.into(),
    }
}

fn file_error(e: FileError) -> anyhow::Error {
    input_error(e.into())
}

pub fn actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "?".into());
    format!("cli:{user}")
}

fn read_bytes(file: &Path) -> Result<Vec<u8>> {
    std::fs::read(file).map_err(|e| {
        BadInput(format!(
            "không đọc được {} / cannot read {}: {e}",
            file.display(),
            file.display()
        ))
        .into()
    })
}

fn extension(file: &Path) -> String {
    file.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Reads a table from CSV, XLSX or JSON, by the file's extension (CSV otherwise).
pub fn read_table(file: &Path, columns: &[&str]) -> Result<Table> {
    let bytes = read_bytes(file)?;
    let ext = extension(file);
    if ext == "xlsx" {
        return table::read_xlsx(&bytes).map_err(file_error);
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| BadInput("tệp không phải UTF-8 / the file is not UTF-8".into()))?;
    if ext == "json" {
        table::read_json(&text, columns).map_err(file_error)
    } else {
        table::read_csv(&text).map_err(file_error)
    }
}

fn read_password_stdin() -> Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub fn init(db: Option<String>, admin: &str, password_stdin: bool, config: &Config) -> Result<()> {
    let (password, generated) = if password_stdin {
        (read_password_stdin()?, false)
    } else {
        (motcua_store::password::one_time_password(), true)
    };
    let url = db.unwrap_or_else(|| config.db.clone());
    let store = open_store(&url)?;
    let id = store
        .write(|tx| office::init(tx, admin.trim(), &password, generated))
        .map_err(input_error)?;
    println!(
        "đã tạo cơ sở dữ liệu với quản trị hệ thống #{id} {admin} / created the database with system administrator #{id} {admin}"
    );
    println!(
        "bước tiếp theo / next: motcua org import examples/org-daklak-2025.csv (tài khoản này trở thành quản trị hệ thống tại đơn vị cấp cao nhất / this account becomes system administrator at the top unit)"
    );
    if generated {
        println!(
            "mật khẩu dùng một lần (chỉ hiện một lần, phải đổi khi đăng nhập lần đầu) / one-time password (shown once, must be changed at first sign-in): {password}"
        );
    }
    Ok(())
}

pub fn org(command: OrgCommand, config: &Config) -> Result<()> {
    match command {
        OrgCommand::Import { file, db } => {
            let t = read_table(&file, &orgfile::UNIT_COLUMNS)?;
            let units = orgfile::parse_units(&t).map_err(file_error)?;
            let store = open_store(&db.unwrap_or_else(|| config.db.clone()))?;
            let actor = actor();
            let source = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let origin = office::Origin {
                actor: &actor,
                source: &source,
                at: chrono::Utc::now(),
            };
            let done = store
                .write(|tx| office::import_units(tx, &origin, &units))
                .map_err(input_error)?;
            println!(
                "{} đơn vị: {} mới, {} đổi tên, {} thôi hoạt động, {} thay đổi khác, {} không đổi / {} units: {} created, {} renamed, {} closed, {} otherwise changed, {} unchanged",
                units.len(),
                done.created,
                done.renamed,
                done.closed,
                done.changed,
                done.unchanged,
                units.len(),
                done.created,
                done.renamed,
                done.closed,
                done.changed,
                done.unchanged
            );
            for code in done.admins_granted {
                println!(
                    "quản trị hệ thống tại {code} đã được trao quyền / the system administrator now holds system_admin@{code}"
                );
            }
            Ok(())
        }
        OrgCommand::Transfer {
            from,
            to,
            decision,
            date,
            db,
        } => {
            let store = open_store(&db.unwrap_or_else(|| config.db.clone()))?;
            let done = store
                .write(|tx| {
                    office::transfer(
                        tx,
                        motcua_domain::dossier::Actor::System,
                        &from,
                        &to,
                        &decision,
                        date,
                        chrono::Utc::now(),
                    )
                })
                .map_err(input_error)?;
            println!(
                "đã chuyển {} hồ sơ từ {from} sang {to} theo Quyết định {decision} / moved {} dossiers from {from} to {to} under decision {decision}",
                done.dossiers.len(),
                done.dossiers.len()
            );
            for code in &done.dossiers {
                println!("{code}");
            }
            Ok(())
        }
        OrgCommand::Export { format, output, db } => {
            let store = open_store(&db.unwrap_or_else(|| config.db.clone()))?;
            let units = store.read(org::units)?;
            let t = Table {
                header: orgfile::UNIT_COLUMNS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                rows: units.iter().map(orgfile::unit_row).collect(),
            };
            let bytes = match format {
                TableFormat::Csv => table::write_csv(&t).into_bytes(),
                TableFormat::Json => table::write_json(&t).into_bytes(),
                TableFormat::Xlsx => table::write_xlsx(&t, "Đơn vị")?,
            };
            match output {
                Some(path) => std::fs::write(&path, bytes)?,
                None if matches!(format, TableFormat::Xlsx) => {
                    return Err(BadInput(
                        "XLSX cần --output TỆP / XLSX needs --output FILE".into(),
                    )
                    .into());
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(())
        }
    }
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(|e| {
        BadInput(format!(
            "không ghi được {} / cannot write {}: {e}",
            path.display(),
            path.display()
        ))
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(text.as_bytes())?;
    Ok(())
}

pub fn staff(command: StaffCommand, config: &Config) -> Result<()> {
    match command {
        StaffCommand::Import {
            file,
            db,
            passwords_out,
        } => {
            let t = read_table(&file, &orgfile::STAFF_COLUMNS)?;
            let store = open_store(&db.unwrap_or_else(|| config.db.clone()))?;
            let today = motcua_domain::dossier::to_local(chrono::Utc::now()).date();
            // Check the file before writing anything, so a refused file leaves no password file.
            let codes: std::collections::BTreeSet<String> = store
                .read(org::units)?
                .into_iter()
                .map(|u| u.code)
                .collect();
            let rows = orgfile::parse_staff(&t, |u| codes.contains(u)).map_err(file_error)?;
            let done = store
                .write(|tx| {
                    let done = office::import_staff(tx, &rows, today)?;
                    if !done.passwords.is_empty() && passwords_out.is_none() {
                        return Err(StoreError::invalid(
                            "tệp có tài khoản mới: cần --passwords-out TỆP để ghi mật khẩu dùng một lần",
                            "the file has new accounts: give --passwords-out FILE for their one-time passwords",
                        ));
                    }
                    Ok(done)
                })
                .map_err(input_error)?;
            if let Some(path) = &passwords_out
                && !done.passwords.is_empty()
            {
                let mut text = String::from("username,password\n");
                for (u, p) in &done.passwords {
                    text.push_str(&format!("{u},{p}\n"));
                }
                write_private(path, &text)?;
            }
            println!(
                "{} cán bộ: {} tài khoản mới, {} cập nhật / {} staff: {} new accounts, {} updated",
                rows.len(),
                done.created,
                done.updated,
                rows.len(),
                done.created,
                done.updated
            );
            if let Some(path) = passwords_out.filter(|_| !done.passwords.is_empty()) {
                println!(
                    "mật khẩu dùng một lần đã ghi vào {} (chỉ chủ sở hữu đọc được) / one-time passwords written to {} (owner-only)",
                    path.display(),
                    path.display()
                );
            }
            Ok(())
        }
    }
}

pub fn desk(command: DeskCommand, config: &Config) -> Result<()> {
    match command {
        DeskCommand::Set {
            unit,
            name,
            decision,
            date,
            signer,
            db,
        } => {
            let date = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| {
                BadInput(format!(
                    "'{date}' không phải ngày dạng YYYY-MM-DD / '{date}' is not a date as YYYY-MM-DD"
                ))
            })?;
            let today = motcua_domain::dossier::to_local(chrono::Utc::now()).date();
            let decision = Decision::checked(&decision, date, &signer, today)
                .map_err(|(_, m)| BadInput(m.to_string()))?;
            let store = open_store(&db.unwrap_or_else(|| config.db.clone()))?;
            let id = store
                .write(|tx| office::set_desk(tx, &unit, &name, &decision))
                .map_err(input_error)?;
            println!(
                "đã ghi quyết định {} cho bộ phận một cửa #{id} của {unit} / recorded decision {} for desk #{id} of {unit}",
                decision.number, decision.number
            );
            Ok(())
        }
    }
}
