/** `npm start`: the server on the configured store (the embedded SQLite file by default) with the demo fund. */
import 'reflect-metadata';
import { createHttpApp, openAuth } from './app/http-app';
import { CredentialsError, prepareCredentials } from './auth/startup';
import { loadDemo } from './app/demo-loader';
import { createRuntime } from './app/runtime';
import { ConfigError, loadConfig } from './config';
import { EventStoreUnavailableError } from './event-store/event-store.port';
import { ProgressBar } from './shared/progress';

async function main(): Promise<void> {
  const config = loadConfig();
  const runtime = await createRuntime(config);
  if (config.demo && (await runtime.store.headPosition()) === 0) {
    const bar = new ProgressBar('载入演示资金 / loading the demo fund', 'steps');
    const { events } = await loadDemo(runtime.ledger, (done, total) => bar.update(done, total));
    bar.done(`${events} events`);
  }
  const auth = openAuth(runtime);
  const credentials = await prepareCredentials(auth, config.security);
  const app = await createHttpApp(runtime, { auth });
  await app.listen(config.port, config.host);
  const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
  process.stdout.write(
    [
      '',
      `Fundtrail 专项资金追踪账本 — ${runtime.store.name} store at ${config.eventStore.kind === 'sqlite' ? config.eventStore.filename : config.eventStore.kind}`,
      `  Dashboard  ${base}/          看板（中文/English）`,
      `  Public     ${base}/public/   拨付情况公示（无需登录）`,
      `  API        ${base}/api/funds`,
      `  OpenAPI    ${base}/docs`,
      `  Health     ${base}/health`,
      ...(credentials.demo
        ? [
            '',
            `  演示用户 demo user   ${credentials.demo.username}`,
            `  密码 password        ${credentials.demo.password}   (random, new at every start; shown only here)`,
            `  curl -s ${base}/api/auth/login -H 'Content-Type: application/json' -d '{"username":"${credentials.demo.username}","password":"…"}'`,
          ]
        : []),
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof EventStoreUnavailableError || error instanceof CredentialsError) {
    process.stderr.write(`Fundtrail cannot start: ${error.message}\n`);
  } else {
    process.stderr.write(`Fundtrail cannot start: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(2);
});
