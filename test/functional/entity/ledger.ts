/**
 * A minimal ledger entity for the transaction and concurrency tests.
 */
import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

@Entity()
export class Entry {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  owner: string;

  @Column({ type: "integer" })
  amount: number;
}
