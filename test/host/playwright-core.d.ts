// Stands in for playwright-core's types on a machine without the harness (`npm run harness`):
// tsconfig.json maps 'playwright-core' to the harness's own types first and to this file only when
// they are missing, so `npm run typecheck` and `npm run lint` need no harness. Only what the .mjs
// harness scripts name is declared.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type Locator = any;
export type Page = any;
export declare const chromium: any;
