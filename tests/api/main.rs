//! Integration tests: each starts the real server on port 0 through `helpers::spawn_app` and talks
//! HTTP to it.

mod entry;
mod helpers;
mod inspect;
mod methods;
mod persistence;
mod routing;
mod strict;
mod transport;
