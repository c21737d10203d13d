// Sample quality against score evaluations: `dale eval` for each model × sampler × budget, from
// the prior, as one markdown table (domain FID, KID, precision/recall, confident fraction, class
// spread and, for class-conditional models, the fraction classified as asked), plus the floor of
// n real training images once per dataset. Each eval runs in its own process; the JSON reports
// land in --out-dir. A model is NAME=--model mnist or NAME=--checkpoint DIR, with optional extra
// dale eval flags after a colon:
//
//   node --conditions=@dale/source bench/sample-quality.ts --n 1000 --nfe 10,20,35,50,100 \
//     --model 'paper=--model mnist-paper' --model 'edm=--checkpoint training/mnist-edm/checkpoint' \
//     --samplers dale-langevin,heun,dpm-solver-2m --out-dir runs/quality
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    samplers: { type: 'string', default: 'dale-langevin,heun,edm,dpm-solver-2m' },
    nfe: { type: 'string', default: '10,20,35,50,100' },
    n: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '0' },
    backend: { type: 'string', default: 'wasm' },
    'out-dir': { type: 'string', default: 'runs/quality' },
  },
});
const models = (values.model ?? []).map((spec) => {
  const at = spec.indexOf('=');
  if (at < 1) throw new Error(`--model NAME=FLAGS, got '${spec}'`);
  return {
    name: spec.slice(0, at),
    flags: spec
      .slice(at + 1)
      .split(/\s+/)
      .filter(Boolean),
  };
});
if (models.length === 0) throw new Error("give at least one --model 'NAME=--model mnist'");
const budgets = values.nfe.split(',').map(Number);
const samplers = values.samplers.split(',');
const outDir = values['out-dir'];
mkdirSync(outDir, { recursive: true });

/** The sampler steps that spend at most `nfe` score evaluations (Heun and EDM: 2N − 1). */
function stepsFor(sampler: string, nfe: number): { steps: number; nfe: number } {
  if (sampler === 'heun' || sampler === 'edm') {
    const steps = Math.max(1, Math.floor((nfe + 1) / 2));
    return { steps, nfe: 2 * steps - 1 };
  }
  return { steps: nfe, nfe };
}

interface Report {
  fid: number | null;
  kid: { mean: number; std: number } | null;
  precisionRecall: { precision: number; recall: number } | null;
  classifier: {
    confidentFraction: number;
    histogram: number[];
    asRequestedFraction?: number | null;
  } | null;
  floor: Report | null;
  settings: { wallTimeSeconds: number; dataset: string; step: number | null };
}

function evaluate(args: string[], out: string): Report {
  if (!existsSync(out)) {
    const started = performance.now();
    const run = spawnSync(
      process.execPath,
      ['--conditions=@dale/source', 'packages/cli/src/bin.ts', 'eval', ...args, '--out', out],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (run.status !== 0) throw new Error(`dale eval ${args.join(' ')} exited ${run.status}`);
    console.error(`${out}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  return JSON.parse(readFileSync(out, 'utf8')) as Report;
}

const common = ['--n', values.n, '--seed', values.seed, '--backend', values.backend];
const rows: string[] = [];
const format = (r: Report, nfe: number | string, label: string, sampler: string) => {
  const h = r.classifier?.histogram ?? [];
  const total = h.reduce((a, b) => a + b, 0);
  const spread = total
    ? `${((100 * Math.min(...h)) / total).toFixed(1)}–${((100 * Math.max(...h)) / total).toFixed(1)}%`
    : '';
  const asked = r.classifier?.asRequestedFraction;
  return `| ${label} | ${sampler} | ${nfe} | ${r.fid?.toFixed(2) ?? ''} | ${r.kid ? `${(1000 * r.kid.mean).toFixed(2)} ± ${(1000 * r.kid.std).toFixed(2)}` : ''} | ${r.precisionRecall ? `${r.precisionRecall.precision.toFixed(3)} / ${r.precisionRecall.recall.toFixed(3)}` : ''} | ${r.classifier ? `${(100 * r.classifier.confidentFraction).toFixed(1)}%` : ''} | ${spread} | ${asked == null ? '' : `${(100 * asked).toFixed(1)}%`} | ${r.settings.wallTimeSeconds.toFixed(0)} s |`;
};
let floorDone = false;
for (const model of models) {
  for (const sampler of samplers) {
    for (const budget of budgets) {
      const { steps, nfe } = stepsFor(sampler, budget);
      const out = join(outDir, `${model.name}-${sampler}-${nfe}.json`);
      const floor = !floorDone ? ['--floor'] : [];
      const report = evaluate(
        [
          ...model.flags,
          ...common,
          '--sampler',
          sampler,
          '--steps',
          String(steps),
          '--metrics',
          'fid,kid,pr',
          ...floor,
        ],
        out,
      );
      if (report.floor && !floorDone) {
        rows.push(format(report.floor, '—', 'real training images (floor)', '—'));
        floorDone = true;
      }
      rows.push(format(report, nfe, model.name, sampler));
      writeFileSync(join(outDir, 'table.md'), table());
    }
  }
}

function table(): string {
  return [
    `n = ${values.n}, prior start, seed ${values.seed}, ${values.backend}; KID × 1000 (64 subsets of 64)`,
    '',
    '| model | sampler | score evaluations | domain FID | KID | precision / recall | confident ≥ 0.9 | class share (min–max) | classified as asked | wall time |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
console.log(table());
