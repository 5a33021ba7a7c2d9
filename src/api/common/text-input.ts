/**
 * Every string a request carries — in its variables (at any depth of an input object or list) and as a
 * literal in the document — is checked before anything executes: a NUL byte (U+0000), which PostgreSQL
 * text cannot hold (the insert failed as an INTERNAL_SERVER_ERROR, and logged the statement's
 * parameters), and a lone UTF-16 surrogate, which is not text at all (Node would store U+FFFD in its
 * place, silently), are refused with BAD_USER_INPUT naming where they are — never echoing the value. One
 * check for every string input of the schema, present and future, rather than a rule per field.
 */
import { GraphQLError, Kind, visit, type DocumentNode } from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";

/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with `s`, or null. */
export function invalidText(s: string): string | null {
  if (s.includes("\u0000")) return "a NUL byte (U+0000)";
  return LONE_SURROGATE.test(s) ? "an unpaired UTF-16 surrogate (not text)" : null;
}

/** The first invalid string in a variables value: its path (e.g. `$input.title`) and what is wrong. */
export function findInVariables(value: unknown, path: string): { path: string; problem: string } | null {
  if (typeof value === "string") {
    const problem = invalidText(value);
    return problem ? { path, problem } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = findInVariables(v, `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const found = findInVariables(v, `${path}.${k}`) ?? (invalidText(k) ? { path: `${path} (a key)`, problem: invalidText(k)! } : null);
      if (found) return found;
    }
  }
  return null;
}

/** The first invalid string literal of the document, by the argument or field it is given to. */
function findInDocument(document: DocumentNode): { path: string; problem: string } | null {
  let found: { path: string; problem: string } | null = null;
  const names: string[] = [];
  visit(document, {
    Argument: { enter: (n) => void names.push(n.name.value), leave: () => void names.pop() },
    ObjectField: { enter: (n) => void names.push(n.name.value), leave: () => void names.pop() },
    [Kind.STRING]: (n) => {
      const problem = found ? null : invalidText(n.value);
      if (problem) found = { path: names.join(".") || "a string literal", problem };
    },
  });
  return found;
}

export function textInputPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const found =
            Object.entries(request.variables ?? {})
              .map(([name, v]) => findInVariables(v, `$${name}`))
              .find(Boolean) ?? findInDocument(document);
          if (found)
            throw new GraphQLError(`${found.path} contains ${found.problem}: refused`, {
              extensions: { code: "BAD_USER_INPUT", argument: found.path },
            });
        },
      };
    },
  };
}
