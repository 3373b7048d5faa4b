/**
 * Keeping a file on a case, however it came: checked and cleaned
 * (shared/media/content.ts), kept under `cases/<case>/<id>`, then recorded
 * with one `attached` event (two table writes). The file is put before the
 * event, so a crash in between leaves an object no case names — never a case
 * naming a file that is not there; a retry puts the same object again.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ATTACHMENT_LIMITS,
  InvalidTransition,
  NotFound,
  ValidationFailed,
  mediaRef,
  type Actor,
  type AttachedData,
  type AttachmentOrigin,
  type AttachmentPurpose,
  type AttachmentVisibility,
  type CaseState,
  type MediaRequest,
} from '../domain/index.ts';
import { FileRefused, prepareFile, tooLarge } from '../media/content.ts';
import { FetchRefused } from '../media/fetch.ts';
import type { MediaFetcher } from '../media/providers.ts';
import { fileKey, uploadKey, type FileStore } from '../media/storage.ts';
import type { CaseStore } from '../store/case-store.ts';
import type { ActResult, CaseService } from './cases.ts';

export interface FileFacts {
  readonly name?: string;
  readonly caption?: string;
  readonly visibility: AttachmentVisibility;
  readonly purpose: AttachmentPurpose;
  readonly origin: AttachmentOrigin;
  readonly ref?: string;
}

/** What an upload token vouches for: who may complete which upload of which case, of what size and type, until when. */
export interface UploadClaim {
  readonly caseId: string;
  readonly uploadId: string;
  readonly by: string;
  readonly mediaType: string;
  readonly size: number;
  /** The file's name as the uploader gave it (cleaned when kept). */
  readonly name?: string;
  /** Seconds since the epoch. */
  readonly exp: number;
}

/** How long after asking an upload may be completed (the URL itself lasts 10 minutes). */
export const UPLOAD_CLAIM_SECONDS = 3600;

const badToken = (message: string) => new ValidationFailed(message, [{ path: 'uploadId', message }]);

/** An upload's id: signed, so it cannot be made up or moved to another case or person. */
export class UploadTokens {
  constructor(private readonly secret: string) {}

  private mac(payload: string): Buffer {
    return createHmac('sha256', `upload:${this.secret}`).update(payload).digest();
  }

  issue(claim: Omit<UploadClaim, 'uploadId' | 'exp'>, now: Date): { token: string; claim: UploadClaim } {
    const full: UploadClaim = { ...claim, uploadId: `U${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`, exp: Math.floor(now.getTime() / 1000) + UPLOAD_CLAIM_SECONDS };
    const payload = Buffer.from(JSON.stringify(full)).toString('base64url');
    return { token: `${payload}.${this.mac(payload).toString('base64url')}`, claim: full };
  }

  /** The claim of a token for this case and this caller; a clear 400 (or 403) otherwise. */
  verify(token: string, caseId: string, by: string, now: Date): UploadClaim {
    const [payload = '', mac = ''] = token.split('.');
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw badToken('is not an upload this service issued');
    const claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as UploadClaim;
    if (claim.caseId !== caseId) throw badToken('was issued for another case');
    if (claim.by !== by) throw badToken('was issued to someone else');
    if (claim.exp * 1000 < now.getTime()) throw badToken('has expired; ask for a new upload');
    return claim;
  }
}

export interface AttachmentDeps {
  readonly cases: CaseService;
  readonly store: CaseStore;
  readonly files: FileStore;
  readonly fetcher?: MediaFetcher;
}

export class AttachmentService {
  constructor(private readonly deps: AttachmentDeps) {}

  /** Check, clean and keep `bytes` as file `id` of the case, and record it. */
  async keep(caseId: string, id: string, bytes: Buffer, facts: FileFacts, actor: Actor): Promise<ActResult> {
    const file = await prepareFile(bytes, facts.name);
    await this.deps.files.put(fileKey(caseId, id), file.bytes, file);
    const attachment: AttachedData = {
      id,
      kind: file.kind,
      mediaType: file.mediaType,
      size: file.size,
      sha256: file.sha256,
      name: file.name,
      ...(facts.caption ? { caption: facts.caption } : {}),
      visibility: facts.visibility,
      purpose: facts.purpose,
      origin: facts.origin,
      ...(file.locationRemoved ? { locationRemoved: true } : {}),
      ...(facts.ref !== undefined ? { ref: facts.ref } : {}),
    };
    return this.deps.cases.act(caseId, { type: 'attach', attachment }, actor);
  }

  /**
   * Complete an upload: the object the token names is checked and kept. The
   * same upload completed again answers the file it became (200, not a second file).
   */
  async completeUpload(state: CaseState, claim: UploadClaim, facts: Omit<FileFacts, 'ref' | 'name'>, actor: Actor): Promise<{ state: CaseState; created: boolean }> {
    const id = claim.uploadId;
    if (state.attachments?.some((a) => a.id === id)) return { state, created: false };
    const key = uploadKey(state.id, id);
    const upload = await this.deps.files.read(key, ATTACHMENT_LIMITS.maxBytes);
    if (!upload) throw new NotFound('nothing was uploaded for this upload (or its URL expired before the file arrived)');
    if (!upload.bytes) {
      await this.deps.files.delete(key);
      throw tooLarge(upload.size);
    }
    let kept: ActResult;
    try {
      kept = await this.keep(state.id, id, upload.bytes, { ...facts, name: claim.name }, actor);
    } catch (error) {
      // A file refused is not kept waiting for a retry that would be refused too.
      if (error instanceof FileRefused) await this.deps.files.delete(key);
      // Two completions of one upload at once: the other one recorded it.
      const now = error instanceof InvalidTransition ? await this.deps.store.load(state.id) : undefined;
      if (now?.state.attachments?.some((a) => a.id === id)) return { state: now.state, created: false };
      throw error;
    }
    // Kept: the upload is done with (the lifecycle rule would remove it after a day anyway).
    await this.deps.files.delete(key).catch(() => undefined);
    return { state: kept.state, created: true };
  }

  /**
   * The media worker's job for one event: fetch each file it asked for that
   * is still pending, keep it, or record why not. A failure worth retrying
   * throws (the queue redelivers) until `lastAttempt`, when it is recorded as
   * failed rather than left pending for ever.
   */
  async fetchRequested(caseId: string, seq: number, actor: Actor, lastAttempt: boolean): Promise<void> {
    const fetcher = this.deps.fetcher;
    if (!fetcher) throw new Error('no media fetcher configured');
    const [loaded, row] = await Promise.all([this.deps.store.load(caseId), this.deps.store.eventRow(caseId, seq)]);
    if (!loaded || !row) return;
    const media: readonly MediaRequest[] =
      row.event.type === 'received' ? (row.event.data.media ?? []) : row.event.type === 'media_requested' ? row.event.data.media : [];
    const origin: AttachmentOrigin = row.event.actor.kind === 'client' ? 'hotline' : row.event.actor.kind === 'resident' && row.event.actor.channel.startsWith('sms') ? 'sms' : 'wechat';
    let retry: unknown;
    for (const [index, request] of media.entries()) {
      const ref = mediaRef(seq, index);
      if (!loaded.state.pendingMedia?.some((p) => p.ref === ref)) continue;
      try {
        const fetched = await fetcher.fetch(request.source);
        const facts: FileFacts = { name: request.name ?? fetched.filename ?? urlName(request.source), caption: request.caption, visibility: request.visibility, purpose: 'evidence', origin, ref };
        await this.settle(() => this.keep(caseId, `M${seq}-${index}`, fetched.bytes, facts, actor));
      } catch (error) {
        const permanent = error instanceof FileRefused || (error instanceof FetchRefused && error.permanent);
        if (!permanent && !lastAttempt) {
          retry = error;
          continue;
        }
        const reason = error instanceof FileRefused || error instanceof FetchRefused ? error.reason : '多次尝试仍无法获取文件';
        await this.settle(() => this.deps.cases.act(caseId, { type: 'fail_media', ref, reason, origin }, actor));
      }
    }
    if (retry) throw retry;
  }

  /** A file settled by a redelivered message already: nothing more to do. */
  private async settle(run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (!(error instanceof InvalidTransition)) throw error;
    }
  }
}


/** A URL's last path segment, as a name for a file that came without one (a hotline's `…/recording.mp3`). */
function urlName(source: MediaRequest['source']): string | undefined {
  if (source.kind === 'wechat') return undefined;
  try {
    const last = decodeURIComponent(new URL(source.url).pathname.split('/').pop() ?? '');
    return /\.[a-z0-9]{2,5}$/i.test(last) ? last : undefined;
  } catch {
    return undefined;
  }
}
