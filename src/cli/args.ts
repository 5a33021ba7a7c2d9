/** A minimal `--name value` / `--flag` parser for the project's command-line tools. */
export function parseArgs(argv: readonly string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const [name, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
    if (inline !== undefined) out.set(name, inline);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) out.set(name, argv[++i]!);
    else out.set(name, true);
  }
  return out;
}
