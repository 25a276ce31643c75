//! `motcua vault` as an operator uses it on the demo: an export of what is held about a person, an
//! erasure after which `verify` and `rebuild` still agree, a key file that wraps the master key
//! (and without which the data does not open), and a retention run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use motcua_store::{Store, dossiers, vault};

fn motcua(dir: &Path, key: Option<&Path>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_motcua"));
    c.args(args)
        .env_remove("MOTCUA_DB")
        .env_remove("MOTCUA_VAULT_KEY_FILE")
        .env("MOTCUA_FILES_DIR", dir.join("files"))
        .current_dir(dir);
    if let Some(k) = key {
        c.env("MOTCUA_VAULT_KEY_FILE", k);
    }
    c.output().expect("run motcua")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", text(&o));
    text(&o)
}

#[test]
fn export_erase_key_file_and_retention() {
    let dir: PathBuf = std::env::temp_dir().join(format!("motcua-vault-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("m.db").display());
    ok(motcua(
        &dir,
        None,
        &["demo", "--no-serve", "--db", &url, "--dossiers", "60"],
    ));

    // A received dossier of the demo with an ID number.
    let (code, name, id_number) = {
        let store = Store::open(&url).unwrap();
        store
            .read(|tx| {
                for id in 1..=60 {
                    let d = dossiers::load(tx, id)?;
                    if let (Some(code), Some(idn)) = (d.code.clone(), d.applicant.id_number.clone())
                    {
                        return Ok((code, d.applicant.full_name.clone(), idn));
                    }
                }
                panic!("no received dossier with an ID number");
            })
            .unwrap()
    };

    // The export lists it with the name, and who viewed the data.
    let out = ok(motcua(
        &dir,
        None,
        &["vault", "export", "--db", &url, "--id-number", &id_number],
    ));
    assert!(out.contains(&code) && out.contains(&name), "{out}");
    let o = motcua(&dir, None, &["vault", "export", "--db", &url]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // Erasure: gone from the export and the pages' data, the log verifies, rebuild agrees.
    ok(motcua(
        &dir,
        None,
        &[
            "vault",
            "erase",
            "--db",
            &url,
            "--dossier",
            &code.to_lowercase(),
            "--reason",
            "Đơn số 3/2026",
        ],
    ));
    let out = ok(motcua(
        &dir,
        None,
        &["vault", "export", "--db", &url, "--id-number", &id_number],
    ));
    assert!(!out.contains(&code) && !out.contains(&name), "{out}");
    let o = motcua(
        &dir,
        None,
        &[
            "vault",
            "erase",
            "--db",
            &url,
            "--dossier",
            &code,
            "--reason",
            "lần hai",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "a second erasure: {}", text(&o));
    assert!(ok(motcua(&dir, None, &["verify", "--db", &url])).contains("intact"));
    assert!(ok(motcua(&dir, None, &["rebuild", "--db", &url])).contains("identical"));
    {
        let store = Store::open(&url).unwrap();
        let id = store
            .read(|tx| dossiers::id_by_code(tx, &code))
            .unwrap()
            .unwrap();
        let d = store.read(|tx| dossiers::load(tx, id)).unwrap();
        assert_eq!(d.applicant.full_name, vault::ERASED);
        assert!(d.erased_at.is_some());
    }

    // A key file: the master key is wrapped by it at the first start with it; without it the
    // data does not open, with it everything does.
    let key = dir.join("vault.key");
    ok(motcua(
        &dir,
        None,
        &["vault", "new-key", key.to_str().unwrap()],
    ));
    let o = motcua(&dir, None, &["vault", "new-key", key.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an existing key file is never overwritten"
    );
    ok(motcua(&dir, Some(&key), &["verify", "--db", &url]));
    let o = motcua(
        &dir,
        None,
        &["vault", "export", "--db", &url, "--phone", "0905000000"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("vault_key_file"), "{}", text(&o));
    let other = dir.join("other.key");
    ok(motcua(
        &dir,
        None,
        &["vault", "new-key", other.to_str().unwrap()],
    ));
    let o = motcua(&dir, Some(&other), &["verify", "--db", &url]);
    assert_eq!(o.status.code(), Some(2), "another key file: {}", text(&o));
    let others = ok(motcua(
        &dir,
        Some(&key),
        &["vault", "export", "--db", &url, "--id-number", &id_number],
    ));
    assert!(!others.contains(&name), "{others}");

    // Retention: the 2017 town's dossiers closed years ago lose their personal data, nothing else.
    let dry = ok(motcua(
        &dir,
        Some(&key),
        &[
            "vault",
            "retention",
            "--db",
            &url,
            "--years",
            "5",
            "--dry-run",
        ],
    ));
    let due: usize = dry
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{dry}"));
    assert!(due > 100, "{dry}");
    let out = ok(motcua(
        &dir,
        Some(&key),
        &["vault", "retention", "--db", &url, "--years", "5"],
    ));
    assert!(out.contains(&format!("{due} dossiers")), "{out}");
    let again = ok(motcua(
        &dir,
        Some(&key),
        &[
            "vault",
            "retention",
            "--db",
            &url,
            "--years",
            "5",
            "--dry-run",
        ],
    ));
    assert!(again.starts_with("0 "), "{again}");
    assert!(
        again.contains("và 0 lượt tiếp dân"),
        "walk-ins too: {again}"
    );
    // One walk-in's person erased by the operator; an unknown one is refused.
    let o = motcua(
        &dir,
        Some(&key),
        &[
            "vault",
            "erase-walk-in",
            "--db",
            &url,
            "--id",
            "999999",
            "--reason",
            "Yêu cầu số 7",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("walk-in 999999"), "{}", text(&o));
    assert!(ok(motcua(&dir, Some(&key), &["verify", "--db", &url])).contains("intact"));
    let _ = std::fs::remove_dir_all(&dir);
}
