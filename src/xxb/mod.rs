//! The emulated XXB application-integration API (`/x.php?m=im&f=...`), reproducing the real
//! server byte for byte: how it recognises an API call (`token`), authenticates the application
//! (`auth`, `ip`), filters parameters (`params`), runs the four methods (`methods`), and encodes
//! its answers (`answer`, `lang`). `decide` strings these together in the real server's order;
//! `http` is the HTTP edge; `findings` explains every decision in the journal, and `wrong_path`
//! what a request to a path that runs no script probably meant.

pub mod answer;
pub mod auth;
pub mod body;
pub mod decide;
pub mod findings;
pub mod http;
pub mod ip;
pub mod lang;
pub mod methods;
pub mod params;
pub mod request;
pub mod strict;
pub mod token;
pub mod wrong_path;
