/**
 * `dale train --backend webgpu` in Node. TensorFlow.js's WebGPU backend cannot read synchronously
 * there (no OffscreenCanvas), so this proves that a training step, its checkpoint and its sample
 * grid read asynchronously end to end: the losses and gradient norms of two steps must equal those
 * of the same run on wasm (same data, same noise drawn on the host) to float32 rounding. CI has
 * Mesa's lavapipe adapter.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAdapter } from '@dale/backend-webgpu';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferOutput, main } from '../src/index.ts';

const hasData = Boolean(process.env.DALE_DATA_DIR);
const adapter = await findAdapter();
const root = mkdtempSync(join(tmpdir(), 'dale-cli-train-webgpu-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function train(backend: string) {
  const config = join(root, 'tiny.json');
  writeFileSync(config, JSON.stringify({ sampleCount: 4, sampleSteps: 3, logEvery: 1 }));
  const out = join(root, backend);
  const output = bufferOutput();
  const code = await main(
    [
      ...'train --dataset mnist --preset quick --steps 2 --batch 4 --limit 16'.split(' '),
      ...['--backend', backend, '--config', config, '--sample-every', '2', '--out', out],
    ],
    { output },
  );
  const metrics = existsSync(join(out, 'metrics.jsonl'))
    ? readFileSync(join(out, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { loss: number; gradNorm: number })
    : [];
  return { code, err: output.err, out, metrics };
}

describe.skipIf(!adapter || !hasData)('dale train --backend webgpu (Dawn in Node)', () => {
  it('trains, checkpoints and samples, with the losses of the same run on wasm', async () => {
    const webgpu = await train('webgpu');
    expect(webgpu.err).not.toContain('OffscreenCanvas');
    expect(webgpu.code).toBe(0);
    for (const file of ['checkpoint/model.safetensors', 'samples/step-0000002.png']) {
      expect(existsSync(join(webgpu.out, file)), file).toBe(true);
    }
    const wasm = await train('wasm');
    expect(wasm.code).toBe(0);
    expect(webgpu.metrics).toHaveLength(2);
    for (const [i, step] of webgpu.metrics.entries()) {
      const reference = wasm.metrics[i]!;
      expect(Math.abs(step.loss - reference.loss) / reference.loss, `loss ${i + 1}`).toBeLessThan(
        1e-3,
      );
      expect(
        Math.abs(step.gradNorm - reference.gradNorm) / reference.gradNorm,
        `norm ${i + 1}`,
      ).toBeLessThan(1e-3);
    }
  }, 240_000);
});
