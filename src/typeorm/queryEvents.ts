/**
 * Reach: TypeORM's `Broadcaster` and `BroadcasterResult`, which are not exported from the root.
 *
 * Why: a query runner announces each query to subscribers (`beforeQuery`, `afterQuery`) and
 * transaction events (`beforeTransactionStart` …) through a `Broadcaster` built for it, and waits
 * for the promises subscribers return, collected in a `BroadcasterResult`. TypeORM's own runners
 * do exactly this; ours replaces `query()` and the transaction methods, so it must too.
 *
 * Verified by: typeorm-seam.test.ts "broadcasts beforeQuery and afterQuery to subscribers, with
 * results and failures"; crud.test.ts "calls entity subscribers and transaction events".
 */
export { Broadcaster } from "typeorm/subscriber/Broadcaster";
export { BroadcasterResult } from "typeorm/subscriber/BroadcasterResult";
