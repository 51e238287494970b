/**
 * libSQL vector search through TypeORM: F32_BLOB / F64_BLOB columns round-trip as number[],
 * wrong dimensions and non-finite numbers are refused, vector indexes answer nearest-neighbour
 * queries in the same order as exact distance ordering, and synchronize, table rebuilds,
 * dropSchema and migrations keep vector indexes intact.
 */
import { expect } from "chai";
import { Column, Entity, Index, PrimaryGeneratedColumn, type MigrationInterface, type QueryRunner } from "typeorm";
import type { ColumnType } from "typeorm/driver/types/ColumnTypes";
import {
  createVectorIndex,
  dropVectorIndex,
  LibSqlDataSource,
  LibSqlError,
  VectorColumn,
  vectorDistanceCos,
  vectorDistanceL2,
  vectorTopK,
} from "../../src";
import { codeOf } from "../support/errors";
import {
  freshDatabase,
  openDataSource,
  RecordingLogger,
  skipUnavailable,
  tempDatabase,
  TARGETS,
  type DatabaseLocation,
} from "./support/databases";

@Entity("vec_doc")
@Index("vec_doc_embedding_idx", { synchronize: false })
@Index("vec_doc_l2_idx", { synchronize: false })
class VecDoc {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "varchar" })
  title: string;

  @VectorColumn({ dimensions: 3 })
  embedding: number[];

  @Column({ type: "F64_BLOB" as ColumnType, length: 3, nullable: true })
  precise: number[] | null;
}

/**
 * The same table with a column added, so that synchronize rebuilds it (a column that only drops
 * NOT NULL is changed in place, with ALTER COLUMN).
 */
@Entity("vec_doc")
@Index("vec_doc_embedding_idx", { synchronize: false })
@Index("vec_doc_l2_idx", { synchronize: false })
class VecDocChanged {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "varchar", nullable: true })
  title: string;

  @Column({ type: "varchar", nullable: true })
  note: string | null;

  @VectorColumn({ dimensions: 3 })
  embedding: number[];

  @Column({ type: "F64_BLOB" as ColumnType, length: 3, nullable: true })
  precise: number[] | null;
}

/** The table without the @Index declaration: synchronize drops indexes it does not know. */
@Entity("vec_doc")
class VecDocUndeclared {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "varchar" })
  title: string;

  @VectorColumn({ dimensions: 3 })
  embedding: number[];

  @Column({ type: "F64_BLOB" as ColumnType, length: 3, nullable: true })
  precise: number[] | null;
}

/** A deterministic pseudo-random generator, so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/**
 * The `k` documents nearest to `query` with their distances, computed in JavaScript (not with
 * libSQL's distance functions) from the float32 values a `F32_BLOB` column stores: cosine distance
 * (1 - cos θ) or Euclidean (L2) distance.
 */
function nearest(docs: VecDoc[], query: number[], k: number, metric: "cos" | "l2"): { id: number; distance: number }[] {
  const q = query.map(Math.fround);
  const norm = (v: number[]) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  const distance = (v: number[]) =>
    metric === "cos"
      ? 1 - v.reduce((sum, x, i) => sum + x * q[i], 0) / (norm(v) * norm(q))
      : Math.sqrt(v.reduce((sum, x, i) => sum + (x - q[i]) ** 2, 0));
  return docs
    .map((doc) => ({ id: doc.id, distance: distance(doc.embedding.map(Math.fround)) }))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, k);
}

async function vectorIndexNames(dataSource: LibSqlDataSource): Promise<string[]> {
  const rows = (await dataSource.query(
    `SELECT "name" FROM "sqlite_master" WHERE "type" = 'index' AND "sql" LIKE '%libsql_vector_idx%' ORDER BY "name"`,
  )) as Array<{ name: string }>;
  return rows.map((row) => row.name);
}

async function seed(dataSource: LibSqlDataSource, count: number): Promise<VecDoc[]> {
  const next = random(42);
  const docs = Array.from({ length: count }, (_, i) => ({
    title: `doc ${i}`,
    embedding: [next() * 2 - 1, next() * 2 - 1, next() * 2 - 1],
  }));
  return dataSource.getRepository(VecDoc).save(docs);
}

for (const target of TARGETS) {
  describe(`vector columns and indexes (${target})`, () => {
    before(function () {
      skipUnavailable(this, target);
    });

    let dataSource: LibSqlDataSource;

    beforeEach(async () => {
      dataSource = await openDataSource(target, { entities: [VecDoc] });
    });

    afterEach(async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    });

    it("declares F32_BLOB(n) and F64_BLOB(n) columns", async () => {
      const columns = (await dataSource.query(`PRAGMA table_info("vec_doc")`)) as Array<{ name: string; type: string }>;
      const types = Object.fromEntries(columns.map((column) => [column.name, column.type]));
      expect(types.embedding).to.equal("F32_BLOB(3)");
      expect(types.precise).to.equal("F64_BLOB(3)");
    });

    it("round-trips number[], Float32Array and Float64Array as number[] in libSQL's own layout", async () => {
      const repo = dataSource.getRepository(VecDoc);
      const saved = await repo.save([
        { title: "array", embedding: [1, -2.5, 3], precise: [0.1, 0.2, 0.3] },
        { title: "f32", embedding: new Float32Array([0.5, 0, -1]) as unknown as number[] },
        { title: "f64", embedding: new Float64Array([0.1, 0.2, 0.3]) as unknown as number[], precise: null },
      ]);
      const loaded = await repo.find({ order: { id: "ASC" } });
      expect(loaded.map((doc) => doc.embedding)).to.deep.equal([
        [1, -2.5, 3],
        [0.5, 0, -1],
        [Math.fround(0.1), Math.fround(0.2), Math.fround(0.3)],
      ]);
      expect(loaded[0].precise).to.deep.equal([0.1, 0.2, 0.3]);
      expect(loaded[1].precise).to.equal(null);
      expect(Array.isArray(loaded[0].embedding)).to.equal(true);

      // Byte for byte what vector32() / vector64() store, so libSQL's functions read them.
      const [raw] = (await dataSource.query(
        `SELECT embedding = vector32('[1,-2.5,3]') AS same32, precise = vector64('[0.1,0.2,0.3]') AS same64,
                vector_extract(embedding) AS text32, vector_extract(precise) AS text64
         FROM vec_doc WHERE id = ?`,
        [saved[0].id],
      )) as Array<{ same32: number; same64: number; text32: string; text64: string }>;
      expect(raw).to.deep.equal({ same32: 1, same64: 1, text32: "[1,-2.5,3]", text64: "[0.1,0.2,0.3]" });
    });

    it("refuses vectors of the wrong dimension, NaN, ±Infinity and non-vectors, storing nothing", async () => {
      const repo = dataSource.getRepository(VecDoc);
      expect(await codeOf(repo.save({ title: "short", embedding: [1, 2] }))).to.equal("LIBSQL_INVALID_PARAM");
      expect(await codeOf(repo.save({ title: "long", embedding: [1, 2, 3, 4] }))).to.equal("LIBSQL_INVALID_PARAM");
      expect(await codeOf(repo.save({ title: "f64", embedding: [1, 2, 3], precise: [1] }))).to.equal(
        "LIBSQL_INVALID_PARAM",
      );
      expect(await codeOf(repo.save({ title: "nan", embedding: [1, NaN, 3] }))).to.equal("LIBSQL_INVALID_PARAM");
      expect(await codeOf(repo.save({ title: "inf", embedding: [1, Infinity, 3] }))).to.equal("LIBSQL_INVALID_PARAM");
      expect(await codeOf(repo.save({ title: "f32 overflow", embedding: [1e39, 0, 0] }))).to.equal(
        "LIBSQL_INVALID_PARAM",
      );
      const text = "[1,2,3]" as unknown as number[];
      expect(await codeOf(repo.save({ title: "text", embedding: text }))).to.equal("LIBSQL_INVALID_PARAM");
      const bytes = Buffer.alloc(12) as unknown as number[];
      expect(await codeOf(repo.save({ title: "bytes", embedding: bytes }))).to.equal("LIBSQL_INVALID_PARAM");
      try {
        await repo.save({ title: "short", embedding: [1, 2] });
        expect.fail("saved a 2-dimensional vector into F32_BLOB(3)");
      } catch (error) {
        expect((error as Error).message).to.contain("VecDoc.embedding expects a vector of 3 dimensions, got 2");
      }
      expect(await repo.count()).to.equal(0);
    });

    it("refuses to read a stored value that is not a vector of the column's shape", async () => {
      await dataSource.query(`INSERT INTO vec_doc (title, embedding) VALUES ('bad', vector32('[1,2]'))`);
      expect(await codeOf(dataSource.getRepository(VecDoc).find())).to.equal("LIBSQL_INVALID_VECTOR");
    });

    it("finds nearest neighbours through the index in the order of exact distance", async () => {
      const docs = await seed(dataSource, 60);
      await createVectorIndex(dataSource, { name: "vec_doc_embedding_idx", table: VecDoc, column: "embedding" });
      const query = [0.3, -0.7, 0.2];

      const matches = await vectorTopK(dataSource, {
        index: "vec_doc_embedding_idx",
        entity: VecDoc,
        vector: query,
        k: 8,
      });
      expect(matches).to.have.length(8);
      expect(matches[0].entity).to.be.instanceOf(VecDoc);
      const distances = matches.map((match) => match.distance);
      expect([...distances].sort((a, b) => a - b)).to.deep.equal(distances);

      // Computed independently, in JavaScript, from the float32 values stored.
      const exact = nearest(docs, query, 8, "cos");
      expect(matches.map((match) => match.entity.id)).to.deep.equal(exact.map((row) => row.id));
      distances.forEach((d, i) => expect(d).to.be.closeTo(exact[i].distance, 1e-5));

      const rows = await vectorTopK(dataSource, { index: "vec_doc_embedding_idx", vector: query, k: 8 });
      expect(rows.map((row) => row.id)).to.deep.equal(exact.map((row) => row.id));
    });

    it("uses the index's metric: an L2 index agrees with the L2 distance ordering", async () => {
      const docs = await seed(dataSource, 40);
      await createVectorIndex(dataSource, {
        name: "vec_doc_l2_idx",
        table: "vec_doc",
        column: "embedding",
        metric: "l2",
      });
      const query = [-0.5, 0.5, 0.9];
      const matches = await vectorTopK(dataSource, { index: "vec_doc_l2_idx", vector: query, k: 5 });
      const exact = nearest(docs, query, 5, "l2");
      expect(matches.map((match) => match.id)).to.deep.equal(exact.map((row) => row.id));
      matches.forEach((match, i) => expect(match.distance).to.be.closeTo(exact[i].distance, 1e-5));
      // vectorDistanceL2 in a query builder agrees with the same independent computation.
      const distance = vectorDistanceL2("doc.embedding", query, { parameter: "q" });
      const ordered = await dataSource
        .getRepository(VecDoc)
        .createQueryBuilder("doc")
        .select("doc.id", "id")
        .addSelect(distance.expression, "distance")
        .setParameters(distance.parameters)
        .orderBy("distance", "ASC")
        .limit(5)
        .getRawMany<{ id: number; distance: number }>();
      expect(ordered.map((row) => row.id)).to.deep.equal(exact.map((row) => row.id));
      const [ddl] = (await dataSource.query(`SELECT sql FROM sqlite_master WHERE name = 'vec_doc_l2_idx'`)) as Array<{
        sql: string;
      }>;
      expect(ddl.sql).to.equal(
        `CREATE INDEX "vec_doc_l2_idx" ON "vec_doc" (libsql_vector_idx("embedding", 'metric=l2'))`,
      );
    });

    it("searches through a transaction's manager and a query runner; the index is transactional", async () => {
      await seed(dataSource, 10);
      await dataSource
        .transaction(async (manager) => {
          await createVectorIndex(manager, { name: "vec_doc_embedding_idx", table: VecDoc, column: "embedding" });
          const inside = await vectorTopK(manager, { index: "vec_doc_embedding_idx", vector: [1, 0, 0], k: 3 });
          expect(inside).to.have.length(3);
          throw new Error("roll back");
        })
        .catch((error: Error) => expect(error.message).to.equal("roll back"));
      expect(await vectorIndexNames(dataSource)).to.deep.equal([]);

      const runner = dataSource.createQueryRunner();
      try {
        await createVectorIndex(runner, { name: "vec_doc_embedding_idx", table: VecDoc, column: "embedding" });
        expect(await vectorTopK(runner, { index: "vec_doc_embedding_idx", vector: [1, 0, 0], k: 2 })).to.have.length(2);
        await dropVectorIndex(runner, "vec_doc_embedding_idx");
      } finally {
        await runner.release();
      }
      expect(await vectorIndexNames(dataSource)).to.deep.equal([]);
    });

    it("refuses what libSQL cannot do with stable codes, and k = 0 (which aborts libSQL)", async () => {
      await seed(dataSource, 5);
      await createVectorIndex(dataSource, { name: "vec_doc_embedding_idx", table: VecDoc, column: "embedding" });
      const search = (options: { index?: string; vector?: number[]; k?: number }) =>
        vectorTopK(dataSource, { index: "vec_doc_embedding_idx", vector: [1, 0, 0], k: 3, ...options });
      expect(await codeOf(search({ k: 0 }))).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(await codeOf(search({ k: -1 }))).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(await codeOf(search({ k: 1.5 }))).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(await codeOf(search({ vector: [1, 0] }))).to.equal("LIBSQL_INVALID_PARAM");
      expect(await codeOf(search({ index: "missing_idx" }))).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(await codeOf(search({ index: "VEC_DOC_EMBEDDING_IDX" }))).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(await codeOf(search({ index: "bad name" }))).to.equal("LIBSQL_INVALID_IDENTIFIER");
      expect(await codeOf(search({ index: "x'; DROP TABLE vec_doc; --" }))).to.equal("LIBSQL_INVALID_IDENTIFIER");

      const create = (options: Partial<Parameters<typeof createVectorIndex>[1]>) =>
        createVectorIndex(dataSource, { name: "other_idx", table: VecDoc, column: "embedding", ...options });
      expect(await codeOf(create({ name: "vec_doc_embedding_idx" }))).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(await codeOf(create({ name: "my-idx" }))).to.equal("LIBSQL_INVALID_IDENTIFIER");
      expect(await codeOf(create({ column: "title" }))).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(await codeOf(create({ column: "nope" }))).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(await codeOf(create({ metric: "dot" as "l2" }))).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(await codeOf(create({ maxNeighbors: 0 }))).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(await codeOf(create({ compressNeighbors: "float64" as "float32" }))).to.equal("LIBSQL_INVALID_ARGUMENT");
      await create({ name: "vec_doc_embedding_idx", ifNotExists: true });

      await dataSource.query(`CREATE INDEX "plain_idx" ON "vec_doc" ("title")`);
      expect(await codeOf(dropVectorIndex(dataSource, "plain_idx"))).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(await codeOf(dropVectorIndex(dataSource, "missing_idx"))).to.equal("LIBSQL_INVALID_ARGUMENT");
      await dropVectorIndex(dataSource, { name: "missing_idx", ifExists: true });
      expect(() => vectorDistanceCos("doc.embedding); DROP TABLE x; --", [1, 0, 0])).to.throw(LibSqlError);
      expect(await vectorIndexNames(dataSource)).to.deep.equal(["vec_doc_embedding_idx"]);
      expect(await dataSource.getRepository(VecDoc).count()).to.equal(5);
    });

    it("synchronize is idempotent and keeps a declared vector index", async () => {
      expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).to.deep.equal([]);
      await seed(dataSource, 5);
      await createVectorIndex(dataSource, { name: "vec_doc_embedding_idx", table: VecDoc, column: "embedding" });
      await dataSource.synchronize();
      expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).to.deep.equal([]);
      expect(await vectorIndexNames(dataSource)).to.deep.equal(["vec_doc_embedding_idx"]);
      expect(await vectorTopK(dataSource, { index: "vec_doc_embedding_idx", vector: [1, 0, 0], k: 5 })).to.have.length(
        5,
      );
    });
  });
}

for (const target of TARGETS.filter((t) => t !== "memory")) {
  describe(`vector indexes across data sources on one database (${target})`, () => {
    const open = (entities: Array<typeof VecDoc>, options: { synchronize?: boolean; dropSchema?: boolean } = {}) =>
      new LibSqlDataSource({ ...location, entities, synchronize: true, ...options }).initialize();
    let location: DatabaseLocation;

    before(function () {
      skipUnavailable(this, target);
    });

    beforeEach(async () => {
      location = await freshDatabase(target);
      const first = await open([VecDoc]);
      await seed(first, 12);
      await createVectorIndex(first, { name: "vec_doc_embedding_idx", table: VecDoc, column: "embedding" });
      await createVectorIndex(first, { name: "vec_doc_l2_idx", table: VecDoc, column: "embedding", metric: "l2" });
      await first.destroy();
    });

    it("a second synchronize generates no queries and keeps the indexes", async () => {
      const logger = new RecordingLogger();
      const second = await new LibSqlDataSource({
        ...location,
        entities: [VecDoc],
        synchronize: true,
        logging: "all",
        logger,
      }).initialize();
      try {
        const changes = logger.queries().filter((sql) => !/^(SELECT|PRAGMA|BEGIN|COMMIT)/i.test(sql));
        expect(changes).to.deep.equal([]);
        expect(await vectorIndexNames(second)).to.deep.equal(["vec_doc_embedding_idx", "vec_doc_l2_idx"]);
      } finally {
        await second.destroy();
      }
    });

    it("synchronize drops vector indexes the entity does not declare (hence @Index(name, { synchronize: false }))", async () => {
      const undeclared = await open([VecDocUndeclared as typeof VecDoc]);
      try {
        expect(await vectorIndexNames(undeclared)).to.deep.equal([]);
      } finally {
        await undeclared.destroy();
      }
    });

    it("rebuilding the table (a changed column) recreates the vector indexes with their settings", async () => {
      const unsynced = await open([VecDocChanged as typeof VecDoc], { synchronize: false });
      try {
        const { upQueries, downQueries } = await unsynced.driver.createSchemaBuilder().log();
        const up = upQueries.map((query) => query.query);
        expect(up).to.include(`CREATE INDEX "vec_doc_embedding_idx" ON "vec_doc" (libsql_vector_idx("embedding"))`);
        expect(up).to.include(
          `CREATE INDEX "vec_doc_l2_idx" ON "vec_doc" (libsql_vector_idx("embedding", 'metric=l2'))`,
        );
        expect(up.some((sql) => sql.includes('"null"'))).to.equal(false);
        expect(downQueries.some((query) => query.query.includes('"null"'))).to.equal(false);
        await unsynced.synchronize();
        expect(await vectorIndexNames(unsynced)).to.deep.equal(["vec_doc_embedding_idx", "vec_doc_l2_idx"]);
        const matches = await vectorTopK(unsynced, { index: "vec_doc_l2_idx", vector: [0, 0, 1], k: 12 });
        expect(matches).to.have.length(12);
      } finally {
        await unsynced.destroy();
      }
    });

    it("dropSchema drops tables with vector indexes", async () => {
      const dropped = await open([VecDoc], { dropSchema: true });
      try {
        expect(await vectorIndexNames(dropped)).to.deep.equal([]);
        expect(await dropped.getRepository(VecDoc).count()).to.equal(0);
        await createVectorIndex(dropped, { name: "vec_doc_embedding_idx", table: VecDoc, column: "embedding" });
        await seed(dropped, 3);
        expect(await vectorTopK(dropped, { index: "vec_doc_embedding_idx", vector: [1, 1, 1], k: 3 })).to.have.length(
          3,
        );
      } finally {
        await dropped.destroy();
      }
    });
  });
}

class AddVectorIndex1700000000000 implements MigrationInterface {
  name = "AddVectorIndex1700000000000";
  async up(queryRunner: QueryRunner): Promise<void> {
    await createVectorIndex(queryRunner, { name: "vec_doc_embedding_idx", table: "vec_doc", column: "embedding" });
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await dropVectorIndex(queryRunner, "vec_doc_embedding_idx");
  }
}

describe("vector columns in migrations", () => {
  it("generates F32_BLOB(n) / F64_BLOB(n) DDL and runs and reverts a vector index migration", async () => {
    const dataSource = await new LibSqlDataSource({
      url: `file:${tempDatabase()}`,
      entities: [VecDoc],
      migrations: [AddVectorIndex1700000000000],
    }).initialize();
    try {
      const { upQueries, downQueries } = await dataSource.driver.createSchemaBuilder().log();
      expect(upQueries.map((query) => query.query)).to.deep.equal([
        `CREATE TABLE "vec_doc" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "title" varchar NOT NULL, "embedding" F32_BLOB(3) NOT NULL, "precise" F64_BLOB(3))`,
      ]);
      expect(downQueries.map((query) => query.query)).to.deep.equal([`DROP TABLE "vec_doc"`]);
      await dataSource.synchronize();
      await dataSource.runMigrations();
      expect(await vectorIndexNames(dataSource)).to.deep.equal(["vec_doc_embedding_idx"]);
      await dataSource.undoLastMigration();
      expect(await vectorIndexNames(dataSource)).to.deep.equal([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it("refuses vector types the driver cannot encode and vector columns without dimensions", async () => {
    @Entity("vec_f16")
    class F16 {
      @PrimaryGeneratedColumn() id: number;
      @Column({ type: "F16_BLOB" as ColumnType, length: 3 }) v: number[];
    }
    @Entity("vec_nodim")
    class NoDimensions {
      @PrimaryGeneratedColumn() id: number;
      @Column({ type: "F32_BLOB" as ColumnType }) v: number[];
    }
    expect(await codeOf(openDataSource("memory", { entities: [F16] }))).to.equal("LIBSQL_UNSUPPORTED");
    expect(await codeOf(openDataSource("memory", { entities: [NoDimensions] }))).to.equal("LIBSQL_INVALID_ARGUMENT");
    expect(() => VectorColumn({ dimensions: 0 })).to.throw(LibSqlError);
  });
});
