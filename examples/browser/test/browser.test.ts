// End to end: build the page with Vite, serve it on 127.0.0.1, open it in headless Chromium
// (Debian's, driven by playwright-core), wait for the samples and read the canvas back.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_COUNT, DEFAULT_GUIDANCE, DENOISER_SAMPLER } from '../src/settings.ts';
import { type GridGeometry, qualityProblems, readGrid, SAMPLE_QUALITY } from './grid-check.ts';
import { type StaticServer, serveDirectory } from './static-server.ts';

/** Debian's Chromium (`apt-get install -y chromium`; `.ci/provision.sh` installs it). */
const CHROMIUM = '/usr/bin/chromium';
/** This machine's network is closed: no GPU, no QUIC, nothing that phones home. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Sampling runs on a shared CPU (WebAssembly, one thread): allow minutes. */
const SAMPLING_TIMEOUT_MS = 420_000;
/** Where to save a screenshot of the finished page, if set (e.g. /tmp/browser-example.png). */
const SCREENSHOT = process.env['DALE_BROWSER_SCREENSHOT'];

const exampleRoot = fileURLToPath(new URL('..', import.meta.url));
let workDir: string;
let server: StaticServer | undefined;
let context: BrowserContext | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: the browser example's end-to-end test needs Debian's Chromium. Install it with 'apt-get install -y chromium' (.ci/provision.sh does).`,
    );
  }
  workDir = await mkdtemp(join(tmpdir(), 'dale-browser-example-'));
  await build({
    configFile: join(exampleRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: join(workDir, 'dist'), emptyOutDir: true },
  });
  server = await serveDirectory(join(workDir, 'dist'));
  context = await chromium.launchPersistentContext(join(workDir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 900, height: 900 },
  });
}, 180_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('examples/browser in headless Chromium', () => {
  it(
    'samples digits from the pretrained MNIST model (class-conditional) and draws them as a grid on the canvas',
    async () => {
      const page = await context!.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      page.on('requestfailed', (request) =>
        errors.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
      );
      await page.goto(server!.url);
      await page.waitForFunction(
        () => ['done', 'error'].includes(document.querySelector('main')?.dataset['state'] ?? ''),
        undefined,
        { timeout: SAMPLING_TIMEOUT_MS, polling: 500 },
      );
      const status = await page.textContent('#status');
      if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(errors).toEqual([]);
      expect(await page.getAttribute('main', 'data-state'), status ?? '').toBe('done');
      // Headless Chromium with --disable-gpu has no WebGPU adapter: the page falls back to wasm.
      expect(await page.getAttribute('main', 'data-backend')).toBe('wasm');
      // The pretrained mnist is a class-conditional denoiser: every digit in turn, with guidance,
      // and DPM-Solver++(2M).
      const { label, steps } = DENOISER_SAMPLER;
      const asked = `${DEFAULT_COUNT} digits, every digit, guidance ${DEFAULT_GUIDANCE}, ${steps} ${label} steps, `;
      expect(status?.slice(0, asked.length)).toBe(asked);
      expect(status?.slice(asked.length)).toMatch(/^[\d.]+ s on wasm/);
      expect(await page.getAttribute('#progress', 'value')).toBe(String(steps));
      expect(await page.isVisible('#picker')).toBe(true);

      const { geometry, pixels } = await page.evaluate(() => {
        const canvas = document.querySelector<HTMLCanvasElement>('#samples')!;
        const d = canvas.dataset;
        const image = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        return {
          geometry: {
            count: Number(d['count']),
            columns: Number(d['columns']),
            cellWidth: Number(d['cellWidth']),
            cellHeight: Number(d['cellHeight']),
            gap: Number(d['gap']),
            background: Number(d['background']),
          },
          pixels: { width: image.width, height: image.height, data: Array.from(image.data) },
        };
      });
      expect(geometry).toEqual<GridGeometry>({
        count: DEFAULT_COUNT,
        columns: 4,
        cellWidth: 28,
        cellHeight: 28,
        gap: 2,
        background: 128,
      });
      const { cells, problems } = readGrid(pixels, geometry);
      expect(problems).toEqual([]);
      expect(qualityProblems(cells, geometry.cellWidth, SAMPLE_QUALITY)).toEqual([]);
      await page.close();
    },
    SAMPLING_TIMEOUT_MS + 60_000,
  );
});
