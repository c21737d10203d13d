import { DAWN_VERSION } from '@dale/backend-webgpu';
import type { BackendCandidate } from '@dale/core';
import { describe, expect, it } from 'vitest';
import { ENABLE_WEBGPU, enableHints, formatInfo, type InfoReport } from '../src/commands/info.ts';

// `dale info` where Dawn is not installed; the packed-install test runs the real case
// (`npx dale info` in a project of `npm install @dale/cli`, which brings no Dawn).
const backends: BackendCandidate[] = [
  { name: 'tensorflow', priority: 100, available: false, reason: 'tfjs-node is not installed' },
  { name: 'webgpu', priority: 50, available: false, reason: 'Dawn is not installed' },
  { name: 'wasm', priority: 20, available: true },
  { name: 'cpu', priority: 10, available: true },
];

describe('dale info: how to enable WebGPU', () => {
  it('says how to install Dawn when it is missing, and nothing when it is there', () => {
    expect(enableHints(backends, false)).toEqual({ webgpu: ENABLE_WEBGPU });
    expect(ENABLE_WEBGPU).toContain(`npm install webgpu@${DAWN_VERSION}`);
    expect(ENABLE_WEBGPU).toContain('--backend webgpu');
    expect(enableHints(backends, true)).toEqual({});
    // A browser-like environment where webgpu is available needs no hint.
    const available = backends.map((b) => (b.name === 'webgpu' ? { ...b, available: true } : b));
    expect(enableHints(available, false)).toEqual({});
  });

  it('prints the hint as its own line after the choice of auto', () => {
    const report: InfoReport = {
      versions: { '@dale/cli': '0.0.0' },
      node: 'v24.0.0',
      platform: 'linux-x64',
      backends,
      auto: { name: 'wasm', device: 'WebAssembly', reason: 'highest priority available' },
      enable: enableHints(backends, false),
    };
    const lines = formatInfo(report).split('\n');
    const auto = lines.findIndex((line) => line.startsWith('auto chooses: wasm'));
    expect(lines[auto + 1]).toBe(`to enable webgpu: ${ENABLE_WEBGPU}`);
    expect(formatInfo({ ...report, enable: {} })).not.toContain('to enable');
  });
});
