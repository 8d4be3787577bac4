//! The docs against their sources. Tables that restate the template or a
//! benchmark's results must say what the source says, or a shop follows a
//! page that has drifted: every parameter of the template is documented, every
//! variable a function gets is in the configuration table, and the
//! benchmark's tables in `docs/performance.md` are the generated results file
//! they name, byte for byte (`tools/bench/publish.sh` copies them in). These
//! run without the emulator.

use std::collections::BTreeSet;
use std::path::Path;

use memnun_tests::template::Template;

fn read(path: &str) -> String {
    let full = memnun_tests::workspace_root().join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// Every `` `Name` `` a page mentions in its text (fenced code blocks are
/// left out: their backticks would pair the wrong way).
fn mentioned(page: &str) -> BTreeSet<String> {
    let mut fenced = false;
    let text: Vec<&str> = page
        .lines()
        .filter(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect();
    text.join("\n")
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn template() -> Template {
    Template::load().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_parameter_of_the_template_is_documented() {
    let documented = mentioned(&read("infra/README.md"));
    let missing: Vec<String> = template()
        .parameter_specs()
        .into_keys()
        .filter(|name| !documented.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "infra/README.md → Parameters does not mention {missing:?}"
    );
}

#[test]
fn every_variable_a_function_gets_is_in_the_configuration_table() {
    let documented = mentioned(&read("docs/configuration.md"));
    let mut missing = BTreeSet::new();
    for function in template().functions().unwrap_or_else(|e| panic!("{e}")) {
        for name in function.environment.keys() {
            if !documented.contains(name) {
                missing.insert(format!("{name} ({})", function.binary));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/configuration.md does not mention {missing:?}"
    );
}

/// The block `<!-- bench: <file> -->` … `<!-- /bench -->` of a page: the
/// file it names and what it holds.
fn bench_blocks(page: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<!-- bench: ") {
        let after = &rest[start + "<!-- bench: ".len()..];
        let (file, body) = after.split_once(" -->\n").expect("a closed bench marker");
        let (held, tail) = body.split_once("<!-- /bench -->").expect("an end marker");
        blocks.push((file.to_string(), held.to_string()));
        rest = tail;
    }
    blocks
}

#[test]
fn the_benchmark_tables_are_the_results_they_name() {
    let page = read("docs/performance.md");
    let blocks = bench_blocks(&page);
    assert!(
        !blocks.is_empty(),
        "docs/performance.md holds no generated benchmark block"
    );
    for (file, held) in blocks {
        assert!(
            Path::new(&file).starts_with("tools/bench/results"),
            "{file}: not a results file"
        );
        assert_eq!(
            held.trim(),
            read(&file).trim(),
            "docs/performance.md differs from {file}: run tools/bench/publish.sh {file}"
        );
    }
}
