/**
 * The read-model tables. Names are prefixed `pj_` so that they can share a database with anything else.
 *
 * The centre is `pj_flow`: one row per piece of money that moved (a movement of `movementsOf(event)` split
 * by the FIFO lots it consumed). The same row is also the lot the money forms where it arrived, with what is
 * left of it (`remaining_fen`) and when it was used up (`closed_position`, and `last_out_on`: the latest date money was taken from it). So:
 *  - a balance as of a date/position is `SUM(in) − SUM(out)` over flows `WHERE occurred_at <= ?` / `position <= ?`;
 *  - the lots held as of a cut are flows into the place with `occurred_at <= cut` and not closed by the cut,
 *    minus their consumptions (`source_lot_id`) up to the cut;
 *  - dwell time of money sent on is `dwell_days` of the flows out of a place;
 *  - execution is the flows into (and back out of) enterprises, grouped by the lot's attribution columns.
 */
import type { TableSpec } from './read-model';

export const CHECKPOINT_TABLE: TableSpec = {
  name: 'pj_checkpoint',
  columns: [
    { name: 'name', type: 'text' },
    { name: 'position', type: 'bigint' },
    { name: 'updated_at', type: 'text' },
  ],
  primary: ['name'],
  indexes: [],
};

/** The shape each projection's tables had when they were filled (runner.ts rebuilds a projection whose shape changed). */
export const SCHEMA_TABLE: TableSpec = {
  name: 'pj_schema',
  columns: [
    { name: 'name', type: 'text' },
    { name: 'fingerprint', type: 'text' },
  ],
  primary: ['name'],
  indexes: [],
};

export const HOLDER_TABLE: TableSpec = {
  name: 'pj_holder',
  columns: [
    { name: 'holder_id', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'name_en', type: 'text', nullable: true },
    { name: 'level', type: 'text' },
    { name: 'county_code', type: 'text', nullable: true },
    { name: 'county_name', type: 'text', nullable: true },
    { name: 'registered_position', type: 'bigint' },
  ],
  primary: ['holder_id'],
  indexes: [],
};

export const FUND_TABLE: TableSpec = {
  name: 'pj_fund',
  columns: [
    { name: 'fund_id', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'fiscal_year', type: 'int' },
    { name: 'budget_fen', type: 'bigint' },
    { name: 'city_finance_holder_id', type: 'text' },
    { name: 'appropriated_on', type: 'text' },
    { name: 'appropriated_position', type: 'bigint' },
  ],
  primary: ['fund_id'],
  indexes: [],
};

export const ALLOCATION_TABLE: TableSpec = {
  name: 'pj_allocation',
  columns: [
    { name: 'fund_id', type: 'text' },
    { name: 'allocation_id', type: 'text' },
    { name: 'event_id', type: 'text' },
    { name: 'document', type: 'text' },
    { name: 'channel', type: 'text' },
    { name: 'amount_fen', type: 'bigint' },
    { name: 'issued_on', type: 'text' },
    { name: 'issued_position', type: 'bigint' },
    { name: 'reversed_on', type: 'text', nullable: true },
    { name: 'reversed_position', type: 'bigint', nullable: true },
  ],
  primary: ['fund_id', 'allocation_id'],
  indexes: [],
};

/**
 * Predicates of PostgreSQL's partial indexes of pj_flow, written exactly as the queries write them (queries.ts): the
 * planner uses a partial index only when it can prove the query's WHERE implies the index's.
 */
export const NOT_AT_ENTERPRISE = "NOT (to_kind = 'holder' AND to_level = 'enterprise')";
export const MOVE_TYPES = "('AllocationIssued', 'FundsReturned', 'TransferSent', 'TransferReceived')";
const MOVES = `event_type IN ${MOVE_TYPES} OR reversed_type IN ${MOVE_TYPES}`;

export const FLOW_TABLE: TableSpec = {
  name: 'pj_flow',
  columns: [
    /** position × 1000 + the piece's sequence within its event: increasing in log order. */
    { name: 'id', type: 'bigint' },
    { name: 'fund_id', type: 'text' },
    { name: 'position', type: 'bigint' },
    { name: 'occurred_at', type: 'text' },
    { name: 'event_id', type: 'text' },
    { name: 'event_type', type: 'text' },
    { name: 'reversed_type', type: 'text', nullable: true },
    { name: 'from_kind', type: 'text' },
    { name: 'from_id', type: 'text' },
    { name: 'from_level', type: 'text', nullable: true },
    { name: 'from_county', type: 'text', nullable: true },
    { name: 'to_kind', type: 'text' },
    { name: 'to_id', type: 'text' },
    { name: 'to_level', type: 'text', nullable: true },
    { name: 'to_county', type: 'text', nullable: true },
    { name: 'amount_fen', type: 'bigint' },
    /** The lot this piece was taken from (null when it came from outside the fund). */
    { name: 'source_lot_id', type: 'bigint', nullable: true },
    /** The age the piece had at its source (the source lot's age_from). */
    { name: 'source_age_from', type: 'text', nullable: true },
    /** Days the piece sat at its source before this move: occurred_at − source_age_from. */
    { name: 'dwell_days', type: 'int', nullable: true },
    /** Where the clock of the lot starts at its new place (the arrival date, or the restored one after a reversal). */
    { name: 'age_from', type: 'text' },
    { name: 'origin_event_id', type: 'text' },
    { name: 'back_age_from', type: 'text', nullable: true },
    { name: 'back_origin_event_id', type: 'text', nullable: true },
    { name: 'back_back_age_from', type: 'text', nullable: true },
    /** Attribution carried along with the money through FIFO: allocation document, support direction, project, county. */
    { name: 'allocation_id', type: 'text', nullable: true },
    { name: 'direction', type: 'text', nullable: true },
    { name: 'project_id', type: 'text', nullable: true },
    { name: 'county_code', type: 'text', nullable: true },
    { name: 'remaining_fen', type: 'bigint' },
    /** The latest business date money was taken from this lot (so "used up as of date D" is closed and `last_out_on <= D`). */
    { name: 'last_out_on', type: 'text', nullable: true },
    { name: 'closed_position', type: 'bigint', nullable: true },
  ],
  /**
   * Clustered by fund: every query reads one fund, and on SQLite (WITHOUT ROWID, the table is its primary key's
   * B-tree) a fund's rows are then contiguous pages read in one range scan, with no index-to-row lookups; a cut
   * (`occurred_at <= ?`, `position <= ?`) is a filter on that scan (a fund is ~10,000 rows at 1M events). This is
   * what brought the as-of queries under 20 ms. PostgreSQL's heap is not clustered: it keeps (fund, date) and
   * (fund, position) indexes.
   */
  primary: ['fund_id', 'id'],
  indexes: [
    { name: 'pj_flow_fund_date', columns: ['fund_id', 'occurred_at'], engines: ['postgres'] },
    { name: 'pj_flow_fund_position', columns: ['fund_id', 'position'], engines: ['postgres'] },
    // PostgreSQL: a fund's flows are ~4,300 heap rows at 1M events, and a query that needs a fifth of them should not
    // visit them all (SQLite reads the fund's contiguous primary-key range; PostgreSQL pays a heap visit per row).
    // Lots held up outside enterprises (dwell, held-up): ~22 % of the flows; live, the open ones: ~36 rows a fund.
    { name: 'pj_flow_held_open', columns: ['fund_id'], where: `remaining_fen > 0 AND ${NOT_AT_ENTERPRISE}`, engines: ['postgres'] },
    { name: 'pj_flow_held_date', columns: ['fund_id', 'occurred_at'], where: NOT_AT_ENTERPRISE, engines: ['postgres'] },
    { name: 'pj_flow_held_position', columns: ['fund_id', 'position'], where: NOT_AT_ENTERPRISE, engines: ['postgres'] },
    // execution's allocated / swept / arrival figures: flows of four event types and their reversals (~21 %)
    { name: 'pj_flow_moves_date', columns: ['fund_id', 'occurred_at'], where: MOVES, engines: ['postgres'] },
    { name: 'pj_flow_moves_position', columns: ['fund_id', 'position'], where: MOVES, engines: ['postgres'] },
    { name: 'pj_flow_source', columns: ['source_lot_id'] },
    // open lots: the live "held now" queries, and loading an evicted place back into memory
    { name: 'pj_flow_open', columns: ['fund_id', 'to_kind', 'to_id'], where: 'remaining_fen > 0', keepDuringRebuild: true },
  ],
};

export const PROJECT_TABLE: TableSpec = {
  name: 'pj_project',
  columns: [
    { name: 'fund_id', type: 'text' },
    { name: 'project_id', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'enterprise_holder_id', type: 'text' },
    { name: 'county_code', type: 'text' },
    { name: 'county_name', type: 'text' },
    { name: 'direction', type: 'text' },
    { name: 'category', type: 'text' },
    { name: 'batch', type: 'int' },
    { name: 'approved_fen', type: 'bigint' },
    { name: 'registered_on', type: 'text' },
    { name: 'registered_position', type: 'bigint' },
    { name: 'closed_on', type: 'text', nullable: true },
    { name: 'closed_position', type: 'bigint', nullable: true },
    { name: 'cancelled_on', type: 'text', nullable: true },
    { name: 'cancelled_position', type: 'bigint', nullable: true },
  ],
  primary: ['fund_id', 'project_id'],
  indexes: [],
};

/**
 * Progress reports, one row per ProjectProgressReported event, appended in log order (primary key: its position).
 * Why not a `progress_percent` column of pj_project updated in place: the 1M-event history has 447,554 reports,
 * and a random-key UPDATE per report (a B-tree seek and a rewritten page each) was a quarter of the rebuild's
 * time; an append at the end of a rowid table is the cheapest write SQLite has. The latest report of a project is
 * its current progress, and the table answers "progress as of a date/position" for free. No secondary index: no
 * query of the projections reads it yet (add one with the first that does).
 */
export const PROJECT_PROGRESS_TABLE: TableSpec = {
  name: 'pj_project_progress',
  columns: [
    { name: 'position', type: 'bigint' },
    { name: 'fund_id', type: 'text' },
    { name: 'project_id', type: 'text' },
    { name: 'percent', type: 'int' },
    { name: 'reported_on', type: 'text' },
  ],
  primary: ['position'],
  indexes: [],
};
