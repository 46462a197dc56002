//! Fault knobs shared by every simulator: down, slow, HTTP 500, malformed body.
//!
//! "Down" is real: connections are accepted and then reset, including kept-alive ones, so an
//! adapter sees exactly what a dead provider gives it, not a polite error page.

use std::{
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
};

/// What a simulator does with the next request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum FaultMode {
    /// Answers normally.
    #[default]
    Ok,
    /// Resets every connection.
    Down,
    /// Answers normally after a delay.
    Slow { delay_ms: u64 },
    /// Answers HTTP 500.
    Http500,
    /// Answers 200 with a body that is not the protocol's JSON.
    Malformed,
}

/// The knobs of one simulator, and what it has seen.
#[derive(Debug, Default)]
pub struct FaultKnobs {
    mode: Mutex<FaultMode>,
    requests: AtomicU64,
    last_api_key: Mutex<Option<String>>,
}

impl FaultKnobs {
    pub fn new() -> Arc<Self> {
        Arc::new(FaultKnobs::default())
    }

    pub fn set(&self, mode: FaultMode) {
        *self.mode.lock().unwrap_or_else(|e| e.into_inner()) = mode;
    }

    pub fn mode(&self) -> FaultMode {
        *self.mode.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Requests answered (or refused by a fault) so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The `X-API-Key` of the last request, to check that adapters send it.
    pub fn last_api_key(&self) -> Option<String> {
        self.last_api_key
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Middleware applying the knobs to every protocol request.
pub async fn apply_faults(
    State(knobs): State<Arc<FaultKnobs>>,
    request: Request,
    next: Next,
) -> Response {
    knobs.requests.fetch_add(1, Ordering::Relaxed);
    let key = request
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    *knobs.last_api_key.lock().unwrap_or_else(|e| e.into_inner()) = key;
    match knobs.mode() {
        FaultMode::Ok | FaultMode::Down => next.run(request).await,
        FaultMode::Slow { delay_ms } => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            next.run(request).await
        }
        FaultMode::Http500 => {
            (StatusCode::INTERNAL_SERVER_ERROR, "simulated failure").into_response()
        }
        FaultMode::Malformed => (
            StatusCode::OK,
            [("content-type", "application/json")],
            r#"{"results": [{"id": "not-a-number", "na"#,
        )
            .into_response(),
    }
}

/// A listener whose connections fail while the simulator is "down".
pub struct FaultyListener {
    inner: TcpListener,
    knobs: Arc<FaultKnobs>,
}

impl FaultyListener {
    pub fn new(inner: TcpListener, knobs: Arc<FaultKnobs>) -> Self {
        FaultyListener { inner, knobs }
    }
}

impl axum::serve::Listener for FaultyListener {
    type Io = FaultyStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let knobs = Arc::clone(&self.knobs);
                    return (FaultyStream { stream, knobs }, addr);
                }
                // Out of file descriptors and the like: wait, then keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A TCP stream that resets when its simulator is down.
pub struct FaultyStream {
    stream: TcpStream,
    knobs: Arc<FaultKnobs>,
}

impl FaultyStream {
    fn down(&self) -> bool {
        self.knobs.mode() == FaultMode::Down
    }
}

fn reset() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "simulated provider outage")
}

impl AsyncRead for FaultyStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.down() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for FaultyStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.down() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
