import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** Built per request from the binding: an isolate serves many requests, so no module-level db. */
export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Database = ReturnType<typeof database>;
export { schema };
