/** The policy a township edits without a deploy — SLA, risk terms, holiday years — through HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, login, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
let admin: { headers: Record<string, string> };

beforeAll(async () => {
  stack = await startTestStack();
  admin = { headers: { authorization: `Bearer ${await login(stack, 'county-admin')}` } };
});
afterAll(() => stack.stop());

const put = (name: string, body: unknown, as = admin) => call(stack, 'PUT', `/v1/config/${name}`, { ...as, body });
const get = (name: string, as = admin) => call(stack, 'GET', `/v1/config/${name}`, as);

describe('configuration', () => {
  it('shows the defaults until a document is stored, then the stored document and what takes effect', async () => {
    const before = await get('risk');
    expect(before.status, before.text).toBe(200);
    expect(before.body).toMatchObject({ name: 'risk', stored: null });
    expect(before.body.effective.terms.length).toBeGreaterThan(0);

    const terms = [{ term: '讨薪', level: 'orange' }, { term: '跳楼', level: 'red' }];
    const stored = await put('risk', { terms });
    expect(stored.status, stored.text).toBe(200);
    expect(stored.body).toEqual({ name: 'risk', stored: { terms }, effective: { terms } });
    expect((await get('risk')).body.stored).toEqual({ terms });

    const sla = await put('sla', { levels: { building: { normal: { accept: { amount: 4, unit: 'workingHours' } } } }, maxReturns: 3 });
    expect(sla.status, sla.text).toBe(200);
    expect(sla.body.effective.levels.building.normal.accept).toEqual({ amount: 4, unit: 'workingHours' });
    expect(sla.body.effective.maxReturns).toBe(3);
  });

  it('names the years of the next 60 days nobody entered, until a holiday year is added', async () => {
    const { clock } = await import('../../shared/service/clock.ts');
    clock.set(() => new Date('2026-11-20T02:00:00Z'));
    try {
      const before = (await get('calendar')).body.effective;
      expect(before.knownYears).not.toContain(2027);
      // 20 Nov + 60 days reaches into January 2027.
      expect(before.uncoveredYears).toEqual([2027]);
      const reply = await put('calendar', { years: [{ year: 2027, holidays: ['2027-01-01', '2027-10-01'], workdays: ['2027-10-09'] }] });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.effective).toMatchObject({ uncoveredYears: [] });
      expect(reply.body.effective.knownYears).toContain(2027);
      clock.set(() => new Date('2027-11-20T02:00:00Z'));
      const later = { headers: { authorization: `Bearer ${await login(stack, 'county-admin')}` } };
      expect((await get('calendar', later)).body.effective.uncoveredYears).toEqual([2028]);
    } finally {
      clock.reset();
    }
  });

  it('refuses a bad document with 400 naming each problem, and stores nothing', async () => {
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    for (const [name, body, path] of [
      ['risk', { terms: [{ term: '', level: 'red' }] }, 'terms.0.term'],
      ['risk', { terms: [{ term: '纠纷', level: 'purple' }] }, 'terms.0.level'],
      ['risk', { words: [] }, '(body)'],
      ['sla', { maxReturns: 0 }, 'maxReturns'],
      ['sla', { levels: { building: { normal: { accept: { amount: -1, unit: 'hours' } } } } }, 'levels.building.normal.accept.amount'],
      ['sla', { remindAtFraction: 1.5 }, 'remindAtFraction'],
      ['calendar', { years: [{ year: 2027, holidays: ['2027-02-30'], workdays: [] }] }, 'years.0.holidays.0'],
      ['calendar', { years: [{ year: 2027, holidays: ['2028-01-01'], workdays: [] }] }, 'years.0.holidays.0'],
      ['calendar', { years: [{ year: 2027, holidays: ['2027-10-08'], workdays: ['2027-10-08'] }] }, 'years.0.workdays'],
      ['calendar', { years: [{ year: 1999, holidays: [], workdays: [] }] }, 'years.0.year'],
      ['calendar', { years: [{ year: 2027, holidays: [], workdays: [] }, { year: 2027, holidays: [], workdays: [] }] }, 'years.1.year'],
      ['calendar', { years: [{ year: 2027, holidays: Array.from({ length: 61 }, (_, i) => new Date(Date.UTC(2027, 0, 1 + i)).toISOString().slice(0, 10)), workdays: [] }] }, 'years.0.holidays'],
      // Beyond what the calendar can compute, or a fraction of a working day: refused, not rounded.
      ['sla', { levels: { building: { normal: { resolve: { amount: 1200, unit: 'workingDays' } } } } }, 'levels.building.normal.resolve.amount'],
      ['sla', { levels: { building: { normal: { resolve: { amount: 1.5, unit: 'workingDays' } } } } }, 'levels.building.normal.resolve.amount'],
      ['sla', { centers: { voice: { building: { urgent: { accept: { amount: 129601, unit: 'minutes' } } } } } }, 'centers.voice.building.urgent.accept.amount'],
      ['sla', { levels: { township: { normal: { accept: { amount: 1751, unit: 'workingHours' } } } } }, 'levels.township.normal.accept.amount'],
      ['sla', { supervisionPeriod: { amount: 2161, unit: 'hours' } }, 'supervisionPeriod.amount'],
      ['sla', { maxExtension: { amount: 251, unit: 'workingDays' } }, 'maxExtension.amount'],
    ] as const) {
      const reply = await put(name, body);
      expect(reply.status, `${name} ${JSON.stringify(body)}`).toBe(400);
      expect(reply.body.error.code).toBe('validation_failed');
      const paths = (reply.body.error.issues as { path: string }[]).map((i) => i.path);
      expect(paths, `${name} ${JSON.stringify(body)}`).toContain(path);
    }
    const unknown = await put('holidays', { years: [] });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    const notJson = await call(stack, 'PUT', '/v1/config/risk', { ...admin, raw: '{"terms":', headers: { ...admin.headers, 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it('computes every limit up to the longest it accepts: a 250-working-day building limit still takes cases', async () => {
    const longest = await put('sla', { levels: { building: { normal: { accept: { amount: 1750, unit: 'workingHours' }, resolve: { amount: 250, unit: 'workingDays' } } } } });
    expect(longest.status, longest.text).toBe(200);
    const filed = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '楼道灯坏了', location: { unitId: 'hp-xf-yg-1' } } });
    expect(filed.status, filed.text).toBe(201);
    expect(Date.parse(filed.body.resolveDueAt) - Date.now()).toBeGreaterThan(250 * 86_400_000);
    const fraction = await put('sla', { levels: { building: { normal: { accept: { amount: 1.5, unit: 'workingHours' } } } } });
    expect(fraction.status, fraction.text).toBe(200);
    expect(fraction.body.effective.levels.building.normal.accept).toEqual({ amount: 1.5, unit: 'workingHours' });
  });

  it("lets admins read it, and only the top unit's admin change it", async () => {
    const officer = { headers: { authorization: `Bearer ${await login(stack, 'township-mediator')}` } };
    expect((await get('sla', officer)).status).toBe(403);
    expect((await put('risk', { terms: [] }, officer)).status).toBe(403);

    const created = await call(stack, 'POST', '/v1/users', {
      ...admin,
      body: { username: 'hx-admin', displayName: '和谐社区管理员', role: 'admin', unitId: 'hp-hx', password: 'a-long-password' },
    });
    expect(created.status, created.text).toBe(201);
    const token = (await call(stack, 'POST', '/v1/auth/login', { key: null, body: { username: 'hx-admin', password: 'a-long-password' } })).body.token as string;
    const community = { headers: { authorization: `Bearer ${token}` } };
    expect((await get('sla', community)).status).toBe(200);
    const refused = await put('risk', { terms: [] }, community);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('only an admin of the top unit');
  });
});
