//! The network side of remote databases and embedded replicas: their timeouts, and the HTTP
//! connector every request goes through.
//!
//! The connector is libsql's own (rustls with the platform's roots, HTTP/1, plain `http://`
//! allowed) wrapped in a timeout, so that opening a connection (TCP and TLS) to a server that does
//! not accept it fails after `connectTimeoutMs` rather than hang. How long a request may then take
//! is bounded per call by `deadline` (`requestTimeoutMs`).
//!
//! Host names under `localhost` (`acme.localhost`) resolve to the loopback address here, without
//! asking the system resolver (RFC 6761, section 6.3), so that a database per tenant on one sqld
//! with namespaces is reachable as `http://<tenant>.localhost:<port>` on any machine.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::client::connect::dns::{GaiResolver, Name};
use hyper_rustls::MaybeHttpsStream;
use tokio::net::TcpStream;
use tower::timeout::error::Elapsed;
use tower::timeout::Timeout;
use tower::ServiceExt;

use crate::errors::{codes, LibError, Result};

/// How long reaching a server may take; `None` waits as long as the operating system does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// Milliseconds to open a connection (TCP and TLS).
    pub connect_ms: Option<u32>,
    /// Milliseconds for one request, from sending it to the end of its reply.
    pub request_ms: Option<u32>,
}

impl Timeouts {
    pub fn request(&self) -> Option<Duration> {
        self.request_ms
            .map(|ms| Duration::from_millis(u64::from(ms)))
    }

    pub fn connect(&self) -> Option<Duration> {
        self.connect_ms
            .map(|ms| Duration::from_millis(u64::from(ms)))
    }
}

/// The `host:port` a server URL names (`libsql://` and `https://` default to 443, `http://` to
/// 80), without any credentials it may carry.
pub fn host_and_port(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    let host = uri.host()?;
    let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
        Some("http") | Some("ws") => 80,
        _ => 443,
    });
    Some(format!("{host}:{port}"))
}

/// A replica's primary as `host:port` with the time connecting to it may take (see `probe`).
pub fn primary(sync_url: &str, timeouts: &Timeouts) -> Option<(String, Option<Duration>)> {
    host_and_port(sync_url).map(|address| (address, timeouts.connect()))
}

/// Whether a TCP connection to `address` can be opened within `limit`; the error says why not.
/// A `localhost` name goes to the loopback address, as in the connector.
pub async fn probe(address: &str, limit: Option<Duration>) -> std::result::Result<(), String> {
    let loopback_port = address
        .rsplit_once(':')
        .filter(|(host, _)| is_localhost(host))
        .and_then(|(_, port)| port.parse::<u16>().ok());
    let connect = async {
        match loopback_port {
            Some(port) => {
                let targets: Vec<SocketAddr> = loopback()
                    .into_iter()
                    .map(|address| SocketAddr::new(address.ip(), port))
                    .collect();
                TcpStream::connect(&targets[..]).await
            }
            None => TcpStream::connect(address).await,
        }
    };
    let outcome = match limit {
        Some(limit) => match tokio::time::timeout(limit, connect).await {
            Ok(outcome) => outcome,
            Err(_) => return Err(format!("no connection within {} ms", limit.as_millis())),
        },
        None => connect.await,
    };
    outcome.map(drop).map_err(|err| err.to_string())
}

/// The text a connect timeout carries through libsql's errors, by which `is_connect_timeout`
/// recognises it.
const CONNECT_TIMEOUT_TEXT: &str = "(connectTimeoutMs)";

/// A connection that was not established in time.
#[derive(Debug)]
struct ConnectTimedOut(u32);

impl std::fmt::Display for ConnectTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no connection within {} ms {CONNECT_TIMEOUT_TEXT}",
            self.0
        )
    }
}

impl std::error::Error for ConnectTimedOut {}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Whether a host name is `localhost` or a name under it (case-insensitive, with or without the
/// final dot of a fully qualified name).
pub fn is_localhost(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// The addresses of a `localhost` name: IPv4's loopback first (where servers usually listen),
/// then IPv6's. The connector sets the port.
fn loopback() -> Vec<SocketAddr> {
    vec![
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
        SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0),
    ]
}

type Addresses = std::vec::IntoIter<SocketAddr>;
type Resolving = Pin<Box<dyn Future<Output = std::io::Result<Addresses>> + Send>>;

/// The connector's resolver: `localhost` names to the loopback address, any other name through
/// the system's resolver (hyper's default, on a blocking thread).
#[derive(Clone)]
pub struct Resolver {
    system: GaiResolver,
}

impl Resolver {
    fn new() -> Self {
        Resolver {
            system: GaiResolver::new(),
        }
    }
}

impl tower::Service<Name> for Resolver {
    type Response = Addresses;
    type Error = std::io::Error;
    type Future = Resolving;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        if is_localhost(name.as_str()) {
            return Box::pin(std::future::ready(Ok(loopback().into_iter())));
        }
        let lookup = self.system.call(name);
        Box::pin(async move { Ok(lookup.await?.collect::<Vec<_>>().into_iter()) })
    }
}

/// libsql's HTTP connector, with `timeouts.connect_ms` on opening each connection.
pub fn connector(
    timeouts: &Timeouts,
) -> Result<
    impl tower::Service<
            http::Uri,
            Response = MaybeHttpsStream<TcpStream>,
            Error = BoxError,
            Future = impl Future<Output = std::result::Result<MaybeHttpsStream<TcpStream>, BoxError>>
                         + Send
                         + 'static,
        > + Send
        + Sync
        + Clone
        + 'static,
> {
    let mut http = hyper::client::HttpConnector::new_with_resolver(Resolver::new());
    http.enforce_http(false);
    http.set_nodelay(true);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|err| {
            LibError::new(
                codes::CONNECTION_FAILED,
                format!("the platform's TLS root certificates could not be loaded: {err}"),
            )
        })?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    // No limit: a day is longer than any connection attempt the operating system keeps up.
    let connect_ms = timeouts.connect_ms.unwrap_or(86_400_000);
    Ok(
        Timeout::new(https, Duration::from_millis(u64::from(connect_ms))).map_err(
            move |err: BoxError| -> BoxError {
                if err.is::<Elapsed>() {
                    Box::new(ConnectTimedOut(connect_ms))
                } else {
                    err
                }
            },
        ),
    )
}

/// Whether an error (from libsql, which reports connection failures as text) is a connect
/// timeout of ours.
pub fn is_connect_timeout(err: &LibError) -> bool {
    err.message.contains(CONNECT_TIMEOUT_TEXT)
}

/// A connect timeout reported with its own code; other errors unchanged.
pub fn classify(mut err: LibError) -> LibError {
    if is_connect_timeout(&err) && err.code != codes::TIMEOUT {
        err.code = codes::TIMEOUT.to_owned();
        err.raw_code = None;
    }
    err
}

/// Runs one request-like piece of network work (a replica's sync, opening a replica) within the
/// request timeout. Dropping it on timeout is safe: it holds no state of a connection's stream.
pub async fn bounded_request<T>(timeouts: &Timeouts, work: impl Future<Output = T>) -> Result<T> {
    match timeouts.request() {
        None => Ok(work.await),
        Some(limit) => tokio::time::timeout(limit, work)
            .await
            .map_err(|_| request_timed_out(limit)),
    }
}

/// The error of a request that got no complete answer within `limit`.
pub fn request_timed_out(limit: Duration) -> LibError {
    LibError::new(
        codes::TIMEOUT,
        format!(
            "the server did not answer within {} ms (requestTimeoutMs)",
            limit.as_millis()
        ),
    )
    .from_server()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_host_and_port() {
        assert_eq!(
            host_and_port("http://127.0.0.1:8080").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(
            host_and_port("libsql://db.example.com").as_deref(),
            Some("db.example.com:443")
        );
        assert_eq!(
            host_and_port("https://user:secret@db.example.com/x").as_deref(),
            Some("db.example.com:443")
        );
    }

    #[test]
    fn recognises_localhost_names() {
        for name in [
            "localhost",
            "acme.localhost",
            "ACME.LocalHost",
            "a.b.localhost.",
        ] {
            assert!(is_localhost(name), "{name}");
        }
        for name in [
            "localhost.example.com",
            "mylocalhost",
            "example.com",
            "127.0.0.1",
            "",
        ] {
            assert!(!is_localhost(name), "{name}");
        }
    }

    #[tokio::test]
    async fn resolves_localhost_names_to_loopback_without_the_system() {
        use tower::Service;
        let name: Name = "tenant-1.localhost".parse().unwrap();
        let addresses: Vec<SocketAddr> = Resolver::new().call(name).await.unwrap().collect();
        assert_eq!(addresses, loopback());
        assert!(addresses[0].ip().is_loopback() && addresses[0].is_ipv4());
    }

    #[tokio::test]
    async fn probes_localhost_names_on_the_loopback_address() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let limit = Some(Duration::from_secs(5));
        assert_eq!(
            probe(&format!("tenant-1.localhost:{port}"), limit).await,
            Ok(())
        );
        drop(listener);
        assert!(probe(&format!("tenant-1.localhost:{port}"), limit)
            .await
            .is_err());
    }

    #[test]
    fn recognises_its_own_connect_timeout() {
        let err = LibError::new(
            codes::REMOTE,
            format!(
                "http error: error trying to connect: {}",
                ConnectTimedOut(250)
            ),
        );
        let err = classify(err);
        assert_eq!(err.code, codes::TIMEOUT);
        assert!(err.message.contains("250 ms"), "{}", err.message);
        let other = classify(LibError::new(codes::REMOTE, "connection refused"));
        assert_eq!(other.code, codes::REMOTE);
    }
}
