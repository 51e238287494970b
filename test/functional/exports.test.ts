/**
 * The package's public API is the explicit list in src/index.ts: these tests fail when an export
 * appears or disappears without the list (and the docs) being changed on purpose, and when an
 * internal helper of the binding leaks into it.
 */
import { expect } from "chai";
import * as pkg from "../../src";

describe("exports", () => {
  it("exports exactly the public values", () => {
    expect(Object.keys(pkg).sort()).to.deep.equal(
      [
        "LibSqlAdminError",
        "LibSqlConnection",
        "LibSqlConnectionPool",
        "LibSqlCursor",
        "LibSqlDataSource",
        "LibSqlDriver",
        "LibSqlError",
        "LibSqlOptionsError",
        "LibSqlQueryRunner",
        "LibSqlStatement",
        "LibSqlTenants",
        "LibSqlTransaction",
        "SqldAdmin",
        "TursoAdmin",
        "VectorColumn",
        "createVectorIndex",
        "dropVectorIndex",
        "nativeLoopBlocks",
        "nativeStats",
        "nativeVersions",
        "vectorDistance",
        "vectorDistanceCos",
        "vectorDistanceL2",
        "vectorTopK",
      ].sort(),
    );
  });

  it("keeps the binding's internal helpers out", () => {
    for (const name of ["nativeBinding", "wrapSync", "wrapAsync", "toLibSqlError", "RESULT_PAGE_ROWS"]) {
      expect(pkg, name).to.not.have.property(name);
    }
  });
});
