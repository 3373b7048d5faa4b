/**
 * Files on a case (photos, recordings, documents): what may be stored, and
 * what a case records of each. Pure: the bytes are checked and cleaned by
 * shared/media, fetched by the media worker, kept in S3; the case holds only
 * the bounded description below, as an `attached` event and in its projection.
 */

/** The types a case takes, by the media type their content (magic bytes) shows, never their name. */
export const MEDIA_TYPES = [
  { mediaType: 'image/jpeg', kind: 'image', ext: 'jpg', name: 'JPEG 图片' },
  { mediaType: 'image/png', kind: 'image', ext: 'png', name: 'PNG 图片' },
  { mediaType: 'image/webp', kind: 'image', ext: 'webp', name: 'WebP 图片' },
  { mediaType: 'image/heic', kind: 'image', ext: 'heic', name: 'HEIC 照片' },
  { mediaType: 'audio/amr', kind: 'audio', ext: 'amr', name: 'AMR 录音' },
  { mediaType: 'audio/mpeg', kind: 'audio', ext: 'mp3', name: 'MP3 录音' },
  { mediaType: 'audio/mp4', kind: 'audio', ext: 'm4a', name: 'M4A 录音' },
  { mediaType: 'application/pdf', kind: 'document', ext: 'pdf', name: 'PDF 文件' },
] as const;
export type MediaType = (typeof MEDIA_TYPES)[number]['mediaType'];
export type AttachmentKind = (typeof MEDIA_TYPES)[number]['kind'];
export const MEDIA_TYPE_CODES = MEDIA_TYPES.map((t) => t.mediaType) as [MediaType, ...MediaType[]];

export const ATTACHMENT_LIMITS = {
  /** Bytes of one file as stored. */
  maxBytes: 10 * 1024 * 1024,
  /** Files on one case, those still being fetched included. */
  perCase: 20,
  /** Code points of a file's name and of its caption. */
  nameChars: 100,
  captionChars: 200,
} as const;

/** Who beyond the jurisdiction sees a file: no one (`internal`), or the resident too (`shared`, on the tracking page). */
export const ATTACHMENT_VISIBILITIES = ['internal', 'shared'] as const;
export type AttachmentVisibility = (typeof ATTACHMENT_VISIBILITIES)[number];

/** What a file is about, as mediators file it: evidence or the site, a visit, the signed 调解协议书, anything else. */
export const ATTACHMENT_PURPOSES = [
  { code: 'evidence', name: '现场与证据' },
  { code: 'visit', name: '走访' },
  { code: 'agreement', name: '调解协议书（签字件）' },
  { code: 'other', name: '其他' },
] as const;
export type AttachmentPurpose = (typeof ATTACHMENT_PURPOSES)[number]['code'];
export const ATTACHMENT_PURPOSE_CODES = ATTACHMENT_PURPOSES.map((p) => p.code) as [AttachmentPurpose, ...AttachmentPurpose[]];

/** How the file reached us. */
export const ATTACHMENT_ORIGINS = ['upload', 'wechat', 'sms', 'hotline'] as const;
export type AttachmentOrigin = (typeof ATTACHMENT_ORIGINS)[number];

/** A stored file as the case records it (who and when are the event's actor and time). */
export interface Attachment {
  /** Also names the stored object: `cases/<case id>/<id>`. */
  readonly id: string;
  readonly kind: AttachmentKind;
  readonly mediaType: MediaType;
  /** Bytes as stored (after location data was removed from a photo). */
  readonly size: number;
  /** SHA-256 of the stored bytes, hex. */
  readonly sha256: string;
  /** A safe file name (see sanitizeFileName). */
  readonly name: string;
  readonly caption?: string;
  readonly visibility: AttachmentVisibility;
  readonly purpose: AttachmentPurpose;
  readonly origin: AttachmentOrigin;
  /** Location data (EXIF GPS and the like) was found and removed before storing. */
  readonly locationRemoved?: boolean;
  /** The media request this file fulfils (`<seq>.<n>`), when a worker fetched it. */
  readonly ref?: string;
  readonly at: string;
  readonly by: string;
}

/** Where a file still to be fetched is: read by the media worker, never on a request path. */
export type MediaSource =
  /** A WeChat image or voice message: the media API by MediaId, else PicUrl for an image. */
  | { readonly kind: 'wechat'; readonly msgType: 'image' | 'voice'; readonly mediaId?: string; readonly picUrl?: string }
  /** Twilio MMS: MediaUrlN, fetched with the account's credentials. */
  | { readonly kind: 'twilio'; readonly url: string }
  /** A hotline's file by URL. */
  | { readonly kind: 'url'; readonly url: string };

export interface MediaRequest {
  readonly source: MediaSource;
  readonly name?: string;
  readonly caption?: string;
  readonly visibility: AttachmentVisibility;
}

/** A requested file not fetched yet: its place in the case's count, until it is attached or has failed. */
export interface PendingMedia {
  /** `<seq of the event that asked>.<index in it>`. */
  readonly ref: string;
  readonly requestedAt: string;
}

export const mediaRef = (seq: number, index: number) => `${seq}.${index}`;

export function mediaTypeInfo(mediaType: string) {
  return MEDIA_TYPES.find((t) => t.mediaType === mediaType);
}

/**
 * A file name safe to store, show and send back in Content-Disposition: no
 * path, no control or invisible characters, no characters Windows refuses,
 * no leading dots, at most ATTACHMENT_LIMITS.nameChars code points, and the
 * extension of what the content is (a PDF named 照片.jpg becomes 照片.pdf).
 */
export function sanitizeFileName(raw: string | undefined, ext: string, fallback = '附件'): string {
  const base = (raw ?? '')
    .normalize('NFC')
    .split(/[\\/]/)
    .pop()!
    // Controls, format characters (bidi overrides that disguise an extension), separators other than space.
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  const stem = base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base;
  const clean = stem.replace(/[.\s]+$/, '') || fallback;
  const room = ATTACHMENT_LIMITS.nameChars - ext.length - 1;
  return `${[...clean].slice(0, room).join('')}.${ext}`;
}

/** Files a case holds or is still fetching: what the per-case limit counts. */
export function attachmentCount(state: { readonly attachments?: readonly unknown[]; readonly pendingMedia?: readonly unknown[] }): number {
  return (state.attachments?.length ?? 0) + (state.pendingMedia?.length ?? 0);
}
