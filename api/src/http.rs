//! The HTTP surface: routes, middleware, and the bridge from HTTP requests to GraphQL.

use crate::auth::authenticate;
use crate::auth::Authentication;
use crate::context::{AppState, RequestContext};
use crate::error::ApiError;
use crate::guard::{GuardedSchema, SocketCredential};
use crate::schema::FirstpassSchema;
use crate::tenancy::Actor;
use crate::web_assets;
use async_graphql::http::{receive_body, MultipartOptions};
use async_graphql::http::{GraphiQLSource, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::Data;
use async_graphql::ParseRequestError;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::http::{header, HeaderName, HeaderValue, Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use firstpass_shared::domain::{ErrorCode, Scope};
use futures_util::{StreamExt, TryStreamExt};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
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
        .route("/cfx", axum::routing::post(crate::cfx::http::receive))
        .route("/recall-impact.csv", get(crate::boxbuild::recall::csv))
        .route(
            "/shipments/{id}/certificate.pdf",
            get(crate::shipping::export::certificate_pdf),
        )
        .route("/shipments/{id}/asn.csv", get(crate::shipping::export::asn_csv))
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
        .layer(axum::middleware::map_request(drop_malformed_request_id))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

/// Whether a client-sent request id may be used as is: 1 to 64 characters of letters, digits,
/// `-`, `_`, `.` and `:`. Anything else would reach the log and the audit trail verbatim.
fn well_formed_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Drops a malformed `x-request-id`, so a fresh one is generated in its place.
async fn drop_malformed_request_id<B>(mut request: Request<B>) -> Request<B> {
    if request
        .headers()
        .get(&REQUEST_ID)
        .is_some_and(|id| !well_formed_request_id(id.as_bytes()))
    {
        request.headers_mut().remove(&REQUEST_ID);
    }
    request
}

/// The caller of a plain HTTP route (downloads, exports), authenticated exactly like a GraphQL
/// request and allowed to read; the route answers 401 or 403 otherwise.
#[derive(Debug, Clone)]
pub struct Reader(pub Actor);

impl FromRequestParts<HttpState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, ApiError> {
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        match authenticate(&state.app.db, &state.app.jwt, authorization).await? {
            Authentication::Authenticated(actor) => {
                actor.require_scope(Scope::Read)?;
                Ok(Reader(actor))
            }
            Authentication::Anonymous | Authentication::Invalid => Err(ApiError::Unauthenticated),
        }
    }
}

fn request_id_of(id: &RequestId) -> String {
    id.header_value().to_str().unwrap_or("-").to_owned()
}

/// The two response media types of GraphQL over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    /// `application/graphql-response+json`: the status tells request errors (4xx) from
    /// execution results (200), and a request error has no `data` entry.
    GraphqlResponse,
    /// `application/json`: every well-formed request answers 200.
    Json,
}

impl MediaType {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        })
    }

    /// Picks the response type from `Accept`: JSON when it is missing or says `*/*`, the
    /// highest-weighted supported type otherwise, and `None` when nothing offered is supported.
    fn negotiate(accept: Option<&str>) -> Option<MediaType> {
        let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
            return Some(MediaType::Json);
        };
        let mut best: Option<(f32, MediaType)> = None;
        for range in accept.split(',') {
            let mut params = range.split(';').map(str::trim);
            let essence = params.next().unwrap_or_default().to_ascii_lowercase();
            let weight = params
                .filter_map(|p| p.strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let media = match essence.as_str() {
                "application/graphql-response+json" => MediaType::GraphqlResponse,
                "application/json" | "application/*" | "*/*" => MediaType::Json,
                _ => continue,
            };
            if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, media));
            }
        }
        best.map(|(_, media)| media)
    }
}

/// Writes a GraphQL response body with its status and `content-type`, keeping the headers
/// resolvers set (cookies). Under `application/graphql-response+json`, a request that failed
/// before execution answers 400 (401 for a bad credential) without a `data` entry.
fn graphql_response(media: MediaType, response: async_graphql::Response) -> Response {
    let before_execution = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let code_of = |e: &async_graphql::ServerError| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .and_then(|c| match c {
                async_graphql::Value::String(s) => Some(s.clone()),
                _ => None,
            })
    };
    let request_error_status = if before_execution {
        let codes: Vec<Option<String>> = response.errors.iter().map(code_of).collect();
        if codes
            .iter()
            .all(|c| c.as_deref() == Some(ErrorCode::BadUserInput.as_str()))
        {
            Some(StatusCode::BAD_REQUEST)
        } else if codes
            .iter()
            .all(|c| c.as_deref() == Some(ErrorCode::Unauthenticated.as_str()))
        {
            Some(StatusCode::UNAUTHORIZED)
        } else {
            None
        }
    } else {
        None
    };
    // Serialized straight to bytes: going through a JSON tree would copy every value once more.
    let (status, body) = match (media, request_error_status) {
        (MediaType::GraphqlResponse, Some(status)) => (
            status,
            serde_json::to_vec(&RequestErrors {
                errors: &response.errors,
                extensions: &response.extensions,
            }),
        ),
        _ => (StatusCode::OK, serde_json::to_vec(&response)),
    };
    let body = match body {
        Ok(body) => body,
        Err(err) => return ApiError::internal(err).into_response(),
    };
    let mut http = (status, body).into_response();
    let headers = http.headers_mut();
    headers.insert(header::CONTENT_TYPE, media.content_type());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.extend(response.http_headers);
    http
}

/// The body of a request error in `application/graphql-response+json`: no `data` at all.
#[derive(serde::Serialize)]
struct RequestErrors<'a> {
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

/// An error answer outside of execution (the request could not even be read).
fn request_error(media: MediaType, status: StatusCode, message: String) -> Response {
    let mut body = serde_json::json!({
        "errors": [{"message": message, "extensions": {"code": ErrorCode::BadUserInput.as_str()}}],
    });
    if media == MediaType::Json {
        body["data"] = serde_json::Value::Null;
    }
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    response
}

/// Whether a request's `content-type` is one `POST /graphql` reads: JSON, or a GraphQL
/// multipart upload. Anything else (including none) is refused, which also keeps browsers'
/// cross-site "simple" requests (`text/plain`, forms) out.
fn readable_content_type(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "multipart/form-data"
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
    let accept = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let Some(media) = MediaType::negotiate(accept) else {
        return request_error(
            MediaType::Json,
            StatusCode::NOT_ACCEPTABLE,
            "the server answers application/graphql-response+json or application/json; the \
             Accept header allows neither"
                .to_owned(),
        );
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if !readable_content_type(content_type.as_deref()) {
        return request_error(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/json (or multipart/form-data for uploads)".to_owned(),
        );
    }
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
        return request_error(media, StatusCode::PAYLOAD_TOO_LARGE, limit_message);
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
    let mut graphql_request = match parsed {
        Ok(request) => request,
        Err(_) if exceeded.load(Ordering::Relaxed) => {
            return request_error(media, StatusCode::PAYLOAD_TOO_LARGE, limit_message);
        }
        Err(ParseRequestError::PayloadTooLarge) => {
            return request_error(
                media,
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "a file is larger than the {} MB file limit (FIRSTPASS_MAX_FILE_BYTES)",
                    limits.max_file_bytes / 1_000_000
                ),
            );
        }
        Err(err) => {
            return request_error(
                media,
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
            return graphql_response(
                media,
                async_graphql::Response::from_errors(vec![crate::guard::server_error(err)]),
            );
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
    let checked = crate::guard::check_request(&mut graphql_request, limits.guard).and_then(|()| {
        crate::guard::check_token_reach(&state.schema, &mut graphql_request, &context)
    });
    if let Err(err) = checked {
        return graphql_response(
            media,
            async_graphql::Response::from_errors(vec![crate::guard::server_error(err)]),
        );
    }
    let loaders = crate::loaders::for_request(&state.app, context.auth.actor().cloned());
    let operation = state
        .schema
        .execute(graphql_request.data(context).data(loaders));
    let mut response = crate::guard::with_time_limit(limits.guard, operation).await;
    tag_uncoded_errors(&mut response);
    graphql_response(media, response)
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

/// How long a WebSocket may stay open without `connection_init` (graphql-transport-ws).
const CONNECTION_INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// `GET /graphql/ws`: subscriptions over graphql-transport-ws (and the older graphql-ws).
/// The bearer credential comes in the `connection_init` payload as `Authorization`; it is
/// checked there and again for every operation (see [`crate::guard`]). A socket that has not
/// sent `connection_init` within 10 s is closed, and so is every socket when the server stops.
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
        .on_upgrade(move |socket| async move {
            let app = state.app.clone();
            let mut stopping = state.app.shutdown.subscribe();
            let credential_cell = Arc::new(std::sync::OnceLock::new());
            let executor =
                GuardedSchema::new(state.schema.clone(), app.clone(), credential_cell.clone());
            let init_cell = credential_cell.clone();
            let connection = GraphQLWebSocket::new(socket, executor, protocol)
                .on_connection_init(move |payload: serde_json::Value| async move {
                    let authorization = payload
                        .get("Authorization")
                        .or_else(|| payload.get("authorization"))
                        .and_then(|v| v.as_str())
                        .map(str::to_owned);
                    let credential = SocketCredential {
                        authorization,
                        request_id,
                        client_ip,
                    };
                    // Refuse a bad credential at once; operations check it again each time.
                    credential
                        .request_context(&app)
                        .await
                        .map_err(async_graphql::Error::from)?;
                    let _ = init_cell.set(credential);
                    Ok(Data::default())
                })
                .serve();
            let init_deadline = async {
                tokio::time::sleep(CONNECTION_INIT_TIMEOUT).await;
                if credential_cell.get().is_some() {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                () = connection => {}
                () = init_deadline => {
                    tracing::info!("WebSocket closed: no connection_init within 10 s");
                }
                _ = stopping.wait_for(|stop| *stop) => {}
            }
        })
}

/// `GET /graphql`: the GraphiQL explorer.
/// Served from the binary when the build vendored GraphiQL; otherwise the page loads GraphiQL's
/// scripts and styles from a public CDN over HTTPS, which its policy allows for it alone.
async fn graphiql() -> Response {
    if let Some(page) = web_assets::explorer_page() {
        return page;
    }
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self' 'unsafe-inline' https:; style-src 'self' \
                 'unsafe-inline' https:; font-src https: data:; img-src 'self' https: data:; \
                 connect-src 'self'; frame-ancestors 'none'",
            ),
        )],
        Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql/ws")
                .title("Firstpass API")
                .finish(),
        ),
    )
        .into_response()
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

/// A file download: its content type, the file name offered, and the bytes.
pub fn attachment(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        body,
    )
        .into_response()
}
