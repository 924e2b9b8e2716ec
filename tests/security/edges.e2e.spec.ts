/**
 * Proves the hard edges: no token no API (401, zh/en), tokens expire and are revoked, logins and writes
 * are rate-limited (injected clock), bodies over 1 MB get 413, every answer carries the security headers,
 * CORS is closed unless configured, an internal error shows no stack trace or SQL, the actor comes from
 * the identity, and county users stay in their county.
 */
import { AuthService } from '../../src/auth/auth.service';
import { hashPassword, verifyPassword, SCRYPT_COST_DEFAULT } from '../../src/auth/passwords';
import { CredentialsError, prepareCredentials } from '../../src/auth/startup';
import { ConfigError, loadConfig } from '../../src/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { fundStreamId } from '../../src/domain';
import { assertLedgerInvariants } from '../support/invariants';
import { COUNTY, setUpSmallFund } from '../support/small-fund';
import { TEST_SCRYPT_COST, startTestApp, type TestApp } from '../support/test-app';
import { ledgerSnapshot as storeSnapshot } from './ledger-snapshot';

const CJK = /[\u4e00-\u9fff]/;
function expectBilingual(body: { message_zh?: string; message_en?: string }): void {
  expect(body.message_zh).toMatch(CJK);
  expect(body.message_en).toMatch(/[a-z]{3}/);
}

describe('authentication', () => {
  let now = Date.parse('2024-01-01T00:00:00Z');
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ clock: () => new Date(now), security: { nowMs: () => now, loginRate: { perMinute: 3 }, writeRate: { perMinute: 5 } } });
    await t.auth.createUser({ username: 'li.si', role: 'auditor', password: 'a long enough passphrase 7' }, 'test');
  });
  afterAll(() => t.close());
  /** The test moves the clock by hours: a fresh administrator session each time. */
  const admin = () => t.as(t.auth.issueToken('demo', 'session', 'test', 3_600_000).token);

  it('answers a request without a valid token with 401 in Chinese and English, and logs it', async () => {
    for (const header of [undefined, 'Bearer nonsense', 'Bearer ft_' + 'A'.repeat(43), 'Basic dXNlcjpwYXNz', `Bearer ${t.adminToken}x`]) {
      const call = t.anonymous().get('/api/funds');
      const response = await (header ? call.set('Authorization', header) : call).expect(401);
      expect(response.body.error).toBe('unauthenticated');
      expectBilingual(response.body);
    }
    expect(t.auth.securityLog({ kind: 'unauthenticated' }).length).toBeGreaterThanOrEqual(5);
    // open: health, documentation, public disclosure
    await t.anonymous().get('/health').expect(200);
    await t.anonymous().get('/docs-json').expect(200);
  });

  it('signs in, expires sessions, signs out and revokes API tokens', async () => {
    const wrong = await t.anonymous().post('/api/auth/login').send({ username: 'li.si', password: 'wrong password 123' }).expect(401);
    const unknown = await t.anonymous().post('/api/auth/login').send({ username: 'nobody', password: 'wrong password 123' }).expect(401);
    expect(wrong.body.message_en).toBe(unknown.body.message_en); // no user enumeration
    expectBilingual(wrong.body);
    const login = await t.anonymous().post('/api/auth/login').send({ username: 'li.si', password: 'a long enough passphrase 7' }).expect(200);
    expect(login.body.token).toMatch(/^ft_/);
    expect(JSON.stringify(login.body.user)).not.toMatch(/scrypt|password/i);
    const token = login.body.token as string;
    expect((await t.as(token).get('/api/auth/me').expect(200)).body).toMatchObject({ username: 'li.si', role: 'auditor' });
    // the token is stored only hashed
    const stored = t.auth.db.prepare('SELECT token_hash FROM tokens').all() as Array<{ token_hash: string }>;
    expect(stored.some((row) => row.token_hash === token)).toBe(false);

    const apiToken = (await t.as(token).post('/api/auth/tokens').send({ name: '审计系统对接', days: 30 }).expect(201)).body;
    await t.as(apiToken.token).get('/api/funds').expect(200);
    await t.as(token).delete(`/api/auth/tokens/${apiToken.tokenId}`).expect(200);
    await t.as(apiToken.token).get('/api/funds').expect(401);

    // sessions expire (8 h by default)
    now += 8 * 3_600_000 + 1;
    await t.as(token).get('/api/auth/me').expect(401);
    const again = (await t.anonymous().post('/api/auth/login').send({ username: 'li.si', password: 'a long enough passphrase 7' }).expect(200)).body.token;
    await t.as(again).post('/api/auth/logout').expect(200);
    await t.as(again).get('/api/auth/me').expect(401);

    // a disabled user's tokens stop working at once
    const other = await t.tokenFor({ username: 'temp', role: 'auditor' });
    await t.as(other).get('/api/funds').expect(200);
    const user = t.auth.findUser('temp')!;
    await admin().post(`/api/users/${user.userId}/disable`).expect(200);
    await t.as(other).get('/api/funds').expect(401);
  });

  it('rate-limits logins per address and per user name, by the clock', async () => {
    now += 3_600_000;
    const attempt = () => t.anonymous().post('/api/auth/login').send({ username: 'li.si', password: 'guess guess guess 1' });
    for (let index = 0; index < 3; index++) expect((await attempt()).status).toBe(401);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expectBilingual(limited.body);
    // even the right password waits
    expect((await t.anonymous().post('/api/auth/login').send({ username: 'li.si', password: 'a long enough passphrase 7' })).status).toBe(429);
    now += 20_000; // 3 a minute: one token back after 20 s
    expect((await t.anonymous().post('/api/auth/login').send({ username: 'li.si', password: 'a long enough passphrase 7' })).status).toBe(200);
    expect(t.auth.securityLog({ kind: 'rate-limited' }).length).toBeGreaterThanOrEqual(2);
  });

  it('rate-limits writes per user, and a refused write changes nothing', async () => {
    now += 3_600_000;
    const before = await storeSnapshot(t.runtime.store);
    const session = t.auth.issueToken('demo', 'session', 'test', 3_600_000).token;
    const write = () => t.as(session).post('/api/holders').send({ name: '', level: 'park' }); // invalid: 400, but still a write attempt
    for (let index = 0; index < 5; index++) expect((await write()).status).toBe(400);
    const limited = await write();
    expect(limited.status).toBe(429);
    expectBilingual(limited.body);
    await t.as(session).get('/api/funds').expect(200); // reads are not limited
    now += 12_001;
    expect((await write()).status).toBe(400);
    expect(await storeSnapshot(t.runtime.store)).toBe(before);
  });
});

describe('hard edges of HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await setUpSmallFund(t);
  });
  afterAll(async () => {
    await assertLedgerInvariants(t.runtime.store);
    await t.close();
  });

  it('refuses a body over 1 MB with 413 in JSON (zh/en), and bad JSON with 400, before any route runs', async () => {
    const before = await storeSnapshot(t.runtime.store);
    const huge = { name: 'x'.repeat(1_100_000), level: 'park' };
    const tooLarge = await t.http().post('/api/holders').send(huge).expect(413);
    expect(tooLarge.body.error).toBe('payload-too-large');
    expectBilingual(tooLarge.body);
    const anonymousTooLarge = await t.anonymous().post('/api/holders').send(huge);
    expect(anonymousTooLarge.status).toBe(413);
    const badJson = await t.http().post('/api/holders').set('Content-Type', 'application/json').send('{"name": "x",').expect(400);
    expect(badJson.body.error).toBe('bad-json');
    expectBilingual(badJson.body);
    for (const response of [tooLarge, badJson]) expect(response.text).not.toMatch(/at \w+ \(|node_modules|<html|stack/i);
    expect(await storeSnapshot(t.runtime.store)).toBe(before);
  });

  it('sends the security headers on every answer and no X-Powered-By', async () => {
    for (const response of [await t.anonymous().get('/health'), await t.anonymous().get('/api/funds'), await t.http().get('/api/funds'), await t.anonymous().get('/docs-json')]) {
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
    expect((await t.http().get('/api/funds')).headers['cache-control']).toBe('no-store');
  });

  it('keeps CORS closed by default: no Access-Control-Allow-Origin for any origin', async () => {
    const preflight = await t.anonymous().options('/api/funds').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await t.http().get('/api/funds').set('Origin', 'https://evil.example');
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers an internal error with 500 and no stack trace, SQL or file path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fundtrail-broken-'));
    const failing = new SqliteEventStore({ filename: join(dir, 'events.db') });
    const sqlError = () => {
      const error = new Error('SQLITE_ERROR: near "DROP": syntax error in SELECT * FROM events WHERE stream_id = ?');
      error.stack = `${error.message}\n    at Statement.all (/srv/fundtrail/node_modules/better-sqlite3/lib/methods/wrappers.js:1:1)`;
      throw error;
    };
    // the ledger reads streams; the background readers (projections, alerts) read the log and keep working
    failing.readStream = async () => sqlError();
    const broken = await startTestApp({ store: failing });
    try {
      for (const path of ['/api/funds/f1', '/api/holders']) {
        const response = await broken.http().get(path);
        expect(response.status).toBe(500);
        expect(response.body).toMatchObject({ statusCode: 500, error: 'internal' });
        expectBilingual(response.body);
        expect(response.text).not.toMatch(/SQLITE|SELECT|DROP|stream_id|node_modules|\/srv\/|at \w+/);
      }
      const write = await broken.http().post('/api/funds/f1/transfers').send({ fromHolderId: 'county', toHolderId: 'bureau', amount: '1.00', occurredAt: '2022-05-01' });
      expect(write.status).toBe(500);
      expect(write.text).not.toMatch(/SQLITE|SELECT|node_modules/);
    } finally {
      await broken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the actor of every event from the identity, never from the body', async () => {
    const token = await t.tokenFor({ userId: 'u-county', username: 'county.clerk', role: 'county-finance', countyCode: COUNTY.code, unitHolderId: 'county' });
    const forged = await t.as(token).post('/api/funds/f1/transfers').send({ fromHolderId: 'county', toHolderId: 'bureau', amount: '1.00', occurredAt: '2022-05-01', actor: { id: 'admin', role: 'admin' } });
    expect([forged.status, forged.body]).toEqual([400, expect.anything()]);
    expect(forged.body.fields.map((field: { field: string }) => field.field)).toContain('actor');
    const sent = await t.as(token).post('/api/funds/f1/transfers').set('Idempotency-Key', 'same-key').send({ transferId: 'by-clerk', fromHolderId: 'county', toHolderId: 'bureau', amount: '1.00', occurredAt: '2022-05-01' }).expect(201);
    const [event] = await t.runtime.store.readStream(fundStreamId('f1'), { fromVersion: sent.body.events[0].version, limit: 1 });
    expect(event.metadata.actor).toEqual({ id: 'u-county', role: 'county-finance', unit: 'county' });
    // idempotency keys are per user: the admin's same key is a different request, not a replay of the clerk's
    const admin = await t.http().post('/api/funds/f1/transfers').set('Idempotency-Key', 'same-key').send({ transferId: 'by-admin', fromHolderId: 'county', toHolderId: 'bureau', amount: '1.00', occurredAt: '2022-05-01' }).expect(201);
    expect(admin.body.replayed).toBe(false);
  });
});

describe('scope: county, unit and enterprise', () => {
  let t: TestApp;
  let clerk: string;
  let department: string;
  let owner: string;
  let countySupervisor: string;
  beforeAll(async () => {
    t = await startTestApp();
    await setUpSmallFund(t);
    const other = { code: '150122', name: '托克托县' };
    await t.http().post('/api/holders').send({ holderId: 'county2', name: '托克托县财政局', level: 'county-finance', county: other }).expect(201);
    await t.http().post('/api/funds/f1/transfers').send({ transferId: 't2', fromHolderId: 'city', toHolderId: 'county2', amount: '1000.00', occurredAt: '2022-04-02' }).expect(201);
    await t.http().post('/api/funds/f1/transfers/t2/receipt').send({ occurredAt: '2022-04-16' }).expect(201);
    await t.http().post('/api/funds/f1/transfers').send({ transferId: 't3', fromHolderId: 'city', toHolderId: 'county2', amount: '10.00', occurredAt: '2022-04-02' }).expect(201);
    clerk = await t.tokenFor({ username: 'clerk', role: 'county-finance', countyCode: COUNTY.code, unitHolderId: 'county' });
    department = await t.tokenFor({ username: 'dept', role: 'county-department', countyCode: COUNTY.code, unitHolderId: 'bureau' });
    owner = await t.tokenFor({ username: 'owner', role: 'project-owner', unitHolderId: 'ent' });
    countySupervisor = await t.tokenFor({ username: 'sup', role: 'supervisor', countyCode: '150122' });
  });
  afterAll(async () => {
    await assertLedgerInvariants(t.runtime.store);
    await t.close();
  });

  it('lets county staff move money only from their own unit, and refuses the rest with 403 and nothing written', async () => {
    const before = await storeSnapshot(t.runtime.store);
    const cases: Array<[string, string, object]> = [
      [clerk, '/api/funds/f1/transfers', { fromHolderId: 'county2', toHolderId: 'county', amount: '1.00', occurredAt: '2022-05-01' }],
      [clerk, '/api/funds/f1/transfers', { fromHolderId: 'bureau', toHolderId: 'county', amount: '1.00', occurredAt: '2022-05-01' }],
      [clerk, '/api/funds/f1/transfers', { fromHolderId: 'nobody', toHolderId: 'county', amount: '1.00', occurredAt: '2022-05-01' }],
      [department, '/api/funds/f1/transfers', { fromHolderId: 'county', toHolderId: 'bureau', amount: '1.00', occurredAt: '2022-05-01' }],
      [clerk, '/api/funds/f1/payouts', { occurredAt: '2022-05-01', items: [{ fromHolderId: 'county', projectId: 'p1', amount: '1.00' }, { fromHolderId: 'county2', projectId: 'p1', amount: '1.00' }] }],
      [clerk, '/api/funds/f1/returns', { fromHolderId: 'county2', toHolderId: 'city', amount: '1.00', kind: 'return', reason: 'x', occurredAt: '2022-05-01' }],
      [clerk, '/api/funds/f1/transfers/t3/receipt', { occurredAt: '2022-05-01' }],
      [clerk, '/api/funds/f1/reversals', { eventId: 'x', reason: 'x', occurredAt: '2022-05-01' }],
      [owner, '/api/projects/p1/closure', { action: 'close', note: 'x', occurredAt: '2022-05-01' }],
    ];
    for (const [token, path, body] of cases) {
      const response = await t.as(token).post(path).send(body);
      expect([path, response.status]).toEqual([path, 403]);
      expectBilingual(response.body);
    }
    expect(await storeSnapshot(t.runtime.store)).toBe(before);
    await t.as(clerk).post('/api/funds/f1/transfers').send({ fromHolderId: 'county', toHolderId: 'bureau', amount: '1.00', occurredAt: '2022-05-01' }).expect(201);
  });

  it('shows county staff their county only, project owners their own projects only', async () => {
    const holders = (await t.as(clerk).get('/api/holders').expect(200)).body as Array<{ holderId: string }>;
    expect(holders.map((holder) => holder.holderId).sort()).toEqual(['bureau', 'city', 'county', 'ent', 'pool']);
    const fund = (await t.as(clerk).get('/api/funds/f1').expect(200)).body as { balances: Array<{ holderId: string }> };
    expect(fund.balances.map((line) => line.holderId)).not.toContain('county2');
    const seenBySupervisor = (await t.as(countySupervisor).get('/api/holders').expect(200)).body as Array<{ holderId: string }>;
    expect(seenBySupervisor.map((holder) => holder.holderId)).not.toContain('county');
    await t.as(countySupervisor).get('/api/funds/f1/events').expect(403);

    await t.http().post('/api/holders').send({ holderId: 'ent2', name: '另一企业', level: 'enterprise', county: COUNTY, creditCode: '91150121MA0N000028' }).expect((response) => expect([201, 400]).toContain(response.status));
    const projects = (await t.as(owner).get('/api/projects').expect(200)).body as Array<{ enterpriseHolderId: string }>;
    expect(projects.length).toBeGreaterThan(0);
    expect(projects.every((project) => project.enterpriseHolderId === 'ent')).toBe(true);
    await t.as(owner).post('/api/projects/p1/progress').send({ percent: 30, note: '设备到货', occurredAt: '2022-06-01' }).expect(201);
    await t.as(owner).get('/api/funds/f1').expect(403);
  });

  it('shows the denied attempts (who, what, when) to administrators and auditors, and to no one else', async () => {
    const auditor = await t.tokenFor({ username: 'auditor', role: 'auditor' });
    const log = (await t.as(auditor).get('/api/security-log?kind=denied&limit=50').expect(200)).body as Array<Record<string, unknown>>;
    expect(log.length).toBeGreaterThanOrEqual(9);
    expect(log[0]).toMatchObject({ kind: 'denied', at: expect.any(String), userId: expect.any(String), role: expect.any(String), method: 'GET', path: expect.any(String), status: 403 });
    await t.as(clerk).get('/api/security-log').expect(403);
    await t.as(auditor).post('/api/holders').send({ holderId: 'x1', name: 'x', level: 'park' }).expect(403);
  });
});

describe('credentials at start-up and configuration', () => {
  it('refuses production without a real administrator, or with the demo user enabled', async () => {
    const auth = new AuthService({ filename: ':memory:', scryptCost: TEST_SCRYPT_COST });
    try {
      await expect(prepareCredentials(auth, { production: true, demoUser: false })).rejects.toBeInstanceOf(CredentialsError);
      const demo = await prepareCredentials(auth, { production: false, demoUser: true });
      expect(demo.demo?.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
      const secondStart = await prepareCredentials(auth, { production: false, demoUser: true });
      expect(secondStart.demo?.password).not.toBe(demo.demo?.password); // a new random password each start
      await auth.createUser({ username: 'root-admin', role: 'admin', password: 'a real admin passphrase 9' }, 'cli');
      await expect(prepareCredentials(auth, { production: true, demoUser: false })).rejects.toThrow(/demo user/);
      auth.disableUser('demo', 'test');
      await expect(prepareCredentials(auth, { production: true, demoUser: false })).resolves.toEqual({});
      await expect(auth.createUser({ username: 'weak', role: 'admin', password: 'short' }, 'cli')).rejects.toMatchObject({ code: 'weak-password' });
    } finally {
      auth.close();
    }
  });

  it('names a bad security variable and refuses the demo user in production', () => {
    expect(() => loadConfig({ FUNDTRAIL_CORS_ORIGINS: '*' })).toThrow(/FUNDTRAIL_CORS_ORIGINS/);
    expect(() => loadConfig({ FUNDTRAIL_ENV: 'production', FUNDTRAIL_DEMO_USER: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ FUNDTRAIL_RATE_LOGIN_PER_MINUTE: 'many' })).toThrow(/FUNDTRAIL_RATE_LOGIN_PER_MINUTE/);
    expect(loadConfig({ NODE_ENV: 'production' }).security).toMatchObject({ production: true, demoUser: false, corsOrigins: [] });
    expect(loadConfig({ FUNDTRAIL_CORS_ORIGINS: 'https://fund.example.gov.cn, http://127.0.0.1:5173' }).security.corsOrigins).toEqual(['https://fund.example.gov.cn', 'http://127.0.0.1:5173']);
  });

  it('opens CORS to the listed origins only', async () => {
    const t = await startTestApp({ env: { FUNDTRAIL_CORS_ORIGINS: 'https://fund.example.gov.cn' } });
    try {
      const allowed = await t.anonymous().options('/api/funds').set('Origin', 'https://fund.example.gov.cn').set('Access-Control-Request-Method', 'POST');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://fund.example.gov.cn');
      const other = await t.anonymous().options('/api/funds').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('hashes passwords with scrypt, salted, parameters stored with the hash', async () => {
    expect(SCRYPT_COST_DEFAULT).toEqual({ N: 131072, r: 8, p: 1 });
    const first = await hashPassword('correct horse battery staple', TEST_SCRYPT_COST);
    const second = await hashPassword('correct horse battery staple', TEST_SCRYPT_COST);
    expect(first).toMatch(/^scrypt\$4096\$8\$1\$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword('correct horse battery staple', first)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', first)).toBe(false);
  });
});

