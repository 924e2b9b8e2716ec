/**
 * A child process for the crash tests: the whole HTTP app (authentication included) on the SQLite
 * store of FUNDTRAIL_DATA_DIR, on a free port, printed as "listening <port>". The parent kills it with SIGKILL.
 */
import 'reflect-metadata';
import { createHttpApp } from '../../src/app/http-app';
import { createRuntime } from '../../src/app/runtime';
import { loadConfig } from '../../src/config';

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, FUNDTRAIL_DEMO: 'false', FUNDTRAIL_EVENT_STORE: 'sqlite', PORT: '0', HOST: '127.0.0.1' });
  const runtime = await createRuntime(config);
  const app = await createHttpApp(runtime, { logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  process.stdout.write(`listening ${address.port}\n`);
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
