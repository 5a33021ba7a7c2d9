/**
 * The rendered pages, read back through an HTML parser (test/support/parsed-html.ts) as a browser would
 * read them: what is on the page, not how the markup happens to be spelled. The fairness audit is built by hand; every value the
 * tables must show is written out next to it, formatted by hand.
 */
import { DEFAULT_FAIRNESS_PARAMS } from "../../../engine/fairness/params.js";
import type { FairnessAudit, FairnessCheck, FairnessComparison, GroupStats } from "../../../engine/fairness/types.js";
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
import { renderAuditReport, renderFairnessReport } from "./index.js";

let parseHtml: (html: string) => DomNode;
beforeAll(async () => {
  parseHtml = await loadHtmlParser();
});

const SCRIPT_LABEL = "<script>alert(1)</script>";
const M_LABEL = `M ${SCRIPT_LABEL}`;

function stats(label: string, learners: number, over: Partial<GroupStats> = {}): GroupStats {
  return {
    label,
    learners,
    attempts: learners * 52,
    auc: 0.74,
    ece: 0.031,
    meanPredicted: 0.68,
    meanObserved: 0.66,
    calibrationInTheLarge: 0.02,
    truePositiveRate: 0.81,
    coldStartAuc: 0.7,
    roc: [
      [0, 0],
      [0.1, 0.35],
      [0.3, 0.66],
      [0.5, 0.8],
      [0.8, 0.95],
      [1, 1],
    ],
    calibration: [
      { bin: 3, meanPredicted: 0.35, meanObserved: 0.3, n: 40 },
      { bin: 5, meanPredicted: 0.55, meanObserved: 0.48, n: 120 },
      { bin: 7, meanPredicted: 0.74, meanObserved: 0.7, n: 210 },
      { bin: 9, meanPredicted: 0.92, meanObserved: 0.9, n: 90 },
    ],
    recommended: {
      learners,
      meanPredictedSuccess: 0.71,
      quartiles: [0.64, 0.71, 0.78],
      histogram: [0, 0, 0, 0, 0, 2, 14, 30, 9, 1],
      goalAdvancingShare: 0.62,
      attemptsToMastery: 14.5,
      meanReadiness: 0.66,
      successResidual: 0.012,
      goalAdvancingShareResidual: -0.04,
    },
    ...over,
  };
}

/** A check and the row the table must show for it: metric, gap, threshold, p, adjusted p, status (formatted by hand). */
type Expected = readonly [string, string, string, string, string, string];
const checkOf = (
  c: Pick<FairnessComparison, "attribute" | "group" | "reference">,
  expected: Expected,
  gap: number | null,
  threshold: number | null,
  pValue: number | null,
  adjustedPValue: number | null,
  reason: string,
) => ({
  check: {
    ...c,
    metric: expected[0] as FairnessCheck["metric"],
    gap,
    threshold,
    pValue,
    adjustedPValue,
    status: expected[5].replace(/ /g, "_") as FairnessCheck["status"],
    reason,
  } satisfies FairnessCheck,
  expected,
});

const F = { attribute: "gender", group: "F", reference: "rest" };
const M = { attribute: "gender", group: M_LABEL, reference: "rest" };
const SMALL = { attribute: "gender", group: SCRIPT_LABEL, reference: "rest" };

const F_CHECKS = [
  checkOf(
    F,
    ["AUC", "−0.041", "0.020", "0.0040", "0.0280", "FAIL"],
    -0.0412,
    0.02,
    0.004,
    0.028,
    "Lower AUC, larger than 0.02 and significant.",
  ),
  checkOf(
    F,
    ["ABROCA", "0.062", "0.020", "0.0010", "0.0080", "FAIL"],
    0.0623,
    0.02,
    0.001,
    0.008,
    "Ranking gap larger than 0.02 and significant.",
  ),
  checkOf(F, ["ECE", "0.012", "0.030", "0.4100", "1.0000", "PASS"], 0.0117, 0.03, 0.41, 1, "Within the threshold."),
  checkOf(F, ["EQUAL_OPPORTUNITY", "−0.083", "—", "0.0200", "—", "PASS"], -0.083, null, 0.02, null, "Reported only."),
  checkOf(F, ["RECOMMENDED_SUCCESS", "0.005", "0.030", "0.7000", "1.0000", "PASS"], 0.0049, 0.03, 0.7, 1, "Within the threshold."),
  checkOf(F, ["ATTEMPTS_TO_MASTERY", "1.250", "—", "0.3100", "—", "PASS"], 1.25, null, 0.31, null, "Reported only."),
];
const M_CHECKS = [
  checkOf(M, ["AUC", "0.011", "0.020", "0.5200", "1.0000", "PASS"], 0.0106, 0.02, 0.52, 1, "Within the threshold."),
  checkOf(M, ["ABROCA", "0.015", "0.020", "0.2000", "1.0000", "PASS"], 0.0151, 0.02, 0.2, 1, "Within the threshold."),
  checkOf(M, ["ECE", "−0.005", "0.030", "0.6400", "1.0000", "PASS"], -0.0048, 0.03, 0.64, 1, "Within the threshold."),
];
const SMALL_REASON = "12 learners, below the minimum group size of 30.";
const SMALL_CHECKS = [
  checkOf(SMALL, ["AUC", "—", "0.020", "—", "—", "INSUFFICIENT DATA"], null, 0.02, null, null, SMALL_REASON),
  checkOf(SMALL, ["ABROCA", "—", "0.020", "—", "—", "INSUFFICIENT DATA"], null, 0.02, null, null, SMALL_REASON),
];

const comparison = (c: typeof F, group: GroupStats, reference: GroupStats, checks: { check: FairnessCheck }[]): FairnessComparison => ({
  ...c,
  groupStats: group,
  referenceStats: reference,
  checks: checks.map((k) => k.check),
});

function audit(): FairnessAudit {
  const fRoc: GroupStats["roc"] = [
    [0, 0],
    [0.1, 0.25],
    [0.2, 0.45],
    [0.2, 0.5],
    [0.4, 0.68],
    [0.7, 0.88],
    [1, 1],
  ];
  const comparisons = [
    comparison(F, stats("F", 40, { auc: 0.7, roc: fRoc }), stats("rest", 57), F_CHECKS),
    comparison(M, stats(M_LABEL, 45), stats("rest", 52), M_CHECKS),
    comparison(SMALL, stats(SCRIPT_LABEL, 12), stats("rest", 85), SMALL_CHECKS),
  ];
  return {
    status: "FAILED",
    reason: "2 checks failed.",
    learners: 97,
    attempts: 5321,
    attributes: [
      {
        name: "gender",
        groups: [
          { label: "F", learners: 40 },
          { label: M_LABEL, learners: 45 },
          { label: SCRIPT_LABEL, learners: 12 },
        ],
        intersection: false,
        status: "AUDITED",
        reason: "",
      },
      {
        name: "home language",
        groups: [{ label: "en", learners: 97 }],
        intersection: false,
        status: "NOT_AUDITABLE",
        reason: "Only one group is recorded: nothing to compare.",
      },
    ],
    comparisons,
    checks: comparisons.flatMap((c) => c.checks),
    params: DEFAULT_FAIRNESS_PARAMS,
  };
}

const META = {
  reportId: "0197a1b2-0000-7000-8000-000000000001",
  modelVersion: 7,
  modelVersionId: "0197a1b2-0000-7000-8000-0000000000aa",
  createdAt: new Date(Date.UTC(2025, 5, 30, 9, 15)),
};

const PLOTS = ["roc", "calibration", "recommended"] as const;

describe("a fairness report", () => {
  let page: string;
  let doc: DomNode;
  beforeAll(async () => {
    page = await renderFairnessReport({ ...META, schoolName: "Demo <school>" }, audit());
    doc = parseHtml(page);
  });

  test("is self-contained", () => {
    expectSelfContained(page, doc);
    expect(textOf(elements(doc, "style")[0]!)).toContain("@media print");
  });

  test("says which model version it audits, when, and for which school", () => {
    const header = textOf(elements(doc, "header")[0]!);
    expect(header).toContain("Fairness audit · model version 7");
    expect(header).toContain(META.modelVersionId);
    expect(header).toContain(META.reportId);
    expect(header).toContain("2025-06-30 09:15 UTC");
    expect(header).toContain("Demo <school>");
    expect(textOf(elements(doc, "title")[0]!)).toBe("Fairness audit · model version 7");
  });

  test("the banner says FAILED and names each failing check, and only those", () => {
    const banner = byClass(doc, "section", "banner")[0]!;
    expect(textOf(banner)).toContain("FAILED");
    const failing = elements(banner, "li").map(textOf);
    expect(failing).toHaveLength(2);
    expect(failing[0]).toContain("gender: F vs rest");
    expect(failing[0]).toContain("AUC gap −0.041");
    expect(failing[0]).toContain("adjusted p 0.0280");
    expect(failing[1]).toContain("ABROCA gap 0.062");
  });

  test("one section per comparison: audited ones with their three plots, the insufficient one with its reason and no plot", () => {
    const sections = byClass(doc, "section", "comparison");
    expect(sections.map((s) => attr(s, "data-status"))).toEqual(["AUDITED", "AUDITED", "INSUFFICIENT_DATA"]);
    for (const section of sections.slice(0, 2)) {
      for (const plot of PLOTS) {
        const figures = elements(section, "figure").filter((f) => attr(f, "data-plot") === plot);
        expect(figures).toHaveLength(1);
        expect(elements(figures[0]!, "svg")).toHaveLength(1);
      }
    }
    expect(elements(sections[2]!, "svg")).toHaveLength(0);
    expect(textOf(sections[2]!)).toContain(SMALL_REASON);
    expect(elements(doc, "svg")).toHaveLength(6);
  });

  test("each ROC plot shades the area between the two curves", () => {
    const rocs = elements(doc, "figure").filter((f) => attr(f, "data-plot") === "roc");
    expect(rocs).toHaveLength(2);
    for (const roc of rocs) {
      const area = byClass(roc, "g", "abroca_marks");
      expect(area).toHaveLength(1);
      const paths = elements(area[0]!, "path");
      expect(paths).toHaveLength(1);
      // Closed polygon along one curve and back along the other: at least the 6 rows of the coarser curve, twice.
      expect((attr(paths[0]!, "d") ?? "").match(/L/g)?.length ?? 0).toBeGreaterThanOrEqual(11);
      expect(attr(paths[0]!, "fill")).toMatch(/^#/);
      expect(Number(attr(paths[0]!, "opacity"))).toBeLessThan(1);
    }
    expect(textOf(rocs[0]!)).toContain("ABROCA = 0.062");
  });

  test("every check of every comparison is a row of its table, with its gap, threshold, p-values and status", () => {
    const sections = byClass(doc, "section", "comparison");
    const expected = [F_CHECKS, M_CHECKS, SMALL_CHECKS];
    sections.forEach((section, i) => {
      const table = byClass(section, "table", "checks")[0]!;
      const rows = byClass(table, "tr", "check").map((r) => cells(r).slice(0, 6));
      expect(rows).toEqual(expected[i]!.map((k) => [...k.expected]));
    });
  });

  test("admin-provided labels are escaped: shown as text, never as markup", () => {
    expect(page).not.toContain(SCRIPT_LABEL);
    expect(elements(doc, "script")).toHaveLength(0);
    const headings = byClass(doc, "section", "comparison").map((s) => textOf(elements(s, "h3")[0]!));
    expect(headings[1]).toContain(`gender: ${M_LABEL} vs rest`);
    expect(headings[2]).toContain(`gender: ${SCRIPT_LABEL} vs rest`);
  });

  test("the summary lists every attribute with its groups, sizes and status, and the parameters", () => {
    const rows = elements(byClass(doc, "table", "attributes")[0]!, "tr")
      .slice(1)
      .map(cells);
    expect(rows[0]![0]).toBe("gender");
    expect(rows[0]![1]).toContain("F (40)");
    expect(rows[0]![1]).toContain(`${SCRIPT_LABEL} (12, below the minimum)`);
    expect(rows[1]).toEqual(["home language", "en (97)", "NOT AUDITABLE", "Only one group is recorded: nothing to compare."]);
    const summary = textOf(byClass(doc, "section", "summary")[0]!);
    expect(summary).toContain("Holm (family-wise error rate) at α = 0.05");
    expect(summary).toContain("1,000 (seed 1)");
    const thresholds = elements(byClass(doc, "table", "thresholds")[0]!, "tr")
      .slice(1)
      .map(cells);
    expect(thresholds.find((r) => r[0] === "ABROCA")?.[1]).toBe("0.020");
    expect(thresholds.find((r) => r[0] === "EQUAL_OPPORTUNITY")?.[1]).toBe("reported only");
  });
});

describe("missing values", () => {
  const empty: Partial<GroupStats> = {
    auc: null,
    ece: null,
    meanPredicted: null,
    meanObserved: null,
    calibrationInTheLarge: null,
    truePositiveRate: null,
    coldStartAuc: null,
    roc: [],
    calibration: [],
    recommended: null,
  };

  test("a group without AUC, ROC, calibration or recommendations: a dash in the tables, the reference's curves alone, no empty plot", async () => {
    const a = audit();
    const [first] = a.comparisons;
    const nulled = { ...first!, groupStats: stats("F", 40, empty), referenceStats: stats("rest", 57, { recommended: null }) };
    const page = await renderFairnessReport(META, { ...a, comparisons: [nulled] });
    const section = byClass(parseHtml(page), "section", "comparison")[0]!;
    const roc = elements(section, "figure").find((f) => attr(f, "data-plot") === "roc")!;
    expect(elements(roc, "svg")).toHaveLength(1);
    expect(byClass(roc, "g", "abroca_marks")).toHaveLength(0);
    expect(elements(section, "figure").map((f) => attr(f, "data-plot"))).toEqual(["roc", "calibration"]);
    expect(byClass(section, "p", "no-plot").map((p) => attr(p, "data-plot"))).toEqual(["recommended"]);
    const statsRows = elements(byClass(section, "table", "stats")[0]!, "tr").map(cells);
    expect(statsRows.find((r) => r[0] === "AUC")).toEqual(["AUC", "—", "0.740"]);
    expect(statsRows.find((r) => r[0] === "Recommended: quartiles")).toEqual(["Recommended: quartiles", "—", "—"]);
  });

  test("the recommendation figures: raw and conditional on readiness; an audit stored before readiness shows a dash", async () => {
    const a = audit();
    const [first] = a.comparisons;
    const legacy = { ...stats("rest", 57).recommended! } as Record<string, unknown>;
    for (const field of ["meanReadiness", "successResidual", "goalAdvancingShareResidual"]) delete legacy[field];
    const mixed = { ...first!, referenceStats: stats("rest", 57, { recommended: legacy as unknown as GroupStats["recommended"] }) };
    const page = await renderFairnessReport(META, { ...a, comparisons: [mixed] });
    const section = byClass(parseHtml(page), "section", "comparison")[0]!;
    const statsRows = elements(byClass(section, "table", "stats")[0]!, "tr").map(cells);
    const row = (name: string) => statsRows.find((r) => r[0]!.startsWith(name))!.slice(1);
    expect(row("Recommended: mean predicted success")).toEqual(["0.710", "0.710"]);
    expect(row("Readiness")).toEqual(["0.660", "—"]);
    expect(row("Recommended: predicted success above learners as ready")).toEqual(["0.012", "—"]);
    expect(row("Recommended: goal-advancing share above learners as ready")).toEqual(["−0.040", "—"]);
  });

  test("both sets empty and the parameters missing: no plot at all, and the page still renders", async () => {
    const a = audit();
    const [first] = a.comparisons;
    const nulled = { ...first!, groupStats: stats("F", 40, empty), referenceStats: stats("rest", 57, empty) };
    const { params: _params, ...rest } = a;
    const page = await renderFairnessReport(META, { ...rest, comparisons: [nulled] } as unknown as FairnessAudit);
    const doc = parseHtml(page);
    expect(elements(doc, "svg")).toHaveLength(0);
    expect(byClass(doc, "p", "no-plot").map((p) => attr(p, "data-plot"))).toEqual([...PLOTS]);
    expect(textOf(doc)).toContain("The audit's parameters were not recorded.");
  });

  test("a NOT_AUDITABLE audit with no comparison says why", async () => {
    const reason = "No protected attribute is recorded for the held-out learners.";
    const page = await renderFairnessReport(META, {
      ...audit(),
      status: "NOT_AUDITABLE",
      reason,
      attributes: [],
      comparisons: [],
      checks: [],
    });
    const banner = byClass(parseHtml(page), "section", "banner")[0]!;
    expect(textOf(banner)).toContain("NOT AUDITABLE");
    expect(textOf(banner)).toContain(reason);
  });
});

describe("renderAuditReport", () => {
  const row = { id: META.reportId, createdAt: META.createdAt, modelVersion: { id: META.modelVersionId, version: 7 } };

  test("a FAIRNESS report gets the fairness page", async () => {
    const page = await renderAuditReport({
      ...row,
      kind: "FAIRNESS",
      passed: false,
      checks: [],
      figures: audit() as unknown as Record<string, unknown>,
    });
    const doc = parseHtml(page);
    expect(textOf(elements(doc, "h1")[0]!)).toBe("Fairness audit · model version 7");
    expect(elements(doc, "svg")).toHaveLength(6);
  });

  test("a PRIVACY report in an older format gets the generic page: its checks as a table, its figures as a definition list", async () => {
    const page = await renderAuditReport({
      ...row,
      kind: "PRIVACY",
      passed: false,
      checks: [
        { name: "membership inference AUC", passed: true, value: 0.512, threshold: 0.55 },
        { name: "canary <exposure>", passed: false, value: 3.2, threshold: 2, reason: "Above the threshold." },
      ],
      figures: { epsilon: 2.5, attack: { auc: 0.512 }, note: "<b>bold</b>", missing: null },
    });
    const doc = parseHtml(page);
    expectSelfContained(page, doc);
    expect(textOf(elements(doc, "h1")[0]!)).toBe("Privacy audit · model version 7");
    const banner = byClass(doc, "section", "banner")[0]!;
    expect(textOf(banner)).toContain("FAILED");
    expect(elements(banner, "li").map(textOf)).toEqual(["canary <exposure>"]);
    expect(byClass(doc, "tr", "check").map(cells)).toEqual([
      ["membership inference AUC", "0.512", "0.550", "—", "—", "PASS", "—"],
      ["canary <exposure>", "3.200", "2.000", "—", "—", "FAIL", "Above the threshold."],
    ]);
    const list = byClass(doc, "dl", "figures-list")[0]!;
    expect(elements(list, "dt").map(textOf)).toEqual(["epsilon", "attack", "note", "missing"]);
    expect(elements(list, "dd").map((d) => textOf(d).trim())).toEqual([
      "2.500",
      JSON.stringify({ auc: 0.512 }, null, 2),
      "<b>bold</b>",
      "—",
    ]);
    expect(elements(doc, "b")).toHaveLength(0);
    expect(elements(doc, "svg")).toHaveLength(0);
  });

  test("an unknown kind, and fairness figures in no known shape, still render the generic page", async () => {
    const unknown = parseHtml(await renderAuditReport({ ...row, kind: "ROBUSTNESS", passed: true, checks: [], figures: {} }));
    expect(textOf(elements(unknown, "h1")[0]!)).toBe("ROBUSTNESS audit · model version 7");
    expect(textOf(byClass(unknown, "section", "banner")[0]!)).toContain("PASSED");
    const broken = parseHtml(
      await renderAuditReport({ ...row, kind: "FAIRNESS", passed: false, checks: ["odd"], figures: { status: "FAILED" } }),
    );
    expect(textOf(broken)).toContain("not in the fairness audit's format");
    expect(byClass(broken, "tr", "check").map(cells)).toEqual([["check 1", "odd", "—", "—", "—", "—", "—"]]);
  });
});
