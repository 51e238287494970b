/**
 * Example migration for `npm run example`: the snippet table and its vector index (libSQL's
 * `libsql_vector_idx`, which TypeORM's own index DDL cannot express).
 */
import type { MigrationInterface, QueryRunner } from "typeorm";
import { createVectorIndex, dropVectorIndex } from "../../src"; // in your app: from "typeorm-libsql"

export class Snippets1764547200000 implements MigrationInterface {
  name = "Snippets1764547200000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "snippet" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "text" text NOT NULL, "embedding" F32_BLOB(4) NOT NULL)`,
    );
    await createVectorIndex(queryRunner, { name: "snippet_embedding_idx", table: "snippet", column: "embedding" });
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await dropVectorIndex(queryRunner, "snippet_embedding_idx");
    await queryRunner.query(`DROP TABLE "snippet"`);
  }
}
