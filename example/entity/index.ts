/**
 * The example entities, in the order `ormconfig.ts` registers them.
 */
import { Post } from "./Post";
import { User } from "./User";

export { Post, User };
export const EXAMPLE_ENTITIES = [User, Post];
