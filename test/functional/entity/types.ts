/**
 * One column of every type TypeORM's SQLite drivers accept, for the round-trip tests.
 */
import { Column, Entity, Generated, PrimaryGeneratedColumn } from "typeorm";

export enum Colour {
  Red = "red",
  Green = "green",
  Blue = "blue",
}

@Entity()
export class Everything {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Column({ type: "varchar" })
  @Generated("uuid")
  token: string;

  @Column({ type: "boolean", nullable: true })
  flag: boolean | null;

  @Column({ type: "integer", nullable: true })
  integer: number | null;

  @Column({ type: "int", nullable: true })
  int: number | null;

  @Column({ type: "bigint", nullable: true })
  bigint: string | number | null;

  @Column({ type: "real", nullable: true })
  real: number | null;

  @Column({ type: "double", nullable: true })
  double: number | null;

  @Column({ type: "decimal", precision: 10, scale: 2, nullable: true })
  decimal: number | null;

  @Column({ type: "varchar", length: 50, nullable: true })
  varchar: string | null;

  @Column({ type: "text", nullable: true })
  text: string | null;

  @Column({ type: "date", nullable: true })
  date: string | null;

  @Column({ type: "time", nullable: true })
  time: string | null;

  @Column({ type: "datetime", nullable: true })
  datetime: Date | null;

  @Column({ type: "simple-json", nullable: true })
  simpleJson: { a: number; nested: { b: string[] } } | null;

  @Column({ type: "json", nullable: true })
  json: Record<string, unknown> | null;

  @Column({ type: "simple-array", nullable: true })
  simpleArray: string[] | null;

  @Column({ type: "simple-enum", enum: Colour, nullable: true })
  colour: Colour | null;

  @Column({ type: "blob", nullable: true })
  blob: Buffer | null;

  @Column({ nullable: true })
  buffer: Buffer;

  @Column({
    type: "varchar",
    nullable: true,
    transformer: {
      to: (v?: number) => (v === undefined || v === null ? v : String(v * 100)),
      from: (v: string | null) => (v === null ? null : Number(v) / 100),
    },
  })
  transformed: number | null;
}
