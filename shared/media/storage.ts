/**
 * Where files live: one private bucket (S3 in AWS, s3rver locally). Uploads
 * from the page and API clients land under `uploads/<case>/<upload>` through
 * a presigned PUT, are checked and cleaned, and the copy kept goes to
 * `cases/<case>/<attachment>`; a lifecycle rule clears `uploads/` after a
 * day. Downloads are presigned GETs that last minutes, with the type we found
 * and `Content-Disposition: attachment` for anything that is not an image.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Attachment, MediaType } from '../domain/index.ts';

export type S3Sdk = typeof import('./s3.ts');
let sdk: Promise<S3Sdk> | undefined;
const loadSdk = () => (sdk ??= import('./s3.ts'));

/** How long a presigned URL works: long enough to upload 10 MB from a phone, short enough not to be passed around. */
export const UPLOAD_URL_SECONDS = 600;
export const DOWNLOAD_URL_SECONDS = 300;

export const uploadKey = (caseId: string, uploadId: string) => `uploads/${caseId}/${uploadId}`;
export const fileKey = (caseId: string, attachmentId: string) => `cases/${caseId}/${attachmentId}`;

/** RFC 6266: an ASCII fallback and the UTF-8 name, so a Chinese name survives every browser. */
export function contentDisposition(kind: Attachment['kind'], name: string): string {
  const type = kind === 'image' ? 'inline' : 'attachment';
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export interface PresignedUpload {
  readonly url: string;
  readonly method: 'PUT';
  /** Headers the upload must carry as signed (Content-Length is the file's size, set by any client). */
  readonly headers: Readonly<Record<string, string>>;
  readonly expiresAt: string;
}

export class FileStore {
  private client: S3Client | undefined;

  /** `makeClient` builds the S3 client from the SDK, loaded at the first call that touches a file. */
  constructor(
    private readonly makeClient: (sdk: S3Sdk) => S3Client,
    private readonly bucket: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async s3(): Promise<{ s3: S3Client; sdk: S3Sdk }> {
    const loaded = await loadSdk();
    this.client ??= this.makeClient(loaded);
    return { s3: this.client, sdk: loaded };
  }

  /** A PUT URL for exactly this many bytes of this declared type (S3 refuses any other length). */
  async uploadUrl(key: string, mediaType: string, size: number): Promise<PresignedUpload> {
    const { s3, sdk } = await this.s3();
    const command = new sdk.PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: mediaType, ContentLength: size });
    const url = await sdk.getSignedUrl(s3, command, { expiresIn: UPLOAD_URL_SECONDS, signableHeaders: new Set(['content-type', 'content-length']) });
    return { url, method: 'PUT', headers: { 'content-type': mediaType }, expiresAt: new Date(this.now().getTime() + UPLOAD_URL_SECONDS * 1000).toISOString() };
  }

  /** An uploaded object's bytes, or undefined when there is none; over `maxBytes` it is not read (the caller refuses it). */
  async read(key: string, maxBytes: number): Promise<{ bytes?: Buffer; size: number } | undefined> {
    const { s3, sdk } = await this.s3();
    try {
      const head = await s3.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const size = head.ContentLength ?? 0;
      if (size > maxBytes) return { size };
      const got = await s3.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
      return { bytes, size: bytes.length };
    } catch (error) {
      if (error instanceof sdk.NoSuchKey || error instanceof sdk.NotFound || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw error;
    }
  }

  /** Keep a checked file: its type as found, and how a browser should treat it. */
  async put(key: string, bytes: Buffer, file: { mediaType: MediaType; kind: Attachment['kind']; name: string; sha256: string }): Promise<void> {
    const { s3, sdk } = await this.s3();
    await s3.send(
      new sdk.PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: bytes,
        ContentType: file.mediaType,
        ContentDisposition: contentDisposition(file.kind, file.name),
        Metadata: { sha256: file.sha256 },
      }),
    );
  }

  async delete(key: string): Promise<void> {
    const { s3, sdk } = await this.s3();
    await s3.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** A short-lived GET for a stored file, answered with the type we found and inline only for images. */
  async downloadUrl(key: string, file: Pick<Attachment, 'mediaType' | 'kind' | 'name'>): Promise<{ url: string; expiresAt: string }> {
    const { s3, sdk } = await this.s3();
    const command = new sdk.GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: file.mediaType,
      ResponseContentDisposition: contentDisposition(file.kind, file.name),
    });
    const url = await sdk.getSignedUrl(s3, command, { expiresIn: DOWNLOAD_URL_SECONDS });
    return { url, expiresAt: new Date(this.now().getTime() + DOWNLOAD_URL_SECONDS * 1000).toISOString() };
  }
}
