/** At most `limit` tasks run at once; the others queue in arrival order. */
export class ConcurrencyLimit {
  readonly #limit: number;
  readonly #waiting: Array<() => void> = [];
  #active = 0;
  #peak = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`invalid concurrency limit ${limit}`);
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit;
  }

  get active(): number {
    return this.#active;
  }

  /** The most tasks that ever ran at once. */
  get peak(): number {
    return this.#peak;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active += 1;
    }
    this.#peak = Math.max(this.#peak, this.#active);
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so `active` never drops below the queue.
      if (next) next();
      else this.#active -= 1;
    }
  }
}
