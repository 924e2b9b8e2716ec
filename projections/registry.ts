/**
 * Every projection the runner feeds. Adding a read model is adding it here: the runner finds no checkpoint
 * for it on the next start and catches it up from the beginning of the log, in batches, like a rebuild.
 */
import { moneyProjection } from './money/money.projection';
import type { Projection } from './projection';
import { projectsProjection } from './projects/projects.projection';

export const PROJECTIONS: readonly Projection[] = [moneyProjection, projectsProjection];

export function projectionNamed(name: string, projections: readonly Projection[] = PROJECTIONS): Projection {
  const projection = projections.find((candidate) => candidate.name === name);
  if (!projection) throw new Error(`no projection named ${name} (known: ${projections.map((p) => p.name).join(', ')})`);
  return projection;
}
