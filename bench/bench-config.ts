import { loadConfig, type Config } from '../src/config/index.js';

/** What every benchmark runtime (parent or child process) is opened with. */
export interface BenchConfigOptions {
  dataDir: string;
  secretKey: string;
  logLevel: string;
  databaseUrl?: string;
}

/** The configuration of a benchmark runtime: loopback public URL, its own data dir and key; `env` on top. */
export function benchConfig(options: BenchConfigOptions, env: Record<string, string> = {}): Config {
  return loadConfig({
    AUDENCI_DATA_DIR: options.dataDir,
    AUDENCI_SECRET_KEY: options.secretKey,
    AUDENCI_PUBLIC_URL: 'http://127.0.0.1',
    LOG_LEVEL: options.logLevel,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...env,
  });
}
