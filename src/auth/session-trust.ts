/**
 * How long a cached session copy may be trusted without asking D1.
 *
 * KV is eventually consistent: after a sign-out or revocation, other locations
 * can keep reading the deleted session for 60 s or more. So a session copy
 * read from KV is trusted only if this isolate confirmed it against D1 less
 * than `boundSeconds` ago; otherwise one indexed D1 read confirms it (or finds
 * it gone). A revoked session is therefore refused everywhere within
 * `boundSeconds` of its revocation, whatever KV still serves, at once where it
 * was revoked, and at once by fresh checks, which skip every cache.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** Confirmations kept per isolate; the oldest go first. */
const MAX_CONFIRMATIONS = 10_000;

/** `skip`: ignore cached copies; `confirm`: use a copy only once D1 confirms it, on every read. */
type ReadMode = "skip" | "confirm";

const readMode = new AsyncLocalStorage<ReadMode>();

/**
 * Runs `work` with every cached session copy ignored: session checks inside
 * read D1 (the primary) directly.
 *
 * @example
 * ```ts
 * const session = await withFreshReads(() => auth.api.getSession({ headers }));
 * ```
 */
export function withFreshReads<T>(work: () => Promise<T>): Promise<T> {
  return readMode.run("skip", work);
}

/**
 * Runs `work` with every cached session copy confirmed against D1 before it
 * is used, so a session revoked elsewhere cannot act, while Better Auth can
 * still update the copies of live sessions (a renamed user, for one).
 */
export function withConfirmedReads<T>(work: () => Promise<T>): Promise<T> {
  return readMode.run("confirm", work);
}

/**
 * Per-isolate confirmations of cached session copies (see the file comment).
 *
 * @example
 * ```ts
 * const trust = new SessionTrust((token) => isLiveSession(db, token), 30);
 * if (await trust.accept(token)) { ... use the KV copy ... }
 * ```
 */
export class SessionTrust {
  private readonly confirmed = new Map<string, number>();

  /**
   * @param confirm whether D1 holds a live session for this token
   * @param boundSeconds how long a confirmation lasts; 0 asks D1 on every check
   */
  constructor(
    private readonly confirm: (token: string) => Promise<boolean>,
    private readonly boundSeconds: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Whether a cached copy of this session may be used as it is. */
  async accept(token: string): Promise<boolean> {
    const mode = readMode.getStore();
    if (mode === "skip") return false;
    const confirmedAt = this.confirmed.get(token);
    if (mode !== "confirm" && confirmedAt !== undefined && this.now() - confirmedAt < this.boundSeconds * 1000) return true;
    // The confirmation dates from before the query: the bound counts from what D1 said, not when it arrived.
    const checkedAt = this.now();
    const live = await this.confirm(token);
    this.confirmed.delete(token);
    if (live) {
      this.confirmed.set(token, checkedAt);
      if (this.confirmed.size > MAX_CONFIRMATIONS) this.confirmed.delete(this.confirmed.keys().next().value!);
    }
    return live;
  }

  /** Drops what this isolate knew about a session (it was just deleted here). */
  forget(token: string): void {
    this.confirmed.delete(token);
  }
}
