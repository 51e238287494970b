/**
 * Test support, run as a child process (`node -r ts-node/register/transpile-only lock-holder.ts
 * <database file>`): takes the database's write lock (BEGIN IMMEDIATE and one insert into `t`),
 * prints "locked", and commits once a line arrives on stdin. It gives up and exits after 20 s
 * (so a failed test never leaves it behind).
 */
import { LibSqlConnection } from "../../src/native";

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error("usage: lock-holder.ts <database file>");
  const conn = await LibSqlConnection.open({ url: file, inlineBudgetMs: 0 });
  await conn.execute("BEGIN IMMEDIATE");
  await conn.execute("INSERT INTO t (v) VALUES ('child')");
  const giveUp = setTimeout(() => process.exit(2), 20_000);
  process.stdin.once("data", () => {
    void (async () => {
      await conn.execute("COMMIT");
      await conn.close();
      clearTimeout(giveUp);
      process.exit(0);
    })();
  });
  process.stdout.write("locked\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
