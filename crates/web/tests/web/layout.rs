//! The crate's shape, checked from its source: no file imports a module that imports it back, and
//! the toolbox (`http/`, `app`, `auth`, `access`, `i18n`) imports no feature.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The module path of a source file: `src/dossiers/pages.rs` -> `dossiers::pages`,
/// `src/inspections/mod.rs` -> `inspections`, `src/lib.rs` -> `` (the crate root).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|p| p != "mod" && p != "lib")
        .collect();
    parts.join("::")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn join(base: &str, segs: &[&str]) -> String {
    if base.is_empty() {
        segs.join("::")
    } else {
        format!("{base}::{}", segs.join("::"))
    }
}

/// The crate modules a file refers to (`crate::a::b`, `super::x`, `use crate::{a, b}`), resolved to
/// the longest module path that is a file of the crate.
fn imports(module: &str, text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let parent = |m: &str| {
        m.rsplit_once("::")
            .map_or(String::new(), |(p, _)| p.to_owned())
    };
    // Unit tests inside a file (`mod tests { use super::* }`) are not the file's own imports.
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    for (prefix, base) in [("crate::", String::new()), ("super::", parent(module))] {
        for (i, _) in code.match_indices(prefix) {
            if i > 0 && code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &code[i + prefix.len()..];
            // `crate::{a, b::c}`: each item of the group.
            let paths: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(0);
                group[..end]
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .collect()
            } else {
                vec![
                    rest.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect(),
                ]
            };
            for p in paths {
                let mut segs: Vec<&str> = p.split("::").filter(|s| !s.is_empty()).collect();
                if segs.is_empty() || (segs.len() == 1 && !modules.contains(&join(&base, &segs))) {
                    // An item of the base module itself (`super::Item`, `crate::Item`).
                    if base != module {
                        out.insert(base.clone());
                    }
                    continue;
                }
                while !segs.is_empty() {
                    let candidate = if base.is_empty() {
                        segs.join("::")
                    } else {
                        format!("{base}::{}", segs.join("::"))
                    };
                    if modules.contains(&candidate) {
                        if candidate != module {
                            out.insert(candidate);
                        }
                        break;
                    }
                    segs.pop();
                }
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = vec![];
    files(&src, &mut all);
    let modules: BTreeSet<String> = all.iter().map(|f| module_of(&src, f)).collect();
    all.iter()
        .map(|f| {
            let m = module_of(&src, f);
            let text = std::fs::read_to_string(f).unwrap();
            let deps = imports(&m, &text, &modules);
            (m, deps)
        })
        .collect()
}

#[test]
fn no_file_imports_a_module_that_imports_it_back() {
    let g = graph();
    assert!(g.len() > 30, "{} files", g.len());
    // The crate root declares every module and builds the router: it may point at anything, and
    // nothing may point back at it.
    for (m, deps) in &g {
        assert!(!deps.contains(""), "{m} imports the crate root");
    }
    // Depth-first search for a cycle among the other files.
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(i) = stack.iter().position(|x| x == m) {
            panic!("import circle: {} -> {m}", stack[i..].join(" -> "));
        }
        stack.push(m.to_owned());
        for d in g.get(m).into_iter().flatten() {
            if !d.is_empty() {
                visit(d, g, stack, done);
            }
        }
        stack.pop();
        done.insert(m.to_owned());
    }
    let mut done = BTreeSet::new();
    for m in g.keys().filter(|m| !m.is_empty()) {
        visit(m, &g, &mut vec![], &mut done);
    }
}

#[test]
fn the_toolbox_imports_no_feature() {
    let g = graph();
    let toolbox = |m: &str| {
        m == "app"
            || m == "auth"
            || m == "access"
            || m == "i18n"
            || m == "openapi"
            || m == "http"
            || m.starts_with("http::")
    };
    for (m, deps) in g.iter().filter(|(m, _)| toolbox(m)) {
        for d in deps {
            assert!(
                toolbox(d),
                "the toolbox module {m} imports the feature module {d}"
            );
        }
    }
}

#[test]
fn features_meet_only_through_services() {
    let g = graph();
    let feature = |m: &str| m.split("::").next().unwrap_or("").to_owned();
    let toolbox = ["app", "auth", "access", "i18n", "openapi", "http", ""];
    for (m, deps) in &g {
        for d in deps {
            let (fm, fd) = (feature(m), feature(d));
            if fm != fd && !toolbox.contains(&fd.as_str()) && !m.is_empty() {
                assert!(
                    d.ends_with("::service") || d.ends_with("::views") || d.ends_with("::actions"),
                    "{m} reaches into {d}: another feature is used only through its service"
                );
            }
        }
    }
}

#[test]
fn the_graph_sees_imports() {
    let g = graph();
    // Known arrows, so the checks above cannot pass by seeing nothing.
    assert!(
        g["dossiers::pages"].contains("access"),
        "{:?}",
        g["dossiers::pages"]
    );
    assert!(g["dossiers::api"].contains("dossiers::service"));
    assert!(g["public::api"].contains("dossiers::service"));
    assert!(g["http::page"].contains("http"), "{:?}", g["http::page"]);
    assert!(g["dashboard"].contains("inspections::service"));
}
