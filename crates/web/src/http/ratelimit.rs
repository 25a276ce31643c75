//! A token bucket per client address, for public endpoints and login. In memory: limits are per
//! server process, which is what matters against a script hammering one server.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

pub struct Limiter {
    per_minute: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(per_minute: u32) -> Limiter {
        Limiter {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `ip`; false when its bucket is empty.
    pub fn allow(&self, ip: IpAddr) -> bool {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget idle clients rather than grow without bound.
            let per_minute = self.per_minute;
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * per_minute / 60.0 < per_minute
            });
        }
        let (tokens, at) = buckets.entry(ip).or_insert((self.per_minute, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_minute / 60.0)
            .min(self.per_minute);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

pub fn rate_limited() -> super::ApiError {
    super::ApiError::new(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "Quá nhiều yêu cầu, vui lòng thử lại sau ít phút",
        "Too many requests, try again in a few minutes",
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn empties_then_refuses() {
        let l = super::Limiter::new(3);
        let ip = "127.0.0.1".parse().unwrap();
        assert!(l.allow(ip) && l.allow(ip) && l.allow(ip));
        assert!(!l.allow(ip));
        assert!(l.allow("127.0.0.2".parse().unwrap()));
    }
}
