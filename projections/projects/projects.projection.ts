/**
 * The `projects` projection: every registered project with its approved amount and status over time
 * (registered / closed / cancelled, each with date and position, so "as of" is a WHERE clause).
 * What a project was paid is not kept here: it is the flows into its enterprise stamped with its id
 * (money projection), so reversals and clawbacks are counted once, in one place.
 */
import type { ProjectRegistered } from '../../src/domain/events';
import type { RecordedEvent } from '../../src/event-store/event-store.port';
import type { Projection, ProjectionWorker } from '../projection';
import type { Row, WriteBatch } from '../read-model';
import { PROJECT_TABLE } from '../tables';

export const projectsProjection: Projection = {
  name: 'projects',
  description: { zh: '项目库（登记、进度、结项、撤销）', en: 'project registry (registered, progress, closed, cancelled)' },
  tables: [PROJECT_TABLE],
  async open() {
    return new ProjectsWorker();
  },
};

export class ProjectsWorker implements ProjectionWorker {
  /** Projects registered in this batch (full rows), and changes to projects of earlier batches. */
  readonly rows = new Map<string, Row>();
  readonly updates: Array<{ sql: string; params: unknown[] }> = [];

  async prepare(): Promise<void> {}

  apply(event: RecordedEvent): void {
    const data = event.data as { fundId: string; projectId: string; percent?: number };
    const date = event.metadata.occurredAt;
    const key = `${data.fundId}|${data.projectId}`;
    switch (event.type) {
      case 'ProjectRegistered': {
        const registered = event.data as ProjectRegistered['data'];
        this.rows.set(key, {
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
          progress_percent: 0,
          closed_on: null,
          closed_position: null,
          cancelled_on: null,
          cancelled_position: null,
        });
        return;
      }
      case 'ProjectProgressReported':
        return this.change(key, data, { progress_percent: data.percent! });
      case 'ProjectClosed':
        return this.change(key, data, { closed_on: date, closed_position: event.position });
      case 'ProjectCancelled':
        return this.change(key, data, { cancelled_on: date, cancelled_position: event.position });
      default:
        return;
    }
  }

  private change(key: string, data: { fundId: string; projectId: string }, values: Row): void {
    const row = this.rows.get(key);
    if (row) {
      Object.assign(row, values);
      return;
    }
    const names = Object.keys(values);
    this.updates.push({
      sql: `UPDATE {pj_project} SET ${names.map((name) => `"${name}" = ?`).join(', ')} WHERE fund_id = ? AND project_id = ?`,
      params: [...names.map((name) => values[name]), data.fundId, data.projectId],
    });
  }

  flush(batch: WriteBatch): void {
    batch.upsert(PROJECT_TABLE, [...this.rows.values()]);
    for (const update of this.updates) batch.run(update.sql, update.params);
  }

  committed(): void {
    this.rows.clear();
    this.updates.length = 0;
  }
}
