/**
 * Who may do what, as data: the roles, the actions (permission names) and which role holds which.
 * Scope (which county, which unit, which enterprise) is decided in policy.ts; this table only says
 * whether a role may attempt an action at all.
 */

export const ROLES = ['admin', 'city-finance', 'county-finance', 'county-department', 'project-owner', 'auditor', 'supervisor', 'public'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Record<Role, { zh: string; en: string }> = {
  admin: { zh: '系统管理员', en: 'administrator' },
  'city-finance': { zh: '市财政局', en: 'city finance bureau' },
  'county-finance': { zh: '旗县区财政局', en: 'county finance bureau' },
  'county-department': { zh: '旗县区主管部门', en: 'county department' },
  'project-owner': { zh: '项目单位（企业）', en: 'project owner (enterprise)' },
  auditor: { zh: '审计', en: 'auditor' },
  supervisor: { zh: '监督', en: 'supervisor' },
  public: { zh: '公众', en: 'public' },
};

/** Roles scoped to one county and one unit (资金所在单位): they move money only from their own unit. */
export const COUNTY_ROLES: ReadonlySet<Role> = new Set<Role>(['county-finance', 'county-department']);

export const ACTIONS = [
  // the ledger
  'holders:read',
  'holders:register',
  'funds:list',
  'funds:read',
  'funds:appropriate',
  'funds:allocate',
  /** the raw, hash-chained event log of a fund (read and replay) */
  'funds:events:read',
  'money:transfer',
  'money:receive',
  'money:payout',
  'money:return',
  'money:reverse',
  'projects:read',
  'projects:register',
  'projects:report-progress',
  'projects:close',
  // delay alerts and deferrals (src/alerts): objects of a county are checked against the caller's county there
  'alerts:read',
  /** acknowledge an alert, with a note (the supervisor's answer to it) */
  'alerts:acknowledge',
  /** subscriptions for supervisors, redelivery of deliveries, an evaluation on demand */
  'alerts:manage',
  /** change a fund's alert policy (limits, warning and escalation) */
  'alert-policy:set',
  'deferrals:request',
  'deferrals:approve',
  // public disclosure (公开): open to everyone, signed in or not
  'disclosure:read',
  // accounts and the security log
  'session:login',
  'session:use',
  'tokens:own',
  'users:read',
  'users:manage',
  'security-log:read',
  // a route that declares no permission: administrators (and, for reads, auditors) only — fail closed
  'undeclared:read',
  'undeclared:write',
] as const;
export type Action = (typeof ACTIONS)[number];

const LEDGER_READS: Action[] = ['holders:read', 'funds:list', 'funds:read', 'funds:events:read', 'projects:read'];
const COUNTY_WORK: Action[] = [
  'holders:read', 'funds:list', 'funds:read', 'projects:read',
  'money:transfer', 'money:receive', 'money:payout', 'money:return',
  'projects:register', 'projects:report-progress', 'projects:close',
  'alerts:read', 'deferrals:request',
];
const SIGNED_IN: Action[] = ['session:use', 'tokens:own', 'disclosure:read'];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Action>> = {
  admin: new Set<Action>(ACTIONS),
  'city-finance': new Set<Action>([
    ...SIGNED_IN, ...LEDGER_READS,
    'holders:register', 'funds:appropriate', 'funds:allocate',
    'money:transfer', 'money:receive', 'money:payout', 'money:return', 'money:reverse',
    'projects:register', 'projects:report-progress', 'projects:close',
    'alerts:read', 'alerts:acknowledge', 'alerts:manage', 'alert-policy:set', 'deferrals:request', 'deferrals:approve',
  ]),
  'county-finance': new Set<Action>([...SIGNED_IN, ...COUNTY_WORK]),
  'county-department': new Set<Action>([...SIGNED_IN, ...COUNTY_WORK]),
  'project-owner': new Set<Action>([...SIGNED_IN, 'funds:list', 'projects:read', 'projects:report-progress']),
  auditor: new Set<Action>([...SIGNED_IN, ...LEDGER_READS, 'alerts:read', 'users:read', 'security-log:read', 'undeclared:read']),
  supervisor: new Set<Action>([...SIGNED_IN, ...LEDGER_READS, 'alerts:read', 'alerts:acknowledge', 'deferrals:approve']),
  public: new Set<Action>(['session:use', 'disclosure:read']),
};

/** Actions that change the ledger (rate-limited as writes; never granted to the auditor). */
export const LEDGER_WRITES: ReadonlySet<Action> = new Set<Action>([
  'holders:register', 'funds:appropriate', 'funds:allocate',
  'money:transfer', 'money:receive', 'money:payout', 'money:return', 'money:reverse',
  'projects:register', 'projects:report-progress', 'projects:close',
  'deferrals:request', 'deferrals:approve',
]);

/** Actions open to everyone, with or without a token. */
export const PUBLIC_ACTIONS: ReadonlySet<Action> = new Set<Action>(['disclosure:read', 'session:login']);

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isAction(value: unknown): value is Action {
  return typeof value === 'string' && (ACTIONS as readonly string[]).includes(value);
}
