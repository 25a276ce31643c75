//! One conformance suite, run against every backend: the lifecycle on the log, projections equal to a
//! replay and to a rebuild, append-only triggers, tamper detection, concurrency, atomicity.

mod support;

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use motcua_domain::calendar::{WorkCalendar, YearSchedule};
use motcua_domain::catalogue::{
    Announcement, GapKind, Item, Posting, SearchFilter, SearchIndex, posting_gaps,
};
use motcua_domain::dossier::{
    Actor, Applicant, Channel, Command, Dossier, Outcome, Paper, PauseKind, Rating, Status,
    from_local,
};
use motcua_domain::procedure::ProcedureRef;
use motcua_domain::procedure::ProcedureSpec;
use motcua_store::dossiers::{self, Filter, Request, Target};
use motcua_store::ledger::{self, Finding};
use motcua_store::{Store, StoreError, Value, calendar, org, procedures};
use support::*;

fn cal() -> &'static WorkCalendar {
    static CAL: std::sync::LazyLock<WorkCalendar> = std::sync::LazyLock::new(WorkCalendar::vietnam);
    &CAL
}

fn vn(s: &str) -> DateTime<Utc> {
    from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

fn applicant(i: usize) -> Applicant {
    Applicant {
        full_name: format!("Người nộp {i}"),
        id_number: Some("066090001234".into()),
        phone: format!("09050{i:05}"),
        email: None,
        address: None,
        date_of_birth: None,
        sex: None,
        kind: Default::default(),
        representative: None,
        notify: None,
        sealed: None,
    }
}

fn receive(unit: &str, i: usize) -> Command {
    Command::Receive {
        code: String::new(),
        channel: Channel::Desk,
        procedure: Some(ProcedureRef::from(&procedure())),
        unit: Some(unit.into()),
        applicant: Some(applicant(i)),
        papers: Some(vec![Paper {
            name: "Giấy đề nghị đăng ký hộ kinh doanh".into(),
            copies: 1,
            file: None,
            kind: None,
        }]),
        details: Default::default(),
    }
}

fn run(
    store: &Store,
    target: Target,
    command: Command,
    now: DateTime<Utc>,
) -> Result<dossiers::Outcome, StoreError> {
    execute_one(store, cal(), target, command, now)
}

fn count(store: &Store, table: &str) -> i64 {
    store
        .read(|tx| {
            tx.query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])?
                .unwrap()
                .i64(0)
        })
        .unwrap()
}

/// A handful of dossiers through several paths.
fn populate(store: &Store) -> Vec<i64> {
    let mut ids = vec![];
    for i in 0..6 {
        let t = vn("2025-03-10T08:00") + TimeDelta::minutes(17 * i as i64);
        let mut o = run(store, Target::New, receive(TOWN, i), t).unwrap();
        ids.push(o.id);
        if i % 2 == 0 {
            o = run(
                store,
                on(&o),
                Command::HandOver {
                    to_unit: FINANCE.into(),
                    external: false,
                    note: String::new(),
                    to_staff: None,
                },
                t + TimeDelta::hours(1),
            )
            .unwrap();
        }
        if i % 3 == 0 {
            o = run(
                store,
                on(&o),
                Command::MarkResultReady {
                    outcome: Outcome::Approved,
                },
                t + TimeDelta::days(1),
            )
            .unwrap();
            run(
                store,
                on(&o),
                Command::Return {
                    to_whom: "Người nộp".into(),
                },
                t + TimeDelta::days(2),
            )
            .unwrap();
        }
    }
    ids
}

fn projection(store: &Store) -> Vec<Vec<Value>> {
    store
        .read(|tx| {
            Ok(tx
                .query("SELECT * FROM dossiers ORDER BY id", &[])?
                .into_iter()
                .map(|r| r.0)
                .collect())
        })
        .unwrap()
}

#[test]
fn lifecycle_replay_and_rebuild() {
    for (name, url) in backends() {
        let store = seeded(&url);
        let ids = populate(&store);
        store
            .read(|tx| {
                for &id in &ids {
                    let state = dossiers::load(tx, id)?;
                    let replayed = Dossier::replay(&dossiers::history(tx, id)?)?;
                    assert_eq!(state, replayed, "{name}: projection equals replay");
                }
                Ok(())
            })
            .unwrap();
        let codes: Vec<String> = store
            .read(|tx| {
                ids.iter()
                    .map(|&id| Ok(dossiers::load(tx, id)?.code.unwrap()))
                    .collect()
            })
            .unwrap();
        let expected: Vec<String> = (1..=6).map(|i| format!("{TOWN}-250310-{i:04}")).collect();
        assert_eq!(codes, expected, "{name}");

        let before = projection(&store);
        let rebuilt = store.write(dossiers::rebuild).unwrap();
        assert_eq!(rebuilt, 6);
        assert_eq!(
            projection(&store),
            before,
            "{name}: rebuild gives identical projections"
        );
        // Counters were rebuilt too: the next code continues the day's sequence.
        let o = run(
            &store,
            Target::New,
            receive(TOWN, 9),
            vn("2025-03-10T15:00"),
        )
        .unwrap();
        assert_eq!(
            o.dossier.code.unwrap(),
            format!("{TOWN}-250310-0007"),
            "{name}"
        );

        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        assert!(report.findings.is_empty(), "{name}: {:?}", report.findings);
        assert_eq!(report.dossiers, 7);
    }
}

#[test]
fn lists_filter_and_paginate() {
    for (name, url) in backends() {
        let store = seeded(&url);
        let ids = populate(&store);
        let all = |f: Filter| {
            let mut seen = vec![];
            let mut f = Filter { limit: 2, ..f };
            loop {
                let page = store.read(|tx| dossiers::list(tx, &f)).unwrap();
                if page.is_empty() {
                    break;
                }
                f.after = Some(dossiers::cursor_of(page.last().unwrap()));
                seen.extend(page.into_iter().map(|s| s.id));
            }
            seen
        };
        let mut everything = all(Filter::default());
        everything.sort();
        assert_eq!(
            everything, ids,
            "{name}: pagination sees every dossier once"
        );
        let at_finance = all(Filter {
            units: Some(vec![FINANCE.into()]),
            status: Some(Status::Processing),
            ..Filter::default()
        });
        assert_eq!(
            at_finance.len(),
            2,
            "{name}: dossiers 2 and 4 wait at finance"
        );
        let overdue = all(Filter {
            overdue_at: Some(vn("2025-03-20T08:00")),
            ..Filter::default()
        });
        assert_eq!(
            overdue.len(),
            4,
            "{name}: every open dossier is overdue by the 20th"
        );
        let returned = all(Filter {
            status: Some(Status::Returned),
            ..Filter::default()
        });
        assert_eq!(returned.len(), 2, "{name}");
    }
}

#[test]
fn the_log_refuses_update_and_delete() {
    for (name, url) in backends() {
        let store = seeded(&url);
        populate(&store);
        for sql in [
            "UPDATE events SET payload = '{}' WHERE seq = 1",
            "DELETE FROM events WHERE seq = 2",
            "UPDATE ledger SET events = '[]'",
            "DELETE FROM ledger",
        ] {
            let e = store.write(|tx| tx.exec(sql, &[])).unwrap_err();
            assert!(e.to_string().contains("append-only"), "{name}: {sql}: {e}");
        }
    }
}

/// Writes held back to be sent with the next read or the commit (`exec_later`, pipelined on
/// PostgreSQL) keep their order, are seen by the transaction's later reads, and fail the whole
/// transaction when one of them fails: nothing of it stays.
#[test]
fn later_writes_keep_order_and_fail_the_whole_transaction() {
    for (name, url) in backends() {
        let store = seeded(&url);
        store
            .write(|tx| tx.batch("CREATE TABLE later_t (k BIGINT PRIMARY KEY, v TEXT NOT NULL)"))
            .unwrap();
        let seen = store
            .write(|tx| {
                tx.exec_later(
                    "INSERT INTO later_t (k, v) VALUES ($1, $2)",
                    &[Value::Int(1), Value::from("a")],
                )?;
                tx.exec_later(
                    "UPDATE later_t SET v = $1 WHERE k = $2",
                    &[Value::from("b"), Value::Int(1)],
                )?;
                tx.query_one("SELECT v FROM later_t WHERE k = 1", &[])
            })
            .unwrap()
            .unwrap();
        assert_eq!(
            seen.str(0).unwrap(),
            "b",
            "{name}: a read sees the earlier writes, in order"
        );
        // Reads sent together answer in order, after the writes held before them.
        let answers = store
            .write(|tx| {
                tx.exec_later(
                    "INSERT INTO later_t (k, v) VALUES ($1, $2)",
                    &[Value::Int(5), Value::from("e")],
                )?;
                tx.query_batch(&[
                    ("SELECT v FROM later_t WHERE k = $1", &[Value::Int(5)]),
                    ("SELECT COUNT(*) FROM later_t", &[]),
                    ("SELECT v FROM later_t WHERE k = $1", &[Value::Int(1)]),
                ])
            })
            .unwrap();
        assert_eq!(answers.len(), 3, "{name}");
        assert_eq!(answers[0][0].str(0).unwrap(), "e", "{name}");
        assert_eq!(answers[1][0].i64(0).unwrap(), 2, "{name}");
        assert_eq!(answers[2][0].str(0).unwrap(), "b", "{name}");
        store
            .write(|tx| tx.exec("DELETE FROM later_t WHERE k = 5", &[]))
            .unwrap();
        // The second row breaks the key: the error comes, and the first row does not stay.
        let e = store
            .write(|tx| {
                tx.exec_later(
                    "INSERT INTO later_t (k, v) VALUES ($1, $2)",
                    &[Value::Int(2), Value::from("c")],
                )?;
                tx.exec_later(
                    "INSERT INTO later_t (k, v) VALUES ($1, $2)",
                    &[Value::Int(1), Value::from("d")],
                )?;
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(e, StoreError::Constraint(_)), "{name}: {e}");
        let rows = store
            .read(|tx| tx.query("SELECT k, v FROM later_t ORDER BY k", &[]))
            .unwrap();
        assert_eq!(
            rows.len(),
            1,
            "{name}: nothing of the failed transaction stays"
        );
        assert_eq!(rows[0].str(1).unwrap(), "b", "{name}");
        // The connection is usable afterwards, and a failure in `f` sends nothing held back.
        let e = store
            .write(|tx| {
                tx.exec_later("DELETE FROM later_t", &[])?;
                Err::<(), _>(StoreError::Db("refused".into()))
            })
            .unwrap_err();
        assert!(e.to_string().contains("refused"), "{name}: {e}");
        assert_eq!(count(&store, "later_t"), 1, "{name}");
        // A read, then a single write held back: the commit sends it.
        store
            .write(|tx| {
                tx.query("SELECT COUNT(*) FROM later_t", &[])?;
                tx.exec_later(
                    "INSERT INTO later_t (k, v) VALUES ($1, $2)",
                    &[Value::Int(7), Value::from("g")],
                )
            })
            .unwrap();
        assert_eq!(
            count(&store, "later_t"),
            2,
            "{name}: the last write was committed"
        );
    }
}

/// The public lookup's quick path (the lookups of the same moment read together in one statement
/// on PostgreSQL; on SQLite a snapshot shared by the reads that follow) gives each caller the answer the
/// general path gives: the right dossier for the right secret, nothing for a wrong one, however
/// many ask at once, on both backends.
#[test]
fn batched_lookups_answer_each_caller_as_the_general_path_does() {
    for (name, url) in backends() {
        let store = seeded(&url);
        populate(&store);
        let named: Vec<(String, String, String)> = store
            .read(|tx| {
                tx.query(
                    "SELECT l.code, a.reference, a.secret FROM public_lookup l \
                     JOIN public_access a ON a.dossier_id = l.dossier_id ORDER BY l.dossier_id",
                    &[],
                )
            })
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.string(0).unwrap(),
                    r.string(1).unwrap(),
                    r.string(2).unwrap(),
                )
            })
            .collect();
        assert!(named.len() >= 6, "{name}");
        let mut asks = vec![];
        for (code, reference, secret) in &named {
            asks.push((code.to_lowercase(), secret.clone()));
            // The same dossier asked for twice at once: both get it.
            asks.push((code.clone(), secret.clone()));
            asks.push((code.clone(), secret.clone()));
            asks.push((reference.clone(), secret.clone()));
            asks.push((code.clone(), "WRONGSECRET".to_owned()));
            asks.push(("000.00.00.H00-000000-9999".to_owned(), secret.clone()));
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let quick = rt
            .block_on(futures_util::future::join_all(asks.iter().map(
                |(typed, secret)| motcua_store::lookup::find_quick(&store, typed, secret),
            )));
        let mut answered = 0;
        for ((typed, secret), quick) in asks.iter().zip(quick) {
            let general = store
                .read(|tx| motcua_store::lookup::find(tx, typed, secret))
                .unwrap()
                .map(|f| f.answer().unwrap());
            match quick.unwrap() {
                Some(q) => {
                    answered += 1;
                    assert_eq!(q, general, "{name}: {typed}");
                }
                // Declined (a name the projection does not hold): the general path answers.
                None => assert!(general.is_none(), "{name}: {typed}"),
            }
        }
        // Every ask but the unknown code is answered by the quick path itself.
        assert_eq!(answered, named.len() * 5, "{name}");
        drop(store);
        drop(rt);
    }
}

/// On PostgreSQL the quick lookup's answers are kept in memory, and every committed change to a
/// lookup row, by whoever makes it (here another store on the same database, as another server
/// would), is seen: a row changed, a row gone, the whole projection rebuilt, and a change made
/// while the listening connection was cut.
#[test]
fn kept_lookup_answers_give_way_to_every_committed_change() {
    let Some(url) = postgres_url() else {
        return;
    };
    let server = seeded(&url);
    populate(&server);
    let other = Store::open(&url).unwrap();
    let (code, secret): (String, String) = other
        .read(|tx| {
            let r = tx
                .query_one(
                    "SELECT code, secret FROM public_lookup WHERE secret IS NOT NULL \
                     ORDER BY dossier_id LIMIT 1",
                    &[],
                )?
                .unwrap();
            Ok((r.string(0)?, r.string(1)?))
        })
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let quick = || {
        rt.block_on(motcua_store::lookup::find_quick(&server, &code, &secret))
            .unwrap()
            .flatten()
            .map(|a| a.answer)
    };
    let hits = || server.stats().lookup_cache.unwrap().hits;
    // Waits up to 10 s for `done`.
    let until = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "{what}");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    };
    // Asked until an answer comes from memory (the first asks start the listening).
    let until_kept = |what: &str| {
        until(what, &|| {
            let before = hits();
            quick();
            hits() > before
        })
    };
    let was = quick().expect("found");
    until_kept("kept");
    assert_eq!(quick(), Some(was.clone()));
    // A row changed by another server.
    let change = |sql: &str| {
        other
            .write(|tx| tx.exec(sql, &[Value::from(code.as_str())]))
            .unwrap();
    };
    change("UPDATE public_lookup SET answer = answer || ' ' WHERE code = $1");
    until("the change is seen", &|| quick() == Some(format!("{was} ")));
    // The whole projection rebuilt: everything is forgotten.
    other.write(dossiers::rebuild).unwrap();
    until("the rebuild is seen", &|| quick() == Some(was.clone()));
    // A change this server makes is seen at once, before its announcement: one dossier's row
    // written as the write path writes it, and any other statement on the table.
    until_kept("kept after the rebuild");
    server
        .write(|tx| {
            let r = tx
                .query_one(
                    "SELECT dossier_id, view FROM public_lookup WHERE code = $1",
                    &[Value::from(code.as_str())],
                )?
                .unwrap();
            tx.exec(
                motcua_store::lookup::SAVE,
                &[
                    Value::Int(r.i64(0)?),
                    Value::from(code.as_str()),
                    Value::from(r.string(1)?),
                    Value::from(format!("{was}\n")),
                ],
            )
        })
        .unwrap();
    assert_eq!(quick(), Some(format!("{was}\n")), "this server's own write");
    until_kept("kept again");
    server
        .write(|tx| {
            tx.exec(
                "UPDATE public_lookup SET answer = answer || 'x' WHERE code = $1",
                &[Value::from(code.as_str())],
            )
        })
        .unwrap();
    assert_eq!(
        quick(),
        Some(format!("{was}\nx")),
        "this server's own statement"
    );
    other.write(dossiers::rebuild).unwrap();
    until("rebuilt again", &|| quick() == Some(was.clone()));
    // The listening connection cut: nothing is served from memory until it listens again, and a
    // change made meanwhile is seen.
    other
        .write(|tx| {
            tx.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND query LIKE 'LISTEN motcua_public_lookup%'",
                &[],
            )
        })
        .unwrap();
    until("the cut is noticed", &|| {
        !server.stats().lookup_cache.unwrap().live
    });
    change("UPDATE public_lookup SET answer = answer || '  ' WHERE code = $1");
    assert_eq!(quick(), Some(format!("{was}  ")));
    until("listening again", &|| {
        server.stats().lookup_cache.unwrap().live
    });
    until_kept("kept again");
    // A row gone: the quick path no longer finds it (and leaves it to the general path).
    change("DELETE FROM public_lookup WHERE code = $1");
    until("the deletion is seen", &|| {
        rt.block_on(motcua_store::lookup::find_quick(&server, &code, &secret))
            .unwrap()
            .is_none()
    });
    // The runtime that ran the listening task shut down: nothing is served from memory until a
    // lookup on another runtime listens again.
    drop(rt);
    assert!(!server.stats().lookup_cache.unwrap().live);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    until("listening on the new runtime", &|| {
        rt.block_on(motcua_store::lookup::find_quick(
            &server,
            "W000000000000",
            &secret,
        ))
        .unwrap();
        server.stats().lookup_cache.unwrap().live
    });
    drop(server);
    drop(rt);
}

/// Drops the append-only triggers, as someone with direct write access could.
fn drop_triggers(store: &Store, name: &str) {
    let sql = if name == "sqlite" {
        "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; \
         DROP TRIGGER ledger_no_update; DROP TRIGGER ledger_no_delete;"
    } else {
        "DROP TRIGGER events_append_only ON events; DROP TRIGGER ledger_append_only ON ledger;"
    };
    store.write(|tx| tx.batch(sql)).unwrap();
}

#[test]
fn verify_names_every_kind_of_tampering() {
    type Case = (&'static str, &'static str, fn(&Finding) -> bool);
    let cases: [Case; 5] = [
        (
            "edit",
            "UPDATE events SET payload = REPLACE(payload, '\"commitment\":\"', '\"commitment\":\"f') WHERE dossier_id = 2 AND seq = 1",
            |f| {
                matches!(
                    f,
                    Finding::EventEdited {
                        dossier_id: 2,
                        seq: 1,
                        ..
                    }
                )
            },
        ),
        (
            "delete",
            "DELETE FROM events WHERE dossier_id = 1 AND seq = 2",
            |f| {
                matches!(
                    f,
                    Finding::EventDeleted {
                        dossier_id: 1,
                        seq: 2,
                        ..
                    }
                )
            },
        ),
        (
            "reorder",
            "UPDATE events SET seq = CASE seq WHEN 2 THEN 3 ELSE 2 END WHERE dossier_id = 1 AND seq IN (2, 3)",
            |f| matches!(f, Finding::EventsReordered { dossier_id: 1, .. }),
        ),
        ("erase", "DELETE FROM events WHERE dossier_id = 4", |f| {
            matches!(f, Finding::DossierErased { dossier_id: 4, .. })
        }),
        (
            "insert",
            "INSERT INTO events (dossier_id, seq, at, actor, kind, payload, prev_hash, hash) \
             SELECT dossier_id, 99, at, actor, kind, payload, hash, hash FROM events WHERE dossier_id = 3 AND seq = 1",
            |f| {
                matches!(
                    f,
                    Finding::EventInserted {
                        dossier_id: 3,
                        seq: 99,
                        ..
                    }
                )
            },
        ),
    ];
    for (case, sql, expected) in cases {
        for (name, url) in backends() {
            let store = seeded(&url);
            populate(&store);
            let clean = store.read(|tx| ledger::verify(tx, &[])).unwrap();
            assert!(clean.findings.is_empty(), "{name}: clean before {case}");
            drop_triggers(&store, name);
            // Reordering under a unique (dossier_id, seq) needs a detour through a free number.
            if case == "reorder" {
                store
                    .write(|tx| {
                        tx.batch(
                            "UPDATE events SET seq = 100 WHERE dossier_id = 1 AND seq = 2; \
                             UPDATE events SET seq = 2 WHERE dossier_id = 1 AND seq = 3; \
                             UPDATE events SET seq = 3 WHERE dossier_id = 1 AND seq = 100;",
                        )
                    })
                    .unwrap();
            } else {
                let n = store.write(|tx| tx.exec(sql, &[])).unwrap();
                assert!(n > 0, "{name}: {case} changed something");
            }
            let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
            assert!(
                report.findings.iter().any(expected),
                "{name}: {case} not named: {:?}",
                report.findings
            );
            // Every finding reads in both languages.
            for f in &report.findings {
                let s = f.to_string();
                assert!(s.contains(" / "), "{s}");
            }
        }
    }
}

#[test]
fn rewriting_a_dossier_chain_and_its_ledger_entry_is_still_caught() {
    for (name, url) in backends() {
        let store = seeded(&url);
        populate(&store);
        let head = store
            .read(|tx| ledger::verify(tx, &[]))
            .unwrap()
            .head
            .unwrap();
        drop_triggers(&store, name);
        // Edit dossier 1's first event and recompute its hash, the ledger entry and the ledger chain:
        // the next event of the dossier still points at the old hash, and the anchor no longer matches.
        let hash = store
            .write(|tx| {
                let r = tx
                    .query_one(
                        "SELECT id, at, actor, kind, payload FROM events WHERE dossier_id = 1 AND seq = 1",
                        &[],
                    )?
                    .unwrap();
                let payload = r.string(4)?.replace("\"commitment\":\"", "\"commitment\":\"f");
                let hash = ledger::event_hash(&ledger::EventFields {
                    dossier_id: 1,
                    seq: 1,
                    at: r.i64(1)?,
                    actor: r.str(2)?,
                    kind: r.str(3)?,
                    payload: &payload,
                    prev_hash: ledger::GENESIS,
                });
                tx.exec(
                    "UPDATE events SET payload = $1, hash = $2 WHERE id = $3",
                    &[Value::Text(payload), Value::from(&hash), Value::Int(r.i64(0)?)],
                )?;
                Ok(hash)
            })
            .unwrap();
        rewrite_ledger(&store, |mut lists| {
            for item in lists.iter_mut().flatten() {
                if item.dossier_id == 1 && item.seq == 1 {
                    item.hash = hash.clone();
                }
            }
            lists
        });
        let report = store
            .read(|tx| ledger::verify(tx, std::slice::from_ref(&head)))
            .unwrap();
        assert!(
            report.findings.iter().any(|f| matches!(
                f,
                Finding::ChainBroken {
                    dossier_id: 1,
                    seq: 2,
                    ..
                }
            )),
            "{name}: {:?}",
            report.findings
        );
        assert!(
            report
                .findings
                .iter()
                .any(|f| matches!(f, Finding::AnchorMismatch { .. })),
            "{name}: {:?}",
            report.findings
        );
    }
}

/// Rewrites every ledger entry's list of events as `f` makes it (as many entries as before), with
/// the ledger chain and head recomputed: what someone with write access and the code could do.
fn rewrite_ledger(
    store: &Store,
    f: impl FnOnce(Vec<Vec<ledger::LedgerItem>>) -> Vec<Vec<ledger::LedgerItem>>,
) {
    store
        .write(|tx| {
            let entries = tx.query("SELECT seq, at, events FROM ledger ORDER BY seq", &[])?;
            let lists = entries
                .iter()
                .map(|e| e.json::<Vec<ledger::LedgerItem>>(2))
                .collect::<Result<Vec<_>, _>>()?;
            let lists = f(lists);
            assert_eq!(lists.len(), entries.len());
            let mut prev = ledger::GENESIS.to_owned();
            for (e, items) in entries.iter().zip(lists) {
                let events = serde_json::to_string(&items).unwrap();
                let h = ledger::ledger_hash(e.i64(0)?, e.i64(1)?, &events, &prev);
                tx.exec(
                    "UPDATE ledger SET events = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
                    &[
                        Value::Text(events),
                        Value::from(&prev),
                        Value::from(&h),
                        Value::Int(e.i64(0)?),
                    ],
                )?;
                prev = h;
            }
            tx.exec(
                "UPDATE ledger_head SET hash = $1 WHERE id = 1",
                &[Value::Text(prev)],
            )?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_ledger_listing_events_out_of_order_is_still_judged_right() {
    for (name, url) in backends() {
        let store = seeded(&url);
        populate(&store);
        let events = store
            .read(|tx| tx.query_one("SELECT COUNT(*) FROM events", &[]))
            .unwrap()
            .unwrap()
            .i64(0)
            .unwrap();
        drop_triggers(&store, name);
        // The entries' lists in reverse order: the last events listed first. Every event is still
        // listed once, as it is, so nothing is wrong with the events (only an anchor would tell).
        rewrite_ledger(&store, |mut lists| {
            lists.reverse();
            lists
        });
        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        assert_eq!(report.findings, vec![], "{name}: reversed and intact");
        assert_eq!(report.events, events, "{name}");
        // In that order, a deletion (and the broken link after it) and an edit are still named,
        // and nothing else is.
        store
            .write(|tx| {
                tx.batch(
                    "DELETE FROM events WHERE dossier_id = 1 AND seq = 2; \
                     UPDATE events SET payload = REPLACE(payload, '\"commitment\":\"', '\"commitment\":\"f') \
                     WHERE dossier_id = 2 AND seq = 1;",
                )
            })
            .unwrap();
        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        let mut named: Vec<_> = report
            .findings
            .iter()
            .map(|f| match f {
                Finding::EventDeleted {
                    dossier_id, seq, ..
                } => ("deleted", *dossier_id, *seq),
                Finding::EventEdited {
                    dossier_id, seq, ..
                } => ("edited", *dossier_id, *seq),
                Finding::ChainBroken {
                    dossier_id, seq, ..
                } => ("chain broken", *dossier_id, *seq),
                other => panic!("{name}: unexpected {other:?}"),
            })
            .collect();
        named.sort();
        assert_eq!(
            named,
            vec![("chain broken", 1, 3), ("deleted", 1, 2), ("edited", 2, 1)],
            "{name}"
        );
        // An event listed a second time, with another hash: the second record is judged too.
        rewrite_ledger(&store, |mut lists| {
            let mut again = lists
                .iter()
                .flatten()
                .find(|i| i.dossier_id == 3)
                .unwrap()
                .clone();
            again.hash = "0".repeat(64);
            lists.last_mut().unwrap().push(again);
            lists
        });
        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        assert!(
            report
                .findings
                .iter()
                .any(|f| matches!(f, Finding::EventEdited { dossier_id: 3, .. })),
            "{name}: {:?}",
            report.findings
        );
    }
}

#[test]
fn concurrent_actions_on_one_version_give_one_success() {
    for (name, url) in backends() {
        let store = Arc::new(seeded(&url));
        let o = run(
            &store,
            Target::New,
            receive(TOWN, 0),
            vn("2025-03-10T08:00"),
        )
        .unwrap();
        let target = on(&o);
        let threads = 8;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let store = store.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    run(
                        &store,
                        target,
                        Command::HandOver {
                            to_unit: if i % 2 == 0 {
                                FINANCE.into()
                            } else {
                                TAX.into()
                            },
                            external: i % 2 == 1,
                            note: format!("thread {i}"),
                            to_staff: None,
                        },
                        vn("2025-03-10T09:00"),
                    )
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let conflicts = results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict { .. })))
            .count();
        assert_eq!((ok, conflicts), (1, threads - 1), "{name}: {results:?}");
        let d = store.read(|tx| dossiers::load(tx, o.id)).unwrap();
        assert_eq!(d.version, 2, "{name}: exactly one hand-over recorded");
    }
}

#[test]
fn codes_stay_unique_and_gapless_under_concurrent_reception() {
    for (name, url) in backends() {
        let store = Arc::new(seeded(&url));
        let threads = 6;
        let per_thread = 10;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let store = store.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..per_thread)
                        .map(|i| {
                            run(
                                &store,
                                Target::New,
                                receive(WARD, t * 100 + i),
                                vn("2025-08-04T10:00"),
                            )
                            .unwrap()
                            .dossier
                            .code
                            .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let codes: BTreeSet<String> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        let expected: BTreeSet<String> = (1..=threads * per_thread)
            .map(|i| format!("{WARD}-250804-{i:04}"))
            .collect();
        assert_eq!(codes, expected, "{name}");
        let report = store.read(|tx| ledger::verify(tx, &[])).unwrap();
        assert!(report.findings.is_empty(), "{name}: {:?}", report.findings);
        assert_eq!(report.ledger_entries as usize, threads * per_thread);
    }
}

#[test]
fn refused_commands_change_nothing() {
    for (name, url) in backends() {
        let store = seeded(&url);
        let o = run(
            &store,
            Target::New,
            receive(TOWN, 0),
            vn("2025-03-10T08:00"),
        )
        .unwrap();
        let events = count(&store, "events");
        let ledger = count(&store, "ledger");
        let counters: i64 = store
            .read(|tx| {
                tx.query_one("SELECT last FROM code_counters", &[])?
                    .unwrap()
                    .i64(0)
            })
            .unwrap();
        let before = projection(&store);
        // Illegal in this state.
        let e = run(
            &store,
            on(&o),
            Command::Return {
                to_whom: "A".into(),
            },
            vn("2025-03-10T09:00"),
        );
        assert!(matches!(e, Err(StoreError::Domain(_))), "{name}");
        // Stale version.
        let e = run(
            &store,
            Target::Existing {
                id: o.id,
                expected_version: 0,
            },
            Command::Resume,
            vn("2025-03-10T09:00"),
        );
        assert!(matches!(e, Err(StoreError::Conflict { .. })), "{name}");
        // Unknown dossier.
        let e = run(
            &store,
            Target::Existing {
                id: 999,
                expected_version: 1,
            },
            Command::Resume,
            vn("2025-03-10T09:00"),
        );
        assert!(matches!(e, Err(StoreError::NotFound(_))), "{name}");
        // A reception that fails validation after taking a code gives the code back.
        let mut bad = applicant(1);
        bad.phone = "x".into();
        let e = run(
            &store,
            Target::New,
            Command::Receive {
                code: String::new(),
                channel: Channel::Desk,
                procedure: Some(ProcedureRef::from(&procedure())),
                unit: Some(TOWN.into()),
                applicant: Some(bad),
                papers: None,
                details: Default::default(),
            },
            vn("2025-03-10T09:00"),
        );
        assert!(matches!(e, Err(StoreError::Domain(_))), "{name}");
        // A batch whose second command fails writes nothing of the first.
        let cal = cal();
        let e = store.write(|tx| {
            dossiers::execute(
                tx,
                cal,
                vec![
                    Request {
                        target: Target::New,
                        actor: Actor::Import {
                            staff: None,
                            source: "test".into(),
                        },
                        command: receive(TOWN, 5),
                        now: vn("2025-03-10T10:00"),
                    },
                    Request {
                        target: on(&o),
                        actor: Actor::Import {
                            staff: None,
                            source: "test".into(),
                        },
                        command: Command::Resume,
                        now: vn("2025-03-10T10:00"),
                    },
                ],
            )
        });
        assert!(e.is_err(), "{name}");
        assert_eq!(count(&store, "events"), events, "{name}");
        assert_eq!(count(&store, "ledger"), ledger, "{name}");
        assert_eq!(projection(&store), before, "{name}");
        let after: i64 = store
            .read(|tx| {
                tx.query_one("SELECT last FROM code_counters", &[])?
                    .unwrap()
                    .i64(0)
            })
            .unwrap();
        assert_eq!(after, counters, "{name}: no code was used up");
    }
}

#[test]
fn calendar_imports_apply_and_bad_ones_change_nothing() {
    for (name, url) in backends() {
        let store = seeded(&url);
        let schedule = YearSchedule::parse(
            r#"{"year":2027,"sources":["test"],"days_off":[{"date":"2027-03-03","reason":"Ngày nghỉ thử"}]}"#,
        )
        .unwrap();
        store
            .write(|tx| calendar::import(tx, &schedule, "admin", vn("2026-11-01T08:00")))
            .unwrap();
        let cal = store.read(calendar::work_calendar).unwrap();
        let day = cal.day(d("2027-03-03")).unwrap();
        assert!(!day.working && day.official, "{name}");
        let mut bad = schedule.clone();
        bad.days_off.push(bad.days_off[0].clone());
        let before = count(&store, "calendar_imports");
        assert!(
            store
                .write(|tx| calendar::import(tx, &bad, "admin", vn("2026-11-01T08:00")))
                .is_err()
        );
        assert_eq!(count(&store, "calendar_imports"), before, "{name}");
    }
}

fn decision(number: &str, effective: &str, items: Vec<Item>) -> Announcement {
    Announcement {
        number: number.into(),
        date: d(effective),
        issuer: "Chủ tịch UBND tỉnh".into(),
        effective: d(effective),
        items,
    }
}

fn named(code: &str, name: &str) -> ProcedureSpec {
    let mut s = spec();
    s.code = code.into();
    s.name = name.into();
    s
}

#[test]
fn catalogue_imports_are_atomic_and_rebuildable() {
    for (name, url) in backends() {
        let store = seeded(&url);
        let versions = || count(&store, "procedure_versions");
        let before = versions();
        // The second decision abolishes what does not exist: neither decision is imported.
        let good = decision(
            "200/QĐ-UBND",
            "2021-01-01",
            vec![
                Item::New {
                    procedure: named("1.000894", "Đăng ký kết hôn"),
                },
                Item::Amended {
                    procedure: named("1.001612", "Đăng ký thành lập hộ kinh doanh"),
                },
            ],
        );
        let bad = decision(
            "201/QĐ-UBND",
            "2021-02-01",
            vec![
                Item::New {
                    procedure: named("1.004746", "Đăng ký lại kết hôn"),
                },
                Item::Abolished {
                    code: "9.999999".into(),
                    reason: String::new(),
                },
            ],
        );
        // A dossier received under version 1, before the amendment.
        let o = run(
            &store,
            Target::New,
            receive(TOWN, 1),
            vn("2020-12-30T08:00"),
        )
        .unwrap();
        assert_eq!(o.dossier.procedure.version, 1);
        let e = store
            .write(|tx| {
                procedures::import(tx, &[good.clone(), bad], "test", vn("2021-01-01T08:00"))
            })
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("201/QĐ-UBND") && msg.contains("dòng 2") && msg.contains("9.999999"),
            "{name}: {msg}"
        );
        assert_eq!(versions(), before, "{name}: nothing was imported");
        assert_eq!(count(&store, "announcements"), 1);
        // The good one alone goes in; importing it again is refused.
        store
            .write(|tx| {
                procedures::import(
                    tx,
                    std::slice::from_ref(&good),
                    "test",
                    vn("2021-01-01T08:00"),
                )
            })
            .unwrap();
        assert_eq!(versions(), before + 2, "{name}");
        assert!(
            store
                .write(|tx| procedures::import(tx, &[good], "test", vn("2021-01-01T08:00")))
                .is_err()
        );
        let v = store
            .read(|tx| procedures::in_force(tx, "1.001612", d("2021-06-01")))
            .unwrap();
        assert_eq!(v.version, 2, "{name}");
        let kept = store.read(|tx| dossiers::load(tx, o.id)).unwrap();
        assert_eq!(
            kept.procedure.version, 1,
            "{name}: a new version never changes a running dossier"
        );
        let old = store
            .read(|tx| procedures::in_force(tx, "1.001612", d("2020-12-31")))
            .unwrap();
        assert_eq!(
            (old.version, old.effective_to),
            (1, Some(d("2020-12-31"))),
            "{name}"
        );
        // A dossier received under version 1 keeps it.
        let all = |store: &Store| {
            store
                .read(|tx| {
                    Ok(tx
                        .query(
                            "SELECT * FROM procedure_versions ORDER BY code, version",
                            &[],
                        )?
                        .into_iter()
                        .map(|r| r.0)
                        .collect::<Vec<_>>())
                })
                .unwrap()
        };
        let snapshot = all(&store);
        store.write(procedures::rebuild).unwrap();
        assert_eq!(all(&store), snapshot, "{name}: rebuilt from the decisions");
        // Postings: refused for unknown versions, recorded otherwise, and the gaps follow.
        let posting = Posting {
            unit: TOWN.into(),
            code: "1.001612".into(),
            version: 1,
            posted_on: d("2020-03-01"),
        };
        store
            .write(|tx| procedures::record_posting(tx, &posting, "test", vn("2020-03-01T08:00")))
            .unwrap();
        let wrong = Posting {
            version: 7,
            ..posting.clone()
        };
        assert!(
            store
                .write(|tx| procedures::record_posting(tx, &wrong, "test", vn("2020-03-01T08:00")))
                .is_err()
        );
        let (cat, posted, town) = store
            .read(|tx| {
                Ok((
                    procedures::catalogue(tx)?,
                    procedures::postings(tx, Some(TOWN))?,
                    org::get_unit(tx, TOWN)?,
                ))
            })
            .unwrap();
        let gaps = posting_gaps(&cat, &town, &posted, d("2021-06-01"));
        let kinds: Vec<(&str, GapKind, NaiveDate)> = gaps
            .iter()
            .map(|g| (g.code.as_str(), g.kind, g.since))
            .collect();
        assert_eq!(
            kinds,
            [
                ("1.000894", GapKind::Missing, d("2021-01-01")),
                ("1.001612", GapKind::Outdated, d("2021-01-01"))
            ],
            "{name}"
        );
    }
}

#[test]
fn search_gives_the_same_answers_on_every_backend() {
    let mut answers: Vec<(String, Vec<Vec<String>>)> = vec![];
    for (name, url) in backends() {
        let store = seeded(&url);
        let items = [
            "Đăng ký kết hôn",
            "Đăng ký lại kết hôn",
            "Đăng ký khai sinh",
            "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
            "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        ]
        .iter()
        .enumerate()
        .map(|(i, n)| Item::New {
            procedure: named(&format!("1.10000{i}"), n),
        })
        .collect();
        store
            .write(|tx| {
                procedures::import(
                    tx,
                    &[decision("300/QĐ-UBND", "2022-01-01", items)],
                    "test",
                    vn("2022-01-01T08:00"),
                )
            })
            .unwrap();
        let cat = store.read(procedures::catalogue).unwrap();
        let index = SearchIndex::new(cat.all_in_force(d("2022-06-01")).cloned().collect());
        let queries = [
            "dang ky ket hon",
            "DANG KY KET HON",
            "đăng ký kết hôn",
            "Đăng Ký Kết Hôn",
            "chung thuc",
            "giay p",
            "ho kinh",
        ];
        let results: Vec<Vec<String>> = queries
            .iter()
            .map(|q| {
                index
                    .search(q, &SearchFilter::default())
                    .iter()
                    .map(|p| p.spec.code.clone())
                    .collect()
            })
            .collect();
        assert_eq!(results[0], results[1], "{name}");
        assert_eq!(results[0], results[2], "{name}");
        assert_eq!(results[0], results[3], "{name}");
        assert_eq!(results[0][0], "1.100000", "{name}: the exact name first");
        answers.push((name.to_owned(), results));
    }
    for w in answers.windows(2) {
        assert_eq!(w[0].1, w[1].1, "{} and {} answer alike", w[0].0, w[1].0);
    }
}

/// A small deterministic generator for the statistics tests (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Dossiers through every path the statistics distinguish, at random times over five months, some
/// crossing month ends, some late, some still in processing at `now`. Returns their ids.
fn generate(store: &Store, n: usize, now: DateTime<Utc>, seed: u64) -> Vec<i64> {
    let mut rng = Rng(seed);
    let cal = cal();
    let other = ProcedureRef {
        code: "2.000815".into(),
        ..ProcedureRef::from(&procedure())
    };
    let mut ids = vec![];
    for i in 0..n {
        let mut day = d("2025-01-02") + TimeDelta::days(rng.below(165) as i64);
        while !cal.is_working_day(day).unwrap() {
            day += TimeDelta::days(1);
        }
        let mut t = from_local(day.and_hms_opt(8, 0, 0).unwrap())
            + TimeDelta::minutes(rng.below(420) as i64);
        if t >= now {
            continue;
        }
        let unit = if rng.chance(70) { TOWN } else { WARD };
        let procedure = if rng.chance(60) {
            ProcedureRef::from(&procedure())
        } else {
            other.clone()
        };
        let channel = match rng.below(10) {
            0..=5 => Channel::Desk,
            6 => Channel::Post,
            _ => Channel::Online,
        };
        let papers = vec![Paper {
            name: "Giấy đề nghị đăng ký hộ kinh doanh".into(),
            copies: 1,
            file: (channel == Channel::Online).then(|| format!("{:064x}", i)),
            kind: None,
        }];
        let mut o = if channel == Channel::Online {
            let submitted = run(
                store,
                Target::New,
                Command::SubmitOnline {
                    procedure: procedure.clone(),
                    unit: unit.into(),
                    applicant: applicant(i),
                    papers: papers.clone(),
                },
                t - TimeDelta::hours(10),
            )
            .unwrap();
            if rng.chance(10) {
                let r = run(
                    store,
                    on(&submitted),
                    Command::Refuse {
                        reason: "Không thuộc thẩm quyền".into(),
                    },
                    t,
                )
                .unwrap();
                ids.push(r.id);
                continue;
            }
            run(
                store,
                on(&submitted),
                Command::Receive {
                    code: String::new(),
                    channel,
                    procedure: None,
                    unit: None,
                    applicant: None,
                    papers: None,
                    details: Default::default(),
                },
                t,
            )
            .unwrap()
        } else {
            run(
                store,
                Target::New,
                Command::Receive {
                    code: String::new(),
                    channel,
                    procedure: Some(procedure.clone()),
                    unit: Some(unit.into()),
                    applicant: Some(applicant(i)),
                    papers: Some(papers.clone()),
                    details: Default::default(),
                },
                t,
            )
            .unwrap()
        };
        ids.push(o.id);
        // Each later command happens some working hours on; a story stops at `now`.
        let step =
            |o: &mut dossiers::Outcome, t: &mut DateTime<Utc>, hours: u64, command: Command| {
                let at = from_local(
                    cal.add_working_seconds(dossier_local(*t), (hours * 3600) as i64)
                        .unwrap(),
                );
                if at >= now {
                    return false;
                }
                match run(store, on(o), command, at) {
                    Ok(next) => {
                        *o = next;
                        *t = at;
                        true
                    }
                    Err(_) => false,
                }
            };
        if rng.chance(5) {
            step(
                &mut o,
                &mut t,
                2,
                Command::Withdraw {
                    reason: "Người nộp xin rút".into(),
                },
            );
            continue;
        }
        let to = if rng.chance(25) { TAX } else { FINANCE };
        if !step(
            &mut o,
            &mut t,
            1 + rng.below(4),
            Command::HandOver {
                to_unit: to.into(),
                external: to == TAX,
                note: String::new(),
                to_staff: None,
            },
        ) {
            continue;
        }
        if rng.chance(10) {
            let _ = step(
                &mut o,
                &mut t,
                1,
                Command::Pause {
                    pause: PauseKind::FinancialObligation,
                    reason: "Chờ nộp thuế".into(),
                },
            ) && step(&mut o, &mut t, 4 + rng.below(30), Command::Resume);
        }
        if rng.chance(10) {
            let _ = step(
                &mut o,
                &mut t,
                2,
                Command::RequestSupplement {
                    items: vec!["Bản sao".into()],
                    reason: "Thiếu".into(),
                },
            ) && step(
                &mut o,
                &mut t,
                8 + rng.below(40),
                Command::Supplement {
                    note: "Đã bổ sung".into(),
                },
            );
        }
        if to == TAX {
            // The outside agency hands it back.
            if !step(
                &mut o,
                &mut t,
                2 + rng.below(20),
                Command::HandOver {
                    to_unit: FINANCE.into(),
                    external: false,
                    note: String::new(),
                    to_staff: None,
                },
            ) {
                continue;
            }
        }
        // 3 working days allowed: from well within to well past.
        if !step(
            &mut o,
            &mut t,
            2 + rng.below(40),
            Command::MarkResultReady {
                outcome: Outcome::Approved,
            },
        ) {
            continue;
        }
        if step(
            &mut o,
            &mut t,
            1 + rng.below(16),
            Command::Return {
                to_whom: "Người nộp".into(),
            },
        ) && rng.chance(60)
        {
            let rating = match rng.below(10) {
                0..=5 => Rating::VerySatisfied,
                6..=8 => Rating::Satisfied,
                _ => Rating::Unsatisfied,
            };
            let at = t + TimeDelta::hours(1);
            if at < now {
                o = run(
                    store,
                    on(&o),
                    Command::Rate {
                        rating,
                        comment: String::new(),
                    },
                    at,
                )
                .unwrap();
            }
        }
    }
    ids
}

fn dossier_local(t: DateTime<Utc>) -> NaiveDateTime {
    motcua_domain::dossier::to_local(t)
}

#[test]
fn statistics_equal_a_brute_force_count_and_survive_a_rebuild() {
    use motcua_domain::stats::{Figures, Period, brute_force, brute_force_agencies};
    use motcua_store::stats::{self, Scope};
    for (name, url) in backends() {
        let store = seeded(&url);
        let now = vn("2025-06-18T10:00");
        let ids = generate(&store, 400, now, 7);
        let states: Vec<Dossier> = store
            .read(|tx| {
                ids.iter()
                    .map(|&id| Ok(Dossier::replay(&dossiers::history(tx, id)?)?))
                    .collect::<Result<_, StoreError>>()
            })
            .unwrap();
        let all_units: Vec<String> = [PROVINCE, TOWN, WARD, FINANCE, TAX]
            .map(String::from)
            .to_vec();
        let periods = [
            Period::month(202412),
            Period::month(202501),
            Period::month(202502),
            Period::month(202503),
            Period::month(202504),
            Period::month(202505),
            Period::month(202506),
            Period::month(202507),
            Period::quarter(2025, 1),
            Period::quarter(2025, 2),
            Period::year(2025),
            Period {
                from: 202502,
                to: 202505,
            },
        ];
        let scopes = [
            // Every unit: the queries leave the unit filter out.
            Scope {
                units: all_units.clone(),
                procedures: None,
                all: true,
            },
            Scope {
                units: vec![TOWN.into()],
                procedures: None,
                all: false,
            },
            Scope {
                units: vec![TAX.into(), WARD.into()],
                procedures: Some(vec!["2.000815".into()]),
                all: false,
            },
        ];
        let check = |label: &str| {
            let mut total = Figures::default();
            for p in &periods {
                let expected = brute_force(&states, p, now);
                for scope in &scopes {
                    let want: std::collections::BTreeMap<_, _> = expected
                        .iter()
                        .filter(|((u, c), _)| {
                            scope.units.contains(u)
                                && scope.procedures.as_ref().is_none_or(|ps| ps.contains(c))
                        })
                        .map(|(k, v)| (k.clone(), *v))
                        .collect();
                    let got = store.read(|tx| stats::figures(tx, scope, p, now)).unwrap();
                    assert_eq!(got, want, "{name} {label}: {p:?} {:?}", scope.units);
                    if scope.procedures.is_none() {
                        // The rollup by unit gives the same figures.
                        let mut by_unit: std::collections::BTreeMap<String, Figures> =
                            Default::default();
                        for ((u, _), f) in &want {
                            by_unit.entry(u.clone()).or_default().merge(f);
                        }
                        let got = store
                            .read(|tx| stats::per_unit(tx, &scope.units, p, now))
                            .unwrap();
                        assert_eq!(
                            got, by_unit,
                            "{name} {label}: rollup {p:?} {:?}",
                            scope.units
                        );
                        if scope.all {
                            let got = store.read(|tx| stats::per_every_unit(tx, p, now)).unwrap();
                            assert_eq!(got, by_unit, "{name} {label}: every unit {p:?}");
                        }
                        let mut online: Vec<String> = want
                            .iter()
                            .filter(|(_, f)| f.received_online > 0)
                            .map(|((_, c), _)| c.clone())
                            .collect();
                        online.sort();
                        online.dedup();
                        let mut got = store.read(|tx| stats::used_online(tx, scope, p)).unwrap();
                        got.sort();
                        assert_eq!(got, online, "{name} {label}: online procedures {p:?}");
                    }
                    if scope.units == all_units {
                        let mut by_procedure: std::collections::BTreeMap<String, Figures> =
                            Default::default();
                        for ((_, c), f) in &want {
                            by_procedure.entry(c.clone()).or_default().merge(f);
                        }
                        let got = store.read(|tx| stats::per_procedure(tx, p, now)).unwrap();
                        assert_eq!(got, by_procedure, "{name} {label}: procedure rollup {p:?}");
                    }
                    // Every listable figure lists exactly its dossiers.
                    let mut sum = Figures::default();
                    for f in want.values() {
                        sum.merge(f);
                    }
                    for column in dossiers::DRILLABLE {
                        let filter = Filter {
                            units: Some(scope.units.clone()),
                            by_receiving_unit: true,
                            procedures: scope.procedures.clone(),
                            cell: Some(dossiers::Cell {
                                column: column.into(),
                                period: *p,
                                now,
                            }),
                            limit: 500,
                            ..Filter::default()
                        };
                        let n = store.read(|tx| dossiers::count(tx, &filter)).unwrap();
                        assert_eq!(
                            n,
                            sum.column(column),
                            "{name} {label}: drill-down {column} {p:?} {:?}",
                            scope.units
                        );
                    }
                    if scope.procedures.is_none() {
                        let got = store.read(|tx| stats::agencies(tx, scope, p)).unwrap();
                        let want = brute_force_agencies(&states, &scope.units, p);
                        assert_eq!(
                            got, want,
                            "{name} {label} agencies: {p:?} {:?}",
                            scope.units
                        );
                    }
                }
                for f in expected.values() {
                    total.merge(f);
                }
            }
            // The data exercises every figure.
            for (what, n) in [
                ("carried", total.carried),
                ("desk", total.received_desk),
                ("post", total.received_post),
                ("online", total.received_online),
                ("early", total.resolved_early),
                ("on time", total.resolved_on_time),
                ("late", total.resolved_late),
                ("refused", total.refused),
                ("withdrawn", total.withdrawn),
                ("open in time", total.open_in_time),
                ("open overdue", total.open_overdue),
                ("rated", total.rated),
                ("satisfied", total.satisfied),
                ("digitised", total.digitised),
                ("supplemented", total.supplemented),
                ("step late", total.step_late),
            ] {
                assert!(n > 0, "{name}: the generated data has no {what}");
            }
        };
        let tax_steps = store
            .read(|tx| {
                stats::agencies(
                    tx,
                    &Scope {
                        units: all_units.clone(),
                        procedures: None,
                        all: false,
                    },
                    &Period::year(2025),
                )
            })
            .unwrap();
        assert!(
            tax_steps
                .get(TAX)
                .is_some_and(|c| c.iter().sum::<i64>() > 0),
            "{name}: the outside agency's steps are counted"
        );
        check("kept in the write transaction");
        // The 766 indicators of a report are the brute-force figures through the method's formulas.
        for p in [Period::quarter(2025, 1), Period::year(2025)] {
            let mut total = Figures::default();
            for f in brute_force(&states, &p, now).values() {
                total.merge(f);
            }
            let report = store
                .read(|tx| {
                    let catalogue = procedures::catalogue(tx)?;
                    motcua_store::reports::build(
                        tx,
                        &catalogue,
                        &motcua_store::reports::Request {
                            unit: PROVINCE.into(),
                            period: p,
                            by: motcua_domain::stats::By::Unit,
                            procedure: None,
                            field: None,
                        },
                        now,
                    )
                })
                .unwrap();
            assert_eq!(report.total, total, "{name}: report total {p:?}");
            let score = |code: &str| report.indicators.iter().find(|s| s.code == code).unwrap();
            // 2.1 counts what was handled: finished in the period or in processing at its end.
            let in_time = total.resolved_early + total.resolved_on_time + total.open_in_time;
            let handled = total.resolved() + total.open_in_time + total.open_overdue;
            assert_eq!(
                (score("2.1").numerator, score("2.1").denominator),
                (Some(in_time), Some(handled)),
                "{name}: 2.1 {p:?}"
            );
            let expected = 20.0 * in_time as f64 / handled as f64;
            assert!((score("2.1").points.unwrap() - expected.min(20.0)).abs() < 1e-9);
            let online = 6.0 * (total.received_online as f64 / total.received() as f64) / 0.5;
            assert!(
                (score("3.3").points.unwrap() - online.min(6.0)).abs() < 1e-9,
                "{name}: 3.3"
            );
            let satisfied = 6.0 * (total.satisfied as f64 / total.rated as f64) / 0.9;
            assert!(
                (score("5.4").points.unwrap() - satisfied.min(6.0)).abs() < 1e-9,
                "{name}: 5.4"
            );
            assert_eq!(score("4.2").numerator, Some(total.digitised));
            // Five groups whose points add up to the total, and a band for it.
            let index = report.index.as_ref().unwrap();
            assert_eq!(index.groups.len(), 5);
            let sum: f64 = index.groups.iter().map(|g| g.points).sum();
            assert!((sum - index.total).abs() < 1e-9 && index.band.is_some());
            // The average processing time: the dossiers received in the period and resolved since,
            // counted straight from the states.
            let mut processed = 0i64;
            let mut minutes = 0i64;
            for d in &states {
                if let (Some(r), Some(f)) = (d.received_at, d.finished_at)
                    && p.contains(r)
                {
                    processed += 1;
                    minutes += (f.timestamp_millis() - r.timestamp_millis()) / 60000;
                }
            }
            let avg = score("2.2");
            assert_eq!(
                (avg.numerator, avg.denominator),
                (Some(minutes), Some(processed)),
                "{name}: 2.2 {p:?}"
            );
            let per_unit: i64 = report
                .average_times
                .iter()
                .filter(|a| a.by == "unit")
                .map(|a| a.dossiers)
                .sum();
            assert_eq!(
                per_unit, processed,
                "{name}: the units' averages cover them all"
            );
            // Data motcua does not have stays "no data"; re-use (4.3), online payment (3.6) and
            // population data (4.5b) are counted, and these histories have none of them.
            assert!(score("1.1").points.is_none() && score("1.1").no_data.is_some());
            for code in ["3.6", "4.5b"] {
                assert!(score(code).no_data.is_none(), "{name} {code}");
                assert_eq!(score(code).numerator, Some(0), "{name} {code}");
            }
            assert!(score("4.3").no_data.is_none(), "{name}");
            assert_eq!(score("4.3").numerator, Some(0), "{name}");
        }
        let before = store.read(stats::all).unwrap();
        let rollup = store.read(stats::all_units).unwrap();
        let rollup_procedures = store.read(stats::all_procedures).unwrap();
        let steps = store.read(stats::all_steps_by_unit).unwrap();
        let cross = store.read(stats::all_cross).unwrap();
        assert!(!before.is_empty() && !rollup.is_empty() && !steps.is_empty());
        store.write(dossiers::rebuild).unwrap();
        assert_eq!(
            store.read(stats::all_procedures).unwrap(),
            rollup_procedures,
            "{name}: rebuild gives an identical procedure rollup"
        );
        assert_eq!(
            store.read(stats::all_units).unwrap(),
            rollup,
            "{name}: rebuild gives an identical rollup"
        );
        assert_eq!(
            store.read(stats::all).unwrap(),
            before,
            "{name}: rebuild gives identical counters"
        );
        assert_eq!(
            store.read(stats::all_steps_by_unit).unwrap(),
            steps,
            "{name}: rebuild gives identical steps by unit"
        );
        check("after a rebuild");
        // Migration 0024 fills the processing counters of a database older than them from its
        // dossiers: the same figures the write path keeps.
        let migration = match store.dialect() {
            motcua_store::db::Dialect::Sqlite => {
                include_str!("../migrations/sqlite/0024_processing_counters.sql")
            }
            motcua_store::db::Dialect::Postgres => {
                include_str!("../migrations/postgres/0024_processing_counters.sql")
            }
        };
        let backfill: String = migration
            .split(';')
            .map(|st| {
                st.lines()
                    .filter(|l| !l.starts_with("--"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .filter(|st| st.trim_start().starts_with("INSERT"))
            .map(|st| format!("{st};"))
            .collect();
        assert_eq!(backfill.matches("INSERT").count(), 5);
        store
            .write(|tx| {
                for table in ["stats", "stats_units", "stats_procedures"] {
                    tx.exec(
                        &format!("UPDATE {table} SET processed = 0, processing_minutes = 0"),
                        &[],
                    )?;
                }
                tx.exec(
                    "UPDATE stats_units SET did_early = 0, did_on_time = 0, did_late = 0",
                    &[],
                )?;
                tx.exec(
                    "UPDATE stats_cross SET processed = 0, processing_minutes = 0",
                    &[],
                )?;
                tx.batch(&backfill)
            })
            .unwrap();
        assert_eq!(
            store.read(stats::all).unwrap(),
            before,
            "{name}: migration 0024 fills the counters as the write path does"
        );
        assert_eq!(store.read(stats::all_units).unwrap(), rollup, "{name}");
        assert_eq!(
            store.read(stats::all_steps_by_unit).unwrap(),
            steps,
            "{name}"
        );
        assert_eq!(store.read(stats::all_cross).unwrap(), cross, "{name}");
        assert_eq!(
            store.read(stats::all_procedures).unwrap(),
            rollup_procedures,
            "{name}"
        );
    }
}

fn act(
    store: &Store,
    target: Target,
    staff: i64,
    command: Command,
    now: DateTime<Utc>,
) -> dossiers::Outcome {
    store
        .write(|tx| {
            dossiers::execute(
                tx,
                cal(),
                vec![Request {
                    target,
                    actor: Actor::Staff { id: staff },
                    command,
                    now,
                }],
            )
        })
        .map(|mut v| v.remove(0))
        .unwrap()
}

/// One dossier at `unit`, received on `day` at 08:00 by `desk`, handed over within the unit, its
/// result ready after `hours` working hours (3 working days allowed), returned, optionally rated.
/// Returns its code.
#[allow(clippy::too_many_arguments)]
fn planted(
    store: &Store,
    unit: &str,
    procedure: &ProcedureRef,
    desk: i64,
    day: &str,
    hours: i64,
    hand_over: bool,
    apology_on_due_day: bool,
    rating: Option<Rating>,
) -> String {
    let t = vn(&format!("{day}T08:00"));
    let receive = Command::Receive {
        code: String::new(),
        channel: Channel::Desk,
        procedure: Some(procedure.clone()),
        unit: Some(unit.into()),
        applicant: Some(applicant(1)),
        papers: Some(
            procedure
                .papers
                .iter()
                .map(|p| Paper {
                    name: p.name.clone(),
                    copies: p.copies,
                    file: None,
                    kind: None,
                })
                .collect(),
        ),
        details: Default::default(),
    };
    let mut o = act(store, Target::New, desk, receive, t);
    let code = o.dossier.code.clone().unwrap();
    if hand_over {
        o = act(
            store,
            on(&o),
            desk,
            Command::HandOver {
                to_unit: unit.into(),
                external: false,
                note: String::new(),
                to_staff: None,
            },
            t + TimeDelta::minutes(30),
        );
    }
    if apology_on_due_day {
        let due = o.dossier.due.unwrap();
        o = act(
            store,
            on(&o),
            desk,
            Command::Apologize {
                reason: "Cần xác minh".into(),
                new_appointment: due + TimeDelta::days(3),
            },
            due - TimeDelta::minutes(30),
        );
    }
    let done = from_local(
        cal()
            .add_working_seconds(
                motcua_domain::dossier::to_local(t + TimeDelta::minutes(31)),
                hours * 3600,
            )
            .unwrap(),
    );
    o = act(
        store,
        on(&o),
        desk,
        Command::MarkResultReady {
            outcome: Outcome::Approved,
        },
        done,
    );
    o = act(
        store,
        on(&o),
        desk,
        Command::Return {
            to_whom: "Người nộp".into(),
        },
        done + TimeDelta::minutes(10),
    );
    if let Some(rating) = rating {
        act(
            store,
            on(&o),
            desk,
            Command::Rate {
                rating,
                comment: String::new(),
            },
            done + TimeDelta::minutes(20),
        );
    }
    code
}

#[test]
fn inspection_checks_find_exactly_what_was_planted() {
    use motcua_domain::catalogue::Posting;
    use motcua_domain::inspection::{Check, Inspection, NewPlan};
    use motcua_domain::org::{Decision, Desk, DeskMember, Grant, Role, UnitLevel};
    use motcua_store::inspections;
    const C: [&str; 4] = [
        "000.12.41.H15",
        "000.12.42.H15",
        "000.12.43.H15",
        "000.12.44.H15",
    ];
    for (name, url) in backends() {
        let store = seeded(&url);
        let commune = ProcedureRef {
            code: "2.000815".into(),
            ..ProcedureRef::from(&procedure())
        };
        // Staff: a desk officer per commune, and someone outside every desk.
        let staff: Vec<i64> = store
            .write(|tx| {
                for (i, c) in C.iter().enumerate() {
                    org::put_unit(
                        tx,
                        &unit(c, &format!("Xã {i}"), UnitLevel::Commune, Some(TOWN)),
                    )?;
                }
                procedures::import(
                    tx,
                    &[decision(
                        "7/QĐ-UBND",
                        "2020-03-01",
                        vec![Item::New {
                            procedure: {
                                let mut s = named("2.000815", "Chứng thực bản sao từ bản chính");
                                s.level = UnitLevel::Commune;
                                s.applies_to.levels = vec![UnitLevel::Commune];
                                s
                            },
                        }],
                    )],
                    "test",
                    Utc::now(),
                )?;
                let mut ids = vec![];
                for (i, u) in std::iter::once(WARD)
                    .chain(C)
                    .chain(std::iter::once(TOWN))
                    .enumerate()
                {
                    ids.push(org::add_staff(
                        tx,
                        &org::NewStaff {
                            username: &format!("desk{i}"),
                            full_name: "Cán bộ",
                            title: "",
                            password_hash: "x",
                            grants: &[Grant {
                                role: Role::ReceptionOfficer,
                                unit: u.into(),
                            }],
                        },
                    )?);
                }
                let decision = || {
                    Some(Decision {
                        number: "1/QĐ-UBND".into(),
                        date: d("2020-01-01"),
                        signer: "Chủ tịch".into(),
                    })
                };
                // WARD, C3, C4: in order. C1: nobody assigned. C2: no decision.
                for (i, u) in std::iter::once(WARD).chain(C).enumerate() {
                    let members = if u == C[0] {
                        vec![]
                    } else {
                        vec![DeskMember {
                            staff_id: ids[i],
                            assigned_on: d("2020-01-02"),
                            duty: "Tiếp nhận".into(),
                        }]
                    };
                    org::add_desk(
                        tx,
                        &Desk {
                            id: 0,
                            unit: u.into(),
                            name: format!("Bộ phận Một cửa {u}"),
                            founding_decision: if u == C[1] { None } else { decision() },
                            members,
                        },
                    )?;
                    // Everyone posted the commune procedure but C4.
                    if u != C[3] {
                        procedures::record_posting(
                            tx,
                            &Posting {
                                unit: u.into(),
                                code: "2.000815".into(),
                                version: 1,
                                posted_on: d("2020-03-02"),
                            },
                            "test",
                            Utc::now(),
                        )?;
                    }
                }
                Ok(ids)
            })
            .unwrap();
        let outsider = staff[5];
        let mut days = (1..=28)
            .map(|n| format!("2025-04-{n:02}"))
            .filter(|s| cal().is_working_day(d(s)).unwrap())
            .cycle();
        let mut next = || days.next().unwrap();
        // WARD: 20 clean dossiers, then one of each one-stop problem.
        for _ in 0..20 {
            planted(
                &store,
                WARD,
                &commune,
                staff[0],
                &next(),
                8,
                true,
                false,
                Some(Rating::Satisfied),
            );
        }
        let not_at_desk = planted(
            &store,
            WARD,
            &commune,
            outsider,
            &next(),
            8,
            true,
            false,
            None,
        );
        let late = planted(
            &store,
            WARD,
            &commune,
            staff[0],
            &next(),
            60,
            true,
            false,
            None,
        );
        let late_apology = planted(
            &store,
            WARD,
            &commune,
            staff[0],
            &next(),
            60,
            true,
            true,
            None,
        );
        let no_hand_over = planted(
            &store,
            WARD,
            &commune,
            staff[0],
            &next(),
            8,
            false,
            false,
            None,
        );
        // Twice asked for a supplement at reception: only an import can bring that in.
        let repeated = {
            let t = vn("2025-04-21T08:00");
            let mut o = act(
                &store,
                Target::New,
                staff[0],
                Command::Receive {
                    code: String::new(),
                    channel: Channel::Desk,
                    procedure: Some(commune.clone()),
                    unit: Some(WARD.into()),
                    applicant: Some(applicant(2)),
                    papers: Some(
                        commune
                            .papers
                            .iter()
                            .map(|p| Paper {
                                name: p.name.clone(),
                                copies: p.copies,
                                file: None,
                                kind: None,
                            })
                            .collect(),
                    ),
                    details: Default::default(),
                },
                t,
            );
            o = act(
                &store,
                on(&o),
                staff[0],
                Command::RequestSupplement {
                    items: vec!["Bản sao".into()],
                    reason: "Thiếu".into(),
                },
                t + TimeDelta::hours(1),
            );
            act(
                &store,
                on(&o),
                staff[0],
                Command::Supplement {
                    note: "Đã bổ sung".into(),
                },
                t + TimeDelta::hours(2),
            );
            let mut h = store.read(|tx| dossiers::history(tx, o.id)).unwrap();
            let again: Vec<_> = h[1..3]
                .iter()
                .enumerate()
                .map(|(k, e)| {
                    let mut e = e.clone();
                    e.seq = 4 + k as i64;
                    e.at += TimeDelta::hours(3);
                    e
                })
                .collect();
            h.truncate(3);
            h.extend(again);
            let code = format!("{WARD}-250421-0099");
            if let motcua_domain::dossier::Event::Received { code: c, .. } = &mut h[0].event {
                *c = code.clone();
            }
            store.write(|tx| dossiers::import(tx, &[h])).unwrap();
            code
        };
        // C1 hardly uses the system; C2, C3, C4 do.
        let c1 = planted(
            &store,
            C[0],
            &commune,
            staff[1],
            &next(),
            8,
            true,
            false,
            None,
        );
        let mut c3_late = vec![];
        for k in 0..10 {
            planted(
                &store,
                C[1],
                &commune,
                staff[2],
                &next(),
                8,
                true,
                false,
                None,
            );
            let c3 = planted(
                &store,
                C[2],
                &commune,
                staff[3],
                &next(),
                if k < 3 { 60 } else { 8 },
                true,
                false,
                None,
            );
            if k < 3 {
                c3_late.push(c3);
            }
            let rating = if k % 2 == 0 {
                Rating::Unsatisfied
            } else {
                Rating::VerySatisfied
            };
            planted(
                &store,
                C[3],
                &commune,
                staff[4],
                &next(),
                8,
                true,
                false,
                Some(rating),
            );
        }
        let now = vn("2025-06-10T09:00");
        let inspection = Inspection::new(NewPlan {
            owner: TOWN.into(),
            plan_number: "37/KH-UBND".into(),
            plan_date: d("2025-05-02"),
            year: 2025,
            title: "Kiểm tra cải cách hành chính".into(),
            units: std::iter::once(WARD).chain(C).map(String::from).collect(),
            areas: None,
            from: d("2025-05-20"),
            to: d("2025-05-31"),
            period_from: d("2025-01-01"),
            period_to: d("2025-04-30"),
            thresholds: None,
        })
        .unwrap();
        let found = store
            .read(|tx| inspections::run_checks(tx, &inspection, now))
            .unwrap();
        let got: Vec<(Check, String, Vec<String>)> = found
            .iter()
            .map(|f| {
                (
                    f.check.unwrap(),
                    f.unit.clone(),
                    f.evidence.dossiers.clone(),
                )
            })
            .collect();
        let mut want: Vec<(Check, String, Vec<String>)> = vec![
            (Check::NotReceivedAtDesk, WARD.into(), vec![not_at_desk]),
            (Check::NotReceivedAtDesk, C[0].into(), vec![c1]),
            (Check::MissingHandOvers, WARD.into(), vec![no_hand_over]),
            (Check::LateWithoutApology, WARD.into(), vec![late]),
            (Check::LateWithoutApology, C[2].into(), c3_late),
            (Check::LateApology, WARD.into(), vec![late_apology]),
            (Check::RepeatedSupplement, WARD.into(), vec![repeated]),
            (Check::Posting, C[3].into(), vec![]),
            (Check::SystemUse, C[0].into(), vec![]),
            (Check::DeskWithoutDecision, C[1].into(), vec![]),
            (Check::DeskWithoutMembers, C[0].into(), vec![]),
            (Check::Timeliness, C[2].into(), vec![]),
            (Check::Satisfaction, C[3].into(), vec![]),
        ];
        want.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        assert_eq!(got, want, "{name}: {found:#?}");
        // The evidence carries the figures.
        let timeliness = found
            .iter()
            .find(|f| f.check == Some(Check::Timeliness))
            .unwrap();
        assert_eq!(
            (timeliness.evidence.count, timeliness.evidence.of),
            (Some(3), Some(10)),
            "{name}"
        );
        let posting = found
            .iter()
            .find(|f| f.check == Some(Check::Posting))
            .unwrap();
        assert_eq!(posting.evidence.since, Some(d("2020-03-01")), "{name}");
    }
}

#[test]
fn every_new_dossier_gets_its_own_random_reference_and_secret_in_the_same_transaction() {
    use motcua_store::public_access;
    for (name, url) in backends() {
        let store = seeded(&url);
        let ids = populate(&store);
        assert_eq!(count(&store, "public_access"), ids.len() as i64, "{name}");
        let all: Vec<_> = ids
            .iter()
            .map(|id| {
                store
                    .read(|tx| public_access::get(tx, *id))
                    .unwrap()
                    .unwrap()
            })
            .collect();
        let references: BTreeSet<_> = all.iter().map(|a| a.reference.clone()).collect();
        let secrets: BTreeSet<_> = all.iter().map(|a| a.secret.clone()).collect();
        assert_eq!((references.len(), secrets.len()), (ids.len(), ids.len()));
        for (id, a) in ids.iter().zip(&all) {
            assert!(
                a.reference.len() == 13 && a.reference.starts_with('W'),
                "{a:?}"
            );
            store
                .read(|tx| {
                    assert_eq!(
                        public_access::by_reference(tx, &a.reference.to_lowercase())?,
                        Some(*id)
                    );
                    assert!(public_access::check(
                        tx,
                        *id,
                        &public_access::grouped(&a.secret)
                    )?);
                    assert!(!public_access::check(
                        tx,
                        *id,
                        &all[(ids.iter().position(|x| x == id).unwrap() + 1) % all.len()].secret
                    )?);
                    assert!(!public_access::check(tx, *id, "")?);
                    Ok(())
                })
                .unwrap();
        }
        // Rolled back with the dossier: a transaction that fails after creating one leaves no secret.
        let before = count(&store, "public_access");
        let failed: Result<(), StoreError> = store.write(|tx| {
            dossiers::execute(
                tx,
                cal(),
                vec![Request {
                    target: Target::New,
                    actor: Actor::Staff { id: 1 },
                    command: receive(TOWN, 9),
                    now: vn("2025-03-11T08:00"),
                }],
            )?;
            Err(StoreError::invalid("thử", "test"))
        });
        assert!(failed.is_err());
        assert_eq!(count(&store, "public_access"), before, "{name}");
        // A dossier from before the table existed gets its own on first need, once.
        store
            .write(|tx| {
                tx.exec(
                    "DELETE FROM public_access WHERE dossier_id = $1",
                    &[Value::Int(ids[0])],
                )
            })
            .unwrap();
        let first = store.write(|tx| public_access::ensure(tx, ids[0])).unwrap();
        let again = store.write(|tx| public_access::ensure(tx, ids[0])).unwrap();
        assert_eq!(first, again);
        assert!(!secrets.contains(&first.secret));
    }
}
