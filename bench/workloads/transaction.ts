/**
 * `transaction()` with an update, then a nested transaction (a savepoint, via
 * `queryRunner.startTransaction()`) holding a second update that is rolled back.
 */
import { EntityManager } from "typeorm";
import { measureCounted } from "../measure";
import { Author } from "../entities";
import { OrmWorkload } from "../types";
import { keyAt } from "./keys";

async function updateWithRolledBackSavepoint(em: EntityManager, id: number, i: number): Promise<void> {
  await em.update(Author, { id }, { score: i & 1023 });
  const runner = em.queryRunner;
  if (!runner) throw new Error("transaction() gave an entity manager without a query runner");
  await runner.startTransaction();
  try {
    await em.update(Author, { id }, { score: -1 });
  } finally {
    await runner.rollbackTransaction();
  }
}

export const transaction: OrmWorkload = {
  id: "transaction",
  title: "transaction() + rolled-back savepoint",
  unit: "transactions",
  level: "typeorm",
  target: "single-flow",
  async run(target, { config }) {
    const ds = target.dataSource;
    return measureCounted(
      config.transactions,
      (i) => ds.transaction((em) => updateWithRolledBackSavepoint(em, keyAt(i, config.seedAuthors, config.seed), i)),
      { warmup: Math.ceil(config.transactions * config.warmup) },
    );
  },
};
