//! The JSON API under `/api/v1`.

mod calendar;
mod catalogue;
pub mod dossiers;
mod org;
pub mod public;
mod session;
pub mod views;

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::{ApiError, AppState, blocking};

/// JSON bodies, with errors as problem+json.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let Json(v) = Json::<T>::from_request(req, state).await?;
        Ok(Body(v))
    }
}

/// Query strings, with errors as problem+json.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Query(v) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Params(v))
    }
}

/// The client's address (the TCP peer; a reverse proxy in front should be the only peer).
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        Ok(ClientIp(ip))
    }
}

pub fn rate_limited() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "Quá nhiều yêu cầu, vui lòng thử lại sau ít phút",
        "Too many requests, try again in a few minutes",
    )
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Cross-site request protection for cookie sessions: a state-changing request must come from this
/// site (Sec-Fetch-Site or Origin matching Host). Bearer-token clients send neither header.
async fn same_origin(req: Request, next: Next) -> Result<Response, ApiError> {
    let safe = matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS");
    let has_cookie = req.headers().contains_key(header::COOKIE);
    if !safe && has_cookie {
        let site = req
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok());
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok());
        let ok = match (site, origin) {
            (Some(s), _) => s == "same-origin" || s == "none",
            (None, Some(o)) => host.is_some_and(|h| {
                o.strip_prefix("http://")
                    .or_else(|| o.strip_prefix("https://"))
                    == Some(h)
            }),
            (None, None) => true,
        };
        if !ok {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "cross-site",
                "Yêu cầu từ trang khác bị từ chối",
                "Cross-site request refused",
            ));
        }
    }
    Ok(next.run(req).await)
}

async fn no_route() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no-route",
        "Không có địa chỉ này",
        "No such endpoint",
    )
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

async fn ready(
    axum::extract::State(app): axum::extract::State<AppState>,
) -> Result<impl IntoResponse, ApiError> {
    blocking(move || Ok(app.store.ping()?)).await?;
    Ok(Json(json!({"status": "ready"})))
}

pub fn router(app: AppState) -> Router {
    let max_body = app.settings.max_body_bytes;
    // A submission carries every paper of a procedure (at most 20 files at the upload limit).
    let upload_limit = app.settings.max_upload_bytes.saturating_mul(20);
    let api = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/openapi.json", get(crate::openapi::document))
        .route("/auth/login", post(session::login))
        .route("/auth/logout", post(session::logout))
        .route("/auth/me", get(session::me))
        .route("/units", get(org::units))
        .route("/units/{code}", get(org::unit))
        .route("/units/{code}/procedures", get(catalogue::unit_list))
        .route("/units/{code}/postings", post(catalogue::record_posting))
        .route("/procedures", get(catalogue::search))
        .route("/procedures/{code}", get(catalogue::procedure))
        .route("/announcements", get(catalogue::announcements))
        .route("/calendar/lunar", get(calendar::lunar))
        .route("/calendar/solar", get(calendar::solar))
        .route("/calendar/days", get(calendar::days))
        .route("/calendar/due", get(calendar::due))
        .route("/dossiers", get(dossiers::list).post(dossiers::receive_new))
        .route("/dossiers/{id}", get(dossiers::get))
        .route("/dossiers/{id}/{action}", post(dossiers::act))
        .route("/reports", get(crate::reports::api))
        .route(
            "/inspections",
            get(crate::inspections::api_list).post(crate::inspections::api_create),
        )
        .route("/inspections/{id}", get(crate::inspections::api_get))
        .route(
            "/inspections/{id}/changes",
            post(crate::inspections::api_change),
        )
        .route(
            "/inspections/{id}/checks",
            post(crate::inspections::api_checks),
        )
        .route("/public/dossiers", post(public::submit))
        .route("/public/lookup", get(public::lookup))
        .route("/public/rating", post(public::rate))
        .fallback(no_route);
    Router::new()
        .route("/", get(crate::pages::home))
        .route("/assets/site.css", get(crate::pages::stylesheet))
        .route("/thu-tuc", get(crate::pages::search))
        .route("/thu-tuc/{code}", get(crate::pages::procedure))
        .route("/don-vi", get(crate::pages::units))
        .route("/don-vi/{code}", get(crate::pages::unit))
        .route("/tra-cuu", get(crate::pages::lookup))
        .route("/thong-ke", get(crate::pages::stats))
        .route("/can-bo/tong-quan", get(crate::staff::dashboard))
        .route("/can-bo/quan-tri", get(crate::admin::index))
        .route("/can-bo/quan-tri/{unit}", get(crate::admin::page))
        .route(
            "/can-bo/quan-tri/{unit}/quyet-dinh",
            post(crate::admin::decision),
        )
        .route(
            "/can-bo/quan-tri/{unit}/thanh-vien",
            post(crate::admin::member),
        )
        .route(
            "/can-bo/quan-tri/{unit}/niem-yet",
            post(crate::admin::posting),
        )
        .route(
            "/can-bo/quan-tri/{unit}/can-bo",
            post(crate::admin::add_staff),
        )
        .route("/can-bo/quan-tri/{unit}/vai-tro", post(crate::admin::role))
        .route("/can-bo/quan-tri/{unit}/khoa", post(crate::admin::lock))
        .route("/ngon-ngu/{code}", get(crate::i18n::switch))
        .route("/can-bo/bao-cao", get(crate::reports::page))
        .route(
            "/can-bo/kiem-tra",
            get(crate::inspections::list_page).post(crate::inspections::create_page),
        )
        .route(
            "/can-bo/kiem-tra/{id}",
            get(crate::inspections::detail_page),
        )
        .route(
            "/can-bo/kiem-tra/{id}/thong-bao",
            get(crate::inspections::notice_page),
        )
        .route(
            "/can-bo/kiem-tra/{id}/{action}",
            post(crate::inspections::act_page),
        )
        .route("/can-bo/ho-so/ma/{code}", get(crate::inspections::by_code))
        .route("/can-bo/bao-cao/ho-so", get(crate::reports::drill))
        .route("/can-bo/bao-cao/tai-ve", get(crate::reports::export))
        .route("/thu-tuc/{code}/mau/{n}", get(crate::pages::blank_form))
        .route("/nop-ho-so/da-gui", get(crate::submit::done))
        .route(
            "/nop-ho-so/{code}",
            get(crate::submit::form)
                .post(crate::submit::submit)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/tra-cuu/danh-gia", post(crate::pages::rate))
        .route("/assets/print.css", get(crate::staff::print_stylesheet))
        .route(
            "/dang-nhap",
            get(crate::staff::login_page).post(crate::staff::login),
        )
        .route("/dang-xuat", post(crate::staff::logout))
        .route("/can-bo", get(crate::staff::queue))
        .route(
            "/can-bo/tiep-nhan",
            get(crate::staff::reception_form).post(crate::staff::receive),
        )
        .route("/can-bo/ho-so/{id}", get(crate::staff::dossier))
        .route(
            "/can-bo/ho-so/{id}/phieu-tiep-nhan",
            get(crate::staff::receipt),
        )
        .route(
            "/can-bo/ho-so/{id}/mau/{form}",
            get(crate::staff::print_form),
        )
        .route("/can-bo/ho-so/{id}/{action}", post(crate::staff::act))
        .nest("/api/v1", api)
        .fallback(no_route)
        .layer(middleware::from_fn(crate::i18n::scope))
        .layer(middleware::from_fn(same_origin))
        .layer(middleware::from_fn(security_headers))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(app)
}
