//! Datasets: processed data (pointwise cross sections from an ENDF file,
//! for example) registered in the workspace so campaigns and twins can use
//! them and anyone can see where they came from. The file goes to the
//! encrypted content-addressed store; the record — name, kind, metadata
//! (source file and its hash, processing settings, code version) and the
//! file's hash — is hashed and signed with the workspace key, so a changed
//! record or file is found by [`Store::verify_dataset`].

use crate::{Result, Store, StoreError};
use genesis_prov::{ArtifactRef, Digest, digest};
use rusqlite::params;
use serde_json::{Value, json};

/// A registered dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetRecord {
    /// `D-` and 12 hex digits of the record's hash.
    pub id: String,
    pub name: String,
    /// What it is, e.g. `endf.pointwise`.
    pub kind: String,
    pub created_at: i64,
    /// How it was made: inputs with their hashes, settings, software.
    pub metadata: Value,
    /// The data file.
    pub artifact: ArtifactRef,
    /// Ed25519 signature of the record's hash by the workspace key.
    pub signature: String,
}

/// The hash a dataset record is signed under.
fn record_hash(
    name: &str,
    kind: &str,
    created_at: i64,
    metadata: &Value,
    artifact: &ArtifactRef,
) -> Digest {
    let canonical = json!([
        name,
        kind,
        created_at,
        metadata,
        artifact.name,
        artifact.hash.hex(),
        artifact.size
    ]);
    digest(canonical.to_string().as_bytes())
}

impl Store {
    /// Stores `bytes` as file `file_name` of a new dataset and its signed
    /// record (the file first, then the record: a crash in between leaves
    /// only an unreferenced file).
    pub fn add_dataset(
        &mut self,
        name: &str,
        kind: &str,
        metadata: &Value,
        file_name: &str,
        bytes: &[u8],
        now_ms: i64,
    ) -> Result<DatasetRecord> {
        let artifact = self.put_artifact(file_name, bytes)?;
        let hash = record_hash(name, kind, now_ms, metadata, &artifact);
        let record = DatasetRecord {
            id: format!("D-{}", &hash.hex()[..12]),
            name: name.to_string(),
            kind: kind.to_string(),
            created_at: now_ms,
            metadata: metadata.clone(),
            signature: self.signer.sign(&hash),
            artifact,
        };
        self.conn.execute(
            "INSERT INTO datasets (id, name, kind, created_at, metadata, file_name, file_hash, file_size, signature) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                record.id,
                record.name,
                record.kind,
                record.created_at,
                record.metadata.to_string(),
                record.artifact.name,
                record.artifact.hash.hex(),
                record.artifact.size as i64,
                record.signature
            ],
        )?;
        Ok(record)
    }

    /// Every dataset, oldest first.
    pub fn datasets(&self) -> Result<Vec<DatasetRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, kind, created_at, metadata, file_name, file_hash, file_size, signature \
             FROM datasets ORDER BY created_at, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, String>(8)?,
            ))
        })?;
        rows.map(|row| {
            let (id, name, kind, created_at, metadata, file_name, file_hash, size, signature) =
                row?;
            let bad = |what: &str| StoreError::Corrupt(format!("{what} of dataset {id}"));
            Ok(DatasetRecord {
                metadata: serde_json::from_str(&metadata).map_err(|_| bad("metadata"))?,
                artifact: ArtifactRef {
                    name: file_name,
                    hash: file_hash.parse().map_err(|_| bad("file hash"))?,
                    size: size as u64,
                },
                id,
                name,
                kind,
                created_at,
                signature,
            })
        })
        .collect()
    }

    /// The dataset's file, after checking the record's signature and the
    /// file against its hash; the error says what does not match.
    pub fn verify_dataset(&self, d: &DatasetRecord) -> std::result::Result<Vec<u8>, String> {
        let hash = record_hash(&d.name, &d.kind, d.created_at, &d.metadata, &d.artifact);
        if !self.public_key().verifies(&hash, &d.signature) || !d.id.ends_with(&hash.hex()[..12]) {
            return Err(format!(
                "dataset {} ({}): the record was changed (its signature does not verify)",
                d.id, d.name
            ));
        }
        self.artifact(&d.artifact.hash).map_err(|p| {
            format!(
                "dataset {} ({}): its file {} is {}",
                d.id,
                d.name,
                d.artifact.hash,
                match p {
                    crate::ArtifactProblem::Missing => "missing".to_string(),
                    other => format!("changed ({other:?})"),
                }
            )
        })
    }
}
