//! The HTTP surface: routes, middleware, and the bridge from HTTP requests to GraphQL.

use crate::auth::authenticate;
use crate::context::{AppState, RequestContext};
use crate::schema::FirstpassSchema;
use crate::web_assets;
use async_graphql::http::{receive_body, MultipartOptions};
use async_graphql::http::{GraphiQLSource, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::Data;
use async_graphql::ParseRequestError;
use async_graphql_axum::{GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::body::Body;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{header, HeaderName, Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use firstpass_shared::domain::ErrorCode;
use futures_util::{StreamExt, TryStreamExt};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use tracing::Span;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the HTTP handlers share.
#[derive(Clone)]
pub struct HttpState {
    /// Shared application state.
    pub app: AppState,
    /// The executable schema.
    pub schema: FirstpassSchema,
}

/// Builds the router with all middleware.
///
/// Only `POST /graphql` reads a request body; it applies the body limits itself, per kind of
/// body (see [`graphql_handler`]).
pub fn router(app: AppState, schema: FirstpassSchema) -> Router {
    let state = HttpState { app, schema };
    Router::new()
        .route("/graphql", get(graphiql).post(graphql_handler))
        .route("/graphql/ws", get(graphql_ws))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/files/{id}", get(crate::packages::files_http::download))
        .route("/fai/{file}", get(crate::fai::export::pdf))
        .route("/fai/{id}/characteristics.csv", get(crate::fai::export::csv))
        .fallback(web_assets::serve)
        .with_state(state)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let request_id =
                        request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", id = %request_id, method = %request.method(), path = %request.uri().path())
                })
                .on_request(())
                .on_response(|response: &Response, latency: Duration, _span: &Span| {
                    tracing::info!(status = response.status().as_u16(), ms = latency.as_millis() as u64, "done");
                })
                .on_failure(()),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

fn request_id_of(id: &RequestId) -> String {
    id.header_value().to_str().unwrap_or("-").to_owned()
}

/// An error answer outside of execution (the request could not even be read).
fn request_error(status: StatusCode, message: String) -> Response {
    let body = serde_json::json!({
        "data": null,
        "errors": [{"message": message, "extensions": {"code": ErrorCode::BadUserInput.as_str()}}],
    });
    (status, axum::Json(body)).into_response()
}

/// `POST /graphql`: reads the body within its limit (JSON, or a GraphQL multipart upload with
/// larger limits), authenticates the bearer credential, runs the operation, and makes sure every
/// error leaves with an `extensions.code`.
async fn graphql_handler(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(request_id): Extension<RequestId>,
    request: Request<Body>,
) -> Response {
    let (parts, body) = request.into_parts();
    let limits = state.app.limits;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let multipart = content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("multipart/"));
    let (limit, limit_message) = if multipart {
        (
            limits.max_upload_bytes,
            format!(
                "the upload is larger than the {} MB request limit (FIRSTPASS_MAX_UPLOAD_BYTES)",
                limits.max_upload_bytes / 1_000_000
            ),
        )
    } else {
        (
            limits.max_body_bytes as u64,
            format!(
                "the request body is larger than the {} byte limit (FIRSTPASS_MAX_BODY_BYTES)",
                limits.max_body_bytes
            ),
        )
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        return request_error(StatusCode::PAYLOAD_TOO_LARGE, limit_message);
    }
    let exceeded = Arc::new(AtomicBool::new(false));
    let flag = exceeded.clone();
    let mut seen: u64 = 0;
    let stream = body.into_data_stream().map(move |chunk| {
        let chunk = chunk.map_err(std::io::Error::other)?;
        seen += chunk.len() as u64;
        if seen > limit {
            flag.store(true, Ordering::Relaxed);
            return Err(std::io::Error::other("request body over the limit"));
        }
        Ok(chunk)
    });
    let options = MultipartOptions::default()
        .max_file_size(usize::try_from(limits.max_file_bytes).unwrap_or(usize::MAX))
        .max_num_files(1000);
    let parsed = receive_body(content_type.as_deref(), stream.into_async_read(), options).await;
    let graphql_request = match parsed {
        Ok(request) => request,
        Err(_) if exceeded.load(Ordering::Relaxed) => {
            return request_error(StatusCode::PAYLOAD_TOO_LARGE, limit_message);
        }
        Err(ParseRequestError::PayloadTooLarge) => {
            return request_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "a file is larger than the {} MB file limit (FIRSTPASS_MAX_FILE_BYTES)",
                    limits.max_file_bytes / 1_000_000
                ),
            );
        }
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                format!("the request cannot be read: {err}"),
            )
        }
    };
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let request_id = request_id_of(&request_id);
    let auth = match authenticate(&state.app.db, &state.app.jwt, authorization).await {
        Ok(auth) => auth,
        Err(err) => {
            let error: async_graphql::Error = err.into();
            return GraphQLResponse::from(async_graphql::Response::from_errors(vec![
                error.into_server_error(Default::default())
            ]))
            .into_response();
        }
    };
    let refresh_cookie = crate::accounts::cookie::read(&parts.headers);
    let context = RequestContext {
        request_id,
        client_ip: peer.ip(),
        auth,
        refresh_cookie,
        https: crate::accounts::cookie::over_https(&parts.headers),
    };
    let mut response = state.schema.execute(graphql_request.data(context)).await;
    tag_uncoded_errors(&mut response);
    GraphQLResponse::from(response).into_response()
}

/// Errors raised by async-graphql itself (syntax, validation, limits) carry no code; they are
/// all the client's doing.
fn tag_uncoded_errors(response: &mut async_graphql::Response) {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", ErrorCode::BadUserInput.as_str());
        }
    }
}

/// `GET /graphql/ws`: subscriptions over graphql-transport-ws (and the older graphql-ws).
/// The bearer credential comes in the `connection_init` payload as `Authorization`.
async fn graphql_ws(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(request_id): Extension<RequestId>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let request_id = request_id_of(&request_id);
    let client_ip: IpAddr = peer.ip();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let app = state.app.clone();
            GraphQLWebSocket::new(socket, state.schema.clone(), protocol)
                .on_connection_init(move |payload: serde_json::Value| async move {
                    let authorization = payload
                        .get("Authorization")
                        .or_else(|| payload.get("authorization"))
                        .and_then(|v| v.as_str())
                        .map(str::to_owned);
                    let auth = authenticate(&app.db, &app.jwt, authorization.as_deref())
                        .await
                        .map_err(async_graphql::Error::from)?;
                    let mut data = Data::default();
                    data.insert(RequestContext {
                        request_id,
                        client_ip,
                        auth,
                        refresh_cookie: None,
                        https: false,
                    });
                    Ok(data)
                })
                .serve()
        })
}

/// `GET /graphql`: the GraphiQL explorer.
async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .title("Firstpass API")
            .finish(),
    )
}

/// `GET /healthz`: the process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers.
async fn readyz(State(state): State<HttpState>) -> impl IntoResponse {
    match state.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(err) => {
            tracing::warn!(error = %err, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
