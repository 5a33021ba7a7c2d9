import {
  ATTEMPT_LIMIT_SECONDS,
  DEFAULT_JOB_TIMING,
  HEARTBEAT_REFRESH_SECONDS,
  JobName,
  MIN_HEARTBEAT_SECONDS,
  queueOptions,
} from "./queues.js";

describe("job queues", () => {
  test("every product queue has a heartbeat and retries from the configured delay, with backoff", () => {
    const timing = { heartbeatSeconds: 30, superviseIntervalSeconds: 2, retryDelaySeconds: 7 };
    const queues = queueOptions(timing);
    expect(Object.keys(queues).sort()).toEqual(Object.values(JobName).sort());
    for (const options of Object.values(queues))
      expect(options).toMatchObject({ heartbeatSeconds: 30, retryDelay: 7, retryBackoff: true, retryLimit: expect.any(Number) });
  });

  test("a per-school job is one at a time per school, bounded by the day-long attempt limit, never by a short expiry", () => {
    for (const name of [JobName.Retrain, JobName.RebuildStates, JobName.PromoteModel, JobName.RollbackModel, JobName.Retention])
      expect(queueOptions()[name]).toMatchObject({ policy: "singleton", expireInSeconds: ATTEMPT_LIMIT_SECONDS, retryLimit: 6 });
    expect(ATTEMPT_LIMIT_SECONDS).toBe(86_400); // pg-boss's longest
  });

  test("a retry cap below the configured first delay is raised to it (pg-boss would cap every retry below the first)", () => {
    expect(queueOptions({ ...DEFAULT_JOB_TIMING, retryDelaySeconds: 3000 })[JobName.PromoteModel]).toMatchObject({
      retryDelay: 3000,
      retryDelayMax: 3000,
    });
  });

  test("a live worker refreshes a heartbeat several times before the shortest one pg-boss accepts lapses", () => {
    expect(MIN_HEARTBEAT_SECONDS / HEARTBEAT_REFRESH_SECONDS).toBeGreaterThanOrEqual(5);
  });

  test("the default heartbeat outlasts the longest event-loop hold measured in a healthy retraining (20.5 s at 1,000,000 attempts) with a margin", () => {
    expect(DEFAULT_JOB_TIMING.heartbeatSeconds - HEARTBEAT_REFRESH_SECONDS).toBeGreaterThanOrEqual(2.5 * 20.5);
  });
});
