/** Files on a case, in the domain: the per-case limit, requested files settling once, who may add them, safe names. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTACHMENT_LIMITS,
  Forbidden,
  InvalidTransition,
  NotFound,
  attachmentCount,
  decide,
  evolve,
  fold,
  sanitizeFileName,
  type Actor,
  type AttachedData,
  type CaseEvent,
  type CaseState,
  type Command,
  type MediaRequest,
} from '../../shared/domain/index.ts';
import { ctx, hotline, intake, system, user } from '../support/domain.ts';

const T0 = '2026-11-25T09:00:00+08:00';
const liaison = user('hp-xf-yg-1', 'liaison');
const resident: Actor = { kind: 'resident', id: 'wechat', channel: 'wechat' };
const photo = (id: string, over: Partial<AttachedData> = {}): AttachedData => ({
  id,
  kind: 'image',
  mediaType: 'image/jpeg',
  size: 2048,
  sha256: 'f'.repeat(64),
  name: '现场.jpg',
  visibility: 'internal',
  purpose: 'evidence',
  origin: 'upload',
  ...over,
});
const url = (n: number): MediaRequest => ({ source: { kind: 'url', url: `https://files.example.cn/${n}.jpg` }, visibility: 'shared' });

function start(media: readonly MediaRequest[] = []): { state: CaseState; events: CaseEvent[] } {
  const d = decide(undefined, { type: 'receive', id: 'CASE000001', trackingNo: 'CASE000001', trackingCode: '123456', input: intake({ media }) }, ctx(hotline, T0));
  if (!d.ok) throw d.error;
  return { state: evolve(undefined, d.event), events: [d.event] };
}

function step(s: { state: CaseState; events: CaseEvent[] }, command: Command, actor: Actor) {
  const d = decide(s.state, command, ctx(actor, T0));
  if (!d.ok) throw d.error;
  s.events.push(d.event);
  s.state = evolve(s.state, d.event);
  return s;
}

function refused(state: CaseState, command: Command, actor: Actor) {
  const d = decide(state, command, ctx(actor, T0));
  if (d.ok) throw new Error(`expected ${command.type} to be refused`);
  return d.error;
}

describe('the per-case limit of 20 files', () => {
  it('counts files stored and files still being fetched, and refuses the 21st either way', () => {
    const s = start([url(0), url(1), url(2)]);
    expect(s.state.pendingMedia?.map((p) => p.ref)).toEqual(['1.0', '1.1', '1.2']);
    for (let i = 0; i < ATTACHMENT_LIMITS.perCase - 3; i++) step(s, { type: 'attach', attachment: photo(`A${i}`) }, liaison);
    expect(attachmentCount(s.state)).toBe(20);
    expect(refused(s.state, { type: 'attach', attachment: photo('A99') }, liaison)).toBeInstanceOf(InvalidTransition);
    expect(refused(s.state, { type: 'request_media', media: [url(9)] }, resident)).toBeInstanceOf(InvalidTransition);
    // A pending file that fails frees its place; one that arrives keeps it.
    step(s, { type: 'attach', attachment: photo('M1', { ref: '1.0', origin: 'hotline' }) }, system);
    step(s, { type: 'fail_media', ref: '1.1', reason: '类型不支持' }, system);
    expect(attachmentCount(s.state)).toBe(19);
    step(s, { type: 'attach', attachment: photo('A100') }, liaison);
    expect(refused(s.state, { type: 'attach', attachment: photo('A101') }, liaison)).toBeInstanceOf(InvalidTransition);
  });

  it('refuses an intake with more than 20 files', () => {
    const d = decide(undefined, { type: 'receive', id: 'C1', trackingNo: 'C1', trackingCode: '1', input: intake({ media: Array.from({ length: 21 }, (_, i) => url(i)) }) }, ctx(hotline, T0));
    expect(d.ok).toBe(false);
  });

  it('holds for any sequence of requests, arrivals and failures (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('request' as const), n: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ kind: fc.constant('upload' as const) }),
      fc.record({ kind: fc.constantFrom('arrive' as const, 'fail' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const s = start();
        let n = 0;
        for (const o of ops) {
          const pending = s.state.pendingMedia ?? [];
          const command: Command | undefined =
            o.kind === 'request'
              ? { type: 'request_media', media: Array.from({ length: o.n }, (_, i) => url(i)) }
              : o.kind === 'upload'
                ? { type: 'attach', attachment: photo(`U${n++}`) }
                : pending.length === 0
                  ? undefined
                  : o.kind === 'arrive'
                    ? { type: 'attach', attachment: photo(`F${n++}`, { ref: pending[o.pick % pending.length]!.ref }) }
                    : { type: 'fail_media', ref: pending[o.pick % pending.length]!.ref, reason: 'x' };
          if (!command) continue;
          const actor = command.type === 'request_media' ? resident : command.type === 'attach' && command.attachment.ref === undefined ? liaison : system;
          const d = decide(s.state, command, ctx(actor, T0));
          if (d.ok) {
            s.events.push(d.event);
            s.state = evolve(s.state, d.event);
          }
          expect(attachmentCount(s.state)).toBeLessThanOrEqual(ATTACHMENT_LIMITS.perCase);
        }
        // The projection is the fold of the log, and every ref settles at most once.
        expect(fold(s.events)).toEqual(s.state);
        const refs = (s.state.attachments ?? []).flatMap((a) => (a.ref ? [a.ref] : []));
        expect(new Set(refs).size).toBe(refs.length);
      }),
    );
  });
});

describe('requested files settle once', () => {
  it('a second arrival or a failure after arrival of the same file is refused (redelivered worker messages change nothing)', () => {
    const s = start([url(0)]);
    step(s, { type: 'attach', attachment: photo('M1', { ref: '1.0' }) }, system);
    expect(refused(s.state, { type: 'attach', attachment: photo('M1b', { ref: '1.0' }) }, system)).toBeInstanceOf(InvalidTransition);
    expect(refused(s.state, { type: 'fail_media', ref: '1.0', reason: 'late' }, system)).toBeInstanceOf(InvalidTransition);
    expect(refused(s.state, { type: 'attach', attachment: photo('M1') }, liaison)).toBeInstanceOf(InvalidTransition);
    expect(s.state.pendingMedia).toBeUndefined();
    expect(s.state.attachments?.[0]).toMatchObject({ id: 'M1', by: 'sweeper', at: new Date(T0).toISOString() });
  });

  it('settles a file asked for before the case was closed or merged', () => {
    const s = start([url(0)]);
    step(s, { type: 'withdraw', reason: '群众撤回' }, liaison);
    step(s, { type: 'attach', attachment: photo('M1', { ref: '1.0' }) }, system);
    expect(s.state.attachments).toHaveLength(1);
    expect(refused(s.state, { type: 'attach', attachment: photo('A2') }, liaison)).toBeInstanceOf(InvalidTransition);
  });

  it('refuses a file over 10 MB', () => {
    expect(refused(start().state, { type: 'attach', attachment: photo('A1', { size: ATTACHMENT_LIMITS.maxBytes + 1 }) }, liaison).code).toBe('validation_failed');
  });
});

describe('who may add files', () => {
  const s = start();
  it('staff in the jurisdiction; not a leader; not outside it', () => {
    expect(decide(s.state, { type: 'attach', attachment: photo('A1') }, ctx(user('hp-xf'), T0)).ok).toBe(true);
    expect(refused(s.state, { type: 'attach', attachment: photo('A1') }, user('hp', 'leader'))).toBeInstanceOf(Forbidden);
    expect(refused(s.state, { type: 'attach', attachment: photo('A1') }, user('hp-hx'))).toBeInstanceOf(NotFound);
  });
  it('the hotline that filed the case, not another client', () => {
    expect(decide(s.state, { type: 'attach', attachment: photo('A1', { origin: 'hotline' }) }, ctx(hotline, T0)).ok).toBe(true);
    expect(refused(s.state, { type: 'attach', attachment: photo('A1') }, { ...hotline, id: 'other-client' })).toBeInstanceOf(NotFound);
  });
  it('a resident asks for files to be fetched, but does not attach stored ones', () => {
    expect(decide(s.state, { type: 'request_media', media: [url(0)] }, ctx(resident, T0)).ok).toBe(true);
    expect(refused(s.state, { type: 'attach', attachment: photo('A1') }, resident)).toBeInstanceOf(Forbidden);
  });
});

describe('sanitizeFileName', () => {
  it.each([
    ['../../etc/passwd', 'pdf', 'passwd.pdf'],
    ['C:\\Users\\张三\\身份证.JPG', 'jpg', '身份证.jpg'],
    ['协议\u202Egpj.exe', 'pdf', '协议gpj.pdf'],
    ['...', 'png', '附件.png'],
    ['报告 "终稿"?.pdf', 'pdf', '报告 _终稿__.pdf'],
    [undefined, 'm4a', '附件.m4a'],
  ])('%s → %s', (raw, ext, expected) => {
    expect(sanitizeFileName(raw, ext)).toBe(expected);
  });

  it('gives a short name with no path, control or invisible character and the content’s extension, whatever comes in', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.constantFrom('jpg', 'pdf', 'heic'), (raw, ext) => {
        const name = sanitizeFileName(raw, ext);
        expect([...name].length).toBeLessThanOrEqual(ATTACHMENT_LIMITS.nameChars);
        expect(name).not.toMatch(/[\\/<>:"|?*\p{Cc}\p{Cf}]/u);
        expect(name.endsWith(`.${ext}`)).toBe(true);
        expect(name.startsWith('.')).toBe(false);
      }),
    );
  });
});
