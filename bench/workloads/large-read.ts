/**
 * One query returning the whole 20,000-row table as raw rows, and the same query streamed.
 * TypeORM's SQLite drivers refuse `stream()`, which is reported as "unsupported".
 */
import { measureCounted } from "../measure";
import { Measurement } from "../entities";
import { OrmTarget, OrmWorkload, Unsupported } from "../types";
import { firstLine } from "../drivers";

const query = (target: OrmTarget) =>
  target.dataSource.getRepository(Measurement).createQueryBuilder("m").orderBy("m.id", "ASC");

function expectRows(count: number, expected: number): void {
  if (count !== expected) throw new Error(`read ${count} rows, expected ${expected}`);
}

export const largeQuery: OrmWorkload = {
  id: "query-20k",
  title: "one query, 20,000 rows",
  unit: "queries",
  level: "typeorm",
  target: "single-flow",
  async run(target, { config }) {
    return measureCounted(
      config.largeQueries,
      async () => expectRows((await query(target).getRawMany()).length, config.largeRows),
      { warmup: 1 },
    );
  },
};

async function streamAll(target: OrmTarget): Promise<number> {
  let stream: AsyncIterable<unknown>;
  try {
    stream = (await query(target).stream()) as AsyncIterable<unknown>;
  } catch (error) {
    throw new Unsupported(firstLine(error));
  }
  let count = 0;
  for await (const row of stream) if (row) count++;
  return count;
}

export const largeStream: OrmWorkload = {
  id: "stream-20k",
  title: "same 20,000 rows, streamed",
  unit: "queries",
  level: "typeorm",
  target: "none",
  async run(target, { config }) {
    return measureCounted(config.largeQueries, async () => expectRows(await streamAll(target), config.largeRows), {
      warmup: 1,
    });
  },
};
