// unet-small in headless Chromium: dale's wasm (and WebGPU where the browser has an adapter)
// against onnxruntime-web's wasm on the same network exported to ONNX (bench/export_onnx.py),
// on a page served from 127.0.0.1 with cross-origin isolation (COOP/COEP), so that both use
// threads. Builds bench/browser/page.ts with Vite, runs it in Debian's Chromium through
// playwright-core, prints a table with the ratios ours / onnxruntime-web and one JSON line.
//   node --conditions=@dale/source bench/browser.ts [--batch 16] [--runs 5] [--backends wasm,webgpu]
// Needs /usr/bin/chromium (apt-get install chromium); onnxruntime-web (bash
// bench/install-anchors.sh) and PyTorch (apt-get install python3-torch) for the anchor, which is
// skipped with a message where either is missing.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng, useBackend } from '@dale/core';
import { createUnet, UNET_SMALL } from '@dale/models';
import { saveCheckpoint } from '@dale/models/node';
import { build } from 'vite';
import { anchorPackage, anchorVersion, exportOnnx } from './anchors.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '16' },
    runs: { type: 'string', default: '5' },
    backends: { type: 'string', default: 'wasm,webgpu' },
  },
});
if (!existsSync(CHROMIUM)) {
  console.log(`browser bench skipped: ${CHROMIUM} not found (apt-get install chromium)`);
  process.exit(0);
}
// playwright-core is a dependency of the browser example (one copy in the workspace).
const fromExample = createRequire(join(import.meta.dirname, '../examples/browser/package.json'));
interface Page {
  on(event: string, listener: (value: { text?(): string; message?: string }) => void): void;
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: () => boolean, arg: undefined, options: object): Promise<unknown>;
  getAttribute(selector: string, name: string): Promise<string | null>;
  textContent(selector: string): Promise<string | null>;
  evaluate<T>(fn: () => T): Promise<T>;
}
interface Chromium {
  launch(options: object): Promise<{ newPage(): Promise<Page>; close(): Promise<void> }>;
}
const playwright = (await import(pathToFileURL(fromExample.resolve('playwright-core')).href)) as {
  default: { chromium: Chromium };
};
const { chromium } = playwright.default;

const work = mkdtempSync(join(tmpdir(), 'dale-bench-browser-'));
const dist = join(work, 'dist');
await build({
  root: join(import.meta.dirname, 'browser'),
  logLevel: 'warn',
  resolve: { conditions: ['@dale/source', 'module', 'browser', 'development|production'] },
  build: {
    outDir: dist,
    emptyOutDir: true,
    target: 'es2022',
    // Unminified: TensorFlow.js starts its wasm pthreads from the source text of its (bundled)
    // glue function, which minification leaves referring to renamed outer names.
    minify: false,
    chunkSizeWarningLimit: 8192,
    rolldownOptions: { external: ['webgpu'] },
  },
});
// TensorFlow.js looks for its .wasm binaries next to the page and next to the script.
const tfjsWasm = join(
  createRequire(join(import.meta.dirname, '../packages/backend-wasm/package.json')).resolve(
    '@tensorflow/tfjs-backend-wasm/package.json',
  ),
  '../dist',
);
for (const name of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
]) {
  copyFileSync(join(tfjsWasm, name), join(dist, name));
  mkdirSync(join(dist, 'assets'), { recursive: true });
  copyFileSync(join(tfjsWasm, name), join(dist, 'assets', name));
}

// The ONNX export of the model the page builds (createUnet(UNET_SMALL, seed 0): same weights).
let ortQuery = '1';
let ortVersion: string | undefined;
const ortPackage = anchorPackage('onnxruntime-web');
const routes = new Map<string, string>();
if ('missing' in ortPackage) ortQuery = ortPackage.missing;
else {
  await useBackend('cpu');
  const model = createUnet(UNET_SMALL, Rng.fromSeed(0));
  await saveCheckpoint(join(work, 'ckpt'), { model });
  const onnx = exportOnnx(
    ['/usr/bin/python3', 'python3'],
    join(work, 'ckpt'),
    join(work, 'u.onnx'),
  );
  if ('missing' in onnx) ortQuery = onnx.missing;
  else {
    routes.set('/model.onnx', onnx.path);
    ortVersion = anchorVersion(ortPackage.dir);
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
};
const server = createServer((request, response) => {
  const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
  let file = routes.get(path);
  if (file === undefined && path.startsWith('/ort/') && 'dir' in ortPackage) {
    const root = join(ortPackage.dir, 'dist');
    file = normalize(join(root, path.slice('/ort/'.length)));
    if (!file.startsWith(root + sep)) file = undefined;
  }
  if (file === undefined) {
    file = normalize(join(dist, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dist + sep)) file = undefined;
  }
  let body: Buffer;
  try {
    body = readFileSync(file ?? '');
  } catch {
    response.writeHead(404).end();
    return;
  }
  response
    .writeHead(200, {
      'content-type': TYPES[extname(file!)] ?? 'application/octet-stream',
      // Cross-origin isolation: SharedArrayBuffer, hence wasm threads, for both runtimes.
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
    })
    .end(body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

interface Row {
  backend: string;
  device?: string;
  skipped?: string;
  trainStepMs?: number;
  sampleStepMs?: number;
  forwardMs?: number;
}
interface PageResult {
  info: Record<string, unknown>;
  results: Row[];
  ort: { forwardMs?: number; threads?: number; maxAbsDiffFromDale?: number; skipped?: string };
}
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: CHROMIUM_ARGS,
});
let result: PageResult;
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.error(`[page] ${m.text?.()}`));
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  page.on('crash', () => console.error('[page] crashed'));
  const query = new URLSearchParams({
    batch: args.batch,
    runs: args.runs,
    backends: args.backends,
    ort: ortQuery,
  });
  await page.goto(`${url}?${query}`);
  await page.waitForFunction(
    () => ['done', 'error'].includes(document.querySelector('main')?.dataset['state'] ?? ''),
    undefined,
    { timeout: 1_800_000, polling: 1000 },
  );
  if ((await page.getAttribute('main', 'data-state')) === 'error') {
    throw new Error(`the page failed:\n${await page.textContent('#log')}`);
  }
  result = (await page.evaluate(
    () => (window as unknown as { benchResult: unknown }).benchResult,
  )) as PageResult;
} finally {
  await browser.close();
  server.close();
  rmSync(work, { recursive: true, force: true });
}

console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} CPUs; ${String(result.info['userAgent']).match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium'}, cross-origin isolated: ${result.info['crossOriginIsolated']}`,
);
console.log(
  `unet-small in headless Chromium, batch ${args.batch}, median of ${args.runs} runs after a warm-up`,
);
console.log(
  'runtime              | train step ms | DL sample step ms | forward ms | sample / ort forward | forward / ort forward',
);
console.log(
  '---------------------|---------------|-------------------|------------|----------------------|----------------------',
);
const ortMs = result.ort.forwardMs;
const ratio = (ours: number | undefined) =>
  ours !== undefined && ortMs ? `${(ours / ortMs).toFixed(2)}×` : 'n/a';
for (const r of result.results) {
  if (r.skipped) {
    console.log(`${`dale ${r.backend}`.padEnd(21)}| skipped: ${r.skipped}`);
    continue;
  }
  console.log(
    `${`dale ${r.backend}`.padEnd(21)}| ${r.trainStepMs!.toFixed(0).padEnd(14)}| ${r.sampleStepMs!.toFixed(0).padEnd(18)}| ${r.forwardMs!.toFixed(0).padEnd(11)}| ${ratio(r.sampleStepMs).padEnd(21)}| ${ratio(r.forwardMs)}`,
  );
  console.log(`${''.padEnd(21)}  (${r.device})`);
}
if (ortMs !== undefined) {
  console.log(
    `${`onnxruntime-web ${ortVersion}`.padEnd(21)}| ${''.padEnd(14)}| ${''.padEnd(18)}| ${ortMs.toFixed(0).padEnd(11)}| 1.00× (wasm, ${result.ort.threads} threads; max |output − dale's| ${result.ort.maxAbsDiffFromDale?.toExponential(1)})`,
  );
} else {
  console.log(`onnxruntime-web      | skipped: ${result.ort.skipped}`);
}
console.log(
  JSON.stringify({
    bench: 'unet-small-browser',
    batch: Number(args.batch),
    runs: Number(args.runs),
    machine: { cpu: cpus()[0]?.model, cpus: availableParallelism() },
    ...result,
    ort: { version: ortVersion, ...result.ort },
  }),
);
