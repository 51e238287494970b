/**
 * Driver level, no TypeORM: a prepared point select and a prepared single-row insert
 * (autocommit), one call after another — the per-call cost of each driver; and the same point
 * select on an embedded replica of a real sqld.
 */
import { measureCounted } from "../measure";
import { RawWorkload, ReplicaWorkload } from "../types";
import { keyAt } from "./keys";

export const RAW_ROWS = 10_000;

export const rawSelect: RawWorkload = {
  id: "raw-select",
  title: "raw driver: point select",
  unit: "selects",
  level: "raw",
  target: "raw",
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
  target: "raw",
  async run(client, { config }) {
    return measureCounted(config.rawInsert, (i) => client.insert(`raw-${i}`, i / 2), {
      warmup: Math.ceil(config.rawInsert * config.warmup),
    });
  },
};

export const replicaSelect: ReplicaWorkload = {
  id: "replica-select",
  title: "raw driver: point select on an embedded replica",
  unit: "selects",
  level: "replica",
  target: "replica",
  localPeer: "raw-select",
  async run(client, { config }) {
    return measureCounted(config.replicaSelect, (i) => client.selectById(keyAt(i, RAW_ROWS, config.seed)), {
      warmup: Math.ceil(config.replicaSelect * config.warmup),
    });
  },
};
