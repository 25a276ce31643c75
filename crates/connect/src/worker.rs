//! The delivery worker: takes the outbox's due messages per connector (first in line for their
//! dossier only, so each dossier's messages arrive in order), renders each from the log as of its
//! event, sends it, and records the outcome. Failures are retried with exponential backoff, jitter
//! and a cap; after `max_attempts` the message is a dead letter with its reason.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use motcua_domain::dossier::{Dossier, Event, Instant, Recorded};
use motcua_store::outbox::{self, Message};
use motcua_store::public_access::Access;
use motcua_store::{Store, StoreError, dossiers, millis, org, public_access};

/// How often and for how long a message is tried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// The wait after the first failure; each further failure doubles it.
    pub base: Duration,
    /// The longest wait between two attempts.
    pub cap: Duration,
    /// Failures after which the message is dead.
    pub max_attempts: i64,
    /// How long a claimed message is hidden from other workers (longer than a send can take).
    pub lease: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(3600),
            max_attempts: 12,
            lease: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempts + 1`, `jitter` in [0, 1): between half and all of
    /// `base * 2^(attempts-1)`, at most `cap`.
    pub fn backoff(&self, attempts: i64, jitter: f64) -> Duration {
        let exp = attempts.clamp(1, 40) - 1;
        let full = self
            .base
            .checked_mul(1u32 << exp.min(31))
            .unwrap_or(self.cap)
            .min(self.cap);
        full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// What a connector is given to deliver one message: the message, the dossier as it was right
/// after the event (personal data opened in memory only), that event, and names it may print.
pub struct Delivery<'a> {
    pub message: &'a Message,
    pub dossier: &'a Dossier,
    pub event: &'a Recorded,
    /// The name of the unit holding the dossier then.
    pub unit_name: &'a str,
    /// The name of the unit where the result is collected (the return point).
    pub return_point_name: &'a str,
    /// The applicant's personal data was erased since (whatever the event): nothing personal is
    /// left to send.
    pub erased: bool,
    /// The dossier's public reference and lookup secret, for connectors that ask for them
    /// (`Connector::wants_lookup`).
    pub lookup: Option<&'a Access>,
    /// The name and title of the member of staff who acted, when one did.
    pub actor_name: Option<&'a str>,
    pub actor_title: Option<&'a str>,
    /// The code the outside system gave the dossier, when it sent the dossier in.
    pub external_code: Option<&'a str>,
}

/// Why one attempt failed, in words for the administrator: never a credential, never personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Failure(pub String);

/// Why a message was not delivered, and what becomes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undelivered {
    /// This attempt failed (the system is down, answered an error...): tried again with backoff,
    /// dead after `max_attempts`.
    Failed(Failure),
    /// The system refused it for good as it stands (a permanent SMTP refusal, a request it will
    /// never take): a dead letter at once, for the administrator to retry or give up.
    Refused(Failure),
    /// There is nothing to send any more (the applicant's data was erased): given up by the
    /// system with this reason, which names nothing personal; the dossier's next messages go on.
    Moot(String),
}

impl From<Failure> for Undelivered {
    fn from(f: Failure) -> Undelivered {
        Undelivered::Failed(f)
    }
}

/// An outside system messages are delivered to.
pub trait Connector: Send {
    /// The outbox's name for it (`outbox::KNOWN`).
    fn name(&self) -> &'static str;
    /// Whether a delivery needs the dossier's public reference and lookup secret (read only then).
    fn wants_lookup(&self) -> bool {
        false
    }
    /// Sends one message. Must send the same bytes for the same delivery (the message's
    /// idempotency key goes with it), so a repeat after a crash is the same message.
    fn deliver(&mut self, d: &Delivery<'_>) -> Result<(), Undelivered>;
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunReport {
    pub delivered: u64,
    pub failed: u64,
    pub dead: u64,
    /// Given up by the system: nothing left to send.
    pub given_up: u64,
}

pub struct Worker {
    store: Arc<Store>,
    connectors: Vec<Box<dyn Connector>>,
    policy: RetryPolicy,
    /// Messages taken per claim.
    batch: i64,
}

impl Worker {
    pub fn new(
        store: Arc<Store>,
        connectors: Vec<Box<dyn Connector>>,
        policy: RetryPolicy,
    ) -> Self {
        Worker {
            store,
            connectors,
            policy,
            batch: 50,
        }
    }

    /// Delivers everything due now, connector by connector, until nothing is due (what
    /// `motcua outbox run --once` does).
    pub fn run_once(&mut self) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        loop {
            let round = self.round(chrono::Utc::now)?;
            report.delivered += round.delivered;
            report.failed += round.failed;
            report.dead += round.dead;
            report.given_up += round.given_up;
            if round.delivered + round.failed + round.given_up == 0 {
                return Ok(report);
            }
        }
    }

    /// One claim per connector; `now` is read for every step so that waits are measured.
    pub fn round(&mut self, now: impl Fn() -> Instant) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        let store = self.store.clone();
        let policy = self.policy;
        for connector in self.connectors.iter_mut() {
            let name = connector.name();
            let claimed = store.write(|tx| {
                outbox::claim(
                    tx,
                    name,
                    millis(now()),
                    policy.lease.as_millis() as i64,
                    self.batch,
                )
            })?;
            // A claim holds at most one message per dossier (the first in line), so order is kept.
            for m in claimed {
                let outcome = deliver_one(&store, connector.as_mut(), &m);
                let at = millis(now());
                match outcome {
                    Ok(()) => {
                        store.write(|tx| outbox::delivered(tx, m.id, at))?;
                        report.delivered += 1;
                    }
                    Err(Undelivered::Moot(reason)) => {
                        store.write(|tx| outbox::abandon(tx, m.id, at, &reason))?;
                        report.given_up += 1;
                    }
                    Err(Undelivered::Refused(f)) => {
                        report.failed += 1;
                        report.dead += 1;
                        store.write(|tx| outbox::failed(tx, m.id, at, &f.0, None))?;
                    }
                    Err(Undelivered::Failed(f)) => {
                        let retry_at = if m.attempts >= policy.max_attempts {
                            report.dead += 1;
                            None
                        } else {
                            let wait = policy.backoff(m.attempts, rand::random::<f64>());
                            Some(at + wait.as_millis() as i64)
                        };
                        report.failed += 1;
                        store.write(|tx| outbox::failed(tx, m.id, at, &f.0, retry_at))?;
                    }
                }
            }
        }
        Ok(report)
    }

    /// Runs in a thread until `stop` is set: a round, then a pause of `every` when nothing moved.
    /// Errors of the store are logged and retried at the next round.
    pub fn spawn(mut self, every: Duration, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let moved = match self.round(chrono::Utc::now) {
                    Ok(r) => r.delivered + r.failed + r.given_up > 0,
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox round failed");
                        false
                    }
                };
                if !moved {
                    let mut slept = Duration::ZERO;
                    while slept < every && !stop.load(Ordering::Relaxed) {
                        let step = Duration::from_millis(100).min(every - slept);
                        std::thread::sleep(step);
                        slept += step;
                    }
                }
            }
        })
    }
}

/// Renders and sends one message; a store error reading the dossier is a failure like any other.
fn deliver_one(
    store: &Store,
    connector: &mut dyn Connector,
    m: &Message,
) -> Result<(), Undelivered> {
    let wants_lookup = connector.wants_lookup();
    let read = store
        .read(|tx| {
            let history = dossiers::history(tx, m.dossier_id)?;
            let erased = history
                .iter()
                .any(|r| matches!(r.event, Event::PersonalDataErased { .. }));
            let (dossier, event) = as_of(&history, m.seq)?;
            let units = [
                dossier.current_unit.clone(),
                dossier.return_point().to_owned(),
            ];
            let names = org::names(tx, &units)?;
            let name_of = |code: &str| {
                names
                    .iter()
                    .find(|(c, _)| c == code)
                    .map_or_else(|| code.to_owned(), |(_, n)| n.clone())
            };
            let unit_name = name_of(&units[0]);
            let return_point_name = name_of(&units[1]);
            // A member of staff since removed leaves the name blank rather than the message stuck.
            let actor = match event.actor {
                motcua_domain::dossier::Actor::Staff { id } => org::get_staff(tx, id).ok(),
                _ => None,
            };
            let external = outbox::external_code(tx, &m.connector, m.dossier_id)?;
            let lookup = if wants_lookup {
                public_access::get(tx, m.dossier_id)?
            } else {
                None
            };
            Ok((
                dossier,
                event,
                (unit_name, return_point_name),
                actor,
                external,
                erased,
                lookup,
            ))
        })
        .map_err(|e| Failure(format!("reading dossier {}: {e}", m.dossier_id)))?;
    let (dossier, event, (unit_name, return_point_name), actor, external, erased, lookup) = read;
    connector.deliver(&Delivery {
        message: m,
        dossier: &dossier,
        event: &event,
        unit_name: &unit_name,
        return_point_name: &return_point_name,
        erased,
        lookup: lookup.as_ref(),
        actor_name: actor.as_ref().map(|s| s.full_name.as_str()),
        actor_title: actor.as_ref().map(|s| s.title.as_str()),
        external_code: external.as_deref(),
    })
}

/// The dossier right after event `seq`, and that event.
pub fn as_of(history: &[Recorded], seq: i64) -> Result<(Dossier, Recorded), StoreError> {
    let mut dossier: Option<Dossier> = None;
    for rec in history.iter().take_while(|r| r.seq <= seq) {
        match dossier.as_mut() {
            None => dossier = Some(Dossier::start(rec)?),
            Some(d) => d.apply(rec),
        }
        if rec.seq == seq {
            return Ok((dossier.expect("started"), rec.clone()));
        }
    }
    Err(StoreError::Db(format!("event {seq} missing")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap_with_jitter_between_half_and_all() {
        let p = RetryPolicy {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(300),
            max_attempts: 5,
            lease: Duration::from_secs(60),
        };
        assert_eq!(p.backoff(1, 0.999_999).as_secs(), 9);
        assert_eq!(p.backoff(1, 0.0), Duration::from_secs(5));
        assert_eq!(p.backoff(3, 0.0), Duration::from_secs(20));
        assert_eq!(p.backoff(6, 0.0), Duration::from_secs(150));
        assert_eq!(p.backoff(60, 0.0), Duration::from_secs(150));
        for a in 1..50 {
            for j in [0.0, 0.3, 0.99] {
                let w = p.backoff(a, j);
                assert!(w <= p.cap && w >= p.base / 2, "{a} {j} {w:?}");
            }
        }
    }
}
