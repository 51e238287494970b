/**
 * Test support: fresh temporary directories and database paths, removed after the run.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const roots: string[] = [];

/** A new empty directory under the system temp dir. */
export function tempDir(prefix = "typeorm-libsql-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

/** A path for a new database file in a fresh temp dir. */
export function tempDbPath(name = "test.db"): string {
  return path.join(tempDir(), name);
}

process.on("exit", () => {
  for (const dir of roots) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: a leftover temp dir is harmless.
    }
  }
});
