//! Extractors that turn every rejection into problem+json, the client's address, the idempotency key.

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::http::ApiError;

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

pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let k = v.to_str().unwrap_or("").trim();
            if k.is_empty() || k.len() > 200 {
                return Err(ApiError::bad_request(
                    "Idempotency-Key phải từ 1 đến 200 ký tự",
                    "Idempotency-Key must be 1 to 200 characters",
                ));
            }
            Ok(Some(k.to_owned()))
        }
    }
}

pub fn body_hash(v: &impl serde::Serialize) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(v).unwrap_or_default()))
}

/// Path parameters, with errors as problem+json.
pub struct PathOf<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathOf<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(v) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(PathOf(v))
    }
}

/// An HTML form, refused with a page in the site's words (never the framework's).
pub struct FormOf<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for FormOf<T> {
    type Rejection = crate::http::PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, crate::http::PageError> {
        let axum::Form(v) = axum::Form::<T>::from_request(req, state)
            .await
            .map_err(ApiError::from)?;
        Ok(FormOf(v))
    }
}
