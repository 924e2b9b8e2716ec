/**
 * The ledger's application service: load → decide → append with the expected version, retried on a
 * conflict. Framework-free, so that the HTTP API, the CLI, the demo loader and the tests share it.
 *
 * Consistency: one fund is one stream, so a decision sees every balance of the fund; commands on one
 * fund run one after another in this process (a keyed lock) and optimistic concurrency on the
 * stream's version keeps several processes on one store correct (no overdraft across instances).
 */
import { randomUUID } from 'node:crypto';
import {
  type Decided,
  type FundCommand,
  type FundEvent,
  type FundState,
  type Holder,
  type HolderRegistered,
  type HolderRegistryState,
  type RegisterHolder,
  HOLDERS_STREAM,
  SCHEMA_VERSION,
  assertConservation,
  decideFund,
  decideRegisterHolder,
  evolveFund,
  evolveRegistry,
  fundStreamId,
  initialFundState,
  initialRegistryState,
  refuse,
} from '../domain';
import { canonicalJson, sha256 } from '../event-store/hash-chain';
import {
  type Actor,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  IdempotencyReplayError,
  WrongExpectedVersionError,
} from '../event-store/event-store.port';
import { KeyedLock } from '../shared/keyed-lock';

export interface CommandContext {
  actor: Actor;
  idempotencyKey?: string;
  /** What the key promises: the same request. Defaults to a hash of the command. */
  requestFingerprint?: unknown;
  correlationId?: string;
  causationId?: string;
  /** Chooses the id of each decided event (default: a random UUID); scripts use name-based ids to be repeatable. */
  eventIdFor?: (event: FundEvent | HolderRegistered, version: number) => string;
}

export interface CommandResult {
  streamId: string;
  /** True when this answer is the first answer to an earlier request with the same idempotency key. */
  replayed: boolean;
  events: Array<{ eventId: string; type: string; version: number }>;
}

/** The most attempts one command makes against concurrent writers before it gives up with a 409. */
export const COMMAND_ATTEMPTS_MAX = 25;

export class ConcurrencyExhaustedError extends Error {
  constructor(public readonly streamId: string) {
    super(`stream ${streamId} kept changing under ${COMMAND_ATTEMPTS_MAX} attempts; try again`);
    this.name = 'ConcurrencyExhaustedError';
  }
}

export class Ledger {
  private readonly registry: HolderRegistryState = initialRegistryState();
  private readonly funds = new Map<string, FundState>();
  private readonly lock = new KeyedLock();

  constructor(
    readonly store: EventStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  // ---------------------------------------------------------------------------------------------
  // commands

  registerHolder(command: RegisterHolder, context: CommandContext): Promise<CommandResult> {
    return this.execute(HOLDERS_STREAM, command, context, async () => {
      const registry = await this.loadRegistry();
      return { version: registry.version, decided: [{ event: decideRegisterHolder(command, registry), occurredAt: this.today() }] };
    });
  }

  executeFund(fundId: string, command: FundCommand, context: CommandContext): Promise<CommandResult> {
    return this.execute(fundStreamId(fundId), command, context, async () => {
      const [registry, fund] = [await this.loadRegistry(), await this.loadFundUnlocked(fundId)];
      return { version: fund.version, decided: decideFund(command, fund, { holders: registry.holders }) };
    });
  }

  private async execute(
    streamId: string,
    command: { kind: string },
    context: CommandContext,
    decide: () => Promise<{ version: number; decided: Array<Decided | { event: HolderRegistered; occurredAt: string }> }>,
  ): Promise<CommandResult> {
    const requestHash = sha256(canonicalJson(context.requestFingerprint ?? command));
    if (context.idempotencyKey) {
      const earlier = await this.store.findIdempotency(context.idempotencyKey);
      if (earlier) return this.replay(earlier.requestHash, requestHash, earlier.response, context.idempotencyKey);
    }
    for (let attempt = 1; attempt <= COMMAND_ATTEMPTS_MAX; attempt++) {
      try {
        return await this.lock.run(streamId, async () => {
          const { version, decided } = await decide();
          const events = decided.map((entry, index) => this.envelope(entry, context, version + 1 + index));
          const response: CommandResult = {
            streamId,
            replayed: false,
            events: events.map((event, index) => ({ eventId: event.eventId, type: event.type, version: version + 1 + index })),
          };
          const idempotency = context.idempotencyKey ? { key: context.idempotencyKey, requestHash, response } : undefined;
          const result = await this.store.append(streamId, events, { expectedVersion: version, idempotency });
          assertAppended(result, response);
          return response;
        });
      } catch (error) {
        if (error instanceof IdempotencyReplayError) {
          return this.replay(error.record.requestHash, requestHash, error.record.response, error.record.key);
        }
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        // another process wrote to the stream: reload and decide again, after a short random pause
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 5 * attempt)));
      }
    }
    throw new ConcurrencyExhaustedError(streamId);
  }

  private replay(firstHash: string, requestHash: string, response: unknown, key: string): CommandResult {
    if (firstHash !== requestHash) {
      refuse(
        'idempotency-key-reused',
        `幂等键 ${key} 已用于另一个请求`,
        `idempotency key ${key} was already used for a different request`,
      );
    }
    return { ...(response as CommandResult), replayed: true };
  }

  private envelope(entry: { event: FundEvent | HolderRegistered; occurredAt: string; document?: string }, context: CommandContext, version: number): NewEvent {
    const correlationId = context.correlationId ?? randomUUID();
    return {
      eventId: context.eventIdFor ? context.eventIdFor(entry.event, version) : randomUUID(),
      type: entry.event.type,
      data: entry.event.data,
      metadata: {
        actor: context.actor,
        occurredAt: entry.occurredAt,
        recordedAt: this.clock().toISOString(),
        ...(entry.document ? { document: entry.document } : {}),
        correlationId,
        causationId: context.causationId ?? correlationId,
        schemaVersion: SCHEMA_VERSION,
        ...(context.idempotencyKey ? { idempotencyKey: context.idempotencyKey } : {}),
      },
    };
  }

  private today(): string {
    return this.clock().toISOString().slice(0, 10);
  }

  // ---------------------------------------------------------------------------------------------
  // state

  /** The holders known now (a copy). */
  async holders(): Promise<Holder[]> {
    return this.lock.run(HOLDERS_STREAM, async () => [...(await this.loadRegistry()).holders.values()]);
  }

  async holder(holderId: string): Promise<Holder | undefined> {
    return (await this.lock.run(HOLDERS_STREAM, () => this.loadRegistry())).holders.get(holderId);
  }

  /** The fund's current state; the caller must not change it. */
  fund(fundId: string): Promise<FundState> {
    return this.lock.run(fundStreamId(fundId), () => this.loadFundUnlocked(fundId));
  }

  private async loadRegistry(): Promise<HolderRegistryState> {
    const events = await this.store.readStream(HOLDERS_STREAM, { fromVersion: this.registry.version + 1 });
    for (const event of events) evolveRegistry(this.registry, event as unknown as HolderRegistered, event.version);
    return this.registry;
  }

  private async loadFundUnlocked(fundId: string): Promise<FundState> {
    let state = this.funds.get(fundId);
    if (!state) {
      state = initialFundState(fundId);
      this.funds.set(fundId, state);
    }
    const events = await this.store.readStream(fundStreamId(fundId), { fromVersion: state.version + 1 });
    for (const event of events) applyRecorded(state, event);
    if (events.length > 0) assertConservation(state);
    // only funds that exist are kept: asking for random ids must not grow memory
    if (!state.exists) this.funds.delete(fundId);
    return state;
  }
}

export function applyRecorded(state: FundState, event: RecordedEvent): FundState {
  return evolveFund(state, { type: event.type, data: event.data } as FundEvent, event.eventId, event.metadata.occurredAt, event.version);
}

/** The store must have written what was decided, at the versions expected: a broken store stops here. */
function assertAppended(result: AppendResult, response: CommandResult): void {
  if (result.events.length !== response.events.length) {
    throw new Error(`invariant: appended ${result.events.length} events, decided ${response.events.length}`);
  }
  result.events.forEach((event, index) => {
    const expected = response.events[index];
    if (event.eventId !== expected.eventId || event.version !== expected.version) {
      throw new Error(`invariant: event ${expected.eventId} expected at version ${expected.version}, stored ${event.eventId} at ${event.version}`);
    }
  });
}
