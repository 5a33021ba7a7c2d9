import { ConflictError, ErrorCode } from "./domain-error.js";
import { withConflictRetry } from "./transaction-retry.js";

/** A failing transaction as TypeORM reports it: a QueryFailedError carrying the driver's SQLSTATE. */
const aborted = (code: string) => Object.assign(new Error(`aborted (${code})`), { driverError: { code } });

describe("withConflictRetry", () => {
  test("runs a transaction aborted by a deadlock or a serialization conflict again, and returns its result", async () => {
    const codes = ["40P01", "40001"];
    let calls = 0;
    const out = await withConflictRetry(async () => {
      const code = codes[calls++];
      if (code) throw aborted(code);
      return "written";
    }, "recordAttempt");
    expect(out).toBe("written");
    expect(calls).toBe(3);
  });

  test("gives up after the given tries with a retryable CONFLICT", async () => {
    let calls = 0;
    const err = await withConflictRetry(
      async () => {
        calls++;
        throw aborted("40P01");
      },
      "recordAttempt",
      3,
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).code).toBe(ErrorCode.Conflict);
    expect((err as ConflictError).details).toEqual({ retryable: true });
  });

  test("any other error goes through at once, untouched", async () => {
    let calls = 0;
    const unique = aborted("23505");
    await expect(
      withConflictRetry(async () => {
        calls++;
        throw unique;
      }, "recordAttempt"),
    ).rejects.toBe(unique);
    expect(calls).toBe(1);
  });
});
