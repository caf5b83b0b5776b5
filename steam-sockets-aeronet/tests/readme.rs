//! The README's usage code is the crate docs' (which run it as a doctest on GNS), and its
//! migration table is the crate docs' too.

const README: &str = include_str!("../README.md");
const LIB: &str = include_str!("../src/lib.rs");
const MIGRATING: &str = include_str!("../src/migrating.md");

/// The code of the README's first `rust,no_run` block.
fn readme_snippet() -> String {
    let start = README.find("```rust,no_run\n").expect("a rust block") + "```rust,no_run\n".len();
    let end = start + README[start..].find("```").expect("its end");
    README[start..end].to_string()
}

/// The code of the crate docs' first example (the one after the backend-dependent fence).
fn lib_snippet() -> String {
    let fence = "doc = \"```no_run\")]\n";
    let start = LIB.find(fence).expect("the example's fence") + fence.len();
    let end = start + LIB[start..].find("//! ```").expect("its end");
    LIB[start..end]
        .lines()
        .map(|line| line.strip_prefix("//! ").or(line.strip_prefix("//!")).unwrap_or(line))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn the_readme_example_is_the_crate_docs_example() {
    assert_eq!(readme_snippet(), lib_snippet());
}

#[test]
fn the_readme_migration_table_is_the_crate_docs_table() {
    assert!(README.contains(MIGRATING), "README.md must contain src/migrating.md verbatim");
}
