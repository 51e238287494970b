/**
 * A Node `Readable` (object mode) over a native cursor: rows are fetched a page at a time, only
 * when the consumer asks for more, so memory stays bounded by the page size and the stream's
 * high-water mark. Destroying the stream (or reaching its end) closes the cursor.
 */
import { Readable } from "stream";
import type { LibSqlCursor } from "../native";

export class LibSqlCursorStream extends Readable {
  private fetching = false;

  constructor(
    private readonly cursor: LibSqlCursor,
    private readonly batchSize: number,
    private readonly cleanup: () => Promise<void>,
  ) {
    super({ objectMode: true, highWaterMark: batchSize });
  }

  _read(): void {
    if (this.fetching || this.destroyed) return;
    this.fetching = true;
    this.cursor.fetch(this.batchSize).then(
      (page) => {
        this.fetching = false;
        if (this.destroyed) return;
        for (const row of page.rows) this.push(row);
        if (page.done) this.push(null);
        else if (page.rows.length === 0) this._read();
      },
      (error: unknown) => {
        this.fetching = false;
        this.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.cleanup().then(
      () => callback(error),
      (cleanupError: unknown) => callback(error ?? (cleanupError instanceof Error ? cleanupError : null)),
    );
  }
}
