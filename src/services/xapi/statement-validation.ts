/**
 * The checks xAPI 1.0.3 makes an LRS apply to a statement before storing it (section 2: Statements; the
 * MUSTs of its properties and data types): the allowed properties and no others, the types of actors
 * and objects, identifiers by their rules (xapi-values.ts), scores within their bounds, the properties
 * context may hold for the object it has, sub-statements without their own id, stored, version or
 * authority and without nesting. Pure: a value in, every problem (its JSON path and why) out, so that
 * a client is told what to fix in one answer. What an LRS sets itself (`stored`, `authority`) is checked
 * where present, and set by the store.
 */
import { isDuration, isIri, isIrl, isLanguageTag, isMailto, isSha1Hex, isTimestamp, isUuid } from "./xapi-values.js";

export interface StatementProblem {
  /** Where, as a JSON path from the statement ("context.instructor.mbox", "attachments[0].sha2"). */
  readonly path: string;
  readonly why: string;
}

/** A statement refused, with every problem found. */
export class StatementValidationError extends Error {
  constructor(readonly problems: readonly StatementProblem[]) {
    super(problems.map((p) => `${p.path || "statement"}: ${p.why}`).join("; "));
    this.name = "StatementValidationError";
  }
}

const INTERACTION_TYPES = [
  "true-false",
  "choice",
  "fill-in",
  "long-fill-in",
  "matching",
  "performance",
  "sequencing",
  "likert",
  "numeric",
  "other",
] as const;
const COMPONENT_LISTS = ["choices", "scale", "source", "target", "steps"] as const;

type Json = Record<string, unknown>;

class Checker {
  readonly problems: StatementProblem[] = [];

  fail(path: string, why: string): false {
    this.problems.push({ path, why });
    return false;
  }

  /** A JSON object (not null, not an array) whose keys are all among `allowed`. */
  object(v: unknown, path: string, allowed: readonly string[]): v is Json {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return this.fail(path, "must be a JSON object");
    for (const [k, value] of Object.entries(v)) {
      if (!allowed.includes(k)) this.fail(join(path, k), "is not a property it may have");
      else if (value === null) this.fail(join(path, k), "must not be null");
    }
    return true;
  }

  require(o: Json, path: string, key: string): boolean {
    return key in o ? true : this.fail(join(path, key), "is required");
  }

  string(v: unknown, path: string): v is string {
    return typeof v === "string" ? true : this.fail(path, "must be a string");
  }

  rule(v: unknown, path: string, test: (v: unknown) => boolean, what: string): boolean {
    return test(v) ? true : this.fail(path, `must be ${what}`);
  }

  languageMap(v: unknown, path: string): void {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      this.fail(path, "must be a language map");
      return;
    }
    for (const [tag, text] of Object.entries(v)) {
      if (!isLanguageTag(tag)) this.fail(join(path, tag), "is not a language tag (RFC 5646)");
      else if (typeof text !== "string") this.fail(join(path, tag), "must be a string");
    }
  }

  extensions(v: unknown, path: string): void {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      this.fail(path, "must be a JSON object");
      return;
    }
    for (const k of Object.keys(v)) if (!isIri(k)) this.fail(join(path, k), "an extension's key must be an IRI");
  }
}

const join = (path: string, key: string | number) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/** Throws StatementValidationError when the statement breaks a MUST of xAPI 1.0.3. */
export function validateStatement(statement: unknown): void {
  const c = new Checker();
  checkStatement(c, statement, "", false);
  if (c.problems.length) throw new StatementValidationError(c.problems);
}

/** An Agent or identified Group given on its own (the `agent` parameter of a query or a document). */
export function validateActor(actor: unknown, name = "agent"): void {
  const c = new Checker();
  checkActor(c, actor, name);
  if (c.problems.length) throw new StatementValidationError(c.problems);
}

function checkStatement(c: Checker, s: unknown, path: string, sub: boolean): void {
  const allowed = sub
    ? ["objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"]
    : ["id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments"];
  if (!c.object(s, path, allowed)) return;
  if (sub && s.objectType !== "SubStatement") c.fail(join(path, "objectType"), 'must be "SubStatement"');
  for (const key of ["actor", "verb", "object"]) c.require(s, path, key);
  if ("id" in s) c.rule(s.id, join(path, "id"), isUuid, "a UUID");
  if ("actor" in s) checkActor(c, s.actor, join(path, "actor"));
  if ("verb" in s) checkVerb(c, s.verb, join(path, "verb"));
  if ("object" in s) checkObject(c, s.object, join(path, "object"), sub);
  if ("result" in s) checkResult(c, s.result, join(path, "result"));
  if ("context" in s) checkContext(c, s.context, join(path, "context"), s.object);
  if ("timestamp" in s) c.rule(s.timestamp, join(path, "timestamp"), isTimestamp, "an ISO 8601 date-time");
  if ("stored" in s) c.rule(s.stored, join(path, "stored"), isTimestamp, "an ISO 8601 date-time");
  if ("authority" in s) checkAuthority(c, s.authority, join(path, "authority"));
  if ("verb" in s && "object" in s && (s.verb as Json)?.id === VOIDED_VERB && (s.object as Json)?.objectType !== "StatementRef")
    c.fail(join(path, "object"), "a voiding statement's object must be a StatementRef");
  if ("version" in s)
    c.rule(s.version, join(path, "version"), (v) => typeof v === "string" && /^1\.0(\.\d+)?$/.test(v), 'a 1.0.x version ("1.0.3")');
  if ("attachments" in s) checkAttachments(c, s.attachments, join(path, "attachments"));
}

const VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided";

/** An authority is an Agent, or an OAuth pair: an anonymous Group of exactly two Agents (2.4.9). */
function checkAuthority(c: Checker, a: unknown, path: string): void {
  checkActor(c, a, path);
  if (typeof a !== "object" || a === null || (a as Json).objectType !== "Group") return;
  const g = a as Json;
  if (IFIS.some((k) => k in g)) c.fail(path, "an authority that is a Group must be anonymous (an OAuth consumer and user)");
  if (!Array.isArray(g.member) || g.member.length !== 2)
    c.fail(join(path, "member"), "an authority that is a Group has exactly two Agents");
}

/** An Agent or a Group (`objectType` absent means Agent). */
function checkActor(c: Checker, a: unknown, path: string): void {
  if (typeof a === "object" && a !== null && (a as Json).objectType === "Group") checkGroup(c, a, path);
  else checkAgent(c, a, path);
}

const IFIS = ["mbox", "mbox_sha1sum", "openid", "account"] as const;

/** The inverse functional identifiers present, each checked. */
function checkIfis(c: Checker, o: Json, path: string): number {
  const present = IFIS.filter((k) => k in o);
  if ("mbox" in o) c.rule(o.mbox, join(path, "mbox"), isMailto, 'a "mailto:" IRI of an e-mail address');
  if ("mbox_sha1sum" in o) c.rule(o.mbox_sha1sum, join(path, "mbox_sha1sum"), isSha1Hex, "a SHA-1 sum in hexadecimal");
  if ("openid" in o) c.rule(o.openid, join(path, "openid"), isIri, "a URI");
  if ("account" in o && c.object(o.account, join(path, "account"), ["homePage", "name"])) {
    const acc = o.account as Json;
    const at = join(path, "account");
    if (c.require(acc, at, "homePage")) c.rule(acc.homePage, join(at, "homePage"), isIrl, "an IRL");
    if (c.require(acc, at, "name")) c.string(acc.name, join(at, "name"));
  }
  return present.length;
}

function checkAgent(c: Checker, a: unknown, path: string): void {
  if (!c.object(a, path, ["objectType", "name", ...IFIS])) return;
  if ("objectType" in a && a.objectType !== "Agent") c.fail(join(path, "objectType"), 'must be "Agent" or "Group"');
  if ("name" in a) c.string(a.name, join(path, "name"));
  if (checkIfis(c, a, path) !== 1) c.fail(path, "an Agent must have exactly one of mbox, mbox_sha1sum, openid, account");
}

function checkGroup(c: Checker, g: unknown, path: string): void {
  if (!c.object(g, path, ["objectType", "name", "member", ...IFIS])) return;
  if ("name" in g) c.string(g.name, join(path, "name"));
  const ifis = checkIfis(c, g, path);
  if (ifis > 1) c.fail(path, "a Group has at most one of mbox, mbox_sha1sum, openid, account");
  if (ifis === 0 && !("member" in g)) c.fail(path, "an anonymous Group (no identifier) must list its members");
  if ("member" in g) {
    if (!Array.isArray(g.member)) c.fail(join(path, "member"), "must be an array of Agents");
    else
      g.member.forEach((m, i) => {
        if (typeof m === "object" && m !== null && (m as Json).objectType === "Group")
          c.fail(join(join(path, "member"), i), "a Group's members are Agents, not Groups");
        else checkAgent(c, m, join(join(path, "member"), i));
      });
  }
}

function checkVerb(c: Checker, v: unknown, path: string): void {
  if (!c.object(v, path, ["id", "display"])) return;
  if (c.require(v, path, "id")) c.rule(v.id, join(path, "id"), isIri, "an IRI");
  if ("display" in v) c.languageMap(v.display, join(path, "display"));
}

function checkObject(c: Checker, o: unknown, path: string, inSub: boolean): void {
  const type = typeof o === "object" && o !== null ? (o as Json).objectType : undefined;
  if (type === undefined || type === "Activity") checkActivity(c, o, path);
  else if (type === "Agent") checkAgent(c, o, path);
  else if (type === "Group") checkGroup(c, o, path);
  else if (type === "StatementRef") {
    if (c.object(o, path, ["objectType", "id"]) && c.require(o as Json, path, "id"))
      c.rule((o as Json).id, join(path, "id"), isUuid, "a UUID");
  } else if (type === "SubStatement") {
    if (inSub) c.fail(path, "a SubStatement must not contain a SubStatement");
    else checkStatement(c, o, path, true);
  } else c.fail(join(path, "objectType"), "must be Activity, Agent, Group, StatementRef or SubStatement");
}

function checkActivity(c: Checker, a: unknown, path: string): void {
  if (!c.object(a, path, ["objectType", "id", "definition"])) return;
  if (c.require(a, path, "id")) c.rule(a.id, join(path, "id"), isIri, "an IRI");
  if (!("definition" in a)) return;
  const at = join(path, "definition");
  const keys = ["name", "description", "type", "moreInfo", "extensions", "interactionType", "correctResponsesPattern", ...COMPONENT_LISTS];
  if (!c.object(a.definition, at, keys)) return;
  const d = a.definition;
  if ("name" in d) c.languageMap(d.name, join(at, "name"));
  if ("description" in d) c.languageMap(d.description, join(at, "description"));
  if ("type" in d) c.rule(d.type, join(at, "type"), isIri, "an IRI");
  if ("moreInfo" in d) c.rule(d.moreInfo, join(at, "moreInfo"), isIrl, "an IRL");
  if ("extensions" in d) c.extensions(d.extensions, join(at, "extensions"));
  if ("interactionType" in d && !(INTERACTION_TYPES as readonly unknown[]).includes(d.interactionType))
    c.fail(join(at, "interactionType"), `must be one of ${INTERACTION_TYPES.join(", ")}`);
  if ("correctResponsesPattern" in d) {
    if (!("interactionType" in d)) c.fail(join(at, "correctResponsesPattern"), "needs an interactionType");
    if (!Array.isArray(d.correctResponsesPattern)) c.fail(join(at, "correctResponsesPattern"), "must be an array of strings");
    else for (const [i, p] of d.correctResponsesPattern.entries()) c.string(p, join(join(at, "correctResponsesPattern"), i));
  }
  for (const list of COMPONENT_LISTS) {
    if (!(list in d)) continue;
    const lp = join(at, list);
    if (!("interactionType" in d)) c.fail(lp, "needs an interactionType");
    if (!Array.isArray(d[list])) {
      c.fail(lp, "must be an array of interaction components");
      continue;
    }
    const ids = new Set<unknown>();
    (d[list] as unknown[]).forEach((comp, i) => {
      const cp = join(lp, i);
      if (!c.object(comp, cp, ["id", "description"])) return;
      if (c.require(comp, cp, "id") && c.string(comp.id, join(cp, "id"))) {
        if (ids.has(comp.id)) c.fail(join(cp, "id"), "repeats another component's id");
        ids.add(comp.id);
      }
      if ("description" in comp) c.languageMap(comp.description, join(cp, "description"));
    });
  }
}

function checkResult(c: Checker, r: unknown, path: string): void {
  if (!c.object(r, path, ["score", "success", "completion", "response", "duration", "extensions"])) return;
  if ("score" in r && c.object(r.score, join(path, "score"), ["scaled", "raw", "min", "max"])) {
    const sc = r.score as Json;
    const sp = join(path, "score");
    for (const k of ["scaled", "raw", "min", "max"])
      if (k in sc) c.rule(sc[k], join(sp, k), (v) => typeof v === "number" && Number.isFinite(v), "a number");
    const n = (k: string) => (typeof sc[k] === "number" ? (sc[k] as number) : undefined);
    const [scaled, raw, min, max] = [n("scaled"), n("raw"), n("min"), n("max")];
    if (scaled !== undefined && (scaled < -1 || scaled > 1)) c.fail(join(sp, "scaled"), "must be within [-1, 1]");
    if (min !== undefined && max !== undefined && min > max) c.fail(join(sp, "min"), "must not exceed max");
    if (raw !== undefined && min !== undefined && raw < min) c.fail(join(sp, "raw"), "must not be below min");
    if (raw !== undefined && max !== undefined && raw > max) c.fail(join(sp, "raw"), "must not exceed max");
  }
  for (const k of ["success", "completion"]) if (k in r && typeof r[k] !== "boolean") c.fail(join(path, k), "must be true or false");
  if ("response" in r) c.string(r.response, join(path, "response"));
  if ("duration" in r) c.rule(r.duration, join(path, "duration"), isDuration, "an ISO 8601 duration");
  if ("extensions" in r) c.extensions(r.extensions, join(path, "extensions"));
}

function checkContext(c: Checker, x: unknown, path: string, object: unknown): void {
  const keys = ["registration", "instructor", "team", "contextActivities", "revision", "platform", "language", "statement", "extensions"];
  if (!c.object(x, path, keys)) return;
  if ("registration" in x) c.rule(x.registration, join(path, "registration"), isUuid, "a UUID");
  if ("instructor" in x) checkActor(c, x.instructor, join(path, "instructor"));
  if ("team" in x) {
    if (typeof x.team === "object" && x.team !== null && (x.team as Json).objectType === "Group") checkGroup(c, x.team, join(path, "team"));
    else c.fail(join(path, "team"), "must be a Group");
  }
  if (
    "contextActivities" in x &&
    c.object(x.contextActivities, join(path, "contextActivities"), ["parent", "grouping", "category", "other"])
  ) {
    for (const [k, v] of Object.entries(x.contextActivities as Json)) {
      const kp = join(join(path, "contextActivities"), k);
      if (Array.isArray(v)) for (const [i, a] of v.entries()) checkActivity(c, a, join(kp, i));
      else checkActivity(c, v, kp);
    }
  }
  const objectType = typeof object === "object" && object !== null ? (object as Json).objectType : undefined;
  for (const k of ["revision", "platform"]) {
    if (!(k in x)) continue;
    c.string(x[k], join(path, k));
    if (objectType !== undefined && objectType !== "Activity") c.fail(join(path, k), "is only for a statement about an Activity");
  }
  if ("language" in x) c.rule(x.language, join(path, "language"), isLanguageTag, "a language tag (RFC 5646)");
  if ("statement" in x) {
    const sp = join(path, "statement");
    if (c.object(x.statement, sp, ["objectType", "id"])) {
      const ref = x.statement as Json;
      if (ref.objectType !== "StatementRef") c.fail(join(sp, "objectType"), 'must be "StatementRef"');
      if (c.require(ref, sp, "id")) c.rule(ref.id, join(sp, "id"), isUuid, "a UUID");
    }
  }
  if ("extensions" in x) c.extensions(x.extensions, join(path, "extensions"));
}

function checkAttachments(c: Checker, list: unknown, path: string): void {
  if (!Array.isArray(list)) {
    c.fail(path, "must be an array");
    return;
  }
  list.forEach((a, i) => {
    const ap = join(path, i);
    if (!c.object(a, ap, ["usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"])) return;
    for (const k of ["usageType", "display", "contentType", "length", "sha2"]) c.require(a, ap, k);
    if ("usageType" in a) c.rule(a.usageType, join(ap, "usageType"), isIri, "an IRI");
    if ("display" in a) c.languageMap(a.display, join(ap, "display"));
    if ("description" in a) c.languageMap(a.description, join(ap, "description"));
    if ("contentType" in a)
      c.rule(
        a.contentType,
        join(ap, "contentType"),
        (v) => typeof v === "string" && /^[\w.+-]+\/[\w.+-]+/.test(v),
        "an Internet media type",
      );
    if ("length" in a) c.rule(a.length, join(ap, "length"), (v) => Number.isInteger(v) && (v as number) >= 0, "a non-negative integer");
    if ("sha2" in a)
      c.rule(a.sha2, join(ap, "sha2"), (v) => typeof v === "string" && /^[0-9a-f]{56,128}$/i.test(v), "a SHA-2 sum in hexadecimal");
    if ("fileUrl" in a) c.rule(a.fileUrl, join(ap, "fileUrl"), isIrl, "an IRL");
  });
}
