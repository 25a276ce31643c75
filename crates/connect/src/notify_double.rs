//! Local doubles of the notification channels on loopback, for tests and `motcua demo`: an SMTP
//! server that speaks enough of RFC 5321 for a client (EHLO/HELO, MAIL, RCPT, DATA with dot
//! unstuffing, RSET, NOOP, QUIT) and keeps each message; an SMS gateway and a Zalo ZNS endpoint
//! that check the credential and keep each request. Each can be stopped (callers meet a refused
//! connection) and restarted on the same port with what it kept, or told to refuse the next
//! messages: SMTP 451 (temporary) or 550 (for good), an HTTP status. Plain `std::net`, one thread
//! per connection, like the portal's double.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::double::{Listener, answer, lock, read_request};

// ----- SMTP ----------------------------------------------------------------------------------

/// One message the SMTP double accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The envelope's sender and recipients (without the angle brackets).
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and body), dot-unstuffed, lines ending in CRLF.
    pub data: String,
}

impl Mail {
    /// The value of a header (the first of that name, unfolded), if any.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let mut out: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(v) = out.as_mut() {
                    v.push_str(line.trim_start());
                }
                continue;
            }
            if out.is_some() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case(name)
            {
                out = Some(v.trim().to_owned());
            }
        }
        out
    }

    /// The body as text: decoded when sent in base64, else as it came.
    pub fn text(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let base64 = self
            .header("Content-Transfer-Encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("base64"));
        if base64 {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default()
        } else {
            body.to_owned()
        }
    }
}

/// What the SMTP double answers the next messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpFault {
    /// `451 4.3.0` to MAIL: try again later.
    Temporary,
    /// `550 5.1.1 <recipient>: no such user` to RCPT: refused for good (quoting the address, as
    /// real servers do).
    Permanent,
}

#[derive(Debug, Default)]
pub struct SmtpState {
    pub mails: Vec<Mail>,
    /// Sessions opened.
    pub sessions: u64,
    faults: VecDeque<SmtpFault>,
}

pub struct SmtpDouble {
    listener: Listener,
    state: Arc<Mutex<SmtpState>>,
}

impl SmtpDouble {
    /// Starts on a free loopback port.
    pub fn start() -> std::io::Result<SmtpDouble> {
        let state: Arc<Mutex<SmtpState>> = Arc::default();
        let s = state.clone();
        let listener = Listener::start(Arc::new(move |stream| {
            let _ = smtp_session(stream, &s);
        }))?;
        Ok(SmtpDouble { listener, state })
    }

    /// `[notify.email] smtp_url` for it (unencrypted, which loopback allows).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.listener.addr())
    }

    pub fn mails(&self) -> Vec<Mail> {
        lock(&self.state).mails.clone()
    }

    pub fn state(&self) -> MutexGuard<'_, SmtpState> {
        lock(&self.state)
    }

    /// Queues refusals for the next messages, in order.
    pub fn fail_next(&self, faults: &[SmtpFault]) {
        lock(&self.state).faults.extend(faults.iter().copied());
    }

    /// Stops listening: callers meet a refused connection until `restart`.
    pub fn stop(&mut self) {
        self.listener.stop();
    }

    pub fn restart(&mut self) -> std::io::Result<()> {
        self.listener.stop();
        self.listener.listen()
    }
}

/// The address inside `MAIL FROM:<a> ...` or `RCPT TO:<a> ...`.
fn path_of(arg: &str) -> String {
    let arg = arg.trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(a), Some(b)) if b > a => arg[a + 1..b].to_owned(),
        _ => arg.split_whitespace().next().unwrap_or("").to_owned(),
    }
}

fn smtp_session(stream: TcpStream, state: &Mutex<SmtpState>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    // Each reply in one segment, sent at once (no wait for the client's delayed ACK).
    stream.set_nodelay(true)?;
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    lock(state).sessions += 1;
    let mut say = |text: &str| -> std::io::Result<()> {
        out.write_all(format!("{text}\r\n").as_bytes())?;
        out.flush()
    };
    say("220 motcua-smtp-double ESMTP ready")?;
    let (mut from, mut to, mut fault): (Option<String>, Vec<String>, Option<SmtpFault>) =
        (None, vec![], None);
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end_matches(['\r', '\n']);
        let (verb, arg) = command.split_once([' ', ':']).unwrap_or((command, ""));
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" => say("250-motcua-smtp-double\r\n250-8BITMIME\r\n250 SIZE 10485760")?,
            "HELO" => say("250 motcua-smtp-double")?,
            "MAIL" => {
                fault = lock(state).faults.pop_front();
                if fault == Some(SmtpFault::Temporary) {
                    say("451 4.3.0 Temporary failure, try again later")?;
                    continue;
                }
                from = Some(path_of(arg.split_once(':').map_or(arg, |(_, r)| r)));
                to.clear();
                say("250 2.1.0 Ok")?;
            }
            "RCPT" => {
                let rcpt = path_of(arg.split_once(':').map_or(arg, |(_, r)| r));
                if from.is_none() {
                    say("503 5.5.1 MAIL first")?;
                } else if fault == Some(SmtpFault::Permanent) {
                    say(&format!(
                        "550 5.1.1 <{rcpt}>: Recipient address rejected: no such user"
                    ))?;
                } else {
                    to.push(rcpt);
                    say("250 2.1.5 Ok")?;
                }
            }
            "DATA" => {
                if from.is_none() || to.is_empty() {
                    say("503 5.5.1 MAIL and RCPT first")?;
                    continue;
                }
                say("354 End data with <CR><LF>.<CR><LF>")?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    let l = line.trim_end_matches(['\r', '\n']);
                    if l == "." {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(l));
                    data.push_str("\r\n");
                }
                let n = {
                    let mut s = lock(state);
                    s.mails.push(Mail {
                        from: from.take().unwrap_or_default(),
                        to: std::mem::take(&mut to),
                        data,
                    });
                    s.mails.len()
                };
                say(&format!("250 2.0.0 Ok: queued as D{n}"))?;
            }
            "RSET" => {
                from = None;
                to.clear();
                say("250 2.0.0 Ok")?;
            }
            "NOOP" => say("250 2.0.0 Ok")?,
            "QUIT" => {
                say("221 2.0.0 Bye")?;
                return Ok(());
            }
            _ => say("502 5.5.2 Command not recognized")?,
        }
    }
}

// ----- HTTP gateways (SMS, Zalo ZNS) -------------------------------------------------------------

/// One request a gateway double kept.
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayRequest {
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl GatewayRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (Null when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Which gateway a double plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    /// An SMS gateway: the token must appear in a header or the body, else 401; answers 200.
    Sms,
    /// Zalo ZNS: the `access_token` header must be the token, else `error` -124; answers
    /// `{"error": 0, "message": "Success", "data": {"msg_id", "sent_time", "quota"}}`.
    Zalo,
}

#[derive(Debug, Default)]
pub struct GatewayState {
    /// Requests accepted (credential right, no fault).
    pub requests: Vec<GatewayRequest>,
    /// Every request seen, refused ones included.
    pub seen: u64,
    faults: VecDeque<u16>,
}

pub struct GatewayDouble {
    listener: Listener,
    state: Arc<Mutex<GatewayState>>,
}

/// The doubles' path (`[notify.sms] url` / `[notify.zalo] url` = `url()`).
pub const SMS_PATH: &str = "/sms/send";
pub const ZNS_PATH: &str = "/message/template";

impl GatewayDouble {
    /// Starts on a free loopback port, accepting `token`.
    pub fn start(kind: Gateway, token: &str) -> std::io::Result<GatewayDouble> {
        let state: Arc<Mutex<GatewayState>> = Arc::default();
        let (s, token) = (state.clone(), token.to_owned());
        let listener = Listener::start(Arc::new(move |stream| {
            let _ = gateway(stream, kind, &token, &s);
        }))?;
        Ok(GatewayDouble { listener, state })
    }

    /// The address to configure: `http://127.0.0.1:PORT/sms/send` or `.../message/template`.
    pub fn url(&self, kind: Gateway) -> String {
        let path = match kind {
            Gateway::Sms => SMS_PATH,
            Gateway::Zalo => ZNS_PATH,
        };
        format!("http://{}{path}", self.listener.addr())
    }

    pub fn requests(&self) -> Vec<GatewayRequest> {
        lock(&self.state).requests.clone()
    }

    pub fn state(&self) -> MutexGuard<'_, GatewayState> {
        lock(&self.state)
    }

    /// Answers the next requests with these HTTP statuses (nothing kept), in order.
    pub fn fail_next(&self, statuses: &[u16]) {
        lock(&self.state).faults.extend(statuses.iter().copied());
    }

    pub fn stop(&mut self) {
        self.listener.stop();
    }

    pub fn restart(&mut self) -> std::io::Result<()> {
        self.listener.stop();
        self.listener.listen()
    }
}

fn gateway(
    mut stream: TcpStream,
    kind: Gateway,
    token: &str,
    state: &Mutex<GatewayState>,
) -> std::io::Result<()> {
    let (path, headers, body) = read_request(&mut stream)?;
    let request = GatewayRequest {
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let fault = {
        let mut s = lock(state);
        s.seen += 1;
        s.faults.pop_front()
    };
    if let Some(status) = fault {
        return answer(&mut stream, status, &json!({"error": status}));
    }
    match kind {
        Gateway::Sms => {
            let authorised = request.body.contains(token)
                || request.headers.iter().any(|(_, v)| v.contains(token));
            if !authorised {
                return answer(&mut stream, 401, &json!({"status": "unauthorized"}));
            }
            let n = {
                let mut s = lock(state);
                s.requests.push(request);
                s.requests.len()
            };
            answer(&mut stream, 200, &json!({"status": "queued", "id": n}))
        }
        Gateway::Zalo => {
            if request.header("access_token") != Some(token) {
                return answer(
                    &mut stream,
                    200,
                    &json!({"error": -124, "message": "Access token is invalid"}),
                );
            }
            let n = {
                let mut s = lock(state);
                s.requests.push(request);
                s.requests.len()
            };
            answer(
                &mut stream,
                200,
                &json!({"error": 0, "message": "Success", "data": {
                    "msg_id": format!("double-{n}"),
                    "sent_time": "0",
                    "quota": {"dailyQuota": "500", "remainingQuota": (500 - n as i64).to_string()},
                }}),
            )
        }
    }
}
