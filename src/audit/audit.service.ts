/**
 * The auditor's tools over one runtime, shared by the HTTP API and the CLI: each answer is computed from
 * the events (and, for the county league table, from the projections' read model).
 */
import { NotFoundException } from '@nestjs/common';
import type { Runtime } from '../app/runtime';
import { type Holder, fundIdOfStream } from '../domain';
import type { Actor } from '../event-store/event-store.port';
import { buildAwardIndex } from './awards';
import { findDuplicates } from './duplicates';
import { enterpriseHistory, findEnterprise } from './enterprise';
import { forEachInLog, readFundStream, readHolders, readWholeLog } from './history';
import { type ImportReport, importLedgerFile } from './import/importer';
import { type LeagueTable, leagueTable } from './league';
import { type ReportedFigures, ledgerFigures, reconcile } from './reconcile';
import { type AsOf, type ReplayFilter, differenceBetween, replayFund, stateAsOf } from './replay';
import { type Digest, LogVerifier } from './verify';

export class AuditService {
  constructor(private readonly runtime: Runtime) {}

  private async fund(fundId: string) {
    const [events, holders] = await Promise.all([readFundStream(this.runtime.store, fundId), readHolders(this.runtime.store)]);
    if (events.length === 0) {
      throw new NotFoundException({ error: 'not-found', message: `fund ${fundId} not found`, message_zh: `专项资金 ${fundId} 不存在`, message_en: `fund ${fundId} not found` });
    }
    return { events, holders };
  }

  async replay(fundId: string, filter: ReplayFilter = {}) {
    const { events, holders } = await this.fund(fundId);
    return { filter, ...replayFund(events, holders, filter) };
  }

  async state(fundId: string, asOf: AsOf = {}) {
    const { events, holders } = await this.fund(fundId);
    return stateAsOf(events, holders, asOf);
  }

  async difference(fundId: string, from: string, to: string) {
    const { events, holders } = await this.fund(fundId);
    return differenceBetween(events, holders, from, to);
  }

  async verify(options: { fundId?: string; against?: Digest; onProgress?: (read: number, head: number) => void } = {}) {
    if (options.fundId) await this.fund(options.fundId);
    const verifier = new LogVerifier({ fundId: options.fundId, against: options.against });
    await forEachInLog(this.runtime.store, (event) => verifier.visit(event), options.onProgress);
    return verifier.finish(await this.runtime.store.headPosition());
  }

  private async awards() {
    const [events, holders] = await Promise.all([readWholeLog(this.runtime.store), readHolders(this.runtime.store)]);
    return buildAwardIndex(events, holders);
  }

  async duplicates() {
    return findDuplicates(await this.awards());
  }

  async enterprise(query: string) {
    const index = await this.awards();
    let enterprise: Holder;
    try {
      enterprise = findEnterprise(index.holders, query);
    } catch (error) {
      const candidates = (error as { candidates?: Holder[] }).candidates ?? [];
      throw new NotFoundException({
        error: 'not-found',
        message: (error as Error).message,
        message_zh: candidates.length ? `“${query}”对应 ${candidates.length} 家企业，请用编号或统一社会信用代码` : `没有与“${query}”相符的企业`,
        message_en: (error as Error).message,
        candidates: candidates.map((holder) => ({ holderId: holder.holderId, name: holder.name, creditCode: holder.creditCode })),
      });
    }
    return enterpriseHistory(index, enterprise);
  }

  async reconcile(fundId: string, reported: ReportedFigures, asOf: AsOf = {}) {
    const { events, holders } = await this.fund(fundId);
    return reconcile(ledgerFigures(events, holders, asOf), reported, asOf);
  }

  async league(fundId: string, asOf: AsOf = {}): Promise<LeagueTable> {
    await this.fund(fundId);
    return leagueTable(this.runtime.projections, fundId, asOf);
  }

  async funds(): Promise<string[]> {
    const ids = new Set<string>();
    await forEachInLog(this.runtime.store, (event) => {
      const fundId = fundIdOfStream(event.streamId);
      if (fundId) ids.add(fundId);
    });
    return [...ids];
  }

  import(filename: string, content: Buffer, options: { actor: Actor; dryRun?: boolean; onProgress?: (phase: 'check' | 'append', done: number, total: number) => void }): Promise<ImportReport> {
    return importLedgerFile(this.runtime.ledger, this.runtime.store, filename, content, options);
  }
}
