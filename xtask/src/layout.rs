//! `cargo xtask layout`: the source layout of the safe crate (`steam-sockets/src`), whose
//! `raw/` directory is the only place that talks to C and everything else the safe layer
//! above it. One `LAYOUT violation: <rule>: <details>` line per broken rule, then a summary;
//! the command fails if any rule is broken. The rules:
//!
//! * `sys-outside-raw`: no line of a file outside `src/raw/` names `sys::` or
//!   `steam_sockets_sys` (comments and string literals aside; test modules may, to
//!   cross-check against the library).
//! * `import-cycle`: no cycle in the graph of files, where file A has an edge to file B when
//!   A's non-test code names a `crate::`, `super::` or `self::` path whose longest module
//!   prefix is B's module (`crate::config::scope::Scope` is `config/scope.rs` if that file
//!   exists, else `config.rs`). Declaring a submodule (`mod bar;`) is no edge, and paths to
//!   the crate root are none either, since no file depends on `lib.rs` but through its
//!   re-exports, which the next rule forbids.
//! * `root-import`: no file but `lib.rs` names an item through the crate root
//!   (`crate::Error` rather than `crate::error::Error`): root re-exports hide cycles.
//! * `file-size`: no file has more than [`MAX_LINES`] lines of non-test code (blank lines,
//!   comments and doc comments not counted).
//! * `safety-comment`: every `unsafe` block written inside `try_call!(...)` or `c_call!(...)`
//!   has a `// SAFETY:` comment in the comment block above its statement (the statement may
//!   start up to [`STATEMENT_LOOKBACK`] lines above the call). Clippy's
//!   `undocumented_unsafe_blocks` cannot see these: the macro builds the block.
//!
//! Test code is a `#[cfg(test)]` (or `#[cfg(test, ...)]`, `#[cfg(all(test, ...))]`) module,
//! from its attribute to its closing brace, and any file such a module declares out of line.
//! The parsing is plain text processing, enough for this code base: comments and literals are
//! stripped by a small lexer, braces are counted, `use` trees are parsed; paths not starting
//! with `crate`, `super` or `self` (a parent naming its child module directly, `bar::X`) are
//! not followed.
//!
//! `cargo xtask layout --graph` also prints one `GRAPH` line per file: its module, its count of
//! non-test lines and the modules it imports (the module map of the documentation).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::Path;

use super::Result;

/// The safe crate's sources, relative to the workspace root.
const SRC_DIR: &str = "steam-sockets/src";

/// The one directory under [`SRC_DIR`] whose files may name the C library's bindings.
const RAW_DIR: &str = "raw/";

/// The most lines of non-test code a file may have.
const MAX_LINES: usize = 600;

/// How many lines above a `try_call!(unsafe ...)` its statement may start (`let x =` on the
/// line above, say), its `// SAFETY:` comment being above that.
const STATEMENT_LOOKBACK: usize = 3;

/// `cargo xtask layout [--graph]`.
pub fn layout(args: &[String]) -> Result {
    let graph = match args {
        [] => false,
        [flag] if flag == "--graph" => true,
        _ => return Err("usage: cargo xtask layout [--graph]".into()),
    };
    let src = super::metadata_dir("workspace_root")?.join(SRC_DIR);
    let layout = Layout::new(&read_sources(&src)?);
    let label = format!("{SRC_DIR}/");
    if graph {
        for line in layout.graph(&label) {
            println!("{line}");
        }
    }
    let violations = layout.violations(&label);
    for violation in &violations {
        println!("LAYOUT violation: {violation}");
    }
    if violations.is_empty() {
        println!("{}", layout.summary(&label));
        Ok(())
    } else {
        println!("LAYOUT failed: {} violation(s)", violations.len());
        Err(format!("{SRC_DIR}: {} layout violation(s) (the LAYOUT lines above)", violations.len()))
    }
}

/// Every `.rs` file under `src`, by its path relative to `src` with `/` separators.
fn read_sources(src: &Path) -> Result<BTreeMap<String, String>> {
    let mut sources = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let relative = path.strip_prefix(src).map_err(|e| e.to_string())?;
                let key: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                sources.insert(key.join("/"), text);
            }
        }
    }
    Ok(sources)
}

/// A broken rule.
#[derive(Debug)]
pub(crate) struct Violation {
    /// The rule's name (`sys-outside-raw`, `root-import`, `import-cycle`, `file-size`,
    /// `safety-comment`).
    rule: &'static str,
    /// Where and what: `file:line: ...`, or the files of a cycle.
    detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.detail)
    }
}

/// One source line, split by [`lex`].
#[derive(Debug, Default)]
struct Line {
    /// The line as written.
    text: String,
    /// Its code: comments removed, the contents of string and character literals blanked
    /// (their quotes kept).
    code: String,
    /// Its comments' text, markers included.
    comment: String,
    /// Whether it holds any code (a line inside a multi-line string literal does).
    has_code: bool,
}

impl Line {
    /// Only a comment: no code, and not blank.
    fn comment_only(&self) -> bool {
        !self.has_code && !self.comment.trim().is_empty()
    }
}

/// Where the lexer is at the end of a line.
#[derive(Clone, Copy)]
enum State {
    Code,
    /// In a block comment, nested this deep.
    Block(usize),
    /// In a string literal.
    Str,
    /// In a raw string literal closed by `"` and this many `#`.
    RawStr(usize),
}

/// A character that may be part of an identifier.
fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits a file into lines of code and comments.
fn lex(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut state = State::Code;
    for raw in text.lines() {
        let chars: Vec<char> = raw.chars().collect();
        let mut line = Line {
            text: raw.to_string(),
            has_code: matches!(state, State::Str | State::RawStr(_)),
            ..Line::default()
        };
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            match state {
                State::Block(depth) => {
                    if c == '*' && next == Some('/') {
                        line.comment.push_str("*/");
                        state = if depth == 1 { State::Code } else { State::Block(depth - 1) };
                        i += 2;
                    } else if c == '/' && next == Some('*') {
                        line.comment.push_str("/*");
                        state = State::Block(depth + 1);
                        i += 2;
                    } else {
                        line.comment.push(c);
                        i += 1;
                    }
                }
                State::Str => {
                    if c == '\\' {
                        // An escape; a trailing backslash continues the string on the next line.
                        i += 2;
                        continue;
                    }
                    if c == '"' {
                        line.code.push('"');
                        state = State::Code;
                    }
                    i += 1;
                }
                State::RawStr(hashes) => {
                    if c == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
                        line.code.push('"');
                        state = State::Code;
                        i += 1 + hashes;
                    } else {
                        i += 1;
                    }
                }
                State::Code => {
                    if c == '/' && next == Some('/') {
                        line.comment.extend(&chars[i..]);
                        break;
                    }
                    if c == '/' && next == Some('*') {
                        line.comment.push_str("/*");
                        state = State::Block(1);
                        i += 2;
                        continue;
                    }
                    if !c.is_whitespace() {
                        line.has_code = true;
                    }
                    if c == '"' {
                        line.code.push('"');
                        state = State::Str;
                        i += 1;
                    } else if let Some((hashes, after)) = raw_string_start(&chars, i) {
                        line.code.push('"');
                        state = State::RawStr(hashes);
                        i = after;
                    } else if let Some(len) = char_literal_len(&chars[i..]) {
                        line.code.push_str("' '");
                        i += len;
                    } else {
                        line.code.push(c);
                        i += 1;
                    }
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// At `chars[i]`, the start of a raw string literal (`r"`, `r#"`, `br"`, ...): its number of
/// `#` and the index past its opening quote.
fn raw_string_start(chars: &[char], i: usize) -> Option<(usize, usize)> {
    if chars[i] != 'r' {
        return None;
    }
    // The `r` starts a token, or follows a `b` or `c` that does.
    if let Some(&before) = i.checked_sub(1).and_then(|p| chars.get(p)) {
        let prefix_starts_token = || i < 2 || !is_ident(chars[i - 2]);
        if is_ident(before) && !(matches!(before, 'b' | 'c') && prefix_starts_token()) {
            return None;
        }
    }
    let mut j = i + 1;
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    (chars.get(j) == Some(&'"')).then_some((j - i - 1, j + 1))
}

/// At a `'`: the length of the character literal starting there, or `None` for a lifetime or
/// label (`'a`).
fn char_literal_len(chars: &[char]) -> Option<usize> {
    if chars.first() != Some(&'\'') {
        return None;
    }
    match chars.get(1)? {
        // `'\n'`, `'\''`, `'\u{1F600}'`: up to the next quote past the escaped character.
        '\\' => chars.iter().skip(3).position(|&c| c == '\'').map(|p| p + 4),
        '\'' => None,
        _ => (chars.get(2) == Some(&'\'')).then_some(3),
    }
}

/// A test configuration attribute: `#[cfg(test)]`, `#[cfg(test, ...)]`,
/// `#[cfg(all(test, ...))]`.
fn is_test_cfg(code: &str) -> bool {
    let Some(rest) = code.strip_prefix("#[cfg(") else { return false };
    let rest = rest.strip_prefix("all(").unwrap_or(rest);
    rest.strip_prefix("test").is_some_and(|r| r.starts_with([')', ',', ' ']))
}

/// The index just past the attribute that `code` starts with (`#[...]`).
fn attribute_end(code: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in code.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The name of the module that `code` declares (`mod NAME`, after an optional visibility).
fn mod_item(code: &str) -> Option<&str> {
    let mut rest = code.trim_start();
    if let Some(after_pub) = rest.strip_prefix("pub") {
        let after_pub = after_pub.trim_start();
        rest = match after_pub.strip_prefix('(') {
            Some(restricted) => restricted.split_once(')')?.1.trim_start(),
            None => after_pub,
        };
    }
    let rest = rest.strip_prefix("mod")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim_start();
    let name = &rest[..rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len())];
    (!name.is_empty()).then_some(name)
}

/// Which lines are test code (a `#[cfg(test)]` module, attribute to closing brace), and the
/// names of the test modules declared out of line (`#[cfg(test)] mod tests;`).
fn test_regions(lines: &[Line]) -> (Vec<bool>, Vec<String>) {
    let mut test = vec![false; lines.len()];
    let mut out_of_line = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let code = lines[i].code.trim();
        if !is_test_cfg(code) {
            i += 1;
            continue;
        }
        // The item the attribute applies to: after it on the same line, or on the next line of
        // code that is not another attribute.
        let after = attribute_end(code).map_or("", |end| code[end..].trim());
        let (item_line, item) = if after.is_empty() {
            let next = (i + 1..lines.len()).find(|&j| {
                let code = lines[j].code.trim();
                !code.is_empty() && !code.starts_with("#[")
            });
            match next {
                Some(j) => (j, lines[j].code.trim()),
                None => break,
            }
        } else {
            (i, after)
        };
        let Some(name) = mod_item(item) else {
            i += 1;
            continue;
        };
        // To the closing brace of the module, or to its `;`.
        let mut end = lines.len() - 1;
        let mut depth = 0usize;
        let mut opened = false;
        'scan: for (k, line) in lines.iter().enumerate().skip(item_line) {
            let text = if k == item_line { item } else { line.code.as_str() };
            for c in text.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => {
                        depth = depth.saturating_sub(1);
                        if opened && depth == 0 {
                            end = k;
                            break 'scan;
                        }
                    }
                    ';' if !opened => {
                        out_of_line.push(name.to_string());
                        end = k;
                        break 'scan;
                    }
                    _ => {}
                }
            }
        }
        test[i..=end].fill(true);
        i = end + 1;
    }
    (test, out_of_line)
}

/// A token of code, for finding paths.
#[derive(Debug, PartialEq)]
enum Tok {
    /// An identifier, keyword or number.
    Ident(String),
    /// `::`.
    PathSep,
    /// Any other character.
    Punct(char),
}

/// The tokens of the lines not marked `skip`, each with its line number (from 1).
fn tokenize(lines: &[Line], skip: &[bool]) -> Vec<(Tok, usize)> {
    let mut tokens = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if skip[n] {
            continue;
        }
        let chars: Vec<char> = line.code.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                i += 1;
            } else if is_ident(c) {
                let start = i;
                while i < chars.len() && is_ident(chars[i]) {
                    i += 1;
                }
                tokens.push((Tok::Ident(chars[start..i].iter().collect()), n + 1));
            } else if c == ':' && chars.get(i + 1) == Some(&':') {
                tokens.push((Tok::PathSep, n + 1));
                i += 2;
            } else {
                tokens.push((Tok::Punct(c), n + 1));
                i += 1;
            }
        }
    }
    tokens
}

/// The paths of a use tree (or of a plain path) starting at `tokens[*k]`, each as its
/// segments and whether it ends in a glob: `{a::B, c::{self, d}}` is `a::B`, `c`, `c::d`.
fn use_tree(tokens: &[(Tok, usize)], k: &mut usize) -> Vec<(Vec<String>, bool)> {
    match tokens.get(*k).map(|t| &t.0) {
        Some(Tok::Punct('*')) => {
            *k += 1;
            vec![(Vec::new(), true)]
        }
        Some(Tok::Punct('{')) => {
            *k += 1;
            let mut paths = Vec::new();
            while let Some((token, _)) = tokens.get(*k) {
                match token {
                    Tok::Punct('}') => {
                        *k += 1;
                        break;
                    }
                    Tok::Punct(',') => *k += 1,
                    _ => {
                        let before = *k;
                        paths.extend(use_tree(tokens, k));
                        if *k == before {
                            *k += 1;
                        }
                    }
                }
            }
            paths
        }
        Some(Tok::Ident(name)) => {
            *k += 1;
            if name != "self" && tokens.get(*k).is_some_and(|t| t.0 == Tok::PathSep) {
                *k += 1;
                let inner = use_tree(tokens, k);
                if !inner.is_empty() {
                    return inner
                        .into_iter()
                        .map(|(mut segments, glob)| {
                            segments.insert(0, name.clone());
                            (segments, glob)
                        })
                        .collect();
                }
            } else if tokens.get(*k).is_some_and(|t| t.0 == Tok::Ident("as".into())) {
                *k += 2;
            }
            if name == "self" {
                vec![(Vec::new(), false)]
            } else {
                vec![(vec![name.clone()], false)]
            }
        }
        _ => Vec::new(),
    }
}

/// A `crate::`, `super::` or `self::` path in a file's non-test code.
#[derive(Debug)]
struct PathRef {
    /// Its line, from 1.
    line: usize,
    /// As written (one item of a grouped `use`): `crate::error::Error`.
    text: String,
    /// Its segments from the crate root: `["error", "Error"]`.
    absolute: Vec<String>,
}

/// The `crate::`, `super::` and `self::` paths in `tokens`, code of the file whose module is
/// `module`. `super` and `self` are resolved from the inline module they are written in.
fn paths(module: &[String], tokens: &[(Tok, usize)]) -> Vec<PathRef> {
    let ident = |k: usize| match tokens.get(k) {
        Some((Tok::Ident(word), _)) => Some(word.as_str()),
        _ => None,
    };
    let path_sep = |k: usize| tokens.get(k).is_some_and(|t| t.0 == Tok::PathSep);
    let mut found = Vec::new();
    // Inline modules (`mod name { ... }`) around the current token, with the brace depth
    // outside each.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut k = 0;
    while k < tokens.len() {
        match &tokens[k].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|&(_, outside)| outside == depth) {
                    inline.pop();
                }
            }
            Tok::Ident(word) if word == "mod" => {
                if let (Some(name), Some((Tok::Punct('{'), _))) = (ident(k + 1), tokens.get(k + 2))
                {
                    inline.push((name.to_string(), depth));
                }
            }
            Tok::Ident(word)
                if matches!(word.as_str(), "crate" | "super" | "self")
                    && path_sep(k + 1)
                    && !(k > 0 && path_sep(k - 1)) =>
            {
                let line = tokens[k].1;
                let mut current = module.to_vec();
                current.extend(inline.iter().map(|(name, _)| name.clone()));
                let mut prefix = word.clone();
                let mut base = match word.as_str() {
                    "crate" => Vec::new(),
                    _ => current,
                };
                if word == "super" {
                    base.pop();
                }
                k += 2;
                while word == "super" && ident(k) == Some("super") && path_sep(k + 1) {
                    base.pop();
                    prefix.push_str("::super");
                    k += 2;
                }
                for (segments, glob) in use_tree(tokens, &mut k) {
                    let mut text = vec![prefix.clone()];
                    text.extend(segments.iter().cloned());
                    if glob {
                        text.push("*".into());
                    }
                    let mut absolute = base.clone();
                    absolute.extend(segments);
                    found.push(PathRef { line, text: text.join("::"), absolute });
                }
                continue;
            }
            _ => {}
        }
        k += 1;
    }
    found
}

/// The module of a file under `src`: `lib.rs` is the crate root (`[]`), `foo.rs` and
/// `foo/mod.rs` are `foo`, `foo/bar.rs` is `foo::bar`. `None` for a file that is not Rust.
fn module_of(path: &str) -> Option<Vec<String>> {
    let mut segments: Vec<String> =
        path.strip_suffix(".rs")?.split('/').map(String::from).collect();
    if segments == ["lib"] || segments.last().is_some_and(|last| last == "mod") {
        segments.pop();
    }
    Some(segments)
}

/// One source file, analysed.
#[derive(Debug)]
struct File {
    /// Its path relative to `src`, with `/` separators.
    path: String,
    /// Its module's segments (none for the crate root).
    module: Vec<String>,
    /// Its lines.
    lines: Vec<Line>,
    /// Per line: test code.
    test: Vec<bool>,
    /// Its non-test lines of code.
    code_lines: usize,
    /// The paths its non-test code names.
    paths: Vec<PathRef>,
}

impl File {
    /// The module's name, `crate` for the root.
    fn module_name(&self) -> String {
        if self.module.is_empty() { "crate".into() } else { self.module.join("::") }
    }
}

/// A source tree, analysed: files, their imports, the rules' findings.
#[derive(Debug)]
pub(crate) struct Layout {
    /// Every `.rs` file, in path order.
    files: Vec<File>,
    /// Per file: the files it imports (never itself nor the root), each with the first line
    /// naming it.
    edges: Vec<BTreeMap<usize, usize>>,
    /// Per file: the indices of its paths that resolve to the crate root.
    through_root: Vec<Vec<usize>>,
}

impl Layout {
    /// Analyses `sources`: path relative to `src` (with `/` separators) to contents.
    pub(crate) fn new(sources: &BTreeMap<String, String>) -> Layout {
        let mut files: Vec<File> = Vec::new();
        let mut test_modules: Vec<Vec<String>> = Vec::new();
        for (path, text) in sources {
            let Some(module) = module_of(path) else { continue };
            let lines = lex(text);
            let (test, out_of_line) = test_regions(&lines);
            for name in out_of_line {
                let mut test_module = module.clone();
                test_module.push(name);
                test_modules.push(test_module);
            }
            files.push(File {
                path: path.clone(),
                module,
                lines,
                test,
                code_lines: 0,
                paths: Vec::new(),
            });
        }
        for file in &mut files {
            // A test module's file, or a file under one, is all test code.
            if test_modules.iter().any(|t| file.module.starts_with(t)) {
                file.test.fill(true);
            }
            file.code_lines = file
                .lines
                .iter()
                .zip(&file.test)
                .filter(|(line, test)| line.has_code && !**test)
                .count();
            file.paths = paths(&file.module, &tokenize(&file.lines, &file.test));
        }
        let mut by_module = BTreeMap::new();
        for (i, file) in files.iter().enumerate() {
            by_module.entry(file.module.clone()).or_insert(i);
        }
        // The file of a path's longest prefix that is a module, none (the root) for none.
        let resolve = |absolute: &[String]| {
            (1..=absolute.len()).rev().find_map(|n| by_module.get(&absolute[..n]).copied())
        };
        let mut edges = vec![BTreeMap::new(); files.len()];
        let mut through_root = vec![Vec::new(); files.len()];
        for (i, file) in files.iter().enumerate() {
            for (p, path) in file.paths.iter().enumerate() {
                match resolve(&path.absolute) {
                    Some(target) if target != i => {
                        edges[i].entry(target).or_insert(path.line);
                    }
                    Some(_) => {}
                    None => through_root[i].push(p),
                }
            }
        }
        Layout { files, edges, through_root }
    }

    /// The modules `file` imports.
    fn imports(&self, file: usize) -> Vec<String> {
        let mut modules: Vec<String> =
            self.edges[file].keys().map(|&target| self.files[target].module_name()).collect();
        modules.sort();
        modules
    }

    /// One line per file: module, non-test lines, imported modules. Paths are shown under
    /// `label`.
    pub(crate) fn graph(&self, label: &str) -> Vec<String> {
        (0..self.files.len())
            .map(|i| {
                let file = &self.files[i];
                let imports = self.imports(i);
                format!(
                    "GRAPH {} ({label}{}): {} non-test lines -> {}",
                    file.module_name(),
                    file.path,
                    file.code_lines,
                    if imports.is_empty() { "(none)".into() } else { imports.join(", ") }
                )
            })
            .collect()
    }

    /// Every broken rule, rule by rule. Paths are shown under `label`.
    pub(crate) fn violations(&self, label: &str) -> Vec<Violation> {
        let mut violations = Vec::new();
        let mut add = |rule, detail| violations.push(Violation { rule, detail });
        for file in &self.files {
            if file.path.starts_with(RAW_DIR) {
                continue;
            }
            for (n, line) in file.lines.iter().enumerate() {
                if !file.test[n]
                    && (line.code.contains("sys::") || line.code.contains("steam_sockets_sys"))
                {
                    add(
                        "sys-outside-raw",
                        format!("{label}{}:{}: {}", file.path, n + 1, snippet(&line.text)),
                    );
                }
            }
        }
        for (i, file) in self.files.iter().enumerate() {
            if file.module.is_empty() {
                continue;
            }
            for &p in &self.through_root[i] {
                let path = &file.paths[p];
                add(
                    "root-import",
                    format!(
                        "{label}{}:{}: `{}` goes through the crate root (no module file); name \
                         the module that defines it",
                        file.path, path.line, path.text
                    ),
                );
            }
        }
        for cycle in self.cycles() {
            let files: Vec<String> =
                cycle.iter().map(|&i| format!("{label}{}", self.files[i].path)).collect();
            add(
                "import-cycle",
                format!("{} (e.g. {})", files.join(", "), self.example_cycle(&cycle, label)),
            );
        }
        for file in &self.files {
            if file.code_lines > MAX_LINES {
                add(
                    "file-size",
                    format!(
                        "{label}{}: {} lines of non-test code, limit {MAX_LINES}",
                        file.path, file.code_lines
                    ),
                );
            }
        }
        for file in &self.files {
            for (macro_line, unsafe_line) in unsafe_macro_calls(&file.lines) {
                if !has_safety_comment(&file.lines, macro_line, unsafe_line) {
                    add(
                        "safety-comment",
                        format!(
                            "{label}{}:{}: unsafe block in a C-call macro without a `// SAFETY:` \
                             comment above its statement: {}",
                            file.path,
                            macro_line + 1,
                            snippet(&file.lines[macro_line].text)
                        ),
                    );
                }
            }
        }
        violations
    }

    /// The closing line when no rule is broken.
    pub(crate) fn summary(&self, label: &str) -> String {
        let largest = self.files.iter().max_by_key(|f| f.code_lines);
        let (name, lines) = largest
            .map_or((String::from("(none)"), 0), |f| (format!("{label}{}", f.path), f.code_lines));
        format!(
            "LAYOUT ok: {} files, no sys:: outside raw/, no import cycle, largest non-test file \
             {name} ({lines} lines)",
            self.files.len()
        )
    }

    /// The strongly connected components of the import graph with more than one file, each
    /// sorted (Tarjan's algorithm).
    fn cycles(&self) -> Vec<Vec<usize>> {
        struct Tarjan<'a> {
            edges: &'a [BTreeMap<usize, usize>],
            index: Vec<Option<usize>>,
            low: Vec<usize>,
            on_stack: Vec<bool>,
            stack: Vec<usize>,
            next: usize,
            components: Vec<Vec<usize>>,
        }
        impl Tarjan<'_> {
            fn visit(&mut self, v: usize) {
                self.index[v] = Some(self.next);
                self.low[v] = self.next;
                self.next += 1;
                self.stack.push(v);
                self.on_stack[v] = true;
                let edges = self.edges;
                for &w in edges[v].keys() {
                    match self.index[w] {
                        None => {
                            self.visit(w);
                            self.low[v] = self.low[v].min(self.low[w]);
                        }
                        Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                        Some(_) => {}
                    }
                }
                if self.index[v] == Some(self.low[v]) {
                    let mut component = Vec::new();
                    while let Some(w) = self.stack.pop() {
                        self.on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if component.len() > 1 {
                        component.sort_unstable();
                        self.components.push(component);
                    }
                }
            }
        }
        let n = self.files.len();
        let mut tarjan = Tarjan {
            edges: &self.edges,
            index: vec![None; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            next: 0,
            components: Vec::new(),
        };
        for v in 0..n {
            if tarjan.index[v].is_none() {
                tarjan.visit(v);
            }
        }
        tarjan.components.sort();
        tarjan.components
    }

    /// One cycle through the first file of `component`, as `a.rs:3 -> b.rs:9 -> a.rs`: each
    /// file with the line that names the next.
    fn example_cycle(&self, component: &[usize], label: &str) -> String {
        let start = component[0];
        let inside: BTreeSet<usize> = component.iter().copied().collect();
        // Breadth first from `start`, until an edge leads back to it.
        let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        let mut last = None;
        'search: while let Some(v) = queue.pop_front() {
            for &w in self.edges[v].keys() {
                if w == start {
                    last = Some(v);
                    break 'search;
                }
                if inside.contains(&w) && !parent.contains_key(&w) {
                    parent.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        let mut cycle = vec![start];
        let mut v = last.unwrap_or(start);
        while v != start {
            cycle.insert(1, v);
            v = parent[&v];
        }
        cycle.push(start);
        let mut text: Vec<String> = cycle
            .windows(2)
            .map(|pair| {
                format!("{label}{}:{}", self.files[pair[0]].path, self.edges[pair[0]][&pair[1]])
            })
            .collect();
        text.push(format!("{label}{}", self.files[start].path));
        text.join(" -> ")
    }
}

/// A line as shown in a violation: trimmed, and cut at 100 characters.
fn snippet(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(100) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

/// Each `try_call!(unsafe ...)` and `c_call!(unsafe ...)` (space allowed before `unsafe`,
/// line breaks too): the line of the macro's name and the line of its `unsafe`, from 0.
fn unsafe_macro_calls(lines: &[Line]) -> Vec<(usize, usize)> {
    let mut code = String::new();
    let mut starts = Vec::new();
    for line in lines {
        starts.push(code.len());
        code.push_str(&line.code);
        code.push('\n');
    }
    let line_of = |offset: usize| starts.partition_point(|&start| start <= offset) - 1;
    let mut calls = Vec::new();
    for name in ["try_call!", "c_call!"] {
        for (at, _) in code.match_indices(name) {
            if code[..at].chars().next_back().is_some_and(is_ident) {
                continue;
            }
            let Some(rest) = code[at + name.len()..].trim_start().strip_prefix(['(', '[', '{'])
            else {
                continue;
            };
            let rest = rest.trim_start();
            if rest.strip_prefix("unsafe").is_some_and(|after| !after.starts_with(is_ident)) {
                calls.push((line_of(at), line_of(code.len() - rest.len())));
            }
        }
    }
    calls.sort_unstable();
    calls
}

/// Whether a `// SAFETY:` comment documents the macro call at `macro_line` (its `unsafe` at
/// `unsafe_line`): in the comment block right above the `unsafe`, the call, or the start of
/// the statement, which may be up to [`STATEMENT_LOOKBACK`] lines of code further up (lines
/// that do not end a statement or an item: `;`, `{`, `}`, `,`).
fn has_safety_comment(lines: &[Line], macro_line: usize, unsafe_line: usize) -> bool {
    let documented = |line: usize| {
        (0..line)
            .rev()
            .take_while(|&above| lines[above].comment_only())
            .any(|above| lines[above].comment.contains("SAFETY:"))
    };
    if documented(unsafe_line) || documented(macro_line) {
        return true;
    }
    let mut at = macro_line;
    for _ in 0..STATEMENT_LOOKBACK {
        let Some(previous) = (0..at).rev().find(|&above| !lines[above].comment_only()) else {
            return false;
        };
        let code = lines[previous].code.trim_end();
        if !lines[previous].has_code || code.ends_with([';', '{', '}', ',']) {
            return false;
        }
        if documented(previous) {
            return true;
        }
        at = previous;
    }
    false
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{Layout, MAX_LINES, Violation, lex};

    fn layout(files: &[(&str, &str)]) -> Layout {
        let sources: BTreeMap<String, String> =
            files.iter().map(|(path, text)| (path.to_string(), text.to_string())).collect();
        Layout::new(&sources)
    }

    fn violations(files: &[(&str, &str)]) -> Vec<Violation> {
        layout(files).violations("")
    }

    /// The violations of one rule, as `Display`ed.
    fn of_rule(violations: &[Violation], rule: &str) -> Vec<String> {
        violations.iter().filter(|v| v.rule == rule).map(|v| v.to_string()).collect()
    }

    /// The modules that `path` imports.
    fn imports(layout: &Layout, path: &str) -> Vec<String> {
        let i = layout.files.iter().position(|f| f.path == path).expect("no such file");
        layout.imports(i)
    }

    #[test]
    fn lexer_strips_comments_and_literals() {
        let lines = lex(concat!(
            "let url = \"http://x\"; // a comment\n",
            "let quote = '\"'; let brace = '{'; let esc = '\\''; fn f<'a>(x: &'a str) {}\n",
            "let raw = r#\"sys:: \"quoted\" // no\"#; /* block\n",
            "still block */ let after = 1;\n",
            "let multi = \"first\n",
            "\n",
            "last\";\n",
        ));
        assert_eq!(lines[0].code.trim(), "let url = \"\";");
        assert_eq!(lines[0].comment, "// a comment");
        assert_eq!(
            lines[1].code,
            "let quote = ' '; let brace = ' '; let esc = ' '; fn f<'a>(x: &'a str) {}"
        );
        assert_eq!(lines[2].code.trim(), "let raw = \"\";");
        assert_eq!(lines[2].comment, "/* block");
        assert_eq!(lines[3].code.trim(), "let after = 1;");
        assert!(lines[5].has_code, "a line inside a string literal is code");
        assert_eq!(lines[6].code, "\";");
    }

    #[test]
    fn sys_outside_raw_is_flagged_but_not_in_comments_strings_tests_or_raw() {
        let found = violations(&[
            ("lib.rs", "mod a;\nmod raw;\n"),
            ("raw/mod.rs", "use steam_sockets_sys as sys;\npub(crate) fn f() { sys::g() }\n"),
            (
                "a.rs",
                concat!(
                    "use crate::raw::types::Handle;\n",
                    "// sys::F in a comment\n",
                    "/// docs naming sys::F and steam_sockets_sys\n",
                    "/* sys:: in a block comment */\n",
                    "const S: &str = \"sys::F\";\n",
                    "fn f() -> u32 { unsafe { sys::F() } } // flagged\n",
                    "#[cfg(test)]\n",
                    "mod tests {\n",
                    "    use steam_sockets_sys as sys;\n",
                    "    fn cross_check() { sys::F(); }\n",
                    "}\n",
                ),
            ),
        ]);
        assert_eq!(
            of_rule(&found, "sys-outside-raw"),
            ["sys-outside-raw: a.rs:6: fn f() -> u32 { unsafe { sys::F() } } // flagged"]
        );
    }

    #[test]
    fn test_modules_are_excluded_with_their_braces() {
        // Two test modules in the middle of the file, as in `address.rs`.
        let text = concat!(
            "use crate::b::B;\n",
            "#[cfg(test)]\n",
            "mod tests {\n",
            "    use crate::c::C;\n",
            "    fn f() { if true { let _ = \"}\"; } }\n",
            "}\n",
            "\n",
            "/// Shared test helpers.\n",
            "#[cfg(all(test, feature = \"gns\"))]\n",
            "#[allow(dead_code)]\n",
            "pub(crate) mod helpers {\n",
            "    use steam_sockets_sys as sys;\n",
            "}\n",
            "#[cfg(test)]\n",
            "fn not_a_module() { sys::F(); }\n",
            "pub(crate) fn after() -> crate::d::D { todo!() }\n",
        );
        let layout =
            layout(&[("lib.rs", ""), ("a.rs", text), ("b.rs", ""), ("c.rs", ""), ("d.rs", "")]);
        assert_eq!(imports(&layout, "a.rs"), ["b", "d"]);
        let a = &layout.files[layout.files.iter().position(|f| f.path == "a.rs").unwrap()];
        // `use crate::b::B;`, `#[cfg(test)]` and `fn not_a_module`, `fn after`.
        assert_eq!(a.code_lines, 4);
        assert_eq!(
            of_rule(&layout.violations(""), "sys-outside-raw"),
            ["sys-outside-raw: a.rs:15: fn not_a_module() { sys::F(); }"]
        );
    }

    #[test]
    fn out_of_line_test_modules_are_test_code() {
        let found = violations(&[
            ("lib.rs", "#[cfg(test)]\nmod tests;\n"),
            ("tests.rs", "use steam_sockets_sys as sys;\nuse crate::Error;\n"),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn file_size_counts_code_lines_only() {
        let code = |n: usize| "let x = 1;\n".repeat(n);
        let padding = "\n// comment\n/// doc\n//! inner doc\n/* block\n comment */\n";
        let tests = format!("#[cfg(test)]\nmod tests {{\n{}}}\n", code(50));
        let at_limit = format!("{padding}{}{tests}", code(MAX_LINES));
        let over = format!("{padding}{}{tests}", code(MAX_LINES + 1));
        let found = violations(&[("lib.rs", ""), ("ok.rs", &at_limit), ("big.rs", &over)]);
        assert_eq!(
            of_rule(&found, "file-size"),
            [format!("file-size: big.rs: {} lines of non-test code, limit 600", MAX_LINES + 1)]
        );
    }

    #[test]
    fn grouped_use_statements_resolve_to_the_longest_module_prefix() {
        let layout = layout(&[
            ("lib.rs", "mod a;\nmod c;\nmod x;\n"),
            ("a.rs", ""),
            ("c/mod.rs", "mod d;\n"),
            ("c/d.rs", ""),
            ("e.rs", ""),
            (
                "x.rs",
                concat!(
                    "use crate::{a::B, c::{\n",
                    "    d::{self, D as Dee},\n",
                    "    e,\n",
                    "}};\n",
                    "fn f() { crate::e::send_one(1); }\n",
                ),
            ),
        ]);
        assert_eq!(imports(&layout, "x.rs"), ["a", "c", "c::d", "e"]);
        assert!(layout.violations("").is_empty());
    }

    #[test]
    fn super_paths_resolve_from_the_files_module() {
        let layout = layout(&[
            ("lib.rs", ""),
            ("foo/mod.rs", "mod bar;\nmod baz;\n"),
            ("foo/bar.rs", "use super::baz::Q;\nuse super::*;\n"),
            ("foo/baz.rs", "use super::{x, y};\nuse super::super::other::Z;\n"),
            ("other.rs", ""),
        ]);
        assert_eq!(imports(&layout, "foo/bar.rs"), ["foo", "foo::baz"]);
        assert_eq!(imports(&layout, "foo/baz.rs"), ["foo", "other"]);
        assert!(layout.violations("").is_empty());
    }

    #[test]
    fn super_in_inline_modules_is_the_file_itself() {
        let found = violations(&[
            ("lib.rs", ""),
            (
                "a.rs",
                concat!(
                    "pub(crate) struct Thing;\n",
                    "mod inner {\n",
                    "    use super::Thing;\n",
                    "    mod deeper { use super::super::Thing; }\n",
                    "}\n",
                    "fn f() -> Thing { Thing }\n",
                ),
            ),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn two_file_cycle() {
        let found = violations(&[
            ("lib.rs", "mod a;\nmod b;\n"),
            ("a.rs", "use crate::b::B;\npub(crate) struct A;\n"),
            ("b.rs", "pub(crate) struct B;\n\nfn f(_: crate::a::A) {}\n"),
        ]);
        assert_eq!(
            of_rule(&found, "import-cycle"),
            ["import-cycle: a.rs, b.rs (e.g. a.rs:1 -> b.rs:3 -> a.rs)"]
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn three_file_cycle() {
        let found = violations(&[
            ("lib.rs", ""),
            ("a.rs", "use crate::b::B;\n"),
            ("b.rs", "use crate::c::{C, D};\n"),
            ("c.rs", "fn f() { crate::a::send_one(); }\n"),
            ("d.rs", "use crate::a::A;\n"),
        ]);
        assert_eq!(
            of_rule(&found, "import-cycle"),
            ["import-cycle: a.rs, b.rs, c.rs (e.g. a.rs:1 -> b.rs:1 -> c.rs:1 -> a.rs)"]
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn declaring_a_submodule_is_no_edge_and_self_loops_are_ignored() {
        let layout = layout(&[
            ("lib.rs", "mod foo;\npub use foo::Helper;\n"),
            ("foo/mod.rs", "mod bar;\npub(crate) mod baz;\npub struct Helper;\n"),
            ("foo/bar.rs", "use super::Helper;\nuse crate::foo::bar::Own;\n"),
            ("foo/baz.rs", "use super::Helper;\nuse self::Own;\n"),
        ]);
        assert_eq!(imports(&layout, "foo/mod.rs"), Vec::<String>::new());
        assert_eq!(imports(&layout, "foo/bar.rs"), ["foo"]);
        assert!(layout.violations("").is_empty());
    }

    #[test]
    fn self_paths_to_submodules_are_edges() {
        let found = violations(&[
            ("lib.rs", ""),
            ("foo/mod.rs", "mod bar;\nuse self::bar::Bar;\npub(crate) struct Helper;\n"),
            ("foo/bar.rs", "use super::Helper;\n"),
        ]);
        assert_eq!(of_rule(&found, "import-cycle").len(), 1);
    }

    #[test]
    fn imports_through_the_crate_root_are_flagged() {
        let found = violations(&[
            ("lib.rs", "mod error;\npub use error::{Error, Result};\nfn f() -> crate::Result {}\n"),
            ("error.rs", "pub struct Error;\n"),
            (
                "a.rs",
                concat!(
                    "use crate::Error;\n",
                    "use crate::{error::Error as E, Result};\n",
                    "fn f(c: &crate::Connection) {}\n",
                    "use super::Thing;\n",
                    "use crate::error;\n",
                    "pub(crate) fn g() {}\n",
                ),
            ),
        ]);
        assert_eq!(
            of_rule(&found, "root-import"),
            [
                "root-import: a.rs:1: `crate::Error` goes through the crate root (no module file); \
                 name the module that defines it",
                "root-import: a.rs:2: `crate::Result` goes through the crate root (no module \
                 file); name the module that defines it",
                "root-import: a.rs:3: `crate::Connection` goes through the crate root (no module \
                 file); name the module that defines it",
                "root-import: a.rs:4: `super::Thing` goes through the crate root (no module \
                 file); name the module that defines it",
            ]
        );
        assert_eq!(found.len(), 4);
    }

    #[test]
    fn a_clean_tree_names_its_largest_file() {
        let layout = layout(&[
            ("lib.rs", "mod a;\nmod raw;\n"),
            ("a.rs", "use crate::raw::Handle;\nfn f() {\n}\n"),
            ("raw/mod.rs", "use steam_sockets_sys as sys;\npub(crate) type Handle = sys::H;\n"),
        ]);
        assert!(layout.violations("src/").is_empty());
        assert_eq!(
            layout.summary("src/"),
            "LAYOUT ok: 3 files, no sys:: outside raw/, no import cycle, largest non-test file \
             src/a.rs (3 lines)"
        );
        assert_eq!(
            layout.graph("src/"),
            [
                "GRAPH a (src/a.rs): 3 non-test lines -> raw",
                "GRAPH crate (src/lib.rs): 2 non-test lines -> (none)",
                "GRAPH raw (src/raw/mod.rs): 2 non-test lines -> (none)",
            ]
        );
    }

    #[test]
    fn unsafe_in_c_call_macros_needs_a_safety_comment() {
        let text = concat!(
            "fn f() -> Result {\n",
            "    // SAFETY: documented on the line above.\n",
            "    try_call!(unsafe { sys::A() })?;\n",
            "    try_call!(unsafe { sys::B() })?;\n",
            "    // SAFETY: documented above the statement,\n",
            "    // which starts on the line before.\n",
            "    let (name, n) =\n",
            "        c_call!(unsafe { sys::C() });\n",
            "    let x = try_call!(\n",
            "        // SAFETY: documented inside the call.\n",
            "        unsafe { sys::D() }\n",
            "    )?;\n",
            "    let y = c_call!(\n",
            "        unsafe { sys::E() }\n",
            "    );\n",
            "    // A comment, but no safety argument.\n",
            "    try_call!(unsafe { sys::F() } else Failed)?;\n",
            "    // try_call!(unsafe { sys::G() }) in a comment is no call\n",
            "    not_try_call!(unsafe { sys::H() });\n",
            "    // SAFETY: a blank line ends the block.\n",
            "\n",
            "    try_call!( unsafe { sys::I() })?;\n",
            "}\n",
        );
        let found = violations(&[("lib.rs", ""), ("raw/a.rs", text)]);
        let lines: Vec<String> = of_rule(&found, "safety-comment")
            .iter()
            .map(|v| v.split(": unsafe").next().unwrap().to_string())
            .collect();
        assert_eq!(
            lines,
            [
                "safety-comment: raw/a.rs:4",
                "safety-comment: raw/a.rs:13",
                "safety-comment: raw/a.rs:17",
                "safety-comment: raw/a.rs:22",
            ]
        );
    }
}
