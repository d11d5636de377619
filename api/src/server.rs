//! Assembling and running a server: state, schema, router, listener.

use crate::auth::jwt::JwtKeys;
use crate::auth::password;
use crate::auth::throttle::LoginThrottle;
use crate::blobs::BlobStore;
use crate::builds::events::BuildEvents;
use crate::config::Limits;
use crate::context::AppState;
use crate::http;
use crate::schema::schema_builder;
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Builds the shared state for a migrated database.
pub async fn build_state(
    db: DatabaseConnection,
    blobs: BlobStore,
    jwt_secret: &[u8],
    limits: Limits,
) -> anyhow::Result<AppState> {
    let decoy = password::hash(&crate::auth::random_secret()).await?;
    Ok(AppState {
        db,
        blobs,
        build_events: BuildEvents::default(),
        jwt: Arc::new(JwtKeys::new(jwt_secret)),
        throttle: Arc::new(LoginThrottle::default()),
        limits,
        derived_locks: Arc::default(),
        orphan_sweep: Default::default(),
        decoy_hash: Arc::new(decoy),
        shutdown: Arc::new(tokio::sync::watch::Sender::new(false)),
        webhooks: crate::webhooks::Webhooks::from_env(),
    })
}

/// The full application router for a state.
pub fn app(state: AppState) -> axum::Router {
    let schema = schema_builder(&state.limits).data(state.clone()).finish();
    http::router(state, schema)
}

/// Longest the server waits, once told to stop, for requests under way to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

/// Serves on an already bound listener until the future `shutdown` completes. Then it stops
/// accepting, closes WebSockets, lets requests under way finish for up to 8 s, and returns.
/// Blobs left behind by an instance that stopped midway are swept in the background meanwhile.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    crate::packages::sweep::spawn(&state);
    tokio::spawn(crate::maintenance::run(state.clone()));
    tokio::spawn(crate::webhooks::worker::run(state.clone()));
    let stopping = state.shutdown.clone();
    let mut stopped = stopping.subscribe();
    let signal = async move {
        shutdown.await;
        tracing::info!("stopping: no new connections; closing WebSockets");
        stopping.send_replace(true);
    };
    let server = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(signal);
    let deadline = async move {
        let _ = stopped.wait_for(|stop| *stop).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        result = server => result?,
        () = deadline => tracing::warn!("stopped with requests still under way after the grace period"),
    }
    Ok(())
}
