/**
 * The CI check of an install from the npm tarballs (see .ci/install-from-tarballs): a small
 * TypeORM program, compiled with the tsconfig flags the README gives users, run against a file
 * database with the prebuilt binary and no Rust. It uses entities with a relation, synchronize,
 * and a transaction holding a nested transaction (a savepoint) that rolls back on its own, then
 * reopens the file to check what was committed. It fails (exit 1) on any wrong result.
 */
import "reflect-metadata";
import * as assert from "assert";
import * as path from "path";
import { Column, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn } from "typeorm";
import { LibSqlDataSource } from "typeorm-libsql";

@Entity()
class Author {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ unique: true })
  name: string;

  @OneToMany(() => Book, (book) => book.author)
  books: Book[];
}

@Entity()
class Book {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  title: string;

  @ManyToOne(() => Author, (author) => author.books, { nullable: false, onDelete: "CASCADE" })
  author: Author;
}

function dataSource(file: string): LibSqlDataSource {
  return new LibSqlDataSource({ url: `file:${file}`, entities: [Author, Book], synchronize: true });
}

async function main(): Promise<void> {
  const file = path.resolve(process.argv[2] ?? "app.db");
  const db = await dataSource(file).initialize();
  console.log(
    `opened ${file}; synchronize created: ${(await db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")).map((row: { name: string }) => row.name).join(", ")}`,
  );

  await db.transaction(async (manager) => {
    const ada = await manager.save(Author, { name: "Ada" });
    await manager.save(Book, { title: "Notes on the Analytical Engine", author: ada });
    await manager
      .transaction(async (inner) => {
        await inner.save(Book, { title: "A draft that is rolled back", author: ada });
        assert.strictEqual(await inner.count(Book), 2, "the savepoint sees the outer transaction's row and its own");
        throw new Error("roll back the savepoint");
      })
      .catch((error: Error) => {
        if (error.message !== "roll back the savepoint") throw error;
        console.log("nested transaction rolled back to its savepoint");
      });
    assert.strictEqual(
      await manager.count(Book),
      1,
      "the savepoint's row is gone, the outer transaction's row is kept",
    );
  });
  console.log("outer transaction committed");
  await db.destroy();

  const reopened = await dataSource(file).initialize();
  const authors = await reopened.getRepository(Author).find({ relations: { books: true } });
  assert.deepStrictEqual(
    authors.map((author) => ({ name: author.name, books: author.books.map((book) => book.title) })),
    [{ name: "Ada", books: ["Notes on the Analytical Engine"] }],
  );
  console.log(
    `reopened: ${JSON.stringify(authors.map((author) => ({ name: author.name, books: author.books.length })))}`,
  );
  await reopened.destroy();
  console.log("ok");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
