/**
 * `@dale/core/internal`: **not public API.** The fused group-norm kernel bodies and their
 * arithmetic, for dale's own backend packages (`@dale/backend-wasm` registers the kernels with
 * them). Anything here may change or go in any release, without a changeset; programs use the
 * public entry `@dale/core` (`GROUP_NORM_KERNEL`, `fusedGroupNormAvailable`).
 * @module
 */
export {
  GROUP_NORM_GRAD_KERNEL,
  type GroupNormActivation,
  type GroupNormArithmetic,
  type GroupNormAttrs,
  type GroupNormDims,
  type GroupNormGradInputs,
  type GroupNormGradOutputs,
  type GroupNormInputs,
  type GroupNormOutputs,
  groupNormBackward,
  groupNormDims,
  groupNormForward,
  groupNormGradConfig,
  type HostArrays,
  registerFusedGroupNorm,
  runGroupNormKernel,
} from './fused-group-norm.ts';
