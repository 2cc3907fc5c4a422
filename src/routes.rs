//! The one route table: the emulated API and the inspection API.

use crate::inspect;
use crate::ui;
use crate::xxb;
use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/x.php", web::route().to(xxb::http::serve))
        .route("/api.php", web::route().to(xxb::http::serve))
        .configure(inspect::routes)
        .configure(ui::routes);
}
