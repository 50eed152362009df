//! Tokens → source: `prettyplease`, then a blank line between items, so the file reads well in an
//! editor (neither prettyplease nor rustfmt separates items). No rustfmt: a user's build may not
//! have it installed.

use proc_macro2::TokenStream;

/// Formats a token stream as a Rust file.
pub fn format(tokens: TokenStream) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| e.to_string())?;
    Ok(space_out_items(&prettyplease::unparse(&file)))
}

/// Inserts a blank line after every line that closes an item (ends with `}`, or is a top-level
/// `static ...;`) when the next line, at the same or a shallower depth, opens another one.
fn space_out_items(src: &str) -> String {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = String::with_capacity(src.len() + src.len() / 16);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let Some(next) = lines.get(i + 1) else {
            continue;
        };
        let trimmed = line.trim();
        let next_trimmed = next.trim();
        let closes = trimmed.ends_with('}') || (trimmed.ends_with(';') && indent(line) == 0);
        let opens_item = !next_trimmed.is_empty() && !next_trimmed.starts_with('}');
        if closes && opens_item && indent(next) <= indent(line) {
            out.push('\n');
        }
    }
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn separates_items_with_blank_lines() {
        let src = format(quote! {
            static A: &str = "a";
            fn run() {}
            mod m {
                #[test]
                fn one() { super::run(); }
                #[test]
                fn two() { super::run(); }
            }
        })
        .unwrap();
        assert_eq!(
            src,
            "static A: &str = \"a\";\n\nfn run() {}\n\nmod m {\n    #[test]\n    fn one() {\n        super::run();\n    }\n\n    #[test]\n    fn two() {\n        super::run();\n    }\n}\n"
        );
    }
}
