/**
 * application/x-www-form-urlencoded bodies (Twilio webhooks, Open311 POSTs),
 * decoded strictly: URLSearchParams silently turns bad percent-escapes and
 * invalid UTF-8 into U+FFFD, which would file a garbled matter; here they are
 * refused instead.
 */
import { refuseControlChars } from '../contract/hygiene.ts';
import { BadPayload } from './errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Body bytes as text, refusing invalid UTF-8. */
export function decodeUtf8(bytes: Uint8Array, what = 'the body'): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new BadPayload(`${what} is not valid UTF-8`);
  }
}

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new BadPayload('the form has a malformed %-escape or is not valid UTF-8');
  }
}

/**
 * Parse a form body; the same names and values URLSearchParams would give for
 * a well-formed body. A value (or name) with a control character is refused,
 * naming the field.
 */
export function parseForm(body: string): URLSearchParams {
  const out = new URLSearchParams();
  if (body === '') return out;
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = decodeComponent(eq < 0 ? '' : pair.slice(eq + 1));
    refuseControlChars({ [name]: value });
    out.append(name, value);
  }
  return out;
}
