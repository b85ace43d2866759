//! Provenance you can prove.
//!
//! Every state change of a campaign is an [`Event`]. Events are appended to
//! a per-campaign chain: each [`SealedEvent`] carries the BLAKE3 hash of
//! the previous one and an Ed25519 signature over its own hash, made with
//! the workspace's key ([`Signer`]). Files (campaign sources, program
//! output) are referred to by content hash ([`ArtifactRef`]).
//!
//! From a chain alone one can check integrity ([`check_chain`]), derive
//! what the trial table must contain ([`replay_state`]), explain one result
//! ([`lineage`]) and export open formats ([`prov_json`],
//! [`ro_crate_metadata`]). Reading and writing the chain is the store's
//! job; this crate does no I/O (except drawing a fresh key from the OS).

mod chain;
mod digest;
mod event;
mod export;
mod lineage;
mod sign;
mod state;
mod time;

pub use chain::{Broken, GENESIS_PREV, SealedEvent, check_chain, event_hash, seal};
pub use digest::{Digest, DigestParseError, digest};
pub use event::{ArtifactRef, Event, Finish, Reporter, Versioned};
pub use export::{CrateFile, CrateRole, GENESIS_NS, prov_json, ro_crate_metadata};
pub use lineage::{Lineage, LineageNode, lineage};
pub use sign::{PublicKey, Signer, SignerError};
pub use state::{ExpectedCampaign, ExpectedTrial, replay_state};
pub use time::rfc3339_ms;
