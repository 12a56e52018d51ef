// Types of bin/build.mjs, for the TypeScript that imports it (test/build-freshness.test.ts).
export declare const ROOT: string;
export declare function sourceFiles(root?: string): string[];
export declare function sourceFingerprint(root?: string): string;
export declare function readStamp(
  root?: string,
): { fingerprint: string; builtAt: string; bundle?: string | null } | null;
export declare function installed(name: string, root?: string): boolean;
export interface Inspection {
  built: boolean;
  fresh: boolean;
  typescript: boolean;
  tsx: boolean;
}
export declare function decide(found: Inspection): {
  action: 'run' | 'build' | 'tsx' | 'fail';
  notice: string | null;
};
export declare function inspect(root?: string): Inspection;
export declare function entryOf(root?: string): string;
export declare function build(options?: {
  root?: string;
  full?: boolean;
  ifStale?: boolean;
  allowTypeErrors?: boolean;
}): Promise<{
  ok: boolean;
  built: boolean;
  bundled: boolean;
  bundleError: string | null;
  seconds: number;
  typeErrors: number;
  output: string;
}>;
export declare const BUNDLE_FAILED: string;
export declare function duration(seconds: number): string;
export declare function serverLaunch(root?: string): { env: Record<string, string>; nodeOptions: string[] };
export declare function asciiOnly(
  text: string,
  acorn: { tokenizer: unknown; tokTypes: unknown },
  file?: string,
): string;
