/** Loads the demo fund (the Hohhot 2022 fund of the evaluation report) through the ledger, step by step. */
import { buildHohhot2022Script } from '../demo/hohhot-2022';
import type { Ledger } from '../ledger/ledger';

export interface DemoProgress {
  (done: number, total: number): void;
}

export async function loadDemo(ledger: Ledger, onProgress?: DemoProgress): Promise<{ steps: number; events: number }> {
  const steps = buildHohhot2022Script();
  let events = 0;
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index];
    // a deterministic key per step: loading the demo twice (or resuming an interrupted load) has one effect
    const context = { actor: 'actor' in step ? step.actor : { id: 'demo-loader', role: 'admin' }, idempotencyKey: `demo:hohhot-2022:${index}` };
    const result = 'holder' in step ? await ledger.registerHolder(step.holder, context) : await ledger.executeFund(step.fundId, step.command, context);
    if (!result.replayed) events += result.events.length;
    onProgress?.(index + 1, steps.length);
  }
  return { steps: steps.length, events };
}
