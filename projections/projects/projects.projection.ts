/**
 * The `projects` projection: every registered project with its approved amount and status over time
 * (registered / closed / cancelled, each with date and position, so "as of" is a WHERE clause).
 * What a project was paid is not kept here: it is the flows into its enterprise stamped with its id
 * (money projection), so reversals and clawbacks are counted once, in one place.
 */
import type { ProjectRegistered } from '../../src/domain/events';
import type { ProjectionEvent } from '../../src/event-store/event-store.port';
import type { Projection, ProjectionWorker } from '../projection';
import type { Row, WriteBatch } from '../read-model';
import { PROJECT_PROGRESS_TABLE, PROJECT_TABLE } from '../tables';

export const projectsProjection: Projection = {
  name: 'projects',
  description: { zh: '项目库（登记、进度、结项、撤销）', en: 'project registry (registered, progress, closed, cancelled)' },
  tables: [PROJECT_TABLE, PROJECT_PROGRESS_TABLE],
  handles: ['ProjectRegistered', 'ProjectProgressReported', 'ProjectClosed', 'ProjectCancelled'],
  async open() {
    return new ProjectsWorker();
  },
};

export class ProjectsWorker implements ProjectionWorker {
  /** Projects registered in this batch (full rows). */
  readonly rows = new Map<string, Row>();
  /**
   * Closes and cancels of projects of earlier batches, merged per project and written as one narrow UPDATE per
   * project and kind of change with a fixed statement (before: an SQL text built per event, one UPDATE each).
   */
  readonly changes = new Map<string, ProjectChange>();
  /** Progress reports of this batch, appended to pj_project_progress (see tables.ts for why not an UPDATE). */
  progress: Row[] = [];

  async prepare(): Promise<void> {}

  apply(event: ProjectionEvent): void {
    const data = event.data as { fundId: string; projectId: string; percent?: number };
    const date = event.metadata.occurredAt;
    switch (event.type) {
      case 'ProjectRegistered': {
        const registered = event.data as ProjectRegistered['data'];
        this.rows.set(`${data.fundId}|${data.projectId}`, {
          fund_id: registered.fundId,
          project_id: registered.projectId,
          name: registered.name,
          enterprise_holder_id: registered.enterpriseHolderId,
          county_code: registered.county.code,
          county_name: registered.county.name,
          direction: registered.direction,
          category: registered.category,
          batch: registered.batch,
          approved_fen: registered.approvedFen,
          registered_on: date,
          registered_position: event.position,
          closed_on: null,
          closed_position: null,
          cancelled_on: null,
          cancelled_position: null,
        });
        return;
      }
      case 'ProjectProgressReported':
        this.progress.push({ position: event.position, fund_id: data.fundId, project_id: data.projectId, percent: data.percent!, reported_on: date });
        return;
      case 'ProjectClosed':
        return this.change(data, (change) => (change.closed = { fund_id: data.fundId, project_id: data.projectId, closed_on: date, closed_position: event.position }));
      case 'ProjectCancelled':
        return this.change(data, (change) => (change.cancelled = { fund_id: data.fundId, project_id: data.projectId, cancelled_on: date, cancelled_position: event.position }));
      default:
        return;
    }
  }

  private change(data: { fundId: string; projectId: string }, set: (change: ProjectChange) => void): void {
    const key = `${data.fundId}|${data.projectId}`;
    const row = this.rows.get(key);
    if (row) {
      const change: ProjectChange = {};
      set(change);
      Object.assign(row, change.closed ?? change.cancelled);
      return;
    }
    let change = this.changes.get(key);
    if (!change) this.changes.set(key, (change = {}));
    set(change);
  }

  flush(batch: WriteBatch): void {
    // Projects registered by events after the checkpoint are new rows: the fund's decider refuses a project id it
    // has seen (requireNewId), so no earlier event put the key in the table; a plain INSERT (COPY on PostgreSQL for a
    // rebuild's thousands) has no conflict clause to evaluate. A log that broke the rule would fail here, loudly.
    // In key order (fund, project): consecutive rows land on the same B-tree leaf of the WITHOUT ROWID table.
    batch.insert(PROJECT_TABLE, [...this.rows.values()].sort(byProjectKey));
    batch.insert(PROJECT_PROGRESS_TABLE, this.progress);
    const closed: Row[] = [];
    const cancelled: Row[] = [];
    for (const change of this.changes.values()) {
      if (change.closed) closed.push(change.closed);
      if (change.cancelled) cancelled.push(change.cancelled);
    }
    closed.sort(byProjectKey);
    cancelled.sort(byProjectKey);
    batch.update(PROJECT_TABLE, ['closed_on', 'closed_position'], PROJECT_KEY, closed);
    batch.update(PROJECT_TABLE, ['cancelled_on', 'cancelled_position'], PROJECT_KEY, cancelled);
  }

  handedOver(): void {
    this.rows.clear();
    this.changes.clear();
    this.progress = [];
  }
}

const PROJECT_KEY = ['fund_id', 'project_id'] as const;

function byProjectKey(a: Row, b: Row): number {
  const fundA = a.fund_id as string;
  const fundB = b.fund_id as string;
  if (fundA !== fundB) return fundA < fundB ? -1 : 1;
  const projectA = a.project_id as string;
  const projectB = b.project_id as string;
  return projectA < projectB ? -1 : projectA > projectB ? 1 : 0;
}

interface ProjectChange {
  closed?: Row;
  cancelled?: Row;
}
