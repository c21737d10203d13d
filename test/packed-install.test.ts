// The packages as a user gets them (issue 17): pack every package, `npm install` the tarballs into
// fresh projects in a temporary directory, one per README or guide install line with only what
// that line names (test/packed-install/snippets.ts says which snippet runs where), then run every
// README and guide snippet in plain Node ESM, type-check them with `tsc` (nodenext and bundler, no
// skipLibCheck), run `npx dale sample` and `npx dale info`, and bundle a page with Vite that
// headless Chromium must draw with. Prints installed and bundle sizes (bench/README.md lists them).
//
// @dale/* packages that a project does not name come from the tarballs through npm `overrides`;
// the scope's registry is pointed at a closed port, so nothing named @dale/* is ever fetched.
// TensorFlow.js comes from the npm registry (or npm's cache). Packages whose dist/ is missing or
// older than their sources are built first; `pnpm test` has just built them all.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Project, projects, type Snippet } from './packed-install/snippets.ts';

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
/** The repository's @types (only @types/node): what a Node user installs beside dale. */
const TYPE_ROOTS = join(root, 'node_modules/@types');
/** Processes run at once: installs, snippets, type-checks. */
const JOBS = Math.max(2, Math.min(4, availableParallelism()));
/** The project the browser page is bundled in: it names every package. */
const PAGE_PROJECT = 'guides';
/** Issue 17's size target: `@dale/core @dale/sde @dale/samplers` and their peers. */
const CORE_SDE_SAMPLERS = [
  '@dale/core',
  '@dale/sde',
  '@dale/samplers',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
];
const dataDir = process.env['DALE_DATA_DIR'];
/**
 * The environment of a user's shell: this process's, without what pnpm's bin shims and vitest
 * add. NODE_PATH above all: the shims point it at the workspace's hoisted node_modules, where
 * `require.resolve` (dale's optional-peer checks) would find packages, Dawn among them, that the
 * fresh projects do not have.
 */
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) =>
      !/^(NODE_PATH|NODE_OPTIONS|NODE_ENV|INIT_CWD|BASE_URL|DEV|MODE|PROD|SSR|TEST|VITEST.*|PNPM_.*|pnpm_.*|npm_command|npm_execpath|npm_node_execpath|npm_lifecycle_.*|npm_package_.*|npm_config_user_agent|npm_config_verify_deps_before_run)$/.test(
        key,
      ),
  ),
);

let work: string;
let tarballs: Map<string, string>;
const all = projects(root);
/** Install directory → packages, one per distinct install line. */
const installs = new Map(all.map((p) => [p.dir, p.packages]));
const sizes: string[] = [];
const started = Date.now();

function log(line: string): void {
  console.log(`[packed-install] ${line}`);
}
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

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

/** The newest (or oldest) modification time of the files under `path`. */
async function mtime(path: string, pick: (a: number, b: number) => number): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let result: number | undefined;
  for (const entry of await readdir(path)) {
    const time = await mtime(join(path, entry), pick);
    result = result === undefined ? time : pick(result, time);
  }
  return result ?? info.mtimeMs;
}

/** Build the packages whose dist/ is missing or older than what it is built from. */
async function buildStale(): Promise<void> {
  const stale: string[] = [];
  for (const dir of await readdir(join(root, 'packages'))) {
    const pkg = join(root, 'packages', dir);
    const dist = join(pkg, 'dist');
    if (!existsSync(dist)) {
      stale.push(dir);
      continue;
    }
    const inputs = ['src', 'package.json', 'tsconfig.build.json', 'scripts']
      .map((f) => join(pkg, f))
      .filter((f) => existsSync(f));
    const newest = Math.max(...(await Promise.all(inputs.map((f) => mtime(f, Math.max)))));
    if (newest > (await mtime(dist, Math.min))) stale.push(dir);
  }
  if (stale.length === 0) return;
  const since = Date.now();
  const filters = stale.flatMap((dir) => ['--filter', `./packages/${dir}`]);
  await run('pnpm', ['-r', ...filters, 'run', 'build'], { cwd: root, maxBuffer: 1 << 26 });
  log(`built ${stale.join(', ')} (dist/ missing or older than src/) in ${seconds(since)}`);
}

/** Bytes under a node_modules and the number of packages in it (nested ones included). */
async function installed(dir: string): Promise<{ bytes: number; packages: number }> {
  const { stdout } = await run('du', ['-sb', join(dir, 'node_modules')]);
  const count = async (modules: string): Promise<number> => {
    let n = 0;
    for (const entry of await readdir(modules).catch(() => [] as string[])) {
      if (entry.startsWith('.')) continue;
      const names = entry.startsWith('@')
        ? (await readdir(join(modules, entry))).map((name) => join(entry, name))
        : [entry];
      for (const name of names) {
        if (!existsSync(join(modules, name, 'package.json'))) continue;
        n += 1 + (await count(join(modules, name, 'node_modules')));
      }
    }
    return n;
  };
  return {
    bytes: Number(stdout.split('\t')[0]),
    packages: await count(join(dir, 'node_modules')),
  };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const kb = (bytes: number) => `${(bytes / 1e3).toFixed(0)} kB`;

/** A fresh npm project in `work/dir` that installs `packages`, @dale/* ones from the tarballs. */
async function install(dir: string, packages: readonly string[]): Promise<void> {
  const at = join(work, dir);
  await mkdir(at, { recursive: true });
  const named = new Set(packages);
  // A package the project names is overridden with its own root spec (`$name`, npm's form for a
  // direct dependency), so that no dependency edge on it asks the registry either.
  const overrides = Object.fromEntries(
    [...tarballs].map(([pkg, file]) => [pkg, named.has(pkg) ? `$${pkg}` : `file:${file}`]),
  );
  await writeFile(
    join(at, 'package.json'),
    `${JSON.stringify({ name: `try-${dir}`, private: true, type: 'module', overrides }, null, 2)}\n`,
  );
  await writeFile(join(at, '.npmrc'), '@dale:registry=http://127.0.0.1:9/\nfetch-retries=0\n');
  const specs = packages.map((pkg) => {
    const file = tarballs.get(pkg);
    if (pkg.startsWith('@dale/') && file === undefined) throw new Error(`no tarball for ${pkg}`);
    return file ?? pkg;
  });
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], {
    cwd: at,
    env: userEnv,
    maxBuffer: 1 << 24,
  });
}

/** The code written for a snippet: the harness's prelude and postlude around the reader's code. */
function source(snippet: Snippet): string {
  return [snippet.prelude, snippet.code, snippet.postlude]
    .filter((s) => s !== undefined)
    .join('\n');
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dale-packed-install-'));
  await buildStale();
  let since = Date.now();
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
  log(`packed ${tarballs.size} packages in ${seconds(since)}`);
  since = Date.now();
  await pool(JOBS, [
    ...[...installs].map(
      ([dir, packages]) =>
        () =>
          install(dir, packages),
    ),
    () => install('core-sde-samplers', CORE_SDE_SAMPLERS),
  ]);
  log(`installed ${installs.size + 1} projects in ${seconds(since)}`);
  for (const project of all) {
    for (const snippet of project.snippets) {
      const file = join(work, project.dir, snippet.file);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, source(snippet));
    }
  }
}, 900_000);

afterAll(async () => {
  if (work && !process.env['DALE_KEEP_PACKED_INSTALL'])
    await rm(work, { recursive: true, force: true });
  if (sizes.length > 0) log(`sizes:\n${sizes.join('\n')}`);
  log(`finished in ${seconds(started)}`);
});

describe('packed packages installed from their tarballs, as a user installs them', () => {
  it('installed sizes: each project holds only what its install line names', async () => {
    const names = new Map<string, string[]>();
    for (const p of all) names.set(p.dir, [...(names.get(p.dir) ?? []), p.name]);
    for (const [dir, projectNames] of [...names, ['core-sde-samplers', ['core+sde+samplers']]] as [
      string,
      string[],
    ][]) {
      const { bytes, packages } = await installed(join(work, dir));
      sizes.push(
        `  ${projectNames.join(', ').padEnd(28)} ${String(packages).padStart(3)} packages  ${mb(bytes)}`,
      );
      if (dir === 'core-sde-samplers') expect(bytes).toBeLessThan(60e6); // issue 17's target
    }
    const cli = all.find((p) => p.name === 'cli')!.dir;
    // `npm i @dale/cli` brings no Dawn: the GPU runtime is an optional peer.
    expect(existsSync(join(work, cli, 'node_modules/webgpu'))).toBe(false);
    expect((await installed(join(work, cli))).bytes).toBeLessThan(150e6);
  });

  it('every README and guide snippet runs in plain Node ESM', async () => {
    const since = Date.now();
    const failures: string[] = [];
    const tasks: (() => Promise<void>)[] = [];
    // The ones that run a U-Net or read a dataset take the longest: start them first.
    const slow = (snippet: Snippet) => (/pretrained|loadMnist/.test(snippet.code) ? 1 : 0);
    const entries = all
      .flatMap((project) => project.snippets.map((snippet) => ({ project, snippet })))
      .sort((a, b) => slow(b.snippet) - slow(a.snippet));
    for (const { project, snippet } of entries) {
      const skip =
        snippet.notRun ?? (snippet.needsData && !dataDir ? 'needs $DALE_DATA_DIR' : undefined);
      if (skip) {
        log(`${snippet.id}: type-checked, not run (${skip})`);
        continue;
      }
      tasks.push(async () => {
        const at = Date.now();
        try {
          await run(process.execPath, [snippet.file], {
            cwd: join(work, project.dir),
            env: userEnv,
            timeout: 240_000,
            maxBuffer: 1 << 24,
          });
          log(`${snippet.id}: ran in ${project.dir}/ (${seconds(at)})`);
        } catch (error) {
          const { stderr = '', message } = error as { stderr?: string; message: string };
          const tail = stderr
            .trim()
            .split('\n')
            .filter((line) => !/^\s+at /.test(line))
            .slice(-10)
            .join('\n');
          failures.push(`${snippet.id} in ${project.dir}/:\n${tail || message}`);
        }
      });
    }
    await pool(JOBS, tasks);
    log(`ran ${tasks.length} snippets in ${seconds(since)}`);
    expect(failures).toEqual([]);
  }, 900_000);

  it('every snippet type-checks under nodenext and bundler resolution, without skipLibCheck', async () => {
    const since = Date.now();
    // One tsc program per module mode and set of @types packages, over every project that has
    // that set: each snippet still resolves modules from its own project's node_modules, and
    // TypeScript checks each package version once (a package met again under another
    // node_modules at the same name and version is the same file to it). The @types packages of
    // a project (@types/long and others, which tfjs-core's types use as globals) are global, so
    // projects are grouped by them. `lib` is TypeScript's default, which includes the DOM:
    // tfjs-core's own declarations name DOM types (ImageData, WebGLTexture).
    const groups = new Map<string, Project[]>();
    for (const project of all) {
      const types = (await readdir(join(work, project.dir, 'node_modules/@types')).catch(() => []))
        .sort()
        .join(' ');
      groups.set(types, [...(groups.get(types) ?? []), project]);
    }
    const failures: string[] = [];
    const checks = [...groups.values()].flatMap((group, g) =>
      (['nodenext', 'bundler'] as const).map((mode) => async () => {
        const config = join(work, `tsconfig.${g}.${mode}.json`);
        const dirs = [...new Set(group.map((p) => p.dir))];
        const compilerOptions = {
          strict: true,
          noEmit: true,
          target: 'es2023',
          ...(mode === 'nodenext'
            ? { module: 'nodenext', moduleResolution: 'nodenext' }
            : { module: 'preserve', moduleResolution: 'bundler' }),
          moduleDetection: 'force',
          allowImportingTsExtensions: true,
          typeRoots: [...dirs.map((dir) => join(work, dir, 'node_modules/@types')), TYPE_ROOTS],
          skipLibCheck: false,
        };
        const files = group.flatMap((p) => p.snippets.map((s) => join(work, p.dir, s.file)));
        await writeFile(config, JSON.stringify({ compilerOptions, files }, null, 2));
        try {
          await run(process.execPath, [TSC, '-p', config], {
            cwd: work,
            env: userEnv,
            maxBuffer: 1 << 24,
          });
        } catch (error) {
          failures.push(
            `${group.map((p) => p.name).join(', ')} (${mode}):\n${(error as { stdout?: string }).stdout ?? error}`,
          );
        }
      }),
    );
    await pool(JOBS, checks);
    log(`type-checked ${checks.length} programs in ${seconds(since)}`);
    expect(failures).toEqual([]);
  }, 900_000);

  it('npx dale sample --model mnist --n 4 --steps 5 writes a PNG; dale info says how to enable WebGPU', async () => {
    const dir = join(work, all.find((p) => p.name === 'cli')!.dir);
    const since = Date.now();
    await run(
      'npx',
      ['dale', 'sample', '--model', 'mnist', '--n', '4', '--steps', '5', '--out', 'samples.png'],
      { cwd: dir, env: userEnv, timeout: 240_000 },
    );
    log(`npx dale sample: ${seconds(since)}`);
    const png = await readFile(join(dir, 'samples.png'));
    expect([...png.subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]); // "PNG"
    const { stdout } = await run('npx', ['dale', 'info'], {
      cwd: dir,
      env: userEnv,
      timeout: 120_000,
    });
    expect(stdout).toMatch(/^auto chooses: wasm on .+$/m);
    expect(stdout).toMatch(
      /^to enable webgpu: npm install webgpu@\d+\.\d+\.\d+ .*--backend webgpu/m,
    );
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
      const since = Date.now();
      const page = join(work, all.find((p) => p.name === PAGE_PROJECT)!.dir, 'page');
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
        `  page bundle                  JavaScript ${kb(jsBytes)} (gzip ${kb(gzipBytes)}), ${wasm.length} .wasm files ${kb(wasmBytes)}`,
      );
      log(`vite build: ${seconds(since)}`);
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
});
