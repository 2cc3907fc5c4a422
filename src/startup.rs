//! Building a server (fixtures loaded, store opened and seeded, port bound) separately from running
//! it, so the CLI, the tests and library users share one path and can read the real port first.

use crate::config::Config;
use crate::faults::Faults;
use crate::fixtures::{FixtureError, Fixtures};
use crate::hub::Hub;
use crate::routes;
use crate::scenario::{self, expect::Expectation};
use crate::store::{Store, StoreError};
use actix_web::dev::{Server as ActixServer, ServerHandle};
use actix_web::{web, App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;

/// What every handler can reach.
pub struct AppState {
    pub store: Store,
    /// The fixtures the server started with; `reset` goes back to them.
    pub fixtures: Arc<Fixtures>,
    pub config: Config,
    pub hub: Hub,
    pub faults: Faults,
    /// The scenario the server follows, with `serve --scenario`.
    pub expectation: Option<Expectation>,
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("fixtures: {0}")]
    Fixtures(#[from] FixtureError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
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
    server: ActixServer,
    store: Store,
    state: web::Data<AppState>,
}

impl Server {
    /// Loads the fixtures, opens the store (seeding it unless it already holds data), and binds.
    pub async fn build(config: Config) -> Result<Server, StartError> {
        let (fixtures, expectation) = match &config.scenario {
            Some(scenario) => {
                let (expectation, actions) = Expectation::new((**scenario).clone());
                (
                    scenario::run::fixtures_of(scenario)?,
                    Some((expectation, actions)),
                )
            }
            None => (Fixtures::load(&config.fixtures)?, None),
        };
        let fixtures = Arc::new(fixtures);
        let store = Store::open(&config.db)?;
        let seed = fixtures.clone();
        store
            .run(move |tx| {
                if tx.is_seeded()? {
                    Ok(())
                } else {
                    tx.seed(&seed)
                }
            })
            .await?;

        let address = format!("{}:{}", bracket_ipv6(&config.host), config.port);
        let listener = TcpListener::bind(&address).map_err(|source| StartError::Bind {
            address: address.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Bind { address, source })?
            .port();
        let host = config.host.clone();
        let (expectation, first_actions) = match expectation {
            Some((expectation, actions)) => (Some(expectation), actions),
            None => (None, Vec::new()),
        };
        let state = web::Data::new(AppState {
            store: store.clone(),
            fixtures,
            config,
            hub: Hub::default(),
            faults: Faults::default(),
            expectation,
        });
        scenario::expect::carry_out(first_actions, &state.store, &state.faults).await;
        let shared = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .configure(routes::routes)
        })
        .on_connect(crate::connection::remember)
        // A client gets 5 s to send its request head, and at most 10,000 connections
        // are served at once per worker; slow or idle clients cannot exhaust the server.
        .client_request_timeout(std::time::Duration::from_secs(5))
        .client_disconnect_timeout(std::time::Duration::from_secs(1))
        .max_connections(10_000)
        .listen(listener)
        .map_err(|source| StartError::Bind {
            address: format!("{host}:{port}"),
            source,
        })?
        .disable_signals()
        .shutdown_timeout(5)
        .run();
        Ok(Server {
            host: bracket_ipv6(&host),
            port,
            server,
            store,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://HOST:PORT`, with the real port.
    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// What every handler reaches: the store, the fixtures, the hub, the faults.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The store the server uses.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves until stopped through a [`ServerHandle`].
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}
