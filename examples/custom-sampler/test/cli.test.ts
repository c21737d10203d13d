import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferOutput, main } from '@dale/cli';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'dale-custom-sampler-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function dale(...args: string[]) {
  const output = bufferOutput();
  return { code: await main(args, { output }), err: output.err, out: output.out };
}

describe('the custom sampler from the dale command', () => {
  it('dale sample --import register.ts --sampler log-heun uses it; without --import it is unknown', async () => {
    const out = join(root, 'heun.png');
    // The paper-recipe model: 3 steps of an SDE sampler are enough to run it (the wide horizon of
    // the default mnist needs more; the README's 50 steps draw digits from both).
    const args = ['sample', '--model', 'mnist-paper', '--sampler', 'log-heun', '--steps', '3'];
    const rest = ['--n', '4', '--backend', 'cpu', '--out', out];
    const unknown = await dale(...args, ...rest);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("got 'log-heun'");
    const register = join(import.meta.dirname, '..', 'register.ts');
    const ran = await dale('--import', register, ...args, ...rest);
    expect(ran.code, ran.err).toBe(0);
    expect(ran.err).toContain('with log-heun');
    expect(existsSync(out)).toBe(true);
  });
});
