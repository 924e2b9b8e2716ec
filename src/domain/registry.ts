/** The holder registry (stream `holders`): who can hold money. Holders are never removed. */
import type { RegisterHolder } from './commands';
import type { HolderRegistered } from './events';
import { type Holder, isValidCreditCode } from './holders';
import { refuse } from './refusal';

export interface HolderRegistryState {
  holders: Map<string, Holder>;
  byCreditCode: Map<string, string>;
  version: number;
}

export function initialRegistryState(): HolderRegistryState {
  return { holders: new Map(), byCreditCode: new Map(), version: -1 };
}

export function evolveRegistry(state: HolderRegistryState, event: HolderRegistered, version: number): HolderRegistryState {
  if (version !== state.version + 1) throw new Error(`invariant: holder registry expected version ${state.version + 1}, got ${version}`);
  state.version = version;
  const holder: Holder = { ...event.data };
  state.holders.set(holder.holderId, holder);
  if (holder.creditCode) state.byCreditCode.set(holder.creditCode, holder.holderId);
  return state;
}

export function decideRegisterHolder(command: RegisterHolder, state: HolderRegistryState): HolderRegistered {
  if (state.holders.has(command.holderId)) {
    refuse('duplicate-id', `单位编号 ${command.holderId} 已登记`, `holder ${command.holderId} is already registered`, { holderId: command.holderId });
  }
  if (command.level === 'enterprise' && !command.creditCode) {
    refuse('wrong-level', '企业必须填写统一社会信用代码', 'an enterprise needs its unified social credit code');
  }
  if (command.creditCode) {
    if (!isValidCreditCode(command.creditCode)) {
      refuse('wrong-level', `统一社会信用代码 ${command.creditCode} 校验位不符`, `unified social credit code ${command.creditCode} fails its check character`);
    }
    const other = state.byCreditCode.get(command.creditCode);
    if (other) {
      refuse('duplicate-id', `统一社会信用代码 ${command.creditCode} 已由 ${other} 登记`, `credit code ${command.creditCode} is already registered as ${other}`);
    }
  }
  if (['county-finance'].includes(command.level) && !command.county) {
    refuse('wrong-level', '旗县区财政局必须注明所属旗县区', 'a county finance bureau needs its county');
  }
  const data: HolderRegistered['data'] = { holderId: command.holderId, name: command.name, level: command.level };
  if (command.nameEn) data.nameEn = command.nameEn;
  if (command.county) data.county = command.county;
  if (command.creditCode) data.creditCode = command.creditCode;
  return { type: 'HolderRegistered', data };
}
