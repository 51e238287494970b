/**
 * Example migration: creates the tables of the example entities (generated with
 * `typeorm-ts-node-commonjs migration:generate -d ormconfig.ts migrations/Init`).
 */
import { MigrationInterface, QueryRunner } from "typeorm";

export class Init1764460800000 implements MigrationInterface {
  name = "Init1764460800000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "user" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "email" varchar NOT NULL, "name" varchar(100) NOT NULL, "active" boolean NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_e12875dfb3b1d92d7d7c5377e22" UNIQUE ("email"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "post" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "title" varchar(200) NOT NULL, "body" text NOT NULL DEFAULT (''), "meta" text, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "authorId" integer NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_e28aa0c4114146bfb1567bfa9a" ON "post" ("title") `);
    await queryRunner.query(`DROP INDEX "IDX_e28aa0c4114146bfb1567bfa9a"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_post" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "title" varchar(200) NOT NULL, "body" text NOT NULL DEFAULT (''), "meta" text, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "authorId" integer NOT NULL, CONSTRAINT "FK_c6fb082a3114f35d0cc27c518e0" FOREIGN KEY ("authorId") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_post"("id", "title", "body", "meta", "createdAt", "authorId") SELECT "id", "title", "body", "meta", "createdAt", "authorId" FROM "post"`,
    );
    await queryRunner.query(`DROP TABLE "post"`);
    await queryRunner.query(`ALTER TABLE "temporary_post" RENAME TO "post"`);
    await queryRunner.query(`CREATE INDEX "IDX_e28aa0c4114146bfb1567bfa9a" ON "post" ("title") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_e28aa0c4114146bfb1567bfa9a"`);
    await queryRunner.query(`ALTER TABLE "post" RENAME TO "temporary_post"`);
    await queryRunner.query(
      `CREATE TABLE "post" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "title" varchar(200) NOT NULL, "body" text NOT NULL DEFAULT (''), "meta" text, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "authorId" integer NOT NULL)`,
    );
    await queryRunner.query(
      `INSERT INTO "post"("id", "title", "body", "meta", "createdAt", "authorId") SELECT "id", "title", "body", "meta", "createdAt", "authorId" FROM "temporary_post"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_post"`);
    await queryRunner.query(`CREATE INDEX "IDX_e28aa0c4114146bfb1567bfa9a" ON "post" ("title") `);
    await queryRunner.query(`DROP INDEX "IDX_e28aa0c4114146bfb1567bfa9a"`);
    await queryRunner.query(`DROP TABLE "post"`);
    await queryRunner.query(`DROP TABLE "user"`);
  }
}
