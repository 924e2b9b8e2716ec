/**
 * An application on a fresh temporary store, for end-to-end tests through HTTP.
 *
 * The store follows FUNDTRAIL_EVENT_STORE of the test process (the Jest project `api-postgres` sets it, so
 * does `npm run test:postgres`): `sqlite` (default) is a fresh file in a temporary directory; `postgres` is a
 * fresh schema on FUNDTRAIL_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test) holding both
 * the events and the read models, dropped when the app closes.
 */
import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { createHttpApp, type HttpAppOptions } from '../../src/app/http-app';
import { createRuntime, type Runtime } from '../../src/app/runtime';
import { AuthService, type NewUser } from '../../src/auth/auth.service';
import type { ScryptCost } from '../../src/auth/passwords';
import type { SecuritySettings } from '../../src/auth/security-settings';
import { loadConfig } from '../../src/config';
import type { EventStore } from '../../src/event-store/event-store.port';

export const TEST_POSTGRES_URL = process.env.FUNDTRAIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestStoreKind = 'sqlite' | 'postgres';

/** The store the test apps of this process run on. */
export function testStoreKind(): TestStoreKind {
  const kind = process.env.FUNDTRAIL_EVENT_STORE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`test apps run on sqlite or postgres, not FUNDTRAIL_EVENT_STORE=${kind}`);
  return kind;
}

/** Cheap enough for tests (4 MiB, a few ms); production uses the default of src/auth/passwords.ts. */
export const TEST_SCRYPT_COST: ScryptCost = { N: 2 ** 12, r: 8, p: 1 };

export interface TestApp {
  app: INestApplication;
  runtime: Runtime;
  /** Requests as the test administrator (user id `demo`, role admin): the API is closed without a token. */
  http: () => ReturnType<typeof request.agent>;
  /** Requests with no token at all. */
  anonymous: () => ReturnType<typeof request>;
  /** Requests with the given bearer token. */
  as: (token: string) => ReturnType<typeof request.agent>;
  /** Creates a user (API tokens only, no password) and returns a session token for them. */
  tokenFor: (user: Omit<NewUser, 'password'>) => Promise<string>;
  auth: AuthService;
  adminToken: string;
  dataDir: string;
  /** Which store the app runs on, and its PostgreSQL schema when there is one. */
  storeKind: TestStoreKind;
  schema?: string;
  close(): Promise<void>;
}

/** The environment of a fresh PostgreSQL schema for the events and the read models. */
export function postgresTestEnv(schema: string): Record<string, string> {
  return {
    FUNDTRAIL_EVENT_STORE: 'postgres',
    FUNDTRAIL_POSTGRES_URL: TEST_POSTGRES_URL,
    FUNDTRAIL_POSTGRES_SCHEMA: schema,
    FUNDTRAIL_READ_MODEL: 'postgres',
    FUNDTRAIL_READ_MODEL_URL: TEST_POSTGRES_URL,
  };
}

export function freshSchemaName(prefix = 'ft_api'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export async function dropPostgresSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export async function startTestApp(
  options: { store?: EventStore; env?: Record<string, string>; security?: Partial<SecuritySettings>; clock?: () => Date } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fundtrail-test-'));
  const storeKind = options.store ? (options.store.name as TestStoreKind) : testStoreKind();
  // a store handed in is the caller's; only a schema made here is dropped here
  const schema = !options.store && storeKind === 'postgres' ? freshSchemaName() : undefined;
  const storeEnv: Record<string, string> = schema ? postgresTestEnv(schema) : { FUNDTRAIL_EVENT_STORE: 'sqlite' };
  const cleanUp = async () => {
    if (schema) await dropPostgresSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  };
  let runtime: Runtime | undefined;
  let auth: AuthService | undefined;
  try {
    // writes and logins are not throttled in tests unless a test asks (tests/security covers the limits)
    const limits = { FUNDTRAIL_RATE_WRITES_PER_MINUTE: '1000000', FUNDTRAIL_RATE_LOGIN_PER_MINUTE: '1000' };
    const config = loadConfig({ FUNDTRAIL_DATA_DIR: dataDir, FUNDTRAIL_DEMO: 'false', ...limits, ...storeEnv, ...options.env });
    runtime = await createRuntime(config, { store: options.store, clock: options.clock });
    const openedAuth = new AuthService({ filename: config.security.authFilename, scryptCost: TEST_SCRYPT_COST, clock: options.clock, sessionTtlMinutes: config.security.sessionTtlMinutes });
    auth = openedAuth;
    const app = await createHttpApp(runtime, { logger: false, auth: openedAuth, security: options.security });
    await app.init();
    await openedAuth.createUser({ userId: 'demo', username: 'test-admin', displayName: 'test administrator', role: 'admin' }, 'test');
    const adminToken = openedAuth.issueToken('demo', 'session', 'test', 3_600_000).token;
    const as = (token: string) => request.agent(app.getHttpServer()).set('Authorization', `Bearer ${token}`);
    const started = runtime;
    return {
      app,
      runtime: started,
      auth: openedAuth,
      adminToken,
      dataDir,
      storeKind,
      schema,
      http: () => as(adminToken),
      anonymous: () => request(app.getHttpServer()),
      as,
      async tokenFor(user) {
        const created = await openedAuth.createUser(user, 'test');
        return openedAuth.issueToken(created.userId, 'session', 'test', 3_600_000).token;
      },
      async close() {
        try {
          await app.close();
          openedAuth.close();
          await started.close();
        } finally {
          await cleanUp();
        }
      },
    };
  } catch (error) {
    auth?.close();
    await runtime?.close().catch(() => undefined);
    await cleanUp().catch(() => undefined);
    throw error;
  }
}

/** A snapshot of everything the store holds, to prove a refused request changed nothing. */
export async function storeSnapshot(store: EventStore): Promise<string> {
  const events = [];
  let after = 0;
  for (;;) {
    const batch = await store.readAll({ after, limit: 1000 });
    events.push(...batch.map((event) => `${event.position}:${event.streamId}:${event.version}:${event.hash}`));
    if (batch.length < 1000) break;
    after = batch[batch.length - 1].position;
  }
  return events.join('\n');
}

