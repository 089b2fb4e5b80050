import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { loadConfig, DEFAULT_SEED, epochCapFromEnv } from "../../lib/config";

describe("config", () => {
  test("defaults: default profile, synthetic source, default seed", () => {
    const c = loadConfig({});
    assert.equal(c.profile, "default");
    assert.equal(c.source, "synthetic");
    assert.equal(c.seed, DEFAULT_SEED);
    assert.equal(c.dataPath, null);
    assert.equal(c.backend, null);
    assert.ok(
      c.settings.nTokens >= 150 && c.settings.nDays >= 4 * 365,
      "default market is at least 150 tokens x 4 years",
    );
  });

  test("environment chooses profile, source, seed and output folder", () => {
    const c = loadConfig({ CAE_PROFILE: "ci", CAE_SOURCE: "kaggle", CAE_SEED: "7", CAE_OUT: "/tmp/x" });
    assert.equal(c.profile, "ci");
    assert.equal(c.source, "kaggle");
    assert.equal(c.seed, 7);
    assert.equal(c.dataPath, path.join(c.paths.root, "data", "raw", "kaggle"));
    assert.equal(c.paths.processed, "/tmp/x/data/processed");
    assert.ok(loadConfig({ CAE_PROFILE: "full" }).settings.nTokens >= 1000);
  });

  test("unknown values give a one-line error with the allowed values", () => {
    assert.throws(
      () => loadConfig({ CAE_PROFILE: "huge" }),
      /Unknown profile \(CAE_PROFILE\) "huge"\. Allowed: ci, default, full\./,
    );
    assert.throws(
      () => loadConfig({ CAE_SOURCE: "ftx" }),
      /Allowed: synthetic, kaggle, binance, coingecko, csv, close/,
    );
    assert.throws(() => loadConfig({ CAE_BACKEND: "gpu" }), /Allowed: tensorflow, wasm, cpu/);
    assert.throws(() => loadConfig({ CAE_SEED: "-1" }), /non-negative integer/);
  });

  test("CAE_MAX_EPOCHS: unset or empty is no cap, a positive integer is the cap, anything else a clear error", () => {
    assert.equal(loadConfig({}).epochCap, null);
    assert.equal(loadConfig({ CAE_MAX_EPOCHS: "" }).epochCap, null);
    assert.equal(loadConfig({ CAE_MAX_EPOCHS: "3" }).epochCap, 3);
    assert.equal(epochCapFromEnv({ CAE_MAX_EPOCHS: " 1 " }), 1);
    for (const bad of ["0", "-2", "2.5", "1e3", "two", "0x10"])
      assert.throws(
        () => loadConfig({ CAE_MAX_EPOCHS: bad }),
        new RegExp(`CAE_MAX_EPOCHS must be a positive integer .*got "${bad}"\\. Unset it for no cap\\.`),
        bad,
      );
  });
});
