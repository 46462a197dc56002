//! The built stylesheet, scripts and wasm under addresses that name their content
//! (`/pkg/{hash}/city_portal.wasm`), so a phone keeps them for a year and fetches them again
//! only after a build that changed them. They are read once at start-up, each with the
//! brotli and gzip copies the build made (`scripts/build-site.sh`), and served from memory:
//! no disk read and no compression per request.
//!
//! The scripts are the wasm-bindgen glue, the main wasm, one wasm chunk per lazy island (and
//! chunks they share) and the splitter's loader, which fetches an island's chunks when a page
//! hydrates that island.

use std::{collections::HashMap, path::Path, sync::Arc};

use axum::{
    body::{Body, Bytes},
    extract::{Path as UrlPath, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use base64::Engine;
use sha2::{Digest, Sha256};

/// The file name the build gives its outputs (`LEPTOS_OUTPUT_NAME`).
pub const OUTPUT_NAME: &str = "city_portal";

/// How long a browser may keep a fingerprinted file without asking: a year, and never
/// revalidated, since a changed file gets a new address.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One file, in each encoding the build made of it.
struct Asset {
    content_type: &'static str,
    plain: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

/// The fingerprinted files and the addresses pages use for them.
pub struct Assets {
    /// By `{hash}/{file}` as it appears after `/pkg/`.
    files: HashMap<String, Asset>,
    /// The stylesheet's address.
    pub stylesheet: String,
    /// The stylesheet itself, which every page carries in its head (see `app::Stylesheet`);
    /// `None` when the build has not made it.
    pub stylesheet_text: Option<Arc<str>>,
    /// Where the scripts and the wasm are, below the site root (`pkg/{hash}`): Leptos's
    /// hydration script builds their addresses from it. They change together (the glue, the
    /// main module and its chunks name each other), so they share one hash.
    pub scripts_dir: String,
}

impl std::fmt::Debug for Assets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assets")
            .field("stylesheet", &self.stylesheet)
            .field("scripts_dir", &self.scripts_dir)
            .finish_non_exhaustive()
    }
}

impl Assets {
    /// Reads `{site_root}/pkg/`: the stylesheet `city_portal.css`, and every script and wasm
    /// file beside `city_portal.js` and `city_portal.wasm`. A file the build has not made (a
    /// test run without the front end) is left out, and its address falls back to the plain
    /// one, served from disk like any static file.
    pub fn load(site_root: &Path) -> Assets {
        let pkg = site_root.join("pkg");
        let mut files = HashMap::new();
        let mut stylesheet_text = None;
        let stylesheet = match read_asset(&pkg.join(format!("{OUTPUT_NAME}.css"))) {
            Some(css) => {
                stylesheet_text = std::str::from_utf8(&css.plain).ok().map(Arc::from);
                let hash = fingerprint(&[(&format!("{OUTPUT_NAME}.css"), &css.plain)]);
                files.insert(format!("{hash}/{OUTPUT_NAME}.css"), css);
                format!("/pkg/{hash}/{OUTPUT_NAME}.css")
            }
            None => format!("/pkg/{OUTPUT_NAME}.css"),
        };
        let scripts = read_scripts(&pkg);
        let has_entry = |extension: &str| {
            scripts
                .iter()
                .any(|(name, _)| *name == format!("{OUTPUT_NAME}.{extension}"))
        };
        let scripts_dir = if has_entry("js") && has_entry("wasm") {
            let parts: Vec<(&String, &Bytes)> = scripts
                .iter()
                .map(|(name, asset)| (name, &asset.plain))
                .collect();
            let hash = fingerprint(&parts);
            for (name, asset) in scripts {
                files.insert(format!("{hash}/{name}"), asset);
            }
            format!("pkg/{hash}")
        } else {
            "pkg".to_owned()
        };
        if files.is_empty() {
            tracing::warn!(root = %site_root.display(), "no built front end: pages work, islands do not");
        }
        Assets {
            files,
            stylesheet,
            stylesheet_text,
            scripts_dir,
        }
    }
}

/// Every `.js` and `.wasm` file of `pkg`, by name, in name order.
fn read_scripts(pkg: &Path) -> Vec<(String, Asset)> {
    let Ok(entries) = std::fs::read_dir(pkg) else {
        return Vec::new();
    };
    let mut scripts: Vec<(String, Asset)> = entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let is_script = name.ends_with(".js") || name.ends_with(".wasm");
            let asset = is_script.then(|| read_asset(&pkg.join(&name))).flatten()?;
            Some((name, asset))
        })
        .collect();
    scripts.sort_by(|a, b| a.0.cmp(&b.0));
    scripts
}

/// A file and the compressed copies of exactly its bytes.
fn read_asset(path: &Path) -> Option<Asset> {
    let content_type = match path.extension()?.to_str()? {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        _ => return None,
    };
    let plain = Bytes::from(std::fs::read(path).ok()?);
    let copy = |encoding: Encoding| {
        let copy_path = format!("{}.{}", path.display(), encoding.suffix());
        let copy = std::fs::read(&copy_path).ok()?;
        // A copy left from an earlier build would be served for a year under this
        // build's address: only a copy of exactly these bytes is kept.
        if encoding.decodes_to(&copy, &plain) {
            Some(Bytes::from(copy))
        } else {
            tracing::warn!(file = %copy_path, "a compressed copy that does not match its file: not served");
            None
        }
    };
    Some(Asset {
        content_type,
        brotli: copy(Encoding::Brotli),
        gzip: copy(Encoding::Gzip),
        plain,
    })
}

/// The compressed copies the build makes beside each file.
#[derive(Clone, Copy)]
enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    fn suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gz",
        }
    }

    /// Whether `copy` decodes to exactly `plain`; a copy that would decode to more is cut
    /// off one byte past it, so a broken one costs no more memory than a good one.
    fn decodes_to(self, copy: &[u8], plain: &[u8]) -> bool {
        use std::io::Read;
        let limit = plain.len() as u64 + 1;
        let mut decoded = Vec::with_capacity(plain.len());
        let read = match self {
            Encoding::Brotli => brotli_decompressor::Decompressor::new(copy, 64 * 1024)
                .take(limit)
                .read_to_end(&mut decoded),
            Encoding::Gzip => flate2::read::GzDecoder::new(copy)
                .take(limit)
                .read_to_end(&mut decoded),
        };
        read.is_ok() && decoded == plain
    }
}

/// The first 72 bits of the SHA-256 of the named `parts`, in base64url: 12 characters.
fn fingerprint<N: AsRef<str>, B: AsRef<[u8]>>(parts: &[(N, B)]) -> String {
    let mut hasher = Sha256::new();
    for (name, bytes) in parts {
        // Lengths first, so that no two different sets of files hash alike.
        hasher.update((name.as_ref().len() as u64).to_le_bytes());
        hasher.update(name.as_ref());
        hasher.update((bytes.as_ref().len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let digest = hasher.finalize();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..9])
}

/// `GET /pkg/{hash}/{file}`: the file in the best encoding the browser takes. An unknown
/// hash (an old page asking after a new build) is a 404, so no old address is ever
/// answered with new content that would then be kept for a year.
pub async fn serve(
    State(assets): State<std::sync::Arc<Assets>>,
    UrlPath((hash, file)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(asset) = assets.files.get(&format!("{hash}/{file}")) else {
        // Another build's address (a rolling deploy): no cache may keep this answer.
        return (
            StatusCode::NOT_FOUND,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        )
            .into_response();
    };
    let accepts = |encoding: &str| {
        headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|item| {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or_default().trim();
                let refused =
                    parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
                name.eq_ignore_ascii_case(encoding) && !refused
            })
    };
    let (body, encoding) = match (&asset.brotli, &asset.gzip) {
        (Some(brotli), _) if accepts("br") => (brotli, Some("br")),
        (_, Some(gzip)) if accepts("gzip") => (gzip, Some("gzip")),
        _ => (&asset.plain, None),
    };
    let mut response = Response::new(Body::from(body.clone()));
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(encoding) = encoding {
        response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{body::to_bytes, extract::Request, routing::get, Router};
    use tower::ServiceExt;

    fn built_site() -> tempfile::TempDir {
        let site = tempfile::tempdir().expect("a temporary directory");
        let pkg = site.path().join("pkg");
        std::fs::create_dir(&pkg).expect("pkg");
        for (file, bytes) in [
            ("city_portal.css", &b"body{}"[..]),
            ("city_portal.css.br", &brotli_of(b"body{}")),
            ("city_portal.js", b"export default 1"),
            ("city_portal.wasm", b"\0asm"),
            ("city_portal.wasm.gz", &gzip_of(b"\0asm")),
        ] {
            std::fs::write(pkg.join(file), bytes).expect("written");
        }
        site
    }

    fn brotli_of(bytes: &[u8]) -> Vec<u8> {
        let mut compressed = Vec::new();
        brotli::BrotliCompress(&mut &bytes[..], &mut compressed, &Default::default())
            .expect("compressed");
        compressed
    }

    fn gzip_of(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).expect("compressed");
        encoder.finish().expect("compressed")
    }

    async fn get_asset(assets: Assets, path: &str, accept: &str) -> Response {
        let app = Router::new()
            .route("/pkg/{hash}/{file}", get(serve))
            .with_state(std::sync::Arc::new(assets));
        let request = Request::get(path)
            .header(header::ACCEPT_ENCODING, accept)
            .body(Body::empty())
            .expect("a request");
        app.oneshot(request).await.expect("an answer")
    }

    #[tokio::test]
    async fn a_fingerprinted_file_is_kept_for_good_in_the_encoding_the_browser_takes() {
        let site = built_site();
        let assets = Assets::load(site.path());
        let stylesheet = assets.stylesheet.clone();
        assert!(stylesheet.starts_with("/pkg/") && stylesheet.ends_with("/city_portal.css"));
        assert_ne!(stylesheet, "/pkg/city_portal.css");
        let response = get_asset(assets, &stylesheet, "gzip, br").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CACHE_CONTROL], IMMUTABLE);
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
        let body = to_bytes(response.into_body(), 1024).await.expect("a body");
        assert_eq!(&body[..], brotli_of(b"body{}"));

        let assets = Assets::load(site.path());
        let wasm = format!("/{}/city_portal.wasm", assets.scripts_dir);
        let response = get_asset(assets, &wasm, "br;q=0, gzip").await;
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/wasm");
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");

        let assets = Assets::load(site.path());
        let response = get_asset(assets, &wasm, "identity").await;
        assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
        let body = to_bytes(response.into_body(), 1024).await.expect("a body");
        assert_eq!(&body[..], b"\0asm");
    }

    #[tokio::test]
    async fn a_changed_file_gets_a_new_address_and_the_old_one_is_not_answered() {
        let site = built_site();
        let before = Assets::load(site.path());
        std::fs::write(site.path().join("pkg/city_portal.wasm"), b"\0asm, rebuilt")
            .expect("written");
        let after = Assets::load(site.path());
        assert_ne!(before.scripts_dir, after.scripts_dir);
        assert_eq!(
            before.stylesheet, after.stylesheet,
            "the stylesheet did not change"
        );
        let old = format!("/{}/city_portal.wasm", before.scripts_dir);
        let response = get_asset(after, &old, "br").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    }

    #[tokio::test]
    async fn a_compressed_copy_left_from_another_build_is_not_served() {
        let site = built_site();
        let pkg = site.path().join("pkg");
        std::fs::write(pkg.join("city_portal.wasm"), b"\0asm, rebuilt").expect("written");
        std::fs::write(pkg.join("city_portal.css.br"), b"not brotli at all").expect("written");
        let assets = Assets::load(site.path());
        let wasm = format!("/{}/city_portal.wasm", assets.scripts_dir);
        let response = get_asset(assets, &wasm, "gzip").await;
        assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
        let body = to_bytes(response.into_body(), 1024).await.expect("a body");
        assert_eq!(
            &body[..],
            b"\0asm, rebuilt",
            "the new file, not the stale copy"
        );

        let assets = Assets::load(site.path());
        let stylesheet = assets.stylesheet.clone();
        let response = get_asset(assets, &stylesheet, "br").await;
        assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
        let body = to_bytes(response.into_body(), 1024).await.expect("a body");
        assert_eq!(&body[..], b"body{}");
    }

    #[tokio::test]
    async fn the_chunks_of_a_split_wasm_are_served_beside_it_and_change_its_address() {
        let site = built_site();
        let pkg = site.path().join("pkg");
        let loader = "__wasm_split.______________________.js";
        for (file, bytes) in [
            ("split_locator_123.wasm", &b"\0asm locator"[..]),
            ("chunk_0.wasm", b"\0asm shared"),
            (loader, b"export function load() {}"),
            ("notes.txt", b"not a script"),
        ] {
            std::fs::write(pkg.join(file), bytes).expect("written");
        }
        let before = Assets::load(site.path());
        for file in ["split_locator_123.wasm", "chunk_0.wasm", loader] {
            let address = format!("/{}/{file}", before.scripts_dir);
            let response = get_asset(Assets::load(site.path()), &address, "br").await;
            assert_eq!(response.status(), StatusCode::OK, "{file}");
        }
        let other = format!("/{}/notes.txt", before.scripts_dir);
        let response = get_asset(Assets::load(site.path()), &other, "br").await;
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "only scripts and wasm"
        );

        std::fs::write(pkg.join("chunk_0.wasm"), b"\0asm shared, rebuilt").expect("written");
        let after = Assets::load(site.path());
        assert_ne!(
            before.scripts_dir, after.scripts_dir,
            "a chunk is part of the bundle"
        );
    }

    #[test]
    fn without_a_built_front_end_the_plain_addresses_stay() {
        let site = tempfile::tempdir().expect("a temporary directory");
        let assets = Assets::load(site.path());
        assert_eq!(assets.stylesheet, "/pkg/city_portal.css");
        assert_eq!(assets.scripts_dir, "pkg");
    }
}
