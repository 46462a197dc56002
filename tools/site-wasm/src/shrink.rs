//! What wasm-bindgen leaves larger than it need be, made smaller: classes the glue exports
//! that nothing uses, and the long names between the wasm and its glue. Each step checks
//! that the glue has the shape it expects and stops the build when it has not, rather than
//! write a site that fails in the browser.

use anyhow::{bail, Result};

/// The names between the wasm and its glue, shortened. wasm-bindgen names the imports
/// `__wbg_{name}_{hash}` and some exports `..._{hash}` too: some 240 names of 30 bytes, in
/// both files, whose hexadecimal digits no compression shrinks (5 KB of a first visit, with
/// brotli). Imports become `a0`, `a1`, ..., exports `b0`, `b1`, ..., and the module the
/// imports come from `g`.
#[derive(Default)]
pub struct Renamed {
    imports: Vec<(String, String)>,
    exports: Vec<(String, String)>,
    module: Option<String>,
}

/// The module the short import names come from.
const GLUE_MODULE: &str = "g";

pub fn shorten_names(
    wasm: &mut walrus::Module,
    glue_module: &str,
    keep: impl Fn(&str) -> bool,
) -> Renamed {
    let mut renamed = Renamed::default();
    // Only what comes from the glue: the splitter's loader is a module of its own.
    for import in wasm.imports.iter_mut().filter(|i| i.module == glue_module) {
        let short = format!("a{:x}", renamed.imports.len());
        renamed
            .imports
            .push((std::mem::replace(&mut import.name, short.clone()), short));
        renamed.module = Some(std::mem::replace(
            &mut import.module,
            GLUE_MODULE.to_owned(),
        ));
    }
    for export in wasm.exports.iter_mut().filter(|e| !keep(&e.name)) {
        let short = format!("b{:x}", renamed.exports.len());
        renamed
            .exports
            .push((std::mem::replace(&mut export.name, short.clone()), short));
    }
    renamed
}

/// The glue with the names renamed as in the wasm. Each import is the key of its function
/// in the import object, named once; the wasm's exports are `wasm.{name}` (the glue's own
/// functions of the same names are its own: the minifier renames them); the module is
/// named once. Anything else means wasm-bindgen's glue changed shape, and the
/// build stops rather than guess.
pub fn rename_in_glue(glue: &str, renamed: &Renamed) -> Result<String> {
    let mut glue = glue.to_owned();
    for (old, new) in &renamed.imports {
        let key = format!("{old}:");
        if glue.matches(old.as_str()).count() != 1 || glue.matches(key.as_str()).count() != 1 {
            bail!("the glue does not name the import {old} once, as a key");
        }
        glue = glue.replacen(&key, &format!("{new}:"), 1);
    }
    for (old, new) in &renamed.exports {
        glue = rename_member(&glue, &format!("wasm.{old}"), &format!("wasm.{new}"));
    }
    if let Some(module) = &renamed.module {
        let key = format!("\"{module}\":");
        if glue.matches(key.as_str()).count() != 1 {
            bail!("the glue does not name the module {module} once, as a key");
        }
        glue = glue.replacen(&key, &format!("\"{GLUE_MODULE}\":"), 1);
    }
    Ok(glue)
}

/// Whether `text` has `name` as a whole name (not inside a longer one).
pub fn names_whole(text: &str, name: &str) -> bool {
    whole_names(text, name) > 0
}

/// How often `text` has `name` as a whole name.
fn whole_names(text: &str, name: &str) -> usize {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    text.match_indices(name)
        .filter(|(at, _)| {
            !text[..*at].ends_with(word) && !text[at + name.len()..].starts_with(word)
        })
        .count()
}

/// `glue` with every `old` that is a whole name (not the start of a longer one) replaced.
fn rename_member(glue: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(glue.len());
    let mut rest = glue;
    while let Some(at) = rest.find(old) {
        let after = &rest[at + old.len()..];
        let whole = !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        out.push_str(&rest[..at]);
        out.push_str(if whole { new } else { old });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A class the glue exports (for other JavaScript to use) that neither the glue nor the wasm
/// uses: the readable and writable stream adapters of `wasm-streams`, which Leptos's server
/// functions bring in and the islands never call. Its methods' exports go from the wasm, and
/// wasm-opt then drops the code behind them.
#[derive(Debug, PartialEq)]
pub struct UnusedClass {
    name: String,
    /// The wasm's exports its methods call.
    exports: Vec<String>,
}

/// The classes of `glue` that are named nowhere but in their own definition, its dispose
/// line and its finalization registry.
pub fn unused_classes(glue: &str) -> Vec<UnusedClass> {
    let mut unused = Vec::new();
    for line in glue.lines() {
        let Some(name) = line
            .strip_prefix("export class ")
            .and_then(|rest| rest.strip_suffix(" {"))
        else {
            continue;
        };
        let Some(parts) = class_parts(glue, name) else {
            continue;
        };
        let own: usize = parts.iter().map(|part| part.matches(name).count()).sum();
        if glue.matches(name).count() != own {
            continue;
        }
        let mut exports = Vec::new();
        for part in &parts {
            for (at, _) in part.match_indices("wasm.") {
                let export: String = part[at + 5..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
                    .collect();
                // Only what the class alone calls: an export the rest of the glue uses too
                // (the allocator) stays.
                let member = format!("wasm.{export}");
                let in_class: usize = parts.iter().map(|p| whole_names(p, &member)).sum();
                if whole_names(glue, &member) == in_class && !exports.contains(&export) {
                    exports.push(export);
                }
            }
        }
        unused.push(UnusedClass {
            name: name.to_owned(),
            exports,
        });
    }
    unused
}

/// The class's definition, its dispose line and its finalization registry, as they stand in
/// `glue`; `None` when any is not where wasm-bindgen puts it.
fn class_parts<'g>(glue: &'g str, name: &str) -> Option<[&'g str; 3]> {
    let start = glue.find(&format!("export class {name} {{\n"))?;
    let end = start + glue[start..].find("\n}\n")? + 3;
    let dispose_line =
        format!("if (Symbol.dispose) {name}.prototype[Symbol.dispose] = {name}.prototype.free;\n");
    let dispose = glue.find(&dispose_line)?;
    let registry = glue.find(&format!("const {name}Finalization = "))?;
    let registry_end = registry + glue[registry..].find(");\n")? + 3;
    Some([
        &glue[start..end],
        &glue[dispose..dispose + dispose_line.len()],
        &glue[registry..registry_end],
    ])
}

/// The glue without the classes.
pub fn without_classes(glue: &str, classes: &[UnusedClass]) -> Result<String> {
    let mut glue = glue.to_owned();
    for class in classes {
        let Some(parts) = class_parts(&glue, &class.name) else {
            bail!("the glue's class {} is not as it was", class.name);
        };
        for part in parts.map(str::to_owned) {
            glue = glue.replacen(&part, "", 1);
        }
        if glue.contains(&class.name) {
            bail!("the glue still names the class {} once removed", class.name);
        }
    }
    Ok(glue)
}

/// The wasm without the exports of the classes' methods.
pub fn remove_exports(wasm: &mut walrus::Module, classes: &[UnusedClass]) {
    let gone: Vec<walrus::ExportId> = wasm
        .exports
        .iter()
        .filter(|export| classes.iter().any(|c| c.exports.contains(&export.name)))
        .map(|export| export.id())
        .collect();
    for id in gone {
        wasm.exports.delete(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLUE: &str = "export function hydrate() {\n    wasm.hydrate();\n}\n\
export class Source {\n    free() {\n        const ptr = this.__destroy_into_raw();\n        \
wasm.__wbg_source_free(ptr, 0);\n    }\n    pull(c) {\n        return wasm.source_pull(this.__wbg_ptr, c);\n    }\n}\n\
if (Symbol.dispose) Source.prototype[Symbol.dispose] = Source.prototype.free;\n\
const SourceFinalization = (typeof FinalizationRegistry === 'undefined')\n    \
? { register: () => {}, unregister: () => {} }\n    \
: new FinalizationRegistry(ptr => wasm.__wbg_source_free(ptr, 1));\n\
function other() {}\n";

    #[test]
    fn a_class_nothing_uses_goes_with_its_registry_and_its_exports() {
        let unused = unused_classes(GLUE);
        assert_eq!(
            unused,
            [UnusedClass {
                name: "Source".into(),
                exports: vec!["__wbg_source_free".into(), "source_pull".into()],
            }]
        );
        let glue = without_classes(GLUE, &unused).expect("removed");
        assert_eq!(
            glue,
            "export function hydrate() {\n    wasm.hydrate();\n}\nfunction other() {}\n"
        );
    }

    #[test]
    fn an_export_the_rest_of_the_glue_calls_stays() {
        let glue = format!("{GLUE}function free(ptr) {{ wasm.__wbg_source_free(ptr, 2); }}\n");
        let unused = unused_classes(&glue);
        assert_eq!(unused[0].exports, vec!["source_pull".to_owned()]);
    }

    #[test]
    fn a_class_the_glue_uses_stays() {
        let glue = format!("{GLUE}function make(ptr) {{ return Source.__wrap(ptr); }}\n");
        assert!(unused_classes(&glue).is_empty());
    }

    #[test]
    fn names_are_renamed_whole() {
        assert_eq!(
            rename_member("wasm.f(1); wasm.f_20(2);", "wasm.f", "wasm.b0"),
            "wasm.b0(1); wasm.f_20(2);"
        );
        assert!(names_whole("{ memory, table }", "memory"));
        assert!(!names_whole("{ memory2 }", "memory"));
    }
}
