import { DomainError, ForbiddenError, InvalidError, NotFoundError } from '@libs/errors';
import { createValidationPipe, statusOf, toProblem } from '@libs/http';

/** A submitted HTML form: every field a string, any field possibly missing. */
export type Form = Record<string, string | undefined>;

const pipe = createValidationPipe();

/** A form's fields through the API's own DTO rules; a failure is an InvalidError naming each field. */
export async function validated<T>(type: new () => T, data: Record<string, unknown>): Promise<T> {
  return pipe.transform(data, { type: 'body', metatype: type }) as Promise<T>;
}

/** Field → first message, from a domain error of the API's services or validation. */
export function formErrors(err: DomainError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const e of 'errors' in err ? (err.errors as InvalidError['errors']) : []) errors[e.field] ??= e.message;
  return errors;
}

/** An error a form shows to the person (a refusal of the domain), as opposed to a failure to let through. */
export function isFormError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

/** The alert above a form: a summary when fields are named, else the error's own French detail. */
export function formAlert(err: DomainError, errors: Record<string, string>, summary: string): string | undefined {
  return Object.keys(errors).length ? summary : err.detail;
}

/** The status a page answers with when it shows this refusal beside its form. */
export const formStatus = (err: DomainError): number => statusOf(err);

/** What a page shows again beside its form when the domain refused it. */
export interface FormRefusal {
  /** Field → first message. */
  errors: Record<string, string>;
  /** The alert above the form. */
  formError?: string;
  status: number;
  /** The form's own rules refused a field (an InvalidError), rather than a conflict or a limit. */
  invalid: boolean;
  /** The refusal's own French words (for a page that words its alert itself). */
  detail?: string;
  /** The headers the refusal asks for (a retry-after after too many attempts). */
  headers?: Record<string, string>;
}

type ErrorType = abstract new (...args: never[]) => DomainError;

/** The refusals a form does not show: the thing is missing, or not this person's to change (the error page). */
export const MISSING_OR_FORBIDDEN: ErrorType[] = [NotFoundError, ForbiddenError];

/**
 * A form's POST: `action` (which redirects), or on a refusal the form shows, `refused` with each
 * field's message, the alert (`summary` when fields are named, else the error's own detail) and
 * the status. Errors of the `passOn` types (a missing or forbidden thing) go to the error page.
 */
export async function submitForm<T>(form: {
  action: () => Promise<T>;
  /** Without it, the alert is the refusal's detail. */
  summary?: string | ((errors: Record<string, string>) => string);
  refused: (refusal: FormRefusal) => Promise<T> | T;
  passOn?: ErrorType[];
}): Promise<T> {
  try {
    return await form.action();
  } catch (err) {
    if (!isFormError(err) || form.passOn?.some((type) => err instanceof type)) throw err;
    const errors = formErrors(err);
    const summary = typeof form.summary === 'function' ? form.summary(errors) : form.summary;
    const formError = summary === undefined ? err.detail : formAlert(err, errors, summary);
    return form.refused({
      errors,
      formError,
      status: formStatus(err),
      invalid: err instanceof InvalidError,
      detail: err.detail,
      headers: formHeaders(err),
    });
  }
}

/** The headers the refusal asks for (a retry-after after too many attempts). */
export const formHeaders = (err: DomainError): Record<string, string> => toProblem(err).headers;

/** The same refusal, told in the words of the page that met it (the error page shows `detail`). */
export function retold<E extends DomainError>(err: E, detail: string): E {
  return Object.assign(Object.create(Object.getPrototypeOf(err) as object) as E, err, { detail, message: detail });
}

/** Where to go after signing in: a path of this site only. */
export function safeReturn(path: string | undefined): string {
  return path && /^\/(?!\/)[\w\-./?=&%]*$/.test(path) ? path : '/';
}

/** A form page's title: « Erreur – » before it while the page shows a refusal beside the form. */
export const formTitle = (title: string, errors: object | undefined): string => (errors ? `Erreur – ${title}` : title);
