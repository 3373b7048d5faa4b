import { describe, expect, it } from 'vitest';
import { awaitingFollowUp, isAddressOnly, isReporter, newestOpen, phoneToLink, satisfactionOf } from '../../../shared/channels/resident.ts';
import { decodeUtf8, parseForm } from '../../../shared/channels/form.ts';
import { isAllowed, parseAllowList } from '../../../shared/service/channel-config.ts';
import { route } from '../../../shared/notify/channel.ts';
import { backoffSeconds, MAX_BACKOFF_SECONDS } from '../../../shared/queue/backoff.ts';
import { ValidationFailed } from '../../../shared/domain/errors.ts';

describe('a resident’s own case', () => {
  it('is one they reported by the same openId or the same phone', () => {
    const state = { reporter: { openId: 'oA', phone: '13800138000' } };
    expect(isReporter(state, { openId: 'oA' })).toBe(true);
    expect(isReporter(state, { phone: '13800138000' })).toBe(true);
    expect(isReporter(state, { openId: 'oB', phone: '13800138000' })).toBe(true);
    expect(isReporter(state, { openId: 'oB' })).toBe(false);
    expect(isReporter({ reporter: {} }, {})).toBe(false);
    expect(isReporter({ reporter: { name: '张三' } }, { phone: '13800138000' })).toBe(false);
  });
});

describe('conversation words', () => {
  it.each([
    ['13800138000', '13800138000'],
    ['手机号 138-0013-8000', '13800138000'],
    ['绑定：13800138000', '13800138000'],
    ['电话１３８００１３８０００', '13800138000'],
  ])('reads %j as a phone to link', (text, phone) => {
    expect(phoneToLink(text)).toBe(phone);
  });

  it.each(['我的电话是13800138000，楼道灯坏了', '12800138000', '1380013800', '查询 13800138000'])('does not read %j as a phone to link', (text) => {
    expect(phoneToLink(text)).toBeUndefined();
  });

  it.each([
    ['阳光小区3栋', true],
    ['阳光小区 3栋。', true],
    ['我住阳光小区3栋2单元502', true],
    ['幸福社区阳光小区3栋', true],
    ['在阳光小区', true],
    ['阳光小区门口有人摆摊卖菜', false],
    ['阳光小区3栋楼道灯坏了', false],
  ])('reads %j as only an address: %s', (text, expected) => {
    expect(isAddressOnly(text, ['3栋', '阳光小区', '幸福社区', '和平街道'])).toBe(expected);
  });

  it('reads the 回访 answers the resolution notice asks for', () => {
    expect(satisfactionOf('满意')).toBe('satisfied');
    expect(satisfactionOf(' 基本满意。')).toBe('basically_satisfied');
    expect(satisfactionOf('“不满意”')).toBe('dissatisfied');
    expect(satisfactionOf('不太满意物业的态度')).toBeUndefined();
  });

  it('finds the case a 回访 answer is about, and the newest open case', () => {
    const resolved = (id: string, updatedAt: string, followUpAt?: string) => ({
      id,
      status: 'resolved' as const,
      updatedAt,
      createdAt: updatedAt,
      resolution: { outcome: 'resolved' as const, summary: '', at: updatedAt, level: 'building' as const, unitId: 'u', onTime: true },
      followUp: followUpAt ? { satisfaction: 'satisfied' as const, at: followUpAt } : undefined,
    });
    expect(awaitingFollowUp([resolved('A', '2026-11-01T00:00:00Z'), resolved('B', '2026-11-02T00:00:00Z')])?.id).toBe('B');
    expect(awaitingFollowUp([resolved('A', '2026-11-01T00:00:00Z'), resolved('B', '2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z')])?.id).toBe('A');
    expect(awaitingFollowUp([{ ...resolved('C', '2026-11-01T00:00:00Z'), status: 'pending' as const }])).toBeUndefined();
    expect(newestOpen([
      { id: 'a', status: 'pending' as const, createdAt: '2026-11-01' },
      { id: 'b', status: 'in_progress' as const, createdAt: '2026-11-03' },
      { id: 'c', status: 'closed' as const, createdAt: '2026-11-05' },
    ])?.id).toBe('b');
  });
});

describe('strict forms', () => {
  it('decodes like URLSearchParams for well-formed bodies', () => {
    const body = 'Body=%E6%A5%BC%E9%81%93+%E7%81%AF&From=%2B8613800138000&Empty=&Flag&a=1&a=2';
    expect([...parseForm(body)]).toEqual([...new URLSearchParams(body)]);
  });

  it('refuses bad %-escapes and invalid UTF-8 instead of turning them into U+FFFD', () => {
    expect(() => parseForm('Body=%E4%B8')).toThrow(ValidationFailed);
    expect(() => parseForm('Body=%ZZ')).toThrow(ValidationFailed);
    expect(() => decodeUtf8(new Uint8Array([0x61, 0xff]))).toThrow('the body is not valid UTF-8');
    expect(decodeUtf8(new Uint8Array(Buffer.from('楼道')))).toBe('楼道');
  });
});

describe('SMS_ALLOWED_IPS', () => {
  it('allows listed addresses and subnets, IPv4 and IPv6, and nothing else', () => {
    const list = parseAllowList(' 203.0.113.0/24 , 198.51.100.7, 2001:db8::/32 ');
    expect(isAllowed(list, '203.0.113.200')).toBe(true);
    expect(isAllowed(list, '::ffff:198.51.100.7')).toBe(true);
    expect(isAllowed(list, '198.51.100.8')).toBe(false);
    expect(isAllowed(list, '2001:db8:1::5')).toBe(true);
    expect(isAllowed(list, '2001:db9::5')).toBe(false);
    expect(isAllowed(list, 'not-an-ip')).toBe(false);
    expect(isAllowed(undefined, '192.0.2.1')).toBe(true);
  });

  it('refuses a list it cannot read (configuration, not input)', () => {
    expect(() => parseAllowList('10.0.0.0/33')).toThrow(RangeError);
    expect(() => parseAllowList('example.com')).toThrow(RangeError);
  });
});

describe('outbound routing', () => {
  it('reaches a resident by the channel they used, others by phone first', () => {
    const both = { name: '周', phone: '13800138000', openId: 'oA' };
    expect(route(both, 'wechat')).toEqual({ kind: 'wechat', to: 'oA', name: '周' });
    expect(route(both, 'sms')).toEqual({ kind: 'sms', to: '13800138000', name: '周' });
    expect(route(both)).toEqual({ kind: 'sms', to: '13800138000', name: '周' });
    expect(route({ name: '周', openId: 'oA' }, 'sms')).toEqual({ kind: 'wechat', to: 'oA', name: '周' });
    expect(route({ name: '周' })).toBeUndefined();
  });
});

describe('callback backoff', () => {
  it('doubles from the queue’s visibility timeout per receive, capped at an hour', () => {
    expect([1, 2, 3, 4].map((n) => backoffSeconds(60, n))).toEqual([60, 120, 240, 480]);
    expect(backoffSeconds(60, 20)).toBe(MAX_BACKOFF_SECONDS);
    expect(backoffSeconds(1, 1)).toBe(1);
  });
});
