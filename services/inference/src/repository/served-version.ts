import type { Logger } from '@tidewater/logging';
import type { LoadedModel } from '../model/index.js';

/**
 * One loaded model version with a count of the leases that use it. The repository retires a
 * version when it is unloaded or replaced; the session is closed once the version is retired
 * and its last lease is released, so a batch in flight always scores on an open session.
 */
export class ServedVersion {
  #leases = 0;
  #retired = false;
  #closing = false;
  #isClosed = false;
  #resolveClosed: () => void = () => undefined;
  readonly #closed = new Promise<void>((resolve) => (this.#resolveClosed = resolve));

  constructor(
    readonly model: LoadedModel,
    /** Fingerprint of the files this version was loaded from (see scanRepository). */
    readonly fingerprint: string,
    readonly loadedAt: number,
    private readonly logger: Logger,
    private readonly onClosed?: (model: LoadedModel) => void,
  ) {}

  get version(): string {
    return this.model.manifest.version;
  }

  get leases(): number {
    return this.#leases;
  }

  get retired(): boolean {
    return this.#retired;
  }

  /** True once the session has been closed. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  hold(): void {
    this.#leases++;
  }

  release(): void {
    this.#leases--;
    if (this.#retired && this.#leases === 0) this.#close();
  }

  /** Takes the version out of service; resolves once its session is closed, after the last lease. */
  retire(): Promise<void> {
    this.#retired = true;
    if (this.#leases === 0) this.#close();
    return this.#closed;
  }

  #close(): void {
    if (this.#closing) return;
    this.#closing = true;
    void this.model
      .close()
      .catch((err: unknown) => {
        const { name, version } = this.model.manifest;
        this.logger.warn({ err, model: name, version }, 'closing a retired model version failed');
      })
      .finally(() => {
        this.#isClosed = true;
        this.#resolveClosed();
        try {
          this.onClosed?.(this.model);
        } catch (err) {
          this.logger.warn({ err, model: this.model.manifest.name, version: this.version }, 'onModelClosed hook failed');
        }
      });
  }
}
