/**
 * What every search strategy shares: its options (an objective, a budget in epochs, a seed),
 * the record of every trial, and the ledger that charges epochs against the budget and keeps
 * the best objective so far (the anytime curve).
 *
 * The budget counts epochs actually trained, summed over all configurations: early stopping
 * returns unused epochs to the budget, and a strategy stops starting work when it is spent.
 */
import type { Params } from "./space";
import type { AnyAutoencoder } from "../../models/types";
import type { SearchObjective, TrialRun, TrialStep } from "./objective";
import { paramsKey } from "./space";

/** The strategies. */
export const STRATEGIES = ["grid", "bayes", "halving"] as const;
/** A strategy name. */
export type StrategyName = (typeof STRATEGIES)[number];

/** Options every strategy takes. */
export interface StrategyOptions {
  objective: SearchObjective;
  /** Total epochs the search may train, over all configurations. */
  budgetEpochs: number;
  /** Seed of the strategy's draws (grid order, random and initial points) and of every model's initialisation. */
  seed: number;
  /** Epochs of one full trial: grid and Bayesian trials train this long; halving's last rung reaches it. */
  epochsPerTrial: number;
  /** Called after every recorded trial (progress). */
  onTrial?: (t: SearchTrial) => void;
  /**
   * Keep the best model (default false): the result then holds it, trained as in the search,
   * for scoring the test split once after selection; the caller disposes it.
   */
  keepBestModel?: boolean;
}

/** One trained (configuration, stage): grid and Bayesian trials have one stage; halving one per rung reached. */
export interface SearchTrial {
  strategy: StrategyName;
  /** 0-based number of the configuration within this search. */
  trial: number;
  /** Halving: 0-based bracket and rung; 0 otherwise. */
  bracket: number;
  rung: number;
  params: Params;
  /** Cumulative epochs this configuration has trained, this stage included. */
  epochsRun: number;
  /** Validation objective after this stage (NaN when training failed). */
  objective: number;
  /** Wall-clock seconds of this stage. */
  seconds: number;
  stopReason: TrialStep["stopReason"];
  /** Epochs spent by the whole search after this stage (the anytime curve's x). */
  spent: number;
  /** Lowest objective of the search after this stage (the anytime curve's y; NaN until one succeeds). */
  bestSoFar: number;
  /** Training warnings or the failure message. */
  warnings: string[];
}

/** What a strategy returns. */
export interface SearchResult {
  strategy: StrategyName;
  /** The model kind searched (the objective's space). */
  kind: string;
  seed: number;
  budgetEpochs: number;
  trials: SearchTrial[];
  /** The stage with the lowest objective (its configuration is the search's winner). */
  best: SearchTrial;
  /** Epochs trained (<= budgetEpochs). */
  spent: number;
  /** Distinct configurations tried. */
  configurations: number;
  seconds: number;
  /**
   * With keepBestModel: the model of the best configuration as it is now, and the stage it
   * corresponds to (the same as `best` unless halving trained the winner further and its
   * objective rose; then this is its latest stage). Null otherwise.
   */
  model: AnyAutoencoder | null;
  modelTrial: SearchTrial | null;
}

/** Throw unless the common options are valid. */
export function checkStrategyOptions(o: StrategyOptions, who: string): void {
  if (!o || typeof o.objective?.start !== "function")
    throw new Error(`${who}: options.objective must be a SearchObjective (see modelObjective).`);
  if (!Number.isInteger(o.budgetEpochs) || o.budgetEpochs < 1)
    throw new Error(
      `${who}: budgetEpochs must be a positive integer (total epochs over all trials), got ${o.budgetEpochs}.`,
    );
  if (!Number.isInteger(o.epochsPerTrial) || o.epochsPerTrial < 1)
    throw new Error(`${who}: epochsPerTrial must be a positive integer, got ${o.epochsPerTrial}.`);
  if (o.epochsPerTrial > o.budgetEpochs)
    throw new Error(
      `${who}: epochsPerTrial (${o.epochsPerTrial}) exceeds budgetEpochs (${o.budgetEpochs}); not even one full trial fits. Raise the budget or shorten trials.`,
    );
  if (!Number.isInteger(o.seed)) throw new Error(`${who}: seed must be an integer, got ${o.seed}.`);
}

/** Charges epochs, numbers configurations and records trials for one search. */
export class Ledger {
  readonly trials: SearchTrial[] = [];
  private spentEpochs = 0;
  private best = NaN;
  private readonly keys = new Map<string, number>();
  private readonly t0 = performance.now();
  /** The run holding the best model so far (keepBestModel), and whether its strategy is done with it. */
  private held: { run: TrialRun; trial: SearchTrial; released: boolean } | null = null;

  constructor(
    readonly strategy: StrategyName,
    readonly o: StrategyOptions,
  ) {}

  /** Epochs left in the budget. */
  get remaining(): number {
    return this.o.budgetEpochs - this.spentEpochs;
  }

  /** Epochs spent so far. */
  get spent(): number {
    return this.spentEpochs;
  }

  /** True when a configuration with these values was already started. */
  seen(p: Params): boolean {
    return this.keys.has(paramsKey(p));
  }

  /** The number of a configuration (a new one gets the next number). */
  id(p: Params): number {
    const key = paramsKey(p);
    let i = this.keys.get(key);
    if (i === undefined) {
      i = this.keys.size;
      this.keys.set(key, i);
    }
    return i;
  }

  /**
   * Record one stage of `run` and charge its epochs. With keepBestModel the run is held when
   * this stage is the best so far (a held run's later stages update what it holds).
   */
  record(
    run: TrialRun,
    p: Params,
    step: TrialStep,
    o: { epochsRun: number; seconds: number; bracket?: number; rung?: number },
  ): SearchTrial {
    this.spentEpochs += step.epochsRun;
    if (Number.isFinite(step.objective) && !(step.objective >= this.best)) this.best = step.objective;
    const t: SearchTrial = {
      strategy: this.strategy,
      trial: this.id(p),
      bracket: o.bracket ?? 0,
      rung: o.rung ?? 0,
      params: p,
      epochsRun: o.epochsRun,
      objective: step.objective,
      seconds: o.seconds,
      stopReason: step.stopReason,
      spent: this.spentEpochs,
      bestSoFar: this.best,
      warnings: step.warnings,
    };
    this.trials.push(t);
    if (this.o.keepBestModel && run.model) {
      if (this.held?.run === run) this.held.trial = t;
      else if (Number.isFinite(t.objective) && (!this.held || t.objective < this.held.trial.objective)) {
        if (this.held?.released) this.held.run.dispose();
        this.held = { run, trial: t, released: false };
      }
    }
    this.o.onTrial?.(t);
    return t;
  }

  /** The strategy is done with `run`: dispose it unless it holds the best model. */
  release(run: TrialRun): void {
    if (this.held?.run === run) this.held.released = true;
    else run.dispose();
  }

  /** Train a fresh run of `p` for `epochs` and record it (the grid and Bayesian step). */
  async runFresh(p: Params, epochs: number): Promise<SearchTrial> {
    const started = performance.now();
    this.id(p);
    const run = this.o.objective.start(p, this.o.seed);
    try {
      const step = await run.train(epochs);
      return this.record(run, p, step, { epochsRun: step.epochsRun, seconds: (performance.now() - started) / 1000 });
    } finally {
      this.release(run);
    }
  }

  /** The result; throws when no stage succeeded. */
  result(): SearchResult {
    const ok = this.trials.filter((t) => Number.isFinite(t.objective));
    if (ok.length === 0) {
      if (this.held) this.held.run.dispose();
      throw new Error(
        `${this.strategy} search: all ${this.trials.length} trials failed (${this.trials[0]?.warnings[0] ?? "none ran"}). Narrow the learning-rate range or check the inputs.`,
      );
    }
    const best = ok.reduce((a, t) => (t.objective < a.objective ? t : a));
    return {
      strategy: this.strategy,
      kind: this.o.objective.space.kind,
      seed: this.o.seed,
      budgetEpochs: this.o.budgetEpochs,
      trials: this.trials,
      best,
      spent: this.spentEpochs,
      configurations: this.keys.size,
      seconds: (performance.now() - this.t0) / 1000,
      model: this.held ? this.held.run.model : null,
      modelTrial: this.held ? this.held.trial : null,
    };
  }
}
