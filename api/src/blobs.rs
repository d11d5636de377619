//! The blob store: file bytes live here, never in the database.
//!
//! A folder in the data directory by default; any S3-compatible object store when
//! `FIRSTPASS_BLOB_URL=s3://bucket/prefix` (credentials and endpoint from the usual `AWS_*`
//! variables). Writes stream in chunks and hash as they go, so a file is never held whole in
//! memory, and a failed write leaves nothing behind.

use crate::error::{ApiError, ApiResult};
use bytes::Bytes;
use futures_util::StreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Size of the pieces written to the store.
const CHUNK: usize = 1024 * 1024;

/// What was stored.
#[derive(Debug, Clone)]
pub struct StoredBlob {
    /// Bytes written.
    pub size: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
}

/// A blob found by [`BlobStore::list`].
#[derive(Debug, Clone)]
pub struct ListedBlob {
    /// Its key.
    pub key: String,
    /// When it was last written.
    pub modified: chrono::DateTime<chrono::Utc>,
}

/// Why a write stopped.
#[derive(Debug)]
pub enum WriteError {
    /// The content exceeded the limit given; nothing was kept.
    TooLarge,
    /// The source or the store failed.
    Failed(ApiError),
}

impl From<WriteError> for ApiError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::TooLarge => ApiError::bad_input("the file is too large"),
            WriteError::Failed(err) => err,
        }
    }
}

/// A handle on the configured object store.
#[derive(Clone, Debug)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
}

impl BlobStore {
    /// Opens the store named by `url` (`s3://…`), or a folder when `url` is `None`.
    pub fn open(url: Option<&str>, folder: &std::path::Path) -> anyhow::Result<Self> {
        let store: Arc<dyn ObjectStore> = match url {
            Some(url) if url.starts_with("s3://") => Arc::new(
                object_store::aws::AmazonS3Builder::from_env()
                    .with_url(url)
                    .build()
                    .map_err(|e| anyhow::anyhow!("FIRSTPASS_BLOB_URL: {e}"))?,
            ),
            Some(_) => anyhow::bail!("FIRSTPASS_BLOB_URL: only s3:// URLs are supported"),
            None => {
                std::fs::create_dir_all(folder).map_err(|e| {
                    anyhow::anyhow!(
                        "FIRSTPASS_DATA_DIR: cannot create {}: {e}",
                        folder.display()
                    )
                })?;
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(folder)
                        .map_err(|e| anyhow::anyhow!("FIRSTPASS_DATA_DIR: {e}"))?,
                )
            }
        };
        Ok(Self { store })
    }

    /// Streams `reader` into `key`, refusing more than `max_bytes`.
    pub async fn put_reader(
        &self,
        key: &str,
        mut reader: impl AsyncRead + Unpin,
        max_bytes: u64,
    ) -> Result<StoredBlob, WriteError> {
        let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
        let pump = async move {
            loop {
                let mut buf = vec![0u8; CHUNK];
                match reader.read(&mut buf).await {
                    Ok(0) => break,
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.send(Ok(Bytes::from(buf))).await.is_err() {
                            break;
                        }
                    }
                    Err(err) => {
                        let _ = tx.send(Err(err)).await;
                        break;
                    }
                }
            }
        };
        let (_, result) = tokio::join!(pump, self.put_chunks(key, rx, max_bytes));
        result
    }

    /// Writes chunks arriving on `chunks` into `key`, refusing more than `max_bytes`.
    pub async fn put_chunks(
        &self,
        key: &str,
        mut chunks: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
        max_bytes: u64,
    ) -> Result<StoredBlob, WriteError> {
        let path = StorePath::from(key);
        let upload = self
            .store
            .put_multipart(&path)
            .await
            .map_err(|e| WriteError::Failed(ApiError::internal(e)))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, 8 * CHUNK);
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = chunks.recv().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(err) => {
                    let _ = writer.abort().await;
                    return Err(WriteError::Failed(ApiError::internal(err)));
                }
            };
            size += chunk.len() as u64;
            if size > max_bytes {
                let _ = writer.abort().await;
                return Err(WriteError::TooLarge);
            }
            hasher.update(&chunk);
            if let Err(err) = writer.wait_for_capacity(4).await {
                return Err(WriteError::Failed(ApiError::internal(err)));
            }
            writer.put(chunk);
        }
        writer
            .finish()
            .await
            .map_err(|e| WriteError::Failed(ApiError::internal(e)))?;
        Ok(StoredBlob {
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    /// Reads a whole blob, refusing one larger than `max_bytes` (for parsing).
    pub async fn read_all(&self, key: &str, max_bytes: u64) -> ApiResult<Option<Bytes>> {
        let result = self
            .store
            .get(&StorePath::from(key))
            .await
            .map_err(ApiError::internal)?;
        if result.meta.size > max_bytes {
            return Ok(None);
        }
        Ok(Some(result.bytes().await.map_err(ApiError::internal)?))
    }

    /// Writes small bytes (a rendered picture) to `key` in one piece, replacing what was there.
    pub async fn put_bytes(&self, key: &str, bytes: Bytes) -> ApiResult<()> {
        self.store
            .put(&StorePath::from(key), bytes.into())
            .await
            .map(|_| ())
            .map_err(ApiError::internal)
    }

    /// Reads a whole blob, or `None` when there is none under `key`.
    pub async fn get(&self, key: &str) -> ApiResult<Option<Bytes>> {
        let result = match self.store.get(&StorePath::from(key)).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(err) => return Err(ApiError::internal(err)),
        };
        match result.bytes().await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(ApiError::internal(err)),
        }
    }

    /// Every blob whose key starts with the folder `prefix`, with when it was last written.
    pub async fn list(&self, prefix: &str) -> ApiResult<Vec<ListedBlob>> {
        let prefix = StorePath::from(prefix);
        let mut listing = self.store.list(Some(&prefix));
        let mut blobs = Vec::new();
        while let Some(item) = listing.next().await {
            match item {
                Ok(meta) => blobs.push(ListedBlob {
                    key: meta.location.to_string(),
                    modified: meta.last_modified,
                }),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(err) => return Err(ApiError::internal(err)),
            }
        }
        Ok(blobs)
    }

    /// Deletes every blob under the folder `prefix`.
    pub async fn delete_prefix(&self, prefix: &str) -> ApiResult<usize> {
        let blobs = self.list(prefix).await?;
        for blob in &blobs {
            self.delete(&blob.key).await?;
        }
        Ok(blobs.len())
    }

    /// A stream of a blob's bytes (for downloads).
    pub async fn stream(
        &self,
        key: &str,
    ) -> ApiResult<impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + use<>> {
        let result = self
            .store
            .get(&StorePath::from(key))
            .await
            .map_err(ApiError::internal)?;
        Ok(result
            .into_stream()
            .map(|item| item.map_err(std::io::Error::other)))
    }

    /// Copies a blob to a new key (new revisions start from the old files).
    pub async fn copy(&self, from: &str, to: &str) -> ApiResult<()> {
        self.store
            .copy(&StorePath::from(from), &StorePath::from(to))
            .await
            .map_err(ApiError::internal)
    }

    /// Deletes a blob; a missing one is not an error.
    pub async fn delete(&self, key: &str) -> ApiResult<()> {
        match self.store.delete(&StorePath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(ApiError::internal(err)),
        }
    }
}
