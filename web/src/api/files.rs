//! Package files on the wire: downloads with the bearer token (`GET /files/{id}`), saving
//! bytes through a Blob URL, and uploads as GraphQL multipart requests with progress.
//!
//! Uploads use `XMLHttpRequest` rather than `fetch`: only it reports upload progress. Each
//! upload is one request per the GraphQL multipart request spec: the fields `operations` (the
//! query with `null` in place of each file), `map` (which field fills which variable), then
//! the files themselves as fields `0`, `1`, ….

use std::cell::RefCell;
use std::rc::Rc;

use firstpass_shared::domain::ErrorCode;
use futures::channel::oneshot;
use gloo_net::http::Request;
use serde_json::json;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::{decode, ApiError};

/// Where the server answers GraphQL (uploads go there too).
const ENDPOINT: &str = "/graphql";

/// The upload mutation; the answer is only checked for errors (the page reloads the package).
const UPLOAD_MUTATION: &str = "mutation Upload($packageId: ID!, $files: [Upload!]!) { \
     uploadPackageFiles(packageId: $packageId, files: $files) { id } }";

/// Fetches the bytes at `url` (a package file's `downloadUrl`) with the access token.
pub async fn download(url: &str, token: &str) -> Result<Vec<u8>, ApiError> {
    let response = Request::get(url)
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    match response.status() {
        200..=299 => response
            .binary()
            .await
            .map_err(|e| ApiError::Network(e.to_string())),
        status => Err(status_error(status)),
    }
}

/// What a non-GraphQL HTTP status means to the pages.
fn status_error(status: u16) -> ApiError {
    let code = match status {
        401 => Some(ErrorCode::Unauthenticated),
        403 => Some(ErrorCode::Forbidden),
        404 => Some(ErrorCode::NotFound),
        413 => Some(ErrorCode::BadUserInput),
        429 => Some(ErrorCode::RateLimited),
        _ => None,
    };
    ApiError::Server {
        code,
        message: format!("the server answered HTTP {status}"),
    }
}

/// Offers `bytes` to the user as a download named `name` (a Blob URL and a clicked link).
pub fn save(name: &str, bytes: &[u8]) -> Result<(), ApiError> {
    save_typed(name, "application/octet-stream", bytes)
}

/// Offers text made in the browser (a CSV export) as a download named `name`.
pub fn save_text(name: &str, mime: &str, text: &str) -> Result<(), ApiError> {
    save_typed(name, mime, text.as_bytes())
}

/// Offers `bytes` of type `mime` as a download named `name`.
pub fn save_typed(name: &str, mime: &str, bytes: &[u8]) -> Result<(), ApiError> {
    let fail = |e: JsValue| ApiError::Protocol(format!("cannot save the file: {e:?}"));
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| ApiError::Protocol("no document".to_owned()))?;
    let link: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.unchecked_into();
    link.set_href(&url);
    link.set_download(name.rsplit('/').next().unwrap_or(name));
    link.click();
    // The click has handed the URL to the browser's download; it may go now.
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The bytes of a file the user picked or dropped.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, ApiError> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| ApiError::Protocol(format!("cannot read {}: {e:?}", file.name())))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Uploads `file` into the package, calling `progress` with the fraction sent (0.0 to 1.0).
pub async fn upload(
    package_id: &str,
    file: &web_sys::File,
    token: &str,
    progress: impl Fn(f64) + 'static,
) -> Result<(), ApiError> {
    let operations = json!({
        "query": UPLOAD_MUTATION,
        "variables": { "packageId": package_id, "files": [null] },
    });
    upload_multipart(operations, file, token, progress)
        .await
        .map(|_| ())
}

/// The FAI evidence mutation; the answer carries the report's evidence list.
const EVIDENCE_MUTATION: &str = "mutation Evidence($reportId: ID!, $characteristicId: ID, \
     $files: [Upload!]!) { uploadFaiEvidence(reportId: $reportId, \
     characteristicId: $characteristicId, files: $files) { evidence { id characteristicId name \
     sizeBytes sha256 createdAt } } }";

/// Attaches `file` as evidence to an FAI report (or one of its characteristics), calling
/// `progress` with the fraction sent; answers the report's evidence as JSON (the
/// `uploadFaiEvidence.evidence` list).
pub async fn upload_evidence(
    report_id: &str,
    characteristic_id: Option<&str>,
    file: &web_sys::File,
    token: &str,
    progress: impl Fn(f64) + 'static,
) -> Result<serde_json::Value, ApiError> {
    let operations = json!({
        "query": EVIDENCE_MUTATION,
        "variables": {
            "reportId": report_id,
            "characteristicId": characteristic_id,
            "files": [null],
        },
    });
    let data = upload_multipart(operations, file, token, progress).await?;
    Ok(data["uploadFaiEvidence"]["evidence"].clone())
}

/// Sends one GraphQL multipart request whose `variables.files` takes `file`; answers `data`.
async fn upload_multipart(
    operations: serde_json::Value,
    file: &web_sys::File,
    token: &str,
    progress: impl Fn(f64) + 'static,
) -> Result<serde_json::Value, ApiError> {
    let fail = |e: JsValue| ApiError::Protocol(format!("cannot start the upload: {e:?}"));
    let map = json!({ "0": ["variables.files.0"] });
    let form = web_sys::FormData::new().map_err(fail)?;
    form.append_with_str("operations", &operations.to_string())
        .map_err(fail)?;
    form.append_with_str("map", &map.to_string())
        .map_err(fail)?;
    form.append_with_blob_and_filename("0", file, &file.name())
        .map_err(fail)?;

    let xhr = web_sys::XmlHttpRequest::new().map_err(fail)?;
    xhr.open("POST", ENDPOINT).map_err(fail)?;
    xhr.set_request_header("Authorization", &format!("Bearer {token}"))
        .map_err(fail)?;
    xhr.set_request_header("Accept", "application/json")
        .map_err(fail)?;

    let (done_tx, done_rx) = oneshot::channel::<bool>();
    let done_tx = Rc::new(RefCell::new(Some(done_tx)));
    let finish = {
        let done_tx = done_tx.clone();
        move |loaded: bool| {
            if let Some(tx) = done_tx.borrow_mut().take() {
                let _ = tx.send(loaded);
            }
        }
    };
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                progress(event.loaded() / event.total());
            }
        });
    let on_load = Closure::<dyn FnMut()>::new({
        let finish = finish.clone();
        move || finish(true)
    });
    let on_error = Closure::<dyn FnMut()>::new(move || finish(false));
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(on_error.as_ref().unchecked_ref()));
    xhr.send_with_opt_form_data(Some(&form)).map_err(fail)?;

    let loaded = done_rx.await.unwrap_or(false);
    // The closures must outlive the request; drop them only now.
    drop((on_progress, on_load, on_error));
    if !loaded {
        return Err(ApiError::Network(format!(
            "the upload of {} failed",
            file.name()
        )));
    }
    let status = xhr.status().unwrap_or(0);
    let body = xhr.response_text().ok().flatten().unwrap_or_default();
    decode::<serde_json::Value>(status, &body)
}
