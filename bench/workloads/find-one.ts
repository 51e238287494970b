/** `findOneBy` on random primary keys. */
import { measureCounted } from "../measure";
import { Author } from "../entities";
import { OrmWorkload } from "../types";
import { keyAt } from "./keys";

export const findOne: OrmWorkload = {
  id: "find-one",
  title: "findOneBy primary key",
  unit: "finds",
  level: "typeorm",
  target: "single-flow",
  async run(target, { config }) {
    const repo = target.dataSource.getRepository(Author);
    return measureCounted(
      config.findOne,
      async (i) => {
        const id = keyAt(i, config.seedAuthors, config.seed);
        const author = await repo.findOneBy({ id });
        if (author?.id !== id) throw new Error(`findOneBy(${id}) returned ${JSON.stringify(author)}`);
      },
      { warmup: Math.ceil(config.findOne * config.warmup) },
    );
  },
};
