/**
 * Driver level, no TypeORM: a prepared point select and a prepared single-row insert
 * (autocommit), one call after another — the per-call cost of each driver, including the hop
 * off the JavaScript thread for ours.
 */
import { measureCounted } from "../measure";
import { RawWorkload } from "../types";
import { keyAt } from "./keys";

export const RAW_ROWS = 10_000;

export const rawSelect: RawWorkload = {
  id: "raw-select",
  title: "raw driver: point select",
  unit: "selects",
  level: "raw",
  target: "none",
  async run(client, { config }) {
    return measureCounted(config.rawSelect, (i) => client.selectById(keyAt(i, RAW_ROWS, config.seed)), {
      warmup: Math.ceil(config.rawSelect * config.warmup),
    });
  },
};

export const rawInsert: RawWorkload = {
  id: "raw-insert",
  title: "raw driver: single-row insert",
  unit: "inserts",
  level: "raw",
  target: "none",
  async run(client, { config }) {
    return measureCounted(config.rawInsert, (i) => client.insert(`raw-${i}`, i / 2), {
      warmup: Math.ceil(config.rawInsert * config.warmup),
    });
  },
};
