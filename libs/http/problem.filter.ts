import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidError,
  MalformedError,
  NotFoundError,
  TooManyRequestsError,
  UnauthenticatedError,
} from '@libs/errors';
import { Problem, problem, PROBLEM_CONTENT_TYPE, ProblemException } from './problem';

/** Turns every error into problem+json; an unexpected one is logged and answered 500 without details. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const { body, headers } = toProblem(error);
    if (body.status >= 500)
      this.logger.error(`${request.method} ${request.url} failed: ${(error as Error)?.stack ?? String(error)}`);
    sendProblem(reply, body, headers);
  }
}

export function sendProblem(reply: FastifyReply, body: Problem, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** The HTTP status of each domain error: the one place where the domain meets HTTP. */
export function statusOf(error: DomainError): number {
  if (error instanceof NotFoundError) return 404;
  if (error instanceof UnauthenticatedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof ConflictError) return 409;
  if (error instanceof InvalidError) return 422;
  if (error instanceof MalformedError) return 400;
  if (error instanceof TooManyRequestsError) return 429;
  return 500;
}

function domainProblem(error: DomainError): { body: Problem; headers: Record<string, string> } {
  const errors =
    error instanceof InvalidError || error instanceof ConflictError || error instanceof MalformedError
      ? error.errors
      : undefined;
  const headers: Record<string, string> =
    error instanceof TooManyRequestsError ? { 'retry-after': String(error.retryAfterSec) } : {};
  return { body: problem(statusOf(error), error.detail, errors, error.type), headers };
}

export function toProblem(error: unknown): { body: Problem; headers: Record<string, string> } {
  if (error instanceof DomainError) return domainProblem(error);
  if (error instanceof ProblemException) return { body: error.problem, headers: error.headers };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { body: problem(status, frenchDetail(status), bodyError(status)), headers: {} };
  }
  // Fastify's own errors (body too large, bad JSON, unsupported media type) carry statusCode.
  const fastifyStatus = (error as { statusCode?: number })?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return { body: problem(fastifyStatus, frenchDetail(fastifyStatus), bodyError(fastifyStatus)), headers: {} };
  }
  return { body: problem(500, 'Une erreur inattendue est survenue. Veuillez réessayer plus tard.'), headers: {} };
}

/** Framework-raised 400/413/415 errors are about the request body. */
function bodyError(status: number) {
  if (status === 400) return [{ field: 'body', message: 'corps de requête illisible (JSON attendu)' }];
  if (status === 413) return [{ field: 'body', message: 'corps de requête trop volumineux' }];
  if (status === 415) return [{ field: 'body', message: 'type de contenu non accepté (JSON attendu)' }];
  return undefined;
}

function frenchDetail(status: number): string {
  switch (status) {
    case 404:
      return 'Cette page ou cette ressource est introuvable.';
    case 400:
      return 'La requête est mal formée.';
    case 401:
      return 'Veuillez vous connecter.';
    case 403:
      return "Vous n'avez pas accès à cette action.";
    case 405:
      return "Cette méthode n'est pas autorisée ici.";
    case 413:
      return 'Le contenu envoyé est trop volumineux.';
    case 415:
      return "Ce type de contenu n'est pas accepté.";
    case 429:
      return 'Trop de tentatives. Veuillez patienter avant de réessayer.';
    default:
      return problem(status).title;
  }
}
