/**
 * The media worker's job on a real table (dynalite or DynamoDB Local) with S3
 * mocked (aws-sdk-client-mock): a provider failing for now is retried (the
 * message redelivered) while the files that did arrive are kept; on the last
 * receive the failing one is recorded as failed; a redelivery afterwards
 * changes nothing and keeps no file twice.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../shared/domain/index.ts';
import { AllowList, FetchRefused } from '../../shared/media/fetch.ts';
import { MediaFetcher } from '../../shared/media/providers.ts';
import { FileStore } from '../../shared/media/storage.ts';
import { AttachmentService } from '../../shared/service/attachments.ts';
import { CaseService } from '../../shared/service/cases.ts';
import { CaseStore } from '../../shared/store/case-store.ts';
import { fakeProvider, mediaFixture, type FakeProvider } from '../support/files.ts';
import { hotline, intake, policy, units } from '../support/domain.ts';
import { startTable, type TestTable } from '../support/dynamo.ts';

let table: TestTable;
let provider: FakeProvider;
let store: CaseStore;
let service: AttachmentService;
let cases: CaseService;
const s3 = mockClient(S3Client);
const worker: Actor = { kind: 'system', id: 'media-worker' };
let busy = true;

beforeAll(async () => {
  table = await startTable('media-worker');
  provider = await fakeProvider();
  provider.route('/ok.jpg', () => ({ headers: { 'content-type': 'image/jpeg' }, body: mediaFixture('gps.jpg') }));
  provider.route('/flaky.pdf', () => (busy ? { status: 503 } : { headers: { 'content-type': 'application/pdf' }, body: mediaFixture('doc.pdf') }));
  s3.on(PutObjectCommand).resolves({});
  store = new CaseStore(table.db, table.tableName, () => ({ units, reporterKey: () => undefined }));
  cases = new CaseService({ store, units: async () => units, policy: async () => policy, clock: () => new Date(), random: (n) => randomBytes(n) });
  service = new AttachmentService({
    cases,
    store,
    files: new FileStore((sdk) => new sdk.S3Client({ region: 'cn-north-1' }), 'attachments'),
    fetcher: new MediaFetcher({ allow: AllowList.parse(provider.origin), maxBytes: 10 * 1024 * 1024, timeoutMs: 5000 }),
  });
});
afterAll(async () => {
  await provider.close();
  await table.stop();
});

describe('the media worker', () => {
  it('keeps what arrived, retries what failed for now, records it failed on the last receive, and a redelivery changes nothing', async () => {
    const media = [
      { source: { kind: 'url' as const, url: `${provider.origin}/ok.jpg` }, visibility: 'shared' as const },
      { source: { kind: 'url' as const, url: `${provider.origin}/flaky.pdf` }, visibility: 'internal' as const },
    ];
    const { state } = await cases.intake(intake({ externalId: 'WO-MEDIA-1', media }), hotline);
    expect(state.pendingMedia?.map((p) => p.ref)).toEqual(['1.0', '1.1']);

    // First receive: the photo is kept; the PDF's provider answers 503, so the message is redelivered.
    await expect(service.fetchRequested(state.id, 1, worker, false)).rejects.toBeInstanceOf(FetchRefused);
    let now = (await store.load(state.id))!.state;
    expect(now.attachments?.map((a) => a.ref)).toEqual(['1.0']);
    expect(now.pendingMedia?.map((p) => p.ref)).toEqual(['1.1']);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Key: `cases/${state.id}/M1-0`, ContentType: 'image/jpeg' });

    // The last receive: still failing, so it is recorded failed rather than left pending.
    await service.fetchRequested(state.id, 1, worker, true);
    now = (await store.load(state.id))!.state;
    expect(now.pendingMedia).toBeUndefined();
    const failed = (await store.eventsAfter(state.id, 0)).filter((e) => e.type === 'media_failed');
    expect(failed.map((e) => e.data)).toEqual([{ ref: '1.1', reason: '文件无法获取', origin: 'hotline' }]);

    // A redelivery of the message (at least once): nothing fetched, nothing kept, nothing written.
    busy = false;
    const version = now.version;
    const fetches = provider.requests.length;
    await service.fetchRequested(state.id, 1, worker, false);
    expect((await store.load(state.id))!.state.version).toBe(version);
    expect(provider.requests.length).toBe(fetches);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
  });

  it('a provider that recovers before the last receive delivers the file on a retry', async () => {
    busy = true;
    const { state } = await cases.intake(intake({ externalId: 'WO-MEDIA-2', media: [{ source: { kind: 'url', url: `${provider.origin}/flaky.pdf` }, visibility: 'internal' }] }), hotline);
    await expect(service.fetchRequested(state.id, 1, worker, false)).rejects.toBeInstanceOf(FetchRefused);
    busy = false;
    await service.fetchRequested(state.id, 1, worker, false);
    const now = (await store.load(state.id))!.state;
    expect(now.attachments).toEqual([expect.objectContaining({ mediaType: 'application/pdf', name: 'flaky.pdf', origin: 'hotline', ref: '1.0' })]);
    expect(now.pendingMedia).toBeUndefined();
  });
});
