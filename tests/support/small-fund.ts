/** A small fund set up through the HTTP API: city → county → bureau → enterprise, for end-to-end tests. */
import type { TestApp } from './test-app';
import { creditCodeCheckCharacter } from '../../src/domain';

export const creditCode = (first17: string) => first17 + creditCodeCheckCharacter(first17);
export const COUNTY = { code: '150121', name: '土默特左旗' };

export async function setUpSmallFund(t: TestApp, fundId = 'f1'): Promise<void> {
  const holders = [
    { holderId: 'city', name: '呼和浩特市财政局', level: 'city-finance' },
    { holderId: 'county', name: '土默特左旗财政局', level: 'county-finance', county: COUNTY },
    { holderId: 'bureau', name: '土默特左旗工业和信息化局', level: 'department', county: COUNTY },
    { holderId: 'pool', name: '市本级统筹', level: 'pool' },
    { holderId: 'ent', name: '示例装备制造有限公司', level: 'enterprise', county: COUNTY, creditCode: creditCode('91150121MA0N00001') },
  ];
  for (const holder of holders) await t.http().post('/api/holders').send(holder).expect(201);
  await t.http().post('/api/funds').send({ fundId, name: '测试专项资金', fiscalYear: 2022, budget: '1000000.00', cityFinanceHolderId: 'city', occurredAt: '2022-03-01' }).expect(201);
  await t.http().post(`/api/funds/${fundId}/allocations`).send({ allocationId: 'a1', document: '呼财工指〔2022〕28号', amount: '800000.00', direction: '工业', occurredAt: '2022-03-10' }).expect(201);
  await t.http().post(`/api/funds/${fundId}/transfers`).send({ transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amount: '500000.00', occurredAt: '2022-04-01', allocationId: 'a1' }).expect(201);
  await t.http().post(`/api/funds/${fundId}/transfers/t1/receipt`).send({ occurredAt: '2022-04-15' }).expect(201);
  await t.http().post('/api/projects').send({ fundId, projectId: 'p1', name: '智能模块化预装式变电站', enterpriseHolderId: 'ent', direction: '技术装备首台（套）、关键零部件首批次', batch: 2, category: 'fulfilment', approvedAmount: '300000.00', occurredAt: '2022-05-01' }).expect(201);
  await t.http().post('/api/projects').send({ fundId, projectId: 'p2', name: '固体绝缘环网开关柜', enterpriseHolderId: 'ent', direction: '技术装备首台（套）、关键零部件首批次', batch: 2, category: 'fulfilment', approvedAmount: '300000.00', occurredAt: '2022-05-01' }).expect(201);
}
