// Written by scripts/build.mjs from package.json's `version` (a test checks they agree). Do not edit.
export const VERSION = '0.1.0';
