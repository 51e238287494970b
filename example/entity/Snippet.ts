/**
 * Example entity for vector search (`npm run example`): a text snippet with a 4-dimensional
 * embedding. The vector index is created by the example migration; `synchronize: false` on the
 * `@Index` keeps TypeORM from dropping an index it cannot describe.
 */
import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { VectorColumn } from "../../src"; // in your app: from "typeorm-libsql"

export const SNIPPET_INDEX = "snippet_embedding_idx";

@Entity("snippet")
@Index(SNIPPET_INDEX, { synchronize: false })
export class Snippet {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "text" })
  text: string;

  /** Made-up weights for four topics: cats, gardening, databases, cooking. */
  @VectorColumn({ dimensions: 4 })
  embedding: number[];
}
