//! `motcua catalogue ...`: import and export the province's announcement decisions, as JSON or as
//! XLSX in the layout of the published lists. An import applies wholly or not at all.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use motcua_domain::catalogue::Announcement;
use motcua_render::catalogue_xlsx;
use motcua_store::{StoreError, procedures};

use crate::BadInput;
use crate::config::Config;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Xlsx,
}

#[derive(Subcommand)]
pub enum CatalogueCommand {
    /// Nhập quyết định công bố / import announcement decisions (.json: one or a list; .xlsx: one)
    Import {
        file: PathBuf,
        #[arg(long)]
        db: Option<String>,
    },
    /// Xuất quyết định công bố / export decisions (JSON: all or one; XLSX: one, the latest by default)
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Số quyết định / the decision's number
        #[arg(long)]
        decision: Option<String>,
        /// Tệp kết quả / output file (required for XLSX)
        #[arg(long)]
        output: Option<PathBuf>,
        #[arg(long)]
        db: Option<String>,
    },
    /// Từ đồng nghĩa cho tìm kiếm / the search's synonym table
    Synonyms {
        #[command(subcommand)]
        command: SynonymsCommand,
    },
}

#[derive(Subcommand)]
pub enum SynonymsCommand {
    /// Thay bảng từ đồng nghĩa / replace the table (UTF-8 text: `words<TAB>means` or
    /// `words,means` per line; an empty meaning marks filler words; `#` comments)
    Import {
        file: PathBuf,
        #[arg(long)]
        db: Option<String>,
    },
    /// Xuất bảng đang dùng / write the table in use (the shipped one until an import)
    Export {
        #[arg(long)]
        output: Option<PathBuf>,
        #[arg(long)]
        db: Option<String>,
    },
}

fn synonyms(command: SynonymsCommand, config: &Config) -> Result<()> {
    match command {
        SynonymsCommand::Import { file, db } => {
            let text = std::fs::read(&file)
                .map_err(|e| {
                    BadInput(format!(
                        "không đọc được {} / cannot read {}: {e}",
                        file.display(),
                        file.display()
                    ))
                })
                .and_then(|b| {
                    String::from_utf8(b).map_err(|_| {
                        BadInput("tệp không phải UTF-8 / the file is not UTF-8".into())
                    })
                })?;
            let list = motcua_domain::search::parse_synonyms(&text).map_err(|(line, m)| {
                BadInput(format!("dòng {line}: {} / line {line}: {}", m.vi, m.en))
            })?;
            let source = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let store = crate::open_store(&db.unwrap_or_else(|| config.db.clone()))?;
            store.write(|tx| {
                procedures::import_synonyms(
                    tx,
                    &list,
                    &crate::office::actor(),
                    &source,
                    chrono::Utc::now(),
                )
            })?;
            println!(
                "đã nhập {n} dòng từ đồng nghĩa / imported {n} synonym lines",
                n = list.len()
            );
            Ok(())
        }
        SynonymsCommand::Export { output, db } => {
            let store = crate::open_store(&db.unwrap_or_else(|| config.db.clone()))?;
            let (_, list) = store.read(procedures::synonyms)?;
            let text = motcua_domain::search::synonyms_text(&list);
            match output {
                Some(path) => std::fs::write(&path, text).map_err(|e| {
                    BadInput(format!(
                        "không ghi được {} / cannot write {}: {e}",
                        path.display(),
                        path.display()
                    ))
                })?,
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}

/// Reads decisions from a file, by its extension.
pub fn read_file(file: &PathBuf) -> Result<Vec<Announcement>> {
    let bytes = std::fs::read(file).map_err(|e| {
        BadInput(format!(
            "không đọc được {} / cannot read {}: {e}",
            file.display(),
            file.display()
        ))
    })?;
    let is_xlsx = file
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        return Ok(vec![
            catalogue_xlsx::read_decision(&bytes).map_err(|e| BadInput(e.to_string()))?,
        ]);
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| BadInput("tệp không phải UTF-8 / the file is not UTF-8".into()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| BadInput(format!("JSON không hợp lệ / invalid JSON: {e}")))?;
    let list = if value.is_array() {
        value
    } else {
        serde_json::Value::Array(vec![value])
    };
    let decisions: Vec<Announcement> = serde_json::from_value(list).map_err(|e| {
        BadInput(format!(
            "JSON không đúng cấu trúc quyết định công bố / JSON is not a decision: {e}"
        ))
    })?;
    Ok(decisions)
}

pub fn run(command: CatalogueCommand, config: &Config) -> Result<()> {
    match command {
        CatalogueCommand::Synonyms { command } => synonyms(command, config),
        CatalogueCommand::Import { file, db } => {
            let decisions = read_file(&file)?;
            let store = crate::open_store(&db.unwrap_or_else(|| config.db.clone()))?;
            let created = store
                .write(|tx| procedures::import(tx, &decisions, "cli", chrono::Utc::now()))
                .map_err(|e| match e {
                    StoreError::Invalid { .. } => anyhow::Error::new(BadInput(e.to_string())),
                    e => e.into(),
                })?;
            println!(
                "đã nhập {} quyết định, {created} phiên bản thủ tục / imported {} decisions, {created} procedure versions",
                decisions.len(),
                decisions.len()
            );
            Ok(())
        }
        CatalogueCommand::Export {
            format,
            decision,
            output,
            db,
        } => {
            let store = crate::open_store(&db.unwrap_or_else(|| config.db.clone()))?;
            let all = store.read(procedures::announcements)?;
            let chosen: Vec<Announcement> = match &decision {
                Some(n) => {
                    let found: Vec<_> = all.into_iter().filter(|a| a.number == *n).collect();
                    if found.is_empty() {
                        return Err(
                            BadInput(format!("không có quyết định {n} / no decision {n}")).into(),
                        );
                    }
                    found
                }
                None => all,
            };
            let bytes = match format {
                Format::Json => {
                    let mut s = serde_json::to_string_pretty(&chosen)?;
                    s.push('\n');
                    s.into_bytes()
                }
                Format::Xlsx => {
                    let last = chosen.last().ok_or_else(|| {
                        BadInput("chưa có quyết định công bố nào / there are no decisions".into())
                    })?;
                    if output.is_none() {
                        return Err(BadInput(
                            "XLSX cần --output TỆP / XLSX needs --output FILE".into(),
                        )
                        .into());
                    }
                    catalogue_xlsx::write_decision(last)
                        .map_err(|e| anyhow::anyhow!("XLSX: {e}"))?
                }
            };
            match output {
                Some(path) => std::fs::write(&path, bytes).map_err(|e| {
                    BadInput(format!(
                        "không ghi được {} / cannot write {}: {e}",
                        path.display(),
                        path.display()
                    ))
                })?,
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(())
        }
    }
}
