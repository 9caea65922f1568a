import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { ERROR_CODES } from '@livegate/protocol';
import { describe, expect, it } from 'vitest';
import { ROOT, sourceFiles } from './source-files.js';

/**
 * Keeps the error codes of `src/` and the error table of docs/api.md one set, and errors rendered
 * in one place (src/errors.ts). It reads the syntax of every file (no type checker: that takes a
 * minute on a busy machine) and collects the codes written where errors are made: the first
 * argument of `new LivegateError(…)`, `closeReasonFor(…)`, `errorData(…)` and of `super(…)` in a
 * subclass of `LivegateError` (a constant it names is followed), `code: '…'` fields, and maps typed
 * onto `ErrorCode`. packages/protocol/test/errors.test.ts checks the table against the catalogue
 * itself (status, close code, retry).
 */
const CATALOGUE = new Set<string>(ERROR_CODES);
/** The modules that make error shapes: errors.ts renders them, outbound.ts makes close reasons. */
const RENDERERS = new Set(['src/errors.ts', 'src/core/outbound.ts']);
const MAKERS = new Set(['LivegateError', 'closeReasonFor', 'errorData']);
/** zod's issue code, the only `code` field in src/ that is no livegate error. */
const ZOD_ISSUE = 'custom';

/** Codes in the error table of docs/api.md. */
function documentedCodes(): Set<string> {
  const text = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
  const section = text.slice(text.indexOf('## Error catalogue'));
  const codes = new Set<string>();
  for (const line of section.split('\n')) {
    const m = /^\| `([a-z_]+)` +\| \d{3} +\|/.exec(line);
    if (m !== null) codes.add(m[1]!);
  }
  return codes;
}

interface Scan {
  /** Codes written where errors are made, with where. */
  readonly emitted: Map<string, string[]>;
  /** Places that build an error shape themselves instead of asking src/errors.ts. */
  readonly handBuilt: string[];
}

/** String literals of an expression: itself, or the branches of conditionals. */
function literalsOf(node: ts.Node): string[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isConditionalExpression(node)) return [...literalsOf(node.whenTrue), ...literalsOf(node.whenFalse)];
  if (ts.isParenthesizedExpression(node)) return literalsOf(node.expression);
  return [];
}

function calleeName(node: ts.CallExpression | ts.NewExpression): string | undefined {
  const e = node.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

function propertyName(node: ts.ObjectLiteralElementLike): string | undefined {
  return node.name !== undefined && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))
    ? node.name.text
    : undefined;
}

function scanSources(): Scan {
  const emitted = new Map<string, string[]>();
  const handBuilt: string[] = [];
  for (const path of sourceFiles(join(ROOT, 'src'))) {
    const name = relative(ROOT, path);
    const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node): string => `${name}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const constants = new Map<string, ts.Expression>();
    const emit = (node: ts.Node): void => {
      const target = ts.isIdentifier(node) ? (constants.get(node.text) ?? node) : node;
      for (const code of literalsOf(target)) emitted.set(code, [...(emitted.get(code) ?? []), where(node)]);
    };
    const isErrorSubclass = (node: ts.Node): boolean => {
      const cls = ts.findAncestor(node, ts.isClassLike);
      return (cls?.heritageClauses ?? []).some((h) =>
        h.types.some((t) => t.expression.getText(file) === 'LivegateError'),
      );
    };
    const visit = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer !== undefined) {
        constants.set(node.name.text, node.initializer);
        // `const X: Record<string, ErrorCode> = { … }`: a map onto codes.
        if (node.type?.getText(file).includes('ErrorCode') === true && ts.isObjectLiteralExpression(node.initializer))
          for (const p of node.initializer.properties) if (ts.isPropertyAssignment(p)) emit(p.initializer);
      }
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments?.[0] !== undefined) {
        const callee = calleeName(node);
        const first = node.arguments[0];
        const isSuper = ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.SuperKeyword;
        if ((callee !== undefined && MAKERS.has(callee)) || (isSuper && isErrorSubclass(node))) emit(first);
        // An `error` event or op carries errorData's rendering, not an object written here.
        if ((callee === 'control' || callee === 'sseControl') && literalsOf(first)[0] === 'error') {
          const data = node.arguments[1];
          if (data !== undefined && ts.isObjectLiteralExpression(data)) handBuilt.push(`${where(node)} error data`);
        }
      }
      if (ts.isObjectLiteralExpression(node) && !RENDERERS.has(name)) {
        for (const p of node.properties) {
          const key = propertyName(p);
          // `{ error: { code, … } }`: an HTTP error body.
          if (key === 'error' && ts.isPropertyAssignment(p) && ts.isObjectLiteralExpression(p.initializer)) {
            if (p.initializer.properties.some((q) => propertyName(q) === 'code'))
              handBuilt.push(`${where(p)} error body`);
          }
          if (key === 'code' && ts.isPropertyAssignment(p)) {
            const codes = literalsOf(p.initializer).filter((c) => c !== ZOD_ISSUE);
            if (codes.length > 0) emit(p.initializer);
          }
        }
        // `{ code, message }`: in-stream error data (SSE `error`, WebSocket `error`/`metric-error`).
        const code = node.properties.find((p) => propertyName(p) === 'code');
        const isZodIssue =
          code !== undefined && ts.isPropertyAssignment(code) && literalsOf(code.initializer)[0] === ZOD_ISSUE;
        if (code !== undefined && !isZodIssue && node.properties.some((p) => propertyName(p) === 'message'))
          handBuilt.push(`${where(node)} error data`);
      }
      // A raw HTTP answer written here instead of by rawHttpResponse.
      if (
        (ts.isStringLiteral(node) || ts.isTemplateHead(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
        !RENDERERS.has(name) &&
        /HTTP\/1\.1 (\d|$)/.test(node.text)
      )
        handBuilt.push(`${where(node)} raw HTTP answer`);
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return { emitted, handBuilt };
}

describe('error codes in src/ and docs/api.md', () => {
  const scan = scanSources();

  it('are one set: every code the server emits is documented, every documented code is emitted', () => {
    const documented = documentedCodes();
    const emitted = [...scan.emitted.keys()];
    const undocumented = emitted.filter((c) => !documented.has(c)).map((c) => `${c} (${scan.emitted.get(c)![0]})`);
    expect(undocumented, 'emitted in src/ but not in the table of docs/api.md').toEqual([]);
    expect(
      [...documented].filter((c) => !scan.emitted.has(c)),
      'in docs/api.md but emitted nowhere in src/',
    ).toEqual([]);
  });

  it('are all in the catalogue, so each has its status and close code', () => {
    expect([...scan.emitted.keys()].filter((c) => !CATALOGUE.has(c))).toEqual([]);
  });

  it('are rendered by src/errors.ts only: no error body, error data or raw HTTP answer built elsewhere', () => {
    expect(scan.handBuilt).toEqual([]);
  });

  it('sees errors made every way (a scan that finds nothing would pass the rest)', () => {
    const ways = {
      invalid_filter: 'new LivegateError',
      slow_consumer: 'closeReasonFor',
      binary_not_supported: 'errorData',
      unsupported_media_type: 'a map onto ErrorCode',
      too_many_alerts: 'a code field',
      bus_unavailable: 'super() of a LivegateError subclass',
      method_not_allowed: 'a conditional argument',
    };
    for (const [code, way] of Object.entries(ways)) expect(scan.emitted.has(code), `${code} via ${way}`).toBe(true);
  });
});
