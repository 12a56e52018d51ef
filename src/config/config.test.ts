import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './index.js';

const SECRET = 'a'.repeat(64);

/** Asserts that `env` fails with a ConfigError naming `variable`, and returns its message. */
function rejects(env: Record<string, string>, variable: string, problem: RegExp): string {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(env)}`);
  assert.equal(caught.variable, variable);
  assert.ok(caught.message.includes(variable), `message names ${variable}: ${caught.message}`);
  assert.match(caught.message, problem);
  assert.ok(!caught.message.includes('\n'), 'the message is one line');
  return caught.message;
}

describe('loadConfig', () => {
  it('has working defaults for embedded mode with an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.publicUrl, 'http://localhost:3000');
    assert.equal(config.dataDir, path.resolve('./data'));
    assert.ok(path.isAbsolute(config.dataDir));
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.secretKey, undefined);
    assert.equal(config.allowPrivateUrls, false);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.ai.provider, 'builtin');
    assert.ok(config.webhookRetryDelays.length > 0);
    assert.deepEqual(config.metricsSyncDelays, [3600, 21600, 86400, 259200, 604800, 2592000]);
    assert.equal(config.commentSyncInterval, 300);
  });

  it('treats blank values as unset', () => {
    const config = loadConfig({ PORT: '  ', DATABASE_URL: '', LOG_LEVEL: ' ' });
    assert.equal(config.port, 3000);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.logLevel, 'info');
  });

  it('derives the public URL from PORT and resolves the data dir', () => {
    const config = loadConfig({ PORT: '8080', AUDENCI_DATA_DIR: 'some/dir' });
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.equal(config.dataDir, path.resolve('some/dir'));
  });

  it('reads valid values of every kind', () => {
    const config = loadConfig({
      PORT: '4000',
      HOST: '127.0.0.1',
      AUDENCI_PUBLIC_URL: 'https://api.example.com/',
      DATABASE_URL: 'postgres://audenci:pw@db:5432/audenci',
      REDIS_URL: 'redis://cache:6379',
      AUDENCI_SECRET_KEY: SECRET,
      AUDENCI_ALLOW_PRIVATE_URLS: 'true',
      AI_PROVIDER: 'openai-compatible',
      OPENAI_BASE_URL: 'http://llm.internal/v1',
      LOG_LEVEL: 'warn',
      AUDENCI_WEBHOOK_RETRY_DELAYS: '1, 2,3.5',
      AUDENCI_METRICS_SYNC_DELAYS: '0.5,60',
      AUDENCI_COMMENT_SYNC_INTERVAL: '30',
    });
    assert.equal(config.port, 4000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.publicUrl, 'https://api.example.com');
    assert.equal(config.databaseUrl, 'postgres://audenci:pw@db:5432/audenci');
    assert.equal(config.redisUrl, 'redis://cache:6379');
    assert.deepEqual(config.secretKey, Buffer.from(SECRET, 'hex'));
    assert.equal(config.allowPrivateUrls, true);
    assert.equal(config.ai.provider, 'openai-compatible');
    assert.equal(config.ai.openaiBaseUrl, 'http://llm.internal/v1');
    assert.equal(config.logLevel, 'warn');
    assert.deepEqual(config.webhookRetryDelays, [1, 2, 3.5]);
    assert.deepEqual(config.metricsSyncDelays, [0.5, 60]);
    assert.equal(config.commentSyncInterval, 30);
  });

  it('accepts a base64 secret key of 32 bytes', () => {
    const key = Buffer.alloc(32, 7);
    assert.deepEqual(loadConfig({ AUDENCI_SECRET_KEY: key.toString('base64') }).secretKey, key);
  });

  describe('rejects a bad value with a ConfigError naming the variable and the problem', () => {
    it('PORT that is not a number', () => {
      const message = rejects({ PORT: 'abc' }, 'PORT', /whole number/);
      assert.match(message, /abc/);
    });

    it('PORT out of range', () => {
      rejects({ PORT: '70000' }, 'PORT', /between 0 and 65535/);
      rejects({ PORT: '-1' }, 'PORT', /whole number/);
    });

    it('DATABASE_URL that is not PostgreSQL', () => {
      rejects({ DATABASE_URL: 'mysql://x', AUDENCI_SECRET_KEY: SECRET }, 'DATABASE_URL', /postgres/);
    });

    it('DATABASE_URL that is not a URL', () => {
      rejects({ DATABASE_URL: 'not a url', AUDENCI_SECRET_KEY: SECRET }, 'DATABASE_URL', /must be a URL/);
    });

    it('REDIS_URL that is not Redis', () => {
      rejects({ REDIS_URL: 'http://x' }, 'REDIS_URL', /redis:\/\//);
    });

    it('AUDENCI_SECRET_KEY too short, without echoing it', () => {
      const message = rejects({ AUDENCI_SECRET_KEY: 'short' }, 'AUDENCI_SECRET_KEY', /32 bytes/);
      assert.ok(!message.includes('short,') && !message.includes("'short'"));
    });

    it('AUDENCI_ALLOW_PRIVATE_URLS that is not a boolean', () => {
      rejects({ AUDENCI_ALLOW_PRIVATE_URLS: 'maybe' }, 'AUDENCI_ALLOW_PRIVATE_URLS', /true or false.*maybe/);
    });

    it('AI_PROVIDER that is unknown', () => {
      rejects({ AI_PROVIDER: 'foo' }, 'AI_PROVIDER', /one of builtin, openai-compatible.*foo/);
    });

    it('LOG_LEVEL that is unknown', () => {
      rejects({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of .*info.*loud/);
    });

    it('AUDENCI_WEBHOOK_RETRY_DELAYS with a non-number', () => {
      rejects({ AUDENCI_WEBHOOK_RETRY_DELAYS: '5,x' }, 'AUDENCI_WEBHOOK_RETRY_DELAYS', /comma-separated/);
      rejects({ AUDENCI_WEBHOOK_RETRY_DELAYS: '5,,6' }, 'AUDENCI_WEBHOOK_RETRY_DELAYS', /comma-separated/);
    });

    it('AUDENCI_PUBLIC_URL longer than 1,024 characters (the API answers URLs of at most 2,048)', () => {
      const long = `https://example.com/${'a'.repeat(1005)}`;
      rejects({ AUDENCI_PUBLIC_URL: long }, 'AUDENCI_PUBLIC_URL', /at most 1024 characters/);
      // So are the parts of the OAuth authorization URL the API answers.
      rejects({ TWITTER_AUTH_BASE_URL: long }, 'TWITTER_AUTH_BASE_URL', /at most 1024 characters/);
      rejects({ FACEBOOK_CLIENT_ID: 'c'.repeat(257) }, 'FACEBOOK_CLIENT_ID', /at most 256 characters/);
    });

    it('a delay list longer than the API documents (one snapshot or attempt per entry)', () => {
      const many = Array.from({ length: 51 }, (_, i) => String(i + 1)).join(',');
      rejects(
        { AUDENCI_METRICS_SYNC_DELAYS: many },
        'AUDENCI_METRICS_SYNC_DELAYS',
        /at most 50 delays, got 51/,
      );
      rejects({ AUDENCI_WEBHOOK_RETRY_DELAYS: many }, 'AUDENCI_WEBHOOK_RETRY_DELAYS', /at most 50 delays/);
    });

    it('AUDENCI_SQLITE_CACHE_MB out of range', () => {
      rejects({ AUDENCI_SQLITE_CACHE_MB: '0' }, 'AUDENCI_SQLITE_CACHE_MB', /./);
      rejects({ AUDENCI_SQLITE_CACHE_MB: '65537' }, 'AUDENCI_SQLITE_CACHE_MB', /./);
      rejects({ AUDENCI_SQLITE_CACHE_MB: 'lots' }, 'AUDENCI_SQLITE_CACHE_MB', /./);
    });

    it('AUDENCI_COMMENT_SYNC_INTERVAL out of range', () => {
      rejects({ AUDENCI_COMMENT_SYNC_INTERVAL: '0' }, 'AUDENCI_COMMENT_SYNC_INTERVAL', /./);
      rejects({ AUDENCI_COMMENT_SYNC_INTERVAL: 'often' }, 'AUDENCI_COMMENT_SYNC_INTERVAL', /./);
    });

    it('DATABASE_URL without AUDENCI_SECRET_KEY', () => {
      rejects({ DATABASE_URL: 'postgres://db/audenci' }, 'AUDENCI_SECRET_KEY', /required when DATABASE_URL/);
    });

    it('a URL-typed variable with a bad value', () => {
      rejects({ AUDENCI_PUBLIC_URL: 'ftp://example.com' }, 'AUDENCI_PUBLIC_URL', /http/);
      rejects({ TWITTER_API_BASE_URL: 'nope' }, 'TWITTER_API_BASE_URL', /must be a URL/);
    });

    it('AI_PROVIDER=openai-compatible with neither a base URL nor a key', () => {
      rejects({ AI_PROVIDER: 'openai-compatible' }, 'OPENAI_API_KEY', /required/);
    });
  });

  describe('never echoes a password from DATABASE_URL or REDIS_URL', () => {
    const password = 'Hunter2Secret';
    const cases: Record<string, string>[] = [
      { DATABASE_URL: `mysql://admin:${password}@db:3306/app` },
      { DATABASE_URL: `postgres://admin:${password}@db:notaport/app` },
      { DATABASE_URL: `postgres://admin:${password}@db host/app` },
      { DATABASE_URL: `postgres://admin:${password}/x@db:notaport/app` },
      { DATABASE_URL: `postgres://admin:${password}@x@db:notaport/app` },
      { DATABASE_URL: `postgres://admin:${password}@db/app` },
      { REDIS_URL: `http://:${password}@cache:6379` },
      { REDIS_URL: `redis://:${password}@cache:bad` },
    ];
    for (const env of cases) {
      it(Object.values(env)[0]!.replace(password, '<password>'), () => {
        let caught: unknown;
        try {
          loadConfig(env);
        } catch (error) {
          caught = error;
        }
        assert.ok(caught instanceof ConfigError);
        assert.ok(!caught.message.includes(password), `password leaked: ${caught.message}`);
        assert.ok(!caught.message.includes(password.slice(0, 6)), `password leaked: ${caught.message}`);
      });
    }

    it('still shows the rest of the URL, so the mistake can be found', () => {
      const message = rejects(
        { DATABASE_URL: `postgres://admin:${password}/x@db:notaport/app`, AUDENCI_SECRET_KEY: SECRET },
        'DATABASE_URL',
        /must be a URL/,
      );
      assert.match(message, /'postgres:\/\/\*\*\*@db:notaport\/app'/);
    });
  });
});

describe('AUDENCI_OAUTH_REDIRECT_ORIGINS', () => {
  it('is empty by default, and normalises each origin (case, default port, trailing slash, duplicates)', () => {
    assert.deepEqual(loadConfig({}).oauthRedirectOrigins, []);
    const config = loadConfig({
      AUDENCI_OAUTH_REDIRECT_ORIGINS:
        ' https://App.Example.com/ , http://localhost:5173,https://app.example.com:443,, https://a.example:8443',
    });
    assert.deepEqual(config.oauthRedirectOrigins, [
      'https://app.example.com',
      'http://localhost:5173',
      'https://a.example:8443',
    ]);
  });

  it('refuses anything but bare http(s) origins, in one line naming the variable', () => {
    for (const bad of [
      'app.example.com',
      'https://app.example.com/callback',
      'https://app.example.com?x=1',
      'https://app.example.com#x',
      'ftp://files.example.com',
      'javascript:alert(1)',
      '*',
      'https://ok.example, //evil.example',
    ]) {
      rejects(
        { AUDENCI_OAUTH_REDIRECT_ORIGINS: bad },
        'AUDENCI_OAUTH_REDIRECT_ORIGINS',
        /must be comma-separated http\(s\) origins/,
      );
    }
    const message = rejects(
      { AUDENCI_OAUTH_REDIRECT_ORIGINS: 'https://user:hunter2@app.example.com' },
      'AUDENCI_OAUTH_REDIRECT_ORIGINS',
      /no path, query or credentials/,
    );
    assert.ok(!message.includes('hunter2'), 'credentials are not echoed');
  });
});

describe('AUDENCI_AUTH_FAILURE_LIMIT and AUDENCI_AUTH_FAILURE_WINDOW_SECONDS', () => {
  it('default to 100 failures per 300 s; 0 turns the throttle off', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.authFailureLimit, 100);
    assert.equal(defaults.authFailureWindowSeconds, 300);
    const set = loadConfig({ AUDENCI_AUTH_FAILURE_LIMIT: '0', AUDENCI_AUTH_FAILURE_WINDOW_SECONDS: '3600' });
    assert.equal(set.authFailureLimit, 0);
    assert.equal(set.authFailureWindowSeconds, 3600);
  });

  it('refuses bad values naming the variable', () => {
    rejects({ AUDENCI_AUTH_FAILURE_LIMIT: 'many' }, 'AUDENCI_AUTH_FAILURE_LIMIT', /whole number/);
    rejects({ AUDENCI_AUTH_FAILURE_LIMIT: '-1' }, 'AUDENCI_AUTH_FAILURE_LIMIT', /whole number/);
    rejects(
      { AUDENCI_AUTH_FAILURE_WINDOW_SECONDS: '0' },
      'AUDENCI_AUTH_FAILURE_WINDOW_SECONDS',
      /between 1 and 86400/,
    );
  });
});

describe('bounds on waits for PostgreSQL and Redis', () => {
  it('default to a query timeout one second past the statement timeout, 500 ms Redis commands and 2 s connects', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.databaseConnectTimeoutMs, 10_000);
    assert.equal(defaults.databaseStatementTimeoutMs, 30_000);
    assert.equal(defaults.databaseQueryTimeoutMs, 31_000);
    assert.equal(defaults.redisCommandTimeoutMs, 500);
    assert.equal(defaults.redisConnectTimeoutMs, 2000);
    assert.equal(defaults.apiProcesses, 0, 'counted in Redis');
    // The query timeout follows the statement timeout unless set; without a statement timeout, none.
    assert.equal(loadConfig({ AUDENCI_DB_STATEMENT_TIMEOUT_MS: '2000' }).databaseQueryTimeoutMs, 3000);
    assert.equal(loadConfig({ AUDENCI_DB_STATEMENT_TIMEOUT_MS: '0' }).databaseQueryTimeoutMs, 0);
    const set = loadConfig({
      AUDENCI_DB_STATEMENT_TIMEOUT_MS: '0',
      AUDENCI_DB_QUERY_TIMEOUT_MS: '45000',
      AUDENCI_REDIS_COMMAND_TIMEOUT_MS: '250',
      AUDENCI_REDIS_CONNECT_TIMEOUT_MS: '5000',
      AUDENCI_API_PROCESSES: '4',
    });
    assert.deepEqual(
      [
        set.databaseStatementTimeoutMs,
        set.databaseQueryTimeoutMs,
        set.redisCommandTimeoutMs,
        set.redisConnectTimeoutMs,
        set.apiProcesses,
      ],
      [0, 45_000, 250, 5000, 4],
    );
  });

  it('refuses bad values naming the variable', () => {
    rejects({ AUDENCI_DB_QUERY_TIMEOUT_MS: '1s' }, 'AUDENCI_DB_QUERY_TIMEOUT_MS', /whole number/);
    rejects(
      { AUDENCI_DB_QUERY_TIMEOUT_MS: '3600001' },
      'AUDENCI_DB_QUERY_TIMEOUT_MS',
      /between 0 and 3600000/,
    );
    rejects(
      { AUDENCI_REDIS_COMMAND_TIMEOUT_MS: '0' },
      'AUDENCI_REDIS_COMMAND_TIMEOUT_MS',
      /between 10 and 60000/,
    );
    rejects(
      { AUDENCI_REDIS_CONNECT_TIMEOUT_MS: '99' },
      'AUDENCI_REDIS_CONNECT_TIMEOUT_MS',
      /between 100 and 60000/,
    );
    rejects({ AUDENCI_API_PROCESSES: '-2' }, 'AUDENCI_API_PROCESSES', /whole number/);
    rejects({ AUDENCI_API_PROCESSES: '10001' }, 'AUDENCI_API_PROCESSES', /between 0 and 10000/);
  });
});
