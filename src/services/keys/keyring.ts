/**
 * What every process that reads or writes personal data does before it serves: build the keyring and
 * check it against the database (persistence/crypto/key-registry.ts: a wrong key is a KeyringError
 * here, at start). A server also finishes the upgrade from the pre-encryption formats in the background.
 */
import type { DataSource } from "typeorm";
import { FieldCipher, type KeyMaterial } from "../../persistence/crypto/field-cipher.js";
import { type KeyringStatus, verifyKeyring } from "../../persistence/crypto/key-registry.js";
import type { Logger } from "../../shared/logger.js";
import { finishRotation, reencryptAll } from "./reencryption.js";

export { KeyringError } from "../../persistence/crypto/key-registry.js";

export async function openKeyring(ds: DataSource, keys: KeyMaterial): Promise<{ cipher: FieldCipher; status: KeyringStatus }> {
  const cipher = new FieldCipher(keys);
  return { cipher, status: await verifyKeyring(ds, cipher) };
}

export interface UpgradePass {
  /** Values re-encrypted per column; null when the pass was stopped before its end (the next start resumes it). */
  readonly done: Promise<Map<string, number> | null>;
  stop(): Promise<void>;
}

/**
 * The upgrade's pass, while the server serves: every value of a pre-encryption format re-encrypted under
 * the current key, then the pseudo key "legacy" retired (those formats are refused from then on).
 * Logs counts only. A failure is logged and left for the next start.
 */
export function startUpgradePass(ds: DataSource, cipher: FieldCipher, logger: Logger): UpgradePass {
  const ac = new AbortController();
  const t0 = Date.now();
  const done = (async () => {
    try {
      const rewritten = await reencryptAll(ds, cipher, { legacyOnly: true, signal: ac.signal });
      const { retired } = await finishRotation(ds, cipher, { legacyOnly: true });
      logger.info(
        { rewritten: Object.fromEntries(rewritten), legacyRetired: retired.length > 0, ms: Date.now() - t0 },
        "personal data of the previous version re-encrypted",
      );
      return rewritten;
    } catch (e) {
      if (ac.signal.aborted) return null;
      logger.error({ err: e }, "the re-encryption of the previous version's personal data failed; it resumes at the next start");
      return null;
    }
  })();
  return {
    done,
    stop: async () => {
      ac.abort(new Error("stopping"));
      await done;
    },
  };
}
