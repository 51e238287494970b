/**
 * Entities in other database files (`@Entity({ database: "other.db" })`), as TypeORM's SQLite
 * drivers do them: the file is attached under the name better-sqlite3's driver gives it, on every
 * pooled connection; synchronize and migrations create and alter its tables; relations and foreign
 * keys work within a file and queries join across files. Remote databases and replicas refuse it.
 */
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { Column, DataSource, Entity, ManyToOne, PrimaryGeneratedColumn, type MigrationInterface } from "typeorm";
import { LibSqlDataSource } from "../../src";
import { LibSqlConnection, LibSqlError } from "../../src/native";
import { skipWithoutSqld } from "../support/sqld";
import { freshDatabase, tempDir } from "./support/databases";

@Entity({ name: "author", database: "library/other.db" })
class Author {
  @PrimaryGeneratedColumn() id: number;
  @Column() name: string;
}

@Entity({ name: "book", database: "library/other.db" })
class Book {
  @PrimaryGeneratedColumn() id: number;
  @Column() title: string;
  @ManyToOne(() => Author, { onDelete: "CASCADE", nullable: false }) author: Author;
}

@Entity({ name: "shelf" })
class Shelf {
  @PrimaryGeneratedColumn() id: number;
  @Column() authorId: number;
}

/** Book as a later version of the application declares it: one more column. */
@Entity({ name: "book", database: "library/other.db" })
class BookV2 {
  @PrimaryGeneratedColumn() id: number;
  @Column() title: string;
  @Column({ type: "integer", default: 0 }) pages: number;
  @ManyToOne(() => Author, { onDelete: "CASCADE", nullable: false }) author: Author;
}

const ENTITIES = [Author, Book, Shelf];

/** The tables of a database file, read through a connection of its own. */
async function tablesIn(file: string): Promise<string[]> {
  const connection = await LibSqlConnection.open({ url: file });
  try {
    const { rows } = await connection.query<{ name: string }>(
      `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
    );
    return rows.map((r) => r.name);
  } finally {
    await connection.close();
  }
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a failure");
}

describe("entities in other database files", () => {
  let dir: string;
  let main: string;
  let other: string;

  beforeEach(() => {
    dir = tempDir();
    main = path.join(dir, "main.db");
    other = path.join(dir, "library", "other.db");
  });

  it("attaches the same files, under the same names, as TypeORM's better-sqlite3 driver", async () => {
    const ours = await new LibSqlDataSource({ url: main, entities: ENTITIES, synchronize: true }).initialize();
    const referenceDir = tempDir();
    const reference = await new DataSource({
      type: "better-sqlite3",
      database: path.join(referenceDir, "main.db"),
      entities: ENTITIES,
      synchronize: true,
    }).initialize();
    try {
      const attached = ours.driver.attachedDatabases;
      expect(Object.keys(attached)).to.deep.equal(["library/other.db"]);
      expect(attached["library/other.db"]).to.deep.equal({
        attachFilepathAbsolute: other,
        attachFilepathRelative: "library/other.db",
        attachHandle: (reference.driver as LibSqlDataSource["driver"]).getAttachedDatabaseHandleByRelativePath(
          "library/other.db",
        ),
      });
      expect(ours.getMetadata(Book).tablePath).to.equal(reference.getMetadata(Book).tablePath);
      expect(ours.getMetadata(Shelf).tablePath).to.equal("shelf");
    } finally {
      await ours.destroy();
      await reference.destroy();
    }
    // synchronize created each table in its own file (the directory too).
    expect(await tablesIn(other)).to.deep.equal(["author", "book"]);
    expect(await tablesIn(main)).to.deep.equal(["shelf"]);
  });

  it("keeps relations and foreign keys within a file and joins across files", async () => {
    const dataSource = await new LibSqlDataSource({ url: main, entities: ENTITIES, synchronize: true }).initialize();
    try {
      const ada = await dataSource.getRepository(Author).save({ name: "Ada" });
      await dataSource.getRepository(Book).save({ title: "Notes", author: ada });
      await dataSource.getRepository(Shelf).save({ authorId: ada.id });

      const books = await dataSource.getRepository(Book).find({ relations: { author: true } });
      expect(books.map((b) => `${b.title} by ${b.author.name}`)).to.deep.equal(["Notes by Ada"]);

      const joined = await dataSource
        .createQueryBuilder(Shelf, "shelf")
        .innerJoin(Author, "author", "author.id = shelf.authorId")
        .select(["shelf.id AS shelf", "author.name AS author"])
        .getRawMany();
      expect(joined).to.deep.equal([{ shelf: 1, author: "Ada" }]);

      // The foreign key is enforced, and cascades, inside the other file.
      const refused = await failureOf(
        dataSource.getRepository(Book).insert({ title: "Orphan", author: { id: 99 } as Author }),
      );
      expect((refused as Error & { driverError?: LibSqlError }).driverError?.code).to.equal(
        "SQLITE_CONSTRAINT_FOREIGNKEY",
      );
      await dataSource.getRepository(Author).delete({ id: ada.id });
      expect(await dataSource.getRepository(Book).count()).to.equal(0);
    } finally {
      await dataSource.destroy();
    }
  });

  it("attaches the files on every pooled connection, and restores them when a runner changed them", async () => {
    const dataSource = await new LibSqlDataSource({
      url: main,
      entities: ENTITIES,
      synchronize: true,
      poolSize: 3,
    }).initialize();
    try {
      await dataSource.getRepository(Author).save({ name: "Ada" });
      // Three runners hold three connections (two opened after initialize()).
      const runners = [1, 2, 3].map(() => dataSource.createQueryRunner());
      for (const runner of runners) await runner.connect();
      const counts = await Promise.all(runners.map((runner) => runner.manager.getRepository(Author).count()));
      expect(counts).to.deep.equal([1, 1, 1]);
      for (const runner of runners) await runner.release();
      expect(dataSource.driver.pool?.size).to.equal(3);
      const handle = dataSource.driver.getAttachedDatabaseHandleByRelativePath("library/other.db")!;
      for (const connection of dataSource.driver.pool!.connections()) {
        const { rows } = await connection.query<{ name: string; file: string }>("PRAGMA database_list");
        expect(rows.filter((r) => r.name !== "main" && r.name !== "temp").map((r) => [r.name, r.file])).to.deep.equal([
          [handle, other],
        ]);
      }

      // A runner detaches the file and attaches another: its connection comes back as configured.
      const runner = dataSource.createQueryRunner();
      const connection = (await runner.connect()) as LibSqlConnection;
      await runner.query(`DETACH DATABASE "${handle}"`);
      await runner.query(`ATTACH DATABASE ? AS "extra"`, [path.join(dir, "extra.db")]);
      await runner.release();
      const { rows } = await connection.query<{ name: string }>("PRAGMA database_list");
      expect(rows.map((r) => r.name).filter((name) => name !== "temp")).to.deep.equal(["main", handle]);
      expect(await dataSource.getRepository(Author).count()).to.equal(1);

      // A connection that cannot be restored is replaced, and the replacement attaches the file too:
      // here the file cannot be attached again because its directory is gone when the runner ends.
      const breaking = dataSource.createQueryRunner();
      const broken = (await breaking.connect()) as LibSqlConnection;
      await breaking.query(`DETACH DATABASE "${handle}"`);
      fs.rmSync(path.dirname(other), { recursive: true });
      await breaking.release();
      const survivors = dataSource.driver.pool!.connections();
      expect(survivors).to.not.include(broken);
      expect(broken.isClosed).to.equal(true);
      fs.mkdirSync(path.dirname(other));
      const replacing = [1, 2, 3].map(() => dataSource.createQueryRunner());
      for (const runner of replacing) await runner.connect();
      const replacements = dataSource.driver.pool!.connections().filter((c) => !survivors.includes(c));
      expect(replacements).to.have.length(1);
      const listed = await replacements[0].query<{ name: string }>("PRAGMA database_list");
      expect(listed.rows.map((r) => r.name)).to.include(handle);
      for (const runner of replacing) await runner.release();
    } finally {
      await dataSource.destroy();
    }
  });

  it("alters tables in the other file when the entity changes", async () => {
    const first = await new LibSqlDataSource({ url: main, entities: ENTITIES, synchronize: true }).initialize();
    const ada = await first.getRepository(Author).save({ name: "Ada" });
    await first.getRepository(Book).save({ title: "Notes", author: ada });
    await first.destroy();

    const second = await new LibSqlDataSource({
      url: main,
      entities: [Author, BookV2, Shelf],
      synchronize: true,
    }).initialize();
    try {
      const books = await second.getRepository(BookV2).find({ relations: { author: true } });
      expect(books.map((b) => [b.title, b.pages, b.author.name])).to.deep.equal([["Notes", 0, "Ada"]]);
      expect((await second.driver.createSchemaBuilder().log()).upQueries).to.deep.equal([]);
    } finally {
      await second.destroy();
    }
    expect(await tablesIn(other)).to.deep.equal(["author", "book"]);
  });

  it("runs migrations that create tables in the other file, the same SQL as better-sqlite3 generates", async () => {
    const reference = await new DataSource({
      type: "better-sqlite3",
      database: path.join(tempDir(), "main.db"),
      entities: ENTITIES,
    }).initialize();
    const generated = await reference.driver.createSchemaBuilder().log();
    await reference.destroy();

    const planner = await new LibSqlDataSource({ url: main, entities: ENTITIES }).initialize();
    const ours = await planner.driver.createSchemaBuilder().log();
    const handle = planner.driver.getAttachedDatabaseHandleByRelativePath("library/other.db")!;
    await planner.destroy();
    expect(ours.upQueries.map((q) => q.query)).to.deep.equal(generated.upQueries.map((q) => q.query));
    expect(ours.upQueries.some((q) => q.query.includes(`"author"`))).to.equal(true);

    class CreateLibrary1700000000000 implements MigrationInterface {
      name = "CreateLibrary1700000000000";
      async up(runner: import("typeorm").QueryRunner): Promise<void> {
        for (const { query } of ours.upQueries) await runner.query(query);
      }
      // TypeORM's generated down queries for a rebuilt table in an attached file are not valid SQLite
      // ("RENAME TO "<schema>"."temporary_book"", on better-sqlite3 too), so this one is written by hand.
      async down(runner: import("typeorm").QueryRunner): Promise<void> {
        await runner.dropTable(`${handle}.book`);
        await runner.dropTable(`${handle}.author`);
        await runner.dropTable("shelf");
      }
    }
    const dataSource = await new LibSqlDataSource({
      url: main,
      entities: ENTITIES,
      migrations: [CreateLibrary1700000000000],
    }).initialize();
    try {
      expect((await dataSource.runMigrations()).map((m) => m.name)).to.deep.equal(["CreateLibrary1700000000000"]);
      expect(await tablesIn(other)).to.deep.equal(["author", "book"]);
      expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).to.deep.equal([]);
      await dataSource.undoLastMigration();
      expect(await tablesIn(other)).to.deep.equal([]);
      expect(await tablesIn(main)).to.deep.equal(["migrations"]);
    } finally {
      await dataSource.destroy();
    }
  });

  it("attaches an absolute path to :memory:, and refuses a relative one naming the fix", async () => {
    @Entity({ name: "note", database: other })
    class Note {
      @PrimaryGeneratedColumn() id: number;
      @Column() text: string;
    }
    const dataSource = await new LibSqlDataSource({
      url: ":memory:",
      entities: [Note],
      synchronize: true,
    }).initialize();
    try {
      await dataSource.getRepository(Note).save({ text: "kept" });
    } finally {
      await dataSource.destroy();
    }
    expect(await tablesIn(other)).to.deep.equal(["note"]);

    const refused = new LibSqlDataSource({ url: ":memory:", entities: ENTITIES, synchronize: true });
    const failure = await failureOf(refused.initialize());
    expect(failure).to.be.instanceOf(LibSqlError);
    expect((failure as LibSqlError).code).to.equal("LIBSQL_INVALID_ARGUMENT");
    expect(failure.message).to.equal(
      'entity database "library/other.db" is a relative path, which is taken relative to the main database ' +
        "file, but the main database is :memory:; give the file an absolute path",
    );
    expect(refused.isInitialized).to.equal(false);
    expect(fs.existsSync(path.join(process.cwd(), "library"))).to.equal(false);
  });

  it("encrypts the other files of an encrypted database with the same key", async () => {
    const dataSource = await new LibSqlDataSource({
      url: main,
      encryptionKey: "attached-files-key",
      entities: ENTITIES,
      synchronize: true,
    }).initialize();
    await dataSource.getRepository(Author).save({ name: "Ada" });
    await dataSource.destroy();
    const plain = await failureOf(LibSqlConnection.open({ url: other }));
    expect((plain as LibSqlError).code).to.equal("SQLITE_NOTADB");
    const keyed = await LibSqlConnection.open({ url: other, encryptionKey: "attached-files-key" });
    try {
      expect((await keyed.query(`SELECT name FROM author`)).rows).to.deep.equal([{ name: "Ada" }]);
    } finally {
      await keyed.close();
    }
  });

  for (const [what, options] of [
    ["a remote database", { url: "http://127.0.0.1:1" }],
    ["an embedded replica", { url: "replica.db", syncUrl: "http://127.0.0.1:1" }],
  ] as const) {
    it(`refuses entities in other files on ${what} with LIBSQL_UNSUPPORTED`, () => {
      // Refused while TypeORM builds the metadata (before any table is touched); shown here on the
      // driver directly, so no server is needed.
      const dataSource = new LibSqlDataSource({ ...options, entities: ENTITIES });
      let failure: unknown;
      try {
        dataSource.driver.buildTableName("author", undefined, "library/other.db");
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(LibSqlError);
      expect((failure as LibSqlError).code).to.equal("LIBSQL_UNSUPPORTED");
      expect((failure as LibSqlError).message).to.equal(
        `entities in other database files (@Entity({ database: "library/other.db" })) are attached to local ` +
          `connections with ATTACH, which ${what} cannot do; keep these entities in the main database`,
      );
      expect(dataSource.driver.attachedDatabases).to.deep.equal({});
    });
  }

  it("refuses them on a remote database in initialize() (sqld)", async function () {
    skipWithoutSqld(this, "entities in other files on a remote database");
    const location = await freshDatabase("remote");
    const dataSource = new LibSqlDataSource({ ...location, entities: ENTITIES });
    const failure = await failureOf(dataSource.initialize());
    expect((failure as LibSqlError).code).to.equal("LIBSQL_UNSUPPORTED");
    expect(dataSource.isInitialized).to.equal(false);
  });
});
