/**
 * The value rules of xAPI 1.0.3 ("Special Data Types and Rules"): IRIs, UUIDs, language tags, e-mail
 * mailto IRIs, SHA-1 sums, ISO 8601 timestamps and durations. Pure predicates, used by the statement
 * validation (statement-validation.ts); each says what it accepts and is no looser than the spec's MUST.
 */
import { isUuid as isUuidText } from "../../shared/ids.js";

/** An absolute IRI: a scheme (RFC 3987: a letter, then letters, digits, + - .), a colon, then no spaces or controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what an IRI may not hold.
const IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`\u0000-\u001f\u007f]+$/u;
export const isIri = (v: unknown): v is string => typeof v === "string" && IRI.test(v);

/** An IRL: an IRI that can be resolved — an http(s) one. */
export const isIrl = (v: unknown): v is string => isIri(v) && /^https?:\/\/./i.test(v);

/** A UUID in its canonical 8-4-4-4-12 hexadecimal form (any version and case, as RFC 4122 writes them). */
export const isUuid = (v: unknown): v is string => typeof v === "string" && isUuidText(v);

/**
 * A language tag (RFC 5646, BCP 47), by its grammar: language (2–3 letters, with up to three extended
 * subtags; or 4–8 letters), script, region, variants, extensions, private use; or a private-use or
 * grandfathered tag. Case-insensitive.
 */
const LANGTAG = new RegExp(
  "^(?:" +
    "(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})" + // language
    "(?:-[a-z]{4})?" + // script
    "(?:-(?:[a-z]{2}|[0-9]{3}))?" + // region
    "(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*" + // variants
    "(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*" + // extensions
    "(?:-x(?:-[a-z0-9]{1,8})+)?" + // private use
    "|x(?:-[a-z0-9]{1,8})+" + // private use alone
    "|en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|i-tsu" +
    "|sgn-be-fr|sgn-be-nl|sgn-ch-de|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang" +
    ")$",
  "i",
);
export const isLanguageTag = (v: unknown): v is string => typeof v === "string" && LANGTAG.test(v);

/** `mailto:` and an address with a local part and a domain (no spaces, one @). */
const MAILTO = /^mailto:[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/i;
export const isMailto = (v: unknown): v is string => typeof v === "string" && MAILTO.test(v);

/** A SHA-1 sum in hexadecimal: 40 digits. */
export const isSha1Hex = (v: unknown): v is string => typeof v === "string" && /^[0-9a-f]{40}$/i.test(v);

/**
 * An ISO 8601 date-time as xAPI takes it: a full date, `T`, a time to at least the minute (fractions of
 * a second allowed), and optionally a zone (`Z`, or ±hh:mm / ±hhmm / ±hh); the "-00:00" offset, which ISO
 * 8601 forbids, is refused. The calendar is checked (no 31 April, no hour 25).
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|[+-](\d{2})(?::?(\d{2}))?)?$/;
export function isTimestamp(v: unknown): v is string {
  if (typeof v !== "string") return false;
  const m = DATE_TIME.exec(v);
  if (!m) return false;
  const [, y, mo, d, h, mi, s, zone, zh, zm] = m;
  if (zone && /^-00(:?00)?$/.test(zone)) return false;
  const days = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  return (
    Number(mo) >= 1 &&
    Number(mo) <= 12 &&
    Number(d) >= 1 &&
    Number(d) <= days &&
    Number(h) <= 23 &&
    Number(mi) <= 59 &&
    (s === undefined || Number(s) <= 59) &&
    (zh === undefined || Number(zh) <= 23) &&
    (zm === undefined || Number(zm) <= 59)
  );
}

/** An ISO 8601 duration: P, then years … days, and T with hours, minutes, seconds (a fraction on the last), or weeks alone. */
const DURATION = /^P(?:(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:[.,]\d+)?S)?)?|\d+W)$/;
export const isDuration = (v: unknown): v is string => typeof v === "string" && DURATION.test(v) && !v.endsWith("T");

/** A duration in seconds (years as 365 days, months as 30: xAPI's durations are short). */
export function durationSeconds(v: string): number {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/.exec(v);
  if (!m) return Number.NaN;
  const n = (i: number) => Number((m[i] ?? "0").replace(",", "."));
  return ((n(1) * 365 + n(2) * 30 + n(3) * 7 + n(4)) * 24 + n(5)) * 3600 + n(6) * 60 + n(7);
}
