//! One API operation: its method and path, what it takes (path and query parameters, a body), what
//! it answers (success and problem responses), who may call it, and its handler. The router and the
//! OpenAPI document are both built from the same list of operations, so nothing can be routed and
//! undocumented, or documented and not routed.

use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter, on};
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Value, json};

use crate::app::AppState;

/// A schema, written into the shared generator (which collects the named definitions).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Value;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    generator.subschema_for::<T>().to_value()
}

/// The properties of a query struct, expanded into one parameter each.
fn query_params_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    let root = generator.root_schema_for::<T>().to_value();
    let required: Vec<&str> = root["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = vec![];
    if let Some(props) = root["properties"].as_object() {
        for (name, schema) in props {
            let mut schema = schema.clone();
            let description = schema
                .as_object_mut()
                .and_then(|o| o.remove("description"))
                .unwrap_or(Value::Null);
            let mut p = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": schema,
            });
            if !description.is_null() {
                p["description"] = description;
            }
            out.push(p);
        }
    }
    Value::Array(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (rate-limited where it says so).
    Public,
    /// A signed-in member of staff (bearer token or session cookie).
    Staff,
}

pub struct Response {
    pub status: u16,
    pub description: &'static str,
    /// (media type, schema); none for an empty body.
    pub content: Vec<(&'static str, Option<SchemaFn>)>,
}

pub struct Op {
    pub method: &'static str,
    pub path: &'static str,
    pub id: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    pub access: Access,
    /// Path parameters: (name, description, schema).
    pub path_params: Vec<(&'static str, &'static str, SchemaFn)>,
    /// The query struct, expanded into parameters.
    pub query: Option<SchemaFn>,
    /// Header parameters: (name, description).
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: Option<(&'static str, SchemaFn)>,
    pub example: Option<Value>,
    pub responses: Vec<Response>,
    pub problems: Vec<u16>,
    pub handler: MethodRouter<AppState>,
}

impl Op {
    fn new<H, T>(
        filter: MethodFilter,
        method: &'static str,
        path: &'static str,
        id: &'static str,
        handler: H,
    ) -> Op
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        Op {
            method,
            path,
            id,
            tag: "",
            summary: "",
            description: "",
            access: Access::Public,
            path_params: vec![],
            query: None,
            headers: vec![],
            body: None,
            example: None,
            responses: vec![],
            problems: vec![],
            handler: on(filter, handler),
        }
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(
        path: &'static str,
        id: &'static str,
        handler: H,
    ) -> Op {
        Op::new(MethodFilter::GET, "get", path, id, handler)
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(
        path: &'static str,
        id: &'static str,
        handler: H,
    ) -> Op {
        Op::new(MethodFilter::POST, "post", path, id, handler)
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(
        path: &'static str,
        id: &'static str,
        handler: H,
    ) -> Op {
        Op::new(MethodFilter::DELETE, "delete", path, id, handler)
    }

    pub fn tag(mut self, tag: &'static str) -> Op {
        self.tag = tag;
        self
    }

    /// "tiếng Việt / English" as one line, and a longer description.
    pub fn doc(mut self, summary: &'static str, description: &'static str) -> Op {
        self.summary = summary;
        self.description = description;
        self
    }

    pub fn staff(mut self) -> Op {
        self.access = Access::Staff;
        self.problems.push(401);
        self
    }

    pub fn path<T: JsonSchema>(mut self, name: &'static str, description: &'static str) -> Op {
        self.path_params.push((name, description, schema_of::<T>));
        self
    }

    pub fn query<T: JsonSchema>(mut self) -> Op {
        self.query = Some(query_params_of::<T>);
        self.problems.push(400);
        self.problems.push(422);
        self
    }

    pub fn header(mut self, name: &'static str, description: &'static str) -> Op {
        self.headers.push((name, description));
        self
    }

    pub fn body<T: JsonSchema>(mut self) -> Op {
        self.body = Some(("application/json", schema_of::<T>));
        self.problems.extend([400, 413, 415, 422]);
        self
    }

    pub fn example(mut self, example: Value) -> Op {
        self.example = Some(example);
        self
    }

    /// A JSON answer of type `T`.
    pub fn ok<T: JsonSchema>(mut self, status: u16, description: &'static str) -> Op {
        self.responses.push(Response {
            status,
            description,
            content: vec![("application/json", Some(schema_of::<T>))],
        });
        self
    }

    /// Another kind of answer (a file).
    pub fn file(mut self, media_type: &'static str) -> Op {
        if let Some(r) = self.responses.last_mut() {
            r.content.push((media_type, None));
        }
        self
    }

    pub fn problems(mut self, statuses: &[u16]) -> Op {
        self.problems.extend_from_slice(statuses);
        self
    }

    /// Rate-limited per client address.
    pub fn limited(self) -> Op {
        self.problems(&[429])
    }
}
