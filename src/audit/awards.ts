/**
 * Awards across funds and years, from the whole log: every project (its registration is the award: an
 * approved amount for an enterprise in a support direction), every payout and what became of it.
 * The duplicate-award check and the enterprise history both read this index.
 */
import { type Holder, type LedgerEvent, CATEGORY_NAMES, fundIdOfStream } from '../domain';
import type { RecordedEvent } from '../event-store/event-store.port';

export interface AwardFund {
  fundId: string;
  name: string;
  fiscalYear: number;
}

export interface AwardPayout {
  payoutId: string;
  eventId: string;
  position: number;
  fundId: string;
  projectId: string;
  fromHolderId: string;
  amountFen: number;
  paidOn: string;
  document?: string;
  allocationId?: string;
  batchId?: string;
  reversedBy?: { eventId: string; on: string; reason: string };
}

export interface AwardProject {
  projectId: string;
  fundId: string;
  fiscalYear: number;
  name: string;
  enterpriseHolderId: string;
  countyCode: string;
  countyName: string;
  direction: string;
  category: string;
  batch: number;
  approvedFen: number;
  registeredOn: string;
  registeredPosition: number;
  /** The document the project was approved under (registration), else its payouts'. */
  document?: string;
  status: 'registered' | 'closed' | 'cancelled';
  statusOn?: string;
  progressPercent: number;
  payouts: AwardPayout[];
  /** Net of reversals. */
  paidFen: number;
  /** Channels (资金渠道) the money came through: allocation documents of the payouts, or the registration document. */
  channels: string[];
  /** Units that paid it. */
  payers: string[];
}

export interface EnterpriseReturn {
  fundId: string;
  returnId: string;
  eventId: string;
  kind: string;
  fromHolderId: string;
  toHolderId: string;
  amountFen: number;
  on: string;
  reason: string;
}

export interface AwardIndex {
  funds: Map<string, AwardFund>;
  projects: Map<string, AwardProject>;
  /** Money enterprises gave back (clawbacks, returns). */
  returns: EnterpriseReturn[];
  holders: ReadonlyMap<string, Holder>;
  /** fundId → allocationId → document */
  allocationDocuments: Map<string, Map<string, string>>;
}

export function buildAwardIndex(events: readonly RecordedEvent[], holders: ReadonlyMap<string, Holder>): AwardIndex {
  const index: AwardIndex = { funds: new Map(), projects: new Map(), returns: [], holders, allocationDocuments: new Map() };
  const payoutsByEvent = new Map<string, AwardPayout>();
  const projectKey = (fundId: string, projectId: string) => `${fundId}/${projectId}`;
  for (const recorded of events) {
    const fundId = fundIdOfStream(recorded.streamId);
    if (!fundId) continue;
    const event = { type: recorded.type, data: recorded.data } as LedgerEvent;
    const on = recorded.metadata.occurredAt;
    switch (event.type) {
      case 'FundAppropriated':
        index.funds.set(fundId, { fundId, name: event.data.name, fiscalYear: event.data.fiscalYear });
        break;
      case 'AllocationIssued': {
        const documents = index.allocationDocuments.get(fundId) ?? new Map<string, string>();
        documents.set(event.data.allocationId, event.data.document);
        index.allocationDocuments.set(fundId, documents);
        break;
      }
      case 'ProjectRegistered':
        index.projects.set(projectKey(fundId, event.data.projectId), {
          projectId: event.data.projectId,
          fundId,
          fiscalYear: index.funds.get(fundId)?.fiscalYear ?? 0,
          name: event.data.name,
          enterpriseHolderId: event.data.enterpriseHolderId,
          countyCode: event.data.county.code,
          countyName: event.data.county.name,
          direction: event.data.direction,
          category: CATEGORY_NAMES[event.data.category]?.zh ?? event.data.category,
          batch: event.data.batch,
          approvedFen: event.data.approvedFen,
          registeredOn: on,
          registeredPosition: recorded.position,
          document: recorded.metadata.document,
          status: 'registered',
          progressPercent: 0,
          payouts: [],
          paidFen: 0,
          channels: [],
          payers: [],
        });
        break;
      case 'PayoutMade': {
        const project = index.projects.get(projectKey(fundId, event.data.projectId));
        const payout: AwardPayout = {
          payoutId: event.data.payoutId,
          eventId: recorded.eventId,
          position: recorded.position,
          fundId,
          projectId: event.data.projectId,
          fromHolderId: event.data.fromHolderId,
          amountFen: event.data.amountFen,
          paidOn: on,
          document: event.data.document,
          allocationId: event.data.allocationId,
          batchId: event.data.batchId,
        };
        payoutsByEvent.set(recorded.eventId, payout);
        if (project) {
          project.payouts.push(payout);
          project.paidFen += payout.amountFen;
        }
        break;
      }
      case 'EventReversed': {
        const payout = payoutsByEvent.get(event.data.reversedEventId);
        if (payout) {
          payout.reversedBy = { eventId: recorded.eventId, on, reason: event.data.reason };
          const project = index.projects.get(projectKey(fundId, payout.projectId));
          if (project) project.paidFen -= payout.amountFen;
        }
        break;
      }
      case 'FundsReturned':
        if (holders.get(event.data.fromHolderId)?.level === 'enterprise') {
          index.returns.push({ fundId, returnId: event.data.returnId, eventId: recorded.eventId, kind: event.data.kind, fromHolderId: event.data.fromHolderId, toHolderId: event.data.toHolderId, amountFen: event.data.amountFen, on, reason: event.data.reason });
        }
        break;
      case 'ProjectProgressReported': {
        const project = index.projects.get(projectKey(fundId, event.data.projectId));
        if (project) project.progressPercent = event.data.percent;
        break;
      }
      case 'ProjectClosed':
      case 'ProjectCancelled': {
        const project = index.projects.get(projectKey(fundId, event.data.projectId));
        if (project) Object.assign(project, { status: event.type === 'ProjectClosed' ? 'closed' : 'cancelled', statusOn: on });
        break;
      }
      default:
        break;
    }
  }
  for (const project of index.projects.values()) {
    const documents = index.allocationDocuments.get(project.fundId);
    const live = project.payouts.filter((payout) => !payout.reversedBy);
    const channels = new Set(live.map((payout) => (payout.allocationId && documents?.get(payout.allocationId)) || payout.document).filter((doc): doc is string => Boolean(doc)));
    if (channels.size === 0 && project.document) channels.add(project.document);
    project.channels = [...channels];
    project.payers = [...new Set(live.map((payout) => holders.get(payout.fromHolderId)?.name ?? payout.fromHolderId))];
    if (!project.document && project.channels.length) project.document = project.channels[0];
  }
  return index;
}
