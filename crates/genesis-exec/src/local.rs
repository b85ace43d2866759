//! Runs trials on threads of this process.

use crate::{Completion, Executor, Job};
use genesis_core::TwinError;
use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// Extra time a twin gets past its limit to stop by itself (the subprocess
/// twin kills its program at the limit and reports why) before the
/// executor gives up on it.
const GRACE: Duration = Duration::from_secs(2);

/// One thread per running trial; the caller bounds how many run at once.
///
/// A built-in twin cannot be killed mid-computation, so when one overruns
/// its time limit the trial is reported as timed out and its thread is
/// abandoned: whatever it returns later is ignored.
pub struct LocalExecutor {
    tx: Sender<Completion>,
    rx: Receiver<Completion>,
    /// Trial id → (start, deadline) of every trial not yet reported.
    running: HashMap<i64, (Instant, Option<Instant>)>,
}

impl LocalExecutor {
    /// An idle executor.
    pub fn new() -> Self {
        let (tx, rx) = mpsc::channel();
        LocalExecutor {
            tx,
            rx,
            running: HashMap::new(),
        }
    }

    fn next_deadline(&self) -> Option<(i64, Instant)> {
        self.running
            .iter()
            .filter_map(|(&id, &(_, d))| d.map(|d| (id, d)))
            .min_by_key(|&(_, d)| d)
    }
}

impl Default for LocalExecutor {
    fn default() -> Self {
        Self::new()
    }
}

impl Executor for LocalExecutor {
    fn submit(&mut self, job: Job) {
        let start = Instant::now();
        let deadline = job.timeout.map(|t| start + t + GRACE);
        self.running.insert(job.trial_id, (start, deadline));
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            let recorded = job.twin.evaluate_recorded(&job.inputs);
            // The receiver may be gone if the campaign stopped; nothing to do then.
            let _ = tx.send(Completion {
                trial_id: job.trial_id,
                result: recorded.result,
                artifacts: recorded.artifacts,
                execution: None,
                elapsed: start.elapsed(),
            });
        });
    }

    fn in_flight(&self) -> usize {
        self.running.len()
    }

    fn wait(&mut self) -> Option<Completion> {
        loop {
            if self.running.is_empty() {
                return None;
            }
            let received = match self.next_deadline() {
                None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some((id, deadline)) => {
                    let now = Instant::now();
                    if deadline <= now {
                        let (start, _) = self.running.remove(&id).expect("tracked");
                        let limit = (deadline - start).saturating_sub(GRACE);
                        return Some(Completion {
                            trial_id: id,
                            result: Err(TwinError::Timeout(limit.as_secs_f64())),
                            artifacts: Vec::new(),
                            execution: None,
                            elapsed: start.elapsed(),
                        });
                    }
                    self.rx.recv_timeout(deadline - now)
                }
            };
            match received {
                // Reports of abandoned (timed-out) trials are dropped.
                Ok(c) if self.running.remove(&c.trial_id).is_some() => return Some(c),
                Ok(_) | Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => unreachable!("the executor holds a sender"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genesis_core::{Inputs, Outputs, Twin, TwinSpec};
    use std::sync::Arc;

    /// Sleeps for `ms` (an input) then returns it: enough to test scheduling.
    struct Sleeper(TwinSpec);

    impl Twin for Sleeper {
        fn spec(&self) -> &TwinSpec {
            &self.0
        }
        fn evaluate(&self, inputs: &Inputs) -> Result<Outputs, TwinError> {
            let ms = genesis_core::twin::number(inputs, "ms")?;
            std::thread::sleep(Duration::from_millis(ms as u64));
            Ok(Outputs::from([("ms".into(), ms)]))
        }
    }

    fn sleeper() -> Arc<dyn Twin> {
        Arc::new(Sleeper(TwinSpec {
            name: "test.sleep".into(),
            version: "0".into(),
            description: String::new(),
            inputs: vec![],
            outputs: vec![],
            open_inputs: true,
            open_outputs: true,
            optimum: None,
        }))
    }

    fn job(id: i64, ms: i64, timeout: Option<Duration>) -> Job {
        Job {
            trial_id: id,
            twin: sleeper(),
            inputs: Inputs::from([("ms".into(), genesis_core::Value::Int(ms))]),
            timeout,
        }
    }

    #[test]
    fn reports_in_finishing_order() {
        let mut ex = LocalExecutor::new();
        ex.submit(job(1, 300, None));
        ex.submit(job(2, 10, None));
        assert_eq!(ex.in_flight(), 2);
        assert_eq!(ex.wait().unwrap().trial_id, 2);
        assert_eq!(ex.wait().unwrap().trial_id, 1);
        assert!(ex.wait().is_none());
    }

    #[test]
    fn overrunning_builtin_twins_time_out() {
        let mut ex = LocalExecutor::new();
        ex.submit(job(7, 60_000, Some(Duration::from_millis(50))));
        let c = ex.wait().unwrap();
        assert_eq!(c.trial_id, 7);
        assert!(matches!(c.result, Err(TwinError::Timeout(t)) if (t - 0.05).abs() < 1e-9));
        assert_eq!(ex.in_flight(), 0);
    }
}
