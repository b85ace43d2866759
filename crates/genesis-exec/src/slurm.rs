//! Trials as Slurm jobs: one `sbatch` job array per flush, tracked with
//! `squeue` and `scontrol`, cancelled with `scancel`.
//!
//! Each trial gets a spec file `trial-ID.json` (the twin, its folder and
//! the inputs) in the executor's folder; the job runs `genesis exec-trial
//! trial-ID.json -o result-ID.json` on the compute node, so a built-in twin
//! or the user's program runs there exactly as it would locally. The job's
//! own output (`slurm-ID.out`) is kept as an artifact of the trial.

use crate::{Completion, Executor, Job};
use genesis_core::{Outputs, TwinError};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The `[executor]` table of a Slurm campaign.
#[derive(Clone, Debug, PartialEq)]
pub struct SlurmConfig {
    pub partition: Option<String>,
    /// `--time`, e.g. `"10"` (minutes) or `"02:00:00"`.
    pub time_limit: Option<String>,
    pub cpus_per_task: Option<u64>,
    /// `--mem`, e.g. `"2G"`.
    pub mem: Option<String>,
    pub account: Option<String>,
    /// Extra `sbatch` arguments, passed as they are.
    pub sbatch_args: Vec<String>,
    /// Job scripts, trial specs, results and logs; must be visible from
    /// the compute nodes (a shared file system on a real cluster).
    pub dir: PathBuf,
    /// The `genesis` binary as the compute nodes see it.
    pub genesis: PathBuf,
    /// Submit each flush as one job array (the default) or one job per trial.
    pub array: bool,
    /// How often to ask Slurm about running jobs.
    pub poll: Duration,
}

impl SlurmConfig {
    /// Reads the settings of `[executor] kind = "slurm"`; `dir` and
    /// `genesis` are the defaults for keys the table leaves out.
    pub fn from_json(
        settings: &serde_json::Map<String, Value>,
        dir: PathBuf,
        genesis: PathBuf,
    ) -> Result<SlurmConfig, String> {
        let mut c = SlurmConfig {
            partition: None,
            time_limit: None,
            cpus_per_task: None,
            mem: None,
            account: None,
            sbatch_args: Vec::new(),
            dir,
            genesis,
            array: true,
            poll: Duration::from_millis(250),
        };
        let text = |k: &str, v: &Value| {
            v.as_str()
                .map(str::to_string)
                .ok_or(format!("`{k}` must be a string"))
        };
        for (k, v) in settings {
            match k.as_str() {
                "partition" => c.partition = Some(text(k, v)?),
                "time_limit" => {
                    c.time_limit = Some(match v {
                        Value::Number(n) if n.as_u64().is_some() => n.to_string(),
                        _ => text(k, v)?,
                    })
                }
                "cpus_per_task" => {
                    c.cpus_per_task = Some(
                        v.as_u64()
                            .filter(|&n| n >= 1)
                            .ok_or("`cpus_per_task` must be a whole number >= 1")?,
                    )
                }
                "mem" => c.mem = Some(text(k, v)?),
                "account" => c.account = Some(text(k, v)?),
                "sbatch_args" => {
                    c.sbatch_args = v
                        .as_array()
                        .and_then(|a| a.iter().map(|x| x.as_str().map(str::to_string)).collect())
                        .ok_or("`sbatch_args` must be a list of strings")?
                }
                "dir" => c.dir = PathBuf::from(text(k, v)?),
                "genesis" => c.genesis = PathBuf::from(text(k, v)?),
                "array" => c.array = v.as_bool().ok_or("`array` must be true or false")?,
                "poll_s" => {
                    c.poll = Duration::from_secs_f64(
                        v.as_f64()
                            .filter(|s| *s > 0.0 && *s <= 60.0)
                            .ok_or("`poll_s` must be a number of seconds in (0, 60]")?,
                    )
                }
                other => {
                    return Err(format!(
                        "unknown setting `{other}` for executor `slurm` (known: partition, time_limit, cpus_per_task, mem, account, sbatch_args, dir, genesis, array, poll_s)"
                    ));
                }
            }
        }
        Ok(c)
    }
}

/// A trial handed to Slurm.
struct Tracked {
    job_id: String,
    started: Instant,
    cancelled: bool,
}

/// Runs trials as Slurm jobs. Scheduler calls: one `sbatch` per flush
/// (a job array of every trial submitted since the last flush), one
/// `squeue` per poll for everything in flight, and one `scontrol show job`
/// per finished trial.
pub struct SlurmExecutor {
    cfg: SlurmConfig,
    /// The campaign's twin reference (`TwinRef` as JSON) and its folder,
    /// written into every trial spec.
    twin: Value,
    base_dir: PathBuf,
    buffered: Vec<Job>,
    running: HashMap<i64, Tracked>,
    done: VecDeque<Completion>,
    /// Calls made to Slurm, by command (for the benchmark).
    pub calls: HashMap<&'static str, u64>,
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "{:?} failed: {}",
            cmd.get_program(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl SlurmExecutor {
    /// An executor submitting into `cfg.dir` (created if needed).
    pub fn new(cfg: SlurmConfig, twin: Value, base_dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(&cfg.dir)
            .map_err(|e| format!("cannot create {}: {e}", cfg.dir.display()))?;
        Ok(SlurmExecutor {
            cfg,
            twin,
            base_dir: base_dir.to_path_buf(),
            buffered: Vec::new(),
            running: HashMap::new(),
            done: VecDeque::new(),
            calls: HashMap::new(),
        })
    }

    fn spec_path(&self, trial_id: i64) -> PathBuf {
        self.cfg.dir.join(format!("trial-{trial_id}.json"))
    }

    fn result_path(&self, trial_id: i64) -> PathBuf {
        self.cfg.dir.join(format!("result-{trial_id}.json"))
    }

    fn log_path(&self, trial_id: i64) -> PathBuf {
        self.cfg.dir.join(format!("slurm-{trial_id}.out"))
    }

    fn count(&mut self, what: &'static str) {
        *self.calls.entry(what).or_default() += 1;
    }

    /// Writes the batch script for `trials` (index k of the array runs
    /// trials[k]) and submits it; returns the job id.
    fn submit_batch(&mut self, trials: &[i64]) -> Result<String, String> {
        let first = trials[0];
        let script = self.cfg.dir.join(format!("job-{first}.sh"));
        let ids: Vec<String> = trials.iter().map(i64::to_string).collect();
        let q = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
        let body = format!(
            "#!/bin/sh\n# Genesis trials {ids}, one per array task.\nset -u\nTRIALS=\"{ids}\"\n\
             i=0; ID=\"\"\nfor t in $TRIALS; do if [ \"$i\" = \"${{SLURM_ARRAY_TASK_ID:-0}}\" ]; then ID=$t; fi; i=$((i+1)); done\n\
             exec >{dir}/slurm-\"$ID\".out 2>&1\n\
             echo \"genesis trial $ID on $(hostname), job ${{SLURM_JOB_ID:-?}}\"\n\
             exec {genesis} exec-trial {dir}/trial-\"$ID\".json -o {dir}/result-\"$ID\".json\n",
            ids = ids.join(" "),
            dir = q(&self.cfg.dir),
            genesis = q(&self.cfg.genesis),
        );
        std::fs::write(&script, body)
            .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
        let mut cmd = Command::new("sbatch");
        cmd.arg("--parsable")
            .arg(format!("--job-name=genesis-{first}"))
            .arg(format!(
                "--output={}",
                self.cfg.dir.join("sbatch-%A_%a.out").display()
            ))
            .arg(format!("--chdir={}", self.base_dir.display()));
        if trials.len() > 1 || self.cfg.array {
            cmd.arg(format!("--array=0-{}", trials.len() - 1));
        }
        for (flag, v) in [
            ("--partition", &self.cfg.partition),
            ("--time", &self.cfg.time_limit),
            ("--mem", &self.cfg.mem),
            ("--account", &self.cfg.account),
        ] {
            if let Some(v) = v {
                cmd.arg(format!("{flag}={v}"));
            }
        }
        if let Some(c) = self.cfg.cpus_per_task {
            cmd.arg(format!("--cpus-per-task={c}"));
        }
        cmd.args(&self.cfg.sbatch_args).arg(&script);
        self.count("sbatch");
        let out = run(&mut cmd)?;
        // `--parsable` prints "JOBID" or "JOBID;CLUSTER".
        Ok(out.trim().split(';').next().unwrap_or("").to_string())
    }

    /// One `squeue` for every tracked job: id → (state, node) of those
    /// Slurm still lists; `None` when Slurm could not be asked (try again
    /// later rather than take every job for finished).
    fn queued(&mut self) -> Option<HashMap<String, (String, String)>> {
        let ids: Vec<String> = {
            let mut v: Vec<String> = self
                .running
                .values()
                .map(|t| t.job_id.split('_').next().unwrap_or("").to_string())
                .collect();
            v.sort();
            v.dedup();
            v
        };
        self.count("squeue");
        let out = match run(Command::new("squeue")
            .args(["-h", "-r", "-o", "%i|%T|%N"])
            .arg(format!("--jobs={}", ids.join(","))))
        {
            Ok(out) => out,
            // Jobs Slurm has already forgotten (older than MinJobAge, e.g.
            // after a long Genesis outage) make squeue refuse the list:
            // they are finished.
            Err(e) if e.contains("Invalid job id") => String::new(),
            Err(e) => {
                tracing::warn!("squeue failed, will retry: {e}");
                return None;
            }
        };
        let mut map = HashMap::new();
        for line in out.lines() {
            let f: Vec<&str> = line.split('|').collect();
            if f.len() == 3 {
                map.insert(f[0].to_string(), (f[1].to_string(), f[2].to_string()));
            }
        }
        Some(map)
    }

    /// What Slurm says about a finished job (`scontrol show job -o`):
    /// JobState, ExitCode, NodeList, RunTime, Reason, TimeLimit.
    fn accounting(&mut self, job_id: &str) -> HashMap<String, String> {
        self.count("scontrol");
        let out =
            run(Command::new("scontrol").args(["show", "job", "-o", job_id])).unwrap_or_default();
        out.split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| {
                [
                    "JobState",
                    "ExitCode",
                    "NodeList",
                    "RunTime",
                    "Reason",
                    "TimeLimit",
                    "JobId",
                    "ArrayJobId",
                    "ArrayTaskId",
                ]
                .contains(k)
            })
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Reports a trial that never reached Slurm as failed.
    fn not_submitted(&mut self, trial_id: i64, why: String) {
        self.done.push_back(Completion {
            trial_id,
            result: Err(TwinError::Failed(format!("not submitted to Slurm: {why}"))),
            artifacts: Vec::new(),
            execution: Some(json!({ "executor": "slurm" })),
            elapsed: Duration::ZERO,
        });
    }

    /// The completion of a trial whose job has left the queue.
    fn finish(&mut self, trial_id: i64) -> Completion {
        let t = self.running.remove(&trial_id).expect("tracked");
        let acct = self.accounting(&t.job_id);
        let state = acct
            .get("JobState")
            .cloned()
            .unwrap_or_else(|| "UNKNOWN".into());
        let result: Option<Value> = std::fs::read_to_string(self.result_path(trial_id))
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok());
        let outputs: Option<Outputs> = result
            .as_ref()
            .and_then(|r| r.get("outputs"))
            .and_then(|o| serde_json::from_value(o.clone()).ok());
        let reported_error = result
            .as_ref()
            .and_then(|r| r.get("error"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let limit = acct.get("TimeLimit").cloned().unwrap_or_default();
        let result = match (outputs, state.as_str()) {
            (Some(o), "COMPLETED") => Ok(o),
            _ if t.cancelled || state.starts_with("CANCELLED") => Err(TwinError::Failed(format!(
                "cancelled: Slurm job {} was cancelled (scancel)",
                t.job_id
            ))),
            (_, "TIMEOUT") => Err(TwinError::Failed(format!(
                "killed by Slurm: job {} reached its time limit ({limit})",
                t.job_id
            ))),
            (_, "OUT_OF_MEMORY") => Err(TwinError::Failed(format!(
                "killed by Slurm: job {} ran out of memory",
                t.job_id
            ))),
            (Some(o), _) => Ok(o),
            (None, s) => Err(TwinError::Failed(match reported_error {
                Some(e) => e,
                None if acct.is_empty() => format!(
                    "lost: Slurm job {} is no longer known to Slurm and left no result",
                    t.job_id
                ),
                None => format!(
                    "Slurm job {} ended {s} (exit code {}) without a result",
                    t.job_id,
                    acct.get("ExitCode").map_or("?", String::as_str)
                ),
            })),
        };
        let artifacts = std::fs::read(self.log_path(trial_id))
            .ok()
            .filter(|b| !b.is_empty())
            .map(|b| vec![("slurm.out".to_string(), b)])
            .unwrap_or_default();
        let execution = json!({
            "executor": "slurm",
            "job_id": t.job_id,
            "state": state,
            "exit_code": acct.get("ExitCode"),
            "node": acct.get("NodeList"),
            "elapsed": acct.get("RunTime"),
            "reason": acct.get("Reason"),
        });
        Completion {
            trial_id,
            result,
            artifacts,
            execution: Some(execution),
            elapsed: t.started.elapsed(),
        }
    }
}

impl Executor for SlurmExecutor {
    fn submit(&mut self, job: Job) {
        self.buffered.push(job);
    }

    fn in_flight(&self) -> usize {
        self.buffered.len() + self.running.len() + self.done.len()
    }

    fn flush(&mut self) -> Vec<(i64, Value)> {
        let jobs = std::mem::take(&mut self.buffered);
        let mut written = Vec::new();
        for job in &jobs {
            let spec =
                json!({ "twin": self.twin, "base_dir": self.base_dir, "inputs": job.inputs });
            let path = self.spec_path(job.trial_id);
            let _ = std::fs::remove_file(self.result_path(job.trial_id));
            match std::fs::write(&path, serde_json::to_vec_pretty(&spec).expect("json")) {
                Ok(()) => written.push(job),
                Err(e) => self.not_submitted(
                    job.trial_id,
                    format!("cannot write {}: {e}", path.display()),
                ),
            }
        }
        let jobs = written;
        if jobs.is_empty() {
            return Vec::new();
        }
        let groups: Vec<Vec<i64>> = if self.cfg.array {
            vec![jobs.iter().map(|j| j.trial_id).collect()]
        } else {
            jobs.iter().map(|j| vec![j.trial_id]).collect()
        };
        let mut out = Vec::new();
        for trials in groups {
            let job = match self.submit_batch(&trials) {
                Ok(job) => job,
                Err(e) => {
                    for &t in &trials {
                        self.not_submitted(t, e.clone());
                    }
                    continue;
                }
            };
            for (k, &trial_id) in trials.iter().enumerate() {
                let job_id = if self.cfg.array {
                    format!("{job}_{k}")
                } else {
                    job.clone()
                };
                out.push((trial_id, json!({ "executor": "slurm", "job_id": job_id })));
                self.running.insert(
                    trial_id,
                    Tracked {
                        job_id,
                        started: Instant::now(),
                        cancelled: false,
                    },
                );
            }
        }
        out
    }

    fn wait(&mut self) -> Option<Completion> {
        // Normally the engine flushed already and recorded the job ids.
        self.flush();
        loop {
            if let Some(c) = self.done.pop_front() {
                return Some(c);
            }
            if self.running.is_empty() {
                return None;
            }
            let Some(queued) = self.queued() else {
                std::thread::sleep(self.cfg.poll);
                continue;
            };
            let finished: Vec<i64> = self
                .running
                .iter()
                .filter(|(_, t)| !queued.contains_key(&t.job_id))
                .map(|(&id, _)| id)
                .collect();
            for id in finished {
                let c = self.finish(id);
                self.done.push_back(c);
            }
            if self.done.is_empty() {
                std::thread::sleep(self.cfg.poll);
            }
        }
    }

    fn reattach(&mut self, trial_id: i64, external: &Value) -> bool {
        let Some(job_id) = external
            .get("job_id")
            .and_then(Value::as_str)
            .filter(|_| external.get("executor").and_then(Value::as_str) == Some("slurm"))
        else {
            return false;
        };
        self.running.insert(
            trial_id,
            Tracked {
                job_id: job_id.to_string(),
                started: Instant::now(),
                cancelled: false,
            },
        );
        true
    }

    fn cancel_all(&mut self) {
        let ids: Vec<String> = self.running.values().map(|t| t.job_id.clone()).collect();
        if !ids.is_empty() {
            self.count("scancel");
            let _ = run(Command::new("scancel").args(&ids));
        }
        for t in self.running.values_mut() {
            t.cancelled = true;
        }
    }
}
