/**
 * The runnable example (`npm run example`): a fresh file database in ./data, migrations (the
 * repository's Init migration for users and posts, and example/migrations for snippets with a
 * vector index), CRUD through repositories, a nested transaction whose inner part rolls back to
 * its savepoint, and a nearest-neighbour search. It prints what it does at each step.
 *
 * In your own app, import from "typeorm-libsql" instead of "../src".
 */
import "reflect-metadata";
import * as fs from "fs";
import * as path from "path";
import { Init1764460800000 } from "../migrations/1764460800000-Init";
import { LibSqlDataSource, vectorDistanceCos, vectorTopK } from "../src";
import { Post } from "./entity/Post";
import { Snippet, SNIPPET_INDEX } from "./entity/Snippet";
import { User } from "./entity/User";
import { Snippets1764547200000 } from "./migrations/1764547200000-Snippets";

const DATABASE = path.resolve("data", "example.db");

function step(title: string): void {
  console.log(`\n== ${title}`);
}

async function migrate(dataSource: LibSqlDataSource): Promise<void> {
  step("Migrations");
  const ran = await dataSource.runMigrations({ transaction: "each" });
  console.log(`ran ${ran.map((migration) => migration.name).join(", ")}`);
}

async function crud(dataSource: LibSqlDataSource): Promise<User> {
  step("CRUD");
  const users = dataSource.getRepository(User);
  const posts = dataSource.getRepository(Post);

  const ada = await users.save(users.create({ email: "ada@example.com", name: "Ada" }));
  console.log(`created user #${ada.id} ${ada.name} <${ada.email}> at ${ada.createdAt.toISOString()}`);
  const [, draft] = await posts.save([
    posts.create({ title: "Notes on the engine", body: "…", author: ada, meta: { tags: ["maths"] } }),
    posts.create({ title: "First draft", author: ada }),
  ]);

  const loaded = await users.findOneOrFail({ where: { id: ada.id }, relations: { posts: true } });
  console.log(`read ${loaded.name} with posts: ${loaded.posts.map((post) => `"${post.title}"`).join(", ")}`);

  await posts.update(draft.id, { title: "Second draft" });
  console.log(
    `updated post #${draft.id}: "${draft.title}" → "${(await posts.findOneByOrFail({ id: draft.id })).title}"`,
  );

  const removed = await posts.delete(draft.id);
  console.log(`deleted ${removed.affected} post; ${await posts.countBy({ author: { id: ada.id } })} left`);
  return ada;
}

async function nestedTransaction(dataSource: LibSqlDataSource, author: User): Promise<void> {
  step("Nested transaction");
  await dataSource.transaction(async (manager) => {
    await manager.save(Post, { title: "Kept by the outer transaction", author });
    console.log("outer transaction: saved a post");
    try {
      await manager.transaction(async (inner) => {
        await inner.save(Post, { title: "Lost with the savepoint", author });
        console.log(`inner transaction (a savepoint): saved a post, ${await inner.count(Post)} posts visible`);
        throw new Error("something went wrong in the inner transaction");
      });
    } catch (error) {
      console.log(`inner transaction failed ("${(error as Error).message}") and rolled back to its savepoint`);
    }
    console.log(`outer transaction: ${await manager.count(Post)} posts visible, committing`);
  });
  const titles = (await dataSource.getRepository(Post).find({ order: { id: "ASC" } })).map((post) => post.title);
  console.log(`after commit: ${titles.map((title) => `"${title}"`).join(", ")}`);
}

async function vectorSearch(dataSource: LibSqlDataSource): Promise<void> {
  step("Vector search");
  // Topic weights: [cats, gardening, databases, cooking].
  const snippets: Pick<Snippet, "text" | "embedding">[] = [
    { text: "Cats sleep up to sixteen hours a day.", embedding: [0.95, 0.05, 0, 0.1] },
    { text: "Prune roses in late winter.", embedding: [0, 0.95, 0, 0.1] },
    { text: "An index turns a table scan into a seek.", embedding: [0, 0, 0.98, 0] },
    { text: "WAL lets readers run while one writer commits.", embedding: [0, 0, 0.9, 0.05] },
    { text: "Rest a steak before you slice it.", embedding: [0.05, 0, 0, 0.97] },
  ];
  await dataSource.getRepository(Snippet).save(snippets);
  console.log(`stored ${snippets.length} snippets with 4-dimensional embeddings (F32_BLOB(4))`);

  const query = [0, 0.1, 0.95, 0]; // "how do databases find rows quickly?"
  const nearest = await vectorTopK(dataSource, { index: SNIPPET_INDEX, entity: Snippet, vector: query, k: 3 });
  console.log(`3 nearest to ${JSON.stringify(query)} through the index ${SNIPPET_INDEX}:`);
  for (const match of nearest) console.log(`  ${match.distance.toFixed(4)}  ${match.entity.text}`);

  const distance = vectorDistanceCos("snippet.embedding", query);
  const exact = await dataSource
    .getRepository(Snippet)
    .createQueryBuilder("snippet")
    .select("snippet.text", "text")
    .addSelect(distance.expression, "distance")
    .setParameters(distance.parameters)
    .orderBy("distance")
    .limit(1)
    .getRawOne<{ text: string; distance: number }>();
  console.log(`exact cosine distance in the query builder agrees on the nearest: ${exact?.text}`);
}

async function main(): Promise<void> {
  fs.mkdirSync(path.dirname(DATABASE), { recursive: true });
  for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(DATABASE + suffix, { force: true });
  console.log(`typeorm-libsql example: a fresh database at ${path.relative(process.cwd(), DATABASE)}`);

  const dataSource = new LibSqlDataSource({
    url: `file:${DATABASE}`,
    entities: [User, Post, Snippet],
    migrations: [Init1764460800000, Snippets1764547200000],
  });
  await dataSource.initialize();
  try {
    await migrate(dataSource);
    const author = await crud(dataSource);
    await nestedTransaction(dataSource, author);
    await vectorSearch(dataSource);
  } finally {
    await dataSource.destroy();
  }
  console.log("\ndone");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
