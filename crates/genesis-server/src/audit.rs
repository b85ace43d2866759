//! The audit writer: request handlers hand entries to a channel and go on;
//! one thread appends them to the store's hash-chained audit log in
//! batches (one transaction per batch), running the detectors, so auditing
//! every request costs the request almost nothing.
//!
//! What a crash can lose is what is still in the channel: the last few
//! milliseconds of entries, never a written one (each batch is a
//! transaction).

use genesis_store::{AuditEntry, Store, Thresholds};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};

enum Message {
    Entry(AuditEntry),
    /// Signal `done` once everything before it is written.
    Flush(Arc<(Mutex<bool>, Condvar)>),
}

/// The sending side, shared by the handlers.
pub(crate) struct AuditSink {
    tx: Sender<Message>,
}

/// Most entries written in one transaction.
const BATCH: usize = 2048;

impl AuditSink {
    /// Starts the writer thread on its own connection to the store.
    pub(crate) fn start(store: Store, thresholds: Thresholds) -> AuditSink {
        if let Err(e) = store.relax_durability() {
            tracing::warn!("audit log: {e}");
        }
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("genesis-audit".into())
            .spawn(move || write_loop(store, rx, thresholds))
            .expect("the OS starts a thread");
        AuditSink { tx }
    }

    /// Queues `entry` for the log.
    pub(crate) fn record(&self, entry: AuditEntry) {
        if self.tx.send(Message::Entry(entry)).is_err() {
            tracing::error!("the audit writer has stopped; an audit entry was not written");
        }
    }

    /// Blocks until everything queued before the call is written.
    pub(crate) fn flush(&self) {
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        if self.tx.send(Message::Flush(done.clone())).is_err() {
            return;
        }
        let (lock, cv) = &*done;
        let mut finished = lock.lock().unwrap_or_else(|p| p.into_inner());
        while !*finished {
            finished = cv.wait(finished).unwrap_or_else(|p| p.into_inner());
        }
    }
}

fn write_loop(mut store: Store, rx: Receiver<Message>, thresholds: Thresholds) {
    while let Ok(first) = rx.recv() {
        let mut batch = Vec::new();
        let mut flushes = Vec::new();
        let mut next = Some(first);
        while let Some(m) = next {
            match m {
                Message::Entry(e) => batch.push(e),
                Message::Flush(done) => flushes.push(done),
            }
            next = if batch.len() < BATCH {
                rx.try_recv().ok()
            } else {
                None
            };
        }
        if !batch.is_empty() {
            match store.append_audit(&batch, &thresholds) {
                Ok(alerts) => {
                    for a in alerts {
                        tracing::warn!("ALERT {}: {}", a.target, a.detail["message"]);
                    }
                }
                Err(e) => tracing::error!("cannot write {} audit entries: {e}", batch.len()),
            }
        }
        for done in flushes {
            let (lock, cv) = &*done;
            *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
            cv.notify_all();
        }
    }
}
