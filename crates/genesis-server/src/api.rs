//! The route table, errors, and the one place that authorises requests.

use crate::AppState;
use axum::extract::{ConnectInfo, RawPathParams, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use axum::{Json, Router};
use genesis_engine::now_ms;
use genesis_store::{AuditEntry, CampaignRecord, Principal, Role, Store, StoreError};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::net::SocketAddr;

/// An error answer: a stable `code` and a message for people.
#[derive(Debug)]
pub struct ApiError {
    pub(crate) status: StatusCode,
    code: &'static str,
    message: String,
}

pub(crate) fn err(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        code,
        message: message.into(),
    }
}

/// 422 `invalid`: the request is malformed; nothing was written.
pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    err(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
}

/// 404 `not_found`, also the answer for what exists in a project the
/// caller cannot see.
pub(crate) fn not_found(what: &str) -> ApiError {
    err(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("{what} not found"),
    )
}

fn unauthorized() -> ApiError {
    err(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "a valid bearer credential (session or API token) is needed",
    )
}

fn forbidden(message: impl Into<String>) -> ApiError {
    err(StatusCode::FORBIDDEN, "forbidden", message)
}

pub(crate) fn internal() -> ApiError {
    err(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error",
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "code": self.code, "message": self.message })),
        )
            .into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => not_found(&what),
            other => {
                tracing::error!("store: {other}");
                internal()
            }
        }
    }
}

pub(crate) type ApiResult = Result<Json<Value>, ApiError>;

/// A JSON body, with 422 `invalid` (and serde's message) when it does not
/// parse — axum's own rejection would be a plain-text 400/415.
pub(crate) struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| invalid(e.body_text()))?;
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|e| invalid(format!("request body: {e}")))
    }
}

/// A whole number sent as JSON, also when written `3.0`: JSON Schema's
/// `integer` admits it, so the API does too.
pub(crate) fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    n.as_u64()
        .or_else(|| {
            n.as_f64()
                .filter(|x| x.fract() == 0.0 && *x >= 0.0 && *x < 2f64.powi(53))
                .map(|x| x as u64)
        })
        .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number >= 0")))
}

/// [`whole_number`] for optional fields (absent or null means "default").
pub(crate) fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<u64>, D::Error> {
    Option::<serde_json::Value>::deserialize(d)?
        .filter(|v| !v.is_null())
        .map(|v| whole_number(v).map_err(serde::de::Error::custom))
        .transpose()
}

/// Runs `f` on the store off the async threads (SQLite and Argon2 block).
pub(crate) async fn with_store<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let inner = state.inner.clone();
    tokio::task::spawn_blocking(move || {
        let mut store = inner.store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut store)
    })
    .await
    .map_err(|_| internal())?
}

/// Runs `f` on one of the read connections, off the async threads: the
/// first free one, else waits for one in turn.
pub(crate) async fn with_reader<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let inner = state.inner.clone();
    tokio::task::spawn_blocking(move || {
        let readers = &inner.readers;
        let guard = readers
            .iter()
            .find_map(|r| r.try_lock().ok())
            .unwrap_or_else(|| {
                static NEXT: std::sync::atomic::AtomicUsize =
                    std::sync::atomic::AtomicUsize::new(0);
                let i = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % readers.len();
                readers[i].lock().unwrap_or_else(|p| p.into_inner())
            });
        f(&guard)
    })
    .await
    .map_err(|_| internal())?
}

/// Who may call an endpoint. Checked for every request by [`gate`]; the
/// OpenAPI document shows it as `x-genesis-access`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Access {
    /// Anyone (health, sign-in, the API description).
    Public,
    /// A person signed in with a session (not an API token).
    Session,
    /// Any valid credential; what it sees is filtered by its roles.
    Signed,
    /// At least this role in the project named by the path's `{project}`.
    Project(Role),
    /// At least this role in the project of the path's campaign `{id}`.
    Campaign(Role),
    /// A site administrator with a session.
    SiteAdmin,
}

impl Access {
    /// How the OpenAPI document names it.
    pub fn describe(self) -> String {
        match self {
            Access::Public => "public".into(),
            Access::Session => "session".into(),
            Access::Signed => "signed".into(),
            Access::Project(r) => format!("project:{}", r.as_str()),
            Access::Campaign(r) => format!("campaign:{}", r.as_str()),
            Access::SiteAdmin => "site-admin".into(),
        }
    }
}

/// What the gate learned about a request, for its handler.
#[derive(Clone)]
pub(crate) struct Caller {
    /// `None` only on public routes.
    pub who: Option<Principal>,
    /// The bearer credential as sent (to end a session).
    pub credential: Option<String>,
    /// The campaign of the path, for [`Access::Campaign`] routes.
    pub campaign: Option<CampaignRecord>,
    /// The project of the path, for [`Access::Project`] routes.
    pub project: Option<String>,
}

impl Caller {
    pub(crate) fn who(&self) -> &Principal {
        self.who
            .as_ref()
            .expect("the gate put a principal on a non-public route")
    }

    pub(crate) fn campaign(&self) -> &CampaignRecord {
        self.campaign
            .as_ref()
            .expect("the gate put the campaign on a campaign route")
    }

    pub(crate) fn project(&self) -> &str {
        self.project
            .as_deref()
            .expect("the gate put the project on a project route")
    }
}

/// One route: the table the router, the gate and the OpenAPI document are
/// all built from.
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    /// The JSON schema (name under `components/schemas`) of the body.
    pub body: Option<&'static str>,
    /// The media type of a successful answer.
    pub produces: &'static str,
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(|s| s.trim().to_string())
}

/// The role `who` has in `project`, if any. A token has exactly its scope.
pub(crate) fn role_in(
    store: &Store,
    who: &Principal,
    project: &str,
) -> Result<Option<Role>, ApiError> {
    Ok(match &who.token_scope {
        Some((p, r)) if p == project => Some(*r),
        Some(_) => None,
        None if who.is_admin => Some(Role::Owner),
        None => store.role(who.user_id, project)?,
    })
}

/// Checks that `who` has at least `needed` in `project`. Someone with no
/// role there (or a token for another project) is told "not found", so
/// the answer does not reveal what exists across projects.
pub(crate) fn require(
    store: &Store,
    who: &Principal,
    project: &str,
    needed: Role,
    what: &str,
) -> Result<(), ApiError> {
    match role_in(store, who, project)? {
        None => Err(not_found(what)),
        Some(r) if r < needed => Err(forbidden(format!(
            "this needs the {} role in project `{project}`",
            needed.as_str()
        ))),
        Some(_) => Ok(()),
    }
}

/// The campaign `id` if `who` has `needed` in its project.
fn campaign_for(
    store: &Store,
    who: &Principal,
    id: &str,
    needed: Role,
) -> Result<CampaignRecord, ApiError> {
    let what = format!("campaign `{id}`");
    let c = match store.campaign(id) {
        Ok(c) if c.id == id => c,
        Ok(_) | Err(StoreError::NotFound(_)) | Err(StoreError::Ambiguous { .. }) => {
            return Err(not_found(&what));
        }
        Err(e) => return Err(e.into()),
    };
    require(store, who, &c.project, needed, &what)?;
    Ok(c)
}

fn path_param(params: &RawPathParams, name: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A refused request: who it was (when the credential was valid) and why.
struct Refused {
    who: Option<Principal>,
    error: ApiError,
}

/// Resolves the credential and checks `access` (runs on a store thread).
fn authorise(
    store: &Store,
    access: Access,
    credential: Option<String>,
    params: &RawPathParams,
) -> Result<Caller, Box<Refused>> {
    let mut caller = Caller {
        who: None,
        credential,
        campaign: None,
        project: None,
    };
    if access == Access::Public {
        return Ok(caller);
    }
    let who = match caller
        .credential
        .as_deref()
        .map(|c| store.principal(c, now_ms()))
    {
        Some(Ok(Some(who))) => who,
        Some(Err(e)) => {
            return Err(Box::new(Refused {
                who: None,
                error: e.into(),
            }));
        }
        _ => {
            return Err(Box::new(Refused {
                who: None,
                error: unauthorized(),
            }));
        }
    };
    let refused = |error: ApiError| {
        Box::new(Refused {
            who: Some(who.clone()),
            error,
        })
    };
    match access {
        Access::Public | Access::Signed => {}
        Access::Session | Access::SiteAdmin if who.token_scope.is_some() => {
            return Err(refused(forbidden(
                "API tokens cannot do this; sign in as a person",
            )));
        }
        Access::Session => {}
        Access::SiteAdmin if !who.is_admin => {
            return Err(refused(forbidden("this needs a site administrator")));
        }
        Access::SiteAdmin => {}
        Access::Project(role) => {
            let project = path_param(params, "project").unwrap_or_default();
            require(store, &who, &project, role, &format!("project `{project}`"))
                .map_err(refused)?;
            caller.project = Some(project);
        }
        Access::Campaign(role) => {
            let id = path_param(params, "id").unwrap_or_default();
            let c = campaign_for(store, &who, &id, role).map_err(refused)?;
            caller.project = Some(c.project.clone());
            caller.campaign = Some(c);
        }
    }
    caller.who = Some(who);
    Ok(caller)
}

/// The gate's configuration for one route.
#[derive(Clone)]
struct Gate {
    state: AppState,
    access: Access,
    /// `METHOD /path/{template}`, the audit log's `action`.
    action: String,
}

/// The middleware in front of every route: authorises, hands the handler a
/// [`Caller`], and writes the outcome to the audit log (every request with
/// a credential, and every refusal).
async fn gate(
    State(gate): State<Gate>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    params: RawPathParams,
    mut req: Request,
    next: Next,
) -> Response {
    let credential = bearer(req.headers());
    let target = req.uri().path().to_string();
    let access = gate.access;
    let decided = {
        with_reader(&gate.state, move |store| {
            Ok(authorise(store, access, credential, &params))
        })
        .await
    };
    let entry = |who: Option<&Principal>, status: StatusCode, detail: Value| AuditEntry {
        at: now_ms(),
        actor: who.map(|w| w.user.clone()),
        credential: who.map(|w| match w.token_id {
            Some(id) => format!("token:{id}"),
            None => "session".into(),
        }),
        address: Some(address.ip().to_string()),
        action: gate.action.clone(),
        target: target.clone(),
        status: status.as_u16(),
        detail,
    };
    let caller = match decided {
        Ok(Ok(caller)) => caller,
        Ok(Err(refused)) => {
            let Refused { who, error } = *refused;
            gate.state
                .inner
                .audit
                .record(entry(who.as_ref(), error.status, json!({})));
            return error.into_response();
        }
        Err(e) => return e.into_response(),
    };
    let who = caller.who.clone();
    req.extensions_mut().insert(caller);
    let response = next.run(req).await;
    if let Some(who) = &who {
        use axum::body::HttpBody;
        let bytes = response.body().size_hint().exact();
        gate.state.inner.audit.record(entry(
            Some(who),
            response.status(),
            json!({ "bytes": bytes }),
        ));
    }
    response
}

/// Every endpoint with its handler.
pub(crate) fn endpoints() -> Vec<(Endpoint, MethodRouter<AppState>)> {
    use crate::{campaigns as c, openapi, users as u};
    use Access::*;
    let e = |method, path, access, summary, body, produces| Endpoint {
        method,
        path,
        access,
        summary,
        body,
        produces,
    };
    const JSON: &str = "application/json";
    vec![
        (
            e(
                "GET",
                "/api/v1/health",
                Public,
                "Liveness and version",
                None,
                JSON,
            ),
            get(u::health),
        ),
        (
            e(
                "GET",
                "/api/openapi.json",
                Public,
                "This API's OpenAPI 3 description",
                None,
                JSON,
            ),
            get(openapi::serve_doc),
        ),
        (
            e(
                "POST",
                "/api/v1/auth/login",
                Public,
                "Sign in with password (and TOTP code): a session token",
                Some("Login"),
                JSON,
            ),
            post(u::login),
        ),
        (
            e(
                "POST",
                "/api/v1/auth/logout",
                Session,
                "End this session",
                None,
                JSON,
            ),
            post(u::logout),
        ),
        (
            e(
                "POST",
                "/api/v1/auth/password",
                Session,
                "Change your password",
                Some("PasswordChange"),
                JSON,
            ),
            post(u::change_password),
        ),
        (
            e(
                "GET",
                "/api/v1/tokens",
                Session,
                "Your API tokens (never the secrets)",
                None,
                JSON,
            ),
            get(u::list_tokens),
        ),
        (
            e(
                "POST",
                "/api/v1/tokens",
                Session,
                "Create an API token for one project and role (shown once)",
                Some("NewToken"),
                JSON,
            ),
            post(u::create_token),
        ),
        (
            e(
                "DELETE",
                "/api/v1/tokens/{token_id}",
                Session,
                "Revoke one of your API tokens",
                None,
                JSON,
            ),
            delete(u::revoke_token),
        ),
        (
            e("GET", "/api/v1/users", SiteAdmin, "Every user", None, JSON),
            get(u::list_users),
        ),
        (
            e(
                "POST",
                "/api/v1/users",
                SiteAdmin,
                "Create a user: a one-time password (and TOTP enrolment URI)",
                Some("NewUser"),
                JSON,
            ),
            post(u::create_user),
        ),
        (
            e(
                "GET",
                "/api/v1/projects",
                Signed,
                "The projects you have a role in, with their members",
                None,
                JSON,
            ),
            get(u::list_projects),
        ),
        (
            e(
                "POST",
                "/api/v1/projects",
                SiteAdmin,
                "Create a project",
                Some("NewProject"),
                JSON,
            ),
            post(u::create_project),
        ),
        (
            e(
                "POST",
                "/api/v1/projects/{project}/members",
                Project(Role::Owner),
                "Give a user a role in the project",
                Some("Grant"),
                JSON,
            ),
            post(u::grant),
        ),
        (
            e(
                "GET",
                "/api/v1/alerts",
                SiteAdmin,
                "Alerts raised by the audit detectors",
                None,
                JSON,
            ),
            get(u::alerts),
        ),
        (
            e(
                "GET",
                "/api/v1/audit",
                SiteAdmin,
                "The latest audit log entries and whether the chain verifies",
                None,
                JSON,
            ),
            get(u::audit),
        ),
        (
            e(
                "GET",
                "/api/v1/campaigns",
                Signed,
                "The campaigns you can see, with trial counts",
                None,
                JSON,
            ),
            get(c::list),
        ),
        (
            e(
                "POST",
                "/api/v1/projects/{project}/campaigns",
                Project(Role::Editor),
                "Create a campaign from TOML or JSON; the server runs it unless it is manual",
                Some("NewCampaign"),
                JSON,
            ),
            post(c::create),
        ),
        (
            e(
                "GET",
                "/api/v1/campaigns/{id}",
                Campaign(Role::Viewer),
                "One campaign with counts and best trial",
                None,
                JSON,
            ),
            get(c::get_one),
        ),
        (
            e(
                "POST",
                "/api/v1/campaigns/{id}/cancel",
                Campaign(Role::Editor),
                "Stop a running campaign",
                None,
                JSON,
            ),
            post(c::cancel),
        ),
        (
            e(
                "GET",
                "/api/v1/campaigns/{id}/trials",
                Campaign(Role::Viewer),
                "The campaign's trials",
                None,
                JSON,
            ),
            get(c::trials),
        ),
        (
            e(
                "GET",
                "/api/v1/campaigns/{id}/trials/{index}",
                Campaign(Role::Viewer),
                "One trial",
                None,
                JSON,
            ),
            get(c::trial),
        ),
        (
            e(
                "GET",
                "/api/v1/campaigns/{id}/events",
                Campaign(Role::Viewer),
                "Progress as Server-Sent Events until the campaign ends",
                None,
                "text/event-stream",
            ),
            get(c::events),
        ),
        (
            e(
                "GET",
                "/api/v1/campaigns/{id}/verify",
                Campaign(Role::Viewer),
                "Check the campaign's signed provenance record",
                None,
                JSON,
            ),
            get(c::verify),
        ),
        (
            e(
                "GET",
                "/api/v1/campaigns/{id}/prov",
                Campaign(Role::Viewer),
                "W3C PROV-JSON of the campaign",
                None,
                JSON,
            ),
            get(c::prov),
        ),
        (
            e(
                "GET",
                "/api/v1/campaigns/{id}/export.csv",
                Campaign(Role::Viewer),
                "The trials as CSV (as `genesis export --format csv`)",
                None,
                "text/csv",
            ),
            get(c::export_csv),
        ),
        (
            e(
                "POST",
                "/api/v1/campaigns/{id}/ask",
                Campaign(Role::Editor),
                "Propose experiments for a manual campaign",
                Some("Ask"),
                JSON,
            ),
            post(c::ask),
        ),
        (
            e(
                "POST",
                "/api/v1/campaigns/{id}/tell",
                Campaign(Role::Editor),
                "Record results of proposed experiments (all or none)",
                Some("Tell"),
                JSON,
            ),
            post(c::tell),
        ),
    ]
}

/// The whole API over `state`.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for (endpoint, handler) in endpoints() {
        let gate_state = Gate {
            state: state.clone(),
            access: endpoint.access,
            action: format!("{} {}", endpoint.method, endpoint.path),
        };
        router = router.route(
            endpoint.path,
            handler.layer(from_fn_with_state(gate_state, gate)),
        );
    }
    router.with_state(state)
}
