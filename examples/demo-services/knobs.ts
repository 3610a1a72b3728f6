/** Behaviour a demo service can be told to show, at start (env) or live (`POST /admin/knobs`). */
export interface Knobs {
  /** Added to every answer. */
  latencyMs: number;
  /** Share of requests (0..1) answered 503. */
  failureRate: number;
  /** The next N requests are answered 503, then behaviour returns to normal (retry demos). */
  failNext: number;
  /** HTTP status used for injected failures. */
  failureStatus: number;
}

export function knobsFromEnv(env: NodeJS.ProcessEnv): Knobs {
  return {
    latencyMs: Number(env.LATENCY_MS ?? 0),
    failureRate: Number(env.FAILURE_RATE ?? 0),
    failNext: Number(env.FAIL_NEXT ?? 0),
    failureStatus: Number(env.FAILURE_STATUS ?? 503),
  };
}

/** Applies a partial update, rejecting values that make no sense. */
export function updateKnobs(knobs: Knobs, update: Readonly<Record<string, unknown>>): Knobs {
  const next = { ...knobs };
  for (const [key, value] of Object.entries(update)) {
    if (!(key in knobs)) throw new Error(`unknown knob "${key}"; knobs are ${Object.keys(knobs).join(', ')}`);
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`knob ${key} must be a number >= 0, got ${JSON.stringify(value)}`);
    if (key === 'failureRate' && n > 1) throw new Error(`knob failureRate is a share between 0 and 1, got ${n}`);
    next[key as keyof Knobs] = n;
  }
  return next;
}

/** Decides whether this request fails, consuming one `failNext` if set. */
export function shouldFail(knobs: Knobs, random: () => number = Math.random): boolean {
  if (knobs.failNext > 0) {
    knobs.failNext -= 1;
    return true;
  }
  return random() < knobs.failureRate;
}
