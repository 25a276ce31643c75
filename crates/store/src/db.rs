//! One portable SQL layer: values, rows and a transaction trait that both drivers implement.
//!
//! Queries are written once, in the SQL both databases understand, with `$1`-style placeholders;
//! the SQLite driver rewrites them to `?1`. Integers are BIGINT everywhere, instants are
//! milliseconds since the Unix epoch (UTC), dates are ISO text, structured data is JSON text.

use crate::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// A result row; getters fail with a clear error instead of panicking on an unexpected type.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value, StoreError> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Db(format!("column {i} missing")))
    }

    pub fn i64(&self, i: usize) -> Result<i64, StoreError> {
        match self.at(i)? {
            Value::Int(v) => Ok(*v),
            other => Err(StoreError::Db(format!(
                "column {i}: expected integer, got {other:?}"
            ))),
        }
    }

    pub fn opt_i64(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.i64(i).map(Some),
        }
    }

    pub fn f64(&self, i: usize) -> Result<f64, StoreError> {
        match self.at(i)? {
            Value::Real(v) => Ok(*v),
            Value::Int(v) => Ok(*v as f64),
            other => Err(StoreError::Db(format!(
                "column {i}: expected number, got {other:?}"
            ))),
        }
    }

    pub fn str(&self, i: usize) -> Result<&str, StoreError> {
        match self.at(i)? {
            Value::Text(v) => Ok(v),
            other => Err(StoreError::Db(format!(
                "column {i}: expected text, got {other:?}"
            ))),
        }
    }

    pub fn string(&self, i: usize) -> Result<String, StoreError> {
        self.str(i).map(str::to_owned)
    }

    pub fn opt_string(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.string(i).map(Some),
        }
    }

    /// [`Row::opt_string`] without a copy: the text is moved out of the row, which holds an empty
    /// text in its place afterwards.
    pub fn take_opt_string(&mut self, i: usize) -> Result<Option<String>, StoreError> {
        match self.0.get_mut(i) {
            Some(Value::Null) => Ok(None),
            Some(Value::Text(v)) => Ok(Some(std::mem::take(v))),
            _ => self.str(i).map(|_| None),
        }
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self, i: usize) -> Result<T, StoreError> {
        serde_json::from_str(self.str(i)?)
            .map_err(|e| StoreError::Db(format!("column {i}: stored JSON does not parse: {e}")))
    }
}

/// A query assembled piece by piece, numbering its placeholders as values are bound.
#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Value>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            params: vec![],
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `v`.
    pub fn bind(&mut self, v: impl Into<Value>) -> &mut Sql {
        self.params.push(v.into());
        self.text.push_str(&format!("${}", self.params.len()));
        self
    }

    /// Appends `(p1, p2, ...)` binding every value of a list (for `IN`).
    pub fn bind_list<'a>(&mut self, values: impl IntoIterator<Item = &'a String>) -> &mut Sql {
        self.text.push('(');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(v);
        }
        self.text.push(')');
        self
    }
}

/// Inserts rows with `head` ("INSERT INTO t (a, b) VALUES "), `per_statement` rows to a statement
/// (imports and rebuilds: a round trip per batch, not per row).
pub fn insert_many<R: IntoIterator<Item = Value>>(
    tx: &mut dyn Tx,
    head: &str,
    rows: impl IntoIterator<Item = R>,
    per_statement: usize,
) -> Result<(), StoreError> {
    upsert_many(tx, head, rows, per_statement, "")
}

/// [`insert_many`] with `tail` after each statement's rows (`ON CONFLICT ... DO UPDATE ...`).
/// The rows of one call must not share a conflict key: PostgreSQL refuses to update a row twice
/// in one statement.
pub fn upsert_many<R: IntoIterator<Item = Value>>(
    tx: &mut dyn Tx,
    head: &str,
    rows: impl IntoIterator<Item = R>,
    per_statement: usize,
    tail: &str,
) -> Result<(), StoreError> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut q = Sql::new(head);
        for (i, row) in rows.by_ref().take(per_statement.max(1)).enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            for (j, v) in row.into_iter().enumerate() {
                if j > 0 {
                    q.push(", ");
                }
                q.bind(v);
            }
            q.push(")");
        }
        q.push(tail);
        tx.exec_later(&q.text, &q.params)?;
    }
    Ok(())
}

/// A database transaction. Every command of the system runs in exactly one.
pub trait Tx {
    fn dialect(&self) -> Dialect;
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;

    /// A write whose answer the caller does not need now. PostgreSQL holds it and sends it with
    /// the next statement that needs an answer, or with the `COMMIT` (one round trip for many
    /// writes); an error in it fails the transaction then. Elsewhere it runs at once. Order is
    /// kept: a later read sees it.
    fn exec_later(&mut self, sql: &str, params: &[Value]) -> Result<(), StoreError> {
        self.exec(sql, params).map(|_| ())
    }

    /// Several reads whose parameters do not depend on one another: their rows, in order.
    /// PostgreSQL sends them in one pipeline (one round trip, with any held writes before them);
    /// elsewhere they run one after the other.
    fn query_batch(&mut self, queries: &[(&str, &[Value])]) -> Result<Vec<Vec<Row>>, StoreError> {
        queries
            .iter()
            .map(|(sql, params)| self.query(sql, params))
            .collect()
    }

    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs statements separated by semicolons (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;

    /// `FOR UPDATE` where the database has row locks (SQLite's write transactions lock everything).
    fn for_update(&self) -> &'static str {
        match self.dialect() {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }
}

/// Rewrites `$1` placeholders to SQLite's `?1`, leaving string literals alone. Both characters
/// looked at are ASCII, so the text between them is copied as it is.
pub fn sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_string = false;
    let mut copied = 0;
    for (i, b) in sql.bytes().enumerate() {
        match b {
            b'\'' => in_string = !in_string,
            b'$' if !in_string => {
                out.push_str(&sql[copied..i]);
                out.push('?');
                copied = i + 1;
            }
            _ => {}
        }
    }
    out.push_str(&sql[copied..]);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders() {
        assert_eq!(
            super::sqlite_placeholders("SELECT '$1', $2 WHERE a = $10"),
            "SELECT '$1', ?2 WHERE a = ?10"
        );
        assert_eq!(
            super::sqlite_placeholders("SELECT 'Hồ sơ $1' || $1, 'đã' WHERE b = $2"),
            "SELECT 'Hồ sơ $1' || ?1, 'đã' WHERE b = ?2"
        );
        assert_eq!(super::sqlite_placeholders("$1"), "?1");
        assert_eq!(super::sqlite_placeholders("SELECT 1"), "SELECT 1");
    }
}
