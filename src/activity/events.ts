/**
 * The security event log (ASVS 5.0 16.2, 16.3): every event is one JSON log
 * line at once, and one `auth_event` row written off the response path
 * (`waitUntil`), so recording never fails or slows the request that caused
 * it. Failed sign-ins are sampled per account and minute (`failures.ts`),
 * new devices mailed (`alerts.ts`). docs/activity.md.
 */
import type { SecurityEventType } from "../../client/contract";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { logError, logJson, maskEmail } from "../log";
import type { Mailer } from "../mail";
import type { LimiterNamespace } from "../rate-limit/limiter";
import { newDeviceCheck } from "./alerts";
import { countFailure, isSampled } from "./failures";
import { type EventRow, insertEvent, upsertAggregate, userIdByEmail } from "./store";
import { type Whereabouts, whereabouts } from "./where";

/** The request an event comes from, as far as it is known (an `auth.api.*` call may carry no request). */
export interface Occasion {
  ipAddress: string | null;
  userAgent: string | null;
  where: Whereabouts;
  /** Cloudflare's id of the request, to find it in other logs. */
  cfRay: string | null;
  /** The origin the request was sent to, for links in mail when `BASE_URL` is not set. */
  origin: string | null;
  /** Runs `work` after the response has gone (Better Auth's background tasks: `waitUntil`). */
  background(work: Promise<unknown>): void;
}

/** Longest User-Agent kept with an event. */
const MAX_USER_AGENT = 512;

/**
 * The occasion of a Better Auth call: its request (or headers) and its
 * context's background runner.
 *
 * @example
 * ```ts
 * const occasion = occasionOf(ctx, ctx.context.runInBackground);
 * ```
 */
export function occasionOf(
  call: { request?: Request; headers?: Headers } | null | undefined,
  background: (work: Promise<unknown>) => void,
): Occasion {
  const headers = call?.request?.headers ?? call?.headers ?? new Headers();
  return {
    ipAddress: headers.get("cf-connecting-ip"),
    userAgent: headers.get("user-agent")?.slice(0, MAX_USER_AGENT) ?? null,
    where: whereabouts(call?.request, headers),
    cfRay: headers.get("cf-ray"),
    origin: call?.request ? new URL(call.request.url).origin : null,
    background,
  };
}

/** An event to record. */
export interface NewEvent {
  type: SecurityEventType;
  userId: string;
  sessionId?: string | null;
  detail?: Record<string, unknown> | null;
}

export interface ActivityOptions {
  /** D1 without outage reporting: event writes run beside the request and must not fail it. */
  db: Db;
  /** The `RateLimiter` namespace: each account's object counts its failed sign-ins per minute. */
  limiter: LimiterNamespace;
  mailer: Mailer;
  config: Pick<Config, "newDeviceWindowDays" | "baseURL">;
}

/**
 * The event log of one Better Auth instance.
 *
 * @example
 * ```ts
 * const activity = activityLog({ db, limiter: env.RATE_LIMITER, mailer, config });
 * activity.record(occasion, { type: "password-changed", userId });
 * ```
 */
export function activityLog(options: ActivityOptions) {
  const { db } = options;
  const later = (occasion: Occasion, what: string, work: () => Promise<unknown>) =>
    occasion.background((async () => work())().catch((error: unknown) => logError(`could not record a security event (${what})`, error)));

  /** Records `event`: its log line now, its row after the response. */
  function record(occasion: Occasion, event: NewEvent, at = Date.now()): EventRow {
    const row = rowOf(occasion, event, at);
    logEvent(row, occasion);
    later(occasion, event.type, () => insertEvent(db, row));
    return row;
  }

  /**
   * A failed sign-in for `email` (`reason`: the error code answered). Its log
   * line always; a row only for an account that exists, and only for the
   * 1st, 2nd, 4th, 8th… failure of the account's minute, which raises the
   * minute's row to that count: 10,000 failures in a minute are 14 writes.
   */
  function failedSignIn(occasion: Occasion, email: string, reason: string): void {
    later(occasion, "sign-in-failed", async () => {
      const counted = await countFailure(options.limiter, email).catch((error: unknown) => {
        logError("could not count a failed sign-in", error);
        return null;
      });
      const userId = counted && isSampled(counted.count) ? await userIdByEmail(db, email) : null;
      const row = rowOf(occasion, { type: "sign-in-failed", userId: userId ?? "", detail: { reason } }, counted?.windowStart ?? Date.now());
      logEvent({ ...row, userId: userId ?? null, count: counted?.count ?? 1 }, occasion, maskEmail(email));
      if (!userId || !counted) return;
      await upsertAggregate(db, { ...row, id: `${userId}:sign-in-failed:${counted.windowStart}`, count: counted.count });
    });
  }

  /** Records `event` for the account of `email`, if there is one; its log line either way, without the whole address. */
  function forAccount(occasion: Occasion, email: string, event: Omit<NewEvent, "userId">): void {
    const at = Date.now();
    later(occasion, event.type, async () => {
      const userId = await userIdByEmail(db, email);
      const row = rowOf(occasion, { ...event, userId: userId ?? "" }, at);
      logEvent({ ...row, userId }, occasion, maskEmail(email));
      if (userId) await insertEvent(db, row);
    });
  }

  /** A sign-in (not sign-up's): its event, and a mail when it comes from a device new to the account. */
  function signedIn(
    occasion: Occasion,
    signIn: { userId: string; email: string; sessionId: string; detail?: Record<string, unknown> },
  ): void {
    const row = rowOf(occasion, { type: "sign-in", userId: signIn.userId, sessionId: signIn.sessionId, detail: signIn.detail }, Date.now());
    logEvent(row, occasion);
    later(occasion, "sign-in", async () => {
      // The history is read before this sign-in joins it, and the alert is written before the sign-in:
      // whoever sees the sign-in sees its alert, and counts it toward the hourly limit.
      const alert = await newDeviceCheck(db, options, row);
      if (alert) {
        const event = {
          type: "new-device-sign-in",
          userId: signIn.userId,
          sessionId: signIn.sessionId,
          detail: { mailed: alert.mail },
        } as const;
        const alertRow = rowOf(occasion, event, row.at);
        logEvent(alertRow, occasion);
        await insertEvent(db, alertRow);
      }
      await insertEvent(db, row);
      if (alert?.mail) await alert.send(signIn.email, options.config.baseURL ?? occasion.origin);
    });
  }

  return { record, failedSignIn, forAccount, signedIn };
}

export type ActivityLog = ReturnType<typeof activityLog>;

function rowOf(occasion: Occasion, event: NewEvent, at: number): EventRow {
  return {
    id: crypto.randomUUID(),
    userId: event.userId,
    type: event.type,
    at,
    count: 1,
    sessionId: event.sessionId ?? null,
    ipAddress: occasion.ipAddress,
    userAgent: occasion.userAgent,
    device: occasion.where.device,
    country: occasion.where.country,
    city: occasion.where.city,
    detail: event.detail && Object.keys(event.detail).length > 0 ? event.detail : null,
  };
}

/** The event's JSON log line: never a token, a password or a whole email address. */
function logEvent(row: Omit<EventRow, "userId"> & { userId: string | null }, occasion: Occasion, email?: string): void {
  const { where } = occasion;
  logJson({
    event: row.type,
    at: new Date(row.at).toISOString(),
    userId: row.userId,
    email,
    sessionId: row.sessionId,
    count: row.count > 1 ? row.count : undefined,
    ip: row.ipAddress,
    country: where.country,
    region: where.region,
    city: where.city,
    colo: where.colo,
    asn: where.asn,
    device: where.device,
    userAgent: row.userAgent,
    cfRay: occasion.cfRay,
    detail: row.detail,
  });
}
