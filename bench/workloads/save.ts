/** Saves new entities one by one; TypeORM wraps each `save()` in its own transaction. */
import { measureCounted } from "../measure";
import { Author } from "../entities";
import { OrmWorkload } from "../types";

export const save: OrmWorkload = {
  id: "save",
  title: "save() one by one",
  unit: "saves",
  level: "typeorm",
  target: "single-flow",
  async run(target, { config }) {
    const repo = target.dataSource.getRepository(Author);
    return measureCounted(
      config.save,
      (i) => repo.save(repo.create({ name: `Saved ${i}`, email: `saved${i}@example.org`, score: i & 127 })),
      { warmup: Math.ceil(config.save * config.warmup) },
    );
  },
};
