//! The stored event format is a promise: `data/events-2026-12.jsonl` holds events exactly as
//! motcua wrote them in December 2026 (one row of the `events` table a line, taken from the demo:
//! every kind of event, 16 dossiers), each dossier followed by the state it reached. Whatever the
//! domain becomes, these rows must keep their hashes, keep deserialising, and replay to the same
//! state: old databases are read, never rewritten.

use std::collections::BTreeMap;

use motcua_domain::dossier::{Actor, Dossier, Event, Recorded};
use motcua_store::ledger::{EventFields, event_hash};
use serde_json::Value;

#[test]
fn events_written_in_december_2026_still_verify_and_replay() {
    let text = include_str!("data/events-2026-12.jsonl");
    let mut by_dossier: BTreeMap<i64, Vec<Recorded>> = BTreeMap::new();
    let mut last_hash: BTreeMap<i64, String> = BTreeMap::new();
    let (mut events, mut checked) = (0, 0);
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if let Some(id) = v["expect"].as_i64() {
            let d = Dossier::replay(&by_dossier[&id]).unwrap();
            assert_eq!(
                serde_json::to_value(d.status).unwrap(),
                v["status"],
                "dossier {id}"
            );
            assert_eq!(d.version, v["version"].as_i64().unwrap(), "dossier {id}");
            assert_eq!(
                serde_json::to_value(&d.code).unwrap(),
                v["code"],
                "dossier {id}"
            );
            checked += 1;
            continue;
        }
        let s = |k: &str| v[k].as_str().unwrap().to_owned();
        let dossier_id = v["dossier_id"].as_i64().unwrap();
        let (actor, kind, payload, prev_hash) =
            (s("actor"), s("kind"), s("payload"), s("prev_hash"));
        let fields = EventFields {
            dossier_id,
            seq: v["seq"].as_i64().unwrap(),
            at: v["at"].as_i64().unwrap(),
            actor: &actor,
            kind: &kind,
            payload: &payload,
            prev_hash: &prev_hash,
        };
        assert_eq!(
            event_hash(&fields),
            s("hash"),
            "event {dossier_id}/{}",
            fields.seq
        );
        if let Some(prev) = last_hash.get(&dossier_id) {
            assert_eq!(prev, &prev_hash, "chain of dossier {dossier_id}");
        }
        last_hash.insert(dossier_id, s("hash"));
        let event: Event = serde_json::from_str(&payload)
            .unwrap_or_else(|e| panic!("event {dossier_id}/{}: {e}", fields.seq));
        assert_eq!(event.kind(), kind);
        let actor: Actor = serde_json::from_str(&actor).unwrap();
        by_dossier.entry(dossier_id).or_default().push(Recorded {
            seq: fields.seq,
            at: chrono::DateTime::from_timestamp_millis(fields.at).unwrap(),
            actor,
            event,
        });
        events += 1;
    }
    assert_eq!((events, checked), (119, 16));
}
