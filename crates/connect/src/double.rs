//! A local double of the national portal's adapter on loopback, for tests and the demo: it signs
//! in (`{username, password}` -> `{session, error_code}`), takes `DongBoHoSoMC` and
//! `CapNhatTienDoHoSoMC` calls with a valid session, keeps them, and answers a repeat of an
//! idempotency key without keeping it twice (as a dossier sent twice is one dossier at the
//! portal). Faults can be queued to play the portal down: 500, a hang past the caller's timeout,
//! an expired session, or a call taken and kept but answered too late. A plain HTTP/1.1 server on
//! `std::net`, one thread per connection.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// The double's paths (point `[dvcqg] auth_endpoint` and `integration_endpoint` at them).
pub const AUTH_PATH: &str = "/auth";
pub const API_PATH: &str = "/api";

/// One call the double kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub service: String,
    pub key: Option<String>,
    pub body: Value,
}

/// What the next integration call meets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// HTTP 500, nothing kept.
    Status500,
    /// No answer for this long, then the connection closes; nothing kept.
    Hang(Duration),
    /// The session has expired: `error_code` 1, nothing kept; a new sign-in is needed.
    ExpireSession,
    /// The call is kept, but the answer comes only after this long (the caller gave up first).
    KeepThenHang(Duration),
}

#[derive(Debug, Default)]
pub struct State {
    pub calls: Vec<Call>,
    /// Calls whose idempotency key was kept already (answered success, not kept again).
    pub repeats: u64,
    pub sign_ins: u64,
    /// Every request seen, faults included.
    pub requests: u64,
    faults: VecDeque<Fault>,
    session: Option<String>,
}

pub struct PortalDouble {
    state: Arc<Mutex<State>>,
    listener: Listener,
}

impl PortalDouble {
    /// Starts on a free loopback port, accepting these credentials.
    pub fn start(username: &str, password: &str) -> std::io::Result<PortalDouble> {
        let state: Arc<Mutex<State>> = Arc::default();
        let creds = (username.to_owned(), password.to_owned());
        let kept = state.clone();
        let listener = Listener::start(Arc::new(move |stream| {
            let _ = serve(stream, &kept, &creds);
        }))?;
        Ok(PortalDouble { state, listener })
    }

    /// The base URL (`[dvcqg] adapter_url`).
    pub fn url(&self) -> String {
        format!("http://{}", self.listener.addr())
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.addr()
    }

    /// Stops listening: callers meet a refused connection until `restart`.
    pub fn stop(&mut self) {
        self.listener.stop();
    }

    /// Listens again on the same port, with what it kept.
    pub fn restart(&mut self) -> std::io::Result<()> {
        self.listener.stop();
        self.listener.listen()
    }

    /// Queues faults for the next integration calls, in order.
    pub fn fail_next(&self, faults: &[Fault]) {
        self.state().faults.extend(faults.iter().copied());
    }

    /// Forgets the session it gave (as if it had expired on the portal's side).
    pub fn expire_session(&self) {
        self.state().session = None;
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The calls kept, in the order they arrived.
    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }
}

/// What a [`Listener`] does with each connection, on a thread of its own.
pub(crate) type Handler = Arc<dyn Fn(TcpStream) + Send + Sync>;

/// A loopback listener that can stop and listen again on the same port.
pub(crate) struct Listener {
    addr: SocketAddr,
    handler: Handler,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(crate) fn start(handler: Handler) -> std::io::Result<Listener> {
        let mut l = Listener {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            handler,
            stop: Arc::new(AtomicBool::new(false)),
            thread: None,
        };
        l.listen()?;
        Ok(l)
    }

    pub(crate) fn listen(&mut self) -> std::io::Result<()> {
        let listener = TcpListener::bind(self.addr)?;
        listener.set_nonblocking(true)?;
        self.addr = listener.local_addr()?;
        self.stop = Arc::new(AtomicBool::new(false));
        let (stop, handler) = (self.stop.clone(), self.handler.clone());
        self.thread = Some(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let handler = handler.clone();
                        std::thread::spawn(move || handler(stream));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        }));
        Ok(())
    }

    pub(crate) fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One request as read: path, headers (lower-case names), body.
pub type RawRequest = (String, Vec<(String, String)>, Vec<u8>);

/// Reads one request.
pub fn read_request(stream: &mut TcpStream) -> std::io::Result<RawRequest> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 || buf.len() > 64 * 1024 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("/")
        .to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(16 * 1024 * 1024);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok((path, headers, body))
}

/// Writes a JSON answer and closes.
pub fn answer(stream: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    let text = body.to_string();
    write!(
        stream,
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        if status == 200 { "OK" } else { "Error" },
        text.len()
    )?;
    stream.flush()
}

fn serve(
    mut stream: TcpStream,
    state: &Mutex<State>,
    (username, password): &(String, String),
) -> std::io::Result<()> {
    let (path, headers, body) = read_request(&mut stream)?;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    lock().requests += 1;
    if path == AUTH_PATH {
        let ok = body["username"] == json!(username) && body["password"] == json!(password);
        let reply = {
            let mut s = lock();
            if ok {
                s.sign_ins += 1;
                let session = format!("session-{}", s.sign_ins);
                s.session = Some(session.clone());
                json!({"session": session, "error_code": 0})
            } else {
                json!({"error_code": 1, "message": "sai tài khoản"})
            }
        };
        return answer(&mut stream, 200, &reply);
    }
    if path != API_PATH {
        return answer(&mut stream, 404, &json!({"error_code": 404}));
    }
    let fault = lock().faults.pop_front();
    match fault {
        Some(Fault::Status500) => return answer(&mut stream, 500, &json!({"error": "down"})),
        Some(Fault::Hang(d)) => {
            std::thread::sleep(d);
            return Ok(());
        }
        Some(Fault::ExpireSession) => {
            lock().session = None;
        }
        _ => {}
    }
    let key = headers
        .iter()
        .find(|(k, _)| k == "idempotency-key")
        .map(|(_, v)| v.clone());
    let reply = {
        let mut s = lock();
        let valid = s.session.is_some() && body["session"].as_str() == s.session.as_deref();
        if !valid {
            json!({"error_code": 1, "message": "phiên làm việc hết hạn"})
        } else if key.is_some() && s.calls.iter().any(|c| c.key == key) {
            s.repeats += 1;
            json!({"error_code": 0, "message": "đã có"})
        } else {
            let service = body["service"].as_str().unwrap_or("").to_owned();
            let mut kept = body.clone();
            if let Some(o) = kept.as_object_mut() {
                o.remove("session");
            }
            s.calls.push(Call {
                service,
                key,
                body: kept,
            });
            json!({"error_code": 0, "message": "thành công"})
        }
    };
    if let Some(Fault::KeepThenHang(d)) = fault {
        std::thread::sleep(d);
        return Ok(());
    }
    answer(&mut stream, 200, &reply)
}
