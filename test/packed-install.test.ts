// The packages as a user gets them (issue 17): pack every package, `npm install` the tarballs into
// fresh projects in a temporary directory, one per README install line with only what that line
// names, then run every README and guide snippet in plain Node ESM, type-check them with `tsc`
// (nodenext and bundler, no skipLibCheck), run `npx dale sample`, and bundle a page with Vite
// that headless Chromium must draw with. Prints installed and bundle sizes.
//
// @dale/* packages that a project does not name come from the tarballs through npm `overrides`;
// the scope's registry is pointed at a closed port, so nothing named @dale/* is ever fetched.
// TensorFlow.js comes from the npm registry (or npm's cache).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Project, projects, type Snippet, snippetFile } from './packed-install/snippets.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
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
const TSC = join(root, 'node_modules/typescript/bin/tsc');
const TYPE_ROOTS = join(root, 'node_modules/@types');
/** What the page project installs: the packages its main.js imports. */
const PAGE_PACKAGES = [
  '@dale/backend-wasm',
  '@dale/core',
  '@dale/models',
  '@dale/pretrained',
  '@dale/samplers',
  '@dale/sde',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
];
const dataDir = process.env['DALE_DATA_DIR'];

let work: string;
let tarballs: Map<string, string>;
const all = projects(root);
const sizes: string[] = [];

function log(line: string): void {
  console.log(`[packed-install] ${line}`);
}

/** Runs `tasks` at most `limit` at a time, in order of start. */
async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Bytes under a folder and the number of packages in a node_modules. */
async function installed(dir: string): Promise<{ bytes: number; packages: number }> {
  const { stdout } = await run('du', ['-sb', join(dir, 'node_modules')]);
  const { stdout: list } = await run('npm', ['ls', '--all', '--parseable'], {
    cwd: dir,
    maxBuffer: 1 << 24,
  }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  return {
    bytes: Number(stdout.split('\t')[0]),
    packages: new Set(list.trim().split('\n').slice(1)).size,
  };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const kb = (bytes: number) => `${(bytes / 1e3).toFixed(0)} kB`;

/** A fresh npm project that installs `packages`, @dale/* ones from the tarballs. */
async function install(name: string, packages: readonly string[]): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  const named = new Set(packages);
  // A package the project names is overridden with its own root spec (`$name`, npm's form for a
  // direct dependency), so that no dependency edge on it asks the registry either.
  const overrides = Object.fromEntries(
    [...tarballs].map(([pkg, file]) => [pkg, named.has(pkg) ? `$${pkg}` : `file:${file}`]),
  );
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `try-${name}`, private: true, type: 'module', overrides }, null, 2)}\n`,
  );
  await writeFile(join(dir, '.npmrc'), '@dale:registry=http://127.0.0.1:9/\nfetch-retries=0\n');
  const specs = packages.map((pkg) => {
    const file = tarballs.get(pkg);
    if (pkg.startsWith('@dale/') && file === undefined) throw new Error(`no tarball for ${pkg}`);
    return file ?? pkg;
  });
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], {
    cwd: dir,
    maxBuffer: 1 << 24,
  });
  return dir;
}

beforeAll(async () => {
  if (!process.env['DALE_PACKED_INSTALL']) return;
  work = await mkdtemp(join(tmpdir(), 'dale-packed-install-'));
  const missing = (await readdir(join(root, 'packages'))).filter(
    (dir) => !existsSync(join(root, 'packages', dir, 'dist')),
  );
  if (missing.length > 0) {
    log(`building (no dist/ in ${missing.join(', ')})`);
    await run('pnpm', ['run', 'build'], { cwd: root, maxBuffer: 1 << 26 });
  }
  const packDir = join(work, 'tarballs');
  await run('pnpm', ['-r', '--filter', './packages/**', 'pack', '--pack-destination', packDir], {
    cwd: root,
    maxBuffer: 1 << 26,
  });
  tarballs = new Map(
    (await readdir(packDir)).map((file) => [
      `@dale/${file.replace(/^dale-/, '').replace(/-\d+\.\d+\.\d+.*\.tgz$/, '')}`,
      join(packDir, file),
    ]),
  );
  log(`packed ${tarballs.size} packages into ${packDir}`);
  const started = Date.now();
  await pool(2, [
    ...all.map((project) => () => install(project.name, project.packages)),
    () => install('page', PAGE_PACKAGES),
  ]);
  log(`installed ${all.length + 1} projects in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const project of all) {
    const dir = join(work, project.name);
    for (const snippet of project.snippets) {
      const code = snippet.prelude ? `${snippet.prelude}\n${snippet.code}` : snippet.code;
      await writeFile(join(dir, snippetFile(snippet)), code);
    }
  }
}, 900_000);

afterAll(async () => {
  if (work && !process.env['DALE_KEEP_PACKED_INSTALL'])
    await rm(work, { recursive: true, force: true });
  if (sizes.length > 0) log(`sizes:\n${sizes.join('\n')}`);
});

// Opt-in until the snippets it runs all pass (issue 17): DALE_PACKED_INSTALL=1 pnpm vitest run test/packed-install.test.ts
describe.skipIf(!process.env['DALE_PACKED_INSTALL'])(
  'packed packages installed from their tarballs, as a user installs them',
  () => {
    it('installed sizes: each project holds only what its install line names', async () => {
      for (const project of [...all.map((p) => p.name), 'page']) {
        const { bytes, packages } = await installed(join(work, project));
        sizes.push(
          `  ${project.padEnd(16)} ${String(packages).padStart(3)} packages  ${mb(bytes)}`,
        );
      }
      const three = await install('core-sde-samplers', [
        '@dale/core',
        '@dale/sde',
        '@dale/samplers',
        '@tensorflow/tfjs-core',
        '@tensorflow/tfjs-backend-cpu',
      ]);
      const { bytes, packages } = await installed(three);
      sizes.push(`  core+sde+samplers ${String(packages).padStart(3)} packages  ${mb(bytes)}`);
      expect(bytes).toBeLessThan(60e6); // issue 17's target for @dale/core @dale/sde @dale/samplers
      const cli = await installed(join(work, 'getting-started'));
      expect(existsSync(join(work, 'getting-started/node_modules/webgpu'))).toBe(false);
      expect(cli.bytes).toBeLessThan(150e6);
    });

    it('every README and guide snippet runs in plain Node ESM', async () => {
      const failures: string[] = [];
      const tasks: (() => Promise<void>)[] = [];
      for (const project of all) {
        for (const snippet of project.snippets) {
          const skip =
            snippet.notRun ?? (snippet.needsData && !dataDir ? 'needs $DALE_DATA_DIR' : undefined);
          if (skip) {
            log(`${snippet.id}: type-checked, not run (${skip})`);
            continue;
          }
          tasks.push(async () => {
            const started = Date.now();
            try {
              await run(process.execPath, [snippetFile(snippet)], {
                cwd: join(work, project.name),
                timeout: 240_000,
                maxBuffer: 1 << 24,
              });
              log(
                `${snippet.id}: ran in ${project.name}/ (${((Date.now() - started) / 1000).toFixed(1)} s)`,
              );
            } catch (error) {
              const { stderr = '', message } = error as { stderr?: string; message: string };
              failures.push(
                `${snippet.id} in ${project.name}/: ${stderr.trim().split('\n').slice(-8).join('\n') || message}`,
              );
            }
          });
        }
      }
      await pool(2, tasks);
      expect(failures).toEqual([]);
    }, 900_000);

    it('every snippet type-checks under nodenext and bundler resolution, without skipLibCheck', async () => {
      const failures: string[] = [];
      const checks = all.flatMap((project: Project) =>
        (['nodenext', 'bundler'] as const).map((mode) => async () => {
          const dir = join(work, project.name);
          const config = join(dir, `tsconfig.${mode}.json`);
          const compilerOptions = {
            strict: true,
            noEmit: true,
            target: 'es2023',
            ...(mode === 'nodenext'
              ? { module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023'] }
              : { module: 'preserve', moduleResolution: 'bundler', lib: ['es2023', 'dom'] }),
            allowImportingTsExtensions: true,
            // The project's own @types (e.g. @types/long, which tfjs-core's types use) and @types/node.
            typeRoots: [join(dir, 'node_modules/@types'), TYPE_ROOTS],
            skipLibCheck: false,
          };
          const files = project.snippets.map((s: Snippet) => snippetFile(s));
          await writeFile(config, JSON.stringify({ compilerOptions, files }, null, 2));
          try {
            await run(process.execPath, [TSC, '-p', config], { cwd: dir, maxBuffer: 1 << 24 });
          } catch (error) {
            failures.push(
              `${project.name} (${mode}):\n${(error as { stdout?: string }).stdout ?? error}`,
            );
          }
        }),
      );
      await pool(2, checks);
      expect(failures).toEqual([]);
    }, 900_000);

    it('npx dale sample --model mnist --n 4 --steps 5 writes a PNG', async () => {
      const dir = join(work, 'getting-started');
      const started = Date.now();
      await run(
        'npx',
        ['dale', 'sample', '--model', 'mnist', '--n', '4', '--steps', '5', '--out', 'samples.png'],
        {
          cwd: dir,
          timeout: 240_000,
        },
      );
      log(`npx dale sample: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const png = await readFile(join(dir, 'samples.png'));
      expect([...png.subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]); // "PNG"
    }, 300_000);

    describe('a Vite page of samplers, models, the wasm backend and pretrained, in headless Chromium', () => {
      let browser: Browser | undefined;
      let server: { url: string; close(): Promise<void> } | undefined;
      let dist: string;
      afterAll(async () => {
        await browser?.close();
        await server?.close();
      });

      it('bundles without setup and draws the samples on wasm, chosen by auto', async () => {
        if (!existsSync(CHROMIUM)) {
          throw new Error(
            `${CHROMIUM} not found: install Debian's Chromium (apt-get install -y chromium; .ci/provision.sh does)`,
          );
        }
        const page = join(work, 'page');
        await cp(join(root, 'test/packed-install/page'), page, { recursive: true });
        dist = join(page, 'dist');
        await build({
          root: page,
          configFile: false,
          logLevel: 'warn',
          build: { outDir: dist, target: 'es2022', chunkSizeWarningLimit: 4096 },
        });
        const assets = await readdir(join(dist, 'assets'));
        const sizeOf = async (f: string) => (await stat(join(dist, 'assets', f))).size;
        const js = assets.filter((f) => f.endsWith('.js'));
        let jsBytes = 0;
        let gzipBytes = 0;
        for (const f of js) {
          const text = await readFile(join(dist, 'assets', f));
          jsBytes += text.length;
          gzipBytes += gzipSync(text).length;
        }
        const wasm = assets.filter((f) => f.endsWith('.wasm'));
        let wasmBytes = 0;
        for (const f of wasm) wasmBytes += await sizeOf(f);
        sizes.push(
          `  page bundle      JavaScript ${kb(jsBytes)} (gzip ${kb(gzipBytes)}), ${wasm.length} .wasm files ${kb(wasmBytes)}`,
        );
        expect(wasm.map((f) => f.replace(/-[\w-]{8}\.wasm$/, '.wasm')).sort()).toEqual([
          'tfjs-backend-wasm-simd.wasm',
          'tfjs-backend-wasm-threaded-simd.wasm',
          'tfjs-backend-wasm.wasm',
        ]);

        const { serveDirectory } = await import('../examples/browser/test/static-server.ts');
        server = await serveDirectory(dist);
        browser = await chromium.launch({
          executablePath: CHROMIUM,
          headless: true,
          args: CHROMIUM_ARGS,
        });
        const tab = await (await browser.newContext()).newPage();
        const errors: string[] = [];
        tab.on('pageerror', (error) => errors.push(error.message));
        await tab.goto(server.url);
        await tab.waitForFunction(
          () => ['done', 'error'].includes(document.querySelector('main')?.dataset['state'] ?? ''),
          undefined,
          { timeout: 240_000, polling: 250 },
        );
        expect(await tab.textContent('#status')).toBe('');
        expect(errors).toEqual([]);
        expect(await tab.getAttribute('main', 'data-backend')).toBe('wasm');
        const values = await tab.evaluate(() => {
          const canvas = document.querySelector('canvas')!;
          const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
          return Array.from({ length: data.length / 4 }, (_, i) => data[4 * i]!);
        });
        // Drawn: opaque pixels, dark and light ones in every digit's cell.
        const distinct = new Set(values).size;
        expect(distinct).toBeGreaterThan(16);
        await tab.close();
      }, 400_000);

      it('without the .wasm files the page says why and how to fix it, instead of running on cpu', async () => {
        expect(server).toBeDefined();
        for (const f of await readdir(join(dist, 'assets'))) {
          if (f.endsWith('.wasm')) await rm(join(dist, 'assets', f));
        }
        // A new context: an empty HTTP cache, so the deleted files are really fetched again.
        const tab = await (await browser!.newContext()).newPage();
        await tab.goto(server!.url);
        await tab.waitForFunction(
          () => ['done', 'error'].includes(document.querySelector('main')?.dataset['state'] ?? ''),
          undefined,
          { timeout: 120_000, polling: 250 },
        );
        expect(await tab.getAttribute('main', 'data-state')).toBe('error');
        expect(await tab.textContent('#status')).toMatch(
          /^backend-misconfigured: the wasm backend failed to initialise: http:\/\/127\.0\.0\.1:\d+\/assets\/tfjs-backend-wasm-simd-[\w-]+\.wasm answered HTTP 404.*How to fix/,
        );
        await tab.close();
      }, 200_000);
    });
  },
);
