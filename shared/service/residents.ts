/**
 * A resident's message on WeChat or SMS → a case, a status answer, or an
 * action on their own case, and the text we answer with. Shared by every text
 * channel so they behave the same; the webhooks only speak the providers'
 * protocols.
 *
 * Exactly once: a provider message is recorded with its answer after it is
 * handled (INBOUND#…), so a retry gets the first answer and changes nothing;
 * a new matter's case id is derived from the provider's message id, so even
 * two concurrent deliveries file one case.
 *
 * Who a resident is: the openId WeChat signs for, or the phone the SMS
 * provider says the message came from — and, on WeChat, a phone only once
 * the resident has typed back the code we sent to it by SMS. 查询, 撤回 and
 * 回访 act only on cases reported with that openId or phone.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ATTACHMENT_LIMITS,
  InvalidTransition,
  ORDER_CENTER,
  STATUSES,
  ValidationFailed,
  communityOf,
  findService,
  signpostLine,
  type Menu,
  type Registration,
  type MediaRequest,
  type MediaSource,
  type Actor,
  type CaseState,
  type IntakeInput,
  type Location,
  type Unit,
  type UnitTree,
} from '../domain/index.ts';
import { guessCenter, parseCommand, replies, type ResidentCommand } from '../channels/commands.ts';
import { normalizePhone } from '../contract/fields.ts';
import {
  awaitingFollowUp,
  isAddressOnly,
  isReporter,
  newestOpen,
  phoneToLink,
  residentReplies,
  satisfactionOf,
  type ResidentIdentity,
} from '../channels/resident.ts';
import type { SmsProvider } from '../channels/sms.ts';
import type { ChannelStore, Contact } from '../store/channel-store.ts';
import type { AttemptLimiter, LimitRule } from '../store/limits.ts';
import { VERIFICATION, verificationCodeOf } from '../channels/resident.ts';
import type { ReplyMessage } from '../queue/messages.ts';
import type { CaseService } from './cases.ts';
import type { CaseStore } from '../store/case-store.ts';
import { reporterKeys } from './repeats.ts';
import type { RegistrationInput } from './volunteers.ts';

/** What the channel asks of 双报到 and the menus (the Volunteers service the public route uses too). */
export interface ResidentVolunteers {
  menu(unitId: string | undefined): Promise<Menu>;
  register(input: RegistrationInput, source: Registration['source'], now: Date, scope?: string): Promise<{ registration: Registration; created: boolean }>;
}

export interface ResidentSender {
  readonly channel: 'wechat' | 'sms';
  readonly provider?: SmsProvider;
  readonly openId?: string;
  readonly phone?: string;
  /** The township the account written to serves (WECHAT_TOWNSHIP, SMS_TOWNSHIPS); a matter without a place goes there. */
  readonly township?: string;
}

export type ResidentMessage =
  /** A text; an MMS carries files too. */
  | { readonly kind: 'text'; readonly text: string; readonly media?: readonly MediaSource[] }
  /** A photo or a recording; `text` is what WeChat's speech recognition heard. */
  | { readonly kind: 'media'; readonly media: readonly MediaSource[]; readonly text?: string }
  | { readonly kind: 'location'; readonly lat: number; readonly lng: number; readonly label: string }
  | { readonly kind: 'subscribe' }
  | { readonly kind: 'unsupported' };

export interface Inbound {
  readonly sender: ResidentSender;
  /** The provider's id of the message (e.g. `msg:<MsgId>`, `aliyun:<sequence_id>`): the dedupe key. */
  readonly key: string;
  readonly message: ResidentMessage;
}

export interface Handled {
  readonly reply?: string;
  readonly caseId?: string;
  /** When it was first handled: a retry answers with this time's reply. */
  readonly at: string;
  /** A retry of a message handled before: nothing was done this time. */
  readonly replayed: boolean;
}

export interface ResidentDeps {
  readonly cases: CaseService;
  readonly store: CaseStore;
  readonly channels: ChannelStore;
  readonly units: () => Promise<UnitTree>;
  readonly reporterKey: (reporter: { phone?: string; openId?: string }) => string | undefined;
  readonly now: () => Date;
  /** Linking a phone: codes sent are limited per phone and per openId. */
  readonly limiter: AttemptLimiter;
  /** Sends an SMS that is no answer to the message at hand (a phone-link code), through the notifier. */
  readonly sendSms: (message: ReplyMessage) => Promise<void>;
  readonly random: (bytes: number) => Uint8Array;
  /** A keyed hash (the reporter index's key), so a stored code cannot be read back. */
  readonly secretHash: (text: string) => string;
  /** A file's source as it may be fetched (an address the allow-list refuses dropped), or undefined when nothing of it may be. */
  readonly allowMedia: (source: MediaSource) => MediaSource | undefined;
  /** 点单 from the menu and 报到 by message. */
  readonly volunteers: ResidentVolunteers;
  /** 退订: the notices to households skip these reporter keys from now on. */
  readonly optOut?: (keys: readonly string[], at: string) => Promise<void>;
}

/** Codes sent to one phone, and asked for by one openId, per hour. */
const CODES_PER_PHONE: LimitRule = { scope: 'verify-phone', max: 3, windowSeconds: 3600 };
const CODES_PER_OPENID: LimitRule = { scope: 'verify-openid', max: 5, windowSeconds: 3600 };

/** Longest matter a message may file (the intake contract's limit). */
export const MAX_TEXT = 4000;
/** How long a case waits for its building after we asked. */
const AWAIT_BUILDING_MS = 24 * 3600_000;
/** How far back a location or a 回访 answer looks for the resident's case. */
const LOOKBACK_DAYS = 90;

const statusName = (code: string) => STATUSES.find((s) => s.code === code)?.name ?? code;

/** A unit's name and its ancestors', as a resident may write them in an address. */
function unitNames(units: UnitTree, unit: Unit): string[] {
  const names: string[] = [];
  for (let u: Unit | undefined = unit; u; u = units.parent(u.id)) names.push(u.name);
  return names;
}

export class ResidentChannel {
  constructor(private readonly deps: ResidentDeps) {}

  /** Handle one provider message once; a retry returns the first answer. */
  async handle(inbound: Inbound): Promise<Handled> {
    const log = inbound.sender.channel;
    const seen = await this.deps.channels.inbound(log, inbound.key);
    if (seen) return { reply: seen.reply, caseId: seen.caseId, at: seen.at, replayed: true };
    const at = this.deps.now().toISOString();
    const outcome = await this.process(inbound);
    const recorded = await this.deps.channels.recordInbound(log, inbound.key, { ...outcome, at });
    return { reply: recorded.reply, caseId: recorded.caseId, at: recorded.at, replayed: false };
  }

  private actor(sender: ResidentSender): Actor {
    return {
      kind: 'resident',
      id: sender.channel,
      channel: sender.provider ? `${sender.channel}:${sender.provider}` : sender.channel,
      ...(sender.township !== undefined ? { rootUnitId: sender.township } : {}),
    };
  }

  private contactKey(sender: ResidentSender): string | undefined {
    return this.deps.reporterKey(sender.openId !== undefined ? { openId: sender.openId } : { phone: sender.phone });
  }

  private async process(inbound: Inbound): Promise<{ reply?: string; caseId?: string }> {
    const { sender, message } = inbound;
    switch (message.kind) {
      case 'subscribe':
        return { reply: residentReplies.welcome() };
      case 'unsupported':
        return { reply: residentReplies.unsupported() };
      case 'location':
        return this.location(sender, message);
      case 'media':
        return this.media(inbound, message.media, message.text);
      case 'text': {
        const media = message.media ?? [];
        if (media.length > 0 && message.text.trim() === '') return this.media(inbound, media);
        const filed = { withMedia: false };
        const answer = await this.text(inbound, message.text, media, filed);
        if (media.length === 0 || filed.withMedia) return answer;
        // A command with files (查询 with a photo, say): the command is answered, the files go to the open case.
        const more = await this.media(inbound, media);
        return { reply: [answer.reply, more.reply].filter(Boolean).join('\n'), caseId: answer.caseId ?? more.caseId };
      }
    }
  }

  /**
   * A photo or recording: to the resident's open case (the one waiting for
   * its building first), or a new case as a text would start one; WeChat's
   * transcript of a recording goes in as text. Addresses the allow-list
   * refuses are dropped before anything is written. A retry of the message
   * adds nothing: its key makes the request the same request.
   */
  private async media(inbound: Inbound, sources: readonly MediaSource[], heard?: string): Promise<{ reply?: string; caseId?: string }> {
    const { sender } = inbound;
    const allowed = sources.flatMap((source) => this.deps.allowMedia(source) ?? []);
    if (allowed.length === 0) return { reply: residentReplies.mediaRefused() };
    const media: MediaRequest[] = allowed.map((source) => ({ source, visibility: 'shared' }));
    const { key, contact, who } = await this.conversation(sender);
    const now = this.deps.now();
    const waiting = contact?.awaitingCaseId !== undefined ? (await this.deps.store.load(contact.awaitingCaseId))?.state : undefined;
    const open = (c: CaseState | undefined) => c && isReporter(c, who) && ['pending', 'in_progress'].includes(c.status);
    const target = open(waiting) ? waiting : newestOpen(await this.recentCases(who, now));
    if (!target) {
      const text = heard ?? `（群众通过${sender.channel === 'wechat' ? '微信' : '彩信'}发来${media.length}个文件，尚未说明情况）`;
      const filed = await this.fileNew(inbound, text, media, { key, contact, who }, now);
      return heard === undefined ? { ...filed, reply: `${filed.reply ?? ''}\n${residentReplies.mediaFiled()}` } : filed;
    }
    try {
      await this.act(target.id, { type: 'request_media', media }, sender, `${inbound.key}:media`);
    } catch (error) {
      if (!(error instanceof InvalidTransition)) throw error;
      const full = (target.attachments?.length ?? 0) + (target.pendingMedia?.length ?? 0) + media.length > ATTACHMENT_LIMITS.perCase;
      return {
        reply: full ? residentReplies.tooManyFiles(target.trackingNo, ATTACHMENT_LIMITS.perCase) : residentReplies.cannotAddFiles(target.trackingNo, statusName(target.status)),
        caseId: target.id,
      };
    }
    if (heard !== undefined) await this.act(target.id, { type: 'note', visibility: 'internal', text: `群众语音（识别文字）：${heard}`.slice(0, 2000) }, sender, `${inbound.key}:heard`);
    return { reply: residentReplies.mediaAdded(target.trackingNo), caseId: target.id };
  }

  /** Who wrote, as far as it is proven: the sender's own id, and a phone only the SMS network or a code checked vouches for. */
  private async conversation(sender: ResidentSender) {
    const key = this.contactKey(sender);
    const contact = key === undefined ? undefined : await this.deps.channels.contact(key);
    const who: ResidentIdentity = { openId: sender.openId, phone: sender.phone ?? contact?.verifiedPhone };
    return { key, contact, who };
  }

  /** `手机号 138…` on WeChat: send a code to that phone; until it comes back, the number grants nothing. */
  private async startLink(key: string, sender: ResidentSender, phone: string, inboundKey: string, now: Date): Promise<{ reply: string }> {
    const phoneKey = this.deps.reporterKey({ phone }) ?? phone;
    const attempt = await this.deps.limiter.take(
      [
        { rule: CODES_PER_PHONE, subject: phoneKey },
        { rule: CODES_PER_OPENID, subject: key },
      ],
      now,
    );
    if (attempt.wait > 0) return { reply: residentReplies.tooManyCodes(Math.ceil(attempt.wait / 60)) };
    const bytes = this.deps.random(4);
    const code = String(((bytes[0] ?? 0) * 2 ** 24 + (bytes[1] ?? 0) * 2 ** 16 + (bytes[2] ?? 0) * 2 ** 8 + (bytes[3] ?? 0)) % 10 ** VERIFICATION.digits).padStart(VERIFICATION.digits, '0');
    const at = now.toISOString();
    await this.deps.channels.startVerification(key, {
      phone,
      codeHash: this.codeHash(key, phone, code),
      validUntil: new Date(now.getTime() + VERIFICATION.validMinutes * 60_000).toISOString(),
    });
    await this.deps.sendSms({ channel: 'sms', to: phone, text: residentReplies.codeSms(code), ref: `verify:${sender.channel}:${inboundKey}`, at });
    return { reply: residentReplies.codeSent(phone) };
  }

  private codeHash(key: string, phone: string, code: string): string {
    return this.deps.secretHash(`verify:${key}:${phone}:${code}`);
  }

  /** A code typed back: one counted try (atomic), then the comparison; the phone is linked when it matches. */
  private async finishLink(key: string, contact: Contact | undefined, sender: ResidentSender, code: string, now: Date): Promise<{ reply: string }> {
    const pending = await this.deps.channels.tryVerification(key, now.toISOString(), VERIFICATION.maxTries);
    if (!pending) return { reply: residentReplies.codeExpired() };
    const expected = Buffer.from(pending.codeHash);
    const given = Buffer.from(this.codeHash(key, pending.phone, code));
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { reply: residentReplies.codeWrong(VERIFICATION.maxTries - pending.tries) };
    }
    if (!(await this.deps.channels.finishVerification(key, pending.codeHash))) return { reply: residentReplies.codeExpired() };
    await this.deps.channels.putContact({ ...contact, key, openId: sender.openId, verifiedPhone: pending.phone, phoneVerifiedAt: now.toISOString(), updatedAt: now.toISOString() });
    return { reply: residentReplies.phoneLinked(pending.phone) };
  }

  private async text(inbound: Inbound, text: string, media: readonly MediaSource[] = [], filed = { withMedia: false }): Promise<{ reply?: string; caseId?: string }> {
    const { sender } = inbound;
    const conversation = await this.conversation(sender);
    const { key, contact, who } = conversation;
    const now = this.deps.now();

    const phone = sender.channel === 'wechat' ? phoneToLink(text) : undefined;
    if (phone !== undefined && key !== undefined) return this.startLink(key, sender, phone, inbound.key, now);
    const code = sender.channel === 'wechat' ? verificationCodeOf(text) : undefined;
    // A bare six digits is a code only while one is pending; said as 验证码, it always is.
    if (code !== undefined && key !== undefined && (code.said || (await this.deps.channels.verification(key)) !== undefined)) {
      return this.finishLink(key, contact, sender, code.code, now);
    }

    const satisfaction = satisfactionOf(text);
    if (satisfaction !== undefined) {
      const target = awaitingFollowUp(await this.recentCases(who, now));
      if (!target) return { reply: residentReplies.nothingToRate() };
      try {
        const { state } = await this.act(target.id, { type: 'follow_up', satisfaction }, sender);
        return { reply: state.status === 'pending' ? residentReplies.reopened(state.trackingNo) : residentReplies.thanks(state.trackingNo), caseId: state.id };
      } catch (error) {
        // The same answer sent twice at once: the other message recorded the 回访 first.
        if (error instanceof InvalidTransition) return { reply: residentReplies.alreadyRated(target.trackingNo), caseId: target.id };
        throw error;
      }
    }

    const command = parseCommand(text);
    switch (command.kind) {
      case 'help':
        return { reply: replies.help(command.reason) };
      case 'unsubscribe': {
        // The sender's own key, and the phone their WeChat has linked: a household's notices go to its phone.
        const linked = contact?.verifiedPhone !== undefined ? this.deps.reporterKey({ phone: contact.verifiedPhone }) : undefined;
        const keys = [key, linked].filter((k): k is string => k !== undefined);
        if (this.deps.optOut && keys.length > 0) await this.deps.optOut(keys, now.toISOString());
        return { reply: replies.unsubscribed() };
      }
      case 'status': {
        const state = await this.ownCase(command.trackingNo, who);
        return state ? { reply: replies.status(state.trackingNo, state.status), caseId: state.id } : { reply: replies.notFound(command.trackingNo) };
      }
      case 'withdraw': {
        const state = await this.ownCase(command.trackingNo, who);
        if (!state) return { reply: replies.notFound(command.trackingNo) };
        if (state.status === 'withdrawn') return { reply: replies.withdrawn(state.trackingNo), caseId: state.id };
        try {
          const via = sender.channel === 'wechat' ? '微信' : '短信';
          await this.act(state.id, { type: 'withdraw', reason: `群众通过${via}撤回` }, sender);
          return { reply: replies.withdrawn(state.trackingNo), caseId: state.id };
        } catch (error) {
          if (error instanceof InvalidTransition) return { reply: residentReplies.cannotWithdraw(state.trackingNo, statusName(state.status)), caseId: state.id };
          throw error;
        }
      }
      case 'menu':
        return { reply: replies.menu(await this.deps.volunteers.menu(this.placeOf(await this.deps.units(), '', contact)?.id ?? sender.township)) };
      case 'order':
        return this.order(inbound, command, conversation, now);
      case 'registerFormat':
        return { reply: replies.registerFormat(command.reason) };
      case 'register':
        return this.register(sender, command, who, now);
      case 'new':
        break;
    }

    if ([...text].length > MAX_TEXT) return { reply: residentReplies.tooLong(MAX_TEXT) };
    const units = await this.deps.units();
    const matched = units.matchAddress(text, sender.township);

    // The answer to "which building?": the case waiting for it is located, no new case is filed.
    const waiting = contact?.awaitingCaseId !== undefined && (contact.awaitingUntil ?? '') > now.toISOString() ? contact.awaitingCaseId : undefined;
    if (waiting !== undefined && key !== undefined && matched && isAddressOnly(text, unitNames(units, matched))) {
      return this.fillIn(key, contact as Contact, waiting, matched, text, sender);
    }
    const allowed = media.flatMap((source) => this.deps.allowMedia(source) ?? []);
    // Files no one may fetch are left to the media path, which tells the resident.
    filed.withMedia = allowed.length === media.length;
    return this.fileNew(inbound, text, filed.withMedia ? allowed.map((source) => ({ source, visibility: 'shared' as const })) : [], conversation, now);
  }

  /**
   * 点单 <number or name> <words>: a case carrying the service, checked against
   * the menu of the place it is filed at, filed as any message files one (the
   * same receipt, the same dedupe by the message's id). Not on the menu: the
   * menu again, nothing filed.
   */
  private async order(
    inbound: Inbound,
    command: Extract<ResidentCommand, { kind: 'order' }>,
    conversation: { key?: string; contact?: Contact; who: ResidentIdentity },
    now: Date,
  ): Promise<{ reply?: string; caseId?: string }> {
    const unit = this.placeOf(await this.deps.units(), command.words, conversation.contact);
    const menu = await this.deps.volunteers.menu(unit?.id ?? inbound.sender.township);
    const item = /^\d+$/.test(command.choice) ? menu.items[Number(command.choice) - 1] : findService(menu, command.choice);
    if (!item) return { reply: replies.menu(menu, `服务清单中没有“${command.choice}”，请按序号或名称点单`) };
    const text = `点单：${item.name}${command.words ? `。${command.words}` : ''}`;
    if ([...text].length > MAX_TEXT) return { reply: residentReplies.tooLong(MAX_TEXT) };
    return this.fileNew(inbound, text, [], conversation, now, { code: item.code, name: item.name });
  }

  /**
   * 报到 by message, through the Volunteers service as the page's: the phone
   * is the one the SMS network or a checked code vouches for, so one person
   * registering again (by any way) gets their first registration back.
   */
  private async register(sender: ResidentSender, command: Extract<ResidentCommand, { kind: 'register' }>, who: ResidentIdentity, now: Date): Promise<{ reply: string }> {
    if (who.phone === undefined) return { reply: replies.registerNeedsPhone() };
    const units = await this.deps.units();
    const unit = units.matchAddress(command.place, sender.township);
    const community = unit === undefined ? undefined : communityOf(units, unit.id);
    if (!unit || !community) return { reply: replies.registerNoCommunity(command.place) };
    const input: RegistrationInput = {
      unitId: unit.id,
      name: command.name,
      phone: normalizePhone(who.phone),
      kind: command.volunteerKind,
      skills: command.skills,
      availability: command.availability,
    };
    try {
      const { created } = await this.deps.volunteers.register(input, sender.channel, now, sender.township);
      return { reply: replies.registered(command.name, community.name, !created) };
    } catch (error) {
      if (error instanceof ValidationFailed) return { reply: replies.registerNoCommunity(command.place) };
      throw error;
    }
  }

  /** Where a message files: a building named in the text, else the place the resident gave before, else what the text names. */
  private placeOf(units: UnitTree, text: string, contact: Contact | undefined): Unit | undefined {
    const matched = text === '' ? undefined : units.matchAddress(text);
    const remembered = contact?.unitId !== undefined ? units.get(contact.unitId) : undefined;
    return matched?.level === 'building' ? matched : (remembered ?? matched);
  }

  /** A new case from a resident's message: the building read from the text, else the one they gave before; the 回执 as the answer. */
  private async fileNew(
    inbound: Inbound,
    text: string,
    media: readonly MediaRequest[],
    { key, contact, who }: { key?: string; contact?: Contact; who: ResidentIdentity },
    now: Date,
    service?: { readonly code: string; readonly name: string },
  ): Promise<{ reply?: string; caseId?: string }> {
    const { sender } = inbound;
    const unit = this.placeOf(await this.deps.units(), text, contact);
    const location: Location = unit ? { unitId: unit.id } : {};
    const input: IntakeInput = {
      source: sender.channel,
      externalId: inbound.key,
      center: service ? ORDER_CENTER : guessCenter(text),
      description: text,
      priority: 'normal',
      reporter: { ...(who.openId !== undefined ? { openId: who.openId } : {}), ...(who.phone !== undefined ? { phone: who.phone } : {}) },
      location,
      parties: [],
      ...(media.length > 0 ? { media } : {}),
      ...(service ? { service } : {}),
    };
    const result = await this.deps.cases.intake(input, this.actor(sender));
    const { state } = result;
    // The number to call, first: before the 回执, before anything else the reply says.
    const lines = [...(state.emergency ? [signpostLine(state.emergency)] : []), replies.receipt(state.trackingNo, state.trackingCode)];
    if (unit?.level !== 'building' && key !== undefined) {
      lines.push(replies.askForBuilding());
      // Also when the intake was a replay: a delivery that failed after filing left the contact unset.
      await this.deps.channels.putContact({
        ...contact,
        key,
        ...(sender.openId !== undefined ? { openId: sender.openId } : {}),
        awaitingCaseId: state.id,
        awaitingUntil: new Date(now.getTime() + AWAIT_BUILDING_MS).toISOString(),
        updatedAt: now.toISOString(),
      });
    }
    return { reply: lines.join('\n'), caseId: state.id };
  }

  private async fillIn(key: string, contact: Contact, caseId: string, unit: Unit, text: string, sender: ResidentSender) {
    const now = this.deps.now().toISOString();
    const loaded = await this.deps.store.load(caseId);
    if (!loaded) return { reply: replies.help() };
    if (unit.level === 'building') {
      // Of two deliveries of the same answer only one locates the case.
      if (await this.deps.channels.takeAwaiting(key, caseId, unit.id, now)) {
        await this.locate(loaded.state, { unitId: unit.id, address: text.slice(0, 200) }, sender);
      }
      return { reply: residentReplies.located(loaded.state.trackingNo, unit.fullName), caseId };
    }
    await this.locate(loaded.state, { unitId: unit.id, address: text.slice(0, 200) }, sender);
    await this.deps.channels.putContact({ ...contact, unitId: unit.id, updatedAt: now });
    return { reply: residentReplies.stillNeedBuilding(unit.fullName), caseId };
  }

  private async locate(state: CaseState, location: Location, sender: ResidentSender): Promise<void> {
    try {
      await this.act(state.id, { type: 'locate', location }, sender);
    } catch (error) {
      // A case closed in the meantime keeps its location; the answer is still acknowledged.
      if (!(error instanceof InvalidTransition)) throw error;
    }
  }

  private async location(sender: ResidentSender, message: Extract<ResidentMessage, { kind: 'location' }>) {
    const { key, contact, who } = await this.conversation(sender);
    const now = this.deps.now();
    const waiting = contact?.awaitingCaseId !== undefined ? (await this.deps.store.load(contact.awaitingCaseId))?.state : undefined;
    const target = waiting && isReporter(waiting, who) && ['pending', 'in_progress'].includes(waiting.status) ? waiting : newestOpen(await this.recentCases(who, now));
    if (!target) return { reply: residentReplies.noOpenCase() };
    const units = await this.deps.units();
    const unit = message.label ? units.matchAddress(message.label, sender.township) : undefined;
    const building = unit?.level === 'building' ? unit : undefined;
    const location: Location = {
      lat: message.lat,
      lng: message.lng,
      ...(message.label ? { address: message.label.slice(0, 200) } : {}),
      ...(building ? { unitId: building.id } : {}),
    };
    await this.locate(target, location, sender);
    if (building && key !== undefined && contact?.awaitingCaseId === target.id) {
      await this.deps.channels.takeAwaiting(key, target.id, building.id, now.toISOString());
    }
    return { reply: residentReplies.located(target.trackingNo, message.label || `${message.lat}, ${message.lng}`), caseId: target.id };
  }

  /** With `requestKey` (the provider's message id), a second delivery of the message is the same request and adds nothing. */
  private async act(id: string, command: Parameters<CaseService['act']>[1], sender: ResidentSender, requestKey?: string) {
    const request = requestKey === undefined ? undefined : { key: requestKey, hash: createHash('sha256').update(JSON.stringify(command)).digest('base64url') };
    return this.deps.cases.act(id, command, this.actor(sender), undefined, request);
  }

  /** The case with this number if `who` reported it; otherwise as if it did not exist. */
  private async ownCase(trackingNo: string, who: ResidentIdentity): Promise<CaseState | undefined> {
    const loaded = await this.deps.store.load(trackingNo);
    return loaded && isReporter(loaded.state, who) ? loaded.state : undefined;
  }

  /** The resident's cases of the last months, by the byReporter index. */
  private async recentCases(who: ResidentIdentity, now: Date): Promise<CaseState[]> {
    const since = new Date(now.getTime() - LOOKBACK_DAYS * 86_400_000).toISOString();
    const keys = reporterKeys(who, this.deps.reporterKey);
    const ids = [...new Set((await Promise.all(keys.map((k) => this.deps.channels.reporterCaseIds(k, since, 20)))).flat())];
    return (await this.deps.store.getMany(ids)).filter((s) => isReporter(s, who));
  }
}
