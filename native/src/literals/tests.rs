//! The normaliser on its own: which literals it replaces, which it leaves, and how the caller's
//! own parameters are numbered with them.

use super::*;

fn key(sql: &str) -> Option<String> {
    normalise(sql).map(|n| n.sql)
}

fn literals(sql: &str) -> Vec<i64> {
    normalise(sql).map_or_else(Vec::new, |n| n.slots.into_iter().flatten().collect())
}

#[test]
fn typeorm_find_one_by() {
    let sql = r#"SELECT "User"."id" AS "User_id", "User"."name" AS "User_name" FROM "user" "User" WHERE (("User"."id" = 1)) LIMIT 1"#;
    assert_eq!(
        key(sql).as_deref(),
        Some(
            r#"SELECT "User"."id" AS "User_id", "User"."name" AS "User_name" FROM "user" "User" WHERE (("User"."id" = ?)) LIMIT ?"#
        )
    );
    assert_eq!(literals(sql), vec![1, 1]);
}

#[test]
fn relation_in_lists() {
    let sql = r#"SELECT "p"."id" FROM "post" "p" WHERE "p"."authorId" IN (1, 2, 30)"#;
    assert_eq!(
        key(sql).as_deref(),
        Some(r#"SELECT "p"."id" FROM "post" "p" WHERE "p"."authorId" IN (?, ?, ?)"#)
    );
    assert_eq!(literals(sql), vec![1, 2, 30]);
    assert_eq!(
        key("SELECT a FROM t WHERE a NOT IN (4)").as_deref(),
        Some("SELECT a FROM t WHERE a NOT IN (?)")
    );
}

#[test]
fn comparisons_joins_and_having() {
    assert_eq!(
        key("SELECT a FROM t JOIN u ON u.t = t.id AND u.k >= 3 WHERE t.a <> 7 OR t.b != 8")
            .as_deref(),
        Some("SELECT a FROM t JOIN u ON u.t = t.id AND u.k >= ? WHERE t.a <> ? OR t.b != ?")
    );
    assert_eq!(
        key("SELECT a, count(*) FROM t GROUP BY a HAVING count(*) > 2").as_deref(),
        Some("SELECT a, count(*) FROM t GROUP BY a HAVING count(*) > ?")
    );
    assert_eq!(
        key("UPDATE t SET a = 5 WHERE id = 6").as_deref(),
        Some("UPDATE t SET a = ? WHERE id = ?")
    );
    assert_eq!(
        key("DELETE FROM t WHERE id == 9").as_deref(),
        Some("DELETE FROM t WHERE id == ?")
    );
}

#[test]
fn between_bounds() {
    let sql =
        r#"SELECT "p"."id" FROM "post" "p" WHERE "p"."id" BETWEEN 11 AND 60 ORDER BY "p"."id" ASC"#;
    assert_eq!(
        key(sql).as_deref(),
        Some(
            r#"SELECT "p"."id" FROM "post" "p" WHERE "p"."id" BETWEEN ? AND ? ORDER BY "p"."id" ASC"#
        )
    );
    assert_eq!(literals(sql), vec![11, 60]);
    assert_eq!(
        key("SELECT a FROM t WHERE a NOT BETWEEN -3 AND 4 AND b = 1").as_deref(),
        Some("SELECT a FROM t WHERE a NOT BETWEEN -? AND ? AND b = ?")
    );
    // Only a bound that is a whole operand: arithmetic stays as written.
    assert_eq!(
        key("SELECT a FROM t WHERE a BETWEEN 1 AND 5 + 2").as_deref(),
        Some("SELECT a FROM t WHERE a BETWEEN ? AND 5 + 2")
    );
    assert_eq!(
        key("SELECT a FROM t WHERE a BETWEEN b AND 5").as_deref(),
        None
    );
    // An AND that is not a BETWEEN's: a literal after it is no comparison operand.
    assert_eq!(key("SELECT a FROM t WHERE a = b AND 5"), None);
    assert_eq!(key("SELECT a FROM t WHERE a AND 5"), None);
    // Never in the select list or ORDER BY.
    assert_eq!(key("SELECT a BETWEEN 1 AND 2 FROM t"), None);
    assert_eq!(key("SELECT a FROM t ORDER BY a BETWEEN 1 AND 2"), None);
}

#[test]
fn set_and_values() {
    // TypeORM's update and insert write the numbers they store into the SQL.
    assert_eq!(
        key(r#"UPDATE "author" SET "score" = 77 WHERE "id" = 1"#).as_deref(),
        Some(r#"UPDATE "author" SET "score" = ? WHERE "id" = ?"#)
    );
    assert_eq!(
        key(r#"INSERT INTO "author"("id", "name", "score") VALUES (NULL, ?, 1), (NULL, ?, -2) RETURNING "id", 3"#)
            .as_deref(),
        Some(r#"INSERT INTO "author"("id", "name", "score") VALUES (NULL, ?, ?), (NULL, ?, -?) RETURNING "id", 3"#)
    );
    assert_eq!(
        literals("UPDATE t SET a = 1, b = 2 RETURNING a"),
        vec![1, 2]
    );
    // Only a whole right-hand side or a whole element: expressions and nested calls stay.
    assert_eq!(key("UPDATE t SET a = a + 1"), None);
    assert_eq!(key("UPDATE t SET a = 1 + a"), None);
    assert_eq!(key("UPDATE t SET (a, b) = (1, 2)"), None);
    assert_eq!(
        key("UPDATE t SET a = CASE WHEN b = 1 THEN 2 END, c = 3").as_deref(),
        Some("UPDATE t SET a = CASE WHEN b = 1 THEN 2 END, c = ?")
    );
    assert_eq!(key("INSERT INTO t VALUES (abs(5), (6))"), None);
    assert_eq!(key("INSERT INTO t VALUES (1 + 2)"), None);
    assert_eq!(
        key("SELECT * FROM (VALUES (1, 2)) WHERE column1 = 1").as_deref(),
        Some("SELECT * FROM (VALUES (?, ?)) WHERE column1 = ?")
    );
    // An upsert is never touched.
    assert_eq!(
        key("INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET a = 2"),
        None
    );
}

#[test]
fn limit_and_offset() {
    assert_eq!(
        key("SELECT a FROM t LIMIT 10 OFFSET 20").as_deref(),
        Some("SELECT a FROM t LIMIT ? OFFSET ?")
    );
    assert_eq!(
        key("SELECT a FROM t LIMIT 10, 20").as_deref(),
        Some("SELECT a FROM t LIMIT ?, ?")
    );
    assert_eq!(
        key("SELECT a FROM t ORDER BY 1 LIMIT -1").as_deref(),
        Some("SELECT a FROM t ORDER BY 1 LIMIT -?")
    );
}

#[test]
fn negative_numbers_keep_their_minus() {
    assert_eq!(
        key("SELECT a FROM t WHERE a = -5").as_deref(),
        Some("SELECT a FROM t WHERE a = -?")
    );
    assert_eq!(literals("SELECT a FROM t WHERE a = -5"), vec![5]);
    // Arithmetic is not a value position of its own.
    assert_eq!(key("SELECT a FROM t WHERE a = 5 - 1"), None);
    assert_eq!(key("SELECT a FROM t WHERE a = b - 1"), None);
    assert_eq!(key("SELECT a FROM t WHERE a = - -1"), None);
}

#[test]
fn never_the_select_list_order_by_group_by_or_returning() {
    assert_eq!(key("SELECT 1, a = 2 FROM t"), None);
    assert_eq!(key("SELECT a FROM t ORDER BY 1"), None);
    assert_eq!(key("SELECT a, b FROM t GROUP BY 2"), None);
    assert_eq!(
        key("SELECT CASE WHEN a = 1 THEN 2 END FROM t WHERE a = 3").as_deref(),
        Some("SELECT CASE WHEN a = 1 THEN 2 END FROM t WHERE a = ?")
    );
    // A subquery in the select list names its column by its text.
    assert_eq!(
        key("SELECT (SELECT count(*) FROM u WHERE u.id = 1) FROM t"),
        None
    );
    assert_eq!(
        key("DELETE FROM t WHERE id = 1 RETURNING id = 2").as_deref(),
        Some("DELETE FROM t WHERE id = ? RETURNING id = 2")
    );
    assert_eq!(
        key("SELECT row_number() OVER (PARTITION BY a ORDER BY 1) FROM t"),
        None
    );
}

#[test]
fn subqueries_in_where_and_from() {
    assert_eq!(
        key("SELECT a FROM t WHERE a IN (SELECT b FROM u WHERE c = 4 ORDER BY 1 LIMIT 2)")
            .as_deref(),
        Some("SELECT a FROM t WHERE a IN (SELECT b FROM u WHERE c = ? ORDER BY 1 LIMIT ?)")
    );
    assert_eq!(
        key("SELECT * FROM (SELECT a, 1 FROM t WHERE b = 3) s WHERE s.a > 2").as_deref(),
        Some("SELECT * FROM (SELECT a, 1 FROM t WHERE b = ?) s WHERE s.a > ?")
    );
    assert_eq!(
        key("SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.x = t.a)"),
        None
    );
}

#[test]
fn never_inside_strings_identifiers_or_comments() {
    assert_eq!(
        key("SELECT a FROM t WHERE b = '= 1' AND \"c = 2\" = 3 -- = 4\n").as_deref(),
        Some("SELECT a FROM t WHERE b = '= 1' AND \"c = 2\" = ? -- = 4\n")
    );
    assert_eq!(
        key("SELECT a FROM t WHERE [x = 1] = 'it''s' /* = 5 */"),
        None
    );
    assert_eq!(key("SELECT a FROM t WHERE b = x'01'"), None);
    assert_eq!(key("SELECT a FROM t WHERE b LIKE '1%'"), None);
}

#[test]
fn only_plain_integers_within_i64() {
    assert_eq!(key("SELECT a FROM t WHERE a = 0x10"), None);
    assert_eq!(key("SELECT a FROM t WHERE a = 1.0"), None);
    assert_eq!(key("SELECT a FROM t WHERE a = 1e3"), None);
    assert_eq!(key("SELECT a FROM t WHERE a = .5"), None);
    assert_eq!(key("SELECT a FROM t WHERE a = 9223372036854775808"), None);
    assert_eq!(key("SELECT a FROM t WHERE a = -9223372036854775808"), None);
    assert_eq!(
        literals("SELECT a FROM t WHERE a = 9223372036854775807"),
        vec![i64::MAX]
    );
    assert_eq!(literals("SELECT a FROM t WHERE a = 007"), vec![7]);
}

#[test]
fn only_statements_that_can_have_values() {
    assert_eq!(key("CREATE INDEX i ON t(a) WHERE b = 1"), None);
    assert_eq!(key("CREATE TABLE t (a INTEGER CHECK (a > 1))"), None);
    assert_eq!(key("PRAGMA user_version = 3"), None);
    assert_eq!(key("EXPLAIN SELECT a FROM t WHERE a = 1"), None);
    assert_eq!(
        key("INSERT INTO t (a) VALUES (1) ON CONFLICT (a) WHERE a > 0 DO NOTHING"),
        None
    );
    assert_eq!(
        key("INSERT INTO t (a) VALUES (1)").as_deref(),
        Some("INSERT INTO t (a) VALUES (?)")
    );
    assert_eq!(
        key("WITH c AS (SELECT a FROM t WHERE a = 1) SELECT * FROM c").as_deref(),
        Some("WITH c AS (SELECT a FROM t WHERE a = ?) SELECT * FROM c")
    );
}

#[test]
fn one_statement_and_bare_placeholders_only() {
    assert_eq!(key("SELECT a FROM t WHERE a = 1; SELECT 2"), None);
    assert_eq!(
        key("SELECT a FROM t WHERE a = 1;  ").as_deref(),
        Some("SELECT a FROM t WHERE a = ?;  ")
    );
    assert_eq!(key("SELECT a FROM t WHERE a = ?1 AND b = 2"), None);
    assert_eq!(key("SELECT a FROM t WHERE a = :a AND b = 2"), None);
    assert_eq!(key("SELECT a FROM t WHERE a = @a AND b = 2"), None);
    assert_eq!(key("SELECT a FROM t WHERE a = $a AND b = 2"), None);
    assert_eq!(key("SELECT a FROM t WHERE (a = 1"), None);
    assert_eq!(key("SELECT a FROM t WHERE a = 'open"), None);
}

#[test]
fn offset_names_a_column_outside_limit() {
    assert_eq!(key("SELECT offset, 1 FROM t"), None);
}

#[test]
fn own_placeholders_are_numbered_with_the_literals() {
    let n = normalise("SELECT a FROM t WHERE b = ? AND c = 5 AND d IN (?, 6) LIMIT 2").unwrap();
    assert_eq!(
        n.sql,
        "SELECT a FROM t WHERE b = ? AND c = ? AND d IN (?, ?) LIMIT ?"
    );
    assert_eq!(n.own, 2);
    let bound = n
        .bind(vec![Value::Text("x".into()), Value::Text("y".into())])
        .unwrap();
    assert_eq!(
        bound,
        vec![
            Value::Text("x".into()),
            Value::Integer(5),
            Value::Text("y".into()),
            Value::Integer(6),
            Value::Integer(2),
        ]
    );
    assert_eq!(
        n.bind(vec![Value::Null]),
        None,
        "a wrong count is not bound"
    );
}
