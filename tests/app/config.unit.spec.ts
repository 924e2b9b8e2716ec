import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration from the environment', () => {
  it('defaults to the embedded SQLite store under ./data, port 3000, with the demo', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.eventStore).toEqual({ kind: 'sqlite', filename: join(process.cwd(), 'data', 'events.db') });
    expect(config.demo).toBe(true);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', FUNDTRAIL_EVENT_STORE: 'mongodb', FUNDTRAIL_DEMO: 'yes', FUNDTRAIL_PROJECTION_THREADS: 'many', FUNDTRAIL_PROJECTION_HEAP_MB: '32' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT="eighty"/);
    expect(message).toMatch(/FUNDTRAIL_EVENT_STORE="mongodb"/);
    expect(message).toMatch(/FUNDTRAIL_DEMO="yes"/);
    expect(message).toMatch(/FUNDTRAIL_PROJECTION_THREADS="many": .*must be a whole number of worker threads/);
    expect(message).toMatch(/FUNDTRAIL_PROJECTION_HEAP_MB=32: .*64/);
  });

  it('requires the connection settings of the chosen store', () => {
    expect(() => loadConfig({ FUNDTRAIL_EVENT_STORE: 'postgres' })).toThrow(/FUNDTRAIL_POSTGRES_URL is required/);
    expect(() => loadConfig({ FUNDTRAIL_EVENT_STORE: 'postgres', FUNDTRAIL_POSTGRES_URL: 'mysql://x' })).toThrow(/must start with postgres/);
    expect(() => loadConfig({ FUNDTRAIL_EVENT_STORE: 'esdb' })).toThrow(/FUNDTRAIL_ESDB_URL is required/);
    expect(loadConfig({ FUNDTRAIL_EVENT_STORE: 'esdb', FUNDTRAIL_ESDB_URL: 'esdb://127.0.0.1:2113?tls=false' }).eventStore.kind).toBe('esdb');
  });

  it('stops the server with a clear message and no stack trace when a variable is bad (the built server)', () => {
    let output = '';
    try {
      execFileSync(process.execPath, [join(__dirname, '../../dist/src/main.js')], { env: { ...process.env, PORT: 'eighty' }, stdio: 'pipe' });
    } catch (error) {
      const failed = error as { status: number; stderr: Buffer };
      expect(failed.status).toBe(2);
      output = failed.stderr.toString();
    }
    expect(output).toMatch(/Fundtrail cannot start: configuration error/);
    expect(output).toMatch(/PORT="eighty"/);
    expect(output).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('stops with a clear message when the PostgreSQL store cannot be reached', () => {
    let output = '';
    try {
      execFileSync(process.execPath, [join(__dirname, '../../dist/src/main.js')], {
        env: { ...process.env, FUNDTRAIL_EVENT_STORE: 'postgres', FUNDTRAIL_POSTGRES_URL: 'postgres://postgres@127.0.0.1:1/test' },
        stdio: 'pipe',
        timeout: 30_000,
      });
    } catch (error) {
      output = (error as { stderr: Buffer }).stderr.toString();
    }
    expect(output).toMatch(/Fundtrail cannot start: .*unavailable.*127\.0\.0\.1:1/);
    expect(output).not.toMatch(/\bat .*\.js:\d+/);
  });
});
