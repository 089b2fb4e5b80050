import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { eventStudy, eventStudyFromRows } from "../../lib/anomaly/eventstudy";
import { Rng } from "../../lib/runtime/rng";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

describe("eventStudy by hand", () => {
  // One token, 40 rows, returns 0 except r[11] = 0.05 and r[12] = 0.03; one event at row 10.
  const r = new Array(40).fill(0);
  r[11] = 0.05;
  r[12] = 0.03;
  const res = eventStudy([r], [{ token: 0, index: 10 }], { rng: 1, nBoot: 50 });
  const [h1, h5, h20] = res.horizons;
  test("forward return and vol of the event", () => {
    // h = 1: R = 0.05, V = 0.05. h = 5: R = 0.08, V = sqrt((0.05^2 + 0.03^2) / 5).
    close(h1!.eventMeanReturn, 0.05);
    close(h1!.eventMeanVol, 0.05);
    close(h5!.eventMeanReturn, 0.08);
    close(h5!.eventMeanVol, Math.sqrt((0.0025 + 0.0009) / 5));
  });
  test("clean controls (more than h rows from the event) see only zero returns", () => {
    // Only rows 10 and 11 have windows touching r[11], r[12]; both are excluded.
    close(h1!.controlMeanReturn, 0);
    close(h5!.controlMeanVol, 0);
    close(h1!.diffReturn!.estimate, 0.05);
    close(h1!.diffReturn!.lo, 0.05);
    close(h5!.diffReturn!.hi, 0.08);
    assert.equal(h1!.nControlDraws, 5);
    assert.equal(h1!.nEvents, 1);
  });
  test("h = 20: no row is both > 20 rows away and has a full window", () => {
    // Controls need |j - 10| > 20 (j >= 31) and j + 20 <= 39: none.
    assert.equal(h20!.nEvents, 0);
    assert.equal(h20!.nNoControls, 1);
    assert.equal(h20!.diffReturn, null);
    assert.ok(Number.isNaN(h20!.eventMeanReturn));
  });
  test("without clean controls, a control can include the event's returns", () => {
    const dirty = eventStudy([r], [{ token: 0, index: 10 }], {
      rng: 1,
      nBoot: 20,
      cleanControls: false,
      horizons: [20],
      controlsPerEvent: 200,
    });
    assert.equal(dirty.horizons[0]!.nEvents, 1);
    assert.ok(dirty.horizons[0]!.controlMeanReturn > 0);
  });
  test("windows past the end and NaN windows are counted", () => {
    const q = [NaN, 0.01, 0.02, NaN, 0.01, 0.01];
    const out = eventStudy(
      [q],
      [
        { token: 0, index: 2 },
        { token: 0, index: 5 },
        { token: 0, index: 5 },
      ],
      {
        rng: 1,
        nBoot: 10,
        horizons: [1],
        cleanControls: false,
      },
    );
    // Event 2: window r[3] = NaN. Event 5: past the end. The duplicate is ignored.
    assert.equal(out.nDuplicateEvents, 1);
    assert.equal(out.horizons[0]!.nNoWindow, 2);
    assert.equal(out.horizons[0]!.nEvents, 0);
  });
});

describe("eventStudy statistics", () => {
  // 20 tokens x 400 rows of N(0, 0.02) returns; 5 events per token followed by 5 rows of N(0, 0.06).
  const rng = new Rng(77);
  const returns: number[][] = [];
  const events: { token: number; index: number }[] = [];
  for (let t = 0; t < 20; t++) {
    const r = Array.from({ length: 400 }, () => rng.normal(0, 0.02));
    for (let e = 0; e < 5; e++) {
      const i = 30 + e * 70 + rng.int(20);
      events.push({ token: t, index: i });
      for (let k = 1; k <= 5; k++) r[i + k] = rng.normal(0, 0.06);
    }
    returns.push(r);
  }
  const res = eventStudy(returns, events, { rng: 5, nBoot: 400, horizons: [5] });
  const h = res.horizons[0]!;
  test("detects the volatility jump, not a return effect", () => {
    assert.equal(h.nEvents, 100);
    assert.equal(h.nTokens, 20);
    // Expected vol difference ~ 0.06 - 0.02 (RMS over 5 rows is a bit below sd).
    assert.ok(h.diffVol!.estimate > 0.03 && h.diffVol!.estimate < 0.045, `diffVol ${h.diffVol!.estimate}`);
    assert.ok(h.diffVol!.lo > 0.02, `lo ${h.diffVol!.lo}`);
    assert.ok(h.diffReturn!.lo < 0 && h.diffReturn!.hi > 0, `return CI ${h.diffReturn!.lo}..${h.diffReturn!.hi}`);
  });
  test("seeded: same seed same numbers, other seed other controls", () => {
    const again = eventStudy(returns, events, { rng: 5, nBoot: 400, horizons: [5] });
    assert.deepEqual(again, res);
    const other = eventStudy(returns, events, { rng: 6, nBoot: 400, horizons: [5] });
    assert.notEqual(other.horizons[0]!.controlMeanVol, h.controlMeanVol);
  });
  test("cluster bootstrap by token gives an interval around the same estimate", () => {
    const c = eventStudy(returns, events, { rng: 5, nBoot: 400, horizons: [5], clusterByToken: true });
    close(c.horizons[0]!.diffVol!.estimate, h.diffVol!.estimate);
    assert.equal(c.horizons[0]!.diffVol!.resampled, "clusters");
    assert.equal(c.horizons[0]!.diffVol!.nUnits, 20);
  });
  test("panel-shaped rows give the same result", () => {
    const flat = returns.flat();
    const tokens = returns.flatMap((r, t) => r.map(() => t * 3));
    const rows = events.map((e) => e.token * 400 + e.index);
    const viaRows = eventStudyFromRows(flat, tokens, rows, { rng: 5, nBoot: 400, horizons: [5] });
    assert.deepEqual(viaRows, res);
  });
});

describe("eventStudy bad input", () => {
  const r = [0, 0.01, 0.02];
  test("errors name the bad value", () => {
    assert.throws(() => eventStudy([r], [], { rng: 1 }), /no events/);
    assert.throws(() => eventStudy([r], [{ token: 1, index: 0 }], { rng: 1 }), /events\[0\].token = 1/);
    assert.throws(() => eventStudy([r], [{ token: 0, index: 3 }], { rng: 1 }), /events\[0\].index = 3 is outside/);
    assert.throws(() => eventStudy([r], [{ token: 0, index: 0 }], { rng: 1, horizons: [0] }), /horizon 0/);
    assert.throws(() => eventStudy([r], [{ token: 0, index: 0 }], { rng: 1, controlsPerEvent: 0 }), /controlsPerEvent/);
    assert.throws(() => eventStudyFromRows([0, 0, 0], [0, 1, 0], [0], { rng: 1 }), /token 0 reappears at row 2/);
    assert.throws(() => eventStudyFromRows([0, 0], [0, 0], [2], { rng: 1 }), /eventRows\[0\] = 2/);
  });
});
