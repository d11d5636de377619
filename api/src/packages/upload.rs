//! Taking uploaded files into the blob store: plain files as they are, zips unpacked safely.
//!
//! A zip is checked member by member before anything of it is kept: no path that climbs out of
//! the archive or starts at a root, no links, no nested archives, no member or total over the
//! size limits, no compression ratio over 100:1 (declared or actual). Any violation refuses the
//! whole upload with a message naming the archive, the member and the rule, and every blob
//! already written for the request is deleted again: nothing partial is left behind.

use crate::blobs::WriteError;
use crate::context::AppState;
use crate::error::{ApiError, ApiResult};
use firstpass_shared::cad::{guess_file_kind, FileKind};
use std::io::{Read, Seek, SeekFrom};
use uuid::Uuid;

/// Highest compression ratio accepted for a zip member.
const MAX_RATIO: u64 = 100;
/// Most members a zip may have.
const MAX_MEMBERS: usize = 2000;
/// Bytes read from the start of a file to guess its kind.
const HEAD: usize = 8192;

/// A file as it arrived in the request (spooled to a temporary file by the multipart reader).
pub struct Incoming {
    /// The client's file name.
    pub name: String,
    /// The content.
    pub content: std::fs::File,
}

/// A file now in the blob store, not yet recorded in the database.
#[derive(Debug, Clone)]
pub struct Stored {
    /// New file id (also in the storage key).
    pub id: Uuid,
    /// File name, folders inside a zip kept with `/`.
    pub name: String,
    /// Kind guessed from name and content.
    pub kind: FileKind,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256.
    pub sha256: String,
    /// Blob key.
    pub storage_key: String,
}

/// The blob key of a package file.
pub fn storage_key(package_id: Uuid, file_id: Uuid) -> String {
    format!("packages/{package_id}/{file_id}")
}

fn mb(bytes: u64) -> String {
    format!("{} MB", bytes / 1_000_000)
}

/// Keeps only a safe base name of a client-supplied file name.
pub fn clean_name(raw: &str) -> ApiResult<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw).trim();
    if base.is_empty() || base == "." || base == ".." {
        return Err(ApiError::bad_input(format!(
            "\"{raw}\" is not a usable file name"
        )));
    }
    if base.chars().any(char::is_control) || base.chars().count() > 255 {
        return Err(ApiError::bad_input(format!(
            "\"{raw}\" is not a usable file name"
        )));
    }
    Ok(base.to_owned())
}

/// A zip to unpack: by name only, since XLSX workbooks and other office files are zips too.
fn is_zip(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".zip")
}

fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".zip", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}

fn read_head(file: &mut std::fs::File) -> std::io::Result<Vec<u8>> {
    let mut head = vec![0u8; HEAD];
    let mut filled = 0;
    while filled < HEAD {
        let n = file.read(&mut head[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    head.truncate(filled);
    file.seek(SeekFrom::Start(0))?;
    Ok(head)
}

/// Stores every incoming file (unpacking zips) or none of them.
pub async fn store_all(
    state: &AppState,
    package_id: Uuid,
    incoming: Vec<Incoming>,
) -> ApiResult<Vec<Stored>> {
    let mut stored = Vec::new();
    match store_each(state, package_id, incoming, &mut stored).await {
        Ok(()) => Ok(stored),
        Err(err) => {
            discard(state, &stored).await;
            Err(err)
        }
    }
}

/// Deletes blobs written for a request that did not complete.
pub async fn discard(state: &AppState, stored: &[Stored]) {
    for file in stored {
        if let Err(err) = state.blobs.delete(&file.storage_key).await {
            tracing::warn!(key = %file.storage_key, error = ?err, "could not delete an orphaned blob");
        }
    }
}

async fn store_each(
    state: &AppState,
    package_id: Uuid,
    incoming: Vec<Incoming>,
    stored: &mut Vec<Stored>,
) -> ApiResult<()> {
    let limits = state.limits;
    let mut names = std::collections::HashSet::new();
    for mut file in incoming {
        let name = clean_name(&file.name)?;
        let head = read_head(&mut file.content).map_err(ApiError::internal)?;
        let members = if is_zip(&name) {
            let archive = name.clone();
            let content = file.content;
            tokio::task::spawn_blocking(move || {
                unpack(
                    content,
                    &archive,
                    limits.max_file_bytes,
                    limits.max_upload_bytes,
                )
            })
            .await
            .map_err(ApiError::internal)??
        } else {
            vec![Member {
                name: name.clone(),
                head,
                content: file.content,
            }]
        };
        for member in members {
            if !names.insert(member.name.clone()) {
                return Err(ApiError::bad_input(format!(
                    "\"{}\" appears twice in this upload",
                    member.name
                )));
            }
            let id = Uuid::now_v7();
            let key = storage_key(package_id, id);
            let kind = guess_file_kind(&member.name, &member.head);
            let reader = tokio::fs::File::from_std(member.content);
            let blob = match state
                .blobs
                .put_reader(&key, reader, limits.max_file_bytes)
                .await
            {
                Ok(blob) => blob,
                Err(WriteError::TooLarge) => {
                    return Err(ApiError::bad_input(format!(
                        "\"{}\" is larger than the {} file limit (FIRSTPASS_MAX_FILE_BYTES)",
                        member.name,
                        mb(limits.max_file_bytes)
                    )))
                }
                Err(WriteError::Failed(err)) => return Err(err),
            };
            stored.push(Stored {
                id,
                name: member.name,
                kind,
                size: blob.size,
                sha256: blob.sha256,
                storage_key: key,
            });
        }
    }
    Ok(())
}

/// One file to store: a plain upload or an unpacked zip member (in a temporary file).
struct Member {
    name: String,
    head: Vec<u8>,
    content: std::fs::File,
}

/// Unpacks a zip into temporary files, enforcing every rule in the module documentation.
fn unpack(
    content: std::fs::File,
    archive_name: &str,
    max_file: u64,
    max_total: u64,
) -> ApiResult<Vec<Member>> {
    let refuse =
        |member: &str, why: String| ApiError::bad_input(format!("{archive_name}: {member}: {why}"));
    let mut archive = zip::ZipArchive::new(content).map_err(|e| {
        ApiError::bad_input(format!("{archive_name}: not a readable zip archive ({e})"))
    })?;
    if archive.len() > MAX_MEMBERS {
        return Err(ApiError::bad_input(format!(
            "{archive_name}: {} members is more than the {MAX_MEMBERS} allowed",
            archive.len()
        )));
    }
    let mut members = Vec::new();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| {
            ApiError::bad_input(format!(
                "{archive_name}: member {index} cannot be read ({e})"
            ))
        })?;
        let raw_name = entry.name().to_owned();
        if entry.is_dir() || raw_name.starts_with("__MACOSX/") || raw_name.ends_with(".DS_Store") {
            continue;
        }
        if entry.is_symlink() {
            return Err(refuse(&raw_name, "links are not accepted".into()));
        }
        let Some(path) = entry.enclosed_name() else {
            return Err(refuse(
                &raw_name,
                "the path leaves the archive folder (absolute path or `..`)".into(),
            ));
        };
        if raw_name.starts_with('/') || raw_name.starts_with('\\') || raw_name.contains("..") {
            return Err(refuse(
                &raw_name,
                "the path leaves the archive folder (absolute path or `..`)".into(),
            ));
        }
        let name = path
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if is_archive_name(&name) {
            return Err(refuse(
                &raw_name,
                "archives inside archives are not accepted; upload it on its own".into(),
            ));
        }
        let declared = entry.size();
        let compressed = entry.compressed_size().max(1);
        if declared > max_file {
            return Err(refuse(
                &raw_name,
                format!(
                    "{} unpacked is over the {} file limit",
                    mb(declared),
                    mb(max_file)
                ),
            ));
        }
        if declared / compressed > MAX_RATIO {
            return Err(refuse(
                &raw_name,
                format!(
                    "compression ratio {}:1 is over the {MAX_RATIO}:1 limit",
                    declared / compressed
                ),
            ));
        }
        // Declared sizes can lie: enforce the limits on what actually comes out.
        let allowed = max_file
            .min(compressed.saturating_mul(MAX_RATIO))
            .min(max_total.saturating_sub(total));
        let mut temp = tempfile::tempfile().map_err(ApiError::internal)?;
        let copied = std::io::copy(&mut (&mut entry).take(allowed + 1), &mut temp)
            .map_err(|e| refuse(&raw_name, format!("cannot be unpacked ({e})")))?;
        if copied > allowed {
            return Err(refuse(
                &raw_name,
                format!(
                    "unpacks to more than allowed ({} file limit, {} request limit, {MAX_RATIO}:1 ratio)",
                    mb(max_file),
                    mb(max_total)
                ),
            ));
        }
        total += copied;
        temp.seek(SeekFrom::Start(0)).map_err(ApiError::internal)?;
        let head = read_head(&mut temp).map_err(ApiError::internal)?;
        members.push(Member {
            name,
            head,
            content: temp,
        });
    }
    if members.is_empty() {
        return Err(ApiError::bad_input(format!(
            "{archive_name}: the archive holds no files"
        )));
    }
    Ok(members)
}
