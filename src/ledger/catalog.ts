/**
 * What the ledger lists: funds and projects across streams. Follows the log in global order
 * (pull-based: `catchUp()` reads what it has not seen yet), so every process sees every fund,
 * including those other processes created.
 */
import type { FundAppropriated, ProjectRegistered, SupportCategory } from '../domain';
import { fundIdOfStream } from '../domain';
import type { EventStore } from '../event-store/event-store.port';
import { readAllForProjection } from '../event-store/read-all';
import { KeyedLock } from '../shared/keyed-lock';

export interface FundEntry {
  fundId: string;
  name: string;
  nameEn?: string;
  fiscalYear: number;
  budgetFen: number;
  appropriatedOn: string;
}

export interface ProjectEntry {
  projectId: string;
  fundId: string;
  name: string;
  enterpriseHolderId: string;
  countyCode: string;
  countyName: string;
  parkHolderId?: string;
  direction: string;
  batch: number;
  category: SupportCategory;
  approvedFen: number;
  paidFen: number;
  progressPercent: number;
  status: 'registered' | 'closed' | 'cancelled';
  registeredOn: string;
}

const CATCH_UP_BATCH = 5_000;

export class Catalog {
  readonly funds = new Map<string, FundEntry>();
  readonly projects = new Map<string, ProjectEntry>();
  private position = 0;
  private readonly lock = new KeyedLock();

  constructor(private readonly store: EventStore) {}

  catchUp(): Promise<void> {
    return this.lock.run('catalog', async () => {
      for (;;) {
        // the lean read where the store has one: no hashes, of the metadata only the business date
        const batch = await readAllForProjection(this.store, { after: this.position, limit: CATCH_UP_BATCH });
        for (const event of batch) {
          this.apply(event.type, event.data as Record<string, unknown>, event.metadata.occurredAt, event.streamId);
          this.position = event.position;
        }
        if (batch.length < CATCH_UP_BATCH) return;
      }
    });
  }

  private apply(type: string, data: Record<string, unknown>, occurredAt: string, streamId: string): void {
    const fundId = fundIdOfStream(streamId);
    if (!fundId) return;
    switch (type) {
      case 'FundAppropriated': {
        const fund = data as FundAppropriated['data'];
        this.funds.set(fundId, {
          fundId,
          name: fund.name,
          nameEn: fund.nameEn,
          fiscalYear: fund.fiscalYear,
          budgetFen: fund.budgetFen,
          appropriatedOn: occurredAt,
        });
        break;
      }
      case 'ProjectRegistered': {
        const project = data as ProjectRegistered['data'];
        this.projects.set(project.projectId, {
          projectId: project.projectId,
          fundId,
          name: project.name,
          enterpriseHolderId: project.enterpriseHolderId,
          countyCode: project.county.code,
          countyName: project.county.name,
          parkHolderId: project.parkHolderId,
          direction: project.direction,
          batch: project.batch,
          category: project.category,
          approvedFen: project.approvedFen,
          paidFen: 0,
          progressPercent: 0,
          status: 'registered',
          registeredOn: occurredAt,
        });
        break;
      }
      case 'PayoutMade':
        this.projectOf(data).paidFen += data.amountFen as number;
        break;
      case 'EventReversed':
        if (data.reversedType === 'PayoutMade' && data.projectId) {
          const payout = (data.movements as Array<{ amountFen: number }>)[0];
          this.projectOf(data).paidFen -= payout.amountFen;
        }
        break;
      case 'ProjectProgressReported':
        this.projectOf(data).progressPercent = data.percent as number;
        break;
      case 'ProjectClosed':
        this.projectOf(data).status = 'closed';
        break;
      case 'ProjectCancelled':
        this.projectOf(data).status = 'cancelled';
        break;
    }
  }

  private projectOf(data: Record<string, unknown>): ProjectEntry {
    const project = this.projects.get(data.projectId as string);
    if (!project) throw new Error(`invariant: event names project ${String(data.projectId)} before its registration`);
    return project;
  }
}
