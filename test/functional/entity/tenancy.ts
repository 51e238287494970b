/**
 * The entity and migrations of the tenants tests: notes, and a log table in which each migration
 * records that it ran (so a migration applied twice shows as two rows, if it gets that far).
 */
import { Column, Entity, PrimaryGeneratedColumn, type MigrationInterface, type QueryRunner } from "typeorm";

@Entity()
export class Note {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  tenant: string;

  @Column()
  text: string;
}

export class CreateNotes1764547200001 implements MigrationInterface {
  name = "CreateNotes1764547200001";

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE IF NOT EXISTS "applied_log" ("migration" varchar NOT NULL)`);
    await runner.query(
      `CREATE TABLE "note" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "tenant" varchar NOT NULL, "text" varchar NOT NULL)`,
    );
    await runner.query(`INSERT INTO "applied_log" ("migration") VALUES ('CreateNotes')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "note"`);
  }
}

export class AddNoteTags1764547200002 implements MigrationInterface {
  name = "AddNoteTags1764547200002";

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "note" ADD COLUMN "tag" varchar`);
    await runner.query(`INSERT INTO "applied_log" ("migration") VALUES ('AddNoteTags')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "note" DROP COLUMN "tag"`);
  }
}
