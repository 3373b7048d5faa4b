/** Start the real local stack (dynalite, fauxqs, gateway) for a test file. */
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../infra/local/stack.ts';

export async function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({ port: 0, seedCases: false, workers: false, ...options });
}

export interface Reply<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

/** fetch with JSON in and out; the raw text is kept for byte-level checks. */
export async function call<T = any>(
  stack: LocalStack,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string | Uint8Array<ArrayBuffer>; headers?: Record<string, string>; key?: string | null } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== null) headers.authorization ??= `Bearer ${options.key ?? stack.hotlineKey}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${stack.url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}
