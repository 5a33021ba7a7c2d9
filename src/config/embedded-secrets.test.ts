import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "./config.js";
import { resolveProfileKeys, serverJwtSecret } from "./embedded-secrets.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "zpd-secrets-"));

describe("the embedded database's generated secrets", () => {
  test("in development they are generated into the data folder once, and read back", () => {
    const dir = tmp();
    const config = loadConfig({ ZPD_DATA_DIR: dir }, { uses: { jwtSecret: false } });
    const secret = serverJwtSecret(config);
    expect(fs.readFileSync(path.join(dir, "jwt.secret"), "utf8")).toBe(secret);
    expect(serverJwtSecret(config)).toBe(secret);
    expect(resolveProfileKeys(config).source.current).toBe(path.join(dir, "profile.key"));
  });

  test("in production none is generated: a command that did not need a secret to start is refused when it comes to one", () => {
    const dir = tmp();
    const config = loadConfig({ NODE_ENV: "production", ZPD_DATA_DIR: dir }, { uses: { jwtSecret: false, profileKey: false } });
    expect(() => serverJwtSecret(config)).toThrow(/ZPD_JWT_SECRET: is required in production/);
    expect(() => resolveProfileKeys(config)).toThrow(/ZPD_PROFILE_KEY: is required in production/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
