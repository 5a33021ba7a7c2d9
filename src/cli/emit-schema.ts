/** `npm run schema`: rewrite schema/schema.graphql from the code. A test fails while they differ. */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { printApiSchema } from "../api/schema.js";

export const SCHEMA_FILE = path.resolve(__dirname, "../../../schema/schema.graphql");

printApiSchema()
  .then((sdl) => {
    fs.mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
    fs.writeFileSync(SCHEMA_FILE, sdl);
    process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
  })
  .catch((e) => {
    process.stderr.write(`zpd schema: ${(e as Error).message}\n`);
    process.exit(1);
  });
