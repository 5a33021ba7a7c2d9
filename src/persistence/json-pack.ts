/**
 * Many JSON documents as ONE text parameter: joined by U+001E (the record separator), which
 * `JSON.stringify` never writes raw (it escapes every control character), and split back in SQL by
 * `unpackJsonSql`. Why: node-postgres sends a `text[]` parameter as an array literal, quoting and
 * backslash-escaping every element (two regular-expression passes and a copy of each ~2 kB state
 * document), and PostgreSQL parses that literal back character by character; a joined string needs
 * neither. Only for the output of `JSON.stringify`.
 */
export const JSON_SEPARATOR = "\u001e";

/** The documents joined for `unpackJsonSql` (an empty list gives "", which unpacks to no rows). */
export const packJson = (docs: readonly string[]): string => docs.join(JSON_SEPARATOR);

/** SQL for the text[] of documents packed by `packJson` into the parameter `param` (e.g. "$4"). */
export const unpackJsonSql = (param: string): string => `string_to_array(${param}::text, chr(30))`;
