//! The connection loop. axum's own `serve` sets no timer on its connections, so a client
//! could take forever to send its headers or leave a connection idle for good; here every
//! connection is HTTP/1.1 (TLS ends at the proxy in front) with a deadline for each request's
//! headers, which also ends a kept-alive connection left idle that long, and a cap on header
//! size. Bodies and whole requests get their deadlines from the router's layers.

use std::{future::Future, time::Duration};

use axum::{body::Body, extract::ConnectInfo, Router};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::watch};
use tower::ServiceExt;

/// How long a client may take over the parts of a request.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// To send a request's headers, counted from the end of the previous response on a
    /// kept-alive connection: also the idle timeout.
    pub headers: Duration,
    /// From the first byte to the response, for every route but uploads: a trickled body
    /// ends here.
    pub request: Duration,
    /// The same for the report form with its photos, sent from a phone on a slow network.
    pub upload: Duration,
    /// Between two pieces of a request body.
    pub body_idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            headers: Duration::from_secs(10),
            request: Duration::from_secs(30),
            upload: Duration::from_secs(180),
            body_idle: Duration::from_secs(15),
        }
    }
}

/// Request headers larger than this are refused (hyper answers 431).
const MAX_HEADER_BUFFER: usize = 64 * 1024;

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests under
/// way finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait, rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = router
            .clone()
            .map_request(move |mut request: http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.map(Body::new)
            });
        let service = TowerToHyperService::new(service);
        let mut stop = stop_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(timeouts.headers)
                .max_buf_size(MAX_HEADER_BUFFER);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%error, %peer, "connection ended");
                    }
                }
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(done);
        });
    }
    drop(stop_tx);
    drop(done_rx);
    // Requests under way may finish, for as long as an upload may take; no longer.
    let drained = tokio::time::timeout(timeouts.upload, done_tx.closed()).await;
    if drained.is_err() {
        tracing::warn!("stopped with requests still under way");
    }
}
