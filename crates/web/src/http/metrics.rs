//! Request counts and latencies by route for `GET /metrics`, in the Prometheus text format.
//!
//! Routes are the router's patterns (`/api/v1/dossiers/{id}`), never the addresses asked for, so
//! the number of series stays bounded whatever clients send; an address that matches no route is
//! counted as `unmatched`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Histogram {
    /// Counts per bucket (not cumulative; summed when written).
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Series {
    /// (method, route, status) → requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// (method, route) → latency.
    latency: BTreeMap<(String, String), Histogram>,
}

/// What the server has answered since it started.
pub struct Metrics {
    started: Instant,
    series: Mutex<Series>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            started: Instant::now(),
            series: Mutex::new(Series::default()),
        }
    }
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut s = self.series.lock().unwrap_or_else(|p| p.into_inner());
        *s.requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let h = s
            .latency
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            h.buckets[i] += 1;
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// The request series, then the store's and the process's figures, in the text format.
    pub fn render(&self, store: &motcua_store::StoreStats) -> String {
        let mut out = String::new();
        let s = self.series.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP motcua_http_requests_total HTTP requests answered, by route and status.\n# TYPE motcua_http_requests_total counter\n");
        for ((method, route, status), n) in &s.requests {
            let _ = writeln!(
                out,
                "motcua_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP motcua_http_request_duration_seconds Time to answer, by route.\n# TYPE motcua_http_request_duration_seconds histogram\n");
        for ((method, route), h) in &s.latency {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "motcua_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "motcua_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\nmotcua_http_request_duration_seconds_sum{{{labels}}} {}\nmotcua_http_request_duration_seconds_count{{{labels}}} {}",
                h.count, h.sum, h.count
            );
        }
        drop(s);
        let counter = |out: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        };
        let gauge = |out: &mut String, name: &str, help: &str, v: f64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        };
        counter(
            &mut out,
            "motcua_store_writes_total",
            "Write transactions committed.",
            store.writes_committed,
        );
        counter(
            &mut out,
            "motcua_store_write_failures_total",
            "Write transactions that ended in an error and were rolled back (refusals included).",
            store.writes_failed,
        );
        if let Some(syncs) = store.wal_syncs {
            counter(
                &mut out,
                "motcua_store_wal_syncs_total",
                "fsyncs of the SQLite WAL that made write transactions durable (one covers every commit written before it began).",
                syncs,
            );
        }
        if let Some(p) = &store.pool {
            gauge(
                &mut out,
                "motcua_pool_size",
                "Most PostgreSQL connections this server opens.",
                p.size as f64,
            );
            gauge(
                &mut out,
                "motcua_pool_open",
                "PostgreSQL connections open now.",
                p.open as f64,
            );
            gauge(
                &mut out,
                "motcua_pool_idle",
                "PostgreSQL connections idle now.",
                p.idle as f64,
            );
            counter(
                &mut out,
                "motcua_pool_waits_total",
                "Requests that found every connection in use and waited.",
                p.waits,
            );
            counter(
                &mut out,
                "motcua_pool_timeouts_total",
                "Requests that waited in vain and were answered 503.",
                p.timeouts,
            );
            let _ = writeln!(
                out,
                "# HELP motcua_pool_wait_seconds_total Time spent waiting for a connection.\n# TYPE motcua_pool_wait_seconds_total counter\nmotcua_pool_wait_seconds_total {}",
                p.waited_seconds
            );
        }
        if let Some(c) = &store.lookup_cache {
            gauge(
                &mut out,
                "motcua_lookup_cache_live",
                "1 while the public lookup's answers are kept in memory (the server listens to the database's announcements of changes), else 0.",
                if c.live { 1.0 } else { 0.0 },
            );
            gauge(
                &mut out,
                "motcua_lookup_cache_answers",
                "Public lookup answers kept in memory now.",
                c.answers as f64,
            );
            counter(
                &mut out,
                "motcua_lookup_cache_hits_total",
                "Public lookups answered from memory.",
                c.hits,
            );
            counter(
                &mut out,
                "motcua_lookup_cache_misses_total",
                "Public lookups that read the database while answers were kept.",
                c.misses,
            );
        }
        gauge(
            &mut out,
            "motcua_uptime_seconds",
            "Seconds since the server started.",
            self.started.elapsed().as_secs_f64(),
        );
        if let Some(bytes) = resident_bytes() {
            gauge(
                &mut out,
                "motcua_resident_memory_bytes",
                "Resident memory of the process.",
                bytes as f64,
            );
        }
        let _ = writeln!(
            out,
            "# HELP motcua_build_info The running version.\n# TYPE motcua_build_info gauge\nmotcua_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Resident set size from /proc (Linux); None elsewhere.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(kb * 1024)
}

/// The layer that counts every request, when metrics are on.
pub async fn record(
    State(metrics): State<Option<Arc<Metrics>>>,
    req: Request,
    next: Next,
) -> Response {
    let Some(metrics) = metrics else {
        return next.run(req).await;
    };
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let start = Instant::now();
    let res = next.run(req).await;
    metrics.observe(
        &method,
        &route,
        res.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_counts_match() {
        let m = Metrics::default();
        for s in [0.0005, 0.003, 0.003, 7.0] {
            m.observe("GET", "/a/{id}", 200, s);
        }
        m.observe("GET", "/a/{id}", 404, 0.0001);
        let text = m.render(&motcua_store::StoreStats::default());
        let line = |prefix: &str| {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
                .rsplit(' ')
                .next()
                .unwrap()
                .to_owned()
        };
        let labels = "method=\"GET\",route=\"/a/{id}\"";
        assert_eq!(
            line(&format!(
                "motcua_http_requests_total{{{labels},status=\"200\"}}"
            )),
            "4"
        );
        assert_eq!(
            line(&format!(
                "motcua_http_requests_total{{{labels},status=\"404\"}}"
            )),
            "1"
        );
        assert_eq!(
            line(&format!(
                "motcua_http_request_duration_seconds_bucket{{{labels},le=\"0.001\"}}"
            )),
            "2"
        );
        assert_eq!(
            line(&format!(
                "motcua_http_request_duration_seconds_bucket{{{labels},le=\"0.005\"}}"
            )),
            "4"
        );
        assert_eq!(
            line(&format!(
                "motcua_http_request_duration_seconds_bucket{{{labels},le=\"5\"}}"
            )),
            "4"
        );
        assert_eq!(
            line(&format!(
                "motcua_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}}"
            )),
            "5"
        );
        assert_eq!(
            line(&format!(
                "motcua_http_request_duration_seconds_count{{{labels}}}"
            )),
            "5"
        );
        assert!(!text.contains("motcua_pool_"), "no pool on SQLite");
    }
}
