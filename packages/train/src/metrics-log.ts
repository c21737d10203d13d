import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** One line of `metrics.jsonl`. */
export interface StepMetrics {
  /** 1-based step just completed. */
  readonly step: number;
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Learning rate used for the step. */
  readonly lr: number;
  /** Wall time of the step in milliseconds. */
  readonly stepMs: number;
  readonly imagesPerSec: number;
}

/**
 * The metrics log, one JSON object per line. On resume it is cut back to the checkpoint's step
 * (rewritten atomically), so that every step appears exactly once however often a run was
 * interrupted; a torn last line from a crash is dropped.
 */
export class MetricsLog {
  readonly path: string;

  constructor(path: string, resumeFromStep: number | undefined) {
    this.path = path;
    if (resumeFromStep === undefined || !existsSync(path)) {
      writeFileSync(path, '');
      return;
    }
    const kept = readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => {
        if (!line.trim()) return false;
        try {
          return (JSON.parse(line) as StepMetrics).step <= resumeFromStep;
        } catch {
          return false; // a line torn by a crash
        }
      });
    const temporary = `${path}.tmp-${process.pid}`;
    writeFileSync(temporary, kept.map((line) => `${line}\n`).join(''));
    renameSync(temporary, path);
  }

  append(metrics: StepMetrics): void {
    appendFileSync(this.path, `${JSON.stringify(metrics)}\n`);
  }

  /** Every entry of a metrics log file. */
  static read(path: string): StepMetrics[] {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as StepMetrics);
  }
}
