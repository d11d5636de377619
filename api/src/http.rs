//! The HTTP surface: routes, middleware, and the bridge from HTTP requests to GraphQL.

use crate::auth::authenticate;
use crate::context::{AppState, RequestContext};
use crate::schema::FirstpassSchema;
use crate::web_assets;
use async_graphql::http::{GraphiQLSource, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, HeaderName, Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use firstpass_shared::domain::ErrorCode;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
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
pub fn router(app: AppState, schema: FirstpassSchema) -> Router {
    let body_limit = app.limits.max_body_bytes;
    let state = HttpState { app, schema };
    Router::new()
        .route("/graphql", get(graphiql).post(graphql_handler))
        .route("/graphql/ws", get(graphql_ws))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(web_assets::serve)
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(body_limit))
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

/// `POST /graphql`: authenticates the bearer credential, runs the operation, and makes sure
/// every error leaves with an `extensions.code`.
async fn graphql_handler(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let request_id = request_id_of(&request_id);
    let auth = match authenticate(&state.app.db, &state.app.jwt, authorization).await {
        Ok(auth) => auth,
        Err(err) => {
            let error: async_graphql::Error = err.into();
            return async_graphql::Response::from_errors(vec![
                error.into_server_error(Default::default())
            ])
            .into();
        }
    };
    let context = RequestContext {
        request_id,
        client_ip: peer.ip(),
        auth,
    };
    let mut response = state
        .schema
        .execute(request.into_inner().data(context))
        .await;
    tag_uncoded_errors(&mut response);
    response.into()
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
