import { describe, expect, it } from 'vitest';
import { guessCenter, parseCommand, replies } from '../../../shared/channels/commands.ts';
import { CENTERS } from '../../../shared/domain/registry.ts';
import { xmlReady } from '../../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

const NO = 'C26V9XQGBV';

describe('parseCommand', () => {
  it.each([
    [`查询 ${NO}`, NO],
    [`查询${NO}`, NO],
    [`cx ${NO}`, NO],
    [`CX ${NO}`, NO],
    [`查询：${NO}`, NO],
    [`  查询\u3000${NO}  `, NO], // full-width space
    [`查询 ${NO.toLowerCase()}`, NO],
    [`查询 C26V9-XQGBV`, NO],
    ['查询 Ｃ２６Ｖ９ＸＱＧＢＶ', NO], // full-width letters and digits
    ['ＣＸ　ｃ２６ｖ９ｘｑｇｂｖ', NO],
  ])('reads %j as a status query', (text, trackingNo) => {
    expect(parseCommand(text)).toEqual({ kind: 'status', trackingNo });
  });

  it('reads 撤回 as a withdrawal', () => {
    expect(parseCommand(`撤回 ${NO}`)).toEqual({ kind: 'withdraw', trackingNo: NO });
    expect(parseCommand(`撤回${NO.toLowerCase()}`)).toEqual({ kind: 'withdraw', trackingNo: NO });
  });

  it('answers an invalid or missing number with help and a reason', () => {
    expect(parseCommand('查询 C26V9XQGB0')).toEqual({ kind: 'help', reason: '编号“C26V9XQGB0”不正确' }); // 0 is not in the alphabet
    expect(parseCommand('cx 123')).toMatchObject({ kind: 'help', reason: expect.stringContaining('123') });
    expect(parseCommand('查询')).toEqual({ kind: 'help', reason: '请在指令后附上编号' });
    expect(parseCommand('撤回 ')).toEqual({ kind: 'help', reason: '请在指令后附上编号' });
  });

  it.each(['帮助', 'help', 'HELP', '?', '？', ' 帮助 '])('reads %j as help', (text) => {
    expect(parseCommand(text)).toEqual({ kind: 'help' });
  });

  it('treats anything else as a new matter, keeping the original text (trimmed)', () => {
    expect(parseCommand('  楼上邻居家漏水，协商不成  ')).toEqual({ kind: 'new', text: '楼上邻居家漏水，协商不成' });
    // A question that merely starts with 查询 is a matter, not a malformed command.
    expect(parseCommand('查询低保政策怎么申请')).toEqual({ kind: 'new', text: '查询低保政策怎么申请' });
    // "cx" glued to a word is not the command.
    expect(parseCommand('cxk is here')).toEqual({ kind: 'new', text: 'cxk is here' });
    expect(parseCommand('帮助我看看路灯')).toEqual({ kind: 'new', text: '帮助我看看路灯' });
  });

  it('answers an empty text with help', () => {
    expect(parseCommand(' \u3000 ')).toMatchObject({ kind: 'help' });
  });
});

describe('guessCenter', () => {
  it.each([
    ['opinion', '建议小区增加一些健身器材'],
    ['opinion', '希望社区规划一个停车场'],
    ['mediation', '楼上邻居家漏水把我家天花板泡坏了，协商不成'],
    ['mediation', '老板拖欠工资三个月了'],
    ['mediation', '和物业因为物业费发生纠纷'],
    ['voice', '晚上广场舞噪音太大扰民'],
    ['voice', '小区门口路灯坏了好几天'],
    ['voice', '垃圾堆在楼道没人清理'],
    ['guidance', '请问孩子入学政策是怎样的'],
    ['guidance', '想咨询一下公积金如何提取'],
    ['welfare', '家里老人行动不便，想申请养老补贴'],
    ['welfare', '家庭困难，能申请低保吗'],
  ] as const)('%s ← %s', (center, text) => {
    expect(guessCenter(text)).toBe(center);
  });

  it('falls back to 民声收集 when nothing matches', () => {
    expect(guessCenter('你好')).toBe('voice');
    expect(guessCenter('')).toBe('voice');
  });

  it('breaks ties by registry order', () => {
    // One opinion keyword, one voice keyword: opinion comes first in CENTERS.
    expect(guessCenter('建议处理一下噪音')).toBe('opinion');
    // One mediation keyword, one welfare keyword.
    expect(guessCenter('邻居老人')).toBe('mediation');
  });

  it('counts repeated keywords', () => {
    expect(guessCenter('建议……噪音噪音')).toBe('voice');
  });

  it('uses the registry keywords: every centre is reachable by its own first keyword', () => {
    for (const center of CENTERS) expect(guessCenter(center.keywords[0] ?? '')).toBe(center.code);
  });
});

describe('replies', () => {
  it('give the resident the number, the 提取码 and how to ask again', () => {
    const receipt = replies.receipt(NO, '555263');
    expect(receipt).toContain(NO);
    expect(receipt).toContain('提取码 555263');
    expect(receipt).toContain(`查询 编号`);
    expect(replies.status(NO, 'in_progress')).toBe(`编号 ${NO} 当前状态：办理中。`);
    expect(replies.status(NO, 'withdrawn')).toContain('已撤回');
    expect(replies.withdrawn(NO)).toBe(`编号 ${NO} 的诉求已撤回。`);
    expect(replies.help('编号“X”不正确')).toMatch(/^编号“X”不正确。直接发送/);
    expect(replies.help()).toMatch(/^直接发送/);
    expect(replies.askForBuilding()).toBe('请回复您所在的小区和楼栋，例如：阳光小区3栋');
    expect(replies.notFound(NO)).toContain(NO);
  });
});

describe('点单 and 报到', () => {
  it.each([
    ['点单', { kind: 'menu' }],
    [' 点单 ', { kind: 'menu' }],
    ['点单：', { kind: 'menu' }],
    ['点单 3', { kind: 'order', choice: '3', words: '' }],
    ['点单3', { kind: 'order', choice: '3', words: '' }],
    ['点单 ３ 周二上午去区医院', { kind: 'order', choice: '3', words: '周二上午去区医院' }], // full-width digit
    ['点单 1. 帮忙交电费', { kind: 'order', choice: '1', words: '帮忙交电费' }],
    ['点单 陪诊 周二上午 去区医院', { kind: 'order', choice: '陪诊', words: '周二上午 去区医院' }],
    ['点单：上门维修', { kind: 'order', choice: '上门维修', words: '' }],
    ['点单　escort', { kind: 'order', choice: 'escort', words: '' }],
    ['报到', { kind: 'registerFormat' }],
    ['报到 张三', { kind: 'registerFormat', reason: '内容不全' }],
    ['报到 张三 阳光社区 水电维修', { kind: 'registerFormat', reason: '内容不全' }],
    ['报到 张三 阳光社区 水电维修 党员', { kind: 'registerFormat', reason: '内容不全' }],
    [
      '报到 张三 阳光社区 水电维修、陪诊 周末全天',
      { kind: 'register', name: '张三', place: '阳光社区', skills: ['水电维修', '陪诊'], availability: '周末全天', volunteerKind: 'party_member' },
    ],
    [
      '报到：李四 和谐社区 法律咨询,代办 周六 上午 干部',
      { kind: 'register', name: '李四', place: '和谐社区', skills: ['法律咨询', '代办'], availability: '周六 上午', volunteerKind: 'cadre' },
    ],
    [
      '报到 王五 阳光小区3栋 理发 每月一次 群众',
      { kind: 'register', name: '王五', place: '阳光小区3栋', skills: ['理发'], availability: '每月一次', volunteerKind: 'resident' },
    ],
    ['报到 张三 阳光社区 一、二、三、四、五、六、七、八、九、十、十一 周末', { kind: 'registerFormat', reason: expect.stringContaining('特长') }],
    [`报到 张三 阳光社区 ${'修'.repeat(21)} 周末`, { kind: 'registerFormat', reason: expect.stringContaining('特长') }],
    [`报到 ${'张'.repeat(31)} 阳光社区 修理 周末`, { kind: 'registerFormat', reason: '姓名不超过30字' }],
    // Not the commands: the words inside a matter.
    ['点单的志愿者没来', { kind: 'new', text: '点单的志愿者没来' }],
    ['报到处排队太久', { kind: 'new', text: '报到处排队太久' }],
  ] as const)('reads %j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it('answers with the menu numbered, the format and a 报到 receipt', () => {
    const menu = { items: [{ code: 'errand', name: '代办', description: '代缴费用' }, { code: 'escort', name: '陪诊' }] };
    expect(replies.menu(menu).split('\n')).toEqual(['可点单的服务：', '1. 代办（代缴费用）', '2. 陪诊', expect.stringContaining('点单 序号')]);
    expect(replies.menu(menu, '服务清单中没有“理发”')).toMatch(/^服务清单中没有“理发”\n可点单的服务：/);
    expect(replies.registerFormat('内容不全')).toMatch(/^内容不全。报到格式：报到 姓名 居住社区/);
    expect(replies.registered('张三', '阳光社区', false)).toContain('审核');
  });
});
