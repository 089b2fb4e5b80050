/**
 * Denoising autoencoder (Vincent et al., 2008): the dense AE trained to reconstruct the clean
 * row from a corrupted copy, which forces the code to capture structure shared across
 * features instead of copying each one through. Corruption is additive Gaussian noise
 * and/or masking (entries set to 0, the mean of a standardised feature), redrawn every epoch
 * from a stream seeded by (fit seed, epoch), so a rerun sees the same corruptions.
 * Scoring and validation use clean inputs.
 */
import type { Rng } from "../runtime/rng";
import type { TrainingStream } from "../train/fit";
import {
  DeterministicDense,
  resolveDenseOptions,
  type DenseAutoencoderOptions,
  type ResolvedDenseOptions,
} from "./dense";
import type { Samples } from "./network";
import type { ModelKind } from "./types";
import { checkRange } from "./validate";

/**
 * Default noise: 0.2 standard deviations of a standardised feature, enough to change what the
 * code learns without drowning the signal.
 */
export const DEFAULT_NOISE_STD = 0.2;

/** Options of the DAE: the dense options plus the corruption. */
export interface DenoisingAutoencoderOptions extends DenseAutoencoderOptions {
  /** Standard deviation of the additive Gaussian noise, >= 0 (default 0.2). */
  noiseStd?: number;
  /** Fraction of entries masked to 0, in [0, 1) (default 0). At least one corruption must be on. */
  maskFraction?: number;
}

/** DAE options with every default filled in. */
export type ResolvedDenoisingOptions = ResolvedDenseOptions & { noiseStd: number; maskFraction: number };

/** Validate DAE options and fill in defaults. */
export function resolveDenoisingOptions(o: DenoisingAutoencoderOptions): ResolvedDenoisingOptions {
  const base = resolveDenseOptions("DAE", "dae", o);
  const noiseStd = checkRange("DAE", "noiseStd", o.noiseStd ?? DEFAULT_NOISE_STD, 0, Number.MAX_VALUE);
  const maskFraction = checkRange("DAE", "maskFraction", o.maskFraction ?? 0, 0, 1, true);
  if (noiseStd === 0 && maskFraction === 0) {
    throw new Error(
      "DAE: noiseStd and maskFraction are both 0, so nothing is corrupted and the model is a plain AE. Set noiseStd (e.g. 0.2) or maskFraction (e.g. 0.2), or use DenseAutoencoder.",
    );
  }
  return { ...base, noiseStd, maskFraction };
}

/**
 * Corrupt a row-major buffer: out = 0 with probability maskFraction, else x + N(0, noiseStd^2).
 * @param rng the epoch's stream (same seed and epoch -> same corruption).
 */
export function corrupt(
  x: Float32Array,
  noiseStd: number,
  maskFraction: number,
  rng: Rng,
  out = new Float32Array(x.length),
): Float32Array {
  for (let i = 0; i < x.length; i++) {
    if (maskFraction > 0 && rng.uniform() < maskFraction) {
      out[i] = 0;
    } else {
      out[i] = noiseStd > 0 ? x[i]! + noiseStd * rng.normal() : x[i]!;
    }
  }
  return out;
}

/** The denoising autoencoder. */
export class DenoisingAutoencoder extends DeterministicDense<ResolvedDenoisingOptions> {
  readonly kind: ModelKind = "dae";
  private corrupted: Float32Array | null = null;

  /** @param options see DenoisingAutoencoderOptions; throws on invalid values. */
  constructor(options: DenoisingAutoencoderOptions) {
    super(resolveDenoisingOptions(options));
  }

  /** Streams: [corrupted input, clean target]; the buffer is reused across epochs. */
  protected trainingStreams(train: Samples, _epoch: number, rng: Rng): TrainingStream[] {
    if (this.corrupted === null || this.corrupted.length !== train.data.length)
      this.corrupted = new Float32Array(train.data.length);
    corrupt(train.data, this.options.noiseStd, this.options.maskFraction, rng, this.corrupted);
    const shape = this.sampleShape();
    return [
      { data: this.corrupted, sampleShape: shape },
      { data: train.data, sampleShape: shape },
    ];
  }

  protected override releaseTrainingBuffers(): void {
    this.corrupted = null;
  }
}
