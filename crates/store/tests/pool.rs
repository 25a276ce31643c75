//! The PostgreSQL pool is bounded: a surge of concurrent transactions never opens more connections
//! than the pool's size (16 unless MOTCUA_PG_POOL_SIZE says otherwise); the others wait their turn
//! and all succeed.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use motcua_store::Store;

#[test]
fn a_surge_of_transactions_stays_within_the_pool() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let store = Arc::new(Store::open(&url).unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let most = Arc::new(AtomicI64::new(0));
    // A watcher on a connection of its own counts this database's client sessions (not the
    // autovacuum worker the migrations' writes may bring in meanwhile).
    let watcher = {
        let (url, done, most) = (url.clone(), done.clone(), most.clone());
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            while !done.load(Ordering::SeqCst) {
                let n: i64 = c
                    .query_one(
                        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                         AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                        &[],
                    )
                    .unwrap()
                    .get(0);
                most.fetch_max(n, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    let workers: Vec<_> = (0..64)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                store.read(|tx| {
                    // Long enough for the 64 to overlap even when the machine is busy.
                    tx.query("SELECT 1 FROM (SELECT pg_sleep(0.2)) AS s", &[])?;
                    Ok(())
                })
            })
        })
        .collect();
    let results: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    done.store(true, Ordering::SeqCst);
    watcher.join().unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let most = most.load(Ordering::SeqCst);
    assert!(most >= 8, "the surge ran concurrently: {most}");
    assert!(most <= 16, "at most the pool's 16 connections: {most}");
}
