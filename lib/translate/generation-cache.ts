/**
 * A cache that lives across generations of the mesh: what the last generation used stays
 * available to this one, anything older goes, so it holds no more than two generations' worth.
 */
export class GenerationCache<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();

  nextGeneration(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  /** The value this or the last generation stored (now kept for the next one too). */
  get(key: K): V | undefined {
    const hit = this.current.get(key) ?? this.previous.get(key);
    if (hit !== undefined) this.current.set(key, hit);
    return hit;
  }

  set(key: K, value: V): V {
    this.current.set(key, value);
    return value;
  }
}
