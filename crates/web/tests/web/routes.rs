//! The route table: every documented operation is routed, rate limits apply, cross-site writes are refused.

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_route_exists_and_limits_apply() {
    let url = sync(test_db_urls).remove(0);
    let settings = Settings {
        login_rate_per_minute: 3,
        public_rate_per_minute: 5,
        ..Settings::default()
    };
    let app = sync(|| TestApp::new(&url, settings));
    // Documented -> routed: every operation of the document answers, and not with "no such route".
    let (_, doc) = app.call("GET", "/api/v1/openapi.json", None, None).await;
    let mut documented = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
            let concrete = path.replace("{code}", "X").replace("{id}", "1");
            let (_, v) = app
                .call(&method.to_uppercase(), &concrete, None, None)
                .await;
            assert_ne!(v["type"], "urn:motcua:problem:no-route", "{method} {path}");
        }
    }
    // Routed -> documented: the API router is built from `operations()` alone, and each of them is
    // in the document (with /openapi.json itself, the one route that serves the document).
    let ops = motcua_web::operations();
    for op in &ops {
        assert!(
            documented.contains(&(op.method.to_owned(), format!("/api/v1{}", op.path))),
            "{} {} is routed but not documented",
            op.method,
            op.path
        );
    }
    assert_eq!(documented.len(), ops.len());
    let (_, v) = app.call("GET", "/api/v1/nothing-here", None, None).await;
    assert_eq!(v["type"], "urn:motcua:problem:no-route");
    // Login: 3 tries a minute per address (one was used above), then 429.
    let mut statuses = vec![];
    for _ in 0..4 {
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "x", "password": "y"})),
            )
            .await;
        statuses.push(s.as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    let mut statuses = vec![];
    for _ in 0..8 {
        let (s, _) = app
            .call(
                "GET",
                "/api/v1/public/lookup?code=W1&secret=1234",
                None,
                None,
            )
            .await;
        statuses.push(s.as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // Cookie sessions refuse cross-site writes.
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/auth/logout")
        .header("cookie", "motcua_session=abc")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = app.send(req).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// Every `$ref` in a document, as JSON pointers.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_document_describes_every_parameter_body_and_answer() {
    let url = sync(test_db_urls).remove(0);
    let app = sync(|| TestApp::new(&url, relaxed()));
    let (s, doc) = app.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let mut operations = 0;
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let name = format!("{method} {path}");
            assert!(
                ids.insert(op["operationId"].as_str().unwrap().to_owned()),
                "{name}: operationId twice"
            );
            assert!(
                !op["summary"].as_str().unwrap().is_empty(),
                "{name}: summary"
            );
            // Every {parameter} of the path is declared, with a schema.
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| {
                            assert!(p["schema"].is_object(), "{name}: schema of {p}");
                            p["name"].as_str().unwrap()
                        })
                        .collect()
                })
                .unwrap_or_default();
            let wanted: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            assert_eq!(declared, wanted, "{name}: path parameters");
            // A write takes a described body (but signing out, which takes none): JSON, or a file.
            if method == "post" && !path.ends_with("/auth/logout") {
                let content = &op["requestBody"]["content"];
                let schema = content
                    .as_object()
                    .and_then(|c| c.get("application/json").or_else(|| c.values().next()))
                    .map_or(&Value::Null, |m| &m["schema"]);
                assert!(schema.is_object(), "{name}: request body");
            }
            // A success with a schema that is not "anything", and problems as problem+json.
            let responses = op["responses"].as_object().unwrap();
            let ok = responses
                .iter()
                .find(|(s, _)| s.starts_with('2'))
                .unwrap_or_else(|| panic!("{name}: no success"));
            // JSON with a schema, or a file (a PDF download) described as binary.
            let content = &ok.1["content"];
            let schema = content
                .get("application/json")
                .or_else(|| content.as_object().and_then(|c| c.values().next()))
                .map_or(&Value::Null, |m| &m["schema"]);
            assert!(
                schema.get("$ref").is_some() || schema.get("type").is_some(),
                "{name}: success schema {schema}"
            );
            for (status, r) in responses.iter().filter(|(s, _)| !s.starts_with('2')) {
                assert_eq!(
                    r["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{name} {status}"
                );
            }
        }
    }
    assert_eq!(operations, motcua_web::operations().len());
    // Every reference resolves.
    let mut all = vec![];
    refs(&doc, &mut all);
    assert!(all.len() > 50);
    for r in all {
        let pointer = r.strip_prefix('#').unwrap();
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
}
