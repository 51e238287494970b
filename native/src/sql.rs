//! SQL text helpers shared by the writer-queue rule, the inline path and schema freshness:
//! skipping whitespace and comments, and the first keyword.

/// The first keyword of SQL text in upper case (at most 8 letters), leading whitespace and
/// comments skipped.
pub fn first_keyword(sql: &str) -> String {
    let (bytes, len) = first_keyword_bytes(sql);
    String::from_utf8_lossy(&bytes[..len]).into_owned()
}

/// SQL text from its first token on: leading whitespace and comments skipped.
pub fn skip_noise(mut rest: &str) -> &str {
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else {
            return rest;
        }
    }
}

/// `first_keyword` without an allocation: up to 8 upper-case ASCII letters and their count.
pub fn first_keyword_bytes(sql: &str) -> ([u8; 8], usize) {
    let rest = skip_noise(sql);
    let mut out = [0u8; 8];
    let mut len = 0;
    for b in rest.bytes().take_while(u8::is_ascii_alphabetic).take(8) {
        out[len] = b.to_ascii_uppercase();
        len += 1;
    }
    (out, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_whitespace_and_comments() {
        assert_eq!(first_keyword("  -- x\n /* y */ select 1"), "SELECT");
        assert_eq!(
            first_keyword("with x as (select 1) select * from x"),
            "WITH"
        );
        assert_eq!(first_keyword(""), "");
        assert_eq!(first_keyword("/* unterminated"), "");
    }
}
