/** Every workload, in the order they run and are reported. */
import { Workload } from "../types";
import { bulkInsert } from "./bulk-insert";
import { concurrent } from "./concurrent";
import { findJoined } from "./find-joined";
import { findOne } from "./find-one";
import { largeQuery, largeStream } from "./large-read";
import { rawInsert, rawSelect, replicaSelect } from "./raw";
import { save } from "./save";
import { transaction } from "./transaction";

export const workloads: readonly Workload[] = [
  save,
  bulkInsert,
  findOne,
  findJoined,
  transaction,
  largeQuery,
  largeStream,
  concurrent,
  rawSelect,
  rawInsert,
  replicaSelect,
];
