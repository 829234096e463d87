import { FieldError, problem, ProblemException } from './problem';

/**
 * Checks every string a request carries (body, query, path) before any route sees it.
 * PostgreSQL refuses U+0000 in text and a lone surrogate cannot be written as UTF-8 (jsonb
 * rejects its escape), so either would fail deep in a query as a 500; and class-transformer
 * recurses once per level of nesting, so a body thousands of levels deep overflows the stack.
 * One pass, iterative (the walk itself must not recurse), answers all three as a 400.
 */
export const MAX_BODY_DEPTH = 32;

// eslint-disable-next-line no-control-regex -- finding the NUL byte is the point
const NUL = /\u0000/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function textProblem(s: string): string | undefined {
  if (NUL.test(s)) return 'caractère nul (U+0000) non accepté';
  if (LONE_SURROGATE.test(s)) return 'texte mal encodé (caractère Unicode isolé)';
  return undefined;
}

/** Whether PostgreSQL can store the string as it is (no NUL, no lone surrogate). */
export const isCleanText = (s: string): boolean => textProblem(s) === undefined;

/** The first offending field of each part, named as the validation pipe names fields (`location.lat`, `q`, `id`). */
export function unsafeInputErrors(parts: { body?: unknown; query?: unknown; params?: unknown }): {
  errors: FieldError[];
  tooDeep: boolean;
} {
  const errors: FieldError[] = [];
  // Each root is depth 0; fields are named without the part they came in (as the pipe names them).
  const stack: Array<{ value: unknown; path: string; depth: number }> = [];
  for (const value of [parts.body, parts.query, parts.params])
    if (value !== undefined && value !== null) stack.push({ value, path: '', depth: 0 });
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const message = textProblem(value);
      if (message) errors.push({ field: path || 'body', message });
      continue;
    }
    // Buffers (images, multipart) are bytes, not text: they are checked by their own routes.
    if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) continue;
    // Only a body can nest (query strings and paths are flat), and the path 32 levels down says nothing useful.
    if (depth >= MAX_BODY_DEPTH)
      return {
        errors: [{ field: 'body', message: `données trop imbriquées (${MAX_BODY_DEPTH} niveaux au plus)` }],
        tooDeep: true,
      };
    for (const [key, child] of Object.entries(value)) {
      const keyMessage = textProblem(key);
      const childPath = path ? `${path}.${key}` : key;
      if (keyMessage) {
        errors.push({ field: path || 'body', message: `nom de champ : ${keyMessage}` });
        continue;
      }
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return { errors, tooDeep: false };
}

/** The same check as a ProblemException (400), or undefined when the request is clean. */
export function unsafeInputProblem(parts: {
  body?: unknown;
  query?: unknown;
  params?: unknown;
}): ProblemException | undefined {
  const { errors, tooDeep } = unsafeInputErrors(parts);
  if (!errors.length) return undefined;
  const detail = tooDeep
    ? 'Le corps de la requête est trop imbriqué.'
    : 'La requête contient des caractères non acceptés.';
  // One message per field, in a stable order.
  const seen = new Set<string>();
  const unique = errors
    .filter((e) => (seen.has(e.field) ? false : (seen.add(e.field), true)))
    .sort((a, b) => a.field.localeCompare(b.field));
  return new ProblemException(problem(400, detail, unique));
}
