//! The external programs running right now, so that a signal stopping
//! Genesis can stop them too instead of leaving orphans behind.

use std::sync::atomic::{AtomicI32, Ordering};

/// More concurrent programs than any local campaign runs; past this many the
/// extra ones are simply not tracked (and would outlive an interrupt).
const SLOTS: usize = 1024;

static RUNNING: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

/// A tracked program group; dropping it stops tracking.
pub(crate) struct Tracked(Option<usize>);

/// Starts tracking the process group `pgid`.
pub(crate) fn track(pgid: i32) -> Tracked {
    let slot = RUNNING.iter().position(|s| {
        s.compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    });
    Tracked(slot)
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            RUNNING[i].store(0, Ordering::SeqCst);
        }
    }
}

/// Kills every external program (and its children) that a subprocess twin
/// is running. Async-signal-safe (atomic loads and `kill(2)` only), so a
/// signal handler may call it.
pub fn kill_running_programs() {
    for slot in &RUNNING {
        let pgid = slot.load(Ordering::SeqCst);
        if pgid > 0 {
            // SAFETY: kill(2) on a process group this process created.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}
