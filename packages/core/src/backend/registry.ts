import * as tf from '@tensorflow/tfjs-core';
import { DaleError } from '../errors.ts';
import { assertSingleTfjsCore } from '../peers.ts';
import { createRegistry, type RegisterOptions } from '../registry.ts';

/** What a backend plugin reports once it is initialised. */
export interface BackendInfo {
  /** A human-readable description of the device, e.g. `'Intel(R) Xeon (2 threads)'` or a GPU adapter. */
  readonly device: string;
  /** True when the computation runs in software emulation (e.g. a CPU Vulkan adapter for WebGPU). */
  readonly software: boolean;
  /** The TensorFlow.js backend name that is now active (`tf.getBackend()`). */
  readonly tfBackend: string;
  /**
   * False when tensors cannot be read synchronously (`dataSync`), only with `await data()`:
   * TensorFlow.js's WebGPU backend in Node. Default true. See {@link synchronousReadsAvailable}.
   */
  readonly synchronousReads?: boolean;
}

/** The answer of {@link BackendPlugin.isAvailable}: a boolean, or a boolean with the reason. */
export type Availability = boolean | { readonly available: boolean; readonly reason?: string };

/** How a plugin is being asked: by `auto` selection, or explicitly by name. */
export interface AvailabilityContext {
  readonly mode: 'auto' | 'explicit';
}

/**
 * A hardware backend: registered with {@link registerBackendPlugin}, chosen by {@link useBackend}.
 * Backend packages (`@dale/backend-wasm`, `@dale/backend-webgpu`, `@dale/backend-node`) register
 * themselves when imported.
 */
export interface BackendPlugin {
  /** Unique name, e.g. `'cpu'`, `'wasm'`, `'webgpu'`, `'tensorflow'`. */
  readonly name: string;
  /** Higher is preferred by `auto`. */
  readonly priority: number;
  /**
   * Cheap check whether the backend can run here. In `auto` mode a plugin may decline for a
   * reason of preference (e.g. WebGPU on a software adapter) while still working when named.
   */
  isAvailable(context: AvailabilityContext): Availability | Promise<Availability>;
  /**
   * Initialise the backend and make it TensorFlow.js's active backend. Throw a {@link DaleError}
   * with code `'backend-misconfigured'` when the backend could run here but is set up wrongly (the
   * message says how to fix it): `auto` then fails with it instead of trying the next plugin.
   */
  init(): Promise<BackendInfo>;
}

/** One plugin's verdict during selection, as reported by {@link useBackend}. */
export interface BackendCandidate {
  readonly name: string;
  readonly priority: number;
  readonly available: boolean;
  readonly reason?: string;
}

/** What {@link useBackend} chose, and why. */
export interface BackendSelection extends BackendInfo {
  /** The plugin name that was chosen. */
  readonly name: string;
  /** Why it was chosen (the plugins considered, in order of priority). */
  readonly reason: string;
  /** Every plugin considered, in priority order (a backend requested by name that is available: only it). */
  readonly candidates: readonly BackendCandidate[];
}

/** Options of {@link useBackend}. */
export interface UseBackendOptions {
  /** Called with one line describing the choice (e.g. `console.error`). */
  log?: (message: string) => void;
}

const plugins = createRegistry<BackendPlugin>({
  what: 'backend plugin',
  invalidCode: 'invalid-backend',
  duplicateCode: 'duplicate-backend',
  check: (name, plugin) =>
    name === 'auto'
      ? "'auto' is reserved and cannot name a plugin"
      : Number.isFinite(plugin.priority)
        ? undefined
        : 'priority must be a finite number',
});

/** The last backend {@link useBackend} initialised. */
let lastSelection: BackendSelection | undefined;

/**
 * Whether tensors of the active TensorFlow.js backend can be read synchronously (`dataSync`). False
 * only when the plugin that {@link useBackend} chose for it said so (WebGPU in Node); true for a
 * backend set some other way. Code with an optional synchronous check (e.g. GBM's positivity check)
 * skips it where this is false.
 */
export function synchronousReadsAvailable(): boolean {
  if (lastSelection === undefined || lastSelection.tfBackend !== tf.getBackend()) return true;
  return lastSelection.synchronousReads ?? true;
}

/**
 * Register a backend plugin under its `name` ({@link createRegistry}'s convention: a name taken by
 * a different plugin throws unless `{ replace: true }`; the same plugin again is a no-op). Returns
 * a function that unregisters it.
 */
export function registerBackendPlugin(
  plugin: BackendPlugin,
  options: RegisterOptions = {},
): () => void {
  return plugins.register(plugin?.name, plugin, options);
}

/** Names of the registered plugins, highest priority first. */
export function listBackendPlugins(): string[] {
  return sortedPlugins().map((p) => p.name);
}

function sortedPlugins(): BackendPlugin[] {
  return [...plugins.values()].sort(
    (a, b) => b.priority - a.priority || a.name.localeCompare(b.name),
  );
}

async function check(
  plugin: BackendPlugin,
  context: AvailabilityContext,
): Promise<BackendCandidate> {
  try {
    const answer = await plugin.isAvailable(context);
    const { available, reason } =
      typeof answer === 'boolean' ? { available: answer, reason: undefined } : answer;
    return {
      name: plugin.name,
      priority: plugin.priority,
      available,
      ...(reason === undefined ? {} : { reason }),
    };
  } catch (error) {
    return {
      name: plugin.name,
      priority: plugin.priority,
      available: false,
      reason: String(error),
    };
  }
}

function describe(candidates: readonly BackendCandidate[]): string {
  return candidates
    .map(
      (c) =>
        `${c.name} (${c.available ? 'available' : 'unavailable'}${c.reason ? `: ${c.reason}` : ''})`,
    )
    .join(', ');
}

/** Probe every registered plugin (in explicit mode) and report which can run here. */
export async function probeBackends(): Promise<BackendCandidate[]> {
  return Promise.all(sortedPlugins().map((p) => check(p, { mode: 'explicit' })));
}

/**
 * Initialise a backend and make it active. `'auto'` takes the available plugin of highest
 * priority whose initialisation succeeds; a name takes that plugin or fails with an error
 * that lists the available ones. A plugin whose `init` throws a {@link DaleError} with code
 * `'backend-misconfigured'` stops `auto` with that error instead of falling back to the next one.
 *
 * @example
 * ```ts
 * const chosen = await useBackend('auto', { log: console.error });
 * console.log(chosen.name, chosen.device, chosen.software);
 * ```
 */
export async function useBackend(
  name: string = 'auto',
  options: UseBackendOptions = {},
): Promise<BackendSelection> {
  assertSingleTfjsCore();
  const mode = name === 'auto' ? 'auto' : 'explicit';
  const checkAll = () => Promise.all(sortedPlugins().map((p) => check(p, { mode })));
  // A backend asked for by name is checked alone (probing the others can be slow or noisy, e.g.
  // a GPU driver's start-up messages); all of them are checked only to explain a failure.
  const named = mode === 'explicit' ? plugins.get(name) : undefined;
  const namedCheck = named ? await check(named, { mode }) : undefined;
  const candidates = namedCheck?.available ? [namedCheck] : await checkAll();
  const availableNames = candidates.filter((c) => c.available).map((c) => c.name);

  const attempts: BackendCandidate[] = [];
  const order =
    mode === 'auto'
      ? candidates.filter((c) => c.available)
      : candidates.filter((c) => c.name === name);
  if (order.length === 0) {
    const registered = plugins.has(name);
    const code =
      mode === 'auto'
        ? 'backend-unavailable'
        : registered
          ? 'backend-unavailable'
          : 'backend-unknown';
    const what =
      mode === 'auto'
        ? 'no backend is available'
        : registered
          ? `backend '${name}' is not available here`
          : `unknown backend '${name}'`;
    throw new DaleError(
      code,
      `${what}. Available: ${availableNames.join(', ') || 'none'}. Registered: ${describe(candidates)}.`,
    );
  }
  const target = order[0]!;
  if (mode === 'explicit' && !target.available) {
    throw new DaleError(
      'backend-unavailable',
      `backend '${name}' is not available here${target.reason ? ` (${target.reason})` : ''}. Available: ${availableNames.join(', ') || 'none'}.`,
    );
  }
  for (const candidate of order) {
    const plugin = plugins.get(candidate.name)!;
    try {
      const info = await plugin.init();
      const skipped = attempts.length
        ? `; ${attempts.map((a) => `${a.name} failed to initialise (${a.reason})`).join('; ')}`
        : '';
      const reason =
        mode === 'auto'
          ? `auto chose ${candidate.name}: the available backend of highest priority (${describe(candidates)})${skipped}`
          : `${candidate.name} was requested by name`;
      const selection: BackendSelection = { name: candidate.name, ...info, reason, candidates };
      lastSelection = selection;
      options.log?.(
        `[dale] backend ${selection.name} on ${selection.device}${selection.software ? ' (software)' : ''}: ${reason}`,
      );
      return selection;
    } catch (error) {
      // A plugin that can run here but is set up wrongly says so, rather than leaving auto to pick
      // a slower backend in silence (e.g. wasm whose .wasm files the page cannot fetch).
      if (error instanceof DaleError && error.code === 'backend-misconfigured') throw error;
      attempts.push({
        ...candidate,
        available: false,
        reason: error instanceof Error ? error.message : String(error),
      });
      if (mode === 'explicit') {
        throw new DaleError(
          'backend-init-failed',
          `backend '${name}' failed to initialise: ${attempts[0]!.reason}`,
          {
            cause: error,
          },
        );
      }
    }
  }
  throw new DaleError(
    'backend-unavailable',
    `every available backend failed to initialise: ${attempts.map((a) => `${a.name}: ${a.reason}`).join('; ')}`,
  );
}
