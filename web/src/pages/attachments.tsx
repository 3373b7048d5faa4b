/** Files on a case: the timeline's words for them, the list with thumbnails, and the form that adds one from the phone's camera or files. */
import type { EventView } from '../api.ts';

type FileEvent = Extract<EventView, { type: 'attached' | 'media_requested' | 'media_failed' }>;

const KIND_NAMES = { image: '照片', audio: '录音', document: '文件' } as const;

/** A timeline entry about files, in the words of the trade. */
export function describeFileEvent(e: FileEvent): string {
  switch (e.type) {
    case 'attached':
      return `添加${KIND_NAMES[e.data.kind]}「${e.data.name}」${e.data.caption ? `：${e.data.caption}` : ''}${e.data.visibility === 'shared' ? '（向群众公开）' : ''}`;
    case 'media_requested':
      return `群众发来 ${e.data.media.length} 个附件，正在接收`;
    case 'media_failed':
      return `附件未能接收：${e.data.reason}`;
  }
}
