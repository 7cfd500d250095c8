/**
 * The revocation bound: how long a cached session copy may be trusted
 * without asking D1 (`boundSeconds`), and how long an isolate may reuse the
 * copy it last read without asking KV (`memorySeconds`). A copy deleted or
 * rewritten in this isolate is dropped before and after the KV write.
 * docs/sessions.md, "The revocation bound".
 */
import { BoundedMap } from "./bounded-map";
import type { ReadMode } from "./read-mode";

/** Sessions remembered per isolate; the oldest go first. */
const MAX_ENTRIES = 10_000;

/** A session copy as KV returned it: the value and its real expiry (epoch ms, `null` for never). */
export interface SessionCopy {
  value: string;
  exp: number | null;
}

export interface SessionTrustOptions {
  /** Whether D1 holds a live session for this token. */
  confirm: (token: string) => Promise<boolean>;
  /** How long a confirmation lasts, in seconds; 0 asks D1 on every check. */
  boundSeconds: number;
  /** How long a copy read from KV is reused, in seconds; capped at `boundSeconds`, 0 reads KV on every check. @default 0 */
  memorySeconds?: number;
  /** The clock, in epoch milliseconds. @default Date.now */
  now?: () => number;
}

interface Entry {
  /** When D1 last confirmed the session (the time the query was sent). */
  confirmedAt: number;
  /** The copy read from KV, and when that read started. */
  copy?: SessionCopy & { readAt: number };
}

/** A session deleted or rewritten in this isolate, and when (in change order). */
interface Change {
  seq: number;
  deleted: boolean;
}

/**
 * Per-isolate confirmations and copies of cached sessions (see the file comment).
 *
 * @example
 * ```ts
 * const trust = new SessionTrust({ confirm: (token) => isLiveSession(db, token, maxAgeMs), boundSeconds: 30, memorySeconds: 10 });
 * const copy = trust.recall(token, "cached");
 * if (!copy) {
 *   const read = trust.begin();
 *   const fromKv = await readKv(token);
 *   if (await trust.accept(token, fromKv, read, "cached")) { ... use it ... }
 * }
 * ```
 */
export class SessionTrust {
  private readonly entries = new BoundedMap<string, Entry>(MAX_ENTRIES);
  private readonly confirm: (token: string) => Promise<boolean>;
  private readonly boundSeconds: number;
  private readonly memorySeconds: number;
  private readonly now: () => number;
  /** Recent deletions and writes here, so that a read which began before one is not remembered. */
  private readonly changes = new BoundedMap<string, Change>(MAX_ENTRIES, (_token, change) => {
    this.forgottenSeq = change.seq;
  });
  private seq = 0;
  /** The newest change no longer in `changes`: reads that began before it are not remembered either. */
  private forgottenSeq = 0;

  constructor(options: SessionTrustOptions) {
    this.confirm = options.confirm;
    this.boundSeconds = options.boundSeconds;
    this.memorySeconds = Math.min(options.memorySeconds ?? 0, options.boundSeconds);
    this.now = options.now ?? (() => Date.now());
  }

  /**
   * The copy this isolate read less than `memorySeconds` ago, while its
   * confirmation holds; `undefined` when KV must be read (and always for
   * fresh and confirmed reads).
   */
  recall(token: string, mode: ReadMode): SessionCopy | undefined {
    if (mode !== "cached") return undefined;
    const entry = this.entries.get(token);
    const copy = entry?.copy;
    if (!copy) return undefined;
    const now = this.now();
    if (now - copy.readAt >= this.memorySeconds * 1000 || now - entry.confirmedAt >= this.boundSeconds * 1000) return undefined;
    return copy;
  }

  /**
   * Until when (epoch ms) {@link recall} goes on returning the copy of
   * `token` it holds now, within its confirmation; `undefined` when it holds
   * none. An answer built from that copy may be reused as long, by a caller
   * of this isolate's answers, without moving the revocation bound.
   */
  reusableUntil(token: string): number | undefined {
    const entry = this.entries.get(token);
    if (!entry?.copy) return undefined;
    const until = Math.min(entry.copy.readAt + this.memorySeconds * 1000, entry.confirmedAt + this.boundSeconds * 1000);
    return until > this.now() ? until : undefined;
  }

  /** Marks the start of a KV read; pass the mark to {@link accept}. */
  begin(): { seq: number; at: number } {
    return { seq: this.seq, at: this.now() };
  }

  /**
   * Whether a copy of this session, read from KV since `read` began, may be
   * used as it is; confirms it against D1 when the last confirmation is too old.
   */
  async accept(token: string, copy: SessionCopy, read: { seq: number; at: number }, mode: ReadMode): Promise<boolean> {
    if (mode === "skip") return false;
    const entry = this.entries.get(token);
    if (mode === "cached" && entry && this.now() - entry.confirmedAt < this.boundSeconds * 1000) {
      this.keep(token, entry.confirmedAt, copy, read);
      return true;
    }
    // The confirmation dates from before the query: the bound counts from what D1 said, not when it arrived.
    const checkedAt = this.now();
    const live = await this.confirm(token);
    if (live) this.keep(token, checkedAt, copy, read);
    else this.entries.delete(token);
    return live;
  }

  /** Drops what this isolate knew about a session (it was just deleted here). */
  forget(token: string): void {
    this.entries.delete(token);
    this.changed(token, true);
  }

  /** Drops the copy this isolate remembers (a new one was just written here); the confirmation stays. */
  replaced(token: string): void {
    const entry = this.entries.get(token);
    if (entry?.copy) this.entries.set(token, { confirmedAt: entry.confirmedAt });
    this.changed(token, false);
  }

  private changed(token: string, deleted: boolean): void {
    this.changes.set(token, { seq: ++this.seq, deleted });
  }

  private keep(token: string, confirmedAt: number, copy: SessionCopy, read: { seq: number; at: number }): void {
    const change = this.changes.get(token);
    const changedSince = read.seq < this.forgottenSeq ? { deleted: true } : change && change.seq > read.seq ? change : undefined;
    if (changedSince?.deleted) return; // deleted here while this read was under way: what it found is gone
    const fresh = !changedSince && this.memorySeconds > 0;
    this.entries.set(token, fresh ? { confirmedAt, copy: { ...copy, readAt: read.at } } : { confirmedAt });
  }
}
