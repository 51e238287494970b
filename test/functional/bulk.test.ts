/**
 * Bulk inserts: 10,000 rows in one `insert()` into an entity with database-generated columns
 * (TypeORM's SQLite re-select fallback fails here with "Expression tree is too large"), with
 * every generated value returned through RETURNING and matched to its entity.
 */
import { expect } from "chai";
import { QueryFailedError } from "typeorm";
import { LibSqlDataSource } from "../../src";
import { Event, Wide } from "./entity/bulk";
import { openDataSource, TARGETS, skipUnavailable } from "./support/databases";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

for (const target of TARGETS) {
  describe(`bulk insert (${target})`, () => {
    before(function () {
      skipUnavailable(this, target);
    });

    let dataSource: LibSqlDataSource;

    beforeEach(async () => {
      dataSource = await openDataSource(target, { entities: [Event, Wide] });
    });

    afterEach(async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    });

    it("inserts 10,000 rows in one insert() and returns every generated value", async () => {
      const events = Array.from({ length: 10_000 }, (_, i) =>
        dataSource.getRepository(Event).create({ name: `e${i}`, sequence: i }),
      );
      const result = await dataSource.getRepository(Event).insert(events);
      expect(result.identifiers).to.have.length(10_000);
      expect(result.generatedMaps).to.have.length(10_000);
      const references = new Set<string>();
      events.forEach((event, i) => {
        expect(event.id).to.equal(i + 1);
        expect(event.status).to.equal("new");
        expect(event.version).to.equal(1);
        expect(event.createdAt).to.be.instanceOf(Date);
        expect(event.updatedAt).to.be.instanceOf(Date);
        expect(event.reference).to.match(UUID);
        references.add(event.reference);
      });
      expect(references.size).to.equal(10_000);
      const rows = await dataSource.query<{ id: number; name: string; sequence: number; reference: string }[]>(
        `SELECT id, name, sequence, reference FROM event ORDER BY id`,
      );
      expect(rows).to.have.length(10_000);
      rows.forEach((row, i) => {
        expect(row).to.deep.equal({ id: i + 1, name: `e${i}`, sequence: i, reference: events[i].reference });
      });
    });

    it("saves 2,000 entities with generated columns in one save()", async () => {
      const repo = dataSource.getRepository(Event);
      const saved = await repo.save(
        Array.from({ length: 2_000 }, (_, i) => repo.create({ name: `s${i}`, sequence: i })),
      );
      expect(saved.map((e) => e.id)).to.deep.equal(Array.from({ length: 2_000 }, (_, i) => i + 1));
      expect(saved.every((e) => e.createdAt instanceof Date && e.version === 1)).to.equal(true);
    });

    it("reports SQLite's bound-parameter limit (32766) as a QueryFailedError", async () => {
      // 9,000 rows × 4 bound values = 36,000 parameters: over the limit of SQLite 3.45.
      const rows = Array.from({ length: 9_000 }, (_, i) => ({ a: `a${i}`, b: "b", c: "c", d: "d" }));
      let failure: unknown;
      await dataSource
        .getRepository(Wide)
        .insert(rows)
        .catch((error: unknown) => {
          failure = error;
        });
      expect(failure).to.be.instanceOf(QueryFailedError);
      expect(String((failure as Error).message)).to.match(/too many SQL variables/i);
      // Chunked saves stay under the limit.
      await dataSource.getRepository(Wide).save(rows, { chunk: 1_000 });
      expect(await dataSource.getRepository(Wide).count()).to.equal(9_000);
    });
  });
}
