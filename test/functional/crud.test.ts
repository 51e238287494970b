/**
 * Repository and query builder CRUD, relations (one-to-one, one-to-many, many-to-many, eager,
 * lazy), upsert, soft delete and restore, RETURNING, result column names and the query result
 * cache, on every mode: a file, `:memory:`, a remote database and an embedded replica.
 */
import { expect } from "chai";
import {
  DataSource,
  EventSubscriber,
  InstanceChecker,
  IsNull,
  type EntitySubscriberInterface,
  type InsertEvent,
  type TransactionCommitEvent,
} from "typeorm";
import { LibSqlDataSource } from "../../src";
import { Author, BLOG_ENTITIES, Comment, Post, Profile, Tag } from "./entity/blog";
import { openDataSource, skipUnavailable, TARGETS } from "./support/databases";

for (const target of TARGETS) {
  describe(`CRUD and relations (${target})`, () => {
    before(function () {
      skipUnavailable(this, target);
    });

    let dataSource: LibSqlDataSource;

    beforeEach(async () => {
      dataSource = await openDataSource(target, { entities: BLOG_ENTITIES });
    });

    afterEach(async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    });

    it("is a TypeORM DataSource that TypeORM treats as SQLite", () => {
      expect(dataSource).to.be.instanceOf(DataSource);
      expect(InstanceChecker.isDataSource(dataSource)).to.equal(true);
      expect(dataSource.options.type).to.equal("better-sqlite3");
      expect(dataSource.driver.constructor.name).to.equal("LibSqlDriver");
      expect(dataSource.driver.isReturningSqlSupported("insert")).to.equal(true);
    });

    it("creates, reads, updates and deletes through a repository", async () => {
      const authors = dataSource.getRepository(Author);
      const saved = await authors.save(authors.create({ name: "Ada" }));
      expect(saved.id).to.equal(1);
      expect(saved.version).to.equal(1);
      expect(saved.karma).to.equal(0);
      expect(saved.createdAt).to.be.instanceOf(Date);
      expect(Math.abs(saved.createdAt.getTime() - Date.now())).to.be.lessThan(60_000);

      saved.karma = 7;
      await authors.save(saved);
      expect(saved.version).to.equal(2);

      const loaded = await authors.findOneByOrFail({ name: "Ada" });
      expect(loaded).to.include({ id: 1, name: "Ada", karma: 7, version: 2 });
      expect(await authors.count()).to.equal(1);

      await authors.update({ id: 1 }, { karma: 9 });
      expect((await authors.findOneByOrFail({ id: 1 })).karma).to.equal(9);

      await authors.delete({ id: 1 });
      expect(await authors.count({ withDeleted: true })).to.equal(0);
    });

    it("runs query builder selects, joins, parameters and aggregates", async () => {
      const author = await dataSource.getRepository(Author).save({ name: "Grace" });
      await dataSource.getRepository(Post).save([
        { title: "one", author, published: true },
        { title: "two", author, published: false },
        { title: "three", author, published: true },
      ]);
      const published = await dataSource
        .getRepository(Post)
        .createQueryBuilder("post")
        .innerJoinAndSelect("post.author", "author")
        .where("post.published = :published", { published: true })
        .andWhere("post.title IN (:...titles)", { titles: ["one", "three", "nine"] })
        .orderBy("post.id", "DESC")
        .getMany();
      expect(published.map((p) => p.title)).to.deep.equal(["three", "one"]);
      expect(published[0].published).to.equal(true);
      expect(published[0].author.name).to.equal("Grace");

      const { total } = (await dataSource
        .createQueryBuilder()
        .select("COUNT(*)", "total")
        .from(Post, "post")
        .where("post.authorId = :id", { id: author.id })
        .getRawOne()) as { total: number };
      expect(total).to.equal(3);

      const updated = await dataSource
        .createQueryBuilder()
        .update(Post)
        .set({ published: false })
        .where("published = :p", { p: true })
        .execute();
      expect(updated.affected).to.equal(2);

      const deleted = await dataSource
        .createQueryBuilder()
        .delete()
        .from(Post)
        .where("title = :t", { t: "two" })
        .execute();
      expect(deleted.affected).to.equal(1);
      expect(await dataSource.getRepository(Post).count()).to.equal(2);
    });

    it("returns rows from INSERT, UPDATE and DELETE … RETURNING", async () => {
      const inserted = await dataSource
        .createQueryBuilder()
        .insert()
        .into(Tag)
        .values([{ label: "a" }, { label: "b" }])
        .returning(["id", "label"])
        .execute();
      expect(inserted.raw).to.deep.equal([
        { id: 1, label: "a" },
        { id: 2, label: "b" },
      ]);
      expect(inserted.identifiers).to.deep.equal([{ id: 1 }, { id: 2 }]);

      const updated = await dataSource
        .createQueryBuilder()
        .update(Tag)
        .set({ label: () => "label || '!'" })
        .returning("*")
        .execute();
      expect(updated.affected).to.equal(2);
      expect(updated.raw).to.deep.equal([
        { id: 1, label: "a!" },
        { id: 2, label: "b!" },
      ]);

      const deleted = await dataSource
        .createQueryBuilder()
        .delete()
        .from(Tag)
        .where("id = :id", { id: 2 })
        .returning(["label"])
        .execute();
      expect(deleted.raw).to.deep.equal([{ label: "b!" }]);
      expect(deleted.affected).to.equal(1);
    });

    it("handles one-to-one (eager), one-to-many, many-to-many and lazy relations", async () => {
      const author = await dataSource.getRepository(Author).save({ name: "Linus", profile: { bio: "kernel" } });
      const post = await dataSource.getRepository(Post).save({
        title: "relations",
        author,
        tags: [{ label: "orm" }, { label: "sqlite" }],
      });
      const comments = dataSource.getRepository(Comment);
      const comment = comments.create({ body: "first" });
      comment.post = Promise.resolve(post);
      await comments.save(comment);

      const loadedAuthor = await dataSource.getRepository(Author).findOneOrFail({ where: { id: author.id } });
      expect(loadedAuthor.profile).to.be.instanceOf(Profile);
      expect(loadedAuthor.profile?.bio).to.equal("kernel");

      const withPosts = await dataSource
        .getRepository(Author)
        .findOneOrFail({ where: { id: author.id }, relations: { posts: { tags: true } } });
      expect(withPosts.posts).to.have.length(1);
      expect(withPosts.posts[0].tags.map((t) => t.label).sort()).to.deep.equal(["orm", "sqlite"]);

      const loadedPost = await dataSource.getRepository(Post).findOneByOrFail({ id: post.id });
      const lazyComments = await loadedPost.comments;
      expect(lazyComments.map((c) => c.body)).to.deep.equal(["first"]);
      const loadedComment = await comments.findOneByOrFail({ id: comment.id });
      expect((await loadedComment.post).title).to.equal("relations");

      // many-to-many removal and cascade delete
      loadedPost.tags = (
        await dataSource.getRepository(Post).findOneOrFail({ where: { id: post.id }, relations: { tags: true } })
      ).tags.filter((t) => t.label === "orm");
      await dataSource.getRepository(Post).save(loadedPost);
      const reloaded = await dataSource
        .getRepository(Post)
        .findOneOrFail({ where: { id: post.id }, relations: { tags: true } });
      expect(reloaded.tags.map((t) => t.label)).to.deep.equal(["orm"]);

      await dataSource.getRepository(Author).delete({ id: author.id });
      expect(await dataSource.getRepository(Post).count()).to.equal(0);
      expect(await comments.count()).to.equal(0);
      expect(await dataSource.getRepository(Profile).count()).to.equal(1);
    });

    it("returns result columns named exactly as written", async () => {
      expect(await dataSource.query(`select 1 as query, 2 as key, 3 as "Order"`)).to.deep.equal([
        { query: 1, key: 2, Order: 3 },
      ]);
      await dataSource.getRepository(Tag).save([{ label: "a" }, { label: "b" }]);
      expect(await dataSource.query(`SELECT count(*), max(label) AS "value" FROM tag`)).to.deep.equal([
        { "count(*)": 2, value: "b" },
      ]);
      const returned = await dataSource.query(
        `INSERT INTO tag (label) VALUES ('c') RETURNING id AS key, label AS query`,
      );
      expect(returned).to.deep.equal([{ key: 3, query: "c" }]);
      const raw = await dataSource
        .createQueryBuilder()
        .select("tag.label", "label")
        .addSelect("tag.id", "key")
        .from(Tag, "tag")
        .orderBy("tag.id")
        .getRawMany();
      // TypeORM 0.3.x and 1.x order the selected columns differently; the names are what matter.
      expect(raw.map((row) => Object.keys(row).sort())).to.deep.equal([
        ["key", "label"],
        ["key", "label"],
        ["key", "label"],
      ]);
    });

    it("upserts on a unique column", async () => {
      const tags = dataSource.getRepository(Tag);
      await tags.upsert([{ label: "x" }, { label: "y" }], ["label"]);
      await tags.upsert([{ label: "y" }, { label: "z" }], {
        conflictPaths: ["label"],
        skipUpdateIfNoValuesChanged: true,
      });
      const all = await tags.find({ order: { label: "ASC" } });
      expect(all.map((t) => t.label)).to.deep.equal(["x", "y", "z"]);
      expect(new Set(all.map((t) => t.id)).size).to.equal(3);

      const authors = dataSource.getRepository(Author);
      await authors.upsert({ name: "Barbara", karma: 1 }, ["name"]);
      await authors.upsert({ name: "Barbara", karma: 2 }, ["name"]);
      const barbara = await authors.findOneByOrFail({ name: "Barbara" });
      expect(barbara.karma).to.equal(2);
      expect(await authors.count()).to.equal(1);
    });

    it("soft deletes and restores", async () => {
      const authors = dataSource.getRepository(Author);
      const [a, b] = await authors.save([{ name: "Alan" }, { name: "Edsger" }]);
      await authors.softDelete({ id: a.id });
      expect((await authors.find()).map((x) => x.name)).to.deep.equal(["Edsger"]);
      const deleted = await authors.findOneOrFail({ where: { id: a.id }, withDeleted: true });
      expect(deleted.deletedAt).to.be.instanceOf(Date);
      expect(await authors.count({ where: { deletedAt: IsNull() }, withDeleted: true })).to.equal(1);

      await authors.softRemove(b);
      expect(b.deletedAt).to.be.instanceOf(Date);
      expect(await authors.count()).to.equal(0);

      await authors.restore({ id: a.id });
      const recovered = await authors.recover(b);
      expect(recovered.deletedAt).to.equal(null);
      expect((await authors.find({ order: { id: "ASC" } })).map((x) => x.name)).to.deep.equal(["Alan", "Edsger"]);
    });

    it("saves many entities with generated values in one statement", async () => {
      const authors = dataSource.getRepository(Author);
      const many = await authors.save(Array.from({ length: 50 }, (_, i) => authors.create({ name: `n${i}` })));
      expect(many.map((a) => a.id)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
      for (const a of many) {
        expect(a.version).to.equal(1);
        expect(a.createdAt).to.be.instanceOf(Date);
      }
      const rows = await dataSource.query<{ id: number; name: string }[]>(`SELECT id, name FROM author ORDER BY id`);
      expect(rows.every((r) => r.name === `n${r.id - 1}`)).to.equal(true);
    });
  });
}

for (const target of TARGETS) {
  describe(`the query result cache (${target})`, () => {
    before(function () {
      skipUnavailable(this, target);
    });

    it("caches find results in the query-result-cache table", async () => {
      const dataSource = await openDataSource(target, { entities: BLOG_ENTITIES, cache: true });
      try {
        const tags = dataSource.getRepository(Tag);
        await tags.save({ label: "cached" });
        expect(await tags.find({ cache: 60_000 })).to.have.length(1);
        await dataSource.query(`INSERT INTO "tag"("label") VALUES ('uncached')`);
        expect(await tags.find({ cache: 60_000 }), "served from the cache").to.have.length(1);
        expect(await tags.find()).to.have.length(2);
        const [{ n }] = await dataSource.query(`SELECT count(*) AS n FROM "query-result-cache"`);
        expect(n).to.be.greaterThan(0);
      } finally {
        await dataSource.destroy();
      }
    });
  });
}

describe("subscribers", () => {
  it("calls entity subscribers and transaction events", async () => {
    const seen: string[] = [];
    @EventSubscriber()
    class TagSubscriber implements EntitySubscriberInterface<Tag> {
      listenTo(): typeof Tag {
        return Tag;
      }
      afterInsert(event: InsertEvent<Tag>): void {
        seen.push(`insert ${event.entity.label} ${event.entity.id}`);
      }
      afterTransactionCommit(_event: TransactionCommitEvent): void {
        seen.push("commit");
      }
    }
    const dataSource = await openDataSource("memory", { entities: BLOG_ENTITIES, subscribers: [TagSubscriber] });
    try {
      seen.length = 0; // synchronize's own transaction
      await dataSource.getRepository(Tag).save({ label: "s" });
      expect(seen).to.deep.equal(["insert s 1", "commit"]);
    } finally {
      await dataSource.destroy();
    }
  });
});
