import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { FundCommand, RegisterHolder } from '../domain';
import { type CommandContext, type CommandResult, Ledger } from './ledger';

export class RegisterHolderCommand {
  constructor(
    public readonly command: RegisterHolder,
    public readonly context: CommandContext,
  ) {}
}

export class ExecuteFundCommand {
  constructor(
    public readonly fundId: string,
    public readonly command: FundCommand,
    public readonly context: CommandContext,
  ) {}
}

@CommandHandler(RegisterHolderCommand)
export class RegisterHolderHandler implements ICommandHandler<RegisterHolderCommand, CommandResult> {
  constructor(private readonly ledger: Ledger) {}
  execute({ command, context }: RegisterHolderCommand): Promise<CommandResult> {
    return this.ledger.registerHolder(command, context);
  }
}

@CommandHandler(ExecuteFundCommand)
export class ExecuteFundHandler implements ICommandHandler<ExecuteFundCommand, CommandResult> {
  constructor(private readonly ledger: Ledger) {}
  execute({ fundId, command, context }: ExecuteFundCommand): Promise<CommandResult> {
    return this.ledger.executeFund(fundId, command, context);
  }
}

export const LEDGER_COMMAND_HANDLERS = [RegisterHolderHandler, ExecuteFundHandler];
