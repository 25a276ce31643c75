//! Who may look after the outbox (a system administrator anywhere: the outbox is the
//! installation's), what they see, and retry / give-up, each in one transaction.

use chrono::Utc;
use motcua_domain::authz::{Action, allows};
use motcua_domain::org::Staff;
use motcua_store::outbox::{self, Counts, Message};
use motcua_store::{StoreError, Tx, millis};

use crate::http::ApiError;

/// What the page and `GET /outbox` show.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Overview {
    pub connectors: Vec<Counts>,
    /// Dead letters, newest first (at most 200).
    pub failed: Vec<Message>,
    /// Messages being retried after a failure, newest first (at most 200).
    pub retrying: Vec<Message>,
    /// Messages delivered or given up lately, newest first (at most 50): the flow.
    #[serde(default)]
    pub recent: Vec<Message>,
}

pub fn check(staff: &Staff) -> Result<(), ApiError> {
    if staff
        .grants
        .iter()
        .any(|g| allows(g.role, Action::AdministerSystem))
    {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

pub fn overview(tx: &mut dyn Tx, staff: &Staff) -> Result<Overview, ApiError> {
    check(staff)?;
    Ok(Overview {
        connectors: outbox::counts(tx)?,
        failed: outbox::list(tx, "dead", 200)?,
        retrying: outbox::list(tx, "pending", 1000)?
            .into_iter()
            .filter(|m| m.last_error.is_some())
            .take(200)
            .collect(),
        recent: {
            let mut recent = outbox::list(tx, "delivered", 50)?;
            recent.extend(outbox::list(tx, "given_up", 50)?);
            recent.sort_by_key(|m| std::cmp::Reverse((m.updated_at, m.id)));
            recent.truncate(50);
            recent
        },
    })
}

/// Retry (`give_up` false) or give up one message.
pub fn handle(tx: &mut dyn Tx, staff: &Staff, id: i64, give_up: bool) -> Result<Message, ApiError> {
    check(staff)?;
    if outbox::get(tx, id)?.is_none() {
        return Err(
            StoreError::not_found(format!("tin nhắn {id}"), format!("message {id}")).into(),
        );
    }
    let now = millis(Utc::now());
    if give_up {
        outbox::give_up(tx, id, &staff.username, now)?;
    } else {
        outbox::retry(tx, id, &staff.username, now)?;
    }
    Ok(outbox::get(tx, id)?.expect("still there"))
}
