/**
 * Second factors: the rules edgeSession adds to Better Auth's two-factor
 * plugin. A TOTP code is good once; "trust this device" holds only on a
 * device the account lockout knows; the secrets stay sealed with the
 * current secret. docs/second-factors.md.
 */
import { defineRequestState } from "@better-auth/core/context";
import { createAuthMiddleware, isAPIError } from "better-auth/api";
import { symmetricDecrypt } from "better-auth/crypto";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { surfaced } from "../../db/outage";
import { twoFactor } from "../../db/schema";
import { bodyString, challengedUser, type FoundSession, type Hook, type HookContext, requestHeaders } from "./context";

/** How long "trust this device" spares a device the code: 30 days from its last sign-in with it. */
export const TRUST_DEVICE_DAYS = 30;
export const TRUST_DEVICE_SECONDS = TRUST_DEVICE_DAYS * 86_400;

/** Better Auth's cookie for a trusted device (after the prefix). */
const TRUST_DEVICE_COOKIE = "trust_device";

/** RFC 6238 as Better Auth's plugin uses it: 6 digits, 30-second steps, one step of drift either way. */
const TOTP_PERIOD_MS = 30_000;
const TOTP_DRIFT_STEPS = 1;

/** What a replayed code becomes: no code matches it, so Better Auth answers it as a wrong one. */
const REPLAYED = "replayed";

/** The second-factor paths, as Better Auth names them. */
export const VERIFY_PATHS = new Set(["/two-factor/verify-totp", "/two-factor/verify-backup-code"]);

/** Who a verification is for, read before the endpoint: the signed-in user, or the user of a pending sign-in. */
const verification = defineRequestState<{ userId: string; email: string; signedIn: boolean } | null>(() => null);

/**
 * The user a second-factor call is for, remembered for the after hooks:
 * the endpoint consumes the challenge, after which it can no longer be read.
 */
async function verificationOf(ctx: HookContext, readSession: (ctx: HookContext) => Promise<FoundSession | null>) {
  const known = await verification.get();
  if (known) return known;
  const signedIn = (await readSession(ctx))?.user;
  const user = signedIn ?? (await challengedUser(ctx));
  const found = user ? { userId: user.id, email: user.email, signedIn: signedIn !== undefined } : null;
  await verification.set(found);
  return found;
}

/** The HOTP value (RFC 4226) of `counter`, six digits. */
async function hotp(key: CryptoKey, counter: number): Promise<string> {
  const message = new DataView(new ArrayBuffer(8));
  message.setBigUint64(0, BigInt(counter));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message.buffer));
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = new DataView(mac.buffer).getUint32(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
}

/**
 * The time step whose code `code` is, within the drift Better Auth allows,
 * or `null`. The secret is used as its UTF-8 bytes, as Better Auth does.
 */
export async function stepOf(secret: string, code: string, now: number = Date.now()): Promise<number | null> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const current = Math.floor(now / TOTP_PERIOD_MS);
  for (let drift = -TOTP_DRIFT_STEPS; drift <= TOTP_DRIFT_STEPS; drift++) {
    if ((await hotp(key, current + drift)) === code) return current + drift;
  }
  return null;
}

/**
 * The rules, as hooks: `beforeLockout` runs ahead of the rate limits,
 * `afterLockout` after them (it must not throw: the lockout's attempt is
 * settled by an after hook), `after` among the after hooks.
 */
export function secondFactors(
  db: Db,
  readSession: (ctx: HookContext) => Promise<FoundSession | null>,
  knownDevice: (ctx: HookContext, email: string) => Promise<string | null>,
) {
  /**
   * A TOTP code is good once (RFC 6238 §5.2): the step of an accepted code
   * is claimed in one conditional write, and a code of that step or an
   * earlier one is then answered as a wrong code, and counted as one.
   */
  const singleUseCodes: Hook = {
    matcher: (ctx) => ctx.path === "/two-factor/verify-totp",
    handler: createAuthMiddleware(async (ctx) => {
      const code = bodyString(ctx, "code");
      if (!code || !/^\d{6}$/.test(code)) return;
      try {
        const found = await verificationOf(ctx, readSession);
        if (!found) return;
        const [row] = await surfaced(
          db.select({ id: twoFactor.id, secret: twoFactor.secret }).from(twoFactor).where(eq(twoFactor.userId, found.userId)).limit(1),
        );
        if (!row) return;
        const step = await stepOf(await symmetricDecrypt({ key: ctx.context.secretConfig, data: row.secret }), code);
        if (step === null) return; // a wrong code: Better Auth says so
        const claimed = await surfaced(
          db
            .update(twoFactor)
            .set({ lastTotpStep: step })
            .where(and(eq(twoFactor.id, row.id), or(isNull(twoFactor.lastTotpStep), lt(twoFactor.lastTotpStep, step))))
            .returning({ id: twoFactor.id }),
        );
        if (claimed.length > 0) return;
      } catch {
        // An outage (recorded: the answer becomes a 503) or a secret that no longer opens: no code passes.
      }
      return { context: { body: { ...(ctx.body as object), code: REPLAYED } } };
    }),
  };

  /** A new secret starts with no step used. */
  const freshSecret: Hook = {
    matcher: (ctx) => ctx.path === "/two-factor/enable",
    handler: createAuthMiddleware(async (ctx) => {
      const returned = ctx.context.returned as { totpURI?: string } | undefined;
      const found = await readSession(ctx);
      if (isAPIError(returned) || !returned?.totpURI || !found) return;
      await surfaced(db.update(twoFactor).set({ lastTotpStep: null }).where(eq(twoFactor.userId, found.user.id))).catch(() => {});
    }),
  };

  /**
   * "Trust this device" holds only together with the device token the
   * account lockout knows the device by (`rate-limit/devices.ts`): a trust
   * cookie on its own, or beside another account's token, is dropped before
   * Better Auth reads it, so the sign-in asks for the code.
   */
  const trustKnownDevicesOnly: Hook = {
    matcher: (ctx) => ctx.path === "/sign-in/email",
    handler: createAuthMiddleware(async (ctx) => {
      const headers = requestHeaders(ctx);
      const cookie = headers.get("cookie");
      const name = ctx.context.createAuthCookie(TRUST_DEVICE_COOKIE).name;
      if (!cookie?.includes(`${name}=`)) return;
      const email = bodyString(ctx, "email");
      if (email && (await knownDevice(ctx, email))) return;
      const kept = cookie
        .split(";")
        .filter((part) => part.trim().split("=")[0] !== name)
        .join(";");
      const without = new Headers(headers);
      without.set("cookie", kept);
      return { context: { headers: without } };
    }),
  };

  /** Remembers who a verification is for before the endpoint consumes the challenge. */
  const rememberVerification: Hook = {
    matcher: (ctx) => ctx.path !== undefined && VERIFY_PATHS.has(ctx.path),
    handler: createAuthMiddleware(async (ctx) => {
      await verificationOf(ctx, readSession).catch(() => null);
    }),
  };

  return { beforeLockout: [trustKnownDevicesOnly, rememberVerification], afterLockout: [singleUseCodes], after: [freshSecret] };
}

/** Who the current second-factor call was for (read by the activity hooks). */
export function verificationOfCall() {
  return verification.get();
}
