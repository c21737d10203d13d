/**
 * The README and guide snippets the packed-install test runs, and the project each one runs in.
 *
 * A markdown file is read top to bottom: a ```sh block whose first line is `pnpm add …` starts a
 * project with exactly the packages that line names (the block's later lines are alternatives,
 * such as the optional tfjs-node peers), and every ```ts block after it, up to the next such
 * line, runs there. A package README's blocks above its install line go with that line; a guide's
 * blocks without an install line above them run in `guides`, which names every package.
 * Projects whose lines name the same packages share one installation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

/** One ```ts block of a README or guide, or one source file of an example a guide excerpts. */
export interface Snippet {
  /** `packages/samplers/README.md#0` (the file and the index of the block in it), or a path. */
  readonly id: string;
  /** Where it is written in its project, relative to the project's directory. */
  readonly file: string;
  /** The code as the reader sees it. */
  readonly code: string;
  /** Why it is type-checked but not run, if so. */
  readonly notRun?: string;
  /** Names a fragment takes from the text around it, as the prose says (harness code). */
  readonly prelude?: string;
  /** Closes what a fragment leaves open (harness code). */
  readonly postlude?: string;
  /** Run only when the real datasets are there ($DALE_DATA_DIR). */
  readonly needsData?: boolean;
  /** Written by the harness, not by a README or guide (not held to its install line). */
  readonly harness?: boolean;
}

/** A fresh project: the packages one install line names, and the snippets that run there. */
export interface Project {
  readonly name: string;
  /** The install line, as written (`pnpm add …`). */
  readonly installLine: string;
  /** The packages it names, sorted. */
  readonly packages: readonly string[];
  /**
   * The directory (relative to the work directory) it is installed in: shared by the projects
   * whose lines name the same packages.
   */
  readonly dir: string;
  readonly snippets: readonly Snippet[];
}

/**
 * What a snippet that is not a whole program takes from its surroundings, and why a snippet is
 * not run (it is still type-checked). Each plan names its block by a piece of its code, which must
 * occur in exactly one block of the file; a plan that matches none is an error, so a plan cannot
 * silently outlive its block. Every block without a plan runs as written.
 */
interface Plan extends Omit<Snippet, 'id' | 'file' | 'code'> {
  readonly file: string;
  readonly contains: string;
}

const PLANS: readonly Plan[] = [
  {
    file: 'packages/backend-webgpu/README.md',
    contains: "import '@dale/backend-webgpu';",
    notRun: 'needs Dawn (the optional `webgpu` peer) and a GPU adapter',
  },
  { file: 'packages/data/README.md', contains: 'loadMnist', needsData: true },
  {
    file: 'packages/metrics/README.md',
    contains: 'loadInceptionV3(',
    notRun: 'needs an InceptionV3 model file',
    prelude: [
      "import type * as tf from '@tensorflow/tfjs-core';",
      "import { fid } from '@dale/metrics';",
      'declare const testSplitBatches: Iterable<tf.Tensor4D>;',
      'declare const sampleBatches: Iterable<tf.Tensor4D>;',
    ].join('\n'),
  },
  {
    file: 'packages/metrics/README.md',
    contains: "domainExtractor('fashion-mnist')",
    notRun: 'a fragment: sampleBatches are the reader’s samples',
    prelude: [
      "import type * as tf from '@tensorflow/tfjs-core';",
      "import { accumulateFeatures, domainExtractor } from '@dale/metrics';",
      'declare const sampleBatches: Iterable<tf.Tensor4D>;',
    ].join('\n'),
  },
  {
    file: 'packages/models/README.md',
    contains: 'saveCheckpoint(',
    notRun: 'a fragment: model, ema, m and rng are those of the training run above it',
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
  {
    file: 'packages/models/README.md',
    contains: 'fetch(configUrl)',
    notRun: 'a browser fragment: configUrl and weightsUrl are where the page serves the files',
    prelude: 'declare const configUrl: string;\ndeclare const weightsUrl: string;',
  },
  {
    file: 'packages/samplers/README.md',
    contains: 'annealedDaleLangevinSampler(score',
    notRun: 'a fragment: 1,000 steps at CIFAR-10 size',
    prelude: [
      "import { Rng } from '@dale/core';",
      "import { annealedDaleLangevinSampler, referencePreset } from '@dale/samplers';",
      "import { gbm, REFERENCE_PRIORS, type ScoreFn } from '@dale/sde';",
      'declare const score: ScoreFn;',
    ].join('\n'),
  },
  {
    file: 'packages/samplers/README.md',
    contains: 'snapshotCollector()',
    notRun: 'a fragment that continues the quick start',
    prelude: [
      "import type { Rng } from '@dale/core';",
      "import { daleLangevinSampler, snapshotCollector } from '@dale/samplers';",
      "import type { PositiveSDE, ScoreFn } from '@dale/sde';",
      'declare const score: ScoreFn;',
      'declare const sde: PositiveSDE;',
      'declare const rng: Rng;',
    ].join('\n'),
  },
  {
    file: 'packages/samplers/README.md',
    contains: "registerSampler('my-sampler'",
    // "With `score` and `sde` as in the quick start".
    prelude: [
      "import { LogNormalMixture } from '@dale/data';",
      "import { gbm } from '@dale/sde';",
      'const sde = gbm();',
      'const score = new LogNormalMixture([{ weight: 1, mean: [0.5, -0.2], std: [0.3, 0.2] }]).scoreFn(sde);',
    ].join('\n'),
  },
  {
    file: 'packages/train/README.md',
    contains: 'train(',
    notRun: 'trains unet-small for 10,000 steps',
  },
  { file: 'docs/datasets.md', contains: 'loadMnist(', needsData: true },
  {
    file: 'docs/datasets.md',
    contains: 'loadImageFolder(',
    notRun: 'needs a folder of PNG images',
  },
  { file: 'docs/getting-started.md', contains: 'train(', notRun: 'trains for 2,000 steps' },
  { file: 'docs/metrics.md', contains: 'loadMnist(', needsData: true },
  {
    file: 'docs/writing-a-sampler.md',
    contains: 'karrasNoiseLevels(steps',
    notRun: 'the outline of a sampler’s body',
    prelude: [
      "import type * as tf from '@tensorflow/tfjs-core';",
      "import { karrasNoiseLevels, type LogDenoiser, logDenoiser, runChain, type GridSamplerOptions } from '@dale/samplers';",
      "import type { PositiveSDE, ScoreFn } from '@dale/sde';",
      'declare function myUpdate(u: tf.Tensor, level: number, next: number, denoiser: LogDenoiser): tf.Tensor;',
      'export function outline(score: ScoreFn, sde: PositiveSDE, options: GridSamplerOptions, steps: number) {',
    ].join('\n'),
    postlude: '}',
  },
  {
    file: 'docs/writing-a-sampler.md',
    contains: "registerSampler('log-heun', logHeunSampler);\nconsole.log",
    // "An example: stochastic Heun in log space", the block above it.
    prelude: "import { logHeunSampler } from './docs-writing-a-sampler.md-2.ts';",
  },
  {
    file: 'docs/writing-a-sampler.md',
    contains: "from '@dale/cli'",
    notRun: 'samples 64 MNIST digits with 250 Heun steps',
    prelude: [
      "import { registerSampler } from '@dale/samplers';",
      "import { logHeunSampler } from './docs-writing-a-sampler.md-2.ts';",
    ].join('\n'),
  },
];

/**
 * Guides whose code blocks are excerpts of an example's source: the example's files stand in for
 * the blocks (each block must occur in them as it is), are type-checked as they are, and `run` (a
 * reduced run through the example's own functions) runs them.
 */
const EXCERPTS: Readonly<
  Record<
    string,
    { readonly example: string; readonly files: readonly string[]; readonly run: string }
  >
> = {
  'docs/adding-an-sde-family.md': {
    example: 'examples/custom-sde',
    files: [
      'main.ts',
      'src/exp-ou.ts',
      'src/run.ts',
      'src/sample.ts',
      'src/target.ts',
      'src/train.ts',
    ],
    // main.ts's run (4,000 steps, 10,000 samples) reduced to seconds: register the family, train
    // with train(), reload the checkpoint through sdeFromConfig, sample with Dale–Langevin.
    run: [
      "import '@dale/backend-wasm';",
      "import { useBackend } from '@dale/core';",
      "import { runExample } from './examples-custom-sde/src/run.ts';",
      '',
      "await useBackend('auto');",
      'const report = await runExample({',
      '  train: { steps: 20, batchSize: 64, learningRate: 1e-2, hidden: [16], trainingSize: 512, seed: 0 },',
      '  samples: 256,',
      '  samplerSteps: 20,',
      '});',
      "if (!(report.model >= 0 && report.model <= 1)) throw new Error('KS ' + report.model);",
      '',
    ].join('\n'),
  },
};

function fenced(text: string): { lang: string; body: string }[] {
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].map((m) => ({
    lang: m[1]!,
    body: m[2]!,
  }));
}

/** The ```ts blocks of a markdown file (relative to the repository root), with their plans. */
export function snippetsOf(root: string, file: string): Snippet[] {
  return sectionsOf(root, file).flatMap((section) => section.snippets);
}

/** The file a snippet of a markdown file is written to in its project. */
function snippetFile(id: string): string {
  return `${id.replaceAll('/', '-').replace('#', '-')}.ts`;
}

interface Section {
  /** The install line above the blocks, if any. */
  readonly line?: string;
  readonly snippets: Snippet[];
}

/** A markdown file's blocks, cut at each install line. */
function sectionsOf(root: string, file: string): Section[] {
  const text = readFileSync(join(root, file), 'utf8');
  const plans = PLANS.filter((plan) => plan.file === file);
  const used = new Set<Plan>();
  const sections: Section[] = [{ snippets: [] }];
  let index = 0;
  for (const { lang, body } of fenced(text)) {
    if (lang === 'sh' && body.startsWith('pnpm add ')) {
      sections.push({ line: body.split('\n')[0]!, snippets: [] });
      continue;
    }
    if (lang !== 'ts') continue;
    const id = `${file}#${index++}`;
    const matching = plans.filter((plan) => body.includes(plan.contains));
    if (matching.length > 1) throw new Error(`${id}: more than one plan matches it`);
    const plan = matching[0];
    if (plan) {
      if (used.has(plan))
        throw new Error(`${file}: the plan for '${plan.contains}' matches two blocks`);
      used.add(plan);
    }
    const { file: _file, contains: _contains, ...rest } = plan ?? { file, contains: '' };
    sections.at(-1)!.snippets.push({ id, file: snippetFile(id), code: body, ...rest });
  }
  for (const plan of plans) {
    if (!used.has(plan))
      throw new Error(`${file}: no block contains '${plan.contains}' (a stale plan)`);
  }
  return sections;
}

/** The example files that stand in for an excerpting guide's blocks, and the reduced run. */
function excerptSnippets(root: string, file: string): Snippet[] {
  const excerpt = EXCERPTS[file]!;
  const prefix = excerpt.example.replaceAll('/', '-');
  const sources = excerpt.files.map((f) => ({
    id: `${excerpt.example}/${f}`,
    file: `${prefix}/${f}`,
    code: readFileSync(join(root, excerpt.example, f), 'utf8'),
    notRun: `${excerpt.example}'s source, which ${file} excerpts; run-${prefix}.ts runs it`,
  }));
  const all = sources.map((s) => s.code).join('\n');
  for (const snippet of sectionsOf(root, file).flatMap((section) => section.snippets)) {
    if (!all.includes(snippet.code)) {
      throw new Error(`${snippet.id} is not an excerpt of ${excerpt.example} as it is`);
    }
  }
  return [
    ...sources,
    {
      id: `${file} (${excerpt.example}, reduced)`,
      file: `run-${prefix}.ts`,
      code: excerpt.run,
      harness: true,
    },
  ];
}

/** The packages an install line names. */
export function packagesOf(line: string): string[] {
  return line
    .replace(/#.*$/, '')
    .trim()
    .split(/\s+/)
    .slice(2)
    .filter((word) => !word.startsWith('-'))
    .sort();
}

/** The packages a piece of code imports (bare specifiers; `@dale/models/node` is `@dale/models`). */
export function importedPackages(code: string): string[] {
  const builtins = new Set(builtinModules);
  const specifiers = [...code.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map(
    (m) => m[1]!,
  );
  const names = specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:'))
    .map((s) =>
      s
        .split('/')
        .slice(0, s.startsWith('@') ? 2 : 1)
        .join('/'),
    )
    .filter((name) => !builtins.has(name));
  return [...new Set(names)].sort();
}

function project(name: string, line: string, snippets: Snippet[]): Omit<Project, 'dir'> {
  return { name, installLine: line, packages: packagesOf(line), snippets };
}

/**
 * Every project: one per install line of a package README or guide (the snippets below it), and
 * `guides` for the guides' blocks that no install line precedes.
 */
export function projects(root: string): Project[] {
  const out: Omit<Project, 'dir'>[] = [];
  const packageDirs = readdirSync(join(root, 'packages')).sort();
  for (const dir of packageDirs) {
    const file = `packages/${dir}/README.md`;
    const [before, ...sections] = sectionsOf(root, file);
    if (sections.length === 0) throw new Error(`${file} has no install line (pnpm add …)`);
    sections[0]!.snippets.unshift(...before!.snippets);
    sections.forEach((section, k) => {
      out.push(project(k === 0 ? dir : `${dir}-${k + 1}`, section.line!, section.snippets));
    });
  }
  const every = packageDirs.map((dir) => `@dale/${dir}`);
  const allLine = `pnpm add ${every.join(' ')} @tensorflow/tfjs-core @tensorflow/tfjs-backend-cpu`;
  const guides: Snippet[] = [];
  const guideFiles = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  for (const file of guideFiles) {
    if (file in EXCERPTS) {
      guides.push(...excerptSnippets(root, file));
      continue;
    }
    const [before, ...sections] = sectionsOf(root, file);
    guides.push(...before!.snippets);
    const stem = file.replace(/^docs\//, '').replace(/\.md$/, '');
    sections.forEach((section, k) => {
      out.push(project(k === 0 ? stem : `${stem}-${k + 1}`, section.line!, section.snippets));
    });
  }
  out.push(project('guides', allLine, guides));
  const dirs = new Map<string, string>();
  return out.map((p) => {
    const key = p.packages.join(' ');
    if (!dirs.has(key)) dirs.set(key, p.name);
    return { ...p, dir: dirs.get(key)! };
  });
}

/**
 * The packages a project's snippets import that its install line does not name: with pnpm's
 * strict node_modules, a reader who installs only that line cannot import them (npm hoists
 * dependencies, so running under npm alone would not notice). Harness code (preludes, the
 * reduced runs) is not the reader's and is not checked.
 */
export function unnamedImports(p: Project): string[] {
  const named = new Set(p.packages.map((pkg) => pkg.replace(/@\d[^/]*$/, '')));
  return p.snippets
    .filter((snippet) => !snippet.harness)
    .flatMap((snippet) =>
      importedPackages(snippet.code)
        .filter((pkg) => !named.has(pkg))
        .map((pkg) => `${snippet.id} imports ${pkg}, which "${p.installLine}" does not name`),
    );
}
