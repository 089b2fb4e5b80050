/**
 * Learning-rate schedules for the training loop: constant, reduce-on-plateau (the default,
 * like Keras' ReduceLROnPlateau) and cosine decay. The loop asks for the rate at the start of
 * each epoch and reports whether the validation loss improved at the end of it.
 */
import type { LearningRateSchedule } from "./types";

/** Plateau default: halve the rate, a common middle ground between 0.1 (Keras) and no decay. */
export const DEFAULT_PLATEAU_FACTOR = 0.5;
/** Default floor as a fraction of the initial rate: two orders of magnitude below it Adam steps stop mattering. */
export const DEFAULT_MIN_LR_FRACTION = 0.01;

/** Stateful learning-rate controller. */
export class LearningRateController {
  private rateNow: number;
  private sinceImprovement = 0;
  private readonly minRate: number;

  /**
   * @param initial learning rate of epoch 1.
   * @param schedule the schedule; plateau patience defaults to max(1, floor(stopPatience / 2))
   *   so that the rate drops at least once before early stopping gives up.
   */
  constructor(
    private readonly initial: number,
    private readonly schedule: LearningRateSchedule,
    private readonly maxEpochs: number,
    private readonly stopPatience: number,
  ) {
    if (!(initial > 0) || !Number.isFinite(initial))
      throw new Error(`learningRate must be a positive number, got ${initial}.`);
    this.rateNow = initial;
    const floor =
      schedule.kind === "constant" ? initial : (schedule.minLearningRate ?? initial * DEFAULT_MIN_LR_FRACTION);
    if (!(floor > 0) || floor > initial) {
      throw new Error(`minLearningRate must be in (0, learningRate = ${initial}], got ${floor}.`);
    }
    this.minRate = floor;
    if (schedule.kind === "plateau") {
      const f = schedule.factor ?? DEFAULT_PLATEAU_FACTOR;
      if (!(f > 0 && f < 1)) throw new Error(`plateau factor must be in (0, 1), got ${f}.`);
      const p = schedule.patience ?? 1;
      if (!Number.isInteger(p) || p < 1) throw new Error(`plateau patience must be an integer >= 1, got ${p}.`);
    }
  }

  /** Rate to use during `epoch` (1-based). */
  rate(epoch: number): number {
    if (this.schedule.kind === "cosine") {
      const span = Math.max(1, this.maxEpochs - 1);
      const progress = Math.min(1, (epoch - 1) / span);
      return this.minRate + 0.5 * (this.initial - this.minRate) * (1 + Math.cos(Math.PI * progress));
    }
    return this.rateNow;
  }

  /** Report the end of an epoch; the plateau schedule may lower the rate. */
  observe(improved: boolean): void {
    if (this.schedule.kind !== "plateau") return;
    if (improved) {
      this.sinceImprovement = 0;
      return;
    }
    this.sinceImprovement += 1;
    const patience = this.schedule.patience ?? Math.max(1, Math.floor(this.stopPatience / 2));
    if (this.sinceImprovement >= patience) {
      this.rateNow = Math.max(this.minRate, this.rateNow * (this.schedule.factor ?? DEFAULT_PLATEAU_FACTOR));
      this.sinceImprovement = 0;
    }
  }
}
