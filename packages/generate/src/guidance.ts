/**
 * The classifier-free guidance a checkpoint is sampled with when the caller gives none.
 * @module
 */
import type { CheckpointMeta, Model } from '@dale/models';

/**
 * The guidance weight w for a class-conditional model that was trained with label dropout (so it
 * has learnt the unconditional score guidance needs; the `edm` preset drops 10% of the labels). On
 * the `mnist` model at step 8,522, 12 DPM-Solver++(2M) steps at w = 1 gave domain FID 7.98 and
 * 93.9% confident digits at n = 1,000, against 9.18 and 76.9% without guidance (its model card).
 */
export const TRAINED_GUIDANCE = 1;

/**
 * The default guidance weight of a checkpoint: {@link TRAINED_GUIDANCE} for a class-conditional
 * model whose `meta.train.conditioning.dropout` is above 0, else 0 (an unconditional model, or a
 * conditional one without an unconditional branch, which guidance would break).
 */
export function defaultGuidance(model: Model, meta: CheckpointMeta): number {
  const classes = Number(model.config['classes'] ?? 0);
  const train = meta['train'] as { conditioning?: { dropout?: unknown } } | null | undefined;
  const dropout = train?.conditioning?.dropout;
  return classes > 0 && typeof dropout === 'number' && dropout > 0 ? TRAINED_GUIDANCE : 0;
}
