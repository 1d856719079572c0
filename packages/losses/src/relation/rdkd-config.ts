/**
 * Config schema of the `rdkd` loss (`./rdkd`), free of TensorFlow.js so that `@kdet/losses/config`
 * can validate and describe configs without loading it.
 */
import { z } from "zod";

/**
 * Config of {@link createRdkd}. Open choices, with our defaults: fusion conv 1×1 (ReviewKD's
 * fusion convs are 1×1; 3×3 costs 9× more on the finest level), nearest
 * upsampling (ReviewKD), both DANet attentions with γ initialised to 0 and query/key reduction 8
 * (DANet), the GT box mask projected on every level (`box`), HCL pools [4, 2, 1], region-mean
 * normalisation, foreground:background weights 1 : 0.5 (FGD's 2:1 ratio).
 */
export const RdkdConfig = z
  .object({
    type: z.literal("rdkd").default("rdkd"),
    /** Student channels per level, finest first. */
    studentChannels: z.array(z.number().int().positive()).min(1),
    /** Teacher channels per level, finest first (same length). */
    teacherChannels: z.array(z.number().int().positive()).min(1),
    /** α: weight of the foreground terms. */
    fgWeight: z.number().nonnegative().default(1),
    /** β: weight of the background terms (0 ignores the background). */
    bgWeight: z.number().nonnegative().default(0.5),
    /** HCL pooled sizes (a size l is skipped when l ≥ H, as ReviewKD). */
    poolSizes: z.array(z.number().int().positive()).default([4, 2, 1]),
    /**
     * `region`: each masked HCL is divided by the region's share of the map (the full-scale term
     * is then the mean over the region's elements); `numel`: plain HCL of the masked maps.
     */
    normalize: z.enum(["region", "numel"]).default("region"),
    /**
     * GT mask per level: `box` = every box on every level (cells floor(x1')…ceil(x2'), FGD's
     * rule, binarised); `assigned` = DeFeat's mask (each box on one level by size).
     */
    mask: z.enum(["box", "assigned"]).default("box"),
    /** Fusion conv kernel. */
    fusionKernel: z.union([z.literal(1), z.literal(3)]).default(1),
    /** Resize of the previous fused output: PyTorch legacy nearest, or bilinear (half-pixel). */
    upsample: z.enum(["nearest", "bilinear"]).default("nearest"),
    /**
     * DANet position attention on every fused level: cost O((H·W)²·C) per image and level (the
     * dominant cost on large maps; turn off for maps much beyond ~40×40 on CPU backends).
     */
    positionAttention: z.boolean().default(true),
    /** DANet channel attention on every fused level. */
    channelAttention: z.boolean().default(true),
    /** Query/key channel reduction of the position attention. */
    attentionReduction: z.number().int().positive().default(8),
    /** Initial γ of both attentions. */
    gammaInit: z.number().default(0),
    /** Seed of the fusion weights. */
    seed: z.number().int().default(0),
  })
  .strict();
/** Parsed {@link RdkdConfig}. */
export type RdkdConfig = z.infer<typeof RdkdConfig>;
