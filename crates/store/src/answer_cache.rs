//! Public lookup answers kept in memory on PostgreSQL, so that the citizens who look the same
//! dossiers up again and again (a crowd after an announcement, a receipt's QR code scanned every
//! day) do not each cost the shared database a statement.
//!
//! An answer is kept only while this server listens to the database's announcements of changed
//! lookup rows (channel `motcua_public_lookup`, sent by the triggers of migration 0029 when a
//! transaction that changed rows commits, whoever wrote them: this server, another one, a
//! rebuild, a hand-written statement). Each announcement forgets the answers of the codes and
//! references it names, or all of them. An answer read while an announcement arrived is not kept
//! (the read may have seen the row before the change). While the listening connection is down,
//! nothing is kept or served: every lookup reads the database, as with the cache off.
//!
//! A transaction of this server that writes `public_lookup` forgets, as it commits, the answers
//! of the dossiers it wrote (all answers, for a statement other than the write path's), without
//! waiting for its announcement, and keeps reads that overlapped it out as an announcement does.
//!
//! So a lookup is never older than this server's own last write, nor than the newest announcement
//! it has received: another server's change shows once its announcement arrives, normally well
//! under a millisecond after the commit on the same network.
//!
//! The memory is bounded (`MOTCUA_PG_LOOKUP_CACHE_MB`, default 32; 0 turns it off). Answers live in
//! two generations: when the young one is full the old one is dropped and the young one becomes
//! old; an answer found in the old generation moves back to the young one. The answers asked for
//! stay, the others go, at the cost of a hash-map look-up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::db::{Row, Value};

/// The channel the triggers announce changes on.
pub(crate) const CHANNEL: &str = "motcua_public_lookup";

/// Answers kept, by key, then by statement (a code and a reference never look alike, but two
/// statements may read by the same kind of key); and the keys of each dossier (an answer's first
/// column is its dossier's id).
#[derive(Default)]
struct Generation {
    by_key: HashMap<String, Vec<(&'static str, Row)>>,
    by_id: HashMap<i64, Vec<String>>,
    bytes: usize,
}

impl Generation {
    fn get(&self, sql: &'static str, key: &str) -> Option<Row> {
        self.by_key
            .get(key)
            .and_then(|v| v.iter().find(|(s, _)| std::ptr::eq(*s, sql)))
            .map(|(_, r)| r.clone())
    }

    fn insert(&mut self, sql: &'static str, key: &str, row: Row) {
        self.remove_one(sql, key);
        self.bytes += size(key, &row);
        if let Ok(id) = row.i64(0) {
            let keys = self.by_id.entry(id).or_default();
            // A key forgotten by an announcement stays listed here: not listed twice.
            if !keys.iter().any(|k| k == key) {
                keys.push(key.to_owned());
            }
        }
        self.by_key
            .entry(key.to_owned())
            .or_default()
            .push((sql, row));
    }

    fn remove_one(&mut self, sql: &'static str, key: &str) {
        if let Some(entry) = self.by_key.get_mut(key)
            && let Some(at) = entry.iter().position(|(s, _)| std::ptr::eq(*s, sql))
        {
            let (_, was) = entry.remove(at);
            self.bytes -= size(key, &was);
            if entry.is_empty() {
                self.by_key.remove(key);
            }
        }
    }

    fn remove_key(&mut self, key: &str) {
        if let Some(gone) = self.by_key.remove(key) {
            self.bytes -= gone.iter().map(|(_, r)| size(key, r)).sum::<usize>();
        }
    }

    fn remove_id(&mut self, id: i64) {
        for key in self.by_id.remove(&id).unwrap_or_default() {
            self.remove_key(&key);
        }
    }

    fn answers(&self) -> usize {
        self.by_key.values().map(Vec::len).sum()
    }
}

pub(crate) struct AnswerCache {
    /// Bytes each generation may hold; 0: nothing is kept.
    budget: usize,
    /// A listening task runs (or is starting).
    listening: AtomicBool,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Listening: answers may be kept and served.
    live: bool,
    /// Moves on with every announcement and whenever listening starts or stops.
    epoch: u64,
    young: Generation,
    old: Generation,
    hits: u64,
    misses: u64,
}

/// What the cache has done, for monitoring.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CacheStats {
    /// Bytes it may hold at most (both generations); 0 when it is off.
    pub budget_bytes: u64,
    /// Listening to the database's announcements (answers are kept and served).
    pub live: bool,
    pub hits: u64,
    pub misses: u64,
    /// Answers kept now.
    pub answers: u64,
}

fn size(key: &str, row: &Row) -> usize {
    let text: usize = row
        .0
        .iter()
        .map(|v| match v {
            Value::Text(t) => t.len(),
            Value::Blob(b) => b.len(),
            _ => 8,
        })
        .sum();
    key.len() + text + 96
}

impl AnswerCache {
    pub(crate) fn new(budget_bytes: usize) -> AnswerCache {
        AnswerCache {
            budget: budget_bytes / 2,
            listening: AtomicBool::new(false),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts the listening task ([`listen`]) on the caller's runtime, unless the cache is off
    /// or one runs already.
    pub(crate) fn ensure_listening(self: &Arc<Self>, url: &str) {
        if self.budget == 0
            || self.listening.load(Ordering::Acquire)
            || self.listening.swap(true, Ordering::AcqRel)
        {
            return;
        }
        tokio::spawn(listen(Arc::downgrade(self), url.to_owned()));
    }

    /// The answer kept for `key` by `sql`, if any (and the cache is listening).
    pub(crate) fn get(&self, sql: &'static str, key: &str) -> Option<Row> {
        if self.budget == 0 {
            return None;
        }
        let mut inner = self.inner();
        if !inner.live {
            return None;
        }
        if let Some(row) = inner.young.get(sql, key) {
            inner.hits += 1;
            return Some(row);
        }
        match inner.old.get(sql, key) {
            Some(row) => {
                inner.hits += 1;
                put(&mut inner, self.budget, sql, key, row.clone());
                Some(row)
            }
            None => {
                inner.misses += 1;
                None
            }
        }
    }

    /// Where a read begins: `Some(epoch)` to hand to [`AnswerCache::keep`] with its answers, or
    /// `None` when nothing may be kept now.
    pub(crate) fn epoch(&self) -> Option<u64> {
        if self.budget == 0 {
            return None;
        }
        let inner = self.inner();
        inner.live.then_some(inner.epoch)
    }

    /// Keeps `row` as `sql`'s answer for `key`, read from `epoch` on: not if anything was
    /// announced since (the read may have seen a row as it was before the change).
    pub(crate) fn keep(&self, epoch: u64, sql: &'static str, key: &str, row: &Row) {
        let mut inner = self.inner();
        if inner.live && inner.epoch == epoch {
            put(&mut inner, self.budget, sql, key, row.clone());
        }
    }

    /// An announcement: the keys separated by spaces, or `*` for all.
    pub(crate) fn forget(&self, keys: &str) {
        let mut inner = self.inner();
        inner.epoch += 1;
        if keys.trim() == "*" {
            clear(&mut inner);
            return;
        }
        for key in keys.split_whitespace() {
            inner.young.remove_key(key);
            inner.old.remove_key(key);
        }
    }

    /// What this server's own transaction changed, forgotten as it commits (its announcement
    /// comes later): the answers of these dossiers, or all of them (`None`).
    pub(crate) fn forget_own(&self, ids: Option<&[i64]>) {
        if self.budget == 0 {
            return;
        }
        let mut inner = self.inner();
        inner.epoch += 1;
        match ids {
            None => clear(&mut inner),
            Some(ids) => {
                for id in ids {
                    inner.young.remove_id(*id);
                    inner.old.remove_id(*id);
                }
            }
        }
    }

    /// Listening started or stopped: either way nothing kept before may be served.
    fn set_live(&self, live: bool) {
        let mut inner = self.inner();
        inner.live = live;
        inner.epoch += 1;
        clear(&mut inner);
    }

    pub(crate) fn stats(&self) -> CacheStats {
        let inner = self.inner();
        CacheStats {
            budget_bytes: (self.budget * 2) as u64,
            live: inner.live,
            hits: inner.hits,
            misses: inner.misses,
            answers: (inner.young.answers() + inner.old.answers()) as u64,
        }
    }
}

fn clear(inner: &mut Inner) {
    inner.young = Generation::default();
    inner.old = Generation::default();
}

/// Into the young generation, which becomes the old one when it is full.
fn put(inner: &mut Inner, budget: usize, sql: &'static str, key: &str, row: Row) {
    let bytes = size(key, &row);
    if bytes > budget {
        return;
    }
    if inner.young.bytes + bytes > budget {
        inner.old = std::mem::take(&mut inner.young);
    }
    inner.young.insert(sql, key, row);
}

/// Stops the serving when the listening task ends, however it ends (its runtime may be shut
/// down with it waiting), and lets the next kept read start another.
struct Stopped(Weak<AnswerCache>);

impl Drop for Stopped {
    fn drop(&mut self) {
        if let Some(cache) = self.0.upgrade() {
            cache.set_live(false);
            cache.listening.store(false, Ordering::Release);
        }
    }
}

/// Listens to the announcements for as long as the cache (held weakly) exists: connects, asks
/// to LISTEN, and from then on forgets what each announcement names. When the connection is
/// lost it stops serving, and tries again a second later.
async fn listen(cache: Weak<AnswerCache>, url: String) {
    let _stopped = Stopped(cache.clone());
    loop {
        if cache.strong_count() == 0 {
            return;
        }
        if let Ok((client, mut connection)) =
            tokio_postgres::connect(&url, tokio_postgres::NoTls).await
        {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
            // The connection's own task: drives the socket and hands the announcements over.
            let driver = tokio::spawn(async move {
                loop {
                    match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                        Some(Ok(tokio_postgres::AsyncMessage::Notification(n))) => {
                            if tx.send(n.payload().to_owned()).is_err() {
                                return;
                            }
                        }
                        Some(Ok(_)) => {}
                        Some(Err(_)) | None => return,
                    }
                }
            });
            if client
                .batch_execute(&format!("LISTEN {CHANNEL}"))
                .await
                .is_ok()
            {
                match cache.upgrade() {
                    Some(c) => c.set_live(true),
                    None => return,
                }
                loop {
                    // A second at most between looks at whether the store is still there.
                    match tokio::time::timeout(Duration::from_secs(1), rx.recv()).await {
                        Ok(Some(keys)) => match cache.upgrade() {
                            Some(c) => c.forget(&keys),
                            None => return,
                        },
                        Ok(None) => break,
                        Err(_) if cache.strong_count() == 0 => return,
                        Err(_) => {}
                    }
                }
            }
            if let Some(c) = cache.upgrade() {
                c.set_live(false);
            }
            driver.abort();
            drop(client);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BY_CODE: &str = "by code";
    const BY_REFERENCE: &str = "by reference";

    fn row(text: &str) -> Row {
        Row(vec![Value::Int(1), Value::from(text)])
    }

    fn live(budget: usize) -> AnswerCache {
        let c = AnswerCache::new(budget);
        c.set_live(true);
        c
    }

    #[test]
    fn nothing_is_kept_or_served_unless_listening() {
        let c = AnswerCache::new(1 << 20);
        assert_eq!(c.epoch(), None);
        c.keep(0, BY_CODE, "A", &row("a"));
        assert_eq!(c.get(BY_CODE, "A"), None);
        c.set_live(true);
        let e = c.epoch().unwrap();
        c.keep(e, BY_CODE, "A", &row("a"));
        assert_eq!(c.get(BY_CODE, "A"), Some(row("a")));
        assert_eq!(c.get(BY_REFERENCE, "A"), None, "kept per statement");
        // Listening stopped: what was kept is gone and nothing new is kept.
        c.set_live(false);
        assert_eq!(c.get(BY_CODE, "A"), None);
        assert_eq!(c.epoch(), None);
        // Off: no listening task (outside a runtime, spawning one would panic).
        let off = Arc::new(AnswerCache::new(0));
        off.ensure_listening("postgres://unused");
        assert!(!off.listening.load(Ordering::Acquire), "off: no listening");
    }

    #[test]
    fn an_announcement_forgets_what_it_names_and_refuses_reads_it_overtook() {
        let c = live(1 << 20);
        let e = c.epoch().unwrap();
        c.keep(e, BY_CODE, "A", &row("a"));
        c.keep(e, BY_CODE, "B", &row("b"));
        c.keep(e, BY_REFERENCE, "WREF", &row("a"));
        // A read that began before this announcement must not be kept.
        let before = c.epoch().unwrap();
        c.forget("A WREF");
        assert_eq!(c.get(BY_CODE, "A"), None);
        assert_eq!(c.get(BY_REFERENCE, "WREF"), None);
        assert_eq!(c.get(BY_CODE, "B"), Some(row("b")));
        c.keep(before, BY_CODE, "A", &row("stale"));
        assert_eq!(c.get(BY_CODE, "A"), None);
        c.forget("*");
        assert_eq!(c.get(BY_CODE, "B"), None);
        assert_eq!(c.stats().answers, 0);
    }

    #[test]
    fn a_dossier_written_here_is_forgotten_under_each_of_its_keys() {
        let c = live(1 << 20);
        let e = c.epoch().unwrap();
        let (one, two) = (
            Row(vec![Value::Int(1), Value::from("a")]),
            Row(vec![Value::Int(2), Value::from("b")]),
        );
        c.keep(e, BY_CODE, "A", &one);
        c.keep(e, BY_REFERENCE, "WA", &one);
        c.keep(e, BY_CODE, "B", &two);
        let before = c.epoch().unwrap();
        c.forget_own(Some(&[1]));
        assert_eq!(c.get(BY_CODE, "A"), None);
        assert_eq!(c.get(BY_REFERENCE, "WA"), None);
        assert_eq!(c.get(BY_CODE, "B"), Some(two.clone()));
        // A read that began before the write is not kept.
        c.keep(before, BY_CODE, "A", &one);
        assert_eq!(c.get(BY_CODE, "A"), None);
        c.forget_own(None);
        assert_eq!(c.get(BY_CODE, "B"), None);
        // Forgotten and kept again, many times: its dossier lists the key once.
        for _ in 0..100 {
            let e = c.epoch().unwrap();
            c.keep(e, BY_CODE, "A", &one);
            c.forget("A");
        }
        assert_eq!(c.inner().young.by_id[&1], vec!["A".to_owned()]);
    }

    #[test]
    fn memory_stays_within_its_budget_and_keeps_what_is_asked_for() {
        // Two generations of about ten answers of 1 kB each.
        let c = live(2 * 10 * (1024 + 100));
        let text = "x".repeat(1024);
        let e = c.epoch().unwrap();
        for i in 0..100 {
            c.keep(e, BY_CODE, &format!("K{i}"), &row(&text));
            // One key asked for all along stays.
            assert!(c.get(BY_CODE, "K0").is_some(), "{i}");
        }
        let s = c.stats();
        assert!(s.answers <= 21, "{s:?}");
        assert!(c.get(BY_CODE, "K99").is_some());
        assert!(c.get(BY_CODE, "K1").is_none());
        // Too big to keep at all.
        c.keep(e, BY_CODE, "BIG", &row(&"y".repeat(20_000)));
        assert!(c.get(BY_CODE, "BIG").is_none());
    }
}
