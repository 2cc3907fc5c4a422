//! `/__ui`: a page to watch notifications arrive, as an XXB client would show them: each user's
//! notification centre, each group chat, and the request journal, updated live. The assets are
//! embedded (no build step, no network); the data comes from `/__ui/api` and `/__inspect`.

pub mod render;

use crate::domain::Notification;
use crate::emulator::Emulator;
use crate::inspect::{self, InspectError};
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest, HttpResponse};
use include_dir::{include_dir, Dir};
use serde::Serialize;

static ASSETS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/src/ui/assets");

/// The `/__ui` routes: the page and its assets are public; the data behind them is guarded by the
/// admin token like `/__inspect`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/__ui", web::get().to(page))
        .route("/__ui/", web::get().to(page))
        .route("/__ui/assets/{name}", web::get().to(asset))
        .service(
            web::scope("/__ui/api")
                .wrap(from_fn(inspect::require_admin_token))
                .route("/notifications", web::get().to(notifications))
                .route("/notifications/{seq}", web::get().to(notification)),
        );
}

async fn page() -> HttpResponse {
    serve_asset("index.html")
}

async fn asset(name: web::Path<String>) -> HttpResponse {
    serve_asset(&name)
}

fn serve_asset(name: &str) -> HttpResponse {
    let Some(file) = ASSETS.get_file(name) else {
        return HttpResponse::NotFound()
            .content_type("text/plain")
            .body("no such asset");
    };
    let content_type = match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; img-src * data:; style-src 'self'; script-src 'self'",
        ))
        .body(file.contents())
}

/// A notification with its content rendered for display.
#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    notification: Notification,
    content_html: String,
}

fn shown(notification: Notification) -> Shown {
    let content_html = render::content_html(&notification.content, &notification.content_type);
    Shown {
        notification,
        content_html,
    }
}

/// `GET /__ui/api/notifications`: as `/__inspect/notifications` (same filters), with `content_html`.
async fn notifications(
    req: HttpRequest,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let filter = inspect::notification_filter(req.query_string())?;
    let (total, items) = emulator.notifications_counted(filter).await?;
    let items: Vec<Shown> = items.into_iter().map(shown).collect();
    let mut page = serde_json::json!({"total": total.count, "items": items});
    if !total.exact {
        page["total_relation"] = "gte".into();
    }
    inspect::json(StatusCode::OK, &page)
}

/// `GET /__ui/api/notifications/{seq}`: one, with `content_html`.
async fn notification(
    seq: web::Path<i64>,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let seq = seq.into_inner();
    match emulator.notification(seq).await? {
        Some(n) => inspect::json(StatusCode::OK, &shown(n)),
        None => Err(InspectError::not_found(
            "seq",
            format!("there is no notification {seq}"),
        )),
    }
}
