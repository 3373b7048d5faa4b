/**
 * The pages' JavaScript as a browser downloads it: every file esbuild writes,
 * raw and gzipped, and what each page loads before it can be used — its entry
 * and the chunks the entry imports (a chunk fetched later, on a click, is
 * listed on its own).
 */
import { buildWeb, type WebFile } from '../web/build.ts';

export interface PageScript {
  readonly page: string;
  readonly files: readonly string[];
  readonly gzipBytes: number;
}

export interface WebFigures {
  readonly files: readonly WebFile[];
  readonly jsBytes: number;
  readonly jsGzipBytes: number;
  readonly pages: readonly PageScript[];
}

/** The admin page's screens share one entry (app.js): the statistics page loads its uPlot chunk when it opens. */
const PAGES: readonly { readonly page: string; readonly entry: string; readonly onOpen?: RegExp }[] = [
  { page: 'sign-in page', entry: 'app.js' },
  { page: 'work queue page', entry: 'app.js' },
  { page: 'case page', entry: 'app.js' },
  { page: '登记 page', entry: 'app.js' },
  { page: 'statistics page', entry: 'app.js', onOpen: /^charts-.*\.js$/ },
  { page: '红黄牌 page', entry: 'app.js' },
  { page: 'tracking page', entry: 'track.js' },
];

export async function webFigures(): Promise<WebFigures> {
  const files = await buildWeb();
  const js = files.filter((f) => f.name.endsWith('.js'));
  const byName = new Map(files.map((f) => [f.name, f]));
  const pages = PAGES.map(({ page, entry, onOpen }) => {
    const opened = onOpen ? js.filter((f) => onOpen.test(f.name)).flatMap((f) => [f.name, ...(f.loads ?? [])]) : [];
    const loaded = [...new Set([entry, ...(byName.get(entry)?.loads ?? []), ...opened])];
    return { page, files: loaded, gzipBytes: loaded.reduce((n, f) => n + (byName.get(f)?.gzipBytes ?? 0), 0) };
  });
  const eager = new Set(pages.flatMap((p) => p.files));
  const lazy = js.filter((f) => !eager.has(f.name));
  return {
    files,
    jsBytes: js.reduce((n, f) => n + f.bytes, 0),
    jsGzipBytes: js.reduce((n, f) => n + f.gzipBytes, 0),
    pages: [...pages, ...lazy.map((f) => ({ page: `loaded on demand (${f.name})`, files: [f.name], gzipBytes: f.gzipBytes }))],
  };
}
