/**
 * At most `limit` tasks run at once; the others queue in arrival order. The portal may ask for
 * less (`hint`, Dataverse's `x-ms-dop-hint`): the cap is then the smaller of the two.
 */
export class ConcurrencyLimit {
  readonly #limit: number;
  readonly #waiting: Array<() => void> = [];
  #hint = Number.POSITIVE_INFINITY;
  #active = 0;
  #peak = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`invalid concurrency limit ${limit}`);
    this.#limit = limit;
  }

  /** The configured cap. */
  get limit(): number {
    return this.#limit;
  }

  /** The cap in force: the configured one, or the portal's hint when that is lower. */
  get effectiveLimit(): number {
    return Math.min(this.#limit, this.#hint);
  }

  get active(): number {
    return this.#active;
  }

  /** The most tasks that ever ran at once. */
  get peak(): number {
    return this.#peak;
  }

  /** The portal's recommended degree of parallelism; ignored unless a positive integer. */
  hint(value: number): void {
    if (!Number.isInteger(value) || value < 1 || value === this.#hint) return;
    this.#hint = value;
    this.#wake();
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    while (this.#active >= this.effectiveLimit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#active += 1;
    this.#peak = Math.max(this.#peak, this.#active);
    try {
      return await task();
    } finally {
      this.#active -= 1;
      this.#wake();
    }
  }

  #wake(): void {
    // Wakes as many waiters as there are free slots; each checks again when it runs.
    let free = this.effectiveLimit - this.#active;
    while (free > 0 && this.#waiting.length > 0) {
      this.#waiting.shift()?.();
      free -= 1;
    }
  }
}
