/**
 * `fundtrail <command>`: the command-line tool for auditors and operators. Every feature adds its
 * commands through `registerCommands(program)`; each opens the runtime from the same environment
 * variables as the server.
 */
import 'reflect-metadata';
import { Command } from 'commander';
import { ConfigError } from '../config';
import { EventStoreUnavailableError } from '../event-store/event-store.port';
import { LedgerRefusal } from '../domain';
import { registerLedgerCommands } from './ledger.commands';
import { registerStoreCommands } from './store.commands';
import { registerAuditCommands } from '../audit/audit.commands';
import { registerAlertCommands } from '../alerts/alerts.cli';
import { registerUserCommands } from '../auth/cli';
import { registerProjectionCommands } from '../../projections/cli';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('fundtrail')
    .description('Fundtrail 专项资金追踪账本 — an event-sourced ledger for special funds')
    .showHelpAfterError();
  registerLedgerCommands(program);
  registerStoreCommands(program);
  // before the audit commands: they take the projections' `verify` and keep it as `verify --read-models`
  registerProjectionCommands(program);
  registerAuditCommands(program);
  registerAlertCommands(program);
  registerUserCommands(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof EventStoreUnavailableError) {
      process.stderr.write(`fundtrail: ${error.message}\n`);
      return 2;
    }
    if (error instanceof LedgerRefusal) {
      process.stderr.write(`fundtrail: ${error.reason_zh}\n           ${error.reason_en}\n`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module || process.argv[1]?.endsWith('fundtrail.js') || process.argv[1]?.endsWith('fundtrail')) {
  runCli(process.argv).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`fundtrail: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
