/** Every migration, in order. Schema changes happen here only (never `synchronize`). */
import { Initial1764380000000 } from "./1764380000000-initial.js";

export const migrations: Function[] = [Initial1764380000000];
