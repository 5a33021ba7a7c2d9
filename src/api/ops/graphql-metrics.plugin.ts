/**
 * Counts every GraphQL request and times it (metrics.ts): by operation (root-fields.ts) and outcome —
 * `ok`, or the first error's code as the answer carries it (codes are the server's own: a bounded set).
 */
import type { ApolloServerPlugin } from "@apollo/server";
import type { ApiMetrics } from "./metrics.js";
import { operationLabel } from "./root-fields.js";

const CODE = /^[A-Z][A-Z0-9_]{0,39}$/;

export function graphqlMetricsPlugin(metrics: ApiMetrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const t0 = process.hrtime.bigint();
      return {
        async willSendResponse({ response, operation, document }) {
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          const code = errors?.[0]?.extensions?.code;
          const outcome = !errors?.length ? "ok" : typeof code === "string" && CODE.test(code) ? code : "OTHER";
          metrics.observeRequest(operationLabel(operation, document), outcome, Number(process.hrtime.bigint() - t0) / 1e9);
        },
      };
    },
  };
}
