/**
 * Bulk `insert()` in chunks into an entity with a generated id and a `@CreateDateColumn`, which
 * makes TypeORM fetch the generated values back after every chunk.
 */
import { measureCounted } from "../measure";
import { Item } from "../entities";
import { OrmWorkload } from "../types";

export const bulkInsert: OrmWorkload = {
  id: "bulk-insert",
  title: "bulk insert() in chunks",
  unit: "rows",
  level: "typeorm",
  target: "bulk",
  async run(target, { config }) {
    const repo = target.dataSource.getRepository(Item);
    const chunk = Math.max(1, Math.floor(config.bulkChunk));
    const chunks = Math.max(1, Math.round(config.bulkRows / chunk));
    const rows = (c: number): Partial<Item>[] =>
      Array.from({ length: chunk }, (_, j) => ({ sku: `SKU-${c}-${j}`, quantity: j % 50, price: (j % 1000) / 4 }));
    return measureCounted(
      chunks,
      async (c) => {
        const result = await repo.insert(rows(c));
        if (result.identifiers.length !== chunk) throw new Error(`insert() returned ${result.identifiers.length} ids`);
      },
      { warmup: Math.ceil(chunks * config.warmup), unitsPerOp: chunk },
    );
  },
};
