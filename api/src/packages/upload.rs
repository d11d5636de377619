//! Taking uploaded files into the blob store: plain files as they are, zips unpacked safely.
//!
//! A zip is checked member by member before anything of it is kept: no path that climbs out of
//! the archive or starts at a root, no links, no nested archives, no name given twice (after path
//! normalization) or holding control characters, no member over the file limit, no compression
//! ratio over 100:1 (declared or actual). The whole request, every zip unpacked and every plain
//! file together, is held to one byte budget (`FIRSTPASS_MAX_UNPACKED_BYTES`) and one file count
//! (`FIRSTPASS_MAX_UPLOAD_FILES`). Everything is unpacked and checked into temporary files before
//! the first blob is written; any violation refuses the whole upload with a message naming the
//! archive, the member and the rule, and nothing is stored.

use crate::blobs::WriteError;
use crate::config::Limits;
use crate::context::AppState;
use crate::error::{ApiError, ApiResult};
use firstpass_shared::cad::{guess_file_kind, FileKind};
use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};
use uuid::Uuid;

/// Highest compression ratio accepted for a zip member.
const MAX_RATIO: u64 = 100;
/// Most members a zip may have (the request-wide file count applies too).
const MAX_MEMBERS: usize = 2000;
/// Signature of a central directory file header.
const CENTRAL_HEADER: u32 = 0x0201_4b50;
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
    let limits = state.limits;
    // Unpacking and checking is blocking file work: off the async runtime, and complete before
    // the first blob is written, so a refused request stores nothing at all.
    let members = tokio::task::spawn_blocking(move || collect(incoming, &limits))
        .await
        .map_err(ApiError::internal)??;
    let mut stored = Vec::with_capacity(members.len());
    match store_members(state, package_id, members, &mut stored).await {
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

async fn store_members(
    state: &AppState,
    package_id: Uuid,
    members: Vec<Member>,
    stored: &mut Vec<Stored>,
) -> ApiResult<()> {
    let limits = state.limits;
    for member in members {
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
    Ok(())
}

/// One file to store: a plain upload or an unpacked zip member (in a temporary file).
struct Member {
    name: String,
    head: Vec<u8>,
    content: std::fs::File,
}

/// What is left of the request's allowance while its files are taken in.
struct Budget {
    files_left: usize,
    bytes_left: u64,
    max_file: u64,
    max_files: usize,
    max_bytes: u64,
    names: HashSet<String>,
}

impl Budget {
    fn new(limits: &Limits) -> Self {
        Self {
            files_left: limits.max_upload_files,
            bytes_left: limits.max_unpacked_bytes,
            max_file: limits.max_file_bytes,
            max_files: limits.max_upload_files,
            max_bytes: limits.max_unpacked_bytes,
            names: HashSet::new(),
        }
    }

    fn too_many_files(&self) -> String {
        format!(
            "the upload holds more than the {} files allowed per request (FIRSTPASS_MAX_UPLOAD_FILES)",
            self.max_files
        )
    }

    fn too_many_bytes(&self) -> String {
        format!(
            "the upload unpacks to more than the {} allowed per request (FIRSTPASS_MAX_UNPACKED_BYTES)",
            mb(self.max_bytes)
        )
    }

    /// Counts one more file against the request's file count.
    fn take_file(&mut self) -> Result<(), String> {
        if self.files_left == 0 {
            return Err(self.too_many_files());
        }
        self.files_left -= 1;
        Ok(())
    }

    /// Counts `bytes` against the request's byte budget.
    fn take_bytes(&mut self, bytes: u64) -> Result<(), String> {
        if bytes > self.bytes_left {
            return Err(self.too_many_bytes());
        }
        self.bytes_left -= bytes;
        Ok(())
    }

    /// Records a (normalized) file name; false when the request already holds it.
    fn take_name(&mut self, name: &str) -> bool {
        self.names.insert(name.to_owned())
    }
}

/// Takes in every incoming file, unpacking zips into temporary files, within the request's
/// budget; refuses the whole request at the first rule broken.
fn collect(incoming: Vec<Incoming>, limits: &Limits) -> ApiResult<Vec<Member>> {
    let mut budget = Budget::new(limits);
    let mut members = Vec::new();
    for mut file in incoming {
        let name = clean_name(&file.name)?;
        if is_zip(&name) {
            members.extend(unpack(file.content, &name, &mut budget)?);
            continue;
        }
        let size = file.content.metadata().map_err(ApiError::internal)?.len();
        if size > budget.max_file {
            return Err(ApiError::bad_input(format!(
                "\"{name}\" is larger than the {} file limit (FIRSTPASS_MAX_FILE_BYTES)",
                mb(budget.max_file)
            )));
        }
        budget.take_file().map_err(ApiError::bad_input)?;
        budget.take_bytes(size).map_err(ApiError::bad_input)?;
        if !budget.take_name(&name) {
            return Err(ApiError::bad_input(format!(
                "\"{name}\" appears twice in this upload"
            )));
        }
        let head = read_head(&mut file.content).map_err(ApiError::internal)?;
        members.push(Member {
            name,
            head,
            content: file.content,
        });
    }
    Ok(members)
}

/// A member name as the person wrote it, with control characters made visible.
fn shown(name: &str) -> String {
    name.escape_debug().to_string()
}

/// The raw names of every entry of a zip's central directory, duplicates included (the zip
/// reader keeps only the last entry of a name, so duplicates must be found here).
fn central_names(
    file: &mut std::fs::File,
    start: u64,
    limit: usize,
) -> std::io::Result<Vec<Vec<u8>>> {
    let mut reader = std::io::BufReader::new(file);
    reader.seek(SeekFrom::Start(start))?;
    let mut names = Vec::new();
    let mut fixed = [0u8; 46];
    while names.len() <= limit {
        if reader.read_exact(&mut fixed).is_err() {
            break;
        }
        let signature = u32::from_le_bytes([fixed[0], fixed[1], fixed[2], fixed[3]]);
        if signature != CENTRAL_HEADER {
            break;
        }
        let name_len = u16::from_le_bytes([fixed[28], fixed[29]]) as usize;
        let extra_len = u16::from_le_bytes([fixed[30], fixed[31]]) as i64;
        let comment_len = u16::from_le_bytes([fixed[32], fixed[33]]) as i64;
        let mut name = vec![0u8; name_len];
        reader.read_exact(&mut name)?;
        reader.seek_relative(extra_len + comment_len)?;
        names.push(name);
    }
    Ok(names)
}

/// Unpacks a zip into temporary files, enforcing every rule in the module documentation.
fn unpack(
    content: std::fs::File,
    archive_name: &str,
    budget: &mut Budget,
) -> ApiResult<Vec<Member>> {
    let refuse = |member: &str, why: String| {
        ApiError::bad_input(format!("{archive_name}: {}: {why}", shown(member)))
    };
    let unreadable = |e: &dyn std::fmt::Display| {
        ApiError::bad_input(format!("{archive_name}: not a readable zip archive ({e})"))
    };
    let archive = zip::ZipArchive::new(content).map_err(|e| unreadable(&e))?;
    if archive.len() > MAX_MEMBERS {
        return Err(ApiError::bad_input(format!(
            "{archive_name}: {} members is more than the {MAX_MEMBERS} allowed",
            archive.len()
        )));
    }
    // The reader keeps one entry per name: read the directory itself for names given twice.
    let start = archive.central_directory_start();
    let mut content = archive.into_inner();
    let raw_names = central_names(&mut content, start, MAX_MEMBERS).map_err(|e| unreadable(&e))?;
    if raw_names.len() > MAX_MEMBERS {
        return Err(ApiError::bad_input(format!(
            "{archive_name}: more members than the {MAX_MEMBERS} allowed"
        )));
    }
    let mut seen = HashSet::new();
    for raw in &raw_names {
        if !raw.ends_with(b"/") && !seen.insert(raw.as_slice()) {
            return Err(refuse(
                &String::from_utf8_lossy(raw),
                "the archive holds this name more than once".into(),
            ));
        }
    }
    let mut archive = zip::ZipArchive::new(content).map_err(|e| unreadable(&e))?;
    let mut members = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| {
            ApiError::bad_input(format!(
                "{archive_name}: member {index} cannot be read ({e})"
            ))
        })?;
        let raw_name = entry.name().to_owned();
        if raw_name.chars().any(char::is_control) {
            return Err(refuse(
                &raw_name,
                "the name holds control characters (such as a line break)".into(),
            ));
        }
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
        if name.is_empty() || name.chars().count() > 1000 {
            return Err(refuse(&raw_name, "not a usable file name".into()));
        }
        if is_archive_name(&name) {
            return Err(refuse(
                &raw_name,
                "archives inside archives are not accepted; upload it on its own".into(),
            ));
        }
        if !budget.take_name(&name) {
            return Err(refuse(
                &raw_name,
                format!(
                    "\"{}\" appears twice in this upload (after path normalization)",
                    shown(&name)
                ),
            ));
        }
        budget.take_file().map_err(|why| refuse(&raw_name, why))?;
        let declared = entry.size();
        let compressed = entry.compressed_size().max(1);
        if declared > budget.max_file {
            return Err(refuse(
                &raw_name,
                format!(
                    "{} unpacked is over the {} file limit (FIRSTPASS_MAX_FILE_BYTES)",
                    mb(declared),
                    mb(budget.max_file)
                ),
            ));
        }
        if declared > budget.bytes_left {
            return Err(refuse(&raw_name, budget.too_many_bytes()));
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
        let allowed = budget
            .max_file
            .min(compressed.saturating_mul(MAX_RATIO))
            .min(budget.bytes_left);
        let mut temp = tempfile::tempfile().map_err(ApiError::internal)?;
        let copied = std::io::copy(&mut (&mut entry).take(allowed + 1), &mut temp)
            .map_err(|e| refuse(&raw_name, format!("cannot be unpacked ({e})")))?;
        if copied > allowed {
            let why = if copied > budget.bytes_left {
                budget.too_many_bytes()
            } else {
                format!(
                    "unpacks to more than allowed ({} file limit (FIRSTPASS_MAX_FILE_BYTES), {MAX_RATIO}:1 ratio)",
                    mb(budget.max_file)
                )
            };
            return Err(refuse(&raw_name, why));
        }
        budget
            .take_bytes(copied)
            .map_err(|why| refuse(&raw_name, why))?;
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
