/**
 * What `npm start` does about credentials before it listens: in production it refuses to start
 * without a real administrator or with the demo user enabled; otherwise it may create the demo user.
 */
import type { SecurityConfig } from '../config';
import type { AuthService } from './auth.service';

export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsError';
  }
}

export interface StartupCredentials {
  /** The demo user's fresh password, to print once; absent when there is no demo user. */
  demo?: { username: string; password: string };
}

export async function prepareCredentials(auth: AuthService, security: Pick<SecurityConfig, 'production' | 'demoUser'>): Promise<StartupCredentials> {
  if (security.production) {
    const problems: string[] = [];
    if (!auth.hasRealAdmin()) problems.push('no administrator exists: create one with `fundtrail users create-admin --name <name>` (password from FUNDTRAIL_ADMIN_PASSWORD or stdin) / 尚无管理员');
    const demo = auth.enabledDemoUser();
    if (demo) problems.push(`the demo user "${demo.username}" is enabled: disable it with \`fundtrail users disable ${demo.username}\` / 演示用户未停用`);
    if (problems.length > 0) throw new CredentialsError(`production mode needs real credentials:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    return {};
  }
  if (!security.demoUser) return {};
  const { user, password } = await auth.ensureDemoUser();
  return { demo: { username: user.username, password } };
}
