/**
 * An in-process EventStoreDB stand-in for tests: a real gRPC server (@grpc/grpc-js) built from the
 * service definitions that `@eventstore/db-client` ships in its `generated/` folder, so the real
 * client talks to it over real HTTP/2 + protobuf, exactly as it talks to EventStoreDB.
 *
 * It implements only what the Fundtrail adapter uses, with EventStoreDB's semantics as far as they
 * are documented or observable from the client:
 * - ServerFeatures.GetSupportedMethods (the client asks it once per channel to choose Append or BatchAppend);
 * - Streams.Append (client-streaming: options, then proposed messages; applied only when the client
 *   ends the call: a call cut in the middle writes nothing);
 * - Streams.BatchAppend (bidi-streaming: chunks by correlation id, applied on `is_final`);
 * - expected revision any / no_stream / stream_exists / exact, WrongExpectedVersion with the current revision;
 * - idempotent re-append: the same event ids at the same expected revision succeed again without writing
 *   (for `any`: the same ids found consecutively in the stream), a partial match is a WrongExpectedVersion;
 * - maximum append size (EventStoreDB's MaxAppendSize, default 1 MiB of data + metadata);
 * - Streams.Read of a stream (forwards/backwards, revision, count, stream_not_found), of `$all`
 *   (forwards: position inclusive; backwards: position exclusive; start/end), and subscriptions to
 *   `$all` (confirmation, catch-up after the position (exclusive), checkpoint, caught_up, live; event
 *   type / stream name filters by regex or prefix).
 *
 * Positions imitate EventStoreDB's transaction file: every event is a "prepare" record with its own
 * byte offset; all events of one append share one commit position. `positionModel` picks where that
 * commit position lies (both shapes have been described for EventStoreDB; the adapter must work with either):
 * - 'commit-record-after' (default): a multi-event append is followed by a commit record, so its events
 *   read as (commit C, prepare P_i) with every P_i < C; a single event reads as (P, P);
 * - 'commit-at-first-prepare': the commit position is the first prepare's position, (P_1, P_i) with P_i >= P_1.
 * A few system events (`$`-prefixed streams and types) are written at start and between appends, as a
 * real server writes its own, so that readers must filter them.
 *
 * State is kept in memory on the object, so `stop()` then `start()` is "the engine went away and came back"
 * with its data intact.
 */
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty as GoogleEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  ReadReq,
  ReadResp,
} from '@eventstore/db-client/generated/streams_pb';
import {
  AllStreamPosition,
  Empty,
  MaximumAppendSizeExceeded,
  StreamIdentifier,
  UUID,
  WrongExpectedVersion as SharedWrongExpectedVersion,
} from '@eventstore/db-client/generated/shared_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';

export interface FakeEsdbOptions {
  /** 0 (default): any free port, kept across restarts. */
  port?: number;
  /** Advertise Streams.BatchAppend (EventStoreDB >= 21.10 does; the client then uses it for appendToStream). */
  batchAppend?: boolean;
  /** Bytes of data + metadata per append (EventStoreDB's MaxAppendSize, default 1 MiB). */
  maxAppendSize?: number;
  positionModel?: 'commit-record-after' | 'commit-at-first-prepare';
  /** Write one system event after every n appends (0: never). Default 5. */
  systemEventEvery?: number;
}

interface StoredEvent {
  streamName: string;
  revision: number;
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  createdTicks: bigint;
  commit: bigint;
  prepare: bigint;
}

interface Proposed {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

type Expected = { kind: 'any' } | { kind: 'no_stream' } | { kind: 'stream_exists' } | { kind: 'revision'; revision: number };

type AppendOutcome =
  | { kind: 'success'; currentRevision: number; position?: { commit: bigint; prepare: bigint } }
  | { kind: 'wrong-expected-version'; current: number; expected: Expected }
  | { kind: 'too-big'; maxAppendSize: number };

interface LiveSubscription {
  call: grpc.ServerWritableStream<ReadReq, ReadResp>;
  matches: (event: StoredEvent) => boolean;
  /** Events appended while the subscription catches up are queued, then flushed in order. */
  lastSent: { commit: bigint; prepare: bigint };
}

const RECORD_OVERHEAD_BYTES = 120n;
const COMMIT_RECORD_BYTES = 40n;
const TICKS_PER_MILLISECOND = 10_000n;

export class FakeEsdbServer {
  private server: grpc.Server | undefined;
  private port: number;
  private readonly log: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private nextLogPosition = 0n;
  private appendsSinceSystemEvent = 0;
  private readonly subscriptions = new Set<LiveSubscription>();
  private readonly options: Required<FakeEsdbOptions>;
  /** Counts of calls served, by method: what the tests went through. */
  readonly calls: Record<string, number> = {};

  constructor(options: FakeEsdbOptions = {}) {
    this.options = {
      port: options.port ?? 0,
      batchAppend: options.batchAppend ?? true,
      maxAppendSize: options.maxAppendSize ?? 1_048_576,
      positionModel: options.positionModel ?? 'commit-record-after',
      systemEventEvery: options.systemEventEvery ?? 5,
    };
    this.port = this.options.port;
    // what a fresh EventStoreDB has written before anyone connects
    this.writeSystemEvent('$epoch-information', '$epoch-information');
    this.writeSystemEvent('$users', '$user-created');
    this.writeSystemEvent('$$$scavenges', '$metadata');
  }

  get connectionString(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = new grpc.Server({
      'grpc.max_receive_message_length': 32 * 1024 * 1024,
      'grpc.max_send_message_length': 32 * 1024 * 1024,
    });
    server.addService(StreamsService, {
      read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => this.count('read', () => this.read(call)),
      append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) =>
        this.count('append', () => this.append(call, callback)),
      batchAppend: (call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => this.count('batchAppend', () => this.batchAppend(call)),
      delete: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'not in the fake' }),
      tombstone: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'not in the fake' }),
    });
    server.addService(ServerFeaturesService, {
      getSupportedMethods: (_call: unknown, callback: grpc.sendUnaryData<SupportedMethods>) =>
        this.count('getSupportedMethods', () => callback(null, this.supportedMethods())),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.port}`, grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    this.server = server;
  }

  /** The engine goes away: every open call and connection is cut; the data stays in memory. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.subscriptions.clear();
    server.forceShutdown();
  }

  /** All events in `$all` order (tests inspect it). */
  allEvents(): ReadonlyArray<Readonly<StoredEvent>> {
    return this.log;
  }

  private count(method: string, run: () => void): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    run();
  }

  private supportedMethods(): SupportedMethods {
    const methods = new SupportedMethods();
    methods.setEventStoreServerVersion('24.10.0-fundtrail-fake');
    const names = ['read', 'append', 'delete', 'tombstone', ...(this.options.batchAppend ? ['batchappend'] : [])];
    methods.setMethodsList(
      names.map((name) => {
        const method = new SupportedMethod();
        method.setServiceName('event_store.client.streams.streams');
        method.setMethodName(name);
        return method;
      }),
    );
    return methods;
  }

  // ----------------------------------------------------------------------------------------------
  // the store

  private writeSystemEvent(streamName: string, type: string): void {
    const data = Buffer.from(JSON.stringify({ at: new Date().toISOString() }));
    this.commit(streamName, [{ id: randomUUID(), type, contentType: 'application/json', data, customMetadata: new Uint8Array() }]);
  }

  /** Writes the events as one transaction; returns the position the append answers. */
  private commit(streamName: string, proposed: Proposed[]): { commit: bigint; prepare: bigint } {
    const stream = this.streams.get(streamName) ?? [];
    const createdTicks = BigInt(Date.now()) * TICKS_PER_MILLISECOND;
    const prepares: bigint[] = [];
    for (const message of proposed) {
      prepares.push(this.nextLogPosition);
      this.nextLogPosition += RECORD_OVERHEAD_BYTES + BigInt(message.data.length + message.customMetadata.length + message.type.length);
    }
    let commit: bigint;
    if (proposed.length === 1) commit = prepares[0];
    else if (this.options.positionModel === 'commit-at-first-prepare') commit = prepares[0];
    else {
      commit = this.nextLogPosition;
      this.nextLogPosition += COMMIT_RECORD_BYTES;
    }
    const stored = proposed.map((message, index) => ({
      streamName,
      revision: stream.length + index,
      id: message.id,
      type: message.type,
      contentType: message.contentType,
      data: message.data,
      customMetadata: message.customMetadata,
      createdTicks,
      commit,
      prepare: prepares[index],
    }));
    stream.push(...stored);
    this.streams.set(streamName, stream);
    this.log.push(...stored);
    for (const subscription of this.subscriptions) {
      for (const event of stored) this.sendLive(subscription, event);
    }
    return { commit, prepare: prepares[prepares.length - 1] };
  }

  private applyAppend(streamName: string, expected: Expected, proposed: Proposed[]): AppendOutcome {
    const size = proposed.reduce((sum, message) => sum + message.data.length + message.customMetadata.length, 0);
    if (size > this.options.maxAppendSize) return { kind: 'too-big', maxAppendSize: this.options.maxAppendSize };
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length - 1;
    const idsAt = (start: number) => proposed.every((message, index) => stream[start + index]?.id === message.id);
    const wrong = (): AppendOutcome => ({ kind: 'wrong-expected-version', current, expected });
    const idempotent = (start: number): AppendOutcome => ({ kind: 'success', currentRevision: start + proposed.length - 1 });

    switch (expected.kind) {
      case 'revision':
        if (expected.revision !== current) {
          if (expected.revision < current && idsAt(expected.revision + 1)) return idempotent(expected.revision + 1);
          return wrong();
        }
        break;
      case 'no_stream':
        if (current !== -1) return idsAt(0) && proposed.length > 0 ? idempotent(0) : wrong();
        break;
      case 'stream_exists':
      case 'any': {
        // with the stream present, a retry of 'stream_exists' is recognised as one of 'any'
        if (expected.kind === 'stream_exists' && current === -1) return wrong();
        const start = proposed.length > 0 ? stream.findIndex((event) => event.id === proposed[0].id) : -1;
        if (start >= 0) return idsAt(start) ? idempotent(start) : wrong();
        break;
      }
    }
    if (proposed.length === 0) return { kind: 'success', currentRevision: current };
    const position = this.commit(streamName, proposed);
    this.appendsSinceSystemEvent += 1;
    if (this.options.systemEventEvery > 0 && this.appendsSinceSystemEvent >= this.options.systemEventEvery) {
      this.appendsSinceSystemEvent = 0;
      this.writeSystemEvent('$stats-127.0.0.1:2113', '$statsCollected');
    }
    return { kind: 'success', currentRevision: current + proposed.length, position };
  }

  // ----------------------------------------------------------------------------------------------
  // Streams.Append (client streaming)

  private append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>): void {
    let options: AppendReq.Options | undefined;
    const proposed: Proposed[] = [];
    let failed = false;
    call.on('data', (request: AppendReq) => {
      if (request.hasOptions()) options = request.getOptions();
      else if (request.hasProposedMessage()) proposed.push(toProposed(request.getProposedMessage()!));
    });
    call.on('error', () => {
      failed = true;
    });
    call.on('end', () => {
      if (failed || call.cancelled || !this.server) return;
      if (!options) return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'options expected first' });
      const streamName = streamNameOf(options.getStreamIdentifier());
      const expected = appendExpected(options);
      const outcome = this.applyAppend(streamName, expected, proposed);
      const response = new AppendResp();
      if (outcome.kind === 'too-big') {
        const metadata = new grpc.Metadata();
        metadata.set('exception', 'maximum-append-size-exceeded');
        metadata.set('maximum-append-size', String(outcome.maxAppendSize));
        return callback({ code: grpc.status.INVALID_ARGUMENT, details: `Maximum Append Size of ${outcome.maxAppendSize} Exceeded.`, metadata });
      }
      if (outcome.kind === 'wrong-expected-version') {
        const wrong = new AppendResp.WrongExpectedVersion();
        if (outcome.current >= 0) wrong.setCurrentRevision(String(outcome.current));
        else wrong.setCurrentNoStream(new Empty());
        if (expected.kind === 'revision') wrong.setExpectedRevision(String(expected.revision));
        else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(new Empty());
        else if (expected.kind === 'stream_exists') wrong.setExpectedStreamExists(new Empty());
        else wrong.setExpectedAny(new Empty());
        response.setWrongExpectedVersion(wrong);
        return callback(null, response);
      }
      const success = new AppendResp.Success();
      if (outcome.currentRevision >= 0) success.setCurrentRevision(String(outcome.currentRevision));
      else success.setNoStream(new Empty());
      if (outcome.position) {
        const position = new AppendResp.Position();
        position.setCommitPosition(String(outcome.position.commit));
        position.setPreparePosition(String(outcome.position.prepare));
        success.setPosition(position);
      } else success.setNoPosition(new Empty());
      response.setSuccess(success);
      callback(null, response);
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Streams.BatchAppend (bidi streaming)

  private batchAppend(call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
    const pending = new Map<string, { options?: BatchAppendReq.Options; proposed: Proposed[] }>();
    call.on('data', (request: BatchAppendReq) => {
      const correlation = request.getCorrelationId();
      const key = uuidString(correlation);
      const entry = pending.get(key) ?? { proposed: [] };
      if (request.hasOptions()) entry.options = request.getOptions();
      for (const message of request.getProposedMessagesList()) entry.proposed.push(toProposed(message));
      pending.set(key, entry);
      if (!request.getIsFinal()) return;
      pending.delete(key);
      if (!this.server || call.cancelled) return;
      const response = new BatchAppendResp();
      response.setCorrelationId(correlation);
      const options = entry.options!;
      const identifier = options.getStreamIdentifier()!;
      response.setStreamIdentifier(identifier);
      const expected = batchExpected(options);
      if (expected.kind === 'revision') response.setStreamPosition(String(expected.revision));
      else if (expected.kind === 'no_stream') response.setNoStream(new GoogleEmpty());
      else if (expected.kind === 'stream_exists') response.setStreamExists(new GoogleEmpty());
      else response.setAny(new GoogleEmpty());
      const outcome = this.applyAppend(streamNameOf(identifier), expected, entry.proposed);
      if (outcome.kind === 'success') {
        const success = new BatchAppendResp.Success();
        if (outcome.currentRevision >= 0) success.setCurrentRevision(String(outcome.currentRevision));
        else success.setNoStream(new GoogleEmpty());
        if (outcome.position) {
          const position = new AllStreamPosition();
          position.setCommitPosition(String(outcome.position.commit));
          position.setPreparePosition(String(outcome.position.prepare));
          success.setPosition(position);
        } else success.setNoPosition(new GoogleEmpty());
        response.setSuccess(success);
      } else {
        const status = new Status();
        const details = new Any();
        if (outcome.kind === 'wrong-expected-version') {
          const wrong = new SharedWrongExpectedVersion();
          if (outcome.current >= 0) wrong.setCurrentStreamRevision(String(outcome.current));
          else wrong.setCurrentNoStream(new GoogleEmpty());
          if (expected.kind === 'revision') wrong.setExpectedStreamPosition(String(expected.revision));
          else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(new GoogleEmpty());
          else if (expected.kind === 'stream_exists') wrong.setExpectedStreamExists(new GoogleEmpty());
          else wrong.setExpectedAny(new GoogleEmpty());
          details.pack(wrong.serializeBinary(), 'event_store.client.WrongExpectedVersion');
          status.setCode(9);
          status.setMessage('WrongExpectedVersion');
        } else {
          const tooBig = new MaximumAppendSizeExceeded();
          tooBig.setMaxappendsize(outcome.maxAppendSize);
          details.pack(tooBig.serializeBinary(), 'event_store.client.MaximumAppendSizeExceeded');
          status.setCode(3);
          status.setMessage(`Maximum Append Size of ${outcome.maxAppendSize} Exceeded.`);
        }
        status.setDetails(details);
        response.setError(status);
      }
      call.write(response);
    });
    call.on('end', () => call.end());
    call.on('error', () => pending.clear());
  }

  // ----------------------------------------------------------------------------------------------
  // Streams.Read: streams, $all, subscriptions to $all

  private read(call: grpc.ServerWritableStream<ReadReq, ReadResp>): void {
    const options = call.request.getOptions();
    if (!options) return void call.emit('error', statusError(grpc.status.INVALID_ARGUMENT, 'options expected'));
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    if (options.hasSubscription()) {
      if (!options.hasAll()) return void call.emit('error', statusError(grpc.status.UNIMPLEMENTED, 'the fake serves subscriptions to $all only'));
      return this.subscribeToAll(call, options);
    }
    const count = options.hasCount() ? BigInt(options.getCount()) : BigInt(Number.MAX_SAFE_INTEGER);
    const limit = Number(count > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : count);
    let selected: StoredEvent[];
    if (options.hasStream()) {
      const streamOptions = options.getStream()!;
      const streamName = streamNameOf(streamOptions.getStreamIdentifier());
      const stream = this.streams.get(streamName);
      if (!stream || stream.length === 0) {
        const notFound = new ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(streamOptions.getStreamIdentifier());
        const response = new ReadResp();
        response.setStreamNotFound(notFound);
        call.write(response);
        call.end();
        return;
      }
      if (backwards) {
        const from = streamOptions.hasEnd() ? stream.length - 1 : streamOptions.hasStart() ? 0 : Number(streamOptions.getRevision());
        selected = stream.slice(0, Math.min(from, stream.length - 1) + 1).reverse();
      } else {
        const from = streamOptions.hasEnd() ? stream.length : streamOptions.hasStart() ? 0 : Number(streamOptions.getRevision());
        selected = stream.slice(from);
      }
    } else {
      const allOptions = options.getAll()!;
      if (backwards) {
        if (allOptions.hasEnd()) selected = [...this.log].reverse();
        else if (allOptions.hasStart()) selected = [];
        else {
          const position = positionOf(allOptions.getPosition()!);
          selected = this.log.filter((event) => comparePositions(event, position) < 0).reverse();
        }
      } else if (allOptions.hasStart()) selected = this.log;
      else if (allOptions.hasEnd()) selected = [];
      else {
        const position = positionOf(allOptions.getPosition()!);
        selected = this.log.filter((event) => comparePositions(event, position) >= 0);
      }
    }
    for (const event of selected.slice(0, limit)) {
      if (call.cancelled) return;
      call.write(readResponse(event));
    }
    call.end();
  }

  private subscribeToAll(call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadReq.Options): void {
    const allOptions = options.getAll()!;
    const matches = filterOf(options);
    const confirmation = new ReadResp();
    const confirm = new ReadResp.SubscriptionConfirmation();
    confirm.setSubscriptionId(randomUUID());
    confirmation.setConfirmation(confirm);
    call.write(confirmation);

    let history: StoredEvent[];
    if (allOptions.hasEnd()) history = [];
    else if (allOptions.hasStart()) history = [...this.log];
    else {
      const position = positionOf(allOptions.getPosition()!);
      history = this.log.filter((event) => comparePositions(event, position) > 0);
    }
    const last = this.log[this.log.length - 1];
    const subscription: LiveSubscription = { call, matches, lastSent: last ? { commit: last.commit, prepare: last.prepare } : { commit: -1n, prepare: -1n } };
    for (const event of history) if (matches(event)) call.write(readResponse(event));
    if (options.hasFilter() && last) {
      const checkpoint = new ReadResp.Checkpoint();
      checkpoint.setCommitPosition(String(last.commit));
      checkpoint.setPreparePosition(String(last.prepare));
      const response = new ReadResp();
      response.setCheckpoint(checkpoint);
      call.write(response);
    }
    const caughtUp = new ReadResp();
    caughtUp.setCaughtUp(new ReadResp.CaughtUp());
    call.write(caughtUp);
    // the catch-up above ran synchronously, so nothing was appended meanwhile: live starts right here
    this.subscriptions.add(subscription);
    call.on('cancelled', () => this.subscriptions.delete(subscription));
    call.on('error', () => this.subscriptions.delete(subscription));
    call.on('close', () => this.subscriptions.delete(subscription));
  }

  private sendLive(subscription: LiveSubscription, event: StoredEvent): void {
    if (subscription.call.cancelled) {
      this.subscriptions.delete(subscription);
      return;
    }
    subscription.lastSent = { commit: event.commit, prepare: event.prepare };
    if (subscription.matches(event)) subscription.call.write(readResponse(event));
  }
}

// ------------------------------------------------------------------------------------------------
// protobuf helpers

function statusError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

function streamNameOf(identifier: StreamIdentifier | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}

function uuidString(uuid: UUID | undefined): string {
  if (!uuid) return '';
  if (uuid.hasString()) return uuid.getString();
  const structured = uuid.getStructured()!;
  const buffer = Buffer.alloc(16);
  buffer.writeBigInt64BE(BigInt(structured.getMostSignificantBits()), 0);
  buffer.writeBigInt64BE(BigInt(structured.getLeastSignificantBits()), 8);
  const hex = buffer.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toProposed(message: AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage): Proposed {
  const metadata = message.getMetadataMap();
  return {
    id: uuidString(message.getId()),
    type: metadata.get('type') ?? '',
    contentType: metadata.get('content-type') ?? 'application/octet-stream',
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

function appendExpected(options: AppendReq.Options): Expected {
  if (options.hasRevision()) return { kind: 'revision', revision: Number(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function batchExpected(options: BatchAppendReq.Options): Expected {
  if (options.hasStreamPosition()) return { kind: 'revision', revision: Number(options.getStreamPosition()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function positionOf(position: ReadReq.Options.Position): { commit: bigint; prepare: bigint } {
  return { commit: BigInt(position.getCommitPosition()), prepare: BigInt(position.getPreparePosition()) };
}

function comparePositions(event: { commit: bigint; prepare: bigint }, position: { commit: bigint; prepare: bigint }): number {
  if (event.commit !== position.commit) return event.commit < position.commit ? -1 : 1;
  if (event.prepare !== position.prepare) return event.prepare < position.prepare ? -1 : 1;
  return 0;
}

function filterOf(options: ReadReq.Options): (event: StoredEvent) => boolean {
  if (!options.hasFilter()) return () => true;
  const filter = options.getFilter()!;
  const onType = filter.hasEventType();
  const expression = onType ? filter.getEventType()! : filter.getStreamIdentifier()!;
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const prefixes = expression.getPrefixList();
  return (event) => {
    const subject = onType ? event.type : event.streamName;
    if (regex) return regex.test(subject);
    return prefixes.some((prefix) => subject.startsWith(prefix));
  };
}

function readResponse(event: StoredEvent): ReadResp {
  const recorded = new ReadResp.ReadEvent.RecordedEvent();
  const id = new UUID();
  id.setString(event.id);
  recorded.setId(id);
  const identifier = new StreamIdentifier();
  identifier.setStreamName(Buffer.from(event.streamName, 'utf8'));
  recorded.setStreamIdentifier(identifier);
  recorded.setStreamRevision(String(event.revision));
  recorded.setCommitPosition(String(event.commit));
  recorded.setPreparePosition(String(event.prepare));
  recorded.getMetadataMap().set('type', event.type);
  recorded.getMetadataMap().set('content-type', event.contentType);
  recorded.getMetadataMap().set('created', String(event.createdTicks));
  recorded.setCustomMetadata(event.customMetadata);
  recorded.setData(event.data);
  const readEvent = new ReadResp.ReadEvent();
  readEvent.setEvent(recorded);
  readEvent.setCommitPosition(String(event.commit));
  const response = new ReadResp();
  response.setEvent(readEvent);
  return response;
}
