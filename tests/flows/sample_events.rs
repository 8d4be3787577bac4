//! Every sample in `events/` keeps the contract; every file in
//! `events/malformed/` breaks it, naming the field.

use memnun_shared::Error;
use memnun_shared::contract::Event;
use memnun_shared::contract::routing::Route;

fn json_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("events dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.ends_with("scenario.json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_sample_is_valid_and_named_for_its_type() {
    let dir = memnun_tests::workspace_root().join("events");
    let files = json_files(&dir);
    assert!(files.len() >= 7, "one sample per type: {files:?}");
    for file in files {
        let body = std::fs::read_to_string(&file).unwrap();
        let event = Event::parse(&body).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let kind = event.data.kind();
        assert_eq!(
            file.file_stem().unwrap().to_str().unwrap(),
            kind,
            "{}",
            file.display()
        );
        assert!(Route::for_type(kind).is_some());
    }
}

#[test]
fn every_story_event_is_valid_and_named_for_its_type() {
    // More events of a type than its one sample, for the local run's
    // story: `<type>.<what>.json`.
    let dir = memnun_tests::workspace_root().join("events/story");
    for file in json_files(&dir) {
        let body = std::fs::read_to_string(&file).unwrap();
        let event = Event::parse(&body).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let stem = file.file_stem().unwrap().to_str().unwrap();
        assert!(
            stem.starts_with(&format!("{}.", event.data.kind())),
            "{}",
            file.display()
        );
    }
}

#[test]
fn every_malformed_sample_is_refused_with_its_field() {
    let dir = memnun_tests::workspace_root().join("events/malformed");
    for file in json_files(&dir) {
        let body = std::fs::read_to_string(&file).unwrap();
        match Event::parse(&body) {
            Err(Error::Contract { field, .. }) => assert!(!field.is_empty()),
            other => panic!("{} should violate the contract: {other:?}", file.display()),
        }
    }
}

#[test]
fn the_scenario_names_existing_files() {
    let dir = memnun_tests::workspace_root().join("events");
    use memnun_tests::local::scenario::Step;
    let steps = memnun_tests::local::scenario::load(&dir).expect("scenario");
    assert!(
        steps
            .iter()
            .any(|s| matches!(s, Step::Send(send) if send.deliveries > 1)),
        "the scenario has a duplicate delivery"
    );
}
