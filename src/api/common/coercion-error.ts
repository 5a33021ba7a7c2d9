/**
 * graphql-js refuses a value that does not fit its input type before any resolver runs, and its message
 * quotes the value: a variable's (`Variable "$i" got invalid value { displayName: "Ada", emial: "…" }` —
 * a whole input object with its personal data when one key is wrong; a 1 MB string sent for an Int
 * made a 2 MB error) and a literal's (`Expected value of type "Int", found "…"`). Such a message is
 * rebuilt here from what names the place and the rule only — the variable, the path inside it, the type
 * and graphql-js's reason — so that no error echoes an input's value, whatever its size.
 */
import type { GraphQLFormattedError } from "graphql";

/**
 * A GraphQL name (a field, a type, an enum value): safe to repeat, being the schema's or a short
 * identifier the client chose as one (a misspelt field or enum value is worth naming).
 */
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
/** What may stand between quotes in a kept reason: a type reference such as `[UUID!]!` or a field's name. */
const TYPE_REF = /^[[\]!_0-9A-Za-z]{1,100}$/;
const GENERIC = "the value does not fit the input type";

/** graphql-js's (or a scalar's) reason, without the value it quotes. */
export function reasonWithoutValue(reason: string): string {
  const unknownField = /^Field "([\s\S]*)" is not defined by type "(\w+)"\./.exec(reason);
  if (unknownField)
    return NAME.test(unknownField[1]!)
      ? `Field "${unknownField[1]}" is not defined by type "${unknownField[2]}".`
      : `A field is not defined by type "${unknownField[2]}".`;
  const enumValue = /^Value "([\s\S]*)" does not exist in "(\w+)" enum\./.exec(reason);
  if (enumValue)
    return NAME.test(enumValue[1]!)
      ? `Value "${enumValue[1]}" does not exist in "${enumValue[2]}" enum.`
      : `The value does not exist in "${enumValue[2]}" enum.`;
  // graphql-scalars' date scalars put the value after the rule without a colon.
  const date = /^(\w+) cannot represent (an invalid [\w-]+|non string or Date type|an invalid Unix timestamp)/.exec(reason);
  if (date) return `${date[1]} cannot represent ${date[2]}.`;
  // Elsewhere the value follows the rule after ": " ("Int cannot represent non-integer value: …").
  const head = reason.split(": ")[0]!.trim();
  const quoted = [...head.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  if (head.length === 0 || head.length > 200 || !quoted.every((q) => TYPE_REF.test(q))) return GENERIC;
  return /[.!?]$/.test(head) ? head : `${head}.`;
}

/** `Variable "$name" got invalid value <value>[ at "<path>"]; <reason>` */
const VARIABLE = /^Variable "\$([_A-Za-z]\w*)" got invalid value /;
/** `Expected value of type "<type>", found <literal>[; <reason>|.]` (a literal, when its scalar gives no GraphQLError) */
const LITERAL = /^Expected value of type "([[\]!_0-9A-Za-z]+)", found /;

/**
 * The error without the value graphql-js quoted, or null when its message quotes none. `reason` is the
 * message of the error's cause (a scalar's or coercion's own message), when it has one.
 */
export function withoutCoercedValue(formatted: GraphQLFormattedError, reason: string | undefined): GraphQLFormattedError | null {
  const message = formatted.message;
  const own = reason !== undefined && reason !== message && message.endsWith(`; ${reason}`) ? reason : undefined;
  const variable = VARIABLE.exec(message);
  if (variable) {
    const name = variable[1]!;
    const head = own === undefined ? message : message.slice(0, message.length - own.length - 2);
    const path = new RegExp(`at "(${name}(?:\\.[_A-Za-z]\\w*|\\[\\d+\\])*)"$`).exec(head)?.[1] ?? name;
    return {
      ...formatted,
      message: `Variable "$${name}" got an invalid value at "${path}": ${own === undefined ? `${GENERIC}.` : reasonWithoutValue(own)}`,
      extensions: { ...formatted.extensions, argument: `$${path}` },
    };
  }
  const literal = LITERAL.exec(message);
  if (literal)
    return {
      ...formatted,
      message: `Expected value of type "${literal[1]}"${own === undefined ? "." : `: ${reasonWithoutValue(own)}`}`,
    };
  // A literal's refusal by its scalar (graphql-js reports the scalar's own message) or an unknown field of a literal object.
  if (/^(\w+ cannot represent |Value |Enum "\w+" cannot represent |Field "[\s\S]*" is not defined by type "\w+"\.)/.test(message))
    return { ...formatted, message: reasonWithoutValue(message) };
  return null;
}
