//! Unit administrators: desks, members, postings, staff and roles.

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn unit_administrators_record_desks_members_and_postings() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let desk = sync(|| {
        app.store
            .store
            .write(|tx| {
                org::add_desk(
                    tx,
                    &motcua_domain::org::Desk {
                        id: 0,
                        unit: WARD_A.into(),
                        name: "Bộ phận Một cửa phường A".into(),
                        founding_decision: None,
                        members: vec![],
                    },
                )
            })
            .unwrap()
    });
    let token = app.login(&format!("unit_admin.{WARD_A}")).await;
    let cookie = format!("motcua_session={token}");
    let send = |method: &str, path: String, form: Option<String>, cookie: String| {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("cookie", cookie)
            .header("host", "motcua.test")
            .header("origin", "http://motcua.test");
        let req = match form {
            Some(f) => b
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(f))
                .unwrap(),
            None => {
                b = b.header("accept", "text/html");
                b.body(Body::empty()).unwrap()
            }
        };
        let app = &app;
        async move {
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let location = res
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            let body =
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            (status, location, body)
        }
    };
    let (s, location, _) = send("GET", "/can-bo/quan-tri".into(), None, cookie.clone()).await;
    assert_eq!(
        (s, location.as_deref()),
        (
            StatusCode::SEE_OTHER,
            Some(format!("/can-bo/quan-tri/{WARD_A}").as_str())
        )
    );
    let (s, _, body) = send(
        "GET",
        format!("/can-bo/quan-tri/{WARD_A}"),
        None,
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("Chưa có") && body.contains("Chưa phân công"),
        "no decision, no member yet"
    );
    // A decision dated in the future is refused and changes nothing.
    let (s, _, body) = send(
        "POST",
        format!("/can-bo/quan-tri/{WARD_A}/quyet-dinh"),
        Some(format!(
            "desk={desk}&number=12%2FQ%C4%90-UBND&date=2150-01-01&signer=Ch%E1%BB%A7+t%E1%BB%8Bch"
        )),
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("tương lai"));
    let (s, _, _) = send(
        "POST",
        format!("/can-bo/quan-tri/{WARD_A}/quyet-dinh"),
        Some(format!(
            "desk={desk}&number=12%2FQ%C4%90-UBND&date=2025-07-01&signer=Ch%E1%BB%A7+t%E1%BB%8Bch"
        )),
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, body) = send(
        "GET",
        format!("/can-bo/quan-tri/{WARD_A}"),
        None,
        cookie.clone(),
    )
    .await;
    assert!(body.contains("12/QĐ-UBND ngày 01/07/2025"), "{body}");
    let officer = sync(|| {
        app.store
            .store
            .read(|tx| org::credentials(tx, &format!("reception_officer.{WARD_A}")))
            .unwrap()
            .unwrap()
            .0
    });
    let (s, _, _) = send(
        "POST",
        format!("/can-bo/quan-tri/{WARD_A}/thanh-vien"),
        Some(format!(
            "desk={desk}&staff={officer}&duty=Ti%E1%BA%BFp+nh%E1%BA%ADn"
        )),
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = send(
        "POST",
        format!("/can-bo/quan-tri/{WARD_A}/niem-yet"),
        Some("code=1.001612&version=1".into()),
        cookie.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = app
        .call(
            "GET",
            &format!("/api/v1/units/{WARD_A}/procedures"),
            None,
            None,
        )
        .await;
    assert_eq!(v["up_to_date"], true, "{v}");
    let (_, v) = app
        .call("GET", &format!("/api/v1/units/{WARD_A}"), None, None)
        .await;
    assert_eq!(
        v["desks"][0]["founding_decision"]["number"], "12/QĐ-UBND",
        "{v}"
    );
    assert_eq!(v["desks"][0]["members"], 1);
    // Another unit's administrator, or an officer, may not.
    for who in [
        format!("unit_admin.{WARD_B}"),
        format!("reception_officer.{WARD_A}"),
    ] {
        let token = app.login(&who).await;
        let (s, _, _) = send(
            "GET",
            format!("/can-bo/quan-tri/{WARD_A}"),
            None,
            format!("motcua_session={token}"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
        let (s, _, _) = send(
            "POST",
            format!("/can-bo/quan-tri/{WARD_A}/niem-yet"),
            Some("code=1.001612&version=1".into()),
            format!("motcua_session={token}"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
    }
}

/// Unit administrators add staff, give and take away roles, lock and unlock accounts, within their
/// unit only; bad input is refused next to the form and changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn unit_administrators_manage_staff_and_roles() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let token = app.login(&format!("unit_admin.{WARD_A}")).await;
    let post = |path: String, form: &str, token: &str| {
        let req = Request::builder()
            .method("POST")
            .uri(path)
            .header("cookie", format!("motcua_session={token}"))
            .header("host", "motcua.test")
            .header("origin", "http://motcua.test")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap();
        let app = &app;
        async move {
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let body =
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            (status, body)
        }
    };
    let staff_of = |username: &str| {
        sync(|| {
            app.store.store.read(|tx| {
                let all = org::list_staff(tx)?;
                Ok(all.into_iter().find(|s| s.username == username))
            })
        })
        .unwrap()
    };
    let add = format!("/can-bo/quan-tri/{WARD_A}/can-bo");
    let before = app.count("staff");
    for (form, says) in [
        (
            "username=A+B&full_name=X&title=&password=long-enough-1&role=specialist",
            "tên đăng nhập",
        ),
        (
            "username=nguyen.an&full_name=&title=&password=long-enough-1&role=specialist",
            "họ tên",
        ),
        (
            "username=nguyen.an&full_name=An&title=&password=short&role=specialist",
            "mật khẩu",
        ),
        (
            "username=nguyen.an&full_name=An&title=&password=long-enough-1&role=system_admin",
            "vai trò",
        ),
        (
            "username=nguyen.an&full_name=An&title=&password=long-enough-1&role=nonsense",
            "vai trò",
        ),
        (
            &format!(
                "username=specialist.{WARD_A}&full_name=An&title=&password=long-enough-1&role=specialist"
            ),
            "đã tồn tại",
        ),
    ] {
        let (s, body) = post(add.clone(), form, &token).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{form}");
        assert!(
            body.contains(says) && body.contains("error-summary"),
            "{form}: {says}"
        );
    }
    assert_eq!(app.count("staff"), before, "refused forms add nobody");
    let (s, _) = post(
        add.clone(),
        "username=nguyen.an&full_name=Nguy%E1%BB%85n+An&title=Chuy%C3%AAn+vi%C3%AAn&password=long-enough-1&role=specialist",
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let an = staff_of("nguyen.an").expect("added");
    assert_eq!(
        an.grants,
        vec![Grant {
            role: Role::Specialist,
            unit: WARD_A.into()
        }]
    );
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "nguyen.an", "password": "long-enough-1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "the new account signs in: {v}");
    let an_token = v["token"].as_str().unwrap().to_owned();
    // Roles: give one, take it away; the last one cannot be taken (lock instead).
    let role = format!("/can-bo/quan-tri/{WARD_A}/vai-tro");
    let (s, _) = post(
        role.clone(),
        &format!("staff={}&role=unit_leader&op=them", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(staff_of("nguyen.an").unwrap().grants.len(), 2);
    let (s, _) = post(
        role.clone(),
        &format!("staff={}&role=unit_leader&op=bo", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, body) = post(
        role.clone(),
        &format!("staff={}&role=specialist&op=bo", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("vai trò cuối cùng"));
    assert_eq!(staff_of("nguyen.an").unwrap().grants.len(), 1);
    // Not oneself, and not someone of another unit.
    let me = staff_of(&format!("unit_admin.{WARD_A}")).unwrap();
    let (s, _) = post(
        format!("/can-bo/quan-tri/{WARD_A}/khoa"),
        &format!("staff={}&active=false", me.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let other = staff_of(&format!("specialist.{WARD_B}")).unwrap();
    let (s, _) = post(
        format!("/can-bo/quan-tri/{WARD_A}/khoa"),
        &format!("staff={}&active=false", other.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = post(
        role.clone(),
        &format!("staff={}&role=unit_admin&op=them", other.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(staff_of(&format!("specialist.{WARD_B}")).unwrap().active);
    // Another unit's administrator cannot add staff here.
    let b_token = app.login(&format!("unit_admin.{WARD_B}")).await;
    let (s, _) = post(
        add.clone(),
        "username=intruder&full_name=X&title=&password=long-enough-1&role=unit_admin",
        &b_token,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(staff_of("intruder").is_none());
    // Locking ends the account's sessions and sign-ins; unlocking restores sign-in.
    let (s, _) = post(
        format!("/can-bo/quan-tri/{WARD_A}/khoa"),
        &format!("staff={}&active=false", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _) = app
        .call("GET", "/api/v1/auth/me", Some(&an_token), None)
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the locked account's session ended"
    );
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "nguyen.an", "password": "long-enough-1"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = post(
        format!("/can-bo/quan-tri/{WARD_A}/khoa"),
        &format!("staff={}&active=true", an.id),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "nguyen.an", "password": "long-enough-1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn system_administrators_add_rename_and_close_units_within_their_reach() {
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let admin = app.login(&format!("system_admin.{WARD_A}")).await;
        let units = |tx: &mut dyn motcua_store::Tx| org::units(tx);
        let before = sync(|| app.store.store.read(units).unwrap());
        let changes_before = app.count("org_changes");

        let (s, _, body) = app.page("/can-bo/he-thong/don-vi", None, &admin).await;
        assert_eq!(s, StatusCode::OK, "{url}");
        assert!(
            body.contains(WARD_A) && !body.contains(">WB<"),
            "{url}: {body}"
        );

        // Refusals, each changing nothing: a parent out of reach, a code taken, a date that is
        // not a date, an unknown successor, a unit admin who is no system administrator.
        let refused = [
            (
                "them",
                "code=WA.X&name=Tổ+một+cửa&level=department&parent=WB&valid_from=2026-01-01",
                StatusCode::FORBIDDEN,
                "quyền",
            ),
            (
                "them",
                "code=WB&name=Trùng&level=department&parent=WA&valid_from=2026-01-01",
                StatusCode::UNPROCESSABLE_ENTITY,
                "đã tồn tại",
            ),
            (
                "them",
                "code=WA.X&name=Tổ&level=department&parent=WA&valid_from=2026-02-30",
                StatusCode::UNPROCESSABLE_ENTITY,
                "YYYY-MM-DD",
            ),
            (
                "them",
                "code=WA.X&name=Tổ&level=village&parent=WA&valid_from=2026-01-01",
                StatusCode::UNPROCESSABLE_ENTITY,
                "cấp đơn vị",
            ),
            (
                "thoi-hoat-dong",
                "code=WA&last_day=2026-06-30&successors=NOPE",
                StatusCode::UNPROCESSABLE_ENTITY,
                "NOPE",
            ),
            (
                "doi-ten",
                "code=WB&name=Khác",
                StatusCode::FORBIDDEN,
                "quyền",
            ),
        ];
        for (op, form, status, words) in refused {
            let (s, _, body) = app
                .page(&format!("/can-bo/he-thong/don-vi/{op}"), Some(form), &admin)
                .await;
            assert_eq!(s, status, "{url} {op} {form}: {body}");
            assert!(body.contains(words), "{url} {op} {form}: {body}");
        }
        let unit_admin = app.login(&format!("unit_admin.{WARD_A}")).await;
        let (s, _, _) = app.page("/can-bo/he-thong/don-vi", None, &unit_admin).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}");
        assert_eq!(
            sync(|| app.store.store.read(units).unwrap()),
            before,
            "{url}"
        );
        assert_eq!(app.count("org_changes"), changes_before, "{url}");

        // Add, rename, close naming a successor outside the caller's reach.
        for (op, form) in [
            (
                "them",
                "code=WA.TN&name=Tổ+tiếp+nhận&level=department&parent=WA&valid_from=2026-01-01",
            ),
            ("doi-ten", "code=WA.TN&name=Tổ+tiếp+nhận+và+trả+kết+quả"),
            (
                "thoi-hoat-dong",
                "code=WA.TN&last_day=2026-11-30&successors=WB",
            ),
        ] {
            let (s, location, body) = app
                .page(&format!("/can-bo/he-thong/don-vi/{op}"), Some(form), &admin)
                .await;
            assert_eq!(s, StatusCode::SEE_OTHER, "{url} {op}: {body}");
            assert_eq!(location.as_deref(), Some("/can-bo/he-thong/don-vi?ok=1"));
        }
        let made = sync(|| {
            app.store
                .store
                .read(|tx| org::get_unit(tx, "WA.TN"))
                .unwrap()
        });
        assert_eq!(made.name, "Tổ tiếp nhận và trả kết quả");
        assert_eq!(made.parent.as_deref(), Some(WARD_A));
        assert_eq!(made.valid_to, NaiveDate::from_ymd_opt(2026, 11, 30));
        assert_eq!(made.successors, vec![WARD_B.to_owned()]);
        let record = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::office::org_changes(tx, 10))
                .unwrap()
        });
        let kinds: Vec<(&str, &str, &str)> = record
            .iter()
            .map(|c| (c.change.as_str(), c.actor.as_str(), c.source.as_str()))
            .collect();
        let actor = format!("system_admin.{WARD_A}");
        assert_eq!(
            kinds,
            vec![
                ("closed", actor.as_str(), "web"),
                ("renamed", actor.as_str(), "web"),
                ("created", actor.as_str(), "web"),
            ],
            "{url}"
        );
        // Closing it twice is refused; the page shows the record.
        let (s, _, body) = app
            .page(
                "/can-bo/he-thong/don-vi/thoi-hoat-dong",
                Some("code=WA.TN&last_day=2026-12-01"),
                &admin,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert!(body.contains("đã thôi hoạt động"), "{url}");
        let (_, _, body) = app
            .page("/can-bo/he-thong/don-vi?q=tiep+nhan", None, &admin)
            .await;
        assert!(
            body.contains("WA.TN")
                && body.contains("30/11/2026")
                && body.contains("Thôi hoạt động"),
            "{url}"
        );
    }
}

/// Receives a dossier at `unit` on a day it was in force (the store's own write path).
fn receive_old(app: &TestApp, unit: &str, local: &str) -> i64 {
    use motcua_domain::dossier::{Actor, Applicant, Channel, Command, Paper, from_local};
    use motcua_store::dossiers::{Request as StoreRequest, Target, execute};
    sync(|| {
        app.store
            .store
            .write(|tx| {
                let cal = motcua_store::calendar::work_calendar(tx)?;
                let day = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
                let p = procedures::in_force(tx, "1.001612", day)?;
                let now = from_local(
                    chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M").unwrap(),
                );
                let out = execute(
                    tx,
                    &cal,
                    vec![StoreRequest {
                        target: Target::New,
                        actor: Actor::System,
                        command: Command::Receive {
                            code: String::new(),
                            channel: Channel::Desk,
                            procedure: Some(motcua_domain::procedure::ProcedureRef::from(&p)),
                            unit: Some(unit.into()),
                            applicant: Some(Applicant {
                                full_name: "Trần Văn Cũ".into(),
                                id_number: Some("066090004321".into()),
                                phone: "0905000111".into(),
                                email: None,
                                address: None,
                                date_of_birth: None,
                                sex: None,
                                kind: Default::default(),
                                representative: None,
                                notify: None,
                                sealed: None,
                            }),
                            papers: Some(vec![Paper {
                                name: "Giấy đề nghị".into(),
                                copies: 1,
                                file: None,
                                kind: None,
                            }]),
                            details: Default::default(),
                        },
                        now,
                    }],
                )?;
                Ok(out[0].id)
            })
            .unwrap()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_units_unfinished_dossiers_move_to_its_successor_once() {
    use motcua_domain::dossier::{Actor, Command, Status};
    for url in sync(test_db_urls) {
        let app = sync(|| TestApp::new(&url, relaxed()));
        let open: Vec<i64> = ["2025-06-10T09:00", "2025-06-11T10:00"]
            .iter()
            .map(|t| receive_old(&app, OLD_WARD, t))
            .collect();
        let withdrawn = receive_old(&app, OLD_WARD, "2025-06-12T09:00");
        sync(|| {
            app.store
                .store
                .write(|tx| {
                    let cal = motcua_store::calendar::work_calendar(tx)?;
                    let d = motcua_store::dossiers::load(tx, withdrawn)?;
                    motcua_store::dossiers::execute(
                        tx,
                        &cal,
                        vec![motcua_store::dossiers::Request {
                            target: motcua_store::dossiers::Target::Existing {
                                id: withdrawn,
                                expected_version: d.version,
                            },
                            actor: Actor::System,
                            command: Command::Withdraw {
                                reason: "Người nộp xin rút".into(),
                            },
                            now: d.received_at.unwrap() + chrono::TimeDelta::hours(1),
                        }],
                    )
                })
                .unwrap()
        });
        let load = |id: i64| {
            sync(|| {
                app.store
                    .store
                    .read(|tx| motcua_store::dossiers::load(tx, id))
                    .unwrap()
            })
        };
        let before: Vec<_> = open.iter().map(|id| load(*id)).collect();
        assert!(
            before
                .iter()
                .all(|d| d.unit == OLD_WARD && d.status.is_open())
        );
        let admin = app.login(&format!("system_admin.{WARD_A}")).await;
        let events = app.count("events");
        // Refused, moving nothing: a unit still in force, a target that is not its successor, a
        // target outside the caller's reach, a date before the unit closed, no decision.
        for (form, status, words) in [
            (
                "from=WB&to=WA&decision=1%2FQĐ&date=2025-07-01",
                StatusCode::UNPROCESSABLE_ENTITY,
                "vẫn đang hoạt động",
            ),
            (
                "from=OLD&to=TAX&decision=1%2FQĐ&date=2025-07-01",
                StatusCode::FORBIDDEN,
                "quyền",
            ),
            (
                "from=WA&to=WA&decision=1%2FQĐ&date=2025-07-01",
                StatusCode::UNPROCESSABLE_ENTITY,
                "vẫn đang hoạt động",
            ),
            (
                "from=OLD&to=WA&decision=1%2FQĐ&date=2025-06-30",
                StatusCode::UNPROCESSABLE_ENTITY,
                "còn hoạt động đến hết ngày",
            ),
            (
                "from=OLD&to=WA&decision=+&date=2025-07-01",
                StatusCode::UNPROCESSABLE_ENTITY,
                "số quyết định",
            ),
        ] {
            let (s, _, body) = app
                .page("/can-bo/he-thong/don-vi/chuyen-giao", Some(form), &admin)
                .await;
            assert_eq!(s, status, "{url} {form}: {body}");
            assert!(body.contains(words), "{url} {form}: {body}");
        }
        let not_successor = sync(|| {
            app.store.store.write(|tx| {
                motcua_store::office::transfer(
                    tx,
                    Actor::System,
                    OLD_WARD,
                    WARD_B,
                    "1/QĐ",
                    NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
                    chrono::Utc::now(),
                )
            })
        });
        assert!(
            not_successor
                .unwrap_err()
                .to_string()
                .contains("không phải đơn vị kế thừa"),
            "{url}"
        );
        assert_eq!(app.count("events"), events, "{url}: nothing written");

        let (s, location, body) = app
            .page(
                "/can-bo/he-thong/don-vi/chuyen-giao",
                Some("from=OLD&to=WA&decision=1664%2FQĐ-UBND&date=2025-07-01"),
                &admin,
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{url}: {body}");
        assert_eq!(location.as_deref(), Some("/can-bo/he-thong/don-vi?ok=1"));
        assert_eq!(
            app.count("events"),
            events + 2,
            "{url}: one event per dossier"
        );
        for (id, was) in open.iter().zip(&before) {
            let d = load(*id);
            assert_eq!((d.unit.as_str(), d.current_unit.as_str()), (WARD_A, WARD_A));
            assert_eq!(d.due, was.due, "{url}: the deadline is kept");
            assert_eq!(d.code, was.code, "{url}: the code is kept");
            assert_eq!(d.status, was.status);
            let step = d.steps.last().unwrap();
            assert_eq!(
                (step.unit.as_str(), step.due),
                (WARD_A, was.steps.last().unwrap().due)
            );
            // The control sheet shows the hand-over from the closed unit, with the decision.
            let rows = motcua_domain::forms::control_sheet(&d);
            let moved = rows
                .iter()
                .find(|r| r.from_unit == OLD_WARD && r.to_unit == WARD_A)
                .unwrap_or_else(|| panic!("{url}: {rows:?}"));
            assert!(moved.note.as_deref().unwrap_or("").contains("1664/QĐ-UBND"));
            let history = sync(|| {
                app.store
                    .store
                    .read(|tx| motcua_store::dossiers::history(tx, *id))
                    .unwrap()
            });
            assert!(history.iter().any(|r| matches!(
                &r.event,
                motcua_domain::dossier::Event::Transferred { decision, date, .. }
                    if decision == "1664/QĐ-UBND" && date.to_string() == "2025-07-01"
            )));
        }
        let w = load(withdrawn);
        assert_eq!((w.unit.as_str(), w.status), (OLD_WARD, Status::Withdrawn));
        // A second run moves nothing; the record verifies.
        let again = sync(|| {
            app.store.store.write(|tx| {
                motcua_store::office::transfer(
                    tx,
                    Actor::System,
                    OLD_WARD,
                    WARD_A,
                    "1664/QĐ-UBND",
                    NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
                    chrono::Utc::now(),
                )
            })
        })
        .unwrap();
        assert!(again.dossiers.is_empty(), "{url}");
        assert_eq!(app.count("events"), events + 2, "{url}");
        let report = sync(|| {
            app.store
                .store
                .read(|tx| motcua_store::ledger::verify(tx, &[]))
                .unwrap()
        });
        assert!(report.findings.is_empty(), "{url}: {:?}", report.findings);
        // The successor's officers now see them in their queue.
        let officer = app.login(&format!("specialist.{WARD_A}")).await;
        let (s, v) = app
            .call("GET", "/api/v1/dossiers", Some(&officer), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        let codes: Vec<&str> = v["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|d| d["code"].as_str()).collect())
            .unwrap_or_default();
        for d in &before {
            assert!(codes.contains(&d.code.as_deref().unwrap()), "{url}: {v}");
        }
    }
}
