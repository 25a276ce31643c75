//! Standing up an office, on every backend: the first administrator, first sign-in with a one-time
//! password, password changes and resets, units added, renamed and closed with successors (each
//! change recorded), staff imported and re-imported.

mod support;

use chrono::Utc;
use motcua_domain::org::{Role, UnitLevel};
use motcua_domain::orgfile::{self, STAFF_COLUMNS, Table};
use motcua_store::{Store, StoreError, office, org, password};
use support::*;

fn origin() -> office::Origin<'static> {
    office::Origin {
        actor: "web:quantri",
        source: "web",
        at: Utc::now(),
    }
}

fn fresh(url: &str) -> Store {
    let store = Store::open(url).unwrap();
    store
        .write(|tx| office::init(tx, "quantri", "mat-khau-dau-tien", true))
        .unwrap();
    store
}

#[test]
fn first_sign_in_must_change_the_password_and_a_reset_asks_again() {
    for (name, url) in backends() {
        let store = fresh(&url);
        // init refuses a database that holds something.
        let again = store.write(|tx| office::init(tx, "other", "mat-khau-dau-tien", false));
        assert!(matches!(again, Err(StoreError::Invalid { .. })), "{name}");
        let login = store
            .read(|tx| office::login(tx, "quantri"))
            .unwrap()
            .unwrap();
        assert!(login.must_change_password, "{name}");
        let id = login.staff_id;
        // The wrong old password, a too-short new one, the same one: refused, nothing changes.
        for (old, new) in [
            ("sai-mat-khau-roi", "mat-khau-moi-2025"),
            ("mat-khau-dau-tien", "ngan"),
            ("mat-khau-dau-tien", "mat-khau-dau-tien"),
        ] {
            let e = store.write(|tx| office::change_password(tx, id, old, new));
            assert!(
                matches!(e, Err(StoreError::Invalid { .. })),
                "{name} {old} {new}"
            );
        }
        assert!(
            store
                .read(|tx| office::must_change_password(tx, id))
                .unwrap()
        );
        store
            .write(|tx| office::change_password(tx, id, "mat-khau-dau-tien", "mat-khau-moi-2025"))
            .unwrap();
        let login = store
            .read(|tx| office::login(tx, "quantri"))
            .unwrap()
            .unwrap();
        assert!(!login.must_change_password, "{name}");
        assert!(password::verify_password(
            "mat-khau-moi-2025",
            &login.password_hash
        ));
        // A reset: a new one-time password that works, the flag set again, sessions ended.
        let now = Utc::now();
        store
            .write(|tx| org::create_session(tx, "tok", id, now, now + chrono::Duration::hours(1)))
            .unwrap();
        let otp = store.write(|tx| office::reset_password(tx, id)).unwrap();
        let login = store
            .read(|tx| office::login(tx, "quantri"))
            .unwrap()
            .unwrap();
        assert!(login.must_change_password, "{name}");
        assert!(password::verify_password(&otp, &login.password_hash));
        store
            .write(|tx| org::create_session(tx, "tok2", id, now, now + chrono::Duration::hours(1)))
            .unwrap();
        let (who, must) = store
            .read(|tx| office::session(tx, "tok2", now))
            .unwrap()
            .unwrap();
        assert_eq!((who.id, must), (id, true), "{name}");
        assert!(!password::verify_password(
            "mat-khau-moi-2025",
            &login.password_hash
        ));
        assert!(
            store
                .read(|tx| org::session_staff(tx, "tok", now))
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            store.write(|tx| office::reset_password(tx, 999)),
            Err(StoreError::NotFound(_))
        ));
    }
}

#[test]
fn units_are_added_renamed_and_closed_with_successors_and_every_change_is_recorded() {
    for (name, url) in backends() {
        let store = fresh(&url);
        let o = origin();
        let province = unit("P", "UBND tỉnh", UnitLevel::Province, None);
        store
            .write(|tx| office::add_unit(tx, &o, &province))
            .unwrap();
        // The administrator made by init now holds system_admin at the first top unit.
        let admin = store.read(org::list_staff).unwrap().remove(0);
        assert_eq!(admin.grants.len(), 1, "{name}");
        assert_eq!(admin.grants[0].role, Role::SystemAdmin);
        assert_eq!(admin.grants[0].unit, "P");
        let ward = unit("W", "UBND phường A", UnitLevel::Commune, Some("P"));
        let new_ward = unit("N", "UBND phường B", UnitLevel::Commune, Some("P"));
        store.write(|tx| office::add_unit(tx, &o, &ward)).unwrap();
        store
            .write(|tx| office::add_unit(tx, &o, &new_ward))
            .unwrap();
        // The same code twice, an unknown parent: refused.
        assert!(store.write(|tx| office::add_unit(tx, &o, &ward)).is_err());
        let orphan = unit("X", "UBND xã X", UnitLevel::Commune, Some("Q"));
        let e = store
            .write(|tx| office::add_unit(tx, &o, &orphan))
            .unwrap_err();
        assert!(e.to_string().contains("parent"), "{name}: {e}");
        store
            .write(|tx| office::rename_unit(tx, &o, "W", "UBND phường An Bình"))
            .unwrap();
        // A successor that does not exist: refused; then a real one.
        let last = d("2025-06-30");
        let e = store
            .write(|tx| office::close_unit(tx, &o, "W", last, &["Z".into()]))
            .unwrap_err();
        assert!(e.to_string().contains("successor unit 'Z'"), "{name}: {e}");
        store
            .write(|tx| office::close_unit(tx, &o, "W", last, &["N".into()]))
            .unwrap();
        let w = store.read(|tx| org::get_unit(tx, "W")).unwrap();
        assert_eq!(w.name, "UBND phường An Bình");
        assert_eq!(w.valid_to, Some(last));
        assert_eq!(w.successors, vec!["N".to_string()]);
        let changes = store.read(|tx| office::org_changes(tx, 10)).unwrap();
        let kinds: Vec<(&str, &str)> = changes
            .iter()
            .map(|c| (c.code.as_str(), c.change.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("W", "closed"),
                ("W", "renamed"),
                ("N", "created"),
                ("W", "created"),
                ("P", "created")
            ],
            "{name}"
        );
        assert!(changes.iter().all(|c| c.actor == "web:quantri"));
    }
}

fn staff_table(rows: &[&str]) -> Table {
    Table {
        header: STAFF_COLUMNS.iter().map(|s| s.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| r.split(',').map(str::to_owned).collect())
            .collect(),
    }
}

#[test]
fn a_staff_reimport_updates_roles_and_desk_but_never_the_password() {
    for (name, url) in backends() {
        let store = fresh(&url);
        let o = origin();
        for u in [
            unit("P", "UBND tỉnh", UnitLevel::Province, None),
            unit("W", "UBND phường A", UnitLevel::Commune, Some("P")),
            unit("N", "UBND phường B", UnitLevel::Commune, Some("P")),
        ] {
            store.write(|tx| office::add_unit(tx, &o, &u)).unwrap();
        }
        let known = |u: &str| ["P", "W", "N"].contains(&u);
        let today = d("2025-07-01");
        let rows = orgfile::parse_staff(
            &staff_table(&[
                "hoa,Nguyễn Thị Hoa,Công chức,reception_officer@W,W,hoa@example.vn,0905",
            ]),
            known,
        )
        .unwrap();
        let first = store
            .write(|tx| office::import_staff(tx, &rows, today))
            .unwrap();
        assert_eq!((first.created, first.updated), (1, 0), "{name}");
        let (user, otp) = &first.passwords[0];
        assert_eq!(user, "hoa");
        let login = store.read(|tx| office::login(tx, "hoa")).unwrap().unwrap();
        assert!(login.must_change_password);
        assert!(password::verify_password(otp, &login.password_hash));
        // Moved to the other ward: roles and desk follow, the password stays.
        let rows = orgfile::parse_staff(
            &staff_table(&["hoa,Nguyễn Thị Hoa,Công chức,reception_officer@N;specialist@N,N,,"]),
            known,
        )
        .unwrap();
        let second = store
            .write(|tx| office::import_staff(tx, &rows, today))
            .unwrap();
        assert_eq!((second.created, second.updated), (0, 1), "{name}");
        assert!(second.passwords.is_empty());
        let member = store.read(|tx| org::get_staff(tx, login.staff_id)).unwrap();
        assert!(member.grants.iter().all(|g| g.unit == "N"), "{name}");
        assert_eq!(member.grants.len(), 2);
        let desks = store.read(org::desks).unwrap();
        let on: Vec<&str> = desks
            .iter()
            .filter(|d| d.members.iter().any(|m| m.staff_id == login.staff_id))
            .map(|d| d.unit.as_str())
            .collect();
        assert_eq!(on, vec!["N"], "{name}");
        let again = store.read(|tx| office::login(tx, "hoa")).unwrap().unwrap();
        assert_eq!(again.password_hash, login.password_hash);
        assert!(again.must_change_password);
    }
}
