//! Building a server (fixtures loaded, store opened and seeded, port bound) separately from running
//! it, so the CLI, the tests and library users share one path and can read the real port first.

use crate::config::Config;
use crate::emulator::Emulator;
use crate::fixtures::FixtureError;
use crate::routes;
use crate::store::StoreError;
use actix_web::dev::{Server as ActixServer, ServerHandle};
use actix_web::{web, App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("fixtures: {0}")]
    Fixtures(#[from] FixtureError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("database: {0}")]
    FixturesDiffer(#[from] crate::emulator::FixturesDiffer),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
}

/// A built server, bound to its port, not yet running.
pub struct Server {
    host: String,
    port: u16,
    /// The second port, with `--xxd-port`.
    xxd_port: Option<u16>,
    server: ActixServer,
    emulator: web::Data<Emulator>,
}

impl Server {
    /// Opens the emulator (fixtures loaded, store opened and seeded) and binds.
    pub async fn build(config: Config) -> Result<Server, StartError> {
        let address = format!("{}:{}", bracket_ipv6(&config.host), config.port);
        let xxd_address = config
            .xxd_port
            .map(|port| format!("{}:{port}", bracket_ipv6(&config.host)));
        let host = config.host.clone();
        crate::connection::raise_descriptor_limit();
        let emulator = web::Data::new(Emulator::open(config).await?);
        let (listener, port) = bind(&address)?;
        let xxd_listener = xxd_address.as_deref().map(bind).transpose()?;
        let xxd_port = xxd_listener.as_ref().map(|(_, port)| *port);
        let shared = emulator.clone();
        let base_path = emulator.config().base_path.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(crate::boundary::guard))
                .wrap(actix_web::middleware::from_fn(
                    crate::connection::body_deadline,
                ))
                .app_data(shared.clone())
                .configure(|cfg| routes::routes(cfg, base_path.as_ref()))
        })
        .on_connect(crate::connection::remember)
        // A client gets 5 s to send its request head, and at most 10,000 connections
        // are served at once per worker; slow or idle clients cannot exhaust the server.
        .client_request_timeout(std::time::Duration::from_secs(5))
        .client_disconnect_timeout(std::time::Duration::from_secs(1))
        .max_connections(10_000);
        // With `--xxd-port`, a second listener serves the same application.
        for (listener, port) in std::iter::once((listener, port)).chain(xxd_listener) {
            server = server.listen(listener).map_err(|source| StartError::Bind {
                address: format!("{host}:{port}"),
                source,
            })?;
        }
        let server = server.disable_signals().shutdown_timeout(5).run();
        Ok(Server {
            host: bracket_ipv6(&host),
            port,
            xxd_port,
            server,
            emulator,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://HOST:PORT`, with the real port.
    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// The base URL of the direct API (`/im/...`): the `--xxd-port` listener's, or [`Server::url`]
    /// (every port serves both APIs).
    pub fn xxd_url(&self) -> String {
        format!(
            "http://{}:{}",
            self.host,
            self.xxd_port.unwrap_or(self.port)
        )
    }

    /// The second port, when `--xxd-port` asked for one.
    pub fn xxd_port(&self) -> Option<u16> {
        self.xxd_port
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// The application core the server serves.
    pub fn emulator(&self) -> Arc<Emulator> {
        self.emulator.clone().into_inner()
    }

    /// Serves until stopped through a [`ServerHandle`].
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// A listener on `address`, with the port it got.
fn bind(address: &str) -> Result<(TcpListener, u16), StartError> {
    let failed = |source| StartError::Bind {
        address: address.to_string(),
        source,
    };
    let listener = TcpListener::bind(address).map_err(failed)?;
    let port = listener.local_addr().map_err(failed)?.port();
    Ok((listener, port))
}

fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}
