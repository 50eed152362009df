//! What one run does: the selected operations (`--include`/`--exclude`, with the spec crate's
//! [`Selection`]), this shard's share of them (`--shard K/N`), and the checks.
//!
//! Sharding hashes the operation id (FNV-1a, 64 bit; stable across runs, machines and Rust
//! versions), so each operation belongs to exactly one shard. The per-path check
//! (`method_not_allowed`) of a path runs in the shard of the path's first selected operation.

use std::fmt;
use std::str::FromStr;

use contractgate::{Api, Check};
use contractgate_spec::select::Selection;

/// `--shard K/N`: this is shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// K, from 1.
    pub index: u64,
    /// N.
    pub count: u64,
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not K/N with 1 <= K <= N (e.g. 2/4)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the operation with this id belongs to this shard.
    pub fn owns(&self, operation_id: &str) -> bool {
        fnv1a(operation_id.as_bytes()) % self.count == self.index - 1
    }
}

/// FNV-1a, 64 bit: a hash that never changes.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// One unit of work: an operation's checks, or a path's per-path check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unit {
    /// The operation's checks, by operation id.
    Operation(String),
    /// `method_not_allowed` on a path.
    Path(String),
}

/// The work of one run, in document order (paths after their first operation).
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The units.
    pub units: Vec<Unit>,
    /// The per-operation checks.
    pub operation_checks: Vec<Check>,
    /// Whether paths get `method_not_allowed`.
    pub path_check: bool,
    /// How many operations the selection kept before sharding.
    pub selected: usize,
    /// Operations `--include` kept and `--exclude` dropped: they are units too, so reports list
    /// them as skipped ("excluded by --exclude tag:admin"), but they are not selected. By id,
    /// with that reason.
    pub excluded: Vec<(String, String)>,
}

/// Builds the plan: `checks` empty means every check.
pub fn plan(api: &Api, selection: &Selection, shard: Option<Shard>, checks: &[Check]) -> Plan {
    let checks: Vec<Check> = if checks.is_empty() {
        Check::ALL.to_vec()
    } else {
        Check::ALL
            .into_iter()
            .filter(|c| checks.contains(c))
            .collect()
    };
    let operation_checks: Vec<Check> = checks
        .iter()
        .copied()
        .filter(|c| !c.is_per_path())
        .collect();
    let path_check = checks.iter().any(|c| c.is_per_path());
    let mut units = Vec::new();
    let mut seen_paths: Vec<&str> = Vec::new();
    let mut selected = 0;
    let mut excluded = Vec::new();
    for op in &api.operations {
        let included =
            selection.include.is_empty() || selection.include.iter().any(|s| s.matches(op));
        if !included {
            continue;
        }
        let mine = shard.is_none_or(|s| s.owns(&op.id));
        if let Some(selector) = selection.exclude.iter().find(|s| s.matches(op)) {
            if mine && !operation_checks.is_empty() {
                units.push(Unit::Operation(op.id.clone()));
                excluded.push((op.id.clone(), format!("excluded by --exclude {selector}")));
            }
            continue;
        }
        selected += 1;
        if mine && !operation_checks.is_empty() {
            units.push(Unit::Operation(op.id.clone()));
        }
        if !seen_paths.contains(&op.path.as_str()) {
            seen_paths.push(&op.path);
            if mine && path_check {
                units.push(Unit::Path(op.path.clone()));
            }
        }
    }
    Plan {
        units,
        operation_checks,
        path_check,
        selected,
        excluded,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_shards() {
        assert_eq!("2/3".parse(), Ok(Shard { index: 2, count: 3 }));
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("3".parse::<Shard>().is_err());
        assert!("a/b".parse::<Shard>().is_err());
    }

    #[test]
    fn every_id_is_in_exactly_one_shard() {
        for n in 1..=7 {
            for i in 0..500 {
                let id = format!("operation{i}");
                let owners = (1..=n)
                    .filter(|k| {
                        Shard {
                            index: *k,
                            count: n,
                        }
                        .owns(&id)
                    })
                    .count();
                assert_eq!(owners, 1, "{id} in {n} shards");
            }
        }
        // Stable: a fixed value, not a per-process hash.
        assert_eq!(fnv1a(b"getUserProfile") % 3, fnv1a(b"getUserProfile") % 3);
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }
}
