/**
 * `--class` and `--guidance` of `dale sample` and `dale eval`: which classes a class-conditional
 * model draws, and how strongly classifier-free guidance pushes towards them.
 * @module
 */
import { balancedLabels } from './class-labels.ts';
import { UsageError } from './errors.ts';
import type { OptionSpec, OptionValues } from './options.ts';
import { stringOption } from './options.ts';

/**
 * The option specs of `--class` and `--guidance`. `--guidance`'s default depends on the checkpoint
 * (`defaultGuidance` of `@dale/generate`): its help describes it, {@link resolveConditioning}
 * resolves it.
 */
export const CONDITIONING_OPTIONS = {
  class: {
    type: 'string',
    value: 'K|all|none',
    default: 'all',
    description:
      'class-conditional models: draw class K for every sample, all (every class in turn: sample i gets class i mod K), or none (the unconditional model)',
  },
  guidance: {
    type: 'string',
    value: 'W',
    defaultText:
      '1 for class-conditional models trained with label dropout (the edm preset), else 0',
    description:
      'classifier-free guidance weight W >= 0 for class-conditional models: (1 + W) conditional − W unconditional score (0: none)',
  },
} satisfies Readonly<Record<string, OptionSpec>>;

/** What `--class` and `--guidance` resolve to for a checkpoint. */
export interface Conditioning {
  /** The labels of `count` samples starting at sample `offset`, or `undefined` for no labels. */
  labels(count: number, offset: number): Int32Array | undefined;
  /** The guidance weight (0 without guidance). */
  readonly guidance: number;
  /** `--class` as given: a class, `'all'`, `'none'`, or `null` for an unconditional model. */
  readonly classChoice: number | 'all' | 'none' | null;
  /** A short description for progress lines, e.g. "class 3, guidance 2". */
  readonly description: string;
}

/**
 * Resolve `--class` and `--guidance` for a model with `classes` classes (0: unconditional).
 * Without `--class`, a conditional model draws every class in turn (a balanced mix). Without
 * `--guidance`, the checkpoint's `defaultGuidance` (`defaultGuidance` of `@dale/generate`) applies
 * wherever classes are drawn, 0 with `--class none`. `--class` out of range or on an unconditional
 * model, `--guidance` below 0, on an unconditional model or with `--class none` are
 * {@link UsageError}s.
 */
export function resolveConditioning(
  values: OptionValues,
  command: string,
  classes: number,
  defaultGuidance = 0,
): Conditioning {
  const classText = stringOption(values, 'class');
  const guidanceText = stringOption(values, 'guidance');
  const unguided = classes > 0 ? classText === 'none' : true;
  const guidance =
    guidanceText === undefined ? (unguided ? 0 : defaultGuidance) : Number(guidanceText);
  if (
    guidanceText !== undefined &&
    !(guidanceText.trim() !== '' && Number.isFinite(guidance) && guidance >= 0)
  ) {
    throw new UsageError(
      `option --guidance of 'dale ${command}': expected a number >= 0, got '${guidanceText}'`,
      command,
    );
  }
  if (!(classes > 0)) {
    if (classText !== undefined || guidance > 0) {
      throw new UsageError(
        `option --${classText !== undefined ? 'class' : 'guidance'} of 'dale ${command}': the checkpoint's model is unconditional (it was not trained on class labels); drop the option, or train with --preset edm`,
        command,
      );
    }
    return {
      labels: () => undefined,
      guidance: 0,
      classChoice: null,
      description: 'unconditional',
    };
  }
  const classValue = classText ?? CONDITIONING_OPTIONS.class.default;
  let classChoice: number | 'all' | 'none';
  if (classValue === 'all' || classValue === 'none') classChoice = classValue;
  else {
    const k = /^\d+$/.test(classValue.trim()) ? Number(classValue) : Number.NaN;
    if (!(Number.isInteger(k) && k >= 0 && k < classes)) {
      throw new UsageError(
        `option --class of 'dale ${command}': expected a class 0…${classes - 1}, all or none, got '${classValue}'`,
        command,
      );
    }
    classChoice = k;
  }
  if (classChoice === 'none' && guidance > 0) {
    throw new UsageError(
      `option --guidance of 'dale ${command}': guidance pushes towards a class, and --class none asks for none; give --class K or all`,
      command,
    );
  }
  const choice = classChoice;
  return {
    labels: (count, offset) =>
      choice === 'none'
        ? undefined
        : choice === 'all'
          ? balancedLabels(count, classes, offset)
          : new Int32Array(count).fill(choice),
    guidance,
    classChoice: choice,
    description: `${choice === 'all' ? `every class in turn (${classes})` : choice === 'none' ? 'unconditional' : `class ${choice}`}${guidance > 0 ? `, guidance ${guidance}` : ''}`,
  };
}
