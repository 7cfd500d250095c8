import { env } from "cloudflare:workers";
import { getTableConfig } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { schema } from "../src/db/schema";

interface ColumnInfo {
  name: string;
  notnull: number;
  pk: number;
}

/** Migrations are generated from the schema; this proves they were regenerated after every change. */
describe("migrations and schema", () => {
  for (const table of Object.values(schema)) {
    const config = getTableConfig(table);

    it(`${config.name}: the migrated columns match the Drizzle schema`, async () => {
      const { results } = await env.DB.prepare(`PRAGMA table_info(${JSON.stringify(config.name)})`).all<ColumnInfo>();
      const migrated = results.map((column) => ({ name: column.name, notNull: column.notnull === 1 || column.pk === 1 })).sort(byName);
      const declared = config.columns.map((column) => ({ name: column.name, notNull: column.notNull })).sort(byName);
      expect(migrated).toEqual(declared);
    });

    it(`${config.name}: the migrated indexes match the Drizzle schema`, async () => {
      const { results } = await env.DB.prepare(`PRAGMA index_list(${JSON.stringify(config.name)})`).all<{ name: string; origin: string }>();
      const migrated = results
        .filter((index) => index.origin === "c" || index.origin === "u")
        .map((index) => index.name)
        .sort();
      const declared = [
        ...config.indexes.map((index) => index.config.name),
        ...config.columns.filter((column) => column.isUnique).map((column) => column.uniqueName ?? `${config.name}_${column.name}_unique`),
      ].sort();
      expect(migrated).toEqual(declared);
    });

    it(`${config.name}: has createdAt, updatedAt and deletedAt in integer milliseconds`, () => {
      const names = config.columns.map((column) => column.name);
      expect(names).toEqual(expect.arrayContaining(["created_at", "updated_at", "deleted_at"]));
      for (const column of config.columns.filter((c) => c.name.endsWith("_at"))) {
        expect(column.getSQLType()).toBe("integer");
      }
    });
  }

  it("deleting a user cascades to its sessions and accounts", async () => {
    const { results } = await env.DB.prepare("PRAGMA foreign_key_list(session)").all<{ table: string; on_delete: string }>();
    expect(results).toEqual([expect.objectContaining({ table: "user", on_delete: "CASCADE" })]);
    const accounts = await env.DB.prepare("PRAGMA foreign_key_list(account)").all<{ table: string; on_delete: string }>();
    expect(accounts.results).toEqual([expect.objectContaining({ table: "user", on_delete: "CASCADE" })]);
  });
});

function byName(a: { name: string }, b: { name: string }) {
  return a.name.localeCompare(b.name);
}
