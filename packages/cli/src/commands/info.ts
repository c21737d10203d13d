/**
 * `dale info`: versions, Node, the backends that can run here and the one `auto` chooses.
 * @module
 */
import { DAWN_VERSION, dawnInstalled } from '@dale/backend-webgpu';
import { type BackendCandidate, probeBackends, useBackend } from '@dale/core';
import { checkBackendEnvironment } from '../backend.ts';
import type { CommandSpec, OptionValues } from '../options.ts';
import type { Output } from '../output.ts';
import { cliVersion, packageVersion } from '../version.ts';

/** The command line of `dale info`. */
export const INFO_COMMAND: CommandSpec = {
  name: 'info',
  summary: 'show versions, the backends available here and the one auto chooses',
  usage: 'dale info [--json]',
  options: {
    json: { type: 'boolean', description: 'print one JSON document instead of text' },
  },
};

/** The dale packages `dale info` reports the versions of. */
export const DALE_PACKAGES = [
  '@dale/core',
  '@dale/sde',
  '@dale/data',
  '@dale/models',
  '@dale/samplers',
  '@dale/train',
  '@dale/metrics',
  '@dale/pretrained',
  '@dale/backend-wasm',
  '@dale/backend-webgpu',
  '@dale/backend-node',
] as const;

/** What `dale info --json` prints. */
export interface InfoReport {
  /** Package name → version (`@dale/cli` first). */
  readonly versions: Readonly<Record<string, string>>;
  /** `process.version`, e.g. `'v24.1.0'`. */
  readonly node: string;
  readonly platform: string;
  /** Every registered backend, highest priority first, with whether it can run here. */
  readonly backends: readonly BackendCandidate[];
  /** The backend `auto` chooses, with its device and why. */
  readonly auto: { readonly name: string; readonly device: string; readonly reason: string };
  /**
   * How to enable a backend that is not installed, by backend name: `webgpu` when Dawn (the
   * optional peer `webgpu`) is missing in Node.
   */
  readonly enable: Readonly<Record<string, string>>;
}

/** What `dale info` says to enable WebGPU in Node when Dawn is not installed. */
export const ENABLE_WEBGPU = `npm install webgpu@${DAWN_VERSION} (Dawn, about 130 MB, with a Vulkan driver such as Mesa ≥ 25), then --backend webgpu; auto takes it on a hardware GPU`;

/**
 * The {@link InfoReport.enable} hints: `webgpu` when it is registered but cannot run because Dawn
 * is not installed.
 */
export function enableHints(
  backends: readonly BackendCandidate[],
  dawn: boolean,
): Record<string, string> {
  const webgpu = backends.find((b) => b.name === 'webgpu');
  return webgpu && !webgpu.available && !dawn ? { webgpu: ENABLE_WEBGPU } : {};
}

/** Gather the {@link InfoReport} (initialises the backend `auto` chooses). */
export async function collectInfo(): Promise<InfoReport> {
  const versions: Record<string, string> = { '@dale/cli': cliVersion() };
  for (const name of DALE_PACKAGES) versions[name] = packageVersion(name);
  checkBackendEnvironment();
  const backends = await probeBackends();
  const chosen = await useBackend('auto');
  return {
    versions,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    backends,
    auto: { name: chosen.name, device: chosen.device, reason: chosen.reason },
    enable: enableHints(backends, dawnInstalled()),
  };
}

/** Format an {@link InfoReport} for people. */
export function formatInfo(report: InfoReport): string {
  const width = Math.max(...Object.keys(report.versions).map((n) => n.length)) + 2;
  return [
    'dale',
    ...Object.entries(report.versions).map(([name, v]) => `  ${name.padEnd(width)}${v}`),
    `node ${report.node} (${report.platform})`,
    'backends (highest priority first):',
    ...report.backends.map(
      (b) =>
        `  ${b.name.padEnd(12)}priority ${String(b.priority).padEnd(5)}${b.available ? 'available' : 'unavailable'}${b.reason ? ` (${b.reason})` : ''}`,
    ),
    `auto chooses: ${report.auto.name} on ${report.auto.device}`,
    ...Object.entries(report.enable).map(([name, how]) => `to enable ${name}: ${how}`),
    '',
  ].join('\n');
}

/** Run `dale info` with parsed options; returns the exit code. */
export async function runInfo(values: OptionValues, output: Output): Promise<number> {
  const report = await collectInfo();
  output.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatInfo(report));
  return 0;
}
