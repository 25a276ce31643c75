//! The OpenAPI 3.1 document of `/api/v1`, built from the same operations the router is built from
//! (`http::op::Op`), with the schemas of their Rust types (schemars, JSON Schema 2020-12, which is
//! what OpenAPI 3.1 uses).

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::http::error::Problem;
use crate::http::op::{Access, Op};

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Yêu cầu không hợp lệ / bad request",
        401 => "Chưa đăng nhập / not signed in",
        403 => "Không có quyền / forbidden",
        404 => "Không tìm thấy / not found",
        409 => "Xung đột phiên bản hoặc trạng thái / version or state conflict",
        413 => "Dữ liệu quá lớn / payload too large",
        415 => "Sai định dạng / unsupported media type",
        422 => "Dữ liệu không hợp lệ / invalid data",
        429 => "Quá nhiều yêu cầu / too many requests",
        503 => "Tạm thời không phục vụ được / temporarily unavailable",
        _ => "Lỗi / error",
    }
}

pub fn build(ops: &[Op]) -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut generator = settings.into_generator();
    let problem = generator.subschema_for::<Problem>().to_value();
    let mut paths = Map::new();
    for op in ops {
        let mut params: Vec<Value> = op
            .path_params
            .iter()
            .map(|(name, description, schema)| {
                json!({"name": name, "in": "path", "required": true,
                       "description": description, "schema": schema(&mut generator)})
            })
            .collect();
        if let Some(query) = op.query
            && let Value::Array(q) = query(&mut generator)
        {
            params.extend(q);
        }
        params.extend(op.headers.iter().map(|(name, description)| {
            json!({"name": name, "in": "header", "required": false,
                   "description": description, "schema": {"type": "string", "minLength": 1, "maxLength": 200}})
        }));
        let mut responses = Map::new();
        for r in &op.responses {
            let mut content = Map::new();
            for (media, schema) in &r.content {
                content.insert(
                    (*media).into(),
                    match schema {
                        Some(s) => json!({ "schema": s(&mut generator) }),
                        None => {
                            json!({ "schema": {"type": "string", "contentEncoding": "binary"} })
                        }
                    },
                );
            }
            responses.insert(
                r.status.to_string(),
                json!({"description": r.description, "content": content}),
            );
        }
        let mut problems = op.problems.clone();
        problems.extend([500, 503]);
        problems.sort_unstable();
        problems.dedup();
        for status in problems {
            responses.insert(
                status.to_string(),
                json!({"description": reason(status),
                       "content": {"application/problem+json": {"schema": problem}}}),
            );
        }
        let mut o = json!({
            "operationId": op.id,
            "tags": [op.tag],
            "summary": op.summary,
            "responses": responses,
        });
        if !op.description.is_empty() {
            o["description"] = json!(op.description);
        }
        if !params.is_empty() {
            o["parameters"] = Value::Array(params);
        }
        if let Some((media, schema)) = op.body {
            let mut content = json!({ "schema": schema(&mut generator) });
            if let Some(example) = &op.example {
                content["example"] = example.clone();
            }
            o["requestBody"] = json!({"required": true, "content": { media: content }});
        }
        o["security"] = match op.access {
            Access::Staff => json!([{ "bearer": [] }, { "cookie": [] }]),
            Access::Public => json!([]),
        };
        let entry = paths
            .entry(format!("/api/v1{}", op.path))
            .or_insert_with(|| Value::Object(Map::new()));
        entry[op.method] = o;
    }
    let schemas: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "motcua API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Một cửa điện tử / the electronic one-stop shop. Errors are application/problem+json with a Vietnamese `detail` and an English `detail_en`. Times are UTC (RFC 3339) unless a parameter says Vietnam local time."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE }
            },
            "schemas": schemas,
        }
    })
}
