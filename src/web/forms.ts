import { createValidationPipe, ProblemException } from '../../libs/http';

/** A submitted HTML form: every field a string, any field possibly missing. */
export type Form = Record<string, string | undefined>;

const pipe = createValidationPipe();

/** A form's fields through the API's own DTO rules; a failure is a ProblemException naming each field. */
export async function validated<T>(type: new () => T, data: Record<string, unknown>): Promise<T> {
  return pipe.transform(data, { type: 'body', metatype: type }) as Promise<T>;
}

/** Field → first message, from a ProblemException of the API's services or validation. */
export function formErrors(err: ProblemException): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const e of err.problem.errors ?? []) errors[e.field] ??= e.message;
  return errors;
}

/** An error a form shows to the person (a 4xx problem), as opposed to a failure to let through. */
export function isFormError(err: unknown): err is ProblemException {
  return err instanceof ProblemException && err.problem.status < 500;
}

/** The alert above a form: a summary when fields are named, else the problem's own French detail. */
export function formAlert(err: ProblemException, errors: Record<string, string>, summary: string): string | undefined {
  return Object.keys(errors).length ? summary : err.problem.detail;
}

/** Where to go after signing in: a path of this site only. */
export function safeReturn(path: string | undefined): string {
  return path && /^\/(?!\/)[\w\-./?=&%]*$/.test(path) ? path : '/';
}
