/**
 * A table other tables reference, one child per ON DELETE action (CASCADE, RESTRICT, SET NULL),
 * for the tests of table rebuilds, ALTER COLUMN and clearing a database with foreign keys.
 */
import { Column, Entity, Index, ManyToOne, PrimaryGeneratedColumn } from "typeorm";

@Entity("parent")
export class Parent {
  @PrimaryGeneratedColumn()
  id: number;

  /** ALTER COLUMN tests create this column as `varchar(20)` first (nullable or not). */
  @Index("IDX_parent_name")
  @Column({ type: "varchar", length: 40 })
  name: string;

  /** Rebuild tests create this column as `integer` first: a change of affinity is a rebuild. */
  @Column({ type: "varchar" })
  code: string;
}

@Entity("cascade_child")
export class CascadeChild {
  @PrimaryGeneratedColumn()
  id: number;

  @ManyToOne(() => Parent, { onDelete: "CASCADE", nullable: true })
  parent: Parent | null;
}

@Entity("restrict_child")
export class RestrictChild {
  @PrimaryGeneratedColumn()
  id: number;

  @ManyToOne(() => Parent, { onDelete: "RESTRICT", nullable: true })
  parent: Parent | null;
}

@Entity("set_null_child")
export class SetNullChild {
  @PrimaryGeneratedColumn()
  id: number;

  @ManyToOne(() => Parent, { onDelete: "SET NULL", nullable: true })
  parent: Parent | null;
}

export const FAMILY = [Parent, CascadeChild, RestrictChild, SetNullChild];
export const FAMILY_TABLES = ["parent", "cascade_child", "restrict_child", "set_null_child"] as const;
