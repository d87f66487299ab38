import type { ValidateFunction } from 'ajv'

/**
 * Validators generated ahead of time, keyed by the JSON text of the schema each checks. Empty
 * here: the CLI bundle replaces this module with ajv's standalone code for the workflow
 * document and every node type's params (scripts/bundle-cli.mjs), so `sdflow validate` spends
 * its start on no schema compilation (ajv's meta-schema included). A schema that matches no key
 * is compiled as before.
 */
export const precompiled: ReadonlyMap<string, ValidateFunction> = new Map()
