//! Fees and payments (issue 15, item 4).
//!
//! - `dossier_fees` and `payments` are projections of the log (`Event::FeeAssessed`,
//!   `Event::FeePaid`): `dossiers::execute` rewrites a dossier's rows after those events
//!   (`on_event`), `dossiers::rebuild` writes them all again (`rows`), backups leave them out.
//! - `payment_requests`: each online payment request motcua sent to a gateway (order reference,
//!   amount, status pending / paid / failed, the gateway's answer). `confirm` is the IPN's write
//!   path: the reference must exist, the amount must be the one requested, a request already
//!   answered changes nothing; a successful one records the payment on the dossier's log
//!   (`Command::RecordPayment` by the system) in the same transaction.
//! - `reconciliation`: the payments of a day at a set of units, with totals per method.
//! - `indicator_inputs`: Decision 766 indicators 3.4-3.6 (the portal's "online payment" group).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{Actor, Command, Dossier, Event, Instant, to_local};
use motcua_domain::payment::{Payment, PaymentMethod};
use motcua_domain::stats::Period;
use serde::Serialize;

use crate::db::{Sql, Tx, Value};
use crate::dossiers::{Request, Target};
use crate::{StoreError, from_millis, millis};

/// Whether an event changes a dossier's fee rows.
pub fn touches(e: &Event) -> bool {
    matches!(e, Event::FeeAssessed { .. } | Event::FeePaid { .. })
}

/// The fee row and payment rows of a dossier's state (none when its fees were never assessed).
pub fn rows(id: i64, d: &Dossier) -> (Option<Vec<Value>>, Vec<Vec<Value>>) {
    let Some(f) = &d.fees else {
        return (None, vec![]);
    };
    let online = f
        .payments
        .iter()
        .any(|p| p.payment.method == PaymentMethod::Online);
    let fee = vec![
        Value::Int(id),
        Value::from(&d.unit),
        Value::from(&d.procedure.code),
        Value::from(d.received_at.map(millis)),
        Value::Int(f.assessment.total),
        Value::Int(f.paid()),
        Value::from(online),
    ];
    let payments = f
        .payments
        .iter()
        .map(|p| {
            vec![
                Value::Int(id),
                Value::Int(p.seq),
                Value::from(d.code.clone()),
                Value::from(&d.unit),
                Value::from(&d.procedure.code),
                Value::Text(to_local(p.at).date().to_string()),
                Value::Int(millis(p.at)),
                Value::from(p.payment.method.as_str()),
                Value::Int(p.payment.amount),
                Value::from(p.payment.receipt.clone()),
                Value::from(p.payment.gateway.clone()),
                Value::from(p.payment.reference.clone()),
                Value::from(p.payment.transaction.clone()),
            ]
        })
        .collect();
    (Some(fee), payments)
}

const FEE_COLUMNS: &str = "dossier_id, unit, procedure_code, received_at, total, paid, paid_online";
const PAYMENT_COLUMNS: &str = "dossier_id, seq, dossier_code, unit, procedure_code, day, paid_at, \
     method, amount, receipt, gateway, reference, transaction_no";

/// Inserts rows made by `rows` (for `rebuild`, into emptied tables).
pub fn insert(
    tx: &mut dyn Tx,
    fees: Vec<Vec<Value>>,
    payments: Vec<Vec<Value>>,
) -> Result<(), StoreError> {
    crate::db::insert_many(
        tx,
        &format!("INSERT INTO dossier_fees ({FEE_COLUMNS}) VALUES "),
        fees,
        200,
    )?;
    crate::db::insert_many(
        tx,
        &format!("INSERT INTO payments ({PAYMENT_COLUMNS}) VALUES "),
        payments,
        100,
    )
}

/// Empties the projections (before a rebuild).
pub fn clear(tx: &mut dyn Tx) -> Result<(), StoreError> {
    tx.exec("DELETE FROM dossier_fees", &[])?;
    tx.exec("DELETE FROM payments", &[])?;
    Ok(())
}

/// After an event of dossier `id` (its new state `d`): rewrites its rows when the event is a fee's.
pub fn on_event(tx: &mut dyn Tx, id: i64, d: &Dossier, e: &Event) -> Result<(), StoreError> {
    if !touches(e) {
        return Ok(());
    }
    tx.exec(
        "DELETE FROM dossier_fees WHERE dossier_id = $1",
        &[Value::Int(id)],
    )?;
    tx.exec(
        "DELETE FROM payments WHERE dossier_id = $1",
        &[Value::Int(id)],
    )?;
    let (fee, payments) = rows(id, d);
    insert(tx, fee.into_iter().collect(), payments)
}

/// An online payment request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PaymentRequest {
    pub reference: String,
    pub dossier_id: i64,
    pub gateway: String,
    /// In đồng.
    pub amount: i64,
    pub created_at: Instant,
    /// `pending`, `paid` or `failed`.
    pub status: String,
    pub response_code: Option<String>,
    pub transaction: Option<String>,
}

/// Records a new online payment request for what dossier `id` owes now; refused when it owes
/// nothing. The reference is `MC<id>T<milliseconds>` (letters and digits, unique per dossier and
/// instant, as VNPay's `vnp_TxnRef` must be).
pub fn create_request(
    tx: &mut dyn Tx,
    id: i64,
    gateway: &str,
    now: Instant,
) -> Result<PaymentRequest, StoreError> {
    let d = crate::dossiers::load_sealed(tx, id)?;
    let amount = d.fees.as_ref().map_or(0, |f| f.balance());
    if amount == 0 {
        return Err(StoreError::invalid(
            "hồ sơ không còn khoản phí, lệ phí nào phải nộp",
            "the dossier owes nothing",
        ));
    }
    let mut at = millis(now);
    // Two requests in the same millisecond get distinct references.
    loop {
        let reference = format!("MC{id}T{at}");
        let taken = tx
            .query_one(
                "SELECT 1 FROM payment_requests WHERE reference = $1",
                &[Value::from(&reference)],
            )?
            .is_some();
        if !taken {
            tx.exec(
                "INSERT INTO payment_requests (reference, dossier_id, gateway, amount, created_at, status) \
                 VALUES ($1, $2, $3, $4, $5, 'pending')",
                &[
                    Value::from(&reference),
                    Value::Int(id),
                    Value::from(gateway),
                    Value::Int(amount),
                    Value::Int(at),
                ],
            )?;
            return Ok(PaymentRequest {
                reference,
                dossier_id: id,
                gateway: gateway.to_owned(),
                amount,
                created_at: from_millis(at)?,
                status: "pending".into(),
                response_code: None,
                transaction: None,
            });
        }
        at += 1;
    }
}

/// A request by its reference.
pub fn request(tx: &mut dyn Tx, reference: &str) -> Result<Option<PaymentRequest>, StoreError> {
    tx.query_one(
        "SELECT reference, dossier_id, gateway, amount, created_at, status, response_code, transaction_no \
         FROM payment_requests WHERE reference = $1",
        &[Value::from(reference)],
    )?
    .map(|r| {
        Ok(PaymentRequest {
            reference: r.string(0)?,
            dossier_id: r.i64(1)?,
            gateway: r.string(2)?,
            amount: r.i64(3)?,
            created_at: from_millis(r.i64(4)?)?,
            status: r.string(5)?,
            response_code: r.opt_string(6)?,
            transaction: r.opt_string(7)?,
        })
    })
    .transpose()
}

/// What a gateway's verified notification says (its signature already checked by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub gateway: String,
    pub reference: String,
    /// In đồng.
    pub amount: i64,
    pub transaction: String,
    /// The gateway says the money was taken.
    pub success: bool,
    /// The gateway's response code, kept with the request.
    pub code: String,
}

/// What `confirm` did, in the terms of VNPay's IPN answer codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// 00: recorded (paid, or a failure noted).
    Confirmed,
    /// 01: no such reference.
    NotFound,
    /// 02: already answered; nothing changed.
    AlreadyConfirmed,
    /// 04: not the amount requested; nothing changed.
    InvalidAmount,
}

/// The IPN's write path: checks the reference, the amount and that the request is still pending;
/// records the payment on the dossier (a settled fee resumes it) or the failure. Idempotent: the
/// same notification again answers `AlreadyConfirmed` and changes nothing.
pub fn confirm(
    tx: &mut dyn Tx,
    calendar: &WorkCalendar,
    n: &Notification,
    now: Instant,
) -> Result<Confirmation, StoreError> {
    let Some(row) = tx.query_one(
        &format!(
            "SELECT dossier_id, amount, status, gateway FROM payment_requests WHERE reference = $1{}",
            tx.for_update()
        ),
        &[Value::from(&n.reference)],
    )?
    else {
        return Ok(Confirmation::NotFound);
    };
    let (id, amount, status, gateway) = (row.i64(0)?, row.i64(1)?, row.string(2)?, row.string(3)?);
    if gateway != n.gateway {
        return Ok(Confirmation::NotFound);
    }
    if amount != n.amount {
        return Ok(Confirmation::InvalidAmount);
    }
    if status != "pending" {
        return Ok(Confirmation::AlreadyConfirmed);
    }
    let new_status = if n.success {
        let d = crate::dossiers::load_sealed(tx, id)?;
        crate::dossiers::execute(
            tx,
            calendar,
            vec![Request {
                target: Target::Existing {
                    id,
                    expected_version: d.version,
                },
                actor: Actor::System,
                command: Command::RecordPayment {
                    payment: Payment {
                        method: PaymentMethod::Online,
                        amount,
                        receipt: None,
                        gateway: Some(gateway),
                        reference: Some(n.reference.clone()),
                        transaction: Some(n.transaction.clone()),
                    },
                },
                now,
            }],
        )?;
        "paid"
    } else {
        "failed"
    };
    tx.exec(
        "UPDATE payment_requests SET status = $2, answered_at = $3, response_code = $4, \
         transaction_no = $5 WHERE reference = $1",
        &[
            Value::from(&n.reference),
            Value::from(new_status),
            Value::Int(millis(now)),
            Value::from(&n.code),
            Value::from(&n.transaction),
        ],
    )?;
    Ok(Confirmation::Confirmed)
}

/// One payment in the reconciliation report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PaymentLine {
    pub dossier_id: i64,
    pub dossier_code: Option<String>,
    pub unit: String,
    pub procedure_code: String,
    pub paid_at: Instant,
    /// `cash`, `transfer` or `online`.
    pub method: String,
    pub amount: i64,
    pub receipt: Option<String>,
    pub gateway: Option<String>,
    pub reference: Option<String>,
    pub transaction: Option<String>,
}

/// The reconciliation of a day: every payment at the units, totals per method, and the online
/// requests of the day still pending or failed (what the gateway's statement may disagree on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Reconciliation {
    pub day: NaiveDate,
    pub units: Vec<String>,
    pub payments: Vec<PaymentLine>,
    /// Method -> (count, amount in đồng).
    pub totals: BTreeMap<String, (i64, i64)>,
    pub total: i64,
    pub unanswered_requests: Vec<PaymentRequest>,
}

/// The payments of local day `day` at `units`, in time order.
pub fn reconciliation(
    tx: &mut dyn Tx,
    units: &[String],
    day: NaiveDate,
) -> Result<Reconciliation, StoreError> {
    let mut out = Reconciliation {
        day,
        units: units.to_vec(),
        payments: vec![],
        totals: BTreeMap::new(),
        total: 0,
        unanswered_requests: vec![],
    };
    if units.is_empty() {
        return Ok(out);
    }
    let mut q = Sql::new(
        "SELECT dossier_id, dossier_code, unit, procedure_code, paid_at, method, amount, receipt, \
         gateway, reference, transaction_no FROM payments WHERE day = ",
    );
    q.bind(day.to_string());
    q.push(" AND unit IN ");
    q.bind_list(units);
    q.push(" ORDER BY paid_at, dossier_id, seq");
    for r in tx.query(&q.text, &q.params)? {
        let line = PaymentLine {
            dossier_id: r.i64(0)?,
            dossier_code: r.opt_string(1)?,
            unit: r.string(2)?,
            procedure_code: r.string(3)?,
            paid_at: from_millis(r.i64(4)?)?,
            method: r.string(5)?,
            amount: r.i64(6)?,
            receipt: r.opt_string(7)?,
            gateway: r.opt_string(8)?,
            reference: r.opt_string(9)?,
            transaction: r.opt_string(10)?,
        };
        let t = out.totals.entry(line.method.clone()).or_default();
        t.0 += 1;
        t.1 += line.amount;
        out.total += line.amount;
        out.payments.push(line);
    }
    let start = motcua_domain::dossier::from_local(day.and_hms_opt(0, 0, 0).unwrap_or_default());
    let end = start + chrono::TimeDelta::days(1);
    let mut q = Sql::new(
        "SELECT r.reference, r.dossier_id, r.gateway, r.amount, r.created_at, r.status, \
         r.response_code, r.transaction_no FROM payment_requests r JOIN dossiers d ON d.id = r.dossier_id \
         WHERE r.status <> 'paid' AND r.created_at >= ",
    );
    q.bind(millis(start));
    q.push(" AND r.created_at < ");
    q.bind(millis(end));
    q.push(" AND d.unit IN ");
    q.bind_list(units);
    q.push(" ORDER BY r.created_at");
    for r in tx.query(&q.text, &q.params)? {
        out.unanswered_requests.push(PaymentRequest {
            reference: r.string(0)?,
            dossier_id: r.i64(1)?,
            gateway: r.string(2)?,
            amount: r.i64(3)?,
            created_at: from_millis(r.i64(4)?)?,
            status: r.string(5)?,
            response_code: r.opt_string(6)?,
            transaction: r.opt_string(7)?,
        });
    }
    Ok(out)
}

/// Decision 766 inputs over a scope and period: `fee_dossiers` (dossiers received in the period
/// whose assessed fees are more than nothing), `paid_online` (of those, paid online),
/// `procedures_paid_online` (of the procedures `payable_online`, 3.4's denominator, those with an
/// online payment in the period).
/// Counted from the projection tables: reports read the same figures from the counters
/// (`stats`, Decision 766 3.4-3.6 and 4.5); tests compare the two.
pub fn indicator_inputs(
    tx: &mut dyn Tx,
    units: &[String],
    procedures: Option<&[String]>,
    period: &Period,
    payable_online: &std::collections::BTreeSet<String>,
) -> Result<BTreeMap<String, i64>, StoreError> {
    let mut out = BTreeMap::new();
    let empty = units.is_empty() || procedures.is_some_and(|p| p.is_empty());
    let scoped = |q: &mut Sql, column: &str| {
        q.push(&format!(" AND {column}unit IN "));
        q.bind_list(units);
        if let Some(p) = procedures {
            q.push(&format!(" AND {column}procedure_code IN "));
            q.bind_list(p);
        }
    };
    for (name, filter) in [
        ("fee_dossiers", "total > 0"),
        ("paid_online", "total > 0 AND paid_online = 1"),
    ] {
        let mut n = 0;
        if !empty {
            let mut q = Sql::new(&format!(
                "SELECT COUNT(*) FROM dossier_fees WHERE {filter} AND received_at >= "
            ));
            q.bind(millis(period.start()));
            q.push(" AND received_at < ");
            q.bind(millis(period.end()));
            scoped(&mut q, "");
            n = tx
                .query_one(&q.text, &q.params)?
                .map(|r| r.i64(0))
                .transpose()?
                .unwrap_or(0);
        }
        out.insert(name.to_owned(), n);
    }
    let mut n = 0;
    if !empty {
        let mut q = Sql::new(
            "SELECT DISTINCT procedure_code FROM payments WHERE method = 'online' AND paid_at >= ",
        );
        q.bind(millis(period.start()));
        q.push(" AND paid_at < ");
        q.bind(millis(period.end()));
        scoped(&mut q, "");
        for r in tx.query(&q.text, &q.params)? {
            n += i64::from(payable_online.contains(r.str(0)?));
        }
    }
    out.insert("procedures_paid_online".to_owned(), n);
    Ok(out)
}

/// What dossier `id` was assessed and has paid, in đồng (None: never assessed).
pub fn owed(tx: &mut dyn Tx, id: i64) -> Result<Option<(i64, i64)>, StoreError> {
    tx.query_one(
        "SELECT total, paid FROM dossier_fees WHERE dossier_id = $1",
        &[Value::Int(id)],
    )?
    .map(|r| Ok((r.i64(0)?, r.i64(1)?)))
    .transpose()
}

/// Whether dossier `id` has an online payment request still waiting for the gateway's answer.
pub fn has_pending_request(tx: &mut dyn Tx, id: i64) -> Result<bool, StoreError> {
    Ok(tx
        .query_one(
            "SELECT 1 FROM payment_requests WHERE dossier_id = $1 AND status = 'pending'",
            &[Value::Int(id)],
        )?
        .is_some())
}
