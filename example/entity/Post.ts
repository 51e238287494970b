/**
 * Example entity used by `ormconfig.ts`, the example migration and `npm run example`: a post
 * written by a user.
 */
import { Column, CreateDateColumn, Entity, Index, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { User } from "./User";

@Entity("post")
export class Post {
  @PrimaryGeneratedColumn()
  id: number;

  @Index()
  @Column({ type: "varchar", length: 200 })
  title: string;

  @Column({ type: "text", default: "" })
  body: string;

  @Column({ type: "simple-json", nullable: true })
  meta: { tags?: string[] } | null;

  @ManyToOne(() => User, (user) => user.posts, { onDelete: "CASCADE", nullable: false })
  author: User;

  @CreateDateColumn()
  createdAt: Date;
}
