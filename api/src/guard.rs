//! What every GraphQL operation passes before and while it runs, whatever its transport
//! (HTTP or WebSocket):
//!
//! - **Bounded cost.** The document's size with every fragment spread expanded is counted on a
//!   parse of our own before async-graphql sees it, so a few hundred bytes of fragments that
//!   spread each other twice are refused in microseconds instead of occupying a worker for
//!   minutes. Depth and complexity limits then apply as configured in [`crate::schema`].
//! - **Clean text.** String arguments and variables may not hold NUL or other control
//!   characters (line breaks and tabs are fine): refused with `BAD_USER_INPUT` on both
//!   databases, instead of `INTERNAL` on PostgreSQL and silently stored on SQLite.
//! - **Live credentials.** On a WebSocket, each operation re-authenticates the credential given
//!   at `connection_init` (expiry, revocation, user deactivated, token revoked); a subscription
//!   re-checks it before each event and at a fixed interval, and ends when it fails.
//! - **Time limit.** Queries and mutations are cancelled after the configured time; their
//!   transaction is dropped, so nothing of them is kept.
//!
//! This is deliberately not an async-graphql extension: with any extension registered,
//! async-graphql resolves every field and list item through a slower path (type lookups and
//! allocations per field), which cost about a third of the throughput of list queries. HTTP
//! calls [`check_request`] and [`with_time_limit`] itself; WebSockets run through
//! [`GuardedSchema`].

use crate::auth::{authenticate, Authentication};
use crate::context::{AppState, RequestContext};
use crate::error::ApiError;
use crate::schema::FirstpassSchema;
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Positioned, Request, Response, ServerError, Variables};
use async_graphql_value::{ConstValue, Value};
use futures_util::stream::{self, BoxStream, StreamExt};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Limits the guard applies; part of [`crate::config::Limits`].
#[derive(Debug, Clone, Copy)]
pub struct GuardLimits {
    /// Most fields a document may select once every fragment spread is expanded.
    pub max_expanded_fields: u64,
    /// Longest a query or mutation may run.
    pub request_timeout: Duration,
    /// How often a subscription re-checks its credential when no event arrives.
    pub subscription_recheck: Duration,
}

/// The credential a WebSocket presented at `connection_init`, kept so each operation can be
/// authenticated again. Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct SocketCredential {
    /// The `Authorization` value (`Bearer …`), if one was given.
    pub authorization: Option<String>,
    /// The request id of the upgrade request.
    pub request_id: String,
    /// The client's address.
    pub client_ip: IpAddr,
}

impl std::fmt::Debug for SocketCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketCredential")
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .field("request_id", &self.request_id)
            .field("client_ip", &self.client_ip)
            .finish()
    }
}

impl SocketCredential {
    /// Authenticates the credential as of now.
    pub async fn authenticate(&self, state: &AppState) -> Result<Authentication, ApiError> {
        authenticate(&state.db, &state.jwt, self.authorization.as_deref()).await
    }

    /// The request context for one operation on the socket, or `UNAUTHENTICATED` when the
    /// credential no longer identifies an active principal.
    pub async fn request_context(&self, state: &AppState) -> Result<RequestContext, ApiError> {
        let auth = self.authenticate(state).await?;
        if matches!(auth, Authentication::Invalid) {
            return Err(ApiError::Unauthenticated);
        }
        Ok(RequestContext {
            request_id: self.request_id.clone(),
            client_ip: self.client_ip,
            auth,
            refresh_cookie: None,
            https: false,
        })
    }
}

/// An error about the operation as a whole: its code, and no location (there is none to
/// point at).
pub fn server_error(err: ApiError) -> ServerError {
    let error = async_graphql::Error::from(err);
    let mut server_error = ServerError::new(error.message, None);
    server_error.extensions = error.extensions;
    server_error
}

/// The checks made before a request reaches async-graphql: control characters in variables
/// and literals, and the size of the document with its fragments expanded. A document that
/// does not parse is left for async-graphql to report. The parsed document stays in the
/// request, so async-graphql does not parse it again.
pub fn check_request(request: &mut Request, limits: GuardLimits) -> Result<(), ApiError> {
    check_variables(&request.variables)?;
    if let Ok(document) = request.parsed_query() {
        check_document(document, limits.max_expanded_fields)?;
    }
    Ok(())
}

/// Refuses an operation that reaches a capability the caller's API token is not granted (see
/// [`crate::api_tokens::selection`]); a document that does not parse is left for async-graphql.
pub fn check_token_reach(
    schema: &FirstpassSchema,
    request: &mut Request,
    context: &RequestContext,
) -> Result<(), ApiError> {
    let Some(actor) = context.auth.actor() else {
        return Ok(());
    };
    if actor.token_limits().is_none() {
        return Ok(());
    }
    let operation_name = request.operation_name.clone();
    match request.parsed_query() {
        Ok(document) => crate::api_tokens::selection::check_operation(
            actor,
            schema,
            document,
            operation_name.as_deref(),
        ),
        Err(_) => Ok(()),
    }
}

/// Runs a query or mutation within the time limit; past it, the work is dropped (and with it
/// any open transaction) and the answer is `TIMEOUT`.
pub async fn with_time_limit(
    limits: GuardLimits,
    operation: impl std::future::Future<Output = Response>,
) -> Response {
    match tokio::time::timeout(limits.request_timeout, operation).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                limit_ms = limits.request_timeout.as_millis() as u64,
                "operation cancelled at its time limit"
            );
            Response::from_errors(vec![server_error(ApiError::Timeout)])
        }
    }
}

/// Whether the operation `request` names is a subscription.
fn is_subscription(request: &Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let wanted = request.operation_name.as_deref();
    document.operations.iter().any(|(name, operation)| {
        operation.node.ty == async_graphql::parser::types::OperationType::Subscription
            && (wanted.is_none() || name.map(|n| n.as_str()) == wanted)
    })
}

/// The schema as a WebSocket connection runs it: every operation is checked, authenticated
/// again with the connection's credential, and time-limited; subscriptions end when the
/// credential fails.
#[derive(Clone)]
pub struct GuardedSchema {
    schema: FirstpassSchema,
    state: AppState,
    credential: Arc<std::sync::OnceLock<SocketCredential>>,
}

impl GuardedSchema {
    /// The schema for one connection; `credential` is filled in at `connection_init`.
    pub fn new(
        schema: FirstpassSchema,
        state: AppState,
        credential: Arc<std::sync::OnceLock<SocketCredential>>,
    ) -> Self {
        Self {
            schema,
            state,
            credential,
        }
    }

    /// The request with this connection's context and loaders, or why it may not run.
    async fn prepare(&self, mut request: Request) -> Result<Request, ApiError> {
        check_request(&mut request, self.state.limits.guard)?;
        let Some(credential) = self.credential.get() else {
            return Err(ApiError::Unauthenticated);
        };
        let context = credential.request_context(&self.state).await?;
        check_token_reach(&self.schema, &mut request, &context)?;
        let loaders = crate::loaders::for_request(&self.state, context.auth.actor().cloned());
        Ok(request.data(context).data(loaders))
    }
}

impl async_graphql::Executor for GuardedSchema {
    async fn execute(&self, request: Request) -> Response {
        match self.prepare(request).await {
            Ok(request) => {
                with_time_limit(self.state.limits.guard, self.schema.execute(request)).await
            }
            Err(err) => Response::from_errors(vec![server_error(err)]),
        }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<async_graphql::Data>>,
    ) -> BoxStream<'static, Response> {
        let this = self.clone();
        let subscription = is_subscription(&request);
        stream::once(async move {
            let request = match this.prepare(request).await {
                Ok(request) => request,
                Err(err) => {
                    return stream::once(
                        async move { Response::from_errors(vec![server_error(err)]) },
                    )
                    .boxed();
                }
            };
            if !subscription {
                let limits = this.state.limits.guard;
                return stream::once(async move {
                    with_time_limit(limits, this.schema.execute(request)).await
                })
                .boxed();
            }
            let events = this
                .schema
                .execute_stream_with_session_data(request, session_data.unwrap_or_default());
            match this.credential.get() {
                Some(credential) => guard_subscription(
                    events,
                    this.state.clone(),
                    credential.clone(),
                    this.state.limits.guard.subscription_recheck,
                ),
                None => events,
            }
        })
        .flatten()
        .boxed()
    }
}

/// Ends a subscription, with an `UNAUTHENTICATED` error, as soon as its credential fails: checked
/// before each event is delivered and every `recheck` in between.
fn guard_subscription<'s>(
    events: BoxStream<'s, Response>,
    state: AppState,
    credential: SocketCredential,
    recheck: Duration,
) -> BoxStream<'s, Response> {
    enum Item {
        Event(Box<Response>),
        Tick,
        End,
    }
    let ticks = stream::unfold((), move |()| async move {
        tokio::time::sleep(recheck).await;
        Some((Item::Tick, ()))
    });
    let events = events
        .map(|response| Item::Event(Box::new(response)))
        .chain(stream::once(async { Item::End }));
    let merged = stream::select(events, ticks).boxed();
    stream::unfold(Some((merged, state, credential)), |running| async move {
        let (mut merged, state, credential) = running?;
        loop {
            let event = match merged.next().await? {
                Item::End => return None,
                Item::Tick => None,
                Item::Event(response) => Some(*response),
            };
            let still_valid = match credential.authenticate(&state).await {
                Ok(auth) => !matches!(auth, Authentication::Invalid),
                Err(err) => {
                    return Some((Response::from_errors(vec![server_error(err)]), None));
                }
            };
            if !still_valid {
                tracing::info!("subscription ended: its credential is no longer valid");
                let ended = Response::from_errors(vec![server_error(ApiError::Unauthenticated)]);
                return Some((ended, None));
            }
            if let Some(response) = event {
                return Some((response, Some((merged, state, credential))));
            }
        }
    })
    .boxed()
}

/// Where a string sits, for the error message: `what` (`variable`, `argument`) and a path.
fn refuse_text(what: &str, path: &str, text: &str) -> Result<(), ApiError> {
    firstpass_shared::text::check_free_text(&format!("{what} `{path}`"), text)
        .map_err(ApiError::BadUserInput)
}

/// Refuses control characters anywhere in the variables.
fn check_variables(variables: &Variables) -> Result<(), ApiError> {
    for (name, value) in variables.iter() {
        check_const_value("variable", &format!("${name}"), value)?;
    }
    Ok(())
}

fn check_const_value(what: &str, path: &str, value: &ConstValue) -> Result<(), ApiError> {
    match value {
        ConstValue::String(text) => refuse_text(what, path, text),
        ConstValue::List(items) => items
            .iter()
            .try_for_each(|v| check_const_value(what, path, v)),
        ConstValue::Object(fields) => fields
            .iter()
            .try_for_each(|(key, v)| check_const_value(what, &format!("{path}.{key}"), v)),
        _ => Ok(()),
    }
}

fn check_value(path: &str, value: &Value) -> Result<(), ApiError> {
    match value {
        Value::String(text) => refuse_text("argument", path, text),
        Value::List(items) => items.iter().try_for_each(|v| check_value(path, v)),
        Value::Object(fields) => fields
            .iter()
            .try_for_each(|(key, v)| check_value(&format!("{path}.{key}"), v)),
        _ => Ok(()),
    }
}

fn check_arguments(arguments: &[(Positioned<Name>, Positioned<Value>)]) -> Result<(), ApiError> {
    arguments
        .iter()
        .try_for_each(|(name, value)| check_value(name.node.as_str(), &value.node))
}

fn check_directives(directives: &[Positioned<Directive>]) -> Result<(), ApiError> {
    directives
        .iter()
        .try_for_each(|d| check_arguments(&d.node.arguments))
}

/// Walks a document once: refuses control characters in literal arguments and counts the
/// fields selected with fragments expanded (each fragment's size computed once).
fn check_document(document: &ExecutableDocument, max_fields: u64) -> Result<(), ApiError> {
    let mut sizes: HashMap<&Name, u64> = HashMap::new();
    let mut total: u64 = 0;
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        check_directives(&operation.directives)?;
        for variable in &operation.variable_definitions {
            if let Some(default) = &variable.node.default_value {
                check_const_value(
                    "default of",
                    &format!("${}", variable.node.name.node),
                    &default.node,
                )?;
            }
        }
        let size = selection_size(
            document,
            &operation.selection_set.node,
            &mut sizes,
            &mut Vec::new(),
        )?;
        total = total.saturating_add(size);
    }
    // Fragments that no operation uses are still walked for their arguments.
    for fragment in document.fragments.values() {
        check_directives(&fragment.node.directives)?;
        check_selection_text(&fragment.node.selection_set.node)?;
    }
    if total > max_fields {
        return Err(ApiError::bad_input(format!(
            "the query selects {total} fields once its fragments are expanded; at most \
             {max_fields} are allowed (FIRSTPASS_MAX_QUERY_FIELDS)"
        )));
    }
    Ok(())
}

fn check_selection_text(set: &SelectionSet) -> Result<(), ApiError> {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                check_arguments(&field.node.arguments)?;
                check_directives(&field.node.directives)?;
                check_selection_text(&field.node.selection_set.node)?;
            }
            Selection::FragmentSpread(spread) => check_directives(&spread.node.directives)?,
            Selection::InlineFragment(inline) => {
                check_directives(&inline.node.directives)?;
                check_selection_text(&inline.node.selection_set.node)?;
            }
        }
    }
    Ok(())
}

/// Fields under `set` with fragment spreads expanded. A fragment in the middle of its own
/// expansion counts nothing here: validation refuses such cycles afterwards.
fn selection_size<'d>(
    document: &'d ExecutableDocument,
    set: &'d SelectionSet,
    sizes: &mut HashMap<&'d Name, u64>,
    expanding: &mut Vec<&'d Name>,
) -> Result<u64, ApiError> {
    let mut size: u64 = 0;
    for item in &set.items {
        let add = match &item.node {
            Selection::Field(field) => {
                check_arguments(&field.node.arguments)?;
                check_directives(&field.node.directives)?;
                1u64.saturating_add(selection_size(
                    document,
                    &field.node.selection_set.node,
                    sizes,
                    expanding,
                )?)
            }
            Selection::InlineFragment(inline) => {
                check_directives(&inline.node.directives)?;
                selection_size(document, &inline.node.selection_set.node, sizes, expanding)?
            }
            Selection::FragmentSpread(spread) => {
                check_directives(&spread.node.directives)?;
                let name = &spread.node.fragment_name.node;
                if let Some(known) = sizes.get(name) {
                    *known
                } else if expanding.contains(&name) {
                    0
                } else if let Some(fragment) = document.fragments.get(name) {
                    expanding.push(name);
                    let fragment_size = selection_size(
                        document,
                        &fragment.node.selection_set.node,
                        sizes,
                        expanding,
                    )?;
                    expanding.pop();
                    sizes.insert(name, fragment_size);
                    fragment_size
                } else {
                    0
                }
            }
        };
        size = size.saturating_add(add);
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).expect("parses")
    }

    #[test]
    fn fragment_fan_out_is_counted_expanded() {
        let mut query = String::from("fragment F0 on User { id }\n");
        for level in 1..=28 {
            let previous = level - 1;
            query.push_str(&format!(
                "fragment F{level} on User {{ ...F{previous} ...F{previous} }}\n"
            ));
        }
        query.push_str("query { me { ...F28 } }");
        let err = check_document(&document(&query), 10_000).expect_err("refused");
        assert!(
            err.message().contains("fragments are expanded"),
            "{}",
            err.message()
        );

        let small = "fragment A on User { id email } query { me { ...A ...A } }";
        assert!(check_document(&document(small), 10).is_ok());
        assert!(check_document(&document(small), 4).is_err());
    }

    #[test]
    fn control_characters_in_literals_and_variables_are_refused() {
        let literal = r#"mutation { login(email: "a\u0000b", password: "x") { accessToken } }"#;
        let err = check_document(&document(literal), 100).expect_err("refused");
        assert!(err.message().contains("U+0000"), "{}", err.message());
        let multiline = r#"mutation { login(email: "a\nb", password: "x") { accessToken } }"#;
        assert!(check_document(&document(multiline), 100).is_ok());

        let variables =
            Variables::from_json(serde_json::json!({"input": {"name": ["ok", "bell\u{7}"]}}));
        let err = check_variables(&variables).expect_err("refused");
        assert!(err.message().contains("$input.name"), "{}", err.message());
    }

    #[test]
    fn cyclic_fragments_do_not_loop() {
        let cyclic =
            "fragment A on User { ...B } fragment B on User { ...A } query { me { ...A } }";
        assert!(check_document(&document(cyclic), 10).is_ok());
    }
}
