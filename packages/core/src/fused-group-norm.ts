/**
 * A fused group normalisation (+ optional SiLU) kernel: one pass for the statistics and one for the
 * output, and the same for its gradient, instead of the dozen broadcasting kernels (and their
 * autodiff twins) that `tf.moments`, `tf.sub`, `tf.mul`, `tf.add` and `tf.sigmoid` would run.
 *
 * The arithmetic lives here as plain functions of typed arrays, so that every backend whose tensors
 * are CPU memory (the `cpu` backend here, `wasm` in `@dale/backend-wasm`) runs the same code. The
 * kernel `DaleGroupNorm` has a registered gradient, which calls `DaleGroupNormGrad`. Both are
 * first-order only: `@dale/models` calls the kernel only while no gradient of a gradient is being
 * recorded, and uses differentiable composite ops otherwise.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** The name of the fused forward kernel (inputs `x`, `scale`, `offset`; outputs y, mean, rstd). */
export const GROUP_NORM_KERNEL = 'DaleGroupNorm';

/** The name of its gradient kernel (inputs `dy`, `x`, `scale`, `offset`, `mean`, `rstd`). */
export const GROUP_NORM_GRAD_KERNEL = 'DaleGroupNormGrad';

/** Activations the fused kernel can apply after the affine map. */
export type GroupNormActivation = 'none' | 'silu';

/** Attributes of {@link GROUP_NORM_KERNEL} and {@link GROUP_NORM_GRAD_KERNEL}. */
export interface GroupNormAttrs {
  readonly groups: number;
  readonly eps: number;
  readonly activation: GroupNormActivation;
}

/** Sizes of an NHWC tensor seen as [batch, pixels, channels], with its channel groups. */
export interface GroupNormDims {
  readonly batch: number;
  /** H·W. */
  readonly pixels: number;
  readonly channels: number;
  readonly groups: number;
}

/** The sizes of `shape` ([B, H, W, C]) for `groups` groups. */
export function groupNormDims(shape: readonly number[], groups: number): GroupNormDims {
  const [batch, height, width, channels] = shape as [number, number, number, number];
  return { batch, pixels: height * width, channels, groups };
}

/** Float32 arrays of the forward pass's inputs ([B·H·W·C], [C], [C]). */
export interface GroupNormInputs {
  readonly x: Float32Array;
  readonly scale: Float32Array;
  readonly offset: Float32Array;
}

/** Float32 arrays the forward pass writes: y ([B·H·W·C]), mean and rstd ([B·G]). */
export interface GroupNormOutputs {
  readonly y: Float32Array;
  readonly mean: Float32Array;
  readonly rstd: Float32Array;
}

/** Float32 arrays of the backward pass's inputs: dy, then the forward's inputs and statistics. */
export interface GroupNormGradInputs extends GroupNormInputs {
  readonly dy: Float32Array;
  readonly mean: Float32Array;
  readonly rstd: Float32Array;
}

/** Float32 arrays the backward pass writes: dx ([B·H·W·C]), dScale and dOffset ([C]). */
export interface GroupNormGradOutputs {
  readonly dx: Float32Array;
  readonly dScale: Float32Array;
  readonly dOffset: Float32Array;
}

/** Per-channel coefficients a_c = r_g γ_c and k_c = β_c − μ_g r_g γ_c, so z = a_c x + k_c. */
function affineCoefficients(
  dims: GroupNormDims,
  b: number,
  scale: Float32Array,
  offset: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  a: Float64Array,
  k: Float64Array,
): void {
  const perGroup = dims.channels / dims.groups;
  for (let c = 0; c < dims.channels; c++) {
    const g = b * dims.groups + Math.floor(c / perGroup);
    a[c] = rstd[g]! * scale[c]!;
    k[c] = offset[c]! - mean[g]! * a[c]!;
  }
}

/**
 * Forward pass: mean and 1/√(var + eps) of every (batch element, group) over its H·W·C/G values
 * (biased variance, as `torch.nn.GroupNorm`), then z = (x − μ)·rstd·γ + β and y = z, or
 * y = z·sigmoid(z) for SiLU. Writes `y`, `mean` and `rstd` ([B·G]).
 */
export function groupNormForward(
  dims: GroupNormDims,
  attrs: GroupNormAttrs,
  { x, scale, offset }: GroupNormInputs,
  { y, mean, rstd }: GroupNormOutputs,
): void {
  const { batch, pixels, channels, groups } = dims;
  const perGroup = channels / groups;
  const count = pixels * perGroup;
  const sum = new Float64Array(channels);
  const sumSquares = new Float64Array(channels);
  const a = new Float64Array(channels);
  const k = new Float64Array(channels);
  const silu = attrs.activation === 'silu';
  for (let b = 0; b < batch; b++) {
    const base = b * pixels * channels;
    sum.fill(0);
    sumSquares.fill(0);
    for (let p = 0, i = base; p < pixels; p++) {
      for (let c = 0; c < channels; c++, i++) {
        const v = x[i]!;
        sum[c]! += v;
        sumSquares[c]! += v * v;
      }
    }
    for (let g = 0; g < groups; g++) {
      let s = 0;
      let ss = 0;
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        s += sum[c]!;
        ss += sumSquares[c]!;
      }
      const mu = s / count;
      const variance = Math.max(0, ss / count - mu * mu);
      mean[b * groups + g] = mu;
      rstd[b * groups + g] = 1 / Math.sqrt(variance + attrs.eps);
    }
    affineCoefficients(dims, b, scale, offset, mean, rstd, a, k);
    for (let p = 0, i = base; p < pixels; p++) {
      for (let c = 0; c < channels; c++, i++) {
        const z = a[c]! * x[i]! + k[c]!;
        y[i] = silu ? z / (1 + Math.exp(-z)) : z;
      }
    }
  }
}

/**
 * Backward pass. With dz = dy (or dy·s(1 + z(1 − s)), s = sigmoid(z), for SiLU) and
 * x̂ = (x − μ)·rstd: dβ_c = Σ dz, dγ_c = Σ dz·x̂ over batch and pixels, and per (batch element,
 * group), with m₁ = mean(dz·γ) and m₂ = mean(dz·γ·x̂) over the group,
 * dx = rstd·(dz·γ − m₁ − x̂·m₂), the derivative of normalising by the group's own statistics.
 * Writes `dx` (used as scratch for dz first), `dScale` and `dOffset` ([C], overwritten).
 */
export function groupNormBackward(
  dims: GroupNormDims,
  attrs: GroupNormAttrs,
  { dy, x, scale, offset, mean, rstd }: GroupNormGradInputs,
  { dx, dScale, dOffset }: GroupNormGradOutputs,
): void {
  const { batch, pixels, channels, groups } = dims;
  const perGroup = channels / groups;
  const count = pixels * perGroup;
  const sumDz = new Float64Array(channels);
  const sumDzX = new Float64Array(channels);
  const totalDScale = new Float64Array(channels);
  const totalDOffset = new Float64Array(channels);
  const a = new Float64Array(channels);
  const k = new Float64Array(channels);
  const dzScale = new Float64Array(channels);
  const xScale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  const silu = attrs.activation === 'silu';
  for (let b = 0; b < batch; b++) {
    const base = b * pixels * channels;
    affineCoefficients(dims, b, scale, offset, mean, rstd, a, k);
    sumDz.fill(0);
    sumDzX.fill(0);
    for (let p = 0, i = base; p < pixels; p++) {
      for (let c = 0; c < channels; c++, i++) {
        const v = x[i]!;
        let dz = dy[i]!;
        if (silu) {
          const z = a[c]! * v + k[c]!;
          const s = 1 / (1 + Math.exp(-z));
          dz *= s * (1 + z * (1 - s));
        }
        dx[i] = dz;
        sumDz[c]! += dz;
        sumDzX[c]! += dz * v;
      }
    }
    for (let g = 0; g < groups; g++) {
      const mu = mean[b * groups + g]!;
      const r = rstd[b * groups + g]!;
      let m1 = 0;
      let m2 = 0;
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        // Σ dz·x̂ = rstd·(Σ dz·x − μ Σ dz).
        const dzXhat = r * (sumDzX[c]! - mu * sumDz[c]!);
        totalDOffset[c]! += sumDz[c]!;
        totalDScale[c]! += dzXhat;
        m1 += scale[c]! * sumDz[c]!;
        m2 += scale[c]! * dzXhat;
      }
      m1 /= count;
      m2 /= count;
      // dx = rstd·(γ dz − m₁ − (x − μ)·rstd·m₂) = dzScale_c·dz + xScale·x + shift.
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        dzScale[c] = r * scale[c]!;
        xScale[c] = -r * r * m2;
        shift[c] = -r * m1 + r * r * m2 * mu;
      }
    }
    for (let p = 0, i = base; p < pixels; p++) {
      for (let c = 0; c < channels; c++, i++) {
        dx[i] = dzScale[c]! * dx[i]! + xScale[c]! * x[i]! + shift[c]!;
      }
    }
  }
  for (let c = 0; c < channels; c++) {
    dScale[c] = totalDScale[c]!;
    dOffset[c] = totalDOffset[c]!;
  }
}

/**
 * The gradient of {@link GROUP_NORM_KERNEL}: one {@link GROUP_NORM_GRAD_KERNEL} call, shared by
 * the three inputs' gradients. Only y's gradient is propagated; mean and rstd are bookkeeping
 * outputs that the op built on the kernel never returns.
 */
export const groupNormGradConfig: tf.GradConfig = {
  kernelName: GROUP_NORM_KERNEL,
  inputsToSave: ['x', 'scale', 'offset'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const dy = Array.isArray(dys) ? dys[0]! : dys;
    const [x, scale, offset, mean, rstd] = saved as tf.Tensor[];
    // Computed here, not inside the per-input closures: the engine runs each closure in its own
    // tidy, which would dispose the two outputs it does not return (tf.customGrad does the same).
    const [dx, dScale, dOffset] = tf
      .engine()
      .runKernel(
        GROUP_NORM_GRAD_KERNEL,
        { dy, x, scale, offset, mean, rstd } as unknown as tf.NamedTensorMap,
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
    return { x: () => dx!, scale: () => dScale!, offset: () => dOffset! };
  },
};

/** How a kernel reaches tensors on a backend that keeps float32 tensors in host memory. */
export interface HostArrays {
  /** A new float32 tensor of `shape` (its contents are overwritten). */
  allocate(shape: number[]): tf.TensorInfo;
  /** The values of `t`; taken only after the last allocation (a wasm heap may move). */
  values(t: tf.TensorInfo): Float32Array;
}

/** The forward and backward arithmetic a backend runs (defaults: the functions above). */
export interface GroupNormArithmetic {
  readonly forward: typeof groupNormForward;
  readonly backward: typeof groupNormBackward;
}

const jsArithmetic: GroupNormArithmetic = {
  forward: groupNormForward,
  backward: groupNormBackward,
};

/**
 * Runs {@link GROUP_NORM_KERNEL} (`grad` false: outputs y, mean, rstd) or
 * {@link GROUP_NORM_GRAD_KERNEL} (`grad` true: outputs dx, dScale, dOffset) on a backend whose
 * tensors are host arrays: the body of both kernels on `cpu` and `wasm`.
 */
export function runGroupNormKernel(
  grad: boolean,
  { inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap },
  memory: HostArrays,
  arithmetic: GroupNormArithmetic = jsArithmetic,
): tf.TensorInfo[] {
  const shape = (inputs.x as tf.TensorInfo).shape;
  const a = attrs as unknown as GroupNormAttrs;
  const dims = groupNormDims(shape, a.groups);
  const shapes = grad
    ? [shape, [dims.channels], [dims.channels]]
    : [shape, [dims.batch, dims.groups], [dims.batch, dims.groups]];
  const out = shapes.map((s) => memory.allocate(s));
  const [o0, o1, o2] = out.map((t) => memory.values(t)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const arrays = Object.fromEntries(
    Object.entries(inputs).map(([name, t]) => [name, memory.values(t as tf.TensorInfo)]),
  );
  if (grad) {
    arithmetic.backward(dims, a, arrays as unknown as GroupNormGradInputs, {
      dx: o0,
      dScale: o1,
      dOffset: o2,
    });
  } else {
    arithmetic.forward(dims, a, arrays as unknown as GroupNormInputs, {
      y: o0,
      mean: o1,
      rstd: o2,
    });
  }
  return out;
}

type CpuBackendLike = {
  data: { get(dataId: object): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
};

/** The `cpu` backend's tensors as {@link HostArrays} (a new tensor keeps the array it was given). */
function cpuArrays(backend: unknown): HostArrays {
  const cpu = backend as CpuBackendLike;
  return {
    allocate: (shape) =>
      cpu.makeTensorInfo(shape, 'float32', new Float32Array(tf.util.sizeFromShape(shape))),
    values: (t) => cpu.data.get(t.dataId).values as Float32Array,
  };
}

/** {@link GROUP_NORM_KERNEL} on the `cpu` backend. */
export const groupNormCpuConfig: tf.KernelConfig = {
  kernelName: GROUP_NORM_KERNEL,
  backendName: 'cpu',
  kernelFunc: (args) => runGroupNormKernel(false, args, cpuArrays(args.backend)),
};

/** {@link GROUP_NORM_GRAD_KERNEL} on the `cpu` backend. */
export const groupNormGradCpuConfig: tf.KernelConfig = {
  kernelName: GROUP_NORM_GRAD_KERNEL,
  backendName: 'cpu',
  kernelFunc: (args) => runGroupNormKernel(true, args, cpuArrays(args.backend)),
};

/**
 * Registers the gradient of {@link GROUP_NORM_KERNEL} and its `cpu` kernels (once; importing
 * `@dale/core` does this). Other backends register their own kernels (`@dale/backend-wasm`);
 * where none is registered, `@dale/models` uses composite ops.
 */
export function registerFusedGroupNorm(): void {
  if (tf.getGradient(GROUP_NORM_KERNEL) === undefined) tf.registerGradient(groupNormGradConfig);
  for (const config of [groupNormCpuConfig, groupNormGradCpuConfig]) {
    if (tf.getKernel(config.kernelName, 'cpu') === undefined) tf.registerKernel(config);
  }
}

/**
 * Whether {@link GROUP_NORM_KERNEL} may run now on the active backend: a kernel is registered for
 * it, and no gradient of a gradient is being recorded (the fused gradient is not differentiable
 * again). TensorFlow.js counts nested `tf.grad`/`tf.variableGrads` in its engine's gradientDepth.
 */
export function fusedGroupNormAvailable(): boolean {
  const depth = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state
    ?.gradientDepth;
  return (depth ?? 0) <= 1 && tf.getKernel(GROUP_NORM_KERNEL, tf.getBackend()) !== undefined;
}
