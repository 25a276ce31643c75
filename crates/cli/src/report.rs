//! `motcua report`: the statistics of a unit with its sub-units over a period, by unit, field or
//! procedure, with the Decision 766 indicators, as XLSX, CSV or JSON.

use std::path::PathBuf;

use anyhow::Result;
use chrono::{Datelike, NaiveDate, Utc};
use clap::Args;
use motcua_domain::dossier::to_local;
use motcua_domain::stats::{By, Period, next_month};
use motcua_render::report_export;
use motcua_store::{StoreError, org, procedures, reports};

use crate::BadInput;
use crate::config::Config;

#[derive(Args)]
pub struct ReportArgs {
    #[arg(long)]
    db: Option<String>,
    /// Mã đơn vị (cùng các đơn vị trực thuộc) / unit code, with its sub-units; default: the top unit
    #[arg(long)]
    unit: Option<String>,
    /// Từ ngày (ngày đầu tháng) / first day, YYYY-MM-DD (the first of a month); default: 1 January
    #[arg(long)]
    from: Option<String>,
    /// Đến ngày (ngày cuối tháng) / last day, YYYY-MM-DD (the last of a month); default: this month's end
    #[arg(long)]
    to: Option<String>,
    /// Theo / rows by: unit, field, procedure
    #[arg(long, default_value = "unit")]
    by: String,
    /// Chỉ một thủ tục / only this procedure (code)
    #[arg(long)]
    procedure: Option<String>,
    /// Chỉ một lĩnh vực / only this field (name)
    #[arg(long)]
    field: Option<String>,
    /// xlsx, csv or json
    #[arg(long)]
    format: String,
    /// Tệp kết quả / output file ("-" for standard output)
    #[arg(long)]
    output: PathBuf,
}

fn date(s: &str, what: &str) -> Result<NaiveDate, BadInput> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        BadInput(format!(
            "{what} phải có dạng YYYY-MM-DD, nhận được '{s}' / {what} must be YYYY-MM-DD, got '{s}'"
        ))
    })
}

pub fn run(a: ReportArgs, config: &Config) -> Result<()> {
    let format = a.format.to_ascii_lowercase();
    if !["xlsx", "csv", "json"].contains(&format.as_str()) {
        return Err(BadInput(format!(
            "định dạng '{}' không hỗ trợ (xlsx, csv, json) / unknown format '{}' (xlsx, csv, json)",
            a.format, a.format
        ))
        .into());
    }
    let by = By::parse(&a.by).ok_or_else(|| {
        BadInput(format!(
            "--by phải là unit, field hoặc procedure, nhận được '{}' / --by must be unit, field or procedure, got '{}'",
            a.by, a.by
        ))
    })?;
    if a.procedure.is_some() && a.field.is_some() {
        return Err(BadInput(
            "chỉ chọn một trong --procedure và --field / give --procedure or --field, not both"
                .into(),
        )
        .into());
    }
    let now = Utc::now();
    let today = to_local(now).date();
    let from = match &a.from {
        Some(s) => date(s, "--from")?,
        None => NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
    };
    let to = match &a.to {
        Some(s) => date(s, "--to")?,
        None => {
            let m = next_month(today.year() * 100 + today.month() as i32);
            motcua_domain::stats::month_start(m) - chrono::TimeDelta::days(1)
        }
    };
    let period =
        Period::from_dates(from, to).map_err(|(vi, en)| BadInput(format!("{vi} / {en}")))?;
    let store = crate::open_store(&a.db.clone().unwrap_or(config.db.clone()))?;
    let report = store
        .read(|tx| {
            let unit = match &a.unit {
                Some(u) => u.clone(),
                None => org::units(tx)?
                    .into_iter()
                    .find(|u| u.parent.is_none())
                    .map(|u| u.code)
                    .ok_or_else(|| {
                        StoreError::invalid("chưa có đơn vị nào", "there are no units")
                    })?,
            };
            let catalogue = procedures::catalogue(tx)?;
            reports::build(
                tx,
                &catalogue,
                &reports::Request {
                    unit,
                    period,
                    by,
                    procedure: a.procedure.clone(),
                    field: a.field.clone(),
                },
                now,
            )
        })
        .map_err(|e| match e {
            StoreError::Invalid { .. } => anyhow::Error::new(BadInput(e.to_string())),
            e => anyhow::Error::new(e),
        })?;
    let bytes = match format.as_str() {
        "xlsx" => report_export::xlsx(&report)?,
        "csv" => report_export::csv(&report),
        _ => {
            let mut v = serde_json::to_vec_pretty(&report)?;
            v.push(b'\n');
            v
        }
    };
    if a.output.as_os_str() == "-" {
        use std::io::Write;
        std::io::stdout().write_all(&bytes)?;
    } else {
        std::fs::write(&a.output, &bytes).map_err(|e| {
            BadInput(format!(
                "không ghi được {} / cannot write {}: {e}",
                a.output.display(),
                a.output.display()
            ))
        })?;
        eprintln!(
            "{}: {} dòng, {} hồ sơ tiếp nhận / {} rows, {} dossiers received",
            a.output.display(),
            report.rows.len(),
            report.total.received(),
            report.rows.len(),
            report.total.received()
        );
    }
    Ok(())
}
