/**
 * The README and guide snippets the packed-install test runs, and the project each one runs in:
 * a package README's snippets in a project with only what its install line names, the guides'
 * in one that names every package (getting-started in the CLI's, as its install line says).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One ```ts block of a README or guide. */
export interface Snippet {
  /** `packages/samplers/README.md#0`: the file and the index of the block in it. */
  readonly id: string;
  readonly code: string;
  /** Why it is type-checked but not run, if so. */
  readonly notRun?: string;
  /** Names a fragment takes from the text around it, as the prose says (type-checking only). */
  readonly prelude?: string;
  /** Run only when the real datasets are there ($DALE_DATA_DIR). */
  readonly needsData?: boolean;
}

/** A fresh project: the packages one install line names, and the snippets that run there. */
export interface Project {
  readonly name: string;
  /** The install line, as in the README (`pnpm add …`). */
  readonly installLine: string;
  /** The packages it names. */
  readonly packages: readonly string[];
  readonly snippets: readonly Snippet[];
}

/**
 * What each snippet that is not a whole program takes from its surroundings, and why a snippet is
 * not run (it is still type-checked). Everything else runs as written.
 */
const PLANS: Readonly<Record<string, Omit<Snippet, 'id' | 'code'>>> = {
  'packages/backend-webgpu/README.md#0': {
    notRun: 'needs Dawn (the optional `webgpu` peer) and a GPU adapter',
  },
  'packages/data/README.md#0': { needsData: true },
  'packages/metrics/README.md#1': {
    notRun: 'needs an InceptionV3 model file',
    prelude: [
      "import type * as tf from '@tensorflow/tfjs-core';",
      "import { fid } from '@dale/metrics';",
      'declare const testSplitBatches: Iterable<tf.Tensor4D>;',
      'declare const sampleBatches: Iterable<tf.Tensor4D>;',
    ].join('\n'),
  },
  'packages/metrics/README.md#2': {
    prelude: [
      "import type * as tf from '@tensorflow/tfjs-core';",
      "import { accumulateFeatures, domainExtractor } from '@dale/metrics';",
      'declare const sampleBatches: Iterable<tf.Tensor4D>;',
    ].join('\n'),
    notRun: 'a fragment: sampleBatches are the reader’s samples',
  },
  'packages/models/README.md#1': {
    notRun: 'a fragment that continues the first block',
    prelude: [
      "import type * as tf from '@tensorflow/tfjs-core';",
      "import type { Rng } from '@dale/core';",
      "import type { Ema, Model } from '@dale/models';",
      'declare const model: Model;',
      'declare const ema: Ema;',
      'declare const m: tf.Tensor;',
      'declare const rng: Rng;',
    ].join('\n'),
  },
  'packages/models/README.md#2': {
    notRun: 'a browser fragment: configUrl and weightsUrl are where the page serves the files',
    prelude: 'declare const configUrl: string;\ndeclare const weightsUrl: string;',
  },
  'packages/samplers/README.md#1': {
    notRun: 'a fragment: 1,000 steps at CIFAR-10 size',
    prelude: [
      "import { Rng } from '@dale/core';",
      "import { annealedDaleLangevinSampler, referencePreset } from '@dale/samplers';",
      "import { gbm, REFERENCE_PRIORS, type ScoreFn } from '@dale/sde';",
      'declare const score: ScoreFn;',
    ].join('\n'),
  },
  'packages/samplers/README.md#2': {
    notRun: 'a fragment that continues the first block',
    prelude: [
      "import type { Rng } from '@dale/core';",
      "import { daleLangevinSampler, snapshotCollector } from '@dale/samplers';",
      "import type { PositiveSDE, ScoreFn } from '@dale/sde';",
      'declare const score: ScoreFn;',
      'declare const sde: PositiveSDE;',
      'declare const rng: Rng;',
    ].join('\n'),
  },
  'packages/samplers/README.md#3': {
    prelude: [
      "import { LogNormalMixture } from '@dale/data';",
      "import { gbm } from '@dale/sde';",
      'const sde = gbm();',
      'const score = new LogNormalMixture([{ weight: 1, mean: [0.5, -0.2], std: [0.3, 0.2] }]).scoreFn(sde);',
    ].join('\n'),
  },
  'packages/train/README.md#0': { notRun: 'trains unet-small for 10,000 steps' },
  'docs/adding-an-sde-family.md#0': {
    notRun: 'a fragment: MyFamily is the class the guide writes',
    prelude: [
      "import type { SDE } from '@dale/sde';",
      'interface MyFamilyConfig { family: string; rate: number }',
      'declare const MyFamily: { fromConfig(config: MyFamilyConfig): SDE };',
    ].join('\n'),
  },
  'docs/datasets.md#0': { needsData: true },
  'docs/datasets.md#1': { notRun: 'needs a folder of PNG images' },
  'docs/getting-started.md#0': {
    notRun: '500 steps of 16 images; `npx dale sample` runs the same model',
  },
  'docs/getting-started.md#1': { notRun: 'trains for 2,000 steps' },
  'docs/metrics.md#0': { needsData: true },
  'docs/writing-a-sampler.md#0': {
    notRun: 'the outline of a sampler’s body',
    prelude: [
      "import type { GridSamplerOptions } from '@dale/samplers';",
      "import { initialSample, karrasNoiseLevels, logDenoiser } from '@dale/samplers';",
      "import type { PositiveSDE, ScoreFn } from '@dale/sde';",
      'export function outline(score: ScoreFn, sde: PositiveSDE, options: GridSamplerOptions, steps: number) {',
    ].join('\n'),
  },
  'docs/writing-a-sampler.md#2': {
    prelude: "import { logHeunSampler } from './docs-writing-a-sampler.md-1.ts';",
  },
  'docs/writing-a-sampler.md#3': {
    notRun: 'samples 64 MNIST digits with 250 Heun steps',
    prelude: [
      "import { registerSampler } from '@dale/samplers';",
      "import { logHeunSampler } from './docs-writing-a-sampler.md-1.ts';",
    ].join('\n'),
  },
};

/** Closes the outline's function. */
const POSTLUDES: Readonly<Record<string, string>> = { 'docs/writing-a-sampler.md#0': '}' };

/** The ```ts blocks of a markdown file, relative to the repository root. */
export function snippetsOf(root: string, file: string): Snippet[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => {
    const id = `${file}#${i}`;
    const postlude = POSTLUDES[id];
    return {
      id,
      code: postlude === undefined ? m[1]! : `${m[1]!}${postlude}\n`,
      ...PLANS[id],
    };
  });
}

/** The file a snippet is written to in its project. */
export function snippetFile(snippet: Snippet): string {
  return `${snippet.id.replaceAll('/', '-').replace('#', '-')}.ts`;
}

function installLine(root: string, file: string): string | undefined {
  return readFileSync(join(root, file), 'utf8')
    .split('\n')
    .find((line) => line.startsWith('pnpm add '));
}

function packagesOf(line: string): string[] {
  return line
    .replace(/#.*$/, '')
    .trim()
    .split(/\s+/)
    .slice(2)
    .filter((word) => !word.startsWith('-'));
}

/** Every project: one per package README with an install line, getting-started, the guides. */
export function projects(root: string): Project[] {
  const out: Project[] = [];
  const packageDirs = readdirSync(join(root, 'packages')).sort();
  for (const dir of packageDirs) {
    const file = `packages/${dir}/README.md`;
    const line = installLine(root, file);
    if (line === undefined) throw new Error(`${file} has no install line (pnpm add …)`);
    out.push({
      name: dir,
      installLine: line,
      packages: packagesOf(line),
      snippets: snippetsOf(root, file),
    });
  }
  const guides = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  const started = 'docs/getting-started.md';
  const cliLine = installLine(root, started);
  if (cliLine === undefined) throw new Error(`${started} has no install line`);
  out.push({
    name: 'getting-started',
    installLine: cliLine,
    packages: packagesOf(cliLine),
    snippets: snippetsOf(root, started),
  });
  const every = packageDirs.map((dir) => `@dale/${dir}`);
  const allLine = `pnpm add ${every.join(' ')} @tensorflow/tfjs-core @tensorflow/tfjs-backend-cpu`;
  out.push({
    name: 'guides',
    installLine: allLine,
    packages: packagesOf(allLine),
    snippets: guides.filter((f) => f !== started).flatMap((f) => snippetsOf(root, f)),
  });
  return out;
}
