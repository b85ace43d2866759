//! `genesis`: the command-line shell over the Genesis libraries.
//!
//! Exit codes: 0 success, 1 failure of the run itself (store, planner),
//! 2 bad input (campaign file, arguments, unknown names).

mod ask_tell;
mod audit_cmd;
mod cosci_cmd;
mod endf_cmd;
mod output;
mod popcon_cmd;
mod prov_cmd;
mod report_cmd;
mod twin_cmd;

use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand, ValueEnum};
use genesis_engine::{Observer, Prepared, RunReport};
use genesis_store::{CampaignRecord, Store, TrialCounts, TrialRecord};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// AI-planned experiment campaigns against digital twins, with every
/// result stored and queryable.
#[derive(Parser)]
#[command(name = "genesis", version, about, propagate_version = true)]
struct Cli {
    /// Folder holding the store (created on first use).
    #[arg(long, global = true, env = "GENESIS_HOME", default_value = ".genesis")]
    workspace: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a campaign file until its budget is spent.
    Run {
        /// The campaign file (TOML, see docs/campaign.md).
        campaign: PathBuf,
        /// Finish the latest unfinished campaign started from this file.
        #[arg(long)]
        resume: bool,
        /// Print one JSON object instead of progress and a table.
        #[arg(long)]
        json: bool,
    },
    /// Finish an interrupted campaign by id (or unique id prefix).
    Resume {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Propose experiments to run outside Genesis (ask/tell campaigns).
    Ask {
        id: String,
        /// How many experiments.
        #[arg(short = 'n', long = "count", default_value_t = 1)]
        count: u64,
        #[arg(long)]
        json: bool,
    },
    /// Record results of experiments proposed by `ask`.
    Tell {
        id: String,
        /// The trial number `ask` printed.
        trial: Option<u64>,
        /// Outputs as NAME=VALUE.
        outputs: Vec<String>,
        /// Record the trial as failed, with this reason.
        #[arg(long, conflicts_with = "file")]
        failed: Option<String>,
        /// Results of several trials: CSV with a `trial` column and one per output.
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// List campaigns in the workspace.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a campaign and its trials.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Export a campaign: trials (CSV, JSON Lines), W3C PROV-JSON, or an
    /// RO-Crate folder (`--format ro-crate -o DIR`).
    Export {
        id: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// Write here instead of stdout (for ro-crate: the new folder).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// License of an RO-Crate's data (an SPDX URL).
        #[arg(long, default_value = "https://spdx.org/licenses/CC-BY-4.0")]
        license: String,
    },
    /// The fusion twin's operating space (POPCON) on a density-temperature
    /// grid: writes NAME.csv and NAME.svg (see examples/popcon-iter.toml).
    Popcon {
        /// The case file: [machine] inputs of fusion.tokamak and a [grid].
        case: PathBuf,
        /// Output path without extension (default: the case name).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Cancel a campaign: Slurm jobs still queued or running are cancelled
    /// (scancel), a process running it stops, and it cannot be resumed.
    Cancel { id: String },
    /// Run one trial from a spec file and write its result (what a Slurm
    /// job of the Slurm executor runs on the compute node).
    #[command(hide = true)]
    ExecTrial {
        spec: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Serve the REST API (`/api/v1`) for a team, on the workspace.
    Serve {
        /// Address to listen on; port 0 picks a free one (printed).
        #[arg(long, default_value = "127.0.0.1:8600")]
        bind: std::net::SocketAddr,
        /// Allow plain HTTP on a non-loopback address (prefer TLS).
        #[arg(long)]
        insecure_http: bool,
        /// TLS certificate chain (PEM); with --tls-key.
        #[arg(long, requires = "tls_key", conflicts_with = "tls_self_signed")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// TLS with a self-signed certificate kept in WORKSPACE/tls/ (clients
        /// must trust WORKSPACE/tls/self-signed.pem).
        #[arg(long)]
        tls_self_signed: bool,
        /// Every user must sign in with a TOTP code (administrators always must).
        #[arg(long)]
        require_mfa: bool,
        /// Let campaigns submitted over the API run programs on this machine
        /// (`twin.command`) or read its environment (`twin.auth_env`).
        #[arg(long)]
        allow_programs: bool,
    },
    /// The server's audit alerts (failed-login bursts, tokens used from new
    /// addresses, large exports, bursts of refused requests).
    Alerts {
        /// How many of the latest to show.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// The server's audit log (latest entries) and a check of its hash chain.
    Audit {
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// The co-scientist: hypotheses about why the results look as they do,
    /// each with its evidence and the experiment that could refute it,
    /// ranked by tournament. `genesis hypotheses test H-…` runs that
    /// experiment.
    #[command(args_conflicts_with_subcommands = true)]
    Hypotheses {
        /// Campaign id (or prefix).
        campaign: Option<String>,
        #[arg(long)]
        json: bool,
        /// Also ask a language model behind an OpenAI-compatible API
        /// (vLLM, llama.cpp, Ollama's /v1, hosted APIs), e.g.
        /// http://127.0.0.1:8080/v1. Its key, if any, comes from
        /// GENESIS_LLM_API_KEY and is never stored or printed.
        #[arg(long, requires = "llm_model")]
        llm_url: Option<String>,
        /// The model's name on that server.
        #[arg(long)]
        llm_model: Option<String>,
        /// A file of notes or abstracts the model should read.
        #[arg(long, requires = "llm_url")]
        notes: Option<PathBuf>,
        #[command(subcommand)]
        command: Option<HypothesesCommand>,
    },
    /// Datasets registered in the workspace (e.g. `genesis endf xs
    /// --register`), each with its provenance, checked against its signed
    /// record (exit 1 if one was changed).
    Datasets {
        #[arg(long)]
        json: bool,
    },
    /// Manage the keys that encrypt the workspace at rest.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Manage server users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage server projects and who may do what in them.
    Project {
        #[command(subcommand)]
        command: ProjectCommand,
    },
    /// Create a workspace and its signing key (other commands do it on first use).
    Init,
    /// Check provenance: the signed event chain, every artifact, and that
    /// the stored campaign and trials agree with it. Exit 1 if anything
    /// was tampered with.
    Verify {
        /// Campaign id (or prefix); all campaigns if omitted.
        id: Option<String>,
        /// Verify against this Ed25519 public key (hex) instead of the workspace's.
        #[arg(long)]
        public_key: Option<String>,
        /// Verify an exported RO-Crate folder instead of the workspace.
        #[arg(long = "crate", value_name = "DIR", conflicts_with = "id")]
        crate_dir: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Show where one result came from: campaign, planner decision, inputs,
    /// run and files.
    Lineage {
        id: String,
        /// The trial number.
        trial: u64,
        #[arg(long, conflicts_with = "dot")]
        json: bool,
        /// Graphviz output (`| dot -Tsvg > lineage.svg`).
        #[arg(long)]
        dot: bool,
    },
    /// Re-run a recorded trial with the same twin and inputs and compare.
    Replay {
        id: String,
        /// The trial number.
        trial: u64,
        /// Relative tolerance (default: exact for built-in twins, 1e-9 for programs; 0 = exact).
        #[arg(long)]
        tolerance: Option<f64>,
        #[arg(long)]
        json: bool,
    },
    /// List the built-in twins.
    Twins {
        #[arg(long)]
        json: bool,
    },
    /// Describe or evaluate one twin.
    Twin {
        #[command(subcommand)]
        command: twin_cmd::TwinCommand,
    },
    /// Write a self-contained HTML report of a campaign: plots and ranked
    /// hypotheses.
    Report {
        /// Campaign id (or prefix).
        id: String,
        /// The HTML file to write.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Evaluated nuclear data (ENDF-6 tapes): list what a tape holds,
    /// pointwise cross sections at a temperature (CSV), log-log plots.
    Endf {
        #[command(subcommand)]
        command: endf_cmd::EndfCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; prints a generated password once (or reads one from stdin).
    Add {
        name: String,
        /// Server-wide administrator.
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of stdin instead.
        #[arg(long)]
        password_stdin: bool,
        /// Enrol TOTP multi-factor sign-in now (always done for --admin).
        #[arg(long)]
        totp: bool,
    },
    /// Enrol (or re-enrol) a user's TOTP secret; prints the otpauth URI once.
    Totp { name: String },
}

#[derive(Subcommand)]
enum HypothesesCommand {
    /// Queue a hypothesis's falsification experiment as trials and run it
    /// (a manual campaign gets them as pending trials for `genesis tell`);
    /// the verdict is recorded when its results are in.
    Test {
        /// Hypothesis id (or unique prefix), e.g. H-3f2a.
        hypothesis: String,
        #[arg(long)]
        json: bool,
    },
    /// State a hypothesis of your own: moving one parameter from one value
    /// to another (the rest at the best trial) makes the first objective
    /// rise or fall. The surrogate attaches its prediction, it joins the
    /// tournament, and `genesis hypotheses test` judges it like the others.
    Propose {
        /// Campaign id (or prefix).
        campaign: String,
        /// The parameter moved.
        #[arg(long)]
        parameter: String,
        #[arg(long)]
        from: f64,
        #[arg(long)]
        to: f64,
        /// What the objective does: increase or decrease.
        #[arg(long, value_parser = ["increase", "decrease"])]
        expect: String,
        /// The statement in your words (default: one made from the above).
        #[arg(long)]
        statement: Option<String>,
        /// Why you believe it.
        #[arg(long, default_value = "")]
        rationale: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Replace the master key with a fresh one and rewrap the data key
    /// under it (artifacts and secrets stay as they are). The new key is
    /// written where the current one is read from.
    Rotate,
}

#[derive(Subcommand)]
enum ProjectCommand {
    /// Create a project.
    Add { name: String },
    /// Give USER the ROLE (viewer, editor, owner) in PROJECT.
    Grant {
        project: String,
        user: String,
        role: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Csv,
    Jsonl,
    ProvJson,
    RoCrate,
}

/// An error caused by the user's input: exit code 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GENESIS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    stop_programs_on_signals();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(bad) = e.downcast_ref::<BadInput>() {
                eprintln!("error: {bad}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        }
    }
}

/// On Ctrl-C, SIGTERM or SIGHUP, kill the external programs still running
/// trials, then exit. The store needs nothing: every finished result is
/// already committed, and trials left `running` are re-run by a resume.
fn stop_programs_on_signals() {
    // A closed stdout (`genesis show ID | head`) ends the program quietly,
    // as for any Unix filter, instead of panicking on the write.
    // SAFETY: restores the default disposition of SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    extern "C" fn on_signal(signal: libc::c_int) {
        genesis_exec::kill_running_programs();
        let msg = b"\ninterrupted: finished trials are saved; `genesis run FILE --resume` or `genesis resume ID` continues\n";
        // SAFETY: write(2) and _exit(2) are async-signal-safe.
        unsafe {
            libc::write(2, msg.as_ptr().cast(), msg.len());
            libc::_exit(128 + signal);
        }
    }
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: installs a handler that only calls async-signal-safe code.
        unsafe {
            libc::signal(signal, on_signal as *const () as libc::sighandler_t);
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    let ws = cli.workspace;
    match cli.command {
        Command::Run {
            campaign,
            resume,
            json,
        } => run_file(&ws, &campaign, resume, json),
        Command::Resume { id, json } => {
            let mut store = open_store(&ws)?;
            let record = find(&store, &id)?;
            let prepared = prepare_stored(&record)?;
            execute(&ws, &mut store, &record, &prepared, json)
        }
        Command::Ask { id, count, json } => {
            let mut store = open_existing(&ws)?;
            let record = find(&store, &id)?;
            let prepared = prepare_stored(&record)?;
            ask_tell::ask(&mut store, &record, &prepared, count, json)
        }
        Command::Tell {
            id,
            trial,
            outputs,
            failed,
            file,
            json,
        } => {
            let mut store = open_existing(&ws)?;
            let record = find(&store, &id)?;
            ask_tell::tell(
                &mut store,
                &record,
                trial,
                &outputs,
                failed,
                file.as_deref(),
                json,
            )
        }
        Command::List { json } => output::list(&open_existing(&ws)?, json),
        Command::Show { id, json } => {
            let store = open_existing(&ws)?;
            output::show(&store, &find(&store, &id)?, json)
        }
        Command::Export {
            id,
            format,
            output,
            license,
        } => {
            let store = open_existing(&ws)?;
            let record = find(&store, &id)?;
            let trials = store.trials(&record.id)?;
            let text = match format {
                ExportFormat::Csv => output::csv(&record, &trials),
                ExportFormat::Jsonl => output::jsonl(&record, &trials),
                ExportFormat::ProvJson => prov_cmd::prov_document(&store, &record)?,
                ExportFormat::RoCrate => {
                    let dir = output.ok_or_else(|| {
                        BadInput("--format ro-crate needs -o DIR (a new folder)".into())
                    })?;
                    prov_cmd::ro_crate(&store, &record, &dir, &license)?;
                    println!("wrote RO-Crate {}", dir.display());
                    return Ok(());
                }
            };
            match output {
                Some(path) => write_atomically(&path, text.as_bytes()),
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }
        Command::Popcon { case, output } => popcon_cmd::run(&case, output.as_deref()),
        Command::Serve {
            bind,
            insecure_http,
            require_mfa,
            tls_cert,
            tls_key,
            tls_self_signed,
            allow_programs,
        } => {
            let tls = match (tls_cert, tls_key) {
                (Some(c), Some(k)) => Some(read_tls(&c, &k)?),
                _ if tls_self_signed => Some(self_signed_tls(&ws)?),
                _ => None,
            };
            if !bind.ip().is_loopback() && !insecure_http && tls.is_none() {
                return Err(BadInput(format!(
                    "{bind} is not a loopback address: plain HTTP would expose passwords and tokens\nhint: add TLS (--tls-cert/--tls-key, or --tls-self-signed), bind to 127.0.0.1 behind a TLS proxy, or pass --insecure-http on a trusted network"
                ))
                .into());
            }
            std::fs::create_dir_all(&ws)
                .with_context(|| format!("cannot create workspace {}", ws.display()))?;
            let workspace = std::fs::canonicalize(&ws).unwrap_or_else(|_| ws.clone());
            let config = genesis_server::ServerConfig {
                db_path: db_path(&workspace),
                master: master_key(&workspace)?,
                workspace,
                require_mfa,
                allow_programs,
                genesis_bin: std::env::current_exe().context("cannot find the genesis binary")?,
                thresholds: genesis_store::Thresholds::default(),
            };
            serve(config, bind, tls)
        }
        Command::Alerts { limit, json } => audit_cmd::alerts(&open_existing(&ws)?, limit, json),
        Command::Audit { limit, json } => audit_cmd::audit(&open_existing(&ws)?, limit, json),
        Command::Hypotheses {
            campaign,
            json,
            llm_url,
            llm_model,
            notes,
            command,
        } => {
            let mut store = open_existing(&ws)?;
            match (command, campaign) {
                (Some(HypothesesCommand::Test { hypothesis, json }), _) => {
                    let (h, queued) = cosci_cmd::test(&mut store, &hypothesis, |store, record, ids| {
                        let prepared = prepare_stored(record)?;
                        let genesis = std::env::current_exe().context("cannot find the genesis binary")?;
                        let workspace = std::fs::canonicalize(&ws).unwrap_or_else(|_| ws.clone());
                        let env = genesis_engine::ExecEnv { workspace: &workspace, genesis: &genesis };
                        let mut executor = genesis_engine::executor_for(record, &prepared, &env)?;
                        genesis_engine::run_queued(store, &prepared, executor.as_mut(), ids)?;
                        Ok(())
                    })?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&cosci_cmd::record_json(&h))?);
                    } else {
                        match queued {
                            cosci_cmd::Queued::Ran { verdict } => println!(
                                "{}: ran trials {:?}; verdict: {}{}",
                                h.id,
                                h.trials,
                                verdict.as_deref().unwrap_or("not yet (some trials did not finish)"),
                                h.evidence.as_ref().and_then(|e| e["reason"].as_str()).map(|r| format!("\n  {r}")).unwrap_or_default()
                            ),
                            cosci_cmd::Queued::Manual { indices } => println!(
                                "{}: trials {indices:?} are pending; run them, `genesis tell {} TRIAL NAME=VALUE` each, then `genesis hypotheses {}` records the verdict",
                                h.id, h.campaign_id, h.campaign_id
                            ),
                        }
                    }
                    Ok(())
                }
                (
                    Some(HypothesesCommand::Propose {
                        campaign,
                        parameter,
                        from,
                        to,
                        expect,
                        statement,
                        rationale,
                        json,
                    }),
                    _,
                ) => {
                    let record = find(&store, &campaign)?;
                    let idea = genesis_cosci::agents::Idea {
                        statement: statement.unwrap_or_else(|| {
                            format!("moving `{parameter}` from {from} to {to} makes the objective {expect}")
                        }),
                        rationale,
                        parameter,
                        from,
                        to,
                        expect,
                    };
                    cosci_cmd::propose(&mut store, &record, idea, json)
                }
                (None, Some(id)) => {
                    let record = find(&store, &id)?;
                    let flags = match (llm_url, llm_model) {
                        (Some(url), Some(model)) => Some(genesis_core::LlmConfig {
                            url,
                            model,
                            api_key_env: genesis_core::DEFAULT_LLM_KEY_ENV.into(),
                            notes: None,
                        }),
                        _ => None,
                    };
                    let llm = cosci_cmd::llm_settings(&record, flags, notes)?;
                    cosci_cmd::hypotheses(&mut store, &record, llm.as_ref(), json)
                }
                (None, None) => Err(BadInput(
                    "name a campaign (`genesis hypotheses ID`) or a hypothesis to test (`genesis hypotheses test H-…`)".into(),
                )
                .into()),
            }
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let store = open_existing(&ws)?;
            let new = store
                .rotate_master_key(&master_key(&ws)?)
                .map_err(|e| BadInput(e.to_string()))?;
            println!(
                "new master key written to {} (the data key is rewrapped; nothing else changed)\nback it up now: without it the artifacts and TOTP secrets cannot be read",
                new.path().display()
            );
            Ok(())
        }
        Command::User {
            command: UserCommand::Totp { name },
        } => {
            let mut store = open_existing(&ws)?;
            enrol_totp(&mut store, &name)
        }
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    admin,
                    password_stdin,
                    totp,
                },
        } => {
            let mut store = open_store(&ws)?;
            let (password, shown) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                (line.trim_end_matches(['\n', '\r']).to_string(), false)
            } else {
                (genesis_server::random_secret(""), true)
            };
            if password.chars().count() < genesis_server::MIN_PASSWORD {
                return Err(BadInput(format!(
                    "the password must have at least {} characters",
                    genesis_server::MIN_PASSWORD
                ))
                .into());
            }
            if store.user(&name)?.is_some() {
                return Err(BadInput(format!("user `{name}` exists already")).into());
            }
            store.add_user(
                &name,
                &genesis_server::hash_password(&password),
                admin,
                genesis_engine::now_ms(),
            )?;
            println!(
                "added user {name}{}",
                if admin { " (administrator)" } else { "" }
            );
            if shown {
                println!("password (shown once, store it now): {password}");
            }
            if admin || totp {
                enrol_totp(&mut store, &name)?;
            }
            Ok(())
        }
        Command::Project { command } => {
            let mut store = open_store(&ws)?;
            match command {
                ProjectCommand::Add { name } => {
                    store.add_project(&name, genesis_engine::now_ms())?;
                    println!("project {name} ready");
                }
                ProjectCommand::Grant {
                    project,
                    user,
                    role,
                } => {
                    let r = genesis_store::Role::parse(&role).ok_or_else(|| {
                        BadInput(format!("role `{role}`: expected viewer, editor or owner"))
                    })?;
                    store
                        .grant(&user, &project, r)
                        .map_err(|e| BadInput(e.to_string()))?;
                    println!("{user} is {role} in {project}");
                }
            }
            Ok(())
        }
        Command::Cancel { id } => {
            let mut store = open_existing(&ws)?;
            let record = find(&store, &id)?;
            cancel(&mut store, &record)
        }
        Command::ExecTrial { spec, output } => exec_trial(&spec, &output),
        Command::Init => {
            let store = open_store(&ws)?;
            let key = store.public_key();
            println!(
                "workspace {} ready\nsigning key {} (public key in {})",
                ws.display(),
                key.fingerprint(),
                ws.join("keys").join("signing.pub").display()
            );
            Ok(())
        }
        Command::Verify {
            id,
            public_key,
            crate_dir,
            json,
        } => {
            if let Some(dir) = crate_dir {
                return prov_cmd::verify_crate(&dir, public_key.as_deref(), json);
            }
            let store = open_existing(&ws)?;
            let key = prov_cmd::key_for(&store, public_key.as_deref())?;
            let records = match id {
                Some(id) => vec![find(&store, &id)?],
                None => store.campaigns()?,
            };
            prov_cmd::verify(&store, &records, &key, json)
        }
        Command::Lineage {
            id,
            trial,
            json,
            dot,
        } => {
            let store = open_existing(&ws)?;
            let record = find(&store, &id)?;
            prov_cmd::show_lineage(&store, &record, trial, json, dot)
        }
        Command::Replay {
            id,
            trial,
            tolerance,
            json,
        } => {
            let store = open_existing(&ws)?;
            let record = find(&store, &id)?;
            let prepared = prepare_stored(&record)?;
            prov_cmd::replay(&store, &record, &prepared, trial, tolerance, json)
        }
        Command::Twins { json } => twin_cmd::list(json),
        Command::Twin { command } => twin_cmd::dispatch(command),
        Command::Report { id, out } => {
            let store = open_existing(&ws)?;
            let record = find(&store, &id)?;
            report_cmd::write(&store, &record, &out)?;
            println!(
                "wrote report of {} ({}) to {}",
                record.name,
                record.id,
                out.display()
            );
            Ok(())
        }
        Command::Endf { command } => endf_cmd::dispatch(command, &ws),
        Command::Datasets { json } => {
            let store = open_existing(&ws)?;
            let mut broken = false;
            let mut rows = vec![vec![
                "id".to_string(),
                "name".into(),
                "kind".into(),
                "created".into(),
                "bytes".into(),
                "check".into(),
            ]];
            let mut list = Vec::new();
            for d in store.datasets()? {
                let check = store.verify_dataset(&d).map(|_| ());
                broken |= check.is_err();
                list.push(serde_json::json!({
                    "id": d.id, "name": d.name, "kind": d.kind, "created_at": output::rfc3339(d.created_at),
                    "metadata": d.metadata, "file": d.artifact, "signature": d.signature,
                    "verified": check.is_ok(), "problem": check.as_ref().err(),
                }));
                rows.push(vec![
                    d.id.clone(),
                    d.name.clone(),
                    d.kind.clone(),
                    output::rfc3339(d.created_at)[..19].to_string(),
                    d.artifact.size.to_string(),
                    check.err().unwrap_or_else(|| "ok".into()),
                ]);
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({ "datasets": list }))?
                );
            } else if rows.len() == 1 {
                println!("no datasets (`genesis endf xs ... --register NAME` adds one)");
            } else {
                output::print_table(&rows);
            }
            if broken {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}

/// The master key that unwraps the workspace's data key:
/// `GENESIS_MASTER_KEY_FILE`, or `keys/master.key` in the workspace
/// (created on first use).
fn master_key(ws: &Path) -> Result<genesis_store::MasterKey> {
    let (path, create) = match std::env::var_os("GENESIS_MASTER_KEY_FILE") {
        Some(p) => (PathBuf::from(p), false),
        None => (ws.join("keys").join("master.key"), true),
    };
    genesis_store::MasterKey::load(&path, create).map_err(|e| BadInput(e.to_string()).into())
}

/// Generates, seals and stores a TOTP secret; prints the enrolment URI once.
fn enrol_totp(store: &mut Store, name: &str) -> Result<()> {
    let secret = genesis_server::mfa::new_totp_secret();
    let sealed = store.vault().seal(&secret);
    store
        .set_user_totp(name, &sealed)
        .map_err(|e| BadInput(e.to_string()))?;
    println!(
        "TOTP for {name} (shown once; add it to an authenticator app, then sign in with its code):\n{}",
        genesis_server::mfa::otpauth_uri(name, &secret)
    );
    Ok(())
}

/// PEM certificate chain and key from files.
fn read_tls(cert: &Path, key: &Path) -> Result<(Vec<u8>, Vec<u8>)> {
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| BadInput(format!("cannot read {}: {e}", p.display())))
    };
    Ok((read(cert)?, read(key)?))
}

/// The workspace's self-signed certificate (for localhost and 127.0.0.1),
/// made on first use: `tls/self-signed.pem` and `tls/self-signed.key` (0600).
fn self_signed_tls(ws: &Path) -> Result<(Vec<u8>, Vec<u8>)> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = ws.join("tls");
    let (cert, key) = (dir.join("self-signed.pem"), dir.join("self-signed.key"));
    if !cert.exists() || !key.exists() {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let (c, k) = genesis_server::self_signed(vec!["localhost".into(), "127.0.0.1".into()])
            .map_err(|e| anyhow!("cannot make a certificate: {e}"))?;
        let _ = std::fs::remove_file(&key);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&key)
            .and_then(|mut f| std::io::Write::write_all(&mut f, k.as_bytes()))
            .with_context(|| format!("cannot write {}", key.display()))?;
        write_atomically(&cert, c.as_bytes())?;
    }
    eprintln!(
        "TLS: self-signed certificate {} (clients must trust it)",
        cert.display()
    );
    read_tls(&cert, &key)
}

/// `genesis serve`: the REST API on `bind` until the process ends.
fn serve(
    config: genesis_server::ServerConfig,
    bind: std::net::SocketAddr,
    tls: Option<(Vec<u8>, Vec<u8>)>,
) -> Result<()> {
    let ws = config.workspace.clone();
    let state = genesis_server::AppState::open(config).map_err(BadInput)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        use std::io::Write;
        if let Some((cert, key)) = tls {
            let listener = std::net::TcpListener::bind(bind)
                .with_context(|| format!("cannot listen on {bind}"))?;
            listener.set_nonblocking(true)?;
            let addr = listener.local_addr()?;
            println!(
                "genesis serve: listening on https://{addr} (workspace {})",
                ws.display()
            );
            std::io::stdout().flush()?;
            return genesis_server::serve_tls(listener, cert, key, state)
                .await
                .context("server failed (TLS)");
        }
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("cannot listen on {bind}"))?;
        let addr = listener.local_addr()?;
        println!(
            "genesis serve: listening on http://{addr} (workspace {})",
            ws.display()
        );
        std::io::stdout().flush()?;
        genesis_server::serve(listener, state)
            .await
            .context("server failed")
    })
}

/// `genesis cancel`: marks the campaign cancelled and cancels its Slurm
/// jobs; a process running the campaign sees the status and stops.
fn cancel(store: &mut Store, record: &CampaignRecord) -> Result<()> {
    if record.status != genesis_core::CampaignStatus::Running {
        return Err(BadInput(format!(
            "campaign {} is {}; only running campaigns can be cancelled",
            record.id,
            record.status.as_str()
        ))
        .into());
    }
    store.set_campaign_status(
        &record.id,
        genesis_core::CampaignStatus::Cancelled,
        genesis_engine::now_ms(),
    )?;
    let jobs: Vec<String> = store
        .trials(&record.id)?
        .iter()
        .filter(|t| t.status == genesis_core::TrialStatus::Running)
        .filter_map(|t| {
            t.external
                .as_ref()?
                .get("job_id")?
                .as_str()
                .map(str::to_string)
        })
        .collect();
    if !jobs.is_empty() {
        let out = std::process::Command::new("scancel")
            .args(&jobs)
            .output()
            .context("cannot run scancel")?;
        if !out.status.success() {
            eprintln!(
                "warning: scancel: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }
    println!(
        "campaign {} ({}) cancelled; {} Slurm job(s) cancelled",
        record.id,
        record.name,
        jobs.len()
    );
    Ok(())
}

/// `genesis exec-trial SPEC -o RESULT`: builds the twin named in the spec
/// (`{"twin", "base_dir", "inputs"}`), evaluates it, and writes
/// `{"outputs": …}` or `{"error": …}`. A failing twin is a result, not an
/// error of this command; the program's own output goes to stdout/stderr.
fn exec_trial(spec_path: &Path, output: &Path) -> Result<()> {
    let text = std::fs::read_to_string(spec_path)
        .with_context(|| format!("cannot read {}", spec_path.display()))?;
    let spec: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a trial spec", spec_path.display()))?;
    let twin_ref: genesis_core::TwinRef = serde_json::from_value(spec["twin"].clone())
        .with_context(|| format!("{}: bad `twin`", spec_path.display()))?;
    let inputs: genesis_core::Inputs = serde_json::from_value(spec["inputs"].clone())
        .with_context(|| format!("{}: bad `inputs`", spec_path.display()))?;
    let base_dir = PathBuf::from(spec["base_dir"].as_str().unwrap_or("."));
    let names: Vec<&str> = inputs.keys().map(String::as_str).collect();
    let doc = match genesis_engine::build_twin(&twin_ref, &base_dir, &names) {
        Err(e) => serde_json::json!({ "error": e }),
        Ok(twin) => {
            let recorded = twin.evaluate_recorded(&inputs);
            for (name, bytes) in &recorded.artifacts {
                let text = String::from_utf8_lossy(bytes);
                match name.as_str() {
                    "stderr" => eprint!("{text}"),
                    _ => print!("{text}"),
                }
            }
            match recorded.result {
                Ok(outputs) => serde_json::json!({ "outputs": outputs }),
                Err(e) => serde_json::json!({ "error": e.to_string() }),
            }
        }
    };
    write_atomically(output, serde_json::to_string(&doc)?.as_bytes())
}

/// Writes through a temporary file and a rename, so an interrupted export
/// never leaves a half-written file behind.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

fn db_path(ws: &Path) -> PathBuf {
    ws.join("genesis.db")
}

fn open_store(ws: &Path) -> Result<Store> {
    std::fs::create_dir_all(ws)
        .with_context(|| format!("cannot create workspace {}", ws.display()))?;
    let master = master_key(ws)?;
    Store::open_with(&db_path(ws), &master).map_err(|e| match e {
        genesis_store::StoreError::Key(m) => BadInput(m).into(),
        other => anyhow!(other).context(format!("cannot open the store in {}", ws.display())),
    })
}

/// Opens the store for reading commands without creating a workspace.
fn open_existing(ws: &Path) -> Result<Store> {
    if !db_path(ws).exists() {
        return Err(BadInput(format!(
            "no Genesis workspace at {}\nhint: run a campaign first, or pass --workspace DIR (or set GENESIS_HOME)",
            ws.display()
        ))
        .into());
    }
    open_store(ws)
}

fn find(store: &Store, id: &str) -> Result<CampaignRecord> {
    store.campaign(id).map_err(|e| match e {
        genesis_store::StoreError::NotFound(_) | genesis_store::StoreError::Ambiguous { .. } => {
            BadInput(format!("{e}\nhint: `genesis list` shows the campaigns")).into()
        }
        other => anyhow!(other),
    })
}

fn prepare_stored(record: &CampaignRecord) -> Result<Prepared> {
    genesis_engine::prepare(
        &record.source_text,
        &record.source_path,
        Path::new(&record.base_dir),
    )
    .map_err(|d| BadInput(d.to_string()).into())
}

fn run_file(ws: &Path, file: &Path, resume: bool, json: bool) -> Result<()> {
    let source = std::fs::read_to_string(file)
        .map_err(|e| BadInput(format!("cannot read campaign file {}: {e}", file.display())))?;
    let base_dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let base_dir = std::fs::canonicalize(base_dir).unwrap_or_else(|_| base_dir.to_path_buf());
    // Validate everything before the workspace is touched: bad input leaves no trace.
    let prepared = genesis_engine::prepare(&source, &file.display().to_string(), &base_dir)
        .map_err(|d| BadInput(d.to_string()))?;
    let mut store = open_store(ws)?;
    let record = if resume {
        let name = &prepared.parsed.spec.name;
        let record = store.latest_running(name)?.ok_or_else(|| {
            BadInput(format!(
                "no unfinished campaign named `{name}` in {}\nhint: run it without --resume to start a new one",
                ws.display()
            ))
        })?;
        if record.spec != prepared.parsed.spec {
            return Err(BadInput(format!(
                "{} has changed since campaign {} started from it\nhint: `genesis resume {}` finishes it as it was started",
                file.display(),
                record.id,
                record.id
            ))
            .into());
        }
        record
    } else {
        genesis_engine::create(&mut store, &prepared, &owner())?
    };
    execute(ws, &mut store, &record, &prepared, json)
}

/// Who runs this: `$USER`, `$LOGNAME`, else the account of the process's
/// uid in /etc/passwd (containers often set neither variable).
fn owner() -> String {
    // SAFETY: getuid(2) cannot fail and touches no memory.
    let uid = unsafe { libc::getuid() };
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/passwd")
                .ok()?
                .lines()
                .find_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    (f.len() > 2 && f[2] == uid.to_string()).then(|| f[0].to_string())
                })
        })
        .unwrap_or_else(|| format!("uid {uid}"))
}

fn execute(
    ws: &Path,
    store: &mut Store,
    record: &CampaignRecord,
    prepared: &Prepared,
    json: bool,
) -> Result<()> {
    if genesis_engine::is_manual(&record.spec) {
        // Nothing to run here: experiments happen outside, through ask/tell.
        if json {
            let doc = serde_json::json!({ "campaign": record.id, "name": record.name, "status": "running", "manual": true });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        } else {
            println!(
                "manual campaign {} ({}): experiments run outside Genesis\nnext: `genesis ask {id} -n {}` proposes experiments; `genesis tell {id} TRIAL NAME=VALUE` records results",
                record.name,
                record.id,
                record.spec.batch,
                id = record.id
            );
        }
        return Ok(());
    }
    let genesis = std::env::current_exe().context("cannot find the genesis binary")?;
    let workspace = std::fs::canonicalize(ws).unwrap_or_else(|_| ws.to_path_buf());
    let env = genesis_engine::ExecEnv {
        workspace: &workspace,
        genesis: &genesis,
    };
    let mut executor = genesis_engine::executor_for(record, prepared, &env)?;
    let mut progress = Progress::new(record, json);
    let report =
        genesis_engine::run_with(store, record, prepared, executor.as_mut(), &mut progress)?;
    progress.bar.finish_and_clear();
    let trials = store.trials(&record.id)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&output::report_json(record, &report, &trials))?
        );
    } else {
        output::print_report(record, &report, &trials);
    }
    Ok(())
}

/// Progress bar with the best value so far, on stderr.
struct Progress {
    bar: ProgressBar,
    objective: String,
}

impl Progress {
    fn new(record: &CampaignRecord, quiet: bool) -> Self {
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(record.spec.budget)
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
            )
            .expect("valid template"),
        );
        bar.set_prefix(format!("{} {}", record.name, record.id));
        Progress {
            bar,
            objective: record.spec.objectives[0].name.clone(),
        }
    }
}

impl Observer for Progress {
    fn started(&mut self, _campaign: &CampaignRecord, counts: TrialCounts) {
        self.bar.set_position(counts.finished());
    }

    fn trial_finished(
        &mut self,
        _trial: &TrialRecord,
        best: Option<&TrialRecord>,
        counts: TrialCounts,
    ) {
        self.bar.set_position(counts.finished());
        let best = best
            .and_then(|b| b.outputs.as_ref()?.get(&self.objective).copied())
            .map_or("-".to_string(), |v| format!("{v:.6}"));
        self.bar.set_message(format!(
            "best {} = {best}, {} failed",
            self.objective, counts.failed
        ));
    }

    /// `hypotheses_every = N`: the co-scientist after every N finished trials.
    fn checkpoint(&mut self, store: &mut Store, campaign: &CampaignRecord, counts: TrialCounts) {
        let Some(round) =
            genesis_engine::cosci::scheduled_round(store, campaign, counts.finished())
        else {
            return;
        };
        let line = match round {
            Ok(u) => {
                let top = u
                    .ranked
                    .first()
                    .map(|h| {
                        format!(
                            "; top {} ({:.0}): {}",
                            h.id,
                            h.elo,
                            h.body["statement"].as_str().unwrap_or("")
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "hypotheses after {} trials: {} new, {} stated in all{top}",
                    counts.finished(),
                    u.added,
                    u.ranked.len()
                )
            }
            Err(e) => format!("hypotheses after {} trials: {e}", counts.finished()),
        };
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }
}

/// Re-exported for the output module.
pub(crate) type Report = RunReport;
