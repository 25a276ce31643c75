//! Who is looking at the page being rendered, as far as the navigation needs it: the kinds of work
//! the signed-in member of staff may do somewhere. Set by the page extractor (`auth::StaffPage`),
//! read by `nav.html`, so nobody is offered a page that would answer "no permission".

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use motcua_domain::authz::{Action, allows};
use motcua_domain::org::Grant;

tokio::task_local! {
    static VIEWER: Arc<Mutex<Vec<Action>>>;
}

/// The layer that gives every request its (empty) viewer.
pub async fn scope(req: Request, next: Next) -> Response {
    VIEWER.scope(Arc::default(), next.run(req)).await
}

/// Records what the signed-in member of staff may do (somewhere) for the page being served.
pub fn set(grants: &[Grant]) {
    let may: Vec<Action> = Action::ALL
        .into_iter()
        .filter(|a| grants.iter().any(|g| allows(g.role, *a)))
        .collect();
    let _ = VIEWER.try_with(|v| *v.lock().unwrap_or_else(|p| p.into_inner()) = may);
}

/// May the viewer do this kind of work somewhere? `action` is the action's snake_case name
/// (`desk`, `inspect`, `administer_unit`, `administer_system`, ...).
pub fn may(action: &str) -> bool {
    VIEWER
        .try_with(|v| {
            v.lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .any(|a| serde_json::to_value(a).is_ok_and(|n| n == action))
        })
        .unwrap_or(false)
}
