/**
 * The D1 schema, as Better Auth 1.7 expects it (camelCase keys, snake_case
 * columns). Timestamps are integer milliseconds: D1 cannot bind `Date`s.
 * `deletedAt` is an operator's tombstone; the purge removes tombstoned
 * sessions with their KV copies. docs/sessions.md.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

const nowMs = sql`(cast(unixepoch('subsecond') * 1000 as integer))`;

/** `createdAt`, `updatedAt` and `deletedAt`, shared by every table. */
const timestamps = {
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(nowMs),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" })
    .notNull()
    .default(nowMs)
    .$onUpdate(() => new Date()),
  deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
};

export const user = sqliteTable(
  "user",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    email: text("email").notNull().unique(),
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    image: text("image"),
    // Better Auth's admin plugin: the role (from ADMIN_EMAILS) and bans.
    role: text("role"),
    banned: integer("banned", { mode: "boolean" }).default(false),
    banReason: text("ban_reason"),
    banExpires: integer("ban_expires", { mode: "timestamp_ms" }),
    // Better Auth's two-factor plugin: set once a TOTP secret is confirmed (docs/second-factors.md).
    twoFactorEnabled: integer("two_factor_enabled", { mode: "boolean" }).default(false),
    ...timestamps,
  },
  // The purge looks for half-written sign-ups among recent users only.
  (table) => [index("user_created_at_idx").on(table.createdAt)],
);

export const session = sqliteTable(
  "session",
  {
    id: text("id").primaryKey(),
    token: text("token").notNull().unique(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    // Where the sign-in came from ("Lisbon, Portugal"), as Cloudflare located the address; the plugin's field.
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    // Better Auth's admin plugin (impersonation stays off; the column is its schema's).
    impersonatedBy: text("impersonated_by"),
    // Where and on what the session signed in, from the request's `cf` properties and its
    // User-Agent (docs/activity.md).
    country: text("country"),
    region: text("region"),
    city: text("city"),
    colo: text("colo"),
    timezone: text("timezone"),
    asn: integer("asn"),
    asOrganization: text("as_organization"),
    device: text("device"),
    ...timestamps,
  },
  (table) => [index("session_user_id_idx").on(table.userId), index("session_expires_at_idx").on(table.expiresAt)],
);

export const account = sqliteTable(
  "account",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: integer("access_token_expires_at", { mode: "timestamp_ms" }),
    refreshTokenExpiresAt: integer("refresh_token_expires_at", { mode: "timestamp_ms" }),
    scope: text("scope"),
    password: text("password"),
    ...timestamps,
  },
  (table) => [index("account_user_id_idx").on(table.userId), index("account_provider_account_idx").on(table.providerId, table.accountId)],
);

export const verification = sqliteTable(
  "verification",
  {
    id: text("id").primaryKey(),
    identifier: text("identifier").notNull(),
    value: text("value").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    ...timestamps,
  },
  (table) => [index("verification_identifier_idx").on(table.identifier), index("verification_expires_at_idx").on(table.expiresAt)],
);

/**
 * A user's TOTP secret and backup codes (Better Auth's two-factor plugin), both sealed
 * with the current secret (`$ba$<version>$…`); the purge reseals rows a rotation left
 * behind. `lastTotpStep` is this Worker's: the time step of the last TOTP code accepted,
 * so a code is good once. docs/second-factors.md.
 */
export const twoFactor = sqliteTable("two_factor", {
  id: text("id").primaryKey(),
  secret: text("secret").notNull(),
  backupCodes: text("backup_codes").notNull(),
  userId: text("user_id")
    .notNull()
    .unique()
    .references(() => user.id, { onDelete: "cascade" }),
  verified: integer("verified", { mode: "boolean" }).default(true),
  failedVerificationCount: integer("failed_verification_count").default(0),
  lockedUntil: integer("locked_until", { mode: "timestamp_ms" }),
  lastTotpStep: integer("last_totp_step"),
  ...timestamps,
});

/**
 * WebAuthn credentials of Better Auth's passkey plugin: the public key (base64) and
 * the signature counter; a credential ID is the authenticator's and names one row.
 * docs/second-factors.md, "Passkeys".
 */
export const passkey = sqliteTable(
  "passkey",
  {
    id: text("id").primaryKey(),
    name: text("name"),
    publicKey: text("public_key").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    credentialID: text("credential_id").notNull().unique(),
    counter: integer("counter").notNull(),
    deviceType: text("device_type").notNull(),
    backedUp: integer("backed_up", { mode: "boolean" }).notNull(),
    transports: text("transports"),
    aaguid: text("aaguid"),
    ...timestamps,
  },
  // The account page lists a user's passkeys.
  (table) => [index("passkey_user_id_idx").on(table.userId)],
);

/** Signing keys of the `jwt` plugin (private keys encrypted with BETTER_AUTH_SECRET). */
export const jwks = sqliteTable("jwks", {
  id: text("id").primaryKey(),
  publicKey: text("public_key").notNull(),
  privateKey: text("private_key").notNull(),
  alg: text("alg"),
  crv: text("crv"),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
  ...timestamps,
});

/**
 * Settings the Worker itself changes at run time, one row each: e.g.
 * `sessions_not_before`, the time before which every session was signed out.
 */
export const authSetting = sqliteTable("auth_setting", {
  name: text("name").primaryKey(),
  value: integer("value").notNull(),
  ...timestamps,
});

/**
 * The security events of each account (docs/activity.md): `createdAt` is when it
 * happened. Failed sign-ins are one row per account and minute, `count` of them
 * (sampled); every other row is one event. Where and on what describe the request
 * that caused it. Deleting a user deletes its events; the purge deletes them after
 * `AUTH_EVENT_RETENTION_DAYS`.
 */
export const authEvent = sqliteTable(
  "auth_event",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").references(() => user.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    count: integer("count").notNull().default(1),
    sessionId: text("session_id"),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    device: text("device"),
    country: text("country"),
    city: text("city"),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
    ...timestamps,
  },
  // A user's events newest first (paging, the new-device check); the purge by age.
  (table) => [
    index("auth_event_user_created_idx").on(table.userId, table.createdAt, table.id),
    index("auth_event_created_at_idx").on(table.createdAt),
  ],
);

export const schema = { user, session, account, verification, jwks, authSetting, authEvent, twoFactor, passkey };
