/**
 * The entities every TypeORM workload runs against. Column types are spelt out so that the
 * schema does not depend on emitted decorator metadata (ts-node runs with --transpile-only).
 */
import "reflect-metadata";
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";

/** Saved one by one, looked up by primary key, and the "one" side of `Post.author`. */
@Entity("author")
export class Author {
  @PrimaryGeneratedColumn({ type: "integer" })
  id: number;

  @Column({ type: "varchar", length: 80 })
  name: string;

  @Column({ type: "varchar", length: 120 })
  email: string;

  @Column({ type: "integer", default: 0 })
  score: number;
}

/** Read in pages of 50 with its author joined; written to by the concurrent mix. */
@Entity("post")
export class Post {
  @PrimaryGeneratedColumn({ type: "integer" })
  id: number;

  @Column({ type: "varchar", length: 200 })
  title: string;

  @Column({ type: "text" })
  body: string;

  @Column({ type: "integer", default: 0 })
  views: number;

  @Index()
  @Column({ type: "integer" })
  authorId: number;

  @ManyToOne(() => Author, { nullable: false })
  @JoinColumn({ name: "authorId" })
  author: Author;
}

/** Bulk-inserted: a generated id and a database-generated creation date. */
@Entity("item")
export class Item {
  @PrimaryGeneratedColumn({ type: "integer" })
  id: number;

  @Column({ type: "varchar", length: 40 })
  sku: string;

  @Column({ type: "integer" })
  quantity: number;

  @Column({ type: "real" })
  price: number;

  @CreateDateColumn({ type: "datetime" })
  createdAt: Date;
}

/** The 20,000-row table read in one query and streamed. */
@Entity("measurement")
export class Measurement {
  @PrimaryGeneratedColumn({ type: "integer" })
  id: number;

  @Column({ type: "varchar", length: 40 })
  sensor: string;

  @Column({ type: "real" })
  value: number;

  @Column({ type: "integer" })
  takenAt: number;
}

export const entities = [Author, Post, Item, Measurement];
