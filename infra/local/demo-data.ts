/** The demo township the local stack seeds: one branch per level for the demo accounts. */
import type { Household, IntakeInput, Role, UnitRecord } from '../../shared/domain/index.ts';

export const DEMO_UNITS: readonly UnitRecord[] = [
  { id: 'hp', name: '和平街道', level: 'township', contacts: [{ name: '街道矛调中心', phone: '02787000000' }] },
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
];

export interface DemoAccount {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly unitId: string;
}

/** One per level on one branch, each the parent of the one before (API.md "Local mode"). */
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
  },
  {
    source: 'hotline',
    externalId: 'DEMO-0002',
    center: 'mediation',
    title: '漏水纠纷',
    description: '楼上卫生间漏水到我家天花板，多次协商未果，对方不愿意维修和赔偿。',
    reporter: { name: '吴先生', phone: '13912345602' },
    location: { unitId: 'hp-xf-yg-2' },
    then: 'accept',
  },
  {
    source: 'hotline',
    externalId: 'DEMO-0003',
    center: 'welfare',
    description: '家中老人八十多岁独居，想了解社区有没有助餐和上门探访服务。',
    reporter: { name: '郑女士', phone: '13912345603' },
    location: { address: '翠苑小区2栋' },
  },
  {
    source: 'hotline',
    externalId: 'DEMO-0004',
    center: 'guidance',
    description: '请问孩子入学需要准备哪些居住证明材料？',
    reporter: { phone: '13912345604' },
    location: { unitId: 'hp-hx-jy-1' },
    then: 'resolve',
  },
  {
    source: 'hotline',
    externalId: 'DEMO-0005',
    center: 'opinion',
    description: '建议在小区门口增设非机动车停放区，现在电动车乱停占用消防通道。',
    reporter: { name: '孙先生', phone: '13912345605' },
    location: { unitId: 'hp-hx-lw-1' },
  },
  {
    source: 'hotline',
    externalId: 'DEMO-0006',
    center: 'mediation',
    description: '工地拖欠我们十几个农民工工资三个月了，大家准备去聚集讨说法。',
    reporter: { name: '钱先生', phone: '13912345606' },
    location: { unitId: 'hp-xf-cy-1' },
    priority: 'urgent',
  },
];
