/**
 * The anomaly stage (lib/anomaly/analysis.ts): typed errors tables, the token-day
 * grid, thresholds with their promised rates on distributions with known quantiles,
 * agreement and ground-truth numbers on hand-computed cases (ties included), explanation,
 * the stress index and crash-day check, the event study wiring, bad input, and an end-to-end
 * quality floor: PCA on seeded low-rank data with injected outliers reaches ROC-AUC >= 0.8.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as an from "../../lib/stages/07-anomalies/index";
import type { Table } from "../../lib/runtime/artifacts";
import type { Panel, TokenInfo } from "../../lib/data/panel";
import { normalSurvival } from "../../lib/stats/descriptive";
import { PCAModel } from "../../lib/models/pca";
import { averagePrecision, prAuc, precisionAtK, rocAuc } from "../../lib/stats/roc";
import { Rng } from "../../lib/runtime/rng";
import { KNOWN_MARKET_EVENTS, crashDayEvents, marketEventDays } from "../../lib/data/market-events";
import { isoToDay } from "../../lib/data/panel";

const close = (a: number | null | undefined, b: number, tol = 1e-12) => {
  assert.ok(a !== null && a !== undefined, "got null");
  assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);
};

const TOKENS: TokenInfo[] = [
  { id: "T0", symbol: "AAA", name: "Token A", sector: "defi" },
  { id: "T1", symbol: "BBB", name: "Token B", sector: "meme" },
];

/** An errors table in the layout the model notebooks write. */
function errorsTable(
  rows: { token: string; day: number; split: string; anomaly: string; mse: number; e?: number[] }[],
  extra: Record<string, number[]> = {},
): Table {
  const f = rows[0]?.e?.length ?? 2;
  const t: Table = {
    token: rows.map((r) => r.token),
    symbol: rows.map((r) => r.token),
    sector: rows.map(() => "defi"),
    day: Int32Array.from(rows, (r) => r.day),
    date: rows.map(() => "x"),
    split: rows.map((r) => r.split),
    anomaly: rows.map((r) => r.anomaly),
    mse: Float64Array.from(rows, (r) => r.mse),
    mae: Float64Array.from(rows, (r) => Math.sqrt(r.mse)),
  };
  for (const [k, v] of Object.entries(extra)) t[k] = Float64Array.from(v);
  for (let j = 0; j < f; j++) t[`e_f${j}`] = Float32Array.from(rows, (r) => r.e?.[j] ?? r.mse);
  return t;
}

describe("errors tables", () => {
  const rows = [
    { token: "T0", day: 100, split: "train", anomaly: "none", mse: 1, e: [1, 3] },
    { token: "T1", day: 100, split: "test", anomaly: "flash_crash", mse: 4, e: [0, 8] },
  ];
  test("typed columns, labels, per-feature errors", () => {
    const e = an.errorsFromTable("ae", errorsTable(rows, { elbo: [5, 6] }), TOKENS, { hasLabels: true });
    assert.equal(e.unit, "token-day");
    assert.deepEqual(Array.from(e.token), [0, 1]);
    assert.deepEqual(Array.from(e.split), [0, 2]);
    assert.deepEqual(Array.from(e.kind!), [0, 2]);
    assert.deepEqual(Array.from(e.scores.elbo!), [5, 6]);
    assert.deepEqual(e.featureNames, ["f0", "f1"]);
    assert.deepEqual(Array.from(e.perFeature.data), [1, 3, 0, 8]);
    assert.equal(an.errorsFromTable("conv1d", errorsTable(rows), TOKENS, { hasLabels: true }).unit, "window");
  });
  test("real data: labels ignored, kind is null", () => {
    const e = an.errorsFromTable("ae", errorsTable(rows.map((r) => ({ ...r, anomaly: "" }))), TOKENS, {
      hasLabels: false,
    });
    assert.equal(e.kind, null);
  });
  test("bad values are named by table, row and column", () => {
    assert.throws(
      () => an.errorsFromTable("ae", errorsTable([{ ...rows[0]!, token: "ZZ" }]), TOKENS, { hasLabels: true }),
      /errors-ae .*row 1, column "token": "ZZ"/,
    );
    assert.throws(
      () => an.errorsFromTable("ae", errorsTable([{ ...rows[0]!, split: "later" }]), TOKENS, { hasLabels: true }),
      /row 1, column "split": "later"/,
    );
    assert.throws(
      () => an.errorsFromTable("ae", errorsTable([rows[0]!, { ...rows[1]!, mse: NaN }]), TOKENS, { hasLabels: true }),
      /row 2, column "mse": NaN/,
    );
    assert.throws(
      () => an.errorsFromTable("ae", errorsTable([{ ...rows[0]!, anomaly: "" }]), TOKENS, { hasLabels: true }),
      /column "anomaly": ""/,
    );
    const noMae = errorsTable(rows);
    delete noMae.mae;
    assert.throws(() => an.errorsFromTable("ae", noMae, TOKENS, { hasLabels: true }), /no numeric column "mae"/);
  });
  test("loadModelErrors lists missing tables and fails when none exists", () => {
    const store = { hasTable: (n: string) => n === "errors-ae", readTable: () => errorsTable(rows) };
    const r = an.loadModelErrors(store, TOKENS, true);
    assert.deepEqual(
      r.errors.map((e) => e.model),
      ["ae"],
    );
    assert.deepEqual(
      r.missing.map((m) => m.model),
      ["vae", "dae", "conv1d", "pca"],
    );
    assert.equal(r.missing.find((m) => m.model === "conv1d")!.notebook, "05-train-conv1d-ae");
    assert.throws(
      () => an.loadModelErrors({ hasTable: () => false, readTable: () => ({}) }, TOKENS, true),
      /run notebooks 02-train-ae/,
    );
  });
});

describe("token-day grid and consensus", () => {
  // Row model: token 0 days 10..13; window model: windows ending on days 11 and 13.
  const rowModel = an.errorsFromTable(
    "ae",
    errorsTable([
      { token: "T0", day: 10, split: "train", anomaly: "none", mse: 1 },
      { token: "T0", day: 11, split: "train", anomaly: "none", mse: 2 },
      { token: "T0", day: 12, split: "train", anomaly: "depeg", mse: 9 },
      { token: "T0", day: 13, split: "train", anomaly: "none", mse: 3 },
    ]),
    TOKENS,
    { hasLabels: true },
  );
  const windowModel = an.errorsFromTable(
    "conv1d",
    errorsTable([
      { token: "T0", day: 13, split: "train", anomaly: "depeg", mse: 50 },
      { token: "T0", day: 11, split: "train", anomaly: "none", mse: 10 },
    ]),
    TOKENS,
    { hasLabels: true },
  );

  test("a window's score lands on its last day; the grid keeps day labels", () => {
    const g = an.alignOnTokenDays([rowModel, windowModel]);
    assert.equal(g.n, 4);
    assert.deepEqual(Array.from(g.day), [10, 11, 12, 13]);
    assert.deepEqual(Array.from(g.scores.conv1d!), [NaN, 10, NaN, 50]);
    assert.deepEqual(Array.from(g.source.conv1d!), [-1, 1, -1, 0]);
    // Day 13's own label is "none" even though its window holds the depeg day.
    assert.deepEqual(Array.from(g.kind!), [0, 0, 3, 0]);
    assert.equal(g.nWindowOnly, 0);
  });
  test("rank normalisation keeps NaN, averages ties, maps all-equal to 0.5", () => {
    assert.deepEqual(Array.from(an.rankNormaliseFinite([3, NaN, 1, 3])), [0.75, NaN, 0, 0.75]);
    assert.deepEqual(Array.from(an.rankNormaliseFinite([7, 7, 7])), [0.5, 0.5, 0.5]);
    assert.deepEqual(Array.from(an.rankNormaliseFinite([NaN, 2])), [NaN, 0.5]);
  });
  test("consensus averages the models that score each day and ignores scale", () => {
    const g = an.alignOnTokenDays([rowModel, windowModel]);
    const c = an.consensusOnGrid(g, ["ae", "conv1d"]);
    assert.deepEqual(Array.from(c.voters), [1, 2, 1, 2]);
    // ae ranks: 1,2,9,3 -> 0, 1/3, 1, 2/3; conv1d on days 11, 13: 0 and 1.
    close(c.score[0]!, 0);
    close(c.score[1]!, (1 / 3 + 0) / 2);
    close(c.score[2]!, 1);
    close(c.score[3]!, (2 / 3 + 1) / 2);
    const scaled = an.errorsFromTable(
      "ae",
      errorsTable(
        [1, 2, 9, 3].map((m, i) => ({ token: "T0", day: 10 + i, split: "train", anomaly: "none", mse: 1000 * m })),
      ),
      TOKENS,
      { hasLabels: true },
    );
    assert.deepEqual(
      Array.from(an.consensusOnGrid(an.alignOnTokenDays([scaled]), ["ae"]).score),
      Array.from(an.consensusOnGrid(g, ["ae"]).score),
    );
  });
  test("duplicate token-days and split conflicts are errors", () => {
    const dup = an.errorsFromTable(
      "ae",
      errorsTable([
        { token: "T0", day: 10, split: "train", anomaly: "none", mse: 1 },
        { token: "T0", day: 10, split: "train", anomaly: "none", mse: 2 },
      ]),
      TOKENS,
      { hasLabels: true },
    );
    assert.throws(() => an.alignOnTokenDays([dup]), /two rows for token-day .* rows 1 and 2/);
    const other = an.errorsFromTable(
      "vae",
      errorsTable([{ token: "T0", day: 10, split: "test", anomaly: "none", mse: 1 }]),
      TOKENS,
      { hasLabels: true },
    );
    assert.throws(() => an.alignOnTokenDays([rowModel, other]), /split "test" but another model has it in "train"/);
  });
});

/** ModelErrors with given scores and splits (one token unless `token` is given). */
function synthErrors(
  model: string,
  scores: ArrayLike<number>,
  split: ArrayLike<number>,
  opts: { token?: ArrayLike<number>; kind?: Int8Array | null } = {},
): an.ModelErrors {
  const n = scores.length;
  return {
    model,
    unit: "token-day",
    n,
    token: Int32Array.from(opts.token ?? new Int32Array(n)),
    day: Int32Array.from({ length: n }, (_, i) => 1000 + i),
    split: Int8Array.from(split),
    kind: opts.kind ?? null,
    scores: { mse: Float64Array.from(scores), mae: Float64Array.from(scores) },
    featureNames: ["a", "b"],
    perFeature: { data: new Float32Array(n * 2).fill(1), rows: n, cols: 2 },
  };
}

describe("thresholds: promised vs observed rates on known distributions", () => {
  // Lognormal scores: train and test drawn independently from one distribution, so every
  // rule's observed test rate must match its promise (the MAD rule on log scores exactly,
  // since log scores are normal).
  const N = 40000;
  const r = new Rng(7);
  const scores = Float64Array.from({ length: 2 * N }, () => Math.exp(0.5 * r.normal()));
  const split = Int8Array.from({ length: 2 * N }, (_, i) => (i < N ? 0 : 2));
  const outcomes = an.evaluateThresholds(synthErrors("ae", scores, split));
  const get = (rule: string) => outcomes.find((o) => o.rule === rule && o.variant === "global")!;

  test("percentiles flag 5% and 1% of fresh draws", () => {
    // Binomial sd of a rate p over 40,000 rows: sqrt(p(1-p)/N) = 0.0011 (p=5%), 0.0005 (p=1%).
    assert.ok(Math.abs(get("p95").observed.test - 0.05) < 0.004, `p95 ${get("p95").observed.test}`);
    assert.ok(Math.abs(get("p99").observed.test - 0.01) < 0.002, `p99 ${get("p99").observed.test}`);
    close(get("p95").expectedRate, 0.05, 1e-12);
  });
  test("median + 3 MAD on log scores flags P(Z > 3) of fresh draws", () => {
    const m = get("mad");
    close(m.expectedRate, normalSurvival(3), 1e-9);
    assert.ok(Math.abs(m.observed.test - 0.00135) < 0.0006, `mad ${m.observed.test}`);
    // Reported back in score units: exp(median + 3 * 1.4826 * MAD of log) ~ exp(1.5).
    assert.ok(Math.abs(m.threshold - Math.exp(1.5)) < 0.1, `threshold ${m.threshold}`);
  });
  test("POT with a GPD tail reaches the 0.1% target beyond the 99th percentile", () => {
    const p = get("pot");
    assert.ok(p.tail !== null, "the tail fit should not fall back with 800 excesses");
    assert.ok(p.threshold > get("p99").threshold);
    assert.ok(Math.abs(p.observed.test - 0.001) < 0.0006, `pot ${p.observed.test}`);
  });
  test("per-token thresholds equalise rates across tokens of different scales", () => {
    const n = 6000;
    const rr = new Rng(8);
    const token = Int32Array.from({ length: 2 * n }, (_, i) => i % 2);
    const s = Float64Array.from(token, (t) => (t === 0 ? 1 : 10) * Math.exp(0.5 * rr.normal()));
    const sp = Int8Array.from({ length: 2 * n }, (_, i) => (i < n ? 0 : 2));
    const out = an.evaluateThresholds(synthErrors("ae", s, sp, { token }), { rules: [an.THRESHOLD_RULES[0]!] });
    const global = out.find((o) => o.variant === "global")!;
    const per = out.find((o) => o.variant === "per-token")!;
    const rateOf = (o: an.ThresholdOutcome, t: number) => {
      let f = 0,
        c = 0;
      for (let i = 0; i < s.length; i++)
        if (sp[i] === 2 && token[i] === t) {
          c++;
          f += o.flags[i]!;
        }
      return f / c;
    };
    assert.equal(per.tokensOwn, 2);
    assert.ok(
      rateOf(global, 0) < 0.01 && rateOf(global, 1) > 0.08,
      "the global threshold flags only the volatile token",
    );
    for (const t of [0, 1]) assert.ok(Math.abs(rateOf(per, t) - 0.05) < 0.012, `token ${t}: ${rateOf(per, t)}`);
  });
  test("too few exceedances: POT falls back with a warning that says so", () => {
    const small = Float64Array.from({ length: 300 }, (_, i) => i + 1);
    const o = an.evaluateThresholds(synthErrors("ae", small, new Int8Array(300)), { rules: [an.THRESHOLD_RULES[3]!] });
    const g = o.find((x) => x.variant === "global")!;
    assert.equal(g.tail, null);
    assert.match(g.warnings.join(" "), /fell back to the empirical 99\.900% quantile: only 6 training scores exceed/);
    const per = o.find((x) => x.variant === "per-token")!;
    assert.match(per.warnings.join(" "), /1 of 1 tokens use the global threshold: its own POT fit fell back/);
    assert.match(an.thresholdFindings(o).join(" "), /fell back to the empirical quantile for ae/);
  });
  test("all-equal scores flag nothing and warn", () => {
    const o = an.evaluateThresholds(
      synthErrors(
        "ae",
        new Float64Array(500).fill(0.3),
        Int8Array.from({ length: 500 }, (_, i) => (i < 400 ? 0 : 2)),
      ),
    );
    for (const x of o) assert.equal(x.flagged.test, 0, `${x.rule} ${x.variant}`);
    assert.match(
      o.find((x) => x.rule === "p99" && x.variant === "global")!.warnings[0]!,
      /All 400 training scores equal 0.3/,
    );
  });
  test("no training rows is an error that says which notebook to rerun", () => {
    assert.throws(
      () => an.evaluateThresholds(synthErrors("dae", [1, 2], [2, 2])),
      /no train rows .* rerun notebook 04-train-dae/,
    );
  });
});

describe("agreement and ground truth on hand-computed cases", () => {
  test("Jaccard and kappa skip rows a model does not score", () => {
    const a = Int8Array.from([1, 1, 0, 0, -1]);
    const b = Int8Array.from([1, 0, 1, 0, 1]);
    const [p] = an.pairwiseAgreement({ a, b });
    assert.equal(p!.n, 4);
    close(p!.jaccard, 1 / 3); // |{0}| / |{0, 1, 2}|
    close(p!.kappa, 0); // po = 0.5, pa = pb = 0.5 -> pe = 0.5
    const [q] = an.pairwiseAgreement({ a, b }, Uint8Array.from([1, 1, 0, 1, 1]));
    assert.equal(q!.n, 3);
    close(q!.jaccard, 1 / 2);
    // kappa: po = 2/3, pa = 2/3, pb = 1/3 -> pe = 2/9 + 2/9 = 4/9; (2/3 - 4/9) / (5/9) = 0.4
    close(q!.kappa, 0.4);
  });
  test("overlap counts only rows every model scores", () => {
    const o = an.overlapOnCommonRows({ a: Int8Array.from([1, 1, 0, -1]), b: Int8Array.from([1, 0, 0, 1]) });
    assert.equal(o.n, 3);
    assert.deepEqual(
      o.combinations.map((c) => [c.models.join("+"), c.count]),
      [
        ["a", 1],
        ["a+b", 1],
      ],
    );
  });
  test("ROC-AUC, AP, PR-AUC, precision@k with a tie across classes; NaN rows left out", () => {
    // scores [1, 2, 2, 3], labels [0, 1, 0, 1]: AUC 3.5 / 4, AP 5/6, trapezoid PR-AUC 11/12.
    const q = an.detectionQuality("x", [1, 2, NaN, 2, 3], Int8Array.from([0, 2, 1, 0, 5]))!;
    assert.equal(q.rows, 4);
    assert.equal(q.anomalies, 2);
    close(q.rocAuc, 0.875);
    close(q.averagePrecision, 5 / 6);
    close(q.prAuc, 11 / 12);
    close(q.precisionAtK, 0.75); // k = 2: score 3 (anomaly) + one slot shared by the tied pair at 2 -> (1 + 0.5) / 2
    // kinds: flash_crash (2) row scores 2 vs normals {1, 2} -> (1 + 0.5) / 2; bad_print (5) row 3 vs normals -> 1.
    close(q.byKind.flash_crash!.rocAuc, 0.75);
    close(q.byKind.bad_print!.rocAuc, 1);
    assert.equal(q.byKind.depeg, undefined);
  });
  test("one sort per detector gives exactly the metrics of lib/stats/roc, overall and per kind", () => {
    // 3,000 rows, scores on a coarse grid (many ties across classes), five kinds.
    const r = new Rng(41);
    const n = 3000;
    const kind = Int8Array.from({ length: n }, () => (r.uniform() < 0.1 ? 1 + r.int(5) : 0));
    const scores = Float64Array.from(kind, (k) => Math.round((r.normal() + (k > 0 ? 0.3 * k : 0)) * 4) / 4);
    const q = an.detectionQuality("x", scores, kind)!;
    const y = Uint8Array.from(kind, (k) => (k > 0 ? 1 : 0));
    close(q.rocAuc, rocAuc(scores, y)!, 1e-12);
    close(q.averagePrecision, averagePrecision(scores, y)!, 1e-12);
    close(q.prAuc, prAuc(scores, y)!, 1e-12);
    close(q.precisionAtK, precisionAtK(scores, y, q.k)!, 1e-12);
    for (let k = 1; k <= 5; k++) {
      const rows = Array.from(kind.keys()).filter((i) => kind[i] === 0 || kind[i] === k);
      const sk = rows.map((i) => scores[i]!);
      const yk = rows.map((i) => (kind[i] === k ? 1 : 0));
      const name = ["none", "pump_and_dump", "flash_crash", "depeg", "volume_spike", "bad_print"][k]!;
      close(q.byKind[name]!.rocAuc, rocAuc(sk, yk)!, 1e-12);
      close(q.byKind[name]!.averagePrecision, averagePrecision(sk, yk)!, 1e-12);
    }
  });
  test("all-equal scores give chance-level AUC and prevalence-level AP", () => {
    const q = an.detectionQuality("flat", [5, 5, 5, 5], Int8Array.from([1, 0, 0, 0]))!;
    close(q.rocAuc, 0.5);
    close(q.averagePrecision, 0.25);
  });
  test("which detector finds which kind best comes from the numbers", () => {
    const kind = Int8Array.from([0, 0, 0, 0, 1, 2]);
    const a = an.detectionQuality("A", [1, 2, 3, 4, 10, 0], kind)!; // finds kind 1, misses kind 2
    const b = an.detectionQuality("B", [1, 2, 3, 4, 0, 10], kind)!; // the opposite
    const best = an.bestDetectorByKind([a, b]);
    assert.deepEqual(
      best.map((x) => [x.kind, x.best, x.auc]),
      [
        ["pump_and_dump", "A", 1],
        ["flash_crash", "B", 1],
      ],
    );
  });
  test("labels missing: ground-truth functions return null instead of failing", () => {
    assert.equal(an.detectionQuality("x", [1, 2], null), null);
    const e = synthErrors("ae", [1, 2, 3], [0, 0, 2]);
    const g = an.alignOnTokenDays([e]);
    assert.equal(g.kind, null);
    assert.equal(an.evaluateGroundTruth([e], g, an.consensusOnGrid(g, ["ae"])), null);
    assert.equal(an.thresholdRecall(an.evaluateThresholds(e, { rules: [an.THRESHOLD_RULES[0]!] })[0]!, null), null);
    assert.equal(an.contributionsByKind(e), null);
    assert.equal(an.thresholdRecallRows(an.evaluateThresholds(e, { rules: [an.THRESHOLD_RULES[0]!] }), [e]), null);
    assert.deepEqual(an.curveRows([{ name: "ae", scores: [1, 2, 3] }], null).roc, []);
  });
  test("threshold recall per kind", () => {
    const kind = Int8Array.from([0, 0, 0, 1, 2]);
    const e = synthErrors("ae", [1, 1, 1, 9, 1], [0, 0, 0, 0, 0], { kind });
    const o = an.evaluateThresholds(e, {
      rules: [{ id: "t", label: "t", spec: { method: "percentile", q: 0.5 }, logScale: false }],
    })[0]!;
    const r = an.thresholdRecall(o, kind)!;
    assert.equal(r.flagged, 1);
    close(r.precision, 1);
    close(r.recall, 0.5);
    assert.deepEqual(r.recallByKind, { pump_and_dump: 1, flash_crash: 0 });
  });
});

describe("explanation", () => {
  test("feature shares of a row and their mean over rows", () => {
    const m = { data: Float32Array.from([1, 3, 0, 0, 2, 2]), rows: 3, cols: 2 };
    assert.deepEqual(Array.from(an.rowContributions(m, 0)), [0.25, 0.75]);
    assert.deepEqual(Array.from(an.rowContributions(m, 1)), [0.5, 0.5]); // all-zero errors: equal shares
    assert.deepEqual(Array.from(an.meanContributionShares(m, [0, 2])), [0.375, 0.625]);
    assert.deepEqual(
      an.topFeatures([0.1, 0.7, 0.2], ["a", "b", "c"], 2).map((t) => t.feature),
      ["b", "c"],
    );
  });
  test("top anomalies keep one row per episode", () => {
    const e = synthErrors("ae", [5, 9, 8, 1, 7], [2, 2, 2, 2, 2], { token: [0, 0, 0, 0, 1] });
    const g = an.alignOnTokenDays([e]);
    // Token 0's four days are one episode (within TOP_ANOMALY_GAP_DAYS): only its highest is kept.
    assert.deepEqual(
      an.topAnomalies(g, g.scores.ae!, { n: 3 }).map((k) => g.scores.ae![k]),
      [9, 7],
    );
    assert.deepEqual(
      an.topAnomalies(g, g.scores.ae!, { n: 2, minGapDays: 1 }).map((k) => g.scores.ae![k]),
      [9, 8],
    );
  });
  test("the closest labelled anomaly of the same token within a few days", () => {
    const kind = Int8Array.from([0, 5, 0, 0, 0, 0, 2]);
    const e = synthErrors("ae", [1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0], { token: [0, 0, 0, 0, 0, 0, 1], kind });
    const g = an.alignOnTokenDays([e]);
    assert.equal(an.nearestLabel(g, 1), "bad_print");
    assert.equal(an.nearestLabel(g, 2), "bad_print 1 day before");
    assert.equal(an.nearestLabel(g, 0), "bad_print 1 day after");
    assert.equal(an.nearestLabel(g, 4), "bad_print 3 days before");
    assert.equal(an.nearestLabel(g, 5), ""); // 4 days away; the flash crash 1 day later belongs to token 1
    assert.equal(an.nearestLabel(an.alignOnTokenDays([synthErrors("ae", [1, 2], [0, 0])]), 0), "");
  });
  test("price context rows around a day", () => {
    const p = tinyPanel();
    const rows = an.priceContextRows(p, [{ token: 1, day: 102, label: "x" }], 1);
    assert.deepEqual(
      rows.map((r) => [r.date, r.close, r.anomaly]),
      [
        ["1970-04-12", 20, false],
        ["1970-04-13", 22, true],
        ["1970-04-14", 11, false],
      ],
    );
    assert.throws(
      () => an.priceContextRows(p, [{ token: 5, day: 1, label: "x" }]),
      /token index 5 is not in the panel/,
    );
  });
});

function tinyPanel(): Panel {
  const day = Int32Array.from([100, 101, 102, 103, 100, 101, 102, 103]);
  const close = Float64Array.from([10, 11, 12, 13, 20, 20, 22, 11]);
  return {
    tokens: TOKENS,
    token: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]),
    day,
    open: close,
    high: close,
    low: close,
    close,
    volume: close,
    marketCap: close,
    anomalyKind: null,
    events: null,
    source: "test",
  };
}

describe("stress index, crash days and the event study", () => {
  // Days 1..4; tokens scored per day and flags (-1 = not scored).
  const day = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4];
  const flags = [1, 1, 0, 0, 0, -1, 1, 0, 0, 1, 1];
  test("share of scored tokens flagged per day", () => {
    const s = an.stressIndex(day, flags);
    assert.deepEqual(
      s.map((d) => [d.day, d.flagged, d.tokens]),
      [
        [1, 2, 3],
        [2, 0, 2],
        [3, 1, 3],
        [4, 2, 2],
      ],
    );
    assert.deepEqual(
      an.stressIndex([1, 1], [0, 0]).map((d) => d.share),
      [0],
    );
  });
  test("competition ranking with ties and a token minimum", () => {
    const s = an.stressIndex(day, flags);
    const r = an.rankStressDays(s, 2);
    assert.deepEqual(
      r.ranked.map((d) => d.day),
      [4, 1, 3, 2],
    );
    assert.deepEqual(
      [...r.rankOf.entries()],
      [
        [4, 1],
        [1, 2],
        [3, 3],
        [2, 4],
      ],
    );
    assert.deepEqual(
      an.rankStressDays(s, 3).ranked.map((d) => d.day),
      [1, 3],
    );
    const tied = an.rankStressDays(an.stressIndex([1, 2, 3], [1, 1, 0]), 1);
    assert.deepEqual([...tied.rankOf.values()], [1, 1, 3]);
  });
  test("event check: exact rank, rank with the lag day, out-of-range events", () => {
    const s = an.stressIndex(day, flags);
    const [a, b] = an.checkEventDays(
      s,
      [
        { label: "e3", startDay: 3, endDay: 3 },
        { label: "far", startDay: 50, endDay: 51 },
      ],
      { minTokens: 2, lagDays: 1, topN: 1 },
    );
    assert.equal(a!.rank, 3);
    assert.equal(a!.rankWithLag, 1); // day 4, the day after
    close(a!.share, 1 / 3);
    close(a!.shareWithLag, 1);
    assert.equal(a!.inTop, true);
    close(a!.topFraction, 0.25);
    assert.equal(b!.rank, null);
    assert.equal(b!.inTop, false);
    assert.match(
      an.stressFindings(s, [a!, b!], "simulated", { minTokens: 2, topN: 1 }).join(" "),
      /Of 2 simulated crash days, 1 falls on scored days; 1 ranks in the top 1 stress days/,
    );
  });
  test("simulated crash days from market-truth, documented events inside the span", () => {
    const sim = an.stressCheckEvents({ kind: "synthetic", crashDays: ["2020-05-30"] }, { fromDay: 0, toDay: 1e5 });
    assert.equal(sim.kind, "simulated");
    assert.equal(sim.events[0]!.startDay, isoToDay("2020-05-30"));
    const real = an.stressCheckEvents(
      { kind: "real" },
      { fromDay: isoToDay("2022-01-01"), toDay: isoToDay("2022-12-31") },
    );
    assert.equal(real.kind, "documented");
    assert.deepEqual(
      real.events.map((e) => e.label.slice(0, 10)),
      ["2022-05-07", "2022-06-12", "2022-11-06"],
    );
  });
  test("panel returns and event refs; the study runs on flagged token-days", () => {
    const p = tinyPanel();
    const pr = an.panelReturns(p);
    assert.ok(Number.isNaN(pr.returnsByToken[0]![0]!));
    close(pr.returnsByToken[1]![2]!, Math.log(22 / 20));
    const refs = an.eventRefsFromFlags(pr, [1, 1, 0], [101, 999, 100], [1, 1, 0]);
    assert.deepEqual(refs.events, [{ token: 1, index: 1 }]);
    assert.equal(refs.nMissing, 1);
    const es = an.eventStudyOfFlags(pr, [1], [101], [1], { rng: 3, horizons: [1], cleanControls: false, nBoot: 50 });
    assert.equal(es.nEvents, 1);
    close(es.result!.horizons[0]!.eventMeanReturn, Math.log(22 / 20));
    const none = an.eventStudyOfFlags(pr, [1], [101], [0], { rng: 3 });
    assert.equal(none.result, null);
    assert.match(none.reason!, /nothing to study/);
  });
});

describe("documented market events", () => {
  test("the table parses, is ascending and cites a source per event", () => {
    const days = marketEventDays();
    assert.equal(days.length, KNOWN_MARKET_EVENTS.length);
    for (let i = 1; i < days.length; i++) assert.ok(days[i]!.startDay > days[i - 1]!.endDay, days[i]!.label);
    for (const e of KNOWN_MARKET_EVENTS) assert.ok(e.source.length > 5, e.event);
    const luna = days.find((d) => d.label.includes("UST"))!;
    assert.equal(luna.endDay - luna.startDay, 6);
    assert.deepEqual(
      crashDayEvents(["2021-05-19"]).map((e) => e.startDay),
      [isoToDay("2021-05-19")],
    );
    assert.throws(
      () =>
        marketEventDays([{ start: "2020-01-02", end: "2020-01-01", event: "x", source: "y", sourceChecked: false }]),
      /ends \(2020-01-01\) before it starts/,
    );
  });
});

describe("end to end: PCA on seeded low-rank data with injected outliers", () => {
  test("the stage reaches ROC-AUC >= 0.8 and its thresholds catch the outliers", async () => {
    // 4 tokens x 300 days of rank-3 structure in 10 features (noise sd 0.1); 2% of rows get
    // an injected anomaly: a spike of +/-5 on one feature ("volume_spike") or noise of sd 1.5
    // on every feature ("bad_print"). Days 0-199 train, 200-249 validation, 250-299 test.
    const D = 10,
      RANK = 3,
      DAYS = 300;
    const rng = new Rng(2024);
    const A = Array.from({ length: RANK * D }, () => rng.normal() / Math.sqrt(RANK));
    const names = Array.from({ length: D }, (_, j) => `x${j}`);
    const tokens: TokenInfo[] = [0, 1, 2, 3].map((t) => ({
      id: `S${t}`,
      symbol: `S${t}`,
      name: `S${t}`,
      sector: null,
    }));
    const n = tokens.length * DAYS;
    const X = new Float32Array(n * D);
    const kind = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      const z = [rng.normal(), rng.normal(), rng.normal()];
      for (let j = 0; j < D; j++) X[i * D + j] = z.reduce((s, v, r) => s + v * A[r * D + j]!, 0) + 0.1 * rng.normal();
      if (rng.uniform() < 0.02) {
        if (rng.uniform() < 0.5) {
          kind[i] = 4;
          X[i * D + rng.int(D)]! += rng.uniform() < 0.5 ? 5 : -5;
        } else {
          kind[i] = 5;
          for (let j = 0; j < D; j++) X[i * D + j]! += 1.5 * rng.normal();
        }
      }
    }
    const splitOf = (i: number) => {
      const d = i % DAYS;
      return d < 200 ? "train" : d < 250 ? "validation" : "test";
    };
    const pick = (s: string) => {
      const rows: number[] = [];
      for (let i = 0; i < n; i++) if (splitOf(i) === s) rows.push(i);
      return rows;
    };
    const sub = (rows: number[]) => ({
      data: Float32Array.from(rows.flatMap((i) => Array.from(X.subarray(i * D, i * D + D)))),
      rows: rows.length,
      cols: D,
    });
    const pca = new PCAModel({ featureNames: names, latentDim: RANK });
    await pca.fit(sub(pick("train")), sub(pick("validation")));
    const all = { data: X, rows: n, cols: D };
    const mse = pca.score(all, "mse");
    const mae = pca.score(all, "mae").perRow;
    const table: Table = {
      token: Array.from({ length: n }, (_, i) => tokens[Math.floor(i / DAYS)]!.id),
      day: Int32Array.from({ length: n }, (_, i) => 18000 + (i % DAYS)),
      split: Array.from({ length: n }, (_, i) => splitOf(i)),
      anomaly: Array.from(
        kind,
        (k) => ["none", "pump_and_dump", "flash_crash", "depeg", "volume_spike", "bad_print"][k]!,
      ),
      mse: mse.perRow,
      mae,
    };
    names.forEach(
      (f, j) => (table[`e_${f}`] = Float32Array.from({ length: n }, (_, i) => mse.perFeature.data[i * D + j]!)),
    );

    const errors = [an.errorsFromTable("pca", table, tokens, { hasLabels: true })];
    const aligned = an.alignOnTokenDays(errors);
    const gt = an.evaluateGroundTruth(errors, aligned, an.consensusOnGrid(aligned, ["pca"]))!;
    const q = gt.detectors.find((x) => x.name === "pca · MSE")!;
    assert.ok(q.anomalies >= 15, `only ${q.anomalies} injected anomalies`);
    assert.ok(q.rocAuc! >= 0.8, `ROC-AUC ${q.rocAuc}`);
    assert.ok(q.byKind.volume_spike!.rocAuc! >= 0.8 && q.byKind.bad_print!.rocAuc! >= 0.8, JSON.stringify(q.byKind));
    assert.equal(gt.baseline, q);
    const held = gt.heldOut.find((x) => x.name === "pca · MSE")!;
    assert.ok(held.rocAuc! >= 0.8, `held-out ROC-AUC ${held.rocAuc}`);
    // The 99th-percentile threshold (fitted on contaminated training rows) catches most outliers.
    const p99 = an.evaluateThresholds(errors[0]!).find((o) => o.rule === "p99" && o.variant === "global")!;
    const rec = an.thresholdRecall(p99, errors[0]!.kind)!;
    assert.ok(rec.recall > 0.4 && rec.precision > 0.5, JSON.stringify(rec));
    // The spike's feature carries most of a volume-spike row's error.
    const spikeRow = Array.from(kind).indexOf(4);
    const shares = an.rowContributions(errors[0]!.perFeature, spikeRow);
    assert.ok(Math.max(...shares) > 0.5, `top share ${Math.max(...shares)}`);
  });
});
