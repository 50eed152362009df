//! Path templates (`/users/{id}`, `/files/{name}.{ext}`), parsed once: their parameter names, and
//! whether a concrete request path is one of theirs.

/// One segment of a template, between slashes: literal text and `{name}` holes in turn.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece<'a> {
    Literal(&'a str),
    Param(&'a str),
}

/// A parsed path template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathTemplate<'a> {
    segments: Vec<Vec<Piece<'a>>>,
}

impl<'a> PathTemplate<'a> {
    /// Parses a template. An unclosed `{` is kept as literal text.
    pub fn parse(template: &'a str) -> PathTemplate<'a> {
        let segments = template
            .trim_start_matches('/')
            .split('/')
            .map(|segment| {
                let mut pieces = Vec::new();
                let mut rest = segment;
                while let Some(start) = rest.find('{') {
                    let Some(len) = rest[start + 1..].find('}') else {
                        break;
                    };
                    if start > 0 {
                        pieces.push(Piece::Literal(&rest[..start]));
                    }
                    pieces.push(Piece::Param(&rest[start + 1..start + 1 + len]));
                    rest = &rest[start + len + 2..];
                }
                if !rest.is_empty() || pieces.is_empty() {
                    pieces.push(Piece::Literal(rest));
                }
                pieces
            })
            .collect();
        PathTemplate { segments }
    }

    /// The `{name}`s, in order.
    pub fn params(&self) -> Vec<&'a str> {
        self.segments
            .iter()
            .flatten()
            .filter_map(|p| match p {
                Piece::Param(name) => Some(*name),
                Piece::Literal(_) => None,
            })
            .collect()
    }

    /// The index of the segment that is exactly `{name}` (`/users/{id}`: `id` is segment 1,
    /// counting from the first after the leading slash); `None` when `name` is not a whole
    /// segment.
    pub fn whole_segment(&self, name: &str) -> Option<usize> {
        self.segments
            .iter()
            .position(|pieces| pieces.as_slice() == [Piece::Param(name)])
    }

    /// Whether a concrete path (`/users/42`, no query) is an instance of this template: same
    /// number of segments, literals equal, each `{name}` standing for a non-empty part of one
    /// segment.
    pub fn matches(&self, path: &str) -> bool {
        let concrete: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        concrete.len() == self.segments.len()
            && self
                .segments
                .iter()
                .zip(concrete)
                .all(|(pieces, segment)| segment_matches(pieces, segment))
    }
}

fn segment_matches(pieces: &[Piece<'_>], segment: &str) -> bool {
    match pieces.split_first() {
        None => segment.is_empty(),
        Some((Piece::Literal(lit), rest)) => segment
            .strip_prefix(lit)
            .is_some_and(|after| segment_matches(rest, after)),
        Some((Piece::Param(_), rest)) => {
            // A hole takes at least one character; try every split (segments are short).
            (1..=segment.len())
                .filter(|&i| segment.is_char_boundary(i))
                .any(|i| segment_matches(rest, &segment[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_its_parameters() {
        assert_eq!(
            PathTemplate::parse("/a/{b}/c/{d}.{e}").params(),
            ["b", "d", "e"]
        );
        assert!(PathTemplate::parse("/a/b").params().is_empty());
        assert!(PathTemplate::parse("/a/{b").params().is_empty());
        let t = PathTemplate::parse("/users/{id}/files/{name}.json");
        assert_eq!(t.whole_segment("id"), Some(1));
        assert_eq!(t.whole_segment("name"), None);
    }

    #[test]
    fn matches_concrete_paths() {
        let user = PathTemplate::parse("/user/{username}");
        assert!(user.matches("/user/createWithArray"));
        assert!(user.matches("/user/alice"));
        assert!(!user.matches("/user"));
        assert!(!user.matches("/user/"));
        assert!(!user.matches("/user/a/b"));
        let file = PathTemplate::parse("/files/{name}.json");
        assert!(file.matches("/files/report.json"));
        assert!(!file.matches("/files/.json"));
        assert!(!file.matches("/files/report.yaml"));
        assert!(PathTemplate::parse("/").matches("/"));
        assert!(PathTemplate::parse("/a/b").matches("/a/b"));
        assert!(!PathTemplate::parse("/a/b").matches("/a/c"));
    }
}
