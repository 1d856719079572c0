/**
 * Config schema of the `mse` loss (`./mse`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";
import { channelFields } from "../channel-settings";

/**
 * Config of {@link createMse}. Defaults: mmrazor FitNets (normalize on, mult 1, Σ/N), no feature
 * normalisation, no align conv; its `L2Loss` weight 10 is the registry's `defaultWeight`.
 */
export const MseConfig = z
  .object({
    type: z.literal("mse").default("mse"),
    /** Per-sample L2 normalisation of the flattened C·H·W vector before the squared error. */
    normalize: z.boolean().default(true),
    /** Factor applied after the per-sample normalisation. */
    mult: z.number().default(1),
    /** Divide the sum by the number of elements (mean) instead of by N. */
    divElement: z.boolean().default(false),
    /** Return `sqrt(Σ)` (an L2 distance, not divided by N); takes precedence over `divElement`. */
    dist: z.boolean().default(false),
    /**
     * Per-channel standardisation of S and T (statistics over N·H·W) before everything else:
     * `channel` = (x − μ)/(σ_unbiased + 1e-6) (PaddleDetection feature_norm), `bn` = BatchNorm
     * without affine in training mode, eps 1e-5 (DAMO-YOLO), `none`.
     */
    featureNorm: z.enum(["none", "channel", "bn"]).default("none"),
    /** Align conv kernel (when student/teacher channels differ). */
    alignKernel: z.union([z.literal(1), z.literal(3)]).default(1),
    /** ReLU after the align conv (mmrazor's ConvModule connector default; off for mimic). */
    alignRelu: z.boolean().default(false),
    ...channelFields,
  })
  .strict();
/** Parsed {@link MseConfig}. */
export type MseConfig = z.infer<typeof MseConfig>;
