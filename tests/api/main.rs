//! Integration tests: each starts the real server on port 0 through `helpers::spawn_app` and talks
//! HTTP to it.

mod admin;
mod commit;
mod entry;
mod examples;
mod faults;
mod helpers;
mod inspect;
mod languages;
mod library;
mod methods;
mod parity;
mod persistence;
mod pull;
mod reliability;
mod removal;
mod routing;
mod scenarios;
mod scopes;
mod semantics;
mod state;
mod strict;
mod tls;
mod transport;
mod waiting;
