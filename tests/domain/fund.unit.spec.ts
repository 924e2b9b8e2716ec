import type { FundEvent, Holder } from '../../src/domain';
import { FUND, spec, stateFrom, type Given } from '../support/fund-spec';

const holders: Holder[] = [
  { holderId: 'city', name: '呼和浩特市财政局', level: 'city-finance' },
  { holderId: 'county', name: '土默特左旗财政局', level: 'county-finance', county: { code: '150121', name: '土默特左旗' } },
  { holderId: 'bureau', name: '土默特左旗工业和信息化局', level: 'department', county: { code: '150121', name: '土默特左旗' } },
  { holderId: 'park', name: '金山经济技术开发区', level: 'park', county: { code: '150121', name: '土默特左旗' } },
  { holderId: 'ent', name: '正耐电气股份有限公司', level: 'enterprise', county: { code: '150121', name: '土默特左旗' }, creditCode: '91150100MA0N000000' },
  { holderId: 'pool', name: '市本级统筹', level: 'pool' },
];
const { given } = spec(holders);

const at = (occurredAt: string, event: FundEvent, eventId?: string): Given => ({ event, occurredAt, eventId });
const appropriated = at('2022-03-01', { type: 'FundAppropriated', data: { fundId: FUND, name: '测试资金', fiscalYear: 2022, budgetFen: 1_000_000, cityFinanceHolderId: 'city' } });
const allocated = at('2022-03-10', { type: 'AllocationIssued', data: { fundId: FUND, allocationId: 'a1', document: '呼财工指〔2022〕28号', amountFen: 600_000, direction: '工业', cityFinanceHolderId: 'city' } }, 'ev-alloc');
const sent = at('2022-04-01', { type: 'TransferSent', data: { fundId: FUND, transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 500_000, allocationId: 'a1' } }, 'ev-sent');
const received = at('2022-04-10', { type: 'TransferReceived', data: { fundId: FUND, transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 500_000 } }, 'ev-received');
const project = at('2022-05-01', {
  type: 'ProjectRegistered',
  data: { fundId: FUND, projectId: 'p1', name: '固体绝缘环网开关柜', enterpriseHolderId: 'ent', county: { code: '150121', name: '土默特左旗' }, direction: '首台套', batch: 2, category: 'fulfilment', approvedFen: 300_000 },
});
const paid = at('2022-06-01', { type: 'PayoutMade', data: { fundId: FUND, payoutId: 'po1', fromHolderId: 'county', enterpriseHolderId: 'ent', projectId: 'p1', direction: '首台套', countyCode: '150121', amountFen: 100_000 } }, 'ev-paid');
const history = [appropriated, allocated, sent, received, project];

describe('fund decider: appropriation and allocation', () => {
  it('appropriates a fund whose budget sits unallocated at the city finance bureau', () => {
    given([]).when({ kind: 'AppropriateFund', fundId: FUND, name: '测试资金', fiscalYear: 2022, budgetFen: 1_000_000, cityFinanceHolderId: 'city', occurredAt: '2022-03-01' })
      .then([appropriated]);
    expect(stateFrom([appropriated]).unallocatedFen).toBe(1_000_000);
  });
  it('refuses a second appropriation of the same fund', () => {
    given([appropriated]).when({ kind: 'AppropriateFund', fundId: FUND, name: 'x', fiscalYear: 2022, budgetFen: 1, cityFinanceHolderId: 'city', occurredAt: '2022-03-01' }).thenRefuses('duplicate-id');
  });
  it('refuses a fund held by a holder that is not a city finance bureau, or unknown', () => {
    given([]).when({ kind: 'AppropriateFund', fundId: FUND, name: 'x', fiscalYear: 2022, budgetFen: 1, cityFinanceHolderId: 'county', occurredAt: '2022-03-01' }).thenRefuses('wrong-level');
    given([]).when({ kind: 'AppropriateFund', fundId: FUND, name: 'x', fiscalYear: 2022, budgetFen: 1, cityFinanceHolderId: 'nobody', occurredAt: '2022-03-01' }).thenRefuses('unknown-holder');
  });
  it('refuses any command on a fund that does not exist', () => {
    given([]).when({ kind: 'IssueAllocation', allocationId: 'a', document: 'd', amountFen: 1, direction: 'x', occurredAt: '2022-03-01' }).thenRefuses('unknown-fund');
  });
  it('issues an allocation by document, moving budget from unallocated to the city finance bureau', () => {
    given([appropriated]).when({ kind: 'IssueAllocation', allocationId: 'a1', document: '呼财工指〔2022〕28号', amountFen: 600_000, direction: '工业', occurredAt: '2022-03-10' }).then([allocated]);
    const state = stateFrom([appropriated, allocated]);
    expect([state.unallocatedFen, state.balances.get('city')]).toEqual([400_000, 600_000]);
  });
  it('refuses an allocation beyond the unallocated budget', () => {
    given([appropriated, allocated]).when({ kind: 'IssueAllocation', allocationId: 'a2', document: 'd', amountFen: 400_001, direction: 'x', occurredAt: '2022-03-10' }).thenRefuses('beyond-unallocated');
  });
  it('refuses a business date before the fund existed', () => {
    given([appropriated]).when({ kind: 'IssueAllocation', allocationId: 'a1', document: 'd', amountFen: 1, direction: 'x', occurredAt: '2022-02-28' }).thenRefuses('date-before-fund', /2022-03-01/);
  });
});

describe('fund decider: transfers', () => {
  it('sends a transfer: the money is in transit until received', () => {
    given([appropriated, allocated]).when({ kind: 'SendTransfer', transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 500_000, allocationId: 'a1', occurredAt: '2022-04-01' }).then([sent]);
    const state = stateFrom([appropriated, allocated, sent]);
    expect([state.balances.get('city'), state.balances.get('county') ?? 0, state.transfers.get('t1')!.status]).toEqual([100_000, 0, 'in-transit']);
  });
  it('refuses sending more than a holder holds (the unallocated budget cannot be sent)', () => {
    given([appropriated, allocated]).when({ kind: 'SendTransfer', transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 600_001, occurredAt: '2022-04-01' }).thenRefuses('insufficient-balance', /6000.00/);
  });
  it('refuses sending beyond what remains of the named allocation', () => {
    const second = at('2022-03-11', { type: 'AllocationIssued', data: { fundId: FUND, allocationId: 'a2', document: '呼财工指〔2022〕11号', amountFen: 300_000, direction: '工业', cityFinanceHolderId: 'city' } });
    given([appropriated, allocated, second, sent]).when({ kind: 'SendTransfer', transferId: 't2', fromHolderId: 'city', toHolderId: 'county', amountFen: 100_001, allocationId: 'a1', occurredAt: '2022-04-02' }).thenRefuses('beyond-allocation', /28号/);
    given([appropriated, allocated]).when({ kind: 'SendTransfer', transferId: 't2', fromHolderId: 'city', toHolderId: 'county', amountFen: 1, allocationId: 'nope', occurredAt: '2022-04-02' }).thenRefuses('unknown-allocation');
  });
  it('lets a transfer further down name the allocation (to trace its document) without drawing on it again', () => {
    const onward = { kind: 'SendTransfer' as const, transferId: 't2', fromHolderId: 'county', toHolderId: 'bureau', amountFen: 500_000, allocationId: 'a1', occurredAt: '2022-04-20' };
    given(history).when(onward).then([{ event: { type: 'TransferSent', data: { fundId: FUND, transferId: 't2', fromHolderId: 'county', toHolderId: 'bureau', amountFen: 500_000, allocationId: 'a1' } } }]);
    expect(stateFrom(history).allocations.get('a1')!.sentFen).toBe(500_000);
  });
  it('refuses unknown holders on either side, the same holder on both, and enterprises as receivers of transfers', () => {
    given([appropriated, allocated]).when({ kind: 'SendTransfer', transferId: 't1', fromHolderId: 'ghost', toHolderId: 'county', amountFen: 1, occurredAt: '2022-04-01' }).thenRefuses('unknown-holder');
    given([appropriated, allocated]).when({ kind: 'SendTransfer', transferId: 't1', fromHolderId: 'city', toHolderId: 'ghost', amountFen: 1, occurredAt: '2022-04-01' }).thenRefuses('unknown-holder');
    given([appropriated, allocated]).when({ kind: 'SendTransfer', transferId: 't1', fromHolderId: 'city', toHolderId: 'city', amountFen: 1, occurredAt: '2022-04-01' }).thenRefuses('same-holder');
    given([appropriated, allocated]).when({ kind: 'SendTransfer', transferId: 't1', fromHolderId: 'city', toHolderId: 'ent', amountFen: 1, occurredAt: '2022-04-01' }).thenRefuses('wrong-level');
  });
  it('refuses a transfer id used before', () => {
    given([appropriated, allocated, sent]).when({ kind: 'SendTransfer', transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 1, occurredAt: '2022-04-01' }).thenRefuses('duplicate-id');
  });
  it('receives a transfer on its own business date', () => {
    given([appropriated, allocated, sent]).when({ kind: 'ReceiveTransfer', transferId: 't1', occurredAt: '2022-04-10' }).then([received]);
  });
  it('refuses receiving a transfer twice, an unknown transfer, and a receipt dated before the sending', () => {
    given([appropriated, allocated, sent, received]).when({ kind: 'ReceiveTransfer', transferId: 't1', occurredAt: '2022-04-11' }).thenRefuses('already-received');
    given([appropriated, allocated, sent]).when({ kind: 'ReceiveTransfer', transferId: 'tx', occurredAt: '2022-04-11' }).thenRefuses('unknown-transfer');
    given([appropriated, allocated, sent]).when({ kind: 'ReceiveTransfer', transferId: 't1', occurredAt: '2022-03-31' }).thenRefuses('date-before-sent');
  });
});

describe('fund decider: projects and payouts', () => {
  it('registers a project of an enterprise, with the enterprise’s county by default', () => {
    given([appropriated]).when({ kind: 'RegisterProject', projectId: 'p1', name: '固体绝缘环网开关柜', enterpriseHolderId: 'ent', direction: '首台套', batch: 2, category: 'fulfilment', approvedFen: 300_000, occurredAt: '2022-05-01' }).then([project]);
  });
  it('refuses a project of a holder that is not an enterprise, and a duplicate project id', () => {
    given([appropriated]).when({ kind: 'RegisterProject', projectId: 'p1', name: 'x', enterpriseHolderId: 'county', direction: 'x', batch: 1, category: 'review', approvedFen: 1, occurredAt: '2022-05-01' }).thenRefuses('wrong-level');
    given([appropriated, project]).when({ kind: 'RegisterProject', projectId: 'p1', name: 'x', enterpriseHolderId: 'ent', direction: 'x', batch: 1, category: 'review', approvedFen: 1, occurredAt: '2022-05-01' }).thenRefuses('duplicate-id');
  });
  it('pays an enterprise for a registered project', () => {
    given(history).when({ kind: 'MakePayouts', items: [{ payoutId: 'po1', fromHolderId: 'county', projectId: 'p1', amountFen: 100_000 }], occurredAt: '2022-06-01' }).then([paid]);
  });
  it('refuses paying a project that is not registered, or cancelled', () => {
    given(history).when({ kind: 'MakePayouts', items: [{ payoutId: 'po1', fromHolderId: 'county', projectId: 'p9', amountFen: 1 }], occurredAt: '2022-06-01' }).thenRefuses('unknown-project');
    const cancelled = at('2022-05-20', { type: 'ProjectCancelled', data: { fundId: FUND, projectId: 'p1', reason: '企业放弃' } });
    given([...history, cancelled]).when({ kind: 'MakePayouts', items: [{ payoutId: 'po1', fromHolderId: 'county', projectId: 'p1', amountFen: 1 }], occurredAt: '2022-06-01' }).thenRefuses('project-not-payable');
  });
  it('refuses paying beyond the project’s approved amount, counting what was paid before', () => {
    given([...history, paid]).when({ kind: 'MakePayouts', items: [{ payoutId: 'po2', fromHolderId: 'county', projectId: 'p1', amountFen: 200_001 }], occurredAt: '2022-06-02' }).thenRefuses('beyond-approved-amount');
  });
  it('refuses paying from a holder that does not hold enough', () => {
    given(history).when({ kind: 'MakePayouts', items: [{ payoutId: 'po1', fromHolderId: 'bureau', projectId: 'p1', amountFen: 1 }], occurredAt: '2022-06-01' }).thenRefuses('insufficient-balance');
  });
  it('pays a batch all at once (成熟一批、报送一批)', () => {
    const decided = given(history)
      .when({ kind: 'MakePayouts', batchId: 'b1', items: [{ payoutId: 'po1', fromHolderId: 'county', projectId: 'p1', amountFen: 100_000 }, { payoutId: 'po2', fromHolderId: 'county', projectId: 'p1', amountFen: 200_000 }], occurredAt: '2022-06-01' })
      .then([
        { event: { ...paid.event, data: { ...(paid.event.data as object), batchId: 'b1' } } as FundEvent },
        { event: { ...paid.event, data: { ...(paid.event.data as object), payoutId: 'po2', amountFen: 200_000, batchId: 'b1' } } as FundEvent },
      ]);
    expect(decided).toHaveLength(2);
  });
  it('refuses a whole batch when one item fails, naming the item, counting the items before it', () => {
    const refusal = given(history)
      .when({ kind: 'MakePayouts', batchId: 'b1', items: [{ payoutId: 'po1', fromHolderId: 'county', projectId: 'p1', amountFen: 200_000 }, { payoutId: 'po2', fromHolderId: 'county', projectId: 'p1', amountFen: 100_001 }], occurredAt: '2022-06-01' })
      .thenRefuses('beyond-approved-amount', /第 2 笔/);
    expect(refusal.details.item).toBe(2);
    given(history).when({ kind: 'MakePayouts', items: [], occurredAt: '2022-06-01' }).thenRefuses('empty-batch');
  });
  it('reports progress, closes and cancels a project, and refuses changing a closed one', () => {
    given(history).when({ kind: 'ReportProgress', projectId: 'p1', percent: 60, note: '设备安装', occurredAt: '2022-07-01' })
      .then([{ event: { type: 'ProjectProgressReported', data: { fundId: FUND, projectId: 'p1', percent: 60, note: '设备安装' } } }]);
    given(history).when({ kind: 'CloseProject', projectId: 'p1', note: '验收', occurredAt: '2022-07-01' })
      .then([{ event: { type: 'ProjectClosed', data: { fundId: FUND, projectId: 'p1', note: '验收' } } }]);
    given(history).when({ kind: 'CancelProject', projectId: 'p1', reason: '放弃', occurredAt: '2022-07-01' })
      .then([{ event: { type: 'ProjectCancelled', data: { fundId: FUND, projectId: 'p1', reason: '放弃' } } }]);
    const closed = at('2022-07-01', { type: 'ProjectClosed', data: { fundId: FUND, projectId: 'p1', note: '验收' } });
    given([...history, closed]).when({ kind: 'ReportProgress', projectId: 'p1', percent: 70, note: 'x', occurredAt: '2022-07-02' }).thenRefuses('project-closed');
    given(history).when({ kind: 'ReportProgress', projectId: 'p404', percent: 70, note: 'x', occurredAt: '2022-07-02' }).thenRefuses('unknown-project');
  });
});

describe('fund decider: returns, sweeps and reversals (冲正)', () => {
  it('returns money up a level, and refuses returning more than held', () => {
    given(history).when({ kind: 'ReturnFunds', returnId: 'r1', fromHolderId: 'county', toHolderId: 'city', amountFen: 50_000, returnKind: 'return', reason: '结余', occurredAt: '2022-08-01' })
      .then([{ event: { type: 'FundsReturned', data: { fundId: FUND, returnId: 'r1', fromHolderId: 'county', toHolderId: 'city', amountFen: 50_000, kind: 'return', reason: '结余' } } }]);
    given(history).when({ kind: 'ReturnFunds', returnId: 'r1', fromHolderId: 'county', toHolderId: 'city', amountFen: 500_001, returnKind: 'return', reason: 'x', occurredAt: '2022-08-01' }).thenRefuses('insufficient-balance');
  });
  it('sweeps the unallocated budget into the pool, and no more than it', () => {
    given(history).when({ kind: 'ReturnFunds', returnId: 'r1', fromHolderId: 'city', toHolderId: 'pool', amountFen: 400_000, returnKind: 'sweep', reason: '未提出分配意见', occurredAt: '2022-12-31' })
      .then([{ event: { type: 'FundsReturned', data: { fundId: FUND, returnId: 'r1', fromHolderId: 'city', toHolderId: 'pool', amountFen: 400_000, kind: 'sweep', reason: '未提出分配意见' } } }]);
    given(history).when({ kind: 'ReturnFunds', returnId: 'r1', fromHolderId: 'city', toHolderId: 'pool', amountFen: 400_001, returnKind: 'sweep', reason: 'x', occurredAt: '2022-12-31' }).thenRefuses('beyond-unallocated');
    given(history).when({ kind: 'ReturnFunds', returnId: 'r1', fromHolderId: 'city', toHolderId: 'county', amountFen: 1, returnKind: 'sweep', reason: 'x', occurredAt: '2022-12-31' }).thenRefuses('wrong-level');
  });
  it('reverses a payout: the money goes back to the payer and the project may be paid again', () => {
    const decided = given([...history, paid]).when({ kind: 'ReverseEvent', reversalId: 'rv1', eventId: 'ev-paid', reason: '企业账户错误', occurredAt: '2022-06-05' })
      .then([{ event: { type: 'EventReversed', data: { fundId: FUND, reversalId: 'rv1', reversedEventId: 'ev-paid', reversedType: 'PayoutMade', reason: '企业账户错误', projectId: 'p1', movements: [{ from: { kind: 'holder', holderId: 'ent' }, to: { kind: 'holder', holderId: 'county' }, amountFen: 100_000 }] } } }]);
    const state = stateFrom([...history, paid, { event: decided[0].event, occurredAt: '2022-06-05', eventId: 'ev-rv' }]);
    expect([state.balances.get('ent'), state.balances.get('county'), state.projects.get('p1')!.paidFen]).toEqual([0, 500_000, 0]);
  });
  it('reverses a receipt (money back in transit), then the sending (money back to the sender)', () => {
    const reverseReceipt = given(history).when({ kind: 'ReverseEvent', reversalId: 'rv1', eventId: 'ev-received', reason: '误记到账', occurredAt: '2022-04-11' }).then([
      { event: { type: 'EventReversed', data: { fundId: FUND, reversalId: 'rv1', reversedEventId: 'ev-received', reversedType: 'TransferReceived', reason: '误记到账', movements: [{ from: { kind: 'holder', holderId: 'county' }, to: { kind: 'transit', transferId: 't1' }, amountFen: 500_000 }] } } },
    ]);
    const afterReceiptReversed = [...history, { event: reverseReceipt[0].event, occurredAt: '2022-04-11', eventId: 'ev-rv1' }];
    expect(stateFrom(afterReceiptReversed).transfers.get('t1')!.status).toBe('in-transit');
    given(afterReceiptReversed).when({ kind: 'ReverseEvent', reversalId: 'rv2', eventId: 'ev-sent', reason: '拨错单位', occurredAt: '2022-04-12' }).then([
      { event: { type: 'EventReversed', data: { fundId: FUND, reversalId: 'rv2', reversedEventId: 'ev-sent', reversedType: 'TransferSent', reason: '拨错单位', movements: [{ from: { kind: 'transit', transferId: 't1' }, to: { kind: 'holder', holderId: 'city' }, amountFen: 500_000 }] } } },
    ]);
  });
  it('refuses reversing a sending whose receipt stands, a reversal, an event reversed already, and an unknown event', () => {
    given(history).when({ kind: 'ReverseEvent', reversalId: 'rv1', eventId: 'ev-sent', reason: 'x', occurredAt: '2022-04-12' }).thenRefuses('not-reversible');
    const reversal = at('2022-06-05', { type: 'EventReversed', data: { fundId: FUND, reversalId: 'rv1', reversedEventId: 'ev-paid', reversedType: 'PayoutMade', reason: 'x', projectId: 'p1', movements: [{ from: { kind: 'holder', holderId: 'ent' }, to: { kind: 'holder', holderId: 'county' }, amountFen: 100_000 }] } }, 'ev-rv');
    given([...history, paid, reversal]).when({ kind: 'ReverseEvent', reversalId: 'rv2', eventId: 'ev-rv', reason: 'x', occurredAt: '2022-06-06' }).thenRefuses('reversal-of-reversal');
    given([...history, paid, reversal]).when({ kind: 'ReverseEvent', reversalId: 'rv2', eventId: 'ev-paid', reason: 'x', occurredAt: '2022-06-06' }).thenRefuses('already-reversed');
    given(history).when({ kind: 'ReverseEvent', reversalId: 'rv2', eventId: 'nope', reason: 'x', occurredAt: '2022-06-06' }).thenRefuses('unknown-event');
  });
  it('refuses a reversal that would take back money already sent on', () => {
    const onward = at('2022-04-20', { type: 'TransferSent', data: { fundId: FUND, transferId: 't2', fromHolderId: 'county', toHolderId: 'bureau', amountFen: 500_000 } });
    given([...history, onward]).when({ kind: 'ReverseEvent', reversalId: 'rv1', eventId: 'ev-received', reason: 'x', occurredAt: '2022-04-21' }).thenRefuses('insufficient-balance');
    given([appropriated, allocated, sent]).when({ kind: 'ReverseEvent', reversalId: 'rv1', eventId: 'ev-alloc', reason: 'x', occurredAt: '2022-04-21' }).thenRefuses('not-reversible');
  });
});
