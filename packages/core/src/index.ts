/**
 * `@dale/core`: backend selection, noise schedules, seeded randomness and shared types.
 * @packageDocumentation
 */
import './tf-runtime.ts';
import { cpuBackendPlugin } from './backend/cpu.ts';
import { registerBackendPlugin } from './backend/registry.ts';

export { cpuBackendPlugin } from './backend/cpu.ts';
export {
  type Availability,
  type AvailabilityContext,
  type BackendCandidate,
  type BackendInfo,
  type BackendPlugin,
  type BackendSelection,
  listBackendPlugins,
  probeBackends,
  registerBackendPlugin,
  synchronousReadsAvailable,
  type UseBackendOptions,
  useBackend,
} from './backend/registry.ts';
export { DaleError } from './errors.ts';
export { fusedGroupNormAvailable, GROUP_NORM_KERNEL } from './fused-group-norm.ts';
export {
  assertSingleTfjsCore,
  importPeer,
  installCommand,
  isMissingModule,
  loadedTfjsCoreCopies,
  type PeerOptions,
  type TfjsCoreCopy,
} from './peers.ts';
export { Rng, type RngState } from './random/rng.ts';
export { randomNormal, randomRademacher, randomUniform } from './random/tensors.ts';
export {
  createRegistry,
  type RegisterOptions,
  type Registry,
  type RegistryOptions,
} from './registry.ts';
export {
  constantSchedule,
  cosineSchedule,
  type DriftSpec,
  geometricSchedule,
  linearSchedule,
  type NoiseSchedule,
  type ScheduleConfig,
  scheduleFromConfig,
  type VarianceRampOptions,
} from './schedule/noise-schedule.ts';
export {
  discreteTimes,
  type TimeGrid,
  type TimeGridOptions,
  timeGrid,
} from './schedule/time-grid.ts';
export {
  INPUT_SAVING_GRADIENT_KERNELS,
  MASK_ONLY_OUTPUT_GRADIENT_KERNELS,
  registerSecondOrderGradients,
  ZERO_GRADIENT_KERNELS,
} from './second-order-gradients.ts';

registerBackendPlugin(cpuBackendPlugin);
