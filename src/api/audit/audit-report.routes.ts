/**
 * GET /audit-reports/:id — a stored audit report as a self-contained HTML page, for the school's admins
 * (a bearer token, as for /graphql: checked when the request arrives, an invalid one refused with 401
 * before this runs, auth/bearer-auth.ts). The page loads nothing from anywhere (inline CSS and SVG), so it is
 * served under a Content-Security-Policy that forbids every script and every request. Errors answer
 * with the same codes as GraphQL (`errors[0].extensions.code`) and the matching HTTP status (a database
 * that cannot answer: UNAVAILABLE, 503 with Retry-After).
 */
import type express from "express";
import { DomainError, ErrorCode } from "../../services/common/domain-error.js";
import type { Services } from "../../services/index.js";
import type { Logger } from "../../shared/logger.js";
import { isUuid } from "../../shared/ids.js";
import { buildContext } from "../context.js";
import { authOf } from "../auth/bearer-auth.js";
import { DOMAIN_ERROR_CODES } from "../common/error-codes.js";
import { databaseUnavailableReason } from "../../persistence/common/db-unavailable.js";
import type { DatabaseOutages } from "../../persistence/common/database-outages.js";
import { sendUnavailable } from "../common/retryable-errors.js";

const HTTP_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.BadUserInput]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.Unauthenticated]: 401,
};

export const REPORT_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function mountAuditReportPages(app: express.Express, services: Services, logger: Logger, outages: DatabaseOutages): void {
  app.get("/audit-reports/:id", async (req, res) => {
    const fail = (status: number, code: string, message: string) =>
      res.status(status).json({ errors: [{ message, extensions: { code } }] });
    const id = req.params.id;
    if (!isUuid(id)) return fail(400, "BAD_USER_INPUT", `"${id.slice(0, 64)}" is not an audit report id`);
    try {
      const ctx = buildContext(services, authOf(res));
      const html = await services.audits.reportPage(ctx.actor(), id);
      res.set("Content-Security-Policy", REPORT_PAGE_CSP).set("Cache-Control", "no-store").type("html").send(html);
    } catch (e) {
      if (e instanceof DomainError) {
        // No token (an invalid one was refused before this ran): RFC 6750's challenge without an error.
        if (e.code === ErrorCode.Unauthenticated) res.set("WWW-Authenticate", "Bearer");
        return fail(HTTP_STATUS[e.code], DOMAIN_ERROR_CODES[e.code].code, e.message);
      }
      const unavailable = databaseUnavailableReason(e);
      if (unavailable) return sendUnavailable(res, outages, unavailable);
      logger.error({ err: e, reportId: id }, "unexpected error rendering an audit report");
      return fail(500, "INTERNAL_SERVER_ERROR", "internal server error");
    }
  });
}
