/**
 * Entities with database-generated values for the bulk insert tests.
 */
import {
  Column,
  CreateDateColumn,
  Entity,
  Generated,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from "typeorm";

@Entity()
export class Event {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  name: string;

  @Column({ type: "integer" })
  sequence: number;

  @Column({ default: "new" })
  status: string;

  @Column({ type: "varchar" })
  @Generated("uuid")
  reference: string;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;

  @VersionColumn()
  version: number;
}

@Entity()
export class Wide {
  @PrimaryGeneratedColumn()
  id: number;

  @Column() a: string;
  @Column() b: string;
  @Column() c: string;
  @Column() d: string;

  @CreateDateColumn()
  createdAt: Date;
}
