//! The OpenAPI 3.1 document of `/api/v1`, written by hand from one table of routes (the router test
//! checks that every documented route exists).

use axum::Json;
use serde_json::{Map, Value, json};

/// (method, path, summary, needs a staff session)
pub const ROUTES: &[(&str, &str, &str, bool)] = &[
    ("get", "/health", "Liveness / the process answers", false),
    ("get", "/ready", "Readiness / the database answers", false),
    ("get", "/openapi.json", "This document", false),
    (
        "post",
        "/auth/login",
        "Đăng nhập / sign in (rate-limited); returns a bearer token and a session cookie",
        false,
    ),
    ("post", "/auth/logout", "Đăng xuất / sign out", true),
    (
        "get",
        "/auth/me",
        "Tài khoản hiện tại / the signed-in member of staff",
        true,
    ),
    (
        "get",
        "/units",
        "Đơn vị hành chính / administrative units",
        false,
    ),
    ("get", "/units/{code}", "Một đơn vị / one unit", false),
    (
        "get",
        "/units/{code}/procedures",
        "Danh mục phải niêm yết, đã niêm yết và còn thiếu / what a unit must post, has posted, and its gaps ?on",
        false,
    ),
    (
        "post",
        "/units/{code}/postings",
        "Ghi nhận niêm yết / record what the unit has posted {code, version, posted_on}",
        true,
    ),
    (
        "get",
        "/procedures",
        "Tìm thủ tục (có hoặc không dấu) / ranked search ?q&field&level&unit&online&on&offset&limit",
        false,
    ),
    (
        "get",
        "/procedures/{code}",
        "Một thủ tục và các phiên bản / a procedure and its versions ?on",
        false,
    ),
    (
        "get",
        "/announcements",
        "Quyết định công bố / announcement decisions",
        false,
    ),
    (
        "get",
        "/calendar/lunar",
        "Âm lịch của một ngày / lunar date of ?date=YYYY-MM-DD",
        false,
    ),
    (
        "get",
        "/calendar/solar",
        "Dương lịch của ngày âm / solar date of ?year&month&day[&leap]",
        false,
    ),
    (
        "get",
        "/calendar/days",
        "Ngày làm việc, ngày nghỉ / working days and days off ?from&to",
        false,
    ),
    (
        "get",
        "/calendar/due",
        "Hạn giải quyết / due time ?received=YYYY-MM-DDTHH:MM&(days|hours)",
        false,
    ),
    (
        "get",
        "/dossiers",
        "Danh sách hồ sơ / dossiers in the caller's scope: ?unit&by&status&procedure&received_from&received_to&due_before&overdue&after&limit",
        true,
    ),
    (
        "post",
        "/dossiers",
        "Tiếp nhận hồ sơ tại quầy / receive a complete dossier at the desk or by post (Idempotency-Key supported)",
        true,
    ),
    (
        "get",
        "/dossiers/{id}",
        "Hồ sơ, phiếu kiểm soát, lịch sử / dossier, control sheet, history",
        true,
    ),
    (
        "post",
        "/dossiers/{id}/{action}",
        "Thao tác / action: receive, request-supplement, supplement, refuse, hand-over, pause, resume, apologize, result-ready, return, withdraw; body {version, ...}",
        true,
    ),
    (
        "post",
        "/public/dossiers",
        "Nộp hồ sơ trực tuyến / online submission (rate-limited)",
        false,
    ),
    (
        "get",
        "/public/lookup",
        "Tra cứu hồ sơ / look a dossier up ?code&phone_last4 (rate-limited, no personal data)",
        false,
    ),
    (
        "post",
        "/public/rating",
        "Đánh giá / rate a returned dossier (rate-limited)",
        false,
    ),
    (
        "get",
        "/inspections",
        "Các đợt kiểm tra CCHC / the inspections the caller may see (POST: a new one from its plan)",
        true,
    ),
    (
        "get",
        "/inspections/{id}",
        "Một đợt kiểm tra và dự thảo thông báo kết luận / an inspection, its version and its conclusion notice",
        true,
    ),
    (
        "post",
        "/inspections/{id}/changes",
        "Một thay đổi / one change {version, change: {action: decision|add_member|add_visit|add_finding|edit_finding|remove_finding|conclude|add_task|tasks_from_shortcomings|complete_task, ...}}",
        true,
    ),
    (
        "post",
        "/inspections/{id}/checks",
        "Kiểm tra tự động / run the automatic checks and draft their findings {version}",
        true,
    ),
    (
        "get",
        "/reports",
        "Báo cáo và chỉ số 766 / the report of a unit with its sub-units ?unit&from=YYYY-MM&to=YYYY-MM&by=unit|field|procedure&procedure&field&format=json|csv|xlsx (leaders, inspectors)",
        true,
    ),
];

pub fn build() -> Value {
    let mut paths = Map::new();
    for (method, path, summary, auth) in ROUTES {
        let mut op = json!({
            "summary": summary,
            "responses": {
                "200": { "description": "OK", "content": { "application/json": {} } },
                "default": {
                    "description": "Lỗi / error",
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                }
            }
        });
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if *auth {
            op["security"] = json!([{ "bearer": [] }, { "cookie": [] }]);
        }
        let entry = paths
            .entry(path.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "motcua API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Một cửa điện tử / the electronic one-stop shop. Errors are application/problem+json with a Vietnamese `detail` and an English `detail_en`. Times are UTC (RFC 3339) unless a parameter says Vietnam local time."
        },
        "servers": [{ "url": "/api/v1" }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE }
            },
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "detail", "detail_en"],
                    "properties": {
                        "type": { "type": "string" },
                        "title": { "type": "string" },
                        "status": { "type": "integer" },
                        "detail": { "type": "string", "description": "tiếng Việt" },
                        "detail_en": { "type": "string", "description": "English" },
                        "field": { "type": "string" }
                    }
                }
            }
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(build())
}
