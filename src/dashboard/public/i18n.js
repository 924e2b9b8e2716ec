// Every visible string in Chinese (default) and English; numbers in 万元 with two decimals; dates 2022年8月15日.
const STRINGS = {
  title: ['专项资金追踪看板', 'Special fund tracker'],
  product: ['Fundtrail 专项资金追踪账本', 'Fundtrail special fund ledger'],
  fund: ['专项资金', 'Fund'],
  asOf: ['截至', 'As of'],
  latest: ['最新', 'Latest'],
  language: ['English', '中文'],
  navOverview: ['资金总览', 'Overview'],
  navHeldUp: ['资金滞留', 'Held up'],
  navTimeline: ['时间轴', 'Timeline'],
  navAlerts: ['预警', 'Alerts'],
  navProjects: ['项目与企业', 'Projects & enterprises'],
  navCounties: ['旗县区排名', 'County league'],
  navPublic: ['拨付情况公示', 'Public disclosure'],
  loading: ['加载中…', 'Loading…'],
  notReady: ['数据接口尚未就绪', 'Not available yet'],
  notReadyDetail: ['该功能所需的接口尚未上线，此处不显示任何数字。', 'The API this needs has not landed yet; no figures are shown here.'],
  error: ['加载失败', 'Failed to load'],
  noData: ['暂无数据', 'No data'],
  wan: ['万元', '10k CNY'],
  budget: ['预算安排', 'Budget'],
  allocated: ['已下达指标', 'Allocated'],
  unallocated: ['未下达（未分配）', 'Unallocated'],
  inTransit: ['在途', 'In transit'],
  atCounty: ['旗县区财政局', 'County finance bureaus'],
  atOffices: ['主管部门及园区', 'Departments and parks'],
  paidToEnterprises: ['已拨付至企业', 'Paid to enterprises'],
  pool: ['收回统筹', 'Swept into the pool'],
  cityFinance: ['市财政局', 'City finance bureau'],
  heldAt: ['滞留', 'held'],
  stillUnallocated: ['尚未下达', 'not yet allocated'],
  executionRate: ['预算执行率', 'Execution rate'],
  arrivalRate: ['资金到位率', 'Arrival rate'],
  formula: ['公式', 'Formula'],
  base: ['基数', 'Base'],
  numerator: ['分子', 'Numerator'],
  sankeyTitle: ['资金流向：预算 → 下达 → 旗县区 → 部门及园区 → 企业', 'Where the money went: budget → allocated → counties → departments and parks → enterprises'],
  sankeyNote: ['累计流量（冲正与退回已抵销）；末端为截至当日各层级仍持有的资金。', 'Cumulative flows (reversals and returns netted); the ends are what each level still holds on that day.'],
  upward: ['逆向回流（未在图中绘出）', 'Money sent back up (not drawn)'],
  ratesTitle: ['执行率与到位率', 'Execution and arrival rates'],
  allocationsTitle: ['指标文件', 'Allocation documents'],
  document: ['文号', 'Document'],
  direction: ['支持方向', 'Support direction'],
  channel: ['渠道', 'Channel'],
  issuedOn: ['下达日期', 'Issued on'],
  paid: ['已兑现', 'Paid'],
  rate: ['比率', 'Rate'],
  level: ['层级', 'Level'],
  received: ['已到位', 'Received'],
  planned: ['应到位', 'Planned'],
  heatTitle: ['旗县区 × 层级 滞留资金（颜色：加权平均滞留天数）', 'Held money by county × level (colour: amount-weighted mean age in days)'],
  heatValue: ['金额', 'Amount'],
  ageDays: ['滞留天数', 'Age (days)'],
  meanAge: ['加权平均滞留天数', 'Mean age (days)'],
  oldest: ['最久', 'Oldest'],
  since: ['起', 'since'],
  heldUpTitle: ['滞留最多、最久的资金（按 金额×天数 排序）', 'Largest and oldest holdings (ordered by amount × days)'],
  holder: ['资金所在单位', 'Holder'],
  county: ['旗县区', 'County'],
  held: ['滞留金额', 'Held'],
  waitingProjects: ['等待拨付的项目', 'Projects waiting'],
  waiting: ['待拨付', 'Waiting'],
  agingBuckets: ['账龄分布', 'Aging buckets'],
  days: ['天', 'days'],
  cityLevel: ['市本级', 'City level'],
  accountTitle: ['账户明细', 'Account detail'],
  receipts: ['到账记录（来自事件）', 'Receipts (from the events)'],
  lotsTitle: ['资金批次（先进先出）', 'Lots held (first in, first out)'],
  arrivedOn: ['到账日期', 'Arrived on'],
  ageFrom: ['账龄起算', 'age from'],
  ageDays: ['账龄（天）', 'Age (days)'],
  amountIn: ['到账金额', 'Amount in'],
  remaining: ['剩余金额', 'Remaining'],
  source: ['来源', 'Source'],
  allocationDoc: ['所属指标文件', 'Allocation document'],
  lotsTotal: ['批次剩余合计（= 该单位余额）', 'Lots remaining in total (= the account’s balance)'],
  lotsShown: ['显示', 'shown'],
  agesCountedTo: ['账龄计至', 'ages counted to'],
  close: ['关闭', 'Close'],
  timelineTitle: ['资金事件时间轴', 'The fund’s events'],
  date: ['日期', 'Date'],
  event: ['事件', 'Event'],
  from: ['付款单位', 'From'],
  to: ['收款单位', 'To'],
  amount: ['金额', 'Amount'],
  note: ['说明', 'Note'],
  afterAsOf: ['（截至日之后）', '(after the as-of date)'],
  eventsShown: ['条事件', 'events'],
  monthlyTitle: ['按月累计执行率', 'Cumulative execution by month'],
  alertsTitle: ['预警收件箱', 'Alerts inbox'],
  live: ['实时', 'live'],
  severity: ['级别', 'Severity'],
  status: ['状态', 'Status'],
  all: ['全部', 'All'],
  open: ['未处理', 'Open'],
  acknowledged: ['已确认', 'Acknowledged'],
  resolved: ['已解除', 'Resolved'],
  acknowledge: ['确认', 'Acknowledge'],
  ackNote: ['确认说明', 'Note'],
  raisedOn: ['触发日期', 'Raised on'],
  message: ['内容', 'Message'],
  deferralsTitle: ['延期拨付申请', 'Deferral requests'],
  requestDeferral: ['申请延期', 'Request deferral'],
  approve: ['批准', 'Approve'],
  reject: ['驳回', 'Reject'],
  reason: ['理由', 'Reason'],
  newDate: ['延期至', 'Until'],
  approvals: ['审批', 'Approvals'],
  projectsTitle: ['项目库', 'Project registry'],
  project: ['项目', 'Project'],
  enterprise: ['企业', 'Enterprise'],
  approved: ['核定金额', 'Approved'],
  progress: ['进度', 'Progress'],
  batch: ['批次', 'Batch'],
  category: ['类别', 'Category'],
  review: ['评审类', 'review'],
  redeem: ['兑现类', 'redemption'],
  registered: ['在建', 'registered'],
  closed: ['已结项', 'closed'],
  cancelled: ['已撤销', 'cancelled'],
  duplicate: ['重复奖补', 'Duplicate award'],
  duplicatesTitle: ['同一企业同一支持方向多次获奖补', 'Same enterprise awarded more than once in one support direction'],
  duplicatesSource: ['依据项目库比对（统一社会信用代码 + 支持方向）', 'From the registry (credit code + support direction)'],
  historyTitle: ['企业历年申报、奖补与拨付', 'Enterprise history: applications, awards and payouts'],
  creditCode: ['统一社会信用代码', 'Credit code'],
  search: ['搜索', 'Search'],
  registeredOn: ['登记日期', 'Registered on'],
  leagueTitle: ['旗县区排名（按执行率）', 'County league table (by execution rate)'],
  rank: ['排名', 'Rank'],
  sentToCounty: ['拨至该旗县区', 'Sent to the county'],
  heldInCounty: ['仍滞留', 'Still held'],
  overdue: ['逾期资金', 'Overdue money'],
  publicTitle: ['拨付情况公示', 'Public disclosure of payouts'],
  publicIntro: ['依据账本自动生成，无需登录。仅公开资金总额及拨付至企业的明细。', 'Generated from the ledger, no login needed. Only fund totals and payouts to enterprises are published.'],
  login: ['登录', 'Sign in'],
  logout: ['退出', 'Sign out'],
  username: ['用户名', 'User name'],
  password: ['密码', 'Password'],
  loginNeeded: ['请登录后查看', 'Please sign in'],
  loginFailed: ['用户名或密码错误', 'Wrong user name or password'],
  forbidden: ['当前身份无权查看', 'Your role may not see this'],
  submit: ['提交', 'Submit'],
  conservation: ['各单位余额 + 在途 + 未分配 = 预算安排', 'holders + in transit + unallocated = budget'],
  reconciles: ['平衡', 'reconciles'],
  count: ['数量', 'Count'],
  asOfCurrentOnly: ['（该数据为当前状态，不随日期变化）', '(current state; does not follow the date)'],
  projectsAsOfNote: ['已拨付、进度与状态均为该日的数值（按资金事件回放）：截至', 'Paid, progress and status are those of that day (the fund’s events replayed): as of'],
  duplicatesAsOf: ['，截至', '; registered by'],
  timeTravel: ['历史回放', 'Time travel'],
  timeTravelNote: ['各页面数字均为该日的状态', 'every view shows that day'],
  alertsAsOfNote: ['截至该日应已触发的预警（按规则回放，只读；确认与实时推送仅在最新日期）', 'The alerts that would have been raised by that day (the rules replayed; read-only: acknowledging and live updates only at the latest date)'],
  resolvedBy: ['解除于', 'resolved on'],
};

const EVENT_TYPES = {
  FundAppropriated: ['预算安排', 'Fund appropriated'],
  AllocationIssued: ['指标下达', 'Allocation issued'],
  ProjectRegistered: ['项目登记', 'Project registered'],
  TransferSent: ['拨付（在途）', 'Transfer sent'],
  TransferReceived: ['到账', 'Transfer received'],
  PayoutMade: ['兑现至企业', 'Paid to enterprise'],
  EventReversed: ['冲正', 'Reversal'],
  FundsReturned: ['退回/收回', 'Funds returned'],
  ProjectProgressReported: ['进度报告', 'Progress reported'],
  ProjectClosed: ['结项', 'Project closed'],
  ProjectCancelled: ['撤销', 'Project cancelled'],
};

const LEVELS = {
  'city-finance': ['市财政局', 'City finance'],
  'county-finance': ['旗县区财政局', 'County finance'],
  department: ['主管部门', 'Department'],
  park: ['园区管委会', 'Park committee'],
  enterprise: ['企业', 'Enterprise'],
  pool: ['统筹资金', 'General pool'],
  unallocated: ['未分配预算', 'Unallocated budget'],
};

let language = localStorage.getItem('fundtrail.lang') === 'en' ? 'en' : 'zh';

export function lang() {
  return language;
}

export function setLang(next) {
  language = next === 'en' ? 'en' : 'zh';
  localStorage.setItem('fundtrail.lang', language);
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
}

export function t(key) {
  const entry = STRINGS[key];
  if (!entry) throw new Error(`missing string ${key}`);
  return entry[language === 'zh' ? 0 : 1];
}

export function eventType(type) {
  const entry = EVENT_TYPES[type];
  return entry ? entry[language === 'zh' ? 0 : 1] : type;
}

export function levelName(level) {
  const entry = LEVELS[level];
  return entry ? entry[language === 'zh' ? 0 : 1] : level ?? '';
}

/** A bilingual pair from the API ({zh, en}) or ("中文 English" joined) in the current language. */
export function pick(pair) {
  if (!pair) return '';
  if (typeof pair === 'string') return pair;
  return language === 'zh' ? pair.zh ?? pair.en : pair.en ?? pair.zh;
}

/** "150000000.00" (元) → integer fen, exact. */
export function fen(yuan) {
  if (yuan === null || yuan === undefined || yuan === '') return 0;
  const text = String(yuan);
  const negative = text.startsWith('-');
  const [whole, decimals = ''] = text.replace('-', '').split('.');
  const value = Number(whole) * 100 + Number((decimals + '00').slice(0, 2));
  return negative ? -value : value;
}

/** "150000000.00" → "15,000.00" (万元, two decimals, half up). */
export function wan(yuan) {
  const amount = fen(yuan);
  const negative = amount < 0;
  const hundredths = Math.floor((Math.abs(amount) + 5_000) / 10_000);
  const whole = String(Math.floor(hundredths / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const text = `${whole}.${String(hundredths % 100).padStart(2, '0')}`;
  return negative && hundredths !== 0 ? `-${text}` : text;
}

export function wanUnit(yuan) {
  return `${wan(yuan)} ${t('wan')}`;
}

/** Fen → 万元 as a number (for charts only). */
export function wanNumber(yuan) {
  return Math.round(fen(yuan) / 10_000) / 100;
}

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function date(iso) {
  if (!iso) return '';
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number);
  return language === 'zh' ? `${year}年${month}月${day}日` : `${day} ${MONTHS_EN[month - 1]} ${year}`;
}

export function monthLabel(isoMonth) {
  const [year, month] = isoMonth.split('-').map(Number);
  return language === 'zh' ? `${year}年${month}月` : `${MONTHS_EN[month - 1]} ${year}`;
}

export function percentText(value) {
  if (value === null || value === undefined) return '—';
  return String(value).endsWith('%') ? String(value) : `${value}%`;
}
