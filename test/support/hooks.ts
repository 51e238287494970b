/**
 * Root hooks for the whole mocha run (loaded through `.mocharc.json`): once every suite has
 * finished, counts the run's tests (and in CI fails it on a test pending without a recognised
 * reason, see `skip.ts`) and stops the sqld servers the run shared.
 */
import { checkRun } from "./skip";
import { stopAllSqld } from "./sqld";

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    await stopAllSqld();
    const root = this.test?.parent;
    if (root) checkRun(root);
  },
};
