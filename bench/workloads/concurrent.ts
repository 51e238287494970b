/**
 * The shape of a web server under load: 8 request handlers in flight for a fixed time, each
 * request one of: 50 % findOneBy, 20 % find of 20 posts with authors, 20 % update by key,
 * 10 % transaction (insert a post, bump its author's score). Peers share one connection for
 * every transaction, so there transactions queue behind each other (what applications do);
 * our driver runs them on separate connections.
 */
import { Between, DataSource } from "typeorm";
import { measureConcurrent } from "../measure";
import { Author, Post } from "../entities";
import { OrmWorkload } from "../types";
import { fractionAt, keyAt } from "./keys";

/** A first-in, first-out lock: one holder at a time. */
class Fifo {
  private tail: Promise<void> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

function request(
  ds: DataSource,
  i: number,
  seed: number,
  seedAuthors: number,
  seedPosts: number,
  fifo?: Fifo,
): Promise<unknown> {
  const pick = fractionAt(i, seed + 1);
  const author = keyAt(i, seedAuthors, seed);
  const post = keyAt(i, seedPosts - 20, seed + 2);
  if (pick < 0.5) return ds.getRepository(Author).findOneBy({ id: author });
  if (pick < 0.7) {
    return ds.getRepository(Post).find({
      where: { id: Between(post, post + 19) },
      relations: { author: true },
      order: { id: "ASC" },
    });
  }
  if (pick < 0.9) return ds.getRepository(Post).update({ id: post }, { views: i & 4095 });
  const work = (): Promise<unknown> =>
    ds.transaction(async (em) => {
      await em.insert(Post, { title: `Request ${i}`, body: "written under load", views: 0, authorId: author });
      await em.increment(Author, { id: author }, "score", 1);
    });
  return fifo ? fifo.run(work) : work();
}

export const concurrent: OrmWorkload = {
  id: "concurrent-mix",
  title: "8 concurrent handlers, mixed read/write",
  unit: "requests",
  level: "typeorm",
  target: "concurrent",
  async run(target, { config }) {
    const fifo = target.isolatedTransactions ? undefined : new Fifo();
    return measureConcurrent(
      config.concurrency,
      config.concurrencySeconds,
      (i) => request(target.dataSource, i, config.seed, config.seedAuthors, config.seedPosts, fifo),
      Math.min(1, config.concurrencySeconds / 4),
    );
  },
};
