/**
 * Writing one OneRoster CSV file as exports do (RFC 4180): a field is quoted when it holds a comma, a
 * quote or a line break, its quotes doubled; optionally a UTF-8 byte-order mark and CRLF line ends.
 */

export interface Csv {
  readonly bytes: Uint8Array;
  /** Data rows (the header not counted). */
  readonly rows: number;
}

export interface CsvStyle {
  /** A UTF-8 byte-order mark first (Excel's and many Windows exporters' habit). */
  readonly bom: boolean;
  /** CRLF line ends (else LF). */
  readonly crlf: boolean;
}

/** One field as CSV. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvFile(header: readonly string[], rows: readonly (readonly string[])[], style: CsvStyle): Csv {
  const eol = style.crlf ? "\r\n" : "\n";
  const lines = [header, ...rows].map((r) => r.map(csvField).join(","));
  const text = `${style.bom ? "\uFEFF" : ""}${lines.join(eol)}${eol}`;
  return { bytes: new TextEncoder().encode(text), rows: rows.length };
}
