//! HTTPS targets: an xxb-mock behind a TLS proxy whose self-signed certificate is made here.
//! `--ca-cert` trusts it, so does the platform's trust store when it holds it, `--insecure` skips
//! the check (with a warning), and without any of them the commands stop with one line that says
//! what to do.

use crate::helpers::{start_binary, tempdir, KEY};
use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output};
use std::sync::Arc;
use tokio_rustls::rustls;

/// A TLS-terminating proxy in front of `backend` (`HOST:PORT`), on its own thread and runtime;
/// returns its `https://localhost:PORT` URL and the certificate's PEM file.
fn tls_proxy(backend: String, dir: &std::path::Path) -> (String, PathBuf) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let pem = dir.join("server.pem");
    std::fs::write(&pem, certified.cert.pem()).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![certified.cert.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let (acceptor, backend) = (acceptor.clone(), backend.clone());
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: nothing to relay.
                    let Ok(mut tls) = acceptor.accept(socket).await else {
                        return;
                    };
                    if let Ok(mut plain) = tokio::net::TcpStream::connect(&backend).await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    }
                });
            }
        });
    });
    (format!("https://localhost:{port}"), pem)
}

fn xxb_mock(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(args)
        .output()
        .unwrap()
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

struct Stop(Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_self_signed_target_works_with_ca_cert_or_insecure_and_fails_clearly_without() {
    let (child, plain) = start_binary(&["--validation", "faithful"]);
    let _stop = Stop(child);
    let dir = tempdir("tls");
    let (url, pem) = tls_proxy(plain.trim_start_matches("http://").to_string(), &dir);
    let pem = pem.to_str().unwrap();
    let parity = [
        "parity",
        "--target",
        &url,
        "--code",
        "myAppCode",
        "--key",
        KEY,
    ];

    let trusted = xxb_mock(&[&parity[..], &["--ca-cert", pem]].concat());
    let (out, err) = text(&trusted);
    assert_eq!(trusted.status.code(), Some(0), "{out}{err}");
    assert!(out.contains(" 0 differ"), "{out}");
    assert!(!err.contains("warning"), "{err}");

    // The platform's trust store is used: rustls-native-certs reads SSL_CERT_FILE where set.
    let platform = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(parity)
        .env("SSL_CERT_FILE", pem)
        .output()
        .unwrap();
    let (out, err) = text(&platform);
    assert_eq!(platform.status.code(), Some(0), "{out}{err}");

    let insecure = xxb_mock(&[&parity[..], &["--insecure"]].concat());
    let (out, err) = text(&insecure);
    assert_eq!(insecure.status.code(), Some(0), "{out}{err}");
    assert!(
        err.contains("warning: --insecure: the target's TLS certificate is not verified"),
        "{err}"
    );

    let refused = xxb_mock(&parity);
    let (out, err) = text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{out}{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains(&format!("the TLS certificate of {url} was refused"))
            && err.contains("does not trust")
            && err.contains("--ca-cert FILE")
            && err.contains("--insecure"),
        "{err}"
    );
    assert!(out.is_empty(), "{out}");

    // replay and fixtures pull take the same options.
    let scenario = "scenarios/old-api-body.yaml";
    let replayed = xxb_mock(&["replay", scenario, "--target", &url, "--ca-cert", pem]);
    let (out, err) = text(&replayed);
    assert_eq!(replayed.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("4 passed, 0 failed, 0 skipped"), "{out}");
    let refused = xxb_mock(&["replay", scenario, "--target", &url]);
    let (out, err) = text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{out}{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("was refused") && err.contains("--ca-cert"),
        "{err}"
    );

    let pulled = dir.join("pulled");
    let pull = xxb_mock(&[
        "fixtures",
        "pull",
        "--target",
        &url,
        "--code",
        "myAppCode",
        "--key",
        KEY,
        "--insecure",
        "--out",
        pulled.to_str().unwrap(),
    ]);
    let (out, err) = text(&pull);
    assert_eq!(pull.status.code(), Some(0), "{out}{err}");
    assert!(pulled.join("groups.json").exists());
}

#[test]
fn a_ca_file_that_holds_no_certificate_is_a_usage_error() {
    let dir = tempdir("tls-bad-ca");
    let bad = dir.join("ca.pem");
    std::fs::write(&bad, "not a certificate\n").unwrap();
    let output = xxb_mock(&[
        "parity",
        "--target",
        "https://localhost:1",
        "--code",
        "c",
        "--key",
        "k",
        "--ca-cert",
        bad.to_str().unwrap(),
    ]);
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("holds no PEM certificate"), "{err}");
}
