/**
 * The event loop keeps turning during a long chain of inline statements (`yieldIntervalMs`, see
 * src/native/loopTurns.ts). A 1 ms timer chain runs beside 1,000 sequential `findOneBy` calls that
 * all run inline; the longest stretch in which it could not fire must stay within 10 ms. What the
 * test judges is the JavaScript thread's own running time inside each gap between two firings
 * (read from /proc/thread-self/schedstat where Linux has it, else the gap itself), less any
 * garbage-collection pause in it: on a loaded machine the thread may wait for a CPU for several
 * milliseconds at any moment (on a busy 2-core machine a 50 ms busy loop was seen to get 15 ms of
 * CPU), which no driver can prevent. Without yielding the whole flow is one
 * stretch of ~40–100 ms of running (checked below with `yieldIntervalMs: 0`).
 */
import { expect } from "chai";
import * as fs from "fs";
import { PerformanceObserver, performance } from "perf_hooks";
import { LibSqlDataSource, LibSqlOptionsError, type LibSqlConnection } from "../../src";
import { Entry } from "./entity/ledger";
import { tempDatabase } from "./support/databases";

const FLOW = 1000;
const LIMIT_MS = 10;

/** Milliseconds this thread has spent running so far, or undefined off Linux. */
function runningMs(): number | undefined {
  try {
    return Number(fs.readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    return undefined;
  }
}

interface Stretch {
  wallMs: number;
  blockedMs: number;
}

/** Runs `flow` beside a 1 ms timer chain; the longest stretch in which the timer could not fire. */
async function longestStretch(flow: () => Promise<void>): Promise<Stretch> {
  const gcs: { start: number; end: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcs.push({ start: entry.startTime, end: entry.startTime + entry.duration });
  });
  observer.observe({ entryTypes: ["gc"] });
  const firings: { at: number; running: number | undefined }[] = [];
  let running = true;
  const tick = (): void => {
    firings.push({ at: performance.now(), running: runningMs() });
    if (running) setTimeout(tick, 1);
  };
  tick();
  try {
    await flow();
  } finally {
    running = false;
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
  observer.disconnect();
  let worst: Stretch = { wallMs: 0, blockedMs: 0 };
  for (let i = 1; i < firings.length; i += 1) {
    const [from, to] = [firings[i - 1], firings[i]];
    const wallMs = to.at - from.at;
    const ran = from.running !== undefined && to.running !== undefined ? to.running - from.running : wallMs;
    const gcMs = gcs.reduce((sum, gc) => sum + Math.max(0, Math.min(gc.end, to.at) - Math.max(gc.start, from.at)), 0);
    // GC pauses are wall time; the thread had the same share of a CPU in them as in the whole gap.
    const blockedMs = Math.min(ran, wallMs) * Math.max(0, 1 - gcMs / wallMs);
    if (blockedMs > worst.blockedMs) worst = { wallMs, blockedMs };
  }
  return worst;
}

describe("the event loop turns during a chain of inline statements", () => {
  let dataSource: LibSqlDataSource | undefined;

  afterEach(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    dataSource = undefined;
  });

  /**
   * A ledger on a new file with one connection, and a budget no read of a flow can overrun even
   * when the machine is busy: every query then runs inline, the case the yield is for.
   */
  async function openLedger(options: { yieldIntervalMs?: number }): Promise<LibSqlDataSource> {
    dataSource = await new LibSqlDataSource({
      url: `file:${tempDatabase()}`,
      entities: [Entry],
      synchronize: true,
      poolSize: 1,
      inlineBudgetMs: 100,
      ...options,
    }).initialize();
    return dataSource;
  }

  async function flowOf(options: { yieldIntervalMs?: number }): Promise<Stretch> {
    dataSource = await openLedger(options);
    const repository = dataSource.getRepository(Entry);
    await repository.save([1, 2, 3, 4, 5].map((n) => repository.create({ owner: `owner ${n}`, amount: n })));
    const findAll = async (): Promise<void> => {
      for (let i = 0; i < FLOW; i += 1) {
        const found = await repository.findOneBy({ id: (i % 5) + 1 });
        if (found?.id !== (i % 5) + 1) throw new Error(`findOneBy(${(i % 5) + 1}) found ${found?.id}`);
      }
    };
    await findAll(); // warm up: statements prepared, their costs measured, code compiled
    const before = (dataSource.driver as unknown as { pool: { primary: LibSqlConnection } }).pool.primary.inlineStats();
    const stretch = await longestStretch(findAll);
    const after = (dataSource.driver as unknown as { pool: { primary: LibSqlConnection } }).pool.primary.inlineStats();
    expect(after.inline - before.inline, "every query of the flow ran inline").to.equal(FLOW);
    return stretch;
  }

  it(`a 1 ms timer fires at least every ${LIMIT_MS} ms across ${FLOW} sequential inline findOneBy calls`, async () => {
    const stretch = await flowOf({});
    expect(stretch.blockedMs, `longest stretch ${stretch.wallMs.toFixed(1)} ms of wall time`).to.be.at.most(LIMIT_MS);
  });

  it("with yieldIntervalMs: 0 the same flow holds the loop throughout (what the test above would catch)", async () => {
    const stretch = await flowOf({ yieldIntervalMs: 0 });
    expect(stretch.blockedMs).to.be.above(LIMIT_MS);
  });

  /**
   * A stretch begun in the poll phase (here by a file read's callback; in an app, a request or an
   * off-thread result) must not run on into the next stretch without the timers phase between:
   * an immediate scheduled from the poll phase runs in the same turn's check phase. A 1 ms timer
   * set as the stretch begins is due by the time the stretch has lasted the 2 ms interval, so it
   * must have fired by the time the flow has run 3 ms.
   */
  async function timerFiredWithin(yieldIntervalMs: number, afterMs: number): Promise<boolean> {
    dataSource = await openLedger({ yieldIntervalMs });
    const repository = dataSource.getRepository(Entry);
    await repository.save(repository.create({ owner: "owner", amount: 1 }));
    for (let i = 0; i < FLOW; i += 1) await repository.findOneBy({ id: 1 }); // warm up
    await new Promise((resolve) => setTimeout(resolve, 10)); // any stretch has ended
    await new Promise<void>((resolve) => fs.readFile(__filename, () => resolve()));
    // Now in the poll phase, inside the file read's callback.
    let fired = false;
    const start = performance.now();
    setTimeout(() => {
      fired = true;
    }, 1);
    let queries = 0;
    while (performance.now() - start < afterMs) {
      await repository.findOneBy({ id: 1 });
      queries += 1;
    }
    expect(queries, "the flow ran queries for the whole time").to.be.above(1);
    return fired;
  }

  it("lets a due timer fire between a stretch begun in the poll phase and the next", async () => {
    expect(await timerFiredWithin(2, 3)).to.equal(true);
  });

  it("with yieldIntervalMs: 0 that timer cannot fire (what the test above would catch)", async () => {
    expect(await timerFiredWithin(0, 3)).to.equal(false);
  });

  it("refuses a yieldIntervalMs that is not a whole number of milliseconds from 0 to 1000", async () => {
    for (const bad of [-1, 1.5, 1001, "2"]) {
      const failed = await new LibSqlDataSource({ url: ":memory:", yieldIntervalMs: bad as number }).initialize().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed, String(bad)).to.be.instanceOf(LibSqlOptionsError);
      expect((failed as LibSqlOptionsError).message).to.match(/yieldIntervalMs/);
    }
  });
});
