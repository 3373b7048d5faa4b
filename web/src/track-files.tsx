/** The files shared with the resident on the tracking page: loaded when asked for (each request is recorded), photos shown in place. */
import { useState } from 'preact/hooks';
import { api } from './api.ts';

interface SharedFile {
  readonly id: string;
  readonly kind: 'image' | 'audio' | 'document';
  readonly mediaType: string;
  readonly name: string;
  readonly caption?: string;
  readonly url: string;
}

const SHOWN = new Set(['image/jpeg', 'image/png', 'image/webp']);

export function TrackFiles({ no, code, count }: { no: string; code: string; count: number }) {
  const [files, setFiles] = useState<SharedFile[]>();
  const [failed, setFailed] = useState(false);
  if (count === 0) return null;
  async function load() {
    setFailed(false);
    try {
      setFiles((await api<{ items: SharedFile[] }>('GET', `/v1/track/${no}/attachments?${new URLSearchParams({ code })}`)).items);
    } catch {
      setFailed(true);
    }
  }
  return (
    <section class="track-files" aria-labelledby="track-files-title">
      <h3 id="track-files-title">附件（{count}）</h3>
      {files ? (
        <ul class="plain">
          {files.map((f) => (
            <li key={f.id}>
              {SHOWN.has(f.mediaType) ? <img src={f.url} alt={f.caption ?? f.name} loading="lazy" /> : <a href={f.url}>{f.name}</a>}
              {f.caption && <p class="muted small">{f.caption}</p>}
            </li>
          ))}
        </ul>
      ) : (
        <button type="button" onClick={load}>
          查看附件
        </button>
      )}
      {failed && <p class="error">附件暂时无法打开，请稍后再试。</p>}
    </section>
  );
}
