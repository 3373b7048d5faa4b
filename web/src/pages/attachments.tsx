/**
 * Files on a case: the timeline's words for them, the thumbnails, and the form
 * that adds photos and documents from the phone's camera or its files. An
 * upload goes straight to the bucket (a presigned PUT), then the server checks
 * it by content, removes a photo's location and records it. Links to files
 * come from one request per view of the case, which the server audits.
 */
import { useEffect, useState } from 'preact/hooks';
import { authorize } from '../../../shared/domain/access.ts';
import { ATTACHMENT_LIMITS, ATTACHMENT_PURPOSES, type Attachment } from '../../../shared/domain/attachments.ts';
import { api, ApiError, type CaseView, type EventView } from '../api.ts';
import { useProfile } from '../app.ts';
import { ErrorBox } from '../components.tsx';
import { formatDateTime } from '../format.ts';
import { nameOf } from '../labels.ts';

type FileEvent = Extract<EventView, { type: 'attached' | 'media_requested' | 'media_failed' }>;
type FileLink = Attachment & { readonly url: string; readonly expiresAt: string };

const KIND_NAMES = { image: '照片', audio: '录音', document: '文件' } as const;
/** What a browser shows in place; HEIC photos and AMR recordings are downloaded. */
const SHOWN_IN_PLACE = new Set(['image/jpeg', 'image/png', 'image/webp']);
const PLAYED_IN_PLACE = new Set(['audio/mpeg', 'audio/mp4']);

/** A timeline entry about files, in the words of the trade. */
export function describeFileEvent(e: FileEvent): string {
  switch (e.type) {
    case 'attached':
      return `添加${KIND_NAMES[e.data.kind]}「${e.data.name}」${e.data.caption ? `：${e.data.caption}` : ''}${e.data.visibility === 'shared' ? '（向群众公开）' : ''}`;
    case 'media_requested':
      return `群众发来 ${e.data.media.length} 个文件，正在接收`;
    case 'media_failed':
      return `文件未能接收：${e.data.reason}`;
  }
}

/** One request for the links of a case's files per version of it (the timeline and the panel share it; each request is audited). */
const links = new Map<string, Promise<FileLink[]>>();
function fileLinks(caseId: string, version: number): Promise<FileLink[]> {
  const key = `${caseId}@${version}`;
  let pending = links.get(key);
  if (!pending) {
    pending = api<{ items: FileLink[] }>('GET', `/v1/cases/${encodeURIComponent(caseId)}/attachments`).then((r) => r.items);
    pending.catch(() => links.delete(key));
    links.set(key, pending);
  }
  return pending;
}

function useFileLinks(c: Pick<CaseView, 'id' | 'version' | 'attachments'>) {
  const [state, setState] = useState<{ items?: FileLink[]; error?: unknown }>({});
  const any = c.attachments.length > 0;
  useEffect(() => {
    if (!any) return;
    let live = true;
    fileLinks(c.id, c.version).then(
      (items) => live && setState({ items }),
      (error: unknown) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [c.id, c.version, any]);
  return state;
}

/** A photo seen whole, over the page; Escape, the button or a click anywhere closes it. */
function Viewer({ url, label, onClose }: { url: string; label: string; onClose: () => void }) {
  useEffect(() => {
    const key = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [onClose]);
  return (
    <div class="viewer" role="dialog" aria-modal="true" aria-label={label} onClick={onClose}>
      <img src={url} alt={label} />
      <p>{label}</p>
      <button type="button" autoFocus onClick={onClose}>
        关闭
      </button>
    </div>
  );
}

function FileTile({ file }: { file: FileLink | Attachment }) {
  const [viewing, setViewing] = useState(false);
  const url = 'url' in file ? file.url : undefined;
  const label = `${file.name}${file.caption ? `：${file.caption}` : ''}`;
  if (url && SHOWN_IN_PLACE.has(file.mediaType)) {
    return (
      <>
        <button type="button" class="file-tile photo" title={label} onClick={() => setViewing(true)}>
          <img class="thumb" src={url} alt={label} loading="lazy" />
        </button>
        {viewing && <Viewer url={url} label={label} onClose={() => setViewing(false)} />}
      </>
    );
  }
  if (url && PLAYED_IN_PLACE.has(file.mediaType)) {
    return (
      <span class="file-tile audio" title={label}>
        <audio controls preload="none" src={url} aria-label={label} />
        <a href={url}>{file.name}</a>
      </span>
    );
  }
  return (
    <span class="file-tile doc" title={label}>
      <span class="kind">{file.mediaType === 'application/pdf' ? 'PDF' : file.mediaType === 'image/heic' ? 'HEIC' : KIND_NAMES[file.kind]}</span>
      {url ? (
        <a href={url} download={file.name}>
          {file.name}
        </a>
      ) : (
        <span>{file.name}</span>
      )}
    </span>
  );
}

/** The thumbnail of an `attached` entry on the timeline. */
export function TimelineFile({ c, id }: { c: CaseView; id: string }) {
  const { items } = useFileLinks(c);
  const file = items?.find((a) => a.id === id) ?? c.attachments.find((a) => a.id === id);
  return file ? <FileTile file={file} /> : null;
}

/** Why an upload was refused, in plain words. */
function refusal(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (error.status === 415) return '只能上传照片（JPEG、PNG、WebP、HEIC）、录音（AMR、MP3、M4A）和 PDF 文件。';
  if (error.status === 413) return '文件超过 10MB，请压缩后再上传。';
  if (error.status === 422) return `每件案件最多 ${ATTACHMENT_LIMITS.perCase} 个附件，或案件当前状态不能添加附件。`;
  return undefined;
}

async function uploadOne(caseId: string, file: File, facts: { caption?: string; visibility: string; purpose: string }): Promise<void> {
  const path = `/v1/cases/${encodeURIComponent(caseId)}/attachments`;
  const mediaType = file.type || 'application/octet-stream';
  const asked = await api<{ uploadId: string; url: string; headers: Record<string, string> }>('POST', `${path}/uploads`, { name: file.name, mediaType, size: file.size });
  const put = await fetch(asked.url, { method: 'PUT', headers: asked.headers, body: file });
  if (!put.ok) throw new ApiError(put.status, 'upload_failed', '上传失败，请重试');
  await api('POST', path, { uploadId: asked.uploadId, ...facts }, { idempotencyKey: asked.uploadId.slice(-40) });
}

export function CaseFiles({ c, onAdded }: { c: CaseView; onAdded: () => void }) {
  const { me, units } = useProfile();
  const { items, error } = useFileLinks(c);
  const [busy, setBusy] = useState<string>();
  const [problem, setProblem] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const actor = me.unit ? ({ kind: 'user', id: me.username, name: me.displayName, role: me.role, unitId: me.unit.id } as const) : undefined;
  const mayAdd =
    actor !== undefined &&
    !authorize(actor, c, 'attach', units) &&
    (c.status === 'pending' || c.status === 'in_progress' || c.status === 'resolved') &&
    c.attachments.length + c.pendingAttachments < ATTACHMENT_LIMITS.perCase;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const chosen = [...data.getAll('camera'), ...data.getAll('files')].filter((f): f is File => f instanceof File && f.size > 0);
    if (chosen.length === 0) return setProblem(new Error('请先拍照或选择文件'));
    const caption = String(data.get('caption') ?? '').trim();
    const facts = { ...(caption ? { caption } : {}), visibility: String(data.get('visibility')), purpose: String(data.get('purpose')) };
    setProblem(undefined);
    setNotice(undefined);
    let added = 0;
    try {
      for (const [i, file] of chosen.entries()) {
        setBusy(`正在上传 ${i + 1}/${chosen.length}：${file.name}`);
        await uploadOne(c.id, file, facts);
        added++;
      }
      form.reset();
      setNotice(`已添加 ${added} 个附件`);
    } catch (e) {
      const reason = refusal(e);
      setProblem(reason ? new Error(`${added > 0 ? `已添加 ${added} 个；` : ''}${reason}`) : e);
    } finally {
      setBusy(undefined);
      if (added > 0) onAdded();
    }
  }

  return (
    <section aria-labelledby="files-title" class="case-files">
      <h3 id="files-title">
        附件（{c.attachments.length}/{ATTACHMENT_LIMITS.perCase}）{c.pendingAttachments > 0 && <small class="muted">另有 {c.pendingAttachments} 个正在接收</small>}
      </h3>
      {c.attachments.length === 0 ? (
        <p class="muted">还没有附件。</p>
      ) : (
        <ul class="files plain">
          {c.attachments.map((a) => {
            const file = items?.find((f) => f.id === a.id) ?? a;
            return (
              <li key={a.id}>
                <FileTile file={file} />
                <small class="muted">
                  {a.caption ?? a.name} · {nameOf(ATTACHMENT_PURPOSES, a.purpose)} · {formatDateTime(a.at)}
                  {a.visibility === 'shared' ? ' · 群众可见' : ''}
                </small>
              </li>
            );
          })}
        </ul>
      )}
      <ErrorBox error={error} />
      {mayAdd && (
        <form class="action file-form" onSubmit={submit} aria-label="添加附件">
          <div class="pickers">
            <label class="button">
              拍照
              <input type="file" name="camera" accept="image/*" capture="environment" class="visually-hidden" />
            </label>
            <label class="button">
              选择文件
              <input type="file" name="files" multiple accept="image/jpeg,image/png,image/webp,image/heic,.heic,audio/amr,.amr,audio/mpeg,.mp3,audio/mp4,.m4a,application/pdf" class="visually-hidden" />
            </label>
          </div>
          <label>
            说明
            <input name="caption" maxLength={ATTACHMENT_LIMITS.captionChars} placeholder="例如：维修后现场、签字的调解协议书" />
          </label>
          <label>
            关于
            <select name="purpose">
              {ATTACHMENT_PURPOSES.map((p) => (
                <option key={p.code} value={p.code}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            谁能看到
            <select name="visibility">
              <option value="internal">仅工作人员</option>
              <option value="shared">也向群众公开（查询页可见）</option>
            </select>
          </label>
          <p class="muted small">保存时自动去除照片中的拍摄位置信息。每个文件不超过 10MB，每件案件最多 {ATTACHMENT_LIMITS.perCase} 个。</p>
          <ErrorBox error={problem} />
          {notice && (
            <p class="notice" role="status">
              {notice}
            </p>
          )}
          <button type="submit" class="primary" disabled={busy !== undefined}>
            {busy ?? '上传'}
          </button>
        </form>
      )}
    </section>
  );
}
