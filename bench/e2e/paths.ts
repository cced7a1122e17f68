/** Where things are: the repository root, the gitignored scratch folder, the pinned Bun. */
export const ROOT = new URL("../../", import.meta.url).pathname;
export const TMP = `${ROOT}bench/.tmp/`;
export const BUN = `${ROOT}node_modules/.bin/bun`;
export const DENO = `${ROOT}node_modules/.bin/deno`;
