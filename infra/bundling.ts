/**
 * The one esbuild configuration for the Lambda bundles. The CDK stack and the
 * bench (which measures bundle sizes) both read it, so what is measured is
 * what is deployed.
 */
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { copyFile, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Charset, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Node version esbuild emits for; it runs unchanged on the Lambda runtime (22). */
export const BUNDLE_TARGET = 'node20';

/**
 * The AWS SDK is bundled (a pinned, tree-shaken SDK loads faster than the
 * runtime's copy). These modules are left out because the credential chain
 * only imports them dynamically for profile/SSO/IMDS sources; Lambda hands
 * credentials over in environment variables, and the runtime ships them anyway.
 */
export const EXTERNAL_MODULES: readonly string[] = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-login',
  '@smithy/credential-provider-imds',
  '@aws-sdk/token-providers',
  '@aws-sdk/nested-clients',
];

/** CommonJS dependencies inside an ESM bundle still call `require`. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

const MAIN_FIELDS = ['module', 'main'];

/** Lazily loaded code (the XML parser, csv-parse) goes to files of its own here, beside `index.mjs`. */
export const CHUNK_DIR = 'chunks';

/**
 * Bundling options for `NodejsFunction`. CDK's esbuild step writes a single
 * `--outfile` and cannot split, so after it the asset is rebuilt by
 * infra/bundle-function.ts with `esbuildOptions` — the entry, its lazy chunks
 * and the function's `files` (from the repository root) — exactly what the
 * bench measures and test/infra/bundles.test.ts loads.
 */
export function bundlingOptions(entry: string, files: readonly string[] = []): BundlingOptions {
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) => [
        `cd "${inputDir}" && node --import tsx infra/bundle-function.ts "${outputDir}" "${entry}"${files.map((file) => ` "${file}"`).join('')}`,
      ],
    },
    format: OutputFormat.ESM,
    minify: true,
    sourceMap: true,
    // Stack traces need only the mappings; the sources would double the asset.
    sourcesContent: false,
    target: BUNDLE_TARGET,
    mainFields: [...MAIN_FIELDS],
    externalModules: [...EXTERNAL_MODULES],
    banner: ESM_REQUIRE_BANNER,
    // Chinese text as UTF-8 (3 bytes a character) rather than \uXXXX escapes (6).
    charset: Charset.UTF8,
  };
}

/**
 * @middy/core imports `node:stream/web` at its top for streamed responses only; loading it compiles Node's web
 * streams (~2.5 ms of every cold start on this machine, `process.moduleLoadList` shows the eight modules). The
 * bundles give middy a stand-in that reaches the real class only when asked (infra/middy-web-streams.mjs).
 */
export const middyWebStreams: Plugin = {
  name: 'middy-web-streams',
  setup(build) {
    build.onResolve({ filter: /^node:stream\/web$/ }, (args) =>
      /[\\/]node_modules[\\/]@middy[\\/]core[\\/]/.test(args.importer) ? { path: resolve(import.meta.dirname, 'middy-web-streams.mjs') } : undefined,
    );
  },
};

/** The same build as plain esbuild options: `index.mjs` in `outdir`, and what it imports lazily in `chunks/`. */
export function esbuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    splitting: true,
    chunkNames: `${CHUNK_DIR}/[name]-[hash]`,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    target: BUNDLE_TARGET,
    mainFields: [...MAIN_FIELDS],
    external: [...EXTERNAL_MODULES],
    banner: { js: ESM_REQUIRE_BANNER },
    charset: 'utf8',
    plugins: [middyWebStreams],
    logLevel: 'warning',
  };
}

/**
 * Builds one function as the CDK stack deploys it — the bundle, its chunks,
 * and its `files` beside it — into `dir` (emptied first).
 */
export async function buildFunction(
  root: string,
  def: { readonly entry: string; readonly files?: readonly string[] },
  dir: string,
): Promise<{ readonly file: string; readonly metafile: Metafile }> {
  await rm(join(dir, 'index.mjs'), { force: true });
  await rm(join(dir, 'index.mjs.map'), { force: true });
  await rm(join(dir, CHUNK_DIR), { recursive: true, force: true });
  const { metafile } = await build({ ...esbuildOptions(join(root, def.entry), dir), metafile: true });
  for (const shipped of def.files ?? []) await copyFile(join(root, shipped), join(dir, basename(shipped)));
  return { file: join(dir, 'index.mjs'), metafile };
}
