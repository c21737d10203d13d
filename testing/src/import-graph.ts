/**
 * The static import graph of TypeScript sources, for checks such as "nothing reachable from a
 * package's browser entry imports a Node module".
 * @module
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One import of a module by a source file. */
export interface ImportEdge {
  /** The specifier as written (`'./x.ts'`, `'@dale/core'`, `'node:fs'`). */
  readonly specifier: string;
  /** Whether it is a dynamic `import()` (still reachable: bundlers follow it). */
  readonly dynamic: boolean;
}

/**
 * The imports of a TypeScript source that survive compilation: static `import` and
 * `export … from` declarations and `import()` calls. `import type` and `export type … from` are
 * left out (erased); `import { type A } from 'x'` is kept (it stays a side-effect import under
 * `verbatimModuleSyntax`).
 */
export function importsOf(source: string, fileName = 'source.ts'): ImportEdge[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false);
  const edges: ImportEdge[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.importClause?.isTypeOnly)
        edges.push({ specifier: node.moduleSpecifier.text, dynamic: false });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      if (!node.isTypeOnly) edges.push({ specifier: node.moduleSpecifier.text, dynamic: false });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      edges.push({ specifier: node.arguments[0].text, dynamic: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return edges;
}

/** Whether `specifier` names a Node built-in module (`node:fs`, or a bare `fs`, `path`, …). */
export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || isBuiltin(specifier);
}

/**
 * The source file a workspace package specifier (`@dale/core`, `@dale/models/node`) stands for:
 * the `@dale/source` condition of its `exports`, found through the `node_modules` of `fromDir`
 * or its ancestors. Undefined for a package that is not a dale workspace package.
 */
function workspaceSource(specifier: string, fromDir: string): string | undefined {
  const match = /^(@dale\/[^/]+)(\/.*)?$/.exec(specifier);
  if (!match) return undefined;
  const [, name, rest] = match;
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', name!, 'package.json');
    if (existsSync(manifest)) {
      type Target = string | { readonly [condition: string]: Target };
      const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
        exports?: Record<string, Target>;
      };
      const entry = exports?.[rest ? `.${rest}` : '.'];
      // The source entry, and within it the browser one where the package has one.
      const source = typeof entry === 'string' ? entry : entry?.['@dale/source'];
      const picked = typeof source === 'object' ? (source['browser'] ?? source['default']) : source;
      const target = typeof picked === 'string' ? picked : undefined;
      // pnpm links packages into node_modules: name files by their real path in the workspace.
      return target?.endsWith('.ts') ? realpathSync(resolve(dirname(manifest), target)) : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** A Node built-in reached from the entry, with the chain of files that leads to it. */
export interface NodeImport {
  /** The built-in's specifier, e.g. `'node:fs/promises'`. */
  readonly specifier: string;
  /** The files from the entry to the importing file, relative to `root`. */
  readonly chain: readonly string[];
}

/** What {@link walkImports} finds. */
export interface ImportWalk {
  /** Every source file reached, the entry first, relative to `root`. */
  readonly files: readonly string[];
  /** Every import of a Node built-in among them. */
  readonly nodeImports: readonly NodeImport[];
}

/**
 * Walk the imports from `entry` (a `.ts` file), following relative imports and dale workspace
 * packages (through their `@dale/source` export condition) but not other packages (TensorFlow.js,
 * fflate), and collect every import of a Node built-in. Paths are relative to `root`.
 */
export function walkImports(entry: string, root = process.cwd()): ImportWalk {
  const nodeImports: NodeImport[] = [];
  const parents = new Map<string, string | undefined>([[resolve(entry), undefined]]);
  const queue = [resolve(entry)];
  const chainTo = (file: string): string[] => {
    const chain: string[] = [];
    for (let f: string | undefined = file; f; f = parents.get(f)) chain.unshift(relative(root, f));
    return chain;
  };
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const { specifier } of importsOf(readFileSync(file, 'utf8'), file)) {
      if (isNodeBuiltin(specifier)) {
        nodeImports.push({ specifier, chain: chainTo(file) });
        continue;
      }
      const target = specifier.startsWith('.')
        ? resolve(dirname(file), specifier)
        : workspaceSource(specifier, dirname(file));
      if (target && !parents.has(target)) {
        parents.set(target, file);
        queue.push(target);
      }
    }
  }
  return { files: [...parents.keys()].map((f) => relative(root, f)), nodeImports };
}
