//! `motcua`: the one binary. Parses the command line, then hands over to the crates below.
//! Exit codes: 0 success, 1 failure while running, 2 bad input (nothing was changed).

mod bench;
mod calendar;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "motcua",
    version,
    about = "Một cửa điện tử / the electronic one-stop shop"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lịch làm việc, âm lịch, hạn giải quyết / working-day calendar, lunar calendar, due times
    Calendar {
        #[command(subcommand)]
        command: calendar::CalendarCommand,
    },
    /// Đo hiệu năng / benchmarks that print figures
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

/// A failure caused by the input: reported with exit code 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Calendar { command } => calendar::run(command),
        Command::Bench { command } => bench::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi / error: {e:#}");
            if e.downcast_ref::<BadInput>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
