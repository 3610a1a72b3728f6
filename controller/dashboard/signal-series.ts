import type { GoldenSignals, ServiceDetail } from '../../lib/dashboard';

/** One service's golden signals over the last `capacity` windows, oldest first (a ring buffer). */
export class SignalSeries {
  private readonly t: number[] = [];
  private readonly rps: number[] = [];
  private readonly successRate: (number | null)[] = [];
  private readonly p99Ms: (number | null)[] = [];

  constructor(private readonly capacity: number) {}

  push(at: number, signals: GoldenSignals): void {
    this.t.push(at);
    this.rps.push(signals.rps);
    this.successRate.push(signals.successRate);
    this.p99Ms.push(signals.p99Ms);
    if (this.t.length > this.capacity) for (const column of [this.t, this.rps, this.successRate, this.p99Ms]) column.shift();
  }

  toJSON(): ServiceDetail['series'] {
    return { t: [...this.t], rps: [...this.rps], successRate: [...this.successRate], p99Ms: [...this.p99Ms] };
  }
}
