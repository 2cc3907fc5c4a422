//! The one route table: the emulated APIs' entry scripts (`/x.php` and the retired `/api.php`,
//! under `--base-path` when one is given; the chat daemon's direct API under `/im/`, which is
//! another service and takes no prefix), the inspection API, the web page, and every other path,
//! which is journaled as a request that reached no entry (`xxb::http::serve_unrouted`).
//!
//! Deliberate: an entry script also runs for a path that continues it (`/x.php/`, `/x.php/more`),
//! as the real server's web server runs a PHP script with a `PATH_INFO`; `/x.php/` was observed.

use crate::config::BasePath;
use crate::inspect;
use crate::ui;
use crate::xxb::http;
use crate::xxd;
use actix_web::web;

/// The real server's entry scripts the mock serves: `/x.php` and the retired `/api.php` (under
/// `--base-path` when one is given).
pub const SCRIPTS: [&str; 2] = ["/x.php", "/api.php"];

/// The paths that are the mock's own, never the emulated server's: a path under them that no
/// route serves is a plain 404, not journaled.
pub const OWN_PREFIXES: [&str; 2] = ["/__inspect", "/__ui"];

pub fn routes(cfg: &mut web::ServiceConfig, base_path: Option<&BasePath>) {
    let base = base_path.map_or("", BasePath::as_str);
    let script = |path: &str| format!("{base}{path}");
    let path_info = |path: &str| format!("{base}{path}/{{path_info:.*}}");
    let [x_php, api_php] = SCRIPTS;
    cfg.route(&script(x_php), web::route().to(http::serve_x_php))
        .route(&path_info(x_php), web::route().to(http::serve_x_php))
        .route(&script(api_php), web::route().to(http::serve_api_php))
        .route(&path_info(api_php), web::route().to(http::serve_api_php))
        .route("/im/{operation}", web::route().to(xxd::http::serve))
        .configure(inspect::routes)
        .configure(ui::routes)
        .default_service(web::to(http::serve_unrouted));
}

/// Whether `path` belongs to the mock itself (`/__inspect`, `/__ui` and below).
pub fn is_own(path: &str) -> bool {
    OWN_PREFIXES.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}
