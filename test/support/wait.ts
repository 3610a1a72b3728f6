/**
 * Polls `condition` until it holds (or returns a value), for readiness and eventual state. Fails
 * with `what` after `timeoutMs`. Tests synchronise on conditions, never on fixed sleeps.
 */
export async function waitFor<T>(what: string, condition: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
