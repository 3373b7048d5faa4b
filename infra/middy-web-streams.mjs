// What @middy/core imports from node:stream/web, for the bundles (see infra/bundling.ts): middy only asks whether a
// handler's body is a ReadableStream, and only for streamed responses, which no function here uses. The real module
// is reached through the global on that question alone, so a cold start does not compile Node's web streams.
export class ReadableStream {
  static [Symbol.hasInstance](value) {
    return value instanceof globalThis.ReadableStream;
  }
}
