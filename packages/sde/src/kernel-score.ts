/**
 * The kernel's score from the noise that drew x_t, for families that declare a Gaussian kernel.
 * @module
 */
import type { SDE } from './types.ts';

/**
 * The offset c in the kernel's score from its noise, s(x_t | x₀) = c − ε/√v(t): −1 for a
 * Hyvärinen score over a kernel Gaussian in log x (p_x(x) = p_z(log x)/x, guide: M6; GBM), 0 for a
 * Stein score over one Gaussian in x (VE, VP); `undefined` where the SDE declares no `kernel`
 * (CIR) or its coordinates do not match its `scoreKind`. The `'noise'` parameterisation and the
 * M-DSM target from the kept noise both rest on it.
 */
export function kernelScoreOffset(sde: SDE): -1 | 0 | undefined {
  const coordinates = sde.kernel?.coordinates;
  if (sde.scoreKind === 'hyvarinen' && coordinates === 'log') return -1;
  if (sde.scoreKind === 'stein' && coordinates === 'ambient') return 0;
  return undefined;
}
