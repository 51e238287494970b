/** `find` of 50 consecutive posts with their many-to-one author joined. */
import { Between } from "typeorm";
import { measureCounted } from "../measure";
import { Post } from "../entities";
import { OrmWorkload } from "../types";
import { keyAt } from "./keys";

export const PAGE = 50;

export const findJoined: OrmWorkload = {
  id: "find-joined",
  title: "find 50 rows + many-to-one join",
  unit: "finds",
  level: "typeorm",
  target: "single-flow",
  async run(target, { config }) {
    const repo = target.dataSource.getRepository(Post);
    return measureCounted(
      config.findJoined,
      async (i) => {
        const first = keyAt(i, config.seedPosts - PAGE, config.seed);
        const posts = await repo.find({
          where: { id: Between(first, first + PAGE - 1) },
          relations: { author: true },
          order: { id: "ASC" },
        });
        if (posts.length !== PAGE || !posts[0].author) throw new Error(`find returned ${posts.length} posts`);
      },
      { warmup: Math.ceil(config.findJoined * config.warmup) },
    );
  },
};
