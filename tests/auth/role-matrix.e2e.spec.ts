/**
 * Proves: every route the app serves (discovered from the Nest app itself, so a new route is walked
 * automatically) answers every role as the table below says — allowed requests pass the guard
 * (in-scope, well-formed, mostly 2xx), denied ones get 403 (signed in) or 401 (no token) with the
 * reason in Chinese and English, and each denial lands in the security log.
 * A route missing from the table is held to what it declares (src/auth/roles.ts), or, declaring
 * nothing, to the fail-closed default: administrators, and auditors for reads.
 */
import { AlertService } from '../../src/alerts/alert-service';
import { listRoutes } from '../../src/auth/routes';
import { ROLE_PERMISSIONS, type Action, type Role, PUBLIC_ACTIONS, isAction } from '../../src/auth/roles';
import { routeAction } from '../../src/auth/auth.guard';
import { assertLedgerInvariants } from '../support/invariants';
import { setUpSmallFund } from '../support/small-fund';
import { startTestApp, type TestApp } from '../support/test-app';

type Who = Role | 'anonymous';
const WHO: Who[] = ['admin', 'city-finance', 'county-finance', 'county-department', 'project-owner', 'auditor', 'supervisor', 'public', 'anonymous'];
const SIGNED_IN: Who[] = WHO.filter((who) => who !== 'anonymous');
const LEDGER_READERS: Who[] = ['admin', 'city-finance', 'county-finance', 'county-department', 'auditor', 'supervisor'];
const COUNTY_WRITERS: Who[] = ['admin', 'city-finance', 'county-finance', 'county-department'];
const CITY_WRITERS: Who[] = ['admin', 'city-finance'];

/** Who may call each route: written out by hand, independent of the policy's code. */
const EXPECTED: Record<string, Who[]> = {
  'GET /health': WHO,
  'GET /api/holders': LEDGER_READERS,
  'POST /api/holders': CITY_WRITERS,
  'GET /api/funds': [...LEDGER_READERS, 'project-owner'],
  'POST /api/funds': CITY_WRITERS,
  'GET /api/funds/:fundId': LEDGER_READERS,
  'GET /api/funds/:fundId/events': ['admin', 'city-finance', 'auditor', 'supervisor'],
  'POST /api/funds/:fundId/allocations': CITY_WRITERS,
  'POST /api/funds/:fundId/transfers': COUNTY_WRITERS,
  'POST /api/funds/:fundId/transfers/:transferId/receipt': COUNTY_WRITERS,
  'POST /api/funds/:fundId/payouts': COUNTY_WRITERS,
  'POST /api/funds/:fundId/returns': COUNTY_WRITERS,
  'POST /api/funds/:fundId/reversals': CITY_WRITERS,
  'GET /api/projects': [...LEDGER_READERS, 'project-owner'],
  'POST /api/projects': COUNTY_WRITERS,
  'POST /api/projects/:projectId/progress': [...COUNTY_WRITERS, 'project-owner'],
  'POST /api/projects/:projectId/closure': COUNTY_WRITERS,
  'POST /api/auth/login': WHO,
  'POST /api/auth/logout': SIGNED_IN,
  'GET /api/auth/me': SIGNED_IN,
  'POST /api/auth/password': SIGNED_IN,
  'GET /api/auth/tokens': SIGNED_IN.filter((who) => who !== 'public'),
  'POST /api/auth/tokens': SIGNED_IN.filter((who) => who !== 'public'),
  'DELETE /api/auth/tokens/:tokenId': SIGNED_IN.filter((who) => who !== 'public'),
  'GET /api/users': ['admin', 'auditor'],
  'POST /api/users': ['admin'],
  'POST /api/users/:userId/disable': ['admin'],
  'POST /api/users/:userId/tokens': ['admin'],
  'GET /api/security-log': ['admin', 'auditor'],
};

/**
 * The alert and deferral routes (src/alerts), by hand as well. Their requests here are judged by the guard
 * only (allowed = not refused as unauthenticated, forbidden or out of scope; many are empty bodies answered
 * 400). Changed when the alert feature got its own permissions (alerts:acknowledge, alerts:manage,
 * alert-policy:set) instead of borrowing alerts:read and funds:allocate — marked "was" below.
 */
const ALERT_READERS: Who[] = ['admin', 'city-finance', 'county-finance', 'county-department', 'auditor', 'supervisor'];
const ALERT_MANAGERS: Who[] = ['admin', 'city-finance'];
const ALERT_EXPECTED: Record<string, Who[]> = {
  'GET /api/alerts': ALERT_READERS,
  'GET /api/alerts/stream': ALERT_READERS,
  'GET /api/alerts/as-of/:fundId': ALERT_READERS,
  'GET /api/alerts/:alertId': ALERT_READERS,
  // was: every alert reader (alerts:read)
  'POST /api/alerts/evaluation': ALERT_MANAGERS,
  // was: every alert reader, county staff and auditors included (alerts:read)
  'POST /api/alerts/:alertId/acknowledgements': ['admin', 'city-finance', 'supervisor'],
  'GET /api/funds/:fundId/alert-policy': ALERT_READERS,
  // unchanged (was funds:allocate, now alert-policy:set)
  'POST /api/funds/:fundId/alert-policy': CITY_WRITERS,
  'GET /api/alert-subscriptions': ALERT_READERS,
  // was: every alert reader (alerts:read)
  'POST /api/alert-subscriptions': ALERT_MANAGERS,
  // was: every alert reader (alerts:read)
  'DELETE /api/alert-subscriptions/:subscriptionId': ALERT_MANAGERS,
  'GET /api/alert-deliveries': ALERT_READERS,
  // was: every alert reader (alerts:read)
  'POST /api/alert-deliveries/:deliveryId/redelivery': ALERT_MANAGERS,
  'GET /api/deferrals': ALERT_READERS,
  'POST /api/deferrals': COUNTY_WRITERS,
  'POST /api/deferrals/:deferralId/decisions': ['admin', 'city-finance', 'supervisor'],
};

const SCOPES: Record<Role, { countyCode?: string; unitHolderId?: string }> = {
  admin: {},
  'city-finance': {},
  'county-finance': { countyCode: '150121', unitHolderId: 'county' },
  'county-department': { countyCode: '150121', unitHolderId: 'bureau' },
  'project-owner': { unitHolderId: 'ent' },
  auditor: {},
  supervisor: {},
  public: {},
};

/** Who an unknown route lets in, by what it declares (or the fail-closed default). */
function expectedFor(method: string, path: string, declared: string | undefined): Who[] {
  const action: Action = routeAction(declared, method, path);
  if (PUBLIC_ACTIONS.has(action)) return WHO;
  return SIGNED_IN.filter((who) => ROLE_PERMISSIONS[who as Role].has(action));
}

describe('the role × route matrix (every route of the app, every role)', () => {
  let t: TestApp;
  const tokens = new Map<Who, string>();
  const userIds = new Map<Who, string>();
  const reversible = new Map<Who, string>();
  /** An alert of the county of the county roles (150121), for the routes that name one. */
  let countyAlertId = '';
  let sequence = 0;
  const unique = (prefix: string) => `${prefix}-${++sequence}`;

  beforeAll(async () => {
    t = await startTestApp();
    await setUpSmallFund(t);
    const http = () => t.http();
    // money at the county department, so that its own payouts and transfers can succeed
    await http().post('/api/funds/f1/transfers').send({ transferId: 'to-bureau', fromHolderId: 'county', toHolderId: 'bureau', amount: '10000.00', occurredAt: '2022-04-20' }).expect(201);
    await http().post('/api/funds/f1/transfers/to-bureau/receipt').send({ occurredAt: '2022-04-21' }).expect(201);
    for (const role of SIGNED_IN as Role[]) {
      const token = role === 'admin' ? t.adminToken : await t.tokenFor({ userId: `user-${role}`, username: `user-${role}`, role, ...SCOPES[role] });
      tokens.set(role, token);
      userIds.set(role, role === 'admin' ? 'demo' : `user-${role}`);
      // a transfer in transit to each role's own unit, to confirm; a project of their county to close; an event to reverse
      const toBureau = role === 'county-department';
      await http().post('/api/funds/f1/transfers').send({ transferId: `r-${role}`, fromHolderId: toBureau ? 'county' : 'city', toHolderId: toBureau ? 'bureau' : 'county', amount: '1.00', occurredAt: '2022-05-01' }).expect(201);
      await http().post('/api/projects').send({ fundId: 'f1', projectId: `close-${role}`, name: '待结项目', enterpriseHolderId: 'ent', direction: '测试', batch: 1, category: 'review', approvedAmount: '1.00', occurredAt: '2022-05-01' }).expect(201);
      const sent = await http().post('/api/funds/f1/transfers').send({ fromHolderId: 'city', toHolderId: 'county', amount: '1.00', occurredAt: '2022-05-01' }).expect(201);
      reversible.set(role, sent.body.events[0].eventId);
    }
    await t.auth.createUser({ username: 'login-user', role: 'auditor', password: 'correct horse battery staple' }, 'test');
    // money has sat at the county since 2022: evaluated today, it has alerts of county 150121
    const alerts = t.app.get(AlertService);
    await alerts.evaluate({ all: true });
    countyAlertId = (await alerts.list({ countyCode: '150121' }))[0].alertId;
  });
  let base = '';
  beforeAll(async () => {
    const server = t.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await assertLedgerInvariants(t.runtime.store);
    await t.close();
  });

  /** One request; a stream (Server-Sent Events) is judged by its status and headers, then cut. */
  async function call(method: string, path: string, token: string | undefined, body: unknown): Promise<{ status: number; body: { error?: string; message_zh?: string; message_en?: string } | undefined }> {
    const controller = new AbortController();
    const response = await fetch(base + path, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
    });
    if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      controller.abort();
      return { status: response.status, body: undefined };
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed as { error?: string } | undefined };
  }

  /** A request that the role may make in its own scope and that the ledger will accept. */
  async function sample(who: Who, method: string, path: string): Promise<{ path: string; body?: unknown; token?: string }> {
    const role = who === 'anonymous' ? 'admin' : who;
    const unit = SCOPES[role].unitHolderId;
    const from = unit === 'bureau' ? 'bureau' : 'county';
    const to = from === 'county' ? 'bureau' : 'county';
    const fill = (template: string, values: Record<string, string>) => template.replace(/:(\w+)/g, (_, name: string) => values[name] ?? 'x');
    const params: Record<string, string> = { fundId: 'f1', transferId: `r-${role}`, projectId: 'p1', tokenId: 'x', userId: 'x', alertId: countyAlertId };
    const key = `${method} ${path}`;
    switch (key) {
      case 'POST /api/holders':
        return { path, body: { holderId: unique('h'), name: '测试园区', level: 'park' } };
      case 'POST /api/funds':
        return { path, body: { fundId: unique('fund'), name: '测试资金', fiscalYear: 2022, budget: '1.00', cityFinanceHolderId: 'city', occurredAt: '2022-03-01' } };
      case 'POST /api/funds/:fundId/allocations':
        return { path: fill(path, params), body: { document: '测试〔2022〕1号', amount: '1.00', direction: '测试', occurredAt: '2022-05-01' } };
      case 'POST /api/funds/:fundId/transfers':
        return { path: fill(path, params), body: { fromHolderId: from, toHolderId: to, amount: '1.00', occurredAt: '2022-05-02' } };
      case 'POST /api/funds/:fundId/transfers/:transferId/receipt':
        return { path: fill(path, params), body: { occurredAt: '2022-05-03' } };
      case 'POST /api/funds/:fundId/payouts':
        return { path: fill(path, params), body: { occurredAt: '2022-05-03', items: [{ fromHolderId: from, projectId: 'p1', amount: '1.00' }] } };
      case 'POST /api/funds/:fundId/returns':
        return { path: fill(path, params), body: { fromHolderId: from, toHolderId: 'city', amount: '1.00', kind: 'return', reason: '结余退回', occurredAt: '2022-05-03' } };
      case 'POST /api/funds/:fundId/reversals':
        return { path: fill(path, params), body: { eventId: reversible.get(role), reason: '录入错误', occurredAt: '2022-05-03' } };
      case 'POST /api/projects':
        return { path, body: { fundId: 'f1', projectId: unique('p'), name: '新项目', enterpriseHolderId: 'ent', direction: '测试', batch: 1, category: 'review', approvedAmount: '1.00', occurredAt: '2022-05-01' } };
      case 'POST /api/projects/:projectId/progress':
        return { path: fill(path, params), body: { percent: 50, note: '进展顺利', occurredAt: '2022-06-01' } };
      case 'POST /api/projects/:projectId/closure':
        return { path: fill(path, { projectId: `close-${role}` }), body: { action: 'close', note: '已验收', occurredAt: '2022-08-01' } };
      case 'POST /api/auth/login':
        return { path, body: { username: 'login-user', password: 'correct horse battery staple' } };
      case 'POST /api/auth/logout':
        // a token of its own, so that signing out does not end the role's other requests
        return { path, token: who === 'anonymous' ? undefined : t.auth.issueToken(userIds.get(who)!, 'session', 'logout', 60_000).token };
      case 'POST /api/auth/password':
        return { path, body: { currentPassword: 'not the password', newPassword: 'a new long passphrase 42' } };
      case 'POST /api/auth/tokens':
        return { path, body: { name: '对接', days: 30 } };
      case 'DELETE /api/auth/tokens/:tokenId': {
        const own = who === 'anonymous' ? 'x' : t.auth.issueToken(userIds.get(who)!, 'api', 'to revoke', 60_000).tokenId;
        return { path: fill(path, { tokenId: own }) };
      }
      case 'POST /api/users':
        return { path, body: { username: unique('new-user'), role: 'auditor' } };
      case 'POST /api/users/:userId/disable': {
        const victim = await t.auth.createUser({ username: unique('victim'), role: 'auditor' }, 'test');
        return { path: fill(path, { userId: victim.userId }) };
      }
      case 'POST /api/users/:userId/tokens':
        return { path: fill(path, { userId: 'user-auditor' }), body: { name: '对接', days: 30 } };
      default:
        return { path: fill(path, params), body: method === 'GET' || method === 'DELETE' ? undefined : {} };
    }
  }

  it('walks every route for every role and gets exactly the allowed and denied answers of the table', async () => {
    const routes = listRoutes(t.app);
    const keys = routes.map((route) => `${route.method} ${route.path}`);
    // the table names no route that is gone
    for (const key of [...Object.keys(EXPECTED), ...Object.keys(ALERT_EXPECTED)]) expect(keys).toContain(key);
    // the discovery sees what Express serves (the OpenAPI document lists the same paths)
    const documented = (await t.anonymous().get('/docs-json').expect(200)).body.paths as Record<string, Record<string, unknown>>;
    for (const [path, operations] of Object.entries(documented)) {
      for (const method of Object.keys(operations)) expect(keys).toContain(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
    }

    const mismatches: string[] = [];
    let checked = 0;
    let allowedCount = 0;
    let deniedCount = 0;
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      const allowed = EXPECTED[key] ?? ALERT_EXPECTED[key] ?? expectedFor(route.method, route.path, route.declared);
      if (!EXPECTED[key] && !ALERT_EXPECTED[key] && route.declared && !isAction(route.declared)) mismatches.push(`${key}: declares unknown action ${route.declared}`);
      for (const who of WHO) {
        const request = await sample(who, route.method, route.path);
        const token = 'token' in request ? request.token : who === 'anonymous' ? undefined : tokens.get(who);
        const response = await call(route.method, request.path, token, request.body);
        const guardDenied = [401, 403].includes(response.status) && ['unauthenticated', 'forbidden', 'out-of-scope'].includes(response.body?.error ?? '');
        checked++;
        if (allowed.includes(who)) {
          allowedCount++;
          if (guardDenied || response.status >= 500) mismatches.push(`${key} as ${who}: expected allowed, got ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
          // the table's own routes get requests that must succeed
          else if (EXPECTED[key] && key !== 'POST /api/auth/password' && response.status >= 400) {
            mismatches.push(`${key} as ${who}: allowed but failed ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
          }
        } else {
          deniedCount++;
          const status = who === 'anonymous' ? 401 : 403;
          if (!guardDenied || response.status !== status) mismatches.push(`${key} as ${who}: expected ${status}, got ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
          else if (!/[\u4e00-\u9fff]/.test(response.body?.message_zh ?? '') || !/[a-z]/.test(response.body?.message_en ?? '')) mismatches.push(`${key} as ${who}: denial without zh/en reason`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(routes.length * WHO.length);
    expect(allowedCount + deniedCount).toBe(checked);
    // every denial was logged: who, what, when
    const log = t.auth.securityLog({ limit: 1000 }).filter((entry) => entry.kind === 'denied' || entry.kind === 'unauthenticated');
    expect(log.length).toBeGreaterThanOrEqual(deniedCount);
    const denied = log.find((entry) => entry.kind === 'denied');
    expect(denied).toMatchObject({ userId: expect.any(String), role: expect.any(String), method: expect.any(String), path: expect.any(String), at: expect.any(String) });
    process.stdout.write(`role matrix: ${routes.length} routes × ${WHO.length} callers = ${checked} requests (${allowedCount} allowed, ${deniedCount} denied)\n`);
  }, 120_000);
});
