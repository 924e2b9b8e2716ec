/**
 * The demo fund: 呼和浩特市 2022年工业高质量发展专项资金, rebuilt as a script from the performance
 * evaluation in `/work/shared/seed/000_539e91154b0d3f77.txt` (内蒙古云海绩效管理咨询有限公司, 2023).
 *
 * WHAT COMES FROM THE REPORT (and is asserted by tests/demo/hohhot-2022.unit.spec.ts):
 *   budget 15000万元; 呼财工指〔2022〕11号 419.18万; 呼财工指〔2022〕28号 12251.31万; “六大产业集群”专班 300万;
 *   一事一议 224.86万; 1804.65万 never allocated and taken into 统筹; 2351.02万 spent; 10 旗县区, 6 parks,
 *   40 enterprises, 76 projects; batch one = 6 projects of 4 enterprises in 土默特左旗 and 和林格尔县;
 *   batch two = 70 projects of 38 enterprises, 评审类 and 兑现类; 正耐电气股份有限公司 got 30万 for
 *   智能模块化预装式变电站 and 30万 for 固体绝缘环网开关柜, both 技术装备首台（套）、关键零部件首批次;
 *   money stuck at county finance bureaus and county industry bureaus; five parks by name.
 *
 * WHAT IS INVENTED (plausible, consistent, not facts):
 *   - every date; every transfer, its amount and its route; which projects were paid how much and when;
 *   - the document numbers of the 专班 and 一事一议 allocations (marked below);
 *   - all 39 enterprises other than 正耐电气: their names carry 「示例」 ("example") and are not real companies;
 *   - every unified social credit code, 正耐电气's included (its real code is not in the report):
 *     they all read 91<county code>MA0FT<serial><check>, valid per GB 32100-2015 but made up;
 *   - 正耐电气's county (赛罕区) and park (金桥经济技术开发区): assumed for the demo;
 *   - every project's name and approved amount (approved amounts add up exactly to each allocation);
 *   - the names of the 经开区 finance and economic bureaus (approximate).
 *
 * CHOICES:
 *   - The 10 旗县区. Hohhot has only 9 county-level divisions (新城区 150102, 回民区 150103, 玉泉区 150104,
 *     赛罕区 150105, 土默特左旗 150121, 托克托县 150122, 和林格尔县 150123, 清水河县 150124, 武川县 150125).
 *     The 10th 「所在旗县区」 can only be a functional zone with its own treasury that receives transfer
 *     payments like a county: 呼和浩特经济技术开发区, with its own finance bureau. Its code 150172 is the
 *     statistical division code (统计用区划代码) of the National Bureau of Statistics for the zone, not a
 *     GB/T 2260 county code (quoted from memory: verify before relying on it).
 *   - The 6th park: 呼和浩特经济技术开发区 itself (its 管委会). It is both the 10th fiscal unit and a park,
 *     which is how the zone works; 呼和浩特综合保税区 is placed under it (it sits in the zone's 沙尔沁 area).
 *   - Park locations: 金桥 → 赛罕区, 金山 → 土默特左旗, 和林格尔新区 → 和林格尔县, 托清 → 托克托县
 *     (托清 spans 托克托县 and 清水河县: one 清水河县 enterprise sits in it), 综保区 and 经开区 → 经开区.
 *   - Channels: 11号 = batch one; 28号, 专班 and 一事一议 all fund batch-two projects (the report's 76 projects
 *     include the 专班 projects, since 正耐电气's 固体绝缘环网开关柜 is paid through the 专班 here).
 *     28号 and 11号 money goes 市财政局 → 旗县区财政局 → 旗县区工信局 or 园区 → 企业; 专班 money goes
 *     市财政局 → 市工信局 → 企业; 一事一议 money goes 市财政局 → 和林格尔县财政局 → 和林格尔新区 → 企业.
 *   - Only the city-level transfers carry `allocationId` (the fund decider counts every transfer tagged with an
 *     allocation against that allocation, so a county-level transfer tagged too would be refused once the city
 *     sent the whole allocation); county-level transfers and payouts name the allocation by `document`,
 *     payouts also by `allocationId` (payouts are not counted against allocations).
 *   - Timeline: appropriated 2022-02-18; 11号 2022-03-25; 28号 2022-07-29; 专班 2022-09-16; 一事一议 2022-10-20;
 *     the unallocated 1804.65万 swept into the pool 2022-12-28; payouts from 2022-08-10 to 2023-11-23.
 *     At the end of 2023 most of the money still sits at county finance and county industry bureaus.
 *   - Corrections: a 28号 transfer sent to 托克托县 instead of 清水河县 is reversed (冲正) before receipt and
 *     re-sent; a payout entered twice by 赛罕区工信局 is reversed; 武川县 returns 100万 of a cancelled project
 *     from its industry bureau to its finance bureau.
 */
import type { FundCommand, PayoutItem, RegisterHolder } from '../domain/commands';
import type { SupportCategory } from '../domain/events';
import { type County, type Level, creditCodeCheckCharacter } from '../domain/holders';
import { wan } from '../domain/money';
import { type DemoActor, type DemoStep, type FundStep, demoEventRef } from './demo-script';

export const HOHHOT_2022_FUND_ID = 'hohhot-2022-industrial';

/** The figures of the report, as it writes them (万元), for tests and tools. */
export const HOHHOT_2022_REPORT = {
  budgetWan: '15000.00',
  allocations: [
    { allocationId: 'alloc-11', document: '呼财工指〔2022〕11号', amountWan: '419.18' },
    { allocationId: 'alloc-28', document: '呼财工指〔2022〕28号', amountWan: '12251.31' },
    { allocationId: 'alloc-zb', document: '呼工信发〔2022〕87号', amountWan: '300.00' },
    { allocationId: 'alloc-ys', document: '呼财工指〔2022〕45号', amountWan: '224.86' },
  ],
  unallocatedSweptWan: '1804.65',
  paidToEnterprisesWan: '2351.02',
  /** As printed; it cannot be reproduced from the report's own figures (15.67% of the budget, 17.82% of what was allocated). */
  executionRatePrinted: '18.09',
  counties: 10,
  parks: 6,
  enterprises: 40,
  projects: 76,
  batchOne: { projects: 6, enterprises: 4, counties: ['土默特左旗', '和林格尔县'] },
  batchTwo: { projects: 70, enterprises: 38, counties: 10, parks: 6 },
  duplicate: { enterprise: '正耐电气股份有限公司', projects: ['智能模块化预装式变电站', '固体绝缘环网开关柜'], eachWan: '30.00', direction: '技术装备首台（套）、关键零部件首批次' },
} as const;

// ---------------------------------------------------------------------------------------------
// holders

export const CITY_FINANCE = 'hhht-finance';
export const CITY_INDUSTRY = 'hhht-miit';
export const POOL = 'hhht-pool';
export const countyFinanceId = (code: string): string => `cf-${code}`;
export const countyDepartmentId = (code: string): string => `dept-${code}`;

interface DemoCounty {
  code: string;
  name: string;
  nameEn: string;
  financeName: string;
  departmentName: string;
}

const county = (code: string, name: string, nameEn: string, financeName = `${name}财政局`, departmentName = `${name}工业和信息化局`): DemoCounty => ({
  code,
  name,
  nameEn,
  financeName,
  departmentName,
});

/** The 10 旗县区 the fund reached: the 9 county-level divisions of Hohhot and the 经开区 (see the file comment). */
export const HOHHOT_COUNTIES: readonly DemoCounty[] = [
  county('150102', '新城区', 'Xincheng District'),
  county('150103', '回民区', 'Huimin District'),
  county('150104', '玉泉区', 'Yuquan District'),
  county('150105', '赛罕区', 'Saihan District'),
  county('150121', '土默特左旗', 'Tumed Left Banner'),
  county('150122', '托克托县', 'Togtoh County'),
  county('150123', '和林格尔县', 'Horinger County'),
  county('150124', '清水河县', 'Qingshuihe County'),
  county('150125', '武川县', 'Wuchuan County'),
  // A functional zone, not a GB/T 2260 county: 150172 is its NBS statistical code. Bureau names approximate.
  county('150172', '呼和浩特经济技术开发区', 'Hohhot Economic and Technological Development Zone', '呼和浩特经济技术开发区财政局', '呼和浩特经济技术开发区经济发展局'),
];

const countyByCode = new Map(HOHHOT_COUNTIES.map((c) => [c.code, c]));
function countyRef(code: string): County {
  const found = countyByCode.get(code);
  if (!found) throw new Error(`demo: unknown county ${code}`);
  return { code: found.code, name: found.name };
}

interface DemoPark {
  id: string;
  name: string;
  nameEn: string;
  countyCode: string;
}

/** The six parks: the five the report names and the 经开区 itself. */
export const HOHHOT_PARKS: readonly DemoPark[] = [
  { id: 'park-jinqiao', name: '金桥经济技术开发区', nameEn: 'Jinqiao Economic and Technological Development Zone', countyCode: '150105' },
  { id: 'park-jinshan', name: '金山经济技术开发区', nameEn: 'Jinshan Economic and Technological Development Zone', countyCode: '150121' },
  // the report writes 呼和浩特综合保税园区
  { id: 'park-zongbao', name: '呼和浩特综合保税区', nameEn: 'Hohhot Comprehensive Bonded Zone', countyCode: '150172' },
  { id: 'park-helin', name: '和林格尔新区', nameEn: 'Horinger New Area', countyCode: '150123' },
  { id: 'park-tuoqing', name: '托清经济开发区', nameEn: 'Tuoqing Economic Development Zone', countyCode: '150122' },
  // the 6th park, not named in the report (our choice)
  { id: 'park-jingkai', name: '呼和浩特经济技术开发区', nameEn: 'Hohhot Economic and Technological Development Zone (park)', countyCode: '150172' },
];

interface DemoEnterprise {
  /** 'ent-01' … 'ent-40' */
  id: string;
  name: string;
  countyCode: string;
  parkId?: string;
  creditCode: string;
  /** Only 正耐电气 is a real company (its name is in the report); every other name is invented. */
  realName: boolean;
}

/** An invented but valid unified social credit code: 91 + county code + MA0FT + 4-digit serial + check character. */
export function demoCreditCode(countyCode: string, serial: number): string {
  const first17 = `91${countyCode}MA0FT${String(serial).padStart(4, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
}

const ent = (serial: number, name: string, countyCode: string, parkId?: string, realName = false): DemoEnterprise => ({
  id: `ent-${String(serial).padStart(2, '0')}`,
  name,
  countyCode,
  ...(parkId ? { parkId } : {}),
  creditCode: demoCreditCode(countyCode, serial),
  realName,
});

/**
 * The 40 enterprises. INVENTED: every name containing 「示例」 is a made-up example, not a real company.
 * ent-01, ent-03: batch one only; ent-02, ent-04: both batches; ent-05 … ent-40: batch two only.
 */
export const HOHHOT_ENTERPRISES: readonly DemoEnterprise[] = [
  ent(1, '土默特左旗示例乳品机械有限公司', '150121', 'park-jinshan'),
  ent(2, '土默特左旗示例装备制造有限公司', '150121', 'park-jinshan'),
  ent(3, '和林格尔示例光伏材料有限公司', '150123', 'park-helin'),
  ent(4, '和林格尔示例数据科技有限公司', '150123', 'park-helin'),
  ent(5, '新城区示例软件信息有限公司', '150102'),
  ent(6, '新城区示例医药科技有限公司', '150102'),
  ent(7, '新城区示例食品加工有限公司', '150102'),
  ent(8, '回民区示例清真食品有限公司', '150103'),
  ent(9, '回民区示例精密机械有限公司', '150103'),
  ent(10, '回民区示例包装材料有限公司', '150103'),
  ent(11, '玉泉区示例生物科技有限公司', '150104'),
  ent(12, '玉泉区示例电子元件有限公司', '150104'),
  ent(13, '玉泉区示例节能设备有限公司', '150104'),
  // REAL name (named in the report). Credit code invented; county and park assumed.
  ent(14, '正耐电气股份有限公司', '150105', 'park-jinqiao', true),
  ent(15, '呼和浩特示例金桥园区开发建设有限公司', '150105', 'park-jinqiao'),
  ent(16, '赛罕区示例智能装备有限公司', '150105', 'park-jinqiao'),
  ent(17, '赛罕区示例工业互联网科技有限公司', '150105', 'park-jinqiao'),
  ent(18, '赛罕区示例新能源科技有限公司', '150105'),
  ent(19, '赛罕区示例检测技术有限公司', '150105'),
  ent(20, '呼和浩特示例金山园区开发建设有限公司', '150121', 'park-jinshan'),
  ent(21, '土默特左旗示例硅材料有限公司', '150121', 'park-jinshan'),
  ent(22, '土默特左旗示例乳业有限公司', '150121'),
  ent(23, '土默特左旗示例化工新材料有限公司', '150121', 'park-jinshan'),
  ent(24, '呼和浩特示例托清园区开发建设有限公司', '150122', 'park-tuoqing'),
  ent(25, '托克托县示例生物发酵有限公司', '150122', 'park-tuoqing'),
  ent(26, '托克托县示例电力设备有限公司', '150122', 'park-tuoqing'),
  ent(27, '托克托县示例再生资源有限公司', '150122'),
  ent(28, '呼和浩特示例和林格尔新区开发建设有限公司', '150123', 'park-helin'),
  ent(29, '和林格尔示例云计算有限公司', '150123', 'park-helin'),
  ent(30, '和林格尔示例乳制品有限公司', '150123'),
  ent(31, '和林格尔示例新材料有限公司', '150123', 'park-helin'),
  ent(32, '清水河县示例陶瓷有限公司', '150124'),
  ent(33, '清水河县示例冶金有限公司', '150124', 'park-tuoqing'),
  ent(34, '武川县示例马铃薯加工有限公司', '150125'),
  ent(35, '武川县示例风电装备有限公司', '150125'),
  ent(36, '呼和浩特示例综保区开发建设有限公司', '150172', 'park-zongbao'),
  ent(37, '呼和浩特示例经开区开发建设有限公司', '150172', 'park-jingkai'),
  ent(38, '经开区示例电子材料有限公司', '150172', 'park-zongbao'),
  ent(39, '经开区示例光伏装备有限公司', '150172', 'park-jingkai'),
  ent(40, '经开区示例医疗器械有限公司', '150172', 'park-jingkai'),
];

// ---------------------------------------------------------------------------------------------
// allocations and projects

export const DOC_11 = '呼财工指〔2022〕11号';
export const DOC_28 = '呼财工指〔2022〕28号';
/** INVENTED document number: the report only says “六大产业集群”专班工作下拨 300 万元. */
export const DOC_ZB = '呼工信发〔2022〕87号';
/** INVENTED document number: the report only says 一事一议项目支持资金为 224.86 万元. */
export const DOC_YS = '呼财工指〔2022〕45号';

type Channel = '11' | '28' | 'zb' | 'ys';
const CHANNELS: Record<Channel, { allocationId: string; document: string; direction: string }> = {
  '11': { allocationId: 'alloc-11', document: DOC_11, direction: '第一批工业高质量发展项目' },
  '28': { allocationId: 'alloc-28', document: DOC_28, direction: '第二批工业高质量发展项目（评审类、兑现类）' },
  zb: { allocationId: 'alloc-zb', document: DOC_ZB, direction: '六大产业集群专班' },
  ys: { allocationId: 'alloc-ys', document: DOC_YS, direction: '一事一议' },
};

/** 支持方向 */
export const DIRECTIONS = {
  FIRST: '技术装备首台（套）、关键零部件首批次',
  IIOT: '工业互联网',
  GREEN: '绿色制造',
  GAZELLE: '瞪羚企业',
  TECH: '技术改造',
  PARK: '园区基础设施',
  SMART: '智能制造',
  SRDI: '专精特新',
  G5: '5G应用',
  CASE: '一事一议',
} as const;
const D = DIRECTIONS;
const R: SupportCategory = 'review'; // 评审类
const F: SupportCategory = 'fulfilment'; // 兑现类

interface DemoProject {
  /** Short key used inside this file: enterprise serial + letter. */
  key: string;
  /** 'proj-b1-01' … 'proj-b1-06', 'proj-b2-001' … 'proj-b2-070' */
  id: string;
  enterpriseId: string;
  name: string;
  direction: string;
  category: SupportCategory;
  batch: 1 | 2;
  channel: Channel;
  approvedWan: string;
}

type Row = [key: string, enterprise: number, name: string, direction: string, category: SupportCategory, channel: Channel, approvedWan: string];

// Batch one (呼财工指〔2022〕11号): 4 enterprises of 土默特左旗 and 和林格尔县, 6 projects, 419.18万 in all.
// The report gives categories only for batch two; the ones here are our choice.
const BATCH_ONE: Row[] = [
  ['01a', 1, '乳品加工装备生产线技术改造', D.TECH, R, '11', '120.00'],
  ['01b', 1, '乳品机械数字化车间', D.SMART, R, '11', '60.00'],
  ['02a', 2, '重型装备焊接生产线技术改造', D.TECH, R, '11', '85.18'],
  ['03a', 3, '光伏材料绿色工厂奖励', D.GREEN, F, '11', '50.00'],
  ['03b', 3, '光伏材料生产线技术改造', D.TECH, R, '11', '64.00'],
  ['04a', 4, '数据中心工业互联网平台', D.IIOT, R, '11', '40.00'],
];

// Batch two: 38 enterprises, 70 projects; 28号 (65 projects, 12251.31万), 专班 (4, 300万), 一事一议 (1, 224.86万).
const BATCH_TWO: Row[] = [
  // 新城区 (28号 460.00)
  ['05a', 5, '工业软件研发及产业化', D.IIOT, R, '28', '80.00'],
  ['05b', 5, '5G+工业互联网融合应用', D.G5, R, '28', '60.00'],
  ['06a', 6, '原料药生产线技术改造', D.TECH, R, '28', '150.00'],
  ['06b', 6, '专精特新“小巨人”企业奖励', D.SRDI, F, '28', '50.00'],
  ['07a', 7, '自治区级绿色工厂奖励', D.GREEN, F, '28', '50.00'],
  ['07b', 7, '冷链食品智能化改造', D.SMART, R, '28', '70.00'],
  // 回民区 (28号 400.00)
  ['08a', 8, '清真食品生产线技术改造', D.TECH, R, '28', '120.00'],
  ['08b', 8, '瞪羚企业认定奖励', D.GAZELLE, F, '28', '50.00'],
  ['09a', 9, '五轴数控机床首台（套）', D.FIRST, R, '28', '100.00'],
  ['09b', 9, '精密零部件智能车间', D.SMART, R, '28', '90.00'],
  ['10a', 10, '绿色设计产品奖励', D.GREEN, F, '28', '40.00'],
  // 玉泉区 (28号 490.00)
  ['11a', 11, '生物发酵工艺技术改造', D.TECH, R, '28', '160.00'],
  ['11b', 11, '瞪羚企业认定奖励', D.GAZELLE, F, '28', '50.00'],
  ['12a', 12, '电子元件智能生产线', D.SMART, R, '28', '110.00'],
  ['12b', 12, '专精特新中小企业奖励', D.SRDI, F, '28', '50.00'],
  ['13a', 13, '高效节能换热机组首台（套）', D.FIRST, R, '28', '80.00'],
  ['13b', 13, '绿色工厂奖励', D.GREEN, F, '28', '40.00'],
  // 赛罕区 (28号 2020.00; plus 专班 120.00)
  ['14a', 14, '智能模块化预装式变电站', D.FIRST, R, '28', '30.00'],
  ['14b', 14, '固体绝缘环网开关柜', D.FIRST, R, 'zb', '30.00'],
  ['15a', 15, '金桥经济技术开发区基础设施建设', D.PARK, R, '28', '1100.00'],
  ['16a', 16, '智能巡检机器人首台（套）', D.FIRST, R, '28', '120.00'],
  ['16b', 16, '智能装备总装线技术改造', D.TECH, R, '28', '180.00'],
  ['16c', 16, '瞪羚企业认定奖励', D.GAZELLE, F, '28', '50.00'],
  ['17a', 17, '工业互联网标识解析二级节点', D.IIOT, R, '28', '150.00'],
  ['17b', 17, '专精特新中小企业奖励', D.SRDI, F, '28', '50.00'],
  ['17c', 17, '产业集群工业互联网平台', D.IIOT, R, 'zb', '90.00'],
  ['18a', 18, '储能系统生产线技术改造', D.TECH, R, '28', '200.00'],
  ['18b', 18, '绿色工厂奖励', D.GREEN, F, '28', '50.00'],
  ['19a', 19, '检验检测能力提升技术改造', D.TECH, R, '28', '90.00'],
  // 土默特左旗 (28号 2150.00; plus 专班 90.00)
  ['02b', 2, '大型矿山装备首台（套）', D.FIRST, R, '28', '150.00'],
  ['02c', 2, '焊接车间智能化改造', D.SMART, R, '28', '100.00'],
  ['20a', 20, '金山经济技术开发区基础设施建设', D.PARK, R, '28', '1000.00'],
  ['21a', 21, '多晶硅生产线技术改造', D.TECH, R, '28', '300.00'],
  ['21b', 21, '瞪羚企业认定奖励', D.GAZELLE, F, '28', '50.00'],
  ['21c', 21, '硅基新材料产业集群节能降碳改造', D.GREEN, R, 'zb', '90.00'],
  ['22a', 22, '乳制品智能工厂', D.SMART, R, '28', '200.00'],
  ['22b', 22, '绿色工厂奖励', D.GREEN, F, '28', '50.00'],
  ['23a', 23, '化工新材料生产线技术改造', D.TECH, R, '28', '250.00'],
  ['23b', 23, '专精特新中小企业奖励', D.SRDI, F, '28', '50.00'],
  // 托克托县 (28号 1550.00)
  ['24a', 24, '托清经济开发区基础设施建设', D.PARK, R, '28', '900.00'],
  ['25a', 25, '生物发酵生产线技术改造', D.TECH, R, '28', '280.00'],
  ['25b', 25, '绿色工厂奖励', D.GREEN, F, '28', '50.00'],
  ['26a', 26, '高压开关设备首台（套）', D.FIRST, R, '28', '130.00'],
  ['26b', 26, '设备上云工业互联网应用', D.IIOT, R, '28', '70.00'],
  ['27a', 27, '工业固废综合利用', D.GREEN, R, '28', '120.00'],
  // 和林格尔县 (28号 2071.31; plus 一事一议 224.86)
  ['04b', 4, '数据中心节能改造', D.GREEN, R, '28', '160.00'],
  ['04c', 4, '瞪羚企业认定奖励', D.GAZELLE, F, '28', '50.00'],
  ['28a', 28, '和林格尔新区基础设施建设', D.PARK, R, '28', '1121.31'],
  ['29a', 29, '算力服务工业互联网平台', D.IIOT, R, '28', '200.00'],
  ['29b', 29, '大型算力中心项目一事一议支持', D.CASE, R, 'ys', '224.86'],
  ['30a', 30, '乳制品生产线智能化改造', D.SMART, R, '28', '180.00'],
  ['30b', 30, '专精特新中小企业奖励', D.SRDI, F, '28', '50.00'],
  ['31a', 31, '新材料生产线技术改造', D.TECH, R, '28', '220.00'],
  ['31b', 31, '碳纤维关键零部件首批次', D.FIRST, R, '28', '90.00'],
  // 清水河县 (28号 420.00)
  ['32a', 32, '陶瓷窑炉技术改造', D.TECH, R, '28', '120.00'],
  ['32b', 32, '绿色设计产品奖励', D.GREEN, F, '28', '40.00'],
  ['33a', 33, '冶炼余热回收节能改造', D.GREEN, R, '28', '150.00'],
  ['33b', 33, '冶炼生产线技术改造', D.TECH, R, '28', '110.00'],
  // 武川县 (28号 300.00)
  ['34a', 34, '马铃薯深加工生产线技术改造', D.TECH, R, '28', '100.00'],
  ['35a', 35, '风电叶片关键零部件首批次', D.FIRST, R, '28', '150.00'],
  ['35b', 35, '专精特新中小企业奖励', D.SRDI, F, '28', '50.00'],
  // 呼和浩特经济技术开发区 (28号 2390.00; plus 专班 90.00)
  ['36a', 36, '呼和浩特综合保税区基础设施建设', D.PARK, R, '28', '800.00'],
  ['37a', 37, '呼和浩特经济技术开发区基础设施建设', D.PARK, R, '28', '800.00'],
  ['38a', 38, '电子材料生产线技术改造', D.TECH, R, '28', '240.00'],
  ['38b', 38, '瞪羚企业认定奖励', D.GAZELLE, F, '28', '50.00'],
  ['38c', 38, '电子信息产业集群智能制造配套', D.SMART, R, 'zb', '90.00'],
  ['39a', 39, '光伏组件装备首台（套）', D.FIRST, R, '28', '160.00'],
  ['39b', 39, '光伏装备数字化车间', D.SMART, R, '28', '150.00'],
  ['40a', 40, '医疗器械智能生产线', D.SMART, R, '28', '140.00'],
  ['40b', 40, '专精特新中小企业奖励', D.SRDI, F, '28', '50.00'],
];

const toProject =
  (batch: 1 | 2) =>
  ([key, serial, name, direction, category, channel, approvedWan]: Row, index: number): DemoProject => ({
    key,
    id: batch === 1 ? `proj-b1-${String(index + 1).padStart(2, '0')}` : `proj-b2-${String(index + 1).padStart(3, '0')}`,
    enterpriseId: `ent-${String(serial).padStart(2, '0')}`,
    name,
    direction,
    category,
    batch,
    channel,
    approvedWan,
  });

export const HOHHOT_PROJECTS: readonly DemoProject[] = [...BATCH_ONE.map(toProject(1)), ...BATCH_TWO.map(toProject(2))];

// ---------------------------------------------------------------------------------------------
// the script

const enterpriseById = new Map(HOHHOT_ENTERPRISES.map((e) => [e.id, e]));
const projectByKey = new Map(HOHHOT_PROJECTS.map((p) => [p.key, p]));

function project(key: string): DemoProject {
  const found = projectByKey.get(key);
  if (!found) throw new Error(`demo: unknown project key ${key}`);
  return found;
}

/** Every holder of the demo, in registration order. */
export function hohhot2022Holders(): RegisterHolder[] {
  const holders: RegisterHolder[] = [
    { kind: 'RegisterHolder', holderId: CITY_FINANCE, name: '呼和浩特市财政局', nameEn: 'Hohhot Municipal Finance Bureau', level: 'city-finance' },
    { kind: 'RegisterHolder', holderId: CITY_INDUSTRY, name: '呼和浩特市工业和信息化局', nameEn: 'Hohhot Municipal Bureau of Industry and Information Technology', level: 'department' },
    { kind: 'RegisterHolder', holderId: POOL, name: '呼和浩特市本级统筹', nameEn: 'Hohhot municipal general pool', level: 'pool' },
  ];
  for (const c of HOHHOT_COUNTIES) {
    const ref = countyRef(c.code);
    holders.push({ kind: 'RegisterHolder', holderId: countyFinanceId(c.code), name: c.financeName, nameEn: `${c.nameEn} Finance Bureau`, level: 'county-finance', county: ref });
    holders.push({ kind: 'RegisterHolder', holderId: countyDepartmentId(c.code), name: c.departmentName, nameEn: `${c.nameEn} industry bureau`, level: 'department', county: ref });
  }
  for (const park of HOHHOT_PARKS) {
    holders.push({ kind: 'RegisterHolder', holderId: park.id, name: park.name, nameEn: park.nameEn, level: 'park', county: countyRef(park.countyCode) });
  }
  for (const enterprise of HOHHOT_ENTERPRISES) {
    holders.push({ kind: 'RegisterHolder', holderId: enterprise.id, name: enterprise.name, level: 'enterprise', county: countyRef(enterprise.countyCode), creditCode: enterprise.creditCode });
  }
  return holders;
}

const ROLE_BY_LEVEL: Record<Level, string> = {
  'city-finance': 'finance-officer',
  'county-finance': 'finance-officer',
  department: 'department-officer',
  park: 'park-officer',
  enterprise: 'enterprise-officer',
  pool: 'finance-officer',
};

/**
 * Builds the whole script: the holders first, then every command of the fund in business-date order
 * (commands of the same date keep the order in which they are written below).
 */
export function buildHohhot2022Script(): DemoStep[] {
  const holders = hohhot2022Holders();
  const holderById = new Map(holders.map((h) => [h.holderId, h]));
  const actorOf = (holderId: string): DemoActor => {
    const holder = holderById.get(holderId);
    if (!holder) throw new Error(`demo: unknown holder ${holderId}`);
    return { id: `demo-${holderId}`, role: ROLE_BY_LEVEL[holder.level], unit: holder.name };
  };

  const timeline: { seq: number; step: FundStep }[] = [];
  const fundId = HOHHOT_2022_FUND_ID;
  const add = (actorHolderId: string, command: FundCommand): void => {
    timeline.push({ seq: timeline.length, step: { fundId, command, actor: actorOf(actorHolderId) } });
  };
  const transferTargets = new Map<string, string>();

  /** 拨付: sent on one date, received (到账) on a later one, unless `receivedOn` is null (reversed before receipt). */
  const transfer = (
    transferId: string,
    sentOn: string,
    receivedOn: string | null,
    fromHolderId: string,
    toHolderId: string,
    amountWan: string,
    channel: Channel,
  ): void => {
    const { allocationId, document } = CHANNELS[channel];
    transferTargets.set(transferId, toHolderId);
    add(fromHolderId, {
      kind: 'SendTransfer',
      transferId,
      fromHolderId,
      toHolderId,
      amountFen: wan(amountWan),
      document,
      // only the city finance bureau's transfers draw on the allocation (see the file comment)
      ...(fromHolderId === CITY_FINANCE ? { allocationId } : {}),
      occurredAt: sentOn,
    });
    if (receivedOn) add(toHolderId, { kind: 'ReceiveTransfer', transferId, occurredAt: receivedOn });
  };

  /** 兑现: one payout, or a batch (成熟一批、报送一批) when a batch id is given. */
  const payouts = (batchId: string | undefined, date: string, fromHolderId: string, items: [payoutId: string, projectKey: string, amountWan: string][]): void => {
    const payoutItems: PayoutItem[] = items.map(([payoutId, key, amountWan]) => {
      const p = project(key);
      return { payoutId, fromHolderId, projectId: p.id, amountFen: wan(amountWan), document: CHANNELS[p.channel].document, allocationId: CHANNELS[p.channel].allocationId };
    });
    add(fromHolderId, { kind: 'MakePayouts', ...(batchId ? { batchId } : {}), items: payoutItems, occurredAt: date });
  };

  const registerProjects = (channel: Channel, date: string): void => {
    for (const p of HOHHOT_PROJECTS.filter((candidate) => candidate.channel === channel)) {
      const enterprise = enterpriseById.get(p.enterpriseId)!;
      add(CITY_INDUSTRY, {
        kind: 'RegisterProject',
        projectId: p.id,
        name: p.name,
        enterpriseHolderId: p.enterpriseId,
        ...(enterprise.parkId ? { parkHolderId: enterprise.parkId } : {}),
        direction: p.direction,
        batch: p.batch,
        category: p.category,
        approvedFen: wan(p.approvedWan),
        occurredAt: date,
        document: CHANNELS[channel].document,
      });
    }
  };

  const allocate = (channel: Channel, amountWan: string, date: string): void => {
    const { allocationId, document, direction } = CHANNELS[channel];
    add(CITY_FINANCE, { kind: 'IssueAllocation', allocationId, document, amountFen: wan(amountWan), direction, occurredAt: date });
  };

  const cf = countyFinanceId;
  const dept = countyDepartmentId;

  // ---- 2022: the budget and the four allocations -------------------------------------------------
  add(CITY_FINANCE, {
    kind: 'AppropriateFund',
    fundId,
    name: '2022年工业高质量发展专项资金',
    nameEn: '2022 Industrial High-Quality Development Special Fund',
    fiscalYear: 2022,
    budgetFen: wan(HOHHOT_2022_REPORT.budgetWan),
    cityFinanceHolderId: CITY_FINANCE,
    occurredAt: '2022-02-18',
  });

  // batch one: 呼财工指〔2022〕11号, 419.18万 to 土默特左旗 (265.18) and 和林格尔县 (154.00)
  allocate('11', '419.18', '2022-03-25');
  registerProjects('11', '2022-03-25');
  transfer('t-0001', '2022-04-12', '2022-04-19', CITY_FINANCE, cf('150121'), '265.18', '11');
  transfer('t-0002', '2022-04-12', '2022-04-28', CITY_FINANCE, cf('150123'), '154.00', '11');
  // 土默特左旗 passes it on after three months and pays the whole batch at once
  transfer('t-0003', '2022-07-15', '2022-07-18', cf('150121'), dept('150121'), '265.18', '11');
  payouts('batch-0001', '2022-08-10', dept('150121'), [
    ['p-0001', '01a', '120.00'],
    ['p-0002', '01b', '60.00'],
    ['p-0003', '02a', '85.18'],
  ]);

  // batch two: 呼财工指〔2022〕28号, 12251.31万 to the ten 旗县区
  allocate('28', '12251.31', '2022-07-29');
  registerProjects('28', '2022-07-29');
  transfer('t-0004', '2022-08-12', '2022-08-26', CITY_FINANCE, cf('150102'), '460.00', '28');
  transfer('t-0005', '2022-08-12', '2022-08-30', CITY_FINANCE, cf('150103'), '400.00', '28');
  transfer('t-0006', '2022-08-15', '2022-09-05', CITY_FINANCE, cf('150104'), '490.00', '28');
  transfer('t-0007', '2022-08-15', '2022-08-23', CITY_FINANCE, cf('150105'), '2020.00', '28');
  transfer('t-0008', '2022-08-16', '2022-09-02', CITY_FINANCE, cf('150121'), '2150.00', '28');
  transfer('t-0009', '2022-08-18', '2022-09-13', CITY_FINANCE, cf('150122'), '1550.00', '28');
  transfer('t-0010', '2022-08-18', '2022-09-08', CITY_FINANCE, cf('150123'), '2071.31', '28');
  // a mistake: 清水河县's share sent to 托克托县财政局; reversed (冲正) before it arrived, then sent right
  transfer('t-0011', '2022-08-18', null, CITY_FINANCE, cf('150122'), '420.00', '28');
  transfer('t-0012', '2022-08-19', '2022-09-16', CITY_FINANCE, cf('150125'), '300.00', '28');
  transfer('t-0013', '2022-08-19', '2022-08-29', CITY_FINANCE, cf('150172'), '2390.00', '28');
  add(CITY_FINANCE, {
    kind: 'ReverseEvent',
    reversalId: 'x-0001',
    eventId: demoEventRef(fundId, 'TransferSent', 't-0011'),
    reason: '收款单位错误：清水河县资金误拨至托克托县财政局，到账前冲正',
    occurredAt: '2022-08-22',
  });
  transfer('t-0014', '2022-08-23', '2022-09-09', CITY_FINANCE, cf('150124'), '420.00', '28');

  // “六大产业集群”专班: 300万 through the city industry bureau
  allocate('zb', '300.00', '2022-09-16');
  registerProjects('zb', '2022-09-16');
  transfer('t-0015', '2022-09-20', '2022-09-23', cf('150105'), dept('150105'), '400.00', '28');
  transfer('t-0016', '2022-09-26', '2022-10-09', CITY_FINANCE, CITY_INDUSTRY, '300.00', 'zb');
  transfer('t-0017', '2022-10-10', '2022-10-14', cf('150103'), dept('150103'), '400.00', '28');
  transfer('t-0018', '2022-10-17', '2022-10-20', cf('150172'), dept('150172'), '250.00', '28');

  // 一事一议: 224.86万 for one project in 和林格尔新区
  allocate('ys', '224.86', '2022-10-20');
  registerProjects('ys', '2022-10-20');

  // 正耐电气's first 30万 (智能模块化预装式变电站) through 28号 and 赛罕区工信局
  payouts('batch-0002', '2022-10-28', dept('150105'), [
    ['p-0004', '14a', '30.00'],
    ['p-0005', '16c', '50.00'],
    ['p-0006', '17b', '50.00'],
    ['p-0007', '18b', '50.00'],
  ]);
  transfer('t-0019', '2022-11-03', '2022-11-21', CITY_FINANCE, cf('150123'), '224.86', 'ys');
  transfer('t-0020', '2022-11-08', '2022-11-15', cf('150125'), dept('150125'), '300.00', '28');
  payouts(undefined, '2022-11-10', dept('150105'), [['p-0008', '16a', '60.00']]);
  // the same first tranche entered a second time the next day …
  payouts(undefined, '2022-11-11', dept('150105'), [['p-0009', '16a', '60.00']]);
  // 正耐电气's second 30万 (固体绝缘环网开关柜), same direction, through the 专班 and the city industry bureau
  payouts('batch-0003', '2022-11-15', CITY_INDUSTRY, [
    ['p-0010', '14b', '30.00'],
    ['p-0011', '17c', '90.00'],
  ]);
  // … and reversed (冲正): the enterprise refunds it to 赛罕区工信局
  add(dept('150105'), {
    kind: 'ReverseEvent',
    reversalId: 'x-0002',
    eventId: demoEventRef(fundId, 'PayoutMade', 'p-0009'),
    reason: '重复兑现：第一笔进度款已于2022-11-10兑现，企业退回后冲正',
    occurredAt: '2022-11-18',
  });
  transfer('t-0021', '2022-11-22', '2022-11-25', cf('150123'), dept('150123'), '154.00', '11');
  payouts('batch-0004', '2022-12-06', dept('150103'), [
    ['p-0012', '08b', '50.00'],
    ['p-0013', '10a', '40.00'],
  ]);
  payouts('batch-0005', '2022-12-15', dept('150172'), [
    ['p-0014', '38b', '50.00'],
    ['p-0015', '40b', '50.00'],
  ]);
  transfer('t-0022', '2022-12-20', '2022-12-27', cf('150121'), dept('150121'), '300.00', '28');

  // the budget nobody proposed a use for goes into the general pool
  add(CITY_FINANCE, {
    kind: 'ReturnFunds',
    returnId: 'r-0001',
    fromHolderId: CITY_FINANCE,
    toHolderId: POOL,
    amountFen: wan(HOHHOT_2022_REPORT.unallocatedSweptWan),
    returnKind: 'sweep',
    reason: '主管部门未提出分配意见，剩余资金作为结余资金纳入统筹项目管理',
    occurredAt: '2022-12-28',
  });

  // ---- 2023: slow payouts, 成熟一批、报送一批 -----------------------------------------------------
  payouts(undefined, '2023-01-12', dept('150125'), [['p-0016', '35b', '50.00']]);
  transfer('t-0023', '2023-01-16', '2023-01-19', cf('150102'), dept('150102'), '200.00', '28');
  payouts('batch-0006', '2023-02-24', dept('150121'), [
    ['p-0017', '21b', '50.00'],
    ['p-0018', '22b', '50.00'],
    ['p-0019', '23b', '50.00'],
  ]);
  transfer('t-0024', '2023-03-01', '2023-03-06', cf('150124'), dept('150124'), '160.00', '28');
  payouts(undefined, '2023-03-08', dept('150123'), [['p-0020', '03b', '64.00']]);
  payouts('batch-0007', '2023-03-20', dept('150102'), [
    ['p-0021', '05a', '80.00'],
    ['p-0022', '06b', '50.00'],
    ['p-0023', '07a', '50.00'],
  ]);
  payouts(undefined, '2023-03-30', dept('150172'), [['p-0024', '39a', '80.00']]);
  transfer('t-0025', '2023-04-10', '2023-04-18', cf('150105'), 'park-jinqiao', '300.00', '28');
  payouts('batch-0008', '2023-04-20', CITY_INDUSTRY, [
    ['p-0025', '21c', '90.00'],
    ['p-0026', '38c', '30.00'],
  ]);
  payouts('batch-0009', '2023-04-26', dept('150124'), [
    ['p-0027', '32b', '40.00'],
    ['p-0028', '33a', '100.00'],
  ]);
  transfer('t-0026', '2023-05-10', '2023-05-16', cf('150123'), 'park-helin', '224.86', 'ys');
  transfer('t-0027', '2023-05-15', '2023-05-22', cf('150122'), dept('150122'), '200.00', '28');
  payouts(undefined, '2023-05-18', dept('150125'), [['p-0029', '35a', '75.00']]);
  transfer('t-0028', '2023-06-05', '2023-06-09', cf('150172'), 'park-zongbao', '200.00', '28');
  payouts(undefined, '2023-06-15', dept('150103'), [['p-0030', '09a', '50.00']]);
  payouts('batch-0010', '2023-06-28', dept('150122'), [
    ['p-0031', '25b', '50.00'],
    ['p-0032', '26b', '70.00'],
  ]);
  payouts(undefined, '2023-06-30', 'park-jinqiao', [['p-0033', '15a', '126.84']]);
  // the three 土默特左旗 batch-one projects, paid in full in 2022, report completion and close
  for (const key of ['01a', '01b', '02a']) {
    add(dept('150121'), { kind: 'ReportProgress', projectId: project(key).id, percent: 100, note: '项目已建成投产', occurredAt: '2023-06-30' });
    add(CITY_INDUSTRY, { kind: 'CloseProject', projectId: project(key).id, note: '奖补资金已全额兑现，项目验收通过', occurredAt: '2023-07-05' });
  }
  transfer('t-0029', '2023-07-03', '2023-07-10', cf('150104'), dept('150104'), '150.00', '28');
  transfer('t-0030', '2023-08-01', '2023-08-04', cf('150123'), dept('150123'), '130.00', '28');
  payouts('batch-0011', '2023-08-22', dept('150104'), [
    ['p-0034', '11b', '50.00'],
    ['p-0035', '12b', '50.00'],
  ]);
  payouts(undefined, '2023-09-12', 'park-helin', [['p-0036', '29b', '100.00']]);
  add('park-helin', { kind: 'ReportProgress', projectId: project('29b').id, percent: 40, note: '主体厂房封顶，设备采购中', occurredAt: '2023-09-12' });
  // one enterprise could not finish (疫情、资金链): the project is cancelled and its money goes back up a level
  add(CITY_INDUSTRY, { kind: 'CancelProject', projectId: project('34a').id, reason: '受疫情和资金链短缺影响，企业未完成项目建设，申请撤销', occurredAt: '2023-09-28' });
  add(dept('150125'), {
    kind: 'ReturnFunds',
    returnId: 'r-0002',
    fromHolderId: dept('150125'),
    toHolderId: cf('150125'),
    amountFen: wan('100.00'),
    returnKind: 'return',
    reason: '马铃薯深加工生产线技术改造项目撤销，未兑现资金退回旗县财政',
    document: DOC_28,
    occurredAt: '2023-10-16',
  });
  payouts(undefined, '2023-10-19', 'park-zongbao', [['p-0037', '36a', '80.00']]);
  payouts('batch-0012', '2023-11-23', dept('150123'), [
    ['p-0038', '04c', '50.00'],
    ['p-0039', '30b', '50.00'],
  ]);

  const fundSteps = [...timeline]
    .sort((a, b) => (a.step.command.occurredAt < b.step.command.occurredAt ? -1 : a.step.command.occurredAt > b.step.command.occurredAt ? 1 : a.seq - b.seq))
    .map((entry) => entry.step);
  return [...holders.map((holder): DemoStep => ({ holder })), ...fundSteps];
}
