//! Reading the text the libsql crate gives for server errors: Rust-debug-quoted strings, the
//! `"error"` field of a JSON error body, and URLs made fit for messages.

use super::redact;

/// Reads a Rust-debug-quoted string up to its closing quote: the unescaped text and what follows.
pub(super) fn unquote_debug(text: &str) -> Option<(String, &str)> {
    unescape(text, Escapes::RustDebug)
}

/// The `"error"` string of a JSON error body such as `{"error":"…"}`.
pub(super) fn json_error_field(body: &str) -> Option<String> {
    let (_, tail) = body.split_once("\"error\":")?;
    let tail = tail.trim_start().strip_prefix('"')?;
    unescape(tail, Escapes::Json).map(|(text, _)| text)
}

/// How a quoted string escapes characters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Escapes {
    /// Rust's `{:?}`: `\u{e9}`, `\0`.
    RustDebug,
    /// JSON: `\u00e9`, `\b`, `\f` (read as spaces).
    Json,
}

/// Reads a quoted string's text up to its closing quote (the opening one already read): the
/// unescaped text and what follows the closing quote.
fn unescape(text: &str, escapes: Escapes) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Some((out, &text[at + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' if escapes == Escapes::RustDebug => out.push('\0'),
                'b' | 'f' if escapes == Escapes::Json => out.push(' '),
                'u' => {
                    let hex: String = match escapes {
                        // \u{XXXX}
                        Escapes::RustDebug => chars
                            .by_ref()
                            .map(|(_, h)| h)
                            .take_while(|&h| h != '}')
                            .filter(|&h| h != '{')
                            .collect(),
                        Escapes::Json => chars.by_ref().take(4).map(|(_, h)| h).collect(),
                    };
                    out.push(
                        u32::from_str_radix(&hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .unwrap_or('\u{fffd}'),
                    );
                }
                other => out.push(other),
            },
            _ => out.push(c),
        }
    }
    None
}

/// A URL fit for messages: scheme, host, port and path, without credentials, query or fragment.
pub fn redact_url(url: &str) -> String {
    let url = url.trim();
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    let url = &url[..cut];
    let Some((scheme, rest)) = url.split_once("://") else {
        return redact(url);
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}{}", path.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquotes_debug_strings() {
        assert_eq!(
            unquote_debug(r#"a \"b\" \\ \u{e9}\n", rest"#),
            Some(("a \"b\" \\ é\n".to_owned(), ", rest"))
        );
        assert_eq!(unquote_debug("unterminated"), None);
        assert_eq!(
            json_error_field(r#"{"error":"x \"y\" \u00e9"}"#).as_deref(),
            Some("x \"y\" é")
        );
    }

    #[test]
    fn redacts_urls() {
        assert_eq!(
            redact_url("libsql://user:secret@db.example.org/path/?authToken=abc#frag"),
            "libsql://db.example.org/path"
        );
        assert_eq!(redact_url("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            redact_url("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080"
        );
    }
}
