/**
 * Blog entities for the functional tests: authors, profiles, posts, tags and comments cover
 * one-to-one, one-to-many, many-to-many, eager and lazy relations, soft delete and versioning.
 */
import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  Index,
  JoinColumn,
  JoinTable,
  ManyToMany,
  ManyToOne,
  OneToMany,
  OneToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from "typeorm";

@Entity()
export class Profile {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "text", default: "" })
  bio: string;
}

@Entity()
export class Author {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ unique: true })
  name: string;

  @Column({ type: "integer", default: 0 })
  karma: number;

  @OneToOne(() => Profile, { cascade: true, eager: true, nullable: true, onDelete: "SET NULL" })
  @JoinColumn()
  profile: Profile | null;

  @OneToMany(() => Post, (post) => post.author)
  posts: Post[];

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;

  @VersionColumn()
  version: number;

  @DeleteDateColumn()
  deletedAt: Date | null;
}

@Entity()
export class Tag {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ unique: true })
  label: string;
}

@Entity()
@Index(["author", "title"])
export class Post {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  title: string;

  @Column({ type: "boolean", default: false })
  published: boolean;

  @ManyToOne(() => Author, (author) => author.posts, { onDelete: "CASCADE", nullable: false })
  author: Author;

  @ManyToMany(() => Tag, { cascade: true })
  @JoinTable()
  tags: Tag[];

  @OneToMany(() => Comment, (comment) => comment.post)
  comments: Promise<Comment[]>;
}

@Entity()
export class Comment {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  body: string;

  @ManyToOne(() => Post, (post) => post.comments, { onDelete: "CASCADE" })
  post: Promise<Post>;
}

export const BLOG_ENTITIES = [Profile, Author, Tag, Post, Comment];
