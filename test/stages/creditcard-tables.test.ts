import { test } from "node:test";
import assert from "node:assert/strict";
import * as cc from "../../lib/stages/11-credit-card/index";
import type { TrainHistory } from "../../lib/train/types";

const history = (losses: number[]) =>
  ({ epochs: losses.map((valLoss, i) => ({ epoch: i + 1, valLoss })) }) as unknown as TrainHistory;

test("relative loss rows: each model's validation loss over its first epoch's, PCA left out", () => {
  const rows = cc.relativeLossRows({ ae: history([2, 1, 0.5]), pca: history([1]), vae: history([10, 5]) });
  assert.deepEqual(
    rows.map((r) => [r.model, r.epoch, r["relative validation loss"]]),
    [
      ["ae", 1, 1],
      ["ae", 2, 0.5],
      ["ae", 3, 0.25],
      ["vae", 1, 1],
      ["vae", 2, 0.5],
    ],
  );
  assert.equal(cc.relativeLossRows({ pca: history([1]) }).length, 0);
});
