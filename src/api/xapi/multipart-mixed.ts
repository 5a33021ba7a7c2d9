/**
 * multipart/mixed (RFC 2046, 5.1) for statements with attachments (xAPI 1.0.3, 2.4.11): read the parts
 * of a request body and write those of an answer. The first part is the statement(s) as JSON; each
 * other part is one attachment's content, named by its X-Experience-API-Hash header.
 */
export interface MimePart {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** The boundary of a multipart Content-Type; null when there is none. */
export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]!) : null;
}

/** The parts of a multipart body; throws an Error saying why when the body is not one. */
export function parseMultipart(body: Buffer, boundary: string): MimePart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MimePart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new Error("the body has no part delimited by its boundary");
  for (;;) {
    let start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break; // the close delimiter
    if (body.subarray(start, start + 2).toString() === "\r\n") start += 2;
    else if (body[start] === 0x0a) start += 1;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new Error("the body's last part has no closing boundary");
    let end = next;
    if (body[end - 1] === 0x0a) end -= body[end - 2] === 0x0d ? 2 : 1;
    const part = body.subarray(start, end);
    let split = part.indexOf("\r\n\r\n");
    let gap = 4;
    if (split < 0) {
      split = part.indexOf("\n\n");
      gap = 2;
    }
    if (split < 0) throw new Error("a part has no blank line after its headers");
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, split).toString("utf8").split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: part.subarray(split + gap) });
    at = next;
  }
  return parts;
}

/** A multipart/mixed body of the given parts, with its Content-Type. */
export function writeMultipart(parts: readonly MimePart[], boundary: string): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const head = Object.entries(p.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    chunks.push(Buffer.from(`--${boundary}\r\n${head}\r\n`), p.body, Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/mixed; boundary=${boundary}` };
}
