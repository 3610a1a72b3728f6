/** An input `meshform cost` cannot use; `code` is stable, the message says where, what and the fix. */
export class CostError extends Error {
  constructor(
    readonly code: 'COST_QUANTITY' | 'COST_NO_BENCH_RESULTS',
    message: string,
  ) {
    super(`[${code}] ${message}`);
    this.name = 'CostError';
  }
}
