//! Campaign routes: create and run, list, read, cancel, trials, progress
//! events, provenance, exports, and ask/tell for manual campaigns. The
//! gate has already checked the caller's role and put the campaign in the
//! [`Caller`].

use crate::AppState;
use crate::api::{
    ApiError, ApiResult, Body, Caller, err, invalid, not_found, require, with_reader, with_store,
};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::{Extension, Json};
use genesis_core::{CampaignStatus, Outputs, TwinRef};
use genesis_engine::export::trial_json;
use genesis_engine::now_ms;
use genesis_store::{CampaignRecord, Role, Store};
use serde::Deserialize;
use serde_json::{Value, json};
use std::convert::Infallible;
use std::time::Duration;

fn campaign_json(c: &CampaignRecord, store: &Store) -> Result<Value, ApiError> {
    let counts = store.counts(&c.id)?;
    Ok(json!({
        "id": c.id, "name": c.name, "project": c.project, "owner": c.owner,
        "status": c.status.as_str(), "twin": c.twin_name, "budget": c.spec.budget,
        "manual": genesis_engine::is_manual(&c.spec),
        "counts": { "pending": counts.pending, "running": counts.running,
                    "completed": counts.completed, "failed": counts.failed },
        "created_at": genesis_engine::export::rfc3339(c.created_at),
    }))
}

/// The campaign with its best trial so far (what progress shows).
fn progress_json(c: &CampaignRecord, store: &Store) -> Result<Value, ApiError> {
    let mut out = campaign_json(c, store)?;
    let trials = store.trials(&c.id)?;
    out["best"] = genesis_engine::best_trial(&c.spec, &trials).map_or(Value::Null, trial_json);
    Ok(out)
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    with_reader(&state, move |store| {
        let who = caller.who();
        let mut out = Vec::new();
        for c in store.campaigns()? {
            if require(store, who, &c.project, Role::Viewer, "").is_ok() {
                out.push(campaign_json(&c, store)?);
            }
        }
        Ok(Json(json!({ "campaigns": out })))
    })
    .await
}

/// The campaign file of a create request: the TOML itself (`Content-Type:
/// application/toml` or `text/plain`), or JSON `{"toml": "..."}`, or JSON
/// `{"campaign": {...}}` with the same structure as the TOML.
fn campaign_source(headers: &HeaderMap, body: &[u8]) -> Result<String, ApiError> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let text = std::str::from_utf8(body).map_err(|_| invalid("the body is not UTF-8"))?;
    if kind.starts_with("application/toml") || kind.starts_with("text/") {
        return Ok(text.to_string());
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NewCampaign {
        toml: Option<String>,
        campaign: Option<toml::Table>,
    }
    let parsed: NewCampaign =
        serde_json::from_str(text).map_err(|e| invalid(format!("request body: {e}")))?;
    match (parsed.toml, parsed.campaign) {
        (Some(t), None) => Ok(t),
        (None, Some(c)) => toml::to_string(&c).map_err(|e| invalid(format!("campaign: {e}"))),
        _ => Err(invalid(
            "give either `toml` (the campaign file's text) or `campaign` (the same as a JSON object)",
        )),
    }
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let source = campaign_source(&headers, &body)?;
    let config = &state.inner.config;
    let prepared = genesis_engine::prepare(&source, "campaign.toml", &config.workspace)
        .map_err(|d| invalid(d.to_string()))?;
    let spec = &prepared.parsed.spec;
    let runs_programs = match &spec.twin {
        TwinRef::Command { .. } => Some("`twin.command` runs a program"),
        TwinRef::Http {
            auth_env: Some(_), ..
        } => Some("`twin.auth_env` reads the server's environment"),
        _ => None,
    };
    if let Some(why) = runs_programs.filter(|_| !config.allow_programs) {
        return Err(err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rejected",
            format!(
                "{why} on the server, which this server does not allow\nhint: use a built-in or HTTP twin, run the campaign with the CLI, or start the server with --allow-programs"
            ),
        ));
    }
    let manual = genesis_engine::is_manual(spec);
    let who = caller.who().user.clone();
    let project = caller.project().to_string();
    let (created, doc) = with_store(&state, move |store| {
        let c = genesis_engine::create_in(store, &prepared, &who, &project, !manual)
            .map_err(engine_error)?;
        let doc = campaign_json(&c, store)?;
        Ok((c, doc))
    })
    .await?;
    if !manual {
        state.inner.runner.start(created.id.clone());
    }
    Ok((StatusCode::CREATED, Json(doc)))
}

/// A view of a campaign (`view` names it), rebuilt only when the campaign
/// changed since it was last built (see `Store::campaign_version`).
async fn cached_view(
    state: &AppState,
    caller: Caller,
    view: &'static str,
    content_type: &'static str,
    build: fn(&CampaignRecord, &Store) -> Result<Vec<u8>, ApiError>,
) -> Result<impl IntoResponse + use<>, ApiError> {
    let inner = state.inner.clone();
    let bytes = with_reader(state, move |store| {
        let c = caller.campaign();
        let version = store.campaign_version(&c.id)?;
        let key = (c.id.clone(), view);
        let views = || inner.views.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((v, bytes)) = views().get(&key)
            && *v == version
        {
            return Ok(bytes.clone());
        }
        let bytes = Bytes::from(build(c, store)?);
        views().insert(key, (version, bytes.clone()));
        Ok(bytes)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes))
}

fn to_bytes(v: Value) -> Vec<u8> {
    serde_json::to_vec(&v).expect("JSON values serialise")
}

pub(crate) async fn get_one(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<impl IntoResponse, ApiError> {
    cached_view(&state, caller, "summary", "application/json", |c, store| {
        Ok(to_bytes(progress_json(c, store)?))
    })
    .await
}

pub(crate) async fn cancel(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    with_store(&state, move |store| {
        let c = caller.campaign();
        if c.status != CampaignStatus::Running {
            return Err(err(
                StatusCode::CONFLICT,
                "not_running",
                format!(
                    "campaign {} is {}; only running campaigns can be cancelled",
                    c.id,
                    c.status.as_str()
                ),
            ));
        }
        store.set_campaign_status(&c.id, CampaignStatus::Cancelled, now_ms())?;
        Ok(Json(json!({ "campaign": c.id, "status": "cancelled" })))
    })
    .await
}

pub(crate) async fn trials(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<impl IntoResponse, ApiError> {
    cached_view(&state, caller, "trials", "application/json", |c, store| {
        let trials: Vec<Value> = store.trials(&c.id)?.iter().map(trial_json).collect();
        Ok(to_bytes(json!({ "campaign": c.id, "trials": trials })))
    })
    .await
}

pub(crate) async fn trial(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((_, index)): Path<(String, String)>,
) -> ApiResult {
    with_reader(&state, move |store| {
        let c = caller.campaign();
        let what = format!("trial {index} of campaign {}", c.id);
        let index: u64 = index.parse().map_err(|_| not_found(&what))?;
        let trials = store.trials(&c.id)?;
        let t = trials
            .iter()
            .find(|t| t.index == index)
            .ok_or_else(|| not_found(&what))?;
        Ok(Json(trial_json(t)))
    })
    .await
}

/// Progress as Server-Sent Events: a `progress` event (the campaign with
/// counts and best trial) whenever it changes, polled every 250 ms, and an
/// `end` event when the campaign is no longer running.
pub(crate) async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> impl IntoResponse {
    let id = caller.campaign().id.clone();
    let stream = futures_util::stream::unfold(
        (state, id, Value::Null, false),
        |(state, id, last, ended)| async move {
            if ended {
                return None;
            }
            loop {
                let key = id.clone();
                let snap = with_reader(&state, move |store| {
                    progress_json(&store.campaign(&key)?, store)
                })
                .await
                .ok()?;
                if snap != last {
                    let end = snap["status"] != "running";
                    let event = Event::default()
                        .event(if end { "end" } else { "progress" })
                        .json_data(&snap)
                        .ok()?;
                    return Some((Ok::<_, Infallible>(event), (state, id, snap, end)));
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The provenance check of `genesis verify`, with the server's key.
pub(crate) async fn verify(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    with_reader(&state, move |store| {
        let key = store.public_key();
        Ok(Json(
            store.verify(&caller.campaign().id, &key)?.to_json(&key),
        ))
    })
    .await
}

/// The campaign's W3C PROV-JSON document (refused if the record is broken).
pub(crate) async fn prov(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    with_reader(&state, move |store| {
        let key = store.public_key();
        let (sealed, events) = store
            .verified_events(&caller.campaign().id, &key)?
            .map_err(|b| {
                err(
                    StatusCode::CONFLICT,
                    "record_broken",
                    format!("the record does not verify: {b}"),
                )
            })?;
        Ok(Json(genesis_prov::prov_json(&sealed, &events, &key.hex())))
    })
    .await
}

pub(crate) async fn export_csv(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<impl IntoResponse, ApiError> {
    cached_view(
        &state,
        caller,
        "csv",
        "text/csv; charset=utf-8",
        |c, store| Ok(genesis_engine::export::csv(c, &store.trials(&c.id)?).into_bytes()),
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Ask {
    #[serde(default, deserialize_with = "crate::api::optional_whole_number")]
    count: Option<u64>,
}

fn prepared(c: &CampaignRecord) -> Result<genesis_engine::Prepared, ApiError> {
    genesis_engine::prepare(
        &c.source_text,
        &c.source_path,
        std::path::Path::new(&c.base_dir),
    )
    .map_err(|d| invalid(d.to_string()))
}

fn engine_error(e: genesis_engine::EngineError) -> ApiError {
    match e {
        genesis_engine::EngineError::Store(s) => s.into(),
        other => err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rejected",
            other.to_string(),
        ),
    }
}

pub(crate) async fn ask(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<Ask>,
) -> ApiResult {
    let count = body.count.unwrap_or(1);
    if count == 0 || count > 1000 {
        return Err(invalid("count must be 1 to 1000"));
    }
    with_store(&state, move |store| {
        let c = caller.campaign();
        let p = prepared(c)?;
        let trials = genesis_engine::ask(store, c, &p, count).map_err(engine_error)?;
        Ok(Json(json!({ "campaign": c.id, "trials": trials.iter().map(trial_json).collect::<Vec<_>>() })))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Tell {
    results: Vec<TellResult>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TellResult {
    #[serde(deserialize_with = "crate::api::whole_number")]
    trial: u64,
    outputs: Option<Outputs>,
    failed: Option<String>,
}

pub(crate) async fn tell(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<Tell>,
) -> ApiResult {
    let mut results = Vec::with_capacity(body.results.len());
    for r in body.results {
        results.push(match (r.outputs, r.failed) {
            (Some(o), None) => (r.trial, Ok(o)),
            (None, Some(reason)) => (r.trial, Err(reason)),
            _ => {
                return Err(invalid(format!(
                    "trial {}: give either `outputs` or `failed`",
                    r.trial
                )));
            }
        });
    }
    with_store(&state, move |store| {
        let c = caller.campaign();
        let counts = genesis_engine::tell(store, c, &results).map_err(engine_error)?;
        Ok(Json(
            json!({ "campaign": c.id, "completed": counts.completed, "failed": counts.failed }),
        ))
    })
    .await
}
