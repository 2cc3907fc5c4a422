//! The one route table: the emulated APIs (`/x.php`, the retired `/api.php`, and the chat daemon's
//! direct API under `/im/`) and the inspection API.

use crate::inspect;
use crate::ui;
use crate::xxb;
use crate::xxd;
use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/x.php", web::route().to(xxb::http::serve))
        .route("/api.php", web::route().to(xxb::http::serve))
        .route("/im/{operation}", web::route().to(xxd::http::serve))
        .configure(inspect::routes)
        .configure(ui::routes);
}
