//! The instructor's HTTP API: the token every route of it needs (with a bound on wrong
//! guesses), the class's view, `/metrics`, a broadcast, a fault for the whole class, and
//! a change to one trainee.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use shared::problem::{Limit, Problem};
use shared::protocol::{BroadcastRequest, ErrorEvent, Fault, TraineeOrder};
use tracing::warn;

use super::{AppState, guesses, security};

/// Lets a request through only with the instructor's token (`Authorization: Bearer
/// <token>`, compared in constant time); else 401 and the problem, nothing else. An
/// address past [`guesses::WRONG_TOKENS`] wrong tokens a minute gets 429 without a look
/// at its token.
pub(super) async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    let address = state.client(peer, request.headers());
    let now = std::time::Instant::now();
    if !state.token_guesses.may_try(address, now) {
        let problem = Problem::Limit {
            limit: Limit::InstructorTokens,
            max: guesses::WRONG_TOKENS.into(),
            got: u64::from(guesses::WRONG_TOKENS) + 1,
        };
        state.ctx.class.counts.refused(&problem);
        return (StatusCode::TOO_MANY_REQUESTS, Json(ErrorEvent::new(problem))).into_response();
    }
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if security::same_secret(given.as_bytes(), state.instructor_token.as_bytes()) {
        next.run(request).await
    } else {
        warn!("an instructor request with a wrong or missing token was refused");
        state.token_guesses.wrong(address, now);
        state.ctx.class.counts.refused(&Problem::InstructorToken);
        (StatusCode::UNAUTHORIZED, Json(ErrorEvent::new(Problem::InstructorToken))).into_response()
    }
}

/// `GET /api/instructor`: the class.
pub(super) async fn view(State(state): State<AppState>) -> Response {
    let cluster = state.ctx.cluster.subscribe().borrow().clone();
    Json(state.ctx.class.view(state.ctx.limits, cluster)).into_response()
}

/// `GET /metrics`: the server's figures for Prometheus (with the instructor's token).
pub(super) async fn metrics(State(state): State<AppState>) -> Response {
    let mut snapshot = state.ctx.class.snapshot();
    snapshot.connections = state.connections.now().into();
    let (full, address_full) = state.connections.refused();
    for (reason, n) in [("connections:server_full", full), ("connections:address_full", address_full)] {
        if n > 0 {
            snapshot.refusals.push((reason.to_owned(), n));
        }
    }
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], crate::metrics::render(&snapshot)).into_response()
}

/// `POST /api/instructor/broadcast`: a message to every page.
pub(super) async fn broadcast(State(state): State<AppState>, Json(request): Json<BroadcastRequest>) -> Response {
    match state.ctx.class.broadcast(&request.text) {
        Ok(pages) => {
            // And to the other servers' pages, when the class spans several.
            if let Some(servers) = state.ctx.class.servers() {
                servers.broadcast(request.text.trim()).await;
            }
            Json(serde_json::json!({ "pages": pages })).into_response()
        }
        Err(problem) => (StatusCode::BAD_REQUEST, Json(ErrorEvent::at_field("text", problem))).into_response(),
    }
}

/// `POST /api/instructor/fault`: a fault command for the whole class (embedded cluster).
pub(super) async fn fault(State(state): State<AppState>, Json(fault): Json<Fault>) -> Response {
    match state.ctx.cluster.fault(&fault).await {
        Ok(()) => {
            tracing::info!("the instructor switched a fault for the class: {fault:?}");
            state.ctx.cluster.note(|s| s.set_by = Some(shared::protocol::SetBy::Instructor));
            // And on every trainee's own cluster: the class's fault reaches every run.
            if let Some(own_clusters) = &state.ctx.own_clusters {
                own_clusters.instructor_fault(&fault).await;
            }
            Json(state.ctx.cluster.subscribe().borrow().clone()).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, Json(ErrorEvent::new(e.problem()))).into_response(),
    }
}

/// `POST /api/instructor/trainee`: rename a trainee, or start their lab progress again;
/// their session carries it out.
pub(super) async fn trainee(State(state): State<AppState>, Json(order): Json<TraineeOrder>) -> Response {
    match state.ctx.class.order(order.id, order.change.clone()) {
        Ok(()) => {
            tracing::info!("the instructor: {:?} for session {}", order.change, order.id);
            StatusCode::ACCEPTED.into_response()
        }
        Err(problem) => (StatusCode::BAD_REQUEST, Json(ErrorEvent::new(problem))).into_response(),
    }
}
