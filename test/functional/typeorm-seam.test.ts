/**
 * Behaviour that rests on a reach into TypeORM internals (src/typeorm) and that no other suite
 * pins down: query events broadcast to subscribers, column transformers around vector values, the
 * isolation levels the driver declares, and a query result cache built for the libSQL driver. If a TypeORM release moves what these reach for, a test
 * here fails (the other reaches are covered where their feature is tested; see src/typeorm).
 */
import { expect } from "chai";
import {
  type DataSource,
  Entity,
  EventSubscriber,
  PrimaryGeneratedColumn,
  type AfterQueryEvent,
  type BeforeQueryEvent,
  type EntitySubscriberInterface,
} from "typeorm";
import { LibSqlDataSource, VectorColumn } from "../../src";
import { openDataSource } from "./support/databases";

interface Point {
  x: number;
  y: number;
}

@Entity("seam_point")
class PointRow {
  @PrimaryGeneratedColumn()
  id: number;

  @VectorColumn({
    dimensions: 2,
    nullable: true,
    transformer: {
      to: (p?: Point | null) => (p === undefined || p === null ? p : [p.x, p.y]),
      from: (v: number[] | null) => (v === null ? null : { x: v[0], y: v[1] }),
    },
  })
  at: Point | null;
}

describe("behaviour resting on TypeORM internals", () => {
  it("broadcasts beforeQuery and afterQuery to subscribers, with results and failures", async () => {
    const seen: string[] = [];
    @EventSubscriber()
    class QueryWatcher implements EntitySubscriberInterface {
      beforeQuery(event: BeforeQueryEvent): void {
        if (event.query.includes("seam_probe")) seen.push(`before ${event.query} [${String(event.parameters)}]`);
      }
      afterQuery(event: AfterQueryEvent): void {
        if (!event.query.includes("seam_probe")) return;
        const outcome = event.success ? `ok ${JSON.stringify(event.rawResults)}` : `failed ${event.error?.message}`;
        seen.push(`after ${outcome}`);
      }
    }
    const dataSource = await openDataSource("memory", { subscribers: [QueryWatcher] });
    try {
      await dataSource.query(`SELECT ? AS seam_probe`, [7]);
      await dataSource.query(`SELECT seam_probe FROM nowhere`).catch(() => undefined);
      expect(seen).to.have.length(4);
      expect(seen.slice(0, 2)).to.deep.equal([`before SELECT ? AS seam_probe [7]`, `after ok [{"seam_probe":7}]`]);
      expect(seen[2]).to.equal(`before SELECT seam_probe FROM nowhere []`);
      expect(seen[3]).to.match(/^after failed .*no such table: nowhere/);
    } finally {
      await dataSource.destroy();
    }
  });

  it("applies a column transformer before encoding and after decoding a vector", async () => {
    const dataSource = await openDataSource("memory", { entities: [PointRow] });
    try {
      const repository = dataSource.getRepository(PointRow);
      await repository.save([{ at: { x: 1.5, y: -2 } }, { at: null }]);
      const [{ stored }] = await dataSource.query(
        `SELECT vector_extract("at") AS stored FROM "seam_point" WHERE id = 1`,
      );
      expect(stored).to.equal("[1.5,-2]");
      const rows = await repository.find({ order: { id: "ASC" } });
      expect(rows.map((r) => r.at)).to.deep.equal([{ x: 1.5, y: -2 }, null]);
    } finally {
      await dataSource.destroy();
    }
  });

  it("declares the SQLite isolation levels, so TypeORM refuses others before any work", async () => {
    const accepted = new LibSqlDataSource({ url: ":memory:", isolationLevel: "READ UNCOMMITTED" });
    // TypeORM 1.x reads the declared list; 0.3.x has no such field.
    const declared = (accepted.driver as { supportedIsolationLevels?: string[] }).supportedIsolationLevels;
    if (declared !== undefined) expect(declared).to.deep.equal(["READ UNCOMMITTED", "SERIALIZABLE"]);
    await accepted.initialize();
    await accepted.transaction(async () => undefined);
    await accepted.destroy();

    const refused = new LibSqlDataSource({ url: ":memory:", isolationLevel: "REPEATABLE READ" });
    const failure = await refused.initialize().then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).to.match(/^REPEATABLE READ isolation level is not supported/);
    expect(refused.isInitialized).to.equal(false);
  });

  it("builds a custom query result cache against the libSQL driver, not TypeORM's placeholder", async () => {
    const connectedWith: string[] = [];
    const provider = (dataSource: DataSource) => {
      const driverName = dataSource.driver.constructor.name; // what a cache captures when it is built
      return {
        connect: async () => void connectedWith.push(driverName),
        disconnect: async () => undefined,
        synchronize: async () => undefined,
        getFromCache: async () => undefined,
        storeInCache: async () => undefined,
        isExpired: () => true,
        clear: async () => undefined,
        remove: async () => undefined,
      };
    };
    const dataSource = await new LibSqlDataSource({
      url: ":memory:",
      cache: { provider: provider as never },
    }).initialize();
    try {
      expect(connectedWith).to.deep.equal(["LibSqlDriver"]);
      expect(await dataSource.query(`SELECT 1 AS one`)).to.deep.equal([{ one: 1 }]);
    } finally {
      await dataSource.destroy();
    }
  });
});
