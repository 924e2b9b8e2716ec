/**
 * `fundtrail users …` and `fundtrail tokens …`: the first administrator and accounts from the command line.
 * Passwords come from FUNDTRAIL_ADMIN_PASSWORD / FUNDTRAIL_USER_PASSWORD or the first line of stdin, never
 * from an argument (arguments are visible to every user of the machine in the process list).
 */
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { AuthError } from './auth-error';
import { assertUnitInRegistry } from './auth.controller';
import { AuthService } from './auth.service';
import { isRole } from './roles';

function openAuthFromEnvironment(): AuthService {
  const config = loadConfig();
  return new AuthService({ filename: config.security.authFilename, sessionTtlMinutes: config.security.sessionTtlMinutes, apiTokenTtlDaysMax: config.security.apiTokenTtlDaysMax });
}

async function withAuth<T>(work: (auth: AuthService) => Promise<T> | T): Promise<T> {
  const auth = openAuthFromEnvironment();
  try {
    return await work(auth);
  } catch (error) {
    if (error instanceof AuthError) {
      process.stderr.write(`fundtrail: ${error.reason_zh}\n           ${error.reason_en}\n`);
      process.exitCode = 1;
      return undefined as T;
    }
    throw error;
  } finally {
    auth.close();
  }
}

/** The password from the named variable, else the first line of stdin (piped). */
export async function readPassword(variable: string, input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const fromEnvironment = process.env[variable];
  if (fromEnvironment) return fromEnvironment;
  if ((input as { isTTY?: boolean }).isTTY) process.stderr.write('密码 / password (then Enter): ');
  let text = '';
  for await (const chunk of input) {
    text += chunk.toString();
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text.split(/\r?\n/)[0];
}

const CREATED_BY = `cli:${process.env.USER ?? 'operator'}`;

export function registerUserCommands(program: Command): void {
  const users = program.command('users').description('用户 / users and roles');

  users
    .command('create-admin')
    .description('创建管理员（密码取自 FUNDTRAIL_ADMIN_PASSWORD 或标准输入） / create an administrator; password from FUNDTRAIL_ADMIN_PASSWORD or stdin')
    .requiredOption('--name <username>', 'user name to sign in with')
    .option('--display-name <text>', 'full name')
    .action((options: { name: string; displayName?: string }) =>
      withAuth(async (auth) => {
        const password = await readPassword('FUNDTRAIL_ADMIN_PASSWORD');
        const user = await auth.createUser({ username: options.name, displayName: options.displayName, role: 'admin', password }, CREATED_BY);
        process.stdout.write(`管理员已创建 / administrator created: ${user.username} (${user.userId})\n`);
      }),
    );

  users
    .command('create')
    .description('创建用户 / create a user (password from FUNDTRAIL_USER_PASSWORD or stdin; --no-password for API tokens only)')
    .requiredOption('--name <username>', 'user name')
    .requiredOption('--role <role>', 'admin | city-finance | county-finance | county-department | project-owner | auditor | supervisor | public')
    .option('--county <code>', '6-digit county code (county roles, county supervisors)')
    .option('--unit <holderId>', 'holder id of their bureau (county roles) or enterprise (project owners)')
    .option('--display-name <text>', 'full name')
    .option('--no-password', 'no password: the user signs in with API tokens only')
    .action((options: { name: string; role: string; county?: string; unit?: string; displayName?: string; password: boolean }) =>
      withAuth(async (auth) => {
        if (!isRole(options.role)) throw new AuthError(400, 'bad-user', `未知角色 ${options.role}`, `unknown role ${options.role}`);
        const user = { username: options.name, displayName: options.displayName, role: options.role, countyCode: options.county, unitHolderId: options.unit };
        if (options.unit) {
          const { withRuntime } = await import('../cli/cli-runtime');
          await withRuntime((runtime) => assertUnitInRegistry(runtime.ledger, user));
        }
        const password = options.password ? await readPassword('FUNDTRAIL_USER_PASSWORD') : undefined;
        const created = await auth.createUser({ ...user, password }, CREATED_BY);
        process.stdout.write(`用户已创建 / user created: ${created.username} (${created.userId}) ${created.role}\n`);
      }),
    );

  users
    .command('list')
    .description('用户列表 / list users')
    .option('--json', 'JSON for scripts')
    .action((options: { json?: boolean }) =>
      withAuth((auth) => {
        const list = auth.listUsers();
        process.stdout.write(
          options.json
            ? `${JSON.stringify(list, null, 2)}\n`
            : `${list.map((user) => [user.username, user.userId, user.role, user.countyCode ?? '', user.unitHolderId ?? '', user.demo ? 'demo' : '', user.disabledAt ? 'disabled' : ''].join('\t')).join('\n')}\n`,
        );
      }),
    );

  users
    .command('disable <user>')
    .description('停用用户并撤销全部令牌 / disable a user and revoke all their tokens')
    .action((name: string) =>
      withAuth((auth) => {
        const user = auth.disableUser(auth.requireUser(name).userId, CREATED_BY);
        process.stdout.write(`已停用 / disabled: ${user.username}\n`);
      }),
    );

  const tokens = program.command('tokens').description('接口令牌 / API tokens');
  tokens
    .command('create')
    .description('为用户创建接口令牌（只显示一次） / an API token for a user, printed once')
    .requiredOption('--user <user>', 'user name or id')
    .requiredOption('--name <text>', 'what it is for')
    .option('--days <n>', 'days until it expires', '90')
    .action((options: { user: string; name: string; days: string }) =>
      withAuth((auth) => {
        const issued = auth.issueApiToken(auth.requireUser(options.user).userId, options.name, Number(options.days));
        process.stdout.write(`${issued.token}\n`);
        process.stderr.write(`token ${issued.tokenId}, expires ${issued.expiresAt}; shown only now / 仅显示这一次\n`);
      }),
    );
  tokens
    .command('revoke <tokenId>')
    .description('撤销令牌 / revoke a token')
    .action((tokenId: string) =>
      withAuth((auth) => {
        const row = auth.db.prepare<[string], { user_id: string }>('SELECT user_id FROM tokens WHERE token_id = ?').get(tokenId);
        if (!row) throw new AuthError(404, 'not-found', `令牌 ${tokenId} 不存在`, `token ${tokenId} not found`);
        const owner = auth.requireUser(row.user_id);
        auth.revokeToken(tokenId, { userId: owner.userId, username: CREATED_BY, displayName: CREATED_BY, role: 'admin', tokenId: 'cli', tokenKind: 'session' });
        process.stdout.write(`已撤销 / revoked: ${tokenId}\n`);
      }),
    );

  program
    .command('security-log')
    .description('安全日志 / the security log (denied requests, logins, tokens), newest first')
    .option('--limit <n>', 'how many', '50')
    .option('--kind <kind>', 'denied | unauthenticated | rate-limited | login | login-failed | …')
    .action((options: { limit: string; kind?: string }) =>
      withAuth((auth) => {
        for (const entry of auth.securityLog({ limit: Number(options.limit) || 50, kind: options.kind })) {
          process.stdout.write(`${entry.at}\t${entry.kind}\t${entry.username ?? entry.userId ?? '-'}\t${entry.role ?? ''}\t${entry.method ?? ''} ${entry.path ?? ''}\t${entry.status ?? ''}\t${entry.reason ?? ''}\n`);
        }
      }),
    );
}
