/**
 * The privacy report page, read back through an HTML parser. The audits are built by hand; every value
 * the tables must show is written out next to them, formatted by hand.
 */
import { DEFAULT_MEMBERSHIP_PARAMS, type AttackVerdict } from "../../../engine/privacy/index.js";
import {
  attr,
  byClass,
  cells,
  type DomNode,
  elements,
  expectSelfContained,
  loadHtmlParser,
  textOf,
} from "../../../../test/support/parsed-html.js";
import { type PrivacyAudit, type PrivacyCheck, PrivacyCheckName } from "../privacy-audit.types.js";
import { renderAuditReport, renderPrivacyReport } from "./index.js";

let parseHtml: (html: string) => DomNode;
beforeAll(async () => {
  parseHtml = await loadHtmlParser();
});

const META = {
  reportId: "0197a1b2-0000-7000-8000-000000000002",
  modelVersion: 9,
  modelVersionId: "0197a1b2-0000-7000-8000-0000000000bb",
  createdAt: new Date(Date.UTC(2025, 6, 1, 8, 30)),
};

const BOLD_VIEW = "analytics.<b>daily</b>";
const LR_ROC: readonly [number, number][] = [
  [0, 0],
  [0.1, 0.4],
  [0.25, 0.7],
  [0.5, 0.9],
  [1, 1],
];
const LOSS_ROC: readonly [number, number][] = [
  [0, 0],
  [0.2, 0.3],
  [0.6, 0.65],
  [1, 1],
];

const attack = (name: AttackVerdict["attack"], status: AttackVerdict["status"], reason: string, result: AttackVerdict["result"]) =>
  ({ attack: name, status, reason, result }) satisfies AttackVerdict;
const LOSS = attack("LOSS_THRESHOLD", "PASS", "LOSS_THRESHOLD: within 0.05 of chance", {
  members: 120,
  nonMembers: 118,
  auc: 0.5213,
  aucInterval: [0.4702, 0.5731],
  advantage: 0.061,
  roc: LOSS_ROC,
});
const LR_FAIL = attack("LIKELIHOOD_RATIO", "FAIL", "LIKELIHOOD_RATIO: above chance by more than 0.05, significantly", {
  members: 120,
  nonMembers: 118,
  auc: 0.6842,
  aucInterval: [0.6311, 0.7355],
  advantage: 0.297,
  roc: LR_ROC,
});
const LR_NONE = attack("LIKELIHOOD_RATIO", "NOT_AUDITABLE", "no shadow trainer for this model kind", null);

const check = (name: PrivacyCheckName, status: PrivacyCheck["status"], reason: string, figures: PrivacyCheck["figures"], soft?: boolean) =>
  ({ name, status, reason, figures, ...(soft === undefined ? {} : { soft }) }) satisfies PrivacyCheck;

/** Each check and its row: name, status (with its note), reason, figures. */
const FAILED_CHECKS = [
  [
    check(PrivacyCheckName.Suppression, "FAIL", "1 released cell breaks a rule.", { views: 2, violations: 1 }),
    "FAIL",
    "views: 2violations: 1",
  ],
  [check(PrivacyCheckName.Catalogue, "PASS", "No personal column reachable.", { roles: 3 }), "PASS", "roles: 3"],
  [check(PrivacyCheckName.Retention, "PASS", "Nothing older than 365 days.", { oldestDays: 200.5 }), "PASS", "oldestDays: 200.500"],
  [
    check(PrivacyCheckName.Erasure, "NOT_AUDITABLE", "Receipts under a retired key.", { receipts: 4 }, true),
    "NOT AUDITABLE does not block",
    "receipts: 4",
  ],
  [check(PrivacyCheckName.Consent, "PASS", "Every training learner consented.", {}), "PASS", "—"],
  [check(PrivacyCheckName.Membership, "FAIL", "LIKELIHOOD_RATIO tells members apart.", { worstAuc: 0.6842 }), "FAIL", "worstAuc: 0.684"],
] as const;

function failedAudit(): PrivacyAudit {
  return {
    status: "FAILED",
    reason: "2 checks failed.",
    k: 5,
    checks: FAILED_CHECKS.map(([c]) => c),
    suppression: [
      {
        view: "analytics.cohort_skill_mastery",
        rows: 1240,
        counts: [{ column: "learners", flag: "learners_suppressed" }],
        releasedCells: 1180,
        suppressedCells: 60,
        familiesChecked: 42,
        violations: [{ rule: "PRIMARY", cell: { cohort_id: "c-12", skill_id: "s-7", day: 12 }, column: "learners", value: 3 }],
      },
      {
        view: BOLD_VIEW,
        rows: 30,
        counts: [
          { column: "learners", flag: "learners_suppressed" },
          { column: "learners_with_path", flag: "path_suppressed" },
        ],
        releasedCells: 52,
        suppressedCells: 8,
        familiesChecked: 0,
        violations: [],
        note: "Parts may overlap: no family checked.",
      },
    ],
    membership: {
      status: "FAILED",
      reason: "An attack tells members from non-members.",
      members: 120,
      nonMembers: 118,
      attacks: [LOSS, LR_FAIL],
      params: DEFAULT_MEMBERSHIP_PARAMS,
    },
    subject: { trainingLearners: 1500, heldOutLearners: 380, snapshot: "STORED" },
    seconds: 42.37,
  };
}

function passedAudit(): PrivacyAudit {
  const a = failedAudit();
  return {
    ...a,
    status: "PASSED",
    reason: "Every check passed.",
    checks: a.checks.map((c) => ({ ...c, status: c.status === "NOT_AUDITABLE" ? c.status : "PASS" })),
    suppression: a.suppression.map((v) => ({ ...v, violations: [] })),
    membership: { ...a.membership!, status: "PASSED", reason: "No attack beats chance.", attacks: [LOSS, LR_NONE] },
    subject: { trainingLearners: null, heldOutLearners: 380, snapshot: "IN_MEMORY" },
  };
}

/** Vega's path for a curve on the 260-pixel plot: x = FPR · 260, y = (1 − TPR) · 260. */
const pathOf = (roc: readonly (readonly [number, number])[]) =>
  `M${roc.map(([f, t]) => `${Number((f * 260).toFixed(3))},${Number(((1 - t) * 260).toFixed(3))}`).join("L")}`;

const rowsOf = (doc: DomNode, cls: string) => byClass(doc, "tr", cls).map(cells);

describe("a FAILED privacy report", () => {
  let page: string;
  let doc: DomNode;
  beforeAll(async () => {
    page = await renderPrivacyReport({ ...META, schoolName: "Demo school" }, failedAudit());
    doc = parseHtml(page);
  });

  test("is self-contained: no script, no URL", () => {
    expectSelfContained(page, doc);
    expect(elements(doc, "script")).toHaveLength(0);
    expect(textOf(elements(doc, "h1")[0]!)).toBe("Privacy audit · model version 9");
  });

  test("the banner says FAILED, why, and names the failing checks only (a soft NOT_AUDITABLE does not block)", () => {
    const banner = byClass(doc, "section", "banner")[0]!;
    expect(textOf(banner)).toContain("FAILED");
    expect(textOf(banner)).toContain("2 checks failed.");
    expect(elements(banner, "li").map(textOf)).toEqual([
      "SUPPRESSION: 1 released cell breaks a rule.",
      "MEMBERSHIP: LIKELIHOOD_RATIO tells members apart.",
    ]);
  });

  test("a NOT_AUDITABLE check that is not soft blocks: named in the banner and said so in its row", async () => {
    const a = failedAudit();
    const checks = a.checks.map((c) => (c.name === PrivacyCheckName.Erasure ? { ...c, soft: false } : c));
    const hard = parseHtml(await renderPrivacyReport(META, { ...a, checks }));
    const banner = byClass(hard, "section", "banner")[0]!;
    expect(elements(banner, "li").map(textOf)).toContain("ERASURE (not auditable, blocks promotion): Receipts under a retired key.");
    expect(rowsOf(hard, "check").find((r) => r[0] === "ERASURE")?.[1]).toBe("NOT AUDITABLE blocks promotion");
  });

  test("what was audited: learners on each side, the snapshot's source, k and the audit's time", () => {
    const rows = elements(byClass(doc, "section", "summary")[0]!, "dd").map((d) => textOf(d).trim());
    expect(rows).toEqual(["1,500", "380", "the learner list stored with the model version", "5", "42.4 s"]);
  });

  test("every check is a row: name, status (soft NOT_AUDITABLE: does not block), reason and its figures", () => {
    const table = byClass(byClass(doc, "section", "checks-section")[0]!, "table", "checks")[0]!;
    expect(byClass(table, "tr", "check").map(cells)).toEqual(
      FAILED_CHECKS.map(([c, status, figures]) => [c.name, status, c.reason, figures]),
    );
  });

  test("the suppression table has a row per view, and the violation with its rule, view, cell, column and value", () => {
    expect(rowsOf(doc, "view")).toEqual([
      ["analytics.cohort_skill_mastery", "1,240", "learners (learners_suppressed)", "1,180", "60", "42", "1", "—"],
      [
        BOLD_VIEW,
        "30",
        "learners (learners_suppressed), learners_with_path (path_suppressed)",
        "52",
        "8",
        "0",
        "0",
        "Parts may overlap: no family checked.",
      ],
    ]);
    expect(rowsOf(doc, "violation")).toEqual([
      ["PRIMARY", "analytics.cohort_skill_mastery", "cohort_id = c-12, skill_id = s-7, day = 12", "learners", "3"],
    ]);
  });

  test("a view name with markup is escaped: shown as text, never as an element", () => {
    expect(page).not.toContain(BOLD_VIEW);
    expect(page).toContain("analytics.&lt;b&gt;daily&lt;/b&gt;");
    expect(elements(doc, "b")).toHaveLength(0);
  });

  test("each attack: AUC with its interval, |AUC − 0.5|, advantage, members, non-members, status and reason", () => {
    expect(rowsOf(doc, "attack")).toEqual([
      ["LOSS_THRESHOLD", "0.521", "[0.470, 0.573]", "0.021", "0.061", "120", "118", "PASS", LOSS.reason],
      ["LIKELIHOOD_RATIO", "0.684", "[0.631, 0.736]", "0.184", "0.297", "120", "118", "FAIL", LR_FAIL.reason],
    ]);
  });

  test("one ROC chart: each attack's curve through its points, the diagonal of chance, a legend by attack", () => {
    const figures = elements(doc, "figure");
    expect(figures.map((f) => attr(f, "data-plot"))).toEqual(["membership-roc"]);
    expect(elements(doc, "svg")).toHaveLength(1);
    const chance = elements(byClass(figures[0]!, "g", "chance_marks")[0]!, "path");
    expect(chance.map((p) => attr(p, "d"))).toEqual(["M0,260L260,0"]);
    const curves = byClass(figures[0]!, "g", "attacks_marks").flatMap((g) => elements(g, "path"));
    const curveOf = (name: string) => curves.find((p) => (attr(p, "aria-label") ?? "").includes(`attack: ${name}`));
    expect(attr(curveOf("LOSS_THRESHOLD")!, "d")).toBe(pathOf(LOSS_ROC));
    expect(attr(curveOf("LIKELIHOOD_RATIO")!, "d")).toBe(pathOf(LR_ROC));
    expect(attr(curveOf("LOSS_THRESHOLD")!, "stroke")).not.toBe(attr(curveOf("LIKELIHOOD_RATIO")!, "stroke"));
    const svgText = textOf(elements(figures[0]!, "svg")[0]!);
    expect(svgText).toContain("LOSS_THRESHOLD");
    expect(svgText).toContain("LIKELIHOOD_RATIO");
  });

  test("the method states each check, how to read the ROC chart and the membership thresholds", () => {
    const method = textOf(elements(doc, "footer")[0]!).replace(/\s+/g, " ");
    for (const name of Object.values(PrivacyCheckName)) expect(method).toContain(name);
    expect(method).toContain("above it, the attack tells members apart");
    expect(method).toContain("|AUC − 0.5| exceeds 0.05 and its 95% bootstrap interval (1,000 resamples, α = 0.05) excludes 0.5");
  });
});

describe("a PASSED privacy report with an attack that could not run", () => {
  let doc: DomNode;
  beforeAll(async () => {
    doc = parseHtml(await renderPrivacyReport(META, passedAudit()));
  });

  test("the banner says PASSED and names no check; there is no violation table", () => {
    const banner = byClass(doc, "section", "banner")[0]!;
    expect(textOf(banner)).toContain("PASSED");
    expect(elements(banner, "li")).toHaveLength(0);
    expect(byClass(doc, "table", "violations")).toHaveLength(0);
    expect(textOf(byClass(doc, "section", "suppression")[0]!)).toContain("No violation");
  });

  test("the attack without a result shows dashes and its reason; the chart draws the other attack's curve alone", () => {
    expect(rowsOf(doc, "attack")).toEqual([
      ["LOSS_THRESHOLD", "0.521", "[0.470, 0.573]", "0.021", "0.061", "120", "118", "PASS", LOSS.reason],
      ["LIKELIHOOD_RATIO", "—", "—", "—", "—", "—", "—", "NOT AUDITABLE", LR_NONE.reason],
    ]);
    const curves = byClass(doc, "g", "attacks_marks").flatMap((g) => elements(g, "path"));
    expect(curves.map((p) => attr(p, "d"))).toEqual([pathOf(LOSS_ROC)]);
    expect(byClass(doc, "g", "chance_marks")).toHaveLength(1);
  });

  test("unknown training learners and the snapshot in memory are said so", () => {
    const rows = elements(byClass(doc, "section", "summary")[0]!, "dd").map((d) => textOf(d).trim());
    expect(rows.slice(0, 3)).toEqual(["unknown", "380", "the retraining's snapshot, in memory"]);
  });

  test("membership not run: no chart, a note instead", async () => {
    const page = parseHtml(await renderPrivacyReport(META, { ...passedAudit(), membership: null }));
    expect(elements(page, "svg")).toHaveLength(0);
    expect(textOf(byClass(page, "section", "membership")[0]!)).toContain("Not run");
  });
});

describe("renderAuditReport for PRIVACY", () => {
  const row = { id: META.reportId, createdAt: META.createdAt, modelVersion: { id: META.modelVersionId, version: 9 } };

  test("a stored row (figures: the audit with status, reason and an evaluation key) gets the privacy page", async () => {
    const audit = failedAudit();
    const figures = { ...audit, evaluation: { learners: 380 } } as unknown as Record<string, unknown>;
    const doc = parseHtml(await renderAuditReport({ ...row, kind: "PRIVACY", passed: false, checks: [...audit.checks], figures }));
    expect(textOf(elements(doc, "h1")[0]!)).toBe("Privacy audit · model version 9");
    expect(rowsOf(doc, "view")).toHaveLength(2);
    expect(elements(doc, "svg")).toHaveLength(1);
    expect(byClass(doc, "dl", "figures-list")).toHaveLength(0);
  });

  test.each([
    ["no suppression list", { suppression: undefined }],
    ["k missing", { k: "5" }],
    ["membership without attacks", { membership: { status: "PASSED" } }],
    ["an unknown verdict", { status: "OK" }],
  ])("a malformed row (%s) falls back to the generic page", async (_what, broken) => {
    const figures = { ...failedAudit(), ...broken } as unknown as Record<string, unknown>;
    const doc = parseHtml(await renderAuditReport({ ...row, kind: "PRIVACY", passed: false, checks: [], figures }));
    expect(byClass(doc, "dl", "figures-list")).toHaveLength(1);
    expect(textOf(doc)).toContain("not in the privacy audit's format");
    expect(byClass(doc, "tr", "view")).toHaveLength(0);
    expect(elements(doc, "svg")).toHaveLength(0);
  });
});
