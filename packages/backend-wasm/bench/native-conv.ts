// Our convolution kernels (forward, filter and input gradients) against the XNNPACK paths on unet-small's 3×3 shapes (batch 32),
// interleaved in one process (5 rounds) so that load drift hits both alike.
//   node --conditions=@dale/source packages/backend-wasm/bench/native-conv.ts
import '../src/index.ts';
import { useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  nativeConvInfo,
  nativeConvThresholds,
  useNativeConv,
} from '../src/kernels/conv-native-kernels.ts';

await useBackend('wasm');
nativeConvThresholds.filterPixels = 0;
nativeConvThresholds.inputPixels = 0;
nativeConvThresholds.forwardPixels = 0;
const KINDS = ['forward', 'filter', 'input'] as const;
const shapes: [number, number, number, number][] = [
  [32, 28, 32, 32],
  [32, 14, 64, 64],
  [32, 7, 64, 64],
  [32, 28, 64, 32],
  [32, 14, 128, 64],
];
const t: Record<string, number[]> = {};
for (let round = 0; round < 5; round++) {
  for (const on of [false, true]) {
    if (on) await useNativeConv(2);
    else await useNativeConv(false);
    for (const [B, H, cin, cout] of shapes) {
      const x = tf.randomNormal([B, H, H, cin]);
      const dy = tf.randomNormal([B, H, H, cout]);
      const w = tf.randomNormal([3, 3, cin, cout]);
      for (const kind of KINDS) {
        const run = () =>
          tf.tidy(() =>
            kind === 'forward'
              ? tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')
              : kind === 'filter'
                ? tf.engine().runKernel(
                    'Conv2DBackpropFilter',
                    { x, dy },
                    {
                      strides: 1,
                      pad: 'same',
                      dataFormat: 'NHWC',
                      filterShape: [3, 3, cin, cout],
                    },
                  )
                : tf
                    .engine()
                    .runKernel(
                      'Conv2DBackpropInput',
                      { dy, filter: w },
                      { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [B, H, H, cin] },
                    ),
          ) as tf.Tensor;
        run().dispose();
        const a = performance.now();
        const r = run();
        r.dataSync();
        const ms = performance.now() - a;
        r.dispose();
        const key = `${kind} ${B}x${H}x${H} ${cin}->${cout} ${on ? 'ours' : 'xnnpack'}`;
        t[key] = [...(t[key] ?? []), ms];
      }
      tf.dispose([x, dy, w]);
    }
  }
}
console.log(JSON.stringify(nativeConvInfo()));
const med = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
for (const [B, H, cin, cout] of shapes)
  for (const kind of KINDS) {
    const k = `${kind} ${B}x${H}x${H} ${cin}->${cout}`;
    const flops = 2 * B * H * H * 9 * cin * cout;
    const o = t[`${k} ours`]!,
      x = t[`${k} xnnpack`]!;
    const ratios = o.map((v, i) => v / x[i]!);
    console.log(
      `${k}: ours ${med(o).toFixed(1)} ms (${(flops / med(o) / 1e6).toFixed(0)} GFLOP/s), xnnpack path ${med(x).toFixed(1)} ms (${(flops / med(x) / 1e6).toFixed(0)} GFLOP/s), ours/xnnpack median ${med(ratios).toFixed(2)} [${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}]`,
    );
  }
