//! Accepted failures in the harness, so generated tests and `contractgate run` agree: a failure
//! the baseline file lists is `Known` (the test passes), another kind of failure on the same check
//! is not, an expired entry fails again with a line saying so, and a file that does not read
//! errors the check instead of passing it.

use contractgate::baseline::{Baseline, Fingerprint};
use contractgate::{Check, Outcome, Settings};

use crate::support::{Behaviour, Profile, harness, run};

fn settings_with(name: &str, text: &str) -> Settings {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("baseline-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    Settings {
        baseline: Some(path),
        ..Settings::default()
    }
}

/// The baseline text that accepts what `profile` fails `check` with.
fn accepting(profile: Profile, check: Check) -> String {
    let h = harness(Behaviour::profile(profile), Settings::default());
    let r = run(&h, "getUserProfile", check);
    assert!(r.is_failure(), "{r}");
    let mut b = Baseline::of_failures([&r]);
    b.accepted[0].reason = "PROJ-1".into();
    b.to_toml()
}

#[test]
fn a_listed_failure_is_known_and_another_kind_is_not() {
    let text = accepting(Profile::MissingField, Check::ResponseSchemaConformance);
    let settings = settings_with("missing-field.toml", &text);
    // The same defect, judged again by a new harness: known.
    let h = harness(Behaviour::profile(Profile::MissingField), settings.clone());
    let r = run(&h, "getUserProfile", Check::ResponseSchemaConformance);
    match &r.outcome {
        Outcome::Known { reason, failure } => {
            assert_eq!(reason, "PROJ-1");
            assert!(
                Fingerprint::of(failure)
                    .kind
                    .starts_with("200: the body does not match its schema (required at the body)"),
                "{}",
                Fingerprint::of(failure).kind
            );
        }
        other => panic!("expected known, got {other:?}"),
    }
    assert!(!r.is_failure());
    // Another violated keyword on the same check: a new failure.
    let h = harness(Behaviour::profile(Profile::WrongType), settings.clone());
    let r = run(&h, "getUserProfile", Check::ResponseSchemaConformance);
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{r}");
    // Fixed: it passes.
    let h = harness(Behaviour::good(), settings);
    let r = run(&h, "getUserProfile", Check::ResponseSchemaConformance);
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
}

#[test]
fn an_expired_entry_fails_again_and_says_so() {
    let text = accepting(Profile::ServerError, Check::NotServerError)
        .replace("# expires = \"YYYY-MM-DD\"", "expires = \"2020-01-01\"");
    let h = harness(
        Behaviour::profile(Profile::ServerError),
        settings_with("expired.toml", &text),
    );
    let r = run(&h, "getUserProfile", Check::NotServerError);
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{r}");
    let text = r.to_string();
    assert!(
        text.contains("accepted this failure until 2020-01-01 (\"PROJ-1\"); the entry has expired"),
        "{text}"
    );
}

#[test]
fn a_baseline_that_does_not_read_errors_the_check() {
    let h = harness(
        Behaviour::good(),
        settings_with("broken.toml", "[[accepted]]\nfingerprint = 3\n"),
    );
    let r = run(&h, "getUserProfile", Check::NotServerError);
    assert!(matches!(r.outcome, Outcome::Errored(_)), "{r}");
    assert!(
        r.to_string()
            .contains("the baseline file could not be read"),
        "{r}"
    );
}
