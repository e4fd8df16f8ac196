import { inject } from "vitest";

/** URL of a file under test/fixtures served by the fixture server on 127.0.0.1. */
export function fixtureUrl(relative: string, route = "fixtures"): string {
  return `${inject("fixtureBaseUrl")}/${route}/${relative}`;
}

export async function fixtureBytes(relative: string): Promise<Uint8Array> {
  const res = await fetch(fixtureUrl(relative));
  if (!res.ok) throw new Error(`fixture ${relative}: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
