import { creditCodeCheckCharacter, decideRegisterHolder, evolveRegistry, initialRegistryState, isValidCreditCode, LedgerRefusal } from '../../src/domain';

const code = (first17: string) => first17 + creditCodeCheckCharacter(first17);

describe('holder registry', () => {
  it('registers a holder once, and refuses the same id again', () => {
    const state = initialRegistryState();
    const event = decideRegisterHolder({ kind: 'RegisterHolder', holderId: 'tmzq-finance', name: '土默特左旗财政局', level: 'county-finance', county: { code: '150121', name: '土默特左旗' } }, state);
    evolveRegistry(state, event, 0);
    expect(state.holders.get('tmzq-finance')?.county?.name).toBe('土默特左旗');
    expect(() => decideRegisterHolder({ kind: 'RegisterHolder', holderId: 'tmzq-finance', name: 'x', level: 'park' }, state)).toThrow(LedgerRefusal);
  });

  it('requires a valid unified social credit code for an enterprise, and refuses one registered twice', () => {
    const state = initialRegistryState();
    const valid = code('91150100MA0N00000');
    expect(isValidCreditCode(valid)).toBe(true);
    expect(() => decideRegisterHolder({ kind: 'RegisterHolder', holderId: 'e1', name: '企业', level: 'enterprise' }, state)).toThrow(/credit code/);
    const wrongCheck = valid.slice(0, 17) + (valid[17] === '0' ? '1' : '0');
    expect(() => decideRegisterHolder({ kind: 'RegisterHolder', holderId: 'e1', name: '企业', level: 'enterprise', creditCode: wrongCheck }, state)).toThrow(/check character/);
    evolveRegistry(state, decideRegisterHolder({ kind: 'RegisterHolder', holderId: 'e1', name: '企业', level: 'enterprise', creditCode: valid }, state), 0);
    expect(() => decideRegisterHolder({ kind: 'RegisterHolder', holderId: 'e2', name: '另一企业', level: 'enterprise', creditCode: valid }, state)).toThrow(/already registered as e1/);
  });

  it('requires a county for a county finance bureau', () => {
    expect(() => decideRegisterHolder({ kind: 'RegisterHolder', holderId: 'c', name: '财政局', level: 'county-finance' }, initialRegistryState())).toThrow(/county/);
  });
});
