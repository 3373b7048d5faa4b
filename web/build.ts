/**
 * `npm run build:web`: the admin page and the residents' tracking page
 * (web/src) bundled by esbuild into web/dist/, plus web/dist/assets.json —
 * every file gzipped — which ships beside the web Lambda's bundle.
 */
import { build, type Metafile } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CONTENT_TYPES, type WebAsset } from './assets.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(import.meta.dirname, 'src');
const WEB_DIST = join(import.meta.dirname, 'dist');
export const WEB_ASSETS = join(WEB_DIST, 'assets.json');
/** What the last build read, to tell whether web/dist is stale. */
const INPUTS = join(WEB_DIST, 'inputs.json');

export interface WebFile {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** An entry (app.js, track.js): the chunks it imports before it runs. */
  readonly loads?: readonly string[];
}

/** Stack starts may build concurrently; the output is deterministic, so the last rename wins harmlessly. */
async function writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, data);
  await rename(temp, file);
}

export async function buildWeb(): Promise<WebFile[]> {
  const result = await build({
    entryPoints: { app: join(SRC, 'main.tsx'), track: join(SRC, 'track.tsx') },
    outdir: WEB_DIST,
    write: false,
    bundle: true,
    // The charts (most of the bytes) load only on the dashboard; the pages share Preact.
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
    chunkNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const files = new Map<string, Uint8Array>(result.outputFiles.map((f) => [relative(WEB_DIST, f.path), f.contents]));
  const pages = ['index.html', 'track.html'].map((name) => join(SRC, name));
  const css = Buffer.from(files.get('app.css') ?? new Uint8Array()).toString('utf8');
  const chunks = preloads(result.metafile);
  for (const page of pages) files.set(relative(SRC, page), Buffer.from(withFirstPaint(await readFile(page, 'utf8'), css, chunks)));

  await mkdir(WEB_DIST, { recursive: true });
  const assets: Record<string, WebAsset> = {};
  const sizes: WebFile[] = [];
  for (const [name, contents] of files) {
    await writeAtomically(join(WEB_DIST, name), contents);
    const gzip = gzipSync(contents, { level: 9 });
    const type = CONTENT_TYPES[extname(name)] ?? 'application/octet-stream';
    const etag = `"${createHash('sha256').update(contents).digest('base64url').slice(0, 16)}"`;
    assets[name] = { type, etag, gzip: gzip.toString('base64') };
    sizes.push({ name, bytes: contents.length, gzipBytes: gzip.length, ...(chunks.has(name) ? { loads: chunks.get(name) } : {}) });
  }
  await writeAtomically(WEB_ASSETS, JSON.stringify(assets));
  const inputs = [...Object.keys(result.metafile.inputs).map((i) => resolve(ROOT, i)), ...pages, import.meta.filename];
  await writeAtomically(INPUTS, JSON.stringify(inputs));
  // Chunks of earlier builds.
  const keep = new Set([...files.keys(), 'assets.json', 'inputs.json']);
  for (const name of await readdir(WEB_DIST)) {
    if (!keep.has(name) && !name.endsWith('.tmp')) await rm(join(WEB_DIST, name), { recursive: true, force: true });
  }
  return sizes;
}

/** Each entry's chunks that it imports statically (loaded before it runs), by the entry's file name. */
function preloads(metafile: Metafile): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!output.entryPoint) continue;
    const chunks = output.imports.filter((i) => i.kind === 'import-statement').map((i) => relative(WEB_DIST, resolve(ROOT, i.path)));
    out.set(relative(WEB_DIST, resolve(ROOT, file)), chunks);
  }
  return out;
}

/**
 * What a page needs for its first paint comes with the HTML on a slow link:
 * the stylesheet inline (no second round trip before anything shows), the
 * skeleton the HTML itself carries, and every chunk the script imports
 * announced at once (modulepreload) instead of after the script arrives.
 */
function withFirstPaint(html: string, css: string, chunks: Map<string, string[]>): string {
  return html
    .replace('<link rel="stylesheet" href="app.css" />', `<style>${css.trim()}</style>`)
    .replace(/<script type="module" src="([^"]+)"><\/script>/, (tag, src: string) =>
      [...(chunks.get(src) ?? []).map((c) => `<link rel="modulepreload" href="${c}" />`), tag].join('\n    '),
    );
}

/** True when web/dist is missing or any file the last build read has changed since. */
export async function webIsStale(): Promise<boolean> {
  try {
    const built = (await stat(WEB_ASSETS)).mtimeMs;
    const inputs = JSON.parse(await readFile(INPUTS, 'utf8')) as string[];
    const times = await Promise.all(inputs.map(async (file) => (await stat(file)).mtimeMs));
    return times.some((t) => t > built);
  } catch {
    return true;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = await buildWeb();
  for (const f of files) console.log(`${f.name.padEnd(24)} ${String(f.bytes).padStart(8)} B  gzip ${String(f.gzipBytes).padStart(7)} B`);
  console.log(`→ ${relative(process.cwd(), WEB_DIST)}/`);
}
