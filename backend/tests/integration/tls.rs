//! Built-in TLS (`--tls-cert`, `--tls-key`): a trainee's page over `https` and `wss`
//! produces; a client that does not speak TLS, or stalls in its handshake, gets nothing.
#![allow(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use crate::common::TestServer;
use futures_util::{SinkExt, StreamExt};
use shared::protocol::{Command, Event, ProduceRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_tungstenite::tungstenite::Message;

/// A self-signed certificate for `localhost`, written as PEM files in a fresh directory:
/// the certificate's path, the key's, and the certificate to trust.
fn certificate() -> (std::path::PathBuf, std::path::PathBuf, CertificateDer<'static>) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = std::env::temp_dir().join(format!("playground-tls-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key, made.cert.der().clone())
}

/// A TLS connection to the server that trusts `trusted`, as a browser to `localhost`.
async fn tls_to(
    server: &TestServer,
    trusted: &CertificateDer<'static>,
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let mut roots = RootCertStore::empty();
    roots.add(trusted.clone()).unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    TlsConnector::from(Arc::new(config)).connect(name, tcp).await.expect("a TLS handshake")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_over_https_and_wss_produces_and_plain_http_gets_nothing() {
    let (cert, key, trusted) = certificate();
    let server = TestServer::start_configured(|s| {
        s.with_tls(&cert, &key).expect("a certificate and its key").with_header_timeout(Duration::from_secs(1))
    })
    .await;
    let port = server.addr.port();

    // https: the liveness route, with the security headers.
    let mut stream = tls_to(&server, &trusted).await;
    let request = format!("GET /api/live HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap_or_default();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.to_ascii_lowercase().contains("x-content-type-options: nosniff"), "{response}");

    // wss: the page's own origin, then a run of 3 messages.
    let stream = tls_to(&server, &trusted).await;
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
        "wss://localhost:{port}/ws"
    ))
    .unwrap();
    request.headers_mut().insert("Origin", format!("https://localhost:{port}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::client_async(request, stream).await.expect("a WebSocket over TLS");
    let produce = Command::Produce(ProduceRequest { count: 3, ..ProduceRequest::lab() });
    ws.send(Message::text(serde_json::to_string(&produce).unwrap())).await.unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(Ok(message)) = ws.next().await {
            let Message::Text(text) = message else { continue };
            let events = match serde_json::from_str::<Event>(&text) {
                Ok(Event::Batch { events }) => events,
                Ok(event) => vec![event],
                Err(e) => panic!("not an event: {e}: {text}"),
            };
            if let Some(Event::RunFinished(end)) = events.into_iter().find(|e| matches!(e, Event::RunFinished(_))) {
                return Some(end);
            }
        }
        None
    })
    .await
    .expect("the run ends")
    .expect("a run_finished event");
    assert_eq!((finished.sent, finished.delivered), (3, 3));

    // Plain HTTP to the TLS port: no answer, the connection is closed.
    let mut plain = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    plain.write_all(format!("GET /api/live HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").as_bytes()).await.unwrap();
    let mut read = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut read)).await;
    assert!(closed.is_ok(), "closed");
    assert!(!String::from_utf8_lossy(&read).contains("200"), "nothing served without TLS");

    // A client that opens a connection and never starts its handshake is closed.
    let mut silent = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut read)).await;
    assert!(closed.is_ok(), "a stalled handshake is closed after the header timeout");
    server.stop().await;
}

#[test]
fn a_key_that_is_not_the_certificates_is_refused_at_start() {
    let (cert, _, _) = certificate();
    let (_, other_key, _) = certificate();
    let cluster = playground::cluster::Cluster::embedded().expect("embedded cluster");
    let server = playground::http::Server::new(cluster, "/nonexistent".into());
    let refused = server.with_tls(&cert, &other_key).err().expect("refused");
    assert!(refused.contains("do not go together"), "{refused}");
    let cluster = playground::cluster::Cluster::embedded().expect("embedded cluster");
    let server = playground::http::Server::new(cluster, "/nonexistent".into());
    let refused = server.with_tls(&cert, std::path::Path::new("/nonexistent/key.pem")).err().expect("refused");
    assert!(refused.contains("/nonexistent/key.pem"), "names the file: {refused}");
}
