/** CSV files the page hands out, for the spreadsheets townships report in. */

/**
 * Rows as CSV with a BOM, so that Excel opens it as UTF-8. Every export goes
 * through here, and csv-stringify's `escape_formulas` neutralises formula
 * injection as OWASP recommends: a cell starting with `=`, `+`, `-`, `@`, tab
 * or CR gets a leading `'`, so `=HYPERLINK(…)` in a resident's text is shown,
 * never run, when the monthly report is opened in Excel or WPS. (The unit
 * import reads such a cell back without the `'`.)
 */
export async function toCsv(rows: readonly (readonly string[])[]): Promise<string> {
  // Its own chunk (~30 KB with its Buffer shim), fetched only when someone exports.
  const { stringify } = await import('csv-stringify/browser/esm/sync');
  return `\uFEFF${stringify(rows.map((r) => [...r]), { escape_formulas: true })}`;
}

/** Excel in Chinese saves CSV as GB18030 unless told otherwise; the API takes UTF-8. */
export function decodeCsv(bytes: ArrayBuffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
