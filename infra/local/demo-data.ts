/**
 * The demo county the local stack seeds: 枝江市 over two townships, the urban
 * 和平街道 (one branch per level for the demo accounts) and the rural 问安镇
 * (a village, its groups and 湾落).
 */
import type { RegistrationInput } from '../../shared/service/volunteers.ts';
import type { Household, IntakeInput, Role, TemplateInput, UnitRecord } from '../../shared/domain/index.ts';

export const DEMO_UNITS: readonly UnitRecord[] = [
  { id: 'zj', name: '枝江市', level: 'county', contacts: [{ name: '市矛调中心', phone: '07174200000' }] },
  { id: 'hp', name: '和平街道', level: 'township', parentId: 'zj', contacts: [{ name: '街道矛调中心', phone: '02787000000' }] },
  { id: 'hp-xf', name: '幸福社区', level: 'community', parentId: 'hp', contacts: [{ name: '社区调委会', phone: '02787000001' }] },
  { id: 'hp-hx', name: '和谐社区', level: 'community', parentId: 'hp', contacts: [{ name: '社区调委会', phone: '02787000002' }] },
  { id: 'hp-xf-yg', name: '阳光小区', level: 'compound', parentId: 'hp-xf' },
  { id: 'hp-xf-cy', name: '翠苑小区', level: 'compound', parentId: 'hp-xf' },
  { id: 'hp-hx-jy', name: '和谐家园', level: 'compound', parentId: 'hp-hx' },
  { id: 'hp-hx-lw', name: '柳湾村民小组', level: 'compound', parentId: 'hp-hx' },
  { id: 'hp-xf-yg-1', name: '1栋', level: 'building', parentId: 'hp-xf-yg', contacts: [{ name: '联户长 张桂兰', phone: '13800000001' }] },
  { id: 'hp-xf-yg-2', name: '2栋', level: 'building', parentId: 'hp-xf-yg' },
  { id: 'hp-xf-yg-3', name: '3栋', level: 'building', parentId: 'hp-xf-yg' },
  { id: 'hp-xf-cy-1', name: '1栋', level: 'building', parentId: 'hp-xf-cy' },
  { id: 'hp-xf-cy-2', name: '2栋', level: 'building', parentId: 'hp-xf-cy' },
  { id: 'hp-hx-jy-1', name: '1栋', level: 'building', parentId: 'hp-hx-jy' },
  { id: 'hp-hx-jy-2', name: '2栋', level: 'building', parentId: 'hp-hx-jy' },
  { id: 'hp-hx-lw-1', name: '上湾', level: 'building', parentId: 'hp-hx-lw' },
  { id: 'hp-hx-lw-2', name: '下湾', level: 'building', parentId: 'hp-hx-lw' },
  // A rural branch: its levels are 镇 / 村 / 小组 / 湾落 on every page and in every message.
  { id: 'wa', name: '问安镇', level: 'township', parentId: 'zj', kind: 'rural', contacts: [{ name: '镇矛调中心', phone: '07174210000' }] },
  { id: 'wa-gms', name: '关庙山村', level: 'community', parentId: 'wa', contacts: [{ name: '村调委会', phone: '07174210001' }] },
  { id: 'wa-gms-1', name: '一组', level: 'compound', parentId: 'wa-gms' },
  { id: 'wa-gms-2', name: '二组', level: 'compound', parentId: 'wa-gms' },
  { id: 'wa-gms-1-wj', name: '王家湾', level: 'building', parentId: 'wa-gms-1', contacts: [{ name: '联户长 王德福', phone: '13800000021' }] },
  { id: 'wa-gms-1-lj', name: '李家湾', level: 'building', parentId: 'wa-gms-1' },
  { id: 'wa-gms-2-zj', name: '张家湾', level: 'building', parentId: 'wa-gms-2' },
];

export interface DemoAccount {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly unitId: string;
}

/** One per level on one branch, each the parent of the one before (API.md "Local mode"); then the county's and the village's. */
/**
 * With MFA_REQUIRED=on locally, the demo officers and admins have TOTP set up
 * with this secret (put it in any authenticator app; README "Sign-in"). A
 * demo's, published here: never a real account's.
 */
export const DEMO_TOTP_SECRET = 'MDTDEMOTOTPSECRETFORLOCALMODE234';

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { username: 'building-mediator', displayName: '张桂兰（联户长）', role: 'liaison', unitId: 'hp-xf-yg-1' },
  // A second 联户长 of the same building: each sees only the households they link.
  { username: 'liaison-yg1b', displayName: '何明（联户长）', role: 'liaison', unitId: 'hp-xf-yg-1' },
  { username: 'compound-mediator', displayName: '李建国（网格员）', role: 'mediator', unitId: 'hp-xf-yg' },
  { username: 'community-mediator', displayName: '王秀英（社区调解员）', role: 'mediator', unitId: 'hp-xf' },
  { username: 'township-mediator', displayName: '陈志强（矛调中心）', role: 'officer', unitId: 'hp' },
  { username: 'volunteer', displayName: '刘洋（党员志愿者）', role: 'volunteer', unitId: 'hp-xf' },
  { username: 'leader', displayName: '赵书记（只读）', role: 'leader', unitId: 'hp' },
  { username: 'admin', displayName: '系统管理员', role: 'admin', unitId: 'hp' },
  // The county above the townships, and the rural branch.
  { username: 'county-officer', displayName: '胡建华（市矛调中心）', role: 'officer', unitId: 'zj' },
  { username: 'county-leader', displayName: '周市长（只读）', role: 'leader', unitId: 'zj' },
  { username: 'county-admin', displayName: '市系统管理员', role: 'admin', unitId: 'zj' },
  { username: 'village-mediator', displayName: '王春梅（村调解员）', role: 'mediator', unitId: 'wa-gms' },
  { username: 'wanluo-liaison', displayName: '王德福（联户长）', role: 'liaison', unitId: 'wa-gms-1-wj' },
];

/** 新风社区's own menu for 群众点单 (other communities use the default). */
export const DEMO_MENU = {
  unitId: 'hp-xf',
  items: [
    { code: 'errand', name: '代办', description: '代办证件、代缴水电气费' },
    { code: 'repair', name: '上门维修', description: '水电、门窗小修（材料费自理）' },
    { code: 'escort', name: '陪诊', description: '陪同就医、取药' },
    { code: 'counselling', name: '心理疏导', description: '谈心、情绪疏导' },
    { code: 'tutoring', name: '四点半课堂', description: '放学后作业辅导' },
  ],
} as const;

/**
 * 双报到: the demo volunteer's approved registration (linked to the `volunteer`
 * account) and one waiting for the community's decision.
 */
export const DEMO_REGISTRATIONS: readonly (RegistrationInput & { readonly approveAs?: string })[] = [
  {
    unitId: 'hp-xf-yg-1',
    name: '刘洋（党员志愿者）',
    phone: '13900000031',
    kind: 'party_member',
    employer: '区税务局',
    skills: ['水电维修', '代办'],
    availability: '周末全天、工作日晚上',
    approveAs: 'volunteer',
  },
  { unitId: 'hp-xf-cy', name: '何丽', phone: '13900000032', kind: 'cadre', employer: '区卫健局', skills: ['陪诊', '心理疏导'], availability: '周六上午' },
];

/** The 联户 of the demo building's two 联户长 (周桂芳's phone is the reporter's of DEMO-0001: an open matter). */
export const DEMO_HOUSEHOLDS: readonly Omit<Household, 'updatedAt'>[] = [
  { id: 'yg1-101', unitId: 'hp-xf-yg-1', liaisonId: 'building-mediator', address: '阳光小区1栋101', head: '周桂芳', phone: '13912345601', people: 1, notes: '独居老人' },
  { id: 'yg1-102', unitId: 'hp-xf-yg-1', liaisonId: 'building-mediator', address: '阳光小区1栋102', head: '吴国强', phone: '13912345611', people: 4 },
  { id: 'yg1-201', unitId: 'hp-xf-yg-1', liaisonId: 'building-mediator', address: '阳光小区1栋201', head: '郑建平', phone: '13912345612', people: 3, notes: '困难户' },
  { id: 'yg1-301', unitId: 'hp-xf-yg-1', liaisonId: 'liaison-yg1b', address: '阳光小区1栋301', head: '何秀英', phone: '13912345613', people: 2 },
];

export const HOTLINE_CLIENT = {
  name: 'hotline-12345',
  sources: ['hotline'],
  scopes: ['cases:write', 'cases:read'],
  rootUnitId: 'hp',
} as const;

/** A city Open311 (GeoReport v2) front end files with this client's key as `api_key`. */
export const OPEN311_CLIENT = {
  name: 'open311-city',
  sources: ['open311'],
  scopes: ['cases:write'],
  rootUnitId: 'hp',
} as const;

type DemoCase = Omit<IntakeInput, 'priority' | 'parties'> & {
  readonly externalId: string;
  readonly priority?: IntakeInput['priority'];
  /** What the demo does with it after filing. */
  readonly then?: 'accept' | 'resolve';
};

export const DEMO_CASES: readonly DemoCase[] = [
  {
    source: 'hotline',
    externalId: 'DEMO-0001',
    center: 'voice',
    description: '楼上住户每天晚上十一点以后还在装修，电钻声很大，影响休息。',
    reporter: { name: '周女士', phone: '13912345601' },
    location: { unitId: 'hp-xf-yg-1', address: '阳光小区1栋502' },
    fields: { place: '1栋502楼上', duration: '一个月以内' },
  },
  {
    source: 'hotline',
    externalId: 'DEMO-0002',
    center: 'mediation',
    title: '漏水纠纷',
    description: '楼上卫生间漏水到我家天花板，多次协商未果，对方不愿意维修和赔偿。',
    reporter: { name: '吴先生', phone: '13912345602' },
    location: { unitId: 'hp-xf-yg-2' },
    fields: { disputeType: '邻里', amount: 5000 },
    then: 'accept',
  },
  {
    source: 'hotline',
    externalId: 'DEMO-0003',
    center: 'welfare',
    description: '家中老人八十多岁独居，想了解社区有没有助餐和上门探访服务。',
    reporter: { name: '郑女士', phone: '13912345603' },
    location: { address: '翠苑小区2栋' },
    fields: { helpType: '养老', household: '老人八十多岁独居，子女在外地工作' },
  },
  {
    source: 'hotline',
    externalId: 'DEMO-0004',
    center: 'guidance',
    description: '请问孩子入学需要准备哪些居住证明材料？',
    reporter: { phone: '13912345604' },
    location: { unitId: 'hp-hx-jy-1' },
    fields: { topic: '教育' },
    then: 'resolve',
  },
  {
    source: 'hotline',
    externalId: 'DEMO-0005',
    center: 'opinion',
    description: '建议在小区门口增设非机动车停放区，现在电动车乱停占用消防通道。',
    reporter: { name: '孙先生', phone: '13912345605' },
    location: { unitId: 'hp-hx-lw-1' },
    fields: { subject: '交通出行' },
  },
  {
    source: 'hotline',
    externalId: 'DEMO-0006',
    center: 'mediation',
    description: '工地拖欠我们十几个农民工工资三个月了，大家准备去聚集讨说法。',
    reporter: { name: '钱先生', phone: '13912345606' },
    location: { unitId: 'hp-xf-cy-1' },
    fields: { disputeType: '劳资' },
    priority: 'urgent',
  },
  {
    source: 'hotline',
    externalId: 'DEMO-0007',
    center: 'welfare',
    description: '点单：母亲下周二要去区医院复查，子女在外地，想请志愿者陪诊。',
    reporter: { name: '冯女士', phone: '13912345607' },
    location: { unitId: 'hp-xf-yg-2' },
    service: { code: 'escort', name: '陪诊' },
  },
];

/**
 * 议事厅 in the demo: 阳光小区's courtyard drainage and building work, met at
 * a 湾子会, agreed and published; and a parking matter 和谐社区 has raised from
 * a case above and not yet met on (linking leaves the demo cases as they are).
 */
export const DEMO_TOPICS = [
  {
    unitId: 'hp-xf',
    title: '阳光小区院落排水与夜间施工',
    description: '多户反映夜间装修噪音和雨天院内积水，商议施工时段和排水改造。',
    fromCases: [],
    meeting: { kind: 'wanzi', place: '阳光小区议事亭', host: '王秀英' },
    participants: [
      { name: '周秀兰', role: 'resident' },
      { name: '吴建华', role: 'resident' },
      { name: '张桂兰', role: 'liaison' },
      { name: '刘志刚', role: 'deputy' },
      { name: '陈国平', role: 'party_member' },
    ],
    minutes: '居民一致同意：装修施工限于 8:00–12:00、14:00–20:00；院内主排水管由物业疏通，社区申请加装雨水篦子。',
    decisions: [
      { text: '张贴装修施工时段公告并逐户告知', owner: '阳光物业', inDays: 3, practical: false },
      { text: '疏通院内主排水管道', owner: '阳光物业', inDays: 7, practical: true },
      { text: '加装雨水篦子 6 处', owner: '幸福社区', inDays: 20, practical: true },
    ],
    result: '装修施工限定在 8:00–12:00、14:00–20:00；物业一周内疏通主排水管，社区二十日内加装雨水篦子。',
  },
  {
    unitId: 'hp-hx',
    title: '柳湾电动车停放',
    description: '电动车乱停占用消防通道，建议增设非机动车停放区。',
    fromCases: ['DEMO-0005'],
  },
] as const;

/**
 * 常用语 for the action forms (the county's, the township's, a community's), and
 * 问安镇's own wording of the 已签收 message with its SMS template ids (the ids
 * are examples: a township enters those its provider approved).
 */
export const DEMO_TEMPLATES: readonly (TemplateInput & { readonly id: string })[] = [
  { id: 'demo-return-scope', unitId: 'zj', action: 'return', title: '不属本单位管辖', text: '经核实，该事项不属于{unit}管辖范围，请重新派单。' },
  { id: 'demo-escalate-coordination', unitId: 'zj', action: 'escalate', title: '需上级协调', text: '该事项涉及多个部门，{unit}无法独立解决，请上级协调处理。' },
  {
    id: 'demo-note-verifying',
    unitId: 'hp',
    action: 'note',
    title: '已受理正在核实',
    text: '您反映的问题（编号 {trackingNo}）已由{unit}受理，正在核实处理，将于{deadline}前答复您。',
  },
  { id: 'demo-resolve-onsite', unitId: 'hp', action: 'resolve', title: '已现场处理', text: '经{unit}工作人员现场查看，问题已处理完毕，群众表示认可。' },
  { id: 'demo-resolve-mediated', unitId: 'hp', action: 'resolve', center: 'mediation', title: '调解成功', text: '经{unit}组织双方调解，当事人自愿达成协议，纠纷已化解。' },
  { id: 'demo-mediation-law', unitId: 'hp', center: 'mediation', title: '释法说理', text: '已向当事人释法说理，引导其通过人民调解依法解决。' },
  { id: 'demo-note-grid', unitId: 'hp-xf', action: 'note', title: '网格员跟进', text: '幸福社区已安排网格员跟进您的诉求（编号 {trackingNo}）。' },
  {
    id: 'demo-wa-accepted',
    unitId: 'wa',
    message: 'accepted',
    title: '问安镇签收通知',
    text: '【矛调通】您的诉求 {trackingNo} 已由{unit}签收，将于{deadline}前办结。',
    aliyunTemplateCode: 'SMS_154950909',
    tencentTemplateId: '1234567',
  },
];
