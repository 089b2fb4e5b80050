/** The search comparison names its winner from the numbers: equal means share the win. */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { winnersAtBudgets } from "../../lib/evaluate/search/anytime";
import type { SearchResult } from "../../lib/evaluate/search/trial";

const result = (strategy: string, seed: number, best: number): SearchResult =>
  ({ strategy, seed, trials: [{ spent: 5, bestSoFar: best }] }) as unknown as SearchResult;

describe("winners at a budget", () => {
  test("equal means tie, a lower mean wins, reversed values reverse the winner", () => {
    const tie = winnersAtBudgets([result("grid", 1, 0.2), result("halving", 1, 0.2), result("bayes", 1, 0.3)], [10]);
    assert.equal(tie[0]!.best, "grid = halving");
    const clear = winnersAtBudgets([result("grid", 1, 0.2), result("halving", 1, 0.1)], [10]);
    assert.equal(clear[0]!.best, "halving");
    const reversed = winnersAtBudgets([result("grid", 1, 0.1), result("halving", 1, 0.2)], [10]);
    assert.equal(reversed[0]!.best, "grid");
    // Means that print the same at 4 decimals tie too.
    assert.equal(
      winnersAtBudgets([result("grid", 1, 0.20001), result("halving", 1, 0.2)], [10])[0]!.best,
      "halving = grid",
    );
  });
});
