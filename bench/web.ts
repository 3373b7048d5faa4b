/** The admin page's JavaScript as a browser downloads it: every file esbuild writes, raw and gzipped. */
import { buildWeb, type WebFile } from '../web/build.ts';

export interface WebFigures {
  readonly files: readonly WebFile[];
  readonly jsBytes: number;
  readonly jsGzipBytes: number;
}

export async function webFigures(): Promise<WebFigures> {
  const files = await buildWeb();
  const js = files.filter((f) => f.name.endsWith('.js'));
  return {
    files,
    jsBytes: js.reduce((n, f) => n + f.bytes, 0),
    jsGzipBytes: js.reduce((n, f) => n + f.gzipBytes, 0),
  };
}
