/**
 * What went wrong, in the terms of the program rather than of HTTP: services, repositories and
 * libs throw these; the edge (libs/http's ProblemFilter, the site's error filter) turns each into
 * problem+json or a French page. `detail` is French because pages show it as is.
 */
export interface FieldError {
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  /** A URI naming this refusal when clients must tell it from others of its kind (RFC 9457 `type`). */
  readonly type?: string;

  protected constructor(
    readonly detail: string | undefined,
    type?: string,
  ) {
    super(detail ?? new.target.name);
    this.name = new.target.name;
    if (type) this.type = type;
  }
}

/** The thing does not exist, or this person may not know it does. */
export class NotFoundError extends DomainError {
  constructor(detail = 'Cette ressource est introuvable.') {
    super(detail);
  }
}

/** Nobody is signed in, or the credentials do not match. */
export class UnauthenticatedError extends DomainError {
  constructor(detail = 'Veuillez vous connecter.') {
    super(detail);
  }
}

/** Signed in, but this person may not do this. */
export class ForbiddenError extends DomainError {
  constructor(detail: string, type?: string) {
    super(detail, type);
  }
}

/** The state of things refuses the action (already decided, full, already reported…). */
export class ConflictError extends DomainError {
  constructor(
    detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }
}

/** Data that breaks a rule, naming each offending field. */
export class InvalidError extends DomainError {
  constructor(
    readonly errors: FieldError[],
    detail = 'Certaines données sont invalides.',
  ) {
    super(detail);
  }

  static field(field: string, message: string): InvalidError {
    return new InvalidError([{ field, message }]);
  }
}

/** A request that cannot be read at all (a malformed header, say), naming what is wrong. */
export class MalformedError extends DomainError {
  constructor(
    detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }
}

/** Too many attempts: try again after `retryAfterSec` seconds. */
export class TooManyRequestsError extends DomainError {
  constructor(
    detail: string,
    readonly retryAfterSec: number,
  ) {
    super(detail);
  }
}
