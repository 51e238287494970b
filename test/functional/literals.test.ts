/**
 * TypeORM's own SQL through the statement cache that sees through integer literals: `findOneBy`
 * writes the id into its SQL and relation loads write `IN (1, 2, …)`; with `normaliseLiterals` (the
 * default) each runs as one prepared statement whatever the ids, and returns exactly what it
 * returns with the option off. Which statements a connection holds is read from SQLite's
 * `sqlite_stmt` table.
 */
import { expect } from "chai";
import { LibSqlDataSource, type LibSqlConnection } from "../../src";
import { Author, BLOG_ENTITIES, Post, Tag } from "./entity/blog";
import { tempDatabase } from "./support/databases";

async function open(normaliseLiterals: boolean): Promise<LibSqlDataSource> {
  return new LibSqlDataSource({
    url: `file:${tempDatabase()}`,
    entities: BLOG_ENTITIES,
    synchronize: true,
    poolSize: 1,
    normaliseLiterals,
  }).initialize();
}

function primary(dataSource: LibSqlDataSource): LibSqlConnection {
  return (dataSource.driver as unknown as { pool: { primary: LibSqlConnection } }).pool.primary;
}

/** A small blog, then what findOneBy and relation loads give for every id. */
async function readBack(dataSource: LibSqlDataSource): Promise<unknown[]> {
  const authors = dataSource.getRepository(Author);
  const posts = dataSource.getRepository(Post);
  for (let a = 1; a <= 3; a += 1) {
    const author = await authors.save(authors.create({ name: `author ${a}`, karma: a * 7 }));
    for (let p = 1; p <= 4; p += 1) {
      await posts.save(
        posts.create({ title: `post ${a}.${p}`, author, tags: p % 2 ? [{ label: `tag ${a}.${p}` } as Tag] : [] }),
      );
    }
  }
  const seen: unknown[] = [];
  for (let id = 0; id <= 13; id += 1) {
    const post = await posts.findOneBy({ id });
    seen.push(post && { id: post.id, title: post.title, published: post.published });
  }
  for (const author of await authors.find({ relations: { posts: { tags: true } }, order: { id: "ASC" } })) {
    seen.push({
      name: author.name,
      karma: author.karma,
      posts: author.posts
        .map((p) => ({ id: p.id, title: p.title, tags: p.tags.map((t) => t.label).sort() }))
        .sort((x, y) => x.id - y.id),
    });
  }
  seen.push(await posts.find({ where: { author: { id: 2 } }, order: { id: "DESC" }, take: 2, skip: 1 }));
  return JSON.parse(JSON.stringify(seen, (key, value) => (/At$/.test(key) ? undefined : value)));
}

describe("TypeORM's SQL through the statement cache that sees through literals", () => {
  const opened: LibSqlDataSource[] = [];

  after(async () => {
    for (const dataSource of opened) if (dataSource.isInitialized) await dataSource.destroy();
  });

  it("findOneBy, relation loads and paging return the same with normaliseLiterals on and off", async () => {
    const on = await open(true);
    const off = await open(false);
    opened.push(on, off);
    expect(await readBack(on)).to.deep.equal(await readBack(off));
  });

  it("runs every findOneBy as one prepared statement", async () => {
    const dataSource = await open(true);
    opened.push(dataSource);
    const posts = dataSource.getRepository(Post);
    const author = await dataSource.getRepository(Author).save({ name: "solo", karma: 1 });
    for (let i = 0; i < 5; i += 1) await posts.save(posts.create({ title: `t${i}`, author }));
    for (let id = 1; id <= 5; id += 1) expect((await posts.findOneBy({ id }))?.title).to.equal(`t${id - 1}`);
    const held = await primary(dataSource).query<{ sql: string }>("SELECT sql FROM sqlite_stmt");
    const finds = held.rows.map((r) => r.sql).filter((sql) => /FROM "post" "Post" WHERE/.test(sql));
    expect(finds).to.have.length(1);
    expect(finds[0]).to.match(/"Post"\."id" = \?\)+ LIMIT \?$/);
  });
});
