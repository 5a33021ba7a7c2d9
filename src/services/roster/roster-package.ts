/**
 * A OneRoster package's files by name, from a zip (the standard's exchange format) or from files read
 * elsewhere (a folder: the command line reads it). Pure: bytes in, bytes out.
 *
 * A zip is checked before it is inflated: at most MAX_ENTRIES entries and MAX_PACKAGE_BYTES once
 * inflated (the sizes its directory declares, then the bytes actually produced), so a small hostile zip
 * cannot fill the memory. Files may sit at the top level or in one folder; folders, macOS metadata
 * (`__MACOSX/`, `._*`) and anything but `.csv` files are left out.
 */
import { unzipSync } from "fflate";
import { RosterPackageError } from "./oneroster-format.js";

export const MAX_ENTRIES = 64;
/** 512 MB inflated: a district's roster with demographics is far below it. */
export const MAX_PACKAGE_BYTES = 512 * 1024 * 1024;

export function unzipRoster(zip: Uint8Array): Map<string, Uint8Array> {
  let entries = 0;
  let declared = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (f) => {
        entries++;
        declared += f.originalSize;
        if (entries > MAX_ENTRIES) throw new RosterPackageError([{ file: "(zip)", line: 0, why: `has more than ${MAX_ENTRIES} entries` }]);
        if (declared > MAX_PACKAGE_BYTES)
          throw new RosterPackageError([{ file: "(zip)", line: 0, why: `inflates to more than ${MAX_PACKAGE_BYTES} bytes` }]);
        return isCsv(f.name);
      },
    });
  } catch (e) {
    if (e instanceof RosterPackageError) throw e;
    throw new RosterPackageError([{ file: "(zip)", line: 0, why: `is not a readable zip file (${(e as Error).message})` }]);
  }
  const inflated = Object.values(files).reduce((n, b) => n + b.byteLength, 0);
  if (inflated > MAX_PACKAGE_BYTES)
    throw new RosterPackageError([{ file: "(zip)", line: 0, why: `inflates to more than ${MAX_PACKAGE_BYTES} bytes` }]);
  return byBaseName(Object.entries(files));
}

/** Files given by path (a folder's, a zip's): keyed by their base name, which must be unique. */
export function byBaseName(entries: readonly (readonly [string, Uint8Array])[]): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const dirs = new Set<string>();
  for (const [path, bytes] of entries) {
    if (!isCsv(path)) continue;
    const parts = path.split("/");
    const name = parts.pop()!;
    dirs.add(parts.join("/"));
    if (out.has(name)) throw new RosterPackageError([{ file: name, line: 0, why: "appears more than once in the package" }]);
    out.set(name, bytes);
  }
  if (dirs.size > 1) throw new RosterPackageError([{ file: "(zip)", line: 0, why: "holds CSV files in more than one folder" }]);
  return out;
}

function isCsv(path: string): boolean {
  const name = path.split("/").pop() ?? "";
  return !path.startsWith("__MACOSX/") && !name.startsWith("._") && name.toLowerCase().endsWith(".csv");
}
