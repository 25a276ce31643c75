//! Each driver tells a storage problem apart from a bug by its own error codes, so the server can
//! say "read-only" or "disk full" instead of "internal error".

mod support;

use motcua_store::{Storage, StoreError};

#[test]
fn a_write_to_a_read_only_database_is_named_so_on_both_backends() {
    for (backend, url) in support::backends() {
        let store = support::seeded(&url);
        let refused = store.write(|tx| {
            let read_only = match tx.dialect() {
                motcua_store::Dialect::Sqlite => "PRAGMA query_only = 1",
                motcua_store::Dialect::Postgres => "SET TRANSACTION READ ONLY",
            };
            tx.batch(read_only)?;
            let r = tx.exec(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)",
                &[],
            );
            if tx.dialect() == motcua_store::Dialect::Sqlite {
                tx.batch("PRAGMA query_only = 0")?;
            }
            r
        });
        match refused {
            Err(StoreError::Unavailable {
                problem: Storage::ReadOnly,
                ..
            }) => {}
            other => panic!("{backend}: {other:?}"),
        }
        // And the database takes writes again afterwards.
        store
            .write(|tx| {
                tx.exec(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)",
                    &[],
                )
            })
            .unwrap();
    }
}
