//! `site-wasm INPUT.wasm OUT_DIR OUT_NAME [--split]`
//!
//! The step between `cargo build --target wasm32-unknown-unknown` and the site: with `--split`,
//! every `#[lazy]` function (Leptos's `#[island(lazy)]`) moves to a chunk of its own (code
//! several islands share to chunks of their own), which the splitter's loader fetches when a
//! page hydrates that island; then wasm-bindgen writes the web glue (`OUT_NAME.js`) and the
//! main module (`OUT_NAME.wasm`). Prints every wasm file it wrote, one a line, for wasm-opt.
//!
//! The glue and the wasm are then made smaller than wasm-bindgen leaves them (see [`shrink`]).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

mod shrink;

/// The module the main wasm imports the loader from: Leptos's name for it, whose underscores
/// hold the place of a content hash (the portal puts its hash in the directory instead).
const SPLIT_LOADER: &str = "__wasm_split.______________________.js";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, out_dir, out_name, split) = match args.as_slice() {
        [input, out_dir, out_name] => (input, out_dir, out_name, false),
        [input, out_dir, out_name, flag] if flag == "--split" => (input, out_dir, out_name, true),
        _ => bail!("usage: site-wasm INPUT.wasm OUT_DIR OUT_NAME [--split]"),
    };
    let input = Path::new(input);
    let out_dir = Path::new(out_dir);
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    remove_earlier_output(out_dir, out_name)?;

    let mut written = Vec::new();
    let bindgen_input = if split {
        let (main_module, chunks) = split_lazy_functions(input, out_dir, out_name)?;
        written.extend(chunks);
        main_module
    } else {
        input.to_path_buf()
    };

    let mut bound = wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&bindgen_input)
        .out_name(out_name)
        .web(true)?
        .typescript(false)
        // The splitter's chunks call into the main module by these exports and names.
        .keep_lld_exports(split)
        .demangle(!split)
        .generate_output()
        .context("wasm-bindgen")?;
    let unused = shrink::unused_classes(bound.js());
    shrink::remove_exports(bound.wasm_mut(), &unused);
    // The splitter's loader links the chunks to the main module by some of its exports'
    // names: those keep them.
    let loader = if split {
        let path = out_dir.join(SPLIT_LOADER);
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?
    } else {
        String::new()
    };
    let glue_module = format!("./{out_name}_bg.js");
    let renamed = shrink::shorten_names(bound.wasm_mut(), &glue_module, |name| {
        shrink::names_whole(&loader, name)
    });
    bound
        .emit(out_dir)
        .context("writing wasm-bindgen's output")?;
    let glue_path = out_dir.join(format!("{out_name}.js"));
    let glue = std::fs::read_to_string(&glue_path)
        .with_context(|| format!("reading {}", glue_path.display()))?;
    let glue = shrink::without_classes(&glue, &unused)?;
    std::fs::write(&glue_path, shrink::rename_in_glue(&glue, &renamed)?)?;
    // wasm-bindgen names the module `{name}_bg.wasm`; Leptos's hydration script asks for
    // `{name}.wasm`.
    let main_wasm = out_dir.join(format!("{out_name}.wasm"));
    std::fs::rename(out_dir.join(format!("{out_name}_bg.wasm")), &main_wasm)?;
    written.insert(0, main_wasm);

    for file in written {
        println!("{}", file.display());
    }
    Ok(())
}

/// Splits `input` at its lazy functions: the chunks and their loader go to `out_dir`, the
/// main module (still to be bound) beside the input. Returns the main module and the chunks.
fn split_lazy_functions(
    input: &Path,
    out_dir: &Path,
    out_name: &str,
) -> Result<(PathBuf, Vec<PathBuf>)> {
    let wasm = std::fs::read(input).with_context(|| format!("reading {}", input.display()))?;
    let main_module = input.with_extension("split.wasm");
    let glue = format!("./{out_name}.js");
    let loader = format!("./{SPLIT_LOADER}");
    let split = wasm_split_cli_support::transform({
        let mut options = wasm_split_cli_support::Options::new(&wasm);
        options.output_dir = out_dir;
        options.main_out_path = &main_module;
        options.main_module = &glue;
        options.link_name = &loader;
        options
    })
    .map_err(|error| anyhow::anyhow!("splitting {}: {error}", input.display()))?;
    Ok((main_module, split.split_modules))
}

/// Chunks and glue of an earlier build would otherwise be served beside this build's.
fn remove_earlier_output(out_dir: &Path, out_name: &str) -> Result<()> {
    for entry in std::fs::read_dir(out_dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        let ours = name.starts_with(out_name) && !name.contains(".css")
            || name.starts_with("__wasm_split")
            || name.starts_with("split_")
            || name.starts_with("chunk_");
        if ours && path.is_file() {
            std::fs::remove_file(&path)?;
        } else if name == "snippets" && path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        }
    }
    Ok(())
}
