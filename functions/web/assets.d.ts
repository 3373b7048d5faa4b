// web/dist/ is built (npm run build:web), not committed: this types the handler's import before the first build.
declare module '*/web/dist/assets.json' {
  const assets: Readonly<Record<string, { readonly type: string; readonly etag: string; readonly gzip: string }>>;
  export default assets;
}
