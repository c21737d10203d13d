/**
 * Progress lines for long commands: step/total, steps per second, extra fields (the loss) and the
 * time left. On a terminal one line is redrawn in place; otherwise a line is printed every few
 * steps, so logs stay readable.
 * @module
 */
import type { StepInfo } from '@dale/samplers';
import { InterruptedError } from './errors.ts';
import type { Output } from './output.ts';

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Prefix of every line, e.g. `'train'`. */
  readonly label: string;
  /** Steps of the whole run, if known (the ETA needs it). */
  readonly total?: number | undefined;
  /** The step the run starts from (a resumed run): the rate counts only the steps taken now. */
  readonly start?: number;
  /** Without a terminal, print a line every this many steps (and at the last); default 100. */
  readonly every?: number;
  /** On a terminal, redraw at most this often (ms); default 100. */
  readonly redrawMs?: number;
  /** Clock in milliseconds; default `performance.now`. */
  readonly now?: () => number;
  /** When the run started, on that clock; default when the `Progress` is made. */
  readonly startedAt?: number;
}

/** A duration in seconds as `1h02m03s`, `4m05s` or `6s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (v: number) => String(v).padStart(2, '0');
  if (h > 0) return `${h}h${pad(m)}m${pad(s)}s`;
  if (m > 0) return `${m}m${pad(s)}s`;
  return `${s}s`;
}

/** Progress of a run on an {@link Output}: call {@link Progress.update} after every step. */
export class Progress {
  readonly #output: Output;
  readonly #options: ProgressOptions;
  readonly #now: () => number;
  readonly #startedAt: number;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #pending = '';
  #open = false;

  constructor(output: Output, options: ProgressOptions) {
    this.#output = output;
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#startedAt = options.startedAt ?? this.#now();
  }

  /** The line for `step` with `fields` (e.g. `{ loss: '0.4123' }`), without drawing it. */
  line(step: number, fields: Readonly<Record<string, string>> = {}): string {
    const { total, label } = this.#options;
    const elapsed = (this.#now() - this.#startedAt) / 1000;
    const done = step - (this.#options.start ?? 0);
    const rate = elapsed > 0 && done > 0 ? done / elapsed : undefined;
    const parts = [`${label} ${total === undefined ? step : `${step}/${total}`}`];
    parts.push(rate === undefined ? '- steps/s' : `${rate.toFixed(2)} steps/s`);
    for (const [name, value] of Object.entries(fields)) parts.push(`${name} ${value}`);
    if (total !== undefined)
      parts.push(`ETA ${rate === undefined ? '?' : formatDuration((total - step) / rate)}`);
    return parts.join('  ');
  }

  /** Report that `step` is done: redraws the terminal line, or prints every `every` steps. */
  update(step: number, fields: Readonly<Record<string, string>> = {}): void {
    const last = this.#options.total !== undefined && step >= this.#options.total;
    if (this.#output.isTTY) {
      this.#pending = this.line(step, fields);
      const now = this.#now();
      if (last || now - this.#lastDraw >= (this.#options.redrawMs ?? 100)) {
        this.#lastDraw = now;
        this.#output.stderr(`\r${this.#pending}\x1b[K`);
        this.#open = true;
      }
    } else if (last || step % (this.#options.every ?? 100) === 0) {
      this.#output.stderr(`${this.line(step, fields)}\n`);
    }
  }

  /** Print a message without breaking the progress line (it is redrawn on the next update). */
  message(text: string): void {
    this.done();
    this.#output.stderr(`${text}\n`);
  }

  /** End the terminal line (draws the last pending state); a no-op without a terminal. */
  done(): void {
    if (!this.#open) return;
    this.#output.stderr(`\r${this.#pending}\x1b[K\n`);
    this.#open = false;
    this.#lastDraw = Number.NEGATIVE_INFINITY;
  }
}

/** What {@link samplerProgress} returns: the sampler's `onStep` and a `done` to call after it. */
export interface SamplerProgress {
  readonly onStep: (info: StepInfo) => void;
  readonly done: () => void;
}

/**
 * Progress of a sampler run (its `onStep`): step/total, steps/s, score evaluations and the
 * time reached; without a terminal about `lines` lines per run. When `signal` is aborted the
 * next step throws an {@link InterruptedError}.
 */
export function samplerProgress(
  output: Output,
  options: { readonly label?: string; readonly lines?: number; readonly signal?: AbortSignal } = {},
): SamplerProgress {
  let progress: Progress | undefined;
  const startedAt = performance.now();
  return {
    onStep: (info) => {
      if (options.signal?.aborted) throw new InterruptedError('sampling interrupted');
      progress ??= new Progress(output, {
        label: options.label ?? 'sample',
        total: info.total,
        startedAt,
        every: Math.max(1, Math.ceil((info.total ?? 100) / (options.lines ?? 10))),
      });
      progress.update(info.step, { nfe: String(info.nfe), t: info.t.toFixed(4) });
    },
    done: () => progress?.done(),
  };
}
