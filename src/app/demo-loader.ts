/** Loads the demo fund (the Hohhot 2022 fund of the evaluation report) through the ledger, step by step. */
import { HOLDERS_STREAM } from '../domain';
import { buildHohhot2022Script } from '../demo/hohhot-2022';
import { demoEventId, parseDemoEventRef } from '../demo/demo-script';
import type { Ledger } from '../ledger/ledger';
import { uuidFromName } from '../shared/ids';

export interface DemoProgress {
  (done: number, total: number): void;
}

/**
 * Event ids are name-based UUIDs of the script's own event names, so that a reversal in the script
 * (冲正, naming its target as `<fund>/<type>/<business id>`) finds the real event, and loading twice,
 * or resuming an interrupted load, has one effect (the idempotency key of each step does the same).
 */
export async function loadDemo(ledger: Ledger, onProgress?: DemoProgress): Promise<{ steps: number; events: number }> {
  const steps = buildHohhot2022Script();
  let events = 0;
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index];
    const streamKey = 'holder' in step ? HOLDERS_STREAM : step.fundId;
    const context = {
      actor: 'actor' in step ? step.actor : { id: 'demo-loader', role: 'admin' },
      idempotencyKey: `demo:hohhot-2022:${index}`,
      eventIdFor: (event: Parameters<typeof demoEventId>[1], version: number) => uuidFromName(demoEventId(streamKey, event, version)),
    };
    let result;
    if ('holder' in step) {
      result = await ledger.registerHolder(step.holder, context);
    } else {
      const command = step.command.kind === 'ReverseEvent' && parseDemoEventRef(step.command.eventId)
        ? { ...step.command, eventId: uuidFromName(step.command.eventId) }
        : step.command;
      result = await ledger.executeFund(step.fundId, command, context);
    }
    if (!result.replayed) events += result.events.length;
    onProgress?.(index + 1, steps.length);
  }
  return { steps: steps.length, events };
}
