//! `motcua`: the one binary. Parses the command line and configuration, then hands over to the
//! crates below. Exit codes: 0 success; 1 failure while running (or, for `verify`, tampering found);
//! 2 bad input (nothing was changed).

mod backup;
mod bench;
mod bench_scale;
mod bench_writes;
mod calendar;
mod catalogue;
mod config;
mod demo;
mod office;
mod outbox;
mod report;
mod vault;

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use motcua_domain::org::{Grant, Role};
use motcua_store::{Store, StoreError, dossiers, ledger, org, stats};

use config::{Config, redact};

#[derive(Parser)]
#[command(
    name = "motcua",
    version,
    about = "Một cửa điện tử / the electronic one-stop shop"
)]
struct Cli {
    /// Tệp cấu hình / configuration file (TOML); default ./motcua.toml when present
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Chạy máy chủ / run the server
    Serve {
        /// sqlite:PATH or postgres://...
        #[arg(long)]
        db: Option<String>,
        #[arg(long)]
        listen: Option<String>,
    },
    /// Dữ liệu mẫu thị xã Buôn Hồ, rồi chạy máy chủ / a fresh demo town, then serve it
    Demo {
        #[arg(long)]
        db: Option<String>,
        #[arg(long)]
        listen: Option<String>,
        /// Chỉ tạo dữ liệu rồi thoát / seed and exit
        #[arg(long)]
        no_serve: bool,
        /// Số hồ sơ mẫu / number of dossiers to generate
        #[arg(long, default_value_t = 3000)]
        dossiers: usize,
    },
    /// Cập nhật cấu trúc cơ sở dữ liệu / apply database migrations
    Migrate {
        #[arg(long)]
        db: Option<String>,
    },
    /// Kiểm tra toàn vẹn nhật ký / recompute every hash chain and the ledger
    Verify {
        #[arg(long)]
        db: Option<String>,
        /// A ledger head recorded elsewhere (printed on a report), SEQ:HASH; repeatable
        #[arg(long = "anchor")]
        anchors: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Dựng lại dữ liệu hiện trạng từ nhật ký / rebuild projections from the event log
    Rebuild {
        #[arg(long)]
        db: Option<String>,
    },
    /// Cơ sở dữ liệu trống với một quản trị hệ thống / an empty database with one system administrator
    Init {
        #[arg(long)]
        db: Option<String>,
        /// Tên đăng nhập của quản trị hệ thống / the administrator's username
        #[arg(long)]
        admin: String,
        /// Đọc mật khẩu từ dòng đầu của stdin / read the password from stdin (else a one-time password is generated)
        #[arg(long)]
        password_stdin: bool,
    },
    /// Đơn vị hành chính dưới dạng tệp / the organisation as a file
    Org {
        #[command(subcommand)]
        command: office::OrgCommand,
    },
    /// Cán bộ theo tệp / staff in bulk
    Staff {
        #[command(subcommand)]
        command: office::StaffCommand,
    },
    /// Bộ phận một cửa / one-stop desks
    Desk {
        #[command(subcommand)]
        command: office::DeskCommand,
    },
    /// Sao lưu toàn bộ vào một tệp / back up everything into one archive
    Backup {
        #[arg(long)]
        db: Option<String>,
        #[arg(long)]
        output: PathBuf,
        /// Thư mục giấy tờ đã tải lên / uploaded papers (default: files_dir)
        #[arg(long)]
        files_dir: Option<PathBuf>,
    },
    /// Khôi phục bản sao lưu vào cơ sở dữ liệu trống / restore an archive into an empty database
    Restore {
        file: PathBuf,
        #[arg(long)]
        db: String,
        /// Thư mục giấy tờ đã tải lên / where uploaded papers go (default: files_dir)
        #[arg(long)]
        files_dir: Option<PathBuf>,
    },
    /// Tài khoản cán bộ / staff accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Lịch làm việc, âm lịch, hạn giải quyết / working-day calendar, lunar calendar, due times
    Calendar {
        #[command(subcommand)]
        command: calendar::CalendarCommand,
    },
    /// Danh mục thủ tục hành chính / the procedure catalogue
    Catalogue {
        #[command(subcommand)]
        command: catalogue::CatalogueCommand,
    },
    /// Báo cáo thống kê và chỉ số 766 / statistics and Decision 766 indicators as XLSX, CSV or JSON
    Report(report::ReportArgs),
    /// Kho dữ liệu cá nhân: khóa, xóa, thời hạn lưu trữ, xuất dữ liệu / the personal-data vault
    Vault {
        #[command(subcommand)]
        command: vault::VaultCommand,
    },
    /// Hộp thư đi: gửi tin cho hệ thống bên ngoài / the outbox: messages to outside systems
    Outbox {
        #[command(subcommand)]
        command: outbox::OutboxCommand,
    },
    /// Đo hiệu năng / benchmarks that print figures
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Thêm cán bộ / add a member of staff
    Add {
        username: String,
        /// Họ tên / full name
        #[arg(long)]
        name: String,
        /// Chức vụ / title
        #[arg(long, default_value = "")]
        title: String,
        /// ROLE@UNIT_CODE, e.g. reception_officer@000.01.12.H15; repeatable
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Đọc mật khẩu từ dòng đầu của stdin / read the password from stdin (else one is generated)
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        db: Option<String>,
    },
    /// Danh sách cán bộ / list staff
    List {
        #[arg(long)]
        db: Option<String>,
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

/// Tampering found by `verify`: exit code 1 with the findings already printed.
#[derive(Debug)]
struct Tampered(usize);

impl std::fmt::Display for Tampered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "phát hiện {} sai lệch trong nhật ký / {} problems found in the record",
            self.0, self.0
        )
    }
}

impl std::error::Error for Tampered {}

/// Opens a database, turning a malformed URL into bad input.
pub fn open_store(url: &str) -> Result<Store> {
    Store::open(url).map_err(|e| match e {
        StoreError::Invalid { .. } => BadInput(e.to_string()).into(),
        e => anyhow::Error::new(e).context(format!("cannot open {}", redact(url))),
    })
}

fn init_logging(level: &str, format: &str) {
    let level = match level {
        "error" => tracing::Level::ERROR,
        "warn" => tracing::Level::WARN,
        "debug" => tracing::Level::DEBUG,
        _ => tracing::Level::INFO,
    };
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false);
    let _ = if format == "json" {
        builder.json().with_current_span(false).try_init()
    } else {
        builder.try_init()
    };
}

/// The server's settings for an address: documents' QR codes link to it unless `public_url` is set.
fn settings_for(config: &Config, listen: &str) -> Result<motcua_web::Settings> {
    let mut settings = config.web_settings()?;
    if config.public_url.is_empty() {
        settings.public_url = format!("http://{listen}");
    }
    if settings.signing.is_none() {
        tracing::warn!(
            "documents are signed with the built-in TEST certificate (set signing_p12 and signing_password)"
        );
    }
    Ok(settings)
}

/// Serves `store`. The app is built before the async runtime starts: the PostgreSQL driver is
/// synchronous and must never block a thread that drives async tasks.
fn serve(store: Store, config: &Config, listen: &str, banner: &str) -> Result<()> {
    let _worker = outbox::start(&store, config)?;
    let app = Arc::new(motcua_web::App::new(store, settings_for(config, listen)?)?);
    tokio::runtime::Runtime::new()?.block_on(listen_and_serve(app, config, listen, banner))
}

async fn listen_and_serve(
    app: Arc<motcua_web::App>,
    config: &Config,
    listen: &str,
    banner: &str,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        BadInput(format!(
            "không mở được cổng {listen} / cannot listen on {listen}: {e}"
        ))
    })?;
    let addr = listener.local_addr()?;
    println!("{banner}");
    println!("motcua đang chạy tại / is serving at http://{addr}/  (Ctrl-C để dừng / to stop)");
    tracing::info!(%addr, db = %redact(&config.db), "serving");
    motcua_web::serve(app, listener).await?;
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    let mut config = Config::load(cli.config.as_deref())?;
    init_logging(&config.log, &config.log_format);
    match cli.command {
        Command::Serve { db, listen } => {
            if let Some(db) = db {
                config.db = db;
            }
            let listen = listen.unwrap_or_else(|| config.listen.clone());
            // Where the notifications' lookup link points when `public_url` is not set.
            config.listen = listen.clone();
            let store = open_store(&config.db)?;
            serve(store, &config, &listen, "")
        }
        Command::Demo {
            db,
            listen,
            no_serve,
            dossiers,
        } => {
            config.db = db.unwrap_or_else(|| "sqlite:data/motcua-demo.db".into());
            let store = demo::fresh_store(&config.db)?;
            let now = chrono::Utc::now();
            // The notification channels' doubles first, so that the dossiers generated for
            // applicants who opted in queue their e-mails and text messages (none without serving).
            let channels = if no_serve {
                None
            } else {
                Some(outbox::demo_channels(&store, &mut config)?)
            };
            let mut summary = demo::seed(&store, dossiers, now)?;
            let listen = listen.unwrap_or_else(|| config.listen.clone());
            let mut settings = settings_for(&config, &listen)?;
            demo::connect_doubles(&mut settings, config.payment.gateway_kind());
            summary.push_str(&demo::connections_banner(config.payment.gateway_kind()));
            let app = Arc::new(motcua_web::App::new(store, settings)?);
            let (issued, scanned, certified, reused) = demo::documents::seed(&app, now)?;
            let forms = demo::blank_forms::seed(&app, now)?;
            summary.push_str(&format!(
                "Văn bản điện tử / electronic documents: {issued} kết quả ký số (chứng thư THỬ NGHIỆM) / signed results (TEST certificate), \
                 {scanned} giấy tờ số hóa tại quầy / papers scanned at the counter, {certified} bản sao điện tử có chứng thực / electronic certified copies, \
                 {reused} giấy tờ dùng lại từ kho đã số hóa / papers reused from the citizen's store; \
                 xác minh / verify: /xac-minh\n\
                 Mẫu tờ khai đính kèm / blank forms attached: {forms}\n"
            ));
            if no_serve {
                println!("{summary}");
                return Ok(());
            }
            let portal = outbox::demo_portal(&mut config)?;
            config.listen = listen.clone();
            let _worker = outbox::start(&app.store, &config)?;
            summary.push_str(&format!(
                "Cổng DVCQG: bản sao chạy trên máy / the national portal: a local double at {}; \
                 hộp thư đi / the outbox: /can-bo/he-thong/hop-thu-di\n",
                portal.url()
            ));
            if let Some(c) = &channels {
                summary.push_str(&format!(
                    "Thông báo cho người nộp / notifications to applicants: thư điện tử và SMS tới bản sao máy chủ thư {} \
                     và cổng SMS {} trên máy / e-mail and SMS to local doubles (người nộp chọn khi tiếp nhận / \
                     chosen at reception); hộp thư đi / the outbox: /can-bo/he-thong/hop-thu-di\n",
                    c.smtp.url(),
                    c.sms.url(motcua_connect::notify_double::Gateway::Sms)
                ));
            }
            tokio::runtime::Runtime::new()?
                .block_on(listen_and_serve(app, &config, &listen, &summary))
        }
        Command::Migrate { db } => {
            let url = db.unwrap_or(config.db);
            let store = Store::open_unmigrated(&url).map_err(|e| BadInput(e.to_string()))?;
            let ran = store.migrate()?;
            println!(
                "đã áp dụng {ran} bản cập nhật / applied {ran} migrations to {}",
                redact(&url)
            );
            Ok(())
        }
        Command::Verify { db, anchors, json } => {
            let url = db.unwrap_or(config.db);
            let anchors = anchors
                .iter()
                .map(|a| {
                    a.split_once(':')
                        .and_then(|(s, h)| Some((s.parse::<i64>().ok()?, h.to_owned())))
                        .filter(|(_, h)| h.len() == 64)
                        .ok_or_else(|| BadInput(format!("mốc không hợp lệ '{a}', cần SEQ:HASH / invalid anchor '{a}', expected SEQ:HASH")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let store = open_store(&url)?;
            // The issued documents' files: present, and still the bytes whose SHA-256 the log holds.
            let files_dir = &config.files_dir;
            let (report, issued) = store.read(|tx| {
                let mut report = ledger::verify(tx, &anchors)?;
                let issued = ledger::each_issued_file(tx, &mut |dossier_id, seq, sha256| {
                    let path = files_dir
                        .join(sha256.get(..2).unwrap_or_default())
                        .join(sha256);
                    let intact = std::fs::read(&path)
                        .map(|bytes| motcua_pdf::sha256_hex(&bytes) == sha256)
                        .unwrap_or(false);
                    if !intact {
                        report
                            .findings
                            .push(ledger::Finding::DocumentFileAltered { dossier_id, seq });
                    }
                })?;
                Ok((report, issued))
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{} hồ sơ, {} sự kiện, {} mục sổ cái, {} văn bản điện tử / {} dossiers, {} events, {} ledger entries, {} issued documents",
                    report.dossiers,
                    report.events,
                    report.ledger_entries,
                    issued,
                    report.dossiers,
                    report.events,
                    report.ledger_entries,
                    issued
                );
                if let Some((seq, hash)) = &report.head {
                    println!("đầu sổ cái / ledger head: {seq}:{hash}");
                }
                for f in &report.findings {
                    println!("SAI LỆCH / PROBLEM: {f}");
                }
                if report.findings.is_empty() {
                    println!("toàn vẹn / intact");
                }
            }
            if report.findings.is_empty() {
                Ok(())
            } else {
                Err(Tampered(report.findings.len()).into())
            }
        }
        Command::Rebuild { db } => {
            let store = open_store(&db.unwrap_or(config.db))?;
            let (n, same) = store.write(|tx| {
                let before = (
                    dossiers::projection_digest(tx)?,
                    stats::all(tx)?,
                    stats::all_units(tx)?,
                    stats::all_procedures(tx)?,
                    stats::all_cross(tx)?,
                    motcua_store::feedback::projection(tx)?,
                );
                let n = dossiers::rebuild(tx)?;
                motcua_store::feedback::rebuild(tx)?;
                let after = (
                    dossiers::projection_digest(tx)?,
                    stats::all(tx)?,
                    stats::all_units(tx)?,
                    stats::all_procedures(tx)?,
                    stats::all_cross(tx)?,
                    motcua_store::feedback::projection(tx)?,
                );
                Ok((n, before == after))
            })?;
            println!(
                "đã dựng lại {n} hồ sơ và các bộ đếm từ nhật ký / rebuilt {n} dossiers and the counters from the event log"
            );
            if same {
                println!(
                    "kết quả giống hệt trước khi dựng lại / identical to what was there before"
                );
            } else {
                println!(
                    "KHÁC với trước khi dựng lại: dữ liệu hiện trạng đã bị sửa ngoài nhật ký / DIFFERENT from before: the projections had been changed outside the log"
                );
            }
            Ok(())
        }
        Command::Init {
            db,
            admin,
            password_stdin,
        } => office::init(db, &admin, password_stdin, &config),
        Command::Org { command } => office::org(command, &config),
        Command::Staff { command } => office::staff(command, &config),
        Command::Desk { command } => office::desk(command, &config),
        Command::Backup {
            db,
            output,
            files_dir,
        } => backup::backup(
            &db.unwrap_or_else(|| config.db.clone()),
            &output,
            &files_dir.unwrap_or_else(|| config.files_dir.clone()),
        ),
        Command::Restore {
            file,
            db,
            files_dir,
        } => backup::restore(
            &file,
            &db,
            &files_dir.unwrap_or_else(|| config.files_dir.clone()),
        ),
        Command::User { command } => user(command, config),
        Command::Calendar { command } => calendar::run(command, &config),
        Command::Catalogue { command } => catalogue::run(command, &config),
        Command::Bench { command } => bench::run(command),
        Command::Vault { command } => {
            let db = command.db().unwrap_or_else(|| config.db.clone());
            vault::run(command, &db)
        }
        Command::Report(args) => report::run(args, &config),
        Command::Outbox { command } => outbox::run(command, config),
    }
}

fn user(command: UserCommand, config: Config) -> Result<()> {
    match command {
        UserCommand::Add {
            username,
            name,
            title,
            roles,
            password_stdin,
            db,
        } => {
            let grants = roles
                .iter()
                .map(|r| {
                    let (role, unit) = r.split_once('@').ok_or_else(|| {
                        BadInput(format!(
                            "'{r}': cần dạng VAI_TRÒ@MÃ_ĐƠN_VỊ / expected ROLE@UNIT"
                        ))
                    })?;
                    let role = Role::parse(role).ok_or_else(|| {
                        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                        BadInput(format!(
                            "vai trò '{role}' không tồn tại / unknown role '{role}' (one of: {})",
                            all.join(", ")
                        ))
                    })?;
                    Ok(Grant {
                        role,
                        unit: unit.to_owned(),
                    })
                })
                .collect::<Result<Vec<_>, BadInput>>()?;
            let username = motcua_domain::org::check_username(&username)
                .map_err(|m| BadInput(m.to_string()))?;
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (motcua_store::password::one_time_password(), true)
            };
            motcua_domain::org::check_password(&password).map_err(|m| BadInput(m.to_string()))?;
            let hash = motcua_web::auth::hash_password(&password).map_err(anyhow::Error::msg)?;
            let store = open_store(&db.unwrap_or(config.db))?;
            let id = store
                .write(|tx| {
                    let id = org::add_staff(
                        tx,
                        &org::NewStaff {
                            username: &username,
                            full_name: motcua_domain::text::clean(&name).as_str(),
                            title: &title,
                            password_hash: &hash,
                            grants: &grants,
                        },
                    )?;
                    // A generated password is a one-time password: changed at first sign-in.
                    motcua_store::office::set_must_change_password(tx, id, generated)?;
                    Ok(id)
                })
                .map_err(|e| match e {
                    StoreError::Invalid { .. } | StoreError::NotFound(_) => {
                        anyhow::Error::new(BadInput(e.to_string()))
                    }
                    e => e.into(),
                })?;
            println!("đã thêm cán bộ #{id} {username} / added staff #{id} {username}");
            if generated {
                println!("mật khẩu (chỉ hiện một lần) / password (shown once): {password}");
            }
            Ok(())
        }
        UserCommand::List { db } => {
            let store = open_store(&db.unwrap_or(config.db))?;
            for s in store.read(org::list_staff).context("list staff")? {
                let grants: Vec<String> = s
                    .grants
                    .iter()
                    .map(|g| format!("{}@{}", g.role.as_str(), g.unit))
                    .collect();
                println!(
                    "{:>4} {:<24} {:<28} {}",
                    s.id,
                    s.username,
                    s.full_name,
                    grants.join(", ")
                );
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
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
