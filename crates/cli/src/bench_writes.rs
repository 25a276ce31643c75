//! (f) of `motcua bench scale`: many members of staff writing at once through the API. A scratch
//! province (a SQLite file, or a scratch database on the PostgreSQL server `--db` names) is seeded
//! with a few thousand dossiers and served by `motcua serve` as its own process; each client signs
//! in once as a desk officer of a commune and then, over one keep-alive connection, receives a
//! dossier (`POST /api/v1/dossiers`) and hands it over (`POST /api/v1/dossiers/{id}/hand-over`)
//! until the time is up. Printed: requests and lifecycles per second, p50/p99 of every request,
//! the count of each answer that was not 2xx, the server's peak memory, and the exit code of
//! `motcua verify` on the database afterwards.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use chrono::Utc;
use motcua_domain::dossier::to_local;
use motcua_domain::org::UnitLevel;
use motcua_store::{DbUrl, procedures};

use crate::bench_scale::{Conn, rss, spawn_server, summary, wait_ready};

/// Where the scratch province lives, and how to remove it.
enum Scratch {
    File(std::path::PathBuf),
    Database { server: String, name: String },
}

impl Scratch {
    fn new(db: &str) -> Result<(Scratch, String)> {
        let pid = std::process::id();
        Ok(match DbUrl::parse(db)? {
            DbUrl::Sqlite(_) => {
                let dir = std::env::temp_dir().join(format!("motcua-bench-writes-{pid}"));
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir)?;
                let url = format!("sqlite:{}", dir.join("province.db").display());
                (Scratch::File(dir), url)
            }
            DbUrl::Postgres(server) => {
                let name = format!("motcua_bench_writes_{pid}");
                let url = motcua_store::bench::create_pg_database(&server, &name)?;
                (Scratch::Database { server, name }, url)
            }
        })
    }

    fn remove(&self) {
        match self {
            Scratch::File(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Scratch::Database { server, name } => {
                let _ = motcua_store::bench::drop_pg_database(server, name);
            }
        }
    }
}

pub fn run(db: &str, clients: &[usize], seconds: f64) -> Result<()> {
    let (scratch, url) = Scratch::new(db)?;
    let result = measure(&url, clients, seconds);
    scratch.remove();
    result
}

/// A desk officer's account and commune, for client `c`.
fn account(c: usize) -> (String, String) {
    let units = crate::demo::province::units();
    let communes: Vec<(usize, String)> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.level == UnitLevel::Commune)
        .map(|(i, u)| (i, u.code.clone()))
        .collect();
    let (i, code) = communes[c % communes.len()].clone();
    (format!("motcua.{i}"), code)
}

fn measure(url: &str, clients: &[usize], seconds: f64) -> Result<()> {
    let seeded = 2000;
    let store = crate::demo::fresh_store(url)?;
    crate::demo::province::seed(&store, seeded, 1, Utc::now())?;
    let today = to_local(Utc::now()).date();
    let procedure = store.read(|tx| {
        let cat = procedures::catalogue(tx)?;
        cat.all_in_force(today)
            .find(|p| p.spec.code == "1.001193")
            .or_else(|| cat.all_in_force(today).next())
            .cloned()
            .ok_or_else(|| motcua_store::StoreError::Db("no procedure".into()))
    })?;
    drop(store);
    let papers: Vec<_> = procedure
        .spec
        .papers
        .iter()
        .map(|p| motcua_domain::dossier::Paper {
            name: p.name.clone(),
            copies: p.copies,
            file: None,
            kind: None,
        })
        .collect();
    let applicant = motcua_domain::dossier::Applicant {
        full_name: "Nguyễn Văn An".into(),
        id_number: Some("066090001234".into()),
        phone: "0905111222".into(),
        email: None,
        address: Some("Tổ dân phố 3, phường Tân An, tỉnh Đắk Lắk".into()),
        date_of_birth: None,
        sex: None,
        kind: Default::default(),
        representative: None,
        notify: None,
        sealed: None,
    };
    println!(
        "  tỉnh tạm / scratch province: {seeded} hồ sơ / dossiers; thủ tục / procedure {}",
        procedure.spec.code
    );

    let (mut child, addr) = spawn_server(url, "MOTCUA_LOGIN_RATE_PER_MINUTE", &[])?;
    let pid = child.id();
    let result = (|| -> Result<()> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        rt.block_on(async {
            wait_ready(&addr).await?;
            for &n in clients {
                let run = Run {
                    procedure: procedure.spec.code.clone(),
                    applicant: serde_json::to_value(&applicant)?,
                    papers: serde_json::to_value(&papers)?,
                };
                let (lifecycles, rate, ms, statuses, errors) =
                    run.clients(&addr, n, seconds).await?;
                let (p50, p99, max) = summary(ms);
                let others = if statuses.is_empty() {
                    "không có / none".to_owned()
                } else {
                    statuses
                        .iter()
                        .map(|(s, n)| format!("{s}: {n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                println!(
                    "  {n:>2} cán bộ / clients: {rate:>6.0} yêu cầu/s / requests/s ({lifecycles:.0} tiếp nhận + chuyển / receive + hand-over a second), p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms; trả lời không 2xx / non-2xx answers: {others}{}",
                    if errors > 0 {
                        format!("; lỗi kết nối / connection errors: {errors}")
                    } else {
                        String::new()
                    }
                );
            }
            println!(
                "  bộ nhớ máy chủ / server memory: đỉnh / peak (VmHWM) {:.0} MB (mục tiêu / target <= 200 MB)",
                rss(pid, "VmHWM") / 1024.0
            );
            Ok(())
        })
    })();
    let _ = child.kill();
    let _ = child.wait();
    result?;
    let verified = std::process::Command::new(std::env::current_exe()?)
        .args(["verify", "--db", url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .context("run motcua verify")?;
    println!(
        "  motcua verify sau khi ghi / after the writes: mã thoát / exit code {}",
        verified.code().unwrap_or(-1)
    );
    if !verified.success() {
        return Err(anyhow!("verify failed after the concurrent writes"));
    }
    Ok(())
}

struct Run {
    procedure: String,
    applicant: serde_json::Value,
    papers: serde_json::Value,
}

/// Lifecycles per second, requests per second, each request's milliseconds, the count of each
/// non-2xx status, and connection errors.
type Measured = (f64, f64, Vec<f64>, BTreeMap<u16, u64>, u64);

impl Run {
    async fn clients(&self, addr: &str, n: usize, seconds: f64) -> Result<Measured> {
        // Everyone signs in first; the clock starts when all have.
        let mut signed = vec![];
        for c in 0..n {
            let (username, unit) = account(c);
            let mut conn = Conn::open(addr).await?;
            let body = serde_json::json!({"username": username, "password": crate::demo::PASSWORD});
            let (status, answer) = conn
                .send("POST", "/api/v1/auth/login", "", Some(&body.to_string()))
                .await?;
            if status != 200 {
                return Err(anyhow!(
                    "sign-in of {username} answered {status}: {}",
                    String::from_utf8_lossy(&answer)
                ));
            }
            let v: serde_json::Value = serde_json::from_slice(&answer)?;
            let token = v["token"]
                .as_str()
                .ok_or_else(|| anyhow!("no token"))?
                .to_owned();
            signed.push((conn, format!("Authorization: Bearer {token}\r\n"), unit));
        }
        let end = Instant::now() + Duration::from_secs_f64(seconds);
        let started = Instant::now();
        let mut tasks = vec![];
        for (mut conn, auth, unit) in signed {
            let reception = serde_json::json!({
                "procedure_code": self.procedure,
                "unit": unit,
                "applicant": self.applicant,
                "papers": self.papers,
            })
            .to_string();
            tasks.push(tokio::spawn(async move {
                let mut ms = vec![];
                let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
                let mut lifecycles = 0u64;
                let mut errors = 0u64;
                while Instant::now() < end {
                    let t = Instant::now();
                    let (status, answer) = match conn
                        .send("POST", "/api/v1/dossiers", &auth, Some(&reception))
                        .await
                    {
                        Ok(a) => a,
                        Err(_) => {
                            errors += 1;
                            break;
                        }
                    };
                    ms.push(t.elapsed().as_secs_f64() * 1e3);
                    if !(200..300).contains(&status) {
                        *statuses.entry(status).or_default() += 1;
                        continue;
                    }
                    let v: serde_json::Value = serde_json::from_slice(&answer)?;
                    let (Some(id), Some(version)) = (v["id"].as_i64(), v["version"].as_i64())
                    else {
                        return Err(anyhow!("no id or version in {v}"));
                    };
                    let hand_over =
                        serde_json::json!({"version": version, "to_unit": unit, "note": ""})
                            .to_string();
                    let t = Instant::now();
                    let (status, _) = match conn
                        .send(
                            "POST",
                            &format!("/api/v1/dossiers/{id}/hand-over"),
                            &auth,
                            Some(&hand_over),
                        )
                        .await
                    {
                        Ok(a) => a,
                        Err(_) => {
                            errors += 1;
                            break;
                        }
                    };
                    ms.push(t.elapsed().as_secs_f64() * 1e3);
                    if (200..300).contains(&status) {
                        lifecycles += 1;
                    } else {
                        *statuses.entry(status).or_default() += 1;
                    }
                }
                Ok::<_, anyhow::Error>((lifecycles, ms, statuses, errors))
            }));
        }
        let mut all = vec![];
        let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
        let mut lifecycles = 0;
        let mut errors = 0;
        for t in tasks {
            let (l, ms, s, e) = t.await??;
            lifecycles += l;
            errors += e;
            all.extend(ms);
            for (k, v) in s {
                *statuses.entry(k).or_default() += v;
            }
        }
        let secs = started.elapsed().as_secs_f64();
        Ok((
            lifecycles as f64 / secs,
            all.len() as f64 / secs,
            all,
            statuses,
            errors,
        ))
    }
}
