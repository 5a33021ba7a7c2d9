/**
 * How stored statements are compared and shown (xAPI 1.0.3, 7.2.3 and "Statement Comparison
 * Requirements"). Pure.
 *
 * - Comparison: a statement sent again with an id already stored is the same statement when the two
 *   differ only in what the LRS sets (stored, authority, version), the case of UUIDs, the representation of
 *   timestamps (instants compared) and the order of a Group's members.
 * - Formats: `exact` as stored; `ids` keeps only identifiers (an Agent's or identified Group's IFI, an
 *   Activity's and a Verb's id); `canonical` keeps one language of each language map — the first of the
 *   reader's Accept-Language that the map has, else its first — and each Activity's canonical definition.
 */
import { ifiOf } from "./agent-identity.js";

type Json = Record<string, unknown>;

export type StatementFormat = "exact" | "ids" | "canonical";

const UUID_KEYS = new Set(["id", "registration"]);
const LRS_SET = new Set(["stored", "authority", "version"]);

function normalise(v: unknown, key: string, top: boolean): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => normalise(x, "", false));
    // A Group's members in any order.
    return key === "member" ? items.map((x) => JSON.stringify(x)).sort() : items;
  }
  if (v && typeof v === "object") {
    const out: Json = {};
    for (const k of Object.keys(v as Json).sort()) {
      if (top && LRS_SET.has(k)) continue;
      out[k] = normalise((v as Json)[k], k, false);
    }
    return out;
  }
  if (typeof v === "string") {
    if (key === "timestamp") {
      const t = Date.parse(v);
      return Number.isNaN(t) ? v : t;
    }
    if (UUID_KEYS.has(key) && /^[0-9a-f-]{36}$/i.test(v)) return v.toLowerCase();
  }
  return v;
}

/** Whether two statements with one id are the same statement (see the module comment). */
export function sameStatement(a: Json, b: Json): boolean {
  return JSON.stringify(normalise(withArrays(a), "", true)) === JSON.stringify(normalise(withArrays(b), "", true));
}

function contextWithArrays(context: unknown): unknown {
  const ca = (context as Json | undefined)?.contextActivities as Json | undefined;
  if (!ca) return context;
  const next: Json = {};
  for (const [k, v] of Object.entries(ca)) next[k] = Array.isArray(v) ? v : [v];
  return { ...(context as Json), contextActivities: next };
}

/**
 * A statement as the LRS stores and returns it: each context activity list an array, even when sent as
 * one object (2.4.6.2), in the statement and in a sub-statement.
 */
export function withArrays(s: Json): Json {
  const out: Json = { ...s };
  if (s.context) out.context = contextWithArrays(s.context);
  const o = s.object as Json | undefined;
  if (o?.objectType === "SubStatement" && o.context) out.object = { ...o, context: contextWithArrays(o.context) };
  return out;
}

function idsOfActor(a: Json): Json {
  const out: Json = { objectType: a.objectType ?? "Agent" };
  for (const k of ["mbox", "mbox_sha1sum", "openid", "account"]) if (k in a) out[k] = a[k];
  if (a.objectType === "Group" && !ifiOf(a) && Array.isArray(a.member)) out.member = (a.member as Json[]).map(idsOfActor);
  return out;
}

function idsOfObject(o: Json): Json {
  if (o.objectType === "Agent" || o.objectType === "Group") return idsOfActor(o);
  if (o.objectType === "SubStatement") return idsOfStatement(o);
  if (o.objectType === "StatementRef") return o;
  return { id: o.id };
}

function idsOfContext(c: Json): Json {
  const out: Json = { ...c };
  if (c.instructor) out.instructor = idsOfActor(c.instructor as Json);
  if (c.team) out.team = idsOfActor(c.team as Json);
  const ca = c.contextActivities as Json | undefined;
  if (ca) {
    const next: Json = {};
    for (const [k, v] of Object.entries(ca)) next[k] = Array.isArray(v) ? v.map((a) => idsOfObject(a as Json)) : idsOfObject(v as Json);
    out.contextActivities = next;
  }
  return out;
}

function idsOfStatement(s: Json): Json {
  const out: Json = { ...s, actor: idsOfActor(s.actor as Json), verb: { id: (s.verb as Json).id }, object: idsOfObject(s.object as Json) };
  if (s.authority) out.authority = idsOfActor(s.authority as Json);
  if (s.context) out.context = idsOfContext(s.context as Json);
  return out;
}

const LANGUAGE_MAPS = new Set(["display", "name", "description"]);

/** The preferred languages of an Accept-Language header, best first (quality order, ties in header order). */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(",")
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(";");
      const q = params.map((x) => x.trim()).find((x) => x.startsWith("q="));
      return { tag: (tag ?? "").trim(), q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((x) => x.tag && x.tag !== "*" && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((x) => x.tag);
}

function oneLanguage(map: Json, languages: readonly string[]): Json {
  const keys = Object.keys(map);
  if (keys.length <= 1) return map;
  for (const want of languages) {
    const hit =
      keys.find((k) => k.toLowerCase() === want.toLowerCase()) ?? keys.find((k) => k.toLowerCase().startsWith(`${want.toLowerCase()}-`));
    if (hit) return { [hit]: map[hit] };
  }
  return { [keys[0]!]: map[keys[0]!] };
}

function canonical(v: unknown, key: string, languages: readonly string[], definitions: ReadonlyMap<string, Json>): unknown {
  if (Array.isArray(v)) return v.map((x) => canonical(x, "", languages, definitions));
  if (!v || typeof v !== "object") return v;
  const o = v as Json;
  if (LANGUAGE_MAPS.has(key) && Object.values(o).every((x) => typeof x === "string")) return oneLanguage(o, languages);
  const out: Json = {};
  for (const [k, x] of Object.entries(o)) out[k] = canonical(x, k, languages, definitions);
  const isActivity = typeof o.id === "string" && (o.objectType === "Activity" || (o.objectType === undefined && "definition" in o));
  const known = isActivity ? definitions.get(o.id as string) : undefined;
  if (known) out.definition = canonical(known, "definition", languages, definitions);
  return out;
}

/** A stored statement in the asked format (see the module comment). */
export function formatStatement(
  s: Json,
  format: StatementFormat,
  languages: readonly string[] = [],
  definitions: ReadonlyMap<string, Json> = new Map(),
): Json {
  if (format === "ids") return idsOfStatement(s);
  if (format === "canonical") return canonical(s, "", languages, definitions) as Json;
  return s;
}
