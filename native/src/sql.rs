//! SQL text helpers shared by the writer-queue rule and the inline path.

/// The first keyword of SQL text in upper case (at most 8 letters), leading whitespace and
/// comments skipped.
pub fn first_keyword(sql: &str) -> String {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else {
            break;
        }
    }
    rest.chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .take(8)
        .map(|c| c.to_ascii_uppercase())
        .collect()
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
