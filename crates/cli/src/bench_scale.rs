//! `motcua bench scale --db URL`: the province-scale figures, each beside a baseline measured in the
//! same run, on the backend `--db` names (SQLite or PostgreSQL): (a) durable dossier lifecycles per
//! second through the store, against a raw loop writing the same rows on the same backend (a
//! scratch file, or scratch databases on the same PostgreSQL server); (b) report latency for a
//! province-year; (c) queue list and report drill-down latency; (d) public lookups per second over
//! HTTP at concurrency 32, against the server's minimal endpoint (the two in alternating rounds of
//! a second, with the CPU time each request cost the server and the load generator); (e) the
//! server's peak memory;
//! (f) concurrent staff writing through the API (receive, then hand over), 16 and 64 clients, on a
//! scratch province, with `motcua verify` after. (b) to (e) use the seeded database given (see
//! `motcua bench seed`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use chrono::Utc;
use motcua_domain::dossier::{Actor, Channel, Command, Outcome, Status, to_local};
use motcua_domain::procedure::ProcedureRef;
use motcua_domain::stats::{By, Period};
use motcua_store::dossiers::{self, Filter, Request, Target};
use motcua_store::{DbUrl, Store, calendar, org, procedures, reports};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub(crate) fn summary(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    (
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN),
    )
}

/// The backend `--db` names, for the figures' labels.
fn backend_label(db: &str) -> Result<&'static str> {
    Ok(match DbUrl::parse(db)? {
        DbUrl::Sqlite(_) => "SQLite, WAL",
        DbUrl::Postgres(_) => "PostgreSQL",
    })
}

pub fn run(
    db: &str,
    lifecycles: usize,
    seconds: f64,
    writers: &[usize],
    outbox: bool,
) -> Result<()> {
    let label = backend_label(db)?;
    if lifecycles > 0 {
        println!(
            "== (a) vòng đời hồ sơ bền vững mỗi giây / durable dossier lifecycles per second ({label})"
        );
        lifecycles_per_second(db, lifecycles, outbox)?;
    }
    let store = crate::open_store(db)?;
    let (dossier_count, units): (i64, Vec<String>) = store.read(|tx| {
        let n = motcua_store::bench::dossier_count(tx)?;
        let units = org::units(tx)?
            .into_iter()
            .filter(|u| u.level == motcua_domain::org::UnitLevel::Commune)
            .map(|u| u.code)
            .collect();
        Ok((n, units))
    })?;
    println!(
        "== cơ sở dữ liệu / database: {dossier_count} hồ sơ / dossiers, {} xã phường / communes",
        units.len()
    );
    println!("== (b) báo cáo một tỉnh một năm / report latency, province, one year");
    report_latency(&store)?;
    println!("== (c) danh sách hồ sơ / queue list and drill-down latency");
    queue_latency(&store, &units)?;
    drill_down_latency(&store)?;
    let pairs = store.write(|tx| motcua_store::bench::lookup_sample(tx, 2000))?;
    drop(store);
    println!(
        "== (d) tra cứu công khai qua HTTP, 32 kết nối đồng thời / public lookups over HTTP at concurrency 32"
    );
    if db.starts_with("postgres") {
        println!(
            "  (máy chủ giữ sẵn câu trả lời đã tra, mặc định / the server keeps the answers it has read, the default)"
        );
        http(db, &pairs, seconds, &[])?;
        println!(
            "== (d') như (d), mỗi lượt tra đều đọc cơ sở dữ liệu (MOTCUA_PG_LOOKUP_CACHE_MB=0) / as (d), every lookup read from the database"
        );
        http(db, &pairs, seconds, &[("MOTCUA_PG_LOOKUP_CACHE_MB", "0")])?;
    } else {
        http(db, &pairs, seconds, &[])?;
    }
    if !writers.is_empty() {
        println!(
            "== (f) cán bộ ghi đồng thời qua API / concurrent staff writes through the API ({label})"
        );
        crate::bench_writes::run(db, writers, seconds)?;
    }
    Ok(())
}

/// (c): the dossiers behind one figure of the province-year report (resolved on time, by the
/// receiving units under the province), first page of 50, as the report's links open them.
fn drill_down_latency(store: &Store) -> Result<()> {
    let now = Utc::now();
    let year = chrono::Datelike::year(&to_local(now).date()) - 1;
    let units: Vec<String> =
        store.read(|tx| Ok(org::units(tx)?.into_iter().map(|u| u.code).collect()))?;
    let mut ms = vec![];
    let mut rows = 0;
    for (i, column) in [
        "resolved_on_time",
        "resolved_late",
        "received_online",
        "open_overdue",
    ]
    .iter()
    .cycle()
    .take(120)
    .enumerate()
    {
        let f = Filter {
            units: Some(units.clone()),
            by_receiving_unit: true,
            cell: Some(dossiers::Cell {
                column: (*column).to_owned(),
                period: Period::year(year),
                now,
            }),
            limit: 50,
            ..Filter::default()
        };
        let t = Instant::now();
        let page = store.read(|tx| dossiers::list(tx, &f))?;
        if i >= 8 {
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        rows += page.len();
    }
    let (p50, p99, max) = summary(ms);
    println!(
        "  chi tiết một số liệu / drill-down (50 hồ sơ của một ô báo cáo năm {year} / dossiers of a report figure): p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms ({} dòng mỗi trang / rows a page)",
        rows / 120
    );
    Ok(())
}

/// (a): receive at the desk, hand over, result ready, return: four commands, four transactions,
/// through the store into a scratch database of the backend `db` names; then the raw loop writing
/// the same rows into another scratch database of that backend.
fn lifecycles_per_second(db: &str, n: usize, outbox: bool) -> Result<()> {
    let pid = std::process::id();
    let (store_rate, raw_rate, raw_label) = match DbUrl::parse(db)? {
        DbUrl::Sqlite(_) => {
            let dir = std::env::temp_dir().join(format!("motcua-bench-{pid}"));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir)?;
            let url = format!("sqlite:{}", dir.join("store.db").display());
            let measured = store_lifecycles(&url, n, outbox).and_then(|(rate, written)| {
                let raw = motcua_store::bench::raw_lifecycles(&dir.join("raw.db"), n, &written)?;
                Ok((rate, raw))
            });
            let _ = std::fs::remove_dir_all(&dir);
            let (rate, raw) = measured?;
            (
                rate,
                raw,
                "SQLite thô / raw SQLite, cùng PRAGMA / same PRAGMAs",
            )
        }
        DbUrl::Postgres(url) => {
            let (a, b) = (
                format!("motcua_bench_{pid}"),
                format!("motcua_bench_raw_{pid}"),
            );
            let measured = (|| -> Result<(f64, f64)> {
                let store_url = motcua_store::bench::create_pg_database(&url, &a)?;
                let raw_url = motcua_store::bench::create_pg_database(&url, &b)?;
                let (rate, written) = store_lifecycles(&store_url, n, outbox)?;
                let raw = motcua_store::bench::raw_lifecycles_pg(&raw_url, n, &written)?;
                Ok((rate, raw))
            })();
            let _ = motcua_store::bench::drop_pg_database(&url, &a);
            let _ = motcua_store::bench::drop_pg_database(&url, &b);
            let (rate, raw) = measured?;
            (
                rate,
                raw,
                "PostgreSQL thô / raw PostgreSQL, cùng máy chủ / same server",
            )
        }
    };
    println!(
        "  motcua store:        {store_rate:>8.0} vòng đời/s / lifecycles/s ({:.0} lệnh/s / commands/s), {n} vòng đời / lifecycles",
        store_rate * 4.0
    );
    println!(
        "  vòng lặp thô / raw:  {raw_rate:>8.0} vòng đời/s / lifecycles/s (cùng các dòng / same rows; {raw_label})"
    );
    println!(
        "  tỷ lệ / ratio:       {:>8.2} (mục tiêu / target >= 0.5)",
        store_rate / raw_rate
    );
    Ok(())
}

/// `n` lifecycles through the store into the empty database at `url`: lifecycles per second, and
/// what the store wrote for the last one (for the raw loop to write the same rows).
fn store_lifecycles(
    url: &str,
    n: usize,
    outbox: bool,
) -> Result<(f64, Vec<motcua_store::bench::Written>)> {
    let store = Store::open(url)?;
    if outbox {
        // The national portal configured: each lifecycle queues its 6 messages in its transactions.
        store.write(|tx| motcua_store::outbox::configure(tx, &[motcua_store::outbox::DVCQG], 0))?;
    }
    let units = crate::demo::province::units();
    let unit = crate::demo::province::commune(20);
    let procedure = store.write(|tx| {
        for u in &units {
            org::put_unit(tx, u)?;
        }
        procedures::import(
            tx,
            &crate::demo::catalogue_announcements(),
            "bench",
            Utc::now(),
        )?;
        let cat = procedures::catalogue(tx)?;
        let today = to_local(Utc::now()).date();
        let p = cat
            .all_in_force(today)
            .find(|p| p.spec.code == "1.001193")
            .or_else(|| cat.all_in_force(today).next())
            .cloned()
            .ok_or_else(|| motcua_store::StoreError::Db("no procedure".into()))?;
        Ok(p)
    })?;
    let cal = store.read(calendar::work_calendar)?;
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
    let mut t = chrono::DateTime::parse_from_rfc3339("2026-03-02T01:30:00Z")?.with_timezone(&Utc);
    let one = |target: Target, command: Command, now| -> Result<dossiers::Outcome> {
        Ok(store
            .write(|tx| {
                dossiers::execute(
                    tx,
                    &cal,
                    vec![Request {
                        target,
                        actor: Actor::Staff { id: 1 },
                        command,
                        now,
                    }],
                )
            })?
            .remove(0))
    };
    let on = |o: &dossiers::Outcome| Target::Existing {
        id: o.id,
        expected_version: o.dossier.version,
    };
    let started = Instant::now();
    let mut last = None;
    for i in 0..n {
        t += chrono::TimeDelta::seconds(20);
        if i % 1000 == 999 {
            t += chrono::TimeDelta::days(1);
        }
        let o = one(
            Target::New,
            Command::Receive {
                code: String::new(),
                channel: Channel::Desk,
                procedure: Some(ProcedureRef::from(&procedure)),
                unit: Some(unit.clone()),
                applicant: Some(applicant.clone()),
                papers: Some(papers.clone()),
                details: Default::default(),
            },
            t,
        )?;
        let o = one(
            on(&o),
            Command::HandOver {
                to_unit: unit.clone(),
                external: false,
                note: String::new(),
                to_staff: None,
            },
            t + chrono::TimeDelta::seconds(5),
        )?;
        let o = one(
            on(&o),
            Command::MarkResultReady {
                outcome: Outcome::Approved,
            },
            t + chrono::TimeDelta::seconds(10),
        )?;
        let o = one(
            on(&o),
            Command::Return {
                to_whom: "Nguyễn Văn An".into(),
            },
            t + chrono::TimeDelta::seconds(15),
        )?;
        last = Some(o.id);
    }
    let store_rate = n as f64 / started.elapsed().as_secs_f64();
    // What the store wrote for the last lifecycle, to write the same rows raw.
    let id = last.ok_or_else(|| anyhow!("no lifecycle"))?;
    let written = store.read(|tx| motcua_store::bench::written(tx, id))?;
    Ok((store_rate, written))
}

/// (b): the report of the whole province for the last full year, as the server builds it (the
/// catalogue cached).
fn report_latency(store: &Store) -> Result<()> {
    let now = Utc::now();
    let year = chrono::Datelike::year(&to_local(now).date()) - 1;
    let catalogue = store.read(procedures::catalogue)?;
    let root = store.read(|tx| {
        Ok(org::units(tx)?
            .into_iter()
            .find(|u| u.parent.is_none())
            .map(|u| u.code)
            .unwrap_or_default())
    })?;
    let rows = store.read(|tx| motcua_store::bench::counter_rows(tx, &Period::year(year)))?;
    for (label, by) in [
        ("theo đơn vị / by unit", By::Unit),
        ("theo thủ tục / by procedure", By::Procedure),
    ] {
        let req = reports::Request {
            unit: root.clone(),
            period: Period::year(year),
            by,
            procedure: None,
            field: None,
        };
        let mut ms = vec![];
        let mut received = 0;
        for i in 0..40 {
            let t = Instant::now();
            let r = store.read(|tx| reports::build(tx, &catalogue, &req, now))?;
            if i >= 5 {
                ms.push(t.elapsed().as_secs_f64() * 1e3);
            }
            received = r.total.received();
        }
        let (p50, p99, max) = summary(ms);
        println!(
            "  {label}, năm {year}: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms ({received} hồ sơ tiếp nhận trong năm / received that year, {rows} dòng bộ đếm / counter rows; mục tiêu / target p99 <= 50 ms)"
        );
    }
    Ok(())
}

/// (c): a commune's processing queue, first page (50) by due time, and its count.
fn queue_latency(store: &Store, units: &[String]) -> Result<()> {
    let mut list_ms = vec![];
    let mut count_ms = vec![];
    let mut rows = 0;
    for i in 0..300 {
        let unit = &units[(i * 37) % units.len()];
        let f = Filter {
            units: Some(vec![unit.clone()]),
            status: Some(Status::Processing),
            limit: 50,
            ..Filter::default()
        };
        let t = Instant::now();
        let page = store.read(|tx| dossiers::list(tx, &f))?;
        list_ms.push(t.elapsed().as_secs_f64() * 1e3);
        rows += page.len();
        let t = Instant::now();
        store.read(|tx| dossiers::count(tx, &f))?;
        count_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (p50, p99, max) = summary(list_ms);
    println!(
        "  danh sách / list (50 theo hạn / by due): p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms ({} dòng mỗi trang / rows a page; mục tiêu / target p99 <= 10 ms)",
        rows / 300
    );
    let (p50, p99, max) = summary(count_ms);
    println!("  đếm / count:  p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms");
    Ok(())
}

/// `motcua serve` on a free loopback port, quiet, with the rate limit named by `unlimited` (an
/// environment variable) lifted; the child and its address.
pub(crate) fn spawn_server(
    db: &str,
    unlimited: &str,
    env: &[(&str, &str)],
) -> Result<(std::process::Child, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = std::process::Command::new(std::env::current_exe()?)
        .args(["serve", "--db", db, "--listen", &addr])
        .env(unlimited, "1000000000")
        .envs(env.iter().copied())
        .env("MOTCUA_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("start the server")?;
    Ok((child, addr))
}

/// Waits until the server answers its health check, 30 seconds at most.
pub(crate) async fn wait_ready(addr: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut c) = Conn::open(addr).await
            && c.get("/api/v1/health").await.is_ok()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(anyhow!("the server did not start"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// (d) and (e): the server as its own process, given `env`.
fn http(db: &str, pairs: &[(String, String)], seconds: f64, env: &[(&str, &str)]) -> Result<()> {
    if pairs.is_empty() {
        return Err(anyhow!("no dossiers to look up"));
    }
    let (mut child, addr) = spawn_server(db, "MOTCUA_PUBLIC_RATE_PER_MINUTE", env)?;
    let pid = child.id();
    let result = (|| -> Result<()> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        rt.block_on(async {
            wait_ready(&addr).await?;
            let idle = rss(pid, "VmRSS");
            let pairs = Arc::new(pairs.to_vec());
            let lookup = {
                let pairs = pairs.clone();
                move |i: usize| {
                    let (code, secret) = &pairs[i % pairs.len()];
                    format!("/api/v1/public/lookup?code={code}&secret={secret}")
                }
            };
            let minimal = |_: usize| "/api/v1/health".to_owned();
            // Warm up both, then measure them in turn, one second each, for `seconds` each: a
            // machine that slows down for a while slows both alike, so the ratio is the server's.
            load(&addr, 32, 1.0, lookup.clone()).await?;
            load(&addr, 32, 1.0, minimal).await?;
            let rounds = (seconds.round() as usize).max(1);
            let slice = seconds / rounds as f64;
            let (mut l, mut m) = (vec![], vec![]);
            let (mut l_time, mut m_time) = (0.0, 0.0);
            // CPU seconds of (the server, this client) in each.
            let (mut l_cpu, mut m_cpu) = ((0.0, 0.0), (0.0, 0.0));
            let mut ratios = vec![];
            for round in 0..rounds {
                let mut measure = async |lookups: bool| -> Result<f64> {
                    let cpu = (cpu_seconds(pid), cpu_seconds(std::process::id()));
                    let (rate, ms) = if lookups {
                        load(&addr, 32, slice, lookup.clone()).await?
                    } else {
                        load(&addr, 32, slice, minimal).await?
                    };
                    let used = (
                        cpu_seconds(pid) - cpu.0,
                        cpu_seconds(std::process::id()) - cpu.1,
                    );
                    let took = ms.len() as f64 / rate;
                    let (times, total, cpu) = if lookups {
                        (&mut l, &mut l_time, &mut l_cpu)
                    } else {
                        (&mut m, &mut m_time, &mut m_cpu)
                    };
                    times.extend(ms);
                    *total += took;
                    cpu.0 += used.0;
                    cpu.1 += used.1;
                    Ok(rate)
                };
                // Each goes first in every other round.
                let (lr, mr) = if round % 2 == 0 {
                    let lr = measure(true).await?;
                    (lr, measure(false).await?)
                } else {
                    let mr = measure(false).await?;
                    (measure(true).await?, mr)
                };
                ratios.push(lr / mr);
            }
            let (l_n, m_n) = (l.len(), m.len());
            let (l_rate, m_rate) = (l_n as f64 / l_time, m_n as f64 / m_time);
            let (lp50, lp99, _) = summary(l);
            let (mp50, mp99, _) = summary(m);
            let (r50, _, rmax) = summary(ratios.clone());
            let rmin = ratios.iter().copied().fold(f64::INFINITY, f64::min);
            println!("  tra cứu / lookup:        {l_rate:>8.0} yêu cầu/s / requests/s, p50 {lp50:.2} ms, p99 {lp99:.2} ms");
            println!("  tối thiểu / minimal:     {m_rate:>8.0} yêu cầu/s / requests/s, p50 {mp50:.2} ms, p99 {mp99:.2} ms (/api/v1/health)");
            let per = |cpu: f64, n: usize| cpu * 1e6 / n as f64;
            println!(
                "  CPU mỗi yêu cầu / CPU a request: tra cứu / lookup máy chủ / server {:.1} µs + khách / client {:.1} µs; tối thiểu / minimal {:.1} µs + {:.1} µs",
                per(l_cpu.0, l_n), per(l_cpu.1, l_n), per(m_cpu.0, m_n), per(m_cpu.1, m_n)
            );
            println!(
                "  tỷ lệ / ratio:           {:>8.2} (mục tiêu / target >= 0.5, p99 <= 10 ms; {rounds} lượt xen kẽ / alternating rounds of {slice:.1} s: thấp nhất / min {rmin:.2}, trung vị / median {r50:.2}, cao nhất / max {rmax:.2})",
                l_rate / m_rate
            );
            println!("== (e) bộ nhớ máy chủ / server memory");
            println!(
                "  lúc chờ / idle {:.0} MB, đỉnh / peak (VmHWM) {:.0} MB (mục tiêu / target <= 200 MB)",
                idle / 1024.0,
                rss(pid, "VmHWM") / 1024.0
            );
            Ok(())
        })
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// The CPU time process `pid` has used so far (user and system), in seconds; 0 where /proc does
/// not say.
pub(crate) fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The fields after the command's name (which may hold spaces, inside parentheses); utime and
    // stime are the 14th and 15th fields of the line, in clock ticks (100 a second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: f64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}

/// A field of /proc/PID/status in kB.
pub(crate) fn rss(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(f64::NAN)
}

/// `connections` keep-alive connections asking paths from `path(i)` for `seconds`: requests per
/// second and each request's milliseconds. Any answer but 200 is an error.
async fn load(
    addr: &str,
    connections: usize,
    seconds: f64,
    path: impl Fn(usize) -> String + Clone + Send + 'static,
) -> Result<(f64, Vec<f64>)> {
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut tasks = vec![];
    for c in 0..connections {
        let addr = addr.to_owned();
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(&addr).await?;
            let mut ms = vec![];
            let mut i = c * 7919;
            while Instant::now() < end {
                let t = Instant::now();
                let status = conn.get(&path(i)).await?;
                if status != 200 {
                    return Err(anyhow!("status {status} for {}", path(i)));
                }
                ms.push(t.elapsed().as_secs_f64() * 1e3);
                i += 1;
            }
            Ok::<_, anyhow::Error>(ms)
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await??);
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    Ok((rate, all))
}

/// A minimal HTTP/1.1 client connection with keep-alive.
pub(crate) struct Conn {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub(crate) async fn open(addr: &str) -> Result<Conn> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends a GET and reads the whole answer; returns its status.
    pub(crate) async fn get(&mut self, path: &str) -> Result<u16> {
        Ok(self.send("GET", path, "", None).await?.0)
    }

    /// Sends a request (`headers`: extra header lines, each ending in CRLF; `body`: JSON) and
    /// reads the whole answer; returns its status and body.
    pub(crate) async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &str,
        body: Option<&str>,
    ) -> Result<(u16, Vec<u8>)> {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\nAccept: application/json\r\n{headers}"
        );
        if let Some(b) = body {
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
                b.len()
            ));
        } else {
            req.push_str("\r\n");
        }
        self.stream.write_all(req.as_bytes()).await?;
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_ascii_lowercase();
                let status: u16 = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| anyhow!("bad status line"))?;
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .ok_or_else(|| anyhow!("no content-length"))?;
                let total = end + 4 + length;
                while self.buf.len() < total {
                    self.fill().await?;
                }
                let body = self.buf[end + 4..total].to_vec();
                self.buf.drain(..total);
                return Ok((status, body));
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(anyhow!("connection closed"));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Outbox delivery throughput: `n` lifecycles with the national portal configured (6 messages
/// each) written into a scratch SQLite database, then one worker delivering every message to the
/// portal double on loopback (sign-in once, one HTTP call per message, each recorded in its own
/// transaction).
pub fn outbox_delivery(n: usize) -> Result<()> {
    use motcua_connect::double::{API_PATH, AUTH_PATH, PortalDouble};
    use motcua_connect::{Dvcqg, DvcqgConfig, RetryPolicy, Worker};
    let dir = std::env::temp_dir().join(format!("motcua-bench-outbox-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite:{}", dir.join("store.db").display());
    let measured = (|| -> Result<(f64, u64, f64, usize)> {
        let (rate, _) = store_lifecycles(&url, n, true)?;
        let double = PortalDouble::start("bench", "bench")?;
        let config = DvcqgConfig {
            adapter_url: double.url(),
            auth_endpoint: AUTH_PATH.into(),
            integration_endpoint: API_PATH.into(),
            username: "bench".into(),
            password: "bench".into(),
            agency: "000.00.00.H47".into(),
            ..Default::default()
        };
        let store = std::sync::Arc::new(Store::open(&url)?);
        let mut worker = Worker::new(
            store,
            vec![Box::new(Dvcqg::new(config))],
            RetryPolicy::default(),
        );
        let started = Instant::now();
        let report = worker.run_once()?;
        let secs = started.elapsed().as_secs_f64();
        Ok((rate, report.delivered, secs, double.calls().len()))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    let (rate, delivered, secs, kept) = measured?;
    println!(
        "  ghi / written:   {n} vòng đời / lifecycles with the outbox on, {rate:.0} vòng đời/s / lifecycles/s"
    );
    println!(
        "  gửi / delivered: {delivered} tin / messages in {secs:.2} s = {:.0} tin/s / messages/s; bản sao cổng giữ / the portal double kept {kept}",
        delivered as f64 / secs
    );
    Ok(())
}
