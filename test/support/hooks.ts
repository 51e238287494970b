/**
 * Root hooks for the whole mocha run (loaded through `.mocharc.json`): stops the sqld servers the
 * run shared once every suite has finished.
 */
import { stopAllSqld } from "./sqld";

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    await stopAllSqld();
  },
};
