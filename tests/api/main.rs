//! Integration tests: each starts the real server on port 0 through `helpers::spawn_app` and talks
//! HTTP to it.

mod admin;
mod both_apis;
mod boundary;
mod commit;
mod distribution;
mod entry;
mod examples;
mod faults;
mod helpers;
mod inspect;
mod languages;
mod library;
mod logging;
mod methods;
mod parity;
mod persistence;
mod probe;
mod pull;
mod refusals;
mod reliability;
mod removal;
mod routing;
mod scenarios;
mod scopes;
mod scoping;
mod semantics;
mod shutdown;
mod stalls;
mod state;
mod strict;
mod tls;
mod transport;
mod waiters;
mod waiting;
mod xxd;
