/**
 * Variational autoencoder (Kingma & Welling, 2014) over feature rows, with the beta-VAE
 * weighting of the KL term (Higgins et al., 2017) and an optional linear KL warm-up
 * (Bowman et al., 2016) against posterior collapse early in training.
 *
 * Model: q(z|x) = N(mu(x), diag(exp(logVar(x)))), p(z) = N(0, I), p(x|z) = N(decoder(z), I).
 * Per row, in nats and up to the constant d/2 * log(2 pi):
 *   recon = 0.5 * sum_j (x_j - xhat_j)^2        kl = -0.5 * sum_k (1 + logVar_k - mu_k^2 - exp(logVar_k))
 *   training loss = mean over the batch of recon + beta_e * kl (+ L2), with z = mu + exp(logVar / 2) * eps
 * and beta_e = beta * min(1, epoch / warmupEpochs). The noise eps is drawn in TypeScript from
 * the seeded Rng, once per epoch for the whole training split, so runs are reproducible.
 *
 * encode() returns the posterior mean; encodeDistribution() also returns the log-variance.
 * reconstruct() decodes the mean (deterministic). score "elbo" is recon + kl at z = mu.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import type { Matrix } from "../runtime/matrix";
import { Rng } from "../runtime/rng";
import type { TrainingProblem, TrainingStream } from "../train/fit";
import { DenseBase, resolveDenseOptions, type DenseAutoencoderOptions, type ResolvedDenseOptions } from "./dense";
import { reconstructionScores, type Samples } from "./network";
import { gaussianKlOps, gaussianKlSum, reparameterise, sumSquaredError } from "./losses";
import { runChunked, sumChunked } from "./nn";
import type { ModelKind, ScoreMode, ScoreResult } from "./types";
import { checkInt, checkRange } from "./validate";

/**
 * Bound on the log-variance: exp(+-10) spans variances 4.5e-5 .. 2.2e4, wider than any
 * standardised feature needs, and keeps exp() finite during the first, wild updates.
 */
export const LOG_VAR_CLIP = 10;

/** Options of the VAE: the dense options plus the KL weighting. */
export interface VariationalAutoencoderOptions extends DenseAutoencoderOptions {
  /** Weight of the KL term, > 0 (default 1: the true ELBO; < 1 favours reconstruction). */
  beta?: number;
  /** Epochs over which beta grows linearly from beta/warmupEpochs to beta (default 0: no warm-up). */
  warmupEpochs?: number;
}

/** VAE options with every default filled in. */
export type ResolvedVariationalOptions = ResolvedDenseOptions & { beta: number; warmupEpochs: number };

/** Validate VAE options and fill in defaults. */
export function resolveVariationalOptions(o: VariationalAutoencoderOptions): ResolvedVariationalOptions {
  if (o !== null && typeof o === "object" && o.latentActivation !== undefined && o.latentActivation !== "linear") {
    throw new Error(
      `VAE: latentActivation "${o.latentActivation}" is not allowed: the posterior mean and log-variance are unconstrained (linear). Remove the option.`,
    );
  }
  const base = resolveDenseOptions("VAE", "vae", o);
  const beta = checkRange("VAE", "beta", o.beta ?? 1, 0, Number.MAX_VALUE);
  if (beta === 0)
    throw new Error("VAE: beta must be > 0; with beta = 0 the KL term vanishes and the model is a noisy AE.");
  const warmupEpochs = checkInt("VAE", "warmupEpochs", o.warmupEpochs ?? 0, 0);
  return { ...base, beta, warmupEpochs };
}

/** The variational autoencoder. */
export class VariationalAutoencoder extends DenseBase<ResolvedVariationalOptions> {
  readonly kind: ModelKind = "vae";
  private noise: Float32Array | null = null;

  /** @param options see VariationalAutoencoderOptions; throws on invalid values. */
  constructor(options: VariationalAutoencoderOptions) {
    super(resolveVariationalOptions(options), true);
  }

  /** beta at a (1-based) epoch, after warm-up. */
  betaAt(epoch: number): number {
    const w = this.options.warmupEpochs;
    return w === 0 ? this.options.beta : this.options.beta * Math.min(1, epoch / w);
  }

  /** Posterior mean `[B, k]` and log-variance `[B, k]` before clipping. */
  private posteriorRaw(x: tf.Tensor2D, dropoutSeed?: number): { mu: tf.Tensor2D; rawLogVar: tf.Tensor2D } {
    const h = this.encoderHidden(x, dropoutSeed);
    return { mu: this.layer("z_mean", h, "linear"), rawLogVar: this.layer("z_log_var", h, "linear") };
  }

  /** Posterior mean `[B, k]` and clipped log-variance `[B, k]`. */
  private posterior(x: tf.Tensor2D): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    const { mu, rawLogVar } = this.posteriorRaw(x);
    return { mu, logVar: tf.clipByValue(rawLogVar, -LOG_VAR_CLIP, LOG_VAR_CLIP) };
  }

  protected forwardEncode(x: tf.Tensor): tf.Tensor2D {
    return this.posterior(x as tf.Tensor2D).mu;
  }

  protected forwardReconstruct(x: tf.Tensor): tf.Tensor {
    return this.decode(this.posterior(x as tf.Tensor2D).mu);
  }

  /** Posterior mean and log-variance, each `[n, latentDim]`. */
  encodeDistribution(x: Matrix): { mean: Matrix; logVar: Matrix } {
    this.assertLive();
    this.checkInput("input", x);
    const k = this.latentDim;
    const [mean, logVar] = runChunked(x.data, x.rows, this.sampleShape(), [k, k], (t) => {
      const p = this.posterior(t as tf.Tensor2D);
      return [p.mu, p.logVar];
    });
    return { mean: { data: mean!, rows: x.rows, cols: k }, logVar: { data: logVar!, rows: x.rows, cols: k } };
  }

  /**
   * Scores: "mse"/"mae" = reconstruction error of the decoded posterior mean; "elbo" = negative
   * ELBO per row, 0.5 * SSE + KL at z = mu (up to d/2 log 2 pi), with perFeature the squared errors.
   */
  override score(x: Matrix, mode: ScoreMode = "mse"): ScoreResult {
    if (mode !== "elbo") return super.score(x, mode);
    this.assertLive();
    this.checkInput("input", x);
    const d = this.featureNames.length;
    const [recon, kl] = runChunked(x.data, x.rows, this.sampleShape(), [d, 1], (t) => {
      const p = this.posterior(t as tf.Tensor2D);
      const perRowKl = gaussianKlOps(p.mu, p.logVar, 1);
      return [this.decode(p.mu), perRowKl];
    });
    const result = reconstructionScores(x.data, recon!, x.rows, d, "mse");
    for (let i = 0; i < x.rows; i++) result.perRow[i] = 0.5 * result.perRow[i]! * d + kl![i]!;
    return result;
  }

  protected trainingProblem(train: Samples, validation: Samples, fitSeed: number): TrainingProblem {
    const d = this.featureNames.length;
    const k = this.latentDim;
    // A fixed noise draw for validation keeps the validation ELBO comparable across epochs.
    const valNoise = normalBuffer(validation.n * k, new Rng(fitSeed).fork("vae-validation-noise"));
    return {
      label: this.name,
      variables: this.params.list(),
      nTrain: train.n,
      termNames: ["recon", "kl", "mse"],
      streams: (_epoch, rng): TrainingStream[] => {
        if (this.noise === null || this.noise.length !== train.n * k) this.noise = new Float32Array(train.n * k);
        normalBuffer(train.n * k, rng, this.noise);
        return [
          { data: train.data, sampleShape: [d] },
          { data: this.noise, sampleShape: [k] },
        ];
      },
      batchLoss: (batch, ctx) => {
        const x = batch[0] as tf.Tensor2D;
        const eps = batch[1] as tf.Tensor2D;
        const rows = x.shape[0];
        // The loss head as custom-gradient ops (losses.ts): one tape node each.
        const { mu, rawLogVar } = this.posteriorRaw(x, ctx.seed);
        const z = reparameterise(mu, rawLogVar, eps, LOG_VAR_CLIP);
        const xhat = this.decode(z, ctx.seed);
        const sse = sumSquaredError(xhat, x);
        const recon = tf.mul(sse, 0.5 / rows) as tf.Scalar;
        const kl = tf.mul(gaussianKlSum(mu, rawLogVar, LOG_VAR_CLIP), 1 / rows) as tf.Scalar;
        let loss = tf.add(recon, tf.mul(kl, this.betaAt(ctx.epoch))) as tf.Scalar;
        const penalty = this.l2Penalty();
        if (penalty !== null) loss = tf.add(loss, penalty);
        return { loss, terms: [recon, kl, tf.mul(sse, 1 / (rows * d)) as tf.Scalar] };
      },
      epochTerms: (epoch) => ({ beta: this.betaAt(epoch) }),
      validate: () => {
        const [sse, kl] = sumChunked(
          [
            { data: validation.data, sampleShape: [d] },
            { data: valNoise, sampleShape: [k] },
          ],
          validation.n,
          ([x, eps]) => {
            const { mu, logVar } = this.posterior(x as tf.Tensor2D);
            const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps!)) as tf.Tensor2D;
            return [tf.sum(tf.squaredDifference(this.decode(z), x!)), gaussianKlOps(mu, logVar) as tf.Scalar];
          },
        );
        const recon = (0.5 * sse!) / validation.n;
        const klMean = kl! / validation.n;
        return {
          loss: recon + this.options.beta * klMean,
          terms: { recon, kl: klMean, mse: sse! / (validation.n * d) },
        };
      },
    };
  }

  protected override releaseTrainingBuffers(): void {
    this.noise = null;
  }

  /** Functional mirror with outputs [reconstruction (from the mean), z_mean, z_log_var (unclipped)]. */
  toLayersModel(): tfl.LayersModel {
    this.assertLive();
    const input = tfl.input({ shape: [this.featureNames.length], name: "features" });
    const h = this.mirrorEncoder(input);
    const mu = tfl.layers
      .dense({ name: "z_mean", units: this.latentDim, kernelInitializer: "zeros" })
      .apply(h) as tfl.SymbolicTensor;
    const logVar = tfl.layers
      .dense({ name: "z_log_var", units: this.latentDim, kernelInitializer: "zeros" })
      .apply(h) as tfl.SymbolicTensor;
    const out = this.mirrorDecoder(mu);
    return this.fillMirror(tfl.model({ inputs: input, outputs: [out, mu, logVar], name: this.name }));
  }
}

/** Fill `out` with n standard normal draws from rng. */
function normalBuffer(n: number, rng: Rng, out = new Float32Array(n)): Float32Array {
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}
